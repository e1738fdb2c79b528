//! `form_submissions`: the one-time tokens of the new-ticket form (issue 26). The page puts a
//! fresh token in every form it serves; opening the ticket records the token with the ticket in
//! the same transaction, under a unique (user, token) index. The same form sent again (Back, then
//! 提交工单 once more; a double click; a retried request) finds its token and is shown the
//! ticket it already opened instead of opening a second one.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `form_submissions`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FormSubmissions::Table)
                    .col(big_pk_auto(FormSubmissions::Id))
                    .col(big_integer(FormSubmissions::UserId))
                    .col(text(FormSubmissions::Token))
                    .col(text(FormSubmissions::TicketNumber))
                    .col(timestamp_with_time_zone(FormSubmissions::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_form_submissions_user_token")
                    .table(FormSubmissions::Table)
                    .col(FormSubmissions::UserId)
                    .col(FormSubmissions::Token)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_form_submissions_created_at")
                    .table(FormSubmissions::Table)
                    .col(FormSubmissions::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FormSubmissions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum FormSubmissions {
    Table,
    Id,
    UserId,
    Token,
    TicketNumber,
    CreatedAt,
}
