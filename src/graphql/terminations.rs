//! Terminations (C1, C2) and the SMS outbox view.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object, Result};
use base64::Engine as _;
use uuid::Uuid;

use super::context::{app, caller};
use super::pagination::{Page, Total, connection, encode};
use super::types::sms::SmsMessage;
use super::types::termination::TerminationRequest;
use crate::domain::sms::SmsStatus;
use crate::error::AppError;
use crate::policy::{self, Object as Kind};
use crate::store::{self, outbox, terminations as db};
use crate::workflow::terminations as wf;

/// A page of termination requests.
pub type TerminationRequestConnection = Connection<String, TerminationRequest, Total>;
/// A page of the SMS outbox.
pub type SmsMessageConnection = Connection<String, SmsMessage, Total>;

fn id(id: &ID) -> Result<Uuid, AppError> {
    id.parse().map_err(|_| AppError::not_found())
}

/// The cursor of an outbox row (its time and numeric id).
fn sms_cursor(t: chrono::DateTime<chrono::Utc>, id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{}|{id}", t.timestamp_micros()))
}

fn sms_after(cursor: Option<String>) -> Result<Option<(chrono::DateTime<chrono::Utc>, i64)>> {
    let Some(c) = cursor else { return Ok(None) };
    let bad = || AppError::validation("after", "invalid cursor", "نشانگر صفحه نامعتبر است");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (micros, id) = text.split_once('|').ok_or_else(bad)?;
    let t = chrono::DateTime::from_timestamp_micros(micros.parse().map_err(|_| bad())?)
        .ok_or_else(bad)?;
    Ok(Some((t, id.parse().map_err(|_| bad())?)))
}

/// Termination queries and the outbox.
#[derive(Default)]
pub struct TerminationsQuery;

#[Object]
impl TerminationsQuery {
    /// Termination requests, newest first: an officer all its own (C2), a distributor the
    /// finalised ones of its branches, admins all.
    #[graphql(complexity = "crate::graphql::cost::page(first, child_complexity)")]
    async fn termination_requests(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<TerminationRequestConnection> {
        let page = Page::from_args(first, after)?;
        let caller = caller(ctx).await?;
        let scope = policy::scope(&caller, Kind::TerminationRequest);
        let mut conn = crate::graphql::context::read_conn(ctx).await?;
        let (rows, total) = db::list(&mut conn, scope, page.after, page.first + 1).await?;
        Ok(connection(
            rows,
            total,
            &page,
            |r| encode(r.created_at, r.id),
            TerminationRequest,
        ))
    }

    /// One termination request: to its officer, its distributor once finalised, admins.
    async fn termination_request(&self, ctx: &Context<'_>, id: ID) -> Result<TerminationRequest> {
        let caller = caller(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(TerminationRequest(
            wf::visible(&mut conn, &caller, self::id(&id)?).await?,
        ))
    }

    /// The SMS outbox, newest first, filterable by status: what was sent, what waits (with
    /// its attempts and last error) and what failed for good. Admins only.
    #[graphql(complexity = "crate::graphql::cost::page(first, child_complexity)")]
    async fn sms_outbox(
        &self,
        ctx: &Context<'_>,
        status: Option<Vec<SmsStatus>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<SmsMessageConnection> {
        let page = Page::from_args(first, None)?;
        let after = sms_after(after)?;
        let statuses = status.unwrap_or_default();
        let mut conn = crate::graphql::context::read_conn(ctx).await?;
        let (rows, total) = outbox::list(&mut conn, &statuses, after, page.first + 1).await?;
        let mut c = connection(
            rows,
            total,
            &page,
            |r| sms_cursor(r.created_at, r.id),
            SmsMessage,
        );
        c.has_previous_page = after.is_some();
        Ok(c)
    }
}

/// Termination mutations.
#[derive(Default)]
pub struct TerminationsMutation;

#[Object]
impl TerminationsMutation {
    /// Writes a DRAFT ending one of the officer's own active contracts, with the reason
    /// (C1). `NOT_FOUND` for anyone else's contract, `INVALID_STATE` for an ended one.
    async fn request_termination(
        &self,
        ctx: &Context<'_>,
        contract_id: ID,
        reason: String,
    ) -> Result<TerminationRequest> {
        let caller = caller(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(TerminationRequest(
            wf::request(&mut conn, caller, id(&contract_id)?, &reason).await?,
        ))
    }

    /// Finalises a DRAFT: it takes effect now, with no university or directorate approval —
    /// the contract ends, the branch loses its technical officer, and the distributor's
    /// management gets an SMS. Show `legalNoticeFa` first. A second finalisation is
    /// `INVALID_STATE` and sends nothing.
    async fn finalize_termination(&self, ctx: &Context<'_>, id: ID) -> Result<TerminationRequest> {
        let caller = caller(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(TerminationRequest(
            wf::finalize(&mut conn, caller, self::id(&id)?).await?,
        ))
    }

    /// Cancels a DRAFT.
    async fn cancel_termination_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<TerminationRequest> {
        let caller = caller(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(TerminationRequest(
            wf::cancel(&mut conn, caller, self::id(&id)?).await?,
        ))
    }
}
