//! What handlers take from a request: the report an address names, and the body. Every
//! refusal is an [`ApiError`] in JSON, never axum's plain-text rejections.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::ApiError;
use crate::store::OrganId;

/// The parameters of the matched route, by name.
async fn params(parts: &mut Parts) -> Result<Vec<(String, String)>, ApiError> {
    Path::<Vec<(String, String)>>::from_request_parts(parts, &())
        .await
        .map(|Path(params)| params)
        .map_err(|_| ApiError::not_found())
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// `organ` as an organ's id: digits only (an address that is not one is not found).
fn organ_of(params: &[(String, String)]) -> Result<OrganId, ApiError> {
    param(params, "organ")
        .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|id| id.parse().ok())
        .map(OrganId)
        .ok_or_else(ApiError::not_found)
}

fn number<T: std::str::FromStr>(text: Option<&str>) -> Result<T, ApiError> {
    text.filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|t| t.parse().ok())
        .ok_or_else(ApiError::not_found)
}

/// `/api/reports/{organ}/{year}`: an organ's report of a year.
#[derive(Debug, Clone, Copy)]
pub struct ReportAt {
    pub organ: OrganId,
    pub year: u16,
}

impl<S: Send + Sync> FromRequestParts<S> for ReportAt {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let params = params(parts).await?;
        Ok(ReportAt {
            organ: organ_of(&params)?,
            year: number(param(&params, "year"))?,
        })
    }
}

/// `…/revisions/{n}`: one revision of a report.
#[derive(Debug, Clone, Copy)]
pub struct RevisionAt {
    pub report: ReportAt,
    pub n: u32,
}

impl<S: Send + Sync> FromRequestParts<S> for RevisionAt {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let report = ReportAt::from_request_parts(parts, state).await?;
        let params = params(parts).await?;
        Ok(RevisionAt {
            report,
            n: number(param(&params, "n"))?,
        })
    }
}

/// The kinds of file a report is made into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Docx,
    Html,
}

impl FileKind {
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Docx => "docx",
            FileKind::Html => "html",
        }
    }
}

/// `/reports/{organ}/{year}.pdf` (or `.docx`, `.html`): a report as a file.
#[derive(Debug, Clone, Copy)]
pub struct FileAt {
    pub report: ReportAt,
    pub kind: FileKind,
}

impl<S: Send + Sync> FromRequestParts<S> for FileAt {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let params = params(parts).await?;
        let file = param(&params, "file").unwrap_or_default();
        let (year, extension) = file.rsplit_once('.').ok_or_else(ApiError::not_found)?;
        let kind = [FileKind::Pdf, FileKind::Docx, FileKind::Html]
            .into_iter()
            .find(|k| k.extension() == extension)
            .ok_or_else(ApiError::not_found)?;
        Ok(FileAt {
            report: ReportAt {
                organ: organ_of(&params)?,
                year: number(Some(year))?,
            },
            kind,
        })
    }
}

/// A request body of JSON, read as `T`.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = body(request, state).await?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| {
            ApiError::bad_request(format!("请求的内容不是这个地址所需的 JSON：{e}"))
                .hint("接口和各自的请求内容见 README.md「The filing server」")
        })
    }
}

/// A request body of text (UTF-8).
pub struct TextBody(pub String);

impl<S: Send + Sync> FromRequest<S> for TextBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = body(request, state).await?;
        String::from_utf8(bytes.to_vec())
            .map(TextBody)
            .map_err(|_| ApiError::bad_request("请求的内容不是 UTF-8 文字"))
    }
}

/// The whole body, within the limit.
async fn body<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection: BytesRejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                let limit = crate::limits::SERVER_BODY_BYTES;
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body-too-large",
                    format!(
                        "请求的内容太大，超出限度「请求内容的大小」（server_body_bytes）：最多 {}",
                        crate::limits::show_bytes(limit)
                    ),
                )
                .hint("一份报告的数据只有几 KB；确认发送的是报告数据")
            } else {
                ApiError::bad_request("无法读取请求的内容")
            }
        })
}
