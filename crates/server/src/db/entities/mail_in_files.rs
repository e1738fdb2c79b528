//! `mail_in_files`: the attachments of mail waiting in triage, kept until triage ends (see
//! [`crate::app::mail_in::triage`]).

use sea_orm::entity::prelude::*;

/// A file of a message waiting in triage.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_in_files")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The `mail_in_messages` row.
    pub message_id: i64,
    /// The file's name as sent.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// The type it was sent as (not trusted).
    #[sea_orm(column_type = "Text")]
    pub content_type: String,
    /// The bytes.
    #[sea_orm(column_type = "Blob")]
    pub data: Vec<u8>,
    /// When it was taken in.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
