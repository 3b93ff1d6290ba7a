//! Signing in and out, and the session every other route needs: a random token in a cookie
//! the page's scripts cannot read (HttpOnly) and other sites' pages do not send (SameSite=
//! Strict), and for every request that changes something the session's CSRF token in the
//! `X-CSRF-Token` header, compared in constant time.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::extract::JsonBody;
use super::{ApiError, App, blocking, json};
use crate::store::{OrganId, Role, SESSION_LIFETIME, Session, Timestamp};

/// The session cookie's name.
pub const COOKIE: &str = "nianbao_session";

/// The request header that carries the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(Deserialize)]
pub struct Credentials {
    login: String,
    password: String,
}

/// Who is signed in, and the token their page sends with each change.
#[derive(Serialize)]
struct SignedIn<'a> {
    login: &'a str,
    role: Role,
    organ_id: Option<OrganId>,
    /// The organ's name: a page starting the organ's first report has it from nowhere else.
    organ: Option<&'a str>,
    csrf: &'a str,
    expires: Timestamp,
}

/// The name of a user's organ, if they have one.
fn organ_name(app: &App, organ: Option<OrganId>) -> Result<Option<String>, ApiError> {
    match organ {
        Some(id) => Ok(app.store.organ(id)?.map(|o| o.name)),
        None => Ok(None),
    }
}

/// `POST /api/login {login, password}`: the session cookie and `{csrf, …}`. A wrong login or
/// password is 401, an attempt before the wait after repeated failures 429 with `Retry-After`.
pub async fn login(
    State(app): State<Arc<App>>,
    JsonBody(credentials): JsonBody<Credentials>,
) -> Result<Response, ApiError> {
    let (user, session, organ) = blocking(move || {
        let user = app
            .store
            .verify_login(&credentials.login, &credentials.password)?;
        let session = app.write(|store| {
            // Expired sessions would only take room; a login is an occasion to drop them.
            store.purge_expired()?;
            store.create_session(&user)
        })?;
        let organ = organ_name(&app, user.organ)?;
        Ok((user, session, organ))
    })
    .await?;
    let cookie = format!(
        "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        session.token,
        SESSION_LIFETIME.as_secs()
    );
    let body = SignedIn {
        login: &user.login,
        role: user.role,
        organ_id: user.organ,
        organ: organ.as_deref(),
        csrf: &session.csrf,
        expires: session.expires,
    };
    let mut response = json(StatusCode::OK, &body);
    set_cookie(&mut response, &cookie)?;
    Ok(response)
}

/// `POST /api/logout`: ends the session; its cookie opens nothing any more.
pub async fn logout(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response, ApiError> {
    let token = token(&headers).unwrap_or_default().to_string();
    blocking(move || Ok(app.write(|store| store.delete_session(&token))?)).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    let expired = format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    set_cookie(&mut response, &expired)?;
    Ok(response)
}

/// `GET /api/session`: who is signed in (with their organ's name), and the CSRF token again (a page loaded afresh has
/// only its cookie; another site's page cannot read this answer).
pub async fn current(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
) -> Result<Response, ApiError> {
    let id = session.user.organ;
    let organ = blocking(move || organ_name(&app, id)).await?;
    let body = SignedIn {
        login: &session.user.login,
        role: session.user.role,
        organ_id: session.user.organ,
        organ: organ.as_deref(),
        csrf: &session.csrf,
        expires: session.expires,
    };
    Ok(json(StatusCode::OK, &body))
}

/// Lets a request through only with a live session, and, unless it only reads (GET, HEAD),
/// with that session's CSRF token; the handler finds the session as an extension.
pub async fn required(
    State(app): State<Arc<App>>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let Some(token) = token(request.headers()).map(str::to_string) else {
        return Err(ApiError::not_signed_in());
    };
    let session = blocking(move || Ok(app.store.session(&token)?))
        .await?
        .ok_or_else(ApiError::not_signed_in)?;
    let reads = matches!(*request.method(), Method::GET | Method::HEAD);
    if !reads {
        let given = request
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !session.csrf_matches(given) {
            return Err(ApiError::csrf());
        }
    }
    request.extensions_mut().insert(session);
    Ok(next.run(request).await)
}

/// The session token of the request's cookie.
fn token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|cookie| cookie.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

fn set_cookie(response: &mut Response, cookie: &str) -> Result<(), ApiError> {
    let value = HeaderValue::from_str(cookie)
        .map_err(|_| ApiError::internal("会话 Cookie 无法写入响应头"))?;
    response.headers_mut().insert(header::SET_COOKIE, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_token_is_found_among_other_cookies() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("theme=dark"));
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; nianbao_session=abc123; b=2"),
        );
        assert_eq!(token(&headers), Some("abc123"));
        let mut empty = HeaderMap::new();
        empty.append(header::COOKIE, HeaderValue::from_static("nianbao_session="));
        assert_eq!(token(&empty), None);
        assert_eq!(token(&HeaderMap::new()), None);
    }
}
