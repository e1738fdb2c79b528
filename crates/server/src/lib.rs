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
