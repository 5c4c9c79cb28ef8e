//! `gridloop-bench suggest`: the suggested matches for one need over a park of 10,000 open
//! needs and offers, through the use case the CLI and the API call (issue 16: under 50 ms p99
//! on both backends).
//!
//! Each backend gets a fresh database with the demo park (120 enterprises with their stages and
//! tags, the dozen demo listings), then `--listings` more, half needs and half offers, written
//! by the store's own `post_listing` (tags and bigrams included): titles and texts drawn from
//! the chain's trade words, so a need's bigrams meet many offers as they would in a real park.
//! Then the demo's offcut need (listing 1) is asked for its suggestions `--runs` times, one
//! after another, as a dispatcher would; each is timed from the call to the answer.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use chrono::{Days, Utc};
use gridloop_app::chain::suggest::suggest;
use gridloop_app::clock::{Clock, SystemClock};
use gridloop_app::settings::Settings;
use gridloop_app::AppState;
use gridloop_core::chain::{ListingKind, Side, Tags, ValidUntil};
use gridloop_core::{Calendar, EnterpriseId, ListingId, ListingText, Locale, Title, Workflow};
use gridloop_store::{NewListing, Store};
use serde::Serialize;

use crate::cli::{Backend, BenchSuggestArgs};
use crate::out::{print_json, say, table};
use crate::scratch::Scratch;

/// Issue 16's target.
const TARGET_P99_MS: f64 = 50.0;

/// Trade words the generated listings are made of.
const WORDS: [&str; 24] = [
    "铝锭",
    "铝棒",
    "铝型材",
    "边角料",
    "废铝",
    "铝灰",
    "铝渣",
    "合金锭",
    "压铸件",
    "锻件",
    "阳极氧化",
    "喷涂",
    "挤压",
    "熔铸",
    "运输",
    "仓储",
    "模具",
    "检测",
    "门窗",
    "幕墙",
    "散热器",
    "汽车零部件",
    "技工",
    "回收",
];
const KINDS: [ListingKind; 6] = [
    ListingKind::Supplier,
    ListingKind::ByproductBuyer,
    ListingKind::Capacity,
    ListingKind::Technology,
    ListingKind::Labour,
    ListingKind::Logistics,
];

#[derive(Debug, Serialize)]
struct Row {
    backend: &'static str,
    listings: u64,
    runs: usize,
    suggestions: usize,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    target_p99_ms: f64,
    met: bool,
}

fn name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

pub async fn run(args: &BenchSuggestArgs, json: bool) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for &backend in &args.backend {
        let scratch = Scratch::create(backend, &args.pg_url).await?;
        let result = run_on(backend, &scratch.url, args).await;
        scratch.drop().await?;
        rows.push(result?);
    }
    if json {
        return print_json(&rows);
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.backend.to_owned(),
                r.listings.to_string(),
                r.runs.to_string(),
                r.suggestions.to_string(),
                format!("{:.1}", r.p50_ms),
                format!("{:.1}", r.p99_ms),
                format!("{:.1}", r.max_ms),
                format!("< {:.0} ms", r.target_p99_ms),
                if r.met { "met" } else { "not met" }.to_owned(),
            ]
        })
        .collect();
    say!(
        "{}",
        table(
            &[
                "BACKEND",
                "OPEN LISTINGS",
                "RUNS",
                "SUGGESTED",
                "P50 MS",
                "P99 MS",
                "MAX MS",
                "TARGET",
                "RESULT",
            ],
            &cells
        )
    );
    Ok(())
}

/// Writes `n` listings over the park's enterprises, 500 to a transaction.
async fn fill(store: &Store, n: usize) -> anyhow::Result<()> {
    let enterprises: Vec<(EnterpriseId, gridloop_core::GridId)> = store
        .enterprises(None)
        .await?
        .into_iter()
        .map(|e| (e.id, e.grid))
        .collect();
    let poster = store
        .users()
        .await?
        .into_iter()
        .next()
        .context("the demo park has users")?
        .id;
    let now = Utc::now();
    let today = now.date_naive();
    let until = ValidUntil::parse(
        today
            .checked_add_days(Days::new(180))
            .context("a date half a year ahead")?,
        today,
    )?;
    let mut written = 0;
    while written < n {
        let mut tx = store.transaction().await?;
        for i in written..(written + 500).min(n) {
            let (enterprise, grid) = enterprises[i % enterprises.len()];
            let word = |k: usize| WORDS[(i * 7 + k * 5) % WORDS.len()];
            let title = format!("{}{}{}", ["供应", "寻求", "承接"][i % 3], word(0), word(1));
            let text = format!(
                "{}与{}，每月约{}吨，{}{}优先，可长期合作。编号{i}",
                word(2),
                word(3),
                10 + i % 90,
                word(4),
                word(0)
            );
            tx.post_listing(NewListing {
                side: if i % 2 == 0 { Side::Offer } else { Side::Need },
                kind: KINDS[i % KINDS.len()],
                enterprise,
                grid,
                title: Title::parse(&title)?,
                text: ListingText::parse(&text)?,
                quantity: None,
                tags: Tags::parse("tags", [word(0), word(2)])?,
                valid_until: until,
                posted_by: poster,
                posted_at: now,
                visit: None,
            })
            .await?;
        }
        tx.commit().await?;
        written = (written + 500).min(n);
    }
    Ok(())
}

async fn run_on(backend: Backend, url: &str, args: &BenchSuggestArgs) -> anyhow::Result<Row> {
    let store = Store::connect(url).await?;
    store.migrate().await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    gridloop_app::demo::seed(
        &store,
        &gridloop_app::demo::park::reference_park(),
        clock.now(),
    )
    .await?;
    fill(&store, args.listings).await?;
    // As autovacuum would soon after: the planner's statistics of the tables just filled.
    store.settle_after_seeding().await?;
    let state = AppState::from_settings(
        store.clone(),
        Workflow::new(Calendar::default_china()),
        clock,
        &Settings::defaults(),
    )?;
    let need = ListingId::new(1)?;
    let mut times = Vec::with_capacity(args.runs);
    let mut suggested = 0;
    // One unmeasured run warms the connection pool and the database's caches.
    suggest(&state, None, need, None, Locale::ZhCn).await?;
    for _ in 0..args.runs {
        let started = Instant::now();
        let found = suggest(&state, None, need, None, Locale::ZhCn).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        suggested = found.suggestions.len();
    }
    store.close().await;
    times.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = ((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1;
        times[i]
    };
    let p99 = at(0.99);
    Ok(Row {
        backend: name(backend),
        listings: (args.listings + 12) as u64,
        runs: args.runs,
        suggestions: suggested,
        p50_ms: at(0.5),
        p99_ms: p99,
        max_ms: times.last().copied().unwrap_or_default(),
        target_p99_ms: TARGET_P99_MS,
        met: p99 < TARGET_P99_MS,
    })
}
