//! Which fields of a device each keeper may change (`docs/devices.md`, "Who may change what").
//!
//! The main-device flag and the days in service decide the system's main-device availability
//! (seed 004 L27655: "系统主要设备考核指标"), and a removal is the end of a replacement the buyer
//! and the supervisor approved (L27689–27691). The vendor, whose KPI they are, keeps the
//! descriptive fields only; the buyer's managers set the flag and the days; a device becomes
//! `removed` by its recorded replacement, or by an administrator correcting the record.
//!
//! | field | vendor's managers | buyer's managers | admins |
//! |---|---|---|---|
//! | type, model, serial, location, coordinates, warranty, attributes | yes | yes | yes |
//! | `status` `in_service` ↔ `faulty` | yes | yes | yes |
//! | `main`, `installed_on` | no | yes | yes |
//! | `removed_on` of a removed device (the day corrected) | no | yes | yes |
//! | `status` into `removed` | no (a recorded replacement) | no (a recorded replacement) | yes |
//! | `status` out of `removed` | no | no | yes, unless a replacement removed it (the ledger keeps it) |
//!
//! A new device is compared with a blank one: not main, no days, not removed. The API answers a
//! refusal 403 naming the field; an import lists it as a problem of its row and column.

use crate::app::auth::{Party, Principal, Role};
use crate::db::entities::devices::Status;

use super::record::{FieldError, Record};

/// Who is changing a device, for what they may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keeper {
    /// A vendor's managers: descriptive fields only.
    Vendor,
    /// The buyer's managers (the bureau's, a unit's for its own systems).
    Buyer,
    /// An administrator (the operator's command line too).
    Admin,
}

impl Keeper {
    /// The keeper `p` is.
    pub fn of(p: &Principal) -> Keeper {
        match (p.role, p.party) {
            (Role::Admin, _) => Keeper::Admin,
            (_, Some(Party::Vendor(_))) => Keeper::Vendor,
            _ => Keeper::Buyer,
        }
    }
}

/// A blank device: what a new one is compared with.
fn blank(after: &Record) -> Record {
    Record {
        main: false,
        installed_on: None,
        removed_on: None,
        status: Status::InService,
        ..after.clone()
    }
}

/// What `k` may not change of `before` (none: a new device) to make it `after`: each field
/// refused, with why. `replaced` says a recorded replacement removed the device (its ledger row
/// exists).
pub fn refusals(k: Keeper, before: Option<&Record>, after: &Record, replaced: bool) -> Vec<FieldError> {
    let before = before.cloned().unwrap_or_else(|| blank(after));
    let was = before.status == Status::Removed;
    let is = after.status == Status::Removed;
    let mut out: Vec<FieldError> = Vec::new();
    if k == Keeper::Vendor {
        let buyers = "is the buyer's to set (the system's main-device availability is counted on it); \
                      a vendor changes a device's descriptive fields only";
        if before.main != after.main {
            out.push((
                "main",
                format!("{} → {}: the main-device flag {buyers}", before.main, after.main),
            ));
        }
        if before.installed_on != after.installed_on {
            out.push(("installed_on", format!("the installation day {buyers}")));
        }
        // A removal is named once, by its status, below.
        let removing = is && !was;
        if before.removed_on != after.removed_on && !removing {
            out.push(("removed_on", format!("the removal day {buyers}")));
        }
    }
    match (was, is) {
        (false, true) if k != Keeper::Admin => out.push((
            "status",
            format!(
                "{} is removed only by recording its replacement once the buyer and the supervisor approved it \
                 (POST /api/v1/tickets/{{number}}/replacements); an administrator may correct the record",
                after.code
            ),
        )),
        (true, false) if k != Keeper::Admin || replaced => out.push((
            "status",
            if replaced {
                format!(
                    "{} was removed by a recorded replacement and stays removed (the ledger of removed devices keeps it)",
                    after.code
                )
            } else {
                format!(
                    "{} was removed and stays removed; an administrator may correct a removal made by mistake",
                    after.code
                )
            },
        )),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn device() -> Record {
        Record {
            code: "CAM-1".into(),
            kind: "摄像机".into(),
            model: None,
            serial: None,
            location: None,
            latitude: None,
            longitude: None,
            main: true,
            installed_on: NaiveDate::from_ymd_opt(2025, 6, 1),
            removed_on: None,
            warranty_by: None,
            warranty_until: None,
            status: Status::InService,
            attributes: Default::default(),
        }
    }

    fn keys(v: Vec<FieldError>) -> Vec<&'static str> {
        v.into_iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn a_vendor_changes_descriptive_fields_only() {
        let d = device();
        let described = Record {
            location: Some("路口".into()),
            status: Status::Faulty,
            ..d.clone()
        };
        assert!(refusals(Keeper::Vendor, Some(&d), &described, false).is_empty());
        let flipped = Record {
            main: false,
            installed_on: None,
            ..d.clone()
        };
        assert_eq!(
            keys(refusals(Keeper::Vendor, Some(&d), &flipped, false)),
            ["main", "installed_on"]
        );
        assert!(refusals(Keeper::Buyer, Some(&d), &flipped, false).is_empty());
        // A new device of the vendor's: not main, no days.
        assert_eq!(
            keys(refusals(Keeper::Vendor, None, &d, false)),
            ["main", "installed_on"]
        );
    }

    #[test]
    fn removal_is_a_replacements_or_an_admins() {
        let d = device();
        let removed = Record {
            status: Status::Removed,
            removed_on: NaiveDate::from_ymd_opt(2026, 3, 1),
            ..d.clone()
        };
        assert_eq!(keys(refusals(Keeper::Vendor, Some(&d), &removed, false)), ["status"]);
        assert_eq!(keys(refusals(Keeper::Buyer, Some(&d), &removed, false)), ["status"]);
        assert!(refusals(Keeper::Admin, Some(&d), &removed, false).is_empty());
        // Back in service: an admin's correction, unless a replacement removed it.
        assert_eq!(keys(refusals(Keeper::Buyer, Some(&removed), &d, false)), ["status"]);
        assert!(refusals(Keeper::Admin, Some(&removed), &d, false).is_empty());
        assert_eq!(keys(refusals(Keeper::Admin, Some(&removed), &d, true)), ["status"]);
        // The buyer corrects the day of a removal; the vendor does not.
        let later = Record {
            removed_on: NaiveDate::from_ymd_opt(2026, 3, 2),
            ..removed.clone()
        };
        assert!(refusals(Keeper::Buyer, Some(&removed), &later, true).is_empty());
        assert_eq!(
            keys(refusals(Keeper::Vendor, Some(&removed), &later, true)),
            ["removed_on"]
        );
    }
}
