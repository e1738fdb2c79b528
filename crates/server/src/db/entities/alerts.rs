//! `alerts`: one row per alert per firing episode, linked to the ticket it opened or joined, or
//! waiting in the triage queue.

use sea_orm::entity::prelude::*;

/// An alert as received.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alerts")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The source that sent it.
    pub source_id: i64,
    /// The source's identity of the alert (Alertmanager's fingerprint).
    #[sea_orm(column_type = "Text")]
    pub fingerprint: String,
    /// The ticket it opened or was added to; `None` while it waits in triage.
    pub ticket_id: Option<i64>,
    /// The rule that mapped it.
    #[sea_orm(column_type = "Text", nullable)]
    pub rule: Option<String>,
    /// `firing` or `resolved`.
    #[sea_orm(column_type = "Text")]
    pub status: crate::db::Key<Status>,
    /// Its labels, a JSON object of strings.
    #[sea_orm(column_type = "JsonBinary")]
    pub labels: Json,
    /// Its annotations, a JSON object of strings.
    #[sea_orm(column_type = "JsonBinary")]
    pub annotations: Json,
    /// When it began firing (the monitor's `startsAt`).
    pub starts_at: DateTimeUtc,
    /// When it stopped (resolved alerts).
    pub ends_at: Option<DateTimeUtc>,
    /// Notifications received for this episode.
    pub notifications: i32,
    /// When opsclock first received it.
    pub first_seen_at: DateTimeUtc,
    /// When opsclock last received it.
    pub last_seen_at: DateTimeUtc,
    /// Why no rule mapped it (triage), if none did.
    #[sea_orm(column_type = "Text", nullable)]
    pub triage_reason: Option<String>,
    /// How triage ended: `opened` or `dismissed`.
    #[sea_orm(column_type = "Text", nullable)]
    pub triage_outcome: Option<String>,
    /// Who triaged it.
    pub triaged_by: Option<i64>,
    /// When.
    pub triaged_at: Option<DateTimeUtc>,
}

/// Relations of an alert.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::stored_enum! {
    /// Whether the monitor says the alert is on.
    pub enum Status {
        /// The monitor says it is on.
        Firing = "firing",
        /// The monitor says it ended.
        Resolved = "resolved",
    }
}
