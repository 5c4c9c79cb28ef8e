//! The issue ledger (台账) exported as a spreadsheet: the issues a reader may see, filtered as
//! the list is ([`ListInput`]), one row each, as `.xlsx` or CSV — once, for the CLI
//! (`gridloop issue export`), the API (`GET /api/v1/issues/export`) and the web pages' export
//! button.
//!
//! It is done in two steps so that a front end can answer a bad request before it starts
//! writing: [`prepare`] checks everything (the filter's codes, the reader's scope, the number
//! of rows against [`MAX_ROWS`]) and looks up the names of grids, enterprises, units,
//! categories and people once; [`Ledger::write`] then streams. It reads the list's pages by
//! keyset (newest first, as the list shows them) and writes each page's rows as it comes, so
//! memory holds one page of issues and the names, never the ledger: CSV rows go straight to
//! the output, and `.xlsx` rows to the writer's temporary file in its constant-memory mode,
//! zipped into the output at the end.
//!
//! - [`columns`]: the columns, their headers in each language, and an issue as a row.
//! - [`csv`](mod@csv): RFC 4180 with a byte-order mark, formula-safe.
//! - [`xlsx`]: the workbook: a frozen header row, column widths, an autofilter.

pub mod columns;
pub mod csv;
pub mod xlsx;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use gridloop_core::{Locale, ParseError, Rule};
use gridloop_store::{IssueFilter, MAX_PAGE};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::error::AppError;
use crate::issues::{filter, ListInput, Reader};
use crate::state::AppState;

pub use columns::{Cell, Names, COLUMNS};

/// The most rows one export writes. A larger ledger is refused before anything is written
/// (narrow the filters, by status or grid): a spreadsheet holds 1,048,576 rows, and at the
/// benchmark's pace (4–7 s per 100,000 rows as xlsx, see the README) a million is already
/// about a minute.
pub const MAX_ROWS: u64 = 1_000_000;

/// The file formats of the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Office Open XML, for Excel and WPS.
    Xlsx,
    /// UTF-8 CSV with a byte-order mark.
    Csv,
}

impl Format {
    pub const ALL: [Format; 2] = [Self::Xlsx, Self::Csv];
    /// The names [`Self::ALL`] goes by, in its order: what a parser accepts.
    pub const NAMES: &'static [&'static str] = &["xlsx", "csv"];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Xlsx => "xlsx",
            Self::Csv => "csv",
        }
    }

    /// The file name's extension (the same word).
    pub fn extension(self) -> &'static str {
        self.as_str()
    }

    /// The media type a download carries.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                ParseError::new(
                    "format",
                    Rule::OneOf {
                        allowed: Self::NAMES,
                    },
                )
            })
    }
}

/// How to write the ledger.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub format: Format,
    /// The headers' and words' language; `None` is the configured report language
    /// (`report.locale`, zh-CN by default).
    pub locale: Option<Locale>,
}

/// A checked export, ready to stream: its filter in the reader's scope, the names it shows,
/// the calendar and the instant it judges deadlines at.
#[derive(Debug)]
pub struct Ledger {
    state: AppState,
    filter: IssueFilter,
    format: Format,
    locale: Locale,
    names: Names,
    calendar: std::sync::Arc<gridloop_core::Calendar>,
    now: DateTime<Utc>,
    rows: u64,
}

impl Ledger {
    pub fn format(&self) -> Format {
        self.format
    }

    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// How many rows it will write (as counted when prepared; issues reported meanwhile are
    /// newer than the first page and not in it).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The download's file name: `ledger-YYYYMMDD.xlsx` (the local date), or
    /// `台账-YYYYMMDD.xlsx` in Chinese; [`Ledger::ascii_file_name`] is the fallback for
    /// clients that take only ASCII.
    pub fn file_name(&self) -> String {
        let stem = match self.locale {
            Locale::ZhCn => "台账",
            Locale::En => "ledger",
        };
        format!("{stem}-{}.{}", self.date_stamp(), self.format.extension())
    }

    /// `ledger-YYYYMMDD.xlsx`.
    pub fn ascii_file_name(&self) -> String {
        format!("ledger-{}.{}", self.date_stamp(), self.format.extension())
    }

