//! The opsclock server as a library, used by the binary and by integration tests.
//!
//! Four doors over one house (see `docs/architecture.md`):
//!
//! - the doors: [`api`] (the JSON API), [`web`] (the pages), [`cli`] (commands) and [`jobs`]
//!   (the scheduled jobs); [`http`] is what the two HTTP doors share, and [`serve`] is the one
//!   place the doors are wired together;
//! - the house: [`app`], every use case (tickets, intake, duty, catalogue, reports, escalation,
//!   webhooks, sign-in, scope …), taking an [`app::Context`] and the acting principal and
//!   answering with domain results or an [`app::AppError`];
//! - what the house stands on: [`db`] (connections, schema, entities), [`mail`] (SMTP),
//!   [`delivery`] (the outbox worker), [`calendars`], [`time`] (where "now" comes from),
//!   [`config`], [`metrics`].

pub mod api;
pub mod app;
pub mod calendars;
pub mod cli;
pub mod config;
pub mod db;
pub mod delivery;
pub mod http;
pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod serve;
pub mod time;
pub mod web;
