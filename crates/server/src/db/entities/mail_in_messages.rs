//! `mail_in_messages`: every message taken from an IMAP mailbox, once (see `app::mail_in`).

use sea_orm::entity::prelude::*;

/// A message taken in.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_in_messages")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The mailbox's name (`[[mail_in]] name`).
    #[sea_orm(column_type = "Text")]
    pub mailbox: String,
    /// The folder's UIDVALIDITY when the message was fetched.
    pub uidvalidity: i64,
    /// The message's UID in the folder.
    pub uid: i64,
    /// Its `Message-ID` without brackets (`sha256:…` of the message when it has none).
    #[sea_orm(column_type = "Text")]
    pub message_id: String,
    /// The `From` address.
    #[sea_orm(column_type = "Text")]
    pub sender: String,
    /// The user the sender is, when registered.
    pub user_id: Option<i64>,
    /// The subject, decoded.
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    /// `ticket`, `comment`, `ack`, `ignored`, `triage` or `refused`.
    #[sea_orm(column_type = "Text")]
    pub outcome: String,
    /// The ticket it opened or joined.
    pub ticket_id: Option<i64>,
    /// Why (ignored, refused, triage), or what was noted (an attachment refused).
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    /// The text, kept for a message waiting in triage.
    #[sea_orm(column_type = "Text", nullable)]
    pub body: Option<String>,
    /// The severity the subject asked for, kept for triage.
    #[sea_orm(column_type = "Text", nullable)]
    pub severity: Option<String>,
    /// The attachments: name, type, size and what became of each.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub attachments: Option<Json>,
    /// When opsclock took it in.
    pub received_at: DateTimeUtc,
    /// How triage ended: `opened` or `dismissed`.
    #[sea_orm(column_type = "Text", nullable)]
    pub triage_outcome: Option<String>,
    /// Who ended its triage.
    pub triaged_by: Option<i64>,
    /// When.
    pub triaged_at: Option<DateTimeUtc>,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
