//! Where ladders are kept and which one a ticket uses.
//!
//! A ticket's clocks escalate by the first ladder found among, in order: the ladder for its
//! policy and severity (scope `policy:severity`), the ladder for its policy (scope `policy`), the
//! stored default (scope `default`), and the built-in [`Ladder::default_ladder`]. Ladders are set
//! through `PUT /api/v1/ladders/{scope}` or `opsclock ladder set`; `config/ladders/default.toml`
//! is the built-in default written out as a file to start from.
//!
//! A ladder is checked when it is set ([`countable_steps`]): every step must be computable for the
//! tickets it will escalate. A step `every 12000h after breach, 1 times` reaches six years of
//! working time past the deadline, beyond what a 5×8 calendar counts, and every ticket under it
//! would fail to open; it is refused naming `steps[3].when`. A stored step that cannot be
//! computed anyway (set before the check, or a calendar's coverage ran out since) is skipped with
//! the reason logged while the ladder's other steps escalate ([`super::evaluate`]).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use sla_clock::{Calendar, ClockState, Ladder, Severity, SlaDuration, Trigger};
use utoipa::ToSchema;

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{clocks, escalation_ladders, major_events, policies, systems, tickets};

/// What a stored ladder applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every policy without a ladder of its own.
    Default,
    /// One policy (by code), every severity without a ladder of its own.
    Policy(String),
    /// One severity of one policy.
    PolicySeverity(String, Severity),
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "default" {
            return Ok(Scope::Default);
        }
        let (code, severity) = match s.split_once(':') {
            Some((c, sev)) => (c, Some(sev)),
            None => (s, None),
        };
        if !crate::app::catalog::is_valid_code(code) {
            return Err(format!(
                "scope {s:?} is not \"default\", a policy code, or \"policy-code:severity\""
            ));
        }
        match severity {
            None => Ok(Scope::Policy(code.to_owned())),
            Some(sev) => sev
                .parse::<Severity>()
                .map(|sev| Scope::PolicySeverity(code.to_owned(), sev))
                .map_err(|e| format!("scope {s:?}: {e}")),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Default => f.write_str("default"),
            Scope::Policy(code) => f.write_str(code),
            Scope::PolicySeverity(code, sev) => write!(f, "{code}:{}", sev.key()),
        }
    }
}

impl Scope {
    /// The policy code, if the scope names one.
    pub fn policy(&self) -> Option<&str> {
        match self {
            Scope::Default => None,
            Scope::Policy(c) | Scope::PolicySeverity(c, _) => Some(c),
        }
    }
}

/// A stored ladder could not be read back (someone edited the database by hand).
fn unreadable(scope: &str, e: impl fmt::Display) -> DbErr {
    DbErr::Custom(format!("stored ladder {scope:?} is not a valid ladder: {e}"))
}

/// Reads a stored row's ladder.
pub fn parse(row: &escalation_ladders::Model) -> Result<Ladder, DbErr> {
    serde_json::from_value(row.steps.clone()).map_err(|e| unreadable(&row.scope, e))
}

/// The ladder for tickets of `policy_id` at `severity` (see the module docs for the order).
pub async fn effective(db: &impl ConnectionTrait, policy_id: i64, severity: &str) -> Result<Ladder, DbErr> {
    let rows = escalation_ladders::Entity::find()
        .filter(
            Condition::any()
                .add(escalation_ladders::Column::PolicyId.eq(policy_id))
                .add(escalation_ladders::Column::PolicyId.is_null()),
        )
        .all(db)
        .await?;
    Ok(pick(&rows, policy_id, severity))
}

/// [`effective`] among stored ladder rows read before, which may hold other policies' ladders
/// too (the sweep reads those of a whole batch's policies at once).
pub fn pick(rows: &[escalation_ladders::Model], policy_id: i64, severity: &str) -> Ladder {
    let rank = |r: &escalation_ladders::Model| match (r.policy_id, r.severity.as_deref()) {
        (Some(p), _) if p != policy_id => None,
        (Some(_), Some(s)) if s == severity => Some(0),
        (Some(_), None) => Some(1),
        (None, _) => Some(2),
        _ => None,
    };
    match rows
        .iter()
        .filter_map(|r| rank(r).map(|k| (k, r)))
        .min_by_key(|(k, _)| *k)
    {
        // Ladders are checked when set; one edited by hand into nonsense must not stop ticket
        // writes, so it is logged and the built-in default escalates meanwhile.
        Some((_, row)) => parse(row).unwrap_or_else(|e| {
            tracing::error!(scope = %row.scope, error = %e, "using the built-in default ladder instead");
            Ladder::default_ladder()
        }),
        None => Ladder::default_ladder(),
    }
}

