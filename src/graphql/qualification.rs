//! Qualification requests: the officer's tracking, the reviewer's cartable, the workflow.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{
    Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject, Upload,
};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use std::io::Read as _;
use uuid::Uuid;

use super::accounts::Viewer;
use super::context::{app, who};
use super::guards::{RoleGuard, SignedIn};
use super::loaders::{
    CityId, DeficienciesOfRequest, DocumentsOfRequest, FieldOfStudyId, HistoryOfRequest, Loaders,
    OfficerId, UniversityId, UserId,
};
use super::officers::{Officer, Visibility};
use super::pagination::{Page, encode};
use super::reference::{City, FieldOfStudy, Province, University, parse_ref_id, province};
use crate::domain::officer::{DegreeLevel, DocumentKind, Gender};
use crate::domain::qualification::{RejectionReason, RequestKind, Status, WAITING};
use crate::domain::{Role, jalali};
use crate::error::{AppError, AppResult};
use crate::integrations::storage;
use crate::store::{self, qualification as q};
use crate::workflow::qualification as wf;

/// A qualification (NEW) or amendment request, with its proposed data.
pub struct QualificationRequest(pub q::Request);

#[Object]
impl QualificationRequest {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// NEW or AMENDMENT.
    async fn kind(&self) -> RequestKind {
        self.0.kind
    }
    /// Where the request is in the workflow.
    async fn status(&self) -> Status {
        self.0.status
    }
    /// The officer the request is about.
    async fn officer(&self, ctx: &Context<'_>) -> Result<Officer> {
        let row = ctx
            .data_unchecked::<Loaders>()
            .load_one(OfficerId(self.0.officer_id))
            .await?
            .ok_or_else(AppError::not_found)?;
        // Whoever sees the request sees its officer.
        Ok(Officer {
            row,
            visibility: Visibility::Full,
        })
    }
    /// The university the request was routed to (after submission).
    async fn university(&self, ctx: &Context<'_>) -> Result<Option<University>> {
        let Some(id) = self.0.university_id else {
            return Ok(None);
        };
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(UniversityId(id))
            .await?
            .map(University))
    }
    /// The reviewer who claimed the file.
    async fn assigned_reviewer(&self, ctx: &Context<'_>) -> Result<Option<Viewer>> {
        let Some(id) = self.0.assigned_reviewer_id else {
            return Ok(None);
        };
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(UserId(id))
            .await?
            .map(|u| Viewer(u, false)))
    }
    /// Attached documents.
    async fn documents(&self, ctx: &Context<'_>) -> Result<Vec<Document>> {
        let rows = ctx
            .data_unchecked::<Loaders>()
            .load_one(DocumentsOfRequest(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(Document).collect())
    }
    /// Deficiencies reported, every round; `resolved` once the officer resubmitted.
    async fn deficiencies(&self, ctx: &Context<'_>) -> Result<Vec<Deficiency>> {
        let rows = ctx
            .data_unchecked::<Loaders>()
            .load_one(DeficienciesOfRequest(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(Deficiency).collect())
    }
    /// The review fee in Rials, fixed at approval (R9).
    async fn fee_rials(&self) -> Result<Option<i32>> {
        self.0
            .fee_rials
            .map(|f| {
                i32::try_from(f)
                    .map_err(|_| AppError::internal(anyhow::anyhow!("fee over Int")).into())
            })
            .transpose()
    }
    /// The payment of the fee: the paid attempt, else the latest one.
    async fn payment(&self, ctx: &Context<'_>) -> Result<Option<super::payments::Payment>> {
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(super::loaders::PaymentOfRequest(self.0.id))
            .await?
            .map(super::payments::Payment))
    }
    /// The request's history, oldest first.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<RequestEvent>> {
        let rows = ctx
            .data_unchecked::<Loaders>()
            .load_one(HistoryOfRequest(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(RequestEvent).collect())
    }
    /// When it was (last) submitted.
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.submitted_at
    }
    /// When it was submitted, Jalali, Tehran time.
    async fn submitted_at_jalali(&self) -> Option<String> {
        self.0.submitted_at.map(jalali::datetime)
    }
    /// When the draft was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the draft was created, Jalali, Tehran time.
    async fn created_at_jalali(&self) -> String {
        jalali::datetime(self.0.created_at)
    }
    /// Why it was rejected.
    async fn rejection_reason(&self) -> Option<RejectionReason> {
        self.0.rejection_reason
    }
    /// The proposed data: what the officer's file will say once the request completes.
    async fn proposed(&self) -> ProposedData<'_> {
        ProposedData(&self.0)
    }
    /// Proposed-data fields (as in `QualificationDraftInput`) changed since the last
    /// deficiency report, and `documents` when documents were added or removed: what the
    /// reviewer should look at again (R5).
    async fn changes_since_deficiencies(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(wf::changes_since_deficiencies(&mut conn, &self.0).await?)
    }
}

