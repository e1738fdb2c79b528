//! `users.mail_english` (issue 26): whether a person's emails carry the English copy below the
//! Chinese. Mails are Chinese first; the English copy is for the few readers who ask for it (a
//! vendor's foreign engineer, an auditor), set per person by an admin (`/admin/users/{name}`,
//! `opsclock user notify --english yes`). Existing accounts default to no: before this column
//! every mail carried both, and the readers these contracts name read Chinese.

use sea_orm_migration::prelude::*;

/// Adds `users.mail_english`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(ColumnDef::new(Users::MailEnglish).boolean().not_null().default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::MailEnglish)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    MailEnglish,
}
