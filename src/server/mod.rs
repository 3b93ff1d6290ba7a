//! `nianbao serve`: the filing server (issue 17) over HTTP, its JSON API and the report files.
//! The only module that uses the web framework (axum on tokio).
//!
//! Thin by design: a handler takes the request apart, calls [`crate::store`] (accounts,
//! sessions, revisions, who may do what), [`crate::check::report`] (the same check as
//! `nianbao check`) or [`crate::produce`] (the same files as `nianbao render`), and turns the
//! result or the refusal into JSON. That work blocks (SQLite, the rules, laying out a PDF), so
//! it runs on tokio's blocking pool, and a handler that panics fails its request, not the
//! server.
//!
//! Routes are in [`router`]; `README.md` lists them with their answers. Every route but
//! `POST /api/login` and the pages ([`pages`]: shells whose scripts ask the API for the data)
//! needs a session (the cookie `POST /api/login` sets), and every request that is not a GET
//! needs the session's CSRF token in `X-CSRF-Token`. A clerk asking for another organ's report
//! gets 403 on every route, whether or not that report exists.

mod api;
mod bulk;
mod desk;
mod error;
mod extract;
mod files;
mod form;
mod pages;
mod rollup;
mod session;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;

use crate::fonts::Fonts;
use crate::pdf::PdfOptions;
use crate::store::Store;
use crate::template::Template;
pub use error::ApiError;

/// What every request shares, loaded once at start.
pub struct App {
    store: Store,
    /// The template reports are checked against (narrative placeholders) and rendered with.
    template: Template,
    /// The faces every file is laid out with.
    fonts: Fonts,
    pdf: PdfOptions,
    /// Taken by each save, restore, login and logout: the server's writes wait here, one at
    /// a time, rather than in SQLite, whose busy handler retries a waiting writer after sleeps
    /// of up to 100 ms (with 50 clients saving at once the slowest saves took seconds).
    writes: Mutex<()>,
    /// The form page, made from the template once (or why it could not be).
    form: Result<form::Form, String>,
    /// The exports of approved reports, running or ready to download.
    exports: Mutex<bulk::Exports>,
}

impl App {
    pub fn new(store: Store, template: Template, fonts: Fonts, pdf: PdfOptions) -> App {
        let form = form::Form::of(&template);
        if let Err(e) = &form {
            eprintln!("错误: 填报页面无法生成：{e}");
        }
        App {
            store,
            template,
            fonts,
            pdf,
            writes: Mutex::new(()),
            form,
            exports: Mutex::new(bulk::Exports::default()),
        }
    }

    /// Runs a write to the database once the writes before it are done.
    fn write<T>(&self, write: impl FnOnce(&Store) -> T) -> T {
        let _turn = self.writes.lock().unwrap_or_else(|e| e.into_inner());
        write(&self.store)
    }
}

/// Serves `app` on `listen` until Ctrl-C or SIGTERM, then finishes the requests under way
/// (a save being written is written) and returns. `ready` is told the address bound, once
/// the server accepts connections (port 0 binds a free port).
pub fn serve(app: App, listen: SocketAddr, ready: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("nianbao-serve")
        .build()?;
    runtime.block_on(async move {
        let stop = Stop::install()?;
        let listener = tokio::net::TcpListener::bind(listen).await?;
        ready(listener.local_addr()?);
        axum::serve(listener, router(Arc::new(app)))
            .with_graceful_shutdown(stop.requested())
            .await
    })
}

