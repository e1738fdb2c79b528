//! The vocabulary of tickets: kinds, statuses, service modes, reasons, clock names.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Declares a closed set of values with a stable snake_case key, a Chinese label, `FromStr`
/// (key or label) and `Display` (key).
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = ($key:literal, $zh:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable key used in APIs and the database.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            /// The Chinese label used in the contracts.
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.key())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.key() == s || v.label_zh() == s)
                    .ok_or_else(|| UnknownValue {
                        what: stringify!($name),
                        input: s.to_owned(),
                        accepted: $name::ALL.iter().map(|v| v.key()).collect::<Vec<_>>().join(", "),
                    })
            }
        }
    };
}

/// A value that is not one of a closed set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a {what}; expected one of: {accepted}")]
pub struct UnknownValue {
    /// The set's name.
    pub what: &'static str,
    /// What was given.
    pub input: String,
    /// The accepted keys.
    pub accepted: String,
}

vocabulary! {
    /// What a ticket is about.
    Kind {
        /// A fault (故障): something that worked has stopped working.
        Fault = ("fault", "故障"),
        /// A service request (非故障服务请求): a change, an account, a report.
        Request = ("request", "服务请求"),
        /// A security incident (安全事件).
        Security = ("security", "安全事件"),
        /// A monitoring alarm (监控告警).
        Alarm = ("alarm", "监控告警"),
    }
}

impl Kind {
    /// The prefix of ticket numbers of this kind (`INC-2026-000123`).
    pub fn number_prefix(self) -> &'static str {
        match self {
            Kind::Fault => "INC",
            Kind::Request => "REQ",
            Kind::Security => "SEC",
            Kind::Alarm => "ALM",
        }
    }

    /// Whether the clocks start when the problem began (`occurred_at`) rather than when the
    /// ticket was received: true for faults, alarms and security events, false for requests.
    pub fn clocks_start_at_occurrence(self) -> bool {
        !matches!(self, Kind::Request)
    }
}

vocabulary! {
    /// Where a ticket is in its life.
    Status {
        /// Logged, nobody has acknowledged it.
        New = ("new", "新建"),
        /// Someone answered (the response clock stopped).
        Acknowledged = ("acknowledged", "已响应"),
        /// An engineer is on site (the arrival clock stopped).
        OnSite = ("on_site", "已到场"),
        /// Being worked on.
        InProgress = ("in_progress", "处理中"),
        /// Waiting for someone else (the repair clock is paused).
        Paused = ("paused", "挂起"),
        /// Service restored (the repair clock stopped).
        Resolved = ("resolved", "已解决"),
        /// The reporter confirmed.
        Closed = ("closed", "已关闭"),
        /// A duplicate or withdrawn.
        Cancelled = ("cancelled", "已取消"),
    }
}

impl Status {
    /// Whether the ticket is still open (neither closed nor cancelled).
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Closed | Status::Cancelled)
    }
}

vocabulary! {
    /// How the vendor serves a system.
    ServiceMode {
        /// Remotely only: no arrival clock.
        Remote = ("remote", "远程"),
        /// On site.
        OnSite = ("on_site", "现场"),
        /// Remotely first, on site when needed.
        RemoteAndOnSite = ("remote_and_on_site", "远程+现场"),
    }
}

impl ServiceMode {
    /// Whether engineers may have to be on site (so an arrival clock runs).
    pub fn has_on_site(self) -> bool {
        !matches!(self, ServiceMode::Remote)
    }
}

vocabulary! {
    /// Why the repair clock is paused.
    PauseReason {
        /// Waiting for the reporter (information, access, a test).
        AwaitingReporter = ("awaiting_reporter", "等待报告人"),
        /// Waiting for a third party (a carrier, the original manufacturer).
        ThirdParty = ("third_party", "等待第三方"),
        /// Waiting for a window the buyer must open (a change window, a site visit slot).
        BuyerWindow = ("buyer_window", "等待用户窗口"),
    }
}

vocabulary! {
    /// Why a ticket was cancelled.
    CancelReason {
        /// The same problem is already logged.
        Duplicate = ("duplicate", "重复"),
        /// The reporter withdrew it.
        Withdrawn = ("withdrawn", "撤回"),
    }
}

vocabulary! {
    /// A ticket's clocks.
    ClockName {
        /// Until first acknowledgement (响应).
        Response = ("response", "响应"),
        /// Until an engineer is on site (到场), for on-site service modes.
        Arrival = ("arrival", "到场"),
        /// Until service is restored (修复).
        Repair = ("repair", "修复"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_from_key_or_chinese_label() {
        assert_eq!("fault".parse::<Kind>().unwrap(), Kind::Fault);
        assert_eq!("安全事件".parse::<Kind>().unwrap(), Kind::Security);
        assert_eq!(Status::OnSite.to_string(), "on_site");
        let err = "bug".parse::<Kind>().unwrap_err().to_string();
        assert_eq!(
            err,
            "\"bug\" is not a Kind; expected one of: fault, request, security, alarm"
        );
    }
}
