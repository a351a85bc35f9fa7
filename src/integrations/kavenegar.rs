//! The Kavenegar REST SMS protocol, behind [`SmsProvider`].
//!
//! # The protocol, as the provider's own SDKs use it
//!
//! - Every call is `{base}/v1/{API-KEY}/{area}/{method}.json`, with its fields as a form body
//!   or as a query string (GET or POST both work). The answer is
//!   `{"return":{"status":200,"message":"تایید شد"},"entries":[..]}`; `return.status` 200 is
//!   success. The official Python SDK (`kavenegar/kavenegar-python`, `kavenegar.py`) posts a
//!   form and raises an `APIException` with `return.status` and `return.message` otherwise.
//! - On a refusal the **HTTP status mirrors `return.status`** (HTTP 418 with
//!   `{"return":{"status":418,..}}`): the Go SDK (`kavenegar/kavenegar-go`, `client.go`) reads
//!   `return` from any non-200 answer into an `APIError`, and the .NET SDK
//!   (`kavenegar/kavenegar-dotnet`, `KavenegarApi.cs`) does the same on its `WebException`.
//!   Codes (SDK tables, e.g. `mm580486/kave_rest_api`, `meaning.rb`): 400 missing argument,
//!   401 account disabled, 402 operation failed, 403 invalid API key, 404 unknown method,
//!   405 wrong GET/POST, 406 required field, 407 no access (IP not allowed), 409 server cannot
//!   answer (try later), 411 invalid receptor, 412 invalid sender, 413 invalid message,
//!   414 too many receptors, 417 invalid date, 418 not enough credit.
//! - `sms/send.json` takes `receptor`, `message`, `sender` (optional: the account's default
//!   line) and `localid`; each entry is `{"messageid":8792343,"message":..,"status":1,
//!   "statustext":"در صف ارسال","sender":..,"receptor":..,"date":1356619709,"cost":120}`
//!   (sample in the official Node SDK's README, `kavenegar/kavenegar-node`). A `localid`
//!   received before is **not sent again**; the earlier record is answered (the maintained
//!   Node SDK's README, `amircloner/kavenegar-node`, on `send` and `sendarray`).
//! - Message statuses (the .NET SDK's `MessageStatus`, the Go SDK's status type): 1 queued,
//!   2 scheduled, 4 sent to the centre, 5 sent to the carrier, 10 delivered, 11 undelivered,
//!   13 cancelled, 14 filtered, 50 received, **100 invalid id**.
//! - `sms/statuslocalmessageid.json?localid=N` answers entries `{"messageid":85463238,
//!   "localid":"450","status":10,"statustext":"رسیده به گیرنده"}` (`localid` is a string in
//!   the .NET and Go SDKs' models). A `localid` it does not know — never sent, or sent more
//!   than **12 hours** ago — answers status 100 (same README). The `messageid` of such an
//!   entry is not documented; 0 is assumed. So: status 100, a missing or zero `messageid`, or
//!   no entry for the asked `localid` all mean "never received" (`Ok(None)`); any other status
//!   (delivered or not) means it was accepted, and will not be sent again.
//!
//! Because of the 12-hour window, a row whose outcome is unknown must be settled within
//! hours; after that `Ok(None)` no longer proves that the provider never had it.
//!
//! # Outcomes
//!
//! Connection refused, DNS or TLS failure (before anything was written), an HTTP 5xx or a
//! redirect (not followed): [`SmsError::Unreachable`]. A timeout, or a connection that broke
//! after the request was written, or a success without a readable answer:
//! [`SmsError::Unknown`]. An HTTP 4xx, or `return.status` other than 200:
//! [`SmsError::Refused`]. The API key is part of every URL: it is removed from every error
//! text, and the client's `Debug` hides it.

use crate::integrations::sms::{SmsAccepted, SmsError, SmsProvider};
use bytes::Bytes;
use serde_json::Value;
use std::fmt;
use std::time::Duration;

