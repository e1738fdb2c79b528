//! Finding a recurrence as a ticket is opened or sorted: the system's tickets of the ticket's
//! class within the policy's window ([`ticket_domain::Recurrence`]), and the problem they are.
//!
//! Runs in the ticket's own transaction, so a ticket and its problem link commit together. The
//! system's row is claimed first: two tickets of one class opened at once on one system make one
//! problem, not two.

use chrono::{DateTime, Datelike, Utc};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use ticket_domain::Status;
use ticket_domain::recurrence::{Occurrence, Recurrence};

use crate::app::AppResult;
use crate::app::audit::{self, ClientAddr};
use crate::db::entities::{policies, problem_tickets, problems, systems, tickets};

/// The policy's rule for recurring faults: its own, or the default.
pub fn rule_of(policy: &policies::Model) -> Recurrence {
    policy
        .recurrence
        .as_ref()
        .and_then(|v| match serde_json::from_value(v.clone()) {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::warn!(policy = %policy.code, error = %e, "recurrence rule cannot be read; the default holds");
                None
            }
        })
        .unwrap_or_default()
}

/// Looks for a recurrence of `ticket` (just opened, or just sorted) and links it — with the
/// earlier tickets of its class not yet in a problem — to the system's open problem of that
/// class, or to a new one. Returns the problem's number when the ticket is (now) in one.
pub async fn detect(
    txn: &impl ConnectionTrait,
    ticket: &tickets::Model,
    now: DateTime<Utc>,
) -> AppResult<Option<String>> {
    let Some(system) = systems::Entity::find_by_id(ticket.system_id).one(txn).await? else {
        return Ok(None);
    };
    detect_on(txn, ticket, &system, now).await
}

/// [`detect`] for a ticket of `system`, read already.
pub async fn detect_on(
    txn: &impl ConnectionTrait,
    ticket: &tickets::Model,
    system: &systems::Model,
    now: DateTime<Utc>,
) -> AppResult<Option<String>> {
    detect_in(txn, ticket, system, now, false, &[]).await
}

/// [`detect_on`] for a ticket opened in this transaction, which is in no problem yet: two
/// reads fewer on every creation. `later` are the tickets opened after it in the same batch
/// ([`crate::app::tickets::fresh`]), already inserted: it does not see them, as it would not
/// have had it been opened alone (each of them sees it when its own turn comes).
pub async fn detect_new(
    txn: &impl ConnectionTrait,
    ticket: &tickets::Model,
    system: &systems::Model,
    now: DateTime<Utc>,
    later: &[i64],
) -> AppResult<Option<String>> {
    detect_in(txn, ticket, system, now, true, later).await
}

async fn detect_in(
    txn: &impl ConnectionTrait,
    ticket: &tickets::Model,
    system: &systems::Model,
    now: DateTime<Utc>,
    new_ticket: bool,
    later: &[i64],
) -> AppResult<Option<String>> {
    let linked = || async {
        if new_ticket {
            Ok(None)
        } else {
            problem_of(txn, ticket.id).await
        }
    };
    let policy = crate::app::tickets::open::policy_row(txn, system).await?;
    let rule = rule_of(&policy);
    let new = occurrence(ticket);
    // A kind the rule does not count (an alarm, by default): no claim, no search, only the link
    // it may already have (after a re-sort).
    if !rule.enabled || new.voided || !rule.kinds.contains(&new.kind) {
        return linked().await;
    }
    if let Some(number) = linked().await? {
        return Ok(Some(number));
    }
    // Where the policy sorts this kind, an unsorted ticket's class is not known yet: it is
    // looked at again when it is sorted (`categorise`).
    if ticket.category.is_none()
        && crate::app::tickets::open::policy_categories(&policy)?
            .for_kind(new.kind)
            .next()
            .is_some()
    {
        return Ok(None);
    }
    // Serialise the system's detections: a no-op write to its row.
    crate::db::claim::<systems::Entity>(txn, systems::Column::Name, systems::Column::Id.eq(system.id)).await?;
    let earlier = recurrences(
        txn,
        system.id,
        ticket.category.as_deref(),
        &rule,
        (ticket.occurred_at - rule.window(), ticket.occurred_at + rule.window()),
        &later.iter().copied().chain([ticket.id]).collect::<Vec<_>>(),
    )
    .await?;
    let seen: Vec<Occurrence> = earlier.iter().map(Recurrent::occurrence).collect();
    let Some(found) = rule.recurs(&new, &seen) else {
        return Ok(None);
    };
    let mut open = sea_orm::sea_query::Query::select()
        .column(problems::Column::Id)
        .from(problems::Entity)
        .and_where(problems::Column::SystemId.eq(system.id))
        .and_where(problems::Column::State.eq("open"))
        .order_by(problems::Column::Id, sea_orm::Order::Asc)
        .limit(1)
        .to_owned();
    match &ticket.category {
        Some(c) => open.and_where(problems::Column::Category.eq(c.as_str())),
        None => open.and_where(problems::Column::Category.is_null()),
    };
    // Take the open problem only if it is still open, and move its version on: a close that read
    // the problem before this link must read it again (and see the new ticket).
    let found_open = moved_on(now)
        .filter(problems::Column::Id.in_subquery(open))
        .filter(problems::Column::State.eq("open"))
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .next();
    let (problem, opened) = match found_open {
        Some(p) => (p, false),
        None => (open_problem(txn, system, ticket.category.as_deref(), now).await?, true),
    };
    // The recurrences not in a problem yet join this one (the ticket itself is in none: a new
    // one has no link, and another returned above if it had one), in one statement.
    let joining: Vec<(i64, &str)> = found
        .iter()
        .map(|i| &earlier[*i])
        .filter(|t| t.linked.is_none())
        .map(|t| (t.id, t.number.as_str()))
        .chain(std::iter::once((ticket.id, ticket.number.as_str())))
        .collect();
    let linked: Vec<String> = joining.iter().map(|(_, number)| (*number).to_owned()).collect();
    problem_tickets::Entity::insert_many(joining.iter().map(|(id, _)| problem_tickets::ActiveModel {
        problem_id: Set(problem.id),
        ticket_id: Set(*id),
        linked_at: Set(now),
        ..Default::default()
    }))
    .exec_without_returning(txn)
    .await?;
    audit::record(
        txn,
        None,
        if opened { "problem.open" } else { "problem.link" },
        &problem.number,
        link_detail(system, ticket.category.as_deref(), &linked, &rule),
        &ClientAddr::default(),
        now,
    )
    .await?;
    Ok(Some(problem.number))
}

