//! The sending policies used together, as the delivery worker will: channels, urgency, quiet
//! hours, the hourly cap and the digest that carries what the cap held back.

use chrono::{DateTime, Utc};
use chrono_tz::America::New_York;
use chrono_tz::Asia::Shanghai;
use gridloop_core::{Channel, NotificationKind, Role};
use gridloop_notifier::policy::{
    build_digest, default_channels, is_urgent, not_before, not_before_on, CapDecision, ChannelSet,
    DigestItem, HourlyCap, Preferences, QuietHours,
};
use gridloop_notifier::template::{Locale, Notice, Templates};
use gridloop_notifier::Content;

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().expect("a valid RFC 3339 instant")
}

#[test]
fn a_level_two_escalation_at_night_goes_out_at_once_and_a_level_one_waits() {
    let night = utc("2025-11-27T16:00:00Z"); // 00:00 in Shanghai
    let quiet = QuietHours::default();
    let supervisors = is_urgent(NotificationKind::Escalated, Some(2));
    let unit_head = is_urgent(NotificationKind::Escalated, Some(1));
    assert!(supervisors && !unit_head);
    assert_eq!(not_before(night, Shanghai, quiet, supervisors), None);
    assert_eq!(
        not_before(night, Shanghai, quiet, unit_head),
        Some(utc("2025-11-27T23:30:00Z"))
    );
}

#[test]
fn only_escalations_are_ever_urgent() {
    for kind in NotificationKind::ALL {
        assert_eq!(
            is_urgent(kind, Some(3)),
            kind == NotificationKind::Escalated
        );
    }
    assert!(!is_urgent(NotificationKind::Escalated, None));
}

#[test]
fn a_new_york_recipient_waits_for_local_morning_across_both_dst_changes() {
    let quiet = QuietHours::default();
    // 22:30 local the evening before each change.
    assert_eq!(
        not_before(utc("2026-03-08T03:30:00Z"), New_York, quiet, false),
        Some(utc("2026-03-08T11:30:00Z"))
    );
    assert_eq!(
        not_before(utc("2026-11-01T02:30:00Z"), New_York, quiet, false),
        Some(utc("2026-11-01T12:30:00Z"))
    );
    // The nights before are an hour longer or shorter in UTC, never in local time.
    assert_eq!(
        not_before(utc("2026-03-07T03:30:00Z"), New_York, quiet, false),
        Some(utc("2026-03-07T12:30:00Z"))
    );
}

#[test]
fn email_ignores_quiet_hours() {
    let night = utc("2025-11-27T16:00:00Z");
    let quiet = QuietHours::default();
    assert_eq!(
        not_before_on(Channel::Email, night, Shanghai, quiet, false),
        None
    );
}

#[test]
fn the_sixth_sms_in_an_hour_is_folded_and_the_digest_renders_within_one_sms_budget() {
    let cap = HourlyCap::default();
    let titles = [
        "路灯不亮",
        "井盖缺失",
        "围墙倒塌",
        "排水不畅",
        "道路积水",
        "树木倒伏",
        "噪音扰民",
    ];
    let mut sent = 0;
    let mut folded = Vec::new();
    for (i, title) in titles.iter().enumerate() {
        match cap.decide(sent, false) {
            CapDecision::Send => sent += 1,
            CapDecision::Fold => folded.push(DigestItem {
                kind: NotificationKind::Assigned,
                issue_id: Some(2000 + i as i64),
                title: Some((*title).to_owned()),
            }),
        }
    }
    assert_eq!((sent, folded.len()), (5, 2));

    let notice = Notice {
        digest: Some(build_digest(&folded, 3)),
        ..Notice::default()
    };
    let rendered = Templates::builtin()
        .render(
            NotificationKind::Digest,
            Channel::Sms,
            Locale::ZhCn,
            &notice,
        )
        .unwrap();
    assert_eq!(
        rendered.content,
        Content::Sms {
            text:
                "【园区服务】您有2条新通知：新交办#2005树木倒伏；新交办#2006噪音扰民，请登录查看。"
                    .to_owned()
        }
    );
    assert_eq!(rendered.sms.unwrap().segments, 1);
}

#[test]
fn preferences_stored_as_json_override_the_defaults_and_urgent_sms_survives_muting() {
    let stored = r#"{"assigned": ["email"], "escalated": []}"#;
    let prefs: Preferences = serde_json::from_str(stored).unwrap();
    assert_eq!(
        default_channels(NotificationKind::Assigned, Role::UnitMember),
        ChannelSet::BOTH
    );
    assert_eq!(
        prefs.channels(NotificationKind::Assigned, Role::UnitMember, false),
        ChannelSet::EMAIL
    );
    let urgent = is_urgent(NotificationKind::Escalated, Some(2));
    let channels: Vec<_> = prefs
        .channels(NotificationKind::Escalated, Role::Supervisor, urgent)
        .iter()
        .collect();
    assert_eq!(channels, vec![Channel::Sms]);
    assert_eq!(
        serde_json::from_str::<Preferences>(&serde_json::to_string(&prefs).unwrap()).unwrap(),
        prefs
    );
}
