//! A file as the park office brings it, read into sheets of text cells: an .xlsx (one sheet
//! per kind, read with calamine cell by cell, so reading stops at the row bound) or a UTF-8
//! .csv of one kind. Headers are matched to the kind's columns here; nothing is parsed into
//! domain values yet ([`super::validate`] does that).
//!
//! Every input is bounded: the file's size, the rows of a sheet, the columns, a cell's length.
//! What is beyond a bound is a bad cell like any other, and the file is refused whole.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, Xlsx};
use gridloop_core::Rule;

use super::columns::Kind;
use super::problem::{letter, BadCell, Problems, Reason};

/// The largest file read, in MiB.
pub const MAX_FILE_MIB: usize = 20;
/// The most data rows a sheet may hold.
pub const MAX_ROWS: usize = 10_000;
/// The most columns a sheet may have.
pub const MAX_COLUMNS: usize = 64;
/// The longest cell, in characters (the longest value kept is an address of 200).
pub const MAX_CELL_CHARS: usize = 1000;
/// The most sheets a workbook may have.
pub const MAX_SHEETS: usize = 32;
/// The most the parts of an .xlsx may unpack to, together, in MiB (an .xlsx is a zip of XML).
pub const MAX_UNPACKED_MIB: u64 = 200;

/// Excel's error values, as calamine reads them and as a .csv saved by Excel holds them.
const EXCEL_ERRORS: &[&str] = &[
    "#N/A", "#REF!", "#VALUE!", "#NAME?", "#DIV/0!", "#NUM!", "#NULL!", "#DATA!",
];

/// The formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Xlsx,
    Csv,
}

impl FileFormat {
    /// The format a file name's extension says (`.xlsx`, `.csv`), if either.
    pub fn of_name(name: &str) -> Option<Self> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "xlsx" => Some(Self::Xlsx),
            "csv" => Some(Self::Csv),
            _ => None,
        }
    }
}

/// A file to import, and how to read it.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The file's name (a .csv's sheet is named by it).
    pub name: &'a str,
    pub bytes: &'a [u8],
    pub format: FileFormat,
    /// Only this sheet (`--sheet`).
    pub sheet: Option<&'a str>,
    /// The kind of a .csv, or of the one sheet named by `sheet` (`--kind`).
    pub kind: Option<Kind>,
}

/// A sheet read: its rows as text, one cell per column of its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub name: String,
    pub kind: Kind,
    /// For each column of the kind, the file's column index holding it, if the sheet has it.
    pub columns: Vec<Option<usize>>,
    pub rows: Vec<Row>,
}

impl Sheet {
    /// Whether the sheet has the kind's column `i`.
    pub fn has(&self, i: usize) -> bool {
        self.columns.get(i).is_some_and(Option::is_some)
    }

    /// A bad cell of this sheet: row `row`, the kind's column `i`.
    pub fn bad(&self, row: &Row, i: usize, reason: Reason) -> BadCell {
        BadCell {
            sheet: self.name.clone(),
            kind: Some(self.kind),
            row: Some(row.number),
            column: self.columns.get(i).copied().flatten().map(letter),
            field: self.kind.columns().get(i).map(|c| c.key),
            value: BadCell::quote(row.cells.get(i).map_or("", String::as_str)),
            reason,
        }
    }
}

/// A data row: its number as the spreadsheet shows it, and one trimmed cell per column of the
/// kind (blank where the sheet lacks the column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub number: u32,
    pub cells: Vec<String>,
}

impl Row {
    /// Cell `i`, trimmed; `None` when blank.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.cells
            .get(i)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }
}

/// Reads a file into sheets; every problem found (a bound passed, an unknown header, a
/// missing column, an unreadable cell) is listed, and then the file is refused.
pub fn read(source: Source<'_>, problems: &mut Problems) -> Vec<Sheet> {
    let whole = |reason| BadCell {
        sheet: source.name.to_owned(),
        kind: None,
        row: None,
        column: None,
        field: None,
        value: String::new(),
        reason,
    };
    if source.bytes.len() > MAX_FILE_MIB * 1024 * 1024 {
        problems.push(whole(Reason::FileTooLarge {
            max_mib: MAX_FILE_MIB,
        }));
        return Vec::new();
    }
    let raw = match source.format {
        FileFormat::Xlsx => read_xlsx(source, problems),
        FileFormat::Csv => read_csv(source, problems),
    };
    let sheets: Vec<Sheet> = raw
        .into_iter()
        .filter_map(|r| sheet(r, source, problems))
        .collect();
    if problems.is_empty() && sheets.iter().all(|s| s.rows.is_empty()) {
        problems.push(whole(Reason::Empty));
    }
    sheets
}

