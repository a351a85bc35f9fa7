//! Qualification requests: the officer's tracking, the reviewer's cartable, the workflow.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, Upload};
use uuid::Uuid;

use super::context::{app, caller};
use super::pagination::{Page, Total, connection, encode};
use super::reference::{patch, ref_patch};
use super::types::document::Document;
use super::types::request::QualificationRequest;
use crate::domain::officer::{DegreeLevel, DocumentKind, Gender};
use crate::domain::qualification::{DraftPatch, RejectionReason, RequestKind, Status, WAITING};
use crate::domain::statistics::ON_REVIEWER_SIDE;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Object};
use crate::store::{self, qualification as q};
use crate::workflow::qualification as wf;

/// A page of requests.
pub type RequestConnection = Connection<String, QualificationRequest, Total>;

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

impl TryFrom<QualificationDraftInput> for DraftPatch {
    type Error = AppError;
    fn try_from(i: QualificationDraftInput) -> AppResult<Self> {
        Ok(Self {
            first_name: patch(i.first_name),
            last_name: patch(i.last_name),
            field_of_study_id: ref_patch("fieldOfStudyId", i.field_of_study_id)?,
            degree_level: patch(i.degree_level),
            province_id: ref_patch("provinceId", i.province_id)?,
            city_id: ref_patch("cityId", i.city_id)?,
            phone: patch(i.phone),
            mobile: patch(i.mobile),
            email: patch(i.email),
            postal_address: patch(i.postal_address),
            father_name: patch(i.father_name),
            gender: patch(i.gender),
            birth_certificate_number: patch(i.birth_certificate_number),
        })
    }
}

fn request_id(id: &ID) -> AppResult<Uuid> {
    id.parse().map_err(|_| AppError::not_found())
}

/// Gives the request loaders the universities read with a page (so that
/// `university { … }` costs no statement of its own), and the requests.
async fn with_universities(
    ctx: &Context<'_>,
    rows: Vec<(q::Request, Option<crate::store::reference::University>)>,
) -> Vec<q::Request> {
    let loaders = ctx.data_unchecked::<crate::graphql::loaders::Loaders>();
    loaders
        .feed_many(
            rows.iter()
                .filter_map(|(_, u)| u.clone())
                .map(|u| (crate::graphql::loaders::UniversityId(u.id), u)),
        )
        .await;
    rows.into_iter().map(|(r, _)| r).collect()
}

/// The columns a page of requests reads: the proposed data only when a node of the query
/// asks for it (`proposed`, or `changesSinceDeficiencies`, which compares it).
fn columns(ctx: &Context<'_>) -> q::Columns {
    let look = ctx.look_ahead();
    let asks = |node: async_graphql::Lookahead<'_>| {
        node.field("proposed").exists() || node.field("changesSinceDeficiencies").exists()
    };
    if asks(look.field("edges").field("node")) || asks(look.field("nodes")) {
        q::Columns::All
    } else {
        q::Columns::WithoutProposed
    }
}

/// Queries of requests.
#[derive(Default)]
pub struct QualificationQuery;

#[Object]
impl QualificationQuery {
    /// One request, to its officer, the reviewers of its university, and admins.
    async fn qualification_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<QualificationRequest> {
        let caller = caller(ctx).await?;
        let id = request_id(&id)?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        match q::find(&mut conn, id).await? {
            Some(r) if policy::sees(&caller, Object::QualificationRequest, &r.parties()) => {
                Ok(QualificationRequest::from(r))
            }
            _ => Err(AppError::not_found().into()),
        }
    }

    /// The officer's requests, newest first (S1.3).
    #[graphql(complexity = "crate::graphql::cost::page(first, child_complexity)")]
    async fn my_qualification_requests(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<RequestConnection> {
        let page = Page::for_field(ctx, first, after)?;
        let columns = columns(ctx);
        let caller = caller(ctx).await?;
        let officer = caller.officer_id.ok_or_else(AppError::not_found)?;
        let mut conn = crate::graphql::context::read_conn(ctx).await?;
        let (rows, total) = q::list_for_officer(
            &mut conn,
            officer,
            q::PageRead {
                after: page.after,
                limit: page.first + 1,
                with_total: page.with_total,
                columns,
            },
        )
        .await?;
        drop(conn);
        let rows = with_universities(ctx, rows).await;
        Ok(connection(
            rows,
            total.unwrap_or_default(),
            &page,
            |r| encode(r.created_at, r.id),
            |r| QualificationRequest(r, columns),
        ))
    }

    /// The reviewer's cartable: the own university's requests, by default those waiting
    /// (SUBMITTED, UNDER_REVIEW, DEFICIENT), oldest submission first. With `overdueOnly`,
    /// only the files waiting on the reviewer's side (SUBMITTED, UNDER_REVIEW) longer than
    /// the directorate's deadline.
    #[graphql(complexity = "crate::graphql::cost::page(first, child_complexity)")]
    async fn review_queue(
        &self,
        ctx: &Context<'_>,
        status: Option<Vec<Status>>,
        first: Option<i32>,
        after: Option<String>,
        overdue_only: Option<bool>,
    ) -> Result<RequestConnection> {
        let page = Page::for_field(ctx, first, after)?;
        let columns = columns(ctx);
        let caller = caller(ctx).await?;
        let university = caller.university_id.ok_or_else(AppError::forbidden)?;
        let mut statuses: Vec<Status> = match status.as_deref() {
            Some([]) | None => WAITING.to_vec(),
            Some(s) => s.iter().copied().filter(|s| *s != Status::Draft).collect(),
        };
        let app = app(ctx);
        let waiting_before = if overdue_only == Some(true) {
            statuses.retain(|s| ON_REVIEWER_SIDE.contains(s));
            Some(chrono::Utc::now() - chrono::Duration::days(app.config.overdue_after_days))
        } else {
            None
        };
        let mut conn = crate::graphql::context::read_conn(ctx).await?;
        let (rows, total) = q::review_queue(
            &mut conn,
            university,
            &statuses,
            waiting_before,
            q::PageRead {
                after: page.after,
                limit: page.first + 1,
                with_total: page.with_total,
                columns,
            },
        )
        .await?;
        drop(conn);
        let rows = with_universities(ctx, rows).await;
        Ok(connection(
            rows,
            total.unwrap_or_default(),
            &page,
            |r| encode(r.submitted_at.unwrap_or(r.created_at), r.id),
            |r| QualificationRequest(r, columns),
        ))
    }
}

/// The workflow's mutations.
#[derive(Default)]
pub struct QualificationMutation;

#[Object]
impl QualificationMutation {
    /// Starts a request as a DRAFT prefilled from the officer's data. `NEW` only while not
    /// qualified, `AMENDMENT` only once qualified; one open request at a time (`CONFLICT`).
    async fn start_qualification_request(
        &self,
        ctx: &Context<'_>,
        kind: RequestKind,
    ) -> Result<QualificationRequest> {
        let caller = caller(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(QualificationRequest::from(
            wf::start(&mut conn, caller, kind).await?,
        ))
    }

    /// Edits the proposed data of a DRAFT or DEFICIENT request.
    async fn update_qualification_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: QualificationDraftInput,
    ) -> Result<QualificationRequest> {
        let caller = caller(ctx).await?;
        let id = request_id(&id)?;
        let draft = DraftPatch::try_from(input)?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(QualificationRequest::from(
            wf::update(&mut conn, caller, id, draft).await?,
        ))
    }

