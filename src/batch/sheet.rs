//! The collection workbook a county sends to its townships (`nianbao sheet`), and the same
//! layout filled with rows (`nianbao sample --xlsx`). Also the CSV form of those rows.
//!
//! Row 1 holds the Chinese labels, row 2 the keys; both stay frozen at the top, with the organ
//! column at the left. Counts accept only whole numbers from 0, fees only decimals from 0; the
//! postcode and phone columns are text so that leading zeros survive.

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationRule, DocProperties, ExcelDateTime, Format, FormatAlign,
    FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::columns::{Column, columns};
use crate::diag::{Diagnostic, Rule};
use crate::document::Timestamp;
use crate::model::Date;
use crate::model::schema::Kind;
use crate::model::tree::Value;

pub const DATA_SHEET: &str = "报告数据";
const GUIDE_SHEET: &str = "填表说明";
/// Data rows that carry validation: more than any county has organs.
const VALIDATED_ROWS: u32 = 5_000;
const FIRST_DATA_ROW: u32 = 2;

/// One report as cells: `(index into columns(), value)`.
pub type Cells = Vec<(usize, Value)>;

/// The workbook, blank when `rows` is empty.
pub fn workbook(rows: &[Cells]) -> Result<Vec<u8>, Diagnostic> {
    build(rows, None).map_err(failed)
}

/// The blank workbook of `nianbao sheet`, dated `created` (`SOURCE_DATE_EPOCH`) rather than
/// now when given, so that a release built twice ships the same bytes.
pub fn blank(created: Option<Timestamp>) -> Result<Vec<u8>, Diagnostic> {
    build(&[], created).map_err(failed)
}

fn failed(e: XlsxError) -> Diagnostic {
    Diagnostic::error(Rule::Output, format!("无法生成工作簿（{e}）"))
}

fn build(rows: &[Cells], created: Option<Timestamp>) -> Result<Vec<u8>, XlsxError> {
    let cols = columns();
    let mut book = Workbook::new();
    if let Some(t) = created {
        let date = ExcelDateTime::from_timestamp(t.to_unix())?;
        book.set_properties(&DocProperties::new().set_creation_datetime(&date));
    }
    let sheet = book.add_worksheet();
    sheet.set_name(DATA_SHEET)?;
    header(sheet, &cols)?;
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    for (r, cells) in rows.iter().enumerate() {
        let row = FIRST_DATA_ROW + r as u32;
        for (c, value) in cells {
            let col = *c as u16;
            match value {
                Value::String(s) => {
                    sheet.write_string(row, col, s)?;
                }
                Value::Number { text, .. } => {
                    sheet.write_number(row, col, text.parse::<f64>().unwrap_or_default())?;
                }
                Value::Date(iso) => {
                    if let Some(d) = Date::parse(iso) {
                        let date = ExcelDateTime::from_ymd(d.year, d.month, d.day)?;
                        sheet.write_date_with_format(row, col, &date, &date_format)?;
                    }
                }
                _ => {}
            }
        }
    }
    guide(book.add_worksheet(), &cols)?;
    book.save_to_buffer()
}

fn header(sheet: &mut Worksheet, cols: &[Column]) -> Result<(), XlsxError> {
    let label = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin);
    let required_label = label.clone().set_font_color(Color::RGB(0xC00000));
    let key = Format::new()
        .set_font_size(8)
        .set_font_color(Color::RGB(0x808080))
        .set_align(FormatAlign::Center)
        .set_background_color(Color::RGB(0xF2F2F2))
        .set_border(FormatBorder::Thin);
    let text = Format::new().set_num_format("@");
    let narrative = Format::new()
        .set_num_format("@")
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let count = Format::new().set_num_format("0");
    let date = Format::new().set_num_format("yyyy-mm-dd");

    sheet.set_row_height(0, 48)?;
    let last = FIRST_DATA_ROW + VALIDATED_ROWS - 1;
    for (i, column) in cols.iter().enumerate() {
        let c = i as u16;
        let head = if column.required {
            &required_label
        } else {
            &label
        };
        sheet.write_string_with_format(0, c, &column.label, head)?;
        sheet.write_string_with_format(1, c, &column.key, &key)?;
        let (width, format) = match column.kind {
            _ if column.is_narrative() => (48.0, &narrative),
            _ if column.key == "organ" => (26.0, &text),
            Kind::Text => (16.0, &text),
            Kind::Date => (12.0, &date),
            _ => (10.0, &count),
        };
        sheet.set_column_width(c, width)?;
        if column.kind != Kind::Decimal {
            sheet.set_column_format(c, format)?;
        }
        if let Some(rule) = validation(column)? {
            sheet.add_data_validation(FIRST_DATA_ROW, c, last, c, &rule)?;
        }
    }
    // Labels and keys at the top, the organ at the left, always in view.
    sheet.set_freeze_panes(FIRST_DATA_ROW, 1)?;
    Ok(())
}

