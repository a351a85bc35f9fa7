//! The qualification workflow (S1, R2–R9): start, edit, submit, review, complete.

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::domain::normalize;
use crate::domain::officer::DocumentKind;
use crate::domain::qualification::{
    Action, DraftPatch, Party, Refusal, RejectionReason, RequestKind, Status, transition,
};
use crate::domain::{Actor, Caller, Entity};
use crate::error::{AppError, AppResult};
use crate::policy::{self, Object};
use crate::store::events::{self, NewEvent};
use crate::store::officers::{self, Officer, Profile};
use crate::store::qualification::{self as q, Deficiency, Request, TransitionSet};
use crate::store::reference;
use crate::store::transition::{self, Transition};

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
fn refusal(r: Refusal) -> AppError {
    match r {
        Refusal::Forbidden => AppError::forbidden(),
        Refusal::InvalidState {
            message,
            message_fa,
        } => AppError::invalid_state(message, message_fa),
    }
}

fn check(req: &Request, action: Action, caller: &Caller) -> AppResult<Status> {
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

/// Checks the references of proposed data against the reference data: the field of study
/// exists, and the city lies in the province as they will be after the change.
async fn check_references(
    conn: &mut AsyncPgConnection,
    req: &Request,
    patch: &DraftPatch,
) -> AppResult<()> {
    if let Some(field) = patch.field_of_study_id.value()
        && reference::fields_by_ids(conn, &[*field]).await?.is_empty()
    {
        return Err(AppError::validation(
            "fieldOfStudyId",
            "unknown field of study",
            "رشته تحصیلی نامعتبر است",
        ));
    }
    let province = patch
        .province_id
        .applied_to(req.province_id.as_ref())
        .copied();
    let city = patch.city_id.applied_to(req.city_id.as_ref()).copied();
    if let Some(city) = city {
        match reference::city(conn, city).await? {
            None => {
                return Err(AppError::validation(
                    "cityId",
                    "unknown city",
                    "شهر نامعتبر است",
                ));
            }
            Some(c) if Some(c.province_id) != province => {
                return Err(AppError::validation(
                    "cityId",
                    "the city is not in the chosen province",
                    "شهر انتخاب‌شده در استان انتخاب‌شده نیست",
                ));
            }
            Some(_) => {}
        }
    } else if let Some(p) = province
        && reference::provinces_by_ids(conn, &[p]).await?.is_empty()
    {
        return Err(AppError::validation(
            "provinceId",
            "unknown province",
            "استان نامعتبر است",
        ));
    }
    Ok(())
}

/// Starts a request: `NEW` only while not qualified, `AMENDMENT` only once qualified, at most
/// one open request (R1, S1.1, S1.2).
pub async fn start(
    conn: &mut AsyncPgConnection,
    caller: Caller,
    kind: RequestKind,
) -> AppResult<Request> {
    let officer_id = caller.officer_id.ok_or_else(AppError::forbidden)?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        // Lock the officer: serialises with general-info edits and concurrent starts.
        let officer = officers::lock(conn, officer_id).await?;
        match (kind, officer.is_qualified()) {
            (RequestKind::New, true) => {
                return Err(AppError::invalid_state(
                    "the officer is qualified already: submit an amendment instead",
                    "صلاحیت شما قبلاً احراز شده است؛ برای تغییر اطلاعات، درخواست اصلاحیه ثبت کنید",
                ));
            }
            (RequestKind::Amendment, false) => {
                return Err(AppError::new(
                    crate::error::ErrorCode::NotQualified,
                    "an amendment needs a qualified officer: submit a new qualification request",
                    "درخواست اصلاحیه پس از احراز صلاحیت ممکن است",
                ));
            }
            _ => {}
        }
        q::create_draft(conn, &prefilled(&officer, kind), &Actor::User(caller)).await
    })
    .await
}

/// Edits the proposed data of a DRAFT or DEFICIENT request.
pub async fn update(
    conn: &mut AsyncPgConnection,
    caller: Caller,
    id: Uuid,
    patch: DraftPatch,
) -> AppResult<Request> {
    let patch = patch.validate()?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let req = lock_visible(conn, &caller, id).await?;
        check(&req, Action::Edit, &caller)?;
        check_references(conn, &req, &patch).await?;
        q::write_proposed(conn, &req, &Actor::User(caller), &patch).await
    })
    .await
}

/// Checks that a request may take documents now (owner, DRAFT or DEFICIENT); returns it.
pub async fn editable(
    conn: &mut AsyncPgConnection,
    caller: Caller,
    id: Uuid,
) -> AppResult<Request> {
    let req = q::find(conn, id)
        .await?
        .filter(|r| policy::sees(&caller, Object::QualificationRequest, &r.parties()))
        .ok_or_else(AppError::not_found)?;
    check(&req, Action::Edit, &caller)?;
    Ok(req)
}

