//! Event notices, links that act from a message, quiet hours (issue 29).
//!
//! - `notice_queue`: one row per ticket event that may owe notices (opened, regraded, resolved,
//!   reopened), with the severity the event left the ticket at, written in the ticket's own
//!   transaction. The sweep resolves who is told, queues
//!   the messages in the outbox under their unique keys and deletes the row in one transaction, so
//!   a notice is queued once however many servers sweep. Unique per (ticket, seq).
//! - `action_links`: a link in a message that acts as its recipient (today: acknowledge a ticket).
//!   Only the SHA-256 of the token is stored; `used_at` makes it single-use and `expires_at`
//!   bounds it.
//! - `users.quiet_hours`: a person's quiet hours per channel (JSON), during which non-urgent
//!   notices wait.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `notice_queue` and `action_links`, adds `users.quiet_hours`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NoticeQueue::Table)
                    .col(big_pk_auto(NoticeQueue::Id))
                    .col(big_integer(NoticeQueue::TicketId))
                    .col(integer(NoticeQueue::Seq))
                    .col(text(NoticeQueue::Event))
                    .col(text(NoticeQueue::Severity))
                    .col(timestamp_with_time_zone(NoticeQueue::At))
                    .col(timestamp_with_time_zone(NoticeQueue::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(NoticeQueue::Table, NoticeQueue::TicketId)
                            .to(Tickets::Table, Tickets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notice_queue_once")
                    .table(NoticeQueue::Table)
                    .col(NoticeQueue::TicketId)
                    .col(NoticeQueue::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ActionLinks::Table)
                    .col(big_pk_auto(ActionLinks::Id))
                    .col(text(ActionLinks::TokenHash))
                    .col(text(ActionLinks::Action))
                    .col(big_integer(ActionLinks::UserId))
                    .col(big_integer(ActionLinks::TicketId))
                    .col(text(ActionLinks::OutboxKey))
                    .col(timestamp_with_time_zone(ActionLinks::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ActionLinks::UsedAt))
                    .col(timestamp_with_time_zone(ActionLinks::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActionLinks::Table, ActionLinks::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActionLinks::Table, ActionLinks::TicketId)
                            .to(Tickets::Table, Tickets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("action_links_token")
                    .table(ActionLinks::Table)
                    .col(ActionLinks::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("action_links_key")
                    .table(ActionLinks::Table)
                    .col(ActionLinks::OutboxKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(json_binary_null(Users::QuietHours))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::QuietHours)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ActionLinks::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(NoticeQueue::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum NoticeQueue {
    Table,
    Id,
    TicketId,
    Seq,
    Event,
    Severity,
    At,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ActionLinks {
    Table,
    Id,
    TokenHash,
    Action,
    UserId,
    TicketId,
    OutboxKey,
    ExpiresAt,
    UsedAt,
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
    QuietHours,
}