/// A sheet as text cells by (row, column), 0-based, before its header is read.
#[derive(Debug, Default)]
struct RawSheet {
    name: String,
    cells: BTreeMap<u32, BTreeMap<usize, String>>,
}

/// Unpacks every part of the .xlsx `bytes` into nothing, counting, before calamine reads it:
/// [`MAX_FILE_MIB`] bounds the file, not what it unpacks to, and deflate turns 20 MiB of
/// repeated text into 20 GiB. Counted as unpacked, not as the zip's directory declares (which
/// may lie); stops at the bound, so at most `max_mib` ([`MAX_UNPACKED_MIB`]) is ever unpacked.
fn unpacked_within(bytes: &[u8], max_mib: u64) -> Result<(), Reason> {
    let unreadable = |e: &dyn std::fmt::Display| {
        tracing::debug!(error = %e, "not an .xlsx");
        Reason::Unreadable
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let mut left = max_mib * 1024 * 1024;
    for i in 0..archive.len() {
        let part = archive.by_index(i).map_err(|e| unreadable(&e))?;
        let unpacked = std::io::copy(&mut part.take(left + 1), &mut std::io::sink())
            .map_err(|e| unreadable(&e))?;
        left = left
            .checked_sub(unpacked)
            .ok_or(Reason::UnpacksTooLarge { max_mib })?;
    }
    Ok(())
}

fn read_xlsx(source: Source<'_>, problems: &mut Problems) -> Vec<RawSheet> {
    let whole = |reason, value: &str| BadCell {
        sheet: source.name.to_owned(),
        kind: None,
        row: None,
        column: None,
        field: None,
        value: BadCell::quote(value),
        reason,
    };
    if let Err(reason) = unpacked_within(source.bytes, MAX_UNPACKED_MIB) {
        problems.push(whole(reason, ""));
        return Vec::new();
    }
    let mut book = match Xlsx::new(Cursor::new(source.bytes)) {
        Ok(book) => book,
        Err(e) => {
            tracing::debug!(error = %e, "not an .xlsx");
            problems.push(whole(Reason::Unreadable, ""));
            return Vec::new();
        }
    };
    let names = book.sheet_names();
    if names.len() > MAX_SHEETS {
        problems.push(whole(Reason::Rule(Rule::TooMany { max: MAX_SHEETS }), ""));
        return Vec::new();
    }
    if let Some(wanted) = source.sheet {
        if !names.iter().any(|n| n == wanted) {
            problems.push(whole(Reason::UnknownSheet, wanted));
            return Vec::new();
        }
    }
    let mut out = Vec::new();
    for name in names {
        if source.sheet.is_some_and(|wanted| wanted != name) {
            continue;
        }
        let mut raw = RawSheet {
            name: name.clone(),
            cells: BTreeMap::new(),
        };
        let mut reader = match book.worksheet_cells_reader(&name) {
            Ok(reader) => reader,
            Err(e) => {
                tracing::debug!(error = %e, sheet = %name, "unreadable sheet");
                problems.push(BadCell {
                    sheet: name.clone(),
                    ..whole(Reason::Unreadable, "")
                });
                continue;
            }
        };
        // The header, an optional help row and the data rows; blank rows in between count too,
        // so this is generous by a little and still bounded.
        let last_row = u32::try_from(MAX_ROWS + 2).unwrap_or(u32::MAX);
        loop {
            let cell = match reader.next_cell() {
                Ok(Some(cell)) => cell,
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!(error = %e, sheet = %name, "unreadable cell");
                    problems.push(BadCell {
                        sheet: name.clone(),
                        ..whole(Reason::Unreadable, "")
                    });
                    break;
                }
            };
            let (row, col) = cell.get_position();
            let text = match cell.get_value() {
                DataRef::Empty => continue,
                DataRef::Int(i) => i.to_string(),
                DataRef::Float(f) => number(*f),
                DataRef::String(s) => s.clone(),
                DataRef::SharedString(s) => (*s).to_owned(),
                DataRef::Bool(b) => b.to_string(),
                DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
                DataRef::DateTime(d) => format!("{}", d.as_f64()),
                DataRef::Error(e) => e.to_string(),
            };
            if text.trim().is_empty() {
                continue;
            }
            if row > last_row {
                problems.push(BadCell {
                    sheet: name.clone(),
                    ..whole(Reason::TooManyRows { max: MAX_ROWS }, "")
                });
                raw.cells.clear();
                break;
            }
            let Ok(col) = usize::try_from(col) else {
                continue;
            };
            raw.cells.entry(row).or_default().insert(col, text);
        }
        out.push(raw);
    }
    out
}

