//! `opsclock assessment list | show | snapshot`: assessments (考核) as the operator reads them.
//! Acting on one (sending, answering, signing) is a party's own account's, on the pages or
//! through the API; the command line reads. `snapshot` prints the stored figures exactly, so
//! that anyone can check the hash a signature names: `opsclock assessment snapshot A-3 |
//! sha256sum`. See docs/assessments.md.

use clap::Subcommand;

use super::DatabaseArg;
use crate::app::Context;
use crate::app::assessments::{self, AssessmentQuery, AssessmentView, id_of};
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum AssessmentCommand {
    /// Lists assessments, newest period first: number, contract, unit, period, state, who must
    /// still sign.
    List {
        /// Only this contract's (code).
        #[arg(long)]
        contract: Option<String>,
        /// Only this period (2026-11, 2026-Q4, 2026).
        #[arg(long)]
        period: Option<String>,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Shows one assessment (`A-3` or `3`): its state, signers, hash and every act.
    Show {
        /// The assessment's number.
        number: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Prints the stored figures exactly as their SHA-256 (the content hash) is computed over.
    Snapshot {
        /// The assessment's number.
        number: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

fn line(a: &AssessmentView) -> String {
    format!(
        "{}  {}  {}  {}  {} ({})  awaiting: {}",
        a.code,
        a.contract,
        a.unit.as_deref().unwrap_or("(whole contract)"),
        a.period,
        a.state,
        a.state_label,
        if a.awaiting.is_empty() {
            "—".to_owned()
        } else {
            a.awaiting.join(", ")
        }
    )
}

pub async fn run(cmd: AssessmentCommand, config: &Config) -> anyhow::Result<()> {
    let calendars = super::calendar_source(None, config)?.all()?;
    let database = match &cmd {
        AssessmentCommand::List { database, .. }
        | AssessmentCommand::Show { database, .. }
        | AssessmentCommand::Snapshot { database, .. } => database,
    };
    let db = crate::serve::open_database(&database.url(config)).await?;
    let ctx = Context::new(db, crate::calendars::Calendars::fixed(calendars));
    let p = super::reader();
    match cmd {
        AssessmentCommand::List { contract, period, .. } => {
            let q = AssessmentQuery {
                contract,
                period,
                state: None,
            };
            let rows = assessments::list(&ctx, &p, q).await?;
            for a in &rows {
                println!("{}", line(a));
            }
            println!("{} assessment(s)", rows.len());
        }
        AssessmentCommand::Show { number, .. } => {
            let a = assessments::get(&ctx, &p, id_of(&number)?).await?;
            println!("{}", line(&a));
            println!("must sign: {}  signed: {}", a.required.join(", "), a.signed.join(", "));
            println!("content hash: {}", a.content_hash);
            if let Some(bound) = &a.bound_hash {
                println!("hash sent and signed: {bound}");
            }
            for e in a.events.as_deref().unwrap_or_default() {
                println!(
                    "  {}  {}  {}  {}  {}",
                    e.at.to_rfc3339(),
                    e.by.as_deref().unwrap_or("—"),
                    e.party.as_deref().unwrap_or("admin"),
                    e.kind,
                    e.text
                );
            }
        }
        AssessmentCommand::Snapshot { number, .. } => {
            print!("{}", assessments::snapshot(&ctx, &p, id_of(&number)?).await?);
        }
    }
    Ok(())
}