    /// Attaches a document to a DRAFT or DEFICIENT request (GraphQL multipart request). The
    /// type is taken from the content (PDF, JPEG or PNG only); the file name is kept for
    /// display only (R6).
    async fn attach_document(
        &self,
        ctx: &Context<'_>,
        request_id: ID,
        kind: DocumentKind,
        file: Upload,
    ) -> Result<Document> {
        let caller = caller(ctx).await?;
        let id = self::request_id(&request_id)?;
        let upload = file.value(ctx).map_err(AppError::internal)?;
        let name = upload.filename.clone();
        let doc = app(ctx)
            .documents()
            .attach(caller, id, kind, &name, upload.into_read())
            .await?;
        Ok(Document(doc))
    }

    /// Removes a document from a DRAFT or DEFICIENT request.
    async fn remove_document(&self, ctx: &Context<'_>, id: ID) -> Result<QualificationRequest> {
        let caller = caller(ctx).await?;
        let id: Uuid = id.parse().map_err(|_| AppError::not_found())?;
        Ok(QualificationRequest::from(
            app(ctx).documents().remove(caller, id).await?,
        ))
    }

    /// Submits a DRAFT: checks completeness (naming every missing piece) and eligibility
    /// (R4), then routes it to the university covering the city, else the province (R2).
    async fn submit_qualification_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<QualificationRequest> {
        let caller = caller(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(QualificationRequest::from(
            wf::submit(&mut conn, caller, request_id(&id)?).await?,
        ))
    }

    /// Sends a DEFICIENT request back to the reviewer who reported the deficiencies (R5).
    async fn resubmit_qualification_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
        note: Option<String>,
    ) -> Result<QualificationRequest> {
        let caller = caller(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(QualificationRequest::from(
            wf::resubmit(&mut conn, caller, request_id(&id)?, note).await?,
        ))
    }

    /// Withdraws a DRAFT or SUBMITTED request.
    async fn cancel_qualification_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<QualificationRequest> {
        let caller = caller(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(QualificationRequest::from(
            wf::cancel(&mut conn, caller, request_id(&id)?).await?,
        ))
    }

    /// Takes a SUBMITTED file of the reviewer's university; from then on only this reviewer
    /// acts on it.
    async fn claim_qualification_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<QualificationRequest> {
        let caller = caller(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(QualificationRequest::from(
            wf::claim(&mut conn, caller, request_id(&id)?).await?,
        ))
    }

    /// Sends the file back to the officer with deficiencies (at least one item).
    async fn report_deficiencies(
        &self,
        ctx: &Context<'_>,
        id: ID,
        items: Vec<DeficiencyInput>,
    ) -> Result<QualificationRequest> {
        let caller = caller(ctx).await?;
        let items = items
            .into_iter()
            .map(|i| wf::DeficiencyItem {
                field: i.field,
                document_kind: i.document_kind,
                description: i.description,
            })
            .collect();
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(QualificationRequest::from(
            wf::report_deficiencies(&mut conn, caller, request_id(&id)?, items).await?,
        ))
    }

    /// Approves: the request awaits the payment of the review fee in force now (R9).
    async fn approve_qualification_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
        note: Option<String>,
    ) -> Result<QualificationRequest> {
        let caller = caller(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(QualificationRequest::from(
            wf::approve(&mut conn, caller, request_id(&id)?, note).await?,
        ))
    }

    /// Rejects, with a reason (`WRONG_PROVINCE` for R3). The officer may start a new request.
    async fn reject_qualification_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: RejectionReason,
        note: Option<String>,
    ) -> Result<QualificationRequest> {
        let caller = caller(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(QualificationRequest::from(
            wf::reject(&mut conn, caller, request_id(&id)?, reason, note).await?,
        ))
    }
}
