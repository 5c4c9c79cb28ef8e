//! SMS through a Kannel gateway's HTTP `sendsms` interface, with delivery reports.
//!
//! Kannel answers 202 both when it handed the SMS to an SMS centre (`0: Accepted`) and when no
//! centre is online and it keeps the SMS for later (`3: Queued`); both mean the gateway took
//! responsibility, and the delivery report tells the rest.
//!
//! The delivery-report URL handed to Kannel carries the deployment's secret (`secret=`), which
//! gridloop's endpoint requires of every report: without it anyone who can reach the endpoint
//! could mark messages delivered or failed. The channel is told the secret once it is known
//! ([`KannelChannel::set_dlr_secret`]); until then it sends nothing that asks for reports.

use std::sync::OnceLock;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Deserialize;

use super::http::{self, HttpClient};
use super::{default_timeout_secs, Secret};
use crate::{Address, Content, Message, NotifierError, Outcome};

/// Everything but RFC 3986's unreserved characters is encoded: a `+` left raw becomes a space and
/// Kannel then reads two recipients, and the `%d` inside `dlr-url` must reach Kannel literally.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn default_dlr_mask() -> u8 {
    31
}

/// `[notify.kannel]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KannelConfig {
    /// smsbox's sendsms base URL, e.g. `http://127.0.0.1:13013`.
    pub url: String,
    pub username: String,
    pub password: Secret,
    /// The sender shown on phones; the gateway's `global-sender` when absent.
    #[serde(default)]
    pub from: Option<String>,
    /// Base URL of gridloop's delivery-report endpoint; no reports are asked for when absent.
    /// The deployment's secret is added to it (see [`KannelChannel::set_dlr_secret`]).
    #[serde(default)]
    pub dlr_url: Option<String>,
    /// Which reports Kannel sends: 1 delivered, 2 failed, 4 queued at the SMS centre, 8 accepted by
    /// the SMS centre, 16 rejected by it. 31 asks for all of them, so the outbox can show progress.
    #[serde(default = "default_dlr_mask")]
    pub dlr_mask: u8,
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

/// Sends SMS through one Kannel smsbox over a kept-alive HTTP connection.
#[derive(Debug)]
pub struct KannelChannel {
    config: KannelConfig,
    client: HttpClient,
    /// The delivery-report secret, set once by whoever knows it (the server reads it from its
    /// settings or the database, which this crate does not see).
    dlr_secret: OnceLock<Secret>,
}

impl KannelChannel {
    pub fn new(mut config: KannelConfig) -> Result<Self, NotifierError> {
        config.url = http::check_base_url("notify.kannel.url", &config.url)?;
        if let Some(dlr) = &config.dlr_url {
            // Only Kannel calls this URL, so https is allowed here even though we send over http.
            let ok = dlr
                .parse::<hyper::Uri>()
                .is_ok_and(|u| u.scheme().is_some() && u.host().is_some());
            if !ok {
                return Err(NotifierError::Config(format!(
                    "notify.kannel.dlr_url = {dlr:?}: not an absolute URL"
                )));
            }
        }
        Ok(Self {
            config,
            client: http::client(),
            dlr_secret: OnceLock::new(),
        })
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.config.timeout_secs.max(1))
    }

    /// Whether this channel asks for delivery reports but does not know the secret yet.
    pub fn needs_dlr_secret(&self) -> bool {
        self.config.dlr_url.is_some() && self.dlr_secret.get().is_none()
    }

    /// Gives the channel the deployment's delivery-report secret; the first call wins (a
    /// deployment's secret does not change while it runs).
    pub fn set_dlr_secret(&self, secret: Secret) {
        let _ = self.dlr_secret.set(secret);
    }

    pub async fn send(&self, msg: &Message) -> Outcome {
        if self.needs_dlr_secret() {
            // Sent now, its reports would be refused; the secret comes with the next round.
            return Outcome::Transient {
                error: "the delivery-report secret is not known yet".to_owned(),
                retry_after: None,
            };
        }
        let uri = match self.sendsms_uri(msg) {
            Ok(uri) => uri,
            Err(error) => return Outcome::Permanent { error },
        };
        let request = match Request::builder()
            .method(Method::GET)
            .uri(uri)
            .body(Full::new(Bytes::new()))
        {
            Ok(request) => request,
            Err(e) => {
                return Outcome::Permanent {
                    error: format!("sendsms request cannot be built: {e}"),
                }
            }
        };
        match http::exchange(&self.client, request).await {
            Ok(answer) => classify(answer.status, answer.retry_after, &answer.body),
            Err(error) => Outcome::Transient {
                error,
                retry_after: None,
            },
        }
    }

    /// The full sendsms URL with every parameter percent-encoded. `Err` means the message can
    /// never go out on this channel.
    fn sendsms_uri(&self, msg: &Message) -> Result<String, String> {
        let Address::Phone(phone) = &msg.to else {
            return Err("the SMS channel cannot send to an email address".to_owned());
        };
        let Content::Sms { text } = &msg.content else {
            return Err("email content cannot go out as an SMS".to_owned());
        };
        if text.trim().is_empty() {
            // Kannel would accept it and send an empty SMS.
            return Err("the SMS text is empty".to_owned());
        }
        let c = &self.config;
        let mut params: Vec<(&str, String)> = vec![
            ("username", c.username.clone()),
            ("password", c.password.expose().to_owned()),
            ("to", phone.as_str().to_owned()),
            ("text", text.clone()),
            // Both are needed for Chinese: with only one, phones show `?????`. UCS-2 is fine for
            // Latin text too; it only lowers the characters per part from 160 to 70.
            ("charset", "UTF-8".to_owned()),
            ("coding", "2".to_owned()),
        ];
        if let Some(from) = &c.from {
            params.push(("from", from.clone()));
        }
        if let Some(dlr) = &c.dlr_url {
            let secret = self
                .dlr_secret
                .get()
                .ok_or("the delivery-report secret is not known yet")?;
            params.push(("dlr-mask", c.dlr_mask.to_string()));
            params.push(("dlr-url", dlr_url(dlr, secret, msg.id)));
        }
        let query = params
            .iter()
            .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, QUERY_VALUE)))
            .collect::<Vec<_>>()
            .join("&");
        Ok(format!("{}/cgi-bin/sendsms?{query}", c.url))
    }
}

