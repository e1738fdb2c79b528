//! `opsclock devices import FILE --system SA` and `opsclock devices export --system SA FILE`: a
//! system's device list (一机一档) as CSV or XLSX, by the file's extension, with the checks and the
//! single transaction of the API's import (all or nothing; every problem printed with its row and
//! column). The import is audited as the operator's. See docs/devices.md.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Subcommand;

use super::DatabaseArg;
use crate::app::Context;
use crate::app::audit::{Actor, ClientAddr};
use crate::app::devices::{export, import};
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum DevicesCommand {
    /// Imports a system's device list (`.csv` or `.xlsx`): upserts by code, all or nothing.
    Import {
        /// The file.
        file: PathBuf,
        /// The system's code.
        #[arg(long)]
        system: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Writes a system's device list to FILE (`.csv` or `.xlsx`), in the form the import reads.
    Export {
        /// The file to write.
        file: PathBuf,
        /// The system's code.
        #[arg(long)]
        system: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

fn format_of(file: &Path) -> anyhow::Result<import::Format> {
    match file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => Ok(import::Format::Csv),
        Some("xlsx") => Ok(import::Format::Xlsx),
        _ => anyhow::bail!("{}: name a .csv or .xlsx file", file.display()),
    }
}

pub async fn run(cmd: DevicesCommand, config: &Config) -> anyhow::Result<()> {
    let (DevicesCommand::Import { database, .. } | DevicesCommand::Export { database, .. }) = &cmd;
    let db = crate::serve::open_database(&database.url(config)).await?;
    let ctx = Context::new(db, crate::calendars::Calendars::fixed(Default::default()));
    let operator = super::user::operator();
    match cmd {
        DevicesCommand::Import { file, system, .. } => {
            let format = format_of(&file)?;
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let cli = ClientAddr(Some("cli".into()));
            let r = import::import_by(
                &ctx,
                &super::reader(),
                Actor::Operator(&operator),
                &cli,
                &system,
                format,
                &bytes,
            )
            .await
            .inspect_err(|e| {
                if let crate::app::AppError::InvalidFile { problems, .. } = e {
                    for p in problems {
                        eprintln!("{p}");
                    }
                }
            })?;
            println!(
                "{} row(s): {} created, {} changed, {} unchanged",
                r.rows, r.created, r.changed, r.unchanged
            );
        }
        DevicesCommand::Export { file, system, .. } => {
            let format = format_of(&file)?;
            let (_, bytes) = export::export(&ctx, &super::reader(), &system, format).await?;
            std::fs::write(&file, &bytes).with_context(|| format!("cannot write {}", file.display()))?;
            println!("{} ({} bytes)", file.display(), bytes.len());
        }
    }
    Ok(())
}
