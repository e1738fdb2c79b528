//! Sign-in throttling per account over all addresses, without a lockout a stranger can use
//! (issue 25, from a review).
//!
//! - `sign_in_accounts`: failed sign-ins counted per login name as typed, over every address,
//!   with the instant until which an address that has not signed in to it must wait before its
//!   next attempt. Keyed by the name as typed, known or not, like `sign_in_throttle`.
//! - `sign_in_throttle.signed_in_at`: when the (name, address) pair last signed in. Such an
//!   address is the owner's (their office, their phone's network) and is not held up by the
//!   account's count: a stranger guessing from elsewhere cannot keep them out.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `sign_in_accounts` and `sign_in_throttle.signed_in_at`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SignInThrottle::Table)
                    .add_column(timestamp_with_time_zone_null(SignInThrottle::SignedInAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInAccounts::Table)
                    .col(big_pk_auto(SignInAccounts::Id))
                    .col(text(SignInAccounts::Username).unique_key())
                    .col(integer(SignInAccounts::Failures).default(0))
                    .col(timestamp_with_time_zone_null(SignInAccounts::BlockedUntil))
                    .col(timestamp_with_time_zone(SignInAccounts::LastAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sign_in_accounts_last_at")
                    .table(SignInAccounts::Table)
                    .col(SignInAccounts::LastAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SignInAccounts::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SignInThrottle::Table)
                    .drop_column(SignInThrottle::SignedInAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum SignInThrottle {
    Table,
    SignedInAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum SignInAccounts {
    Table,
    Id,
    Username,
    Failures,
    BlockedUntil,
    LastAt,
}
