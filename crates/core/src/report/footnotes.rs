//! The definitions printed under a report, in the report's language.

use super::indicators::Indicators;
pub use crate::locale::Locale;

impl Indicators {
    /// The report's footnotes: how each figure is defined, matching the doc comments of
    /// [`Counts`](super::Counts), [`Rates`](super::Rates), [`Times`](super::Times) and
    /// [`LeagueTable`](super::LeagueTable).
    pub fn footnotes(&self, locale: Locale) -> Vec<String> {
        let period = self.period;
        let tz = period.tz().name();
        let min = self.league.min_resolved;
        let lines: Vec<String> = match locale {
            Locale::ZhCn => vec![
                format!("统计期间：{period}（{tz} 时区，含起始日 00:00，不含结束日 00:00）；各项计数按事件发生时间归入所在期间。"),
                "期末在办：期末仍处于待受理、已受理、已交办、办理中、暂停或待核验状态的问题；期末超期：按期末时点判断已过响应或办结时限且计时未暂停的问题。".to_owned(),
                "按期处置率 = 本期在时限内办结数 ÷（本期办结数 + 办结时限落在本期而期末仍未办结的问题数）；时限以办结当时有效时限为准（含延期与暂停顺延），恰在时限时刻办结视为超期。".to_owned(),
                "结案率 = 本期核验结案数 ÷（期初待核验数 + 本期办结数）。".to_owned(),
                "返工率 = 本期返工数 ÷ 本期办结数（返工可能针对上期办结，故可超过 100%）。".to_owned(),
                "延期率 = 本期批准延期数 ÷ 本期交办数。".to_owned(),
                "满意度：本期核验评分（1–5 分）的平均值；满意率为评分 4 分及以上的占比。".to_owned(),
                "时长按工作日历计算的工作分钟：首次响应为交办（含改派、返工）至开始办理；办结时长为上报至结案。中位数与 P90 取最近秩法的实际样本值。".to_owned(),
                "走访完成率 = 已完成走访数 ÷ 计划走访数；走访发现问题数为本期来源为走访的上报数。".to_owned(),
                format!("单位排名按按期处置率、再按办结量排序；本期办结少于 {min} 件的单位不参与排名，单列。"),
                "分项统计：事件计入当时承办该问题的单位（退回、重新打开计入被退回或被重开的单位），未交办的事项计入“未交办”。分项之和等于合计。".to_owned(),
                "比率分母为 0 时显示为“—”，表示无数据。".to_owned(),
            ],
            Locale::En => vec![
                format!("Period: {period} in {tz}, from 00:00 of the first day up to 00:00 after the last; each event counts in the period it happened in."),
                "Open at end: issues reported, accepted, assigned, in progress, on hold or awaiting verification when the period ends. Overdue at end: of those, issues past a response or resolution deadline at that instant while the unit's clock runs.".to_owned(),
                "On-time resolution rate = resolutions before the deadline in force (after extensions and holds) ÷ (resolutions in the period + issues whose deadline fell in the period and are still unresolved at its end). A resolution at the deadline itself is late.".to_owned(),
                "Closure rate = issues verified and closed ÷ (issues awaiting verification at the start + resolutions in the period).".to_owned(),
                "Rework rate = reworks ÷ resolutions in the period (a rework may concern an earlier resolution, so it can exceed 100 %).".to_owned(),
                "Extension rate = extensions granted ÷ assignments in the period.".to_owned(),
                "Satisfaction: mean verification score (1–5) in the period; satisfied share: scores of 4 or 5.".to_owned(),
                "Times are working minutes on the working calendar. First response: from the assignment (or reassignment, or rework) to the start of work. Time to close: from the report to the close. Median and P90 are nearest-rank values of the actual samples.".to_owned(),
                "Visit completion rate = visits completed ÷ visits planned; issues raised on visits are reports in the period whose source is a visit.".to_owned(),
                format!("Units are ranked by on-time resolution rate, then by resolutions; units with fewer than {min} resolutions in the period are listed apart, unranked."),
                "Slices: an event counts for the unit holding the issue at that moment (a return or reopening for the unit it left); events before assignment count under \"unassigned\". Slices add up to the totals.".to_owned(),
                "A rate shown as \"—\" has a denominator of 0: there is no data.".to_owned(),
            ],
        };
        lines
    }
}
