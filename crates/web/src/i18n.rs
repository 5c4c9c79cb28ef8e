//! The pages' strings in each locale, and the language switch.
//!
//! One table, one row per string with both languages side by side, so a string cannot exist in
//! one language and be missing in the other. Templates read them as `t.key`; keys use
//! underscores so that `t["status_" ~ issue.status]` works for machine values.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::extract::{Path, Query};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gridloop_core::Locale;
use serde::Deserialize;

/// The cookie holding the chosen language.
pub const COOKIE: &str = "gridloop_lang";

/// `(key, zh-CN, en)`.
#[rustfmt::skip]
const STRINGS: &[(&str, &str, &str)] = &[
    ("app_name", "园区服务闭环", "gridloop"),
    ("skip_to_content", "跳到正文", "Skip to content"),
    ("sign_in", "登录", "Sign in"),
    ("sign_out", "退出", "Sign out"),
    ("login", "登录名", "Login"),
    ("password", "密码", "Password"),
    ("wrong_credentials", "登录名或密码不正确。", "The login or the password is wrong."),
    ("throttled", "登录失败次数过多，请{wait}后再试。", "Too many failed sign-ins: try again in {wait}."),
    ("wait_seconds", " {n} 秒", "{n} s"),
    ("wait_minutes", " {n} 分钟", "{n} min"),
    ("busy", "服务器繁忙，请稍后再试。", "The server is busy: try again in a moment."),
    ("signed_in_as", "当前用户", "Signed in as"),
    ("nav_report", "上报问题", "Report a problem"),
    ("nav_my", "我的问题", "My issues"),
    ("nav_verify", "待验收", "To verify"),
    ("nav_visits", "本周走访", "Visits"),
    ("nav_worklist", "待办", "Worklist"),
    ("nav_intake", "受理", "Intake"),
    ("nav_returned", "退回", "Returned"),
    ("nav_dashboard", "看板", "Dashboard"),
    ("nav_extensions", "延期申请", "Extensions"),
    ("nav_admin", "管理", "Admin"),
    ("main_nav", "主菜单", "Main menu"),
    // The report form.
    ("report_title", "上报问题", "Report a problem"),
    ("enterprise", "企业", "Enterprise"),
    ("enterprise_search", "输入名称筛选", "Type to filter the list"),
    ("choose", "请选择", "Choose…"),
    ("category", "问题类别", "Category"),
    ("title", "标题", "Title"),
    ("description", "详细描述", "Description"),
    ("priority", "紧急程度", "Priority"),
    ("photo", "照片", "Photo"),
    ("photo_url", "或照片链接", "Or a photo link"),
    ("photo_hint", "可拍照或从相册选择，最大 10 MB。", "Take a photo or pick one; up to 10 MB."),
    ("submit_report", "上报", "Report"),
    ("sending", "正在提交…", "Sending…"),
    ("no_enterprises", "您的网格中没有企业，无法上报。", "There are no enterprises in your grids to report for."),
    ("priority_low", "低", "low"),
    ("priority_normal", "一般", "normal"),
    ("priority_high", "高", "high"),
    ("priority_urgent", "紧急", "urgent"),
    // Lists.
    ("my_title", "我上报的问题", "My issues"),
    ("verify_title", "待我验收的问题", "Issues waiting for my verification"),
    ("worklist_title", "本单位待办", "The unit's worklist"),
    ("intake_title", "待受理的问题", "Intake"),
    ("returned_title", "被退回的问题", "Returned issues"),
    ("nothing_here", "暂无。", "Nothing here."),
    ("col_issue", "编号", "Issue"),
    ("col_status", "状态", "Status"),
    ("col_updated", "更新", "Updated"),
    ("col_due", "办结时限", "Due"),
    ("col_actions", "操作", "Actions"),
    ("col_unit", "承办单位", "Unit"),
    ("col_reported", "上报", "Reported"),
    ("overdue", "已超期", "overdue"),
    ("open_issue", "查看", "Open"),
    // Statuses.
    ("status", "状态", "Status"),
    ("status_reported", "已上报", "reported"),
    ("status_accepted", "已受理", "accepted"),
    ("status_assigned", "已交办", "assigned"),
    ("status_in_progress", "办理中", "in progress"),
    ("status_on_hold", "已挂起", "on hold"),
    ("status_resolved", "已办结待验收", "resolved"),
    ("status_closed", "已关闭", "closed"),
    ("status_rejected", "已驳回", "rejected"),
    ("status_duplicate", "重复", "duplicate"),
    // The issue page.
    ("details", "详情", "Details"),
    ("unit", "承办单位", "Unit"),
    ("reporter", "上报人", "Reported by"),
    ("reported_at", "上报时间", "Reported at"),
    ("response_due", "响应时限", "Response due"),
    ("resolve_due", "办结时限", "Resolution due"),
    ("escalation", "督办级别", "Escalation level"),
    ("resolution", "办理结果", "Resolution"),
    ("satisfaction", "满意度", "Satisfaction"),
    ("pending_extension", "待批延期", "Extension requested"),
    ("duplicate_of", "重复于", "Duplicate of"),
    ("timeline", "流转记录", "Timeline"),
    ("photos", "照片", "Photos"),
    ("actions", "可执行的操作", "What you can do"),
    ("system", "系统", "system"),
    ("reason", "原因", "Reason"),
    ("note", "说明", "Note"),
    ("public_note", "给提出人的答复（公开）", "Reply to the requester (public)"),
    ("public_note_hint", "只有这段答复会通过 Open311 告知提出人；上面的说明仅内部可见。", "Only this reply reaches the requester through Open311; the note above stays internal."),
    ("score", "满意度评分", "Satisfaction"),
    ("star_1", "1 星", "1 star"),
    ("star_2", "2 星", "2 stars"),
    ("star_3", "3 星", "3 stars"),
    ("star_4", "4 星", "4 stars"),
    ("star_5", "5 星", "5 stars"),
    ("duplicate_of_id", "重复的问题编号", "Duplicate of issue number"),
    ("extend_until", "延期至", "Extend until"),
    ("extend_minutes", "或延长分钟数", "Or extend by minutes"),
    ("changed_meanwhile", "该问题已被他人更新，请查看最新状态后再操作。", "The issue changed meanwhile: check its current state and try again."),
    ("home", "返回首页", "Home"),
    ("bad_week", "周次无效：请写成 2026-W48 这样的 ISO 周，年份在 2000 至 2100 之间。", "Not a week: write an ISO week such as 2026-W48, in a year from 2000 to 2100."),
    ("bad_report_scope", "请只选择一个网格或一个承办单位，并使用其代码。", "Name one grid or one unit, by its code, not both."),
    ("version_required", "表单未注明页面显示的问题版本，未做任何更改。请刷新页面后重试。", "The form did not say which version of the issue the page showed; nothing was changed. Reload the page and try again."),
    ("not_allowed_now", "当前状态不允许此操作。", "The issue's state does not allow this."),
    ("comment", "备注", "Comment"),
    // Buttons: the English ones are what the browser tests click.
    ("act_accept", "受理", "Accept"),
    ("act_reject", "驳回", "Reject"),
    ("act_assign", "交办", "Assign"),
    ("act_mark_duplicate", "标记重复", "Mark duplicate"),
    ("act_start", "开始办理", "Start"),
    ("act_hold", "挂起", "Hold"),
    ("act_resume", "恢复办理", "Resume"),
    ("act_extend_request", "申请延期", "Request extension"),
    ("act_extend_grant", "批准", "Grant"),
    ("act_extend_deny", "不批准", "Deny"),
    ("act_resolve", "办结", "Resolve"),
    ("act_return", "退回", "Return"),
    ("act_verify", "验收通过", "Verify"),
    ("act_rework", "返工", "Rework"),
    ("act_reopen", "重新打开", "Reopen"),
    ("act_reassign", "改派", "Reassign"),
    ("act_comment", "添加备注", "Comment"),
    // Events on the timeline.
    ("ev_reported", "上报", "reported"),
    ("ev_accepted", "受理", "accepted"),
    ("ev_rejected", "驳回", "rejected"),
    ("ev_assigned", "交办", "assigned"),
    ("ev_returned", "退回", "returned"),
    ("ev_started", "开始办理", "started"),
    ("ev_held", "挂起", "put on hold"),
    ("ev_resumed", "恢复办理", "resumed"),
    ("ev_extension_requested", "申请延期", "extension requested"),
    ("ev_extension_granted", "批准延期", "extension granted"),
    ("ev_extension_denied", "不批准延期", "extension denied"),
    ("ev_resolved", "办结", "resolved"),
    ("ev_verified", "验收通过", "verified"),
    ("ev_reworked", "返工", "sent back for rework"),
    ("ev_reopened", "重新打开", "reopened"),
    ("ev_marked_duplicate", "标记为重复", "marked duplicate"),
    ("ev_reassigned", "改派", "reassigned"),
    ("ev_commented", "备注", "comment"),
    ("ev_escalated", "督办升级", "escalated"),
    // Visits.
    ("visits_title", "本周走访", "This week's visits"),
    ("scheduled_at", "计划时间", "Scheduled"),
    ("window_end", "截止", "Window ends"),
    ("visit_status_planned", "待走访", "planned"),
    ("visit_status_checked_in", "已签到", "checked in"),
    ("visit_status_completed", "已完成", "completed"),
    ("visit_status_missed", "已错过", "missed"),
    ("check_in", "签到", "Check in"),
    ("complete_visit", "完成走访", "Complete the visit"),
    ("visit_notes", "走访记录", "Visit notes"),
    ("raise_title", "发现问题（标题，可选）", "Raise an issue (title, optional)"),
    ("raise_category", "问题类别", "Category of the issue"),
    ("raised", "走访中发现的问题", "Issues raised"),
    // Supervisor.
    ("dashboard_title", "督办看板", "Dashboard"),
    ("weekly_report", "上周周报（含趋势图、排名与超期清单）", "Last week's report (trend chart, league, overdue list)"),
    ("open_issues", "未办结", "Open"),
    ("overdue_issues", "已超期", "Overdue"),
    ("escalated_level", "督办级别", "Escalated, level"),
    ("this_week", "本周指标", "This week"),
    ("trend", "近八周趋势", "Trend, last eight weeks"),
    ("league", "承办单位排名", "Units' league table"),
    ("rank", "名次", "Rank"),
    ("on_time_rate", "按时办结率", "On-time rate"),
    ("resolved_count", "办结数", "Resolved"),
    ("week", "周", "Week"),
    ("new_issues", "新上报", "New"),
    ("closed_issues", "已关闭", "Closed"),
    ("rework_rate", "返工率", "Rework rate"),
    ("satisfaction_mean", "平均满意度", "Mean satisfaction"),
    ("median_close", "办结时长中位数（工作小时）", "Median time to close (working hours)"),
    ("visits_done", "走访完成/计划", "Visits done / planned"),
    ("extensions_title", "待批的延期申请", "Pending extension requests"),
    ("requested_until", "申请延期至", "Requested until"),
    // Admin.
    ("admin_title", "系统管理", "Administration"),
    ("admin_grids", "网格", "Grids"),
    ("admin_posts", "先锋岗", "Posts"),
    ("admin_enterprises", "企业", "Enterprises"),
    ("admin_units", "承办单位", "Units"),
    ("admin_users", "用户", "Users"),
    ("admin_categories", "问题类别与时限", "Categories and SLAs"),
    ("admin_visit_plans", "走访计划", "Visit plans"),
    ("admin_schedules", "定时任务", "Schedules"),
    ("admin_notifications", "发送失败的通知", "Dead notifications"),
    ("code", "代码", "Code"),
    ("name", "名称", "Name"),
    ("grid", "网格", "Grid"),
    ("address", "地址", "Address"),
    ("roles", "角色", "Roles"),
    ("active", "启用", "Active"),
    ("create", "新建", "Create"),
    ("save", "保存", "Save"),
    ("retry", "重新发送", "Retry"),
    ("default_unit", "默认承办单位", "Default unit"),
    ("sla", "时限（响应/办结，工作分钟）", "SLA (response/resolution, working minutes)"),
    ("commissioner", "服务专员", "Commissioner"),
    ("cron", "周期", "Schedule"),
    ("paused", "已暂停", "paused"),
    ("job", "任务", "Job"),
    ("next_fire", "下次执行", "Next run"),
    ("channel", "渠道", "Channel"),
    ("recipient", "接收人", "Recipient"),
    ("error", "错误", "Error"),
    ("attempts", "尝试次数", "Attempts"),
    ("saved", "已保存。", "Saved."),
    ("yes", "是", "yes"),
    ("no", "否", "no"),
    ("not_saved", "未保存：", "Not saved:"),
    // Why a use case refused (`messages`): one text per kind of refusal.
    ("err_invalid", "以下内容有误：{fields}", "Please correct: {fields}"),
    ("err_not_found", "找不到该{thing}，或您无权查看。", "There is no such {thing}, or you may not see it."),
    ("err_not_permitted", "您的角色不能{doing}（需要以下角色之一：{roles}）。", "Your roles may not {doing} (it needs one of: {roles})."),
    ("err_no_such_transition", "问题当前为“{status}”，不能执行“{action}”。", "An issue that is “{status}” cannot take “{action}”."),
    ("err_precondition", "此操作的前提条件不满足：{detail}", "The action's preconditions do not hold: {detail}"),
    ("err_visit_transition", "走访当前为“{status}”，不能执行此操作。", "A visit that is “{status}” cannot take this step."),
    ("err_visit_too_early", "还不能签到：签到从 {time} 开始。", "Too early: check-in opens at {time}."),
    ("err_visit_window_closed", "走访时间窗已于 {time} 结束，本次走访已错过。", "The visit's window closed at {time}: it is missed."),
    ("err_visit_still_open", "走访时间窗到 {time} 才结束。", "The visit's window is open until {time}."),
    ("err_already_exists", "{thing}“{key}”已存在。", "A {thing} “{key}” already exists."),
    ("err_key_reuse", "该表单已用不同的内容提交过，请重新填写。", "This form was already sent with other values: fill it in again."),
    ("err_unavailable", "数据库暂时无法访问，未做任何更改。请稍后再试。", "The database cannot be reached right now; nothing was changed. Try again in a moment."),
    ("err_internal", "服务器出错，已记录，请稍后再试。", "Something went wrong on the server; it was logged. Try again later."),
    ("thing_chain", "产业链", "chain"),
    ("thing_grid", "网格", "grid"),
    ("thing_post", "先锋岗", "post"),
    ("thing_enterprise", "企业", "enterprise"),
    ("thing_unit", "承办单位", "unit"),
    ("thing_category", "问题类别", "category"),
    ("thing_user", "用户", "user"),
    ("thing_token", "令牌", "token"),
    ("thing_issue", "问题", "issue"),
    ("thing_attachment", "附件", "attachment"),
    ("thing_visit", "走访", "visit"),
    ("thing_visit_plan", "走访计划", "visit plan"),
    ("thing_report", "周报", "report"),
    ("thing_notification", "通知", "notification"),
    ("thing_schedule", "定时任务", "schedule"),
    ("thing_job", "后台任务", "job"),
    ("thing_resource", "资源", "resource"),
    ("doing_intake", "上报问题", "report a problem"),
    ("doing_administer", "管理基础数据", "administer the park's data"),
    ("doing_read_report", "查看该范围的周报", "read the report of this scope"),
    ("doing_read_visits", "查看走访", "see visits"),
    ("doing_log_visit", "登记走访", "log a visit"),
    ("doing_act", "执行“{action}”", "take “{action}”"),
    ("not_minutes", "不是整数分钟数。", "is not a whole number of minutes."),
    ("back_to_list", "返回列表", "Back to the list"),
    // Admin: users.
    ("create_user", "新建用户", "New user"),
    ("edit_user", "编辑用户", "Edit user"),
    ("login_hint", "2–32 位小写字母、数字、-、_、.，以字母开头；创建后不可更改。", "2–32 lowercase letters, digits, -, _ or ., starting with a letter; it cannot change later."),
    ("person_name", "姓名", "Name"),
    ("phone", "手机号", "Phone"),
    ("phone_hint", "如 13812345678 或 +8613812345678；可不填。", "Such as 13812345678 or +8613812345678; optional."),
    ("email", "电子邮箱", "Email"),
    ("locale", "通知语言", "Language"),
    ("role_post_member", "先锋岗成员", "Post member"),
    ("role_commissioner", "服务专员", "Commissioner"),
    ("role_dispatcher", "受理员", "Dispatcher"),
    ("role_unit_member", "承办单位人员", "Unit member"),
    ("role_unit_head", "承办单位负责人", "Unit head"),
    ("role_supervisor", "督办人员", "Supervisor"),
    ("role_admin", "管理员", "Admin"),
    ("role_enterprise", "企业联系人", "Enterprise contact"),
    ("member_posts", "所属先锋岗", "Posts"),
    ("member_posts_hint", "先锋岗成员需要。可多选（Ctrl 或 ⌘ 点击）。", "Post members need one. Several may be chosen (Ctrl or ⌘ click)."),
    ("member_units", "所属承办单位", "Units"),
    ("member_units_hint", "承办单位人员和负责人需要。", "Unit members and heads need one."),
    ("member_grids", "负责的网格", "Grids"),
    ("member_grids_hint", "服务专员需要。", "Commissioners need one."),
    ("member_enterprises", "代表的企业", "Enterprises"),
    ("member_enterprises_hint", "企业联系人需要。", "Enterprise contacts need one."),
    ("active_hint", "停用后该用户的登录会话和 API 令牌立即失效，历史记录保留。", "A deactivated user's web sessions and API tokens stop at once; their history stays."),
    ("set_password", "设置密码", "Set password"),
    ("new_password", "新密码", "New password"),
    ("password_again", "再次输入新密码", "New password again"),
    ("password_hint", "至少 8 个字符。设置后该用户的所有登录会话结束。", "At least 8 characters. Setting it signs the user out everywhere."),
    ("passwords_differ", "两次输入的密码不一致。", "The two passwords differ."),
    ("password_too_short", "密码太短，至少 8 个字符。", "The password is too short: use at least 8 characters."),
    ("password_too_long", "密码太长。", "The password is too long."),
    // Admin: categories.
    ("create_category", "新建问题类别", "New category"),
    ("edit_category", "编辑问题类别", "Edit category"),
    ("no_default_unit", "无", "None"),
    ("sla_hint", "时限按工作时间计算（分钟）。修改只影响之后交办的问题。", "Times are working minutes. A change applies to issues assigned from now on."),
    ("sla_for", "时限：", "SLA,"),
    ("response_minutes", "响应（工作分钟）", "Response (working minutes)"),
    ("resolve_minutes", "办结（工作分钟）", "Resolution (working minutes)"),
    // Admin: visit plans.
    ("create_visit_plan", "新建走访计划", "New visit plan"),
    ("cron_line", "周期（cron 表达式）", "Cron line"),
    ("cron_hint", "分 时 日 月 周，如 0 9 * * MON 表示每周一 9:00。", "minute hour day month weekday, e.g. 0 9 * * MON for Mondays at 9:00."),
    ("time_zone", "时区", "Time zone"),
    ("window_minutes", "走访时段（分钟）", "Window (minutes)"),
    ("reminder_lead_minutes", "提前提醒（分钟）", "Reminder lead (minutes)"),
    ("window_and_lead", "时段/提醒（分钟）", "Window / reminder (minutes)"),
    ("pause", "暂停", "Pause"),
    ("resume", "恢复", "Resume"),
    // Admin: schedules.
    ("remove", "删除", "Remove"),
    ("running", "运行中", "running"),
    ("misfire", "错过时处理", "Misfire"),
    ("last_fire", "上次执行", "Last run"),
    ("builtin_schedule", "内置定时任务不能删除，可以暂停。", "A built-in schedule cannot be removed; pause it instead."),
];

