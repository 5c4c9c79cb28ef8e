//! A need raised on an on-site visit, from the command line: `need post --visit ID` remembers
//! the visit; a visit of another enterprise, or another commissioner's, is refused with the
//! usage exit code and nothing written.

use serde_json::Value;

use crate::on_both;
use crate::support::Db;

on_both! {
    a_need_posted_with_its_visit_remembers_it_and_a_stranger_visit_is_refused => raised_on_a_visit;
}

/// The needs in the park, as the operator sees them.
fn needs(db: &Db) -> usize {
    db.json(&["need", "list", "--limit", "200"])["items"]
        .as_array()
        .map_or(0, Vec::len)
}

fn post(db: &Db, enterprise: &str, visit: &str) -> crate::support::Run {
    db.run(&[
        "--json",
        "need",
        "post",
        "--as",
        "comm01",
        "--enterprise",
        enterprise,
        "--kind",
        "capacity",
        "--title",
        "外协挤压产能",
        "--text",
        "走访时了解到旺季挤压产能不足，寻求外协",
        "--valid-until",
        "2027-01-31",
        "--visit",
        visit,
    ])
}

fn raised_on_a_visit(db: &Db) {
    db.run(&["demo", "--seed-only", "--no-history"]).assert_ok();
    // The scheduler plans the visits of the coming fortnight.
    db.run(&["jobs", "work"]).assert_ok();
    let mine = db.json(&["visit", "list", "--as", "comm01"]);
    let first: &Value = &mine[0];
    let visit = first["id"].to_string();
    let enterprise = first["enterprise"].to_string();
    let theirs = db.json(&["visit", "list", "--as", "comm02"])[0]["id"].to_string();
    let before = needs(db);

    let other = if enterprise == "2" { "3" } else { "2" };
    post(db, other, &visit).assert_fails(2, "visit");
    post(db, &enterprise, &theirs).assert_fails(2, "visit");
    post(db, &enterprise, "0").assert_fails(2, "visit");
    assert_eq!(needs(db), before, "nothing written");

    let posted = post(db, &enterprise, &visit);
    posted.assert_ok();
    let listing: Value = serde_json::from_slice(&posted.output.stdout).expect("json");
    let listing = if listing.is_array() {
        listing[0].clone()
    } else {
        listing
    };
    assert_eq!(listing["visit"].to_string(), visit, "{listing}");
    assert_eq!(needs(db), before + 1);
}
