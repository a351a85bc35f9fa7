//! The reviewer's side: claim a file, report deficiencies (R5), approve with the fee (R9),
//! reject (R3, R7).

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::domain::normalize;
use crate::domain::qualification::{Action, RejectionReason};
use crate::domain::sms::{SmsPurpose, texts};
use crate::domain::{Actor, Caller};
use crate::error::{AppError, AppResult};
use crate::store::qualification::{self as q, Deficiency, Request, TransitionSet};
use crate::store::transition::{self, Transition};

use super::{DRAFT_FIELDS, DeficiencyItem, check, lock_visible, snapshot, to_officer};

/// A reviewer takes a SUBMITTED file of their university (two at once: exactly one wins).
pub async fn claim(conn: &mut AsyncPgConnection, caller: Caller, id: Uuid) -> AppResult<Request> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        let req = lock_visible(conn, &caller, id).await?;
        let to = check(&req, Action::Claim, &caller)?;
        let set = TransitionSet {
            assigned_reviewer_id: Some(Some(caller.user_id)),
            ..Default::default()
        };
        transition::apply(
            conn,
            &req,
            Transition::new(to, Action::Claim.as_str(), Actor::User(caller)),
            set,
        )
        .await
    })
    .await
}

/// The assigned reviewer sends the file back with deficiencies; the proposed data and the
/// documents at that moment are kept in the event, to show later what changed.
pub async fn report_deficiencies(
    conn: &mut AsyncPgConnection,
    caller: Caller,
    id: Uuid,
    items: Vec<DeficiencyItem>,
) -> AppResult<Request> {
    if items.is_empty() {
        return Err(AppError::validation(
            "items",
            "name at least one deficiency",
            "دست‌کم یک مورد نقص را مشخص کنید",
        ));
    }
    let mut clean = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let description =
            normalize::required_text(&format!("items.{i}.description"), &item.description, 2000)?;
        let field = match item
            .field
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty())
        {
            Some(f) if DRAFT_FIELDS.contains(&f.as_str()) => Some(f),
            Some(_) => {
                return Err(AppError::validation(
                    format!("items.{i}.field"),
                    format!("unknown field; one of {}", DRAFT_FIELDS.join(", ")),
                    "فیلد نامعتبر است",
                ));
            }
            None => None,
        };
        if field.is_none() && item.document_kind.is_none() {
            return Err(AppError::validation(
                format!("items.{i}"),
                "a deficiency names a field or a document kind",
                "هر مورد نقص باید به یک فیلد یا یک نوع مدرک اشاره کند",
            ));
        }
        clean.push((field, item.document_kind, description));
    }
    conn.transaction::<_, AppError, _>(async move |conn| {
        let req = lock_visible(conn, &caller, id).await?;
        let to = check(&req, Action::ReportDeficiencies, &caller)?;
        let round = q::next_round(conn, req.id).await?;
        let now = Utc::now();
        let rows: Vec<Deficiency> = clean
            .into_iter()
            .map(|(field, kind, description)| Deficiency {
                id: Uuid::new_v4(),
                request_id: req.id,
                round,
                field,
                document_kind: kind,
                description,
                resolved: false,
                reported_by: caller.user_id,
                created_at: now,
            })
            .collect();
        let count = rows.len();
        q::insert_deficiencies(conn, rows).await?;
        let documents: Vec<String> = q::documents_of(conn, &[req.id])
            .await?
            .into_iter()
            .map(|d| d.id.to_string())
            .collect();
        let data = serde_json::json!({
            "round": round,
            "items": count,
            "snapshot": snapshot(&req),
            "documents": documents,
        });
        let sms = to_officer(
            conn,
            &req,
            texts::deficiencies_reported(),
            SmsPurpose::DeficienciesReported,
        )
        .await?;
        transition::apply(
            conn,
            &req,
            Transition::new(to, Action::ReportDeficiencies.as_str(), Actor::User(caller))
                .data(data)
                .sms(sms),
            TransitionSet::default(),
        )
        .await
    })
    .await
}

/// The assigned reviewer approves: the fee of the schedule at this moment becomes due (R9).
pub async fn approve(
    conn: &mut AsyncPgConnection,
    caller: Caller,
    id: Uuid,
    note: Option<String>,
) -> AppResult<Request> {
    let note = normalize::optional_text("note", note.as_deref(), 2000)?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let req = lock_visible(conn, &caller, id).await?;
        let to = check(&req, Action::Approve, &caller)?;
        let fee = q::current_fee(conn, req.kind).await?;
        let set = TransitionSet {
            fee_rials: Some(Some(fee)),
            ..Default::default()
        };
        let data = serde_json::json!({ "feeRials": fee });
        let sms = to_officer(
            conn,
            &req,
            texts::request_approved(fee),
            SmsPurpose::RequestApproved,
        )
        .await?;
        transition::apply(
            conn,
            &req,
            Transition::new(to, Action::Approve.as_str(), Actor::User(caller))
                .note(note)
                .data(data)
                .sms(sms),
            set,
        )
        .await
    })
    .await
}

/// A reviewer rejects, with a reason (R3: `WRONG_PROVINCE`; R7: the officer may start again).
pub async fn reject(
    conn: &mut AsyncPgConnection,
    caller: Caller,
    id: Uuid,
    reason: RejectionReason,
    note: Option<String>,
) -> AppResult<Request> {
    let note = normalize::optional_text("note", note.as_deref(), 2000)?;
    if reason == RejectionReason::Other && note.is_none() {
        return Err(AppError::validation(
            "note",
            "say why in the note when the reason is OTHER",
            "برای دلیل «سایر»، علت رد را در توضیحات بنویسید",
        ));
    }
    conn.transaction::<_, AppError, _>(async move |conn| {
        let req = lock_visible(conn, &caller, id).await?;
        let to = check(&req, Action::Reject, &caller)?;
        let set = TransitionSet {
            rejection_reason: Some(Some(reason)),
            ..Default::default()
        };
        let data = serde_json::json!({ "reason": reason.as_str() });
        transition::apply(
            conn,
            &req,
            Transition::new(to, Action::Reject.as_str(), Actor::User(caller))
                .note(note)
                .data(data),
            set,
        )
        .await
    })
    .await
}
