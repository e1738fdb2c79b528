//! Attachments on tickets (附件, issue 29): files uploaded on the ticket page or the API, or
//! taken from a mail that came in, kept with the ticket for good (nothing deletes one).
//!
//! - `ticket_attachments`: one per file attached. `name` is the file's name as sanitised (no
//!   path, no control characters, at most 120 characters, Chinese kept); `content_type` the type
//!   its content was told to be by its first bytes, never by its name; `size` in bytes; `sha256`
//!   its SHA-256 in hex. `storage` says where the bytes are: `db` (in `data`) or `disk` (a file
//!   named by `sha256` in `[attachments] dir`, shared by every row of the same content, `data`
//!   null). `uploaded_by` is the person (null for a mail whose sender is no user), `source`
//!   `upload` or `mail`, `created_at` when.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `ticket_attachments`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TicketAttachments::Table)
                    .col(big_pk_auto(TicketAttachments::Id))
                    .col(big_integer(TicketAttachments::TicketId))
                    .col(text(TicketAttachments::Name))
                    .col(text(TicketAttachments::ContentType))
                    .col(big_integer(TicketAttachments::Size))
                    .col(text(TicketAttachments::Sha256))
                    .col(text(TicketAttachments::Storage))
                    .col(blob_null(TicketAttachments::Data))
                    .col(big_integer_null(TicketAttachments::UploadedBy))
                    .col(text(TicketAttachments::Source))
                    .col(timestamp_with_time_zone(TicketAttachments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TicketAttachments::Table, TicketAttachments::TicketId)
                            .to(Tickets::Table, Tickets::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TicketAttachments::Table, TicketAttachments::UploadedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ticket_attachments_ticket")
                    .table(TicketAttachments::Table)
                    .col(TicketAttachments::TicketId)
                    .col(TicketAttachments::Sha256)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TicketAttachments::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TicketAttachments {
    Table,
    Id,
    TicketId,
    Name,
    ContentType,
    Size,
    Sha256,
    Storage,
    Data,
    UploadedBy,
    Source,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