/// The ladder for a ticket: its major-event window's if it has one, else its policy's for its
/// severity (see [`effective`]).
pub async fn for_ticket(db: &impl ConnectionTrait, ticket: &tickets::Model) -> Result<Ladder, DbErr> {
    of(db, ticket.major_event_id, ticket.system_id, ticket.severity.key()).await
}

/// [`for_ticket`] by what it reads of the ticket: its major-event window, system and severity.
pub async fn of(
    db: &impl ConnectionTrait,
    major_event_id: Option<i64>,
    system_id: i64,
    severity: &str,
) -> Result<Ladder, DbErr> {
    if let Some(id) = major_event_id
        && let Some(row) = major_events::Entity::find_by_id(id).one(db).await?
        && let Some(ladder) = of_window(&row)
    {
        return Ok(ladder);
    }
    // Kept by the configuration cache ([`crate::app::cache`]) when the caller reads through it.
    let policy_id = crate::app::scope::system_by_id(db, system_id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("system {system_id}")))?
        .policy_id;
    crate::app::cache::cached("ladder", format!("{policy_id}/{severity}"), || {
        effective(db, policy_id, severity)
    })
    .await
}

/// The ladder of a major-event window, if the window has one.
pub fn of_window(row: &major_events::Model) -> Option<Ladder> {
    row.document.get("ladder").filter(|l| !l.is_null()).and_then(|l| {
        match serde_json::from_value::<Ladder>(l.clone()) {
            Ok(l) => Some(l),
            Err(e) => {
                tracing::error!(window = %row.code, error = %e, "unreadable window ladder; using the usual one");
                None
            }
        }
    })
}

/// Every stored ladder, by scope.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<(String, Ladder, DateTime<Utc>)>, DbErr> {
    let rows = escalation_ladders::Entity::find()
        .order_by_asc(escalation_ladders::Column::Scope)
        .all(db)
        .await?;
    rows.iter()
        .map(|r| Ok((r.scope.clone(), parse(r)?, r.updated_at)))
        .collect()
}

/// The stored ladder of `scope`, if any.
pub async fn get(db: &impl ConnectionTrait, scope: &Scope) -> Result<Option<Ladder>, DbErr> {
    let row = escalation_ladders::Entity::find()
        .filter(escalation_ladders::Column::Scope.eq(scope.to_string()))
        .one(db)
        .await?;
    row.as_ref().map(parse).transpose()
}

