//! Why an import was refused, as data: every bad cell with its sheet, row, column, the value
//! as typed and the [`Reason`]. The front ends say the reason in their own words (the web in
//! zh-CN or en); the English `Display` is for logs, the CLI and the API.

use std::fmt;

use gridloop_core::Rule;
use serde::Serialize;

use super::columns::Kind;
use crate::error::Thing;

/// The most bad cells a refusal lists; beyond it they are counted (a workbook of 10,000 bad
/// rows would otherwise make a report larger than itself).
pub const MAX_LISTED: usize = 1000;

/// The longest value quoted back, in characters.
const MAX_QUOTED_CHARS: usize = 60;

/// What is wrong with a cell (or a sheet, or the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The value broke a rule of the core's parsers (the ones the API uses).
    Rule(Rule),
    /// Names a thing neither the workbook nor the database holds.
    NoSuch(Thing),
    /// The same key is on an earlier row of the sheet.
    Repeated { first_row: u32 },
    /// Several stored enterprises have this name: it cannot say which.
    Ambiguous,
    /// A credit code given for an enterprise matched by its name, which is stored with
    /// another code: the row would change the key it is known by.
    OtherCreditCode,
    /// A value that cannot change once stored (a grid's chain).
    Fixed,
    /// A header that names none of the sheet's columns.
    UnknownColumn,
    /// Two headers that name the same column.
    RepeatedColumn,
    /// A column the sheet must have.
    MissingColumn,
    /// A sheet whose name is none of the kinds.
    UnknownSheet,
    /// A .csv whose kind was not given and cannot be told from its header.
    KindUnknown,
    /// More rows than a sheet may have.
    TooManyRows { max: usize },
    /// A file larger than an import may be, in MiB.
    FileTooLarge { max_mib: usize },
    /// An .xlsx whose parts unpack to more than an import may read, in MiB: a small file can
    /// hold gigabytes of repeated text, and the shared strings are read whole.
    UnpacksTooLarge { max_mib: u64 },
    /// Not a workbook this reads (.xlsx), or a .csv that is not UTF-8.
    Unreadable,
    /// A .csv that is not UTF-8 (Excel's "CSV UTF-8" is).
    NotUtf8,
    /// A cell holding an error (`#N/A`, `#REF!`) or a value of no use here.
    ErrorCell,
    /// A file with no sheet of any kind, or sheets without rows.
    Empty,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rule(rule) => rule.fmt(f),
            Self::NoSuch(thing) => write!(f, "no such {thing} in the workbook or the database"),
            Self::Repeated { first_row } => write!(f, "repeats the key of row {first_row}"),
            Self::Ambiguous => f.write_str("several stored enterprises have this name"),
            Self::OtherCreditCode => f.write_str(
                "the stored enterprise of this name holds another credit code: check the code, or change the stored one first",
            ),
            Self::Fixed => f.write_str("cannot change once stored"),
            Self::UnknownColumn => f.write_str("is not a column of this sheet"),
            Self::RepeatedColumn => f.write_str("names a column already named"),
            Self::MissingColumn => f.write_str("this column is missing"),
            Self::UnknownSheet => f.write_str(
                "is not a sheet name of the import (units, grids, posts, enterprises, categories, users, visit_plans)",
            ),
            Self::KindUnknown => f.write_str(
                "cannot tell which kind the file holds from its header: say it with --kind",
            ),
            Self::TooManyRows { max } => write!(f, "holds more than {max} rows"),
            Self::FileTooLarge { max_mib } => write!(f, "is larger than {max_mib} MiB"),
            Self::UnpacksTooLarge { max_mib } => write!(f, "unpacks to more than {max_mib} MiB"),
            Self::Unreadable => f.write_str("is not a workbook that can be read (.xlsx or .csv)"),
            Self::NotUtf8 => f.write_str("is not UTF-8 text (save it as CSV UTF-8)"),
            Self::ErrorCell => f.write_str("holds an error or a value of no use here"),
            Self::Empty => f.write_str("holds no rows to import"),
        }
    }
}

/// One bad cell; without a row it is the sheet's header or the sheet (or file) as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadCell {
    /// The sheet's name as in the file (a .csv's: its file name).
    pub sheet: String,
    /// The kind of the sheet, once known.
    pub kind: Option<Kind>,
    /// The row as the spreadsheet numbers it (the header is row 1).
    pub row: Option<u32>,
    /// The column's letter as the spreadsheet shows it (`B`).
    pub column: Option<String>,
    /// The column's key (`grid_code`), once known.
    pub field: Option<&'static str>,
    /// The value as typed, cut short.
    pub value: String,
    #[serde(serialize_with = "english")]
    pub reason: Reason,
}

