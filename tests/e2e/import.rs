//! `gridloop import` as a park office uses it: the template written, filled in (here with
//! rust_xlsxwriter, as Excel would save it), imported, listed with the CLI, imported again
//! without change, corrected and imported in place; a workbook with bad rows refused with
//! every bad cell listed and nothing written; Chinese sheet names and headers, and a .csv; an
//! enterprise renamed under its unified social credit code, and a code that does not check.

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::Workbook;
use serde_json::Value;

use crate::on_both;
use crate::support::{Db, Scratch};

on_both! {
    the_template_filled_in_imports_and_a_second_import_changes_nothing_and_a_corrected_one_updates_in_place => round_trip;
    a_workbook_with_bad_rows_lists_every_bad_cell_and_writes_nothing => bad_rows;
    chinese_sheet_names_and_headers_and_csv_files_of_one_kind_import => chinese_and_csv;
    an_enterprise_renamed_with_its_credit_code_is_updated_in_place_and_a_bad_code_writes_nothing => credit_codes;
}

/// A sheet to write: its name, its header row, optionally the template's help row, its rows.
struct Sheet {
    name: String,
    headers: Vec<String>,
    help: Option<Vec<String>>,
    rows: Vec<Vec<String>>,
}

/// Writes sheets as an .xlsx; cells of digits only are written as numbers, as Excel keeps
/// typed phone numbers and minutes.
fn write_book(path: &str, sheets: &[Sheet]) {
    let mut book = Workbook::new();
    for s in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(&s.name).expect("sheet name");
        let mut rows: Vec<&Vec<String>> = vec![&s.headers];
        rows.extend(s.help.as_ref());
        rows.extend(s.rows.iter());
        for (r, row) in rows.into_iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (
                    u32::try_from(r).expect("row"),
                    u16::try_from(c).expect("column"),
                );
                if cell.is_empty() {
                    continue;
                }
                match cell.parse::<u64>() {
                    Ok(n) if r > 0 && !cell.starts_with('0') => {
                        sheet.write_number(r, c, n as f64).expect("number");
                    }
                    _ => {
                        sheet.write_string(r, c, cell).expect("string");
                    }
                }
            }
        }
    }
    book.save(path).expect("save workbook");
}

