//! Batch input: a directory of data files, or a table (workbook or CSV) with one report per row.
//!
//! A table's header row names each column by its key (`applications.granted.natural_person`) or
//! its Chinese label (`三（一）予以公开 · 自然人`), as the workbook of `nianbao sheet` has both.
//! Each cell is converted by its column's kind, then the row is decoded and validated exactly as
//! a data file would be, with cells as positions: a diagnostic names sheet, row and column.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use std::io::Cursor;

use calamine::{DataRef, Reader};

use super::columns::{self, Column};
use crate::diag::{Diagnostic, Location, Pos, Rule, column_letters};
use crate::limits::{self, show_bytes};
use crate::model::schema::Kind;
use crate::model::tree::{Node, Value};
use crate::model::{self, Date, Loaded, SourceMap};

/// The hint for a date-formatted cell in a column of numbers.
const DATE_IN_NUMBER_COLUMN: &str = "这个单元格设成了日期格式，Excel 存的是日期的序号而不是所填的数；把单元格格式改为“常规”或“数值”后重新填写";

/// The hint for a number in a date column that is no date (0, a negative number, past the
/// year 9999): Excel shows such a serial as 1900-01-00 or ####, never as the date meant.
const NOT_A_DATE_SERIAL: &str = "Excel 的日期是从 1900年1月1日（序号 1）到 9999年12月31日（序号 2958465）的序号，这个值不是其中之一；请重新填写日期，如 2022-01-20";

/// Rows searched for the header: a title or a note may stand above it.
const HEADER_SEARCH_ROWS: usize = 10;

/// What a batch reads, before any report is decoded.
#[derive(Debug)]
pub enum Input {
    /// Data files, one report each, sorted by name.
    Files(Vec<PathBuf>),
    /// Rows of a table, one report each.
    Table(Table),
}