/// The data a request proposes.
pub struct ProposedData<'a>(&'a q::Request);

#[Object]
impl ProposedData<'_> {
    /// First name.
    async fn first_name(&self) -> Option<&str> {
        self.0.first_name.as_deref()
    }
    /// Last name.
    async fn last_name(&self) -> Option<&str> {
        self.0.last_name.as_deref()
    }
    /// Father's name.
    async fn father_name(&self) -> Option<&str> {
        self.0.father_name.as_deref()
    }
    /// Gender.
    async fn gender(&self) -> Option<Gender> {
        self.0.gender
    }
    /// Birth-certificate number.
    async fn birth_certificate_number(&self) -> Option<&str> {
        self.0.birth_certificate_number.as_deref()
    }
    /// Landline.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// Mobile.
    async fn mobile(&self) -> Option<&str> {
        self.0.mobile.as_deref()
    }
    /// E-mail.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Postal address.
    async fn postal_address(&self) -> Option<&str> {
        self.0.postal_address.as_deref()
    }
    /// Province of residence.
    async fn province(&self, ctx: &Context<'_>) -> Result<Option<Province>> {
        match self.0.province_id {
            Some(id) => Ok(Some(province(ctx, id).await?)),
            None => Ok(None),
        }
    }
    /// City of residence.
    async fn city(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        let Some(id) = self.0.city_id else {
            return Ok(None);
        };
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(CityId(id))
            .await?
            .map(City))
    }
    /// Field of study.
    async fn field_of_study(&self, ctx: &Context<'_>) -> Result<Option<FieldOfStudy>> {
        let Some(id) = self.0.field_of_study_id else {
            return Ok(None);
        };
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(FieldOfStudyId(id))
            .await?
            .map(FieldOfStudy))
    }
    /// Level of study.
    async fn degree_level(&self) -> Option<DegreeLevel> {
        self.0.degree_level
    }
}

/// A deficiency announced by the reviewer.
pub struct Deficiency(pub q::Deficiency);

#[Object]
impl Deficiency {
    /// The proposed-data field at fault (as in `QualificationDraftInput`), if any.
    async fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }
    /// The document kind at fault, if any.
    async fn document_kind(&self) -> Option<DocumentKind> {
        self.0.document_kind
    }
    /// What is wrong.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Whether the officer has resubmitted since.
    async fn resolved(&self) -> bool {
        self.0.resolved
    }
    /// Round of the report (1 for the first).
    async fn round(&self) -> i32 {
        self.0.round
    }
}

/// One step of a request's history.
pub struct RequestEvent(pub q::Event);

#[Object]
impl RequestEvent {
    /// Opaque id (the event log's position: `cartableEvents(afterEventId)` resumes from it).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What happened: CREATE, EDIT, ATTACH_DOCUMENT, SUBMIT, CLAIM, REPORT_DEFICIENCIES, ...
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// Status before.
    async fn from_status(&self) -> Option<&str> {
        self.0.from_status.as_deref()
    }
    /// Status after (the current status for events that do not change it).
    async fn to_status(&self) -> String {
        self.0
            .to_status
            .clone()
            .unwrap_or_else(|| self.0.from_status.clone().unwrap_or_default())
    }
    /// Role of the actor; none for the system.
    async fn actor_role(&self) -> Option<Role> {
        self.0.actor_role
    }
    /// Note given with the action.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// When.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// When, Jalali, Tehran time: `YYYY/MM/DD HH:MM`.
    async fn occurred_at_jalali(&self) -> String {
        jalali::datetime(self.0.occurred_at)
    }
}

/// An uploaded document.
pub struct Document(pub q::Document);

#[Object]
impl Document {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Kind.
    async fn kind(&self) -> DocumentKind {
        self.0.kind
    }
    /// The name the file was uploaded with (R6; for display only).
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }
    /// Type sniffed from the content.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    /// Size in bytes.
    async fn size_bytes(&self) -> i32 {
        i32::try_from(self.0.size_bytes).unwrap_or(i32::MAX)
    }
    /// SHA-256 of the content, hex.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    /// A link (relative to the server) serving the file to the viewer for five minutes.
    #[graphql(guard = "SignedIn")]
    async fn download_url(&self, ctx: &Context<'_>) -> Result<String> {
        let user = super::context::current_user(ctx)?;
        let token = app(ctx)
            .tokens
            .issue_download(user.id, self.0.id)
            .map_err(AppError::internal)?;
        Ok(format!("/documents/{}?token={token}", self.0.id))
    }
    /// When it was uploaded.
    async fn uploaded_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Count of all items, beside the page.