/// What a `problem.open` or `problem.link` audit entry says: the tickets that joined, and the
/// rule they recurred under.
pub(super) fn link_detail(
    system: &systems::Model,
    category: Option<&str>,
    linked: &[String],
    rule: &Recurrence,
) -> serde_json::Value {
    serde_json::json!({
        "system": system.code,
        "category": category,
        "tickets": linked,
        "rule": {"count": rule.count, "within_days": rule.within_days},
    })
}

/// The tickets of `system` of `category` (`None`: unsorted) and of a kind `rule` counts that
/// occurred within `[from, to]`, but not those in `except`, nor those of the system's closed
/// problems (done with: the next recurrence starts afresh); oldest first, with the problem each
/// is in. A storm on one system finds hundreds of recurrences each time, so only what the rule
/// and the link need is read.
pub(super) async fn recurrences(
    txn: &impl ConnectionTrait,
    system_id: i64,
    category: Option<&str>,
    rule: &Recurrence,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    except: &[i64],
) -> AppResult<Vec<Recurrent>> {
    let kinds: Vec<&str> = rule.kinds.iter().map(|k| k.key()).collect();
    let mut q = tickets::Entity::find()
        .filter(tickets::Column::SystemId.eq(system_id))
        .filter(tickets::Column::Id.is_not_in(except.iter().copied()))
        .filter(tickets::Column::Kind.is_in(kinds))
        .filter(tickets::Column::OccurredAt.gte(from))
        .filter(tickets::Column::OccurredAt.lte(to));
    q = match category {
        Some(c) => q.filter(tickets::Column::Category.eq(c)),
        None => q.filter(tickets::Column::Category.is_null()),
    };
    let closed_links = sea_orm::sea_query::Query::select()
        .column(problem_tickets::Column::TicketId)
        .from(problem_tickets::Entity)
        .and_where(
            problem_tickets::Column::ProblemId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(problems::Column::Id)
                    .from(problems::Entity)
                    .and_where(problems::Column::SystemId.eq(system_id))
                    .and_where(problems::Column::State.eq("closed"))
                    .to_owned(),
            ),
        )
        .to_owned();
    Ok(q.filter(tickets::Column::Id.not_in_subquery(closed_links))
        .select_only()
        .columns([
            tickets::Column::Id,
            tickets::Column::Number,
            tickets::Column::Kind,
            tickets::Column::Category,
            tickets::Column::OccurredAt,
            tickets::Column::Status,
        ])
        .expr_as(
            sea_orm::sea_query::Expr::cust(
                "(SELECT problem_tickets.problem_id FROM problem_tickets WHERE problem_tickets.ticket_id = tickets.id)",
            ),
            "linked",
        )
        .order_by_asc(tickets::Column::OccurredAt)
        .into_model::<Recurrent>()
        .all(txn)
        .await?)
}