impl Input {
    pub fn len(&self) -> usize {
        match self {
            Input::Files(f) => f.len(),
            Input::Table(t) => t.rows.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The report rows of a workbook sheet or CSV file.
///
/// Cells are kept as read and typed when a row is decoded: ten thousand rows of a county-wide
/// workbook then take a few kilobytes each, not a heap allocation per cell.
#[derive(Debug)]
pub struct Table {
    /// The file name as given.
    pub file: String,
    /// The worksheet; `""` for a CSV file.
    pub sheet: String,
    /// The directory seal paths are relative to.
    pub dir: PathBuf,
    pub columns: Vec<Column>,
    /// The header: `(0-based sheet column, index into columns)`.
    pub mapped: Vec<(u32, usize)>,
    pub rows: Vec<Row>,
    /// How the file was read, when the user should know (e.g. decoded as GBK).
    pub notes: Vec<Diagnostic>,
}

#[derive(Debug)]
pub struct Row {
    /// 1-based row number, as the spreadsheet shows it.
    pub number: u32,
    /// The non-empty cells: `(index into Table::mapped, cell)`.
    pub cells: Vec<(u32, Raw)>,
}

impl Table {
    /// Where a row came from, for messages and the manifest: `county.xlsx「报告数据」第5行`.
    pub fn describe(&self, row: &Row) -> String {
        Location {
            file: self.file.clone(),
            line: Some(row.number),
            column: None,
            sheet: Some(self.sheet.clone()),
        }
        .to_string()
    }

    /// Decodes and validates one row as a report.
    pub fn load(&self, row: &Row) -> Loaded {
        self.load_with_tree(row).0
    }

    /// [`Table::load`], with the row as the tree of a data file (its cells as typed, before the
    /// model took them): what a filing server keeps of a row whose values the model refused.
    pub fn load_with_tree(&self, row: &Row) -> (Loaded, Node) {
        let mut source = SourceMap {
            file: self.file.clone(),
            sheet: Some(self.sheet.clone()),
            ..SourceMap::default()
        };
        let mut cells = Vec::with_capacity(self.mapped.len());
        let mut filled = row.cells.iter().peekable();
        // Cells whose errors need a word on how Excel stores dates.
        let mut hints: Vec<(Pos, &str)> = Vec::new();
        for (m, &(col, c)) in self.mapped.iter().enumerate() {
            let column = &self.columns[c];
            let pos = Pos {
                line: row.number,
                column: col + 1,
            };
            let value = match filled.next_if(|(i, _)| *i as usize == m) {
                Some((_, raw)) => {
                    let number = matches!(column.kind, Kind::Count | Kind::Integer | Kind::Decimal);
                    match raw {
                        Raw::Date(..) if number => hints.push((pos, DATE_IN_NUMBER_COLUMN)),
                        Raw::Date(_, None) | Raw::Number(_) if column.kind == Kind::Date => {
                            hints.push((pos, NOT_A_DATE_SERIAL));
                        }
                        _ => {}
                    }
                    typed(raw, column.kind)
                }
                None => Value::Null,
            };
            // Every cell has a position, empty or not, so that a missing value is reported at
            // its cell; a section or row is placed at its first cell.
            source.positions.insert(column.key.clone(), pos);
            let mut prefix = column.key.as_str();
            while let Some(i) = prefix.rfind('.') {
                prefix = &prefix[..i];
                source.positions.entry(prefix.to_string()).or_insert(pos);
            }
            cells.push((column, value, pos));
        }
        let tree = columns::tree(
            cells,
            Pos {
                line: row.number,
                column: 1,
            },
        );
        let mut loaded = model::from_tree(source, &tree);
        for d in loaded.diagnostics.iter_mut().filter(|d| d.is_error()) {
            let Some(l) = d.location.as_deref() else {
                continue;
            };
            let at = Pos {
                line: l.line.unwrap_or(0),
                column: l.column.unwrap_or(0),
            };
            if let Some((_, hint)) = hints.iter().find(|(pos, _)| *pos == at) {
                d.hint = Some((*hint).into());
            }
        }
        (loaded, tree)
    }
}

/// Reads what `path` names: a directory of data files, a workbook, or a CSV file.
pub fn read(path: &Path, sheet: Option<&str>) -> Result<Input, Vec<Diagnostic>> {
    let name = path.display().to_string();
    if path.is_dir() {
        let files = crate::disk::list_data_files(path).map_err(|d| vec![d])?;
        if files.is_empty() {
            return Err(vec![
                Diagnostic::error(
                    Rule::Unreadable,
                    "目录里没有数据文件（.toml、.json、.yaml）",
                )
                .at(Location::file(&name)),
            ]);
        }
        return Ok(Input::Files(files));
    }
    let ext = extension(path);
    if !TABLE_EXTENSIONS.contains(&ext.as_str()) {
        if !path.exists() {
            return Err(vec![
                Diagnostic::error(Rule::Unreadable, "找不到这个文件或目录")
                    .at(Location::file(&name)),
            ]);
        }
        return Err(vec![
            Diagnostic::error(Rule::Unreadable, "不认识的输入类型")
                .at(Location::file(&name))
                .hint("批量输入可以是数据文件所在的目录、Excel 工作簿（.xlsx）或 .csv 文件"),
        ]);
    }
    let limit = (
        limits::TABLE_FILE_BYTES,
        "表格文件的大小",
        "table_file_bytes",
    );
    // The old formats are refused by their name, before their bytes are read.
    let bytes = match ext.as_str() {
        "xls" | "xlsb" | "ods" => Vec::new(),
        _ => crate::disk::read_binary(path, &name, limit).map_err(|d| vec![d])?,
    };
    let mut table = read_bytes(bytes, &name, &ext, sheet)?;
    table.dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    Ok(Input::Table(table))
}

/// What a table file's name ends with, in lower case (`xlsx`, `csv`), as [`read_bytes`] takes it.
pub fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// The extensions [`read_bytes`] knows: a workbook, a CSV file, or an old format it refuses
/// with a hint.
const TABLE_EXTENSIONS: [&str; 8] = ["xlsx", "xlsm", "xls", "xlsb", "ods", "csv", "txt", "tsv"];

/// A table (workbook or CSV) from its bytes, as [`read`] reads a file: `name` is the file name
/// messages give, `ext` its extension in lower case (see [`extension`]). Seal paths are relative
/// to the current directory (`dir` is `.`); the caller sets `dir` when the table has one.
pub fn read_bytes(
    bytes: Vec<u8>,
    name: &str,
    ext: &str,
    sheet: Option<&str>,
) -> Result<Table, Vec<Diagnostic>> {
    let (sheet_name, grid, notes) = match ext {
        "xlsx" | "xlsm" => {
            let (sheet, grid) = read_workbook(bytes, name, sheet).map_err(|d| vec![d])?;
            (sheet, grid, Vec::new())
        }
        // calamine sizes its grids for these by what the file declares, or expands repeated
        // cells without a bound this program could check first; a few bytes could take
        // gigabytes. Every spreadsheet program saves .xlsx.
        "xls" | "xlsb" | "ods" => {
            return Err(vec![
                Diagnostic::error(Rule::Unreadable, format!("不读 .{ext} 格式的工作簿"))
                    .at(Location::file(name))
                    .hint("在 Excel、WPS 或 LibreOffice 中打开，“另存为” Excel 工作簿（.xlsx）"),
            ]);
        }
        "csv" | "txt" | "tsv" => {
            let (grid, notes) = read_csv(bytes, name).map_err(|d| vec![d])?;
            (String::new(), grid, notes)
        }
        _ => {
            return Err(vec![
                Diagnostic::error(Rule::Unreadable, "不认识的表格类型")
                    .at(Location::file(name))
                    .hint("表格可以是 Excel 工作簿（.xlsx）或 .csv 文件"),
            ]);
        }
    };
    let mut table = table_from_grid(name, &sheet_name, grid)?;
    table.dir = PathBuf::from(".");
    table.notes = notes;
    Ok(table)
}

/// A cell as read, before its column says what it should be.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    Empty,
    Text(String),
    Number(f64),
    /// A date-formatted cell: its serial number and, when it is a date, the date.
    Date(f64, Option<Date>),
    Bool(bool),
    /// A formula error such as `#DIV/0!`.
    Error(String),
}

/// The cells of a sheet, read as they stream from the file, within the limits of a sheet.
///
/// The grid starts at A1 and each row is as long as its last filled cell: a cell far down or
/// to the right costs its whole row and column, so the used range (what the cells say, not
/// the `<dimension>` the file declares) is checked before the room is made.
struct Grid<'a> {
    file: &'a str,
    sheet: &'a str,
    rows: Vec<Vec<Raw>>,
    cells: u64,
    text: u64,
}

impl<'a> Grid<'a> {
    fn new(file: &'a str, sheet: &'a str) -> Self {
        Grid {
            file,
            sheet,
            rows: Vec::new(),
            cells: 0,
            text: 0,
        }
    }