/// Why a ladder could not be set.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    /// The scope names a policy that does not exist.
    #[error("no policy with code {0:?}")]
    NoPolicy(String),
    /// A step cannot be computed for the tickets the ladder would escalate, or holds a NUL byte.
    #[error("{field}: {detail}")]
    Invalid {
        /// The step's field, e.g. `steps[3].when`.
        field: String,
        /// Why.
        detail: String,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Stores `ladder` for `scope` (replacing any), or removes the scope's ladder if `ladder` is
/// `None`; returns whether anything changed. Live clocks the change may concern are marked due
/// now, so the next sweep re-evaluates them by the new ladder: steps the new ladder has that are
/// already past are then sent (late rather than never); steps already sent are not sent again.
pub async fn set(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    scope: &Scope,
    ladder: Option<&Ladder>,
    now: DateTime<Utc>,
) -> Result<bool, SetError> {
    let policy = match scope.policy() {
        Some(code) => Some(
            policies::Entity::find()
                .filter(policies::Column::Code.eq(code))
                .one(db)
                .await?
                .ok_or_else(|| SetError::NoPolicy(code.to_owned()))?,
        ),
        None => None,
    };
    if let Some(ladder) = ladder {
        if let Some(field) = serde_json::to_value(ladder)
            .ok()
            .and_then(|v| crate::app::text::nul_in(&v))
        {
            let detail = "holds a NUL byte (\\u0000), which no text may hold".to_owned();
            return Err(SetError::Invalid { field, detail });
        }
        // The targets of the tickets it would escalate: the policy's (at the severity), or every
        // policy's for the default.
        let rows = match &policy {
            Some(p) => vec![p.clone()],
            None => policies::Entity::find().all(db).await?,
        };
        let severity = match scope {
            Scope::PolicySeverity(_, s) => Some(*s),
            _ => None,
        };
        let read: Vec<ticket_domain::Policy> = rows
            .iter()
            .filter_map(|r| serde_json::from_value(r.targets.clone()).ok())
            .collect();
        let targets = crate::app::countable::targets_of(&read, severity);
        let calendars: Vec<&Calendar> = calendars.values().collect();
        if let Some((field, detail)) = countable_steps(ladder, &targets, &calendars, now) {
            return Err(SetError::Invalid { field, detail });
        }
    }
    let key = scope.to_string();
    let existing = escalation_ladders::Entity::find()
        .filter(escalation_ladders::Column::Scope.eq(&key))
        .one(db)
        .await?;
    let steps = ladder.map(|l| serde_json::to_value(l).map_err(|e| DbErr::Custom(e.to_string())));
    let changed = match (existing, steps) {
        (None, None) => false,
        (Some(row), None) => {
            escalation_ladders::Entity::delete_by_id(row.id).exec(db).await?;
            true
        }
        (Some(row), Some(steps)) => {
            let steps = steps?;
            if row.steps == steps {
                false
            } else {
                let mut am = row.into_active_model();
                am.steps = Set(steps);
                am.updated_at = Set(now);
                am.update(db).await?;
                true
            }
        }
        (None, Some(steps)) => {
            escalation_ladders::ActiveModel {
                scope: Set(key),
                policy_id: Set(policy.as_ref().map(|p| p.id)),
                severity: Set(match scope {
                    Scope::PolicySeverity(_, s) => Some(s.key().to_owned()),
                    _ => None,
                }),
                steps: Set(steps?),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
            true
        }
    };
    if changed {
        wake_clocks(db, policy.map(|p| p.id), now).await?;
    }
    Ok(changed)
}

/// The first step of `ladder` that cannot be computed for a ticket whose clock starts at `from`
/// with one of `targets`, in one of `calendars`: its field (`steps[3].when`) and why. A share of
/// the budget and the breach fall at or before the deadline, which the target's own check
/// counts; the repeats after a breach reach `limit × every` of working time past it, so the last
/// one must be countable from the latest deadline.
///
/// ```
/// use opsclock::app::escalation::ladders::countable_steps;
/// let builtin = sla_clock::builtin::calendars();
/// let cals: Vec<&sla_clock::Calendar> = builtin.iter().collect();
/// let now = "2026-11-25T10:00:00+08:00".parse().unwrap();
/// let targets = ["4h".parse().unwrap(), "7wd".parse().unwrap()];
/// assert_eq!(countable_steps(&sla_clock::Ladder::default_ladder(), &targets, &cals, now), None);
/// let ladder: sla_clock::Ladder = serde_json::from_value(serde_json::json!({"steps": [
///     {"id": "breach", "when": "breach", "notify": ["assignee"]},
///     {"id": "yearly", "when": "every 12000h after breach, 1 times", "notify": ["unit_head"]}]})).unwrap();
/// let (field, why) = countable_steps(&ladder, &targets, &cals, now).unwrap();
/// assert_eq!(field, "steps[1].when");
/// assert!(why.contains("calendar \"cn-5x8\""), "{why}");
/// ```
pub fn countable_steps(
    ladder: &Ladder,
    targets: &[SlaDuration],
    calendars: &[&Calendar],
    from: DateTime<Utc>,
) -> Option<(String, String)> {
    for (i, step) in ladder.steps().iter().enumerate() {
        let Trigger::AfterBreach { every, limit } = step.when else {
            continue;
        };
        let field = format!("steps[{i}].when");
        let what = format!("step {:?} ({})", step.id, step.when);
        let span = every
            .working_millis()
            .and_then(|ms| ms.checked_mul(i64::from(limit)))
            .and_then(chrono::TimeDelta::try_milliseconds);
        let Some(span) = span else {
            return Some((
                field,
                format!("{what}: the repeats reach further than any calendar counts"),
            ));
        };
        for cal in calendars {
            // The latest deadline of the targets this calendar can count (one it cannot is the
            // policy's problem, refused where the policy is saved).
            let latest = targets
                .iter()
                .filter_map(|d| crate::app::countable::duration(cal, from, *d).ok())
                .fold(from, Ord::max);
            if let Err(why) = crate::app::countable::working_time(cal, latest, span) {
                return Some((field, format!("{what}: its last repeat cannot be computed: {why}")));
            }
        }
    }
    None
}

/// The stored states of clocks that may still escalate (met and cancelled clocks never do).
const LIVE_STATES: [ClockState; 3] = [ClockState::Running, ClockState::BreachedRunning, ClockState::Paused];

/// Marks the live clocks of `policy_id`'s tickets (all tickets for `None`) due at `now`.
async fn wake_clocks(db: &impl ConnectionTrait, policy_id: Option<i64>, now: DateTime<Utc>) -> Result<(), DbErr> {
    let mut tickets_of = Query::select()
        .column((tickets::Entity, tickets::Column::Id))
        .from(tickets::Entity)
        .to_owned();
    if let Some(policy_id) = policy_id {
        tickets_of
            .inner_join(
                systems::Entity,
                Expr::col((systems::Entity, systems::Column::Id)).equals((tickets::Entity, tickets::Column::SystemId)),
            )
            .and_where(Expr::col((systems::Entity, systems::Column::PolicyId)).eq(policy_id));
    }
    wake(db, tickets_of, now).await
}

/// Marks the live clocks of system `system_id`'s tickets due at `now` (its policy changed, so
/// its tickets may escalate by another ladder).
pub async fn wake_system(db: &impl ConnectionTrait, system_id: i64, now: DateTime<Utc>) -> Result<(), DbErr> {
    let tickets_of = Query::select()
        .column(tickets::Column::Id)
        .from(tickets::Entity)
        .and_where(Expr::col(tickets::Column::SystemId).eq(system_id))
        .to_owned();
    wake(db, tickets_of, now).await
}

async fn wake(db: &impl ConnectionTrait, tickets_of: SelectStatement, now: DateTime<Utc>) -> Result<(), DbErr> {
    // Lock the tickets first, as every ticket write and the sweep do: a ticket write that read
    // the old ladder finishes before the wake-up, and one that starts later reads the new ladder.
    crate::app::tickets::lock(db, tickets::Column::Id.in_subquery(tickets_of.clone()).into()).await?;
    clocks::Entity::update_many()
        .col_expr(clocks::Column::NextDueAt, Expr::value(now))
        .filter(clocks::Column::State.is_in(LIVE_STATES.map(|s| s.to_string())))
        .filter(clocks::Column::TicketId.in_subquery(tickets_of))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
#[path = "ladders_tests.rs"]
mod tests;

/// A ladder as JSON: its steps in order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LadderDoc {
    /// The steps.
    pub steps: Vec<StepDoc>,
}

/// One step of a ladder.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepDoc {
    /// A name unique in the ladder, part of each email's identity: keep it stable.
    #[schema(example = "warning")]
    pub id: String,
    /// `"50%"` (share of the budget), `"breach"`, or `"every 30m after breach, 8 times"`.
    #[schema(example = "80%")]
    pub when: String,
    /// Roles (`assignee`, `on_duty`, `vendor_manager`, `unit_head`, `buyer_ops_lead`) and/or addresses.
    #[schema(example = json!(["assignee", "vendor_manager"]))]
    pub notify: Vec<String>,
    /// `email`, `sms` or both [default `["email"]`]: by SMS, each recipient with a mobile number.
    #[serde(default = "super::sms::email_only")]
    #[schema(example = json!(["email", "sms"]), default = json!(["email"]))]
    pub channels: Vec<String>,
}

impl LadderDoc {
    /// The document of `ladder`.
    pub fn of(ladder: &Ladder) -> LadderDoc {
        LadderDoc {
            steps: ladder
                .steps()
                .iter()
                .map(|s| StepDoc {
                    id: s.id.clone(),
                    when: s.when.to_string(),
                    notify: s.notify.iter().map(ToString::to_string).collect(),
                    channels: s.channels.iter().map(ToString::to_string).collect(),
                })
                .collect(),
        }
    }

    /// The ladder the document describes, or what is wrong with its steps.
    pub fn ladder(&self) -> crate::app::AppResult<Ladder> {
        super::sms::check_channels(&self.steps)?;
        let value = serde_json::to_value(self).map_err(|e| AppError::Internal(e.into()))?;
        serde_json::from_value(value).map_err(|e| AppError::Invalid {
            field: Some("steps".into()),
            detail: e.to_string(),
        })
    }
}

/// A stored ladder.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoredLadder {
    /// `default`, a policy code, or `policy-code:severity`.
    pub scope: String,
    /// The ladder.
    pub ladder: LadderDoc,
    /// When it was set.
    pub updated_at: DateTime<Utc>,
}

