//! The incident report (故障处理情况报告 / 故障处置记录) of one ticket: what happened, what the
//! clocks said, who was told, what caused it, what was done and what is left to do, with a
//! signature block for each party — as data ([`IncidentReport`]), as a printable page ([`html`])
//! and as a Word file ([`docx`]).
//!
//! The seeds ask for it: 000 L466 "每次处置完成之后形成故障处置记录，纳入月报"; 002 L1182
//! "《故障处理情况报告》 根据故障发生情况按需提供"; 001 L647 "问题处置及故障恢复报告"; 003 L729
//! "形成故障记录" (docs/incident-report.md has them all and where every field comes from).
//!
//! Who may read it is who may read the ticket, asked exactly as the ticket page asks: the report
//! starts from [`tickets::read::get`], so a ticket out of the reader's scope answers 404 here too.
//!
//! | file | what |
//! |---|---|
//! | this | [`get`], which gathers the report, and [`render`], which writes it as asked |
//! | `data.rs` | the report's data ([`IncidentReport`]) |
//! | [`words`] | its words in Chinese and English, and the one-line detail of each event |
//! | [`html`] | the printable page (the API's `?format=html` and the page `/tickets/{number}/incident-report`) |
//! | [`docx`] | the Word file (`?format=docx`) |

mod data;
pub mod docx;
pub mod html;
pub mod words;

pub use data::*;

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::app::auth::{PartyKind, Principal};
use crate::app::tickets::views::{ClockView, TimelineEntry};
use crate::app::vocab::Lang;
use crate::app::{AppError, AppResult, Context, tickets};
use crate::db::Key;
use crate::db::entities::{clocks, outbox, units, users, vendors};