    /// Puts a cell at 0-based `(row, col)`; empty cells take no room.
    fn put(&mut self, row: u32, col: u32, raw: Raw) -> Result<(), Diagnostic> {
        if matches!(&raw, Raw::Empty) || matches!(&raw, Raw::Text(t) if t.is_empty()) {
            return Ok(());
        }
        let cell = format!(
            "{}{}",
            column_letters(col.saturating_add(1)),
            u64::from(row) + 1
        );
        let at = Location {
            file: self.file.to_string(),
            line: Some(row.saturating_add(1)),
            column: Some(col.saturating_add(1)),
            sheet: Some(self.sheet.to_string()),
        };
        let fix = "表格只算到最后一个有内容的单元格：删去多余的内容（整行、整列删除），或把报告分到几个文件里";
        if u64::from(row) >= limits::SHEET_ROWS {
            let found = format!("的 {cell} 单元格有内容，在第 {} 行", u64::from(row) + 1);
            let limit = format!("{} 行", limits::SHEET_ROWS);
            return Err(limits::error("表格的行数", "sheet_rows", limit, found)
                .at(at)
                .hint(fix));
        }
        if u64::from(col) >= limits::SHEET_COLUMNS {
            let found = format!("的 {cell} 单元格有内容，在第 {} 列", u64::from(col) + 1);
            let limit = format!("{} 列", limits::SHEET_COLUMNS);
            return Err(limits::error("表格的列数", "sheet_columns", limit, found)
                .at(at)
                .hint(fix));
        }
        if let Raw::Text(t) | Raw::Error(t) = &raw {
            self.text += t.len() as u64;
            if self.text > limits::SHEET_TEXT_BYTES {
                let limit = show_bytes(limits::SHEET_TEXT_BYTES);
                let found = format!("读到 {cell} 单元格时已超过");
                return Err(
                    limits::error("表格文字的总量", "sheet_text_bytes", limit, found).at(at),
                );
            }
        }
        let (row, col) = (row as usize, col as usize);
        if self.rows.len() <= row {
            self.rows.resize_with(row + 1, Vec::new);
        }
        let cells = &mut self.rows[row];
        if cells.len() <= col {
            self.cells += (col + 1 - cells.len()) as u64;
            if self.cells > limits::SHEET_CELLS {
                let limit = format!("{} 个", limits::SHEET_CELLS);
                let found =
                    format!("读到 {cell} 单元格时已超过（每行从 A 列算到最后一个有内容的单元格）");
                return Err(limits::error("表格的单元格数", "sheet_cells", limit, found)
                    .at(at)
                    .hint(fix));
            }
            cells.resize(col + 1, Raw::Empty);
        }
        cells[col] = raw;
        Ok(())
    }
}

/// Whether calamine reads a workbook part whole when it opens the file (relationships, shared
/// strings, styles, the theme), by the names it builds for them; the workbook part itself is
/// named by the package relationships and checked once they are read.
fn held_by_calamine(name: &str) -> bool {
    let name = name.replace('\\', "/").to_ascii_lowercase();
    [".rels", "sharedstrings.xml", "styles.xml", "theme1.xml"]
        .iter()
        .any(|end| name.ends_with(end))
        || name == "xl/workbook.xml"
}

fn read_workbook(
    bytes: Vec<u8>,
    name: &str,
    wanted: Option<&str>,
) -> Result<(String, Vec<Vec<Raw>>), Diagnostic> {
    let fail =
        |message: String| Diagnostic::error(Rule::Unreadable, message).at(Location::file(name));
    let here = |d: Diagnostic| d.at(Location::file(name));
    let not_a_workbook = "确认文件是 Excel 或 WPS 保存的 .xlsx 工作簿，并且没有加密";
    // The container is checked whole before calamine, which trusts it, opens it. Every
    // spreadsheet program starts an .xlsx with a zip entry; anything else (an old .xls, an
    // encrypted workbook) calamine would first try to read as another kind of file.
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(fail("不是 .xlsx 工作簿".into()).hint(not_a_workbook));
    }
    let mut zip =
        crate::container::open(&bytes, ".xlsx").map_err(|d| here(d).hint(not_a_workbook))?;
    let counted = crate::container::check_parts(&mut zip, held_by_calamine).map_err(here)?;
    if let Some(part) = crate::container::main_part(&mut zip).filter(|p| !held_by_calamine(p))
        && let Some(index) = crate::container::find_loosely(&zip, &part)
    {
        let budget = limits::XML_ELEMENTS - counted;
        crate::container::count_part_elements(&mut zip, index, budget).map_err(here)?;
    }
    drop(zip);
    let mut book: calamine::Xlsx<_> = calamine::Xlsx::new(Cursor::new(bytes))
        .map_err(|e| fail(format!("无法读取工作簿（{e}）")).hint(not_a_workbook))?;
    let names = book.sheet_names();
    let sheet = match wanted {
        Some(w) => names
            .iter()
            .find(|n| n.as_str() == w)
            .cloned()
            .ok_or_else(|| {
                fail(format!("工作簿里没有名为「{w}」的工作表"))
                    .hint(format!("工作表有：{}", names.join("、")))
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| fail("工作簿里没有工作表".into()))?,
    };
    let is_1904 = book.has_1904_epoch();
    let unreadable = |e: calamine::XlsxError| fail(format!("无法读取工作表「{sheet}」（{e}）"));
    // Streamed cell by cell: calamine's own range would be sized by the sheet's extent.
    let mut cells = book.worksheet_cells_reader(&sheet).map_err(unreadable)?;
    let mut grid = Grid::new(name, &sheet);
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, col) = cell.get_position();
        grid.put(row, col, raw_cell(cell.get_value(), is_1904))?;
    }
    let rows = grid.rows;
    Ok((sheet, rows))
}

