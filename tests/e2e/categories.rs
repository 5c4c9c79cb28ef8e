//! Categories and their SLAs from the command line: `gridloop category add|edit`, through the
//! same use cases as the API, and how the CLI answers bad input (exit code, nothing stored).

use serde_json::{json, Value};

use crate::on_both;
use crate::support::{Db, Run};

on_both! {
    a_category_is_added_with_one_sla_for_every_priority_and_edited_one_priority_at_a_time => add_and_edit;
    bad_category_input_exits_non_zero_and_stores_nothing => bad_input;
}

fn seed(db: &Db) {
    db.run(&["demo", "--seed-only", "--no-history"]).assert_ok();
}

fn categories(db: &Db) -> Vec<Value> {
    db.json(&["category", "list"])
        .as_array()
        .expect("a list")
        .clone()
}

fn category(db: &Db, code: &str) -> Option<Value> {
    categories(db).into_iter().find(|c| c["code"] == code)
}

/// The SLA of every priority, as `category list --json` shows it.
fn sla(low: (u32, u32), normal: (u32, u32), high: (u32, u32), urgent: (u32, u32)) -> Value {
    let one = |(response, resolve): (u32, u32)| json!({"response_minutes": response, "resolve_minutes": resolve});
    json!({"low": one(low), "normal": one(normal), "high": one(high), "urgent": one(urgent)})
}

/// A usage error found by clap: exit 2, the option named, nothing run.
fn clap_refuses(run: &Run, needle: &str) {
    assert_eq!(
        run.code(),
        2,
        "stdout: {}\nstderr: {}",
        run.stdout(),
        run.stderr()
    );
    assert!(
        run.stderr().contains(needle),
        "stderr lacks {needle:?}: {}",
        run.stderr()
    );
}

fn add_and_edit(db: &Db) {
    seed(db);
    let before = categories(db).len();

    // Without --priority, every priority gets the minutes; the answer is the category.
    let added = db.json(&[
        "category",
        "add",
        "lights",
        "--name",
        "路灯照明",
        "--unit",
        "power",
        "--response-minutes",
        "60",
        "--resolve-minutes",
        "480",
    ]);
    assert_eq!(added[0]["code"], "lights", "{added}");
    let lights = category(db, "lights").expect("stored");
    assert_eq!(lights["name"], "路灯照明");
    assert_eq!(lights["default_unit"], "power");
    assert_eq!(
        lights["sla"],
        sla((60, 480), (60, 480), (60, 480), (60, 480))
    );
    assert_eq!(categories(db).len(), before + 1);

    // One priority's SLA; the others keep theirs.
    db.run(&[
        "category",
        "edit",
        "lights",
        "--priority",
        "urgent",
        "--response-minutes",
        "15",
        "--resolve-minutes",
        "120",
    ])
    .assert_ok();
    let lights = category(db, "lights").expect("stored");
    assert_eq!(
        lights["sla"],
        sla((60, 480), (60, 480), (60, 480), (15, 120))
    );

    // Name and unit, the SLA untouched; the text answer names the category.
    let run = db.run(&[
        "category", "edit", "lights", "--name", "路灯", "--unit", "town",
    ]);
    run.assert_ok();
    assert!(
        run.stdout().contains("lights") && run.stdout().contains("路灯"),
        "{}",
        run.stdout()
    );
    let lights = category(db, "lights").expect("stored");
    assert_eq!(lights["name"], "路灯");
    assert_eq!(lights["default_unit"], "town");
    assert_eq!(
        lights["sla"],
        sla((60, 480), (60, 480), (60, 480), (15, 120))
    );

    // Minutes without --priority: every priority again.
    db.run(&[
        "category",
        "edit",
        "lights",
        "--response-minutes",
        "30",
        "--resolve-minutes",
        "240",
    ])
    .assert_ok();
    let lights = category(db, "lights").expect("stored");
    assert_eq!(
        lights["sla"],
        sla((30, 240), (30, 240), (30, 240), (30, 240))
    );

    // A demo category changes the same way.
    db.run(&[
        "category",
        "edit",
        "roads",
        "--priority",
        "low",
        "--response-minutes",
        "480",
        "--resolve-minutes",
        "4800",
    ])
    .assert_ok();
    let roads = category(db, "roads").expect("seeded");
    assert_eq!(
        roads["sla"],
        sla((480, 4800), (240, 2250), (60, 900), (30, 450))
    );
}

fn bad_input(db: &Db) {
    seed(db);
    let before = categories(db);
    // `category add CODE` with a valid flag set, some flags given other values (and
    // `--priority`, which the valid set lacks, added).
    let add = |code: &str, changed: &[&str]| {
        let mut flags = vec![
            ("--name", "路灯照明"),
            ("--unit", "power"),
            ("--response-minutes", "60"),
            ("--resolve-minutes", "480"),
        ];
        for pair in changed.chunks(2) {
            match flags.iter_mut().find(|(flag, _)| *flag == pair[0]) {
                Some(slot) => slot.1 = pair[1],
                None => flags.push((pair[0], pair[1])),
            }
        }
        let mut args = vec!["category", "add", code];
        for (flag, value) in flags {
            args.extend([flag, value]);
        }
        db.run(&args)
    };

    // Refused by the use case (exit 2, the field named): the code, name, unit and SLA rules,
    // and a code that exists.
    add("NOT A CODE", &[]).assert_fails(2, "code");
    add("lights", &["--name", "  "]).assert_fails(2, "name");
    add("lights", &["--unit", "nowhere"]).assert_fails(2, "unit");
    add("lights", &["--response-minutes", "600"]).assert_fails(2, "sla");
    add("lights", &["--response-minutes", "0"]).assert_fails(2, "sla");
    add("roads", &[]).assert_fails(2, "roads");
    // A new category needs every priority's SLA.
    add("lights", &["--priority", "urgent"]).assert_fails(2, "--priority");
    // Refused by the command line itself (clap's usage errors are exit 2 too).
    let run = db.run(&[
        "category",
        "add",
        "lights",
        "--name",
        "路灯",
        "--unit",
        "power",
        "--response-minutes",
        "60",
    ]);
    clap_refuses(&run, "--resolve-minutes");
    clap_refuses(
        &add("lights", &["--resolve-minutes", "-5"]),
        "resolve-minutes",
    );
    clap_refuses(
        &add("lights", &["--resolve-minutes", "soon"]),
        "resolve-minutes",
    );

    // Edit: an unknown category is not found; bad values are usage errors.
    let edit = |extra: &[&str]| {
        let mut args = vec!["category", "edit", "roads"];
        args.extend_from_slice(extra);
        db.run(&args)
    };
    db.run(&["category", "edit", "nothing", "--name", "无"])
        .assert_fails(3, "nothing");
    edit(&[]).assert_fails(2, "nothing to change");
    edit(&["--name", ""]).assert_fails(2, "name");
    edit(&["--unit", "nowhere"]).assert_fails(2, "unit");
    edit(&[
        "--priority",
        "sky-high",
        "--response-minutes",
        "60",
        "--resolve-minutes",
        "480",
    ])
    .assert_fails(2, "priority");
    edit(&["--response-minutes", "600", "--resolve-minutes", "60"]).assert_fails(2, "sla");
    clap_refuses(&edit(&["--response-minutes", "60"]), "--resolve-minutes");
    clap_refuses(&edit(&["--priority", "urgent"]), "--response-minutes");

    assert_eq!(categories(db), before, "nothing was stored");
}
