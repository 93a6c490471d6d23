//! What every answer carries at the edge of the service: the request's
//! id (`X-Request-Id`, echoed or made), the opt-in access log line, and
//! the opt-in CORS headers for browsers on other origins.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// How the service answers browsers and logs requests (from the flags).
#[derive(Debug, Clone, Default)]
pub struct Edge {
    /// Origins allowed to call the API from a browser (`--cors`); `*` is
    /// any origin.
    pub cors: Vec<String>,
    /// One JSON line per request on standard error (`--access-log`).
    pub access_log: bool,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// The id of a request: the client's `X-Request-Id` when it sent a usable
/// one (1 to 128 visible ASCII characters), else one made here, unique in
/// this process: the process id and a counter.
pub fn request_id(headers: &HeaderMap) -> HeaderValue {
    let given = headers
        .get("x-request-id")
        .filter(|v| (1..=128).contains(&v.len()))
        .filter(|v| v.as_bytes().iter().all(|b| b.is_ascii_graphic()));
    if let Some(v) = given {
        return v.clone();
    }
    let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let made = format!("{:x}-{n:x}", std::process::id());
    HeaderValue::from_str(&made).unwrap_or(HeaderValue::from_static("-"))
}

impl Edge {
    /// The origin to allow for a request from `origin`, if it is allowed.
    fn allowed(&self, origin: Option<&HeaderValue>) -> Option<HeaderValue> {
        let origin = origin?;
        let text = origin.to_str().ok()?;
        self.cors
            .iter()
            .any(|o| o == "*" || o.eq_ignore_ascii_case(text))
            .then(|| origin.clone())
    }

    /// The answer to a browser's preflight (`OPTIONS` from an allowed
    /// origin): 204 with what may be sent. `None` when it is not one.
    pub fn preflight(&self, method: &Method, headers: &HeaderMap) -> Option<Response> {
        if method != Method::OPTIONS {
            return None;
        }
        let origin = self.allowed(headers.get(header::ORIGIN))?;
        let mut r = StatusCode::NO_CONTENT.into_response();
        let h = r.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type, x-request-id"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        h.insert(header::VARY, HeaderValue::from_static("origin"));
        Some(r)
    }

    /// Adds the request id, and the CORS headers for an allowed origin.
    pub fn finish(&self, r: &mut Response, id: HeaderValue, origin: Option<&HeaderValue>) {
        let h = r.headers_mut();
        if let Some(origin) = self.allowed(origin) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            h.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static("x-request-id"),
            );
            h.insert(header::VARY, HeaderValue::from_static("origin"));
        }
        h.insert("x-request-id", id);
    }

    /// The access log line of an answered request, when it is on: an
    /// event of target `access`, with its fields.
    pub fn log(&self, method: &Method, path: &str, status: u16, seconds: f64, id: &HeaderValue) {
        if !self.access_log {
            return;
        }
        tracing::info!(
            target: "access",
            method = method.as_str(),
            path,
            status,
            ms = (seconds * 1e6).round() / 1e3,
            request_id = id.to_str().unwrap_or("-"),
        );
    }
}
