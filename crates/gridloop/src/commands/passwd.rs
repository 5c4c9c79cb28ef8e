//! `gridloop user passwd LOGIN`: sets the password a person signs in to the web pages with.

use std::io::{BufRead, IsTerminal};

use anyhow::Context;
use serde_json::json;

use crate::app::App;
use crate::exit::UsageError;
use crate::render::{print_json, say};
use gridloop_app::passwords as password;

pub async fn run(app: &App, login: &str) -> anyhow::Result<()> {
    let user = app.user(login).await?;
    let secret = read_password()?;
    // Through the same bound on hashing as the server, with the same `[web]` limits.
    let hasher = password::Hasher::from_settings(&app.settings.web);
    password::set(&app.store, &hasher, user.id, secret).await?;
    if app.json {
        print_json(&json!({"login": login, "password_set": true}))
    } else {
        say!("password set for {login}; their web sessions, if any, were ended");
        Ok(())
    }
}

/// At a terminal, asks twice without echo; otherwise reads one line from stdin (a script's
/// pipe), without its line ending.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New password: ").context("reading the password")?;
        password::check(&first).map_err(|e| UsageError(e.to_string()))?;
        let again =
            rpassword::prompt_password("The same again: ").context("reading the password")?;
        if first != again {
            return Err(UsageError("the two passwords differ; nothing changed".into()).into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from stdin")?;
        let secret = line.trim_end_matches(['\n', '\r']).to_owned();
        password::check(&secret).map_err(|e| UsageError(e.to_string()))?;
        Ok(secret)
    }
}
