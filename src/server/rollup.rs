//! The county roll-up (汇总, issue 18) over HTTP, for admins: `GET /api/rollup` (the sum as
//! JSON, who is in it and who is not, each parent against its children), the same as a
//! workbook or a data file (`GET /rollup/{year}.xlsx`, `.toml`), and the page `/rollup`.
//! Adding up is [`crate::rollup`]'s; the reports are read by the store.
//!
//! The query ([`Query`]: percent-decoded, 400 `bad-query` when it does not decode): `year`
//! (required on `/api/rollup`, in the address of a download), `set` (`all`, the default;
//! `children:ID`; `ids:1,2,3`) and `only` (`approved`, the default, or `all`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde::Serialize;

use super::extract::Query;
use super::files::disposition;
use super::{ApiError, App, blocking, json};
use crate::model::Format;
use crate::rollup::{self, Only, RollUp, Set};
use crate::store::{Need, Organ, Session, StoreError, User, authorize};

/// What a roll-up is asked for.
struct Asked {
    year: u16,
    set: Set,
    only: Only,
}

fn unprocessable(key: &'static str, message: String, hint: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, key, message).hint(hint)
}

fn year_of(text: &str) -> Result<u16, ApiError> {
    let years = Format::default().years();
    text.parse::<u16>()
        .ok()
        .filter(|y| text.bytes().all(|b| b.is_ascii_digit()) && years.contains(&i64::from(*y)))
        .ok_or_else(|| {
            unprocessable(
                "bad-year",
                format!(
                    "年度应为 {} 至 {} 之间的年份，而不是“{text}”",
                    years.start(),
                    years.end()
                ),
                "如 year=2024",
            )
        })
}

impl Asked {
    /// What `query` asks for; `year` from the address when it has one.
    fn of(query: &Query, year: Option<u16>) -> Result<Asked, ApiError> {
        let mut asked = Asked {
            year: year.unwrap_or(0),
            set: Set::All,
            only: Only::default(),
        };
        let mut year_given = year.is_some();
        for (name, value) in query.pairs() {
            match name {
                "year" if year.is_none() => {
                    asked.year = year_of(value)?;
                    year_given = true;
                }
                "set" => {
                    asked.set = Set::parse(value).ok_or_else(|| {
                        unprocessable(
                            "bad-set",
                            format!("汇总范围“{value}”无法识别"),
                            "写 set=all（全部机关）、set=children:机关编号（它的下级机关）或 set=ids:1,2,3（指定的机关）",
                        )
                    })?;
                }
                "only" => {
                    asked.only = Only::parse(value).ok_or_else(|| {
                        unprocessable(
                            "bad-only",
                            format!("“{value}”无法识别：只能汇总已通过的报告或全部已保存的报告"),
                            "写 only=approved（只含已通过的，默认）或 only=all（全部已保存的）",
                        )
                    })?;
                }
                _ => {}
            }
        }
        if !year_given {
            return Err(unprocessable(
                "bad-year",
                "没有写汇总哪一年度".into(),
                "如 /api/rollup?year=2024",
            ));
        }
        Ok(asked)
    }

    /// The query as a download's address takes it.
    fn params(&self) -> String {
        format!("set={}&only={}", self.set.code(), self.only.code())
    }
}

/// The answer of `GET /api/rollup`: the roll-up, every organ (for the page's chooser) and the
/// addresses of its files.
#[derive(Serialize)]
struct Answer<'a> {
    #[serde(flatten)]
    rollup: &'a RollUp,
    organs: &'a [Organ],
    xlsx: String,
    toml: String,
}

impl App {
    /// The roll-up `user` (an admin) asks for.
    fn rollup(&self, user: &User, query: &Asked) -> Result<(RollUp, Vec<Organ>), ApiError> {
        authorize(user, Need::Admin)?;
        let organs = self.store.organs()?;
        let members = query
            .set
            .members(&organs)
            .map_err(StoreError::NoSuchOrgan)?;
        let reports =
            (self.store).year_reports(user, query.year, &rollup::to_read(&members, &organs))?;
        let rollup = rollup::roll_up(query.year, &query.set, query.only, &organs, &reports)
            .map_err(StoreError::NoSuchOrgan)?;
        Ok((rollup, organs))
    }
}

/// The roll-up's routes: the page for anyone (a shell, as the other pages), the data and the
/// files for a session.
pub fn routes(app: Arc<App>) -> Router<Arc<App>> {
    let signed_in = Router::new()
        .route("/api/rollup", get(data))
        .route("/rollup/{file}", get(download))
        .route_layer(axum::middleware::from_fn_with_state(
            app,
            super::session::required,
        ));
    Router::new().route("/rollup", get(page)).merge(signed_in)
}

/// `GET /api/rollup?year=…&set=…&only=…`.
pub async fn data(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    query: Query,
) -> Result<Response, ApiError> {
    blocking(move || {
        let asked = Asked::of(&query, None)?;
        let (rollup, organs) = app.rollup(&session.user, &asked)?;
        let params = asked.params();
        let answer = Answer {
            rollup: &rollup,
            organs: &organs,
            xlsx: format!("/rollup/{}.xlsx?{params}", asked.year),
            toml: format!("/rollup/{}.toml?{params}", asked.year),
        };
        Ok(json(StatusCode::OK, &answer))
    })
    .await
}

/// `GET /rollup/{year}.xlsx` or `.toml`, with `set` and `only` as for `/api/rollup`.
pub async fn download(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    Path(file): Path<String>,
    query: Query,
) -> Result<Response, ApiError> {
    let (year, extension) = file.rsplit_once('.').ok_or_else(ApiError::not_found)?;
    let (xlsx, extension) = match extension {
        "xlsx" => (true, "xlsx"),
        "toml" => (false, "toml"),
        _ => return Err(ApiError::not_found()),
    };
    if year.is_empty() || !year.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::not_found());
    }
    let year = year_of(year)?;
    blocking(move || {
        let asked = Asked::of(&query, Some(year))?;
        let (rollup, _) = app.rollup(&session.user, &asked)?;
        let (bytes, content_type) = if xlsx {
            let bytes = rollup::xlsx(&rollup)
                .map_err(|d| ApiError::unprocessable("output", "无法生成工作簿", &[d]))?;
            (
                bytes,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        } else {
            (
                rollup::toml(&rollup).into_bytes(),
                "application/toml; charset=utf-8",
            )
        };
        let name = crate::batch::names::safe_file_name(&format!("{year}-{}汇总", rollup.title));
        let mut response = (
            StatusCode::OK,
            [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            bytes,
        )
            .into_response();
        let value = disposition(
            false,
            &format!("{name}.{extension}"),
            &format!("{year}-rollup.{extension}"),
        )?;
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
        Ok(response)
    })
    .await
}

/// `/rollup`: the page (a shell; its script asks `/api/rollup`).
pub async fn page(State(app): State<Arc<App>>) -> Result<Response, ApiError> {
    match &app.form {
        Ok(form) => Ok(super::pages::page(form.rollup.clone())),
        Err(e) => Err(ApiError::internal(format!("汇总页面无法生成：{e}"))),
    }
}
