//! The endpoints. Every answer is JSON (but /metrics); every failure a
//! 4xx with `{"error", "problems"?}` — a request can never make the
//! server answer 500 or stop, and an engine bug would be caught, logged
//! and answered 500 rather than drop the connection.

use std::sync::Arc;
use std::time::Instant as Clock;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request as HttpRequest, State as AxState};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value as Json, json};

use detente::data::request::{Request, RequestError, Unreadable};
use detente::eval::classify::{classify, replay_until};
use detente::ir::Entity;

use super::State;

type Shared = Arc<State>;

/// The OpenAPI document, checked into the repository.
const OPENAPI: &str = include_str!("../../../docs/openapi.json");

/// Bodies above this are classified on the blocking pool, so one large
/// request does not hold up the small ones on the same worker.
const INLINE_BYTES: usize = 64 * 1024;

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/v1/classify", post(classify_handler))
        .route("/v1/explain", post(explain_handler))
        .route("/v1/policy", get(policy_handler))
        .route("/healthz", get(health))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.max_body))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            auth_and_count,
        ))
        .with_state(state)
}

/// `body` written straight to JSON bytes (not through a `serde_json::Value`:
/// on a small classify that copy was a tenth of the request's time).
fn reply(status: StatusCode, body: &impl serde::Serialize) -> Response {
    // A one-contact answer is ~3 KB: written into room for it, not
    // grown from nothing by doubling.
    let mut buf = Vec::with_capacity(4096);
    let (status, bytes) = match serde_json::to_writer(&mut buf, body) {
        Ok(()) => (status, buf),
        Err(e) => {
            tracing::error!(error = %e, "an answer could not be written as JSON (a bug)");
            let text =
                r#"{"error":"the answer could not be written as JSON; the server logged it"}"#;
            (StatusCode::INTERNAL_SERVER_ERROR, text.as_bytes().to_vec())
        }
    };
    let mut r = (status, bytes).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Every error the API answers, each with its status and a stable code
/// (the `code` of the JSON body, listed in docs/diagnostics.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// The body is empty or cannot be read.
    NoBody,
    /// The body is not JSON.
    NotJson,
    /// The request's shape or rows cannot be read, or it has no time.
    Unreadable,
    /// `/v1/explain` without `"contact"`.
    NoContact,
    /// The bearer token is missing or wrong.
    Token,
    /// `/v1/explain` for a contact the request does not have.
    UnknownContact,
    /// No such endpoint.
    NoPath,
    /// The endpoint does not take this method.
    Method,
    /// The request was not sent within the request timeout.
    Timeout,
    /// The body is over `--max-body`.
    TooLarge,
    /// The body is declared as something other than JSON.
    MediaType,
    /// The policy file's latest change was refused (`/readyz`).
    NotReady,
    /// The engine failed on the request (a bug).
    Engine,
    /// The request's headers are over the limit.
    Headers,
}

/// The most header bytes (names and values) a request may send; more is
/// answered 431 with a JSON body. The connection's own buffer is larger
/// (`conn.rs`), so the answer can say why: only a head beyond that buffer
/// is cut off by the HTTP layer, whose 431 has no body.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// The most headers a request may send (the same rule).
pub const MAX_HEADERS: usize = 100;

impl Api {
    /// Every kind, in code order (the documentation test walks them).
    #[cfg(test)]
    pub const ALL: [Api; 14] = [
        Api::NoBody,
        Api::NotJson,
        Api::Unreadable,
        Api::NoContact,
        Api::Token,
        Api::UnknownContact,
        Api::NoPath,
        Api::Method,
        Api::Timeout,
        Api::TooLarge,
        Api::MediaType,
        Api::NotReady,
        Api::Engine,
        Api::Headers,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Api::NoBody => "A001",
            Api::NotJson => "A002",
            Api::Unreadable => "A003",
            Api::NoContact => "A004",
            Api::Token => "A005",
            Api::UnknownContact => "A006",
            Api::NoPath => "A007",
            Api::Method => "A008",
            Api::Timeout => "A009",
            Api::TooLarge => "A010",
            Api::MediaType => "A011",
            Api::NotReady => "A012",
            Api::Engine => "A013",
            Api::Headers => "A014",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Api::NoBody | Api::NotJson | Api::Unreadable | Api::NoContact => {
                StatusCode::BAD_REQUEST
            }
            Api::Token => StatusCode::UNAUTHORIZED,
            Api::UnknownContact | Api::NoPath => StatusCode::NOT_FOUND,
            Api::Method => StatusCode::METHOD_NOT_ALLOWED,
            Api::Timeout => StatusCode::REQUEST_TIMEOUT,
            Api::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Api::MediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Api::NotReady => StatusCode::SERVICE_UNAVAILABLE,
            Api::Engine => StatusCode::INTERNAL_SERVER_ERROR,
            Api::Headers => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        }
    }
}

