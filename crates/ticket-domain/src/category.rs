//! Categories (分类): a contract's own classes of work, finer than the four [`Kind`]s.
//!
//! The kinds decide which clocks run; a category decides nothing about clocks. It is how a
//! contract asks the work to be sorted and reported: seed 003 closes the loop over "各类服务请求、
//! 资源申请、账号管理及数据处理" (L773), seed 004 wants abnormal running reported as "偶然故障、干扰、
//! 频发故障、潜伏故障" (L27522). Each list belongs to a policy (a contract's service terms), and
//! each category names the kinds it sorts:
//!
//! ```
//! use ticket_domain::{Categories, CategoryDef, Kind};
//!
//! let list = Categories(vec![
//!     CategoryDef::new("account", "账号管理", &[Kind::Request]),
//!     CategoryDef::new("latent", "潜伏故障", &[Kind::Fault, Kind::Alarm]),
//! ]);
//! assert!(list.check().is_empty());
//! assert_eq!(list.find("account", Kind::Request).unwrap().name, "账号管理");
//! // A fault is not an account request: the answer names what a fault may be.
//! let why = list.find("account", Kind::Fault).unwrap_err();
//! assert_eq!(why, "\"account\" (账号管理) is not a category of fault tickets; fault tickets take: latent (潜伏故障)");
//! // Not one of the list at all.
//! assert!(list.find("printer", Kind::Request).is_err());
//! ```
//!
//! A category is optional on a ticket: the desk may log first and sort later (the `categorise`
//! action), and reports count the unsorted apart ("未分类").

use serde::{Deserialize, Serialize};

use crate::Kind;

/// The longest category code, in bytes (codes are ASCII).
pub const MAX_CODE_LEN: usize = 64;

/// The longest category name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// One category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryDef {
    /// The stable code stored on tickets (`account`): ASCII letters, digits, `-` and `_`.
    pub code: String,
    /// The contract's word for it (`账号管理`).
    pub name: String,
    /// The kinds of ticket it sorts; empty means every kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<Kind>,
    /// Where the contract says it, or how it is read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl CategoryDef {
    /// A category with no note.
    pub fn new(code: &str, name: &str, kinds: &[Kind]) -> Self {
        CategoryDef {
            code: code.to_owned(),
            name: name.to_owned(),
            kinds: kinds.to_vec(),
            note: None,
        }
    }

    /// Whether it sorts tickets of `kind`.
    pub fn sorts(&self, kind: Kind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }
}

/// A policy's categories, in the contract's order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Categories(pub Vec<CategoryDef>);

impl Categories {
    /// What is wrong with the list, as `(path, message)` pairs (empty when nothing is): a code
    /// that is empty, too long or not ASCII letters, digits, `-` and `_`; a blank or overlong
    /// name; a code or a name given twice; a kind listed twice.
    pub fn check(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (i, c) in self.0.iter().enumerate() {
            let at = |field: &str| format!("categories[{i}].{field}");
            if c.code.is_empty()
                || c.code.len() > MAX_CODE_LEN
                || !c
                    .code
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
            {
                out.push((
                    at("code"),
                    format!(
                        "{:?} is not a code: 1 to {MAX_CODE_LEN} ASCII letters, digits, '-' or '_'",
                        c.code
                    ),
                ));
            }
            let name = c.name.trim();
            if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
                out.push((at("name"), format!("must be 1 to {MAX_NAME_CHARS} characters")));
            }
            if self.0[..i].iter().any(|o| o.code == c.code) {
                out.push((at("code"), format!("{:?} is given twice", c.code)));
            }
            if self.0[..i].iter().any(|o| o.name.trim() == name) {
                out.push((at("name"), format!("{name:?} is given twice")));
            }
            if let Some(k) = c.kinds.iter().enumerate().find(|(j, k)| c.kinds[..*j].contains(k)) {
                out.push((at("kinds"), format!("{} is listed twice", k.1)));
            }
        }
        out
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The categories that sort tickets of `kind`, in order.
    pub fn for_kind(&self, kind: Kind) -> impl Iterator<Item = &CategoryDef> {
        self.0.iter().filter(move |c| c.sorts(kind))
    }

    /// The category `code` for a ticket of `kind`, or why not (naming the choices).
    pub fn find(&self, code: &str, kind: Kind) -> Result<&CategoryDef, String> {
        let choices = || {
            let list: Vec<String> = self
                .for_kind(kind)
                .map(|c| format!("{} ({})", c.code, c.name))
                .collect();
            if list.is_empty() {
                format!("{kind} tickets take no category here")
            } else {
                format!("{kind} tickets take: {}", list.join(", "))
            }
        };
        match self.0.iter().find(|c| c.code == code) {
            Some(c) if c.sorts(kind) => Ok(c),
            Some(c) => Err(format!(
                "{code:?} ({}) is not a category of {kind} tickets; {}",
                c.name,
                choices()
            )),
            None => Err(format!("{code:?} is not a category; {}", choices())),
        }
    }

    /// The name of `code`, if it is one (whatever the kind).
    pub fn name_of(&self, code: &str) -> Option<&str> {
        self.0.iter().find(|c| c.code == code).map(|c| c.name.as_str())
    }
}
