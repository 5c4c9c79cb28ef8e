//! `gridloop issue export`: the ledger read back as a leader's spreadsheet would read it —
//! the workbook with calamine, the CSV by hand — on both backends.

use std::io::Cursor;
use std::path::Path;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use serde_json::Value;

use crate::on_both;
use crate::support::{Db, Scratch};

on_both! {
    the_xlsx_ledger_has_chinese_headers_local_times_and_names_and_keeps_formulas_as_text => xlsx_ledger;
    the_csv_ledger_is_utf8_with_a_bom_and_formula_safe_in_either_language => csv_ledger;
    a_post_member_exports_only_the_issues_of_their_grid => scoped;
    a_bad_format_or_filter_is_refused_and_writes_no_file => refused;
}

/// Resolution comes three and a half hours after the rest (13:30 in Shanghai).
const LATER: &str = "2026-11-27T05:30:00Z";

fn report(db: &Db, who: &str, grid: &str, title: &str) -> String {
    let enterprise = db.json(&["enterprise", "list", "--grid", grid])[0]["id"].to_string();
    let issue = db.json(&[
        "issue",
        "report",
        "--as",
        who,
        "--enterprise",
        &enterprise,
        "--category",
        "power",
        "--title",
        title,
    ]);
    issue["id"].to_string()
}

fn act(db: &Db, id: &str, action: &str, who: &str, extra: &[&str]) -> Value {
    let mut args = vec!["issue", "act", id, action, "--as", who];
    args.extend_from_slice(extra);
    db.json(&args)
}

/// The demo park with three issues: `=1+2` in g1, resolved (accepted, assigned to power,
/// started, resolved later the same day); a plain one in g1; one in g2. Returns their ids.
fn park(db: &Db) -> [String; 3] {
    db.run(&["demo", "--seed-only", "--no-history"]).assert_ok();
    let formula = report(db, "post01", "g1", "=1+2");
    let plain = report(db, "post01", "g1", "路灯不亮, 需要\"检修\"");
    let other = report(db, "comm03", "g2", "二号网格的问题");
    act(db, &formula, "accept", "dispatch", &[]);
    act(db, &formula, "assign", "dispatch", &["--unit", "power"]);
    act(db, &formula, "start", "power", &[]);
    let later = db.run_with(
        &[
            "--json",
            "issue",
            "act",
            &formula,
            "resolve",
            "--as",
            "power",
            "--note",
            "已修复",
        ],
        &[("GRIDLOOP_NOW", LATER)],
    );
    later.assert_ok();
    [formula, plain, other]
}

fn export(db: &Db, out: &Path, args: &[&str]) {
    let mut all = vec![
        "issue",
        "export",
        "--output",
        out.to_str().expect("utf-8 path"),
    ];
    all.extend_from_slice(args);
    db.run(&all).assert_ok();
}

/// The sheet's cells as text (times as Excel serials) and its formulas.
fn read_xlsx(path: &Path) -> (Vec<Vec<Data>>, usize) {
    let bytes = std::fs::read(path).expect("the workbook");
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("an xlsx file");
    let names = book.sheet_names();
    assert_eq!(names, vec!["问题台账".to_owned()]);
    let range = book.worksheet_range("问题台账").expect("the sheet");
    let formulas = book
        .worksheet_formula("问题台账")
        .expect("formulas")
        .used_cells()
        .filter(|(_, _, f)| !f.is_empty())
        .count();
    (range.rows().map(<[Data]>::to_vec).collect(), formulas)
}

fn text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

/// 2026-11-27 10:00 and 13:30 as Excel serials (days since 1899-12-30).
const AT_10_00: f64 = 46_353.0 + 10.0 / 24.0;
const AT_13_30: f64 = 46_353.0 + 13.5 / 24.0;

