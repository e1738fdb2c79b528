//! Sessions and tokens that end when they should, and sign-in throttling that cannot be used to
//! lock someone else out (issue 25).
//!
//! - `api_tokens.expires_at`: a token may be issued with an expiry; after it the token is refused.
//! - `sessions.remote_addr`: where a session was started from, so that its owner can tell their
//!   sessions apart when reviewing and ending them.
//! - `sign_in_throttle`: failed sign-ins counted per (login name as typed, client address), with
//!   the instant until which that pair must wait. A stranger's failures only slow the stranger's
//!   own address; the account's owner signs in from theirs. Rows are keyed by the name as typed,
//!   known or not, so the table says nothing about which accounts exist.
//!
//! `users.failed_sign_ins` and `users.locked_until` (m20261129_000007) are no longer written.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `api_tokens.expires_at`, `sessions.remote_addr` and `sign_in_throttle`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .add_column(timestamp_with_time_zone_null(ApiTokens::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .add_column(text_null(Sessions::RemoteAddr))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInThrottle::Table)
                    .col(big_pk_auto(SignInThrottle::Id))
                    .col(text(SignInThrottle::Username))
                    .col(text(SignInThrottle::RemoteAddr))
                    .col(integer(SignInThrottle::Failures).default(0))
                    .col(timestamp_with_time_zone_null(SignInThrottle::BlockedUntil))
                    .col(timestamp_with_time_zone(SignInThrottle::LastAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sign_in_throttle_pair")
                    .table(SignInThrottle::Table)
                    .col(SignInThrottle::Username)
                    .col(SignInThrottle::RemoteAddr)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sign_in_throttle_last_at")
                    .table(SignInThrottle::Table)
                    .col(SignInThrottle::LastAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SignInThrottle::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .drop_column(Sessions::RemoteAddr)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .drop_column(ApiTokens::ExpiresAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum ApiTokens {
    Table,
    ExpiresAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Sessions {
    Table,
    RemoteAddr,
}

#[derive(DeriveIden, Clone, Copy)]
enum SignInThrottle {
    Table,
    Id,
    Username,
    RemoteAddr,
    Failures,
    BlockedUntil,
    LastAt,
}