/// Records an uploaded (and stored) document, re-checking the request under its lock.
pub async fn attach(
    conn: &mut AsyncPgConnection,
    caller: Caller,
    doc: q::Document,
) -> AppResult<()> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        let req = lock_visible(conn, &caller, doc.request_id).await?;
        check(&req, Action::Edit, &caller)?;
        q::insert_document(conn, &doc, &Actor::User(caller), req.status).await
    })
    .await
}

/// Removes a document of a DRAFT or DEFICIENT request; returns the request and the storage
/// key to delete.
pub async fn remove_document(
    conn: &mut AsyncPgConnection,
    caller: Caller,
    document_id: Uuid,
) -> AppResult<(Request, String)> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        let doc = q::document(conn, document_id)
            .await?
            .ok_or_else(AppError::not_found)?;
        let req = lock_visible(conn, &caller, doc.request_id).await?;
        check(&req, Action::Edit, &caller)?;
        q::delete_document(conn, &doc, &Actor::User(caller), req.status).await?;
        let req = q::find(conn, req.id)
            .await?
            .ok_or_else(AppError::not_found)?;
        Ok((req, doc.storage_key))
    })
    .await
}

/// What a submission lacks, named as the input fields and document kinds: empty when complete.
async fn missing(conn: &mut AsyncPgConnection, req: &Request) -> AppResult<Vec<String>> {
    let mut missing = Vec::new();
    let checks: [(&str, bool); 7] = [
        ("firstName", req.first_name.is_some()),
        ("lastName", req.last_name.is_some()),
        ("mobile", req.mobile.is_some()),
        ("degreeLevel", req.degree_level.is_some()),
        ("fieldOfStudyId", req.field_of_study_id.is_some()),
        ("provinceId", req.province_id.is_some()),
        ("cityId", req.city_id.is_some()),
    ];
    missing.extend(checks.iter().filter(|c| !c.1).map(|c| c.0.to_string()));
    let have: Vec<DocumentKind> = q::documents_of(conn, &[req.id])
        .await?
        .into_iter()
        .map(|d| d.kind)
        .collect();
    for kind in q::required_kinds(conn, req.kind).await? {
        if !have.contains(&kind) {
            missing.push(format!("document:{}", kind.as_str()));
        }
    }
    Ok(missing)
}

fn incomplete(missing: Vec<String>) -> AppError {
    let names_fa: Vec<String> = missing
        .iter()
        .map(|m| match m.strip_prefix("document:") {
            Some(kind) => format!(
                "مدرک «{}»",
                DocumentKind::parse(kind)
                    .map(DocumentKind::name_fa)
                    .unwrap_or(kind)
            ),
            None => field_name_fa(m).to_string(),
        })
        .collect();
    let mut e = AppError::validation(
        missing.first().cloned().unwrap_or_default(),
        format!("the request is incomplete; missing: {}", missing.join(", ")),
        format!("درخواست کامل نیست؛ موارد ناقص: {}", names_fa.join("، ")),
    );
    e.details = Some(Box::new(serde_json::json!({ "missing": missing })));
    e
}

/// Persian name of a proposed-data field.
pub fn field_name_fa(field: &str) -> &str {
    match field {
        "firstName" => "نام",
        "lastName" => "نام خانوادگی",
        "fieldOfStudyId" => "رشته تحصیلی",
        "degreeLevel" => "مقطع تحصیلی",
        "provinceId" => "استان محل سکونت",
        "cityId" => "شهر محل سکونت",
        "phone" => "تلفن",
        "mobile" => "تلفن همراه",
        "email" => "پست الکترونیک",
        "postalAddress" => "نشانی پستی",
        "fatherName" => "نام پدر",
        "gender" => "جنسیت",
        "birthCertificateNumber" => "شماره شناسنامه",
        other => other,
    }
}

/// R4: the field of study and the degree level must be eligible.
async fn check_eligibility(conn: &mut AsyncPgConnection, req: &Request) -> AppResult<()> {
    let (Some(field), Some(level)) = (req.field_of_study_id, req.degree_level) else {
        return Ok(());
    };
    let (field_ok, level_ok) = q::eligibility(conn, field, level).await?;
    if field_ok == Some(false) {
        return Err(AppError::validation(
            "fieldOfStudyId",
            "the directorate does not accept this field of study for technical officers",
            "این رشته تحصیلی برای مسئول فنی مورد پذیرش اداره کل نیست",
        ));
    }
    if level_ok == Some(false) {
        return Err(AppError::validation(
            "degreeLevel",
            "the directorate does not accept this degree level for technical officers",
            "این مقطع تحصیلی برای مسئول فنی مورد پذیرش اداره کل نیست",
        ));
    }
    Ok(())
}

