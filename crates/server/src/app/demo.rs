//! The demo loaded into an empty database by `opsclock serve`: the real catalogue of the Shunyi
//! district tender (`config/catalogs/shunyi-2026.toml`: 54 units, the vendor, 54 policies and
//! 154 systems, compiled into the binary), an admin, a vendor engineer and manager, a unit manager,
//! the bureau's manager (the buyer-side reader of deductions) and a supervisor with
//! one-time passwords, and two open tickets.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Set};
use sla_clock::Severity;
use ticket_domain::{Kind, NewTicket, Policy};

use crate::app::audit::ClientAddr;
use crate::app::auth::{Role, secret};
use crate::db::entities::{policies, systems, units, users, vendors};

/// The shipped Shunyi catalogue.
pub const SHUNYI_CATALOG: &str = include_str!("../../../../config/catalogs/shunyi-2026.toml");

/// The Shunyi contract's deduction rules (`config/contracts/shunyi-2026.toml`), compiled in.
pub const SHUNYI_CONTRACT: &str = include_str!("../../../../config/contracts/shunyi-2026.toml");

/// A user the demo created, with the password to print once.
pub struct DemoLogin {
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// One-time password (must be changed after signing in).
    pub password: String,
}

/// Whether the database has no users (a fresh install).
pub async fn is_empty(db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
    Ok(users::Entity::find().count(db).await? == 0)
}

/// Loads the demo as of `now` (its two tickets were reported minutes before); returns the
/// logins to print.
///
/// Any `now` works: near a year's end the tickets' working-day deadlines may reach past the
/// calendar's published holidays, and are then counted provisionally rather than refused.
pub async fn load(
    db: &DatabaseConnection,
    calendars: &std::collections::BTreeMap<String, sla_clock::Calendar>,
    checklists: &crate::app::inspections::Checklists,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<DemoLogin>> {
    crate::app::catalog::import(
        db,
        SHUNYI_CATALOG,
        "demo: config/catalogs/shunyi-2026.toml",
        std::sync::Arc::new(calendars.clone()),
        checklists,
        false,
        None,
        &ClientAddr(Some("demo".into())),
        now,
    )
    .await?;
    let txn = crate::db::begin_write(db).await?;
    let vendor_id = vendors::Entity::find()
        .filter(vendors::Column::Code.eq("shunyi-om"))
        .one(&txn)
        .await?
        .map(|v| v.id);
    let unit_id = units::Entity::find()
        .filter(units::Column::Code.eq("qjxj"))
        .one(&txn)
        .await?
        .map(|u| u.id);
    let mut logins = Vec::new();
    let mut engineer_id = 0;
    // Escalation roles, so that the demo's outbox fills with addressed mail (example.invalid
    // addresses: nothing leaves the machine even if [mail] names a real server).
    // One account of each party: the buyer's unit manager, the vendor's engineer and manager,
    // the supervisor (监理), so that the two parties' rules can be tried (docs/evidence.md).
    for (username, display, role, unit, vendor, notify, party) in [
        (
            "admin",
            "系统管理员",
            Role::Admin,
            None,
            None,
            &["buyer_ops_lead"][..],
            None,
        ),
        (
            "engineer",
            "统一运维 值班工程师",
            Role::Engineer,
            None,
            vendor_id,
            &["on_duty"][..],
            None,
        ),
        (
            "vendor_manager",
            "统一运维 项目经理",
            Role::Manager,
            None,
            vendor_id,
            &["vendor_manager"][..],
            None,
        ),
        (
            "supervisor",
            "监理单位 监理工程师",
            Role::Engineer,
            None,
            None,
            &[][..],
            Some(crate::app::auth::PartyKind::Supervisor),
        ),
        (
            "manager",
            "区经信局 信息化负责人",
            Role::Manager,
            unit_id,
            None,
            &["unit_head"][..],
            None,
        ),
        // The bureau's own manager (no unit: every unit): the one buyer-side reader of the
        // contract deductions, which `manager` (one unit) is not shown (docs/reports.md).
        (
            "bureau_manager",
            "区经信局 统一运维项目负责人（全区）",
            Role::Manager,
            None,
            None,
            &[][..],
            Some(crate::app::auth::PartyKind::Bureau),
        ),
    ] {
        let password = secret::one_time_password();
        let u = users::ActiveModel {
            username: Set(username.into()),
            display_name: Set(display.into()),
            email: Set(Some(format!("{username}@demo.example.invalid"))),
            notify_roles: Set(Some(serde_json::json!(notify))),
            password_hash: Set(Some(secret::hash_password(&password)?)),
            role: Set(role.into()),
            unit_id: Set(unit),
            vendor_id: Set(vendor),
            party: Set(party.map(crate::db::Key)),
            disabled: Set(false),
            must_change_password: Set(true),
            mail_english: Set(false),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        if role == Role::Engineer {
            engineer_id = u.id;
        }
        logins.push(DemoLogin {
            username: username.into(),
            role,
            password,
        });
    }
    // Two open tickets, so the lists are not empty: a serious fault on the GIS platform (row 1)
    // and a general alarm on the road cameras of 空港街道 (row 129, on site within 2 h).
    let tickets = [
        (
            "sy-001",
            Kind::Fault,
            Severity::Serious,
            "基础地理信息平台 地图服务响应缓慢",
            TimeDelta::minutes(50),
        ),
        (
            "sy-129",
            Kind::Alarm,
            Severity::General,
            "空港街道道路监控 3 路摄像机离线告警",
            TimeDelta::minutes(10),
        ),
    ];
    for (code, kind, severity, title, ago) in tickets {
        let s = systems::Entity::find()
            .filter(systems::Column::Code.eq(code))
            .one(&txn)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the demo catalogue has no system {code}"))?;
        let s = &s;
        let policy: Policy = serde_json::from_value(
            policies::Entity::find_by_id(s.policy_id)
                .one(&txn)
                .await?
                .map(|p| p.targets)
                .unwrap_or_default(),
        )?;
        let names = crate::app::tickets::calendars::system_names(s);
        let measured = crate::app::tickets::calendars::TicketCalendars::new(calendars, names.clone())?;
        let new = NewTicket {
            category: None,
            kind,
            severity,
            severity_reason: Some("demo".into()),
            title: title.into(),
            description: "演示数据 (demo data)".into(),
            occurred_at: now - ago,
            received_at: now - ago + TimeDelta::minutes(2),
            service_mode: s.service_mode.parse()?,
            targets: policy.targets(kind, severity),
            reporter: Some(engineer_id),
            assignee: Some(engineer_id),
            major_event: None,
            clocks_from: None,
            immediate_from_report: true,
            outside_service: false,
            calendars: Some(names.into()),
        };
        crate::app::tickets::create(
            &txn,
            &measured,
            s.id,
            new,
            Some(engineer_id),
            now,
            Default::default(),
            None,
            false,
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo ticket: {e}"))?;
    }
    #[derive(serde::Deserialize)]
    struct Contracts {
        contracts: Vec<contract_terms::Contract>,
    }
    for c in toml::from_str::<Contracts>(SHUNYI_CONTRACT)?.contracts {
        crate::app::reports::deductions::set(&txn, c, now)
            .await
            .map_err(|e| anyhow::anyhow!("demo contract: {e}"))?;
    }
    txn.commit().await?;
    Ok(logins)
}
