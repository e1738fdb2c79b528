//! Escalation by email against a real SMTP server (aiosmtpd): the ladder's steps arrive once
//! each with the right people and words; nothing is lost while the server is down; nothing is
//! sent twice across a SIGKILL or by two servers sharing one PostgreSQL database; a SIGKILL under
//! write load loses no acknowledged ticket and leaves none half-written.
#![allow(clippy::unwrap_used)]

mod batch;
mod cli;
mod crash;
mod fixture;
mod group_kill;
mod ladder_steps;
mod notices;
mod outage;
mod processes;
mod smtp;
mod tls_auth;

/// Runs an async test body on SQLite and on PostgreSQL.
macro_rules! both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$body(opsclock::db::testing::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$body(opsclock::db::testing::Backend::Postgres).await
            }
        }
    };
}
pub(crate) use both_backends;
