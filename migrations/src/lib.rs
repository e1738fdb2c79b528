//! The opsclock database schema as sea-orm migrations.
//!
//! Every migration is written with sea-orm-migration's schema builder, never raw SQL, so the same
//! code creates the same schema on SQLite and on PostgreSQL (the one exception: the triggers of the
//! configuration epoch, migration 66, which the builder cannot write). Instants are `timestamp with time
//! zone` columns (text on SQLite), JSON documents are `jsonb` on PostgreSQL (text on SQLite), and
//! ids are 64-bit auto-increment primary keys.

pub use m20261215_000066_config_epoch::{EPOCH_SKIPS, EPOCH_TABLES, columns_of, epoch_triggers};
pub use sea_orm_migration::prelude::*;

mod m20261123_000001_core;
mod m20261124_000002_catalog_documents;
mod m20261125_000003_escalation;
mod m20261126_000004_duty;
mod m20261127_000005_reports;
mod m20261128_000006_intake;
mod m20261129_000007_operations;
mod m20261203_000008_provisional;
mod m20261203_000009_parties;
mod m20261203_000010_recorded;
mod m20261204_000011_sessions;
mod m20261204_000014_recorded_index;
mod m20261205_000015_sign_in_accounts;
mod m20261205_000024_findings;
mod m20261206_000030_clock_calendars;
mod m20261207_000040_measures;
mod m20261207_000043_form_submissions;
mod m20261208_000044_mail_english;
mod m20261208_000045_assessments;
mod m20261209_000046_rectification;
mod m20261209_000047_assessment_scans;
mod m20261209_000048_satisfaction_surveys;
mod m20261209_000049_assessment_vendor;
mod m20261210_000050_categories;
mod m20261210_000051_inspections;
mod m20261210_000052_problems;
mod m20261211_000053_periodic_reports;
mod m20261212_000054_notices;
mod m20261212_000055_sms;
mod m20261212_000056_attachments;
mod m20261212_000057_mail_in;
mod m20261213_000058_devices;
mod m20261213_000061_spares;
mod m20261213_000062_replacements;
mod m20261213_000063_warranty_repairs;
mod m20261213_000064_one_open_replacement;
mod m20261214_000065_mail_in_files;
mod m20261215_000066_config_epoch;

/// Applies and reverts the opsclock schema; see [`MigratorTrait`] for `up`, `down`, `status`, ….
#[derive(Debug, Clone, Copy, Default)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_core::Migration),
            Box::new(m20261124_000002_catalog_documents::Migration),
            Box::new(m20261125_000003_escalation::Migration),
            Box::new(m20261126_000004_duty::Migration),
            Box::new(m20261127_000005_reports::Migration),
            Box::new(m20261128_000006_intake::Migration),
            Box::new(m20261129_000007_operations::Migration),
            Box::new(m20261203_000008_provisional::Migration),
            Box::new(m20261203_000009_parties::Migration),
            Box::new(m20261203_000010_recorded::Migration),
            Box::new(m20261204_000011_sessions::Migration),
            Box::new(m20261204_000014_recorded_index::Migration),
            Box::new(m20261205_000015_sign_in_accounts::Migration),
            Box::new(m20261205_000024_findings::Migration),
            Box::new(m20261206_000030_clock_calendars::Migration),
            Box::new(m20261207_000040_measures::Migration),
            Box::new(m20261207_000043_form_submissions::Migration),
            Box::new(m20261208_000044_mail_english::Migration),
            Box::new(m20261208_000045_assessments::Migration),
            Box::new(m20261209_000046_rectification::Migration),
            Box::new(m20261209_000047_assessment_scans::Migration),
            Box::new(m20261209_000048_satisfaction_surveys::Migration),
            Box::new(m20261209_000049_assessment_vendor::Migration),
            Box::new(m20261210_000050_categories::Migration),
            Box::new(m20261210_000051_inspections::Migration),
            Box::new(m20261210_000052_problems::Migration),
            Box::new(m20261211_000053_periodic_reports::Migration),
            Box::new(m20261212_000054_notices::Migration),
            Box::new(m20261212_000055_sms::Migration),
            Box::new(m20261212_000056_attachments::Migration),
            Box::new(m20261212_000057_mail_in::Migration),
            Box::new(m20261213_000058_devices::Migration),
            Box::new(m20261213_000061_spares::Migration),
            Box::new(m20261213_000062_replacements::Migration),
            Box::new(m20261213_000063_warranty_repairs::Migration),
            Box::new(m20261213_000064_one_open_replacement::Migration),
            Box::new(m20261214_000065_mail_in_files::Migration),
            Box::new(m20261215_000066_config_epoch::Migration),
        ]
    }
}
