//! `opsclock spares settlement --contract shunyi-2026 --period 2026-11` and `opsclock spares
//! ledger [--system sy-023]`: the settlement by actual use and the ledger of removed devices
//! (台账), printed for whoever settles the month at the server's console, read as the operator
//! (every contract and system). The same figures as `GET /api/v1/spares/settlement` and
//! `/ledger`; `--json` prints those documents instead. See docs/spares.md.
//!
//! Example: `opsclock spares settlement --contract shunyi-2026 --period 2026` prints one line per
//! spares line used (code, name, used, unit, unit price, amount, cap, remaining), the total of the
//! priced ones, the lines used without a price, and the devices removed in the period.

use clap::Subcommand;

use super::DatabaseArg;
use crate::app::Context;
use crate::app::spares::ledger::{self, LedgerQuery};
use crate::app::spares::settlement::{self, SettlementQuery};
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum SparesCommand {
    /// The settlement by actual use of a contract's spares over a period.
    Settlement {
        /// The contract (code), e.g. shunyi-2026.
        #[arg(long)]
        contract: String,
        /// A month (2026-11), a quarter (2026-Q4), a year (2026) or two days (2026-11-01..2026-11-15).
        #[arg(long)]
        period: String,
        /// Print the API's JSON document instead of the table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// The ledger of removed devices (台账), newest first.
    Ledger {
        /// Only this system (code).
        #[arg(long)]
        system: Option<String>,
        /// Print the API's JSON document instead of the table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

/// A free-text cell of a tab-separated line: a tab or a line break inside it becomes a space, so
/// that a reason typed over two lines keeps its row (`--json` has the text as written).
fn cell(text: &str) -> String {
    text.replace(['\t', '\n', '\r'], " ")
}

/// Fen as yuan, `12000` → `120.00`.
fn yuan(fen: i64) -> String {
    format!(
        "{}{}.{:02}",
        if fen < 0 { "-" } else { "" },
        fen.abs() / 100,
        fen.abs() % 100
    )
}

pub async fn run(cmd: SparesCommand, config: &Config) -> anyhow::Result<()> {
    let (SparesCommand::Settlement { database, .. } | SparesCommand::Ledger { database, .. }) = &cmd;
    let db = crate::serve::open_database(&database.url(config)).await?;
    let ctx = Context::new(db, crate::calendars::Calendars::fixed(Default::default()));
    let p = super::reader();
    match cmd {
        SparesCommand::Settlement {
            contract, period, json, ..
        } => {
            let s = settlement::settlement(&ctx, &p, SettlementQuery { contract, period }).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&s)?);
                return Ok(());
            }
            println!("{} · {} ({})", s.contract, s.period.label, s.period.timezone);
            println!("code\tname\tused\tunit\tunit price\tamount\tcap\tremaining");
            for l in s.lines.iter().filter(|l| l.used != 0) {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    l.code,
                    cell(&l.name),
                    l.used,
                    l.unit,
                    l.unit_price_fen.map_or_else(|| "—".to_owned(), yuan),
                    l.amount_fen.map_or_else(|| "—".to_owned(), yuan),
                    l.cap,
                    l.remaining
                );
            }
            println!("total {} yuan (priced lines)", yuan(s.total_fen));
            if !s.unpriced.is_empty() {
                println!("used without a price (not in the total): {}", s.unpriced.join(", "));
            }
            for r in &s.removed {
                println!(
                    "removed {} {} on {} ({}), {}",
                    r.code,
                    r.name,
                    r.removed_on,
                    r.ticket.as_deref().unwrap_or("—"),
                    cell(&r.reason)
                );
            }
        }
        SparesCommand::Ledger { system, json, .. } => {
            let rows = ledger::list(&ctx, &p, LedgerQuery { system }).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
                return Ok(());
            }
            println!("device\tname\treason\tlocation\tsystem\tinstalled\tremoved\tage\tticket\tspare");
            for r in &rows {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    r.code,
                    cell(&r.name),
                    cell(&r.reason),
                    cell(&r.location),
                    r.system,
                    r.installed_on.map_or_else(|| "—".to_owned(), |d| d.to_string()),
                    r.removed_on,
                    if r.age.is_empty() { "—" } else { &r.age },
                    r.ticket.as_deref().unwrap_or("—"),
                    r.item.as_deref().unwrap_or("—")
                );
            }
            println!("{} device(s) removed", rows.len());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cell_keeps_its_row() {
        assert_eq!(super::cell("主板烧毁\n无法维修\t急"), "主板烧毁 无法维修 急");
    }

    #[test]
    fn fen_read_as_yuan() {
        assert_eq!(super::yuan(12000), "120.00");
        assert_eq!(super::yuan(5), "0.05");
        assert_eq!(super::yuan(-250), "-2.50");
    }
}
