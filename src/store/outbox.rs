//! The SMS outbox: rows written in the transaction of the change they announce.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::sms_outbox;
use crate::domain::Entity;
use crate::error::AppResult;

/// A text message to send once the transaction commits.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = sms_outbox)]
pub struct NewSms {
    /// The mobile, `09xxxxxxxxx`.
    pub receptor: String,
    /// The Persian text.
    pub message: String,
    /// Why it is sent (e.g. `TERMINATION_FINALIZED`).
    pub purpose: String,
    /// What it is about.
    pub entity_type: Option<Entity>,
    /// Its id.
    pub entity_id: Option<String>,
}

/// Writes outbox rows in the caller's transaction.
pub async fn enqueue(conn: &mut AsyncPgConnection, rows: &[NewSms]) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(sms_outbox::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(())
}
