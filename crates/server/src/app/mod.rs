//! The application layer: every use case of opsclock, whichever door asks for it.
pub mod audit;
pub mod auth;
pub mod backup;
pub mod calendar_notice;
pub mod calendar_reload;
pub mod catalog;
pub mod context;
pub mod coverage;
pub mod demo;
pub mod duty;
pub mod error;
pub mod escalation;
pub mod intake;
pub mod outbox;
pub mod reports;
pub mod retention;
pub mod scope;
pub mod tickets;
pub mod webhooks;

pub use context::{CalendarRef, Context, calendar_in};
pub use error::{AppError, AppResult};

/// Fails unless `body`, the code in a document, is `addressed`, the code the document was sent
/// to (`PUT /things/{code}`): a document cannot rename what it replaces.
pub fn same_code(addressed: &str, body: &str) -> AppResult<()> {
    if addressed == body {
        Ok(())
    } else {
        Err(AppError::invalid(
            "code",
            format!("{body:?} differs from the path's {addressed:?}"),
        ))
    }
}
