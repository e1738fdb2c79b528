//! Spare parts (备品备件, issue 30 part B): the contract's capped list, the warehouse's
//! movements, and the end-of-term inventory the supervisor confirms.
//!
//! - `spare_items`: one per line of a contract's spares tables (seed 004 L27702–28197): `code`
//!   unique (`SY26-PA-1`), `contract_code`, `table_name` and `seq` (序号) as the table prints
//!   them, `name`, `spec` (the first requirement of 参数), `unit`, `cap` (数量: the most the
//!   contract pays for), `year` (备件使用年份), `seed_line` (where the row starts in the seed, for
//!   the shipped list), and `unit_price_fen`, empty until the vendor's bid price is entered.
//! - `spare_movements`: every movement of the warehouse, append-only: `kind` `in` (received),
//!   `out` (to ticket `ticket_id`: consumed), `returned` (back from a ticket, unused); `quantity`
//!   positive; `replacement_id` when a device replacement took it; who and when.
//! - `spare_inventories`: the stock per item at a moment (`lines`, JSON) as the supervisor
//!   confirmed it, who and when (004 L28571–28575: 备品备件库存清单（经监理确认）).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `spare_items`, `spare_movements` and `spare_inventories`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SpareItems::Table)
                    .col(big_pk_auto(SpareItems::Id))
                    .col(text_uniq(SpareItems::Code))
                    .col(text(SpareItems::ContractCode))
                    .col(text(SpareItems::TableName))
                    .col(integer(SpareItems::Seq))
                    .col(text(SpareItems::Name))
                    .col(text(SpareItems::Spec))
                    .col(text(SpareItems::Unit))
                    .col(integer(SpareItems::Cap))
                    .col(integer(SpareItems::Year))
                    .col(integer_null(SpareItems::SeedLine))
                    .col(big_integer_null(SpareItems::UnitPriceFen))
                    .col(timestamp_with_time_zone(SpareItems::CreatedAt))
                    .col(timestamp_with_time_zone(SpareItems::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SpareMovements::Table)
                    .col(big_pk_auto(SpareMovements::Id))
                    .col(big_integer(SpareMovements::ItemId))
                    .col(text(SpareMovements::Kind))
                    .col(integer(SpareMovements::Quantity))
                    .col(big_integer_null(SpareMovements::TicketId))
                    .col(big_integer_null(SpareMovements::ReplacementId))
                    .col(text(SpareMovements::Note))
                    .col(big_integer(SpareMovements::ByUser))
                    .col(timestamp_with_time_zone(SpareMovements::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SpareMovements::Table, SpareMovements::ItemId)
                            .to(SpareItems::Table, SpareItems::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SpareMovements::Table, SpareMovements::TicketId)
                            .to(Tickets::Table, Tickets::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("spare_movements_item", SpareMovements::ItemId),
            ("spare_movements_ticket", SpareMovements::TicketId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(SpareMovements::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(SpareInventories::Table)
                    .col(big_pk_auto(SpareInventories::Id))
                    .col(text(SpareInventories::ContractCode))
                    .col(json_binary(SpareInventories::Lines))
                    .col(text(SpareInventories::Note))
                    .col(big_integer(SpareInventories::ConfirmedBy))
                    .col(timestamp_with_time_zone(SpareInventories::ConfirmedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SpareInventories::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SpareMovements::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SpareItems::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SpareItems {
    Table,
    Id,
    Code,
    ContractCode,
    TableName,
    Seq,
    Name,
    Spec,
    Unit,
    Cap,
    Year,
    SeedLine,
    UnitPriceFen,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SpareMovements {
    Table,
    Id,
    ItemId,
    Kind,
    Quantity,
    TicketId,
    ReplacementId,
    Note,
    ByUser,
    At,
}

#[derive(DeriveIden)]
enum SpareInventories {
    Table,
    Id,
    ContractCode,
    Lines,
    Note,
    ConfirmedBy,
    ConfirmedAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}
