//! The renderers against a hand-built park (see `fixture/`): reviewed snapshots of the HTML,
//! CSV, Markdown and text in both languages and three shapes (a park, a unit, an empty week),
//! the escaping promises, and the PNG's format and pixels.
//!
//! Run with `GRIDLOOP_REPORT_SAMPLES=dir` to also write a sample HTML page (chart embedded) and
//! the chart PNG into `dir`, for looking at.

#[path = "fixture/mod.rs"]
mod fixture;

use std::io::Cursor;

use gridloop_core::{Locale, ReportScope, WeeklyReport};
use gridloop_report::{csv, html, markdown, subject, text, trend_png, Chart};

use fixture::{empty_week, report, unit};

const CID: &str = "trend-2026-W48@gridloop";

fn park(locale: Locale) -> WeeklyReport {
    report(ReportScope::Park, locale)
}

fn decode(png: &[u8]) -> (png::OutputInfo, Vec<u8>) {
    let decoder = png::Decoder::new(Cursor::new(png));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a sane size")];
    let info = reader.next_frame(&mut pixels).expect("a PNG frame");
    pixels.truncate(info.buffer_size());
    (info, pixels)
}

#[test]
fn the_park_report_renders_as_snapshotted_in_both_languages() {
    for locale in Locale::ALL {
        let report = park(locale);
        insta::assert_snapshot!(
            format!("park__{locale}__html"),
            html(&report, Chart::ContentId(CID))
        );
        insta::assert_snapshot!(format!("park__{locale}__markdown"), markdown(&report));
    }
    insta::assert_snapshot!("park__zh-CN__text", text(&park(Locale::ZhCn)));
}

#[test]
fn the_csv_renders_as_snapshotted() {
    // Shown with visible line ends, since CRLF is part of the promise.
    let shown = |csv: String| csv.replace("\r\n", "⏎\n");
    insta::assert_snapshot!("park__zh-CN__csv", shown(csv(&park(Locale::ZhCn))));
    insta::assert_snapshot!(
        "unit__en__csv",
        shown(csv(&report(ReportScope::Unit(unit(3)), Locale::En)))
    );
}

#[test]
fn a_units_report_shows_its_own_figures_and_highlights_it_in_the_league() {
    let report = report(ReportScope::Unit(unit(3)), Locale::ZhCn);
    let page = html(&report, Chart::ContentId(CID));
    insta::assert_snapshot!("unit__zh-CN__html", page);
    insta::assert_snapshot!("unit__zh-CN__markdown", markdown(&report));
    assert!(page.contains("供电公司（本单位）"));
    // Times, visits and breakdowns are the park's, not a unit's.
    for heading in ["时长（工作小时）", "走访", "分项统计"] {
        assert!(!page.contains(&format!(">{heading}</h2>")), "{heading}");
    }
    assert!(page.contains(">单位排名</h2>"));
}

#[test]
fn an_empty_week_shows_zeros_and_no_data_but_never_zero_percent() {
    for locale in Locale::ALL {
        let report = empty_week(locale);
        let page = html(&report, Chart::ContentId(CID));
        let md = markdown(&report);
        insta::assert_snapshot!(format!("empty__{locale}__html"), page);
        insta::assert_snapshot!(format!("empty__{locale}__markdown"), md);
        assert!(!page.contains("0.0%"), "a rate without data shows as 0 %");
        assert!(!md.contains("0.0%"));
    }
    insta::assert_snapshot!(
        "empty__zh-CN__csv",
        csv(&empty_week(Locale::ZhCn)).replace("\r\n", "⏎\n")
    );
}

#[test]
fn the_subject_names_the_week_and_the_scope() {
    assert_eq!(
        subject(&park(Locale::ZhCn)),
        "【周报】2026-W48 金桥经济技术开发区"
    );
    assert_eq!(
        subject(&park(Locale::En)),
        "Weekly report 2026-W48 — Jinqiao Economic Zone"
    );
    let mut odd = park(Locale::En);
    odd.scope_name = "Two\r\nlines".to_owned();
    assert_eq!(subject(&odd), "Weekly report 2026-W48 — Two lines");
}

