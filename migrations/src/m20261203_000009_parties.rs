//! Parties: `users.party`.
//!
//! Every account belongs to the buyer (the bureau, or a unit), to a vendor, or to the supervisor
//! (监理). A unit's and a vendor's people are theirs by `unit_id` and `vendor_id`; the bureau's
//! people and the supervisor's have neither, so they say it here: `bureau` or `supervisor`. A
//! CHECK keeps the three apart: a party is set only on an account with no unit and no vendor.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `users.party` and its CHECK.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let only_without_unit_or_vendor = Expr::col(Users::Party).is_null().or(Expr::col(Users::Party)
            .is_in(["bureau", "supervisor"])
            .and(Expr::col(Users::UnitId).is_null())
            .and(Expr::col(Users::VendorId).is_null()));
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(text_null(Users::Party).check(only_without_unit_or_vendor))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Users::Table).drop_column(Users::Party).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Party,
    UnitId,
    VendorId,
}
