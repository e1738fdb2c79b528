//! The attachments of mail waiting in triage (issue 29): a message no rule placed has no ticket
//! to store its files with, and the message itself is moved out of the mailbox once handled, so
//! its files are kept here until triage ends. Opening the message as a ticket stores them with
//! the ticket (through the attachments' own checks) and deletes them here; dismissing it deletes
//! them.
//!
//! - `mail_in_files`: `message_id` the `mail_in_messages` row, `name` the file's name as sent,
//!   `content_type` the type it was sent as (never trusted: the attachments tell the kind by the
//!   content), `data` the bytes, `created_at` when taken in.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `mail_in_files`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailInFiles::Table)
                    .col(big_pk_auto(MailInFiles::Id))
                    .col(big_integer(MailInFiles::MessageId))
                    .col(text(MailInFiles::Name))
                    .col(text(MailInFiles::ContentType))
                    .col(blob(MailInFiles::Data))
                    .col(timestamp_with_time_zone(MailInFiles::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MailInFiles::Table, MailInFiles::MessageId)
                            .to(MailInMessages::Table, MailInMessages::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("mail_in_files_message")
                    .table(MailInFiles::Table)
                    .col(MailInFiles::MessageId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MailInFiles::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MailInFiles {
    Table,
    Id,
    MessageId,
    Name,
    ContentType,
    Data,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MailInMessages {
    Table,
    Id,
}
