//! The lifecycle walked from the command line, and how the CLI answers bad input.

use serde_json::Value;

use crate::on_both;
use crate::support::Db;

on_both! {
    demo_seeds_the_reference_park_once_and_a_second_run_changes_nothing => demo_is_idempotent;
    a_problem_walks_the_whole_loop_from_report_to_verified => whole_loop;
    each_kind_of_failure_has_its_own_exit_code_and_writes_nothing => failures;
    reporting_twice_with_the_same_key_yields_one_issue => idempotent_report;
    lists_filter_by_status_unit_overdue_and_scope => listing;
}

fn seed(db: &Db) {
    db.run(&["demo", "--seed-only", "--no-history"]).assert_ok();
}

fn count(db: &Db, what: &str) -> usize {
    db.json(&[what, "list"]).as_array().map_or(0, Vec::len)
}

fn demo_is_idempotent(db: &Db) {
    let first = db.run(&["demo", "--seed-only"]);
    first.assert_ok();
    assert!(
        first.stdout().contains("Seeded the demo park")
            && first.stdout().contains("issues of history over 8 weeks"),
        "{}",
        first.stdout()
    );
    let counts = |db: &Db| {
        (
            count(db, "grid"),
            count(db, "unit"),
            count(db, "category"),
            count(db, "user"),
            count(db, "enterprise"),
        )
    };
    assert_eq!(counts(db), (6, 7, 10, 108, 120));
    let second = db.run(&["demo", "--seed-only"]);
    second.assert_ok();
    assert!(
        second.stdout().contains("nothing changed") && second.stdout().contains("no history added"),
        "{}",
        second.stdout()
    );
    assert_eq!(counts(db), (6, 7, 10, 108, 120));
    let g1 = db.json(&["enterprise", "list", "--grid", "g1"]);
    assert_eq!(g1.as_array().map(Vec::len), Some(20));
}

/// Reports as post01 (grid g1) for the first enterprise of g1 and returns the new issue.
fn report(db: &Db, title: &str, extra: &[&str]) -> Value {
    let enterprise = first_enterprise(db, "g1");
    let mut args = vec![
        "issue",
        "report",
        "--as",
        "post01",
        "--enterprise",
        &enterprise,
        "--category",
        "power",
        "--title",
        title,
    ];
    args.extend_from_slice(extra);
    db.json(&args)
}

fn first_enterprise(db: &Db, grid: &str) -> String {
    db.json(&["enterprise", "list", "--grid", grid])[0]["id"].to_string()
}

fn act(db: &Db, id: &str, action: &str, who: &str, extra: &[&str]) -> Value {
    let mut args = vec!["issue", "act", id, action, "--as", who];
    args.extend_from_slice(extra);
    db.json(&args)
}

fn whole_loop(db: &Db) {
    seed(db);
    let issue = report(
        db,
        "厂区专线需要迁改",
        &["--description", "新厂房施工需要迁移10kV线路"],
    );
    assert_eq!(issue["status"], "reported");
    assert_eq!(issue["version"], 1);
    assert_eq!(issue["reporter"], "post01");
    assert_eq!(issue["grid"], "g1");
    let id = issue["id"].to_string();

    assert_eq!(
        act(db, &id, "accept", "dispatch", &[])["status"],
        "accepted"
    );
    let assigned = act(db, &id, "assign", "dispatch", &["--unit", "power"]);
    assert_eq!(assigned["status"], "assigned");
    assert_eq!(assigned["unit"], "power");
    assert!(assigned["response_due_at"].is_string(), "{assigned}");
    assert!(assigned["resolve_due_at"].as_str() > assigned["response_due_at"].as_str());
    assert_eq!(act(db, &id, "start", "power", &[])["status"], "in_progress");
    let resolved = act(db, &id, "resolve", "power", &["--note", "线路已迁改完成"]);
    assert_eq!(resolved["status"], "resolved");
    let closed = act(db, &id, "verify", "post01", &["--satisfaction", "5"]);
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["satisfaction"], 5);
    assert_eq!(closed["verifier"], "post01");
    assert_eq!(closed["version"], 6);

    let history = db.json(&["issue", "history", &id]);
    let kinds: Vec<&str> = history
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        ["reported", "accepted", "assigned", "started", "resolved", "verified"]
    );
    assert_eq!(history[5]["actor"], "post01");
    assert_eq!(history[5]["from"], "resolved");
    assert_eq!(history[5]["to"], "closed");

    let shown = db.run(&["issue", "show", &id]);
    shown.assert_ok();
    assert!(shown.stdout().contains("closed"), "{}", shown.stdout());
    assert!(
        shown.stdout().contains("satisfaction 5/5"),
        "{}",
        shown.stdout()
    );
}

