//! The Zarinpal REST v4 payment protocol: payment request → StartPay redirect → the bank's
//! callback with `Authority` and `Status` → server-to-server verify with our amount.
//!
//! Response codes: 100 success, 101 already verified (success without repeating side
//! effects); anything else (e.g. -51 unpaid, -50 amount mismatch, -54 unknown authority) is a
//! refusal.

use serde::Deserialize;

use super::gateway::{GatewayError, PaymentGateway, Verification};
use serde_json::json;
use std::time::Duration;

/// A Zarinpal v4 client.
#[derive(Clone)]
pub struct Zarinpal {
    http: reqwest::Client,
    base_url: String,
    merchant_id: String,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    data: serde_json::Value,
    #[serde(default)]
    errors: serde_json::Value,
}

fn refusal(env: &Envelope) -> GatewayError {
    let code = env.errors["code"]
        .as_i64()
        .or_else(|| env.data["code"].as_i64())
        .unwrap_or(-1);
    let message = env.errors["message"]
        .as_str()
        .or_else(|| env.data["message"].as_str())
        .unwrap_or("unknown error")
        .to_string();
    GatewayError::Refused { code, message }
}

impl Zarinpal {
    /// A client of the gateway at `base_url` (e.g. `https://payment.zarinpal.com`, or the
    /// simulator's `/_simulator/zarinpal` on this server) with a timeout per call.
    pub fn new(base_url: &str, merchant_id: &str, timeout: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            merchant_id: merchant_id.to_string(),
        })
    }

    async fn post(&self, path: &str, body: serde_json::Value) -> Result<Envelope, GatewayError> {
        let resp = self
            .http
            .post(format!("{}{path}", self.base_url))
            .header("accept", "application/json")
            .json(&body)
            .send()
            .await
            .map_err(|e| GatewayError::Unreachable(e.to_string()))?;
        let status = resp.status();
        if status.is_server_error() {
            return Err(GatewayError::Unreachable(format!("HTTP {status}")));
        }
        resp.json::<Envelope>()
            .await
            .map_err(|e| GatewayError::Unreachable(format!("unreadable answer: {e}")))
    }
}

#[async_trait::async_trait]
impl PaymentGateway for Zarinpal {
    async fn request(
        &self,
        amount_rials: i64,
        description: &str,
        callback_url: &str,
        mobile: Option<&str>,
    ) -> Result<String, GatewayError> {
        let env = self
            .post(
                "/pg/v4/payment/request.json",
                json!({
                    "merchant_id": self.merchant_id,
                    "amount": amount_rials,
                    "currency": "IRR",
                    "description": description,
                    "callback_url": callback_url,
                    "metadata": { "mobile": mobile },
                }),
            )
            .await?;
        match (env.data["code"].as_i64(), env.data["authority"].as_str()) {
            (Some(100), Some(authority)) => Ok(authority.to_string()),
            _ => Err(refusal(&env)),
        }
    }

    fn start_pay_url(&self, authority: &str) -> String {
        format!("{}/pg/StartPay/{authority}", self.base_url)
    }

    async fn verify(
        &self,
        authority: &str,
        amount_rials: i64,
    ) -> Result<Verification, GatewayError> {
        let env = self
            .post(
                "/pg/v4/payment/verify.json",
                json!({
                    "merchant_id": self.merchant_id,
                    "amount": amount_rials,
                    "authority": authority,
                }),
            )
            .await?;
        match env.data["code"].as_i64() {
            Some(code @ (100 | 101)) => Ok(Verification::Paid {
                reference_id: match &env.data["ref_id"] {
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::String(s) => s.clone(),
                    _ => String::new(),
                },
                card_pan: env.data["card_pan"].as_str().map(str::to_string),
                already: code == 101,
            }),
            _ => match refusal(&env) {
                GatewayError::Refused { code, message } => {
                    Ok(Verification::NotPaid { code, message })
                }
                other => Err(other),
            },
        }
    }
}
