//! Response headers and request guards that every route shares: the content security policy,
//! framing and sniffing rules, HSTS over https, the cross-site request check, and the request
//! time limit.

use app::accounts::Actor;
use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

/// The policy for pages: scripts only from this origin or carrying this response's nonce (the
/// hydration bootstrap), WebAssembly compiled from this origin, nothing framed, no plugins.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy for everything that is not a page (JSON, attachments, static files): nothing in
/// it may run or load anything, even when a browser is pointed straight at it.
const RESOURCE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// Sets the page policy on a server-rendered page; call while rendering, where Leptos provides
/// the response's nonce.
pub fn set_page_policy() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Adds the shared security headers to every response, keeping a page's own policy.
pub async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    set_if_missing(
        headers,
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(RESOURCE_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    response
}

/// What browsers are told once the portal is reached over https: use nothing else for a
/// year, so a later plain-http link or a network in between cannot strip the encryption.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Adds `Strict-Transport-Security` to every response; layered only when the configured base
/// URL is https (the same setting that makes cookies Secure), since over plain http a
/// browser ignores it and a test or a LAN install must stay reachable.
pub async fn strict_transport(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.headers_mut().insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static(HSTS),
    );
    response
}

fn set_if_missing(headers: &mut HeaderMap, name: HeaderName, value: HeaderValue) {
    headers.entry(name).or_insert(value);
}

/// Refuses state-changing requests that a browser sent from another site. Session cookies are
/// `SameSite=Lax` already; this also covers sibling subdomains, which count as the same site.
/// Browsers always send `Origin` on such requests; API clients without one are not browsers
/// and authenticate with their own credentials.
pub async fn same_origin_writes(request: Request, next: Next) -> Response {
    if is_safe(request.method()) || is_same_origin(request.headers()) {
        next.run(request).await
    } else {
        tracing::warn!(method = %request.method(), path = %request.uri().path(), "cross-site write refused");
        error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "This request came from another site and was refused.",
        )
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the request's `Origin` (or, lacking one, `Sec-Fetch-Site`) says it came from a page
/// of this server.
fn is_same_origin(headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok());
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default();
        let authority = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        return matches!((authority, host), (Some(authority), Some(host)) if authority.eq_ignore_ascii_case(host));
    }
    match headers.get("sec-fetch-site").map(HeaderValue::as_bytes) {
        Some(b"same-origin" | b"none") | None => true,
        Some(_) => false,
    }
}

/// The slowest upload a request is still given time for: 64 KiB/s, about half a megabit, the
/// uplink of a poor office line.
const SLOWEST_UPLOAD_BYTES_PER_SEC: u64 = 64 * 1024;

/// The extra time an upload gets on top of the server's own: what the slowest upload we serve
/// needs to send the body the request announced. A 20 MB screenshot over a slow line is not
/// cut off; a body over the upload limit is refused before any of it is read, so no claimed
/// length buys more than the limit's worth of time. Only a signed-in caller gets it: anyone
/// else could announce the largest body and send nothing, holding a connection for minutes.
fn upload_allowance(headers: &HeaderMap, signed_in: bool) -> Duration {
    if !signed_in {
        return Duration::ZERO;
    }
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok())
        .and_then(|length| length.parse::<u64>().ok())
        .unwrap_or(0);
    Duration::from_secs(announced / SLOWEST_UPLOAD_BYTES_PER_SEC)
}

/// When a request must be answered by; [`upload_allowance`] moves it later for an upload.
#[derive(Clone)]
struct Deadline(Arc<Mutex<Instant>>);

impl Deadline {
    fn get(&self) -> Instant {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn extend(&self, by: Duration) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) += by;
    }
}

/// Gives up on a request that takes longer than `limit` (plus an upload's allowance), answering
/// with the API's JSON error so no caller waits forever. It runs before the caller is known,
/// so it starts everyone on `limit` alone; [`upload_time`], on the upload routes, adds the
/// allowance once the caller is signed in.
pub async fn time_limit(
    State(limit): State<Duration>,
    mut request: Request,
    next: Next,
) -> Response {
    let deadline = Deadline(Arc::new(Mutex::new(Instant::now() + limit)));
    request.extensions_mut().insert(deadline.clone());
    let response = next.run(request);
    tokio::pin!(response);
    let timer = tokio::time::sleep_until(deadline.get());
    tokio::pin!(timer);
    loop {
        tokio::select! {
            response = &mut response => return response,
            () = &mut timer => {
                let now = deadline.get();
                if now <= timer.deadline() {
                    return error(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "timeout",
                        "The server took too long to answer. Please try again.",
                    );
                }
                timer.as_mut().reset(now);
            }
        }
    }
}

/// On an upload route, inside authentication: gives a signed-in caller's upload the time its
/// announced size needs on a slow line.
pub async fn upload_time(request: Request, next: Next) -> Response {
    let signed_in = request.extensions().get::<Actor>().is_some();
    let allowance = upload_allowance(request.headers(), signed_in);
    if let Some(deadline) = request.extensions().get::<Deadline>() {
        deadline.extend(allowance);
    }
    next.run(request).await
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "error": { "code": code, "message": message, "fields": {} } });
    (status, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn an_origin_must_name_the_host_the_request_went_to() {
        let same = headers(&[
            ("host", "help.example.com"),
            ("origin", "https://help.example.com"),
        ]);
        let other = headers(&[
            ("host", "help.example.com"),
            ("origin", "https://evil.example.com"),
        ]);
        let sibling = headers(&[
            ("host", "help.example.com"),
            ("origin", "https://help.example.com.evil.example"),
        ]);
        let opaque = headers(&[("host", "help.example.com"), ("origin", "null")]);
        assert!(is_same_origin(&same));
        assert!(!is_same_origin(&other));
        assert!(!is_same_origin(&sibling));
        assert!(!is_same_origin(&opaque));
    }

    #[test]
    fn without_an_origin_fetch_metadata_decides_and_plain_clients_pass() {
        assert!(is_same_origin(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!is_same_origin(&headers(&[(
            "sec-fetch-site",
            "cross-site"
        )])));
        assert!(!is_same_origin(&headers(&[(
            "sec-fetch-site",
            "same-site"
        )])));
        assert!(is_same_origin(&headers(&[("host", "localhost:3000")])));
    }

    #[test]
    fn a_signed_in_upload_gets_time_for_a_slow_line_and_others_get_none() {
        let large = headers(&[("content-length", "20971520")]);
        // 20 MiB at 64 KiB/s is 320 seconds on top of the server's own.
        assert_eq!(upload_allowance(&large, true), Duration::from_secs(320));
        assert_eq!(upload_allowance(&large, false), Duration::ZERO);
        assert_eq!(upload_allowance(&headers(&[]), true), Duration::ZERO);
        assert_eq!(
            upload_allowance(&headers(&[("content-length", "2048")]), true),
            Duration::ZERO
        );
        assert_eq!(
            upload_allowance(&headers(&[("content-length", "lots")]), true),
            Duration::ZERO
        );
    }

    #[test]
    fn the_page_policy_allows_only_own_scripts_and_the_nonce() {
        let policy = page_policy("abc123");
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(!policy.contains(" 'unsafe-eval'"));
    }
}