/// `return.status` of a call that succeeded.
const STATUS_OK: i64 = 200;
/// The entry status of an id the provider does not know (or no longer knows).
const STATUS_INVALID_ID: i64 = 100;
/// What the key is replaced with in error texts.
const REDACTED: &str = "***";

/// A Kavenegar REST client.
#[derive(Clone)]
pub struct Kavenegar {
    http: reqwest::Client,
    base_url: url::Url,
    api_key: String,
    /// The key as it appears in a URL path, to redact that form too.
    api_key_in_url: String,
    sender: String,
}

impl fmt::Debug for Kavenegar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Kavenegar")
            .field("base_url", &self.base_url.as_str())
            .field("api_key", &REDACTED)
            .field("sender", &self.sender)
            .finish()
    }
}

impl Kavenegar {
    /// A client of the provider at `base_url` (its API host, or the simulator's
    /// `/_simulator/kavenegar` on this server) sending from the line `sender` (empty: the
    /// account's default line), with a timeout per call.
    pub fn new(
        base_url: &str,
        api_key: &str,
        sender: &str,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let api_key = api_key.trim();
        if api_key.is_empty() {
            anyhow::bail!("the Kavenegar API key is empty");
        }
        let base_url = url::Url::parse(base_url).map_err(|e| {
            anyhow::anyhow!("the Kavenegar base URL {base_url:?} is not valid: {e}")
        })?;
        if base_url.cannot_be_a_base() {
            anyhow::bail!("the Kavenegar base URL {base_url} cannot carry a path");
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let mut client = Self {
            http,
            base_url,
            api_key: api_key.to_string(),
            api_key_in_url: String::new(),
            sender: sender.trim().to_string(),
        };
        let probe = client.endpoint("probe");
        client.api_key_in_url = probe
            .path_segments()
            .and_then(|mut segments| segments.nth_back(2))
            .unwrap_or(api_key)
            .to_string();
        Ok(client)
    }

    /// `{base}/v1/{key}/sms/{method}`.
    fn endpoint(&self, method: &str) -> url::Url {
        let mut url = self.base_url.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments
                .pop_if_empty()
                .extend(["v1", self.api_key.as_str(), "sms", method]);
        }
        url
    }

    /// Removes the API key from a text meant for logs or errors.
    fn redact(&self, text: &str) -> String {
        let text = text.replace(&self.api_key, REDACTED);
        if self.api_key_in_url.is_empty() {
            text
        } else {
            text.replace(&self.api_key_in_url, REDACTED)
        }
    }

    /// Classifies a failure of the HTTP client, without the URL (it holds the key).
    fn transport_error(&self, e: reqwest::Error) -> SmsError {
        let e = e.without_url();
        let text = self.redact(&error_chain(&e));
        if e.is_builder() || e.is_connect() {
            // Nothing was written: DNS, refused connection, TLS, or a connect timeout.
            SmsError::Unreachable(text)
        } else if e.is_timeout() {
            SmsError::Unknown(format!("timed out: {text}"))
        } else {
            SmsError::Unknown(text)
        }
    }

    /// Sends a request; answers its HTTP status and body. A 4xx whose body cannot be read is
    /// still a refusal; a 5xx or a redirect is answered without reading the body.
    async fn call(&self, request: reqwest::RequestBuilder) -> Result<(u16, Bytes), SmsError> {
        let resp = request
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        let status = resp.status().as_u16();
        if status >= 500 || (300..400).contains(&status) {
            return Ok((status, Bytes::new()));
        }
        match resp.bytes().await {
            Ok(body) => Ok((status, body)),
            Err(_) if status >= 400 => Ok((status, Bytes::new())),
            Err(e) => Err(self.transport_error(e)),
        }
    }
}

#[async_trait::async_trait]
impl SmsProvider for Kavenegar {
    async fn send(&self, to: &str, text: &str, local_id: i64) -> Result<SmsAccepted, SmsError> {
        let local_id = local_id.to_string();
        let mut form = vec![
            ("receptor", to),
            ("message", text),
            ("localid", local_id.as_str()),
        ];
        if !self.sender.is_empty() {
            form.push(("sender", self.sender.as_str()));
        }
        let request = self.http.post(self.endpoint("send.json")).form(&form);
        let (status, body) = self.call(request).await?;
        interpret_send(status, &body).map_err(|e| redact_error(self, e))
    }

