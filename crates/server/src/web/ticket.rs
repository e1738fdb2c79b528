//! One ticket: clocks, the claims and requests between the two parties, timeline, the actions
//! the reader may take now. Logging a new one is [`super::new_ticket`].

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Map, Value as Json, json};

use super::i18n::{self, Lang};
use super::{Fields, Viewer, WebError, WebResult, local_path, redirect_with};
use crate::app::AppError;
use crate::app::audit::ClientAddr;
use crate::app::auth::Role;
use crate::app::permissions::{Action, check_ticket};
use crate::app::tickets::actions::ActionRequest;
use crate::app::tickets::evidence::{ClaimView, side_of};
use crate::app::tickets::views::{TicketView, TimelineEntry};
use crate::db::Key;
use crate::db::entities::{systems, tickets, users};
use crate::http::AppState;
use ticket_domain::Side;

pub(super) fn field<'a>(f: &'a HashMap<String, String>, k: &str) -> Option<&'a str> {
    f.get(k).map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// Whether `v` may do ticket action `action` (`acknowledge` … `approve`) on a ticket whose system
/// has a vendor or none: the permission table's answer (the use case asks it again), so that a
/// page offers no button its reader may not use.
pub(super) fn permitted(v: &Viewer, action: &str, ticket_has_vendor: bool) -> bool {
    v.can_write() && Action::for_ticket_action(action).is_some_and(|a| check_ticket(&v.p, a, ticket_has_vendor).is_ok())
}

/// The actions the ticket page keeps under 更多操作, apart from the everyday buttons.
const MORE_ACTIONS: [&str; 4] = ["categorise", "grade_impact", "correct", "contest"];

/// `more` without `contest` when the reader's party is the one that cancelled the ticket: the
/// use case's own rule ([`check_contest`](crate::app::tickets::evidence::check_contest)), asked
/// before offering a button it would refuse.
async fn may_contest(state: &AppState, v: &Viewer, number: &str, more: Vec<String>) -> WebResult<Vec<String>> {
    if !more.iter().any(|a| a == "contest") {
        return Ok(more);
    }
    let loaded = crate::app::tickets::read::load_in_scope(&state.db, &v.p, number).await?;
    match crate::app::tickets::evidence::check_contest(&state.db, &loaded, &v.p).await {
        Ok(()) => Ok(more),
        Err(AppError::Invalid { .. }) => Ok(more.into_iter().filter(|a| a != "contest").collect()),
        Err(e) => Err(e.into()),
    }
}

