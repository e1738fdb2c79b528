//! The period's tickets by kind and category (分类统计): how many of each of the contract's classes
//! of work were received, resolved, voided, are still open, and breached a clock. Seed 002 wants
//! events "分类统计、历史对比" (L667–671), seed 003 a closed loop over "各类服务请求、资源申请、账号
//! 管理及数据处理" (L773); the categories are the policies' (docs/catalog.md, "Categories").
//!
//! Tickets not sorted yet are a row of their own per kind (category none, 未分类), so the rows of
//! a kind always add up to the kind's tickets. A code no policy lists any more (the list was
//! edited after the ticket was sorted) is shown as its code.
//!
//! ```text
//! kind     category          received resolved open cancelled breached
//! request  account 账号管理          3        2    1         0        0
//! request  data    数据处理          1        1    0         0        1
//! request  —       未分类            2        0    2         0        0
//! ```

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use serde::Serialize;
use ticket_domain::{Categories, Kind, Status};
use utoipa::ToSchema;

use super::sql::{Scope, Sql, int};
use crate::db::entities::policies;

/// The tickets of one kind and category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CategoryCount {
    /// fault, request, security or alarm.
    pub kind: String,
    /// The category's code; none for the unsorted.
    pub category: Option<String>,
    /// Its name as the policies list it (`账号管理`); none for the unsorted, and for a code no
    /// policy lists.
    pub name: Option<String>,
    /// Received in the period.
    pub received: i64,
    /// Of those, resolved or closed.
    pub resolved: i64,
    /// Still open.
    pub open: i64,
    /// Cancelled (duplicate, withdrawn).
    pub cancelled: i64,
    /// With a clock that counts as breached at the report's instant.
    pub breached: i64,
}

/// Every category code the policies list, with its name and its place (policy by code, then the
/// list's order): the first policy's name wins where two policies share a code.
pub async fn names(db: &impl ConnectionTrait) -> Result<BTreeMap<String, (usize, String)>, DbErr> {
    Ok(names_of(&policies::Entity::find().all(db).await?))
}

/// [`names`] over policy rows already read.
fn names_of(rows: &[policies::Model]) -> BTreeMap<String, (usize, String)> {
    let mut rows: Vec<&policies::Model> = rows.iter().collect();
    rows.sort_by(|a, b| a.code.cmp(&b.code));
    let mut out = BTreeMap::new();
    for p in rows {
        let Some(v) = p.categories.clone() else { continue };
        let Ok(list) = serde_json::from_value::<Categories>(v) else {
            tracing::warn!(policy = %p.code, "categories cannot be read; left out of the names");
            continue;
        };
        for c in list.0 {
            let place = out.len();
            out.entry(c.code).or_insert((place, c.name));
        }
    }
    out
}

/// Category names as each system's policy lists them: a ticket's category is named by its own
/// contract's words, even where two policies use one code for different names.
pub struct Names {
    by_system: std::collections::HashMap<i64, BTreeMap<String, String>>,
    all: BTreeMap<String, (usize, String)>,
}

impl Names {
    /// Every system's policy's names.
    pub async fn load(db: &impl ConnectionTrait) -> Result<Names, DbErr> {
        let rows = policies::Entity::find().all(db).await?;
        let mut per_policy: std::collections::HashMap<i64, BTreeMap<String, String>> = Default::default();
        for p in &rows {
            let list: Categories = p
                .categories
                .clone()
                .and_then(|v| serde_json::from_value(v).ok())
                .unwrap_or_default();
            per_policy.insert(p.id, list.0.into_iter().map(|c| (c.code, c.name)).collect());
        }
        let by_system = crate::db::entities::systems::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, per_policy.get(&s.policy_id).cloned().unwrap_or_default()))
            .collect();
        Ok(Names {
            by_system,
            all: names_of(&rows),
        })
    }

    /// The name of `code` on system `system_id`: its policy's, else any policy's, else the code.
    pub fn of(&self, system_id: i64, code: &str) -> String {
        self.by_system
            .get(&system_id)
            .and_then(|m| m.get(code))
            .or_else(|| self.all.get(code).map(|(_, n)| n))
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    }

    /// `code` as a line of the record shows it: its name ([`Names::of`]) with the code beside it,
    /// `潜伏故障 (latent)`; the code alone where no policy lists it (a category since removed).
    pub fn labelled(&self, system_id: i64, code: &str) -> String {
        let name = self.of(system_id, code);
        if name == code { name } else { format!("{name} ({code})") }
    }
}

/// The scope's tickets by kind and category, kinds in their order, categories in the policies'
/// order, the unsorted last.
pub async fn list(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<CategoryCount>, DbErr> {
    let mut q = Sql::new(db);
    q.push("SELECT t.kind AS kind, t.category AS category, COUNT(*) AS received, ")
        .push("CAST(SUM(CASE WHEN t.status IN (")
        .keys(&[Status::Resolved, Status::Closed])
        .push(") THEN 1 ELSE 0 END) AS BIGINT) AS resolved, ")
        .push("CAST(SUM(CASE WHEN t.status IN (")
        .keys(&[Status::Cancelled])
        .push(") THEN 1 ELSE 0 END) AS BIGINT) AS cancelled, ")
        .push("CAST(SUM(CASE WHEN ")
        .ticket_breached(scope.as_of)
        .push(" THEN 1 ELSE 0 END) AS BIGINT) AS breached")
        .from_scope(scope)
        .push(" GROUP BY t.kind, t.category");
    let names = names(db).await?;
    let mut out = Vec::new();
    for row in q.all(db).await? {
        let kind: String = row.try_get("", "kind")?;
        let category: Option<String> = row.try_get("", "category")?;
        let (received, resolved, cancelled) = (int(&row, "received")?, int(&row, "resolved")?, int(&row, "cancelled")?);
        out.push(CategoryCount {
            name: category.as_ref().and_then(|c| names.get(c)).map(|(_, n)| n.clone()),
            kind,
            category,
            received,
            resolved,
            open: received - resolved - cancelled,
            cancelled,
            breached: int(&row, "breached")?,
        });
    }
    let kind_place = |k: &str| Kind::ALL.iter().position(|x| x.key() == k).unwrap_or(usize::MAX);
    out.sort_by_key(|r| {
        let place = match &r.category {
            Some(c) => names
                .get(c)
                .map_or((1, usize::MAX, c.clone()), |(i, _)| (0, *i, c.clone())),
            None => (2, 0, String::new()),
        };
        (kind_place(&r.kind), place)
    });
    Ok(out)
}
