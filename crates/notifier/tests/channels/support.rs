//! What the channel tests share: the services' addresses, a lock per service, unique recipients,
//! and small HTTP helpers.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use gridloop_core::{Email, Phone};
use gridloop_notifier::{Address, Content, Message, Thread};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::sync::{Mutex, MutexGuard};

/// Tests that stop and start a service must not overlap with others using it.
static KANNEL_LOCK: Mutex<()> = Mutex::const_new(());
static MAILDEV_LOCK: Mutex<()> = Mutex::const_new(());

/// The value of a variable `tests/run.sh` exports, or `None` after saying why the test skips.
pub fn service_var(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            eprintln!("{name} is not set: skipping (tests/run.sh starts the service and sets it)");
            None
        }
    }
}

#[derive(Debug)]
pub struct Kannel {
    pub url: String,
    pub user: String,
    pub password: String,
    pub fakesmsc_log: PathBuf,
    ctl: String,
    _guard: MutexGuard<'static, ()>,
}

impl Kannel {
    pub async fn get() -> Option<Self> {
        let url = service_var("GRIDLOOP_TEST_KANNEL_URL")?;
        let guard = KANNEL_LOCK.lock().await;
        Some(Self {
            url,
            user: service_var("GRIDLOOP_TEST_KANNEL_USER")?,
            password: service_var("GRIDLOOP_TEST_KANNEL_PASSWORD")?,
            fakesmsc_log: service_var("GRIDLOOP_TEST_FAKESMSC_LOG")?.into(),
            ctl: service_var("GRIDLOOP_TEST_KANNEL_CTL")?,
            _guard: guard,
        })
    }

    /// `smsc-stop` or `smsc-start`: disconnects or reconnects the fake SMS centre.
    pub fn control(&self, action: &str) {
        run_script(&self.ctl, action);
    }

    /// Texts the fake SMS centre received for `to`, one per SMS part, decoded from UCS-2, in order.
    pub fn received(&self, to: &Phone) -> Vec<String> {
        let log = std::fs::read_to_string(&self.fakesmsc_log).unwrap_or_default();
        log.lines()
            .filter_map(|line| {
                // `... Got message 3: <from to ucs-2 TEXT>` or `<from to udh UDH data TEXT>`.
                let inner = line.split_once("Got message ")?.1.split_once(": <")?.1;
                let inner = inner.strip_suffix('>')?;
                let fields: Vec<&str> = inner.split(' ').collect();
                if fields.get(1) != Some(&to.as_str()) {
                    return None;
                }
                Some(decode_ucs2(fields.last()?))
            })
            .collect()
    }

    /// Waits (bounded) until `to` has received `parts` SMS parts.
    pub async fn wait_for(&self, to: &Phone, parts: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let got = self.received(to);
            if got.len() >= parts || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

fn decode_ucs2(encoded: &str) -> String {
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(encoded).collect();
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|p| u16::from_be_bytes([p[0], *p.get(1).unwrap_or(&0)]))
        .collect();
    String::from_utf16_lossy(&units)
}

#[derive(Debug)]
pub struct MailDev {
    pub smtp_host: String,
    pub smtp_port: u16,
    pub api: String,
    ctl: String,
    _guard: MutexGuard<'static, ()>,
}

impl MailDev {
    pub async fn get() -> Option<Self> {
        let smtp_host = service_var("GRIDLOOP_TEST_SMTP_HOST")?;
        let guard = MAILDEV_LOCK.lock().await;
        Some(Self {
            smtp_host,
            smtp_port: service_var("GRIDLOOP_TEST_SMTP_PORT")?
                .parse()
                .expect("GRIDLOOP_TEST_SMTP_PORT is a port"),
            api: service_var("GRIDLOOP_TEST_MAILDEV_URL")?,
            ctl: service_var("GRIDLOOP_TEST_MAILDEV_CTL")?,
            _guard: guard,
        })
    }

    /// `down` (stop, keep the ports) or `restart`.
    pub fn control(&self, action: &str) {
        run_script(&self.ctl, action);
    }

    /// Every mail MailDev holds, decoded by MailDev.
    pub async fn emails(&self) -> Vec<serde_json::Value> {
        let (status, body) = http_get(&format!("{}/api/email", self.api)).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("MailDev answers a JSON list")
    }

    /// The mails whose Message-ID is `message_id`, waiting (bounded) for at least one.
    pub async fn find(&self, message_id: &str) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let found: Vec<_> = self
                .emails()
                .await
                .into_iter()
                .filter(|m| m["headers"]["message-id"].as_str() == Some(message_id))
                .collect();
            if !found.is_empty() || Instant::now() > deadline {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub async fn source(&self, id: &str) -> String {
        let (status, body) = http_get(&format!("{}/api/email/{id}/source", self.api)).await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

fn run_script(script: &str, action: &str) {
    let status = Command::new("bash")
        .arg(script)
        .arg(action)
        .status()
        .expect("the service script runs");
    assert!(status.success(), "{script} {action} failed");
}

pub async fn http_get(url: &str) -> (u16, String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let response = client
        .get(url.parse().expect("valid URL"))
        .await
        .expect("HTTP GET");
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// An id no earlier run used, so messages left in a long-running service never match.
pub fn unique_id() -> i64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as i64;
    now * 100 + (NEXT.fetch_add(1, Ordering::Relaxed) % 100) as i64
}

/// A mainland mobile number unique to this id.
pub fn phone_for(id: i64) -> Phone {
    Phone::parse(&format!("+86139{:08}", id.rem_euclid(100_000_000))).expect("valid phone")
}

pub fn sms(id: i64, text: &str) -> Message {
    Message {
        id,
        to: Address::Phone(phone_for(id)),
        to_name: None,
        content: Content::Sms {
            text: text.to_owned(),
        },
        thread: None,
    }
}

pub fn email(id: i64, subject: &str, html: Option<&str>, issue: Option<i64>) -> Message {
    Message {
        id,
        to: Address::Email(Email::parse("wang.gong@tenant.example").expect("valid email")),
        to_name: Some("王工".to_owned()),
        content: Content::Email {
            subject: subject.to_owned(),
            text: "3号楼东侧路灯不亮，请处理。".to_owned(),
            html: html.map(str::to_owned),
            inline: Vec::new(),
        },
        thread: issue.map(|issue| Thread { issue }),
    }
}

/// A scratch folder under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let path = std::env::temp_dir().join(format!("gridloop-{tag}-{}", unique_id()));
        std::fs::create_dir_all(&path).expect("temp dir");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
