//! Mail in (issue 29): every message opsclock took from an IMAP mailbox, once.
//!
//! - `mail_in_messages`: the mailbox (`[[mail_in]] name`), the message's place in it
//!   (`uidvalidity`, `uid`), its `Message-ID` (or `sha256:…` of the message when it has none), the
//!   sender's address and the user it belongs to, the subject, what became of it (`outcome`:
//!   `ticket`, `comment`, `ack`, `ignored`, `triage`, `refused`), the ticket it opened or joined,
//!   why (`reason`), the text kept for triage (`body`, `severity`), the attachments with what became
//!   of each (JSON), and for a message waiting in triage how it ended (`triage_outcome`: `opened` or
//!   `dismissed`, by whom, when). Unique per (mailbox, message_id) and per (mailbox, uidvalidity,
//!   uid): the worker inserts the row first, with `ON CONFLICT DO NOTHING`, and acts in the same
//!   transaction only when the row was new, so a message is handled once however many replicas
//!   poll the mailbox and however often it is fetched again.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `mail_in_messages`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailInMessages::Table)
                    .col(big_pk_auto(MailInMessages::Id))
                    .col(text(MailInMessages::Mailbox))
                    .col(big_integer(MailInMessages::Uidvalidity))
                    .col(big_integer(MailInMessages::Uid))
                    .col(text(MailInMessages::MessageId))
                    .col(text(MailInMessages::Sender))
                    .col(big_integer_null(MailInMessages::UserId))
                    .col(text(MailInMessages::Subject))
                    .col(text(MailInMessages::Outcome))
                    .col(big_integer_null(MailInMessages::TicketId))
                    .col(text_null(MailInMessages::Reason))
                    .col(text_null(MailInMessages::Body))
                    .col(text_null(MailInMessages::Severity))
                    .col(json_binary_null(MailInMessages::Attachments))
                    .col(timestamp_with_time_zone(MailInMessages::ReceivedAt))
                    .col(text_null(MailInMessages::TriageOutcome))
                    .col(big_integer_null(MailInMessages::TriagedBy))
                    .col(timestamp_with_time_zone_null(MailInMessages::TriagedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MailInMessages::Table, MailInMessages::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MailInMessages::Table, MailInMessages::TicketId)
                            .to(Tickets::Table, Tickets::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MailInMessages::Table, MailInMessages::TriagedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("mail_in_messages_once_by_id")
                    .table(MailInMessages::Table)
                    .col(MailInMessages::Mailbox)
                    .col(MailInMessages::MessageId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("mail_in_messages_once_by_uid")
                    .table(MailInMessages::Table)
                    .col(MailInMessages::Mailbox)
                    .col(MailInMessages::Uidvalidity)
                    .col(MailInMessages::Uid)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("mail_in_messages_ticket")
                    .table(MailInMessages::Table)
                    .col(MailInMessages::TicketId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MailInMessages::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MailInMessages {
    Table,
    Id,
    Mailbox,
    Uidvalidity,
    Uid,
    MessageId,
    Sender,
    UserId,
    Subject,
    Outcome,
    TicketId,
    Reason,
    Body,
    Severity,
    Attachments,
    ReceivedAt,
    TriageOutcome,
    TriagedBy,
    TriagedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}
