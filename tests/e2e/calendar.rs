//! The working calendar from the command line: deadlines and working time as the SLAs count them.

use crate::on_both;
use crate::support::{Db, Scratch};

on_both! {
    calendar_due_skips_the_national_day_week_and_ends_where_the_last_minute_ends => due;
    calendar_between_counts_only_working_minutes_in_either_order => between;
    calendar_maths_refuses_bad_instants_and_absurd_minutes => maths_refusals;
    the_calendar_is_seeded_once_and_then_read_from_the_database => from_the_database;
    a_2027_calendar_imported_and_set_by_day_moves_deadlines_and_is_audited => import_and_set;
    a_malformed_file_or_day_is_refused_whole_and_changes_nothing => change_refusals;
    a_server_started_in_november_without_next_year_warns_at_the_default_level => warns;
}

fn warns(db: &Db) {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    // 27 November 2026 (the suite's NOW), no 2027 anywhere, the default log level.
    let mut server = Command::new(env!("CARGO_BIN_EXE_gridloop"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(root)
        .env("GRIDLOOP_DATABASE_URL", &db.url)
        .env("GRIDLOOP_NOW", crate::support::NOW)
        .env(
            "GRIDLOOP_NOTIFY__FILE__DIR",
            crate::support::scratch_outbox(),
        )
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start gridloop serve");
    let stderr = server.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut warning = None;
    while let Ok(line) = rx.recv_timeout(std::time::Duration::from_secs(30)) {
        if line.contains("no holiday calendar for 2027") {
            warning = Some(line);
            break;
        }
    }
    let _ = server.kill();
    let _ = server.wait();
    let line = warning.expect("a warning about 2027 on start");
    assert!(line.contains("WARN"), "{line}");
    assert!(line.contains("gridloop calendar import"), "{line}");
}

/// Writes `text` to a file of this name in `dir`; returns its path.
fn file(dir: &Scratch, name: &str, text: &str) -> String {
    std::fs::write(dir.file(name), text).expect("write file");
    dir.arg(name)
}

fn import_and_set(db: &Db) {
    // The example: 2026-12-31 17:00 plus 120 working minutes lands on New Year's Day
    // while 2027 is missing.
    let from = "2026-12-31T17:00:00+08:00";
    assert_eq!(due_from(db, from, "120"), "2027-01-01T10:00:00+08:00");
    let dir = Scratch::new("cal");
    let csv = file(
        &dir,
        "cn-2027.csv",
        "date,kind,name\n# 元旦\n2027-01-01,holiday,元旦\n\n2027-02-06,holiday,春节\n2027-02-07,workday,春节\n",
    );
    // A dry run checks the file and says what would change; nothing is written.
    let json = db.json(&["calendar", "import", &csv, "--dry-run"]);
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["year"]["version"], 1);
    assert_eq!(due_from(db, from, "120"), "2027-01-01T10:00:00+08:00");
    let json = db.json(&["calendar", "import", &csv, "--note", "State Council notice"]);
    assert_eq!(json["dry_run"], false);
    assert_eq!(json["moved"], serde_json::json!([]));
    let json = &json["year"];
    assert_eq!(json["year"], 2027);
    assert_eq!(json["version"], 1);
    assert_eq!(json["days"].as_array().map(Vec::len), Some(3));
    assert_eq!(due_from(db, from, "120"), "2027-01-04T10:00:00+08:00");
    // Sunday 7 February is a make-up working day now.
    assert_eq!(
        due_from(db, "2027-02-05T18:00:00+08:00", "30"),
        "2027-02-07T09:30:00+08:00"
    );

    db.run(&[
        "calendar",
        "set",
        "2027-01-04",
        "holiday",
        "--note",
        "extra day",
    ])
    .assert_ok();
    assert_eq!(due_from(db, from, "120"), "2027-01-05T10:00:00+08:00");
    db.run(&["calendar", "set", "2027-01-04", "normal"])
        .assert_ok();
    assert_eq!(due_from(db, from, "120"), "2027-01-04T10:00:00+08:00");

    // Every change audited: who, when, before and after.
    assert_eq!(
        sql(
            db,
            "SELECT COUNT(*) FROM calendar_changes WHERE year = 2027 AND actor = 'operator'"
        ),
        3
    );
    assert_eq!(
        sql(
            db,
            "SELECT COUNT(*) FROM calendar_changes WHERE year = 2027 AND action = 'set' \
             AND day = '2027-01-04' AND note = 'extra day' AND after IS NOT NULL"
        ),
        1
    );
    assert_eq!(
        sql(
            db,
            "SELECT COUNT(*) FROM calendar_years WHERE year = 2027 AND version = 3"
        ),
        1
    );

    // The same year again from a TOML file replaces it whole.
    let toml = file(
        &dir,
        "cn-2027.toml",
        "year = 2027\nsource = \"test\"\n\n[[holiday]]\nname = \"元旦\"\nfrom = 2027-01-01\nto = 2027-01-03\n",
    );
    let json = db.json(&["calendar", "import", &toml]);
    let json = &json["year"];
    assert_eq!(json["version"], 4);
    assert_eq!(json["days"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        due_from(db, "2027-02-05T18:00:00+08:00", "30"),
        "2027-02-08T09:30:00+08:00",
        "7 February is a plain Sunday again"
    );

    let shown = db.run(&["calendar", "show", "--year", "2027"]);
    shown.assert_ok();
    let out = shown.stdout();
    assert!(
        out.contains("2027-01\n Mo  Tu  We  Th  Fr  Sa  Su\n                  1h  2h  3h\n"),
        "{out}"
    );
    assert!(out.contains("2027-12"), "{out}");
    let shown = db.json(&["calendar", "show", "--year", "2026"]);
    assert_eq!(shown["days"][0]["name"], "元旦");
}

fn change_refusals(db: &Db) {
    db.run(&["calendar", "show"]).assert_ok(); // seeds
    let changes = || sql(db, "SELECT COUNT(*) FROM calendar_changes");
    let before = changes();
    let dir = Scratch::new("cal");
    let bad_line = file(&dir, "bad.csv", "2027-01-01,holiday\n2027-01-02,party\n");
    db.run(&["calendar", "import", &bad_line])
        .assert_fails(2, "line 2: 'party' is not a kind");
    let bad_date = file(&dir, "bad.csv", "2027-01-01,holiday\n2027-02-30,holiday\n");
    db.run(&["calendar", "import", &bad_date])
        .assert_fails(2, "line 2: '2027-02-30' is not a date");
    let two_years = file(&dir, "bad.csv", "2027-01-01,holiday\n2028-01-01,holiday\n");
    db.run(&["calendar", "import", &two_years])
        .assert_fails(2, "line 2: 2028-01-01 is not in the year 2027");
    let outside = file(
        &dir,
        "cn-2027.toml",
        "year = 2027\n\n[[holiday]]\nname = \"x\"\nfrom = 2026-12-31\nto = 2027-01-01\n",
    );
    db.run(&["calendar", "import", &outside])
        .assert_fails(2, "line 5: 2026-12-31 is not in this file's year 2027");
    let mut every_day = String::new();
    let mut d = chrono::NaiveDate::from_ymd_opt(2028, 1, 1).expect("date");
    while d.format("%Y").to_string() == "2028" {
        every_day.push_str(&format!("{d},holiday\n"));
        d = d.succ_opt().expect("date");
    }
    let all_holidays = file(&dir, "all.csv", &every_day);
    db.run(&["calendar", "import", &all_holidays])
        .assert_fails(2, "2028 would have no working day");
    db.run(&["calendar", "set", "2027-01-05", "party"])
        .assert_fails(2, "KIND");
    db.run(&["calendar", "set", "1999-01-05", "holiday"])
        .assert_fails(2, "DATE");
    db.run(&[
        "calendar",
        "set",
        "2027-01-05",
        "holiday",
        "--note",
        "a\u{7}b",
    ])
    .assert_fails(2, "note");
    db.run(&["calendar", "import", "/nonexistent/cn-2027.toml"])
        .assert_fails(2, "cannot read");
    assert_eq!(changes(), before, "nothing was changed");
    assert_eq!(
        sql(db, "SELECT COUNT(*) FROM calendar_years WHERE year > 2026"),
        0
    );
}

/// Runs one SQL statement on the test's database (either backend); returns rows affected, or
/// for a `SELECT COUNT(*)` the count.
fn sql(db: &Db, statement: &str) -> i64 {
    use sqlx::Connection;
    let url = db.url.clone();
    let statement = statement.to_owned();
    tokio::task::block_in_place(move || {
        tokio::runtime::Handle::current().block_on(async move {
            let count = statement.starts_with("SELECT");
            if url.starts_with("sqlite:") {
                let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("sqlite");
                if count {
                    let (n,): (i64,) = sqlx::query_as(&statement)
                        .fetch_one(&mut conn)
                        .await
                        .expect("query");
                    n
                } else {
                    sqlx::query(&statement)
                        .execute(&mut conn)
                        .await
                        .expect("statement")
                        .rows_affected() as i64
                }
            } else {
                let mut conn = sqlx::PgConnection::connect(&url).await.expect("postgres");
                if count {
                    let (n,): (i64,) = sqlx::query_as(&statement)
                        .fetch_one(&mut conn)
                        .await
                        .expect("query");
                    n
                } else {
                    sqlx::query(&statement)
                        .execute(&mut conn)
                        .await
                        .expect("statement")
                        .rows_affected() as i64
                }
            }
        })
    })
}

fn due_from(db: &Db, from: &str, minutes: &str) -> String {
    let run = db.run(&["calendar", "due", "--from", from, "--minutes", minutes]);
    run.assert_ok();
    run.stdout().trim().to_owned()
}

fn from_the_database(db: &Db) {
    // Wednesday 30 December 17:00: an hour that day, then Thursday the 31st.
    let from = "2026-12-30T17:00:00+08:00";
    assert_eq!(due_from(db, from, "120"), "2026-12-31T10:00:00+08:00");
    // The first start stored the built-in 2026 (and any files), audited as a seed; the second
    // stored nothing more.
    assert_eq!(due_from(db, from, "120"), "2026-12-31T10:00:00+08:00");
    assert_eq!(
        sql(db, "SELECT COUNT(*) FROM calendar_years WHERE year = 2026"),
        1
    );
    assert_eq!(
        sql(
            db,
            "SELECT COUNT(*) FROM calendar_changes WHERE year = 2026 AND action = 'seed'"
        ),
        1
    );
    assert_eq!(
        sql(
            db,
            "SELECT COUNT(*) FROM calendar_days WHERE year = 2026 AND kind = 'holiday'"
        ),
        33,
        "the built-in 2026 holidays"
    );
    // The database, not the files, is what the maths reads: a day added there moves the deadline.
    sql(
        db,
        "INSERT INTO calendar_days (region, year, day, kind, name) \
         VALUES ('cn', 2026, '2026-12-31', 'holiday', 'test')",
    );
    assert_eq!(due_from(db, from, "120"), "2027-01-01T10:00:00+08:00");
    // and a year the files have is not stored over it on the next start.
    assert_eq!(
        sql(
            db,
            "SELECT COUNT(*) FROM calendar_days WHERE day = '2026-12-31'"
        ),
        1
    );
}

fn due(db: &Db) {
    // Wednesday 30 September 17:00: one working hour left that day, then 国庆节 (1–7 October).
    let run = db.run(&[
        "calendar",
        "due",
        "--from",
        "2026-09-30T17:00:00+08:00",
        "--minutes",
        "120",
    ]);
    run.assert_ok();
    assert_eq!(run.stdout().trim(), "2026-10-08T10:00:00+08:00");

    let json = db.json(&[
        "calendar",
        "due",
        "--from",
        "2026-09-30T09:00:00Z",
        "--minutes",
        "60",
    ]);
    assert_eq!(json["due"], "2026-09-30T10:00:00Z");
    assert_eq!(json["due_local"], "2026-09-30T18:00:00+08:00");
    assert_eq!(json["minutes"], 60);
    assert_eq!(json["time_zone"], "Asia/Shanghai");

    // Zero minutes is the start itself; a make-up Saturday (10 October) is a working day.
    let json = db.json(&[
        "calendar",
        "due",
        "--from",
        "2026-10-09T18:00:00+08:00",
        "--minutes",
        "0",
    ]);
    assert_eq!(json["due"], "2026-10-09T10:00:00Z");
    let json = db.json(&[
        "calendar",
        "due",
        "--from",
        "2026-10-09T18:00:00+08:00",
        "--minutes",
        "30",
    ]);
    assert_eq!(json["due_local"], "2026-10-10T09:30:00+08:00");
}

fn between(db: &Db) {
    let a = "2026-09-30T17:00:00+08:00";
    let b = "2026-10-09T10:00:00+08:00";
    // 60 on the 30th, none in the holiday, 450 on the 8th, 60 on the 9th.
    let run = db.run(&["calendar", "between", a, b]);
    run.assert_ok();
    assert_eq!(run.stdout().trim(), "570");
    let json = db.json(&["calendar", "between", b, a]);
    assert_eq!(json["minutes"], 570);
    assert_eq!(json["from"], "2026-09-30T09:00:00Z");
    assert_eq!(json["to"], "2026-10-09T02:00:00Z");
    // A weekend has no working minutes.
    let json = db.json(&[
        "calendar",
        "between",
        "2026-11-28T00:00:00+08:00",
        "2026-11-30T00:00:00+08:00",
    ]);
    assert_eq!(json["minutes"], 0);
}

fn maths_refusals(db: &Db) {
    db.run(&["calendar", "due", "--from", "tomorrow", "--minutes", "5"])
        .assert_fails(2, "--from");
    db.run(&[
        "calendar",
        "due",
        "--from",
        "2026-09-30T17:00:00+08:00",
        "--minutes=-5",
    ])
    .assert_fails(2, "--minutes");
    db.run(&[
        "calendar",
        "due",
        "--from",
        "2026-09-30T17:00:00+08:00",
        "--minutes=99999999",
    ])
    .assert_fails(2, "minutes");
    db.run(&["calendar", "between", "2026-09-30", "2026-10-09T10:00:00Z"])
        .assert_fails(2, "A");
    db.run(&[
        "calendar",
        "between",
        "2026-09-30T00:00:00Z",
        "3000-01-01T00:00:00Z",
    ])
    .assert_fails(2, "B");
}