fn english<S: serde::Serializer>(reason: &Reason, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(reason)
}

impl BadCell {
    /// The value to quote back: one line, at most [`MAX_QUOTED_CHARS`].
    pub fn quote(raw: &str) -> String {
        let one_line: String = raw
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let mut out: String = one_line.trim().chars().take(MAX_QUOTED_CHARS).collect();
        if one_line.trim().chars().count() > MAX_QUOTED_CHARS {
            out.push('…');
        }
        out
    }

    /// Where the cell is: `网格!B3`, `网格!3`, `网格`.
    pub fn place(&self) -> String {
        match (&self.column, self.row) {
            (Some(col), Some(row)) => format!("{}!{col}{row}", self.sheet),
            (Some(col), None) => format!("{}!{col}", self.sheet),
            (None, Some(row)) => format!("{}!{row}", self.sheet),
            (None, None) => self.sheet.clone(),
        }
    }
}

impl fmt::Display for BadCell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.place())?;
        if let Some(field) = self.field {
            write!(f, " ({field})")?;
        }
        if !self.value.is_empty() {
            write!(f, " '{}'", self.value)?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// The column letter of a 0-based index: `A`, …, `Z`, `AA`.
pub fn letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + u8::try_from(rem).unwrap_or(0));
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// An import refused: every bad cell (the first [`MAX_LISTED`], the rest counted). Nothing was
/// written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportRefused {
    pub cells: Vec<BadCell>,
    /// Bad cells found beyond those listed.
    pub more: usize,
}

impl ImportRefused {
    pub fn total(&self) -> usize {
        self.cells.len() + self.more
    }
}

impl fmt::Display for ImportRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.total();
        write!(
            f,
            "{n} bad cell{}, nothing was written",
            if n == 1 { "" } else { "s" }
        )?;
        if let Some(first) = self.cells.first() {
            write!(f, "; the first: {first}")?;
        }
        Ok(())
    }
}

/// Collects bad cells, keeping the first [`MAX_LISTED`].
#[derive(Debug, Default)]
pub struct Problems {
    cells: Vec<BadCell>,
    more: usize,
}

impl Problems {
    pub fn push(&mut self, cell: BadCell) {
        if self.cells.len() < MAX_LISTED {
            self.cells.push(cell);
        } else {
            self.more += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The refusal, if anything is bad: the cells in the order of the file's kinds, rows and
    /// columns (references are checked after the cells, so found later).
    pub fn refusal(mut self) -> Option<ImportRefused> {
        self.cells.sort_by(|a, b| {
            let column = |c: &BadCell| c.column.as_ref().map(|l| (l.len(), l.clone()));
            (a.kind, &a.sheet, a.row, column(a)).cmp(&(b.kind, &b.sheet, b.row, column(b)))
        });
        (!self.cells.is_empty()).then_some(ImportRefused {
            cells: self.cells,
            more: self.more,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_as_spreadsheets_letter_them() {
        assert_eq!(letter(0), "A");
        assert_eq!(letter(25), "Z");
        assert_eq!(letter(26), "AA");
        assert_eq!(letter(27), "AB");
        assert_eq!(letter(701), "ZZ");
        assert_eq!(letter(702), "AAA");
    }

    #[test]
    fn a_value_is_quoted_on_one_line_and_cut_short() {
        assert_eq!(BadCell::quote(" a\nb "), "a b");
        let long = "x".repeat(100);
        assert_eq!(BadCell::quote(&long).chars().count(), MAX_QUOTED_CHARS + 1);
    }

    #[test]
    fn a_refusal_lists_the_first_thousand_and_counts_the_rest() {
        let mut problems = Problems::default();
        for row in 0..1005 {
            problems.push(BadCell {
                sheet: "网格".into(),
                kind: Some(Kind::Grids),
                row: Some(row + 2),
                column: Some("A".into()),
                field: Some("grid_code"),
                value: "G 1".into(),
                reason: Reason::Rule(Rule::Format(gridloop_core::Format::Code)),
            });
        }
        let refused = problems.refusal().expect("refused");
        assert_eq!(refused.cells.len(), MAX_LISTED);
        assert_eq!(refused.more, 5);
        assert!(refused
            .to_string()
            .starts_with("1005 bad cells, nothing was written; the first: 网格!A2 (grid_code) 'G 1': is not a code"));
    }
}
