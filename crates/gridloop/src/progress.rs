//! How far a long command has got — `import`, `issue export`, `backup`, `restore`, `copy` —
//! shown on a terminal as one line on stderr, redrawn in place and cleared when done.
//!
//! Shown only when stderr is a terminal and the output is not `--json`: a script, a pipe or a
//! log file reads stderr as the command's messages, and a bar redrawn there would be noise
//! (carriage returns and escape codes) around the one line it wants. The use cases in
//! `gridloop_app` know nothing of this: they call back with plain numbers, and this turns them
//! into a bar (done / total, where the total is known) or a spinner with what is being done.

use std::borrow::Cow;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often the line is redrawn while nothing reports: often enough that the spinner and the
/// elapsed time show a long table's copy is alive.
const TICK: Duration = Duration::from_millis(125);

/// A command's progress line, or nothing (see the module's documentation). Dropping it clears
/// the line, so what the command prints next starts on a clean line.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// On stderr when it is a terminal and `json` is off; quiet otherwise.
    pub fn new(json: bool) -> Self {
        if Self::shown(json, std::io::stderr().is_terminal()) {
            Self::to(ProgressDrawTarget::stderr())
        } else {
            Self::quiet()
        }
    }

    /// Whether a command with output `--json` (or not), whose stderr is a terminal (or not),
    /// shows its progress.
    pub fn shown(json: bool, stderr_is_terminal: bool) -> bool {
        !json && stderr_is_terminal
    }

    /// Progress that shows nothing, whatever it is told.
    pub fn quiet() -> Self {
        Self { bar: None }
    }

    /// Progress drawn to `target` (stderr, or a test's terminal).
    pub fn to(target: ProgressDrawTarget) -> Self {
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(spinner_style());
        bar.enable_steady_tick(TICK);
        Self { bar: Some(bar) }
    }

    pub fn is_shown(&self) -> bool {
        self.bar.is_some()
    }

    /// A new stage: `what` is being done, counted up to `total` when it is known (a bar with
    /// done / total), else shown with a spinner and the time it has taken.
    pub fn stage(&self, what: impl Into<Cow<'static, str>>, total: Option<u64>) {
        let Some(bar) = &self.bar else {
            return;
        };
        bar.reset();
        match total {
            Some(total) => {
                bar.set_style(bar_style());
                bar.set_length(total);
            }
            None => {
                bar.set_style(spinner_style());
                bar.unset_length();
            }
        }
        bar.set_message(what);
    }

    /// `done` of the stage's total so far.
    pub fn set(&self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }

    /// What is being done now, within the stage.
    pub fn say(&self, what: impl Into<Cow<'static, str>>) {
        if let Some(bar) = &self.bar {
            bar.set_message(what);
        }
    }

    /// The callback of a whole-database copy (`Store::copy_into`, through backup, restore and
    /// copy), which hears of each table once it is in: from the first, a bar of tables done
    /// out of all, naming the table being copied now (until then the stage's spinner stays,
    /// and stays for good on a SQLite backup, one `VACUUM INTO` that never calls back). The
    /// rows are known only per table once it is done, so the spinner and the elapsed time are
    /// what shows a long table is moving.
    pub fn tables(&self) -> impl FnMut(&'static str, u64) + Send + 'static {
        let tables = gridloop_store::TABLES;
        let bar = self.bar.clone();
        let mut rows_in = 0_u64;
        move |table, rows| {
            let Some(bar) = &bar else {
                return;
            };
            if bar.length().is_none() {
                bar.set_style(bar_style());
                bar.set_length(tables.len() as u64);
            }
            rows_in += rows;
            let done = tables.iter().position(|t| *t == table).map_or(0, |i| i + 1);
            bar.set_position(done as u64);
            bar.set_message(match tables.get(done) {
                Some(next) => format!("tables ({rows_in} rows in): {next}"),
                None => format!("tables ({rows_in} rows in): checking"),
            });
        }
    }

    /// Clears the line (as dropping does).
    pub fn finish(self) {}
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

// The message last and cut to the terminal's width (`wide_msg`): a line that wraps cannot be
// redrawn in place.
fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{spinner} [{bar:30}] {human_pos}/{human_len} {elapsed} {wide_msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ")
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {elapsed} {wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use indicatif::TermLike;

    use super::*;

    /// A terminal that keeps what is written to it.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<String>>);

    impl Screen {
        fn text(&self) -> String {
            self.0.lock().map(|s| s.clone()).unwrap_or_default()
        }
        fn put(&self, s: &str) -> io::Result<()> {
            if let Ok(mut text) = self.0.lock() {
                text.push_str(s);
            }
            Ok(())
        }
    }

    impl TermLike for Screen {
        fn width(&self) -> u16 {
            100
        }
        fn move_cursor_up(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> io::Result<()> {
            self.put(s)?;
            self.put("\n")
        }
        fn write_str(&self, s: &str) -> io::Result<()> {
            self.put(s)
        }
        fn clear_line(&self) -> io::Result<()> {
            self.put("<clear>")
        }
        fn flush(&self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn progress_is_shown_only_on_a_terminal_and_never_with_json() {
        assert!(Progress::shown(false, true));
        assert!(!Progress::shown(true, true));
        assert!(!Progress::shown(false, false));
        assert!(!Progress::shown(true, false));
        assert!(!Progress::new(true).is_shown());
    }

    #[test]
    fn quiet_progress_takes_every_call_and_shows_nothing() {
        let progress = Progress::quiet();
        assert!(!progress.is_shown());
        progress.stage("writing", Some(10));
        progress.set(5);
        progress.say("still writing");
        let mut tables = progress.tables();
        tables("users", 3);
        progress.finish();
    }

    #[test]
    fn shown_progress_draws_the_stage_and_clears_its_line_when_done() {
        let screen = Screen::default();
        let progress = Progress::to(ProgressDrawTarget::term_like(Box::new(screen.clone())));
        assert!(progress.is_shown());
        progress.stage("rows written", Some(200));
        progress.set(100);
        // Drawing is rate-limited and partly on the ticker's thread: wait for a frame.
        let started = std::time::Instant::now();
        while !screen.text().contains("100/200") && started.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(20));
            progress.set(100);
        }
        let drawn = screen.text();
        assert!(drawn.contains("rows written"), "{drawn:?}");
        assert!(drawn.contains("100/200"), "{drawn:?}");
        progress.finish();
        assert!(screen.text().ends_with("<clear>"), "{:?}", screen.text());
    }
}