/// The strings of one locale, by key.
pub fn strings(locale: Locale) -> &'static BTreeMap<&'static str, &'static str> {
    static ZH: OnceLock<BTreeMap<&str, &str>> = OnceLock::new();
    static EN: OnceLock<BTreeMap<&str, &str>> = OnceLock::new();
    match locale {
        Locale::ZhCn => ZH.get_or_init(|| STRINGS.iter().map(|(k, zh, _)| (*k, *zh)).collect()),
        Locale::En => EN.get_or_init(|| STRINGS.iter().map(|(k, _, en)| (*k, *en)).collect()),
    }
}

/// Whether a string of this key exists.
pub fn has(key: &str) -> bool {
    strings(Locale::En).contains_key(key)
}

/// One string (for messages built in handlers rather than templates).
pub fn text(locale: Locale, key: &str) -> &'static str {
    strings(locale).get(key).copied().unwrap_or("")
}

/// The language a request asks for: the switch's cookie, else the user's own setting, else
/// zh-CN.
pub fn locale_of(headers: &HeaderMap, user_locale: Option<&str>) -> Locale {
    match crate::session::cookie(headers, COOKIE) {
        Some(tag) => Locale::negotiate(&tag),
        None => user_locale.map(Locale::negotiate).unwrap_or_default(),
    }
}

#[derive(Debug, Deserialize)]
pub struct SwitchQuery {
    next: Option<String>,
}

/// `GET /lang/{zh-CN|en}?next=/path`: remembers the language for a year and goes back.
pub async fn switch(Path(lang): Path<String>, Query(query): Query<SwitchQuery>) -> Response {
    let Ok(locale) = lang.parse::<Locale>() else {
        return crate::render::PageError::NotFound.into_response();
    };
    let next = crate::next::LocalPath::or_home(query.next.as_deref());
    let cookie = format!(
        "{COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        locale.as_str()
    );
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(next.as_str()) {
        headers.insert(LOCATION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        headers.insert(SET_COOKIE, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_unique_and_has_both_languages() {
        let mut seen = std::collections::HashSet::new();
        for (key, zh, en) in STRINGS {
            assert!(seen.insert(*key), "{key} twice");
            assert!(!zh.is_empty() && !en.is_empty(), "{key} is empty");
        }
        assert_eq!(text(Locale::En, "submit_report"), "Report");
        assert_eq!(text(Locale::ZhCn, "submit_report"), "上报");
    }
}
