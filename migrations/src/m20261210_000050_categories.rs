//! Categories (issue 28): a policy's list of its contract's classes of work, and the one a ticket
//! is sorted into. Rows made before the columns have none: policies offer no category and
//! tickets are unsorted (the reports' 未分类).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `policies.categories` and `tickets.category`, with an index for the counts of one
/// system's tickets of a category (recurring faults, the reports' breakdown).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Policies::Table)
                    .add_column(json_binary_null(Policies::Categories))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .add_column(text_null(Tickets::Category))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_tickets_system_category_occurred")
                    .table(Tickets::Table)
                    .col(Tickets::SystemId)
                    .col(Tickets::Category)
                    .col(Tickets::OccurredAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_tickets_system_category_occurred")
                    .table(Tickets::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .drop_column(Tickets::Category)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Policies::Table)
                    .drop_column(Policies::Categories)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Policies {
    Table,
    Categories,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Category,
    SystemId,
    OccurredAt,
}