#[derive(SimpleObject)]
pub struct Total {
    /// Number of items in the whole list.
    pub total_count: i64,
}

/// A page of requests.
pub type RequestConnection = Connection<String, QualificationRequest, Total>;

fn connection(
    rows: Vec<q::Request>,
    total: i64,
    page: &Page,
    cursor: impl Fn(&q::Request) -> String,
) -> RequestConnection {
    let has_next = rows.len() as i64 > page.first;
    let mut c = Connection::with_additional_fields(
        page.after.is_some(),
        has_next,
        Total { total_count: total },
    );
    c.edges.extend(
        rows.into_iter()
            .take(page.first as usize)
            .map(|r| Edge::new(cursor(&r), QualificationRequest(r))),
    );
    c
}

/// Proposed data (E3 and E2 items). An omitted field stays as it is; `null` clears it
/// (not the names or the mobile).
#[derive(InputObject)]
pub struct QualificationDraftInput {
    /// First name.
    pub first_name: MaybeUndefined<String>,
    /// Last name.
    pub last_name: MaybeUndefined<String>,
    /// Field of study (see `fieldsOfStudy`).
    pub field_of_study_id: MaybeUndefined<ID>,
    /// Level of study.
    pub degree_level: MaybeUndefined<DegreeLevel>,
    /// Province of residence: the file goes to its university (R2).
    pub province_id: MaybeUndefined<ID>,
    /// City of residence (in that province).
    pub city_id: MaybeUndefined<ID>,
    /// Landline.
    pub phone: MaybeUndefined<String>,
    /// Mobile.
    pub mobile: MaybeUndefined<String>,
    /// E-mail.
    pub email: MaybeUndefined<String>,
    /// Postal address.
    pub postal_address: MaybeUndefined<String>,
    /// Father's name.
    pub father_name: MaybeUndefined<String>,
    /// Gender.
    pub gender: MaybeUndefined<Gender>,
    /// Birth-certificate number.
    pub birth_certificate_number: MaybeUndefined<String>,
}

/// A deficiency to report: a field or a document kind, and what is wrong.
#[derive(InputObject)]
pub struct DeficiencyInput {
    /// A proposed-data field, as named in `QualificationDraftInput` (e.g. `cityId`).
    pub field: Option<String>,
    /// A document kind.
    pub document_kind: Option<DocumentKind>,
    /// What is wrong and how to fix it.
    pub description: String,
}

fn ref_id(field: &str, v: MaybeUndefined<ID>) -> AppResult<MaybeUndefined<i32>> {
    Ok(match v {
        MaybeUndefined::Undefined => MaybeUndefined::Undefined,
        MaybeUndefined::Null => MaybeUndefined::Null,
        MaybeUndefined::Value(id) => MaybeUndefined::Value(parse_ref_id(field, &id)?),
    })
}

fn request_id(id: &ID) -> AppResult<Uuid> {
    id.parse().map_err(|_| AppError::not_found())
}

/// Queries of requests.
#[derive(Default)]
pub struct QualificationQuery;

#[Object]
impl QualificationQuery {
    /// One request, to its officer, the reviewers of its university, and admins.
    #[graphql(guard = "SignedIn")]
    async fn qualification_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<QualificationRequest> {
        let who = who(ctx).await?;
        let id = request_id(&id)?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        match q::find(&mut conn, id).await? {
            Some(r) if who.sees(&r) => Ok(QualificationRequest(r)),
            _ => Err(AppError::not_found().into()),
        }
    }

