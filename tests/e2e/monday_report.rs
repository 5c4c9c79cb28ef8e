//! The Monday report end to end: three weeks of activity through the real binary with the clock
//! set by `--now`, the scheduler run on Monday 08:05, the report delivered over SMTP to MailDev,
//! and its numbers checked against a direct count of the issues.

use std::io::{Read, Write};
use std::net::TcpStream;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::on_both;
use crate::support::{Db, Scratch};

on_both! {
    the_monday_report_reaches_the_supervisor_with_the_weeks_numbers => monday_report;
}

/// MailDev's address, from target/services/maildev.env as tests/run.sh exports it.
fn maildev() -> Option<(String, String, String)> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    Some((
        var("GRIDLOOP_TEST_SMTP_HOST")?,
        var("GRIDLOOP_TEST_SMTP_PORT")?,
        var("GRIDLOOP_TEST_MAILDEV_URL")?,
    ))
}

/// GET over plain HTTP/1.0 on loopback: MailDev's JSON API.
fn http_get(base: &str, path: &str) -> String {
    let authority = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(authority).expect("MailDev's web port");
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {authority}\r\nAccept: application/json\r\n\r\n"
    )
    .expect("request");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("response");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a response");
    assert!(
        head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"),
        "{head}"
    );
    body.to_owned()
}

/// The number in the first Markdown table row labelled `label`.
fn figure(text: &str, label: &str) -> u64 {
    let prefix = format!("| {label} |");
    let line = text
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no row '{label}' in:\n{text}"));
    line[prefix.len()..]
        .split('|')
        .next()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no number in '{line}'"))
}

fn instant(raw: &Value) -> DateTime<Utc> {
    raw.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("not an instant: {raw}"))
}