/// The template's sheets: name, header row and help row, as calamine reads them back.
fn template_sheets(path: &str) -> Vec<(String, Vec<String>, Vec<String>)> {
    let mut book: Xlsx<_> = calamine::open_workbook(path).expect("open the template");
    let names = book.sheet_names();
    names
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).expect("sheet");
            let row = |i: usize| -> Vec<String> {
                range
                    .rows()
                    .nth(i)
                    .map(|r| {
                        r.iter()
                            .map(|c| match c {
                                Data::String(s) => s.clone(),
                                other => other.to_string(),
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            (name, row(0), row(1))
        })
        .collect()
}

/// Rows given as (English key, value) pairs, placed under the template's header that names
/// the key (`网格编码 (grid_code)`).
fn fill(headers: &[String], rows: &[&[(&str, &str)]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|pairs| {
            headers
                .iter()
                .map(|h| {
                    pairs
                        .iter()
                        .find(|(k, _)| h.ends_with(&format!("({k})")))
                        .map(|(_, v)| (*v).to_owned())
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect()
}

/// The filled-in template: the template's sheets, headers and help rows, with `data` by the
/// English key of each sheet's name (`grids`).
/// A row as (English key, value) pairs.
type Pairs = &'static [(&'static str, &'static str)];

/// The rows of each kind, by the kind's English key.
type Park = Vec<(&'static str, Vec<Pairs>)>;

fn filled(template: &str, data: &Park) -> Vec<Sheet> {
    template_sheets(template)
        .into_iter()
        .map(|(name, headers, help)| {
            let rows = data
                .iter()
                .find(|(kind, _)| name.ends_with(&format!("({kind})")))
                .map(|(_, rows)| fill(&headers, rows))
                .unwrap_or_default();
            Sheet {
                name,
                headers,
                help: Some(help),
                rows,
            }
        })
        .collect()
}

fn list(db: &Db, args: &[&str]) -> Vec<Value> {
    db.json(args).as_array().expect("a list").clone()
}

/// How many rows of each kind the CLI lists.
fn counts(db: &Db) -> Vec<usize> {
    [
        &["unit", "list"][..],
        &["grid", "list"],
        &["enterprise", "list"],
        &["category", "list"],
        &["user", "list"],
        &["visit", "plan", "list"],
    ]
    .iter()
    .map(|args| list(db, args).len())
    .collect()
}

/// `import FILE --json`: the answer, asserting success.
fn import(db: &Db, file: &str, more: &[&str]) -> Value {
    let mut args = vec!["import", file];
    args.extend_from_slice(more);
    db.json(&args)
}

fn totals(answer: &Value) -> (u64, u64, u64) {
    (
        answer["created"].as_u64().expect("created"),
        answer["updated"].as_u64().expect("updated"),
        answer["unchanged"].as_u64().expect("unchanged"),
    )
}

fn kind_counts(answer: &Value, kind: &str) -> (u64, u64, u64) {
    let k = answer["kinds"]
        .as_array()
        .expect("kinds")
        .iter()
        .find(|k| k["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {answer}"));
    (
        k["created"].as_u64().expect("created"),
        k["updated"].as_u64().expect("updated"),
        k["unchanged"].as_u64().expect("unchanged"),
    )
}

fn find<'a>(items: &'a [Value], key: &str, value: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i[key] == value)
        .unwrap_or_else(|| panic!("no {key}={value} in {items:?}"))
}

const UNITS: &[(&str, &str)] = &[("unit_code", "imp-water"), ("name", "导入水务所")];

fn park(
    post2_grid: &'static str,
    walker_phone: &'static str,
    urgent: (&'static str, &'static str),
    cron: &'static str,
) -> Park {
    let post2: &'static [(&str, &str)] = Box::leak(Box::new([
        ("post_code", "imp-p2"),
        (
            "name",
            if post2_grid == "g1" {
                "导入二号岗"
            } else {
                "导入二号岗（改）"
            },
        ),
        ("grid_code", post2_grid),
    ]));
    let walker: &'static [(&str, &str)] = Box::leak(Box::new([
        ("login", "imp.walker"),
        ("name", "导入巡查员"),
        ("phone", walker_phone),
        ("roles", "post_member"),
        ("posts", "imp-p1、imp-p2"),
    ]));
    let urgent_row: &'static [(&str, &str)] = Box::leak(Box::new([
        ("category_code", "imp-leak"),
        ("priority", "紧急"),
        ("response_minutes", urgent.0),
        ("resolve_minutes", urgent.1),
    ]));
    let plan: &'static [(&str, &str)] = Box::leak(Box::new([
        ("enterprise", "导入测试铝业"),
        ("commissioner", "imp.visitor"),
        ("cron", cron),
        ("window_minutes", "120"),
    ]));
    vec![
        ("units", vec![UNITS]),
        (
            "grids",
            vec![
                &[("grid_code", "imp-g1"), ("name", "导入一网格")][..],
                &[
                    ("grid_code", "imp-g2"),
                    ("name", "导入二网格"),
                    ("chain_code", "aluminium"),
                ],
            ],
        ),
        (
            "posts",
            vec![
                &[
                    ("post_code", "imp-p1"),
                    ("name", "导入一号岗"),
                    ("grid_code", "imp-g1"),
                ][..],
                post2,
            ],
        ),
        (
            "enterprises",
            vec![
                &[
                    ("name", "导入测试铝业"),
                    ("grid_code", "imp-g1"),
                    ("address", "工业路 1 号"),
                ][..],
                &[("name", "导入测试物流"), ("grid_code", "imp-g2")],
            ],
        ),
        (
            "categories",
            vec![
                &[
                    ("category_code", "imp-leak"),
                    ("name", "管道漏水"),
                    ("default_unit", "imp-water"),
                    ("response_minutes", "120"),
                    ("resolve_minutes", "960"),
                ][..],
                urgent_row,
            ],
        ),
        (
            "users",
            vec![
                walker,
                &[
                    ("login", "imp.visitor"),
                    ("name", "导入服务专员"),
                    ("email", "visitor@example.cn"),
                    ("locale", "en"),
                    ("roles", "服务专员"),
                    ("grids", "imp-g1"),
                ][..],
                &[
                    ("login", "imp.contact"),
                    ("name", "导入企业联系人"),
                    ("roles", "enterprise"),
                    ("enterprises", "导入测试铝业"),
                ],
            ],
        ),
        ("visit_plans", vec![plan]),
    ]
}

