//! Operations: sign-in lockout and indexes that keep lists and metrics O(page) at a million tickets.
//!
//! - `users.failed_sign_ins` and `users.locked_until`: consecutive failed sign-ins, and until when
//!   the account refuses sign-ins after too many. Kept in the database, so every replica behind a
//!   load balancer sees the same lockout.
//! - `(status, id)`, `(severity, id)` and `(system_id, id)` on `tickets`: a filtered list, newest
//!   first, walks one index range in id order and stops after a page instead of sorting every
//!   match.
//! - `(state, deadline)` on `clocks`: running clocks by deadline, for the "clocks at risk" and
//!   "overdue" metrics and the `due_before` / `breached` filters.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds the lockout columns and the indexes.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The new indexes.
fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        Index::create()
            .name("idx_tickets_status_id")
            .table(Tickets::Table)
            .col(Tickets::Status)
            .col(Tickets::Id)
            .to_owned(),
        Index::create()
            .name("idx_tickets_severity_id")
            .table(Tickets::Table)
            .col(Tickets::Severity)
            .col(Tickets::Id)
            .to_owned(),
        Index::create()
            .name("idx_tickets_system_id_id")
            .table(Tickets::Table)
            .col(Tickets::SystemId)
            .col(Tickets::Id)
            .to_owned(),
        Index::create()
            .name("idx_clocks_state_deadline")
            .table(Clocks::Table)
            .col(Clocks::State)
            .col(Clocks::Deadline)
            .to_owned(),
    ]
}

/// Indexes the new ones make redundant (each is a prefix of a new one).
const REPLACED: [(&str, Tickets); 2] = [
    ("idx_tickets_status", Tickets::Table),
    ("idx_tickets_system_id", Tickets::Table),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(integer(Users::FailedSignIns).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(timestamp_with_time_zone_null(Users::LockedUntil))
                    .to_owned(),
            )
            .await?;
        for index in indexes() {
            manager.create_index(index).await?;
        }
        for (name, table) in REPLACED {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_tickets_status")
                    .table(Tickets::Table)
                    .col(Tickets::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_tickets_system_id")
                    .table(Tickets::Table)
                    .col(Tickets::SystemId)
                    .to_owned(),
            )
            .await?;
        for name in [
            "idx_tickets_status_id",
            "idx_tickets_severity_id",
            "idx_tickets_system_id_id",
        ] {
            manager
                .drop_index(Index::drop().name(name).table(Tickets::Table).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_clocks_state_deadline")
                    .table(Clocks::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Users::LockedUntil, Users::FailedSignIns] {
            manager
                .alter_table(Table::alter().table(Users::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Tickets {
    Table,
    Id,
    Status,
    Severity,
    SystemId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Clocks {
    Table,
    State,
    Deadline,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    FailedSignIns,
    LockedUntil,
}
