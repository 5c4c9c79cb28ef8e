//! `gridloop demo`: seed the reference park and show what to try next.

use crate::app::App;
use crate::cli::DemoArgs;
use crate::demo::{park::reference_park, seed};
use crate::render::print_json;
use crate::render::say;

pub async fn run(app: &App, _args: &DemoArgs) -> anyhow::Result<()> {
    let park = reference_park();
    let seeded = seed(&app.store, &park).await?;
    if app.json {
        return print_json(&seeded);
    }
    if seeded.already_present {
        say!(
            "The demo park '{}' is already in the database; nothing changed.",
            park.chain.name
        );
    } else {
        say!(
            "Seeded the demo park '{}': {} grids, {} posts, {} enterprises, {} units, {} categories, {} users.",
            park.chain.name, seeded.grids, seeded.posts, seeded.enterprises, seeded.units, seeded.categories, seeded.users
        );
    }
    say!(
        r#"
Users: dispatch (dispatcher), lead (supervisor), admin, post01…post78 (one per post),
comm01…comm12 (commissioners), and per unit a member and a head, e.g. power / power-head.

Walk one problem round the loop (post01 walks grid g1; enterprise 1 is in g1):
  gridloop issue report --as post01 --enterprise 1 --category power --title "厂区专线需要迁改"
  gridloop issue act 1 accept  --as dispatch
  gridloop issue act 1 assign  --as dispatch --unit power
  gridloop issue act 1 start   --as power
  gridloop issue act 1 resolve --as power --note "线路已迁改完成"
  gridloop issue act 1 verify  --as post01 --satisfaction 5
  gridloop issue history 1
  gridloop issue list --status closed
(With cargo: cargo run --release -- issue …)"#
    );
    Ok(())
}
