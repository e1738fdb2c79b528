//! `outbox`: messages to send, each recorded exactly once under its `dedup_key`.

use sea_orm::entity::prelude::*;

/// A message in the outbox.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The message's identity: `T-2026-0001/repair/breach/0` for an escalation step,
    /// `summary/2026-10` for a monthly summary. Unique.
    #[sea_orm(unique, column_type = "Text")]
    pub dedup_key: String,
    /// `escalation` or `summary`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// The ticket an escalation is about.
    pub ticket_id: Option<i64>,
    /// The clock (`response`, `arrival`, `repair`).
    #[sea_orm(column_type = "Text", nullable)]
    pub clock: Option<String>,
    /// The ladder step's id.
    #[sea_orm(column_type = "Text", nullable)]
    pub step: Option<String>,
    /// The repeat: 0 for a step that fires once, 1, 2, … after breach.
    pub repeat: Option<i32>,
    /// When the step fell due (or the summary's period ended).
    pub due_at: DateTimeUtc,
    /// The resolved addresses, a JSON array of strings.
    #[sea_orm(column_type = "JsonBinary")]
    pub recipients: Json,
    /// What the sweep noticed while resolving recipients (e.g. a role nobody holds).
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    /// The subject line.
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    /// The plain-text body.
    #[sea_orm(column_type = "Text")]
    pub body_text: String,
    /// The HTML body.
    #[sea_orm(column_type = "Text")]
    pub body_html: String,
    /// The `Message-ID` (without angle brackets).
    #[sea_orm(column_type = "Text")]
    pub message_id: String,
    /// The thread's root id for `In-Reply-To` / `References` (without angle brackets).
    #[sea_orm(column_type = "Text", nullable)]
    pub thread_id: Option<String>,
    /// `pending`, `sending`, `sent` or `failed`.
    #[sea_orm(column_type = "Text")]
    pub status: crate::db::Key<Status>,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// When the mailer may next try (pending rows).
    pub next_attempt_at: DateTimeUtc,
    /// Until when a mailer holds the row (`sending`); after that another may take it over.
    pub claimed_until: Option<DateTimeUtc>,
    /// The last error, if the last attempt failed.
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// When the SMTP server accepted it.
    pub sent_at: Option<DateTimeUtc>,
    /// When the row was inserted.
    pub created_at: DateTimeUtc,
    /// Files sent with the message (`crate::mail::Attachment` list), if any.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub attachments: Option<Json>,
    /// `email` (sent by the mailer) or `webhook` (posted by the webhook sender).
    #[sea_orm(column_type = "Text")]
    pub channel: String,
    /// The webhook subscription a `webhook` message goes to.
    pub subscription_id: Option<i64>,
}

/// Relations of an outbox row.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Its delivery attempts.
    #[sea_orm(has_many = "super::outbox_attempts::Entity")]
    Attempts,
}

impl Related<super::outbox_attempts::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Attempts.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

crate::stored_enum! {
    /// Where a message is on its way out.
    pub enum Status {
        /// Waiting for its next attempt.
        Pending = "pending",
        /// Claimed by a worker until its lease runs out.
        Sending = "sending",
        /// Delivered.
        Sent = "sent",
        /// Parked after its last attempt (or for want of recipients).
        Failed = "failed",
    }
}
