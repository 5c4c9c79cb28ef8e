//! The empty workbook an office fills in (`gridloop import --template FILE.xlsx`): one sheet
//! per kind, in the order they are written; a header row (the Chinese header with the English
//! key, as the import reads them); a help row the import skips; lists to pick from for the
//! enumerations (roles, priorities, locales); and the credit code's column formatted as text,
//! so that Excel keeps an all-digit code as typed instead of rounding it to a number.

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, Format, Workbook, XlsxError,
};

use super::columns::Kind;
use super::read::MAX_ROWS;
use crate::error::AppError;

/// The template as the bytes of an .xlsx file.
pub fn template() -> Result<Vec<u8>, AppError> {
    build().map_err(|e| AppError::internal("writing the import template", &e))
}

fn build() -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0x00DD_EBF7));
    let help = Format::new()
        .set_italic()
        .set_font_color(Color::RGB(0x0066_6666))
        .set_text_wrap();
    let text = Format::new().set_num_format("@");
    // Rows 3 to the last the import takes (0-based: the header is 0, the help row 1).
    let first = 2;
    let last = u32::try_from(MAX_ROWS + 1).unwrap_or(u32::MAX);
    for kind in Kind::ALL {
        let sheet = book.add_worksheet();
        sheet.set_name(kind.sheet_name())?;
        for (i, column) in kind.columns().iter().enumerate() {
            let col = u16::try_from(i).unwrap_or(u16::MAX);
            sheet.write_string_with_format(0, col, kind.header(i), &header)?;
            sheet.write_string_with_format(1, col, column.help, &help)?;
            sheet.set_column_width(col, 24)?;
            if column.key == "credit_code" {
                sheet.set_column_format(col, &text)?;
            }
            if !column.choices.is_empty() {
                let several = column.key == "roles";
                let validation = DataValidation::new()
                    .allow_list_strings(column.choices)?
                    .ignore_blank(true)
                    .set_input_title(column.zh)?
                    .set_input_message(column.choices.join(", "))?
                    // A user may hold several roles, typed with commas: a list offers one,
                    // and the import checks each.
                    .set_error_style(if several {
                        DataValidationErrorStyle::Information
                    } else {
                        DataValidationErrorStyle::Stop
                    });
                sheet.add_data_validation(first, col, last, col, &validation)?;
            }
        }
        sheet.set_row_height(1, 45)?;
        sheet.set_freeze_panes(2, 0)?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::super::problem::{Problems, Reason};
    use super::super::read::{read, FileFormat, Source};
    use super::*;

    #[test]
    fn the_template_reads_back_as_every_kind_with_no_rows() {
        let bytes = template().expect("template");
        let mut problems = Problems::default();
        let sheets = read(
            Source {
                name: "template.xlsx",
                bytes: &bytes,
                format: FileFormat::Xlsx,
                sheet: None,
                kind: None,
            },
            &mut problems,
        );
        let kinds: Vec<Kind> = sheets.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, Kind::ALL.to_vec());
        for sheet in &sheets {
            assert!(sheet.rows.is_empty(), "{sheet:?}");
            assert!(sheet.columns.iter().all(Option::is_some), "{sheet:?}");
        }
        // Only "nothing to import": the help rows are skipped.
        let refused = problems.refusal().expect("an empty file is refused");
        assert_eq!(refused.cells.len(), 1);
        assert_eq!(refused.cells[0].reason, Reason::Empty);
    }
}