/// Every stored ladder, and the built-in default.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ladders {
    /// Stored ladders by scope. A ticket uses the ladder of `policy:severity`, else `policy`, else
    /// `default`, else `builtin_default`.
    pub stored: Vec<StoredLadder>,
    /// The ladder used when none is stored.
    pub builtin_default: LadderDoc,
}

/// Every stored ladder and the built-in default, as documents.
pub async fn overview(db: &impl sea_orm::ConnectionTrait) -> crate::app::AppResult<Ladders> {
    let stored = list(db)
        .await?
        .into_iter()
        .map(|(scope, ladder, updated_at)| StoredLadder {
            scope,
            ladder: LadderDoc::of(&ladder),
            updated_at,
        })
        .collect();
    Ok(Ladders {
        stored,
        builtin_default: LadderDoc::of(&Ladder::default_ladder()),
    })
}

/// Scope `text` (`default`, a policy code, or `policy-code:severity`), or why not.
fn scope_of(text: &str) -> AppResult<Scope> {
    text.parse().map_err(|detail| AppError::Invalid {
        field: Some("scope".into()),
        detail,
    })
}

/// A refusal of [`set`] as the caller's mistake (a policy that does not exist) or ours.
fn set_error(e: SetError) -> AppError {
    match e {
        SetError::NoPolicy(code) => AppError::Invalid {
            field: Some("scope".into()),
            detail: format!("no policy with code {code:?}"),
        },
        SetError::Invalid { field, detail } => AppError::invalid(field, detail),
        SetError::Db(e) => e.into(),
    }
}

