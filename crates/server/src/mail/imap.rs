//! The IMAP side of mail in: one worker per `[[mail_in]]` mailbox.
//!
//! A round selects the folder, fetches each message waiting there (`BODY.PEEK[]`, so reading
//! does not mark it), hands it to [`crate::app::mail_in::handle`] — which records it once and
//! acts — and then marks it `\Seen` and moves it to the processed folder (`MOVE`, else `COPY`,
//! `\Deleted` and `EXPUNGE`), so a restart does not fetch it again; if the process dies between
//! the two, the next round fetches it again and the database's record makes it a no-op before
//! it is moved. Between rounds the worker waits in `IDLE` where the server offers it (Dovecot
//! does), at most `poll_secs`, else sleeps `poll_secs`. A message larger than `max_message_mib`
//! is not downloaded: only its header is, and it is placed with a text saying so
//! ([`crate::app::mail_in::handle_oversized`]). A message the server fails on (its database,
//! its disk) is left in the folder and tried again next round, without holding up the others. A lost connection is opened again after
//! a backoff doubling from 1 s to 5 min. Errors are logged and kept in the setting
//! `mail_in.status.{name}`, which `opsclock mail-in status` shows.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_imap::Session;
use futures::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls;

use super::inbound::{ImapTls, MailInSettings};
use crate::app::Context;
use crate::app::mail_in::act::Place;

/// A byte stream IMAP runs over: TCP, or TLS over TCP.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Io for T {}

/// A logged-in IMAP session.
pub type ImapSession = Session<Box<dyn Io>>;

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// Messages fetched.
    pub fetched: usize,
    /// Of them, handled now (not seen before).
    pub handled: usize,
    /// What became of each handled message: (UID, outcome, ticket).
    pub outcomes: Vec<(u32, String, Option<String>)>,
    /// The messages that could not be handled for a fault of the server's (the database, the
    /// disk), left in the folder for the next round: why, each.
    pub failed: Vec<String>,
}

/// Connects and logs in to the mailbox's server.
pub async fn connect(s: &MailInSettings) -> anyhow::Result<ImapSession> {
    let tcp = tokio::time::timeout(Duration::from_secs(30), TcpStream::connect((s.host.as_str(), s.port)))
        .await
        .with_context(|| format!("connecting to {}:{} timed out", s.host, s.port))?
        .with_context(|| format!("cannot connect to {}:{}", s.host, s.port))?;
    let stream: Box<dyn Io> = match s.tls {
        ImapTls::None => Box::new(tcp),
        ImapTls::Tls => Box::new(tls(s, tcp).await?),
        ImapTls::Starttls => {
            let mut client = async_imap::Client::new(tcp);
            client.read_response().await?.context("no greeting")?;
            client
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .context("STARTTLS")?;
            Box::new(tls(s, client.into_inner()).await?)
        }
    };
    let mut client = async_imap::Client::new(stream);
    if s.tls != ImapTls::Starttls {
        client.read_response().await?.context("no greeting")?;
    }
    client
        .login(&s.username, &s.password)
        .await
        .map_err(|(e, _)| anyhow::anyhow!("login as {} refused: {e}", s.username))
}

async fn tls(s: &MailInSettings, tcp: TcpStream) -> anyhow::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    use rustls::pki_types::pem::PemObject as _;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(pem) = &s.extra_ca {
        for cert in rustls::pki_types::CertificateDer::pem_slice_iter(pem) {
            roots.add(cert.context("ca_file is not a PEM certificate")?)?;
        }
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(s.host.clone())?;
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .with_context(|| format!("TLS with {}", s.host))
}

/// How many rounds a message the server fails on is tried before it is recorded for triage.
pub const GIVE_UP_AFTER: u32 = 5;

/// The most of a message's header read when the message is over the size limit.
const HEADER_MAX: u32 = 256 * 1024;

/// The failed tries of each message, by (UIDVALIDITY, UID), kept by a worker from round to round.
pub type Attempts = std::collections::HashMap<(u32, u32), u32>;