    /// [`Ledger::file_name`] as an RFC 5987 `ext-value` (`UTF-8''%E5%8F%B0…`), for a
    /// download's `filename*`.
    pub fn file_name_ext_value(&self) -> String {
        let mut value = String::from("UTF-8''");
        for byte in self.file_name().bytes() {
            if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
                value.push(char::from(byte));
            } else {
                value.push_str(&format!("%{byte:02X}"));
            }
        }
        value
    }

    /// The ledger as a stream of bytes, for a download: [`Ledger::write`] runs on a task of
    /// its own into a pipe whose other end is the stream, so memory holds a page of issues
    /// and the pipe's buffer. A failure midway ends the stream with an error (a download
    /// cut, not a short file that looks whole); dropping the stream stops the writer.
    pub fn into_stream(
        self,
    ) -> impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static
    {
        use tokio::io::AsyncReadExt as _;
        const PIPE: usize = 64 * 1024;
        let (writer, reader) = tokio::io::duplex(PIPE);
        let writing = tokio::spawn(self.write(writer));
        futures_util::stream::unfold(
            (reader, Some(writing)),
            |(mut reader, writing)| async move {
                let mut chunk = vec![0_u8; PIPE];
                match reader.read(&mut chunk).await {
                    Ok(0) => match writing?.await {
                        Ok(Ok(_)) => None,
                        _ => Some((
                            Err(std::io::Error::other("the export failed")),
                            (reader, None),
                        )),
                    },
                    Ok(n) => {
                        chunk.truncate(n);
                        Some((Ok(bytes::Bytes::from(chunk)), (reader, writing)))
                    }
                    Err(e) => Some((Err(e), (reader, None))),
                }
            },
        )
    }

    fn date_stamp(&self) -> String {
        self.now
            .with_timezone(&self.calendar.tz())
            .format("%Y%m%d")
            .to_string()
    }

    /// Writes the ledger to `out`, a page at a time, and flushes it; answers the number of
    /// rows written. A failure midway leaves `out` incomplete: the CLI writes to a temporary
    /// file it renames only on success, the API cuts the download.
    pub async fn write<W>(self, out: W) -> Result<u64, AppError>
    where
        W: AsyncWrite + Unpin + Send,
    {
        self.write_with(out, |_| {}).await
    }

    /// [`Ledger::write`], telling `progress` the rows written so far after each page (of
    /// [`Ledger::rows`]), for a front end that shows how far it has got.
    pub async fn write_with<W>(
        self,
        mut out: W,
        mut progress: impl FnMut(u64) + Send,
    ) -> Result<u64, AppError>
    where
        W: AsyncWrite + Unpin + Send,
    {
        let started = std::time::Instant::now();
        let mut sheet = match self.format {
            Format::Csv => Sheet::Csv(csv::Csv::new(self.locale)),
            Format::Xlsx => Sheet::Xlsx(Box::new(xlsx::Xlsx::new(self.locale)?)),
        };
        let mut written = 0_u64;
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .state
                .store
                .list_issues(&self.filter, MAX_PAGE, cursor.as_deref())
                .await?;
            let ids: Vec<_> = page.items.iter().map(|i| i.id).collect();
            let accepted = self.state.store.first_accepted(&ids).await?;
            for issue in &page.items {
                if written >= MAX_ROWS {
                    break;
                }
                let row = columns::row(
                    issue,
                    accepted.get(&issue.id).copied(),
                    &self.names,
                    &self.calendar,
                    self.locale,
                    self.now,
                );
                sheet.row(&row)?;
                written += 1;
            }
            if let Sheet::Csv(csv) = &mut sheet {
                out.write_all(csv.take().as_bytes())
                    .await
                    .map_err(|e| AppError::internal("writing the ledger", &e))?;
            }
            progress(written);
            match page.next_cursor {
                Some(next) if written < MAX_ROWS => cursor = Some(next),
                _ => break,
            }
        }
        if let Sheet::Xlsx(xlsx) = sheet {
            xlsx.finish(written, &mut out).await?;
        }
        out.flush()
            .await
            .map_err(|e| AppError::internal("writing the ledger", &e))?;
        tracing::info!(
            rows = written,
            format = %self.format,
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "ledger exported"
        );
        Ok(written)
    }
}

/// The file being written.
enum Sheet {
    Csv(csv::Csv),
    Xlsx(Box<xlsx::Xlsx>),
}

impl Sheet {
    fn row(&mut self, row: &[Cell]) -> Result<(), AppError> {
        match self {
            Self::Csv(csv) => {
                csv.row(row);
                Ok(())
            }
            Self::Xlsx(xlsx) => xlsx.row(row),
        }
    }
}

/// Checks an export of what `reader` may see of `input`'s filter (its limit and cursor are
/// ignored: the ledger is every matching issue): every code that names nothing is a field
/// error, all at once, and more than [`MAX_ROWS`] matching issues is `rows` too many.
/// Looks up the names the rows show, once.
pub async fn prepare(
    state: &AppState,
    reader: Reader<'_>,
    input: &ListInput,
    options: Options,
) -> Result<Ledger, AppError> {
    let filter = filter(state, reader, input).await?;
    prepare_filter(state, filter, options).await
}

/// [`prepare`] for a front end that built the filter itself ([`crate::issues::filter`]), to
/// name its own parse errors in the same answer.
pub async fn prepare_filter(
    state: &AppState,
    filter: IssueFilter,
    options: Options,
) -> Result<Ledger, AppError> {
    let rows = state.store.count_issues(&filter, MAX_ROWS).await?;
    if rows > MAX_ROWS {
        return Err(AppError::invalid(crate::error::too_many(
            "rows",
            usize::try_from(rows).unwrap_or(usize::MAX),
            usize::try_from(MAX_ROWS).unwrap_or(usize::MAX),
        )));
    }
    let names = Names::load(&state.store).await?;
    Ok(Ledger {
        state: state.clone(),
        filter,
        format: options.format,
        locale: options.locale.unwrap_or(state.reports.locale),
        names,
        calendar: state.calendar(),
        now: state.clock.now(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_by_name_and_nothing_else_does() {
        assert_eq!("xlsx".parse::<Format>().ok(), Some(Format::Xlsx));
        assert_eq!(" CSV ".parse::<Format>().ok(), Some(Format::Csv));
        for bad in ["", "xls", "pdf", "csv;"] {
            assert!(bad.parse::<Format>().is_err(), "{bad}");
        }
    }
}
