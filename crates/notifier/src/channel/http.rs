//! The small HTTP client the gateway channels share: hyper's pooled client over plain HTTP.
//!
//! Plain HTTP only, on purpose: Kannel's sendsms port and the webhook relays this park uses sit
//! on the same host or LAN. A TLS endpoint needs a local relay in front of it (or a later change).

use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::{Request, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::NotifierError;

pub(crate) type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// A gateway's answer is a status line and a short text; anything past this is not worth reading.
const MAX_BODY: usize = 16 * 1024;

pub(crate) fn client() -> HttpClient {
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build_http()
}

/// Checks a configured base URL once, at start-up, so a typo fails there and not on every send.
pub(crate) fn check_base_url(key: &str, url: &str) -> Result<String, NotifierError> {
    let uri: hyper::Uri = url
        .parse()
        .map_err(|e| NotifierError::Config(format!("{key} = {url:?}: {e}")))?;
    if uri.scheme_str() != Some("http") || uri.host().is_none() {
        return Err(NotifierError::Config(format!(
            "{key} = {url:?}: must be an http:// URL with a host"
        )));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

#[derive(Debug)]
pub(crate) struct Answer {
    pub status: StatusCode,
    pub retry_after: Option<Duration>,
    pub body: String,
}

/// Sends one request and reads the answer. `Err` is a network-level failure (refused, reset,
/// malformed answer): the caller treats it as transient.
pub(crate) async fn exchange(
    client: &HttpClient,
    request: Request<Full<Bytes>>,
) -> Result<Answer, String> {
    let response = client
        .request(request)
        .await
        .map_err(|e| format!("HTTP request failed: {}", super::error_chain(&e)))?;
    let status = response.status();
    let retry_after = response
        .headers()
        .get(hyper::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let body = Limited::new(response.into_body(), MAX_BODY)
        .collect()
        .await
        .map(|b| String::from_utf8_lossy(&b.to_bytes()).trim().to_owned())
        .unwrap_or_default();
    Ok(Answer {
        status,
        retry_after,
        body,
    })
}

/// `Retry-After` in seconds. The HTTP-date form is rare from gateways and is ignored: the worker's
/// own backoff applies then.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_in_seconds_and_dates_are_ignored() {
        assert_eq!(parse_retry_after(" 30 "), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn a_base_url_must_be_plain_http_with_a_host() {
        assert_eq!(
            check_base_url("url", "http://127.0.0.1:13013/").expect("ok"),
            "http://127.0.0.1:13013"
        );
        assert!(check_base_url("url", "https://sms.example").is_err());
        assert!(check_base_url("url", "not a url").is_err());
    }
}