fn raw_cell(data: &DataRef, is_1904: bool) -> Raw {
    match data {
        DataRef::Empty => Raw::Empty,
        DataRef::String(s) => Raw::Text(s.clone()),
        DataRef::SharedString(s) => Raw::Text(s.to_string()),
        DataRef::Int(i) => Raw::Number(*i as f64),
        DataRef::Float(f) => Raw::Number(*f),
        DataRef::Bool(b) => Raw::Bool(*b),
        DataRef::DateTime(dt) => {
            let serial = dt.as_f64();
            let date = if dt.is_datetime() {
                excel_date(serial, is_1904)
            } else {
                None
            };
            Raw::Date(serial, date)
        }
        DataRef::DateTimeIso(s) => match s.get(..10).and_then(Date::parse) {
            Some(d) => Raw::Date(f64::NAN, Some(d)),
            None => Raw::Text(s.clone()),
        },
        DataRef::DurationIso(s) => Raw::Text(s.clone()),
        DataRef::Error(e) => Raw::Error(format!("{e}")),
    }
}

/// The date of an Excel serial number, `None` outside Excel's own range of dates (1900-01-01
/// or 1904-01-01 to 9999-12-31): 0, negative numbers and NaN are no dates, whatever a
/// spreadsheet displays for them.
pub fn excel_date(serial: f64, is_1904: bool) -> Option<Date> {
    if !serial.is_finite() {
        return None;
    }
    let day = serial.floor();
    let unix = if is_1904 {
        // Day 0 is 1904-01-01.
        (0.0..=2_957_003.0)
            .contains(&day)
            .then(|| day as i64 - 24_107)?
    } else {
        match day {
            // Excel counts a 29 February 1900 that never was: day 60. Before it, day 1 is
            // 1900-01-01; after it, the days run from 1899-12-30.
            d if (1.0..60.0).contains(&d) => d as i64 - 25_568,
            d if (61.0..=2_958_465.0).contains(&d) => d as i64 - 25_569,
            _ => return None,
        }
    };
    Date::from_unix_days(unix)
}

