//! The catalogue and the database: what an import would do ([`Current::plan`]) and doing it
//! ([`apply`], one transaction, audited). Writing the database back as a file is
//! [`super::export`].
//!
//! Entries are matched by code. An import creates what is missing, changes what differs and
//! leaves everything else alone, including rows the file does not mention: importing a file that
//! only lists new systems never removes the others. Importing the same file twice changes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use serde_json::{Value, json};

use super::json::{categories_json, leaves, recurrence_json, short, targets_json};
use super::{Catalog, Known, OrgDef, PolicyDef};
use crate::app::audit::{self, ClientAddr};
use crate::db::entities::{policies, system_vendors, systems, units, vendors};

/// What happens to one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Not in the database yet.
    Create,
    /// In the database with different values.
    Change,
    /// In the database exactly as in the file.
    Unchanged,
}

/// One field that changes.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FieldChange {
    /// Field name.
    pub field: String,
    /// Value now.
    #[schema(value_type = Object)]
    pub from: Value,
    /// Value after the import.
    #[schema(value_type = Object)]
    pub to: Value,
}

/// One entry of the file and what the import does with it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PlanEntry {
    /// unit, vendor, policy or system.
    pub entity: &'static str,
    /// Its code.
    pub code: String,
    /// What happens.
    pub action: Action,
    /// The fields that change (for `change`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<FieldChange>,
}

/// An entry in the database that the file does not mention; an import leaves it alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Kept {
    /// unit, vendor, policy or system.
    pub entity: &'static str,
    /// Its code.
    pub code: String,
}

/// What an import does.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Plan {
    /// Every entry of the file, in file order (units, vendors, policies, systems).
    pub entries: Vec<PlanEntry>,
    /// Database entries the file does not mention.
    pub kept: Vec<Kept>,
    /// Service dates and fees set by hand that differ from the file's ([`super::hand_set`]).
    pub hand_set: Vec<super::hand_set::HandSet>,
}

impl Plan {
    /// How many entries take `action`.
    pub fn count(&self, action: Action) -> usize {
        self.entries.iter().filter(|e| e.action == action).count()
    }

    /// Whether the import changes nothing.
    pub fn is_noop(&self) -> bool {
        self.count(Action::Unchanged) == self.entries.len()
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.entries {
            match e.action {
                Action::Create => writeln!(f, "create {} {}", e.entity, e.code)?,
                Action::Change => {
                    writeln!(f, "change {} {}", e.entity, e.code)?;
                    for c in &e.changes {
                        if c.from.is_object() && c.to.is_object() {
                            // Documents: name the leaves that differ, not two long JSON texts.
                            let (a, b) = (leaves(&c.from), leaves(&c.to));
                            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
                            for k in keys.into_iter().filter(|k| a.get(*k) != b.get(*k)) {
                                let show = |v: Option<&Value>| v.map_or_else(|| "(none)".to_owned(), short);
                                writeln!(f, "    {}.{k}: {} -> {}", c.field, show(a.get(k)), show(b.get(k)))?;
                            }
                        } else {
                            writeln!(f, "    {}: {} -> {}", c.field, short(&c.from), short(&c.to))?;
                        }
                    }
                }
                Action::Unchanged => {}
            }
        }
        for k in &self.kept {
            writeln!(f, "keep   {} {} (in the database, not in the file)", k.entity, k.code)?;
        }
        for h in &self.hand_set {
            writeln!(f, "{}", super::hand_set::describe(h))?;
        }
        write!(
            f,
            "{} to create, {} to change, {} unchanged, {} not in the file (kept)",
            self.count(Action::Create),
            self.count(Action::Change),
            self.count(Action::Unchanged),
            self.kept.len()
        )
    }
}

/// Everything catalogue-shaped in the database, by code: read once per import, then used to check
/// the file's references, to plan and to apply.
pub struct Current {
    units: BTreeMap<String, units::Model>,
    vendors: BTreeMap<String, vendors::Model>,
    policies: BTreeMap<String, policies::Model>,
    systems: BTreeMap<String, systems::Model>,
    system_vendors: BTreeMap<i64, BTreeSet<i64>>,
    codes: Codes,
}

