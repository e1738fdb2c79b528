//! [`Key`]: a typed value stored as its text key.
//!
//! The database keeps statuses, kinds, severities and roles as text (`'in_progress'`, `'fault'`,
//! `'urgent'`, `'engineer'`), so that a row reads the same from `psql` and from SQLite's shell and
//! a new value needs no migration. The code never handles those strings: an entity's column is a
//! `Key<Status>`, converted at this edge — written with the type's `Display`, read back with its
//! `FromStr`, and a text the type does not know is a read error naming the column's type, not a
//! string that flows on.
//!
//! ```
//! use opsclock::db::Key;
//! use ticket_domain::Status;
//! let k = Key(Status::InProgress);
//! assert_eq!(sea_orm::Value::from(k), sea_orm::Value::from("in_progress"));
//! assert_eq!(*k, Status::InProgress);
//! ```

use std::fmt::Display;
use std::str::FromStr;

use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value};

/// A `T` stored as its key (see the [module](self)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key<T>(pub T);

impl<T> std::ops::Deref for Key<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> From<T> for Key<T> {
    fn from(v: T) -> Self {
        Key(v)
    }
}

/// A value with a fixed text key (the stored enums of [`stored_enum!`](crate::stored_enum), and
/// the domain's statuses, kinds and severities).
pub trait StoredKey: Copy {
    /// The key the database keeps.
    fn stored_key(self) -> &'static str;
}

impl StoredKey for ticket_domain::Status {
    fn stored_key(self) -> &'static str {
        self.key()
    }
}

impl StoredKey for ticket_domain::Kind {
    fn stored_key(self) -> &'static str {
        self.key()
    }
}

impl StoredKey for sla_clock::Severity {
    fn stored_key(self) -> &'static str {
        self.key()
    }
}

impl StoredKey for contract_terms::FindingKind {
    fn stored_key(self) -> &'static str {
        self.key()
    }
}

impl<T: StoredKey> Key<T> {
    /// The key the database keeps (`in_progress`).
    pub fn as_str(&self) -> &'static str {
        self.0.stored_key()
    }
}

/// A typed value equals the text of its key: `row.status == "sent"`.
impl<T: StoredKey> PartialEq<&str> for Key<T> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl<T: Display> Display for Key<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: Display> From<Key<T>> for Value {
    fn from(k: Key<T>) -> Value {
        k.0.to_string().into()
    }
}

impl<T: FromStr> TryGetable for Key<T>
where
    T::Err: Display,
{
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        let text = String::try_get_by(res, idx)?;
        text.parse().map(Key).map_err(|e: T::Err| {
            TryGetError::DbErr(DbErr::Type(format!(
                "{text:?} is not a {}: {e}",
                std::any::type_name::<T>()
            )))
        })
    }
}

impl<T: FromStr> ValueType for Key<T> {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        let text = <String as ValueType>::try_from(v)?;
        text.parse().map(Key).map_err(|_| ValueTypeErr)
    }

    fn type_name() -> String {
        format!("Key<{}>", std::any::type_name::<T>())
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::String(StringLen::None)
    }
}

impl<T> Nullable for Key<T> {
    fn null() -> Value {
        Value::String(None)
    }
}

impl<T> sea_orm::IntoActiveValue<Key<T>> for Key<T>
where
    Key<T>: Into<Value>,
{
    fn into_active_value(self) -> sea_orm::ActiveValue<Key<T>> {
        sea_orm::ActiveValue::Set(self)
    }
}

/// Declares an enum of values stored by their keys, with `key()`, `ALL`, `Display` and
/// `FromStr` (an unknown key names the ones there are), for use as a [`Key`] column.
///
/// ```
/// opsclock::stored_enum! {
///     /// A light.
///     pub enum Light { Red = "red", Green = "green" }
/// }
/// assert_eq!(Light::Green.to_string(), "green");
/// assert_eq!("red".parse::<Light>(), Ok(Light::Red));
/// assert_eq!("blue".parse::<Light>().unwrap_err(), "\"blue\" is not one of red, green");
/// ```
#[macro_export]
macro_rules! stored_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $key:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* #[doc = concat!("`", $key, "`")] $variant),+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The key the database keeps.
            pub fn key(self) -> &'static str {
                match self {
                    $($name::$variant => $key),+
                }
            }
        }

        impl $crate::db::key::StoredKey for $name {
            fn stored_key(self) -> &'static str {
                self.key()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.key())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                Self::ALL.iter().copied().find(|v| v.key() == s).ok_or_else(|| {
                    format!(
                        "{s:?} is not one of {}",
                        Self::ALL.iter().map(|v| v.key()).collect::<Vec<_>>().join(", ")
                    )
                })
            }
        }
    };
}