/// The incident report of ticket `number`, if `p` may read the ticket (else 404, as the ticket).
pub async fn get(ctx: &Context, p: &Principal, number: &str) -> AppResult<IncidentReport> {
    let now = ctx.now();
    // The ticket page's own use case: the same permission and scope, the same clocks read now.
    let t = tickets::read::get(ctx, p, number).await?;
    let (row, system) = match tickets::load(&ctx.db, &t.number).await? {
        Some(l) => {
            let system = l.system(&ctx.db).await?;
            (l.row, system)
        }
        None => return Err(AppError::NotFound(format!("no ticket {number}"))),
    };
    let unit = units::Entity::find_by_id(system.unit_id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("system {} has no unit", system.code)))?;
    let vendor = match row.vendor_id {
        Some(id) => vendors::Entity::find_by_id(id).one(&ctx.db).await?,
        None => None,
    };
    let timeline: Vec<TimelineEntry> = t.timeline.unwrap_or_default();
    let attachments = t.attachments.unwrap_or_default();
    let claims = t.claims.unwrap_or_default();
    let people = people(ctx, &timeline, [t.reporter_id, t.assignee_id]).await?;
    let person_by_id = |id: Option<i64>| {
        id.and_then(|id| people.values().find(|u| u.id == id)).map(|u| Person {
            username: u.username.clone(),
            name: u.display_name.clone(),
        })
    };
    let name_of = |username: &Option<String>| {
        username
            .as_ref()
            .and_then(|u| people.get(u))
            .map(|u| u.display_name.clone())
    };
    let clock_rows: HashMap<String, clocks::Model> = clocks::Entity::find()
        .filter(clocks::Column::TicketId.eq(row.id))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|c| (c.name.clone(), c))
        .collect();
    let report_clocks = t
        .clocks
        .into_iter()
        .map(|c| {
            let r = clock_rows.get(&c.name);
            report_clock(c, r, now)
        })
        .collect();
    let opened = timeline.iter().find(|e| e.kind == "opened");
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    let regradings = regradings_of(&timeline);
    let resolution = timeline.iter().rev().find(|e| e.kind == "resolved").and_then(|e| {
        let r = &e.data["resolution"];
        let when = |k: &str| r[k].as_str().and_then(|s| s.parse::<DateTime<Utc>>().ok());
        let (from, to) = (when("impact_from")?, when("impact_to")?);
        Some(ResolutionView {
            root_cause: text(&r["root_cause"]).unwrap_or_default(),
            fix: text(&r["fix"]).unwrap_or_default(),
            follow_up: text(&r["follow_up"]),
            impact_from: from,
            impact_to: to,
            impact_seconds: (to - from).num_seconds(),
            by: e.actor.clone(),
            at: e.at,
            superseded: reopened_since(&timeline, e.seq),
        })
    });
    let impact_grade = t.impact.as_ref().and_then(|grade| {
        timeline
            .iter()
            .rev()
            .find(|e| e.kind == "impact_graded")
            .map(|e| ImpactGrade {
                grade: grade.clone(),
                reason: text(&e.data["reason"]).unwrap_or_default(),
                by: e.actor.clone(),
                at: e.at,
            })
    });
    let comments = timeline
        .iter()
        .filter(|e| e.kind == "commented")
        .map(|e| Comment {
            at: e.at,
            actor: e.actor.clone(),
            actor_name: name_of(&e.actor),
            text: text(&e.data["text"]).unwrap_or_default(),
        })
        .collect();
    // The closing rating stands only while the ticket stays closed.
    let satisfaction = t
        .closed_at
        .and_then(|_| timeline.iter().rev().find(|e| e.kind == "closed"))
        .and_then(|e| e.data["satisfaction"].as_u64());
    let events = timeline
        .iter()
        .map(|e| {
            let claim = claims
                .iter()
                .find(|c| c.kind == "earlier_time" && c.about_seq == Some(e.seq));
            ReportEvent {
                seq: e.seq,
                kind: e.kind.clone(),
                at: e.at,
                recorded_at: e.recorded_at,
                claimed_at: claim.and_then(|c| c.claimed_at),
                claim_status: claim.map(|c| c.status.clone()),
                actor: e.actor.clone(),
                actor_name: name_of(&e.actor),
                data: e.data.clone(),
            }
        })
        .collect();
    let notifications = notifications(ctx, p, row.id).await?;
    let category = match t.category {
        Some(code) => {
            let name = crate::app::reports::categories::Names::load(&ctx.db)
                .await?
                .of(row.system_id, &code);
            Some(Named { code, name })
        }
        None => None,
    };
    let signatures = signatures(ctx, vendor.as_ref(), &unit).await?;
    Ok(IncidentReport {
        number: t.number,
        title: t.title,
        description: t.description,
        kind: t.kind,
        category,
        status: t.status,
        severity: t.severity,
        opened_severity: opened
            .and_then(|e| text(&e.data["ticket"]["severity"]))
            .unwrap_or_default(),
        severity_reason: opened.and_then(|e| text(&e.data["ticket"]["severity_reason"])),
        regradings,
        system: Named {
            code: system.code,
            name: system.name,
        },
        unit: Named {
            code: unit.code,
            name: unit.name,
        },
        vendor: vendor.map(|v| Named {
            code: v.code,
            name: v.name,
        }),
        reporter: person_by_id(t.reporter_id),
        assignee: person_by_id(t.assignee_id),
        occurred_at: t.occurred_at,
        received_at: t.received_at,
        acknowledged_at: t.acknowledged_at,
        on_site_at: t.on_site_at,
        resolved_at: t.resolved_at,
        closed_at: t.closed_at,
        major_event: t.major_event,
        clocks: report_clocks,
        resolution,
        impact_grade,
        timeline: events,
        claims,
        notifications,
        comments,
        attachments,
        satisfaction,
        signatures,
        generated_at: now,
    })
}

/// The users the report names, by user name: every actor of the timeline, the reporter and the
/// assignee.
async fn people(
    ctx: &Context,
    timeline: &[TimelineEntry],
    ids: [Option<i64>; 2],
) -> AppResult<HashMap<String, users::Model>> {
    let names: BTreeSet<String> = timeline.iter().filter_map(|e| e.actor.clone()).collect();
    let ids: Vec<i64> = ids.into_iter().flatten().collect();
    Ok(users::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(users::Column::Username.is_in(names))
                .add(users::Column::Id.is_in(ids)),
        )
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|u| (u.username.clone(), u))
        .collect())
}