fn round_trip(db: &Db) {
    db.run(&["demo", "--seed-only", "--no-history"]).assert_ok();
    let dir = Scratch::new("import-round");
    let template = dir.arg("template.xlsx");
    let wrote = db.json(&["import", "--template", &template]);
    assert_eq!(wrote["sheets"].as_array().map(Vec::len), Some(7), "{wrote}");
    // The template as is: nothing to import, refused, nothing written.
    let before = counts(db);
    db.run(&["import", &template])
        .assert_fails(2, "holds no rows to import");

    let book = dir.arg("park.xlsx");
    write_book(
        &book,
        &filled(
            &template,
            &park("g1", "13812345678", ("30", "240"), "0 10 * * TUE"),
        ),
    );
    // A dry run counts and writes nothing.
    let dry = import(db, &book, &["--dry-run"]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(totals(&dry), (12, 0, 0), "{dry}");
    assert_eq!(counts(db), before);

    let first = import(db, &book, &[]);
    assert_eq!(first["dry_run"], false);
    assert_eq!(totals(&first), (12, 0, 0), "{first}");
    assert_eq!(kind_counts(&first, "users"), (3, 0, 0));
    assert_eq!(kind_counts(&first, "categories"), (1, 0, 0));

    // Listed with the CLI.
    let grids = list(db, &["grid", "list"]);
    assert_eq!(find(&grids, "code", "imp-g2")["name"], "导入二网格");
    let units = list(db, &["unit", "list"]);
    assert_eq!(find(&units, "code", "imp-water")["name"], "导入水务所");
    let categories = list(db, &["category", "list"]);
    let leak = find(&categories, "code", "imp-leak");
    assert_eq!(leak["name"], "管道漏水");
    assert_eq!(leak["default_unit"], "imp-water");
    assert_eq!(leak["sla"]["urgent"]["response_minutes"], 30);
    assert_eq!(leak["sla"]["low"]["resolve_minutes"], 960);
    let users = list(db, &["user", "list"]);
    let walker = find(&users, "login", "imp.walker");
    assert_eq!(walker["roles"], serde_json::json!(["post_member"]));
    assert_eq!(walker["posts"].as_array().map(Vec::len), Some(2));
    assert!(
        walker["phone"]
            .as_str()
            .is_some_and(|p| p.ends_with("5678")),
        "{walker}"
    );
    let visitor = find(&users, "login", "imp.visitor");
    assert_eq!(visitor["locale"], "en");
    assert_eq!(visitor["roles"], serde_json::json!(["commissioner"]));
    assert_eq!(
        find(&users, "login", "imp.contact")["enterprises"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let enterprises = list(db, &["enterprise", "list", "--grid", "imp-g1"]);
    assert_eq!(
        find(&enterprises, "name", "导入测试铝业")["address"],
        "工业路 1 号"
    );
    let plans = list(db, &["visit", "plan", "list", "--as", "imp.visitor"]);
    assert_eq!(plans.len(), 1, "{plans:?}");
    assert!(plans[0].to_string().contains("0 10 * * TUE"), "{plans:?}");

    // The same workbook again: nothing changes.
    let again = import(db, &book, &[]);
    assert_eq!(totals(&again), (0, 0, 12), "{again}");
    assert_eq!(list(db, &["user", "list"]), users);
    assert_eq!(list(db, &["category", "list"]), categories);

    // A corrected workbook: a post moved and renamed, a phone, an SLA, a plan's day.
    let corrected = dir.arg("corrected.xlsx");
    write_book(
        &corrected,
        &filled(
            &template,
            &park("imp-g2", "13900001111", ("20", "200"), "0 10 * * WED"),
        ),
    );
    let fixed = import(db, &corrected, &[]);
    assert_eq!(totals(&fixed), (0, 4, 8), "{fixed}");
    assert_eq!(kind_counts(&fixed, "posts"), (0, 1, 1));
    assert_eq!(kind_counts(&fixed, "users"), (0, 1, 2));
    assert_eq!(kind_counts(&fixed, "categories"), (0, 1, 0));
    assert_eq!(kind_counts(&fixed, "visit_plans"), (0, 1, 0));
    let leak = list(db, &["category", "list"]);
    let leak = find(&leak, "code", "imp-leak");
    assert_eq!(leak["sla"]["urgent"]["response_minutes"], 20);
    assert_eq!(leak["sla"]["urgent"]["resolve_minutes"], 200);
    assert_eq!(leak["sla"]["high"]["response_minutes"], 120);
    let walker = list(db, &["user", "list"]);
    let walker = find(&walker, "login", "imp.walker");
    assert!(
        walker["phone"]
            .as_str()
            .is_some_and(|p| p.ends_with("1111")),
        "{walker}"
    );
    let plans = list(db, &["visit", "plan", "list", "--as", "imp.visitor"]);
    assert_eq!(plans.len(), 1, "updated in place: {plans:?}");
    assert!(plans[0].to_string().contains("0 10 * * WED"), "{plans:?}");
    // And once more: nothing.
    assert_eq!(totals(&import(db, &corrected, &[])), (0, 0, 12));
}

fn bad_rows(db: &Db) {
    db.run(&["demo", "--seed-only", "--no-history"]).assert_ok();
    let dir = Scratch::new("import-bad");
    let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let book = dir.arg("bad.xlsx");
    write_book(
        &book,
        &[
            Sheet {
                name: "units".into(),
                headers: s(&["unit_code", "name"]),
                help: None,
                rows: vec![s(&["ok-unit", "好单位"]), s(&["Bad Code", "坏单位"])],
            },
            Sheet {
                name: "grids".into(),
                headers: s(&["grid_code", "name", "chain_code"]),
                help: None,
                rows: vec![
                    s(&["ok-grid", "好网格", ""]),
                    s(&["bad-grid", "坏网格", "nochain"]),
                ],
            },
            Sheet {
                name: "posts".into(),
                headers: s(&["post_code", "name", "grid_code"]),
                help: None,
                rows: vec![
                    s(&["ok-post", "好岗", "ok-grid"]),
                    s(&["bad-post", "坏岗", "zz9"]),
                ],
            },
            Sheet {
                name: "enterprises".into(),
                headers: s(&["name", "grid_code"]),
                help: None,
                rows: vec![s(&["好企业", "ok-grid"]), s(&["好企业", "g1"])],
            },
            Sheet {
                name: "categories".into(),
                headers: s(&[
                    "category_code",
                    "name",
                    "priority",
                    "response_minutes",
                    "resolve_minutes",
                ]),
                help: None,
                rows: vec![s(&["half", "半个类别", "urgent", "30", "240"])],
            },
            Sheet {
                name: "users".into(),
                headers: s(&["login", "name", "phone", "roles", "posts"]),
                help: None,
                rows: vec![
                    s(&["ok.user", "好用户", "", "post_member", "ok-post"]),
                    s(&["bad.user", "坏用户", "12", "boss", "nope"]),
                ],
            },
            Sheet {
                name: "visit_plans".into(),
                headers: s(&["enterprise", "commissioner", "window_minutes"]),
                help: None,
                rows: vec![
                    s(&["好企业", "ok.user", "0"]),
                    s(&["没有的企业", "nobody", "60"]),
                ],
            },
        ],
    );
    let before = counts(db);
    for dry in [true, false] {
        let mut args = vec!["--json", "import", book.as_str()];
        if dry {
            args.push("--dry-run");
        }
        let run = db.run(&args);
        run.assert_fails(2, "import refused");
        let answer: Value = serde_json::from_slice(&run.output.stdout).expect("JSON on stdout");
        assert_eq!(answer["refused"], true);
        let cells: Vec<(String, String, String)> = answer["bad_cells"]
            .as_array()
            .expect("bad cells")
            .iter()
            .map(|c| {
                (
                    format!(
                        "{}!{}{}",
                        c["sheet"].as_str().unwrap_or(""),
                        c["column"].as_str().unwrap_or(""),
                        c["row"].as_u64().map(|r| r.to_string()).unwrap_or_default()
                    ),
                    c["value"].as_str().unwrap_or("").to_owned(),
                    c["reason"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let expect = [
            ("units!A3", "Bad Code", "is not a code"),
            ("grids!C3", "nochain", "no such chain"),
            ("posts!C3", "zz9", "no such grid"),
            ("enterprises!A3", "好企业", "repeats the key of row 2"),
            (
                "categories!C2",
                "",
                "needs exactly one SLA for priority low",
            ),
            (
                "categories!C2",
                "",
                "needs exactly one SLA for priority normal",
            ),
            (
                "categories!C2",
                "",
                "needs exactly one SLA for priority high",
            ),
            ("users!C3", "12", "phone number"),
            ("users!D3", "boss", "is not one of"),
            ("users!E3", "nope", "no such post"),
            (
                "visit_plans!B2",
                "ok.user",
                "needs an active user with the role commissioner",
            ),
            ("visit_plans!C2", "0", "must be from 1 to"),
            ("visit_plans!A3", "没有的企业", "no such enterprise"),
            ("visit_plans!B3", "nobody", "no such user"),
        ];
        for (place, value, reason) in expect {
            assert!(
                cells
                    .iter()
                    .any(|(p, v, r)| p == place && v == value && r.contains(reason)),
                "{place} '{value}' {reason}: not in {cells:#?}"
            );
        }
        assert_eq!(cells.len(), expect.len(), "{cells:#?}");
        // Nothing of the good rows was written either.
        assert_eq!(counts(db), before);
    }
    // In text: a line per bad cell on stdout, one line on stderr.
    let run = db.run(&["import", &book]);
    run.assert_fails(2, "14 bad cells, nothing was written");
    assert_eq!(run.stdout().lines().count(), 15, "{}", run.stdout());
}

fn chinese_and_csv(db: &Db) {
    db.run(&["demo", "--seed-only", "--no-history"]).assert_ok();
    let dir = Scratch::new("import-zh");
    let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let book = dir.arg("园区.xlsx");
    write_book(
        &book,
        &[
            Sheet {
                name: "承办单位".into(),
                headers: s(&["单位编码", "单位名称"]),
                help: None,
                rows: vec![s(&["zh-unit", "中文单位"])],
            },
            Sheet {
                name: "网格".into(),
                headers: s(&["网格编码", "网格名称"]),
                help: None,
                rows: vec![s(&["zh-grid", "中文网格"])],
            },
            Sheet {
                name: "先锋岗".into(),
                headers: s(&["岗位编码", "岗位名称", "所属网格"]),
                help: None,
                rows: vec![s(&["zh-post", "中文岗", "zh-grid"])],
            },
            Sheet {
                name: "说明".into(),
                headers: vec![],
                help: None,
                rows: vec![],
            },
        ],
    );
    let answer = import(db, &book, &[]);
    assert_eq!(totals(&answer), (3, 0, 0), "{answer}");
    assert_eq!(kind_counts(&answer, "posts"), (1, 0, 0));
    // Only one sheet of the workbook.
    let answer = import(db, &book, &["--sheet", "网格"]);
    assert_eq!(totals(&answer), (0, 0, 1), "{answer}");

    // A .csv of one kind: told from its header, or said with --kind.
    let posts = dir.arg("posts.csv");
    std::fs::write(
        &posts,
        "\u{feff}post_code,name,grid_code\r\nzh-post,中文岗（新）,g1\r\n",
    )
    .expect("csv");
    let answer = import(db, &posts, &[]);
    assert_eq!(kind_counts(&answer, "posts"), (0, 1, 0), "{answer}");
    let units = dir.arg("units.csv");
    std::fs::write(&units, "code,name\ncsv-unit,逗号单位\n").expect("csv");
    let run = db.run(&["import", &units]);
    run.assert_fails(2, "cannot tell which kind");
    let answer = import(db, &units, &["--kind", "承办单位"]);
    assert_eq!(kind_counts(&answer, "units"), (1, 0, 0), "{answer}");
    let listed = list(db, &["unit", "list"]);
    assert_eq!(find(&listed, "code", "csv-unit")["name"], "逗号单位");
    // Neither .xlsx nor .csv.
    let other = dir.arg("park.ods");
    std::fs::write(&other, "x").expect("file");
    db.run(&["import", &other])
        .assert_fails(2, "neither an .xlsx workbook nor a .csv");
}

fn credit_codes(db: &Db) {
    db.run(&["demo", "--seed-only", "--no-history"]).assert_ok();
    let dir = Scratch::new("import-code");
    let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let enterprise = list(db, &["enterprise", "list", "--grid", "g1"])[0].clone();
    let code = enterprise["credit_code"]
        .as_str()
        .expect("the demo's enterprises have codes")
        .to_owned();
    let all = list(db, &["enterprise", "list"]);

    // Renamed under its code (typed in lowercase), and named by its new name in a visit plan
    // of the same workbook.
    let renamed = "重庆更名铝业有限公司";
    let book = dir.arg("renamed.xlsx");
    let sheets = |name: &str, code: &str| {
        vec![
            Sheet {
                name: "企业".into(),
                headers: s(&["企业名称", "统一社会信用代码", "网格编码"]),
                help: None,
                rows: vec![s(&[name, code, "g1"])],
            },
            Sheet {
                name: "走访计划".into(),
                headers: s(&["企业名称", "服务专员登录名"]),
                help: None,
                rows: vec![s(&[name, "comm01"])],
            },
        ]
    };
    write_book(&book, &sheets(renamed, &code.to_lowercase()));
    let answer = import(db, &book, &[]);
    assert_eq!(kind_counts(&answer, "enterprises"), (0, 1, 0), "{answer}");
    let after = list(db, &["enterprise", "list"]);
    assert_eq!(after.len(), all.len(), "no enterprise added");
    let found = list(db, &["enterprise", "list", "--credit-code", &code]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["id"], enterprise["id"]);
    assert_eq!(found[0]["name"], renamed);
    assert_eq!(found[0]["credit_code"], code.as_str());
    // Again: nothing changes.
    let answer = import(db, &book, &[]);
    assert_eq!(kind_counts(&answer, "enterprises"), (0, 0, 1), "{answer}");

    // A check character that does not agree: listed, and nothing written.
    let last = if code.ends_with('0') { '1' } else { '0' };
    let wrong = format!("{}{last}", &code[..17]);
    let bad = dir.arg("bad.xlsx");
    write_book(&bad, &sheets("重庆再次更名铝业有限公司", &wrong));
    let run = db.run(&["--json", "import", bad.as_str()]);
    run.assert_fails(2, "import refused");
    let answer: Value = serde_json::from_slice(&run.output.stdout).expect("JSON on stdout");
    let cells = answer["bad_cells"].as_array().expect("bad cells");
    assert_eq!(cells.len(), 1, "{cells:#?}");
    assert_eq!(cells[0]["sheet"], "企业");
    assert_eq!(cells[0]["row"], 2);
    assert_eq!(cells[0]["column"], "B");
    assert_eq!(cells[0]["field"], "credit_code");
    assert_eq!(cells[0]["value"], wrong.as_str());
    assert!(
        cells[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("does not check")),
        "{cells:#?}"
    );
    assert_eq!(list(db, &["enterprise", "list"]), after, "nothing written");

    // The command line: an enterprise added with a code another holds is refused, with a
    // new one it is added, and an empty code clears it.
    fn add(code: &str) -> [&str; 7] {
        let name = "重庆另一家铝业有限公司";
        [
            "enterprise",
            "add",
            name,
            "--grid",
            "g1",
            "--credit-code",
            code,
        ]
    }
    db.run(&add(&code)).assert_fails(2, "already exists");
    let added = db.json(&add("9144030071526726XG"));
    assert_eq!(added[0]["credit_code"], "9144030071526726XG", "{added}");
    let id = added[0]["id"].to_string();
    let cleared = db.json(&["enterprise", "edit", &id, "--credit-code", ""]);
    assert_eq!(cleared[0]["credit_code"], Value::Null, "{cleared}");
}
