//! Service dates and fees set by hand, and a re-import of the catalogue file.
//!
//! `service_start`, `service_end` and `fee_fen` can be set without an import
//! ([`super::service_edit`]: `PATCH /api/v1/systems/{id}`, the system's page). An import of a file
//! that mentions the system sets its whole `[systems.contract]`, so it would replace them. Before
//! it does, the import finds each such field and lists it ([`HandSet`]) with the value set by hand,
//! the file's value, who set it and when; the CLI prints it, the API returns it in the plan, the
//! audit log records it (`catalog.hand_set`).
//!
//! **Which value is hand-set.** A field is hand-set when the last audit entry that *changed* it is
//! a hand edit (`system.update` listing the field), not an import (`catalog.create`, or a
//! `catalog.change` whose `contract` differs in that field), and the value in the database now
//! differs from the file's. A value the file already agrees with is no conflict, and neither is
//! a value that merely differs from the file because the file was edited since the last import:
//! that is what an import is for.
//!
//! **Keeping them.** With `keep_hand_set` (`--keep-hand-set`, `?keep_hand_set=true`) each
//! hand-set field keeps its value and the rest of the file is imported as usual. The default is to
//! replace them with the file's, as before: a catalogue file is the agreed list (each row quotes
//! its contract lines), and an import is the explicit act of making the database match it; the
//! list says what that overrode. Keeping is decided per import, never remembered, so the next
//! import lists the same fields again until the file agrees with them.
//!
//! Example: portal was imported with `service_end` unset; an admin then set
//! `service_end = "2026-03-20"` by hand (the system left the contract, 核减 runs from 21 March).
//! Importing the same file again lists `portal service_end: "2026-03-20" (set by admin) → none`;
//! without `keep_hand_set` the end is cleared, with it the end stays and the import changes nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use serde_json::{Map, Value};

use super::Catalog;
use crate::db::entities::{audit_log, systems, users};

/// The fields of `[systems.contract]` that can be set by hand.
pub const FIELDS: [&str; 3] = ["service_start", "service_end", "fee_fen"];

/// A system's field whose hand-set value differs from the file's.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HandSet {
    /// The system's code.
    pub system: String,
    /// `service_start`, `service_end` or `fee_fen`.
    pub field: String,
    /// The value in the database, set by hand (`null`: cleared by hand).
    #[schema(value_type = Object)]
    pub hand_set: Value,
    /// The file's value (`null`: the file gives none).
    #[schema(value_type = Object)]
    pub file: Value,
    /// When it was set by hand.
    pub set_at: DateTime<Utc>,
    /// Who set it (user name), when a signed-in user did.
    pub set_by: Option<String>,
    /// Whether the import keeps the hand-set value (`keep_hand_set`); otherwise the file's replaces
    /// it.
    pub kept: bool,
}

/// The last hand edit of one field.
#[derive(Debug, Clone)]
struct Edit {
    at: DateTime<Utc>,
    user_id: Option<i64>,
}

