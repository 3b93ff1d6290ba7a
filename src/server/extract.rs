//! What handlers take from a request: the report an address names, the query string, and the
//! body. Every refusal is an [`ApiError`] in JSON, never axum's plain-text rejections.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
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

/// The query string of the address (`?year=2024&set=ids%3A1%2C2`): its `name=value` pairs in
/// order, percent-decoded, `+` as a space. A pair without `=` has an empty value; empty pairs
/// are left out. An escape that is not two hexadecimal digits (`%zz`), or bytes that are not
/// UTF-8 once decoded, refuse the request: 400 `bad-query`. A `%` without two characters after
/// it is kept as it is.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    /// The query of `uri`.
    pub fn of(uri: &Uri) -> Result<Query, ApiError> {
        Query::parse(uri.query())
    }

    /// A query string (what follows `?`), decoded.
    pub fn parse(query: Option<&str>) -> Result<Query, ApiError> {
        let mut pairs = Vec::new();
        for pair in query.unwrap_or_default().split('&') {
            if pair.is_empty() {
                continue;
            }
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decoded = |text: &str| {
                percent_decoded(text).ok_or_else(|| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "bad-query",
                        format!("地址中的参数“{pair}”无法解码：不是百分号编码的 UTF-8 文字"),
                    )
                    .hint("参数中的汉字等按 UTF-8 百分号编码，如 name=%E5%8E%BF.xlsx（县.xlsx）")
                })
            };
            pairs.push((decoded(name)?, decoded(value)?));
        }
        Ok(Query(pairs))
    }

    /// The value of the first pair named `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs().find(|(key, _)| *key == name).map(|(_, v)| v)
    }

    /// Every pair, in the order of the address.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Query::of(&parts.uri)
    }
}

/// `%E5%8E%BF` and `+` (a space) decoded; `None` when an escape is not hexadecimal or the bytes
/// are not UTF-8.
fn percent_decoded(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        match b {
            b'%' if tail.len() >= 2 => {
                let hex = std::str::from_utf8(&tail[..2]).ok()?;
                if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                    return None;
                }
                bytes.push(u8::from_str_radix(hex, 16).ok()?);
                rest = &tail[2..];
            }
            b'+' => {
                bytes.push(b' ');
                rest = tail;
            }
            _ => {
                bytes.push(b);
                rest = tail;
            }
        }
    }
    String::from_utf8(bytes).ok()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_decoded() {
        assert_eq!(percent_decoded("ids%3A1%2C2").as_deref(), Some("ids:1,2"));
        assert_eq!(percent_decoded("a+b").as_deref(), Some("a b"));
        assert_eq!(percent_decoded("%E6%9F%90").as_deref(), Some("某"));
        assert_eq!(percent_decoded("%4"), Some("%4".into()));
        assert_eq!(percent_decoded("%zz"), None);
        assert_eq!(percent_decoded("%+1"), None);
        assert_eq!(percent_decoded("%FF"), None);
    }

    #[test]
    fn a_query_is_its_decoded_pairs_in_order() {
        let query =
            Query::parse(Some("x=1&name=%E5%8E%BF%E6%B1%87%E6%80%BB.xlsx&&flag&x=2")).unwrap();
        let pairs: Vec<_> = query.pairs().collect();
        assert_eq!(
            pairs,
            [
                ("x", "1"),
                ("name", "县汇总.xlsx"),
                ("flag", ""),
                ("x", "2")
            ]
        );
        assert_eq!(query.get("x"), Some("1"));
        assert_eq!(query.get("y"), None);
        assert_eq!(Query::parse(None).unwrap(), Query::default());
    }

    #[test]
    fn a_query_that_does_not_decode_is_a_bad_request() {
        for bad in ["name=%FF.csv", "year=%zz", "%C3=1"] {
            let refused = Query::parse(Some(bad)).unwrap_err();
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
            assert_eq!(refused.key, "bad-query", "{bad}");
        }
    }
}
