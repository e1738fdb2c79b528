//! sea-orm entities, one module per table of the migrations.
//!
//! The column types follow the migration: ids are `i64`, instants are [`DateTimeUtc`]
//! (`chrono::DateTime<Utc>`), JSON documents are [`Json`] (`serde_json::Value`), and the
//! enumerations (kinds, statuses, roles, …) are plain text, parsed by the domain layer.
//!
//! [`DateTimeUtc`]: sea_orm::prelude::DateTimeUtc
//! [`Json`]: sea_orm::prelude::Json

pub mod action_links;
pub mod alerts;
pub mod api_tokens;
pub mod assessment_events;
pub mod assessment_scans;
pub mod assessments;
pub mod audit_log;
pub mod clocks;
pub mod contracts;
pub mod device_replacements;
pub mod devices;
pub mod duties;
pub mod duty_runs;
pub mod escalation_ladders;
pub mod exclusions;
pub mod findings;
pub mod form_submissions;
pub mod inspections;
pub mod intake_sources;
pub mod mail_in_files;
pub mod mail_in_messages;
pub mod major_events;
pub mod notice_queue;
pub mod outbox;
pub mod outbox_attempts;
pub mod periodic_reports;
pub mod policies;
pub mod problem_tickets;
pub mod problems;
pub mod rectification_events;
pub mod rectification_orders;
pub mod removed_devices;
pub mod roster_overrides;
pub mod rosters;
pub mod satisfaction_surveys;
pub mod sessions;
pub mod settings;
pub mod sign_in_accounts;
pub mod sign_in_throttle;
pub mod spare_inventories;
pub mod spare_items;
pub mod spare_movements;
pub mod system_vendors;
pub mod systems;
pub mod ticket_attachments;
pub mod ticket_counters;
pub mod ticket_devices;
pub mod ticket_events;
pub mod tickets;
pub mod units;
pub mod users;
pub mod vendors;
pub mod warranty_repairs;
pub mod webhook_subscriptions;

/// Every entity under its table's name in `CamelCase`: `use opsclock::db::entities::prelude::*`.
pub mod prelude {
    pub use super::alerts::Entity as Alerts;
    pub use super::api_tokens::Entity as ApiTokens;
    pub use super::assessment_events::Entity as AssessmentEvents;
    pub use super::assessment_scans::Entity as AssessmentScans;
    pub use super::assessments::Entity as Assessments;
    pub use super::audit_log::Entity as AuditLog;
    pub use super::clocks::Entity as Clocks;
    pub use super::contracts::Entity as Contracts;
    pub use super::device_replacements::Entity as DeviceReplacements;
    pub use super::duties::Entity as Duties;
    pub use super::duty_runs::Entity as DutyRuns;
    pub use super::escalation_ladders::Entity as EscalationLadders;
    pub use super::exclusions::Entity as Exclusions;
    pub use super::findings::Entity as Findings;
    pub use super::form_submissions::Entity as FormSubmissions;
    pub use super::inspections::Entity as Inspections;
    pub use super::intake_sources::Entity as IntakeSources;
    pub use super::major_events::Entity as MajorEvents;
    pub use super::outbox::Entity as Outbox;
    pub use super::outbox_attempts::Entity as OutboxAttempts;
    pub use super::periodic_reports::Entity as PeriodicReports;
    pub use super::policies::Entity as Policies;
    pub use super::problem_tickets::Entity as ProblemTickets;
    pub use super::problems::Entity as Problems;
    pub use super::rectification_events::Entity as RectificationEvents;
    pub use super::rectification_orders::Entity as RectificationOrders;
    pub use super::removed_devices::Entity as RemovedDevices;
    pub use super::roster_overrides::Entity as RosterOverrides;
    pub use super::rosters::Entity as Rosters;
    pub use super::satisfaction_surveys::Entity as SatisfactionSurveys;
    pub use super::sessions::Entity as Sessions;
    pub use super::settings::Entity as Settings;
    pub use super::sign_in_accounts::Entity as SignInAccounts;
    pub use super::sign_in_throttle::Entity as SignInThrottle;
    pub use super::spare_inventories::Entity as SpareInventories;
    pub use super::spare_items::Entity as SpareItems;
    pub use super::spare_movements::Entity as SpareMovements;
    pub use super::system_vendors::Entity as SystemVendors;
    pub use super::systems::Entity as Systems;
    pub use super::ticket_attachments::Entity as TicketAttachments;
    pub use super::ticket_counters::Entity as TicketCounters;
    pub use super::ticket_events::Entity as TicketEvents;
    pub use super::tickets::Entity as Tickets;
    pub use super::units::Entity as Units;
    pub use super::users::Entity as Users;
    pub use super::vendors::Entity as Vendors;
    pub use super::warranty_repairs::Entity as WarrantyRepairs;
    pub use super::webhook_subscriptions::Entity as WebhookSubscriptions;
}