fn xlsx_ledger(db: &Db) {
    let [formula, plain, other] = park(db);
    let dir = Scratch::new("export");
    let out = dir.file("ledger.xlsx");
    export(db, &out, &["--format", "xlsx", "--grid", "g1"]);
    let (rows, formulas) = read_xlsx(&out);
    assert_eq!(formulas, 0, "no cell is a formula");
    let headers: Vec<String> = rows[0].iter().map(text).collect();
    assert_eq!(headers.len(), 23);
    assert_eq!(
        &headers[..10],
        [
            "编号",
            "标题",
            "企业",
            "统一社会信用代码",
            "网格",
            "类别",
            "优先级",
            "状态",
            "上报人/来源",
            "上报时间"
        ]
    );
    assert_eq!(headers[17], "是否按期办结");
    assert_eq!(headers[18], "办理用时（工作小时）");
    // g1's two issues, newest first; g2's is not in it.
    let ids: Vec<String> = rows[1..].iter().map(|r| text(&r[0])).collect();
    assert_eq!(ids, vec![plain.clone(), formula.clone()]);
    assert!(!ids.contains(&other));

    let row = &rows[2];
    assert_eq!(row[1], Data::String("=1+2".into()), "the title stays text");
    assert_eq!(text(&row[3]).len(), 18, "the enterprise's credit code");
    assert_eq!(text(&row[4]), "第一网格（铝材加工区）");
    assert_eq!(text(&row[7]), "待验收");
    assert_eq!(text(&row[8]), "王建华");
    let serial = |cell: &Data| match cell {
        Data::DateTime(t) => t.as_f64(),
        other => panic!("not a time: {other:?}"),
    };
    assert!(
        (serial(&row[9]) - AT_10_00).abs() < 1e-6,
        "reported at 10:00 local"
    );
    assert!(
        (serial(&row[10]) - AT_10_00).abs() < 1e-6,
        "accepted at 10:00 local"
    );
    assert!(!text(&row[11]).is_empty(), "the unit's name");
    assert!(
        (serial(&row[16]) - AT_13_30).abs() < 1e-6,
        "resolved at 13:30 local"
    );
    assert_eq!(text(&row[17]), "是");
    let hours = match row[18] {
        Data::Float(h) => h,
        ref other => panic!("hours: {other:?}"),
    };
    assert!(hours > 0.0 && hours <= 3.5, "{hours}");
    assert_eq!(text(&row[19]), "0/0");
    // The plain one: not accepted, no unit, nothing due.
    assert_eq!(rows[1][10], Data::Empty);
    assert_eq!(rows[1][17], Data::Empty);
}

fn read_csv(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("the CSV");
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "a UTF-8 byte-order mark"
    );
    String::from_utf8(bytes[3..].to_vec()).expect("UTF-8")
}

fn csv_ledger(db: &Db) {
    let [formula, plain, _] = park(db);
    let dir = Scratch::new("export");
    let out = dir.file("ledger.csv");
    export(db, &out, &["--format", "csv", "--grid", "g1"]);
    let csv = read_csv(&out);
    let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with(
        "编号,标题,企业,统一社会信用代码,网格,类别,优先级,状态,上报人/来源,上报时间,受理时间"
    ));
    assert!(
        lines[1].starts_with(&format!("{plain},\"路灯不亮, 需要\"\"检修\"\"\",")),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with(&format!("{formula},'=1+2,")),
        "{}",
        lines[2]
    );
    assert!(
        lines[2].contains(",2026-11-27 10:00,2026-11-27 10:00,"),
        "{}",
        lines[2]
    );
    assert!(lines[2].contains(",2026-11-27 13:30,是,"), "{}", lines[2]);

    export(
        db,
        &out,
        &[
            "--format", "csv", "--grid", "g1", "--locale", "en", "--status", "resolved",
        ],
    );
    let csv = read_csv(&out);
    let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[0].starts_with("No.,Title,Enterprise,Unified social credit code,Grid,"),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains(",awaiting verification,"), "{}", lines[1]);
    assert!(lines[1].contains(",yes,"), "{}", lines[1]);
}

fn data_rows(db: &Db, who: &str) -> Vec<String> {
    let dir = Scratch::new("export");
    let out = dir.file(&format!("{who}.csv"));
    export(db, &out, &["--format", "csv", "--as", who]);
    let csv = read_csv(&out);
    csv.split_terminator("\r\n")
        .skip(1)
        .map(|l| l.split(',').next().unwrap_or_default().to_owned())
        .collect()
}

fn scoped(db: &Db) {
    let [formula, plain, other] = park(db);
    assert_eq!(data_rows(db, "post01"), vec![plain, formula]);
    assert_eq!(data_rows(db, "comm03"), vec![other]);
    // Someone else's grid in a filter is simply empty, not a peek.
    let dir = Scratch::new("export");
    let out = dir.file("peek.csv");
    export(
        db,
        &out,
        &["--format", "csv", "--as", "comm03", "--grid", "g1"],
    );
    assert_eq!(read_csv(&out).split_terminator("\r\n").count(), 1);
}

fn refused(db: &Db) {
    park(db);
    let dir = Scratch::new("export");
    let out = dir.file("refused.xlsx");
    let path = out.to_str().expect("utf-8 path");
    db.run(&["issue", "export", "--format", "pdf", "--output", path])
        .assert_fails(2, "format");
    db.run(&[
        "issue", "export", "--format", "xlsx", "--grid", "nope", "--output", path,
    ])
    .assert_fails(2, "grid");
    assert!(!out.exists());
    assert!(!out.with_extension("xlsx.part").exists());
}