    /// The officer's requests, newest first (S1.3).
    #[graphql(guard = "RoleGuard::new(&[Role::Officer])")]
    async fn my_qualification_requests(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<RequestConnection> {
        let page = Page::from_args(first, after)?;
        let who = who(ctx).await?;
        let officer = who.officer_id.ok_or_else(AppError::not_found)?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        let (rows, total) =
            q::list_for_officer(&mut conn, officer, page.after, page.first + 1).await?;
        Ok(connection(rows, total, &page, |r| {
            encode(r.created_at, r.id)
        }))
    }

    /// The reviewer's cartable: the own university's requests, by default those waiting
    /// (SUBMITTED, UNDER_REVIEW, DEFICIENT), oldest submission first.
    #[graphql(guard = "RoleGuard::new(&[Role::UniversityReviewer])")]
    async fn review_queue(
        &self,
        ctx: &Context<'_>,
        status: Option<Vec<Status>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<RequestConnection> {
        let page = Page::from_args(first, after)?;
        let who = who(ctx).await?;
        let university = who.university_id.ok_or_else(AppError::forbidden)?;
        let statuses: Vec<Status> = match status.as_deref() {
            Some([]) | None => WAITING.to_vec(),
            Some(s) => s.iter().copied().filter(|s| *s != Status::Draft).collect(),
        };
        let mut conn = store::conn(&app(ctx).pool).await?;
        let (rows, total) =
            q::review_queue(&mut conn, university, &statuses, page.after, page.first + 1).await?;
        Ok(connection(rows, total, &page, |r| {
            encode(r.submitted_at.unwrap_or(r.created_at), r.id)
        }))
    }
}

/// The workflow's mutations.
#[derive(Default)]
pub struct QualificationMutation;

#[Object]
impl QualificationMutation {
    /// Starts a request as a DRAFT prefilled from the officer's data. `NEW` only while not
    /// qualified, `AMENDMENT` only once qualified; one open request at a time (`CONFLICT`).
    #[graphql(guard = "RoleGuard::new(&[Role::Officer])")]
    async fn start_qualification_request(
        &self,
        ctx: &Context<'_>,
        kind: RequestKind,
    ) -> Result<QualificationRequest> {
        let who = who(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(QualificationRequest(wf::start(&mut conn, who, kind).await?))
    }

    /// Edits the proposed data of a DRAFT or DEFICIENT request.
    #[graphql(guard = "RoleGuard::new(&[Role::Officer])")]
    async fn update_qualification_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: QualificationDraftInput,
    ) -> Result<QualificationRequest> {
        let who = who(ctx).await?;
        let id = request_id(&id)?;
        let draft = wf::DraftInput {
            first_name: input.first_name,
            last_name: input.last_name,
            field_of_study_id: ref_id("fieldOfStudyId", input.field_of_study_id)?,
            degree_level: input.degree_level,
            province_id: ref_id("provinceId", input.province_id)?,
            city_id: ref_id("cityId", input.city_id)?,
            phone: input.phone,
            mobile: input.mobile,
            email: input.email,
            postal_address: input.postal_address,
            father_name: input.father_name,
            gender: input.gender,
            birth_certificate_number: input.birth_certificate_number,
        };
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(QualificationRequest(
            wf::update(&mut conn, who, id, draft).await?,
        ))
    }

    /// Attaches a document to a DRAFT or DEFICIENT request (GraphQL multipart request). The
    /// type is taken from the content (PDF, JPEG or PNG only); the file name is kept for
    /// display only (R6).
    #[graphql(guard = "RoleGuard::new(&[Role::Officer])")]
    async fn attach_document(
        &self,
        ctx: &Context<'_>,
        request_id: ID,
        kind: DocumentKind,
        file: Upload,
    ) -> Result<Document> {
        let app = app(ctx);
        let who = who(ctx).await?;
        let id = self::request_id(&request_id)?;
        let mut conn = store::conn(&app.pool).await?;
        let req = wf::editable(&mut conn, who, id).await?;
        drop(conn);
        let upload = file.value(ctx).map_err(AppError::internal)?;
        let limit = app.config.max_document_bytes;
        let file_name = storage::display_file_name(&upload.filename);
        let content = tokio::task::spawn_blocking(move || {
            let mut buf = Vec::new();
            upload
                .into_read()
                .take(limit as u64 + 1)
                .read_to_end(&mut buf)
                .map(|_| buf)
        })
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
        if content.is_empty() {
            return Err(AppError::validation("file", "the file is empty", "فایل خالی است").into());
        }
        if content.len() > limit {
            return Err(AppError::validation(
                "file",
                format!("the file is larger than {limit} bytes"),
                format!(
                    "حجم فایل بیش از حد مجاز ({} مگابایت) است",
                    limit / (1024 * 1024)
                ),
            )
            .into());
        }
        let Some(content_type) = storage::sniff(&content) else {
            return Err(AppError::validation(
                "file",
                "only PDF, JPEG and PNG files are accepted (judged by their content)",
                "فقط فایل‌های PDF، JPEG و PNG پذیرفته می‌شوند",
            )
            .into());
        };
        let doc = q::Document {
            id: Uuid::new_v4(),
            request_id: req.id,
            officer_id: req.officer_id,
            kind,
            file_name,
            content_type: content_type.to_string(),
            size_bytes: content.len() as i64,
            sha256: storage::sha256_hex(&content),
            storage_key: String::new(),
            uploaded_by: who.user_id,
            current_for_officer: false,
            created_at: Utc::now(),
        };
        let doc = q::Document {
            storage_key: storage::document_key(doc.id),
            ..doc
        };
        app.documents
            .put(&doc.storage_key, Bytes::from(content))
            .await
            .map_err(AppError::internal)?;
        let mut conn = store::conn(&app.pool).await?;
        if let Err(e) = wf::attach(&mut conn, who, doc.clone()).await {
            // The request changed meanwhile: do not keep an orphan file.
            let _ = app.documents.delete(&doc.storage_key).await;
            return Err(e.into());
        }
        Ok(Document(doc))
    }

    /// Removes a document from a DRAFT or DEFICIENT request.
    #[graphql(guard = "RoleGuard::new(&[Role::Officer])")]
    async fn remove_document(&self, ctx: &Context<'_>, id: ID) -> Result<QualificationRequest> {
        let app = app(ctx);
        let who = who(ctx).await?;
        let id: Uuid = id.parse().map_err(|_| AppError::not_found())?;
        let mut conn = store::conn(&app.pool).await?;
        let (req, key) = wf::remove_document(&mut conn, who, id).await?;
        if let Err(e) = app.documents.delete(&key).await {
            tracing::warn!(error = %e, key, "could not delete a removed document's file");
        }
        Ok(QualificationRequest(req))
    }

    /// Submits a DRAFT: checks completeness (naming every missing piece) and eligibility
    /// (R4), then routes it to the university covering the city, else the province (R2).
    #[graphql(guard = "RoleGuard::new(&[Role::Officer])")]
    async fn submit_qualification_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<QualificationRequest> {
        let who = who(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(QualificationRequest(
            wf::submit(&mut conn, who, request_id(&id)?).await?,
        ))
    }

    /// Sends a DEFICIENT request back to the reviewer who reported the deficiencies (R5).
    #[graphql(guard = "RoleGuard::new(&[Role::Officer])")]
    async fn resubmit_qualification_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
        note: Option<String>,
    ) -> Result<QualificationRequest> {
        let who = who(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(QualificationRequest(
            wf::resubmit(&mut conn, who, request_id(&id)?, note).await?,
        ))
    }

    /// Withdraws a DRAFT or SUBMITTED request.
    #[graphql(guard = "RoleGuard::new(&[Role::Officer])")]
    async fn cancel_qualification_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<QualificationRequest> {
        let who = who(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(QualificationRequest(
            wf::cancel(&mut conn, who, request_id(&id)?).await?,
        ))
    }

    /// Takes a SUBMITTED file of the reviewer's university; from then on only this reviewer
    /// acts on it.
    #[graphql(guard = "RoleGuard::new(&[Role::UniversityReviewer])")]
    async fn claim_qualification_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<QualificationRequest> {
        let who = who(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(QualificationRequest(
            wf::claim(&mut conn, who, request_id(&id)?).await?,
        ))
    }

    /// Sends the file back to the officer with deficiencies (at least one item).
    #[graphql(guard = "RoleGuard::new(&[Role::UniversityReviewer])")]
    async fn report_deficiencies(
        &self,
        ctx: &Context<'_>,
        id: ID,
        items: Vec<DeficiencyInput>,
    ) -> Result<QualificationRequest> {
        let who = who(ctx).await?;
        let items = items
            .into_iter()
            .map(|i| wf::DeficiencyItem {
                field: i.field,
                document_kind: i.document_kind,
                description: i.description,
            })
            .collect();
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(QualificationRequest(
            wf::report_deficiencies(&mut conn, who, request_id(&id)?, items).await?,
        ))
    }

    /// Approves: the request awaits the payment of the review fee in force now (R9).
    #[graphql(guard = "RoleGuard::new(&[Role::UniversityReviewer])")]
    async fn approve_qualification_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
        note: Option<String>,
    ) -> Result<QualificationRequest> {
        let who = who(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(QualificationRequest(
            wf::approve(&mut conn, who, request_id(&id)?, note).await?,
        ))
    }

    /// Rejects, with a reason (`WRONG_PROVINCE` for R3). The officer may start a new request.
    #[graphql(guard = "RoleGuard::new(&[Role::UniversityReviewer])")]
    async fn reject_qualification_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: RejectionReason,
        note: Option<String>,
    ) -> Result<QualificationRequest> {
        let who = who(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(QualificationRequest(
            wf::reject(&mut conn, who, request_id(&id)?, reason, note).await?,
        ))
    }
}