impl Current {
    /// Reads the catalogue rows of the database.
    pub async fn load(db: &impl ConnectionTrait) -> Result<Current, DbErr> {
        let mut system_vendors: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
        for link in system_vendors::Entity::find().all(db).await? {
            system_vendors.entry(link.system_id).or_default().insert(link.vendor_id);
        }
        let units = by_code(units::Entity::find().all(db).await?, |r| &r.code);
        let vendors = by_code(vendors::Entity::find().all(db).await?, |r| &r.code);
        let policies = by_code(policies::Entity::find().all(db).await?, |r| &r.code);
        let codes = Codes {
            units: units.values().map(|r| (r.id, r.code.clone())).collect(),
            vendors: vendors.values().map(|r| (r.id, r.code.clone())).collect(),
            policies: policies.values().map(|r| (r.id, r.code.clone())).collect(),
        };
        Ok(Current {
            units,
            vendors,
            policies,
            systems: by_code(systems::Entity::find().all(db).await?, |r| &r.code),
            system_vendors,
            codes,
        })
    }

    /// The codes in the database, the loaded calendars and checklists, for checking a file's
    /// references; its policies' targets are counted in those calendars from `now`.
    pub fn known(
        &self,
        calendars: std::sync::Arc<std::collections::BTreeMap<String, sla_clock::Calendar>>,
        checklists: &crate::app::inspections::Checklists,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Known {
        Known {
            units: self.units.keys().cloned().collect(),
            vendors: self.vendors.keys().cloned().collect(),
            policies: self.policies.keys().cloned().collect(),
            calendars: calendars.keys().cloned().collect(),
            checklists: Some(checklists.all().map(|c| c.code.clone()).collect()),
            counting: Some(super::check::Counting::known(calendars, now)),
        }
    }

    /// What importing `cat` would do, without doing it.
    pub fn plan(&self, cat: &Catalog) -> Plan {
        compute(self, cat)
    }

    /// The systems in the database, by code.
    pub(super) fn systems(&self) -> &BTreeMap<String, systems::Model> {
        &self.systems
    }

    pub(super) fn unit_code(&self, id: i64) -> String {
        self.codes.units.get(&id).cloned().unwrap_or_default()
    }

    pub(super) fn policy_code(&self, id: i64) -> String {
        self.codes.policies.get(&id).cloned().unwrap_or_default()
    }

    pub(super) fn vendor_codes(&self, system_id: i64) -> Vec<String> {
        let mut codes: Vec<String> = self
            .system_vendors
            .get(&system_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.codes.vendors.get(id).cloned())
            .collect();
        codes.sort();
        codes
    }
}

/// Codes by id, so that the plan looks each up once instead of scanning every row per system.
#[derive(Debug, Default)]
struct Codes {
    units: BTreeMap<i64, String>,
    vendors: BTreeMap<i64, String>,
    policies: BTreeMap<i64, String>,
}

fn by_code<T>(rows: Vec<T>, code: impl Fn(&T) -> &String) -> BTreeMap<String, T> {
    rows.into_iter().map(|r| (code(&r).clone(), r)).collect()
}

fn change(changes: &mut Vec<FieldChange>, field: &str, from: Value, to: Value) {
    if from != to {
        changes.push(FieldChange {
            field: field.to_owned(),
            from,
            to,
        });
    }
}

fn entry(entity: &'static str, code: &str, exists: bool, changes: Vec<FieldChange>) -> PlanEntry {
    let action = match (exists, changes.is_empty()) {
        (false, _) => Action::Create,
        (true, true) => Action::Unchanged,
        (true, false) => Action::Change,
    };
    PlanEntry {
        entity,
        code: code.to_owned(),
        action,
        changes: if exists { changes } else { Vec::new() },
    }
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

fn compute(current: &Current, cat: &Catalog) -> Plan {
    let mut plan = Plan::default();
    for (entity, defs, rows) in [
        (
            "unit",
            &cat.units,
            current
                .units
                .iter()
                .map(|(c, r)| (c, &r.name))
                .collect::<BTreeMap<_, _>>(),
        ),
        (
            "vendor",
            &cat.vendors,
            current.vendors.iter().map(|(c, r)| (c, &r.name)).collect(),
        ),
    ] {
        for o in defs {
            let row = rows.get(&o.code);
            let mut ch = Vec::new();
            if let Some(name) = row {
                change(&mut ch, "name", json!(name), json!(o.name));
            }
            plan.entries.push(entry(entity, &o.code, row.is_some(), ch));
        }
    }
    for p in &cat.policies {
        let row = current.policies.get(&p.code);
        let mut ch = Vec::new();
        if let Some(r) = row {
            change(&mut ch, "name", json!(r.name), json!(p.name));
            change(&mut ch, "targets", r.targets.clone(), targets_json(&p.targets));
            change(
                &mut ch,
                "document",
                r.document.clone().unwrap_or(Value::Null),
                p.document.clone().unwrap_or(Value::Null),
            );
            change(
                &mut ch,
                "categories",
                r.categories.clone().unwrap_or(Value::Null),
                categories_json(&p.categories).unwrap_or(Value::Null),
            );
            change(
                &mut ch,
                "recurrence",
                r.recurrence.clone().unwrap_or(Value::Null),
                recurrence_json(p.recurrence.as_ref()).unwrap_or(Value::Null),
            );
        }
        plan.entries.push(entry("policy", &p.code, row.is_some(), ch));
    }
    for s in &cat.systems {
        let row = current.systems.get(&s.code);
        let mut ch = Vec::new();
        if let Some(r) = row {
            change(&mut ch, "name", json!(r.name), json!(s.name));
            change(&mut ch, "unit", json!(current.unit_code(r.unit_id)), json!(s.unit));
            change(
                &mut ch,
                "vendors",
                json!(current.vendor_codes(r.id)),
                json!(sorted(&s.vendors)),
            );
            change(
                &mut ch,
                "policy",
                json!(current.policy_code(r.policy_id)),
                json!(s.policy),
            );
            change(&mut ch, "calendar", json!(r.calendar), json!(s.calendar));
            change(
                &mut ch,
                "clock_calendars",
                r.clock_calendars.clone().unwrap_or(Value::Null),
                s.clock_calendars.clone().unwrap_or(Value::Null),
            );
            change(&mut ch, "service_mode", json!(r.service_mode), json!(s.service_mode));
            change(
                &mut ch,
                "contract",
                r.profile.clone().unwrap_or(Value::Null),
                s.profile.clone().unwrap_or(Value::Null),
            );
        }
        plan.entries.push(entry("system", &s.code, row.is_some(), ch));
    }
    let in_file: BTreeSet<(&str, &str)> = plan.entries.iter().map(|e| (e.entity, e.code.as_str())).collect();
    let mentioned = |entity: &str, code: &str| in_file.contains(&(entity, code));
    let mut kept = Vec::new();
    for (entity, codes) in [
        ("unit", current.units.keys().collect::<Vec<_>>()),
        ("vendor", current.vendors.keys().collect()),
        ("policy", current.policies.keys().collect()),
        ("system", current.systems.keys().collect()),
    ] {
        for code in codes {
            if !mentioned(entity, code) {
                kept.push(Kept {
                    entity,
                    code: code.clone(),
                });
            }
        }
    }
    plan.kept = kept;
    plan
}

/// Imports `cat` inside the caller's transaction, in which `current` was read: creates and changes
/// as [`Current::plan`] says, audits each created or changed entry and the import as a whole (all
/// at `now`), and returns the plan it carried out.
pub async fn apply(
    txn: &impl ConnectionTrait,
    current: &Current,
    cat: &Catalog,
    user_id: Option<i64>,
    from: &ClientAddr,
    source: &str,
    now: DateTime<Utc>,
) -> Result<Plan, DbErr> {
    let plan = compute(current, cat);
    let mut unit_ids: BTreeMap<String, i64> = current.units.iter().map(|(c, r)| (c.clone(), r.id)).collect();
    let mut vendor_ids: BTreeMap<String, i64> = current.vendors.iter().map(|(c, r)| (c.clone(), r.id)).collect();
    let mut policy_ids: BTreeMap<String, i64> = current.policies.iter().map(|(c, r)| (c.clone(), r.id)).collect();
    // The first entry of a code decides, as a scan from the top would (codes are unique in a
    // checked file anyway).
    let mut actions: BTreeMap<(&str, &str), Action> = BTreeMap::new();
    for e in &plan.entries {
        actions.entry((e.entity, e.code.as_str())).or_insert(e.action);
    }
    let action_of = |entity: &str, code: &str| actions.get(&(entity, code)).copied().unwrap_or(Action::Unchanged);

    // Units and vendors have the same shape: create by code, or rename.
    macro_rules! apply_orgs {
        ($module:ident, $entity:literal, $defs:expr, $ids:ident) => {
            for OrgDef { code, name } in $defs {
                match action_of($entity, code) {
                    Action::Create => {
                        let row = $module::ActiveModel {
                            code: Set(code.clone()),
                            name: Set(name.clone()),
                            created_at: Set(now),
                            ..Default::default()
                        }
                        .insert(txn)
                        .await?;
                        $ids.insert(code.clone(), row.id);
                    }
                    Action::Change => {
                        $module::Entity::update_many()
                            .col_expr($module::Column::Name, name.clone().into())
                            .filter($module::Column::Code.eq(code.as_str()))
                            .exec(txn)
                            .await?;
                    }
                    Action::Unchanged => {}
                }
            }
        };
    }
    apply_orgs!(units, "unit", &cat.units, unit_ids);
    apply_orgs!(vendors, "vendor", &cat.vendors, vendor_ids);
    for PolicyDef {
        code,
        name,
        targets,
        document,
        categories,
        recurrence,
    } in &cat.policies
    {
        match action_of("policy", code) {
            Action::Create => {
                let row = policies::ActiveModel {
                    code: Set(code.clone()),
                    name: Set(name.clone()),
                    targets: Set(targets_json(targets)),
                    document: Set(document.clone()),
                    categories: Set(categories_json(categories)),
                    recurrence: Set(recurrence_json(recurrence.as_ref())),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                policy_ids.insert(code.clone(), row.id);
            }
            Action::Change => {
                policies::Entity::update_many()
                    .col_expr(policies::Column::Name, name.clone().into())
                    .col_expr(policies::Column::Targets, targets_json(targets).into())
                    .col_expr(policies::Column::Document, document.clone().into())
                    .col_expr(policies::Column::Categories, categories_json(categories).into())
                    .col_expr(
                        policies::Column::Recurrence,
                        recurrence_json(recurrence.as_ref()).into(),
                    )
                    .col_expr(policies::Column::UpdatedAt, now.into())
                    .filter(policies::Column::Code.eq(code.as_str()))
                    .exec(txn)
                    .await?;
            }
            Action::Unchanged => {}
        }
    }
    let id_of = |ids: &BTreeMap<String, i64>, what: &str, code: &str| {
        ids.get(code)
            .copied()
            .ok_or_else(|| DbErr::Custom(format!("{what} {code:?} vanished during the import")))
    };
    for s in &cat.systems {
        let action = action_of("system", &s.code);
        if action == Action::Unchanged {
            continue;
        }
        let unit_id = id_of(&unit_ids, "unit", &s.unit)?;
        let policy_id = id_of(&policy_ids, "policy", &s.policy)?;
        let system_id = match (action, current.systems.get(&s.code)) {
            (Action::Change, Some(row)) => {
                systems::Entity::update_many()
                    .col_expr(systems::Column::Name, s.name.clone().into())
                    .col_expr(systems::Column::UnitId, unit_id.into())
                    .col_expr(systems::Column::PolicyId, policy_id.into())
                    .col_expr(systems::Column::Calendar, s.calendar.clone().into())
                    .col_expr(systems::Column::ClockCalendars, s.clock_calendars.clone().into())
                    .col_expr(systems::Column::ServiceMode, s.service_mode.clone().into())
                    .col_expr(systems::Column::Profile, s.profile.clone().into())
                    .col_expr(systems::Column::Version, (row.version + 1).into())
                    .col_expr(systems::Column::UpdatedAt, now.into())
                    .filter(systems::Column::Id.eq(row.id))
                    .exec(txn)
                    .await?;
                system_vendors::Entity::delete_many()
                    .filter(system_vendors::Column::SystemId.eq(row.id))
                    .exec(txn)
                    .await?;
                if row.policy_id != policy_id {
                    crate::app::escalation::ladders::wake_system(txn, row.id, now).await?;
                }
                row.id
            }
            _ => {
                systems::ActiveModel {
                    code: Set(s.code.clone()),
                    name: Set(s.name.clone()),
                    unit_id: Set(unit_id),
                    policy_id: Set(policy_id),
                    calendar: Set(s.calendar.clone()),
                    clock_calendars: Set(s.clock_calendars.clone()),
                    service_mode: Set(s.service_mode.clone()),
                    profile: Set(s.profile.clone()),
                    created_at: Set(now),
                    updated_at: Set(now),
                    version: Set(1),
                    ..Default::default()
                }
                .insert(txn)
                .await?
                .id
            }
        };
        for v in &s.vendors {
            system_vendors::ActiveModel {
                system_id: Set(system_id),
                vendor_id: Set(id_of(&vendor_ids, "vendor", v)?),
            }
            .insert(txn)
            .await?;
        }
    }

    for e in plan.entries.iter().filter(|e| e.action != Action::Unchanged) {
        let (action, detail) = match e.action {
            Action::Create => ("catalog.create", json!({"source": source})),
            _ => (
                "catalog.change",
                json!({"source": source, "changes": serde_json::to_value(&e.changes).unwrap_or(Value::Null)}),
            ),
        };
        audit::record(
            txn,
            user_id,
            action,
            &format!("{}:{}", e.entity, e.code),
            detail,
            from,
            now,
        )
        .await?;
    }
    audit::record(
        txn,
        user_id,
        "catalog.import",
        source,
        json!({
            "created": plan.count(Action::Create),
            "changed": plan.count(Action::Change),
            "unchanged": plan.count(Action::Unchanged),
            "kept": plan.kept.len(),
        }),
        from,
        now,
    )
    .await?;
    Ok(plan)
}
