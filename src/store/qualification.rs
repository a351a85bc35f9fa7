//! Qualification requests, their documents, deficiencies and history.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::events::{self, Event, NewEvent};
use super::reference::University;
use super::schema::{
    deficiencies, degree_levels, documents, events as ev, fields_of_study,
    qualification_requests as qr, required_document_kinds, review_fees, universities,
};
use super::transition::Stateful;
use crate::domain::officer::{DegreeLevel, DocumentKind, Gender};
use crate::domain::qualification::{DraftPatch, RejectionReason, RequestKind, Status, WAITING};
use crate::domain::{Actor, Entity, Parties};
use crate::error::{AppError, AppResult};

/// Entity type of requests in the event log.
pub const ENTITY: Entity = Entity::QualificationRequest;

/// A request as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = qr)]
pub struct Request {
    pub id: Uuid,
    pub officer_id: Uuid,
    pub kind: RequestKind,
    pub status: Status,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub father_name: Option<String>,
    pub gender: Option<Gender>,
    pub birth_certificate_number: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub postal_address: Option<String>,
    pub province_id: Option<i32>,
    pub city_id: Option<i32>,
    pub field_of_study_id: Option<i32>,
    pub degree_level: Option<DegreeLevel>,
    pub university_id: Option<i32>,
    pub assigned_reviewer_id: Option<Uuid>,
    pub fee_rials: Option<i64>,
    pub rejection_reason: Option<RejectionReason>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the file last came to the reviewer's side (submitted or resubmitted); kept by
    /// the database on every status change.
    pub waiting_since: Option<DateTime<Utc>>,
}

/// A document as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = documents)]
pub struct Document {
    pub id: Uuid,
    pub request_id: Uuid,
    pub officer_id: Uuid,
    pub kind: DocumentKind,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: Uuid,
    pub current_for_officer: bool,
    pub created_at: DateTime<Utc>,
}

/// A deficiency as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = deficiencies)]
pub struct Deficiency {
    pub id: Uuid,
    pub request_id: Uuid,
    pub round: i32,
    pub field: Option<String>,
    pub document_kind: Option<DocumentKind>,
    pub description: String,
    pub resolved: bool,
    pub reported_by: Uuid,
    pub created_at: DateTime<Utc>,
}

impl Request {
    /// The parties of the request: its officer, and the university once routed.
    pub fn parties(&self) -> Parties {
        Parties {
            officer: Some(self.officer_id),
            university: self.university_id,
            distributor: None,
        }
    }
}

/// Inserts a new DRAFT with its first event. A unique index allows one open request per
/// officer (`CONFLICT` otherwise, also under a race).
pub async fn create_draft(
    conn: &mut AsyncPgConnection,
    request: &Request,
    actor: &Actor,
) -> AppResult<Request> {
    let inserted = diesel::insert_into(qr::table)
        .values(request)
        .returning(Request::as_returning())
        .get_result(conn)
        .await
        .map_err(|e| {
            if super::is_unique_violation(&e) {
                AppError::conflict(
                    "an open qualification request exists already: continue that one",
                    "یک درخواست احراز صلاحیت در گردش دارید؛ همان را ادامه دهید",
                )
            } else {
                e.into()
            }
        })?;
    let mut event = NewEvent::new(actor.logged(), ENTITY, inserted.id, "CREATE");
    event.to_status = Some(Status::Draft.as_str().to_string());
    event.data = serde_json::json!({ "kind": inserted.kind, "officerId": inserted.officer_id });
    events::append(conn, event.for_cartables(Some(inserted.officer_id), None)).await?;
    Ok(inserted)
}