/// Opens a new problem of `system` for the tickets of `category` (`None`: unsorted), numbered
/// in the `PRB` series of the year in Beijing, as the contracts' days are counted.
pub(super) async fn open_problem(
    txn: &impl ConnectionTrait,
    system: &systems::Model,
    category: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<problems::Model> {
    let year = now.with_timezone(&chrono_tz::Asia::Shanghai).year();
    let number = crate::db::counters::next_ticket_number(txn, "PRB", year)
        .await
        .map_err(|e| crate::app::AppError::Internal(e.into()))?;
    let class = match category {
        Some(c) => super::category_name(txn, system.id, c).await?,
        None => "未分类".to_owned(),
    };
    Ok(problems::ActiveModel {
        number: Set(number),
        system_id: Set(system.id),
        category: Set(category.map(str::to_owned)),
        title: Set(format!("{}：同类故障重复发生（{class}）", system.name)),
        state: Set("open".to_owned()),
        analysis: Set(None),
        plan: Set(None),
        version: Set(1),
        opened_at: Set(now),
        closed_at: Set(None),
        closed_by: Set(None),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

/// After `ticket` was sorted again or moved to another system: takes it out of a problem it no
/// longer belongs to — any problem of another system (its readers may no longer see the
/// ticket), an open one of another class — audited as `problem.unlink`, then looks for its
/// recurrence as it is now ([`detect`]). A closed problem of its own system keeps it: that record
/// is history.
pub async fn reconsider(
    txn: &impl ConnectionTrait,
    ticket: &tickets::Model,
    now: DateTime<Utc>,
) -> AppResult<Option<String>> {
    if let Some(link) = problem_tickets::Entity::find()
        .filter(problem_tickets::Column::TicketId.eq(ticket.id))
        .one(txn)
        .await?
        && let Some(p) = problems::Entity::find_by_id(link.problem_id).one(txn).await?
    {
        let elsewhere = p.system_id != ticket.system_id;
        let other_class = p.state == "open" && p.category != ticket.category;
        if elsewhere || other_class {
            problem_tickets::Entity::delete_by_id(link.id).exec(txn).await?;
            // The record changed under anyone who read it.
            moved_on(now).filter(problems::Column::Id.eq(p.id)).exec(txn).await?;
            audit::record(
                txn,
                None,
                "problem.unlink",
                &p.number,
                serde_json::json!({
                    "ticket": ticket.number,
                    "why": if elsewhere { "moved to another system" } else { "sorted into another category" },
                }),
                &ClientAddr::default(),
                now,
            )
            .await?;
        }
    }
    detect(txn, ticket, now).await
}

/// The number of the problem ticket `ticket_id` is in, if any.
pub async fn problem_of(db: &impl ConnectionTrait, ticket_id: i64) -> AppResult<Option<String>> {
    let Some(link) = problem_tickets::Entity::find()
        .filter(problem_tickets::Column::TicketId.eq(ticket_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(problems::Entity::find_by_id(link.problem_id)
        .one(db)
        .await?
        .map(|p| p.number))
}

/// An earlier ticket of the class, as the rule and the link read it.
#[derive(Debug, sea_orm::FromQueryResult)]
pub(super) struct Recurrent {
    pub(super) id: i64,
    pub(super) number: String,
    pub(super) kind: crate::db::Key<ticket_domain::Kind>,
    pub(super) category: Option<String>,
    pub(super) occurred_at: DateTime<Utc>,
    pub(super) status: crate::db::Key<Status>,
    /// The problem it is in, if any.
    pub(super) linked: Option<i64>,
}

impl Recurrent {
    pub(super) fn occurrence(&self) -> Occurrence {
        Occurrence {
            kind: *self.kind,
            category: self.category.clone(),
            occurred_at: self.occurred_at,
            voided: *self.status == Status::Cancelled,
        }
    }
}

pub(super) fn occurrence(t: &tickets::Model) -> Occurrence {
    Occurrence {
        kind: *t.kind,
        category: t.category.clone(),
        occurred_at: t.occurred_at,
        voided: *t.status == Status::Cancelled,
    }
}

/// An update that moves the problems it is filtered to on, as of `at`: their versions up by one
/// (anyone who read one before a link or an unlink must read it again, a close included) and
/// their `updated_at` set. Linking callers filter it to the problems still open too, and check
/// that each is: one closed since it was read must not gain a ticket.
pub(super) fn moved_on(at: DateTime<Utc>) -> sea_orm::UpdateMany<problems::Entity> {
    problems::Entity::update_many()
        .col_expr(
            problems::Column::Version,
            sea_orm::sea_query::Expr::col(problems::Column::Version).add(1),
        )
        .col_expr(problems::Column::UpdatedAt, sea_orm::sea_query::Expr::value(at))
}
