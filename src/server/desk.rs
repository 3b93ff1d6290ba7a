//! The county desk (issue 18): every organ's report for a year with where it stands, for
//! admins, as JSON for the page and as CSV or .xlsx for a spreadsheet; and the year's deadline.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::extract::TextBody;
use super::files::disposition;
use super::{ApiError, App, blocking, json};
use crate::batch::sheet::{ListCell, listing};
use crate::model::Date;
use crate::store::{Desk, DeskRow, Need, Session, Standing, authorize, beijing_time};

/// The desk's columns in a spreadsheet, in order.
const HEADER: [&str; 13] = [
    "机关",
    "上级机关",
    "年度",
    "状态",
    "逾期",
    "版本",
    "错误",
    "警告",
    "最后更改时间（北京时间）",
    "最后更改人",
    "最后操作",
    "退回意见",
    "提交期限",
];

/// `GET /api/desk`: the desk of the year whose reports are due now.
pub async fn current(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
) -> Result<Response, ApiError> {
    blocking(move || {
        let year = app.store.desk_year();
        let desk = app.store.desk(&session.user, year)?;
        Ok(json(StatusCode::OK, &Page::of(&desk)))
    })
    .await
}

/// `GET /api/desk/{year}`.
pub async fn of_year(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    Path(year): Path<String>,
) -> Result<Response, ApiError> {
    let year = year_of(&year)?;
    blocking(move || {
        let desk = app.store.desk(&session.user, year)?;
        Ok(json(StatusCode::OK, &Page::of(&desk)))
    })
    .await
}

/// `GET /desk/{year}.csv` or `.xlsx`: the desk as a spreadsheet, one row per organ.
pub async fn download(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let (year, extension) = file.rsplit_once('.').ok_or_else(ApiError::not_found)?;
    let year = year_of(year)?;
    let (xlsx, extension) = match extension {
        "csv" => (false, "csv"),
        "xlsx" => (true, "xlsx"),
        _ => return Err(ApiError::not_found()),
    };
    blocking(move || {
        let desk = app.store.desk(&session.user, year)?;
        let names = organ_names(&desk);
        let rows = desk.rows.iter().map(|row| cells(row, &desk, &names));
        let (kind, bytes) = if xlsx {
            let rows: Vec<Vec<ListCell>> = rows.collect();
            let bytes = listing("报告总览", &HEADER, &rows)
                .map_err(|d| ApiError::internal(d.to_string()))?;
            (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                bytes,
            )
        } else {
            let text = rows.map(|row| row.into_iter().map(text_of).collect());
            let csv = crate::batch::manifest::spreadsheet_csv(&HEADER, text);
            ("text/csv; charset=utf-8", csv.into_bytes())
        };
        let name = format!("{year}年度报告总览.{extension}");
        let fallback = format!("{year}-desk.{extension}");
        Ok((
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
                (
                    header::CONTENT_DISPOSITION,
                    disposition(false, &name, &fallback)?,
                ),
            ],
            bytes,
        )
            .into_response())
    })
    .await
}

/// `PUT /api/desk/{year}/deadline` `{due: "YYYY-MM-DD"}`: the last day to hand in the
/// year's reports → the desk. 422 for a date that is none or lies before the year ends.
pub async fn set_deadline(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    Path(year): Path<String>,
    TextBody(body): TextBody,
) -> Result<Response, ApiError> {
    let year = year_of(&year)?;
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Deadline {
        due: String,
    }
    blocking(move || {
        let user = &session.user;
        authorize(user, Need::Admin)?;
        let request: Deadline = serde_json::from_str(&body).map_err(|e| {
            ApiError::bad_request(format!("请求的内容应为 {{\"due\": \"YYYY-MM-DD\"}}：{e}"))
        })?;
        let due = Date::parse(request.due.trim())
            .filter(|d| d.year > year)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "bad-deadline",
                    format!("提交期限「{}」不是 {} 年之后的日期", request.due, year),
                )
                .hint(format!("写成 YYYY-MM-DD，如 {}-01-20", year + 1))
            })?;
        app.write(|store| store.set_deadline(user, year, due))?;
        let desk = app.store.desk(user, year)?;
        Ok(json(StatusCode::OK, &Page::of(&desk)))
    })
    .await
}

/// A year in an address: four digits within the years reports exist for.
fn year_of(text: &str) -> Result<u16, ApiError> {
    text.parse::<u16>()
        .ok()
        .filter(|y| text.len() == 4 && (2000..=2100).contains(y))
        .ok_or_else(ApiError::not_found)
}

/// The desk as the page reads it: with each standing's name, and each parent's.
#[derive(Serialize)]
struct Page<'a> {
    #[serde(flatten)]
    desk: &'a Desk,
    /// Every standing, in the order the page lists them, with its Chinese name.
    standings: Vec<(Standing, &'static str)>,
    parents: Vec<Option<&'a str>>,
}

impl<'a> Page<'a> {
    fn of(desk: &'a Desk) -> Self {
        let names = organ_names(desk);
        Page {
            desk,
            standings: Standing::ALL.iter().map(|s| (*s, s.label())).collect(),
            parents: desk
                .rows
                .iter()
                .map(|row| row.parent.and_then(|p| names.get(&p.0).copied()))
                .collect(),
        }
    }
}

fn organ_names(desk: &Desk) -> std::collections::HashMap<i64, &str> {
    desk.rows
        .iter()
        .map(|row| (row.organ.0, row.organ_name.as_str()))
        .collect()
}

/// One organ's line of the spreadsheet, in [`HEADER`]'s order.
fn cells(
    row: &DeskRow,
    desk: &Desk,
    names: &std::collections::HashMap<i64, &str>,
) -> Vec<ListCell> {
    let text = |s: &str| ListCell::Text(s.to_string());
    let number = |n: Option<u32>| n.map_or(ListCell::Empty, |n| ListCell::Number(n.into()));
    let started = row.revision.is_some();
    let change = row.last_change.as_ref();
    vec![
        text(&row.organ_name),
        row.parent
            .and_then(|p| names.get(&p.0))
            .map_or(ListCell::Empty, |name| text(name)),
        ListCell::Number(desk.year.into()),
        text(row.standing.label()),
        text(if row.overdue { "是" } else { "" }),
        number(row.revision),
        number(started.then_some(row.counts.errors)),
        number(started.then_some(row.counts.warnings)),
        change.map_or(ListCell::Empty, |c| text(&beijing_time(c.at))),
        change.map_or(ListCell::Empty, |c| {
            text(c.user.as_deref().unwrap_or("（服务器控制台）"))
        }),
        change.map_or(ListCell::Empty, |c| text(c.action.label())),
        row.return_comment.as_deref().map_or(ListCell::Empty, &text),
        text(&desk.deadline),
    ]
}

fn text_of(cell: ListCell) -> String {
    match cell {
        ListCell::Text(s) => s,
        ListCell::Number(n) => n.to_string(),
        ListCell::Empty => String::new(),
    }
}