/// `GET /tickets/{number}`; `?confirm=ACTION` (where a form posted after the session ran out
/// comes back to, [`super::resume`]) marks that action's form and asks to confirm it.
pub async fn page(
    State(state): State<AppState>,
    v: Viewer,
    Path(number): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> WebResult {
    let t = crate::app::tickets::read::get(&state, &v.p, &number).await?;
    let system = systems::Entity::find_by_id(t.system_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("ticket {} has no system", t.number)))?;
    // Whether a vendor serves the ticket: then the buyer's people leave the vendor's work to it.
    let vendor_id = tickets::Entity::find()
        .filter(tickets::Column::Number.eq(t.number.as_str()))
        .one(&state.db)
        .await?
        .and_then(|r| r.vendor_id);
    let has_vendor = vendor_id.is_some();
    let findings = super::findings::ticket_section(&state, &v, &t.number, system.id, vendor_id).await?;
    // The actions allowed now that the reader may take; approve and reject are the claims' own.
    // The less frequent ones (grading the impact, correcting, contesting) go under 更多操作.
    let (more, actions): (Vec<String>, Vec<String>) = t
        .allowed
        .iter()
        .filter(|a| !matches!(a.as_str(), "approve" | "reject") && permitted(&v, a, has_vendor))
        .cloned()
        .partition(|a| MORE_ACTIONS.contains(&a.as_str()));
    let more = may_contest(&state, &v, &t.number, more).await?;
    // The categories the system's policy offers for the ticket's kind; with none, and none set,
    // there is nothing to sort into.
    let kind: ticket_domain::Kind = t
        .kind
        .parse()
        .map_err(|e: ticket_domain::UnknownValue| AppError::Internal(e.into()))?;
    let categories = crate::app::tickets::open::categories_for(&state.db, &system, kind).await?;
    let more: Vec<String> = more
        .into_iter()
        .filter(|a| a != "categorise" || !categories.is_empty() || t.category.is_some())
        .collect();
    let category_name = t.category.as_ref().map(|c| {
        categories
            .iter()
            .find(|d| &d.code == c)
            .map_or_else(|| c.clone(), |d| d.name.clone())
    });
    // Whom the ticket can be assigned to, and only for readers who may assign now.
    let vendor_ids = crate::app::scope::assignable_vendor_ids(&state.db, &v.p, system.id).await?;
    let may_assign = actions.iter().any(|a| a == "assign");
    let engineers: Vec<Json> = users::Entity::find()
        .filter(users::Column::VendorId.is_in(if may_assign { vendor_ids } else { Vec::new() }))
        .filter(users::Column::Disabled.eq(false))
        .filter(users::Column::Role.is_in([Key(Role::Engineer), Key(Role::Manager)]))
        .order_by_asc(users::Column::Username)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|u| json!({"id": u.id, "name": format!("{} ({})", u.display_name, u.username)}))
        .collect();
    // The names the page shows: the assignee's, and those of every assignment in the timeline.
    let named: Vec<i64> = t
        .assignee_id
        .into_iter()
        .chain(t.timeline.iter().flatten().filter_map(|e| e.data["assignee"].as_i64()))
        .collect();
    let names: HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(named))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    // A category in the timeline is named as the ticket's system's policy names it.
    let sorted = t.timeline.iter().flatten().any(|e| e.kind == "categorised");
    let known = if sorted {
        Some(crate::app::reports::categories::Names::load(&state.db).await?)
    } else {
        None
    };
    let category = |c: &str| {
        known
            .as_ref()
            .map_or_else(|| c.to_owned(), |n| n.labelled(system.id, c))
    };
    let timeline = timeline(&t, &names, &category, v.lang);
    let may_decide = permitted(&v, "approve", has_vendor);
    let claims = claims(&t, &v, may_decide);
    let pending = claims.iter().any(|c| c["status"] == "pending");
    let confirm = q.get("confirm").map(|a| confirm_notice(a, &actions, &more, v.lang));
    let attachments =
        super::attachments::section(&state, &v, &t.number, t.attachments.as_deref().unwrap_or_default()).await?;
    let spares = super::spares::ticket_section(&state, &v, &t.number).await?;
    super::page(
        &v,
        "ticket.html",
        ctx! {
            t => serde_json::to_value(&t).map_err(|e| AppError::Internal(e.into()))?,
            system => json!({"code": system.code, "name": system.name}),
            assignee => t.assignee_id.and_then(|a| names.get(&a).cloned()),
            engineers => engineers,
            categories => categories,
            category_name => category_name,
            actions => actions,
            more => more,
            timeline => timeline,
            claims => claims,
            pending => pending,
            side => side_of(&v.p).key(),
            findings => findings,
            confirm => confirm,
            attachments => attachments,
            att => super::attachments::words(v.lang),
            dw => super::devices::words(v.lang),
            may_name_devices => t.status.parse().is_ok_and(|s| crate::app::devices::tickets::may_name(&v.p, s)),
            spares => spares,
        },
    )
}

/// What the ticket page says about the action `action` a reader comes back to confirm: the
/// action (to mark its form) if it is still offered, and the sentence.
///
/// 响应 still offered: 「登录已过期，操作未执行。请确认后点击「响应」。」; acknowledged by
/// someone else meanwhile: 「…该操作现已不可执行：工单状态已变化。」 (no form is marked).
fn confirm_notice(action: &str, actions: &[String], more: &[String], lang: Lang) -> Json {
    let offered = actions.iter().chain(more).any(|a| a == action);
    let label = i18n::words(lang)
        .get(format!("act_{action}").as_str())
        .map_or_else(|| action.to_owned(), |w| (*w).to_owned());
    let text = match (lang, offered) {
        (Lang::Zh, true) => format!("登录已过期，操作未执行。请确认后点击「{label}」。"),
        (Lang::Zh, false) => format!("登录已过期，操作「{label}」未执行；该操作现已不可执行：工单状态已变化。"),
        (Lang::En, true) => format!("Your session had expired and nothing was done. Confirm by pressing {label}."),
        (Lang::En, false) => {
            format!(
                "Your session had expired and {label} was not done; the ticket has changed and it is no longer possible."
            )
        }
    };
    json!({"action": if offered { Some(action) } else { None }, "more": more.iter().any(|a| a == action), "text": text})
}

