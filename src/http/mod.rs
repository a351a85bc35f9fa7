//! HTTP routes: `/graphql`, `/healthz`, `/readyz`, `/metrics`.

mod client_addr;
mod documents;
mod graphql;
mod payments;
pub mod playground;
mod ws;
mod ws_feed;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::app::App;
use crate::graphql::{AppSchema, build_schema};
use crate::store;

/// State shared by the routes.
#[derive(Clone)]
pub struct AppState {
    /// The application.
    pub app: Arc<App>,
    /// The GraphQL schema.
    pub schema: AppSchema,
}

/// The process-wide Prometheus recorder (metrics are global in the `metrics` crate).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ])
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // Fails only when another recorder is installed; the handle still renders ours.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// The router of the whole service.
pub fn router(app: Arc<App>) -> Router {
    metrics_handle();
    let schema = build_schema(Some(app.clone()), &app.config);
    let playground_on = app.config.playground_enabled();
    let simulator_on = app.config.simulator_enabled();
    let sms_simulator_on = app.config.sms_simulator_enabled();
    let metrics_on = app.config.metrics_served();
    let app_pool = app.pool.clone();
    let state = AppState { app, schema };
    let request_id = HeaderName::from_static("x-request-id");
    let mut router = if playground_on {
        Router::new().merge(playground::routes())
    } else {
        Router::new()
    };
    if sms_simulator_on {
        router = router.nest_service(
            crate::integrations::kavenegar_sim::MOUNT,
            crate::integrations::kavenegar_sim::routes(app_pool),
        );
    }
    if simulator_on {
        router = router.nest_service(
            crate::integrations::zarinpal_sim::MOUNT,
            crate::integrations::zarinpal_sim::routes(),
        );
    }
    // Metrics tell a lot about the instance (operations, pool, volumes): behind a token, and
    // not served at all in production without one.
    if metrics_on {
        router = router.route("/metrics", get(metrics_text));
    }
    router
        .route("/payments/zarinpal/callback", get(payments::callback))
        .route("/payments/result", get(payments::result))
        .route("/graphql", post(graphql::graphql_handler))
        .route("/graphql/ws", get(ws::graphql_ws))
        .route("/documents/{id}", get(documents::download))
        .route("/messages/attachments/{id}", get(documents::attachment))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route_layer(middleware::from_fn(http_metrics))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
            }),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

async fn readyz(State(state): State<AppState>) -> Response {
    if state.app.draining.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining").into_response();
    }
    match store::ping(&state.app.pool, Duration::from_secs(3)).await {
        Ok(()) => match &state.app.replica {
            None => (StatusCode::OK, "ready").into_response(),
            // The primary serves everything the replica cannot: the instance is ready
            // either way, and says where its reads go.
            Some(replica) => {
                let s = replica.status();
                let lag = s.lag.map_or("unknown".to_string(), |l| {
                    format!("{:.3} s", l.as_seconds_f64())
                });
                let line = if s.serving {
                    format!("ready; replica: serving reads (lag {lag})")
                } else if s.up {
                    format!("ready; replica: lagging (lag {lag}): reads on the primary")
                } else {
                    format!(
                        "ready; replica: down ({}): reads on the primary",
                        s.why_down.unwrap_or_else(|| "not probed yet".into())
                    )
                };
                (StatusCode::OK, line).into_response()
            }
        },
        Err(e) => {
            tracing::warn!(error = %e, "not ready: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

/// Whether the `Authorization` header carries the metrics token (compared in constant time).
fn metrics_allowed(expected: Option<&str>, headers: &HeaderMap) -> bool {
    use subtle::ConstantTimeEq as _;
    let Some(expected) = expected else {
        return true;
    };
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::auth::bearer)
        .unwrap_or_default();
    bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

async fn metrics_text(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !metrics_allowed(state.app.config.metrics_token.as_deref(), &headers) {
        return (
            StatusCode::UNAUTHORIZED,
            [("www-authenticate", "Bearer")],
            "the metrics token is required",
        )
            .into_response();
    }
    let status = state.app.pool.status();
    metrics::gauge!("db_pool_max_size").set(status.max_size as f64);
    metrics::gauge!("db_pool_size").set(status.size as f64);
    metrics::gauge!("db_pool_available").set(status.available as f64);
    metrics::gauge!("db_pool_waiting").set(status.waiting as f64);
    (
        [("content-type", "text/plain; version=0.0.4")],
        metrics_handle().render(),
    )
        .into_response()
}

async fn http_metrics(req: Request, next: Next) -> Response {
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let started = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "path" => path.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "path" => path)
        .record(started.elapsed().as_secs_f64());
    resp
}
