//! gridloop behind a real nginx, as `dist/` deploys it: the shipped site
//! (`dist/nginx/gridloop.conf`, only its ports, certificate and upstream put in) in front of
//! `gridloop --config dist/production.toml serve`, with a certificate made for the test. Through
//! TLS, as a browser and an API client would: sign-in with the form's CSRF token, a session
//! cookie marked `Secure`, the client address the sign-in throttle counts, and an attachment of
//! the largest size uploaded and downloaded (a larger one refused by nginx as problem+json).
//!
//! nginx is Debian's package (`tests/services/nginx.sh install`); without it the test says so
//! and passes. Each case runs its own nginx in the foreground (`master_process off`, so killing
//! the child stops it all) on loopback ports it picks. Clients are `curl` processes bound to
//! loopback addresses other than nginx's own 127.0.0.1 (127.0.0.2, …), since production.toml
//! trusts 127.0.0.1 as the proxy: a client there would be a trusted proxy itself.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::support::{Db, NOW};

mod sqlite {
    #[tokio::test(flavor = "multi_thread")]
    async fn sign_in_throttle_and_attachments_work_through_nginx() {
        let db = crate::support::Db::sqlite();
        super::through_nginx(&db);
        db.drop_async().await;
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread")]
    async fn sign_in_throttle_and_attachments_work_through_nginx() {
        let Some(db) = crate::support::Db::postgres().await else {
            return;
        };
        super::through_nginx(&db);
        db.drop_async().await;
    }
}

/// Every demo user's web password.
const DEMO_PASSWORD: &str = "gridloop-demo";
/// production.toml's `server.attachment_max_bytes`.
const ATTACHMENT_MAX: usize = 10 * 1024 * 1024;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The nginx binary, or `None` (and why) when it is not installed.
fn nginx_binary() -> Option<PathBuf> {
    let path = std::env::var_os("GRIDLOOP_TEST_NGINX")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/sbin/nginx"));
    if path.is_file() {
        Some(path)
    } else {
        eprintln!(
            "skipped: nginx is not installed at {} (tests/services/nginx.sh install)",
            path.display()
        );
        None
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn wait_for_port(port: u16, child: &mut Child, what: &str, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "{what} exited ({status}) before listening: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{what} did not listen on {port} within 20 s");
}

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A folder for one case's nginx, certificate and client files, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let base = std::env::var_os("GRIDLOOP_TEST_NGINX_STATE")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!(
            "proxy-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        std::fs::create_dir_all(&dir).expect("scratch folder");
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `gridloop serve` with the production sample config, on a free loopback port.
fn start_gridloop(db: &Db, dir: &Path) -> (Running, u16) {
    let port = free_port();
    let log = dir.join("gridloop.log");
    let child = Command::new(env!("CARGO_BIN_EXE_gridloop"))
        .args(["--config", "dist/production.toml", "serve", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .current_dir(root())
        .env("GRIDLOOP_DATABASE_URL", &db.url)
        .env("GRIDLOOP_SERVER__DATA_DIR", dir.join("data"))
        .env("GRIDLOOP_NOW", NOW)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("start gridloop serve");
    let mut running = Running(child);
    wait_for_port(port, &mut running.0, "gridloop serve", &log);
    (running, port)
}

/// Replaces `from` in `text`, which must hold it exactly once: the test fails loudly when the
/// shipped site changes shape, instead of testing something else.
fn put_in(text: &mut String, from: &str, to: &str) {
    assert_eq!(
        text.matches(from).count(),
        1,
        "dist/nginx/gridloop.conf should hold {from:?} once"
    );
    *text = text.replacen(from, to, 1);
}

/// A self-signed certificate for 127.0.0.1, made with the openssl command line.
fn make_certificate(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:P-256", "-nodes", "-days", "1"])
        .args([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key)
}

struct Nginx {
    _process: Running,
    https: u16,
    http: u16,
    cert: PathBuf,
}

/// nginx with the shipped site, proxying to gridloop on `upstream`.
fn start_nginx(binary: &Path, dir: &Path, upstream: u16) -> Nginx {
    let (cert, key) = make_certificate(dir);
    let (https, http) = (free_port(), free_port());
    let mut site = std::fs::read_to_string(root().join("dist/nginx/gridloop.conf"))
        .expect("dist/nginx/gridloop.conf");
    put_in(
        &mut site,
        "listen 443 ssl http2;",
        &format!("listen 127.0.0.1:{https} ssl http2;"),
    );
    put_in(&mut site, "listen [::]:443 ssl http2;", "");
    put_in(
        &mut site,
        "listen 80;",
        &format!("listen 127.0.0.1:{http};"),
    );
    put_in(&mut site, "listen [::]:80;", "");
    put_in(
        &mut site,
        "/etc/letsencrypt/live/gridloop.example.org/fullchain.pem",
        &cert.display().to_string(),
    );
    put_in(
        &mut site,
        "/etc/letsencrypt/live/gridloop.example.org/privkey.pem",
        &key.display().to_string(),
    );
    put_in(
        &mut site,
        "server 127.0.0.1:8080 ",
        &format!("server 127.0.0.1:{upstream} "),
    );
    std::fs::write(dir.join("site.conf"), site).expect("write site.conf");
    // What Debian's /etc/nginx/nginx.conf provides around a site, with everything under `dir`.
    let d = dir.display();
    let main = format!(
        "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n  \
         proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  \
         uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  include {d}/site.conf;\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), main).expect("write nginx.conf");
    let log = dir.join("error.log");
    let child = Command::new(binary)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .arg("-e")
        .arg(&log)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("stderr.log")).expect("log file"))
        .spawn()
        .expect("start nginx");
    let mut process = Running(child);
    wait_for_port(https, &mut process.0, "nginx", &log);
    Nginx {
        _process: process,
        https,
        http,
        cert,
    }
}

/// An answer as curl saw it.
struct Reply {
    status: u16,
    /// The final answer's headers, names in lowercase.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn set_cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == "set-cookie")
            .map(|(_, v)| v.as_str())
            .find(|v| v.starts_with(&format!("{name}=")))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A client on its own loopback address, trusting the test's certificate.
struct Client<'a> {
    nginx: &'a Nginx,
    from: &'static str,
    dir: &'a Path,
}

impl Client<'_> {
    fn origin(&self) -> String {
        format!("https://127.0.0.1:{}", self.nginx.https)
    }

    /// `curl [args] https://127.0.0.1:PORT{path}`.
    fn curl(&self, path: &str, args: &[&str]) -> Reply {
        self.curl_url(&format!("{}{path}", self.origin()), args)
    }

    fn curl_url(&self, url: &str, args: &[&str]) -> Reply {
        let (head, body) = (self.dir.join("reply.head"), self.dir.join("reply.body"));
        let out = Command::new("curl")
            .args(["-sS", "--max-time", "30", "--interface", self.from])
            .arg("--cacert")
            .arg(&self.nginx.cert)
            .arg("-D")
            .arg(&head)
            .arg("-o")
            .arg(&body)
            .args(["-w", "%{http_code}"])
            .args(args)
            .arg(url)
            .output()
            .expect("run curl");
        assert!(
            out.status.success(),
            "curl {url} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let head = std::fs::read_to_string(&head).expect("curl's header file");
        // A 100 Continue comes first when curl asked for it: keep the last answer's headers.
        let last = head
            .split("\r\n\r\n")
            .filter(|block| !block.trim().is_empty())
            .last()
            .unwrap_or_default();
        let headers = last
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        Reply {
            status: String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .expect("curl's status code"),
            headers,
            body: std::fs::read(&body).unwrap_or_default(),
        }
    }

    /// The sign-in form as a browser gets it: the token in the page and in its cookie.
    fn login_form(&self) -> String {
        let page = self.curl("/login", &[]);
        assert_eq!(page.status, 200, "{}", page.text());
        let cookie = page
            .set_cookie("gridloop_csrf")
            .expect("the sign-in form sets its CSRF cookie");
        let token = cookie["gridloop_csrf=".len()..]
            .split(';')
            .next()
            .unwrap_or_default()
            .to_owned();
        let html = page.text();
        assert!(
            html.contains(&format!("name=\"_csrf\" value=\"{token}\"")),
            "the form carries its cookie's token"
        );
        token
    }

    /// `POST /login` as a browser sends it, with any extra headers.
    fn sign_in(&self, token: &str, login: &str, password: &str, extra: &[&str]) -> Reply {
        let cookie = format!("Cookie: gridloop_csrf={token}");
        let origin = format!("Origin: {}", self.origin());
        let mut args = vec![
            "-H",
            cookie.as_str(),
            "-H",
            origin.as_str(),
            "-H",
            "Sec-Fetch-Site: same-origin",
            "--data-urlencode",
        ];
        let fields = [
            format!("_csrf={token}"),
            format!("login={login}"),
            format!("password={password}"),
            "next=/".to_owned(),
        ];
        args.push(fields[0].as_str());
        for field in &fields[1..] {
            args.extend(["--data-urlencode", field.as_str()]);
        }
        for header in extra {
            args.extend(["-H", header]);
        }
        self.curl("/login", &args)
    }
}

fn through_nginx(db: &Db) {
    let Some(binary) = nginx_binary() else {
        return;
    };
    db.run(&["demo", "--seed-only", "--no-history"]).assert_ok();
    let scratch = Scratch::new();
    let dir = scratch.0.as_path();
    let (_gridloop, port) = start_gridloop(db, dir);
    let nginx = start_nginx(&binary, dir, port);
    let client = |from| Client {
        nginx: &nginx,
        from,
        dir,
    };
    let browser = client("127.0.0.2");

    // TLS in front, HSTS on every answer, plain HTTP redirected, metrics kept inside.
    let health = browser.curl("/healthz", &[]);
    assert_eq!(health.status, 200, "{}", health.text());
    assert_eq!(
        health.header("strict-transport-security"),
        Some("max-age=63072000")
    );
    for version in [
        ["--tlsv1.2", "--tls-max", "1.2"],
        ["--tlsv1.3", "--tls-max", "1.3"],
    ] {
        assert_eq!(
            browser.curl("/healthz", &version).status,
            200,
            "{version:?}"
        );
    }
    let plain = browser.curl_url(&format!("http://127.0.0.1:{}/my?x=1", nginx.http), &[]);
    assert_eq!(plain.status, 301);
    assert_eq!(plain.header("location"), Some("https://127.0.0.1/my?x=1"));
    assert_eq!(browser.curl("/metrics", &[]).status, 404);

    // Sign-in as a browser does it, through the proxy: the session cookie is Secure.
    let token = browser.login_form();
    let signed_in = browser.sign_in(&token, "post01", DEMO_PASSWORD, &[]);
    assert_eq!(signed_in.status, 303, "{}", signed_in.text());
    let session = signed_in
        .set_cookie("gridloop_session")
        .expect("a session cookie")
        .to_owned();
    let attributes: Vec<&str> = session.split(';').map(str::trim).collect();
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(attributes.contains(&attribute), "{session}");
    }
    let secret = attributes[0].to_owned();
    let mine = browser.curl("/my", &["-H", &format!("Cookie: {secret}")]);
    assert_eq!(
        mine.status,
        200,
        "signed in through the proxy: {}",
        mine.text()
    );

    // The throttle counts the address nginx saw, not one the client wrote: five failures
    // from 127.0.0.3, each claiming another address, and the sixth try waits.
    let attacker = client("127.0.0.3");
    let token = attacker.login_form();
    for i in 1..=5 {
        let spoof = format!("X-Forwarded-For: 198.51.100.{i}");
        let failed = attacker.sign_in(&token, "post02", "wrong password", &[&spoof]);
        assert_eq!(failed.status, 401, "try {i}: {}", failed.text());
    }
    let spoof = "X-Forwarded-For: 203.0.113.99";
    let throttled = attacker.sign_in(&token, "post02", DEMO_PASSWORD, &[spoof]);
    assert_eq!(
        throttled.status,
        429,
        "a spoofed X-Forwarded-For must not dodge the throttle: {}",
        throttled.text()
    );
    assert!(throttled.header("retry-after").is_some());
    // … and it is that client's address, not nginx's own 127.0.0.1 that every request comes
    // from: the same login from another client is let in.
    let owner = client("127.0.0.4");
    let token = owner.login_form();
    let let_in = owner.sign_in(&token, "post02", DEMO_PASSWORD, &[]);
    assert_eq!(let_in.status, 303, "{}", let_in.text());

    // An attachment of the largest size up through nginx and back, with an API token.
    let enterprise = db.json(&["enterprise", "list", "--grid", "g1"])[0]["id"].to_string();
    let issue = db.json(&[
        "issue",
        "report",
        "--as",
        "post01",
        "--enterprise",
        &enterprise,
        "--category",
        "power",
        "--title",
        "现场照片",
    ])["id"]
        .to_string();
    let api_token = db.json(&["token", "create", "--user", "post01"])["token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let bearer = format!("Authorization: Bearer {api_token}");
    let photo = dir.join("photo.png");
    let mut bytes = png_header();
    bytes.resize(ATTACHMENT_MAX, 0x5a);
    std::fs::write(&photo, &bytes).expect("write the photo");
    let part = format!("file=@{};filename=photo.png", photo.display());
    let path = format!("/api/v1/issues/{issue}/attachments");
    let stored = browser.curl(&path, &["-H", &bearer, "-F", &part, "-F", "kind=before"]);
    assert_eq!(stored.status, 201, "{}", stored.text());
    let stored: serde_json::Value = serde_json::from_slice(&stored.body).expect("JSON");
    assert_eq!(stored["size"], ATTACHMENT_MAX);
    let href = stored["href"].as_str().expect("href");
    let download = browser.curl(href, &["-H", &bearer]);
    assert_eq!(download.status, 200);
    assert_eq!(download.header("content-type"), Some("image/png"));
    assert!(download.body == bytes, "the same bytes came back");
    let sha256 = format!("{:x}", Sha256::digest(&bytes));
    assert_eq!(
        download.header("etag"),
        Some(format!("\"{sha256}\"").as_str())
    );

    // A body over nginx's limit is refused by nginx itself, as problem+json, before gridloop.
    bytes.resize(ATTACHMENT_MAX + 128 * 1024, 0x5a);
    std::fs::write(&photo, &bytes).expect("write the photo");
    let refused = browser.curl(&path, &["-H", &bearer, "-F", &part]);
    assert_eq!(refused.status, 413);
    assert_eq!(
        refused.header("content-type"),
        Some("application/problem+json")
    );
    let problem: serde_json::Value = serde_json::from_slice(&refused.body).expect("JSON");
    assert_eq!(problem["status"], 413);
    let listed = browser.curl(&path, &["-H", &bearer]);
    let listed: serde_json::Value = serde_json::from_slice(&listed.body).expect("JSON");
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
}

/// The first bytes of a PNG, enough for gridloop to read the type.
fn png_header() -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    bytes.extend_from_slice(b"IHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0");
    bytes
}
