//! The bank's callback (`GET /payments/zarinpal/callback?Authority=..&Status=..`) and a
//! small result page (`GET /payments/result`) for setups without a front end of their own.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::AppState;
use crate::domain::payment::PaymentStatus;
use crate::workflow::payments::Settlement;

/// Query of the callback, as Zarinpal sends it.
#[derive(Deserialize)]
pub struct CallbackQuery {
    #[serde(rename = "Authority")]
    authority: Option<String>,
    #[serde(rename = "Status")]
    status: Option<String>,
}

/// Settles the attempt and sends the browser to the front end with the outcome.
pub async fn callback(State(state): State<AppState>, Query(q): Query<CallbackQuery>) -> Response {
    let app = &state.app;
    let base = app
        .config
        .payment_result_url
        .clone()
        .unwrap_or_else(|| format!("{}/payments/result", app.config.public_base()));
    let sep = if base.contains('?') { '&' } else { '?' };
    // Zarinpal's authorities are short ASCII codes: anything else (a NUL, which PostgreSQL
    // refuses in text, control characters, other scripts) is no authority of ours.
    let Some(authority) = q
        .authority
        .filter(|a| !a.is_empty() && a.len() <= 64 && a.chars().all(|c| c.is_ascii_graphic()))
    else {
        return Redirect::to(&format!(
            "{base}{sep}status=FAILED&reason=missing-authority"
        ))
        .into_response();
    };
    let status = q.status.unwrap_or_default();
    let settled = match app.payments() {
        Ok(payments) => payments.callback(&authority, &status).await,
        Err(e) => Err(e),
    };
    // The officer kept as a caller may have just been qualified.
    app.callers.clear();
    // The officer's next list read must show what the callback just wrote.
    if app.replica.is_some()
        && let Ok(Settlement::Paid(p) | Settlement::Failed(p)) = &settled
    {
        let noted = async {
            let mut conn = crate::store::conn(&app.pool).await?;
            crate::store::replica::note_write_for_officer(&mut conn, p.officer_id).await
        }
        .await;
        if let Err(e) = noted {
            tracing::warn!(error = %e.describe(), "could not note the payment for read-your-writes");
        }
    }
    match settled {
        Ok(Settlement::Paid(p)) => Redirect::to(&format!(
            "{base}{sep}status={}&paymentId={}&requestId={}&referenceId={}",
            PaymentStatus::Paid.as_str(),
            p.id,
            p.request_id,
            p.reference_id.unwrap_or_default()
        ))
        .into_response(),
        Ok(Settlement::Failed(p)) => Redirect::to(&format!(
            "{base}{sep}status={}&paymentId={}&requestId={}",
            PaymentStatus::Failed.as_str(),
            p.id,
            p.request_id
        ))
        .into_response(),
        Ok(Settlement::Pending(p)) => Redirect::to(&format!(
            "{base}{sep}status={}&paymentId={}&requestId={}",
            PaymentStatus::Pending.as_str(),
            p.id,
            p.request_id
        ))
        .into_response(),
        Ok(Settlement::Unknown) => {
            Redirect::to(&format!("{base}{sep}status=FAILED&reason=unknown-payment"))
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e.describe(), "payment callback failed");
            Redirect::to(&format!("{base}{sep}status=PENDING")).into_response()
        }
    }
}

/// Query of the result page.
#[derive(Deserialize)]
pub struct ResultQuery {
    status: Option<String>,
    #[serde(rename = "referenceId")]
    reference_id: Option<String>,
}

/// A plain page telling the officer how the payment ended.
pub async fn result(Query(q): Query<ResultQuery>) -> Response {
    let (title, text) = match q.status.as_deref().and_then(PaymentStatus::parse) {
        Some(PaymentStatus::Paid) => (
            "پرداخت موفق",
            format!(
                "هزینه بررسی پرداخت شد. شماره پیگیری: {}",
                q.reference_id
                    .unwrap_or_default()
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
            ),
        ),
        Some(PaymentStatus::Pending) => (
            "در انتظار تأیید بانک",
            "نتیجه پرداخت هنوز از بانک دریافت نشده است؛ وضعیت درخواست را به‌زودی دوباره ببینید.".to_string(),
        ),
        _ => (
            "پرداخت ناموفق",
            "پرداخت انجام نشد؛ اگر مبلغی کسر شده باشد، بانک آن را بازمی‌گرداند. می‌توانید دوباره پرداخت کنید.".to_string(),
        ),
    };
    (
        StatusCode::OK,
        Html(format!(
            r#"<!doctype html><html lang="fa" dir="rtl"><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto"><h1>{title}</h1><p>{text}</p></body></html>"#
        )),
    )
        .into_response()
}