/// A number as a person typed it: whole numbers without `.0` (codes, phone numbers and
/// minutes are often stored as numbers by Excel).
fn number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

fn read_csv(source: Source<'_>, problems: &mut Problems) -> Vec<RawSheet> {
    let bytes = source
        .bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(source.bytes);
    let Ok(text) = std::str::from_utf8(bytes) else {
        problems.push(BadCell {
            sheet: source.name.to_owned(),
            kind: None,
            row: None,
            column: None,
            field: None,
            value: String::new(),
            reason: Reason::NotUtf8,
        });
        return Vec::new();
    };
    let mut raw = RawSheet {
        name: source.name.to_owned(),
        cells: BTreeMap::new(),
    };
    for (row, record) in csv_records(text).enumerate() {
        if row > MAX_ROWS + 2 {
            problems.push(BadCell {
                sheet: source.name.to_owned(),
                kind: None,
                row: None,
                column: None,
                field: None,
                value: String::new(),
                reason: Reason::TooManyRows { max: MAX_ROWS },
            });
            return Vec::new();
        }
        let Ok(row) = u32::try_from(row) else { break };
        for (col, text) in record.into_iter().enumerate() {
            if !text.trim().is_empty() {
                raw.cells.entry(row).or_default().insert(col, text);
            }
        }
    }
    vec![raw]
}

/// The records of a CSV text (RFC 4180: fields in double quotes may hold commas, line breaks
/// and doubled quotes; CRLF or LF line ends).
fn csv_records(text: &str) -> impl Iterator<Item = Vec<String>> + '_ {
    let mut chars = text.chars().peekable();
    std::iter::from_fn(move || {
        chars.peek()?;
        let mut record = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        loop {
            match chars.next() {
                None => {
                    record.push(std::mem::take(&mut field));
                    return Some(record);
                }
                Some('"') if quoted => {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        field.push('"');
                    } else {
                        quoted = false;
                    }
                }
                Some('"') if field.is_empty() => quoted = true,
                Some(',') if !quoted => record.push(std::mem::take(&mut field)),
                Some('\r') if !quoted && chars.peek() == Some(&'\n') => {}
                Some('\n') if !quoted => {
                    record.push(std::mem::take(&mut field));
                    return Some(record);
                }
                Some(c) => field.push(c),
            }
        }
    })
}