fn error(kind: Api, message: impl Into<String>) -> Response {
    reply(
        kind.status(),
        &json!({"code": kind.code(), "error": message.into()}),
    )
}

/// A request that cannot be read: its problems, by place, under A003.
fn bad_request(e: &RequestError) -> Response {
    #[derive(serde::Serialize)]
    struct Body<'e> {
        code: &'static str,
        #[serde(flatten)]
        error: &'e RequestError,
    }
    reply(
        Api::Unreadable.status(),
        &Body {
            code: Api::Unreadable.code(),
            error: e,
        },
    )
}

/// Checks the bearer token (all but /healthz) and records every answer.
async fn auth_and_count(AxState(state): AxState<Shared>, req: HttpRequest, next: Next) -> Response {
    let started = Clock::now();
    let id = super::edge::request_id(req.headers());
    let origin = req.headers().get(header::ORIGIN).cloned();
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    // A matched path is shared, not copied, for every request.
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let endpoint = matched.as_ref().map_or("other", MatchedPath::as_str);
    // A browser's preflight carries no token: answered before the check.
    if let Some(mut r) = state.edge.preflight(&method, req.headers()) {
        state.edge.finish(&mut r, id, None);
        return r;
    }
    let open = matches!(endpoint, "/healthz" | "/readyz");
    let allowed = open
        || state.token.as_ref().is_none_or(|t| {
            req.headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(bearer)
                .is_some_and(|given| same(given.as_bytes(), t.as_bytes()))
        });
    let (count, bytes) = req.headers().iter().fold((0, 0), |(n, b), (k, v)| {
        (n + 1, b + k.as_str().len() + v.len())
    });
    let response = if count > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
        error(
            Api::Headers,
            format!(
                "the request's headers are too large ({count} headers, {bytes} bytes); send at most {MAX_HEADERS} headers and {} KiB",
                MAX_HEADER_BYTES / 1024
            ),
        )
    } else if allowed && !json_or_none(&req) {
        error(
            Api::MediaType,
            "the body must be JSON: send it with Content-Type: application/json",
        )
    } else if allowed {
        // The body is read inside: a client that sends it too slowly gets
        // 408 instead of holding the connection.
        match tokio::time::timeout(state.request_timeout, next.run(req)).await {
            Ok(r) => r,
            Err(_) => error(
                Api::Timeout,
                format!(
                    "the request took longer than {} s from its head to its answer; send the body at once",
                    state.request_timeout.as_secs()
                ),
            ),
        }
    } else {
        let mut r = error(
            Api::Token,
            "send the token the server was started with: Authorization: Bearer TOKEN",
        );
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        r
    };
    let mut response = response;
    let seconds = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    state.metrics.record(endpoint, status, seconds);
    state.edge.log(&method, &path, status, seconds, &id);
    state.edge.finish(&mut response, id, origin.as_ref());
    response
}

/// The token of an `Authorization` value: the scheme `Bearer` in any
/// case (RFC 7235 makes schemes case-insensitive), then the token.
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// A POST body declared as JSON (`application/json`, with parameters such
/// as `charset`, or any `+json` type), or not declared at all.
fn json_or_none(req: &HttpRequest) -> bool {
    if req.method() != Method::POST {
        return true;
    }
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return true;
    };
    let mime = value
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || mime.ends_with("+json")
}

