//! Problem detection for the tickets of a batch ([`crate::app::tickets::fresh`]): the answers
//! [`super::detect_new`] gives ticket by ticket — each ticket seeing the batch's tickets before it
//! and not those after: the same links, the same problems opened and numbered — in a handful of
//! statements for the whole batch instead of five a ticket. (Only the problems' versions move
//! less: once per batch, not once per ticket.)
//!
//! A storm opens many tickets of one class on each system, and once the first two have made a
//! problem every later one joins it. So most detections are settled by two facts read for the
//! whole batch at once:
//!
//! - **no earlier ticket of the class within the window is outside a problem** (the batch's
//!   classes' tickets in no problem are read, one statement: in a storm, few — every recurrence
//!   after the second has joined its problem; under a rule that rarely fires, the tickets that
//!   never recurred), and
//! - **at least `count − 1` of them are in one and began within the window before the new one**
//!   (counted per ticket, up to `count − 1`, in one statement of scalar subqueries).
//!
//! Then the rule finds a recurrence (the window starting at the earliest of those holds them all
//! and the new ticket), and no earlier ticket joins: the new one alone is linked to the class's
//! open problem. Any other case — a ticket of the class outside a problem, too few in one — is
//! decided as [`super::detect_new`] decides it, on every recurrence read for that ticket.
//!
//! ```text
//! claim the batch's systems                       UPDATE systems … WHERE id IN (…)
//! the class's tickets not in a problem            SELECT … WHERE NOT EXISTS (link)
//! per ticket, those in one (at most count − 1)    SELECT (SELECT COUNT(*) …), (…), …
//! the open problems                               SELECT … FROM problems WHERE state = 'open'
//!   … each ticket decided in order; a new problem opened where the class has none …
//! the problems joined, still open, versions on    UPDATE problems … RETURNING *
//! the links, the audit entries                    INSERT … VALUES (…), (…), …
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Set};
use ticket_domain::Status;
use ticket_domain::recurrence::{Occurrence, Recurrence};

use super::detect::{Recurrent, link_detail, moved_on, occurrence, open_problem, recurrences, rule_of};
use crate::app::audit::{self, ClientAddr};
use crate::app::reports::sql::Sql;
use crate::app::{AppError, AppResult};
use crate::db::entities::{audit_log, problem_tickets, problems, systems, tickets};

/// A ticket opened in the batch's transaction, its system, and the instant it was opened at
/// (its request's).
pub type Detecting<'a> = (&'a tickets::Model, &'a systems::Model, DateTime<Utc>);

