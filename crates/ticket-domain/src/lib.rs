//! The opsclock ticket aggregate: kinds, lifecycle state machine, commands and events.
//!
//! This crate is pure (no I/O, no async, no database) and builds on [`sla_clock`] for the
//! deadlines of a ticket's clocks. Its contents arrive with the "tickets end to end" issue; until
//! then it only fixes the dependency direction `server → ticket-domain → sla-clock`.

pub use sla_clock;
