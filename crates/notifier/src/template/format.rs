//! Times and durations as a recipient reads them.
//!
//! Formats avoid characters outside the GSM-7 alphabet in English (a plain `-` rather than an
//! en dash) so that English SMS keep 160 characters a segment.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use gridloop_core::{NotificationKind, Priority, Status};

use super::Locale;

/// `11月27日 14:30` or `27 Nov 14:30`, in the recipient's zone. No year: notifications are
/// about the coming days, and the year only lengthens an SMS.
pub fn local_time(at: DateTime<Utc>, tz: Tz, locale: Locale) -> String {
    let local = at.with_timezone(&tz);
    match locale {
        Locale::ZhCn => local.format("%-m月%-d日 %H:%M").to_string(),
        Locale::En => local.format("%-d %b %H:%M").to_string(),
    }
}

/// A visit window: `11月27日 09:00-11:00`, or both ends in full when it spans midnight.
pub fn local_window(start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz, locale: Locale) -> String {
    let (s, e) = (start.with_timezone(&tz), end.with_timezone(&tz));
    if s.date_naive() == e.date_naive() {
        format!("{}-{}", local_time(start, tz, locale), e.format("%H:%M"))
    } else {
        format!(
            "{}-{}",
            local_time(start, tz, locale),
            local_time(end, tz, locale)
        )
    }
}

/// The weekday of an instant, for visit reminders (`周四`, `Thu`).
pub fn local_weekday(at: DateTime<Utc>, tz: Tz, locale: Locale) -> String {
    let day = at.with_timezone(&tz).weekday();
    match locale {
        Locale::ZhCn => {
            const DAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
            DAYS[day.num_days_from_monday() as usize].to_owned()
        }
        Locale::En => day.to_string(),
    }
}

/// `2天3小时`, `3小时20分`, `45分钟`; `2d 3h`, `3h 20m`, `45m`. Two units at most: "overdue
/// by 2 days 3 hours 12 minutes" says nothing the first two don't.
pub fn duration(minutes: i64, locale: Locale) -> String {
    let minutes = minutes.max(0);
    let (d, h, m) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match locale {
        Locale::ZhCn => match (d, h, m) {
            (0, 0, m) => format!("{m}分钟"),
            (0, h, 0) => format!("{h}小时"),
            (0, h, m) => format!("{h}小时{m}分"),
            (d, 0, _) => format!("{d}天"),
            (d, h, _) => format!("{d}天{h}小时"),
        },
        Locale::En => match (d, h, m) {
            (0, 0, m) => format!("{m}m"),
            (0, h, 0) => format!("{h}h"),
            (0, h, m) => format!("{h}h {m}m"),
            (d, 0, _) => format!("{d}d"),
            (d, h, _) => format!("{d}d {h}h"),
        },
    }
}

