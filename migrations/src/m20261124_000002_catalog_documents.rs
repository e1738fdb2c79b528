//! What a catalogue file says beyond the core columns, kept so that an export writes it back.
//!
//! - `policies.document`: the policy as the catalogue wrote it (named tiers mapped onto the four
//!   severities, definitions, major-event targets). `targets` stays the compiled form the clocks
//!   use; a policy created or changed through the API has no document.
//! - `systems.profile`: the contract facts of a system that no clock reads yet (source lines,
//!   service start, on-site staff, duty, inspection cadence, availability target, notes).
//!
//! Both are nullable JSON, added with one `ALTER TABLE … ADD COLUMN` each (SQLite allows no more
//! per statement).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::json_binary_null;

/// Adds `policies.document` and `systems.profile`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Policies::Table)
                    .add_column(json_binary_null(Policies::Document))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Systems::Table)
                    .add_column(json_binary_null(Systems::Profile))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Systems::Table)
                    .drop_column(Systems::Profile)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Policies::Table)
                    .drop_column(Policies::Document)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Policies {
    Table,
    Document,
}

#[derive(DeriveIden)]
enum Systems {
    Table,
    Profile,
}
