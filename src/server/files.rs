//! `GET /reports/{organ}/{year}.pdf`, `.docx`, `.html`: the current revision of a report made
//! into a file by [`crate::produce`], as `nianbao render` makes it (PDF/A-3b with the data
//! inside). A report with errors is refused with its diagnostics.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::api::refuse_seal;
use super::extract::{FileAt, FileKind};
use super::{ApiError, App, blocking};
use crate::diag::Diagnostic;
use crate::store::{Session, StoreError, User};

pub async fn download(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    at: FileAt,
) -> Result<Response, ApiError> {
    blocking(move || app.file(&session.user, at)).await
}

impl App {
    fn file(&self, user: &User, at: FileAt) -> Result<Response, ApiError> {
        let (organ, year) = (at.report.organ, at.report.year);
        let revision = self
            .store
            .current(user, organ, year)?
            .ok_or(StoreError::NoSuchReport { organ, year })?;
        let loaded = self.check_data(user, &revision.data, Some(organ))?;
        let report = match &loaded.report {
            Some(report) if !loaded.has_errors() => report,
            _ => {
                let errors: Vec<Diagnostic> = loaded
                    .diagnostics
                    .iter()
                    .filter(|d| d.is_error())
                    .cloned()
                    .collect();
                return Err(ApiError::unprocessable(
                    "report-has-errors",
                    format!("第 {} 版报告数据有错误，不能生成文件", revision.info.n),
                    &errors,
                ));
            }
        };
        let refused = |diagnostics: &[Diagnostic]| {
            ApiError::unprocessable("output", "无法生成这个文件", diagnostics)
        };
        let targets = crate::Targets {
            pdf: at.kind == FileKind::Pdf,
            docx: at.kind == FileKind::Docx,
            html: (at.kind == FileKind::Html)
                .then_some(crate::html::HtmlOptions { fragment: false }),
        };
        let setup = crate::Setup {
            template: &self.template,
            fonts: &self.fonts,
            targets,
            pdf: &self.pdf,
            docx_embed_fonts: false,
            sign: None,
            sign_invisible: false,
        };
        let products = crate::make(report, &loaded.source, refuse_seal, &setup)
            .map_err(|unmade| refused(&unmade.into_diagnostics()))?;
        let (bytes, content_type) = match at.kind {
            FileKind::Pdf => (products.pdf.map(|(b, _)| b), "application/pdf"),
            FileKind::Docx => (
                products.docx,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            FileKind::Html => (
                products.html.map(String::into_bytes),
                "text/html; charset=utf-8",
            ),
        };
        let bytes = bytes.ok_or_else(|| ApiError::internal("没有生成所要的文件"))?;
        let name = crate::batch::names::safe_file_name(&format!("{year}-{}", report.organ));
        let mut response = (
            StatusCode::OK,
            [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            bytes,
        )
            .into_response();
        let headers = response.headers_mut();
        let disposition = content_disposition(at.kind, &name, year)?;
        headers.insert(header::CONTENT_DISPOSITION, disposition);
        if at.kind == FileKind::Html {
            // The page is the report's own text: nothing in it may run or load anything.
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'",
                ),
            );
        }
        Ok(response)
    }
}

/// `inline` for what a browser shows (the PDF, the page), `attachment` for the .docx.
fn content_disposition(kind: FileKind, name: &str, year: u16) -> Result<HeaderValue, ApiError> {
    let ext = kind.extension();
    disposition(
        kind != FileKind::Docx,
        &format!("{name}.{ext}"),
        &format!("{year}-report.{ext}"),
    )
}

/// A `Content-Disposition` naming `file` in UTF-8 (RFC 6266 `filename*`), with the plain
/// ASCII `fallback` for old clients; shown in the browser when `inline`, else saved. Every
/// download of the server names its file with it.
pub(super) fn disposition(
    inline: bool,
    file: &str,
    fallback: &str,
) -> Result<HeaderValue, ApiError> {
    let how = if inline { "inline" } else { "attachment" };
    let mut encoded = String::new();
    for byte in file.bytes() {
        let plain = byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte);
        if plain {
            encoded.push(byte as char);
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    let value = format!("{how}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}");
    HeaderValue::from_str(&value).map_err(|_| ApiError::internal("文件名无法写入响应头"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_is_given_in_utf8_and_in_ascii() {
        let value = content_disposition(FileKind::Pdf, "2024-某镇 人民政府", 2024).unwrap();
        assert_eq!(
            value.to_str().unwrap(),
            "inline; filename=\"2024-report.pdf\"; filename*=UTF-8''2024-%E6%9F%90%E9%95%87%20%E4%BA%BA%E6%B0%91%E6%94%BF%E5%BA%9C.pdf"
        );
        let docx = content_disposition(FileKind::Docx, "a", 2024).unwrap();
        assert!(docx.to_str().unwrap().starts_with("attachment; "));
    }
}