/// One request, unlocked.
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Request>> {
    Ok(qr::table
        .find(id)
        .select(Request::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Requests by id.
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> AppResult<Vec<Request>> {
    Ok(qr::table
        .filter(qr::id.eq_any(ids))
        .select(Request::as_select())
        .load(conn)
        .await?)
}

/// Locks a request for the rest of the transaction.
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Request>> {
    Ok(qr::table
        .find(id)
        .select(Request::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// Columns a transition may set besides the status.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = qr)]
pub struct TransitionSet {
    pub status: Option<Status>,
    pub university_id: Option<Option<i32>>,
    pub assigned_reviewer_id: Option<Option<Uuid>>,
    pub fee_rials: Option<Option<i64>>,
    pub rejection_reason: Option<Option<RejectionReason>>,
    pub submitted_at: Option<Option<DateTime<Utc>>>,
}

impl Stateful for Request {
    type Status = Status;
    type Changes = TransitionSet;
    const ENTITY: Entity = ENTITY;

    fn id(&self) -> Uuid {
        self.id
    }
    fn status(&self) -> Status {
        self.status
    }
    fn parties(&self) -> Parties {
        Request::parties(self)
    }
    async fn guarded_update(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        from: Status,
        to: Status,
        mut changes: TransitionSet,
    ) -> AppResult<Option<Self>> {
        changes.status = Some(to);
        Ok(
            diesel::update(qr::table.filter(qr::id.eq(id)).filter(qr::status.eq(from)))
                .set((&changes, qr::updated_at.eq(diesel::dsl::now)))
                .returning(Request::as_returning())
                .get_result(conn)
                .await
                .optional()?,
        )
    }
}

/// Writes proposed data to a locked request, with an `EDIT` event.
pub async fn write_proposed(
    conn: &mut AsyncPgConnection,
    req: &Request,
    actor: &Actor,
    patch: &DraftPatch,
) -> AppResult<Request> {
    let p = patch;
    let set = (
        p.first_name
            .value()
            .map(|v| qr::first_name.eq(Some(v.clone()))),
        p.last_name
            .value()
            .map(|v| qr::last_name.eq(Some(v.clone()))),
        p.father_name
            .change()
            .map(|v| qr::father_name.eq(v.cloned())),
        p.gender.change().map(|v| qr::gender.eq(v.copied())),
        p.birth_certificate_number
            .change()
            .map(|v| qr::birth_certificate_number.eq(v.cloned())),
        p.phone.change().map(|v| qr::phone.eq(v.cloned())),
        p.mobile.value().map(|v| qr::mobile.eq(Some(v.clone()))),
        p.email.change().map(|v| qr::email.eq(v.cloned())),
        p.postal_address
            .change()
            .map(|v| qr::postal_address.eq(v.cloned())),
        p.province_id
            .change()
            .map(|v| qr::province_id.eq(v.copied())),
        p.city_id.change().map(|v| qr::city_id.eq(v.copied())),
        p.field_of_study_id
            .change()
            .map(|v| qr::field_of_study_id.eq(v.copied())),
        p.degree_level
            .change()
            .map(|v| qr::degree_level.eq(v.copied())),
        qr::updated_at.eq(diesel::dsl::now),
    );
    let updated = diesel::update(qr::table.find(req.id))
        .set(set)
        .returning(Request::as_returning())
        .get_result(conn)
        .await?;
    let mut event = NewEvent::new(actor.logged(), ENTITY, req.id, "EDIT")
        .with_data(serde_json::to_value(patch).unwrap_or_default());
    event.from_status = Some(req.status.as_str().to_string());
    event.to_status = Some(req.status.as_str().to_string());
    events::append(
        conn,
        event.for_cartables(Some(req.officer_id), req.university_id),
    )
    .await?;
    Ok(updated)
}

/// Which columns of its requests a page reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Columns {
    /// Every column.
    All,
    /// Every column but the proposed data (13 of a row's 25, most of its bytes), read as
    /// NULL: for a page whose query asks for none of it. A node built from such a row reads
    /// the row again before it shows its proposed data.
    WithoutProposed,
}

/// Typed SQL fragments written into a statement as they are. Unlike `diesel::dsl::sql`,
/// whose statements diesel prepares afresh at every call (an extra round trip), these keep
/// the statement in the connection's cache.
mod fragments {
    use diesel::QueryResult;
    use diesel::expression::{
        AppearsOnTable, Expression, SelectableExpression, ValidGrouping, is_aggregate,
    };
    use diesel::pg::Pg;
    use diesel::query_builder::{AstPass, QueryFragment, QueryId};
    use diesel::sql_types::{Bool, Integer, Nullable, Text};

    macro_rules! fragment {
        ($(#[$doc:meta])* $name:ident: $st:ty = $sql:expr) => {
            $(#[$doc])*
            #[derive(Debug, Clone, Copy, QueryId)]
            pub struct $name;
            impl Expression for $name {
                type SqlType = $st;
            }
            impl QueryFragment<Pg> for $name {
                fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
                    out.push_sql($sql);
                    Ok(())
                }
            }
            impl<QS> AppearsOnTable<QS> for $name {}
            impl<QS> SelectableExpression<QS> for $name {}
            impl<GB> ValidGrouping<GB> for $name {
                type IsAggregate = is_aggregate::Never;
            }
        };
    }

    fragment!(
        /// A NULL text column.
        NullText: Nullable<Text> = "NULL::text"
    );
    fragment!(
        /// A NULL integer column.
        NullInt4: Nullable<Integer> = "NULL::int4"
    );
    fragment!(
        /// The waiting statuses as a literal list: the predicate of the reviewer's partial
        /// index, which the planner matches only against literals.
        Waiting: Bool = "qualification_requests.status IN ('SUBMITTED', 'UNDER_REVIEW', 'DEFICIENT')"
    );
}

/// The select clause of [`Columns::WithoutProposed`], in the field order of [`Request`].
macro_rules! without_proposed {
    () => {{
        use fragments::{NullInt4, NullText};
        (
            qr::id,
            qr::officer_id,
            qr::kind,
            qr::status,
            NullText, // first_name
            NullText, // last_name
            NullText, // father_name
            NullText, // gender
            NullText, // birth_certificate_number
            NullText, // phone
            NullText, // mobile
            NullText, // email
            NullText, // postal_address
            NullInt4, // province_id
            NullInt4, // city_id
            NullInt4, // field_of_study_id
            NullText, // degree_level
            qr::university_id,
            qr::assigned_reviewer_id,
            qr::fee_rials,
            qr::rejection_reason,
            qr::submitted_at,
            qr::created_at,
            qr::updated_at,
            qr::waiting_since,
        )
    }};
}

/// What a page of requests reads: the rows after a keyset cursor, how many, whether their
/// total too, and which columns.
#[derive(Debug, Clone, Copy)]
pub struct PageRead {
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
    pub with_total: bool,
    pub columns: Columns,
}

/// The officer's requests, newest first, after a keyset cursor; and their total.
pub async fn list_for_officer(
    conn: &mut AsyncPgConnection,
    officer_id: Uuid,
    read: PageRead,
) -> AppResult<RequestPage> {
    let PageRead {
        after,
        limit,
        with_total,
        columns,
    } = read;
    // Fixed statements (no boxing): the connection keeps each prepared.
    macro_rules! page {
        ($select:expr) => {{
            let page = qr::table
                .left_join(
                    universities::table.on(universities::id.nullable().eq(qr::university_id)),
                )
                .filter(qr::officer_id.eq(officer_id))
                .select(($select, Option::<University>::as_select()))
                .order((qr::created_at.desc(), qr::id.desc()))
                .limit(limit);
            match after {
                None => page.load::<(Request, Option<University>)>(conn).await?,
                Some((t, id)) => {
                    page.filter(
                        qr::created_at
                            .lt(t)
                            .or(qr::created_at.eq(t).and(qr::id.lt(id))),
                    )
                    .load::<(Request, Option<University>)>(conn)
                    .await?
                }
            }
        }};
    }
    let rows = match columns {
        Columns::All => page!(Request::as_select()),
        Columns::WithoutProposed => page!(without_proposed!()),
    };
    let total = if with_total {
        Some(
            qr::table
                .filter(qr::officer_id.eq(officer_id))
                .count()
                .get_result(conn)
                .await?,
        )
    } else {
        None
    };
    Ok((rows, total))
}

/// A page of requests, each with the university it is routed to (read in the same
/// statement, for the loaders), and the total when it was asked for.
pub type RequestPage = (Vec<(Request, Option<University>)>, Option<i64>);

/// A university's cartable: routed requests with the given statuses, oldest submission
/// first, after a keyset cursor; and their total. The default set of statuses is written
/// as a literal so that the planner can use the partial index made for it.
pub async fn review_queue(
    conn: &mut AsyncPgConnection,
    university_id: i32,
    statuses: &[Status],
    waiting_before: Option<DateTime<Utc>>,
    read: PageRead,
) -> AppResult<RequestPage> {
    let PageRead {
        after,
        limit,
        with_total,
        columns,
    } = read;
    let waiting = {
        let mut s = statuses.to_vec();
        s.sort_unstable();
        s.dedup();
        let mut w = WAITING.to_vec();
        w.sort_unstable();
        s == w
    };
    // The default set as a literal (the partial index's predicate), any other with `IN`.
    // The page's statement, for one select clause.
    macro_rules! page {
        ($select:expr) => {{
            let mut q = qr::table
                .left_join(
                    universities::table.on(universities::id.nullable().eq(qr::university_id)),
                )
                .filter(qr::university_id.eq(university_id))
                .select(($select, Option::<University>::as_select()))
                .order((qr::submitted_at.asc(), qr::id.asc()))
                .limit(limit)
                .into_boxed();
            q = if waiting {
                q.filter(fragments::Waiting)
            } else {
                q.filter(qr::status.eq_any(statuses.to_vec()))
            };
            if let Some((t, id)) = after {
                q = q.filter(
                    qr::submitted_at
                        .gt(t)
                        .or(qr::submitted_at.eq(t).and(qr::id.gt(id))),
                );
            }
            // Overdue only: arrived on the reviewer's side before the cutoff.
            if let Some(cutoff) = waiting_before {
                q = q.filter(qr::waiting_since.lt(cutoff));
            }
            q.load::<(Request, Option<University>)>(conn).await?
        }};
    }
    let rows = match columns {
        Columns::All => page!(Request::as_select()),
        Columns::WithoutProposed => page!(without_proposed!()),
    };
    let mut count = qr::table
        .filter(qr::university_id.eq(university_id))
        .count()
        .into_boxed();
    count = if waiting {
        count.filter(fragments::Waiting)
    } else {
        count.filter(qr::status.eq_any(statuses.to_vec()))
    };
    if let Some(cutoff) = waiting_before {
        count = count.filter(qr::waiting_since.lt(cutoff));
    }
    let total = if with_total {
        Some(count.get_result(conn).await?)
    } else {
        None
    };
    Ok((rows, total))
}

/// The document kinds a request of `kind` must carry.
pub async fn required_kinds(
    conn: &mut AsyncPgConnection,
    kind: RequestKind,
) -> AppResult<Vec<DocumentKind>> {
    Ok(required_document_kinds::table
        .filter(required_document_kinds::request_kind.eq(kind))
        .select(required_document_kinds::document_kind)
        .order(required_document_kinds::document_kind)
        .load(conn)
        .await?)
}

/// Eligibility of a field of study and of a degree level (R4): (field eligible, level eligible).
pub async fn eligibility(
    conn: &mut AsyncPgConnection,
    field_id: i32,
    level: DegreeLevel,
) -> AppResult<(Option<bool>, Option<bool>)> {
    let field = fields_of_study::table
        .find(field_id)
        .select(fields_of_study::eligible)
        .first(conn)
        .await
        .optional()?;
    let level = degree_levels::table
        .find(level)
        .select(degree_levels::eligible)
        .first(conn)
        .await
        .optional()?;
    Ok((field, level))
}

/// The current review fee of a kind of request (R9).
pub async fn current_fee(conn: &mut AsyncPgConnection, kind: RequestKind) -> AppResult<i64> {
    Ok(review_fees::table
        .find(kind)
        .select(review_fees::amount_rials)
        .first(conn)
        .await?)
}

/// Sets the fee of a kind of request, for later approvals.
pub async fn set_fee(
    conn: &mut AsyncPgConnection,
    kind: RequestKind,
    amount: i64,
) -> AppResult<()> {
    diesel::insert_into(review_fees::table)
        .values((
            review_fees::kind.eq(kind),
            review_fees::amount_rials.eq(amount),
        ))
        .on_conflict(review_fees::kind)
        .do_update()
        .set((
            review_fees::amount_rials.eq(amount),
            review_fees::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Documents of some requests, oldest first.
pub async fn documents_of(
    conn: &mut AsyncPgConnection,
    request_ids: &[Uuid],
) -> AppResult<Vec<Document>> {
    Ok(documents::table
        .filter(documents::request_id.eq_any(request_ids))
        .order((documents::created_at, documents::id))
        .select(Document::as_select())
        .load(conn)
        .await?)
}

/// One document.
pub async fn document(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Document>> {
    Ok(documents::table
        .find(id)
        .select(Document::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// One document with the parties of its request (who may see it).
pub async fn document_with_parties(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> AppResult<Option<(Document, Parties)>> {
    let row: Option<(Document, Request)> = documents::table
        .inner_join(qr::table)
        .filter(documents::id.eq(id))
        .select((Document::as_select(), Request::as_select()))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(d, r)| (d, r.parties())))
}

/// Stores a document row and its event (the request being in `status`).
pub async fn insert_document(
    conn: &mut AsyncPgConnection,
    doc: &Document,
    actor: &Actor,
    status: Status,
) -> AppResult<()> {
    diesel::insert_into(documents::table)
        .values(doc)
        .execute(conn)
        .await?;
    let mut event = NewEvent::new(actor.logged(), ENTITY, doc.request_id, "ATTACH_DOCUMENT")
        .with_data(serde_json::json!({
            "documentId": doc.id, "kind": doc.kind, "fileName": doc.file_name,
            "sha256": doc.sha256, "sizeBytes": doc.size_bytes,
        }));
    event.from_status = Some(status.as_str().to_string());
    event.to_status = Some(status.as_str().to_string());
    events::append(conn, event.for_cartables(Some(doc.officer_id), None)).await?;
    Ok(())
}

/// How many documents a request holds.
pub async fn count_documents(conn: &mut AsyncPgConnection, request_id: Uuid) -> AppResult<i64> {
    Ok(documents::table
        .filter(documents::request_id.eq(request_id))
        .count()
        .get_result(conn)
        .await?)
}

/// Deletes a document row and writes its event (the request being in `status`).
pub async fn delete_document(
    conn: &mut AsyncPgConnection,
    doc: &Document,
    actor: &Actor,
    status: Status,
) -> AppResult<()> {
    diesel::delete(documents::table.find(doc.id))
        .execute(conn)
        .await?;
    let mut event = NewEvent::new(
        actor.logged(),
        ENTITY,
        doc.request_id,
        "REMOVE_DOCUMENT",
    )
    .with_data(
        serde_json::json!({ "documentId": doc.id, "kind": doc.kind, "fileName": doc.file_name }),
    );
    event.from_status = Some(status.as_str().to_string());
    event.to_status = Some(status.as_str().to_string());
    events::append(conn, event.for_cartables(Some(doc.officer_id), None)).await?;
    Ok(())
}

/// Makes the documents of a completed request part of its officer's file, replacing the
/// current documents of the same kinds.
pub async fn make_documents_current(
    conn: &mut AsyncPgConnection,
    request_id: Uuid,
    officer_id: Uuid,
) -> AppResult<()> {
    let new_kinds: Vec<DocumentKind> = documents::table
        .filter(documents::request_id.eq(request_id))
        .select(documents::kind)
        .distinct()
        .load(conn)
        .await?;
    diesel::update(
        documents::table
            .filter(documents::officer_id.eq(officer_id))
            .filter(documents::current_for_officer.eq(true))
            .filter(documents::kind.eq_any(&new_kinds)),
    )
    .set(documents::current_for_officer.eq(false))
    .execute(conn)
    .await?;
    diesel::update(documents::table.filter(documents::request_id.eq(request_id)))
        .set(documents::current_for_officer.eq(true))
        .execute(conn)
        .await?;
    Ok(())
}

/// Deficiencies of some requests, by round then order of reporting.
pub async fn deficiencies_of(
    conn: &mut AsyncPgConnection,
    request_ids: &[Uuid],
) -> AppResult<Vec<Deficiency>> {
    Ok(deficiencies::table
        .filter(deficiencies::request_id.eq_any(request_ids))
        .order((
            deficiencies::round,
            deficiencies::created_at,
            deficiencies::id,
        ))
        .select(Deficiency::as_select())
        .load(conn)
        .await?)
}

/// Inserts deficiencies of a new round; returns the round.
pub async fn insert_deficiencies(
    conn: &mut AsyncPgConnection,
    rows: Vec<Deficiency>,
) -> AppResult<()> {
    diesel::insert_into(deficiencies::table)
        .values(&rows)
        .execute(conn)
        .await?;
    Ok(())
}

/// The next deficiency round of a request.
pub async fn next_round(conn: &mut AsyncPgConnection, request_id: Uuid) -> AppResult<i32> {
    let max: Option<i32> = deficiencies::table
        .filter(deficiencies::request_id.eq(request_id))
        .select(diesel::dsl::max(deficiencies::round))
        .first(conn)
        .await?;
    Ok(max.unwrap_or(0) + 1)
}

/// Marks the open deficiencies of a request resolved.
pub async fn resolve_deficiencies(conn: &mut AsyncPgConnection, request_id: Uuid) -> AppResult<()> {
    diesel::update(
        deficiencies::table
            .filter(deficiencies::request_id.eq(request_id))
            .filter(deficiencies::resolved.eq(false)),
    )
    .set(deficiencies::resolved.eq(true))
    .execute(conn)
    .await?;
    Ok(())
}

/// The last event of an action on each of some requests (e.g. the last
/// REPORT_DEFICIENCIES), in one statement.
pub async fn last_events(
    conn: &mut AsyncPgConnection,
    request_ids: &[Uuid],
    action: &str,
) -> AppResult<Vec<Event>> {
    let ids: Vec<String> = request_ids.iter().map(Uuid::to_string).collect();
    Ok(ev::table
        .filter(ev::entity_type.eq(ENTITY))
        .filter(ev::entity_id.eq_any(ids))
        .filter(ev::action.eq(action))
        .distinct_on(ev::entity_id)
        .order((ev::entity_id, ev::id.desc()))
        .select(Event::as_select())
        .load(conn)
        .await?)
}

/// The documents of some officers' files.
pub async fn current_documents(
    conn: &mut AsyncPgConnection,
    officer_ids: &[Uuid],
) -> AppResult<Vec<Document>> {
    Ok(documents::table
        .filter(documents::officer_id.eq_any(officer_ids))
        .filter(documents::current_for_officer.eq(true))
        .order((documents::kind, documents::created_at))
        .select(Document::as_select())
        .load(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::pg::Pg;

    fn page_sql(columns: Columns) -> String {
        macro_rules! sql {
            ($select:expr) => {
                diesel::debug_query::<Pg, _>(
                    &qr::table
                        .left_join(
                            universities::table
                                .on(universities::id.nullable().eq(qr::university_id)),
                        )
                        .select(($select, Option::<University>::as_select())),
                )
                .to_string()
            };
        }
        match columns {
            Columns::All => sql!(Request::as_select()),
            Columns::WithoutProposed => sql!(without_proposed!()),
        }
    }

    #[test]
    fn the_pages_statements_stay_in_the_connections_cache() {
        use diesel::query_builder::{QueryFragment, QueryId};
        fn cached<Q: QueryFragment<Pg> + QueryId>(q: &Q) -> bool {
            Q::HAS_STATIC_QUERY_ID && q.is_safe_to_cache_prepared(&Pg).unwrap_or(false)
        }
        let page = |id: Uuid| {
            qr::table
                .left_join(
                    universities::table.on(universities::id.nullable().eq(qr::university_id)),
                )
                .filter(qr::officer_id.eq(id))
                .select((without_proposed!(), Option::<University>::as_select()))
                .order((qr::created_at.desc(), qr::id.desc()))
                .limit(11)
        };
        assert!(cached(&page(Uuid::nil())));
        let queue = qr::table.filter(fragments::Waiting).select(qr::id);
        assert!(cached(&queue));
        // The literal is the set of WAITING, in the partial index's words.
        let listed: Vec<String> = WAITING
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        let sql = diesel::debug_query::<Pg, _>(&queue).to_string();
        assert!(
            sql.contains(&format!(
                "qualification_requests.status IN ({})",
                listed.join(", ")
            )),
            "{sql}"
        );
    }

    #[test]
    fn a_page_without_the_proposed_data_reads_none_of_its_columns() {
        let proposed = [
            "first_name",
            "last_name",
            "father_name",
            "gender",
            "birth_certificate_number",
            "phone",
            "mobile",
            "email",
            "postal_address",
            "\"qualification_requests\".\"province_id\"",
            "city_id",
            "field_of_study_id",
            "degree_level",
        ];
        let all = page_sql(Columns::All);
        let slim = page_sql(Columns::WithoutProposed);
        for column in proposed {
            assert!(all.contains(column), "{column} in {all}");
            assert!(!slim.contains(column), "{column} in {slim}");
        }
        assert_eq!(slim.matches("NULL::").count(), proposed.len(), "{slim}");
        // The other columns, and the university's, are read by both.
        for column in [
            "\"qualification_requests\".\"status\"",
            "assigned_reviewer_id",
            "fee_rials",
            "waiting_since",
            "\"universities\".\"name\"",
        ] {
            assert!(all.contains(column) && slim.contains(column), "{column}");
        }
    }
}
