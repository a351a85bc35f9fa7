//! A simulator of the Zarinpal v4 gateway, served by this server under
//! `/_simulator/zarinpal` outside production mode, so the whole payment flow runs on a laptop
//! and in tests. It speaks the same protocol as the bank (request, StartPay page, verify) and
//! fails on demand through `POST /_simulator/zarinpal/control`:
//! `{"request": "ok"|"down"|"slow", "verify": "ok"|"down"|"slow"|"unpaid", "slowMs": 3000}`;
//! it answers the modes and `requests`, the number of payment requests received so far.
//!
//! Its state lives in this process's memory: it stands for the bank, not for our data.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::Rng as _;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where the simulator is mounted.
pub const MOUNT: &str = "/_simulator/zarinpal";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Paid {
    No,
    Yes,
    Cancelled,
}

#[derive(Debug)]
struct Authority {
    amount: i64,
    description: String,
    callback_url: String,
    paid: Paid,
    verified: bool,
    ref_id: i64,
}

#[derive(Debug)]
struct Sim {
    authorities: HashMap<String, Authority>,
    request_mode: String,
    verify_mode: String,
    slow_ms: u64,
    /// Payment requests received so far (counted on arrival, before any delay).
    requests: u64,
}

/// The simulator's state.
#[derive(Clone)]
pub struct Simulator(Arc<Mutex<Sim>>);

impl Default for Simulator {
    fn default() -> Self {
        Self(Arc::new(Mutex::new(Sim {
            authorities: HashMap::new(),
            request_mode: "ok".into(),
            verify_mode: "ok".into(),
            slow_ms: 3000,
            requests: 0,
        })))
    }
}

impl Simulator {
    fn with<T>(&self, f: impl FnOnce(&mut Sim) -> T) -> T {
        let mut guard = match self.0.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }
}

/// The simulator's routes, to nest under [`MOUNT`].
pub fn routes() -> Router {
    let sim = Simulator::default();
    Router::new()
        .route("/pg/v4/payment/request.json", post(request))
        .route("/pg/v4/payment/verify.json", post(verify))
        .route("/pg/StartPay/{authority}", get(start_pay))
        .route("/pg/StartPay/{authority}/pay", post(pay))
        .route("/pg/StartPay/{authority}/cancel", post(cancel))
        .route("/control", post(control))
        .with_state(sim)
}

fn refused(code: i64, message: &str) -> Json<Value> {
    Json(json!({ "data": [], "errors": { "code": code, "message": message, "validations": [] } }))
}

/// Waits or fails as the mode says; `None` means carry on.
async fn misbehave(mode: &str, slow_ms: u64) -> Option<Response> {
    match mode {
        "down" => Some((StatusCode::SERVICE_UNAVAILABLE, "gateway down").into_response()),
        "slow" => {
            tokio::time::sleep(Duration::from_millis(slow_ms)).await;
            None
        }
        _ => None,
    }
}

async fn request(State(sim): State<Simulator>, Json(body): Json<Value>) -> Response {
    let (mode, slow) = sim.with(|s| {
        s.requests += 1;
        (s.request_mode.clone(), s.slow_ms)
    });
    if let Some(r) = misbehave(&mode, slow).await {
        return r;
    }
    if body["merchant_id"].as_str().map(str::len) != Some(36) {
        return refused(-9, "merchant_id is invalid").into_response();
    }
    let Some(amount) = body["amount"].as_i64().filter(|a| *a >= 1000) else {
        return refused(-9, "amount is invalid").into_response();
    };
    let Some(callback_url) = body["callback_url"].as_str().map(str::to_string) else {
        return refused(-9, "callback_url is required").into_response();
    };
    let authority = format!("A{:035}", rand::rng().random_range(0..u64::MAX));
    let description = body["description"].as_str().unwrap_or_default().to_string();
    sim.with(|s| {
        s.authorities.insert(
            authority.clone(),
            Authority {
                amount,
                description,
                callback_url,
                paid: Paid::No,
                verified: false,
                ref_id: rand::rng().random_range(100_000_000..999_999_999),
            },
        )
    });
    Json(
        json!({ "data": { "code": 100, "message": "Success", "authority": authority,
                           "fee_type": "Merchant", "fee": 0 }, "errors": [] }),
    )
    .into_response()
}

