//! `ticket_attachments`: the files attached to a ticket (see [`crate::app::attachments`]).

use sea_orm::entity::prelude::*;

/// A stored attachment.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_attachments")]
pub struct Model {
    /// Surrogate key: `GET /api/v1/tickets/{number}/attachments/{id}`.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The ticket.
    pub ticket_id: i64,
    /// The file's name, sanitised.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Its type, told by its first bytes.
    #[sea_orm(column_type = "Text")]
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// SHA-256 of the file, hex.
    #[sea_orm(column_type = "Text")]
    pub sha256: String,
    /// `db` (the bytes in `data`) or `disk` (a file named by `sha256`).
    #[sea_orm(column_type = "Text")]
    pub storage: String,
    /// The file, when stored in the database.
    #[sea_orm(column_type = "Blob", nullable)]
    pub data: Option<Vec<u8>>,
    /// Who attached it (none for a mail from no user).
    pub uploaded_by: Option<i64>,
    /// `upload` or `mail`.
    #[sea_orm(column_type = "Text")]
    pub source: String,
    /// When.
    pub created_at: DateTimeUtc,
}

/// Relations of an attachment.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