/// The ticket's claims and requests as the page lists them: who made each (party and person),
/// what it asks in the reader's language, who decided it, and whether this reader may decide it
/// now (a writer of the other party, or the supervisor, with the permission to decide).
fn claims(t: &TicketView, v: &Viewer, may_decide: bool) -> Vec<Json> {
    let entries: Vec<&TimelineEntry> = t.timeline.iter().flatten().collect();
    let entry = |seq: i32| entries.iter().find(|e| e.seq == seq).copied();
    let reader = side_of(&v.p);
    t.claims
        .iter()
        .flatten()
        .map(|c| {
            let by: Option<Side> = serde_json::from_value(json!(c.by)).ok();
            // The decision is the `decided` entry that names this one (`on` counts from 0).
            let decision = entries
                .iter()
                .find(|e| e.kind == "decided" && e.data["on"].as_i64() == Some(i64::from(c.seq) - 1));
            let can_decide = c.status == "pending" && may_decide && by.is_some_and(|b| reader.may_decide(b));
            json!({
                "seq": c.seq,
                "kind": c.kind,
                "about_seq": c.about_seq,
                "summary": claim_summary(c, entry(c.seq), entry(c.about_seq.unwrap_or(0)), v.lang),
                "by": c.by,
                "person": entry(c.seq).and_then(|e| e.actor.clone()),
                "recorded_at": c.recorded_at,
                "claimed_at": c.claimed_at,
                "status": c.status,
                "decided_by": c.decided_by,
                "decider": decision.and_then(|e| e.actor.clone()),
                "decided_at": c.decided_at,
                "note": c.note,
                "can_decide": can_decide,
            })
        })
        .collect()
}

/// What a claim or request asks: the server's Chinese sentence, or the same in English from its
/// timeline entry (`entry`) and the entry it is about (`about`).
fn claim_summary(c: &ClaimView, entry: Option<&TimelineEntry>, about: Option<&TimelineEntry>, lang: Lang) -> String {
    if lang == Lang::Zh {
        return c.summary.clone();
    }
    let words = i18n::words(lang);
    let word = |key: String| words.get(key.as_str()).map_or(key.clone(), |w| (*w).to_owned());
    let text = |v: &Json| v.as_str().unwrap_or("").to_owned();
    let Some(data) = entry.map(|e| &e.data) else {
        return word(format!("claim_kind_{}", c.kind));
    };
    match c.kind.as_str() {
        "earlier_time" => format!(
            "{} claimed at {}, recorded at {}",
            about.map_or_else(|| "The action".to_owned(), |a| word(format!("ev_{}", a.kind))),
            local(c.claimed_at.unwrap_or(c.recorded_at)),
            local(c.recorded_at)
        ),
        "buyer_pause" => format!(
            "Pause ({}) counts only once the buyer confirms it",
            word(format!("pause_{}", text(&data["claim"]["reason"])))
        ),
        "regrade" => format!(
            "Re-grade {} → {}: {}",
            word(format!("sev_{}", text(&data["change"]["from"]))),
            word(format!("sev_{}", text(&data["change"]["to"]))),
            text(&data["change"]["reason"])
        ),
        "cancel" => format!(
            "Void the ticket ({}){}",
            word(format!("cancel_{}", text(&data["change"]["reason"]))),
            data["change"]["note"]
                .as_str()
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        ),
        "system" => format!(
            "Move to system {}: {}",
            text(&data["change"]["system"]),
            text(&data["change"]["reason"])
        ),
        _ => c.summary.clone(),
    }
}

