//! What an email of the report needs besides its HTML: the subject line and the plain-text
//! part that clients without HTML (and spam filters) read.

use gridloop_core::WeeklyReport;

use crate::labels::Labels;
use crate::markdown::{self, Flavor};
use crate::view::View;

/// `【周报】2026-W48 园区名` or `Weekly report 2026-W48 — Park name`. The label comes first
/// so that a mailbox sorted by subject lists a scope's weeks in order; a name's line breaks
/// and runs of spaces become single spaces, as a header line needs.
pub fn subject(report: &WeeklyReport) -> String {
    let l = Labels::of(report.locale);
    let name = report
        .scope_name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "{}{}{}{name}",
        l.subject_prefix, report.label, l.subject_separator
    )
}

/// The plain-text part of the email: the Markdown report without its escapes, which reads as
/// text and keeps every figure of the HTML.
pub fn text(report: &WeeklyReport) -> String {
    markdown::render(&View::of(report), Flavor::Plain)
}
