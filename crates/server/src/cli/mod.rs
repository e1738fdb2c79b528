//! Command-line interface: `opsclock <command>`.

mod assessment;
mod batch;
mod calendar;
mod catalog;
mod devices;
mod duty;
mod inspection;
mod ladder;
mod mail_in;
mod outbox;
mod periodic_report;
mod problem;
mod rectification;
mod report;
mod sla;
mod sms;
mod spares;
mod survey;
mod user;

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::calendars::CalendarSource;
use crate::config::Config;

/// opsclock: incident and ticket tracker with exact SLA clocks for IT operations contracts.
#[derive(Debug, Parser)]
#[command(name = "opsclock", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Configuration file [default: config/opsclock.toml if it exists].
    #[arg(long, global = true, env = "OPSCLOCK_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

/// Where the database is, for commands that use it.
#[derive(Debug, Args)]
pub struct DatabaseArg {
    /// Database URL: sqlite://PATH (created if missing) or postgres://… [default: [database] url
    /// of the config file, else sqlite://data/opsclock.db].
    #[arg(long, env = "OPSCLOCK_DATABASE_URL", value_name = "URL")]
    database: Option<String>,
}

impl DatabaseArg {
    /// The URL to use.
    pub fn url(&self, config: &Config) -> String {
        self.database
            .clone()
            .or_else(|| config.database.url.clone())
            .unwrap_or_else(|| DEFAULT_DATABASE.to_owned())
    }
}

/// The database used when nothing says otherwise.
pub const DEFAULT_DATABASE: &str = "sqlite://data/opsclock.db";

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the server: creates and migrates the database, loads a demo into an empty one, listens.
    Serve(ServeArgs),
    /// Applies pending database migrations and exits.
    Migrate(DatabaseArg),
    /// Manages users: add, notify, passwd, token.
    #[command(subcommand)]
    User(user::UserCommand),
    /// SLA period arithmetic: deadlines, working time, calendars, severity.
    #[command(subcommand)]
    Sla(sla::SlaCommand),
    /// Calendar files: `calendar import-notice --year 2027 FILE` adds the State Council notice.
    #[command(subcommand)]
    Calendar(calendar::CalendarCommand),
    /// Imports data: `import catalog FILE [--dry-run]`.
    #[command(subcommand)]
    Import(catalog::ImportCommand),
    /// Exports data: `export catalog [--output FILE]`.
    #[command(subcommand)]
    Export(catalog::ExportCommand),
    /// Escalation ladders: list, show, set FILE, remove.
    #[command(subcommand)]
    Ladder(ladder::LadderCommand),
    /// The mail outbox: list, show, retry failed messages, queue a monthly summary.
    #[command(subcommand)]
    Outbox(outbox::OutboxCommand),
    /// Mail in: `mail-in status` lists the mailboxes, their last round or error, and recent mail.
    #[command(subcommand)]
    MailIn(mail_in::MailInCommand),
    /// Duty rosters (值班): list, set FILE, who is on duty, gaps, a person's shifts as .ics.
    #[command(subcommand)]
    Roster(duty::RosterCommand),
    /// Major-event windows (重保): list, set FILE, template from a year's holidays, remove.
    #[command(subcommand)]
    Window(duty::WindowCommand),
    /// Scheduled duties (inspections, backup checks, drills): list with quotas, set FILE, run.
    #[command(subcommand)]
    Duty(duty::DutyCommand),
    /// Reports: `report breaches --period 2026-03 --format xlsx`.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Contracts and their deduction rules: list, set FILE.
    #[command(subcommand)]
    Contract(report::ContractCommand),
    /// Assessments (考核): list, show, snapshot (the figures a signature's hash is over).
    #[command(subcommand)]
    Assessment(assessment::AssessmentCommand),
    /// Rectification orders (整改通知): list, show.
    #[command(subcommand)]
    Rectification(rectification::RectificationCommand),
    /// Satisfaction surveys (满意度调查): list.
    #[command(subcommand)]
    Survey(survey::SurveyCommand),
    /// Devices (一机一档): `devices import FILE --system SA`, `devices export FILE --system SA`.
    #[command(subcommand)]
    Devices(devices::DevicesCommand),
    /// Spare parts (备品备件): `spares settlement --contract C --period 2026-11`, `spares ledger`.
    #[command(subcommand)]
    Spares(spares::SparesCommand),
    /// Problem records (问题单, recurring faults): list.
    #[command(subcommand)]
    Problem(problem::ProblemCommand),
    /// Periodic reports (定期报告: 月报, 季度报告…) owed by the contracts: list.
    #[command(subcommand)]
    PeriodicReport(periodic_report::PeriodicReportCommand),
    /// Inspections (巡检) owed by the catalogue's cadences: list.
    #[command(subcommand)]
    Inspection(inspection::InspectionCommand),
    /// SMS: `sms test PHONE [TEXT]` sends one message through the configured gateway now.
    #[command(subcommand)]
    Sms(sms::SmsCommand),
    /// Copies the SQLite database to PATH while the server runs (a consistent snapshot).
    Backup(BackupArgs),
    /// Replaces the SQLite database with a backup (stop the server first).
    Restore(RestoreArgs),
}