/// One round over a session: every message waiting in the folder, handled and put away.
///
/// A message the server fails on (not the sender's doing: the database, the disk) stays in the
/// folder and is tried again next round; after [`GIVE_UP_AFTER`] tries it is recorded for
/// triage and put away. When the database cannot be reached at all, the round ends with the
/// error, so that the worker backs off.
pub async fn round(
    ctx: &Context,
    s: &MailInSettings,
    session: &mut ImapSession,
    attempts: &mut Attempts,
) -> anyhow::Result<RoundReport> {
    let mailbox = session
        .select(&s.folder)
        .await
        .with_context(|| format!("SELECT {}", s.folder))?;
    let uidvalidity = mailbox.uid_validity.unwrap_or(0);
    let query = if s.processed_folder.is_some() {
        "UNDELETED"
    } else {
        "UNSEEN UNDELETED"
    };
    let mut uids: Vec<u32> = session.uid_search(query).await?.into_iter().collect();
    uids.sort_unstable();
    let mut report = RoundReport::default();
    let can_move = s.processed_folder.is_some() && session.capabilities().await?.has_str("MOVE");
    for uid in uids {
        let place = Place { uidvalidity, uid };
        let limit = s.max_message_bytes;
        // At most one byte over the limit is fetched: whatever RFC822.SIZE says (an estimate on
        // some servers), no message larger than the limit is downloaded whole.
        let (size, raw) = {
            let fetches: Vec<_> = session
                .uid_fetch(
                    uid.to_string(),
                    format!("(UID RFC822.SIZE BODY.PEEK[]<0.{}>)", limit + 1),
                )
                .await?
                .try_collect()
                .await?;
            (
                fetches.iter().find_map(|f| f.size).map(u64::from),
                fetches.iter().find_map(|f| f.body().map(<[u8]>::to_vec)),
            )
        };
        // What is recorded if the message is given up on: the message, or for one too large to
        // read its header, or for one the server sent nothing of a line naming its place (so
        // that two such messages are not taken for one).
        let (handled, kept) = match raw {
            None => (
                Err(crate::app::AppError::Internal(anyhow::anyhow!("the server sent no body"))),
                format!("Subject: (IMAP UID {uid}: the server sent no body)\r\nMessage-ID: <uid-{uidvalidity}-{uid}@{}>\r\n\r\n", s.options.mailbox).into_bytes(),
            ),
            Some(raw) if raw.len() as u64 > limit => {
                report.fetched += 1;
                let fetches: Vec<_> = session
                    .uid_fetch(uid.to_string(), format!("(UID BODY.PEEK[HEADER]<0.{HEADER_MAX}>)"))
                    .await?
                    .try_collect()
                    .await?;
                let header = fetches
                    .iter()
                    .find_map(|f| f.header().map(<[u8]>::to_vec))
                    .unwrap_or_default();
                let size = size.unwrap_or(raw.len() as u64).max(raw.len() as u64);
                let handled =
                    crate::app::mail_in::handle_oversized(ctx, &s.options, place, &header, size, limit).await;
                (handled, header)
            }
            Some(raw) => {
                report.fetched += 1;
                (crate::app::mail_in::handle(ctx, &s.options, place, &raw).await, raw)
            }
        };
        let handled = match handled {
            Ok(h) => {
                attempts.remove(&(uidvalidity, uid));
                h
            }
            Err(e) => {
                // The database gone: end the round, so that the worker backs off instead of
                // downloading every message again each round.
                if ctx.db.ping().await.is_err() {
                    anyhow::bail!("message UID {uid}: the database cannot be reached: {e:#}");
                }
                let tries = attempts.entry((uidvalidity, uid)).or_insert(0);
                *tries += 1;
                let why = format!("{e:#}");
                if *tries < GIVE_UP_AFTER {
                    tracing::error!(mailbox = %s.options.mailbox, %uid, tries = *tries, error = %why,
                        "mail in left a message for the next round");
                    report.failed.push(format!("message UID {uid} (try {}): {why}", *tries));
                    continue;
                }
                // Round after round: record it for triage, so a person sees it and the mailbox
                // moves on.
                match crate::app::mail_in::give_up(ctx, &s.options, place, &kept, &why).await {
                    Ok(true) => {
                        tracing::error!(mailbox = %s.options.mailbox, %uid, tries = *tries, error = %why,
                            "mail in gave up on a message; it waits in triage");
                        attempts.remove(&(uidvalidity, uid));
                        report.outcomes.push((uid, "triage".into(), None));
                        report.handled += 1;
                        put_away(s, session, uid, can_move).await?;
                    }
                    Ok(false) => {
                        // Recorded before under its Message-ID or its place (another replica).
                        tracing::warn!(mailbox = %s.options.mailbox, %uid, error = %why,
                            "mail in gave up on a message it had recorded already");
                        attempts.remove(&(uidvalidity, uid));
                        put_away(s, session, uid, can_move).await?;
                    }
                    Err(again) => {
                        report
                            .failed
                            .push(format!("message UID {uid}: {why}; recording it failed too: {again:#}"));
                    }
                }
                continue;
            }
        };
        if handled.outcome != "seen" {
            report.handled += 1;
            report.outcomes.push((uid, handled.outcome, handled.ticket));
        }
        put_away(s, session, uid, can_move).await?;
    }
    Ok(report)
}

/// Marks message `uid` `\Seen` and moves it to the processed folder.
async fn put_away(s: &MailInSettings, session: &mut ImapSession, uid: u32, can_move: bool) -> anyhow::Result<()> {
    let set = uid.to_string();
    session
        .uid_store(&set, "+FLAGS (\\Seen)")
        .await?
        .try_collect::<Vec<_>>()
        .await?;
    let Some(folder) = &s.processed_folder else {
        return Ok(());
    };
    if can_move {
        session
            .uid_mv(&set, folder)
            .await
            .with_context(|| format!("MOVE to {folder}"))?;
    } else {
        session
            .uid_copy(&set, folder)
            .await
            .with_context(|| format!("COPY to {folder}"))?;
        session
            .uid_store(&set, "+FLAGS (\\Deleted)")
            .await?
            .try_collect::<Vec<_>>()
            .await?;
        session.uid_expunge(&set).await?.try_collect::<Vec<_>>().await?;
    }
    Ok(())
}