/// Compares in time that does not depend on where the bytes differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The body's bytes, or the 4xx that says why there are none to read.
fn body_bytes(body: Result<Bytes, BytesRejection>, max: usize) -> Result<Bytes, Box<Response>> {
    let bytes = body.map_err(|e| {
        Box::new(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            error(
                Api::TooLarge,
                format!("the body is over the server's limit of {max} bytes (--max-body); send fewer contacts per request"),
            )
        } else {
            error(Api::NoBody, format!("cannot read the body: {}", e.body_text()))
        })
    })?;
    if bytes.is_empty() {
        return Err(Box::new(error(
            Api::NoBody,
            "the body is empty: send {\"contacts\": [...]} as JSON",
        )));
    }
    Ok(bytes)
}

/// The 400 for a body that is not JSON.
fn not_json(e: &serde_json::Error) -> Response {
    error(Api::NotJson, format!("the body is not valid JSON: {e}"))
}

/// The body as JSON, or the 4xx that says why not.
fn body_json(body: Result<Bytes, BytesRejection>, max: usize) -> Result<Json, Box<Response>> {
    let bytes = body_bytes(body, max)?;
    serde_json::from_slice(&bytes).map_err(|e| Box::new(not_json(&e)))
}

/// Runs `work` inline for small bodies, on the blocking pool for large
/// ones; a panic in the engine becomes a logged 500, never a dropped
/// connection.
async fn run_engine<F>(size: usize, work: F) -> Response
where
    F: FnOnce() -> Response + Send + 'static,
{
    let guarded = move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|_| {
            tracing::error!(
                "the engine failed on a request (a bug: please report it with the request)"
            );
            error(
                Api::Engine,
                "the engine failed on this request; the server logged it",
            )
        })
    };
    if size <= INLINE_BYTES {
        guarded()
    } else {
        tokio::task::spawn_blocking(guarded)
            .await
            .unwrap_or_else(|_| error(Api::Engine, "the request was cancelled"))
    }
}