/// A CSV file as Excel writes it: UTF-8 with a BOM ("CSV UTF-8"), GBK (plain "CSV" on Chinese
/// Windows) or UTF-16 with tabs ("Unicode 文本").
fn read_csv(bytes: Vec<u8>, name: &str) -> Result<(Vec<Vec<Raw>>, Vec<Diagnostic>), Diagnostic> {
    let mut notes = Vec::new();
    let text = if bytes.starts_with(b"\xEF\xBB\xBF") {
        // A BOM says UTF-8: text that is not is a mistake to report, not to guess around.
        let mut bytes = bytes;
        bytes.drain(..3);
        String::from_utf8(bytes).map_err(|e| {
            let message = crate::disk::not_utf8(e.as_bytes(), e.utf8_error().valid_up_to(), true);
            Diagnostic::error(Rule::Encoding, message)
                .at(Location::file(name))
                .hint("在 Excel 或 WPS 中打开，“另存为”选“CSV UTF-8（逗号分隔）”；或直接使用 .xlsx 工作簿")
        })?
    } else if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (text, _, bad) = encoding_rs::UTF_16LE.decode(&bytes);
        if bad {
            return Err(encoding_error(name, "UTF-16"));
        }
        text.into_owned()
    } else {
        match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let (text, bad) = encoding_rs::GB18030.decode_without_bom_handling(e.as_bytes());
                if bad {
                    return Err(encoding_error(name, "UTF-8 或 GBK"));
                }
                notes.push(
                    Diagnostic::info(
                        Rule::Encoding,
                        "文件不是 UTF-8 编码，已按 GBK（GB18030）编码读取",
                    )
                    .at(Location::file(name))
                    .hint("如有乱码，请在 Excel 中“另存为”选“CSV UTF-8（逗号分隔）”"),
                );
                text.into_owned()
            }
        }
    };
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut grid = Grid::new(name, "");
    let mut record = csv::StringRecord::new();
    for row in 0u32.. {
        let more = reader.read_record(&mut record).map_err(|e| {
            Diagnostic::error(Rule::Syntax, format!("第 {} 行无法解析（{e}）", row + 1))
                .at(Location::file(name))
        })?;
        if !more {
            break;
        }
        // A row of empty fields, as spreadsheet programs save many, is passed over whole.
        if record.as_slice().is_empty() {
            continue;
        }
        for (col, field) in record.iter().enumerate().filter(|(_, f)| !f.is_empty()) {
            let col = u32::try_from(col).unwrap_or(u32::MAX);
            grid.put(row, col, Raw::Text(field.to_string()))?;
        }
    }
    Ok((grid.rows, notes))
}

fn encoding_error(name: &str, tried: &str) -> Diagnostic {
    Diagnostic::error(
        Rule::Encoding,
        format!("无法识别文件的编码（试过 {tried}）"),
    )
    .at(Location::file(name))
    .hint("在 Excel 或 WPS 中打开，“另存为”选“CSV UTF-8（逗号分隔）”；或直接使用 .xlsx 工作簿")
}

