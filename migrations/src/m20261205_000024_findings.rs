//! Findings (认定, issue 24): what a buyer-side manager establishes that opsclock cannot measure —
//! a major impact with its facts, insufficient service capability as a cause, an external
//! sanction, a refused handover — on a ticket or on a contract's month, read by the contract
//! rules that need it. A finding is never edited or deleted: it is withdrawn, with who, when and
//! why, and the audit log has both steps.
//!
//! - `findings.contract_code`: the contract the finding is against.
//! - `findings.kind`: a `contract_terms::FindingKind` key (`insufficient_capability`, …).
//! - `findings.ticket_id`: the ticket it is about; NULL for a finding about the month.
//! - `findings.month`: `YYYY-MM`, the month it is assessed in (the ticket's report month, or chosen).
//! - `findings.facts`: JSON (people affected, economic loss in fen, months of data lost, media or
//!   leadership attention, minutes), every fact optional.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `findings` and its indexes.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Findings::Table)
                    .col(big_pk_auto(Findings::Id))
                    .col(text(Findings::ContractCode))
                    .col(text(Findings::Kind))
                    .col(big_integer_null(Findings::TicketId))
                    .col(text(Findings::Month))
                    .col(text(Findings::Summary))
                    .col(json_binary(Findings::Facts))
                    .col(text(Findings::Evidence))
                    .col(boolean(Findings::Serious).default(false))
                    .col(big_integer(Findings::RecordedBy))
                    .col(timestamp_with_time_zone(Findings::RecordedAt))
                    .col(timestamp_with_time_zone_null(Findings::WithdrawnAt))
                    .col(big_integer_null(Findings::WithdrawnBy))
                    .col(text_null(Findings::WithdrawReason))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Findings::Table, Findings::TicketId)
                            .to(Tickets::Table, Tickets::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Findings::Table, Findings::RecordedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("findings_contract_month")
                    .table(Findings::Table)
                    .col(Findings::ContractCode)
                    .col(Findings::Month)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("findings_ticket")
                    .table(Findings::Table)
                    .col(Findings::TicketId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Findings::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Findings {
    Table,
    Id,
    ContractCode,
    Kind,
    TicketId,
    Month,
    Summary,
    Facts,
    Evidence,
    Serious,
    RecordedBy,
    RecordedAt,
    WithdrawnAt,
    WithdrawnBy,
    WithdrawReason,
}

#[derive(DeriveIden, Clone, Copy)]
enum Tickets {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}