async fn classify_handler(
    AxState(state): AxState<Shared>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let size = body.as_ref().map_or(0, Bytes::len);
    let bytes = match body_bytes(body, state.max_body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let loaded = state.policy();
    run_engine(size, move || {
        // Read straight into rows: no `serde_json::Value` on the way.
        let request = match Request::from_slice_for(&loaded.policy, &bytes) {
            Ok(r) => r,
            Err(Unreadable::Json(e)) => return not_json(&e),
            Err(Unreadable::Request(e)) => return bad_request(&e),
            Err(other) => return bad_request(&other.into_request_error()),
        };
        match classify(&loaded.policy, request, None) {
            Ok(c) => {
                state.metrics.contacts.fetch_add(
                    c.journeys.len() as u64,
                    std::sync::atomic::Ordering::Relaxed,
                );
                reply(
                    StatusCode::OK,
                    &detente::report::journey::ClassifiedJson(&loaded.policy, &c),
                )
            }
            Err(e) => bad_request(&e),
        }
    })
    .await
}

async fn explain_handler(
    AxState(state): AxState<Shared>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let size = body.as_ref().map_or(0, Bytes::len);
    let mut json = match body_json(body, state.max_body) {
        Ok(j) => j,
        Err(r) => return *r,
    };
    let contact = match json.as_object_mut().and_then(|o| o.remove("contact")) {
        Some(Json::String(c)) => c,
        _ => {
            return error(
                Api::NoContact,
                "name the contact to explain: {\"contact\": \"c-1\", \"contacts\": [...]}",
            );
        }
    };
    let loaded = state.policy();
    run_engine(size, move || {
        let policy = &loaded.policy;
        let request = match Request::from_json(json) {
            Ok(r) => r,
            Err(e) => return bad_request(&e),
        };
        let histories = match request.histories(policy) {
            Ok((h, _)) => h,
            Err(e) => return bad_request(&e),
        };
        let as_of = match replay_until(policy, &request, &histories, None) {
            Ok(a) => a,
            Err(e) => return bad_request(&e),
        };
        match detente::eval::explain(policy, &histories, Some(as_of), &contact) {
            Some((journey, exits, as_of)) => {
                state
                    .metrics
                    .contacts
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                reply(
                    StatusCode::OK,
                    &detente::report::explain::json(policy, &journey, &exits, as_of),
                )
            }
            None => error(
                Api::UnknownContact,
                format!("no contact `{contact}` in the request"),
            ),
        }
    })
    .await
}

async fn policy_handler(AxState(state): AxState<Shared>) -> Response {
    let loaded = state.policy();
    let p = &loaded.policy;
    let m = p.ir();
    let team = |t: Option<detente::ir::TeamId>| {
        t.map(|t| &m.teams[t])
            .map(|t| Json::String(t.clone()))
            .unwrap_or(Json::Null)
    };
    let stage_name = |s: detente::ir::StageId| m.stages[s].name.clone();
    let lifecycles: Vec<Json> = m
        .lifecycles
        .iter()
        .map(|l| {
            let stages: Vec<Json> = l
                .stages
                .iter()
                .map(|s| &m.stages[*s])
                .map(|s| {
                    json!({"name": s.name, "description": s.description, "owner": team(s.owner),
                           "initial": s.initial, "final": s.is_final, "detour": s.detour})
                })
                .collect();
            let transitions: Vec<Json> = l
                .transitions
                .iter()
                .map(|t| &m.transitions[*t])
                .map(|t| {
                    let from = if t.from_any {
                        json!("any")
                    } else {
                        json!(t.from.iter().map(|s| stage_name(*s)).collect::<Vec<_>>())
                    };
                    json!({"from": from, "to": stage_name(t.to), "trigger": t.text,
                           "label": t.label, "line": t.line})
                })
                .collect();
            json!({"lifecycle": l.entity.keyword(), "stages": stages, "transitions": transitions})
        })
        .collect();
    let has_accounts = m.lifecycles.iter().any(|l| l.entity == Entity::Account);
    reply(
        StatusCode::OK,
        &json!({
            "name": p.name(),
            "version": p.version(),
            "hash": p.hash(),
            "timezone": m.timezone.name(),
            "lifecycles": lifecycles,
            "account_lifecycle": has_accounts,
            "mermaid": detente::report::graph::mermaid(p, None),
        }),
    )
}

async fn health(AxState(state): AxState<Shared>) -> Response {
    let loaded = state.policy();
    reply(
        StatusCode::OK,
        &json!({"status": "ok", "policy": {"name": loaded.policy.name(),
                 "version": loaded.policy.version(), "hash": loaded.policy.hash()}}),
    )
}

/// Ready to serve the policy file as it is: fails (503) while the file's
/// latest change was refused, so a deployment notices a broken change
/// that the server is not serving.
async fn ready(AxState(state): AxState<Shared>) -> Response {
    match state.refused() {
        None => reply(StatusCode::OK, &json!({"status": "ready"})),
        Some(why) => reply(
            Api::NotReady.status(),
            &json!({"status": "not ready", "code": Api::NotReady.code(),
                    "error": "the policy file's latest change was refused; the server still serves the policy loaded before it",
                    "reason": why}),
        ),
    }
}

async fn metrics(AxState(state): AxState<Shared>) -> Response {
    let loaded = state.policy();
    let text = state.metrics.render((
        loaded.policy.name(),
        loaded.policy.version(),
        loaded.policy.hash(),
    ));
    let mut r = (StatusCode::OK, text).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    r
}

async fn openapi() -> Response {
    let mut r = (StatusCode::OK, OPENAPI).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> Response {
    error(
        Api::Method,
        format!(
            "{} does not take {method}: POST /v1/classify and /v1/explain, GET the others",
            uri.path()
        ),
    )
}

async fn not_found(method: Method, uri: axum::http::Uri) -> Response {
    error(
        Api::NoPath,
        format!(
            "no endpoint {method} {}; the endpoints are POST /v1/classify, POST /v1/explain, GET /v1/policy, GET /healthz, GET /readyz, GET /metrics, GET /openapi.json",
            uri.path()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::Api;

    /// Every API error code is in docs/diagnostics.md, and every `A0..`
    /// row there is a code the server uses.
    #[test]
    fn every_api_code_is_documented_and_every_documented_one_used() {
        let doc =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/diagnostics.md"))
                .unwrap_or_default();
        for a in Api::ALL {
            assert!(
                doc.contains(&format!("| {} |", a.code())),
                "{} is not documented",
                a.code()
            );
        }
        let documented = doc.lines().filter(|l| l.starts_with("| A0")).count();
        assert_eq!(documented, Api::ALL.len());
    }
}
