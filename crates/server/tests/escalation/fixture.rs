//! A small world to escalate in: a unit, two vendors, a policy, a 7×24 system, people holding
//! every role, and helpers to open tickets and run the sweep and the mailer at a chosen instant.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use opsclock::app::escalation::Links;
use opsclock::app::escalation::ladders::{self, Scope};
use opsclock::app::escalation::sweep::{SweepReport, Sweeper};
use opsclock::db::entities::{outbox, policies, system_vendors, systems, units, users, vendors};
use opsclock::db::testing::{Backend, TestDb};
use opsclock::mail::{DrainReport, MailConfig, MailSettings, Mailer, Security};
use opsclock::time::ManualTime;
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set};
use serde_json::json;
use sla_clock::{Calendar, Ladder, Severity};
use ticket_domain::{Kind, NewTicket, ServiceMode, Targets};

/// The instant the tests' tickets start at: 2026-11-23 10:00 in Beijing.
pub fn t0() -> DateTime<Utc> {
    at("2026-11-23T10:00:00+08:00")
}

/// Parses an RFC 3339 instant.
pub fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("an RFC 3339 instant")
}

/// The seeded world.
pub struct World {
    /// The database.
    pub db: TestDb,
    /// The system tickets are opened on.
    pub system_id: i64,
    /// The engineer (vendor A, on duty), assignee of the tickets.
    pub engineer: i64,
    /// The injected clock.
    pub time: Arc<ManualTime>,
    /// The calendars.
    pub calendars: Arc<BTreeMap<String, Calendar>>,
}

/// The ladder the tests use: 50 %, 80 %, breach, then every 30 min twice.
pub fn test_ladder() -> Ladder {
    toml::from_str(
        r#"
        [[steps]]
        id = "half"
        when = "50%"
        notify = ["assignee"]
        [[steps]]
        id = "warning"
        when = "80%"
        notify = ["assignee", "on_duty", "vendor_manager"]
        [[steps]]
        id = "breach"
        when = "breach"
        notify = ["assignee", "vendor_manager", "unit_head"]
        [[steps]]
        id = "overdue"
        when = "every 30m after breach, 2 times"
        notify = ["vendor_manager", "unit_head", "buyer_ops_lead", "duty-desk@bureau.test"]
        "#,
    )
    .expect("the test ladder")
}