fn monday_report(db: &Db) {
    let Some((smtp_host, smtp_port, maildev)) = maildev() else {
        panic!("MailDev is not running: run the suite with tests/run.sh");
    };
    let data = Scratch::new("e2e-monday");
    let park = format!("E2E 园区 {}", db.url.split(':').next().unwrap_or("db"));
    let env: Vec<(&str, &str)> = vec![
        (
            "GRIDLOOP_SERVER__DATA_DIR",
            data.path().to_str().expect("utf-8 path"),
        ),
        ("GRIDLOOP_SCHEDULER__BATCH", "5000"),
        ("GRIDLOOP_NOTIFY__BATCH", "5000"),
        ("GRIDLOOP_NOTIFY__EMAIL", "smtp"),
        ("GRIDLOOP_NOTIFY__SMTP__HOST", &smtp_host),
        ("GRIDLOOP_NOTIFY__SMTP__PORT", &smtp_port),
        ("GRIDLOOP_NOTIFY__SMTP__SECURITY", "plain"),
        (
            "GRIDLOOP_NOTIFY__SMTP__FROM",
            "园区服务 <noreply@park.example>",
        ),
        ("GRIDLOOP_REPORT__PARK_NAME", &park),
    ];
    let at = |now: &str, args: &[&str]| {
        let mut all = vec!["--now", now];
        all.extend_from_slice(args);
        db.run_with(&all, &env).assert_ok();
    };
    let report = |now: &str, enterprise: &str, title: &str| {
        at(
            now,
            &[
                "issue",
                "report",
                "--as",
                "post01",
                "--enterprise",
                enterprise,
                "--category",
                "roads",
                "--title",
                title,
            ],
        );
    };
    let act = |now: &str, id: &str, args: &[&str]| {
        let mut all = vec!["issue", "act", id];
        all.extend_from_slice(args);
        at(now, &all);
    };

    db.run_with(&["demo", "--seed-only", "--no-history"], &env)
        .assert_ok();
    // Monday of week 46, 08:00 Shanghai: the scheduler's first run creates the schedules.
    at("2026-11-09T00:00:00Z", &["jobs", "work"]);

    // Week 46: one issue through the whole loop, one left with the unit.
    report("2026-11-10T02:00:00Z", "1", "路面破损");
    act("2026-11-10T02:10:00Z", "1", &["accept", "--as", "dispatch"]);
    act(
        "2026-11-10T02:20:00Z",
        "1",
        &["assign", "--as", "dispatch", "--unit", "town"],
    );
    act("2026-11-11T02:00:00Z", "1", &["start", "--as", "town"]);
    act(
        "2026-11-12T02:00:00Z",
        "1",
        &["resolve", "--as", "town", "--note", "已修复"],
    );
    act(
        "2026-11-13T02:00:00Z",
        "1",
        &["verify", "--as", "post01", "--satisfaction", "4"],
    );
    report("2026-11-10T03:00:00Z", "2", "路灯不亮");
    act("2026-11-10T03:10:00Z", "2", &["accept", "--as", "dispatch"]);
    act(
        "2026-11-10T03:20:00Z",
        "2",
        &["assign", "--as", "dispatch", "--unit", "town"],
    );
    // Week 47: one resolved, one rejected.
    report("2026-11-17T02:00:00Z", "3", "井盖松动");
    act("2026-11-17T02:10:00Z", "3", &["accept", "--as", "dispatch"]);
    act(
        "2026-11-17T02:20:00Z",
        "3",
        &["assign", "--as", "dispatch", "--unit", "town"],
    );
    act("2026-11-18T02:00:00Z", "3", &["start", "--as", "town"]);
    act(
        "2026-11-18T06:00:00Z",
        "3",
        &["resolve", "--as", "town", "--note", "已加固"],
    );
    report("2026-11-17T03:00:00Z", "4", "企业内部纠纷");
    act(
        "2026-11-17T03:10:00Z",
        "4",
        &["reject", "--as", "dispatch", "--reason", "不属于园区事项"],
    );
    // Week 48: three new reports, last week's fix verified.
    report("2026-11-23T02:00:00Z", "5", "绿化带积水");
    act("2026-11-23T02:10:00Z", "5", &["accept", "--as", "dispatch"]);
    act(
        "2026-11-23T02:20:00Z",
        "5",
        &["assign", "--as", "dispatch", "--unit", "town"],
    );
    report("2026-11-24T02:00:00Z", "6", "道路标线模糊");
    report("2026-11-25T02:00:00Z", "7", "围墙破损");
    act("2026-11-25T02:10:00Z", "7", &["accept", "--as", "dispatch"]);
    act(
        "2026-11-24T03:00:00Z",
        "3",
        &["verify", "--as", "post01", "--satisfaction", "5"],
    );

    // Monday 30 November, 08:05: the scheduler runs the weekly report, then the outbox drains.
    let monday = "2026-11-30T00:05:00Z";
    for _ in 0..5 {
        at(monday, &["jobs", "work"]);
        let copies = db.json(&["report", "list", "--week", "2026-W48", "--scope", "park"]);
        if copies.as_array().is_some_and(|c| !c.is_empty()) {
            break;
        }
    }
    let find = || -> Option<Value> {
        let mails: Value = serde_json::from_str(&http_get(&maildev, "/api/email")).ok()?;
        mails
            .as_array()?
            .iter()
            .rev()
            .find(|m| {
                m["subject"]
                    .as_str()
                    .is_some_and(|s| s.contains("2026-W48") && s.contains(&park))
                    && m["to"][0]["address"] == "lead@demo.gridloop.example"
            })
            .cloned()
    };
    let mut mail = None;
    for _ in 0..5 {
        at("2026-11-30T00:06:00Z", &["notify", "work"]);
        mail = find();
        if mail.is_some() {
            break;
        }
    }
    let mail = mail.expect("the supervisor's Monday report in MailDev");

    // The numbers against a direct count of the issues.
    let issues = db.json(&["issue", "list", "--limit", "500"]);
    let issues = issues["items"].as_array().expect("a list");
    let (from, to) = (
        instant(&Value::from("2026-11-22T16:00:00Z")),
        instant(&Value::from("2026-11-29T16:00:00Z")),
    );
    let reported = issues
        .iter()
        .filter(|i| (from..to).contains(&instant(&i["created_at"])))
        .count() as u64;
    let open = issues
        .iter()
        .filter(|i| {
            matches!(
                i["status"].as_str(),
                Some("reported" | "accepted" | "assigned" | "in_progress" | "on_hold" | "resolved")
            )
        })
        .count() as u64;
    let closed = issues
        .iter()
        .filter(|i| !i["closed_at"].is_null() && (from..to).contains(&instant(&i["closed_at"])))
        .count() as u64;
    assert_eq!((reported, open, closed), (3, 4, 1));
    let text = mail["text"].as_str().expect("a text part");
    assert_eq!(figure(text, "上报"), reported, "{text}");
    assert_eq!(figure(text, "期末在办"), open, "{text}");
    assert_eq!(
        figure(text, "结案"),
        1,
        "issue 3 verified in week 48: {text}"
    );
    // The chart travels inside the mail, shown by its Content-ID (MailDev rewrites `cid:` in
    // the HTML it decodes, so the mail's source is read).
    let id = mail["id"].as_str().expect("MailDev's id");
    let source = http_get(&maildev, &format!("/api/email/{id}/source"));
    assert!(source.contains("multipart/related"), "{source}");
    assert!(source.contains("Content-ID: <trend>"), "{source}");
    assert!(source.contains("Content-Type: image/png"), "{source}");
    let attachments = mail["attachments"].as_array().expect("attachments");
    assert!(
        attachments.iter().any(|a| a["contentType"] == "image/png"),
        "{attachments:?}"
    );

    // The stored copy is what was sent, and is listed.
    let copies = db.json(&["report", "list", "--week", "2026-W48"]);
    assert_eq!(
        copies.as_array().map(Vec::len),
        Some(1 + 7 + 6),
        "park, units, grids"
    );
}
