//! Who may do what: every role against every action, over HTTP.
//!
//! The expected statuses are written out by hand from DESIGN.md's lifecycle table (the rows of
//! `RULES` in crates/core/src/lifecycle.rs) and its scoping rules — a post sees its grid, a
//! unit what is assigned to it, dispatchers, supervisors and admins everything — applying the
//! core's order of checks: a role the caller does not hold is 403; then an issue they cannot
//! see is 404; then a state without the transition is 422; then a role that does not cover the
//! issue is 404. They are not read back from the server.
//!
//! Every issue is reported by post01 for an enterprise of grid g1 and, once assigned, is
//! assigned to the `power` unit.

use serde_json::{json, Value};

use crate::both;
use crate::issues::{act, enterprise_in, get_issue, report, step};
use crate::support::TestApp;

/// The callers, in the columns' order.
const CALLERS: [&str; 9] = [
    "post01",     // post_member of g1, the reporter
    "comm01",     // commissioner of g1
    "dispatch",   // dispatcher
    "power",      // unit_member of power
    "power-head", // unit_head of power
    "lead",       // supervisor
    "admin",      // admin
    "post20",     // post_member of g2: out of scope
    "transport",  // unit_member of another unit: out of scope
];

/// Where an issue must stand before the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setup {
    Reported,
    Accepted,
    Assigned,
    InProgress,
    OnHold,
    /// In progress, with an extension request pending.
    ExtensionAsked,
    Resolved,
    Closed,
}

const UNTIL: &str = "2027-03-01T10:00:00+08:00";

/// Brings a fresh issue to `setup` through the API, as the people who would do it.
async fn issue_in(app: &TestApp, setup: Setup) -> Value {
    use Setup::*;
    let issue = report(app, "post01", "A problem for the matrix").await;
    if setup == Reported {
        return issue;
    }
    let issue = step(app, "dispatch", &issue, json!({"action": "accept"})).await;
    if setup == Accepted {
        return issue;
    }
    let issue = step(
        app,
        "dispatch",
        &issue,
        json!({"action": "assign", "unit": "power"}),
    )
    .await;
    if setup == Assigned {
        return issue;
    }
    let issue = step(app, "power", &issue, json!({"action": "start"})).await;
    match setup {
        InProgress => issue,
        OnHold => {
            step(
                app,
                "power",
                &issue,
                json!({"action": "hold", "reason": "Waiting for the cable"}),
            )
            .await
        }
        ExtensionAsked => {
            step(
                app,
                "power",
                &issue,
                json!({"action": "extend_request", "until": UNTIL, "reason": "Parts on order"}),
            )
            .await
        }
        Resolved | Closed => {
            let issue = step(
                app,
                "power",
                &issue,
                json!({"action": "resolve", "note": "Fixed."}),
            )
            .await;
            if setup == Resolved {
                issue
            } else {
                step(
                    app,
                    "post01",
                    &issue,
                    json!({"action": "verify", "satisfaction": 4}),
                )
                .await
            }
        }
        Reported | Accepted | Assigned => unreachable!("returned above"),
    }
}

/// The body of an action with every field it requires.
fn body(action: &str, survivor: i64) -> Value {
    match action {
        "assign" => json!({"action": action, "unit": "power"}),
        "reassign" => json!({"action": action, "unit": "town"}),
        "reject" | "return" | "hold" | "extend_deny" | "rework" | "reopen" => {
            json!({"action": action, "reason": "Because of the matrix"})
        }
        "extend_request" => json!({"action": action, "until": UNTIL, "reason": "Parts on order"}),
        "resolve" | "comment" => json!({"action": action, "note": "A note"}),
        "verify" => json!({"action": action, "satisfaction": 5}),
        "mark_duplicate" => json!({"action": action, "duplicate_of": survivor}),
        _ => json!({"action": action}),
    }
}

/// Runs one table: for each row, an issue in the row's state, and each caller's request on it.
/// After a 200 the next caller gets a fresh issue; after anything else the issue must be
/// unchanged. Mismatches are collected so one run shows the whole difference.
async fn run(app: &TestApp, table: &[(&str, Setup, [u16; 9])]) -> Vec<String> {
    let survivor = report(app, "post02", "The surviving issue").await["id"]
        .as_i64()
        .expect("id");
    let mut mismatches = Vec::new();
    for (action, setup, expected) in table {
        let mut issue = issue_in(app, *setup).await;
        for (caller, want) in CALLERS.iter().zip(expected) {
            let id = issue["id"].as_i64().expect("id");
            let version = issue["version"].clone();
            let mut request = body(action, survivor);
            request["version"] = version.clone();
            let reply = act(app, caller, id, request).await;
            let got = reply.status.as_u16();
            if got != *want {
                mismatches.push(format!(
                    "{action} on {setup:?} as {caller}: expected {want}, got {got} {}",
                    reply.text()
                ));
            }
            if got >= 400 {
                let reply = reply.expect(got);
                if got != 422 || reply.json()["errors"].is_null() {
                    // Refused for who or where, not for the body: nothing changed.
                    assert_eq!(
                        get_issue(app, id).await["version"],
                        version,
                        "{action} as {caller}"
                    );
                }
            }
            if got == 200 {
                issue = issue_in(app, *setup).await;
            }
        }
    }
    mismatches
}

//  Columns: post01 comm01 dispatch power power-head lead admin post20 transport