/// Finds the header, maps its cells to columns, and types every cell below it.
pub fn table_from_grid(
    file: &str,
    sheet: &str,
    grid: Vec<Vec<Raw>>,
) -> Result<Table, Vec<Diagnostic>> {
    let all = columns::columns();
    let by_name: HashMap<&str, usize> = all
        .iter()
        .enumerate()
        .flat_map(|(i, c)| [(c.key.as_str(), i), (c.label.as_str(), i)])
        .collect();
    let at = |row: usize, col: usize| Location {
        file: file.to_string(),
        line: Some(row as u32 + 1),
        column: Some(col as u32 + 1),
        sheet: Some(sheet.to_string()),
    };
    let whole = || Location {
        sheet: (!sheet.is_empty()).then(|| sheet.to_string()),
        ..Location::file(file)
    };
    let organ = &all[0];
    let header_row = grid.iter().take(HEADER_SEARCH_ROWS).position(|row| {
        row.iter()
            .any(|c| matches!(c, Raw::Text(t) if t.trim() == organ.key || t.trim() == organ.label))
    });
    let Some(header_row) = header_row else {
        return Err(vec![
            Diagnostic::error(
                Rule::Header,
                format!("前 {HEADER_SEARCH_ROWS} 行里找不到表头（含“organ”或“机关全称”的一行）"),
            )
            .at(whole())
            .hint("表头每列写字段名（如 organ、year）或中文名（如 机关全称）；用 nianbao sheet 可生成空白的采集表"),
        ]);
    };

    let mut errors = Vec::new();
    // (grid column, column index)
    let mut mapped: Vec<(usize, usize)> = Vec::new();
    for (col, cell) in grid[header_row].iter().enumerate() {
        let name = match cell {
            Raw::Empty => continue,
            Raw::Text(t) if t.trim().is_empty() => continue,
            Raw::Text(t) => t.trim().to_string(),
            other => raw_text(other),
        };
        match by_name.get(name.as_str()) {
            Some(&c) => {
                if let Some((first, _)) = mapped.iter().find(|(_, m)| *m == c) {
                    errors.push(
                        Diagnostic::error(
                            Rule::Header,
                            format!(
                                "“{name}”一列重复，{}列已有",
                                column_letters(*first as u32 + 1)
                            ),
                        )
                        .at(at(header_row, col))
                        .field(&all[c].key, &all[c].label),
                    );
                } else {
                    mapped.push((col, c));
                }
            }
            None => {
                let mut d = Diagnostic::error(Rule::Header, format!("不认识的列名“{name}”"))
                    .at(at(header_row, col));
                d = match nearest(&name, &all) {
                    Some(c) => d.hint(format!("是否应为 {}（{}）？", c.key, c.label)),
                    None => {
                        d.hint("列名应为 data-format.md 中的字段名或其中文名；不需要的列请删除")
                    }
                };
                errors.push(d);
            }
        }
    }
    let missing: Vec<String> = all
        .iter()
        .enumerate()
        .filter(|(i, c)| c.required && !mapped.iter().any(|(_, m)| m == i))
        .map(|(_, c)| format!("{}（{}）", c.key, c.label))
        .collect();
    if !missing.is_empty() {
        errors.push(
            Diagnostic::error(
                Rule::Header,
                format!("表头缺少必填的列：{}", missing.join("、")),
            )
            .at(Location {
                line: Some(header_row as u32 + 1),
                ..whole()
            })
            .hint("用 nianbao sheet 生成的采集表包含所有列"),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut rows = Vec::new();
    for (r, mut row) in grid.into_iter().enumerate().skip(header_row + 1) {
        // (index into mapped, sheet column) of the non-empty cells.
        let filled: Vec<(usize, usize)> = mapped
            .iter()
            .enumerate()
            .filter(|(_, (col, _))| match row.get(*col) {
                None | Some(Raw::Empty) => false,
                Some(Raw::Text(t)) => !t.trim().is_empty(),
                Some(_) => true,
            })
            .map(|(m, (col, _))| (m, *col))
            .collect();
        if filled.is_empty() {
            continue;
        }
        // A second header row (the keys under the labels, or the labels under the keys).
        let is_header = filled.iter().all(|&(m, col)| {
            let column = &all[mapped[m].1];
            matches!(&row[col], Raw::Text(t) if t.trim() == column.key || t.trim() == column.label)
        });
        if is_header {
            continue;
        }
        let cells = filled
            .into_iter()
            .map(|(m, col)| (m as u32, std::mem::replace(&mut row[col], Raw::Empty)))
            .collect();
        rows.push(Row {
            number: r as u32 + 1,
            cells,
        });
    }
    Ok(Table {
        file: file.to_string(),
        sheet: sheet.to_string(),
        dir: PathBuf::from("."),
        columns: all,
        mapped: mapped.into_iter().map(|(col, c)| (col as u32, c)).collect(),
        rows,
        notes: Vec::new(),
    })
}

/// The key or label closest to a misspelt column name.
fn nearest<'c>(name: &str, columns: &'c [Column]) -> Option<&'c Column> {
    columns
        .iter()
        .map(|c| {
            let score =
                strsim::jaro_winkler(name, &c.key).max(strsim::jaro_winkler(name, &c.label));
            (score, c)
        })
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// A cell as its column's kind wants it. What cannot be converted is passed on as text, so that
/// decoding reports it with the same message a data file would get.
pub fn typed(raw: &Raw, kind: Kind) -> Value {
    match (raw, kind) {
        (Raw::Empty, _) => Value::Null,
        (Raw::Text(t), _) if t.trim().is_empty() => Value::Null,
        (Raw::Text(t), Kind::Text) => Value::String(t.replace("\r\n", "\n")),
        (Raw::Text(t), Kind::Count | Kind::Integer | Kind::Decimal) => {
            let digits: String = t.trim().chars().map(half_width).collect();
            match number_text(&digits) {
                Some(integer) => Value::Number {
                    text: digits,
                    integer,
                },
                None => Value::String(t.clone()),
            }
        }
        (Raw::Text(t), Kind::Date) => {
            let normal: String = t
                .trim()
                .chars()
                .map(|c| if matches!(c, '/' | '.') { '-' } else { c })
                .collect();
            match Date::parse(&normal) {
                Some(d) => Value::Date(d.iso()),
                None => Value::String(t.clone()),
            }
        }
        // An unformatted date serial, as the 1900 date system counts it (a CSV file has no
        // other; a workbook's formatted dates come as `Raw::Date`).
        (Raw::Number(f), Kind::Date) => match excel_date(*f, false) {
            Some(d) => Value::Date(d.iso()),
            None => Value::String(number(*f)),
        },
        // Date-formatted, but no date Excel has (0, a negative number): decoding says so.
        (Raw::Date(f, None), Kind::Date) => Value::String(number(*f)),
        (Raw::Date(_, Some(d)), Kind::Date) => Value::Date(d.iso()),
        (Raw::Date(_, Some(d)), Kind::Text) => Value::String(d.iso()),
        // A date-formatted cell in a column of numbers holds the date's serial number, not
        // what the clerk typed or sees: refused as a date (see `DATE_IN_NUMBER_COLUMN`).
        (Raw::Date(f, d), Kind::Count | Kind::Integer | Kind::Decimal) => {
            Value::Date(d.map_or_else(|| number(*f), Date::iso))
        }
        (Raw::Number(f), Kind::Count | Kind::Integer | Kind::Decimal) if f.is_finite() => {
            Value::Number {
                text: number(*f),
                integer: f.fract() == 0.0,
            }
        }
        (other, _) => Value::String(raw_text(other)),
    }
}

fn raw_text(raw: &Raw) -> String {
    match raw {
        Raw::Empty => String::new(),
        Raw::Text(t) | Raw::Error(t) => t.clone(),
        Raw::Number(f) => number(*f),
        Raw::Date(_, Some(d)) => d.iso(),
        Raw::Date(f, None) => number(*f),
        Raw::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
    }
}

/// A cell's number as digits: spreadsheets store 12 as 12.0, and the report prints 12.
fn number(f: f64) -> String {
    format!("{f}")
}

/// Whether text is a plain number, and if so whether it is an integer.
fn number_text(t: &str) -> Option<bool> {
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(int) && frac.is_none_or(digits)).then_some(frac.is_none())
}