fn failures(db: &Db) {
    seed(db);
    let id = report(db, "道路破损", &[])["id"].to_string();
    let version = |db: &Db| db.json(&["issue", "show", &id])["version"].clone();
    let events = |db: &Db| {
        db.json(&["issue", "history", &id])
            .as_array()
            .map_or(0, Vec::len)
    };

    // Usage: a value that does not parse, a required field missing.
    db.run(&[
        "issue",
        "act",
        &id,
        "accept",
        "--as",
        "dispatch",
        "--priority",
        "sky-high",
    ])
    .assert_fails(2, "priority");
    db.run(&["issue", "act", &id, "reject", "--as", "dispatch"])
        .assert_fails(2, "reason");
    db.run(&[
        "issue",
        "report",
        "--as",
        "post01",
        "--enterprise",
        "1",
        "--category",
        "power",
        "--title",
        "  ",
    ])
    .assert_fails(2, "title");
    // Not found: the issue, the user, out of scope (a post of another grid sees nothing).
    db.run(&["issue", "show", "99999"])
        .assert_fails(3, "no issue '99999'");
    let hidden = format!("no issue '{id}'");
    db.run(&["issue", "act", &id, "accept", "--as", "nobody"])
        .assert_fails(3, "nobody");
    db.run(&["issue", "show", &id, "--as", "post20"])
        .assert_fails(3, &hidden);
    // Not permitted: a post member may not accept.
    db.run(&["issue", "act", &id, "accept", "--as", "post01"])
        .assert_fails(4, "not permitted");
    // A dispatcher holds no unit role; a unit cannot see an issue not assigned to it.
    db.run(&["issue", "act", &id, "start", "--as", "dispatch"])
        .assert_fails(4, "not permitted");
    db.run(&[
        "issue", "act", &id, "resolve", "--as", "power", "--note", "x",
    ])
    .assert_fails(3, &hidden);
    db.run(&[
        "issue", "act", &id, "assign", "--as", "dispatch", "--unit", "power",
    ])
    .assert_fails(5, "no such transition");
    // Conflict: a stale version.
    db.run(&[
        "issue",
        "act",
        &id,
        "accept",
        "--as",
        "dispatch",
        "--version",
        "7",
    ])
    .assert_fails(6, "you saw version 7, it is now at version 1");

    assert_eq!(version(db), 1, "nothing was written");
    assert_eq!(events(db), 1, "no event was appended");

    // The right version goes through.
    assert_eq!(
        act(db, &id, "accept", "dispatch", &["--version", "1"])["version"],
        2
    );
}

fn idempotent_report(db: &Db) {
    seed(db);
    let first = report(db, "员工通勤班车不足", &["--key", "phone-42-0001"]);
    let again = report(db, "员工通勤班车不足", &["--key", "phone-42-0001"]);
    assert_eq!(first["id"], again["id"]);
    assert_eq!(again["replayed"], true);
    let list = db.json(&["issue", "list"]);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
}

fn listing(db: &Db) {
    seed(db);
    let a = report(db, "路灯不亮", &[])["id"].to_string();
    let b = report(db, "货车占道", &[])["id"].to_string();
    act(db, &a, "accept", "dispatch", &[]);
    act(db, &a, "assign", "dispatch", &["--unit", "power"]);

    let ids = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["id"].to_string())
            .collect()
    };
    assert_eq!(
        ids(&db.json(&["issue", "list", "--status", "assigned"])),
        vec![a.clone()]
    );
    assert_eq!(
        ids(&db.json(&["issue", "list", "--status", "reported,assigned"])),
        vec![b.clone(), a.clone()]
    );
    assert_eq!(
        ids(&db.json(&["issue", "list", "--unit", "power"])),
        vec![a.clone()]
    );
    assert_eq!(
        ids(&db.json(&["issue", "list", "--search", "货车"])),
        vec![b.clone()]
    );
    assert!(ids(&db.json(&["issue", "list", "--overdue"])).is_empty());
    // A month later, the assigned issue is overdue.
    let later = db.json(&[
        "--now",
        "2026-12-28T02:00:00Z",
        "issue",
        "list",
        "--overdue",
    ]);
    assert_eq!(ids(&later), vec![a.clone()]);
    // A post member of another grid sees none of g1's issues; the unit sees only its own.
    assert!(ids(&db.json(&["issue", "list", "--as", "post20"])).is_empty());
    assert_eq!(
        ids(&db.json(&["issue", "list", "--as", "power"])),
        vec![a.clone()]
    );
    // Pages of one, newest first, with a cursor.
    let page1 = db.json(&["issue", "list", "--limit", "1"]);
    assert_eq!(ids(&page1), vec![b.clone()]);
    let cursor = page1["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let page2 = db.json(&["issue", "list", "--limit", "1", "--cursor", &cursor]);
    assert_eq!(ids(&page2), [a]);
    assert!(page2["next_cursor"].is_null());
}