/// Sets the ladder of scope `text` to `doc` (admins), auditing it if it changed. Open tickets
/// under it are re-evaluated at the next sweep; steps already sent are not sent again.
pub async fn put(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    text: &str,
    doc: LadderDoc,
) -> AppResult<StoredLadder> {
    crate::app::permissions::check(p, crate::app::permissions::Action::LadderWrite)?;
    let scope = scope_of(text)?;
    let ladder = doc.ladder()?;
    let now = ctx.now();
    let txn = ctx.begin_write().await?;
    let changed = set(&txn, &ctx.calendars.snapshot(), &scope, Some(&ladder), now)
        .await
        .map_err(set_error)?;
    if changed {
        let detail = serde_json::json!({ "ladder": ladder });
        audit::record(
            &txn,
            Some(p.user_id),
            "ladder.set",
            &scope.to_string(),
            detail,
            from,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(StoredLadder {
        scope: scope.to_string(),
        ladder: LadderDoc::of(&ladder),
        updated_at: now,
    })
}

/// Removes the ladder of scope `text` (admins), so that the next in line applies.
pub async fn remove(ctx: &Context, p: &Principal, from: &ClientAddr, text: &str) -> AppResult<()> {
    crate::app::permissions::check(p, crate::app::permissions::Action::LadderWrite)?;
    let scope = scope_of(text)?;
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    if !set(&txn, &ctx.calendars.snapshot(), &scope, None, now)
        .await
        .map_err(set_error)?
    {
        return Err(AppError::NotFound(format!("no ladder is stored for {scope}")));
    }
    audit::record(
        &txn,
        Some(p.user_id),
        "ladder.remove",
        &scope.to_string(),
        serde_json::json!({}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
