//! Recurring faults (issue 28): a policy's rule for when tickets of one class on one system are
//! one problem, and the problem records (问题单) that gather them with their cause analysis and
//! fix plan.
//!
//! - `policies.recurrence`: the rule as `ticket_domain::Recurrence`; none: the default (two of one
//!   class within 30 days, faults).
//! - `problems`: one per recurring class of fault on a system, numbered `PRB-{year}-{n}`.
//!   `category` is the class (none: the unsorted). `state` is `open` or `closed`; `analysis` (the
//!   root-cause analysis) and `plan` (the fix plan) are the vendor's; `version` guards concurrent
//!   edits.
//! - `problem_tickets`: the tickets of a problem, each ticket in one problem at most.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `policies.recurrence`, creates `problems` and `problem_tickets`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Policies::Table)
                    .add_column(json_binary_null(Policies::Recurrence))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Problems::Table)
                    .col(big_pk_auto(Problems::Id))
                    .col(text_uniq(Problems::Number))
                    .col(big_integer(Problems::SystemId))
                    .col(text_null(Problems::Category))
                    .col(text(Problems::Title))
                    .col(text(Problems::State))
                    .col(text_null(Problems::Analysis))
                    .col(text_null(Problems::Plan))
                    .col(integer(Problems::Version))
                    .col(timestamp_with_time_zone(Problems::OpenedAt))
                    .col(timestamp_with_time_zone_null(Problems::ClosedAt))
                    .col(big_integer_null(Problems::ClosedBy))
                    .col(timestamp_with_time_zone(Problems::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Problems::Table, Problems::SystemId)
                            .to(Systems::Table, Systems::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("problems_system_state")
                    .table(Problems::Table)
                    .col(Problems::SystemId)
                    .col(Problems::State)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProblemTickets::Table)
                    .col(big_pk_auto(ProblemTickets::Id))
                    .col(big_integer(ProblemTickets::ProblemId))
                    .col(big_integer(ProblemTickets::TicketId).unique_key())
                    .col(timestamp_with_time_zone(ProblemTickets::LinkedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProblemTickets::Table, ProblemTickets::ProblemId)
                            .to(Problems::Table, Problems::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProblemTickets::Table, ProblemTickets::TicketId)
                            .to(Tickets::Table, Tickets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("problem_tickets_problem")
                    .table(ProblemTickets::Table)
                    .col(ProblemTickets::ProblemId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProblemTickets::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Problems::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Policies::Table)
                    .drop_column(Policies::Recurrence)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Policies {
    Table,
    Recurrence,
}

#[derive(DeriveIden)]
enum Problems {
    Table,
    Id,
    Number,
    SystemId,
    Category,
    Title,
    State,
    Analysis,
    Plan,
    Version,
    OpenedAt,
    ClosedAt,
    ClosedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProblemTickets {
    Table,
    Id,
    ProblemId,
    TicketId,
    LinkedAt,
}

#[derive(DeriveIden)]
enum Systems {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}
