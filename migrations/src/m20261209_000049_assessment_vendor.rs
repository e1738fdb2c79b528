//! The vendor an assessment assesses, stored when it is created (issue 27): the contract's lead
//! vendor then. Its managers answer and sign for the vendor; a consortium member's read. Rows
//! made before the column have none, and keep the earlier rule (any vendor the contract binds).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `assessments.vendor_id`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Assessments::Table)
                    .add_column(big_integer_null(Assessments::VendorId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Assessments::Table)
                    .drop_column(Assessments::VendorId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Assessments {
    Table,
    VendorId,
}
