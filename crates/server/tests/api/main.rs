//! API tests against the real router and a real database, on SQLite and on PostgreSQL.
//! Every test runs twice (`…::sqlite`, `…::postgres`), each on a database of its own.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod recorded;
mod support;

mod access;
mod alertmanager;
mod assessment_periods;
mod assessments;
mod asvs;
mod authz;
mod bad_alerts;
mod bad_input;
mod blocking;
mod bodies;
mod catalog;
mod catalog_file;
mod catalog_rules;
mod catalog_scale;
mod chinese_pages;
mod clock_shapes;
mod clocks;
mod concurrency;
mod connections;
mod corrections;
mod coverage;
mod duty;
mod duty_calendars;
mod escalation;
mod evidence;
mod findings;
mod hand_set;
mod hardening;
mod intake;
mod lifecycle;
mod measured_times;
mod openapi;
mod operations;
mod outbound;
mod page_permissions;
mod permissions;
mod pins;
mod rectification;
mod reports;
mod reports_provisional;
mod seed_catalogs_000_001;
mod seed_catalogs_002_003;
mod service_dates;
mod service_edit;
mod session;
mod setting_rules;
mod shipped_contracts;
mod shunyi_leftovers;
mod sign_in_cap;
mod supervisor;
mod surveys;
mod users_admin;
mod ux_small;
mod web;
mod web_assessments;
mod web_rectification;
mod web_resume;
mod webhooks;
mod window_rules;
mod year_end;
