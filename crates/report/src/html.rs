//! The report as one self-contained HTML page for browsers and mail clients, rendered from
//! `templates/report.html` (compiled into the binary) with minijinja's HTML autoescape.

use std::sync::LazyLock;

use base64::Engine as _;
use gridloop_core::WeeklyReport;
use minijinja::{context, Environment, UndefinedBehavior, Value};

use crate::chart;
use crate::view::View;

/// Where the HTML's `<img>` finds the trend chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart<'a> {
    /// The PNG inside the page as a `data:` URI, for a browser or a saved file. Gmail and
    /// Outlook block `data:` images in mail, so an email uses [`Chart::ContentId`].
    Embedded,
    /// A `cid:` reference for an email whose PNG ([`trend_png`](crate::trend_png)) is attached
    /// inline (`Content-Disposition: inline`) with this Content-ID, given here without the
    /// angle brackets the `Content-ID` header puts around it.
    ContentId(&'a str),
}

const TEMPLATE: &str = "report.html";

/// Parsed once: the template is fixed at build time.
static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    // The name ends in .html, so minijinja escapes every value for HTML.
    env.add_template(TEMPLATE, include_str!("../templates/report.html"))
        .expect("the built-in report template parses (checked by the crate's tests)");
    env
});

/// The report as an HTML page in the report's language.
pub fn html(report: &WeeklyReport, chart: Chart<'_>) -> String {
    let chart_src = match chart {
        // Base64 and the scheme are all URL-safe characters, so the URI goes in unescaped
        // rather than with every `/` spelled `&#x2f;`.
        Chart::Embedded => Value::from_safe_string(format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(chart::trend_png(&report.trend))
        )),
        Chart::ContentId(id) => Value::from(format!("cid:{id}")),
    };
    let view = Value::from_serialize(View::of(report));
    let ctx = context! {
        chart_src => chart_src,
        chart_width => chart::WIDTH,
        chart_height => chart::HEIGHT,
        ..view
    };
    TEMPLATES
        .get_template(TEMPLATE)
        .and_then(|t| t.render(ctx))
        .expect("the built-in report template renders every report (checked by the crate's tests)")
}
