//! The pages: `/` (sign in, the list of reports), `/form/{organ}/{year}` (one report's form)
//! and `/desk` (the county desk), with their style sheets and scripts under `/assets/`, all
//! inside the program. The pages are shells without data: their scripts ask the JSON API for everything,
//! so they need no session to be served, and each is sent with a Content-Security-Policy that
//! lets only the server's own files run or load.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::extract::ReportAt;
use super::{ApiError, App};

const INDEX_HTML: &str = include_str!("assets/index.html");
const DESK_HTML: &str = include_str!("assets/desk.html");
const BULK_HTML: &str = include_str!("assets/bulk.html");

/// What `/assets/{name}` serves: (name, content type, text).
const ASSETS: [(&str, &str, &str); 7] = [
    ("app.css", CSS, include_str!("assets/app.css")),
    ("app.js", JS, include_str!("assets/app.js")),
    ("index.js", JS, include_str!("assets/index.js")),
    ("form.js", JS, include_str!("assets/form.js")),
    ("desk.js", JS, include_str!("assets/desk.js")),
    ("rollup.js", JS, include_str!("assets/rollup.js")),
    ("bulk.js", JS, include_str!("assets/bulk.js")),
];

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// Nothing but the server's own scripts, style sheets, images and API; no inline script or
/// style, no plugin, no other site framing the page or receiving a form.
const POLICY: &str = "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'self'; frame-ancestors 'self'";

pub(super) fn page(html: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, POLICY),
        ],
        html,
    )
        .into_response()
}

/// `/`: signing in, then the reports this account may see.
pub async fn index() -> Response {
    page(INDEX_HTML.to_string())
}

/// `/desk`: the county desk, every organ's report for a year (its script asks the API, which
/// refuses all but admins).
pub async fn desk() -> Response {
    page(DESK_HTML.to_string())
}

/// `/bulk`: an admin's workbook import and export of approved reports (the script asks the
/// API, which refuses a clerk).
pub async fn bulk() -> Response {
    page(BULK_HTML.to_string())
}

/// `/form/{organ}/{year}`: the form of one report (the script loads it, or begins a new one).
pub async fn form(State(app): State<Arc<App>>, _at: ReportAt) -> Result<Response, ApiError> {
    match &app.form {
        Ok(form) => Ok(page(form.html.clone())),
        Err(e) => Err(ApiError::internal(format!("填报页面无法生成：{e}"))),
    }
}

/// `/assets/{name}`: the pages' style sheets and scripts; `tables.css` holds the widths of
/// the form's table columns, as the template gives them.
pub async fn asset(State(app): State<Arc<App>>, Path(name): Path<String>) -> Response {
    if name == "tables.css" {
        let css = app.form.as_ref().map(|f| f.css.clone()).unwrap_or_default();
        return ([(header::CONTENT_TYPE, HeaderValue::from_static(CSS))], css).into_response();
    }
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, kind, text)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, HeaderValue::from_static(kind))],
            *text,
        )
            .into_response(),
        None => ApiError::not_found().into_response(),
    }
}