impl World {
    /// Seeds a fresh database on `backend`; the policy uses [`test_ladder`].
    pub async fn new(backend: Backend) -> World {
        let db = TestDb::migrated(backend).await;
        // Set up the day before the tests' tickets, whatever the real date.
        let now = t0() - TimeDelta::days(1);
        let conn = &db.db;
        let unit = units::ActiveModel {
            code: Set("cgw".into()),
            name: Set("区城管委".into()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await
        .expect("unit");
        let mut vendor_ids = Vec::new();
        for code in ["vendor-a", "vendor-b"] {
            let v = vendors::ActiveModel {
                code: Set(code.into()),
                name: Set(code.into()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(conn)
            .await
            .expect("vendor");
            vendor_ids.push(v.id);
        }
        let policy = policies::ActiveModel {
            code: Set("p-test".into()),
            name: Set("test policy".into()),
            targets: Set(json!({})),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await
        .expect("policy");
        let system = systems::ActiveModel {
            code: Set("sy-900".into()),
            name: Set("数字城管平台".into()),
            unit_id: Set(unit.id),
            policy_id: Set(policy.id),
            calendar: Set("24x7".into()),
            service_mode: Set("remote".into()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        }
        .insert(conn)
        .await
        .expect("system");
        system_vendors::ActiveModel {
            system_id: Set(system.id),
            vendor_id: Set(vendor_ids[0]),
        }
        .insert(conn)
        .await
        .expect("system vendor");
        let mut engineer = 0;
        for (name, role, unit_id, vendor_id, notify) in [
            ("eng", "engineer", None, Some(vendor_ids[0]), json!(["on_duty"])),
            ("pm", "engineer", None, Some(vendor_ids[0]), json!(["vendor_manager"])),
            ("head", "manager", Some(unit.id), None, json!(["unit_head"])),
            ("lead", "manager", None, None, json!(["buyer_ops_lead"])),
            // Holds roles, but for another vendor's systems: must never hear of this system.
            (
                "other-pm",
                "engineer",
                None,
                Some(vendor_ids[1]),
                json!(["vendor_manager", "on_duty"]),
            ),
        ] {
            let u = users::ActiveModel {
                username: Set(name.into()),
                display_name: Set(name.into()),
                email: Set(Some(format!("{name}@ops.test"))),
                password_hash: Set(None),
                role: Set(opsclock::db::Key(role.parse().expect("a role"))),
                unit_id: Set(unit_id),
                vendor_id: Set(vendor_id),
                disabled: Set(false),
                must_change_password: Set(false),
                mail_english: Set(false),
                created_at: Set(now),
                notify_roles: Set(Some(notify)),
                ..Default::default()
            }
            .insert(conn)
            .await
            .expect("user");
            if name == "eng" {
                engineer = u.id;
            }
        }
        let calendars: BTreeMap<String, Calendar> = sla_clock::builtin::calendars()
            .into_iter()
            .map(|c| (c.name().to_owned(), c))
            .collect();
        ladders::set(
            conn,
            &calendars,
            &Scope::Policy("p-test".into()),
            Some(&test_ladder()),
            now,
        )
        .await
        .expect("setting the ladder");
        World {
            db,
            system_id: system.id,
            engineer,
            time: Arc::new(ManualTime::new(t0())),
            calendars: Arc::new(calendars),
        }
    }

    /// Opens an urgent fault that began at `occurred`, with a repair target of `repair`, assigned
    /// to the engineer; returns its number.
    pub async fn open(&self, occurred: DateTime<Utc>, repair: &str, now: DateTime<Utc>) -> String {
        let cal = &self.calendars["24x7"];
        let txn = opsclock::db::begin_write(&self.db.db).await.expect("begin");
        let new = NewTicket {
            category: None,
            kind: Kind::Fault,
            severity: Severity::Urgent,
            severity_reason: None,
            title: "城管案件上报失败".into(),
            description: String::new(),
            occurred_at: occurred,
            received_at: now,
            service_mode: ServiceMode::Remote,
            targets: Targets {
                repair: Some(repair.parse().expect("a duration")),
                ..Targets::default()
            },
            reporter: Some(self.engineer),
            assignee: Some(self.engineer),
            major_event: None,
            clocks_from: None,
            immediate_from_report: false,
            outside_service: false,
            calendars: None,
        };
        let calendars =
            opsclock::app::tickets::calendars::TicketCalendars::all(&self.calendars, cal.name()).expect("loaded");
        let (row, _) = opsclock::app::tickets::create(
            &txn,
            &calendars,
            self.system_id,
            new,
            Some(self.engineer),
            now,
            Default::default(),
            None,
            false,
        )
        .await
        .expect("opening a ticket");
        txn.commit().await.expect("commit");
        row.number
    }

    /// Applies `command` to ticket `number`, written at `now`.
    pub async fn act(&self, number: &str, command: ticket_domain::Command, now: DateTime<Utc>) {
        let txn = opsclock::db::begin_write(&self.db.db).await.expect("begin");
        let loaded = opsclock::app::tickets::load(&txn, number)
            .await
            .expect("load")
            .expect("the ticket");
        let version = loaded.row.version;
        opsclock::app::tickets::act(
            &txn,
            &opsclock::app::tickets::calendars::TicketCalendars::all(&self.calendars, "24x7").expect("loaded"),
            loaded,
            version,
            command,
            Some(self.engineer),
            now,
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("acting on {number}: {e}"));
        txn.commit().await.expect("commit");
    }

    /// The sweeper, on the injected clock, with no event notices (the ladder alone).
    pub fn sweeper(&self) -> Sweeper {
        self.sweeper_with(opsclock::app::notices::Rules::none())
    }

    /// The sweeper, on the injected clock, with the event notice rules `notices`.
    pub fn sweeper_with(&self, notices: opsclock::app::notices::Rules) -> Sweeper {
        Sweeper {
            db: self.db.db.clone(),
            calendars: opsclock::calendars::Calendars::fixed((*self.calendars).clone()),
            time: self.time.clone(),
            links: Links::new(Some("https://opsclock.test"), "unused", "ops.test".into()),
            batch: 3, // small, so that a sweep pages
            notices: Arc::new(notices),
        }
    }

    /// A mailer sending to 127.0.0.1:`port`, on the injected clock.
    pub fn mailer(&self, port: u16, max_attempts: u32) -> Mailer {
        let settings = MailSettings::from_config(&MailConfig {
            host: Some("127.0.0.1".into()),
            port: Some(port),
            security: Security::None,
            from: Some("opsclock <opsclock@ops.test>".into()),
            max_attempts: Some(max_attempts),
            timeout_secs: Some(5),
            ..MailConfig::default()
        })
        .expect("mail settings");
        Mailer::new(self.db.db.clone(), settings, self.time.clone()).expect("a mailer")
    }

    /// Sets the clock to `t`, sweeps and drains through `mailer`.
    pub async fn tick(&self, t: DateTime<Utc>, mailer: &Mailer) -> (SweepReport, DrainReport) {
        self.time.set(t);
        let s = self.sweeper().sweep().await.expect("a sweep");
        let d = mailer.drain().await.expect("a drain");
        (s, d)
    }

    /// Every outbox row, oldest first.
    pub async fn outbox(&self) -> Vec<outbox::Model> {
        outbox::Entity::find()
            .order_by_asc(outbox::Column::Id)
            .all(&self.db.db)
            .await
            .expect("reading the outbox")
    }
}
