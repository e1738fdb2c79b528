//! `opsclock import catalog FILE [--dry-run] [--keep-hand-set]` and `opsclock export catalog [--output FILE]`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::DatabaseArg;
use crate::app::audit::ClientAddr;
use crate::app::catalog::{self, store::Action};
use crate::config::Config;

/// What to import.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Imports a catalogue file (units, vendors, policies, systems; see docs/catalog.md): checks
    /// the whole file first, then applies it in one transaction. Importing the same file again
    /// changes nothing.
    Catalog(ImportCatalogArgs),
}

/// What to export.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Writes the database's catalogue in the format `import catalog` reads.
    Catalog(ExportCatalogArgs),
}

#[derive(Debug, Args)]
pub struct ImportCatalogArgs {
    /// The catalogue file (TOML).
    file: PathBuf,
    /// Check the file and print what would be created, changed or left alone; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Keep the service dates and fees set by hand (PATCH /api/v1/systems/{id}, the system's page)
    /// where the file's differ; by default the file's replace them. Either way each is listed.
    #[arg(long)]
    keep_hand_set: bool,
    /// Directory of calendar files the systems may name [default: as for `opsclock sla`].
    #[arg(long, value_name = "DIR")]
    calendar_dir: Option<PathBuf>,
    #[command(flatten)]
    database: DatabaseArg,
}

#[derive(Debug, Args)]
pub struct ExportCatalogArgs {
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    database: DatabaseArg,
}

pub async fn import(cmd: ImportCommand, config: &Config) -> anyhow::Result<()> {
    let ImportCommand::Catalog(a) = cmd;
    let text = std::fs::read_to_string(&a.file).with_context(|| format!("cannot read {}", a.file.display()))?;
    let calendars = super::calendar_source(a.calendar_dir, config)?.all()?;
    let checklists = super::checklists(config)?;
    let db = crate::serve::open_database(&a.database.url(config)).await?;
    let name = a.file.display().to_string();
    let options = catalog::ImportOptions {
        dry_run: a.dry_run,
        keep_hand_set: a.keep_hand_set,
    };
    let plan = catalog::import_with(
        &db,
        &text,
        &name,
        std::sync::Arc::new(calendars),
        &checklists,
        options,
        None,
        &ClientAddr(Some("cli".into())),
        chrono::Utc::now(),
    )
    .await?;
    println!("{plan}");
    if a.dry_run {
        println!("dry run: nothing was written");
    } else if plan.is_noop() {
        println!("{name}: the database already matches; nothing changed");
    } else {
        println!(
            "{name}: imported ({} created, {} changed)",
            plan.count(Action::Create),
            plan.count(Action::Change)
        );
    }
    Ok(())
}

pub async fn export(cmd: ExportCommand, config: &Config) -> anyhow::Result<()> {
    let ExportCommand::Catalog(a) = cmd;
    let db = crate::serve::open_database(&a.database.url(config)).await?;
    let text = catalog::to_toml(&catalog::export::export(&db).await?);
    match a.output {
        Some(path) => {
            std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}