    async fn accepted_with_local_id(&self, local_id: i64) -> Result<Option<SmsAccepted>, SmsError> {
        let request = self
            .http
            .get(self.endpoint("statuslocalmessageid.json"))
            .query(&[("localid", local_id.to_string())]);
        let (status, body) = self.call(request).await?;
        interpret_status(status, &body, local_id).map_err(|e| redact_error(self, e))
    }
}

fn redact_error(client: &Kavenegar, e: SmsError) -> SmsError {
    match e {
        SmsError::Unknown(t) => SmsError::Unknown(client.redact(&t)),
        SmsError::Unreachable(t) => SmsError::Unreachable(client.redact(&t)),
        SmsError::Refused { status, message } => SmsError::Refused {
            status,
            message: client.redact(&message),
        },
    }
}

/// An error and its sources, as one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.ends_with(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

/// The parsed answer: `return.status`, `return.message` and the entries.
struct Answer {
    status: Option<i64>,
    message: String,
    entries: Vec<Value>,
}

fn parse(body: &[u8]) -> Answer {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let entries = match &value["entries"] {
        Value::Array(list) => list.clone(),
        entry @ Value::Object(_) => vec![entry.clone()],
        _ => Vec::new(),
    };
    Answer {
        status: value["return"]["status"].as_i64(),
        message: value["return"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        entries,
    }
}

/// The outcome every call shares before its entries are looked at: `Ok` carries the entries
/// of a success.
fn interpret(http_status: u16, body: &[u8]) -> Result<Vec<Value>, SmsError> {
    if http_status >= 500 {
        return Err(SmsError::Unreachable(format!("HTTP {http_status}")));
    }
    if (300..400).contains(&http_status) {
        return Err(SmsError::Unreachable(format!(
            "HTTP {http_status} (a redirect, not followed)"
        )));
    }
    let answer = parse(body);
    let message = |fallback: String| {
        if answer.message.is_empty() {
            fallback
        } else {
            answer.message.clone()
        }
    };
    if http_status >= 400 {
        return Err(SmsError::Refused {
            status: answer.status.unwrap_or(i64::from(http_status)),
            message: message(format!("HTTP {http_status}")),
        });
    }
    match answer.status {
        Some(STATUS_OK) => Ok(answer.entries),
        Some(status) => Err(SmsError::Refused {
            status,
            message: message(format!("return.status {status}")),
        }),
        None => Err(SmsError::Unknown(format!(
            "an unreadable answer (HTTP {http_status})"
        ))),
    }
}

/// The provider's id of the message of an entry; `None` for a missing or zero id.
fn message_id(entry: &Value) -> Option<String> {
    match &entry["messageid"] {
        Value::Number(n) => n.as_u64().filter(|id| *id > 0).map(|id| id.to_string()),
        Value::String(s) => {
            let s = s.trim();
            (!s.trim_start_matches('0').is_empty()).then(|| s.to_string())
        }
        _ => None,
    }
}

/// Reads the answer of `sms/send.json`.
fn interpret_send(http_status: u16, body: &[u8]) -> Result<SmsAccepted, SmsError> {
    let entries = interpret(http_status, body)?;
    entries
        .first()
        .and_then(message_id)
        .map(|message_id| SmsAccepted { message_id })
        .ok_or_else(|| SmsError::Unknown("accepted, but without a message id".into()))
}

/// Whether an entry of `statuslocalmessageid` is about `local_id` (an entry without a
/// `localid` is taken as the answer to the one id asked).
fn is_about(entry: &Value, local_id: i64) -> bool {
    match &entry["localid"] {
        Value::String(s) => s.trim().parse::<i64>().ok() == Some(local_id),
        Value::Number(n) => n.as_i64() == Some(local_id),
        Value::Null => true,
        _ => false,
    }
}

/// Reads the answer of `sms/statuslocalmessageid.json` for `local_id`.
fn interpret_status(
    http_status: u16,
    body: &[u8],
    local_id: i64,
) -> Result<Option<SmsAccepted>, SmsError> {
    let entries = interpret(http_status, body)?;
    Ok(entries
        .iter()
        .find(|entry| is_about(entry, local_id))
        .filter(|entry| entry["status"].as_i64() != Some(STATUS_INVALID_ID))
        .and_then(message_id)
        .map(|message_id| SmsAccepted { message_id }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "4F6B2F5A7A3D2B6C3A2E6F5765726B6579";

    fn client(base: &str, timeout: Duration) -> Kavenegar {
        Kavenegar::new(base, KEY, "10004346", timeout).expect("a client")
    }

    #[test]
    fn send_answer_accepted() {
        let body = r#"{"return":{"status":200,"message":"تایید شد"},"entries":[{"messageid":8792343,
            "message":"خدمات پیام کوتاه کاوه نگار","status":1,"statustext":"در صف ارسال",
            "sender":"10004346","receptor":"09123456789","date":1356619709,"cost":120}]}"#;
        assert_eq!(
            interpret_send(200, body.as_bytes()).expect("accepted"),
            SmsAccepted {
                message_id: "8792343".into()
            }
        );
    }

    #[test]
    fn send_answer_refused_in_the_body_or_the_http_status() {
        let body =
            r#"{"return":{"status":418,"message":"اعتبار حساب شما کافی نیست"},"entries":null}"#;
        for http in [200, 418] {
            match interpret_send(http, body.as_bytes()) {
                Err(SmsError::Refused { status, message }) => {
                    assert_eq!(status, 418);
                    assert_eq!(message, "اعتبار حساب شما کافی نیست");
                }
                other => panic!("expected a refusal, got {other:?}"),
            }
        }
        // A 4xx without the provider's body is still a refusal.
        assert!(matches!(
            interpret_send(404, b"<html>not found</html>"),
            Err(SmsError::Refused { status: 404, .. })
        ));
    }

    #[test]
    fn send_answer_5xx_is_unreachable_and_garbage_is_unknown() {
        assert!(matches!(
            interpret_send(503, b""),
            Err(SmsError::Unreachable(_))
        ));
        assert!(matches!(
            interpret_send(302, b""),
            Err(SmsError::Unreachable(_))
        ));
        assert!(matches!(
            interpret_send(200, b"<html>"),
            Err(SmsError::Unknown(_))
        ));
        let no_entries =
            r#"{"return":{"status":200,"message":"تایید شد"},"entries":[]}"#.as_bytes();
        assert!(matches!(
            interpret_send(200, no_entries),
            Err(SmsError::Unknown(_))
        ));
    }

    #[test]
    fn status_answer_found() {
        let body = r#"{"return":{"status":200,"message":"تایید شد"},"entries":[
            {"messageid":85463238,"localid":"450","status":10,"statustext":"رسیده به گیرنده"}]}"#
            .as_bytes();
        assert_eq!(
            interpret_status(200, body, 450).expect("an answer"),
            Some(SmsAccepted {
                message_id: "85463238".into()
            })
        );
        // An undelivered message was still accepted: it will not be sent again.
        let undelivered = r#"{"return":{"status":200,"message":""},"entries":[
            {"messageid":"77","localid":450,"status":11,"statustext":"نرسیده به گیرنده"}]}"#
            .as_bytes();
        assert_eq!(
            interpret_status(200, undelivered, 450).expect("an answer"),
            Some(SmsAccepted {
                message_id: "77".into()
            })
        );
    }

    #[test]
    fn status_answer_unknown_local_id_is_none() {
        let invalid = r#"{"return":{"status":200,"message":"تایید شد"},"entries":[
            {"messageid":0,"localid":"451","status":100,"statustext":"شناسه نامعتبر"}]}"#
            .as_bytes();
        assert_eq!(
            interpret_status(200, invalid, 451).expect("an answer"),
            None
        );
        let zero_id = r#"{"return":{"status":200,"message":""},"entries":[
            {"messageid":0,"localid":"451","status":1,"statustext":""}]}"#
            .as_bytes();
        assert_eq!(
            interpret_status(200, zero_id, 451).expect("an answer"),
            None
        );
        let other = r#"{"return":{"status":200,"message":""},"entries":[
            {"messageid":9,"localid":"452","status":10,"statustext":""}]}"#
            .as_bytes();
        assert_eq!(interpret_status(200, other, 451).expect("an answer"), None);
        for empty in [
            r#"{"return":{"status":200,"message":""},"entries":[]}"#.as_bytes(),
            r#"{"return":{"status":200,"message":""},"entries":null}"#.as_bytes(),
        ] {
            assert_eq!(interpret_status(200, empty, 451).expect("an answer"), None);
        }
    }

    #[test]
    fn status_answer_refused() {
        let body = r#"{"return":{"status":407,"message":"دسترسی امکان پذیر نیست"},"entries":null}"#
            .as_bytes();
        assert!(matches!(
            interpret_status(407, body, 1),
            Err(SmsError::Refused { status: 407, .. })
        ));
    }

    #[test]
    fn endpoint_keeps_the_base_path() {
        let c = client(
            "http://127.0.0.1:8080/_simulator/kavenegar/",
            Duration::from_secs(1),
        );
        assert_eq!(
            c.endpoint("send.json").as_str(),
            format!("http://127.0.0.1:8080/_simulator/kavenegar/v1/{KEY}/sms/send.json")
        );
        let c = client("http://127.0.0.1:8080", Duration::from_secs(1));
        assert_eq!(
            c.endpoint("statuslocalmessageid.json").as_str(),
            format!("http://127.0.0.1:8080/v1/{KEY}/sms/statuslocalmessageid.json")
        );
    }

    #[test]
    fn the_key_is_redacted() {
        let c = client("http://127.0.0.1:1", Duration::from_secs(1));
        assert!(!format!("{c:?}").contains(KEY));
        let text = c.redact(&format!("error for url (http://h/v1/{KEY}/sms/send.json)"));
        assert_eq!(text, "error for url (http://h/v1/***/sms/send.json)");
        // A key with characters a path must escape is redacted in its escaped form too.
        let odd = Kavenegar::new("http://h/", "a b/c", "", Duration::from_secs(1)).expect("ok");
        let url = odd.endpoint("send.json").to_string();
        assert!(!odd.redact(&url).contains("a%20b"), "{url}");
    }

    #[test]
    fn empty_key_or_bad_base_is_refused() {
        assert!(Kavenegar::new("http://h", " ", "", Duration::from_secs(1)).is_err());
        assert!(Kavenegar::new("not a url", KEY, "", Duration::from_secs(1)).is_err());
    }

    #[tokio::test]
    async fn refused_connection_is_unreachable_without_the_key() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let port = listener.local_addr().expect("an address").port();
        drop(listener);
        let c = client(&format!("http://127.0.0.1:{port}"), Duration::from_secs(5));
        match c.send("09123456789", "سلام", 1).await {
            Err(SmsError::Unreachable(text)) => assert!(!text.contains(KEY), "{text}"),
            other => panic!("expected Unreachable, got {other:?}"),
        }
        match c.accepted_with_local_id(1).await {
            Err(e @ SmsError::Unreachable(_)) => assert!(!e.to_string().contains(KEY)),
            other => panic!("expected Unreachable, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn silence_after_the_request_is_unknown_without_the_key() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let port = listener.local_addr().expect("an address").port();
        // Accepts connections and never answers.
        let server = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                open.push(socket);
            }
        });
        let c = client(
            &format!("http://127.0.0.1:{port}"),
            Duration::from_millis(300),
        );
        match c.send("09123456789", "سلام", 7).await {
            Err(SmsError::Unknown(text)) => assert!(!text.contains(KEY), "{text}"),
            other => panic!("expected Unknown, got {other:?}"),
        }
        server.abort();
    }
}