/// Every re-grading (重新定级): the buyer's own (`regraded`) and a party's request the other
/// approved (a `requested` regrade with an approving `decided`, which changes the severity
/// without a `regraded` event: a downgrade the vendor asked for after a breach), by when they
/// took effect; the approver is named for the latter.
fn regradings_of(timeline: &[TimelineEntry]) -> Vec<Regrading> {
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned).unwrap_or_default();
    let mut out: Vec<Regrading> = timeline
        .iter()
        .filter_map(|e| match e.kind.as_str() {
            "regraded" => Some(Regrading {
                at: e.at,
                actor: e.actor.clone(),
                from: text(&e.data["from"]),
                to: text(&e.data["to"]),
                reason: text(&e.data["reason"]),
            }),
            "requested" if e.data["change"]["kind"] == "regrade" => {
                // A decision names the request by its index among the events (seq − 1).
                let decided = timeline.iter().find(|d| {
                    d.kind == "decided"
                        && d.data["on"].as_i64() == Some(i64::from(e.seq) - 1)
                        && d.data["approved"] == true
                })?;
                let c = &e.data["change"];
                Some(Regrading {
                    at: decided.at,
                    actor: decided.actor.clone(),
                    from: text(&c["from"]),
                    to: text(&c["to"]),
                    reason: text(&c["reason"]),
                })
            }
            _ => None,
        })
        .collect();
    out.sort_by_key(|r| r.at);
    out
}

/// Whether the ticket was reopened after the event numbered `seq`.
fn reopened_since(timeline: &[TimelineEntry], seq: i32) -> bool {
    timeline.iter().any(|e| e.seq > seq && e.kind == "reopened")
}

/// A clock as the report states it, from the clock read now and its stored row.
fn report_clock(c: ClockView, row: Option<&clocks::Model>, now: DateTime<Utc>) -> ReportClock {
    let ended_at = row.and_then(|r| r.ended_at);
    // Stopped late (`breached`, 超时完成) apart from still counting past the deadline
    // (`breached_running`, 超时未完成, paused or not), as the breach report tells them apart; a
    // paused clock's deadline is the one it would have if it resumed now.
    let outcome = match c.state.as_str() {
        "cancelled" => "cancelled",
        "met" => "met",
        "breached-met" => "breached",
        _ if c.breached || c.state == "breached-running" => "breached_running",
        "paused" => "paused",
        _ => "running",
    };
    let overdue_wall_seconds = outcome
        .starts_with("breached")
        .then(|| (ended_at.unwrap_or(now) - c.deadline).num_seconds().max(0));
    ReportClock {
        name: c.name,
        calendar: c.calendar,
        target: c.target,
        targets: c.targets,
        started_at: row.and_then(|r| r.started_at),
        deadline: c.deadline,
        ended_at,
        state: c.state,
        outcome: outcome.to_owned(),
        overdue_seconds: c.overdue_seconds,
        overdue_wall_seconds,
        paused_seconds: c.paused_seconds,
        provisional: c.provisional,
    }
}

/// The outbox rows about ticket `id`, by when they fell due. A step's English copy (`…/en`) is
/// the same step to the readers who asked for English: its own row, recipients and outcome,
/// marked `english_copy`, so that the record names everyone told.
async fn notifications(ctx: &Context, p: &Principal, id: i64) -> AppResult<Vec<Notification>> {
    let sees_numbers = crate::app::sms::phone::sees_numbers(p);
    Ok(outbox::Entity::find()
        .filter(outbox::Column::TicketId.eq(id))
        .order_by_asc(outbox::Column::DueAt)
        .order_by_asc(outbox::Column::Id)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|m| Notification {
            english_copy: m.dedup_key.ends_with("/en"),
            // A number a text went to, whole for admins and managers only (as on the ticket).
            recipients: crate::app::sms::phone::recipients_shown(&m.channel, m.recipients, sees_numbers),
            kind: m.kind,
            channel: m.channel,
            clock: m.clock,
            step: m.step,
            repeat: m.repeat.unwrap_or_default(),
            status: m.status.to_string(),
            due_at: m.due_at,
            sent_at: m.sent_at,
            subject: m.subject,
        })
        .collect())
}