/// A few words naming a notification's kind, as a digest lists it.
pub fn kind_label(kind: NotificationKind, locale: Locale) -> &'static str {
    let (zh, en) = match kind {
        NotificationKind::Reported => ("新问题待受理", "new issue"),
        NotificationKind::Rejected => ("未予受理", "rejected"),
        NotificationKind::Assigned => ("新交办", "assigned"),
        NotificationKind::Returned => ("被退回", "returned"),
        NotificationKind::ExtensionRequested => ("申请延期", "extension asked"),
        NotificationKind::ExtensionGranted => ("延期获批", "extension granted"),
        NotificationKind::ExtensionDenied => ("延期未批", "extension denied"),
        NotificationKind::Resolved => ("待验收", "to verify"),
        NotificationKind::Reworked => ("返工", "rework"),
        NotificationKind::Closed => ("已办结", "closed"),
        NotificationKind::Reopened => ("重新打开", "reopened"),
        NotificationKind::Reassigned => ("已改派", "reassigned"),
        NotificationKind::MarkedDuplicate => ("重复问题", "duplicate"),
        NotificationKind::DueSoon => ("即将到期", "due soon"),
        NotificationKind::Escalated => ("督办", "escalated"),
        NotificationKind::VisitReminder => ("走访提醒", "visit"),
        NotificationKind::VisitMissed => ("走访未完成", "visit missed"),
        NotificationKind::MeetingInvitation => ("对接会邀请", "meeting invitation"),
        NotificationKind::MeetingReminder => ("对接会提醒", "meeting reminder"),
        NotificationKind::MeetingCancelled => ("对接会取消", "meeting cancelled"),
        NotificationKind::MatchIntroduced => ("对接引荐", "match introduced"),
        NotificationKind::MatchAgreed => ("对接签约", "match agreed"),
        NotificationKind::MatchDropped => ("对接终止", "match dropped"),
        NotificationKind::MatchFollowUp => ("对接跟进", "match follow-up"),
        NotificationKind::WeeklyReport => ("周报", "weekly report"),
        NotificationKind::CalendarMissing => ("节假日未录入", "calendar missing"),
        NotificationKind::Digest => ("通知汇总", "digest"),
        NotificationKind::Test => ("测试", "test"),
    };
    match locale {
        Locale::ZhCn => zh,
        Locale::En => en,
    }
}

pub fn status_label(status: Status, locale: Locale) -> &'static str {
    let (zh, en) = match status {
        Status::Reported => ("待受理", "reported"),
        Status::Accepted => ("已受理", "accepted"),
        Status::Assigned => ("已交办", "assigned"),
        Status::InProgress => ("办理中", "in progress"),
        Status::OnHold => ("暂缓", "on hold"),
        Status::Resolved => ("待验收", "awaiting verification"),
        Status::Closed => ("已办结", "closed"),
        Status::Rejected => ("不予受理", "rejected"),
        Status::Duplicate => ("重复", "duplicate"),
    };
    match locale {
        Locale::ZhCn => zh,
        Locale::En => en,
    }
}

pub fn priority_label(priority: Priority, locale: Locale) -> &'static str {
    let (zh, en) = match priority {
        Priority::Low => ("低", "low"),
        Priority::Normal => ("普通", "normal"),
        Priority::High => ("高", "high"),
        Priority::Urgent => ("紧急", "urgent"),
    };
    match locale {
        Locale::ZhCn => zh,
        Locale::En => en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;
    use chrono_tz::Asia::Shanghai;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn times_are_shown_in_the_recipients_zone_and_language() {
        let at = utc("2025-11-27T06:30:00Z");
        assert_eq!(local_time(at, Shanghai, Locale::ZhCn), "11月27日 14:30");
        assert_eq!(local_time(at, Shanghai, Locale::En), "27 Nov 14:30");
        assert_eq!(local_time(at, New_York, Locale::En), "27 Nov 01:30");
    }

    #[test]
    fn a_window_within_one_day_names_the_day_once() {
        let (s, e) = (utc("2025-11-27T01:00:00Z"), utc("2025-11-27T03:00:00Z"));
        assert_eq!(
            local_window(s, e, Shanghai, Locale::ZhCn),
            "11月27日 09:00-11:00"
        );
        let late = utc("2025-11-27T17:00:00Z");
        assert_eq!(
            local_window(s, late, Shanghai, Locale::En),
            "27 Nov 09:00-28 Nov 01:00"
        );
    }

    #[test]
    fn durations_keep_the_two_largest_units() {
        assert_eq!(duration(45, Locale::ZhCn), "45分钟");
        assert_eq!(duration(200, Locale::ZhCn), "3小时20分");
        assert_eq!(duration(180, Locale::En), "3h");
        assert_eq!(duration(3 * 1440 + 125, Locale::ZhCn), "3天2小时");
        assert_eq!(duration(2 * 1440 + 5, Locale::En), "2d");
        assert_eq!(duration(-5, Locale::En), "0m");
    }
}
