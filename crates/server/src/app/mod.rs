//! The application layer: every use case of opsclock, whichever door asks for it.
pub mod audit;
pub mod auth;
pub mod backup;
pub mod calendar_notice;
pub mod calendar_reload;
pub mod catalog;
pub mod coverage;
pub mod demo;
pub mod duty;
pub mod escalation;
pub mod intake;
pub mod reports;
pub mod retention;
pub mod tickets;
pub mod webhooks;
