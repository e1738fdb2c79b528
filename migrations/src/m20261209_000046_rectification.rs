//! Rectification orders (整改通知, issue 27): the buyer orders a vendor to put something right by
//! a deadline; the deadline is an SLA clock escalated like a ticket's.
//!
//! - `rectification_orders`: one per order, numbered `ZG-{id}`. `contract_code`, `system_id` and
//!   `vendor_id` name what is to be rectified and by whom; `issuer_party` (`bureau` or `unit`) and
//!   `unit_id` who issued it (and accepts or rejects the outcome). `source` and `source_ref` what
//!   it came from (`finding` F-12, `assessment` A-3, `ticket` INC-…, `recurring` a system's
//!   repeated faults, `other`). The clock is stored as tickets' clocks are: the `sla-clock` event
//!   list in `events` on the calendar `calendar`, with `deadline`, `breached` and `next_due_at`
//!   (when the escalation sweep must next look). `state` is `issued`, `submitted`, `accepted`,
//!   `refused` or `withdrawn`; `version` guards concurrent acts.
//!   `overdue_is_refusal` is the contract's reading of 八-7 when the order was issued (a deadline
//!   passed with the order open is itself the refusal), kept so that a later change of the
//!   contract does not turn orders already running into refusals.
//! - `rectification_events`: every act on an order, append-only: who, what, the text and the
//!   evidence given.
//! - `findings.rectification_id`: the order a `refused_rectification` finding was recorded for,
//!   so that only the parties of that order read and withdraw it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `rectification_orders` and `rectification_events`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Orders::Table)
                    .col(big_pk_auto(Orders::Id))
                    .col(text(Orders::ContractCode))
                    .col(big_integer(Orders::SystemId))
                    .col(big_integer(Orders::VendorId))
                    .col(text(Orders::IssuerParty))
                    .col(big_integer_null(Orders::UnitId))
                    .col(text(Orders::Source))
                    .col(text_null(Orders::SourceRef))
                    .col(text(Orders::Severity))
                    .col(text(Orders::Title))
                    .col(text(Orders::Request))
                    .col(text(Orders::Target))
                    .col(text(Orders::Calendar))
                    .col(json_binary(Orders::Events))
                    .col(timestamp_with_time_zone_null(Orders::Deadline))
                    .col(boolean(Orders::Breached))
                    .col(timestamp_with_time_zone_null(Orders::NextDueAt))
                    .col(text(Orders::State))
                    .col(big_integer_null(Orders::AssigneeId))
                    .col(big_integer_null(Orders::FindingId))
                    .col(boolean(Orders::OverdueIsRefusal))
                    .col(integer(Orders::Version))
                    .col(big_integer(Orders::IssuedBy))
                    .col(timestamp_with_time_zone(Orders::IssuedAt))
                    .col(timestamp_with_time_zone(Orders::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Orders::ClosedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Orders::Table, Orders::SystemId)
                            .to(Systems::Table, Systems::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Orders::Table, Orders::IssuedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The sweep's one indexed range query, as on `clocks`.
        manager
            .create_index(
                Index::create()
                    .name("rectification_orders_next_due")
                    .table(Orders::Table)
                    .col(Orders::NextDueAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("rectification_orders_contract")
                    .table(Orders::Table)
                    .col(Orders::ContractCode)
                    .col(Orders::IssuedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(big_pk_auto(Events::Id))
                    .col(big_integer(Events::OrderId))
                    .col(big_integer(Events::UserId))
                    .col(text(Events::Kind))
                    .col(text(Events::Text))
                    .col(text(Events::Evidence))
                    .col(timestamp_with_time_zone(Events::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Events::Table, Events::OrderId)
                            .to(Orders::Table, Orders::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Events::Table, Events::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("rectification_events_order")
                    .table(Events::Table)
                    .col(Events::OrderId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Findings::Table)
                    .add_column(big_integer_null(Findings::RectificationId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Findings::Table)
                    .drop_column(Findings::RectificationId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Events::Table).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(Orders::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Orders {
    #[sea_orm(iden = "rectification_orders")]
    Table,
    Id,
    ContractCode,
    SystemId,
    VendorId,
    IssuerParty,
    UnitId,
    Source,
    SourceRef,
    Severity,
    Title,
    Request,
    Target,
    Calendar,
    Events,
    Deadline,
    Breached,
    NextDueAt,
    State,
    AssigneeId,
    FindingId,
    OverdueIsRefusal,
    Version,
    IssuedBy,
    IssuedAt,
    UpdatedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum Events {
    #[sea_orm(iden = "rectification_events")]
    Table,
    Id,
    OrderId,
    UserId,
    Kind,
    Text,
    Evidence,
    At,
}

#[derive(DeriveIden)]
enum Findings {
    Table,
    RectificationId,
}

#[derive(DeriveIden)]
enum Systems {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