#[derive(Debug, Args)]
struct BackupArgs {
    /// Where to write the backup (a new file).
    #[arg(value_name = "PATH")]
    path: PathBuf,
    /// Replace PATH if it exists.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    database: DatabaseArg,
}

#[derive(Debug, Args)]
struct RestoreArgs {
    /// The backup file to restore.
    #[arg(value_name = "PATH")]
    path: PathBuf,
    /// Confirms that the server is stopped and the database may be replaced.
    #[arg(long)]
    yes: bool,
    #[command(flatten)]
    database: DatabaseArg,
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    database: DatabaseArg,
    /// Address to listen on [default: [server] listen of the config file, else 127.0.0.1:8080].
    #[arg(long, env = "OPSCLOCK_LISTEN", value_name = "ADDR")]
    listen: Option<String>,
    /// Do not load the demo into an empty database.
    #[arg(long)]
    no_demo: bool,
    /// Directory of calendar files [default: as for `opsclock sla`].
    #[arg(long, value_name = "DIR")]
    calendar_dir: Option<PathBuf>,
}

/// Who the read-only commands (`assessment`, `rectification`, `survey`) read as: the operator,
/// who has the database and so reads everything, and acts for no party.
fn reader() -> crate::app::auth::Principal {
    crate::app::auth::Principal {
        user_id: 0,
        username: "cli".to_owned(),
        role: crate::app::auth::Role::Admin,
        scope: crate::app::auth::Scope::All,
        party: None,
        epoch: None,
    }
}

/// Where calendars come from, given a flag and the config file.
pub fn calendar_source(flag: Option<PathBuf>, config: &Config) -> anyhow::Result<CalendarSource> {
    CalendarSource::choose(
        flag.or_else(|| config.sla.calendar_dir.clone()),
        Path::new(sla::DEFAULT_CALENDAR_DIR),
    )
}

/// The inspection checklists: `[inspections] checklist_dir`, else `config/checklists` if it
/// exists, else the shipped ones built into the binary. A directory that does not read stops
/// the command, saying which file and what is wrong.
pub fn checklists(config: &Config) -> anyhow::Result<std::sync::Arc<crate::app::inspections::Checklists>> {
    use crate::app::inspections::Checklists;
    let default = Path::new("config/checklists");
    let dir = match &config.inspections.checklist_dir {
        Some(d) => d.clone(),
        None if default.is_dir() => default.to_path_buf(),
        None => return Ok(Default::default()),
    };
    Checklists::load_dir(&dir)
        .map(std::sync::Arc::new)
        .map_err(|e| anyhow::anyhow!("inspection checklists: {e}"))
}

