//! `opsclock mail-in status`: the `[[mail_in]]` mailboxes, how their worker last fared, and the
//! mail taken in lately with what became of it.

use clap::Subcommand;
use sea_orm::EntityTrait;

use super::DatabaseArg;
use crate::app::mail_in::triage::{MailQuery, recent};
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum MailInCommand {
    /// Lists the mailboxes with their last round or error, then recent messages, newest first.
    Status {
        /// Only this mailbox.
        #[arg(long)]
        mailbox: Option<String>,
        /// Only the messages waiting in triage.
        #[arg(long)]
        triage: bool,
        /// At most this many messages.
        #[arg(long, default_value_t = 20)]
        limit: u64,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

pub async fn run(cmd: MailInCommand, config: &Config) -> anyhow::Result<()> {
    let MailInCommand::Status {
        mailbox,
        triage,
        limit,
        database,
    } = cmd;
    let db = crate::serve::open_database(&database.url(config)).await?;
    if config.mail_in.is_empty() {
        println!("no [[mail_in]] mailbox is configured");
    }
    for m in config
        .mail_in
        .iter()
        .filter(|m| mailbox.as_ref().is_none_or(|n| *n == m.name))
    {
        let key = format!("mail_in.status.{}", m.name);
        let status = crate::db::entities::settings::Entity::find_by_id(key).one(&db).await?;
        let v = status.map(|s| s.value).unwrap_or_default();
        let text = |k: &str| v[k].as_str().unwrap_or("-").to_owned();
        println!(
            "{}  {}@{}:{} folder {}{}  last ok {}",
            m.name,
            m.username,
            m.host,
            m.port.map_or_else(|| "default".to_owned(), |p| p.to_string()),
            m.folder.as_deref().unwrap_or("INBOX"),
            m.unit.as_deref().map(|u| format!(" unit {u}")).unwrap_or_default(),
            text("last_ok_at"),
        );
        if v.get("last_error").is_some() {
            println!("    last error at {}: {}", text("last_error_at"), text("last_error"));
        }
        if v.get("left").is_some() {
            println!("    {}", text("left"));
        }
    }
    let rows = recent(
        &db,
        MailQuery {
            triage,
            mailbox,
            limit: Some(limit),
        },
    )
    .await?;
    println!("{} message(s):", rows.len());
    for r in rows {
        println!(
            "{:>6}  {}  {:<8} {:<16} {}  {}",
            r.id,
            r.received_at.format("%Y-%m-%d %H:%M"),
            r.outcome,
            r.ticket.as_deref().unwrap_or("-"),
            r.sender,
            r.subject
        );
        if let Some(reason) = &r.reason {
            println!("        {reason}");
        }
    }
    Ok(())
}