/// Each action on an issue in a state that allows it.
#[rustfmt::skip]
const ALLOWED_STATE: &[(&str, Setup, [u16; 9])] = &[
    // dispatcher only; before assignment no unit sees the issue, but 403 comes first
    ("accept",         Setup::Reported,       [403, 403, 200, 403, 403, 403, 403, 403, 403]),
    ("reject",         Setup::Reported,       [403, 403, 200, 403, 403, 403, 403, 403, 403]),
    ("assign",         Setup::Accepted,       [403, 403, 200, 403, 403, 403, 403, 403, 403]),
    // the handling unit (member or head) on its own issue; another unit cannot see it (404)
    ("return",         Setup::Assigned,       [403, 403, 403, 200, 200, 403, 403, 403, 404]),
    ("start",          Setup::Assigned,       [403, 403, 403, 200, 200, 403, 403, 403, 404]),
    ("hold",           Setup::InProgress,     [403, 403, 403, 200, 200, 403, 403, 403, 404]),
    ("resume",         Setup::OnHold,         [403, 403, 403, 200, 200, 403, 403, 403, 404]),
    ("extend_request", Setup::InProgress,     [403, 403, 403, 200, 200, 403, 403, 403, 404]),
    // the supervisor grants or denies
    ("extend_grant",   Setup::ExtensionAsked, [403, 403, 403, 403, 403, 200, 403, 403, 403]),
    ("extend_deny",    Setup::ExtensionAsked, [403, 403, 403, 403, 403, 200, 403, 403, 403]),
    ("resolve",        Setup::InProgress,     [403, 403, 403, 200, 200, 403, 403, 403, 404]),
    // the reporting post, a commissioner or the dispatcher verify; a post of another grid
    // holds the role but cannot see the issue (404)
    ("verify",         Setup::Resolved,       [200, 200, 200, 403, 403, 403, 403, 404, 403]),
    ("rework",         Setup::Resolved,       [200, 200, 200, 403, 403, 403, 403, 404, 403]),
    ("reopen",         Setup::Closed,         [403, 403, 403, 403, 403, 200, 403, 403, 403]),
    ("mark_duplicate", Setup::Reported,       [403, 403, 200, 403, 403, 403, 403, 403, 403]),
    ("reassign",       Setup::Assigned,       [403, 403, 200, 403, 403, 200, 403, 403, 403]),
    // anyone who can see the issue
    ("comment",        Setup::InProgress,     [200, 200, 200, 200, 200, 200, 200, 404, 404]),
];

/// Each action on an issue in a state that does not allow it (`comment` is allowed in every
/// state). Whoever holds the role and sees the issue is told 422; the rest as above.
#[rustfmt::skip]
const DISALLOWED_STATE: &[(&str, Setup, [u16; 9])] = &[
    ("accept",         Setup::Assigned,   [403, 403, 422, 403, 403, 403, 403, 403, 403]),
    ("reject",         Setup::Assigned,   [403, 403, 422, 403, 403, 403, 403, 403, 403]),
    ("assign",         Setup::Reported,   [403, 403, 422, 403, 403, 403, 403, 403, 403]),
    ("return",         Setup::InProgress, [403, 403, 403, 422, 422, 403, 403, 403, 404]),
    ("start",          Setup::InProgress, [403, 403, 403, 422, 422, 403, 403, 403, 404]),
    ("hold",           Setup::Assigned,   [403, 403, 403, 422, 422, 403, 403, 403, 404]),
    ("resume",         Setup::InProgress, [403, 403, 403, 422, 422, 403, 403, 403, 404]),
    ("extend_request", Setup::Resolved,   [403, 403, 403, 422, 422, 403, 403, 403, 404]),
    ("extend_grant",   Setup::Resolved,   [403, 403, 403, 403, 403, 422, 403, 403, 403]),
    ("extend_deny",    Setup::Resolved,   [403, 403, 403, 403, 403, 422, 403, 403, 403]),
    ("resolve",        Setup::Assigned,   [403, 403, 403, 422, 422, 403, 403, 403, 404]),
    ("verify",         Setup::InProgress, [422, 422, 422, 403, 403, 403, 403, 404, 403]),
    ("rework",         Setup::InProgress, [422, 422, 422, 403, 403, 403, 403, 404, 403]),
    ("reopen",         Setup::InProgress, [403, 403, 403, 403, 403, 422, 403, 403, 403]),
    ("mark_duplicate", Setup::Closed,     [403, 403, 422, 403, 403, 403, 403, 403, 403]),
    ("reassign",       Setup::Resolved,   [403, 403, 422, 403, 403, 422, 403, 403, 403]),
    // before assignment the unit cannot see the issue at all: 404 rather than 422
    ("start",          Setup::Reported,   [403, 403, 403, 404, 404, 403, 403, 403, 404]),
];

both! {
    async fn every_role_gets_the_designed_answer_for_every_allowed_action(app: &TestApp) {
        let mismatches = run(app, ALLOWED_STATE).await;
        assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
    }

    async fn every_role_gets_the_designed_answer_for_every_action_the_state_refuses(app: &TestApp) {
        let mismatches = run(app, DISALLOWED_STATE).await;
        assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
    }

    async fn only_posts_and_commissioners_of_the_grid_may_report(app: &TestApp) {
        // report: post member, commissioner or enterprise, for an enterprise of their own grid
        let expected: [u16; 9] = [201, 201, 403, 403, 403, 403, 403, 403, 403];
        let enterprise = enterprise_in(app, "g1", 0).await;
        let body = json!({"enterprise_id": enterprise, "category": "power", "title": "Who may report"});
        for (caller, want) in CALLERS.iter().zip(expected) {
            app.post_json("/api/v1/issues", Some(caller), &body).await.expect(want);
        }
        assert_eq!(crate::issues::issue_count(app).await, 2);
    }
}
