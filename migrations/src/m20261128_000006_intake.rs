//! Alert intake and outbound webhooks.
//!
//! - `intake_sources`: the monitors allowed to open tickets: an Alertmanager authenticates with a
//!   bearer token (only its SHA-256 is kept), a generic monitor signs each request with HMAC-SHA256
//!   under a shared secret (kept, since the server must compute the same signature).
//! - `alerts`: one row per alert (a source's fingerprint) per firing episode: its labels, when it
//!   started and ended, how many notifications repeated it, the ticket it opened or joined, or,
//!   when no rule maps it, why (`triage_reason`): the triage queue is the alerts without a ticket
//!   that nobody has dismissed.
//! - `webhook_subscriptions`: where ticket events are posted, in which format, signed with which
//!   secret.
//! - `settings`: documents the server keeps by name (the intake rules).
//! - `outbox.channel` (`email` or `webhook`) and `outbox.subscription_id`: webhooks go through the
//!   same outbox as email, each channel drained by its own sender.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates the intake and webhook tables and the outbox's channel.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, NoAction};
        manager
            .create_table(
                Table::create()
                    .table(IntakeSources::Table)
                    .col(big_pk_auto(IntakeSources::Id))
                    .col(text_uniq(IntakeSources::Code))
                    .col(text(IntakeSources::Kind))
                    .col(text_null(IntakeSources::TokenHash).unique_key())
                    .col(text_null(IntakeSources::Secret))
                    .col(timestamp_with_time_zone(IntakeSources::CreatedAt))
                    .col(timestamp_with_time_zone_null(IntakeSources::LastUsedAt))
                    .col(timestamp_with_time_zone_null(IntakeSources::RevokedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alerts::Table)
                    .col(big_pk_auto(Alerts::Id))
                    .col(big_integer(Alerts::SourceId))
                    .col(text(Alerts::Fingerprint))
                    .col(big_integer_null(Alerts::TicketId))
                    .col(text_null(Alerts::Rule))
                    .col(text(Alerts::Status))
                    .col(json_binary(Alerts::Labels))
                    .col(json_binary(Alerts::Annotations))
                    .col(timestamp_with_time_zone(Alerts::StartsAt))
                    .col(timestamp_with_time_zone_null(Alerts::EndsAt))
                    .col(integer(Alerts::Notifications).default(1))
                    .col(timestamp_with_time_zone(Alerts::FirstSeenAt))
                    .col(timestamp_with_time_zone(Alerts::LastSeenAt))
                    .col(text_null(Alerts::TriageReason))
                    .col(text_null(Alerts::TriageOutcome))
                    .col(big_integer_null(Alerts::TriagedBy))
                    .col(timestamp_with_time_zone_null(Alerts::TriagedAt))
                    .foreign_key(&mut fk(Alerts::Table, Alerts::SourceId, IntakeSources::Table, Cascade))
                    .foreign_key(&mut fk(Alerts::Table, Alerts::TicketId, Tickets::Table, NoAction))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookSubscriptions::Table)
                    .col(big_pk_auto(WebhookSubscriptions::Id))
                    .col(text_uniq(WebhookSubscriptions::Name))
                    .col(text(WebhookSubscriptions::Url))
                    .col(text(WebhookSubscriptions::Format))
                    .col(json_binary(WebhookSubscriptions::Events))
                    .col(text_null(WebhookSubscriptions::Secret))
                    .col(boolean(WebhookSubscriptions::Active).default(true))
                    .col(timestamp_with_time_zone(WebhookSubscriptions::CreatedAt))
                    .col(timestamp_with_time_zone(WebhookSubscriptions::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .col(text(Settings::Key).primary_key())
                    .col(json_binary(Settings::Value))
                    .col(timestamp_with_time_zone(Settings::UpdatedAt))
                    .col(big_integer_null(Settings::UpdatedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column(text(Outbox::Channel).default("email"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column(big_integer_null(Outbox::SubscriptionId))
                    .to_owned(),
            )
            .await?;
        let indexes = [
            Index::create()
                .name("idx_alerts_source_fingerprint")
                .table(Alerts::Table)
                .col(Alerts::SourceId)
                .col(Alerts::Fingerprint)
                .to_owned(),
            Index::create()
                .name("idx_alerts_ticket_id")
                .table(Alerts::Table)
                .col(Alerts::TicketId)
                .to_owned(),
            Index::create()
                .name("idx_outbox_channel_status_next_attempt_at")
                .table(Outbox::Table)
                .col(Outbox::Channel)
                .col(Outbox::Status)
                .col(Outbox::NextAttemptAt)
                .to_owned(),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_outbox_channel_status_next_attempt_at")
                    .table(Outbox::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Outbox::SubscriptionId, Outbox::Channel] {
            manager
                .alter_table(Table::alter().table(Outbox::Table).drop_column(column).to_owned())
                .await?;
        }
        for table in [
            Settings::Table.into_iden(),
            WebhookSubscriptions::Table.into_iden(),
            Alerts::Table.into_iden(),
            IntakeSources::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

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
enum IntakeSources {
    Table,
    Id,
    Code,
    Kind,
    TokenHash,
    Secret,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Alerts {
    Table,
    Id,
    SourceId,
    Fingerprint,
    TicketId,
    Rule,
    Status,
    Labels,
    Annotations,
    StartsAt,
    EndsAt,
    Notifications,
    FirstSeenAt,
    LastSeenAt,
    TriageReason,
    TriageOutcome,
    TriagedBy,
    TriagedAt,
}

#[derive(DeriveIden)]
enum WebhookSubscriptions {
    Table,
    Id,
    Name,
    Url,
    Format,
    Events,
    Secret,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Channel,
    SubscriptionId,
    Status,
    NextAttemptAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
}
