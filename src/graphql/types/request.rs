//! A qualification or amendment request, its proposed data, deficiencies and history.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use std::borrow::Cow;

use super::document::Document;
use super::event::RequestEvent;
use super::officer::Officer;
use super::payment::Payment;
use super::reference::{City, FieldOfStudy, Province, University, province};
use super::user_account::UserAccount;
use crate::domain::officer::{DegreeLevel, DocumentKind, Gender};
use crate::domain::qualification::{RejectionReason, RequestKind, Status};
use crate::domain::{Entity, jalali, statistics};
use crate::error::AppError;
use crate::graphql::context::app;
use crate::graphql::loaders::{
    CityId, DeficienciesOfRequest, DocumentsOfRequest, FieldOfStudyId, HistoryOf,
    LastDeficiencyReport, Loaders, OfficerId, PaymentOfRequest, RequestId, UniversityId, UserId,
};
use crate::policy::Access;
use crate::store::qualification as q;
use crate::workflow::qualification as wf;

/// A qualification (NEW) or amendment request, with its proposed data; the columns its row
/// was read with (a page leaves the proposed data out when its query does not ask for it).
pub struct QualificationRequest(pub q::Request, pub q::Columns);

impl From<q::Request> for QualificationRequest {
    fn from(row: q::Request) -> Self {
        Self(row, q::Columns::All)
    }
}

impl QualificationRequest {
    /// The row with its proposed data: this one, or the row read again when its page left
    /// the proposed data out (a query whose look-ahead did not see the field asking for it).
    async fn with_proposed(&self, ctx: &Context<'_>) -> Result<Cow<'_, q::Request>> {
        match self.1 {
            q::Columns::All => Ok(Cow::Borrowed(&self.0)),
            q::Columns::WithoutProposed => ctx
                .data_unchecked::<Loaders>()
                .load_one(RequestId(self.0.id))
                .await?
                .map(Cow::Owned)
                .ok_or_else(|| AppError::not_found().into()),
        }
    }
}

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
            visibility: Access::Full,
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
    async fn assigned_reviewer(&self, ctx: &Context<'_>) -> Result<Option<UserAccount>> {
        let Some(id) = self.0.assigned_reviewer_id else {
            return Ok(None);
        };
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(UserId(id))
            .await?
            .map(|u| UserAccount(u, false)))
    }
    /// Attached documents.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn documents(&self, ctx: &Context<'_>) -> Result<Vec<Document>> {
        let rows = ctx
            .data_unchecked::<Loaders>()
            .load_one(DocumentsOfRequest(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(Document).collect())
    }
    /// Deficiencies reported, every round; `resolved` once the officer resubmitted.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
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
    async fn payment(&self, ctx: &Context<'_>) -> Result<Option<Payment>> {
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(PaymentOfRequest(self.0.id))
            .await?
            .map(Payment))
    }
    /// The request's history, oldest first.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<RequestEvent>> {
        let rows = ctx
            .data_unchecked::<Loaders>()
            .load_one(HistoryOf(Entity::QualificationRequest, self.0.id))
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
    /// When the file last came to the reviewer's side: submitted, or resubmitted after
    /// deficiencies. Null while it never has.
    async fn waiting_since(&self) -> Option<DateTime<Utc>> {
        self.0.waiting_since
    }
    /// Whether the file has waited on the reviewer's side (SUBMITTED or UNDER_REVIEW) longer
    /// than the directorate's deadline (`OVERDUE_AFTER_DAYS`, 7 by default).
    async fn overdue(&self, ctx: &Context<'_>) -> bool {
        let days = app(ctx).config.overdue_after_days;
        statistics::overdue(
            self.0.status,
            self.0.waiting_since,
            Utc::now(),
            chrono::Duration::days(days),
        )
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
    async fn proposed(&self, ctx: &Context<'_>) -> Result<ProposedData<'_>> {
        Ok(ProposedData(self.with_proposed(ctx).await?))
    }
    /// Proposed-data fields (as in `QualificationDraftInput`) changed since the last
    /// deficiency report, and `documents` when documents were added or removed: what the
    /// reviewer should look at again (R5).
    async fn changes_since_deficiencies(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let report = loaders.load_one(LastDeficiencyReport(self.0.id)).await?;
        let Some(report) = report else {
            return Ok(Vec::new());
        };
        let documents = loaders
            .load_one(DocumentsOfRequest(self.0.id))
            .await?
            .unwrap_or_default();
        let row = self.with_proposed(ctx).await?;
        Ok(wf::changes_since(&row, Some(&report), &documents))
    }
}

/// The data a request proposes.
pub struct ProposedData<'a>(Cow<'a, q::Request>);

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