/// [`super::detect_new`] for `opened`, tickets opened in this transaction in this order: for
/// each, the number of the problem it is now in.
pub async fn detect_batch(txn: &DatabaseTransaction, opened: &[Detecting<'_>]) -> AppResult<Vec<Option<String>>> {
    if let [(ticket, system, now)] = opened {
        return Ok(vec![super::detect_new(txn, ticket, system, *now, &[]).await?]);
    }
    let batch: Vec<(&tickets::Model, &systems::Model)> = opened.iter().map(|(t, s, _)| (*t, *s)).collect();
    let batch = batch.as_slice();
    let mut out = vec![None; batch.len()];
    // Which tickets the rule counts, under which rule.
    let mut rules: Vec<Option<Recurrence>> = Vec::with_capacity(batch.len());
    for (ticket, system) in batch {
        let policy = crate::app::tickets::open::policy_row(txn, system).await?;
        let rule = rule_of(&policy);
        let new = occurrence(ticket);
        let counted = rule.enabled && !new.voided && rule.kinds.contains(&new.kind);
        // Where the policy sorts this kind, an unsorted ticket's class is not known yet.
        let unsorted = counted
            && ticket.category.is_none()
            && crate::app::tickets::open::policy_categories(&policy)?
                .for_kind(new.kind)
                .next()
                .is_some();
        rules.push((counted && !unsorted).then_some(rule));
    }
    let looked: Vec<usize> = (0..batch.len()).filter(|&i| rules[i].is_some()).collect();
    if looked.is_empty() {
        return Ok(out);
    }
    // Serialise the systems' detections: a no-op write to their rows, in one statement (on
    // PostgreSQL in the order the rows are found; the system before its problem, as a close
    // and a ticket opened alone take them).
    let mut system_ids: Vec<i64> = looked.iter().map(|&i| batch[i].1.id).collect();
    system_ids.sort_unstable();
    system_ids.dedup();
    crate::db::claim::<systems::Entity>(
        txn,
        systems::Column::Name,
        systems::Column::Id.is_in(system_ids.clone()),
    )
    .await?;
    let batch_ids: Vec<i64> = batch.iter().map(|(t, _)| t.id).collect();
    let outside = outside_problems(txn, batch, &rules, &looked, &batch_ids).await?;
    let in_one = in_problems_before(txn, batch, &rules, &looked).await?;
    // The lowest-numbered open problem of each class, as the one-by-one detection takes it.
    let mut open_of: HashMap<(i64, Option<String>), problems::Model> = HashMap::new();
    for p in problems::Entity::find()
        .filter(problems::Column::SystemId.is_in(system_ids))
        .filter(problems::Column::State.eq("open"))
        .order_by_desc(problems::Column::Id)
        .all(txn)
        .await?
    {
        open_of.insert((p.system_id, p.category.clone()), p);
    }
    let existing: HashSet<i64> = open_of.values().map(|p| p.id).collect();
    // Links made in this batch, by ticket id (of the batch, or earlier ones that joined).
    let mut joined: HashMap<i64, i64> = HashMap::new();
    // The problems that were open before the batch and gain links, and as of when.
    let mut used: HashMap<i64, DateTime<Utc>> = HashMap::new();
    let (mut links, mut entries) = (Vec::new(), Vec::new());
    for (k, &i) in looked.iter().enumerate() {
        let (ticket, system) = batch[i];
        let now = opened[i].2;
        let Some(rule) = &rules[i] else { continue };
        let new = occurrence(ticket);
        let window = rule.window();
        let same = |o: &Occurrence| {
            !o.voided
                && rule.kinds.contains(&o.kind)
                && o.category == new.category
                && (o.occurred_at - new.occurred_at).abs() <= window
        };
        let before = |t: DateTime<Utc>| t <= new.occurred_at && new.occurred_at - t <= window;
        // The batch's tickets before this one, on its system.
        let earlier_here: Vec<(&tickets::Model, Occurrence)> = batch[..i]
            .iter()
            .filter(|(t, _)| t.system_id == system.id)
            .map(|(t, _)| (*t, occurrence(t)))
            .collect();
        let free = outside
            .iter()
            .filter(|r| r.system_id == system.id && !joined.contains_key(&r.id))
            .map(|r| r.occurrence())
            .chain(
                earlier_here
                    .iter()
                    .filter(|(t, _)| !joined.contains_key(&t.id))
                    .map(|(_, o)| o.clone()),
            )
            .any(|o| same(&o));
        let linked_before = in_one[k]
            + outside
                .iter()
                .filter(|r| r.system_id == system.id && joined.contains_key(&r.id))
                .map(|r| r.occurrence())
                .chain(
                    earlier_here
                        .iter()
                        .filter(|(t, _)| joined.contains_key(&t.id))
                        .map(|(_, o)| o.clone()),
                )
                .filter(|o| same(o) && before(o.occurred_at))
                .count();
        let joining: Vec<(i64, String)> = if !free && linked_before + 1 >= rule.count as usize {
            // The window from the earliest of those holds them and this one: a recurrence, and
            // nobody outside a problem to bring along.
            vec![(ticket.id, ticket.number.clone())]
        } else {
            let mut earlier = recurrences(
                txn,
                system.id,
                ticket.category.as_deref(),
                rule,
                (new.occurred_at - window, new.occurred_at + window),
                &batch_ids,
            )
            .await?;
            for r in &mut earlier {
                if let Some(p) = joined.get(&r.id) {
                    r.linked = Some(*p);
                }
            }
            earlier.extend(
                earlier_here
                    .iter()
                    .filter(|(_, o)| {
                        rule.kinds.contains(&o.kind)
                            && o.category == new.category
                            && (o.occurred_at - new.occurred_at).abs() <= window
                    })
                    .map(|(t, _)| Recurrent {
                        id: t.id,
                        number: t.number.clone(),
                        kind: t.kind,
                        category: t.category.clone(),
                        occurred_at: t.occurred_at,
                        status: t.status,
                        linked: joined.get(&t.id).copied(),
                    }),
            );
            let seen: Vec<Occurrence> = earlier.iter().map(Recurrent::occurrence).collect();
            let Some(found) = rule.recurs(&new, &seen) else {
                continue;
            };
            found
                .iter()
                .map(|i| &earlier[*i])
                .filter(|t| t.linked.is_none())
                .map(|t| (t.id, t.number.clone()))
                .chain([(ticket.id, ticket.number.clone())])
                .collect()
        };
        let class = (system.id, ticket.category.clone());
        let opened = !open_of.contains_key(&class);
        if opened {
            let p = open_problem(txn, system, ticket.category.as_deref(), now).await?;
            open_of.insert(class.clone(), p);
        }
        let problem = &open_of[&class];
        if existing.contains(&problem.id) {
            let at = used.entry(problem.id).or_insert(now);
            *at = std::cmp::max(*at, now);
        }
        let numbers: Vec<String> = joining.iter().map(|(_, n)| n.clone()).collect();
        for (id, _) in &joining {
            joined.insert(*id, problem.id);
            links.push(problem_tickets::ActiveModel {
                problem_id: Set(problem.id),
                ticket_id: Set(*id),
                linked_at: Set(now),
                ..Default::default()
            });
        }
        entries.push(audit::entry(
            None,
            if opened { "problem.open" } else { "problem.link" },
            &problem.number,
            link_detail(system, ticket.category.as_deref(), &numbers, rule),
            &ClientAddr::default(),
            now,
        ));
        out[i] = Some(problem.number.clone());
    }
    // Only if still open, and with their versions moved on: a close that read a problem before
    // these links must read it again (and see the new tickets). One closed since it was read
    // fails the batch, whose tickets are then detected one by one. (A problem moves on once per
    // batch that links to it, as of its latest ticket, where tickets opened one by one would move
    // it once each; a problem opened in the batch keeps its first version.)
    let mut by_time: BTreeMap<DateTime<Utc>, Vec<i64>> = BTreeMap::new();
    for (id, at) in &used {
        by_time.entry(*at).or_default().push(*id);
    }
    for (at, ids) in by_time {
        let n = ids.len();
        let still = moved_on(at)
            .filter(problems::Column::Id.is_in(ids))
            .filter(problems::Column::State.eq("open"))
            .exec_with_returning(txn)
            .await?;
        if still.len() != n {
            return Err(AppError::Internal(anyhow::anyhow!(
                "a problem was closed while a batch was linking tickets to it"
            )));
        }
    }
    if !links.is_empty() {
        let mut together = crate::db::together::Together::new(txn);
        together.push(problem_tickets::Entity::insert_many(links));
        together.push(audit_log::Entity::insert_many::<audit_log::ActiveModel, _>(entries));
        together.run(txn).await?;
    }
    Ok(out)
}

/// An earlier ticket in no problem yet, of a system of the batch.
struct Outside {
    id: i64,
    system_id: i64,
    kind: ticket_domain::Kind,
    category: Option<String>,
    occurred_at: DateTime<Utc>,
    voided: bool,
}

impl Outside {
    fn occurrence(&self) -> Occurrence {
        Occurrence {
            kind: self.kind,
            category: self.category.clone(),
            occurred_at: self.occurred_at,
            voided: self.voided,
        }
    }
}

/// The tickets of the looked-at tickets' systems, of a kind some rule counts, within the widest
/// window around them, that are in no problem (not counting the batch's own).
async fn outside_problems(
    txn: &DatabaseTransaction,
    batch: &[(&tickets::Model, &systems::Model)],
    rules: &[Option<Recurrence>],
    looked: &[usize],
    batch_ids: &[i64],
) -> AppResult<Vec<Outside>> {
    let mut systems: Vec<i64> = looked.iter().map(|&i| batch[i].1.id).collect();
    systems.sort_unstable();
    systems.dedup();
    let mut kinds: Vec<ticket_domain::Kind> = looked
        .iter()
        .flat_map(|&i| rules[i].iter().flat_map(|r| r.kinds.iter().copied()))
        .collect();
    kinds.sort_by_key(|k| k.key());
    kinds.dedup();
    let span = |f: fn(DateTime<Utc>, TimeDelta) -> DateTime<Utc>| {
        looked
            .iter()
            .filter_map(move |&i| rules[i].as_ref().map(|r| f(batch[i].0.occurred_at, r.window())))
    };
    let (Some(from), Some(to)) = (span(|t, w| t - w).min(), span(|t, w| t + w).max()) else {
        return Ok(Vec::new());
    };
    // The classes looked for: a ticket of another category cannot be the same.
    let categories: Vec<String> = looked.iter().filter_map(|&i| batch[i].0.category.clone()).collect();
    let unsorted = looked.iter().any(|&i| batch[i].0.category.is_none());
    let mut class = sea_orm::Condition::any();
    if !categories.is_empty() {
        class = class.add(tickets::Column::Category.is_in(categories));
    }
    if unsorted {
        class = class.add(tickets::Column::Category.is_null());
    }
    let rows = tickets::Entity::find()
        .filter(class)
        .filter(tickets::Column::SystemId.is_in(systems))
        .filter(tickets::Column::Id.is_not_in(batch_ids.iter().copied()))
        .filter(tickets::Column::Kind.is_in(kinds.iter().map(|k| k.key())))
        .filter(tickets::Column::OccurredAt.gte(from))
        .filter(tickets::Column::OccurredAt.lte(to))
        .filter(tickets::Column::Status.ne(Status::Cancelled.key()))
        .filter(sea_orm::sea_query::Expr::cust(
            "NOT EXISTS (SELECT 1 FROM problem_tickets WHERE problem_tickets.ticket_id = tickets.id)",
        ))
        .all(txn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|t| Outside {
            id: t.id,
            system_id: t.system_id,
            kind: *t.kind,
            voided: *t.status == Status::Cancelled,
            category: t.category,
            occurred_at: t.occurred_at,
        })
        .collect())
}

