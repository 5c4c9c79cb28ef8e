//! `gridloop report weekly`: one issue walked through week 48 of 2026 and counted in it.

use crate::on_both;
use crate::support::Db;

on_both! {
    a_week_counts_the_events_that_happened_in_it => week_counts;
}

fn at(db: &Db, now: &str, args: &[&str]) {
    let mut all = vec!["--now", now];
    all.extend_from_slice(args);
    db.run(&all).assert_ok();
}

fn week_counts(db: &Db) {
    db.run(&["demo", "--seed-only", "--no-history"]).assert_ok();
    // Tuesday 24 Nov, 10:00 Shanghai: reported, accepted, assigned; resolved on Wednesday;
    // verified on Thursday. All in 2026-W48.
    let tue = "2026-11-24T02:00:00Z";
    at(
        db,
        tue,
        &[
            "issue",
            "report",
            "--as",
            "post01",
            "--enterprise",
            "1",
            "--category",
            "roads",
            "--title",
            "路面破损",
        ],
    );
    at(
        db,
        tue,
        &["issue", "act", "1", "accept", "--as", "dispatch"],
    );
    at(
        db,
        tue,
        &[
            "issue", "act", "1", "assign", "--as", "dispatch", "--unit", "town",
        ],
    );
    at(
        db,
        "2026-11-25T02:00:00Z",
        &["issue", "act", "1", "start", "--as", "town"],
    );
    at(
        db,
        "2026-11-25T03:00:00Z",
        &[
            "issue",
            "act",
            "1",
            "resolve",
            "--as",
            "town",
            "--note",
            "已修复",
        ],
    );
    at(
        db,
        "2026-11-26T03:00:00Z",
        &[
            "issue",
            "act",
            "1",
            "verify",
            "--as",
            "post01",
            "--satisfaction",
            "5",
        ],
    );
    // A second report on Sunday 29 Nov at 23:30 Shanghai (15:30 UTC) still belongs to W48.
    at(
        db,
        "2026-11-29T15:30:00Z",
        &[
            "issue",
            "report",
            "--as",
            "post01",
            "--enterprise",
            "1",
            "--category",
            "roads",
            "--title",
            "井盖缺失",
        ],
    );

    let week = db.json(&["report", "weekly", "--week", "2026-W48", "--format", "json"]);
    let totals = &week["counts"];
    assert_eq!(totals["reported"], 2, "{week}");
    assert_eq!(totals["assigned"], 1);
    assert_eq!(totals["resolved"], 1);
    assert_eq!(totals["resolved_on_time"], 1);
    assert_eq!(totals["closed"], 1);
    assert_eq!(totals["open_at_end"], 1);
    assert_eq!(week["rates"]["on_time_resolution"], 1.0);
    assert_eq!(week["rates"]["satisfaction_mean"], 5.0);
    assert!(week["footnotes"].as_array().is_some_and(|f| !f.is_empty()));

    // The next week saw nothing happen; the Sunday report is still open at its end.
    let next = db.json(&["report", "weekly", "--week", "2026-W49", "--format", "json"]);
    assert_eq!(next["counts"]["reported"], 0, "{next}");
    assert_eq!(next["counts"]["open_at_end"], 1);
    assert!(next["rates"]["on_time_resolution"].is_null());

    db.run(&["report", "weekly", "--week", "2026-W99"])
        .assert_fails(2, "week");
    db.run(&["report", "weekly", "--format", "pdf"])
        .assert_fails(2, "format");
    db.run(&["report", "weekly", "--unit", "nosuch"])
        .assert_fails(3, "nosuch");
    let both = db.run(&["report", "weekly", "--grid", "g1", "--unit", "power"]);
    assert_eq!(both.code(), 2, "{}", both.stderr());
    assert!(
        both.stderr().contains("cannot be used with"),
        "{}",
        both.stderr()
    );
    db.run(&["report", "show", "999"]).assert_fails(3, "report");
    // A week that has not ended is not sent, and nothing is stored.
    db.run(&["report", "send", "--week", "2026-W48"])
        .assert_fails(2, "has not ended");
    assert_eq!(db.json(&["report", "list"]), serde_json::json!([]));
}
