//! What the two HTTP doors ([`crate::api`] and [`crate::web`]) share: their state, who is
//! asking and from where, and the limits on requests. Neither door imports the other; both
//! import this, and this imports no door.

pub mod extract;
pub mod limits;
pub mod session;
pub mod state;

pub use state::AppState;