async fn verify(State(sim): State<Simulator>, Json(body): Json<Value>) -> Response {
    let (mode, slow) = sim.with(|s| (s.verify_mode.clone(), s.slow_ms));
    if let Some(r) = misbehave(&mode, slow).await {
        return r;
    }
    let authority = body["authority"].as_str().unwrap_or_default().to_string();
    let amount = body["amount"].as_i64().unwrap_or_default();
    let unpaid = mode == "unpaid";
    sim.with(|s| match s.authorities.get_mut(&authority) {
        None => refused(-54, "invalid authority").into_response(),
        Some(a) if a.amount != amount => refused(-50, "amount mismatch").into_response(),
        Some(a) if unpaid || a.paid != Paid::Yes => {
            refused(-51, "session is not valid, session is not active paid try").into_response()
        }
        Some(a) => {
            let code = if a.verified { 101 } else { 100 };
            a.verified = true;
            Json(json!({ "data": { "code": code, "message": if code == 100 { "Verified" } else { "Verified before" },
                                   "card_hash": "1EBE3EBEBE35C7EC0F8D6EE4F2F859107A87822CA179BC9528767EA7B5489B69",
                                   "card_pan": "502229******5995", "ref_id": a.ref_id,
                                   "fee_type": "Merchant", "fee": 0 }, "errors": [] }))
            .into_response()
        }
    })
}

fn with_query(url: &str, authority: &str, status: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}Authority={authority}&Status={status}")
}

async fn start_pay(State(sim): State<Simulator>, Path(authority): Path<String>) -> Response {
    let found = sim.with(|s| {
        s.authorities
            .get(&authority)
            .map(|a| (a.amount, a.description.clone()))
    });
    let Some((amount, description)) = found else {
        return (StatusCode::NOT_FOUND, Html("<p>تراکنش یافت نشد</p>")).into_response();
    };
    let description = description
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    Html(format!(
        r#"<!doctype html><html lang="fa" dir="rtl"><head><meta charset="utf-8"><title>درگاه پرداخت (شبیه‌ساز)</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">
<h1>درگاه پرداخت — شبیه‌ساز زرین‌پال</h1>
<p>این صفحه فقط برای توسعه و آزمون است؛ پولی جابه‌جا نمی‌شود.</p>
<p>شرح: {description}</p>
<p>مبلغ: <strong id="amount">{amount}</strong> ریال</p>
<form method="post" action="{MOUNT}/pg/StartPay/{authority}/pay"><button id="pay" type="submit">پرداخت (pay)</button></form>
<form method="post" action="{MOUNT}/pg/StartPay/{authority}/cancel"><button id="cancel" type="submit">انصراف (cancel)</button></form>
</body></html>"#
    ))
    .into_response()
}

async fn pay(State(sim): State<Simulator>, Path(authority): Path<String>) -> Response {
    settle(sim, authority, Paid::Yes, "OK")
}

async fn cancel(State(sim): State<Simulator>, Path(authority): Path<String>) -> Response {
    settle(sim, authority, Paid::Cancelled, "NOK")
}

fn settle(sim: Simulator, authority: String, outcome: Paid, status: &str) -> Response {
    let url = sim.with(|s| {
        s.authorities.get_mut(&authority).map(|a| {
            if a.paid == Paid::No {
                a.paid = outcome;
            }
            a.callback_url.clone()
        })
    });
    match url {
        Some(url) => Redirect::to(&with_query(&url, &authority, status)).into_response(),
        None => (StatusCode::NOT_FOUND, "unknown authority").into_response(),
    }
}

/// Failure modes on demand.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Control {
    request: Option<String>,
    verify: Option<String>,
    slow_ms: Option<u64>,
}

async fn control(State(sim): State<Simulator>, Json(c): Json<Control>) -> Json<Value> {
    sim.with(|s| {
        if let Some(m) = c.request {
            s.request_mode = m;
        }
        if let Some(m) = c.verify {
            s.verify_mode = m;
        }
        if let Some(ms) = c.slow_ms {
            s.slow_ms = ms;
        }
        Json(
            json!({ "request": s.request_mode, "verify": s.verify_mode, "slowMs": s.slow_ms,
                     "requests": s.requests }),
        )
    })
}
