//! The ledger as an `.xlsx` workbook, with rust_xlsxwriter in its constant-memory mode: each
//! row goes to the writer's temporary file as it is written (strings inline, no shared
//! table), so memory stays flat however long the ledger; the file is zipped into the output
//! at the end.
//!
//! Text is always written as a string cell, which Excel never evaluates, so a title such as
//! `=1+2` stays text. Times are real date-times shown `yyyy-mm-dd hh:mm`, so a leader can
//! sort and filter by them. The header row is frozen and bold, the columns have widths, and
//! an autofilter covers the rows written.

use gridloop_core::Locale;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::columns::{Cell, COLUMNS};
use crate::error::AppError;

/// The workbook's one sheet, by language.
fn sheet_name(locale: Locale) -> &'static str {
    match locale {
        Locale::ZhCn => "问题台账",
        Locale::En => "Ledger",
    }
}

/// Bytes the zipping thread hands over at a time, and how many such chunks may wait.
const CHUNK: usize = 64 * 1024;
const CHUNKS_IN_FLIGHT: usize = 4;

fn failed(e: XlsxError) -> AppError {
    AppError::internal("writing the ledger workbook", &e)
}

/// A workbook being written.
pub struct Xlsx {
    workbook: Workbook,
    time: Format,
    hours: Format,
    /// The next row's index (the header is row 0).
    next: u32,
}

impl std::fmt::Debug for Xlsx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Xlsx").field("next", &self.next).finish()
    }
}

impl Xlsx {
    /// A workbook with its header row, frozen, and the columns' widths.
    pub fn new(locale: Locale) -> Result<Self, AppError> {
        let mut workbook = Workbook::new();
        let bold = Format::new().set_bold();
        let sheet = workbook.add_worksheet_with_constant_memory();
        sheet.set_name(sheet_name(locale)).map_err(failed)?;
        for (i, column) in COLUMNS.iter().enumerate() {
            let i = col(i);
            sheet
                .set_column_width(i, f64::from(column.width))
                .map_err(failed)?;
            sheet
                .write_string_with_format(0, i, column.header(locale), &bold)
                .map_err(failed)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(failed)?;
        Ok(Self {
            workbook,
            time: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
            hours: Format::new().set_num_format("0.0"),
            next: 1,
        })
    }

    /// Writes one row below the last.
    pub fn row(&mut self, row: &[Cell]) -> Result<(), AppError> {
        let r = self.next;
        let sheet = self.workbook.worksheet_from_index(0).map_err(failed)?;
        for (i, cell) in row.iter().enumerate() {
            let c = col(i);
            match cell {
                Cell::Text(text) => {
                    sheet.write_string(r, c, text.as_str()).map_err(failed)?;
                }
                Cell::Label(text) => {
                    sheet.write_string(r, c, *text).map_err(failed)?;
                }
                Cell::Hours(n) => {
                    sheet
                        .write_number_with_format(r, c, *n, &self.hours)
                        .map_err(failed)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c, *n).map_err(failed)?;
                }
                Cell::Time(t) => {
                    let at =
                        ExcelDateTime::from_timestamp(t.and_utc().timestamp()).map_err(failed)?;
                    sheet
                        .write_datetime_with_format(r, c, &at, &self.time)
                        .map_err(failed)?;
                }
                Cell::Empty => {}
            }
        }
        self.next += 1;
        Ok(())
    }

    /// Adds the autofilter over the `rows` written and zips the workbook into `out`. The
    /// zipping is CPU work (seconds for a large ledger), so it runs on a blocking thread
    /// and hands the bytes over a small channel.
    pub async fn finish<W>(mut self, rows: u64, out: &mut W) -> Result<(), AppError>
    where
        W: AsyncWrite + Unpin + Send,
    {
        let last_row = u32::try_from(rows).unwrap_or(u32::MAX);
        let last_col = col(COLUMNS.len() - 1);
        let sheet = self.workbook.worksheet_from_index(0).map_err(failed)?;
        sheet.autofilter(0, 0, last_row, last_col).map_err(failed)?;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(CHUNKS_IN_FLIGHT);
        let mut workbook = self.workbook;
        let zipping = tokio::task::spawn_blocking(move || {
            let mut sender = Sender {
                tx,
                buffer: Vec::with_capacity(CHUNK),
            };
            workbook.save_to_writer(&mut sender)?;
            std::io::Write::flush(&mut sender)?;
            Ok::<(), XlsxError>(())
        });
        let mut write_error = None;
        while let Some(chunk) = rx.recv().await {
            if let Err(e) = out.write_all(&chunk).await {
                write_error = Some(e);
                break;
            }
        }
        // Dropping the receiver ends the zipping thread's sends (they fail), so it stops.
        drop(rx);
        let zipped = zipping
            .await
            .map_err(|e| AppError::internal("the ledger's zipping thread", &e))?;
        if let Some(e) = write_error {
            return Err(AppError::internal("writing the ledger", &e));
        }
        zipped.map_err(failed)
    }
}

fn col(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

/// A blocking writer that hands its bytes to the async side in chunks.
struct Sender {
    tx: tokio::sync::mpsc::Sender<Vec<u8>>,
    buffer: Vec<u8>,
}

impl Sender {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(chunk)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "output closed"))
    }
}

impl std::io::Write for Sender {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}