/// The URL Kannel calls back with a report; Kannel replaces `%d` with the report type. The
/// secret is percent-encoded like any value, though the server only ever gives one of URL-safe
/// characters: a `%` in it could be taken by Kannel for one of its escapes.
fn dlr_url(base: &str, secret: &Secret, id: i64) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    let secret = utf8_percent_encode(secret.expose(), QUERY_VALUE);
    format!("{base}{sep}secret={secret}&id={id}&status=%d")
}

fn classify(status: StatusCode, retry_after: Option<Duration>, body: &str) -> Outcome {
    let error = || format!("kannel answered {}: {body}", status.as_u16());
    match status {
        StatusCode::ACCEPTED | StatusCode::OK
            if body.starts_with("0:") || body.starts_with("3:") =>
        {
            Outcome::Accepted { provider_id: None }
        }
        StatusCode::TOO_MANY_REQUESTS => Outcome::RateLimited { retry_after },
        s if s.is_client_error() => Outcome::Permanent { error: error() },
        // A 2xx we do not recognise did not promise delivery: safer to try again than to drop.
        _ => Outcome::Transient {
            error: error(),
            retry_after,
        },
    }
}

/// What a delivery report says about a message, from the `%d` Kannel substitutes in `dlr-url`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DlrStatus {
    /// Type 1: on the phone.
    Delivered,
    /// Type 2 (undeliverable) or 16 (rejected by the SMS centre).
    Failed,
    /// Type 4 (queued at the SMS centre) or 8 (accepted by it): a final report is still to come.
    Intermediate,
}

impl DlrStatus {
    /// `None` for a number Kannel does not send alone; the endpoint should answer 400 then.
    pub fn from_kannel(code: u32) -> Option<Self> {
        match code {
            1 => Some(Self::Delivered),
            2 | 16 => Some(Self::Failed),
            4 | 8 => Some(Self::Intermediate),
            _ => None,
        }
    }

    /// A final status ends the message's story; an intermediate one only records progress.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Intermediate)
    }
}

#[cfg(test)]
mod tests {
    use gridloop_core::Phone;

    use super::*;

    fn channel(dlr: Option<&str>) -> KannelChannel {
        let channel = KannelChannel::new(KannelConfig {
            url: "http://127.0.0.1:13013/".to_owned(),
            username: "gl".to_owned(),
            password: Secret::new("p&w d+"),
            from: Some("园区".to_owned()),
            dlr_url: dlr.map(str::to_owned),
            dlr_mask: 31,
            timeout_secs: 10,
        })
        .expect("valid config");
        channel.set_dlr_secret(Secret::new("0f1e2d3c"));
        channel
    }

