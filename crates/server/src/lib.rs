//! The opsclock server as a library, used by the binary and by integration tests.
//!
//! Everything with I/O lives here, split by job: [`api`] (HTTP), [`auth`] (who is asking),
//! [`tickets`] (the event store of tickets), [`db`] (connections, schema, entities), [`cli`]
//! (commands), [`serve`] (the server's life and its scheduled jobs), [`escalation`] (ladders and
//! the sweep), [`mail`] (the outbox and SMTP), [`time`] (where "now" comes from), [`demo`],
//! [`backup`], [`audit`], [`config`], [`calendars`], [`calendar_reload`] (reloading them while
//! running, on every replica, and measuring provisional deadlines again), [`coverage`] (warnings ahead of a calendar's
//! published holidays running out).

pub mod api;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod calendar_notice;
pub mod calendar_reload;
pub mod calendars;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod coverage;
pub mod db;
pub mod delivery;
pub mod demo;
pub mod duty;
pub mod escalation;
pub mod intake;
pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod reports;
pub mod retention;
pub mod serve;
pub mod tickets;
pub mod time;
pub mod web;
pub mod webhooks;