/// Creates the processed folder unless it exists.
async fn ensure_folder(s: &MailInSettings, session: &mut ImapSession) -> anyhow::Result<()> {
    let Some(folder) = &s.processed_folder else {
        return Ok(());
    };
    let exists = !session
        .list(None, Some(folder))
        .await?
        .try_collect::<Vec<_>>()
        .await?
        .is_empty();
    if !exists {
        session
            .create(folder)
            .await
            .with_context(|| format!("CREATE {folder}"))?;
    }
    Ok(())
}

/// Connects, runs one round and logs out (`opsclock mail-in poll`, the tests).
pub async fn once(ctx: &Context, s: &MailInSettings) -> anyhow::Result<RoundReport> {
    once_with(ctx, s, &mut Attempts::new()).await
}

/// [`once`], counting failed tries in `attempts` (as a worker does from round to round).
pub async fn once_with(ctx: &Context, s: &MailInSettings, attempts: &mut Attempts) -> anyhow::Result<RoundReport> {
    let mut session = connect(s).await?;
    ensure_folder(s, &mut session).await?;
    let report = round(ctx, s, &mut session, attempts).await?;
    session.logout().await.ok();
    Ok(report)
}

/// Runs the mailbox's worker until the process ends: rounds, IDLE or sleep between them,
/// reconnecting with backoff.
pub async fn run(ctx: Context, s: MailInSettings) {
    let name = s.options.mailbox.clone();
    let mut backoff = Duration::from_secs(1);
    let mut attempts = Attempts::new();
    loop {
        match session_loop(&ctx, &s, &mut attempts).await {
            Ok(()) => backoff = Duration::from_secs(1),
            Err(e) => {
                tracing::error!(mailbox = %name, error = %format!("{e:#}"), retry_in = ?backoff, "mail in failed");
                status(&ctx, &name, Status::Error(format!("{e:#}"))).await;
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(300));
            }
        }
    }
}

/// One connection's life: rounds until an error (returned) or the server ends it.
async fn session_loop(ctx: &Context, s: &MailInSettings, attempts: &mut Attempts) -> anyhow::Result<()> {
    let mut session = connect(s).await?;
    ensure_folder(s, &mut session).await?;
    let idle = s.idle && session.capabilities().await?.has_str("IDLE");
    loop {
        let report = round(ctx, s, &mut session, attempts).await?;
        if report.handled > 0 {
            tracing::info!(mailbox = %s.options.mailbox, handled = report.handled, "mail in round");
        }
        let left = (!report.failed.is_empty()).then(|| {
            format!(
                "{} message(s) left for the next round: {}",
                report.failed.len(),
                report.failed.join("; ")
            )
        });
        status(ctx, &s.options.mailbox, Status::Round { left }).await;
        if idle {
            let mut handle = session.idle();
            handle.init().await?;
            let (wait, stop) = handle.wait_with_timeout(s.poll);
            let woke = wait.await;
            drop(stop);
            woke?;
            session = handle.done().await?;
        } else {
            tokio::time::sleep(s.poll).await;
        }
    }
}

/// What a worker records of itself.
enum Status {
    /// A round went through; `left`: the messages it left for the next one, if any.
    Round { left: Option<String> },
    /// The connection or a round failed.
    Error(String),
}

/// Records the mailbox's last round in the setting `mail_in.status.{name}`: when a round last
/// went through and what it left (`left`, cleared by a round that leaves nothing), or the error
/// the worker last met.
async fn status(ctx: &Context, name: &str, status: Status) {
    let now = ctx.now();
    let key = format!("mail_in.status.{name}");
    let mut value = match crate::db::entities::settings::Entity::find_by_id(key.clone())
        .one(&ctx.db)
        .await
    {
        Ok(Some(row)) => row.value,
        _ => serde_json::json!({}),
    };
    match status {
        Status::Round { left } => {
            value["last_ok_at"] = serde_json::json!(now);
            match left {
                Some(left) => value["left"] = serde_json::json!(left),
                None => {
                    if let Some(o) = value.as_object_mut() {
                        o.remove("left");
                    }
                }
            }
        }
        Status::Error(e) => {
            value["last_error"] = serde_json::json!(e);
            value["last_error_at"] = serde_json::json!(now);
        }
    }
    if let Err(e) = crate::db::put_setting(&ctx.db, &key, value, None, now).await {
        tracing::warn!(mailbox = %name, error = %e, "mail in status not recorded");
    }
}

use sea_orm::EntityTrait as _;