/// `t` as the pages write it: Beijing time, to the minute.
fn local(t: chrono::DateTime<Utc>) -> String {
    t.with_timezone(&super::templates::ZONE)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The ticket's events and escalation emails, oldest first, each with a one-line detail; a
/// category code is shown as `category` says it (`潜伏故障 (latent)`).
fn timeline(t: &TicketView, names: &HashMap<i64, String>, category: &dyn Fn(&str) -> String, lang: Lang) -> Vec<Json> {
    let words = i18n::words(lang);
    let word = |prefix: &str, key: &str| {
        words
            .get(format!("{prefix}{key}").as_str())
            .map_or_else(|| key.to_owned(), |w| (*w).to_owned())
    };
    let s = |d: &Json, k: &str| d.get(k).and_then(Json::as_str).unwrap_or("").to_owned();
    let mut out: Vec<(chrono::DateTime<Utc>, Json)> = Vec::new();
    // The title and description as they stood, so that a correction shows what it replaced.
    let (mut title, mut description) = (String::new(), String::new());
    for e in t.timeline.iter().flatten() {
        let d = &e.data;
        let detail = match e.kind.as_str() {
            "opened" => {
                title = s(&d["ticket"], "title");
                description = s(&d["ticket"], "description");
                format!(
                    "{} · {}",
                    word("sev_", d["ticket"]["severity"].as_str().unwrap_or("")),
                    crate::app::vocab::reasons::severity_reason(
                        d["ticket"]["severity_reason"].as_str().unwrap_or(""),
                        lang.vocab()
                    )
                )
            }
            "corrected" => {
                let (colon, open, close) = if lang == Lang::Zh {
                    ("：", "「", "」")
                } else {
                    (": ", "“", "”")
                };
                let mut lines = Vec::new();
                if let Some(new) = d["title"].as_str() {
                    let label = word("", "title_field");
                    lines.push(format!("{label}{colon}{open}{title}{close} → {open}{new}{close}"));
                    title = new.to_owned();
                }
                if let Some(new) = d["description"].as_str() {
                    let label = word("", "description");
                    lines.push(format!("{label}{colon}{open}{description}{close} → {open}{new}{close}"));
                    description = new.to_owned();
                }
                lines.push(format!("{}{colon}{}", word("", "reason"), s(d, "reason")));
                lines.join("\n")
            }
            "categorised" => format!(
                "{} → {}{}",
                d["from"].as_str().map_or_else(|| "—".to_owned(), category),
                d["to"].as_str().map_or_else(|| "—".to_owned(), category),
                d["reason"].as_str().map(|r| format!(" · {r}")).unwrap_or_default()
            ),
            "impact_graded" => format!(
                "{}{} · {}",
                d["from"]
                    .as_str()
                    .map(|from| format!("{} → ", word("sev_", from)))
                    .unwrap_or_default(),
                word("sev_", &s(d, "to")),
                s(d, "reason")
            ),
            "contested" => s(d, "reason"),
            "system_changed" => format!("→ {} · {}", s(d, "system"), s(d, "reason")),
            "paused" => format!("{} {}", word("pause_", &s(d, "reason")), s(d, "note")),
            "regraded" => format!(
                "{} → {} · {}",
                word("sev_", &s(d, "from")),
                word("sev_", &s(d, "to")),
                s(d, "reason")
            ),
            "resolved" => format!(
                "{} · {}",
                d["resolution"]["root_cause"].as_str().unwrap_or(""),
                d["resolution"]["fix"].as_str().unwrap_or("")
            ),
            "closed" => format!(
                "{}{}",
                d["satisfaction"].as_u64().map(|n| format!("★{n} ")).unwrap_or_default(),
                s(d, "note")
            ),
            "reopened" => s(d, "reason"),
            "cancelled" => format!("{} {}", word("cancel_", &s(d, "reason")), s(d, "note")),
            "assigned" => d["assignee"]
                .as_i64()
                .and_then(|a| names.get(&a).cloned())
                .unwrap_or_else(|| word("", "unassigned")),
            "commented" => s(d, "text"),
            "claimed" => {
                let about = d["event"].as_i64().map_or(0, |i| i + 1);
                let action = t
                    .timeline
                    .iter()
                    .flatten()
                    .find(|x| i64::from(x.seq) == about)
                    .map_or_else(String::new, |x| word("ev_", &x.kind));
                match d["claim"]["kind"].as_str() {
                    Some("earlier_time") => format!(
                        "{action} #{about} · {} {}",
                        word("", "claimed_time"),
                        d["claim"]["at"]
                            .as_str()
                            .and_then(|a| a.parse().ok())
                            .map(local)
                            .unwrap_or_default()
                    ),
                    Some("buyer_pause") => format!(
                        "{action} #{about} · {} · {}",
                        word("pause_", d["claim"]["reason"].as_str().unwrap_or("")),
                        word("", "pause_needs_buyer")
                    ),
                    _ => String::new(),
                }
            }
            "requested" => match d["change"]["kind"].as_str() {
                Some("regrade") => format!(
                    "{} → {} · {}",
                    word("sev_", d["change"]["from"].as_str().unwrap_or("")),
                    word("sev_", d["change"]["to"].as_str().unwrap_or("")),
                    d["change"]["reason"].as_str().unwrap_or("")
                ),
                Some("cancel") => format!(
                    "{} · {} {}",
                    word("act_", "cancel"),
                    word("cancel_", d["change"]["reason"].as_str().unwrap_or("")),
                    d["change"]["note"].as_str().unwrap_or("")
                ),
                Some("system") => format!(
                    "{} → {} · {}",
                    word("", "system"),
                    d["change"]["system"].as_str().unwrap_or(""),
                    d["change"]["reason"].as_str().unwrap_or("")
                ),
                _ => String::new(),
            },
            "decided" => format!(
                "{} #{} {}",
                word(
                    "claim_",
                    if d["approved"].as_bool() == Some(true) {
                        "approved"
                    } else {
                        "rejected"
                    }
                ),
                d["on"].as_i64().map_or(0, |i| i + 1),
                s(d, "note")
            ),
            _ => String::new(),
        };
        // An entry that counts at another instant than it was recorded shows both.
        let recorded = e.recorded_at.filter(|r| (*r - e.at).num_seconds().abs() > 60);
        out.push((
            e.at,
            json!({"at": e.at, "recorded": recorded, "kind": e.kind, "who": e.actor, "detail": detail.trim()}),
        ));
    }
    for m in t.escalations.iter().flatten() {
        if m.kind == "notice" {
            out.push((m.due_at, super::notifications::timeline_entry(m, lang)));
            continue;
        }
        // The step by what happened (响应 已过半), a reminder by its number (第 2 次).
        let repeat = match (m.repeat, lang) {
            (0, _) => String::new(),
            (n, Lang::Zh) => format!(" 第 {n} 次"),
            (n, Lang::En) => format!(" #{n}"),
        };
        let copy = match (m.english_copy, m.channel.as_str()) {
            (true, _) => lang.vocab().pick("（英文副本）", " (English copy)"),
            (_, "sms") => lang.vocab().pick("（短信）", " (SMS)"),
            _ => "",
        };
        let detail = format!(
            "{} {}{repeat}{copy} → {} · {}",
            word("clock_", &m.clock),
            crate::app::vocab::labels::step(&m.step, lang.vocab()),
            m.recipients.join(lang.vocab().pick("、", ", ")),
            word("mail_", &m.status)
        );
        out.push((
            m.due_at,
            json!({"at": m.due_at, "kind": m.channel, "who": null, "detail": detail}),
        ));
    }
    out.sort_by_key(|(at, _)| *at);
    out.into_iter().map(|(_, v)| v).collect()
}

/// `POST /tickets/{number}/act/{action}`: the action, then back with a message.
pub async fn act(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path((number, action)): Path<(String, String)>,
    Form(f): Fields,
) -> WebResult {
    v.check_form(&f)?;
    let back = local_path(f.get("back").map(String::as_str), &format!("/tickets/{number}"));
    // A number that does not read is refused, never guessed (a guessed assignee would unassign).
    let number_of = |k: &str| -> crate::app::AppResult<Option<i64>> {
        field(&f, k)
            .map(|s| {
                s.parse::<i64>()
                    .map_err(|_| AppError::invalid(k, format!("{s:?} is not a number")))
            })
            .transpose()
    };
    let mut body = Map::new();
    let version = number_of("version")?.ok_or_else(|| AppError::invalid("version", "the form has no version"))?;
    body.insert("version".into(), json!(version));
    for k in [
        "reason",
        "note",
        "severity",
        "root_cause",
        "fix",
        "follow_up",
        "text",
        "title",
    ] {
        if let Some(x) = field(&f, k) {
            body.insert(k.into(), json!(x));
        }
    }
    // correct: the form sends the title and the description as they stand (prefilled); the
    // domain leaves out what did not change. A browser sends a textarea's lines as CRLF, so the
    // description counts as changed only if it differs in more than that; emptied, it is cleared.
    if action == "correct"
        && let Some(d) = f.get("description")
    {
        let lines = |s: &str| s.replace("\r\n", "\n").trim().to_owned();
        let current = tickets::Entity::find()
            .filter(tickets::Column::Number.eq(number.as_str()))
            .one(&state.db)
            .await?
            .map(|r| lines(&r.description));
        if current.as_deref() != Some(lines(d).as_str()) {
            body.insert("description".into(), json!(lines(d)));
        }
    }
    if let Some(n) = number_of("satisfaction")? {
        body.insert("satisfaction".into(), json!(n));
    }
    // approve, reject: the timeline entry of the claim or request decided on.
    if let Some(n) = number_of("event")? {
        body.insert("event".into(), json!(n));
    }
    if action == "assign" {
        body.insert("assignee_id".into(), json!(number_of("assignee_id")?));
    }
    // categorise: the select's empty choice (未分类) takes the category away.
    if action == "categorise" {
        body.insert("category".into(), json!(f.get("category").map_or("", |c| c.trim())));
    }
    let request: ActionRequest = serde_json::from_value(Json::Object(body))
        .map_err(|e| WebError::BadRequest(format!("the form cannot be read: {e}")))?;
    let label = i18n::words(v.lang)
        .get(format!("act_{action}").as_str())
        .copied()
        .unwrap_or("");
    match crate::app::tickets::actions::perform(&state, &v.p, &from, &number, &action, request).await {
        // What the action left waiting for the other party (a request, a claim) is said at once.
        Ok(after) => {
            let waiting = after
                .claims
                .iter()
                .flatten()
                .filter(|c| c.status == "pending" && i64::from(c.seq) > version)
                .map(|c| claim_summary(c, None, None, v.lang))
                .collect::<Vec<_>>();
            let message = if waiting.is_empty() {
                format!("{label} · {number} ✓")
            } else if v.lang == Lang::Zh {
                format!("{label} · {number} ✓ 待对方确认：{}", waiting.join("；"))
            } else {
                format!("{label} · {number} ✓ waits for the other party: {}", waiting.join("; "))
            };
            Ok(redirect_with(&back, &message))
        }
        Err(e @ AppError::Internal(_)) => Err(e.into()),
        Err(AppError::VersionConflict { .. }) => Ok(redirect_with(
            &back,
            if v.lang == Lang::Zh {
                "工单刚被他人更新，已显示最新状态，请再操作一次。"
            } else {
                "Someone changed the ticket meanwhile; this is its latest state, please try again."
            },
        )),
        Err(AppError::NotFound(m)) => Err(WebError::App(AppError::NotFound(m))),
        Err(e) => Ok(redirect_with(&back, &format!("{label} · {number} ✗ {e}"))),
    }
}

/// `GET /tickets/{number}/incident-report`: the ticket's incident report (故障处理情况报告) to
/// print and sign, in the reader's language ([`crate::app::incident_report`]).
pub async fn incident_report(State(state): State<AppState>, v: Viewer, Path(number): Path<String>) -> WebResult {
    use crate::app::incident_report::{Format, render};
    use axum::response::IntoResponse;
    Ok(render(&state, &v.p, &number, Format::Html, v.lang.vocab())
        .await?
        .into_response())
}
