//! The assessment schemes (考核方案) opsclock ships, by code: the contract's scored items,
//! aspects and weights, and what a month's score decides ([`scorecard::Scheme`]).
//!
//! | code | contract | source |
//! |---|---|---|
//! | `003-sme-platform` | 北京市中小企业公共服务平台系统运维 | seed 003 附件 7 (L840–970), `config/schemes/003-sme-platform.toml` |
//!
//! An assessment names its scheme when it is created; the buyer's assessor then enters the
//! scores item by item and aspect by aspect (`revise` with `scores`), and the assessment's
//! figures carry the scored month: each category's total, the month's score, and the month's
//! consequences when it is below the pass mark (003: 40 % of the monthly fee, 附件6 第11项).
//!
//! ```
//! let s = opsclock::app::assessments::schemes::get("003-sme-platform").unwrap();
//! assert_eq!(s.items().count(), 24);
//! assert!(opsclock::app::assessments::schemes::get("nope").is_err());
//! ```

use scorecard::Scheme;

use crate::app::{AppError, AppResult};

/// The shipped schemes: code and TOML text.
const SHIPPED: &[(&str, &str)] = &[(
    "003-sme-platform",
    include_str!("../../../../../config/schemes/003-sme-platform.toml"),
)];

/// The codes of the shipped schemes.
pub fn codes() -> Vec<&'static str> {
    SHIPPED.iter().map(|(c, _)| *c).collect()
}

/// The scheme `code`, or a field error on `scheme`.
pub fn get(code: &str) -> AppResult<Scheme> {
    let (_, text) = SHIPPED.iter().find(|(c, _)| *c == code).ok_or_else(|| {
        AppError::invalid(
            "scheme",
            format!("no assessment scheme {code:?}; schemes: {}", codes().join(", ")),
        )
    })?;
    Scheme::from_toml(text).map_err(|e| AppError::Internal(anyhow::anyhow!("the shipped scheme {code}: {e}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_shipped_scheme_loads_under_its_code() {
        for code in super::codes() {
            assert_eq!(super::get(code).unwrap().code, code);
        }
    }
}
