//! A typical notice of every kind, so templates can be checked at start-up, previewed, and
//! snapshot-tested from one set of facts.

use chrono::{DateTime, Duration, TimeZone, Utc};
use gridloop_core::{Priority, Status};

use super::notice::{
    AgendaItem, CalendarFacts, DueSoonFacts, EscalationFacts, IssueFacts, MatchFacts, MeetingFacts,
    MissedVisitFacts, Notice, Recipient, ReportFacts, VisitFacts,
};
use super::Locale;
use crate::policy::{build_digest, DigestItem};
use gridloop_core::NotificationKind;

/// 2025-11-27 14:30 in Shanghai: a Thursday afternoon.
fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 11, 27, 6, 30, 0)
        .single()
        .unwrap_or_default()
}

impl Notice {
    /// A realistic notice of `kind` with every fact that kind uses, worded for `locale`.
    /// The names are made up; the times are fixed, so renderings are reproducible.
    pub fn example(kind: NotificationKind, locale: Locale) -> Notice {
        let zh = locale == Locale::ZhCn;
        let pick = |a: &str, b: &str| if zh { a.to_owned() } else { b.to_owned() };
        let now = base();
        let issue = IssueFacts {
            id: 1043,
            title: pick("园区东路路面被货车压坏", "Road surface broken by lorries"),
            status: status_after(kind),
            priority: Priority::High,
            enterprise: pick("渝铝精密铸造有限公司", "Yulv Precision Casting Co."),
            grid: pick("第三网格", "Grid 3"),
            unit: Some(pick("区住建委", "District Housing Commission")),
            due_at: Some(now + Duration::hours(24)),
            link: Some("https://gridloop.example/issues/1043".to_owned()),
        };
        let mut n = Notice {
            recipient: Recipient {
                name: pick("张伟", "Zhang Wei"),
                ..Recipient::default()
            },
            issue: Some(issue),
            at: Some(now - Duration::minutes(20)),
            ..Notice::default()
        };
        let agenda = |id: i64, status: Status, a: &str, b: &str| AgendaItem {
            id,
            title: pick(a, b),
            status,
        };
        match kind {
            NotificationKind::Rejected => {
                n.reason = Some(pick("不属于园区服务范围", "Outside the park's remit"))
            }
            NotificationKind::Returned => {
                n.reason = Some(pick(
                    "该路段归交通局管养",
                    "That road is maintained by the Transport Bureau",
                ))
            }
            NotificationKind::ExtensionRequested => {
                n.extension_until = Some(now + Duration::days(5));
                n.note = Some(pick("需等待沥青供货", "Waiting for asphalt delivery"));
            }
            NotificationKind::ExtensionGranted => n.extension_until = Some(now + Duration::days(5)),
            NotificationKind::ExtensionDenied => {
                n.reason = Some(pick(
                    "影响企业正常运输，请按期完成",
                    "Lorries must get through; keep the due date",
                ))
            }
            NotificationKind::Resolved => {
                n.note = Some(pick(
                    "已完成路面修补，请现场验收",
                    "The surface is patched; please check on site",
                ))
            }
            NotificationKind::Reworked => {
                n.reason = Some(pick("修补处又出现坑洼", "The patch has potholes again"))
            }
            NotificationKind::Closed => n.satisfaction = Some(5),
            NotificationKind::Reopened => {
                n.reason = Some(pick(
                    "企业反映问题再次出现",
                    "The enterprise says it is back",
                ))
            }
            NotificationKind::Reassigned => {
                n.previous_unit = Some(pick("区交通局", "District Transport Bureau"))
            }
            NotificationKind::MarkedDuplicate => n.duplicate_of = Some(1021),
            NotificationKind::DueSoon => n.due_soon = Some(DueSoonFacts { percent_used: 80 }),
            NotificationKind::Escalated => {
                if let Some(issue) = n.issue.as_mut() {
                    issue.due_at = Some(now - Duration::hours(26));
                }
                n.escalation = Some(EscalationFacts {
                    level: 2,
                    overdue_minutes: 26 * 60,
                });
            }
            NotificationKind::VisitReminder => {
                n.issue = None;
                n.visit = Some(VisitFacts {
                    enterprise: pick("渝铝精密铸造有限公司", "Yulv Precision Casting Co."),
                    starts_at: now + Duration::hours(18) + Duration::minutes(30),
                    ends_at: now + Duration::hours(20) + Duration::minutes(30),
                    open: vec![
                        agenda(
                            1043,
                            Status::InProgress,
                            "园区东路路面被货车压坏",
                            "Road surface broken by lorries",
                        ),
                        agenda(
                            1050,
                            Status::Assigned,
                            "员工通勤班车不足",
                            "Too few commuter buses",
                        ),
                    ],
                    awaiting_verification: vec![agenda(
                        1037,
                        Status::Resolved,
                        "厂区外10千伏线路迁改",
                        "Move the 10 kV line outside the plant",
                    )],
                    link: Some("https://gridloop.example/visits/311".to_owned()),
                });
            }
            NotificationKind::VisitMissed => {
                n.issue = None;
                n.missed_visits = Some(MissedVisitFacts {
                    enterprise: pick("渝铝精密铸造有限公司", "Yulv Precision Casting Co."),
                    commissioner: pick("李娜", "Li Na"),
                    misses: 2,
                    last_starts_at: now - Duration::days(1),
                });
            }
            NotificationKind::MeetingInvitation
            | NotificationKind::MeetingReminder
            | NotificationKind::MeetingCancelled => {
                n.issue = None;
                if kind == NotificationKind::MeetingCancelled {
                    n.reason = Some(pick("会场检修，改期另行通知", "The hall is under repair"));
                }
                n.meeting = Some(MeetingFacts {
                    id: 12,
                    theme: pick(
                        "铝边角料回收与再生合金对接会",
                        "Offcut recycling and secondary alloy meeting",
                    ),
                    place: pick("园区服务中心二楼会议室", "Park service centre, room 2"),
                    starts_at: now + Duration::days(1),
                    enterprise: pick("渝铝精密铸造有限公司", "Yulv Precision Casting Co."),
                    link: Some("https://gridloop.example/chain/events/12".to_owned()),
                });
            }
            NotificationKind::MatchIntroduced
            | NotificationKind::MatchAgreed
            | NotificationKind::MatchDropped
            | NotificationKind::MatchFollowUp => {
                n.issue = None;
                let (status, value, reason) = match kind {
                    NotificationKind::MatchAgreed => {
                        ("agreed", Some("1250000.00".to_owned()), None)
                    }
                    NotificationKind::MatchDropped => (
                        "dropped",
                        None,
                        Some(pick("回收价格谈不拢", "No agreement on the price")),
                    ),
                    _ => ("introduced", None, None),
                };
                n.matching = Some(MatchFacts {
                    id: 17,
                    a: pick("渝铝型材有限公司", "Yulv Profiles Co."),
                    b: pick("再生金属科技有限公司", "Renewed Metals Tech Co."),
                    status: status.to_owned(),
                    contract_value: value,
                    note: Some(pick(
                        "边角料回收再生为合金锭",
                        "Offcuts recycled into alloy ingots",
                    )),
                    reason,
                    moved_at: now - Duration::days(7),
                    link: Some("https://gridloop.example/chain/matches/17".to_owned()),
                });
            }
            NotificationKind::CalendarMissing => {
                n.issue = None;
                n.calendar = Some(CalendarFacts {
                    year: 2027,
                    region: "cn".to_owned(),
                });
            }
            NotificationKind::WeeklyReport => {
                n.issue = None;
                n.report = Some(ReportFacts {
                    week: "2025-W48".to_owned(),
                    new: 23,
                    closed: 19,
                    overdue_open: 4,
                    on_time_percent: Some(84),
                    link: Some("https://gridloop.example/reports/2025-W48".to_owned()),
                });
            }
            NotificationKind::Digest => {
                n.issue = None;
                let item = |kind, id, a: &str, b: &str| DigestItem {
                    kind,
                    issue_id: Some(id),
                    title: Some(pick(a, b)),
                };
                n.digest = Some(build_digest(
                    &[
                        item(
                            NotificationKind::Assigned,
                            1050,
                            "员工通勤班车不足",
                            "Too few commuter buses",
                        ),
                        item(
                            NotificationKind::Escalated,
                            1043,
                            "园区东路路面被货车压坏",
                            "Road surface broken by lorries",
                        ),
                        item(
                            NotificationKind::DueSoon,
                            1047,
                            "原料运输车辆通行证办理",
                            "Transport permits for raw materials",
                        ),
                        item(
                            NotificationKind::Reworked,
                            1037,
                            "厂区外10千伏线路迁改",
                            "Move the 10 kV line outside the plant",
                        ),
                        item(
                            NotificationKind::Assigned,
                            1052,
                            "雨水管网堵塞",
                            "Storm drain blocked",
                        ),
                    ],
                    3,
                ));
            }
            NotificationKind::Test => n.issue = None,
            NotificationKind::Reported | NotificationKind::Assigned => {}
        }
        n
    }
}

/// The status an issue has once the event of `kind` happened.
fn status_after(kind: NotificationKind) -> Status {
    match kind {
        NotificationKind::Reported => Status::Reported,
        NotificationKind::Rejected => Status::Rejected,
        NotificationKind::Returned | NotificationKind::Reopened => Status::Accepted,
        NotificationKind::Resolved => Status::Resolved,
        NotificationKind::Closed => Status::Closed,
        NotificationKind::MarkedDuplicate => Status::Duplicate,
        NotificationKind::Assigned | NotificationKind::Reworked | NotificationKind::Reassigned => {
            Status::Assigned
        }
        _ => Status::InProgress,
    }
}
