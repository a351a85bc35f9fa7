//! Relay pagination in one place: page sizes, opaque keyset cursors.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Default page size.
pub const DEFAULT_PAGE: i32 = 20;
/// Largest page size.
pub const MAX_PAGE: i32 = 100;

/// A page request: how many, after which (time, id) position.
pub struct Page {
    /// Rows to return.
    pub first: i64,
    /// Position to continue after.
    pub after: Option<(DateTime<Utc>, Uuid)>,
    /// Whether the query asks for `totalCount` (a count is a statement of its own).
    pub with_total: bool,
}

impl Page {
    /// Checks `first` (1..=100, default 20) and decodes `after`.
    pub fn from_args(first: Option<i32>, after: Option<String>) -> AppResult<Self> {
        let first = first.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&first) {
            return Err(AppError::validation(
                "first",
                format!("first must be between 1 and {MAX_PAGE}"),
                "تعداد درخواستی در هر صفحه باید بین ۱ و ۱۰۰ باشد",
            ));
        }
        let after = after.map(|c| decode(&c)).transpose()?;
        Ok(Self {
            first: i64::from(first),
            after,
            with_total: true,
        })
    }

    /// As [`Page::from_args`], counting the whole list only when the query selects the
    /// connection's `totalCount`.
    pub fn for_field(
        ctx: &async_graphql::Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Self> {
        let mut page = Self::from_args(first, after)?;
        page.with_total = ctx.look_ahead().field("totalCount").exists();
        Ok(page)
    }
}

/// The cursor of a row at (time, id).
pub fn encode(t: DateTime<Utc>, id: Uuid) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{}|{id}", t.timestamp_micros()))
}

fn decode(cursor: &str) -> AppResult<(DateTime<Utc>, Uuid)> {
    let bad = || AppError::validation("after", "invalid cursor", "نشانگر صفحه نامعتبر است");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (micros, id) = text.split_once('|').ok_or_else(bad)?;
    let t = DateTime::from_timestamp_micros(micros.parse().map_err(|_| bad())?).ok_or_else(bad)?;
    Ok((t, id.parse().map_err(|_| bad())?))
}

/// Count of all items, beside the page.
#[derive(async_graphql::SimpleObject)]
pub struct Total {
    /// Number of items in the whole list.
    pub total_count: i64,
}

/// A connection of one page of `rows` (fetched with one row more than the page, to know
/// whether there is a next page), each turned into its node.
pub fn connection<R, N: async_graphql::OutputType>(
    rows: Vec<R>,
    total: i64,
    page: &Page,
    cursor: impl Fn(&R) -> String,
    node: impl Fn(R) -> N,
) -> async_graphql::connection::Connection<String, N, Total> {
    let has_next = rows.len() as i64 > page.first;
    let mut c = async_graphql::connection::Connection::with_additional_fields(
        page.after.is_some(),
        has_next,
        Total { total_count: total },
    );
    c.edges.extend(
        rows.into_iter()
            .take(page.first as usize)
            .map(|r| async_graphql::connection::Edge::new(cursor(&r), node(r))),
    );
    c
}
