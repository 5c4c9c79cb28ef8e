//! The test harness: [`TestApp`] seeds a park, mints a token per demo user on demand, serves
//! the real router on `127.0.0.1:0`, and speaks HTTP/1.1 to it with hyper.

#![allow(dead_code)]

use gridloop_scheduler::reports::ReportContext;
use gridloop_scheduler::LiveWorkflow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use gridloop::serve;
use gridloop_app::clock::ManualClock;
use gridloop_app::demo::{park::reference_park, seed};
use gridloop_app::tokens::{new_token, token_hash};
use gridloop_app::AppState;
use gridloop_app::Shared;
use gridloop_core::{Calendar, Login, Workflow};
use gridloop_store::{Store, TokenScope};
use http_body_util::{BodyExt, Full};
use hyper::header::HeaderMap;
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use sqlx::Connection;
use tokio::sync::Mutex;

/// Friday 2026-11-27 10:00 in Shanghai.
pub const NOW: &str = "2026-11-27T02:00:00Z";

pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW)
        .expect("NOW")
        .with_timezone(&Utc)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running app with its own database.
pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub clock: Arc<ManualClock>,
    pub data_dir: PathBuf,
    client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    tokens: Mutex<HashMap<String, String>>,
    cleanup: Cleanup,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

enum Cleanup {
    Folder(PathBuf),
    Pg {
        admin: String,
        name: String,
        folder: PathBuf,
    },
}

/// A response: status, headers, body bytes.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// Asserts the status, and for errors that the body is a problem document of that status.
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text());
        if status >= 400 {
            assert_eq!(
                self.header("content-type").as_deref(),
                Some("application/problem+json"),
                "errors are problem documents: {}",
                self.text()
            );
            assert_eq!(self.json()["status"], status);
        }
        self
    }
}

fn unique(tag: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{tag}_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        Utc::now().timestamp_micros() % 1_000_000
    )
}

impl TestApp {
    /// Seeds the demo park and serves it. PostgreSQL is skipped (`None`) only when
    /// GRIDLOOP_SKIP_PG=1; an unreachable server fails the test.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, Default::default()).await
    }

    /// Like [`TestApp::spawn`], with the web pages' state given: e.g. trusted proxies or other
    /// sign-in limits (`WebState::from_settings`).
    pub async fn spawn_with(backend: Backend, web: gridloop_app::WebState) -> Option<Self> {
        let folder = std::env::temp_dir().join(unique("gridloop-api"));
        std::fs::create_dir_all(&folder).expect("temp dir");
        let (url, cleanup) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}", folder.join("gridloop.db").display()),
                Cleanup::Folder(folder.clone()),
            ),
            Backend::Postgres => {
                if std::env::var("GRIDLOOP_SKIP_PG").as_deref() == Ok("1") {
                    let _ = std::fs::remove_dir_all(&folder);
                    return None;
                }
                let admin = std::env::var("GRIDLOOP_TEST_PG_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
                let name = unique("gl_api");
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .expect("PostgreSQL on 127.0.0.1:5432 (GRIDLOOP_SKIP_PG=1 to skip)");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create database");
                let base = admin
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_owned())
                    .unwrap_or_default();
                (
                    format!("{base}/{name}"),
                    Cleanup::Pg {
                        admin,
                        name,
                        folder: folder.clone(),
                    },
                )
            }
        };
        let store = Store::connect(&url).await.expect("connect");
        store.migrate().await.expect("migrate");
        seed(&store, &reference_park(), chrono::Utc::now())
            .await
            .expect("seed the demo park");
        let clock = Arc::new(ManualClock::new(now()));
        let data_dir = folder.join("data");
        let workflow = LiveWorkflow::new(Workflow::new(Calendar::default_china()));
        let state = AppState::new(Shared {
            store: store.clone(),
            workflow: workflow.clone(),
            calendar: gridloop_app::settings::Settings::defaults().calendar,
            calendar_built_from: Default::default(),
            clock: clock.clone(),
            callers: Default::default(),
            category_ids: Default::default(),
            data_dir: data_dir.clone(),
            attachment_max_bytes: 10 * 1024 * 1024,
            web,
            reports: ReportContext::live(workflow),
            limits: Default::default(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = serve::serve(listener, state, async {
                let _ = rx.await;
            })
            .await;
        });
        Some(Self {
            base,
            store,
            clock,
            data_dir,
            client: Client::builder(TokioExecutor::new()).build_http(),
            tokens: Mutex::new(HashMap::new()),
            cleanup,
            shutdown: Some(tx),
        })
    }

    /// A bearer token (scope `api`) for a demo login, minted on first use.
    pub async fn token(&self, login: &str) -> String {
        self.scoped_token(login, TokenScope::Api).await
    }

    /// An Open311 `api_key` (scope `open311`) for a demo login with the enterprise role, minted
    /// on first use.
    pub async fn open311_key(&self, login: &str) -> String {
        self.scoped_token(login, TokenScope::Open311).await
    }

    async fn scoped_token(&self, login: &str, scope: TokenScope) -> String {
        let mut tokens = self.tokens.lock().await;
        let key = format!("{scope}:{login}");
        if let Some(t) = tokens.get(&key) {
            return t.clone();
        }
        let user = self
            .store
            .user_by_login(&Login::parse(login).expect("login"))
            .await
            .expect("user lookup")
            .unwrap_or_else(|| panic!("no demo user {login}"));
        let secret = new_token().expect("randomness");
        self.store
            .create_token(user.id, "test", scope, &token_hash(&secret), now())
            .await
            .expect("create token");
        tokens.insert(key, secret.clone());
        secret
    }

    /// Sends a request. `as_login` adds that user's bearer token; `headers` are extra headers.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        as_login: Option<&str>,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Reply {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(login) = as_login {
            req = req.header(
                "authorization",
                format!("Bearer {}", self.token(login).await),
            );
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Full::new(body.into())).expect("request");
        let res = self.client.request(req).await.expect("send");
        let (parts, body) = res.into_parts();
        let body = body.collect().await.expect("body").to_bytes();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, as_login: Option<&str>) -> Reply {
        self.send(Method::GET, path, as_login, &[], Bytes::new())
            .await
    }

    pub async fn post_json(&self, path: &str, as_login: Option<&str>, body: &Value) -> Reply {
        self.send(
            Method::POST,
            path,
            as_login,
            &[("content-type", "application/json")],
            serde_json::to_vec(body).expect("json"),
        )
        .await
    }

    /// Stops the server and drops the database.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.store.close().await;
        match &self.cleanup {
            Cleanup::Folder(folder) => {
                let _ = std::fs::remove_dir_all(folder);
            }
            Cleanup::Pg {
                admin,
                name,
                folder,
            } => {
                let _ = std::fs::remove_dir_all(folder);
                let mut conn = sqlx::PgConnection::connect(admin).await.expect("connect");
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .expect("drop database");
            }
        }
    }
}

/// Writes each test once and runs it on SQLite and on PostgreSQL:
/// `both! { fn name(app) { ... } }` where the body may `.await`.
#[macro_export]
macro_rules! both {
    ($(async fn $name:ident($app:ident: &TestApp) $body:block)*) => {
        $(
            async fn $name($app: &$crate::support::TestApp) $body
        )*
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::support::TestApp::spawn($crate::support::Backend::Sqlite)
                        .await
                        .expect("sqlite always runs");
                    super::$name(&app).await;
                    app.stop().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(app) = $crate::support::TestApp::spawn($crate::support::Backend::Postgres).await else { return };
                    super::$name(&app).await;
                    app.stop().await;
                }
            )*
        }
    };
}
