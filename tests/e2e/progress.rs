//! The long commands — `import`, `issue export`, `backup`, `restore`, `copy` — show their
//! progress only on a terminal. Here stderr is a pipe, as in a script or a cron job: with or
//! without `--json`, stderr holds no progress line, no carriage return and no escape code,
//! only what the command has to say.

use crate::support::{Db, Run, Scratch};

/// Words only a progress line says (see `gridloop::progress`), and the per-table lines the
/// copy printed before it.
const PROGRESS_WORDS: [&str; 9] = [
    "backing up",
    "restoring",
    "copying into",
    "rows in)",
    "issues exported",
    "rows checked",
    "rows written",
    "dry run)",
    " rows\n",
];

fn assert_quiet(run: &Run, what: &str) {
    run.assert_ok();
    let stderr = run.stderr();
    assert!(
        !stderr.contains('\r') && !stderr.contains('\u{1b}'),
        "{what}: a redrawn line on stderr: {stderr:?}"
    );
    for word in PROGRESS_WORDS {
        assert!(
            !stderr.contains(word),
            "{what}: progress ({word:?}) on stderr: {stderr:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn long_commands_print_no_progress_when_stderr_is_not_a_terminal_with_or_without_json() {
    let db = Db::sqlite();
    db.run(&["demo", "--seed-only", "--no-history"]).assert_ok();
    let enterprise = db.json(&["enterprise", "list", "--grid", "g1"])[0]["id"].to_string();
    for n in 1..=2 {
        let report = format!(
            "issue report --as post01 --enterprise {enterprise} --category power --title 路灯不亮{n}"
        );
        db.json(&report.split(' ').collect::<Vec<_>>());
    }
    let mut fresh = Vec::new();
    for json in [false, true] {
        let dir = Scratch::new("progress");
        let with = |args: &[&str]| -> Vec<String> {
            let mut all: Vec<String> = Vec::new();
            if json {
                all.push("--json".to_owned());
            }
            all.extend(args.iter().map(|a| (*a).to_owned()));
            all
        };
        let run = |db: &Db, args: &[&str]| {
            let args = with(args);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            db.run(&args)
        };
        let posts = dir.arg("posts.csv");
        std::fs::write(
            &posts,
            format!("post_code,name,grid_code\nprogress-{json},进度岗,g1\n"),
        )
        .expect("csv");
        assert_quiet(
            &run(&db, &["import", &posts, "--dry-run"]),
            "import --dry-run",
        );
        assert_quiet(&run(&db, &["import", &posts]), "import");

        let ledger = dir.arg("ledger.csv");
        let exported = run(
            &db,
            &["issue", "export", "--format", "csv", "--output", &ledger],
        );
        assert_quiet(&exported, "issue export");
        if !json {
            assert_eq!(
                exported.stderr(),
                format!("exported 2 issues to {ledger}\n"),
                "only the closing line on stderr"
            );
        }

        let backup = dir.arg("park.backup");
        assert_quiet(&run(&db, &["backup", &backup]), "backup");
        let restored = Db::sqlite();
        assert_quiet(&run(&restored, &["restore", &backup]), "restore");
        let copied = Db::sqlite();
        assert_quiet(
            &run(&db, &["copy", "--from", &restored.url, "--to", &copied.url]),
            "copy",
        );
        fresh.extend([restored, copied]);
    }
    for db in fresh.into_iter().chain([db]) {
        db.drop_async().await;
    }
}
