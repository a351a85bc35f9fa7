//! The qualification workflow (S1, R2–R9): the officer's side (start, edit, submit,
//! resubmit, cancel), the reviewer's (claim, deficiencies, approve, reject) and the
//! completion once the fee is paid.

mod completion;
mod draft;
mod review;

pub use completion::complete_in;
pub use draft::{
    attach, cancel, editable, remove_document, resubmit, room_for_document, start, submit, update,
};
pub use review::{approve, claim, reject, report_deficiencies};

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::domain::officer::DocumentKind;
use crate::domain::qualification::{Action, Refusal, Status, transition};
use crate::domain::sms::SmsPurpose;
use crate::domain::{Caller, Entity};
use crate::error::{AppError, AppResult};
use crate::policy::{self, Object};
use crate::store::outbox::NewSms;
use crate::store::qualification::{self as q, Request};

/// A deficiency reported by a reviewer.
#[derive(Debug)]
pub struct DeficiencyItem {
    pub field: Option<String>,
    pub document_kind: Option<DocumentKind>,
    pub description: String,
}

/// Names of the proposed-data fields, as in `QualificationDraftInput`.
pub const DRAFT_FIELDS: [&str; 13] = [
    "firstName",
    "lastName",
    "fieldOfStudyId",
    "degreeLevel",
    "provinceId",
    "cityId",
    "phone",
    "mobile",
    "email",
    "postalAddress",
    "fatherName",
    "gender",
    "birthCertificateNumber",
];

/// Maps a refused transition to the application's error.
pub(super) fn refusal(r: Refusal) -> AppError {
    match r {
        Refusal::Forbidden => AppError::forbidden(),
        Refusal::InvalidState {
            message,
            message_fa,
        } => AppError::invalid_state(message, message_fa),
    }
}

pub(super) fn check(req: &Request, action: Action, caller: &Caller) -> AppResult<Status> {
    let party = policy::qualification_party(caller, req.assigned_reviewer_id);
    transition(req.status, action, party).map_err(refusal)
}

/// Locks a request the caller may see, for the rest of the transaction; `NOT_FOUND`
/// otherwise (also when it does not exist).
pub(crate) async fn lock_visible(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Request> {
    match q::lock(conn, id).await? {
        Some(r) if policy::sees(caller, Object::QualificationRequest, &r.parties()) => Ok(r),
        _ => Err(AppError::not_found()),
    }
}

/// The proposed data of a request, by input field name.
pub fn snapshot(r: &Request) -> serde_json::Value {
    serde_json::json!({
        "firstName": r.first_name, "lastName": r.last_name,
        "fieldOfStudyId": r.field_of_study_id, "degreeLevel": r.degree_level,
        "provinceId": r.province_id, "cityId": r.city_id, "phone": r.phone, "mobile": r.mobile,
        "email": r.email, "postalAddress": r.postal_address, "fatherName": r.father_name,
        "gender": r.gender, "birthCertificateNumber": r.birth_certificate_number,
    })
}

/// What changed since the last deficiency report (`report`, the REPORT_DEFICIENCIES event,
/// which keeps the proposed data and the documents of that moment): proposed-data field
/// names, and `documents` when documents were added or removed since. Empty before any
/// report.
pub fn changes_since(
    req: &Request,
    report: Option<&crate::store::events::Event>,
    documents: &[q::Document],
) -> Vec<String> {
    let Some(event) = report else {
        return Vec::new();
    };
    let before = &event.data["snapshot"];
    let now = snapshot(req);
    let mut changed: Vec<String> = DRAFT_FIELDS
        .iter()
        .filter(|f| before[**f] != now[**f])
        .map(|f| f.to_string())
        .collect();
    let mut docs_before: Vec<String> = event.data["documents"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let mut docs_now: Vec<String> = documents.iter().map(|d| d.id.to_string()).collect();
    docs_before.sort();
    docs_now.sort();
    if docs_before != docs_now {
        changed.push("documents".to_string());
    }
    changed
}

/// An SMS to the officer of a request.
pub(super) async fn to_officer(
    conn: &mut AsyncPgConnection,
    req: &Request,
    text: String,
    purpose: SmsPurpose,
) -> AppResult<NewSms> {
    let officer = crate::store::officers::find(conn, req.officer_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(NewSms::new(
        &officer.mobile,
        text,
        purpose,
        Entity::QualificationRequest,
        req.id,
    ))
}
