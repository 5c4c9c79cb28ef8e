//! The ledger as CSV.
//!
//! RFC 4180: fields with a comma, a quote, CR or LF are quoted, quotes doubled, lines end in
//! CRLF. UTF-8 with a byte-order mark, because Excel opens a CSV without one in the system's
//! legacy code page (GBK on a Chinese Windows) and shows every Chinese name as mojibake.
//! Text that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or
//! CR: titles come from the public) gets a leading `'`, as OWASP advises for CSV injection;
//! numbers are written as they are, times as `YYYY-MM-DD HH:MM`.

use std::fmt::Write as _;

use gridloop_core::Locale;

use super::columns::{looks_like_formula, Cell, COLUMNS};

const BOM: &str = "\u{feff}";

/// Rows gathered for the next write; the header row first.
#[derive(Debug)]
pub struct Csv {
    buffer: String,
}

impl Csv {
    /// A file with its byte-order mark and header row.
    pub fn new(locale: Locale) -> Self {
        let mut buffer = String::from(BOM);
        let headers: Vec<Cell> = COLUMNS
            .iter()
            .map(|c| Cell::Label(c.header(locale)))
            .collect();
        push_row(&mut buffer, &headers);
        Self { buffer }
    }

    pub fn row(&mut self, row: &[Cell]) {
        push_row(&mut self.buffer, row);
    }

    /// What was gathered since the last call, to be written out.
    pub fn take(&mut self) -> String {
        std::mem::take(&mut self.buffer)
    }
}

/// One CSV line.
pub fn push_row(out: &mut String, row: &[Cell]) {
    for (i, cell) in row.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match cell {
            Cell::Text(text) => push_text(out, text),
            Cell::Label(text) => push_text(out, text),
            Cell::Number(n) => {
                let _ = write!(out, "{n}");
            }
            Cell::Hours(h) => {
                let _ = write!(out, "{h:.1}");
            }
            Cell::Time(t) => {
                let _ = write!(out, "{}", t.format("%Y-%m-%d %H:%M"));
            }
            Cell::Empty => {}
        }
    }
    out.push_str("\r\n");
}

fn push_text(out: &mut String, text: &str) {
    let guard = if looks_like_formula(text) { "'" } else { "" };
    if text.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(guard);
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(guard);
        out.push_str(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(row: &[Cell]) -> String {
        let mut out = String::new();
        push_row(&mut out, row);
        out
    }

    #[test]
    fn fields_are_quoted_as_rfc_4180_says() {
        let row = [
            Cell::Number(42.0),
            Cell::Text("a, b".into()),
            Cell::Text("say \"hi\"".into()),
            Cell::Text("two\nlines".into()),
            Cell::Empty,
            Cell::Number(3.5),
        ];
        assert_eq!(
            line(&row),
            "42,\"a, b\",\"say \"\"hi\"\"\",\"two\nlines\",,3.5\r\n"
        );
    }

    #[test]
    fn text_a_spreadsheet_would_run_gets_a_leading_quote() {
        let row = [
            Cell::Text("=1+2".into()),
            Cell::Text("-5".into()),
            Cell::Text("@cmd".into()),
            Cell::Text("=HYPERLINK(\"x\",\"y\")".into()),
            Cell::Text("ok".into()),
        ];
        assert_eq!(
            line(&row),
            "'=1+2,'-5,'@cmd,\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\",ok\r\n"
        );
    }

    #[test]
    fn the_file_starts_with_a_byte_order_mark_and_the_chinese_headers() {
        let mut csv = Csv::new(Locale::ZhCn);
        let text = csv.take();
        assert!(text.starts_with("\u{feff}编号,标题,企业,"));
        assert!(csv.take().is_empty());
    }
}
