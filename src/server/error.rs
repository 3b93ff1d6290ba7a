//! What the server answers when it does not do what was asked: a status, and as JSON
//! `{"error": {"key", "message", "hint"}}` (the English key for programs, the message and the
//! hint in Chinese for the clerk), with whatever else the refusal carries beside `error`
//! (the diagnostics of data that cannot be saved, both versions of a conflict).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::ser::SerializeMap as _;
use serde_json::value::RawValue;

use crate::diag::Diagnostic;
use crate::store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub key: &'static str,
    pub message: String,
    pub hint: Option<String>,
    /// Fields of the answer beside `error`, as JSON text: a report's data goes through as it
    /// was stored, a fee's digits kept.
    pub extra: Vec<(&'static str, Box<RawValue>)>,
    /// Seconds before trying again is worth it (`Retry-After`).
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
struct Body<'a> {
    key: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'a str>,
}

impl ApiError {
    pub fn new(status: StatusCode, key: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            key,
            message: message.into(),
            hint: None,
            extra: Vec::new(),
            retry_after: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> ApiError {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a field beside `error`.
    pub fn with(mut self, key: &'static str, value: impl Serialize) -> ApiError {
        let text = serde_json::to_string(&value).unwrap_or_else(|_| "null".into());
        if let Ok(raw) = RawValue::from_string(text) {
            self.extra.push((key, raw));
        }
        self
    }

    /// No session, or one that has expired or ended.
    pub fn not_signed_in() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "not-signed-in",
            "没有登录，或登录已过期",
        )
        .hint("重新登录：POST /api/login")
    }

    /// A request that changes something without the session's CSRF token.
    pub fn csrf() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "请求缺少 X-CSRF-Token 请求头，或它与本次登录的不一致",
        )
        .hint("把登录时返回的 csrf 放在 X-CSRF-Token 请求头中；重新登录后要用新的")
    }

    /// An address the server does not have.
    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", "没有这个地址")
            .hint("报告的地址是 /api/reports/机关编号/年度，如 /api/reports/3/2024")
    }

    /// A request whose body is not what the route takes.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad-request", message)
    }

    /// Data that cannot be used as it is, and the diagnostics that say why.
    pub fn unprocessable(
        key: &'static str,
        message: impl Into<String>,
        diagnostics: &[Diagnostic],
    ) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, key, message)
            .with("diagnostics", diagnostics)
    }

    /// A failure of the server itself (a task that panicked, the disk): said, and logged.
    pub fn internal(what: impl Into<String>) -> ApiError {
        let what = what.into();
        eprintln!("错误: 服务器内部错误：{what}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("服务器内部错误：{what}"),
        )
        .hint("这是 nianbao 的缺陷或服务器的故障，请把这条消息告诉管理员")
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        use StoreError::*;
        let status = match &e {
            BadCredentials { .. } => StatusCode::UNAUTHORIZED,
            Forbidden => StatusCode::FORBIDDEN,
            NoSuchReport { .. } | NoSuchRevision { .. } | NoSuchOrgan(_) | UnknownOrgan(_) => {
                StatusCode::NOT_FOUND
            }
            Conflict { .. }
            | OrganExists(_)
            | LoginExists(_)
            | WrongStatus { .. }
            | NotImportable { .. }
            | ImportHasErrors { .. } => StatusCode::CONFLICT,
            // An approved report: 423, not 409, so that a page tells it from a save conflict.
            Locked => StatusCode::LOCKED,
            DataTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            TooManyFailures { .. } => StatusCode::TOO_MANY_REQUESTS,
            Busy => StatusCode::SERVICE_UNAVAILABLE,
            BadData(_)
            | BadName(_)
            | PasswordMissing
            | PasswordTooShort { .. }
            | PasswordTooLong { .. }
            | ClerkWithoutOrgan
            | HasErrors { .. }
            | WarningsNotAcknowledged { .. }
            | CommentMissing => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            eprintln!("错误: {e} [{}]", e.key());
        }
        let retry_after = match &e {
            TooManyFailures { wait } => Some(wait.as_secs().max(1)),
            Busy => Some(1),
            _ => None,
        };
        ApiError {
            status,
            key: e.key(),
            message: e.to_string(),
            hint: e.hint(),
            extra: Vec::new(),
            retry_after,
        }
    }
}

impl Serialize for ApiError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1 + self.extra.len()))?;
        let body = Body {
            key: self.key,
            message: &self.message,
            hint: self.hint.as_deref(),
        };
        map.serialize_entry("error", &body)?;
        for (key, value) in &self.extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = super::json(self.status, &self);
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
