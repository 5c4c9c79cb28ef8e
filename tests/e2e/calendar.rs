//! The working calendar from the command line: deadlines and working time as the SLAs count them.

use crate::on_both;
use crate::support::Db;

on_both! {
    calendar_due_skips_the_national_day_week_and_ends_where_the_last_minute_ends => due;
    calendar_between_counts_only_working_minutes_in_either_order => between;
    calendar_maths_refuses_bad_instants_and_absurd_minutes => maths_refusals;
    the_calendar_is_seeded_once_and_then_read_from_the_database => from_the_database;
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
