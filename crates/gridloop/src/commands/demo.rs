//! `gridloop demo`: seed the reference park and its eight weeks of history, and show what to
//! try next.

use crate::app::App;
use crate::cli::DemoArgs;
use crate::render::print_json;
use crate::render::say;
use gridloop_app::demo::history::{self, History};
use gridloop_app::demo::{
    park::reference_park, seed, set_demo_passwords, DEMO_PASSWORD, OPEN311_LOGIN,
};
use gridloop_store::TokenScope;

/// The demo users who get a token printed, one per role.
const ROLE_LOGINS: [(&str, &str); 7] = [
    ("dispatcher", "dispatch"),
    ("supervisor", "lead"),
    ("admin", "admin"),
    ("post member (grid g1)", "post01"),
    ("commissioner (grid g1)", "comm01"),
    ("unit member (power)", "power"),
    ("unit head (power)", "power-head"),
];

pub async fn run(app: &App, args: &DemoArgs) -> anyhow::Result<()> {
    let park = reference_park();
    let seeded = seed(&app.store, &park, app.now).await?;
    // Every demo user can sign in to the web pages at once (only `demo` does this, never `serve`).
    let hasher = gridloop_app::passwords::Hasher::from_settings(&app.settings.web);
    set_demo_passwords(&app.store, &hasher).await?;
    // After the passwords: the history acts as the demo's users, who must exist and be active.
    let history = if args.no_history {
        None
    } else {
        Some(
            history::seed(
                &app.store,
                &park,
                app.workflow.clone(),
                &app.settings,
                app.now,
            )
            .await?,
        )
    };
    // The matchmaking events, two held and one ahead, with the history (its simulated clock).
    let meetings = if args.no_history {
        None
    } else {
        Some(
            gridloop_app::demo::meetings::seed(
                &app.store,
                app.workflow.clone(),
                &app.settings,
                app.now,
            )
            .await?,
        )
    };
    if !app.json {
        if let Some(m) = meetings.as_ref().filter(|m| !m.already_present) {
            say!(
                "Matchmaking events: {} held ({} attended of {} invited in all, {} matches made there), \
                 {} ahead",
                m.held,
                m.attended,
                m.invited,
                m.matches_made,
                m.planned
            );
        }
    }
    if args.seed_only {
        if app.json {
            let mut out = serde_json::to_value(seeded)?;
            out["history"] = serde_json::to_value(history)?;
            return print_json(&out);
        }
        print_seeded(&park, &seeded, history.as_ref(), next_id(app).await?);
        return Ok(());
    }
    // Bind before printing, so the URL shown is one that answers.
    let listener = super::serve::bind(app, &args.serve).await?;
    let url = format!("http://{}", listener.local_addr()?);
    let mut tokens = Vec::new();
    for (role, login) in ROLE_LOGINS {
        let (_, secret) = super::token::create(app, login, "demo", TokenScope::Api).await?;
        tokens.push((role, login, secret));
    }
    // The Open311 client's key opens /open311/v2 and nothing else.
    let (_, open311_key) =
        super::token::create(app, OPEN311_LOGIN, "demo", TokenScope::Open311).await?;
    if app.json {
        print_json(&serde_json::json!({
            "seeded": seeded,
            "history": history,
            "url": url,
            "web_password": DEMO_PASSWORD,
            "tokens": tokens.iter().map(|(role, login, token)| serde_json::json!({"role": role, "login": login, "token": token})).collect::<Vec<_>>(),
            "open311_api_key": open311_key,
        }))?;
    } else {
        print_seeded(&park, &seeded, history.as_ref(), next_id(app).await?);
        say!("\nServing on {url}  (Ctrl-C to stop)\nWeb pages: {url}/login  — every demo user's password is {DEMO_PASSWORD}\n  (e.g. post01, comm01, dispatch, power, power-head, lead, admin)\nTokens for the API (Authorization: Bearer …), created just now:");
        for (role, login, token) in &tokens {
            say!("  {role:<24} {login:<11} {token}");
        }
        say!("Open311 api_key ({OPEN311_LOGIN}; works only under {url}/open311/v2):\n  {open311_key}");
        say!(
            "Try:\n  curl -H 'Authorization: Bearer {}' {url}/api/v1/issues",
            tokens[0].2
        );
    }
    // The demo's pages are at this address: its reports link their issues there.
    let mut serving = app.clone();
    if serving.settings.report.base_url.trim().is_empty() {
        serving.settings.report.base_url = url;
    }
    super::serve::serve_on(&serving, listener).await
}

fn print_seeded(
    park: &gridloop_app::demo::park::Park,
    seeded: &gridloop_app::demo::Seeded,
    history: Option<&History>,
    next: i64,
) {
    if seeded.already_present {
        say!(
            "The demo park '{}' is already in the database; nothing changed.\n",
            park.chain.name
        );
    } else {
        say!(
            "Seeded the demo park '{}': {} grids, {} posts, {} enterprises, {} units, {} categories, {} users.\n",
            park.chain.name, seeded.grids, seeded.posts, seeded.enterprises, seeded.units, seeded.categories, seeded.users
        );
    }
    match history {
        Some(h) if h.already_present => {
            say!("The park has issues already; no history added.\n");
        }
        Some(h) => say!(
            "Seeded {} issues of history over {} weeks ({} still open, {} of them overdue), and the weekly visits: {} made ({} raising an issue), {} missed.\n",
            h.issues,
            h.weeks,
            h.open,
            h.overdue,
            h.visits_completed,
            h.raised_on_visits,
            h.visits_missed
        ),
        None => {}
    }
    let walk = WALK
        .replace("act 1 ", &format!("act {next} "))
        .replace("history 1\n", &format!("history {next}\n"));
    say!(
        r#"Users: dispatch (dispatcher), lead (supervisor), admin, post01…post78 (one per post),
comm01…comm12 (commissioners), and per unit a member and a head, e.g. power / power-head.
Each signs in to the web pages (/login) with the password gridloop-demo.

{walk}While the server runs, every notification is rendered to data/outbox/ (.eml, .txt) and
  gridloop notify list
shows them. Each enterprise has a weekly visit:
  gridloop visit list --due week --as comm01
  gridloop jobs list                 # reminders, escalations and visit checks waiting
The industry chain (供需对接): its six stages, and needs and offers with their matches:
  gridloop chain stage list aluminium
  gridloop need list
  gridloop need suggest 1            # who could recycle an aluminium works' offcuts
  gridloop chain event list          # matchmaking events (对接会): two held, one ahead
  gridloop chain event show 1        # who was invited, who came
(With cargo: cargo run --release -- issue …)"#
    );
}

/// The walk through one problem that `demo` prints; issue 1 becomes the id the
/// next report gets.
const WALK: &str = r#"Walk one problem round the loop (post01 walks grid g1; enterprise 1 is in g1):
  gridloop issue report --as post01 --enterprise 1 --category power --title "厂区专线需要迁改"
  gridloop issue act 1 accept  --as dispatch
  gridloop issue act 1 assign  --as dispatch --unit power
  gridloop issue act 1 start   --as power
  gridloop issue act 1 resolve --as power --note "线路已迁改完成"
  gridloop issue act 1 verify  --as post01 --satisfaction 5
  gridloop issue history 1
  gridloop issue list --status closed
"#;

/// The id the next report will get: one past the newest issue (the history's, if any).
async fn next_id(app: &App) -> anyhow::Result<i64> {
    let newest = app
        .store
        .list_issues(&gridloop_store::IssueFilter::default(), 1, None)
        .await?;
    Ok(newest.items.first().map_or(1, |i| i.id.get() + 1))
}