/// Runs the command the arguments name.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Sla(cmd) => sla::run(cmd, &config),
        Command::Calendar(cmd) => calendar::run(cmd, &config),
        Command::Serve(a) => {
            init_tracing();
            let opts = crate::serve::ServeOptions {
                database: a.database.url(&config),
                listen: a
                    .listen
                    .or_else(|| config.server.listen.clone())
                    .unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
                calendars: calendar_source(a.calendar_dir, &config)?,
                demo: !a.no_demo,
                secure_cookies: config.server.secure_cookies,
                limits: crate::serve::limits(&config.server)?,
                public_url: config.server.public_url.clone(),
                intake_rules: config.intake.rules_file.clone(),
                jobs: job_options(&config)?,
                checklists: checklists(&config)?,
                notices: std::sync::Arc::new(
                    crate::app::notices::Rules::from_config(&config.notices).map_err(anyhow::Error::msg)?,
                ),
                attachments: crate::app::attachments::AttachmentStore::from_config(&config.attachments)?,
            };
            runtime()?.block_on(crate::serve::serve(opts))
        }
        Command::Migrate(db) => {
            let url = db.url(&config);
            runtime()?.block_on(async {
                crate::serve::open_database(&url).await?;
                println!("database {} is up to date", crate::db::redact_url(&url));
                Ok(())
            })
        }
        Command::User(cmd) => runtime()?.block_on(user::run(cmd, &config)),
        Command::Import(cmd) => runtime()?.block_on(catalog::import(cmd, &config)),
        Command::Export(cmd) => runtime()?.block_on(catalog::export(cmd, &config)),
        Command::Ladder(cmd) => runtime()?.block_on(ladder::run(cmd, &config)),
        Command::Outbox(cmd) => runtime()?.block_on(outbox::run(cmd, &config)),
        Command::Sms(cmd) => runtime()?.block_on(sms::run(cmd, &config)),
        Command::MailIn(cmd) => runtime()?.block_on(mail_in::run(cmd, &config)),
        Command::Rectification(cmd) => runtime()?.block_on(rectification::run(cmd, &config)),
        Command::Assessment(cmd) => runtime()?.block_on(assessment::run(cmd, &config)),
        Command::Survey(cmd) => runtime()?.block_on(survey::run(cmd, &config)),
        Command::Problem(cmd) => runtime()?.block_on(problem::run(cmd, &config)),
        Command::Devices(cmd) => runtime()?.block_on(devices::run(cmd, &config)),
        Command::Spares(cmd) => runtime()?.block_on(spares::run(cmd, &config)),
        Command::PeriodicReport(cmd) => runtime()?.block_on(periodic_report::run(cmd, &config)),
        Command::Inspection(cmd) => runtime()?.block_on(inspection::run(cmd, &config)),
        Command::Roster(cmd) => runtime()?.block_on(duty::roster(cmd, &config)),
        Command::Window(cmd) => runtime()?.block_on(duty::window(cmd, &config)),
        Command::Duty(cmd) => runtime()?.block_on(duty::duty(cmd, &config)),
        Command::Report(cmd) => runtime()?.block_on(report::report(cmd, &config)),
        Command::Contract(cmd) => runtime()?.block_on(report::contract(cmd, &config)),
        Command::Backup(a) => {
            let db = crate::app::backup::sqlite_file(&a.database.url(&config))?;
            eprintln!("backing up {} to {} …", db.display(), a.path.display());
            let c = crate::app::backup::backup(&db, &a.path, a.force)?;
            println!("backup written to {}: {c}", a.path.display());
            Ok(())
        }
        Command::Restore(a) => {
            let db = crate::app::backup::sqlite_file(&a.database.url(&config))?;
            if !a.yes {
                anyhow::bail!(
                    "restore replaces {} with {}: stop the server first, then run again with --yes",
                    db.display(),
                    a.path.display()
                );
            }
            let (c, kept) = crate::app::backup::restore(&a.path, &db)?;
            if let Some(kept) = kept {
                println!("the database as it was is kept as {}", kept.display());
            }
            println!("restored {} from {}: {c}", db.display(), a.path.display());
            Ok(())
        }
    }
}

/// The scheduled jobs' settings from the config file.
fn job_options(config: &Config) -> anyhow::Result<crate::jobs::JobOptions> {
    let e = &config.escalation;
    let summary_zone = e.summary_zone()?;
    let sweep_every = match e.sweep_every_secs.unwrap_or(30) {
        0 => anyhow::bail!("[escalation] sweep_every_secs must be at least 1"),
        n => std::time::Duration::from_secs(n),
    };
    Ok(crate::jobs::JobOptions {
        sweep_every,
        mail: crate::mail::MailSettings::from_config(&config.mail)?,
        summary_cron: match e.summary_cron.as_deref() {
            Some("off") => None,
            Some(c) => Some(c.to_owned()),
            None => Some("0 0 8 1 * *".to_owned()),
        },
        summary_zone,
        summary_attach: e.summary_attach_xlsx.unwrap_or(true),
        webhooks: crate::app::webhooks::sender::WebhookSettings::from_config(&config.webhooks)?,
        sms: crate::app::sms::settings::SmsSettings::from_config(&config.sms)?,
        outbound: crate::app::outbound::Outbound::from_config(&config.outbound)?,
        retention: crate::app::retention::Retention::from_config(&config.retention)?,
        coverage_warning_days: config.sla.coverage_warning_days(),
        evidence: config.sla.evidence()?,
        mail_in: crate::mail::inbound::MailInSettings::all(&config.mail_in)?,
    })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

/// Structured logs on stderr; `RUST_LOG` filters (default `info`), `OPSCLOCK_LOG_FORMAT=json`
/// for JSON lines.
fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tokio_cron_scheduler=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if std::env::var("OPSCLOCK_LOG_FORMAT").is_ok_and(|v| v == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}
