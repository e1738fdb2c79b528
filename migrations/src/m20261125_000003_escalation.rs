//! Escalation by email: ladders per policy and severity, the mail outbox with its delivery
//! attempts, and the escalation roles a user holds.
//!
//! - `escalation_ladders`: the default ladder (`scope` = `default`, no policy), a ladder for a
//!   policy (`scope` = the policy's code) or for one of its severities (`scope` = `code:severity`).
//!   Without any row the built-in default ladder applies.
//! - `outbox`: one row per message to send. `dedup_key` is unique: for an escalation step it is the
//!   step's identity `(ticket, clock, step, repeat)`, for the monthly summary the month. The sweep
//!   inserts a row in the same transaction as it advances the clock's `next_due_at`, so a step is
//!   recorded exactly once however many processes sweep and however often they restart; the
//!   mailer then works through the rows by `(status, next_attempt_at)`.
//! - `outbox_attempts`: every delivery attempt with the SMTP server's answer or the error.
//! - `users.notify_roles`: the escalation roles (`on_duty`, `vendor_manager`, `unit_head`,
//!   `buyer_ops_lead`) a user holds, scoped by the user's vendor or unit.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates the escalation tables and `users.notify_roles`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, NoAction};
        manager
            .create_table(
                Table::create()
                    .table(EscalationLadders::Table)
                    .col(big_pk_auto(EscalationLadders::Id))
                    .col(text_uniq(EscalationLadders::Scope))
                    .col(big_integer_null(EscalationLadders::PolicyId))
                    .col(text_null(EscalationLadders::Severity))
                    .col(json_binary(EscalationLadders::Steps))
                    .col(timestamp_with_time_zone(EscalationLadders::UpdatedAt))
                    .foreign_key(&mut fk(
                        EscalationLadders::Table,
                        EscalationLadders::PolicyId,
                        Policies::Table,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(big_pk_auto(Outbox::Id))
                    .col(text_uniq(Outbox::DedupKey))
                    .col(text(Outbox::Kind))
                    .col(big_integer_null(Outbox::TicketId))
                    .col(text_null(Outbox::Clock))
                    .col(text_null(Outbox::Step))
                    .col(integer_null(Outbox::Repeat))
                    .col(timestamp_with_time_zone(Outbox::DueAt))
                    .col(json_binary(Outbox::Recipients))
                    .col(text_null(Outbox::Note))
                    .col(text(Outbox::Subject))
                    .col(text(Outbox::BodyText))
                    .col(text(Outbox::BodyHtml))
                    .col(text(Outbox::MessageId))
                    .col(text_null(Outbox::ThreadId))
                    .col(text(Outbox::Status))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Outbox::ClaimedUntil))
                    .col(text_null(Outbox::LastError))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .foreign_key(&mut fk(Outbox::Table, Outbox::TicketId, Tickets::Table, NoAction))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OutboxAttempts::Table)
                    .col(big_pk_auto(OutboxAttempts::Id))
                    .col(big_integer(OutboxAttempts::OutboxId))
                    .col(timestamp_with_time_zone(OutboxAttempts::At))
                    .col(boolean(OutboxAttempts::Ok))
                    .col(text(OutboxAttempts::Response))
                    .foreign_key(&mut fk(
                        OutboxAttempts::Table,
                        OutboxAttempts::OutboxId,
                        Outbox::Table,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        let indexes = [
            Index::create()
                .name("idx_outbox_status_next_attempt_at")
                .table(Outbox::Table)
                .col(Outbox::Status)
                .col(Outbox::NextAttemptAt)
                .to_owned(),
            Index::create()
                .name("idx_outbox_ticket_id")
                .table(Outbox::Table)
                .col(Outbox::TicketId)
                .to_owned(),
            Index::create()
                .name("idx_outbox_attempts_outbox_id")
                .table(OutboxAttempts::Table)
                .col(OutboxAttempts::OutboxId)
                .to_owned(),
            Index::create()
                .name("idx_escalation_ladders_policy_id")
                .table(EscalationLadders::Table)
                .col(EscalationLadders::PolicyId)
                .to_owned(),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(json_binary_null(Users::NotifyRoles))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::NotifyRoles)
                    .to_owned(),
            )
            .await?;
        for table in [
            OutboxAttempts::Table.into_iden(),
            Outbox::Table.into_iden(),
            EscalationLadders::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

/// A named foreign key `fk_<table>_<column>` from `table.column` to `parent.id`.
fn fk(
    table: impl IntoIden,
    column: impl IntoIden,
    parent: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    let (table, column) = (table.into_iden(), column.into_iden());
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(parent, Alias::new("id"))
        .on_delete(on_delete)
        .to_owned()
}

#[derive(DeriveIden)]
enum EscalationLadders {
    Table,
    Id,
    Scope,
    PolicyId,
    Severity,
    Steps,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    DedupKey,
    Kind,
    TicketId,
    Clock,
    Step,
    Repeat,
    DueAt,
    Recipients,
    Note,
    Subject,
    BodyText,
    BodyHtml,
    MessageId,
    ThreadId,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    LastError,
    SentAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OutboxAttempts {
    Table,
    Id,
    OutboxId,
    At,
    Ok,
    Response,
}

#[derive(DeriveIden)]
enum Policies {
    Table,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    NotifyRoles,
}
