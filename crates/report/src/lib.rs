//! gridloop's weekly report (周报) rendered for its readers: an HTML page for browsers and
//! mail clients, the plain-text part and subject of the email, Markdown, CSV, and the
//! eight-week trend chart as a PNG.
//!
//! Every renderer takes a [`WeeklyReport`] as built by `gridloop-core` (or read back from a
//! stored copy) and writes it in the report's own [`Locale`](gridloop_core::Locale); rates
//! with no data show as "—", never as 0 %. Rendering cannot fail: the templates are compiled
//! in and checked by this crate's tests, so every function returns its output directly.
//!
//! # Sending the report by email
//!
//! Gmail and Outlook do not show `data:` images in mail, so an email attaches the chart
//! ([`trend_png`]) inline with a Content-ID and points the HTML at it:
//!
//! ```
//! # fn demo(report: &gridloop_core::WeeklyReport) {
//! use gridloop_report::{html, subject, text, trend_png, Chart};
//! let cid = "trend@gridloop"; // the Content-ID header is then `<trend@gridloop>`
//! let (subject, text, html, png) =
//!     (subject(report), text(report), html(report, Chart::ContentId(cid)), trend_png(report));
//! # }
//! ```
//!
//! A browser, a saved file or an API response uses [`Chart::Embedded`] instead.
//!
//! # Layout
//!
//! - `html`: [`html`] and [`Chart`], from `templates/report.html`.
//! - `email`: [`subject`] and [`text`], the rest of an email.
//! - `markdown`: [`markdown`], which [`text`] reuses unescaped.
//! - `csv`: [`csv`], with its layout and encoding explained.
//! - `chart`: [`trend_png`], drawn pixel by pixel with a built-in bitmap font.
//! - `view`: the report with labels and formatted numbers, walked by HTML and Markdown.
//! - `labels`: every visible word, in each language.
//! - `format`: percentages, changes with arrows, hours.

mod chart;
mod csv;
mod email;
mod format;
mod html;
mod labels;
mod markdown;
mod view;

use gridloop_core::WeeklyReport;

pub use csv::csv;
pub use email::{subject, text};
pub use html::{html, Chart};

/// The report as Markdown: headings, GitHub-flavoured tables and numbered notes, with every
/// name and title escaped.
pub fn markdown(report: &WeeklyReport) -> String {
    markdown::render(&view::View::of(report), markdown::Flavor::Markdown)
}

/// The eight-week trend chart: an 8-bit RGB PNG of 640×280 pixels, the same bytes for the
/// same trend. Its legend is in the HTML (see [`html`]); the colours are reported in blue
/// `#4e79a7` and resolved in green `#59a14f` (bars, left axis), overdue at end in red
/// `#e15759` (dashed line, left axis), on-time resolution rate in orange `#f28e2b` (line,
/// right axis, 0–100 %).
pub fn trend_png(report: &WeeklyReport) -> Vec<u8> {
    chart::trend_png(&report.trend)
}
