//! What a use case can fail with, whichever door asked.
//!
//! Each door says it in its own words: the API as `application/problem+json` with a status and a
//! stable `type`, the pages as their friendly error page, the CLI as a message and an exit code.
//! Both HTTP doors take the status from one table (`http::status_of`); the API adds the problem
//! `type` and title (`api/problem.rs`).

/// A use case's failure.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No or bad credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// Authenticated, but the role or the party may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// No such thing (or not visible to the caller: out of scope answers the same).
    #[error("{0}")]
    NotFound(String),
    /// Well-formed, but a field is wrong.
    #[error("{detail}")]
    Invalid {
        /// The field's path (`severity`, `lines[2].start`), when one is at fault.
        field: Option<String>,
        /// What is wrong.
        detail: String,
    },
    /// A file (catalogue, contract) has problems; nothing was written.
    #[error("{detail}")]
    InvalidFile {
        /// Summary.
        detail: String,
        /// Every problem, with its line and key path.
        problems: Vec<crate::app::catalog::Problem>,
    },
    /// The ticket changed since the caller read it.
    #[error("{detail}")]
    VersionConflict {
        /// What happened.
        detail: String,
        /// The current version.
        current: i64,
    },
    /// The action is not allowed in the ticket's current state.
    #[error("{detail}")]
    InvalidTransition {
        /// What happened.
        detail: String,
        /// The actions allowed now.
        allowed: Vec<String>,
    },
    /// Something with that key exists.
    #[error("{0}")]
    Duplicate(String),
    /// The request conflicts with how the server is set up (e.g. the thing is managed by a file).
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts (sign-in rate limit or account lockout); try again after the delay.
    #[error("{detail}")]
    TooManyRequests {
        /// What was limited and until when.
        detail: String,
        /// Seconds until a new attempt can succeed.
        retry_after: u64,
    },
    /// The server is doing as much of this as it may at once (checking passwords); try again
    /// after the delay.
    #[error("{detail}")]
    Busy {
        /// What is busy.
        detail: String,
        /// Seconds after which a new attempt may find room.
        retry_after: u64,
    },
    /// Our fault (or a calendar that cannot answer: see [`AppError::calendar_not_covered`]).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// A use case's result.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A field-level validation error.
    ///
    /// The detail starts with the field's name unless it already does, so it can be acted on
    /// where only the detail is shown:
    ///
    /// ```
    /// use opsclock::app::AppError;
    /// let e = AppError::invalid("severity", "must be one of 紧急, 严重, 一般, 轻微");
    /// assert_eq!(e.to_string(), "severity: must be one of 紧急, 严重, 一般, 轻微");
    /// ```
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> AppError {
        let (field, detail) = (field.into(), detail.into());
        let detail = if detail.starts_with(&field) {
            detail
        } else {
            format!("{field}: {detail}")
        };
        AppError::Invalid {
            field: Some(field),
            detail,
        }
    }

    /// The calendar error behind an internal failure, if a calendar could not answer a question
    /// (an instant before its published years, or past the years it counts provisionally). Such
    /// a failure is the request's, not the server's: every door names the calendar and the year.
    pub fn calendar_not_covered(&self) -> Option<&sla_clock::CalendarError> {
        match self {
            AppError::Internal(e) => calendar_cannot_answer(e),
            _ => None,
        }
    }

    /// What to tell the person: the message, except for internal failures, which are logged
    /// whole and summarised (a calendar that cannot answer is the caller's problem and is named).
    pub fn detail(&self) -> String {
        match self {
            AppError::Internal(e) => match calendar_cannot_answer(e) {
                Some(c) => c.to_string(),
                None => {
                    tracing::error!(error = format!("{e:#}"), "internal error");
                    "the server failed; the error is in its log".to_owned()
                }
            },
            other => other.to_string(),
        }
    }
}

/// The calendar error behind `e`, if a calendar could not answer a question.
///
/// ```
/// use sla_clock::builtin;
/// let cn = builtin::calendar("cn-5x8").unwrap();
/// let err = cn.deadline("2001-03-01T10:00:00+08:00".parse().unwrap(), "4h".parse().unwrap()).unwrap_err();
/// let e = anyhow::Error::new(sla_clock::ClockError::from(err)).context("opening INC-1");
/// let found = opsclock::app::error::calendar_cannot_answer(&e).unwrap();
/// assert!(found.to_string().starts_with("calendar \"cn-5x8\" has no data for 2001"));
/// ```
pub fn calendar_cannot_answer(e: &anyhow::Error) -> Option<&sla_clock::CalendarError> {
    e.chain().find_map(|cause| {
        if let Some(c) = cause.downcast_ref::<sla_clock::CalendarError>() {
            return Some(c);
        }
        if let Some(sla_clock::ClockError::Calendar(c)) = cause.downcast_ref::<sla_clock::ClockError>() {
            return Some(c);
        }
        if let Some(duty_roster::RosterError::Calendar(c)) = cause.downcast_ref::<duty_roster::RosterError>() {
            return Some(c);
        }
        None
    })
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        AppError::Internal(anyhow::Error::new(e))
    }
}

impl From<ticket_domain::DomainError> for AppError {
    fn from(e: ticket_domain::DomainError) -> Self {
        use ticket_domain::DomainError as D;
        match e {
            D::InvalidTransition { ref allowed, .. } => AppError::InvalidTransition {
                allowed: allowed.split(", ").map(str::to_owned).collect(),
                detail: e.to_string(),
            },
            D::Invalid { field, problem } => AppError::Invalid {
                field: Some(field.to_owned()),
                detail: format!("{field}: {problem}"),
            },
            D::OutOfOrder { .. } => AppError::invalid("at", e.to_string()),
            D::Clock { .. } | D::NotOpened => AppError::Internal(anyhow::Error::new(e)),
        }
    }
}
