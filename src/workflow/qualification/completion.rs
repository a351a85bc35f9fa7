//! Completing a request once its fee is verified.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::domain::officer::OfficerAction;
use crate::domain::qualification::{Action, Party, RequestKind, transition};
use crate::domain::sms::{SmsPurpose, texts};
use crate::domain::{Actor, Entity};
use crate::error::{AppError, AppResult};
use crate::store::events::{self, NewEvent};
use crate::store::officers::{self, Officer, Profile};
use crate::store::outbox::NewSms;
use crate::store::qualification::{self as q, Request, TransitionSet};
use crate::store::transition::{self, Transition};

use super::refusal;

/// Completes a request whose fee was verified, in the caller's transaction (the system
/// acts: payment verification): a `NEW` request makes the officer QUALIFIED with the
/// request's data; an `AMENDMENT` applies its data and documents. Until then the officer's
/// data is untouched.
pub async fn complete_in(
    conn: &mut AsyncPgConnection,
    request_id: Uuid,
    data: serde_json::Value,
) -> AppResult<Request> {
    let req = q::lock(conn, request_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let to = transition(req.status, Action::CompletePayment, Party::System).map_err(refusal)?;
    let officer = apply_to_officer(conn, &req).await?;
    let mut t = Transition::new(to, Action::CompletePayment.as_str(), Actor::System).data(data);
    if req.kind == RequestKind::New {
        t = t.sms(NewSms::new(
            &officer.mobile,
            texts::qualified(),
            SmsPurpose::Qualified,
            Entity::QualificationRequest,
            req.id,
        ));
    }
    transition::apply(conn, &req, t, TransitionSet::default()).await
}

/// Writes a completed request to its officer: its proposed data, its documents as the
/// officer's current ones (replacing those of the same kinds), and for a `NEW` request the
/// qualification.
async fn apply_to_officer(conn: &mut AsyncPgConnection, req: &Request) -> AppResult<Officer> {
    let officer = officers::lock(conn, req.officer_id).await?;
    q::make_documents_current(conn, req.id, officer.id).await?;
    let profile = Profile {
        first_name: req.first_name.clone().unwrap_or(officer.first_name.clone()),
        last_name: req.last_name.clone().unwrap_or(officer.last_name.clone()),
        father_name: req.father_name.clone(),
        gender: req.gender,
        birth_certificate_number: req.birth_certificate_number.clone(),
        phone: req.phone.clone(),
        mobile: req.mobile.clone().unwrap_or(officer.mobile.clone()),
        email: req.email.clone(),
        postal_address: req.postal_address.clone(),
        province_id: req.province_id,
        city_id: req.city_id,
        field_of_study_id: req.field_of_study_id,
        degree_level: req.degree_level,
    };
    let mut updated = officers::set_profile(conn, officer.id, &profile).await?;
    let qualify = req.kind == RequestKind::New;
    if qualify && !officer.is_qualified() {
        updated = officers::qualify(conn, officer.id).await?;
    }
    let action = if qualify {
        OfficerAction::Qualified
    } else {
        OfficerAction::AmendmentApplied
    };
    events::append(
        conn,
        NewEvent::new(None, Entity::Officer, officer.id, action.as_str())
            .with_data(serde_json::json!({ "requestId": req.id }))
            .for_cartables(Some(officer.id), None),
    )
    .await?;
    Ok(updated)
}
