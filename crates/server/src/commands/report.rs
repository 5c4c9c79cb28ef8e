//! `gridloop report weekly`: the week's indicators from the event log.

use gridloop_core::{Locale, Period};
use serde_json::Value;

use crate::app::App;
use crate::cli::ReportCommand;
use crate::exit::UsageError;
use crate::render::{print_json, say, table};

pub async fn run(app: &App, cmd: ReportCommand) -> anyhow::Result<()> {
    let ReportCommand::Weekly {
        week,
        format,
        locale,
    } = cmd;
    let tz = app.settings.calendar.time_zone;
    let period = match week {
        Some(raw) => Period::parse_week(&raw, tz)?,
        None => Period::week_containing(app.now, tz).previous(),
    };
    let locale: Locale = locale.parse()?;
    let indicators = app
        .store
        .indicators(period, app.workflow.calendar())
        .await?;
    match format.as_str() {
        "json" => {
            let mut doc = serde_json::to_value(&indicators)?;
            if let Some(object) = doc.as_object_mut() {
                object.insert(
                    "footnotes".into(),
                    serde_json::json!(indicators.footnotes(locale)),
                );
            }
            print_json(&doc)
        }
        "md" => {
            let doc = serde_json::to_value(&indicators)?;
            say!("# {} {period}\n", heading(locale));
            say!("{}", section(&doc["totals"]));
            say!("{}", section(&doc["rates"]));
            say!("{}", section(&doc["visits"]));
            say!("{}", league(&doc["league"]));
            for (i, note) in indicators.footnotes(locale).iter().enumerate() {
                say!("{}. {note}", i + 1);
            }
            Ok(())
        }
        other => Err(UsageError(format!("--format '{other}': expected md or json")).into()),
    }
}

fn heading(locale: Locale) -> &'static str {
    match locale {
        Locale::ZhCn => "周报",
        Locale::En => "Weekly report",
    }
}

/// A flat JSON object as a two-column table; nested values are shown as JSON.
fn section(value: &Value) -> String {
    let rows: Vec<Vec<String>> = value
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let shown = match v {
                        Value::Null => "-".to_owned(),
                        Value::Number(n) => n
                            .as_f64()
                            .filter(|f| f.fract() != 0.0)
                            .map_or_else(|| n.to_string(), |f| format!("{f:.3}")),
                        other => other.to_string(),
                    };
                    vec![k.clone(), shown]
                })
                .collect()
        })
        .unwrap_or_default();
    table(&["", ""], &rows)
}

fn league(value: &Value) -> String {
    let rows: Vec<Vec<String>> = ["ranked", "too_few_to_rank"]
        .iter()
        .flat_map(|part| value[*part].as_array().cloned().unwrap_or_default())
        .map(|row| {
            vec![
                row["rank"].to_string(),
                row["unit"].to_string(),
                row["resolved"].to_string(),
                row["on_time_rate"]
                    .as_f64()
                    .map_or_else(|| "-".to_owned(), |r| format!("{:.0}%", r * 100.0)),
            ]
        })
        .collect();
    table(&["RANK", "UNIT", "RESOLVED", "ON TIME"], &rows)
}