/// Full-width digits and point, as a Chinese input method may type them.
fn half_width(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '．' => '.',
        '－' => '-',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Raw {
        Raw::Text(s.into())
    }

    #[test]
    fn cells_take_their_columns_kind() {
        let int = |t: &str| Value::Number {
            text: t.into(),
            integer: true,
        };
        assert_eq!(typed(&Raw::Number(12.0), Kind::Count), int("12"));
        assert_eq!(typed(&text(" １２ "), Kind::Count), int("12"));
        assert_eq!(
            typed(&Raw::Number(2.5), Kind::Count),
            Value::Number {
                text: "2.5".into(),
                integer: false
            }
        );
        assert_eq!(
            typed(&text("3件"), Kind::Count),
            Value::String("3件".into())
        );
        assert_eq!(typed(&text("-1"), Kind::Count), int("-1"));
        assert_eq!(
            typed(&Raw::Number(100000.0), Kind::Text),
            Value::String("100000".into())
        );
        assert_eq!(typed(&text("  "), Kind::Text), Value::Null);
        assert_eq!(
            typed(&text("2025/1/20"), Kind::Date),
            Value::Date("2025-01-20".into())
        );
        assert_eq!(
            typed(&text("2025年1月20日"), Kind::Date),
            Value::Date("2025-01-20".into())
        );
        // 45677 is 2025-01-20 in Excel's 1900 system.
        assert_eq!(
            typed(&Raw::Number(45677.0), Kind::Date),
            Value::Date("2025-01-20".into())
        );
        assert_eq!(
            typed(&Raw::Error("#DIV/0!".into()), Kind::Count),
            Value::String("#DIV/0!".into())
        );
        assert_eq!(
            typed(&text("第一段\r\n第二段"), Kind::Text),
            Value::String("第一段\n第二段".into())
        );
    }

    fn header_grid(extra: &[&str]) -> Vec<Vec<Raw>> {
        let cols = columns::columns();
        let mut labels: Vec<Raw> = cols.iter().map(|c| text(&c.label)).collect();
        let mut keys: Vec<Raw> = cols.iter().map(|c| text(&c.key)).collect();
        for e in extra {
            labels.push(text(e));
            keys.push(Raw::Empty);
        }
        vec![vec![text("2024年政府信息公开年报数据采集表")], labels, keys]
    }

    #[test]
    fn header_is_found_below_a_title_and_the_key_row_is_skipped() {
        let mut grid = header_grid(&[]);
        grid.push(vec![]);
        grid.push(vec![text("某镇人民政府"), Raw::Number(2024.0)]);
        let table = table_from_grid("t.xlsx", "Sheet1", grid).unwrap();
        assert_eq!(table.rows.len(), 1);
        assert_eq!(table.rows[0].number, 5);
        assert_eq!(table.describe(&table.rows[0]), "t.xlsx「Sheet1」第5行");
    }

    #[test]
    fn unknown_and_missing_columns_are_refused_with_suggestions() {
        let mut grid = header_grid(&["applications.granted.natural_persn", "备注"]);
        let text_col = columns::columns()
            .iter()
            .position(|c| c.key == "text.problems")
            .unwrap();
        grid[1][text_col] = Raw::Empty;
        grid[2][text_col] = Raw::Empty;
        let errors = table_from_grid("t.xlsx", "Sheet1", grid).unwrap_err();
        let shown: Vec<String> = errors.iter().map(|d| d.to_string()).collect();
        assert_eq!(errors.len(), 3, "{shown:#?}");
        assert!(
            shown[0].contains("不认识的列名“applications.granted.natural_persn”"),
            "{}",
            shown[0]
        );
        assert!(
            shown[0].contains("applications.granted.natural_person（三（一）予以公开 · 自然人）"),
            "{}",
            shown[0]
        );
        assert!(
            shown[0].starts_with("t.xlsx「Sheet1」第2行 "),
            "{}",
            shown[0]
        );
        assert!(shown[1].contains("“备注”"), "{}", shown[1]);
        assert!(
            shown[2].contains("text.problems（五、存在的主要问题及改进情况）"),
            "{}",
            shown[2]
        );
    }

    #[test]
    fn csv_in_gbk_and_utf16_is_decoded() {
        let (gbk, _, _) = encoding_rs::GBK.encode("organ,year\n某镇,2024\n");
        let (grid, notes) = read_csv(gbk.into_owned(), "t.csv").unwrap();
        assert_eq!(grid[1][0], text("某镇"));
        assert!(notes[0].message.contains("GBK"));
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "organ\tyear\r\n某镇\t2024\r\n".encode_utf16() {
            utf16.extend(unit.to_le_bytes());
        }
        let (grid, notes) = read_csv(utf16, "t.txt").unwrap();
        assert_eq!(grid[1], vec![text("某镇"), text("2024")]);
        assert!(notes.is_empty());
    }

    #[test]
    fn a_bom_before_gbk_is_an_encoding_error_not_replacement_characters() {
        let mut csv = b"\xEF\xBB\xBForgan,year\n".to_vec();
        csv.extend(encoding_rs::GBK.encode("某镇,2024\n").0.iter());
        let d = read_csv(csv, "t.csv").unwrap_err();
        assert_eq!(d.rule, Rule::Encoding);
        assert_eq!(
            d.to_string().lines().next().unwrap(),
            "t.csv 错误: 文件开头标明是 UTF-8 编码（BOM），但第 2 行（第 17 个字节）起不是 UTF-8，可能是 GBK 编码 [encoding]"
        );
    }

    #[test]
    fn rows_and_columns_count_to_the_last_filled_cell() {
        // Empty rows and cells, however many, take no room and pass the limits.
        let mut csv = "organ,year,,,\n某镇,2024,,,\n".to_string();
        csv.push_str(&",,,\n".repeat(100_000));
        let (grid, _) = read_csv(csv.into_bytes(), "t.csv").unwrap();
        assert_eq!(grid.len(), 2);
        assert_eq!(grid[1].len(), 2);
        // One filled cell past the last row allowed is refused at that cell.
        let mut csv = "organ\n".to_string();
        csv.push_str(&"某镇\n".repeat(limits::SHEET_ROWS as usize));
        let d = read_csv(csv.into_bytes(), "t.csv").unwrap_err();
        assert_eq!(
            d.to_string().lines().next().unwrap(),
            "t.csv 第20001行 A列 错误 sheet_rows（表格的行数）: 超出限度「表格的行数」（sheet_rows）：最多 20000 行，这里的 A20001 单元格有内容，在第 20001 行 [limit]"
        );
        let mut grid = Grid::new("t.xlsx", "Sheet1");
        let d = grid.put(0, 16_383, text("x")).unwrap_err();
        assert_eq!(
            d.message,
            "超出限度「表格的列数」（sheet_columns）：最多 1000 列，这里的 XFD1 单元格有内容，在第 16384 列"
        );
        assert!(grid.rows.is_empty());
    }

    #[test]
    fn excel_serials_outside_excels_dates_are_no_dates() {
        let date = |serial, is_1904| excel_date(serial, is_1904).map(Date::iso);
        assert_eq!(date(1.0, false).as_deref(), Some("1900-01-01"));
        assert_eq!(date(59.0, false).as_deref(), Some("1900-02-28"));
        assert_eq!(date(61.0, false).as_deref(), Some("1900-03-01"));
        assert_eq!(date(44_581.5, false).as_deref(), Some("2022-01-20"));
        assert_eq!(date(2_958_465.0, false).as_deref(), Some("9999-12-31"));
        assert_eq!(date(0.0, true).as_deref(), Some("1904-01-01"));
        for serial in [-1.0, 0.0, 0.5, 60.0, f64::NAN, f64::INFINITY, 2_958_466.0] {
            assert_eq!(date(serial, false), None, "{serial}");
        }
        assert_eq!(date(2_957_004.0, true), None);
        // A date column keeps what is no date as its number, for decoding to refuse.
        assert_eq!(
            typed(&Raw::Date(-1.0, None), Kind::Date),
            Value::String("-1".into())
        );
        assert_eq!(
            typed(&Raw::Number(0.0), Kind::Date),
            Value::String("0".into())
        );
        // A date-formatted count is a date, not its serial number.
        let d = Date::new(1900, 1, 12);
        assert_eq!(
            typed(&Raw::Date(12.0, d), Kind::Count),
            Value::Date("1900-01-12".into())
        );
    }
}