/// Submits a draft: completeness, eligibility, then routing to the university covering the
/// city, else the province (R2).
pub async fn submit(conn: &mut AsyncPgConnection, caller: Caller, id: Uuid) -> AppResult<Request> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        let req = lock_visible(conn, &caller, id).await?;
        let to = check(&req, Action::Submit, &caller)?;
        let missing = missing(conn, &req).await?;
        if !missing.is_empty() {
            return Err(incomplete(missing));
        }
        check_eligibility(conn, &req).await?;
        let (Some(province), Some(city)) = (req.province_id, req.city_id) else {
            return Err(incomplete(vec!["cityId".into()]));
        };
        let university = q::route(conn, province, city).await?.ok_or_else(|| {
            AppError::validation(
                "cityId",
                "no university covers this place",
                "هیچ دانشگاهی این شهر را پوشش نمی‌دهد",
            )
        })?;
        let set = TransitionSet {
            university_id: Some(Some(university)),
            submitted_at: Some(Some(Utc::now())),
            ..Default::default()
        };
        let data = serde_json::json!({ "universityId": university });
        transition::apply(
            conn,
            &req,
            Transition::new(to, Action::Submit.as_str(), Actor::User(caller)).data(data),
            set,
        )
        .await
    })
    .await
}

/// Sends a fixed DEFICIENT request back to the same reviewer (R5).
pub async fn resubmit(
    conn: &mut AsyncPgConnection,
    caller: Caller,
    id: Uuid,
    note: Option<String>,
) -> AppResult<Request> {
    let note = normalize::optional_text("note", note.as_deref(), 2000)?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let req = lock_visible(conn, &caller, id).await?;
        let to = check(&req, Action::Resubmit, &caller)?;
        let missing = missing(conn, &req).await?;
        if !missing.is_empty() {
            return Err(incomplete(missing));
        }
        check_eligibility(conn, &req).await?;
        q::resolve_deficiencies(conn, req.id).await?;
        let data = serde_json::json!({ "reviewerId": req.assigned_reviewer_id });
        transition::apply(
            conn,
            &req,
            Transition::new(to, Action::Resubmit.as_str(), Actor::User(caller))
                .note(note)
                .data(data),
            TransitionSet::default(),
        )
        .await
    })
    .await
}

/// Withdraws a DRAFT or SUBMITTED request.
pub async fn cancel(conn: &mut AsyncPgConnection, caller: Caller, id: Uuid) -> AppResult<Request> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        let req = lock_visible(conn, &caller, id).await?;
        let to = check(&req, Action::Cancel, &caller)?;
        transition::apply(
            conn,
            &req,
            Transition::new(to, Action::Cancel.as_str(), Actor::User(caller)),
            TransitionSet::default(),
        )
        .await
    })
    .await
}

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
        transition::apply(
            conn,
            &req,
            Transition::new(to, Action::ReportDeficiencies.as_str(), Actor::User(caller))
                .data(data),
            TransitionSet::default(),
        )
        .await
    })
    .await
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
    report: Option<&q::Event>,
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
        transition::apply(
            conn,
            &req,
            Transition::new(to, Action::Approve.as_str(), Actor::User(caller))
                .note(note)
                .data(data),
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
    apply_to_officer(conn, &req).await?;
    transition::apply(
        conn,
        &req,
        Transition::new(to, Action::CompletePayment.as_str(), Actor::System).data(data),
        TransitionSet::default(),
    )
    .await
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
        "QUALIFIED"
    } else {
        "AMENDMENT_APPLIED"
    };
    events::append(
        conn,
        NewEvent::new(None, Entity::Officer, officer.id, action)
            .with_data(serde_json::json!({ "requestId": req.id }))
            .for_cartables(Some(officer.id), None),
    )
    .await?;
    Ok(updated)
}

/// A new DRAFT of `kind` for `officer`, prefilled with the officer's data.
fn prefilled(officer: &Officer, kind: RequestKind) -> Request {
    let now = Utc::now();
    Request {
        id: Uuid::new_v4(),
        officer_id: officer.id,
        kind,
        status: Status::Draft,
        first_name: Some(officer.first_name.clone()),
        last_name: Some(officer.last_name.clone()),
        father_name: officer.father_name.clone(),
        gender: officer.gender,
        birth_certificate_number: officer.birth_certificate_number.clone(),
        phone: officer.phone.clone(),
        mobile: Some(officer.mobile.clone()),
        email: officer.email.clone(),
        postal_address: officer.postal_address.clone(),
        province_id: officer.province_id,
        city_id: officer.city_id,
        field_of_study_id: officer.field_of_study_id,
        degree_level: officer.degree_level,
        university_id: None,
        assigned_reviewer_id: None,
        fee_rials: None,
        rejection_reason: None,
        submitted_at: None,
        created_at: now,
        updated_at: now,
    }
}

/// Loads the officer of an officer's account (`NOT_FOUND` when the account has none).
pub async fn officer_of(conn: &mut AsyncPgConnection, caller: &Caller) -> AppResult<Officer> {
    let id = caller.officer_id.ok_or_else(AppError::not_found)?;
    officers::find(conn, id)
        .await?
        .ok_or_else(AppError::not_found)
}