/// For each (system code, field), the hand edit that last changed it, if no import changed it
/// since: read from the audit log in the order it was written.
async fn last_hand_edits(db: &impl ConnectionTrait) -> Result<BTreeMap<(String, &'static str), Edit>, DbErr> {
    // Hand edits, and imports of systems (not of policies, whose entries carry whole documents).
    let imports = Condition::all()
        .add(audit_log::Column::Action.is_in(["catalog.create", "catalog.change"]))
        .add(audit_log::Column::Target.starts_with("system:"));
    let rows = audit_log::Entity::find()
        .filter(
            Condition::any()
                .add(audit_log::Column::Action.eq("system.update"))
                .add(imports),
        )
        .order_by_asc(audit_log::Column::Id)
        .all(db)
        .await?;
    let mut out: BTreeMap<(String, &'static str), Edit> = BTreeMap::new();
    for row in rows {
        let changes = row.detail.get("changes").and_then(Value::as_array);
        match row.action.as_str() {
            "system.update" => {
                for c in changes.into_iter().flatten() {
                    let field = c.get("field").and_then(Value::as_str).unwrap_or_default();
                    if let Some(f) = FIELDS.into_iter().find(|f| *f == field) {
                        let edit = Edit {
                            at: row.at,
                            user_id: row.user_id,
                        };
                        out.insert((row.target.clone(), f), edit);
                    }
                }
            }
            "catalog.create" => {
                if let Some(code) = row.target.strip_prefix("system:") {
                    for f in FIELDS {
                        out.remove(&(code.to_owned(), f));
                    }
                }
            }
            _ => {
                let Some(code) = row.target.strip_prefix("system:") else {
                    continue;
                };
                let contract = changes
                    .into_iter()
                    .flatten()
                    .find(|c| c.get("field").and_then(Value::as_str) == Some("contract"));
                if let Some(c) = contract {
                    for f in FIELDS {
                        if field(c.get("from"), f) != field(c.get("to"), f) {
                            out.remove(&(code.to_owned(), f));
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Field `f` of a profile, `null` when absent.
fn field(profile: Option<&Value>, f: &str) -> Value {
    profile.and_then(|p| p.get(f)).cloned().unwrap_or(Value::Null)
}

/// The hand-set fields of the systems `cat` mentions whose value differs from the file's, in file
/// order; with `keep`, `cat` is changed to keep each of them (so the plan and the import leave
/// them as they are).
pub async fn reconcile(
    db: &impl ConnectionTrait,
    stored: &BTreeMap<String, systems::Model>,
    cat: &mut Catalog,
    keep: bool,
) -> Result<Vec<HandSet>, DbErr> {
    let edits = last_hand_edits(db).await?;
    if edits.is_empty() {
        return Ok(Vec::new());
    }
    let mut names: BTreeMap<i64, String> = BTreeMap::new();
    let mut out = Vec::new();
    for def in &mut cat.systems {
        let Some(row) = stored.get(&def.code) else { continue };
        let (file_profile, first) = (def.profile.clone(), out.len());
        for f in FIELDS {
            let Some(edit) = edits.get(&(def.code.clone(), f)) else {
                continue;
            };
            let (now, file) = (field(row.profile.as_ref(), f), field(def.profile.as_ref(), f));
            if now == file {
                continue;
            }
            let set_by = match edit.user_id {
                Some(id) => match names.get(&id) {
                    Some(n) => Some(n.clone()),
                    None => {
                        let n = users::Entity::find_by_id(id).one(db).await?.map(|u| u.username);
                        if let Some(n) = &n {
                            names.insert(id, n.clone());
                        }
                        n
                    }
                },
                None => None,
            };
            if keep {
                def.profile = with_field(def.profile.take(), f, &now);
            }
            out.push(HandSet {
                system: def.code.clone(),
                field: f.to_owned(),
                hand_set: now,
                file,
                set_at: edit.at,
                set_by,
                kept: keep,
            });
        }
        // A kept date must still make a service period the file's check would accept: a
        // hand-set start after the file's new end is not kept (both dates come from the file).
        let dates = |p: &Option<Value>| (field(p.as_ref(), "service_start"), field(p.as_ref(), "service_end"));
        if keep
            && let (Value::String(start), Value::String(end)) = dates(&def.profile)
            && start > end
        {
            tracing::warn!(system = %def.code, %start, %end, "hand-set service dates not kept: the start would follow the end");
            def.profile = file_profile;
            for h in &mut out[first..] {
                h.kept = false;
            }
        }
    }
    Ok(out)
}

/// `profile` with field `f` set to `v` (removed for `null`); none when nothing is left.
fn with_field(profile: Option<Value>, f: &str, v: &Value) -> Option<Value> {
    let mut map = match profile {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    if v.is_null() {
        map.remove(f);
    } else {
        map.insert(f.to_owned(), v.clone());
    }
    (!map.is_empty()).then_some(Value::Object(map))
}

/// One line of the plan as the CLI prints it, e.g.
/// `hand-set system portal service_end: "2026-03-20" (by admin, 2026-11-25 02:00 UTC) -> file (none): replaced`.
pub fn describe(h: &HandSet) -> String {
    let show = |v: &Value| match v {
        Value::Null => "(none)".to_owned(),
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    let by = h.set_by.as_deref().map_or_else(String::new, |u| format!("by {u}, "));
    let outcome = if h.kept {
        "kept (--keep-hand-set)"
    } else {
        "replaced by the file's"
    };
    format!(
        "hand-set system {} {}: {} ({by}{}) -> file {}: {outcome}",
        h.system,
        h.field,
        show(&h.hand_set),
        h.set_at.format("%Y-%m-%d %H:%M UTC"),
        show(&h.file)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeping_a_field_sets_or_removes_it_and_leaves_the_others() {
        let file = Some(json!({"source": "004:1-2", "service_end": "2026-12"}));
        assert_eq!(
            with_field(file.clone(), "service_end", &json!("2026-03-20")),
            Some(json!({"source": "004:1-2", "service_end": "2026-03-20"}))
        );
        assert_eq!(
            with_field(file, "service_end", &Value::Null),
            Some(json!({"source": "004:1-2"}))
        );
        assert_eq!(with_field(None, "fee_fen", &Value::Null), None);
        assert_eq!(with_field(None, "fee_fen", &json!(100)), Some(json!({"fee_fen": 100})));
    }

    #[test]
    fn a_line_names_the_system_the_field_both_values_and_the_outcome() {
        let h = HandSet {
            system: "portal".into(),
            field: "service_end".into(),
            hand_set: json!("2026-03-20"),
            file: Value::Null,
            set_at: "2026-11-25T02:00:00Z".parse().unwrap(),
            set_by: Some("admin".into()),
            kept: false,
        };
        assert_eq!(
            describe(&h),
            "hand-set system portal service_end: \"2026-03-20\" (by admin, 2026-11-25 02:00 UTC) -> file (none): \
             replaced by the file's"
        );
        let kept = HandSet { kept: true, ..h };
        assert!(describe(&kept).ends_with("kept (--keep-hand-set)"));
    }
}
