//! `users.phone` (issue 29): the mobile number SMS notices go to. Stored normalised — a mainland
//! mobile number as its 11 digits (`+86 138 0013 8000` → `13800138000`), any other number in
//! E.164 (`+447700900123`) — by `crate::app::sms::phone` in the server; `NULL` for none.

use sea_orm_migration::prelude::*;

/// Adds `users.phone`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(ColumnDef::new(Users::Phone).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Users::Table).drop_column(Users::Phone).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Phone,
}
