//! The database's catalogue written back as a file (`opsclock catalog export`,
//! `GET /api/v1/catalog/export`), and the names of units and vendors by id.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder};
use toml::Spanned;

use super::check::PolicyDocument;
use super::file::{CatalogFile, ContractFacts, FORMAT, OrgEntry, PolicyEntry, SystemEntry};
use super::store::Current;
use crate::db::entities::{policies, systems, units, vendors};

/// The database's catalogue as a file, in creation order.
pub async fn export(db: &impl ConnectionTrait) -> Result<CatalogFile, DbErr> {
    let current = Current::load(db).await?;
    let org = |code: &str, name: &str| {
        Spanned::new(
            0..0,
            OrgEntry {
                code: code.to_owned(),
                name: name.to_owned(),
            },
        )
    };
    let units = units::Entity::find().order_by_asc(units::Column::Id).all(db).await?;
    let vendors = vendors::Entity::find()
        .order_by_asc(vendors::Column::Id)
        .all(db)
        .await?;
    let policies = policies::Entity::find()
        .order_by_asc(policies::Column::Id)
        .all(db)
        .await?;
    let systems = systems::Entity::find()
        .order_by_asc(systems::Column::Id)
        .all(db)
        .await?;
    let mut out = CatalogFile {
        format: FORMAT,
        units: units.iter().map(|u| org(&u.code, &u.name)).collect(),
        vendors: vendors.iter().map(|v| org(&v.code, &v.name)).collect(),
        ..Default::default()
    };
    for p in policies {
        let categories: Vec<ticket_domain::CategoryDef> = match &p.categories {
            Some(v) => serde_json::from_value(v.clone()).map_err(|e| DbErr::Json(e.to_string()))?,
            None => Vec::new(),
        };
        let recurrence: Option<ticket_domain::Recurrence> = match &p.recurrence {
            Some(v) => Some(serde_json::from_value(v.clone()).map_err(|e| DbErr::Json(e.to_string()))?),
            None => None,
        };
        let document: Option<PolicyDocument> = p.document.clone().and_then(|d| serde_json::from_value(d).ok());
        let entry = match document {
            Some(d) => PolicyEntry {
                code: p.code,
                name: p.name,
                applies_to: d.applies_to,
                note: d.note,
                tiers: d.tiers,
                major_event: d.major_event,
                clock_start: d.clock_start,
                targets: None,
                categories,
                recurrence: recurrence.clone(),
            },
            None => PolicyEntry {
                code: p.code,
                name: p.name,
                applies_to: None,
                note: None,
                tiers: Vec::new(),
                major_event: None,
                clock_start: None,
                targets: Some(serde_json::from_value(p.targets).map_err(|e| DbErr::Json(e.to_string()))?),
                categories,
                recurrence: recurrence.clone(),
            },
        };
        out.policies.push(Spanned::new(0..0, entry));
    }
    for s in systems {
        let contract: Option<ContractFacts> = s.profile.clone().and_then(|p| serde_json::from_value(p).ok());
        out.systems.push(Spanned::new(
            0..0,
            SystemEntry {
                unit: current.unit_code(s.unit_id),
                vendors: current.vendor_codes(s.id),
                policy: current.policy_code(s.policy_id),
                code: s.code,
                name: s.name,
                calendar: s.calendar,
                clock_calendars: crate::app::tickets::calendars::keyed(s.clock_calendars.as_ref()),
                service_mode: s.service_mode,
                contract,
            },
        ));
    }
    Ok(out)
}

/// Every buyer unit's name, by id (a small table, read whole).
pub async fn unit_names(db: &impl ConnectionTrait) -> Result<BTreeMap<i64, String>, DbErr> {
    Ok(units::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

/// Every system's code, by id (reports name systems by code).
pub async fn system_codes(db: &impl ConnectionTrait) -> Result<BTreeMap<i64, String>, DbErr> {
    Ok(systems::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.code))
        .collect())
}

/// Every vendor's name, by id.
pub async fn vendor_names(db: &impl ConnectionTrait) -> Result<BTreeMap<i64, String>, DbErr> {
    Ok(vendors::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.id, v.name))
        .collect())
}