/// The sheet of a raw sheet: its kind (the sheet's name, `--kind`, or a .csv's header), its
/// header matched to the kind's columns, its data rows (blank rows and the template's help
/// row skipped); `None` for a sheet of no kind that holds nothing.
fn sheet(raw: RawSheet, source: Source<'_>, problems: &mut Problems) -> Option<Sheet> {
    let bad = |row: Option<u32>, col: Option<usize>, value: &str, kind, reason| BadCell {
        sheet: raw.name.clone(),
        kind,
        row,
        column: col.map(letter),
        field: None,
        value: BadCell::quote(value),
        reason,
    };
    let mut rows = raw.cells.iter();
    let (&header_row, header) = rows.next()?;
    let header_texts: Vec<String> = header.values().cloned().collect();
    let kind = match source.format {
        FileFormat::Xlsx => Kind::of_sheet(&raw.name).or(source.kind),
        FileFormat::Csv => source.kind.or_else(|| Kind::infer(&header_texts)),
    };
    let Some(kind) = kind else {
        let reason = match source.format {
            FileFormat::Xlsx => Reason::UnknownSheet,
            FileFormat::Csv => Reason::KindUnknown,
        };
        problems.push(bad(None, None, &raw.name, None, reason));
        return None;
    };
    let columns_of_kind = kind.columns();
    let mut columns: Vec<Option<usize>> = vec![None; columns_of_kind.len()];
    let mut ok = true;
    for (&col, text) in header {
        if col >= MAX_COLUMNS {
            problems.push(bad(
                Some(header_row + 1),
                Some(col),
                text,
                Some(kind),
                Reason::Rule(Rule::TooMany { max: MAX_COLUMNS }),
            ));
            ok = false;
            break;
        }
        match kind.column_of(text) {
            Some(i) if columns[i].is_none() => columns[i] = Some(col),
            Some(_) => {
                problems.push(bad(
                    Some(header_row + 1),
                    Some(col),
                    text,
                    Some(kind),
                    Reason::RepeatedColumn,
                ));
                ok = false;
            }
            None => {
                problems.push(bad(
                    Some(header_row + 1),
                    Some(col),
                    text,
                    Some(kind),
                    Reason::UnknownColumn,
                ));
                ok = false;
            }
        }
    }
    for (i, column) in columns_of_kind.iter().enumerate() {
        if column.required && columns[i].is_none() {
            let mut cell = bad(
                Some(header_row + 1),
                None,
                column.zh,
                Some(kind),
                Reason::MissingColumn,
            );
            cell.field = Some(column.key);
            problems.push(cell);
            ok = false;
        }
    }
    let mut sheet = Sheet {
        name: raw.name.clone(),
        kind,
        columns,
        rows: Vec::new(),
    };
    for (&row, cells) in rows {
        let number = row + 1;
        // Cells under no header: a value the sheet cannot place.
        for (&col, text) in cells {
            if !sheet.columns.contains(&Some(col)) && ok {
                problems.push(bad(
                    Some(number),
                    Some(col),
                    text,
                    Some(kind),
                    Reason::UnknownColumn,
                ));
            }
        }
        let texts: Vec<String> = sheet
            .columns
            .iter()
            .map(|c| {
                c.and_then(|c| cells.get(&c))
                    .map(|s| s.trim().to_owned())
                    .unwrap_or_default()
            })
            .collect();
        let help = texts
            .iter()
            .zip(columns_of_kind)
            .all(|(t, c)| t.is_empty() || *t == c.help);
        if help || texts.iter().all(String::is_empty) {
            continue;
        }
        let row = Row {
            number,
            cells: texts,
        };
        for (i, text) in row.cells.iter().enumerate() {
            if text.chars().count() > MAX_CELL_CHARS {
                problems.push(sheet.bad(
                    &row,
                    i,
                    Reason::Rule(Rule::TooLong {
                        max: MAX_CELL_CHARS,
                    }),
                ));
            } else if EXCEL_ERRORS.contains(&text.as_str()) {
                problems.push(sheet.bad(&row, i, Reason::ErrorCell));
            }
        }
        sheet.rows.push(row);
    }
    if sheet.rows.len() > MAX_ROWS {
        problems.push(bad(
            None,
            None,
            "",
            Some(kind),
            Reason::TooManyRows { max: MAX_ROWS },
        ));
        sheet.rows.clear();
    }
    Some(sheet)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zip of one part of `mib` MiB of zeros: a few KiB packed.
    fn zip_of_zeros(mib: usize) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file(
            "xl/sharedStrings.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .expect("part");
        let chunk = vec![0u8; 1024 * 1024];
        for _ in 0..mib {
            zip.write_all(&chunk).expect("write");
        }
        zip.finish().expect("zip").into_inner()
    }

    #[test]
    fn an_xlsx_that_unpacks_past_the_bound_is_refused_before_it_is_read_whole() {
        let bomb = zip_of_zeros(3);
        assert!(bomb.len() < 64 * 1024, "packed to {} bytes", bomb.len());
        assert_eq!(
            unpacked_within(&bomb, 2),
            Err(Reason::UnpacksTooLarge { max_mib: 2 })
        );
        assert_eq!(unpacked_within(&bomb, 4), Ok(()));
        assert_eq!(unpacked_within(b"not a zip", 4), Err(Reason::Unreadable));
    }

    fn csv(text: &str, kind: Option<Kind>) -> (Vec<Sheet>, Option<super::super::ImportRefused>) {
        let mut problems = Problems::default();
        let sheets = read(
            Source {
                name: "x.csv",
                bytes: text.as_bytes(),
                format: FileFormat::Csv,
                sheet: None,
                kind,
            },
            &mut problems,
        );
        (sheets, problems.refusal())
    }

    #[test]
    fn a_csv_is_read_with_quotes_bom_and_crlf_and_its_kind_told_from_the_header() {
        let (sheets, refused) = csv(
            "\u{feff}岗位编码,名称,网格编码\r\np01,\"一号岗, 东\",g1\r\n\r\n\"p02\",\"说\"\"好\"\"\",g2\n",
            None,
        );
        assert_eq!(refused, None);
        let [sheet] = sheets.as_slice() else {
            panic!("one sheet: {sheets:?}")
        };
        assert_eq!(sheet.kind, Kind::Posts);
        assert_eq!(sheet.rows.len(), 2);
        assert_eq!(sheet.rows[0].number, 2);
        assert_eq!(sheet.rows[0].cells, vec!["p01", "一号岗, 东", "g1"]);
        assert_eq!(sheet.rows[1].number, 4);
        assert_eq!(sheet.rows[1].cells, vec!["p02", "说\"好\"", "g2"]);
    }

    #[test]
    fn unknown_and_missing_columns_are_named_with_their_letters() {
        let (_, refused) = csv("unit_code,colour\nu1,red\n", Some(Kind::Units));
        let refused = refused.expect("refused");
        let reasons: Vec<_> = refused
            .cells
            .iter()
            .map(|c| (c.place(), c.reason))
            .collect();
        assert_eq!(
            reasons,
            vec![
                ("x.csv!1".to_owned(), Reason::MissingColumn),
                ("x.csv!B1".to_owned(), Reason::UnknownColumn),
            ]
        );
    }

    #[test]
    fn the_templates_help_row_and_blank_rows_are_skipped() {
        let help: Vec<String> = Kind::Units
            .columns()
            .iter()
            .map(|c| format!("\"{}\"", c.help))
            .collect();
        let text = format!("unit_code,name\n{}\n,\nu1,供电\n", help.join(","));
        let (sheets, refused) = csv(&text, None);
        assert_eq!(refused, None);
        assert_eq!(sheets[0].rows.len(), 1);
        assert_eq!(sheets[0].rows[0].number, 4);
    }

    #[test]
    fn bounds_refuse_the_file_clearly() {
        let mut text = String::from("unit_code,name\n");
        for i in 0..=MAX_ROWS + 2 {
            text.push_str(&format!("u{i},单位{i}\n"));
        }
        let refused = csv(&text, None).1.expect("refused");
        assert_eq!(
            refused.cells[0].reason,
            Reason::TooManyRows { max: MAX_ROWS }
        );

        let long = "x".repeat(MAX_CELL_CHARS + 1);
        let refused = csv(&format!("unit_code,name\nu1,{long}\n"), None)
            .1
            .expect("refused");
        assert_eq!(
            refused.cells[0].reason,
            Reason::Rule(Rule::TooLong {
                max: MAX_CELL_CHARS
            })
        );

        let refused = csv("code,name\nu1,x\n", None).1.expect("refused");
        assert_eq!(refused.cells[0].reason, Reason::KindUnknown);

        let mut problems = Problems::default();
        read(
            Source {
                name: "x.csv",
                bytes: b"unit_code,name\n\xff\xfe\n",
                format: FileFormat::Csv,
                sheet: None,
                kind: None,
            },
            &mut problems,
        );
        assert_eq!(
            problems.refusal().expect("refused").cells[0].reason,
            Reason::NotUtf8
        );
    }

    #[test]
    fn numbers_read_as_people_typed_them() {
        assert_eq!(number(13_812_345_678.0), "13812345678");
        assert_eq!(number(60.0), "60");
        assert_eq!(number(1.5), "1.5");
    }
}
