//! The browser playground at `/playground`: GraphiQL with a sign-in helper and the example
//! operations of `playground/operations/`.
//!
//! The page is an npm package under `playground/`, built with Vite into `playground/dist/`
//! with fixed file names. That output is committed and embedded here, so the binary serves it
//! with no Node and no network (no CDN). After changing the page, rebuild and commit `dist/`
//! (see `playground/README.md`; a test fails while `dist/` is stale). Served only when
//! [`crate::config::Config::playground_enabled`].

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;

/// The page. Its asset URLs carry `?v=<digest>`, so it must be revalidated on every visit.
const INDEX_HTML: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/playground/dist/index.html"
));

/// An embedded asset: its bytes, a gzip copy, and its content type.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    gzip: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $content_type:literal) => {
        Asset {
            name: $name,
            content_type: $content_type,
            bytes: include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/playground/dist/assets/",
                $name
            )),
            gzip: include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/playground/dist/assets/",
                $name,
                ".gz"
            )),
        }
    };
}

const ASSETS: &[Asset] = &[
    asset!("playground.js", "text/javascript; charset=utf-8"),
    asset!("playground.css", "text/css; charset=utf-8"),
];

/// What the page may do: only talk to this server (GraphQL over HTTP and WebSocket).
/// GraphiQL sets inline styles, hence `'unsafe-inline'` for styles (not for scripts).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Routes of the playground.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/playground", get(index))
        .route("/playground/", get(index))
        .route("/playground/assets/{file}", get(asset))
}

async fn index() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        INDEX_HTML,
    )
        .into_response()
}

async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == file) else {
        return (StatusCode::NOT_FOUND, "no such playground asset").into_response();
    };
    let gzip = accepts_gzip(&headers);
    let mut resp = if gzip { asset.gzip } else { asset.bytes }.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    // The page asks for `?v=<digest>`: a new build is a new URL.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if gzip {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    resp
}

/// Whether `Accept-Encoding` allows gzip: listed (or `*` when gzip is not) without `q=0`.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    for item in headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or_default();
        let allowed = !parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        if coding.eq_ignore_ascii_case("gzip") {
            gzip = Some(allowed);
        } else if coding == "*" {
            any = Some(allowed);
        }
    }
    gzip.or(any).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap_or(HeaderValue::from_static("")),
        );
        h
    }

    #[test]
    fn gzip_is_sent_only_when_accepted() {
        assert!(accepts_gzip(&with("gzip, deflate, br")));
        assert!(accepts_gzip(&with("br;q=1.0, gzip;q=0.8")));
        assert!(accepts_gzip(&with("*")));
        assert!(!accepts_gzip(&with("gzip;q=0")));
        assert!(!accepts_gzip(&with("gzip;q=0, *")));
        assert!(!accepts_gzip(&with("br, identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn the_page_references_every_embedded_asset() {
        for asset in ASSETS {
            let url = format!("/playground/assets/{}?v=", asset.name);
            assert!(INDEX_HTML.contains(&url), "index.html lacks {url}");
            assert!(!asset.bytes.is_empty() && !asset.gzip.is_empty());
        }
    }
}