/// Every route of the server.
pub fn router(app: Arc<App>) -> Router {
    let reports = "/api/reports/{organ}/{year}";
    let signed_in = Router::new()
        .route("/api/session", get(session::current))
        .route("/api/logout", post(session::logout))
        .route("/api/reports", get(api::list))
        .route(reports, get(api::current).put(api::save))
        .route(&format!("{reports}/revisions"), get(api::revisions))
        .route(&format!("{reports}/revisions/{{n}}"), get(api::revision))
        .route(
            &format!("{reports}/revisions/{{n}}/restore"),
            post(api::restore),
        )
        .route(&format!("{reports}/next-year"), get(api::next_year))
        .route(&format!("{reports}/submit"), post(api::submit))
        .route(&format!("{reports}/return"), post(api::return_report))
        .route(&format!("{reports}/approve"), post(api::approve))
        .route(&format!("{reports}/reopen"), post(api::reopen))
        .route("/api/check", post(api::check))
        // The county desk (admins).
        .route("/api/desk", get(desk::current))
        .route("/api/desk/{year}", get(desk::of_year))
        .route(
            "/api/desk/{year}/deadline",
            axum::routing::put(desk::set_deadline),
        )
        // `{file}` is `2024.csv` or `2024.xlsx`.
        .route("/desk/{file}", get(desk::download))
        .route(
            "/api/import",
            post(bulk::import).layer(DefaultBodyLimit::max(
                crate::limits::SERVER_IMPORT_BYTES as usize,
            )),
        )
        // `{job}` is a job's number, or `7.zip` for its zip; `POST` takes a year.
        .route("/api/export/{id}", get(bulk::get).post(bulk::start))
        // `{file}` is `2024.pdf`, `2024.docx` or `2024.html`.
        .route("/reports/{organ}/{file}", get(files::download))
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            session::required,
        ));
    Router::new()
        .route("/", get(pages::index))
        .route("/form/{organ}/{year}", get(pages::form))
        .route("/desk", get(pages::desk))
        .route("/bulk", get(pages::bulk))
        .route("/assets/{name}", get(pages::asset))
        .route("/api/login", post(session::login))
        .merge(signed_in)
        // roll-up
        .merge(rollup::routes(app.clone()))
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "这个地址不接受这种请求方法",
            )
        })
        .layer(DefaultBodyLimit::max(
            crate::limits::SERVER_BODY_BYTES as usize,
        ))
        .layer(axum::middleware::map_response(guarded))
        .with_state(app)
}

/// Headers every answer carries: no answer is cached (they are a clerk's reports), guessed at
/// as another type, or framed by another site's page.
async fn guarded(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// An answer of JSON.
pub(crate) fn json(status: StatusCode, value: &impl Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            body,
        )
            .into_response(),
        Err(e) => ApiError::internal(format!("JSON 无法写出：{e}")).into_response(),
    }
}

/// Runs `work` on the blocking pool (SQLite, checks and layout block): a panic in it fails
/// this request with 500, never the server.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(e) => {
            let what = match e.try_into_panic() {
                Ok(panic) => panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default(),
                Err(e) => e.to_string(),
            };
            Err(ApiError::internal(what))
        }
    }
}

/// Ctrl-C (SIGINT) and SIGTERM, caught from the moment this is made: once it is, the signals
/// no longer end the process; [`Stop::requested`] resolves at the first, and the server stops
/// accepting, finishes what it was doing, and [`serve`] returns.
#[cfg(unix)]
struct Stop {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Stop {
    /// Within the runtime, before the address is announced: a signal sent as soon as the
    /// server says it is ready must already stop it gracefully.
    fn install() -> std::io::Result<Stop> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Stop {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn requested(mut self) {
        std::future::poll_fn(|cx| {
            let interrupted = self.interrupt.poll_recv(cx).is_ready();
            if interrupted || self.terminate.poll_recv(cx).is_ready() {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        })
        .await;
        stopping();
    }
}

#[cfg(not(unix))]
struct Stop;

#[cfg(not(unix))]
impl Stop {
    fn install() -> std::io::Result<Stop> {
        Ok(Stop)
    }

    async fn requested(self) {
        // Without a handler Ctrl-C ends the process: the server stops as it can.
        if tokio::signal::ctrl_c().await.is_ok() {
            stopping();
        }
    }
}

fn stopping() {
    eprintln!("正在停止：不再接受新的请求，进行中的请求完成后退出");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_requests_share_may_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<App>();
    }
}