/// For each looked-at ticket (in `looked`'s order): how many earlier tickets of its class,
/// begun within the window before it, are in a problem (other than a closed one of its system),
/// counted up to `count − 1` — all the fast path needs — in one statement.
async fn in_problems_before(
    txn: &DatabaseTransaction,
    batch: &[(&tickets::Model, &systems::Model)],
    rules: &[Option<Recurrence>],
    looked: &[usize],
) -> AppResult<Vec<usize>> {
    let mut sql = Sql::new(txn);
    sql.push("SELECT ");
    for (k, &i) in looked.iter().enumerate() {
        let (ticket, system) = batch[i];
        let Some(rule) = &rules[i] else { continue };
        if k > 0 {
            sql.push(", ");
        }
        let kinds: Vec<ticket_domain::Kind> = rule.kinds.to_vec();
        sql.push("(SELECT COUNT(*) FROM (SELECT 1 FROM tickets t WHERE t.system_id = ")
            .bind(system.id)
            .push(" AND t.kind IN (")
            .keys(&kinds)
            .push(") AND t.status NOT IN (")
            .keys(&[Status::Cancelled])
            .push(") AND t.occurred_at >= ")
            .bind(ticket.occurred_at - rule.window())
            .push(" AND t.occurred_at <= ")
            .bind(ticket.occurred_at);
        match &ticket.category {
            Some(c) => sql.push(" AND t.category = ").bind(c.clone()),
            None => sql.push(" AND t.category IS NULL"),
        };
        sql.push(
            " AND EXISTS (SELECT 1 FROM problem_tickets pt JOIN problems p ON p.id = pt.problem_id \
             WHERE pt.ticket_id = t.id AND NOT (p.system_id = t.system_id AND p.state = 'closed')) LIMIT ",
        )
        .bind(i64::from(rule.count.saturating_sub(1)))
        .push(&format!(") x) AS c{k}"));
    }
    let rows = sql.all(txn).await?;
    let Some(row) = rows.first() else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "the recurrence counts returned no row"
        )));
    };
    (0..looked.len())
        .map(|k| {
            crate::app::reports::sql::int(row, &format!("c{k}"))
                .map(|n| n as usize)
                .map_err(AppError::from)
        })
        .collect()
}
