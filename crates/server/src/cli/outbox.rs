//! `opsclock outbox list | show | retry | summary`: the mail outbox.

use chrono::Utc;
use clap::Subcommand;

use super::DatabaseArg;
use crate::app::audit::{self, ClientAddr};
use crate::app::escalation::Links;
use crate::app::escalation::summary::{self, Month};
use crate::app::outbox::{self, STATUSES};
use crate::config::Config;
use crate::mail::MailSettings;

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Lists messages, newest first, with how many there are of each status.
    List {
        /// Only messages with this status.
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(STATUSES))]
        status: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u64,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Shows one message with every delivery attempt.
    Show {
        /// The message's id (from `outbox list`).
        id: i64,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Sends failed messages again: the ones named, or all with --all-failed.
    Retry {
        /// Ids of failed messages.
        #[arg(required_unless_present = "all_failed")]
        ids: Vec<i64>,
        /// Every failed message.
        #[arg(long, conflicts_with = "ids")]
        all_failed: bool,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Queues a month's summary email now (it is queued once per month, however often asked).
    Summary {
        /// The month, YYYY-MM [default: last month].
        #[arg(long)]
        month: Option<Month>,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

pub async fn run(cmd: OutboxCommand, config: &Config) -> anyhow::Result<()> {
    match cmd {
        OutboxCommand::List {
            status,
            limit,
            database,
        } => {
            let db = crate::serve::open_database(&database.url(config)).await?;
            let counts = outbox::counts(&db).await?;
            let summary: Vec<String> = counts.iter().map(|(s, n)| format!("{s} {n}")).collect();
            println!(
                "outbox: {}",
                if summary.is_empty() {
                    "empty".to_owned()
                } else {
                    summary.join(", ")
                }
            );
            for m in outbox::list(&db, status.as_deref(), limit).await? {
                println!(
                    "{:>6}  {:<7}  {:>2} tries  {}  -> {}",
                    m.id,
                    m.status,
                    m.attempts,
                    m.key,
                    m.recipients.join(", ")
                );
                println!("        {}", m.subject);
                if let Some(e) = m.last_error.as_deref().filter(|_| m.status != "sent") {
                    println!("        last error: {e}");
                }
                if let Some(n) = &m.note {
                    println!("        note: {n}");
                }
            }
        }
        OutboxCommand::Show { id, database } => {
            let db = crate::serve::open_database(&database.url(config)).await?;
            let m = outbox::get(&db, id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no outbox message {id}"))?;
            println!("{}", serde_json::to_string_pretty(&m)?);
        }
        OutboxCommand::Retry {
            ids,
            all_failed,
            database,
        } => {
            let db = crate::serve::open_database(&database.url(config)).await?;
            let chosen = (!all_failed).then_some(ids.as_slice());
            let calendars = super::calendar_source(None, config)?.all()?;
            let txn = crate::db::begin_write(&db).await?;
            let now = Utc::now();
            let n = outbox::retry(&txn, &calendars, chosen, now).await?;
            if n > 0 {
                let detail = serde_json::json!({ "ids": chosen, "count": n });
                audit::record(
                    &txn,
                    None,
                    "outbox.retry",
                    "outbox",
                    detail,
                    &ClientAddr(Some("cli".into())),
                    now,
                )
                .await?;
            }
            txn.commit().await?;
            println!("{n} failed message(s) will be sent again by the running server");
        }
        OutboxCommand::Summary { month, database } => {
            let db = crate::serve::open_database(&database.url(config)).await?;
            let zone = config.escalation.summary_zone()?;
            let now = Utc::now();
            let month = month.unwrap_or_else(|| Month::previous(now, zone));
            let mail = MailSettings::from_config(&config.mail)?;
            let listen = config.server.listen.as_deref().unwrap_or("127.0.0.1:8080");
            let links = Links::new(config.server.public_url.as_deref(), listen, mail.domain());
            let calendars = super::calendar_source(None, config)?.all()?;
            let attach = config
                .escalation
                .summary_attach_xlsx
                .unwrap_or(true)
                .then_some(&calendars);
            if summary::queue(&db, month, zone, &links, now, attach).await? {
                println!("summary of {month} queued");
            } else {
                println!("summary of {month} not queued: it already was, or no manager has an email address");
            }
        }
    }
    Ok(())
}
