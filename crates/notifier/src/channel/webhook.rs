//! SMS through any gateway that takes a signed JSON POST, for providers other than Kannel.
//!
//! The receiver checks `X-Gridloop-Signature` = `sha256=` hex HMAC-SHA256 of `"{timestamp}.{body}"`
//! under the shared secret, and should refuse a timestamp far from its clock (replay). It should
//! deduplicate on `Idempotency-Key`, because a timed-out send is retried with the same key.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::http::{self, HttpClient};
use super::{default_timeout_secs, Secret};
use crate::{Address, Content, Message, NotifierError, Outcome};

/// `[notify.webhook]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub url: String,
    pub secret: Secret,
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

/// The JSON body, a struct so that the field order (and so the signed bytes) is fixed.
#[derive(Serialize)]
struct WireBody<'a> {
    id: i64,
    to: &'a str,
    text: &'a str,
}

#[derive(Debug)]
pub struct WebhookChannel {
    config: WebhookConfig,
    client: HttpClient,
}

/// `sha256=<hex>` over `"{timestamp}.{body}"`: binding the timestamp into the MAC stops an old
/// request from being replayed under a fresh timestamp.
pub fn signature(secret: &str, timestamp: u64, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256=");
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

impl WebhookChannel {
    pub fn new(mut config: WebhookConfig) -> Result<Self, NotifierError> {
        config.url = http::check_base_url("notify.webhook.url", &config.url)?;
        if config.secret.expose().is_empty() {
            return Err(NotifierError::Config(
                "notify.webhook.secret must not be empty".to_owned(),
            ));
        }
        Ok(Self {
            config,
            client: http::client(),
        })
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.config.timeout_secs.max(1))
    }

    pub async fn send(&self, msg: &Message) -> Outcome {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let request = match self.request(msg, now) {
            Ok(request) => request,
            Err(error) => return Outcome::Permanent { error },
        };
        match http::exchange(&self.client, request).await {
            Ok(answer) => classify(answer.status, answer.retry_after, &answer.body),
            Err(error) => Outcome::Transient {
                error,
                retry_after: None,
            },
        }
    }

    fn request(&self, msg: &Message, timestamp: u64) -> Result<Request<Full<Bytes>>, String> {
        let Address::Phone(phone) = &msg.to else {
            return Err("the webhook channel cannot send to an email address".to_owned());
        };
        let Content::Sms { text } = &msg.content else {
            return Err("email content cannot go out on the SMS webhook".to_owned());
        };
        if text.trim().is_empty() {
            return Err("the SMS text is empty".to_owned());
        }
        let body = WireBody {
            id: msg.id,
            to: phone.as_str(),
            text,
        };
        let body = serde_json::to_vec(&body).map_err(|e| format!("JSON body: {e}"))?;
        Request::builder()
            .method(Method::POST)
            .uri(&self.config.url)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header("X-Gridloop-Timestamp", timestamp.to_string())
            .header(
                "X-Gridloop-Signature",
                signature(self.config.secret.expose(), timestamp, &body),
            )
            .header("Idempotency-Key", msg.id.to_string())
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("webhook request cannot be built: {e}"))
    }
}

fn classify(status: StatusCode, retry_after: Option<Duration>, body: &str) -> Outcome {
    let mut snippet: String = body.chars().take(200).collect();
    if snippet.len() < body.len() {
        snippet.push('…');
    }
    let error = || super::scrub(&format!("webhook answered {}: {snippet}", status.as_u16()));
    if status.is_success() {
        Outcome::Accepted { provider_id: None }
    } else if status == StatusCode::TOO_MANY_REQUESTS {
        Outcome::RateLimited { retry_after }
    } else if status.is_client_error() {
        Outcome::Permanent { error: error() }
    } else {
        Outcome::Transient {
            error: error(),
            retry_after,
        }
    }
}

#[cfg(test)]
mod tests {
    use gridloop_core::Phone;

    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_timestamp_dot_body() {
        // Reference value from Python's `hmac.new(b'key', b'1700000000.{}', 'sha256')`.
        assert_eq!(
            signature("key", 1_700_000_000, b"{}"),
            "sha256=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
        );
    }

    #[test]
    fn the_request_carries_json_signature_and_idempotency_key() {
        let channel = WebhookChannel::new(WebhookConfig {
            url: "http://127.0.0.1:9/sms".to_owned(),
            secret: Secret::new("key"),
            timeout_secs: 10,
        })
        .expect("valid");
        let msg = Message {
            id: 5,
            to: Address::Phone(Phone::parse("+8613800138000").expect("phone")),
            to_name: None,
            content: Content::Sms {
                text: "停电通知".to_owned(),
            },
            thread: None,
        };
        let request = channel.request(&msg, 1_700_000_000).expect("request");
        let h = request.headers();
        assert_eq!(h["Idempotency-Key"], "5");
        assert_eq!(h["X-Gridloop-Timestamp"], "1700000000");
        let body = r#"{"id":5,"to":"+8613800138000","text":"停电通知"}"#;
        assert_eq!(
            h["X-Gridloop-Signature"],
            signature("key", 1_700_000_000, body.as_bytes()).as_str()
        );
    }

    #[test]
    fn http_answers_are_classified() {
        let later = Some(Duration::from_secs(7));
        assert_eq!(
            classify(StatusCode::NO_CONTENT, None, ""),
            Outcome::Accepted { provider_id: None }
        );
        assert_eq!(
            classify(StatusCode::TOO_MANY_REQUESTS, later, ""),
            Outcome::RateLimited { retry_after: later }
        );
        assert!(matches!(
            classify(StatusCode::BAD_REQUEST, None, "bad"),
            Outcome::Permanent { .. }
        ));
        assert!(matches!(
            classify(StatusCode::BAD_GATEWAY, later, ""),
            Outcome::Transient { retry_after, .. } if retry_after == later
        ));
    }
}
