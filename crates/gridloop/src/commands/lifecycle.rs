//! `gridloop lifecycle [--markdown]`: the core's transition table, for people and for
//! `docs/lifecycle.md`, which is this command's Markdown output.

use gridloop_core::lifecycle_table;
use serde_json::json;

use crate::cli::LifecycleArgs;
use crate::render::{print_json, say, table};

pub fn run(args: &LifecycleArgs, json: bool) -> anyhow::Result<()> {
    let rows = lifecycle_table::rows();
    if args.markdown {
        print!("{}", lifecycle_table::markdown());
    } else if json {
        let rows: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({
                    "action": r.action, "from": r.from, "to": r.to,
                    "roles": r.roles, "requires": r.requires,
                })
            })
            .collect();
        print_json(&rows)?;
    } else {
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|r| vec![r.action.to_owned(), r.from, r.to, r.roles, r.requires])
            .collect();
        say!(
            "{}",
            table(&["ACTION", "FROM", "TO", "WHO", "REQUIRES"], &rows)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use gridloop_core::lifecycle_table;

    /// The committed documentation is the table's own rendering: change the table, then run
    /// `gridloop lifecycle --markdown > docs/lifecycle.md`.
    #[test]
    fn docs_lifecycle_md_is_the_transition_table_as_the_code_has_it() {
        let committed = include_str!("../../../../docs/lifecycle.md");
        assert!(
            committed == lifecycle_table::markdown(),
            "docs/lifecycle.md differs from the transition table: \
             run `gridloop lifecycle --markdown > docs/lifecycle.md`"
        );
    }
}
