//! The file channel, the embedded default: real `.eml` and `.txt` files, through the binary.

use crate::support::{rows, Park, DAY};

/// 23:00 in Shanghai the same day: quiet hours.
const NIGHT: &str = "2026-11-27T15:00:00Z";
/// 07:31 the next morning: quiet hours are over.
const MORNING: &str = "2026-11-27T23:31:00Z";

#[test]
fn an_assignment_reaches_the_unit_as_an_eml_and_a_txt_file_and_is_marked_sent() {
    let park = Park::new();
    let pending = park.json(&["notify", "list", "--state", "pending"], DAY);
    let email = rows(&pending, "assigned", "email");
    let sms = rows(&pending, "assigned", "sms");
    assert!(!email.is_empty() && !sms.is_empty(), "{pending:#}");
    // Listings never show a whole address.
    for n in email.iter().chain(&sms) {
        assert!(
            n["address"].as_str().is_some_and(|a| a.contains("***")),
            "{n}"
        );
    }

    let round = park.json(&["notify", "work"], DAY);
    assert_eq!(round["sent"], round["claimed"], "{round}");
    assert_eq!(round["failed"], 0, "{round}");

    let sent = park.json(&["notify", "list", "--state", "sent"], DAY);
    let email = rows(&sent, "assigned", "email");
    let sms = rows(&sent, "assigned", "sms");
    assert!(!email.is_empty() && !sms.is_empty(), "{sent:#}");
    let eml = std::fs::read_to_string(park.outbox().join(format!("{}.eml", email[0]["id"])))
        .expect("the .eml file");
    assert!(eml.contains("Subject: "), "{eml}");
    assert!(
        eml.contains(&format!("References: <issue-{}@", park.issue)),
        "{eml}"
    );
    let txt = std::fs::read_to_string(park.outbox().join(format!("{}.txt", sms[0]["id"])))
        .expect("the .txt file");
    assert!(txt.contains("【园区服务】"), "{txt}");
    assert!(txt.contains(&park.issue.to_string()), "{txt}");

    // A second round finds nothing: each message is written once.
    assert_eq!(park.json(&["notify", "work"], DAY)["claimed"], 0);
    // Only failed or dead notifications may be retried.
    let id = email[0]["id"].to_string();
    assert!(!park.run(&["notify", "retry", &id], DAY).ok());
}

#[test]
fn at_night_sms_waits_for_the_morning_while_email_goes_at_once() {
    let park = Park::new();
    let night = park.json(&["notify", "work"], NIGHT);
    assert!(night["deferred"].as_u64() > Some(0), "{night}");
    assert!(night["sent"].as_u64() > Some(0), "{night}");

    let waiting = park.json(&["notify", "list", "--state", "pending"], NIGHT);
    let sms = rows(&waiting, "assigned", "sms");
    assert!(!sms.is_empty(), "{waiting:#}");
    assert_eq!(sms[0]["not_before"], "2026-11-27T23:30:00Z");
    assert_eq!(sms[0]["attempts"], 0);
    assert!(
        rows(&waiting, "assigned", "email").is_empty(),
        "{waiting:#}"
    );

    let morning = park.json(&["notify", "work"], MORNING);
    assert_eq!(morning["sent"], night["deferred"], "{morning}");
}

#[test]
fn notify_test_sends_through_the_configured_wire_at_once() {
    let park = Park::new();
    let run = park.run(
        &[
            "notify",
            "test",
            "--channel",
            "sms",
            "--to",
            "+8613900000000",
        ],
        DAY,
    );
    run.assert_ok();
    assert!(
        run.stdout().starts_with("file: accepted"),
        "{}",
        run.stdout()
    );
    let written: Vec<_> = std::fs::read_dir(park.outbox())
        .expect("the outbox folder")
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "txt"))
        .collect();
    assert_eq!(written.len(), 1);
}
