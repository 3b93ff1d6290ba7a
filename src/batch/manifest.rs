//! The manifests a county archives with the reports: `manifest.json` for programs,
//! `manifest.csv` for Excel (UTF-8 with a BOM, so that Excel shows the Chinese). One entry per
//! input, in input order, whatever became of it.
//!
//! The CSV's cells come from the data (organ names, file names, messages quoting cells), so a
//! cell that a spreadsheet program would take for a formula (beginning with `=`, `+`, `-`, `@`,
//! a tab or a carriage return) is written with a `'` before it, as the programs themselves
//! mark text: `=cmd|' /C calc'!A0` shows as text, not as a command.

use std::path::Path;

use serde::Serialize;

use super::{Outcome, Status, Summary};

/// What the batch was asked to do.
#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    /// The batch input as given.
    pub input: String,
    pub pattern: String,
    pub formats: Vec<&'static str>,
}

#[derive(Serialize)]
struct Json<'a> {
    generator: String,
    #[serde(flatten)]
    meta: &'a Meta,
    total: usize,
    done: usize,
    invalid: usize,
    failed: usize,
    skipped: usize,
    reports: &'a [Outcome],
}

/// How `manifest.json` begins (see [`json`]): what tells nianbao's manifest from a data file.
const JSON_START: &[u8] = b"{\n  \"generator\": \"nianbao ";

/// Whether `path` is a `manifest.json` nianbao wrote.
pub fn is_manifest(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == super::MANIFESTS[0])
        && crate::disk::starts_with(path, JSON_START)
}

pub fn json(summary: &Summary, meta: &Meta) -> String {
    let manifest = Json {
        generator: format!("nianbao {}", env!("CARGO_PKG_VERSION")),
        meta,
        total: summary.outcomes.len(),
        done: summary.count(Status::Done),
        invalid: summary.count(Status::Invalid),
        failed: summary.count(Status::Failed),
        skipped: summary.count(Status::Skipped),
        reports: &summary.outcomes,
    };
    let mut text = serde_json::to_string_pretty(&manifest).expect("the manifest serialises");
    text.push('\n');
    text
}

const CSV_HEADER: [&str; 16] = [
    "序号",
    "来源",
    "机关",
    "年度",
    "状态",
    "页数",
    "PDF 文件",
    "PDF 字节数",
    "PDF SHA-256",
    "DOCX 文件",
    "DOCX 字节数",
    "DOCX SHA-256",
    "HTML 文件",
    "HTML 字节数",
    "HTML SHA-256",
    "问题",
];

pub fn csv(summary: &Summary) -> String {
    let rows = summary.outcomes.iter().enumerate().map(|(i, o)| {
        let output = |format: &str| o.outputs.iter().find(|f| f.format == format);
        let file_columns = |format: &str| match output(format) {
            Some(f) => [f.file.clone(), f.size.to_string(), f.sha256.clone()],
            None => Default::default(),
        };
        let problems: Vec<String> = o.diagnostics.iter().map(|d| d.to_string()).collect();
        let mut record = vec![
            (i + 1).to_string(),
            o.input.clone(),
            o.organ.clone().unwrap_or_default(),
            o.year.map(|y| y.to_string()).unwrap_or_default(),
            o.status.zh().to_string(),
            o.pages.map(|p| p.to_string()).unwrap_or_default(),
        ];
        record.extend(file_columns("pdf"));
        record.extend(file_columns("docx"));
        record.extend(file_columns("html"));
        record.push(problems.join("\n"));
        record
    });
    spreadsheet_csv(&CSV_HEADER, rows)
}

/// A CSV file for Excel: UTF-8 with a BOM, every cell written as text (see [`as_text`]).
pub fn spreadsheet_csv(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = writer.write_record(header);
    for record in rows {
        let _ = writer.write_record(record.iter().map(|cell| as_text(cell)));
    }
    let bytes = writer.into_inner().unwrap_or_default();
    format!("\u{FEFF}{}", String::from_utf8_lossy(&bytes))
}

/// A cell a spreadsheet program shows as the text it is: one it would read as a formula gets a
/// `'` before it (OWASP's advice on CSV injection, and how Excel itself marks text).
fn as_text(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_are_written_as_text() {
        for (cell, written) in [
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("+SUM(1)", "'+SUM(1)"),
            ("-1+2", "'-1+2"),
            ("@cmd", "'@cmd"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("某镇人民政府", "某镇人民政府"),
            ("a=1", "a=1"),
            ("", ""),
        ] {
            assert_eq!(as_text(cell), written);
        }
    }
}
