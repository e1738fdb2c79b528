//! The demo loaded into an empty database by `opsclock serve`: two buyer units, two vendors,
//! two policies with deadlines taken from the Shunyi tender (`shared/data`), four systems, an
//! admin and a vendor engineer with one-time passwords, and two tickets.

use chrono::{TimeDelta, Utc};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Set};
use sla_clock::Severity;
use ticket_domain::{Kind, NewTicket, Policy, ServiceMode, Targets};

use crate::auth::secret;
use crate::db::entities::{policies, system_vendors, systems, units, users, vendors};

/// A user the demo created, with the password to print once.
pub struct DemoLogin {
    /// Login name.
    pub username: String,
    /// Role.
    pub role: &'static str,
    /// One-time password (must be changed after signing in).
    pub password: String,
}

fn d(s: &str) -> Option<sla_clock::SlaDuration> {
    s.parse().ok()
}

/// The two tiers templates the tender uses most (faults, alarms and security events alike;
/// requests get a 15-minute response, the tender's 「收到请求后 15 分钟内启动响应支持」).
fn policy(template: &[(Severity, &str, Option<&str>, &str)]) -> Policy {
    let mut p = Policy::default();
    for (sev, response, arrival, repair) in template {
        let t = Targets {
            response: d(response),
            arrival: arrival.and_then(d),
            repair: d(repair),
            repair_from_arrival: false,
        };
        for kind in [Kind::Fault, Kind::Alarm, Kind::Security] {
            p.set(kind, *sev, t);
        }
        p.set(
            Kind::Request,
            *sev,
            Targets {
                response: d("15m"),
                arrival: None,
                repair: None,
                repair_from_arrival: false,
            },
        );
    }
    p
}

/// Whether the database has no users (a fresh install).
pub async fn is_empty(db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
    Ok(users::Entity::find().count(db).await? == 0)
}

/// Loads the demo; returns the logins to print.
pub async fn load(
    db: &DatabaseConnection,
    calendars: &std::collections::BTreeMap<String, sla_clock::Calendar>,
) -> anyhow::Result<Vec<DemoLogin>> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let mut unit_ids = Vec::new();
    for (code, name) in [("JXJ", "区经信局"), ("WJW", "区卫健委")] {
        let u = units::ActiveModel {
            code: Set(code.into()),
            name: Set(name.into()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        unit_ids.push(u.id);
    }
    let mut vendor_ids = Vec::new();
    for (code, name) in [("HUAXIN", "华信运维服务有限公司"), ("JINGYUN", "京云数据科技有限公司")] {
        let v = vendors::ActiveModel {
            code: Set(code.into()),
            name: Set(name.into()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        vendor_ids.push(v.id);
    }
    use Severity::*;
    // 8h·7wd / 4h·48h / 1h·24h / 30min·8h (row 1, 智慧顺义基础地理信息平台, and many others).
    let remote = policy(&[
        (Minor, "8h", None, "7wd"),
        (General, "4h", None, "48h"),
        (Serious, "1h", None, "24h"),
        (Urgent, "30m", None, "8h"),
    ]);
    // 4h·5wd / 2h·24h / 30min·8h / 15min·4h, on site within 2 h for serious and urgent faults.
    let on_site = policy(&[
        (Minor, "4h", None, "5wd"),
        (General, "2h", None, "24h"),
        (Serious, "30m", Some("2h"), "8h"),
        (Urgent, "15m", Some("2h"), "4h"),
    ]);
    let mut policy_ids = Vec::new();
    for (code, name, p) in [
        ("TENDER-A", "远程支持 8h·7wd / 4h·48h / 1h·24h / 30min·8h", remote),
        ("TENDER-B", "远程+现场 4h·5wd / 2h·24h / 30min·8h / 15min·4h", on_site),
    ] {
        let row = policies::ActiveModel {
            code: Set(code.into()),
            name: Set(name.into()),
            targets: Set(serde_json::to_value(&p)?),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        policy_ids.push(row.id);
    }
    let systems_def = [
        ("GIS", "智慧顺义基础地理信息平台", 0, 0, 0, "24x7", ServiceMode::Remote),
        (
            "OA",
            "区级协同办公系统",
            0,
            1,
            1,
            "cn-5x8",
            ServiceMode::RemoteAndOnSite,
        ),
        ("HIS", "区域卫生信息平台", 1, 1, 1, "24x7", ServiceMode::RemoteAndOnSite),
        ("VIDEO", "视频会议系统", 1, 1, 0, "cn-5x8", ServiceMode::OnSite),
    ];
    let mut system_rows = Vec::new();
    for (code, name, unit, vendor, policy, calendar, mode) in systems_def {
        if !calendars.contains_key(calendar) {
            anyhow::bail!("the demo needs calendar {calendar:?}, which is not loaded");
        }
        let s = systems::ActiveModel {
            code: Set(code.into()),
            name: Set(name.into()),
            unit_id: Set(unit_ids[unit]),
            policy_id: Set(policy_ids[policy]),
            calendar: Set(calendar.into()),
            service_mode: Set(mode.key().into()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        system_vendors::ActiveModel {
            system_id: Set(s.id),
            vendor_id: Set(vendor_ids[vendor]),
        }
        .insert(&txn)
        .await?;
        system_rows.push((s, policy));
    }
    let mut logins = Vec::new();
    let mut engineer_id = 0;
    for (username, display, role, vendor) in [
        ("admin", "系统管理员", "admin", None),
        ("engineer", "京云 值班工程师", "engineer", Some(vendor_ids[1])),
    ] {
        let password = secret::one_time_password();
        let u = users::ActiveModel {
            username: Set(username.into()),
            display_name: Set(display.into()),
            email: Set(None),
            password_hash: Set(Some(secret::hash_password(&password)?)),
            role: Set(role.into()),
            unit_id: Set(None),
            vendor_id: Set(vendor),
            disabled: Set(false),
            must_change_password: Set(true),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        if role == "engineer" {
            engineer_id = u.id;
        }
        logins.push(DemoLogin {
            username: username.into(),
            role,
            password,
        });
    }
    // Two open tickets on the engineer's systems, so the lists are not empty.
    let tickets = [
        (
            2usize,
            Kind::Fault,
            Severity::Serious,
            "区域卫生信息平台 接口响应缓慢",
            TimeDelta::minutes(50),
        ),
        (
            1,
            Kind::Alarm,
            Severity::General,
            "协同办公系统 数据库连接数告警",
            TimeDelta::minutes(10),
        ),
    ];
    for (i, kind, severity, title, ago) in tickets {
        let (s, _) = &system_rows[i];
        let policy: Policy = serde_json::from_value(
            policies::Entity::find_by_id(s.policy_id)
                .one(&txn)
                .await?
                .map(|p| p.targets)
                .unwrap_or_default(),
        )?;
        let calendar = &calendars[&s.calendar];
        let new = NewTicket {
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
        };
        crate::tickets::create(&txn, calendar, s.id, new, engineer_id, now)
            .await
            .map_err(|e| anyhow::anyhow!("demo ticket: {e}"))?;
    }
    txn.commit().await?;
    Ok(logins)
}