    fn sms(text: &str) -> Message {
        Message {
            id: 9,
            to: Address::Phone(Phone::parse("+8613800138000").expect("phone")),
            to_name: None,
            content: Content::Sms {
                text: text.to_owned(),
            },
            thread: None,
        }
    }

    #[test]
    fn every_parameter_is_percent_encoded_including_the_plus_and_the_dlr_placeholder() {
        let uri = channel(Some("http://127.0.0.1:8080/api/v1/notifications/dlr"))
            .sendsms_uri(&sms("你好 a+b"))
            .expect("uri");
        assert_eq!(
            uri,
            "http://127.0.0.1:13013/cgi-bin/sendsms?username=gl&password=p%26w%20d%2B\
             &to=%2B8613800138000&text=%E4%BD%A0%E5%A5%BD%20a%2Bb&charset=UTF-8&coding=2\
             &from=%E5%9B%AD%E5%8C%BA&dlr-mask=31\
             &dlr-url=http%3A%2F%2F127.0.0.1%3A8080%2Fapi%2Fv1%2Fnotifications%2Fdlr\
             %3Fsecret%3D0f1e2d3c%26id%3D9%26status%3D%25d"
        );
    }

    #[test]
    fn a_channel_that_asks_for_reports_sends_nothing_before_it_knows_the_secret() {
        let channel = KannelChannel::new(KannelConfig {
            url: "http://127.0.0.1:13013/".to_owned(),
            username: "gl".to_owned(),
            password: Secret::new("pw"),
            from: None,
            dlr_url: Some("http://127.0.0.1:8080/api/v1/notifications/dlr".to_owned()),
            dlr_mask: 31,
            timeout_secs: 10,
        })
        .expect("valid config");
        assert!(channel.needs_dlr_secret());
        assert!(channel.sendsms_uri(&sms("hi")).is_err());
        channel.set_dlr_secret(Secret::new("s3cret"));
        assert!(!channel.needs_dlr_secret());
        let uri = channel.sendsms_uri(&sms("hi")).expect("uri");
        assert!(uri.contains("secret%3Ds3cret"), "{uri}");
    }

    #[test]
    fn without_a_dlr_url_no_report_is_asked_for() {
        let uri = channel(None).sendsms_uri(&sms("hi")).expect("uri");
        assert!(!uri.contains("dlr"), "{uri}");
    }

    #[test]
    fn an_empty_text_is_refused_before_the_gateway() {
        assert!(channel(None).sendsms_uri(&sms("  ")).is_err());
    }

    #[test]
    fn kannel_answers_are_classified() {
        let accepted = Outcome::Accepted { provider_id: None };
        assert_eq!(
            classify(StatusCode::ACCEPTED, None, "0: Accepted for delivery"),
            accepted
        );
        assert_eq!(
            classify(StatusCode::ACCEPTED, None, "3: Queued for later delivery"),
            accepted
        );
        assert!(matches!(
            classify(
                StatusCode::FORBIDDEN,
                None,
                "Authorization failed for sendsms"
            ),
            Outcome::Permanent { .. }
        ));
        assert!(matches!(
            classify(
                StatusCode::BAD_REQUEST,
                None,
                "Missing receiver number, rejected"
            ),
            Outcome::Permanent { .. }
        ));
        let later = Some(Duration::from_secs(5));
        assert_eq!(
            classify(StatusCode::SERVICE_UNAVAILABLE, later, "Temporal failure"),
            Outcome::Transient {
                error: "kannel answered 503: Temporal failure".to_owned(),
                retry_after: later
            }
        );
        assert!(matches!(
            classify(StatusCode::INTERNAL_SERVER_ERROR, None, "Sending failed."),
            Outcome::Transient { .. }
        ));
        assert_eq!(
            classify(StatusCode::TOO_MANY_REQUESTS, later, ""),
            Outcome::RateLimited { retry_after: later }
        );
    }

    #[test]
    fn delivery_report_numbers_map_to_statuses() {
        assert_eq!(DlrStatus::from_kannel(1), Some(DlrStatus::Delivered));
        assert_eq!(DlrStatus::from_kannel(2), Some(DlrStatus::Failed));
        assert_eq!(DlrStatus::from_kannel(16), Some(DlrStatus::Failed));
        assert_eq!(DlrStatus::from_kannel(8), Some(DlrStatus::Intermediate));
        assert_eq!(DlrStatus::from_kannel(4), Some(DlrStatus::Intermediate));
        assert_eq!(DlrStatus::from_kannel(3), None);
        assert!(!DlrStatus::Intermediate.is_final());
    }
}