/// The signature blocks: the vendor's (服务商) where the ticket counts against one, the unit's
/// (用户单位), and the supervisor's (监理) where the buyer engaged one — an enabled account of the
/// supervisor's party exists (the contracts name no supervisor of their own; 002 L173 and 004
/// L28353 engage one for the whole project).
async fn signatures(
    ctx: &Context,
    vendor: Option<&vendors::Model>,
    unit: &units::Model,
) -> AppResult<Vec<SignatureBlock>> {
    let mut out = Vec::new();
    if let Some(v) = vendor {
        out.push(SignatureBlock {
            party: "vendor".into(),
            name: Some(v.name.clone()),
        });
    }
    out.push(SignatureBlock {
        party: "unit".into(),
        name: Some(unit.name.clone()),
    });
    let supervised = users::Entity::find()
        .filter(users::Column::Party.eq(Key(PartyKind::Supervisor)))
        .filter(users::Column::Disabled.eq(false))
        .count(&ctx.db)
        .await?
        > 0;
    if supervised {
        out.push(SignatureBlock {
            party: "supervisor".into(),
            name: None,
        });
    }
    Ok(out)
}

/// An output format of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The data (the API's default).
    Json,
    /// The printable page.
    Html,
    /// A Word file.
    Docx,
}

impl std::str::FromStr for Format {
    type Err = AppError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "html" => Ok(Format::Html),
            "docx" => Ok(Format::Docx),
            _ => Err(AppError::invalid(
                "format",
                format!("{s:?} is not a format of the incident report; expected one of: json, html, docx"),
            )),
        }
    }
}

/// The words of the page and the file: `zh` (the default) or `en`, as the API's `lang` says it;
/// anything else is refused rather than quietly answered in Chinese.
pub fn lang_of(key: Option<&str>) -> AppResult<Lang> {
    match key.map(|k| k.trim().to_ascii_lowercase()).as_deref() {
        None | Some("zh") => Ok(Lang::Zh),
        Some("en") => Ok(Lang::En),
        Some(other) => Err(AppError::invalid(
            "lang",
            format!("{other:?} is not a language of the incident report; expected zh or en"),
        )),
    }
}

/// The report ready to send: its data, or a file with its type and disposition.
#[derive(Debug)]
pub enum Rendered {
    /// The data.
    Json(Box<IncidentReport>),
    /// The page or the Word file.
    File {
        /// Its media type.
        content_type: &'static str,
        /// `inline` for the page, else `attachment; filename="…"`.
        disposition: String,
        /// The file.
        bytes: Vec<u8>,
    },
}

/// The media type of a Word file.
pub const DOCX_TYPE: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// The file name of ticket `number`'s report as a Word file: `incident-INC-2026-000002.docx`.
pub fn file_name(number: &str) -> String {
    let safe: String = number
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .collect();
    format!("incident-{safe}.docx")
}

/// Ticket `number`'s report for `p` in `format`, its words in `lang` (the page and the file).
pub async fn render(ctx: &Context, p: &Principal, number: &str, format: Format, lang: Lang) -> AppResult<Rendered> {
    let r = get(ctx, p, number).await?;
    match format {
        Format::Json => Ok(Rendered::Json(Box::new(r))),
        Format::Html => Ok(Rendered::File {
            content_type: "text/html; charset=utf-8",
            disposition: "inline".into(),
            bytes: html::write(&r, lang).into_bytes(),
        }),
        Format::Docx => {
            let name = file_name(&r.number);
            // Zipping the document is CPU work: off the runtime's few worker threads.
            let bytes = tokio::task::spawn_blocking(move || docx::write(&r, lang))
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!("the incident report was not written: {e}")))??;
            Ok(Rendered::File {
                content_type: DOCX_TYPE,
                disposition: format!("attachment; filename=\"{name}\""),
                bytes,
            })
        }
    }
}