fn validation(column: &Column) -> Result<Option<DataValidation>, XlsxError> {
    let rule = match column.kind {
        Kind::Count => DataValidation::new()
            .allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0))
            .set_error_message("件数应为不小于 0 的整数。")?,
        Kind::Integer => DataValidation::new()
            .allow_whole_number(DataValidationRule::Between(2021, 2100))
            .set_error_message("报告年度应为 2021 至 2100 之间的整数。")?,
        Kind::Decimal => DataValidation::new()
            .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0))
            .set_error_message("金额以万元为单位，应为不小于 0 的数。")?,
        Kind::Date => DataValidation::new()
            .allow_date(DataValidationRule::GreaterThanOrEqualTo(ExcelDateTime::from_ymd(2021, 1, 1)?))
            .set_error_message("成文日期应为日期，如 2025-01-20。")?,
        _ if column.is_narrative() => DataValidation::new()
            .allow_any_value()
            .set_input_title(column.label.chars().take(32).collect::<String>())?
            .set_input_message("段落之间空一行（单元格内换行：Alt+Enter）。可写 {{ applications.new_received.total }} 引用表中数字。")?,
        _ => return Ok(None),
    };
    Ok(Some(rule.set_error_title("输入有误")?))
}

fn guide(sheet: &mut Worksheet, cols: &[Column]) -> Result<(), XlsxError> {
    sheet.set_name(GUIDE_SHEET)?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let lines = [
        "每个机关填写「报告数据」工作表的一行，第 1 行是中文列名，第 2 行是字段名，请勿修改这两行。",
        "红色列名为必填。件数填不小于 0 的整数；表三未填的单元格按 0 计；各“总计”由程序计算，不需填写。",
        "正文各段之间空一行（单元格内换行：Alt+Enter）；可写 {{ applications.new_received.total }} 等引用表中数字。",
        "填好后运行：nianbao batch 本文件.xlsx -o 输出目录",
    ];
    for (r, line) in lines.iter().enumerate() {
        sheet.write_string(r as u32, 0, *line)?;
    }
    let top = lines.len() as u32 + 1;
    for (c, title) in ["列", "字段名", "中文名", "类型", "必填"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(top, c as u16, *title, &bold)?;
    }
    for (i, column) in cols.iter().enumerate() {
        let r = top + 1 + i as u32;
        let kind = match column.kind {
            _ if column.is_narrative() => "正文（多段文字）",
            Kind::Count => "件数（整数）",
            Kind::Integer => "年份",
            Kind::Decimal => "金额（万元）",
            Kind::Date => "日期",
            _ => "文字",
        };
        sheet.write_string(r, 0, crate::diag::column_letters(i as u32 + 1))?;
        sheet.write_string(r, 1, &column.key)?;
        sheet.write_string_with_format(r, 2, &column.label, &wrap)?;
        sheet.write_string(r, 3, kind)?;
        sheet.write_string(r, 4, if column.required { "是" } else { "" })?;
    }
    sheet.set_column_width(0, 6)?;
    sheet.set_column_width(1, 44)?;
    sheet.set_column_width(2, 40)?;
    sheet.set_column_width(3, 16)?;
    Ok(())
}

/// The rows as CSV (UTF-8 with a BOM, keys as the header), as Excel's "CSV UTF-8" would save them.
pub fn csv(rows: &[Cells]) -> String {
    let cols = columns();
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = writer.write_record(cols.iter().map(|c| c.key.as_str()));
    for cells in rows {
        let mut record = vec![String::new(); cols.len()];
        for (c, value) in cells {
            record[*c] = match value {
                Value::String(s) | Value::Date(s) => s.clone(),
                Value::Number { text, .. } => text.clone(),
                _ => String::new(),
            };
        }
        let _ = writer.write_record(&record);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    format!("\u{FEFF}{}", String::from_utf8_lossy(&bytes))
}

/// A cell of a [`listing`].
#[derive(Debug, Clone, PartialEq)]
pub enum ListCell {
    Text(String),
    Number(f64),
    Empty,
}

/// A plain table as a workbook of one sheet named `sheet_name`: a bold header row kept in
/// view, then `rows`; text cells stay text (a spreadsheet runs none of them as a formula).
/// The server's lists (the county desk, the roll-up) are exported with it.
pub fn listing(
    sheet_name: &str,
    header: &[&str],
    rows: &[Vec<ListCell>],
) -> Result<Vec<u8>, Diagnostic> {
    listings(&[Listing {
        name: sheet_name,
        header,
        rows,
    }])
}

/// One sheet of [`listings`].
pub struct Listing<'a> {
    pub name: &'a str,
    pub header: &'a [&'a str],
    pub rows: &'a [Vec<ListCell>],
}

/// Plain tables as a workbook of one sheet each, in order, each laid out as [`listing`] lays
/// out its one.
pub fn listings(sheets: &[Listing]) -> Result<Vec<u8>, Diagnostic> {
    let build = || -> Result<Vec<u8>, XlsxError> {
        let mut book = Workbook::new();
        let bold = Format::new()
            .set_bold()
            .set_background_color(Color::RGB(0xDDEBF7))
            .set_border(FormatBorder::Thin);
        for listing in sheets {
            let sheet = book.add_worksheet();
            sheet.set_name(listing.name)?;
            for (c, title) in listing.header.iter().enumerate() {
                sheet.write_string_with_format(0, c as u16, *title, &bold)?;
                let width = title.chars().count().clamp(6, 40) as f64 * 2.0;
                sheet.set_column_width(c as u16, width)?;
            }
            for (r, cells) in listing.rows.iter().enumerate() {
                let row = 1 + r as u32;
                for (c, cell) in cells.iter().enumerate() {
                    match cell {
                        ListCell::Text(s) => sheet.write_string(row, c as u16, s)?,
                        ListCell::Number(n) => sheet.write_number(row, c as u16, *n)?,
                        ListCell::Empty => sheet,
                    };
                }
            }
            sheet.set_freeze_panes(1, 0)?;
        }
        book.save_to_buffer()
    };
    build().map_err(failed)
}
