//! The officer's side: start a request, edit it and its documents, submit, resubmit,
//! cancel.

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::domain::normalize;
use crate::domain::officer::DocumentKind;
use crate::domain::qualification::{Action, DraftPatch, RequestKind, Status};
use crate::domain::{Actor, Caller};
use crate::error::{AppError, AppResult};
use crate::policy::{self, Object};
use crate::store::officers::{self, Officer};
use crate::store::qualification::{self as q, Request, TransitionSet};
use crate::store::reference;
use crate::store::transition::{self, Transition};

use super::{check, lock_visible};

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
    max_documents: i64,
) -> AppResult<()> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        let req = lock_visible(conn, &caller, doc.request_id).await?;
        check(&req, Action::Edit, &caller)?;
        room_for_document(conn, req.id, max_documents).await?;
        q::insert_document(conn, &doc, &Actor::User(caller), req.status).await
    })
    .await
}

/// Refuses one more document on a request that holds `max_documents` already (each takes
/// up to `MAX_DOCUMENT_BYTES` of storage): `VALIDATION_FAILED` on `file`.
pub async fn room_for_document(
    conn: &mut AsyncPgConnection,
    request_id: Uuid,
    max_documents: i64,
) -> AppResult<()> {
    if q::count_documents(conn, request_id).await? >= max_documents {
        return Err(AppError::validation(
            "file",
            format!(
                "a request holds at most {max_documents} documents: remove one before adding another"
            ),
            format!(
                "هر درخواست حداکثر {} مدرک دارد؛ پیش از افزودن مدرک تازه یکی را حذف کنید",
                crate::domain::normalize::persian_number(
                    usize::try_from(max_documents).unwrap_or(0)
                )
            ),
        ));
    }
    Ok(())
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
        let university = reference::route(conn, province, city)
            .await?
            .ok_or_else(|| {
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
        waiting_since: None,
    }
}