#[test]
fn html_escapes_every_name_and_title() {
    let mut report = park(Locale::En);
    report.overdue[0].title = "<script>alert(\"x\")</script> & more".to_owned();
    report.scope_name = "<b>Park</b>".to_owned();
    report.by_unit[0].name = "<img src=x onerror=alert(1)>".to_owned();
    let page = html(&report, Chart::ContentId("x\"><script>"));
    assert!(!page.contains("<script>"));
    assert!(!page.contains("<b>Park</b>"));
    assert!(!page.contains("<img src=x"));
    assert!(page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;&#x2f;script&gt; &amp; more"));
}

#[test]
fn the_embedded_chart_is_the_png_as_a_data_uri() {
    let report = park(Locale::ZhCn);
    let page = html(&report, Chart::Embedded);
    let start = page
        .find("src=\"data:image/png;base64,")
        .expect("an embedded image")
        + 5;
    let uri = &page[start..start + page[start..].find('"').expect("a closing quote")];
    use base64::Engine as _;
    let png = base64::engine::general_purpose::STANDARD
        .decode(uri.trim_start_matches("data:image/png;base64,"))
        .expect("base64");
    assert_eq!(png, trend_png(&report));
    let email = html(&report, Chart::ContentId(CID));
    assert!(email.contains(&format!(
        "src=\"cid:{CID}\" width=\"640\" height=\"280\" alt=\""
    )));
}

/// A minimal RFC 4180 reader: records of fields, quotes honoured.
fn parse_csv(s: &str) -> Vec<Vec<String>> {
    let mut records = vec![];
    let (mut record, mut field, mut quoted, mut chars) =
        (vec![], String::new(), false, s.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => record.push(std::mem::take(&mut field)),
            ('\r', false) => {
                assert_eq!(chars.next(), Some('\n'), "a bare CR outside quotes");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            ('\n', false) => panic!("a bare LF outside quotes"),
            (c, _) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "the last line ends with CRLF"
    );
    records
}

#[test]
fn csv_is_rfc_4180_with_a_bom_and_quotes_awkward_titles() {
    let title = "Lamp, \"broken\"\r\nagain";
    let mut report = park(Locale::En);
    report.overdue[0].title = title.to_owned();
    report.overdue[1].title = "=HYPERLINK(\"http://evil\")".to_owned();
    let out = csv(&report);
    let body = out.strip_prefix('\u{feff}').expect("a byte-order mark");
    assert!(out.contains("\"Lamp, \"\"broken\"\"\r\nagain\""));
    let records = parse_csv(body);
    let overdue_keys = records
        .iter()
        .position(|r| r.first().map(String::as_str) == Some("issue_id"))
        .expect("the overdue section");
    let width = records[overdue_keys].len();
    let first = &records[overdue_keys + 2];
    assert_eq!(first.len(), width);
    assert_eq!(first[1], title);
    assert_eq!(records[overdue_keys + 3][1], "'=HYPERLINK(\"http://evil\")");
    // Every section's rows are as wide as its key row.
    let mut keys_width = None;
    for record in &records {
        if record.len() == 1 && record[0].is_empty() {
            keys_width = None;
        } else if let Some(w) = keys_width {
            assert_eq!(record.len(), w, "{record:?}");
        } else {
            keys_width = Some(record.len());
        }
    }
}

#[test]
fn markdown_keeps_a_title_with_markup_inside_its_cell() {
    let mut report = park(Locale::En);
    report.overdue[0].title = "a | b *c* <script>".to_owned();
    let md = markdown(&report);
    let row = md.lines().find(|l| l.contains("a \\| b")).expect("the row");
    assert!(row.contains("a \\| b \\*c\\* \\<script\\>"));
    let plain = text(&report);
    assert!(plain.contains("a | b *c* <script>"));
}

#[test]
fn a_stored_report_read_back_renders_the_same() {
    let report = park(Locale::ZhCn);
    let json = serde_json::to_string(&report).expect("serialises");
    let back: WeeklyReport = serde_json::from_str(&json).expect("deserialises");
    assert_eq!(html(&back, Chart::Embedded), html(&report, Chart::Embedded));
    assert_eq!(csv(&back), csv(&report));
}

#[test]
fn the_chart_is_a_640_by_280_rgb_png() {
    let (info, pixels) = decode(&trend_png(&park(Locale::ZhCn)));
    assert_eq!((info.width, info.height), (640, 280));
    assert_eq!(info.color_type, png::ColorType::Rgb);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    assert_eq!(pixels.len(), 640 * 280 * 3);
}

#[test]
fn the_chart_is_deterministic_and_follows_the_data() {
    let report = park(Locale::ZhCn);
    assert_eq!(trend_png(&report), trend_png(&report));
    assert_eq!(
        trend_png(&report),
        trend_png(&park(Locale::En)),
        "the chart has no words"
    );
    let mut changed = report.clone();
    changed.trend[7].headline.reported += 20;
    assert_ne!(trend_png(&changed), trend_png(&report));
}

fn pixel(pixels: &[u8], x: usize, y: usize) -> [u8; 3] {
    let i = (y * 640 + x) * 3;
    [pixels[i], pixels[i + 1], pixels[i + 2]]
}

const REPORTED_BLUE: [u8; 3] = [0x4e, 0x79, 0xa7];
const RESOLVED_GREEN: [u8; 3] = [0x59, 0xa1, 0x4f];

/// The x of the columns holding `colour` just above the baseline.
fn columns_of(pixels: &[u8], colour: [u8; 3]) -> Vec<usize> {
    let baseline = 280 - 34 - 1;
    (0..640)
        .filter(|&x| pixel(pixels, x, baseline) == colour)
        .collect()
}

#[test]
fn the_chart_has_a_reported_and_a_resolved_bar_in_each_weeks_slot() {
    let (_, pixels) = decode(&trend_png(&park(Locale::ZhCn)));
    let blue = columns_of(&pixels, REPORTED_BLUE);
    let green = columns_of(&pixels, RESOLVED_GREEN);
    // The plot spans x 64..576 in eight slots of 64 pixels; each holds one bar of each
    // colour, blue left of the slot's centre and green right of it.
    for slot in 0..8 {
        let centre = 64 + slot * 64 + 32;
        assert!(
            blue.iter().any(|&x| (centre - 22..centre).contains(&x)),
            "slot {slot}: {blue:?}"
        );
        assert!(
            green.iter().any(|&x| (centre..centre + 22).contains(&x)),
            "slot {slot}: {green:?}"
        );
    }
    // The newest week reported more than it resolved: its blue bar is the taller.
    let height = |x: usize, colour| (0..280).filter(|&y| pixel(&pixels, x, y) == colour).count();
    let centre = 64 + 7 * 64 + 32;
    assert!(height(centre - 8, REPORTED_BLUE) > height(centre + 8, RESOLVED_GREEN));
}

#[test]
fn odd_trends_still_draw() {
    // One all-zero week without rates.
    let (info, pixels) = decode(&trend_png(&empty_week(Locale::ZhCn)));
    assert_eq!((info.width, info.height), (640, 280));
    assert!(columns_of(&pixels, REPORTED_BLUE).is_empty());

    let mut report = park(Locale::ZhCn);
    report.trend.truncate(1);
    let (_, pixels) = decode(&trend_png(&report));
    let blue = columns_of(&pixels, REPORTED_BLUE);
    assert!(
        !blue.is_empty() && blue.iter().all(|&x| x >= 64 + 7 * 64),
        "only the newest slot"
    );

    let mut huge = park(Locale::ZhCn);
    for (i, line) in huge.trend.iter_mut().enumerate() {
        line.headline.reported = 1_234_567_890 * (i as u64 + 1);
        line.headline.on_time_resolution = None;
    }
    let (info, pixels) = decode(&trend_png(&huge));
    assert_eq!(info.width, 640);
    // The axis scales to the largest value: every week's bar shows, none runs off the top.
    let blue = columns_of(&pixels, REPORTED_BLUE);
    for slot in 0..8 {
        let centre = 64 + slot * 64 + 32;
        assert!(
            blue.iter().any(|&x| (centre - 22..centre).contains(&x)),
            "slot {slot}"
        );
    }
    assert!((64..576).all(|x| pixel(&pixels, x, 0) == [255, 255, 255]));
}

#[test]
fn samples_are_written_when_asked() {
    let Some(dir) = std::env::var_os("GRIDLOOP_REPORT_SAMPLES") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let report = park(Locale::ZhCn);
    std::fs::write(dir.join("trend-sample.png"), trend_png(&report)).expect("writes");
    std::fs::write(dir.join("sample.html"), html(&report, Chart::Embedded)).expect("writes");
    std::fs::write(
        dir.join("sample-en.html"),
        html(&park(Locale::En), Chart::Embedded),
    )
    .expect("writes");
    std::fs::write(dir.join("sample.csv"), csv(&report)).expect("writes");
    std::fs::write(dir.join("sample.md"), markdown(&report)).expect("writes");
}
