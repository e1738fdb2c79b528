//! A device as the inventory keeps it, checked: what the API's JSON and a file's row both become
//! before anything is written, so the two take the same rules (see `docs/devices.md`).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::db::entities::devices::Status;

/// The fixed columns of a device list, in file order: the header cell (Chinese, a space, the
/// English key) and the key. Custom attributes follow as `attr:名称` columns.
pub const COLUMNS: [(&str, &str); 13] = [
    ("设备编号 code", "code"),
    ("类型 type", "type"),
    ("型号 model", "model"),
    ("序列号 serial", "serial"),
    ("位置 location", "location"),
    ("纬度 latitude", "latitude"),
    ("经度 longitude", "longitude"),
    ("主要设备 main", "main"),
    ("安装日期 installed_on", "installed_on"),
    ("拆除日期 removed_on", "removed_on"),
    ("保修方 warranty_by", "warranty_by"),
    ("保修截止 warranty_until", "warranty_until"),
    ("状态 status", "status"),
];

/// The prefix of a custom attribute's column.
pub const ATTR_PREFIX: &str = "attr:";

/// What a device code may not hold, beside spaces and control characters: list separators
/// (`,` `，` `、` `;` `；`) and the marks of a URL path (`/` `?` `#` `%` `\`). Example:
/// `SY-CAM/01` is refused; `SY-CAM-01`, `顺义-卡口_01.2` are codes.
pub const CODE_FORBIDDEN: &str = ",，、;；/?#%\\";

/// The longest code, in characters.
pub const MAX_CODE_CHARS: usize = 64;
/// The longest other text, in characters.
pub const MAX_TEXT_CHARS: usize = 500;
/// The most custom attributes a device may have.
pub const MAX_ATTRIBUTES: usize = 50;

/// A checked device.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The 一机一档 code.
    pub code: String,
    /// Its type.
    pub kind: String,
    /// Model.
    pub model: Option<String>,
    /// Serial.
    pub serial: Option<String>,
    /// Location in words.
    pub location: Option<String>,
    /// Latitude.
    pub latitude: Option<f64>,
    /// Longitude.
    pub longitude: Option<f64>,
    /// A main device.
    pub main: bool,
    /// Entered service.
    pub installed_on: Option<NaiveDate>,
    /// Left service.
    pub removed_on: Option<NaiveDate>,
    /// Warranty provider / OEM.
    pub warranty_by: Option<String>,
    /// Warranty's last day.
    pub warranty_until: Option<NaiveDate>,
    /// Status.
    pub status: Status,
    /// Custom attributes.
    pub attributes: BTreeMap<String, String>,
}

/// One thing wrong with a field: its key and what is wrong.
pub type FieldError = (&'static str, String);

/// Checks a code: 1 to 64 characters, no spaces or control characters.
pub fn code(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("is required".into());
    }
    if t.chars().count() > MAX_CODE_CHARS {
        return Err(format!("is longer than {MAX_CODE_CHARS} characters"));
    }
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{t:?} holds a space or a control character"));
    }
    // A code is a path segment (`/devices/{code}`) and one of a list the ticket page separates by
    // commas and 、: those and the URL's own marks would make it a device no link or list reaches.
    if let Some(c) = t.chars().find(|c| CODE_FORBIDDEN.contains(*c)) {
        return Err(format!("{t:?} holds {c:?}; a code has none of {CODE_FORBIDDEN}"));
    }
    Ok(t.to_owned())
}

/// Checks free text: trimmed, empty is none, at most 500 characters, no control characters.
pub fn text(raw: &str) -> Result<Option<String>, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > MAX_TEXT_CHARS {
        return Err(format!("is longer than {MAX_TEXT_CHARS} characters"));
    }
    if t.chars().any(char::is_control) {
        return Err("holds a control character (a line break, a tab…)".into());
    }
    Ok(Some(t.to_owned()))
}

/// Reads a date written `2026-03-01`; empty is none.
pub fn date(raw: &str) -> Result<Option<NaiveDate>, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| format!("{t:?} is not a date written like 2026-03-01"))
}

/// Reads a coordinate in degrees within `±limit`; empty is none.
pub fn degrees(raw: &str, limit: f64) -> Result<Option<f64>, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= limit => Ok(Some(v)),
        _ => Err(format!("{t:?} is not a number of degrees between -{limit} and {limit}")),
    }
}

/// Reads the main-device flag: 是 / 否, yes / no, true / false, 1 / 0 (empty: no).
pub fn flag(raw: &str) -> Result<bool, String> {
    match raw.trim().to_lowercase().as_str() {
        "是" | "yes" | "y" | "true" | "1" => Ok(true),
        "否" | "no" | "n" | "false" | "0" | "" => Ok(false),
        t => Err(format!("{t:?} is neither 是 (yes) nor 否 (no)")),
    }
}

/// Reads a status by its key or its Chinese name (在用, 故障, 已拆除); empty is in service.
pub fn status(raw: &str) -> Result<Status, String> {
    match raw.trim() {
        "" | "in_service" | "在用" => Ok(Status::InService),
        "faulty" | "故障" => Ok(Status::Faulty),
        "removed" | "已拆除" => Ok(Status::Removed),
        t => Err(format!("{t:?} is not a status; expected in_service, faulty or removed")),
    }
}

/// How the file writes the flag.
pub fn flag_text(main: bool) -> &'static str {
    if main { "是" } else { "否" }
}

/// Checks an attribute's name (after `attr:`): 1 to 64 characters, no control characters.
pub fn attribute_name(name: &str) -> Result<String, String> {
    let t = name.trim();
    if t.is_empty() || t.chars().count() > MAX_CODE_CHARS || t.chars().any(char::is_control) {
        return Err(format!(
            "{t:?} is not an attribute name (1 to {MAX_CODE_CHARS} characters)"
        ));
    }
    Ok(t.to_owned())
}

impl Record {
    /// Reads a device from its fields as text, keyed as [`COLUMNS`] (a missing key is empty), and
    /// its attributes; every field wrong is named.
    pub fn from_fields(
        get: impl Fn(&str) -> String,
        attributes: Vec<(String, String)>,
    ) -> Result<Record, Vec<FieldError>> {
        fn take<T>(errors: &mut Vec<FieldError>, key: &'static str, r: Result<T, String>) -> Option<T> {
            r.map_err(|e| errors.push((key, e))).ok()
        }
        let e = &mut Vec::new();
        let code = take(e, "code", code(&get("code")));
        let kind = take(
            e,
            "type",
            text(&get("type")).and_then(|t| t.ok_or_else(|| "is required".to_owned())),
        );
        let model = take(e, "model", text(&get("model")));
        let serial = take(e, "serial", text(&get("serial")));
        let location = take(e, "location", text(&get("location")));
        let latitude = take(e, "latitude", degrees(&get("latitude"), 90.0));
        let longitude = take(e, "longitude", degrees(&get("longitude"), 180.0));
        let main = take(e, "main", flag(&get("main")));
        let installed_on = take(e, "installed_on", date(&get("installed_on")));
        let removed_on = take(e, "removed_on", date(&get("removed_on")));
        let warranty_by = take(e, "warranty_by", text(&get("warranty_by")));
        let warranty_until = take(e, "warranty_until", date(&get("warranty_until")));
        let status = take(e, "status", status(&get("status")));
        let mut attrs = BTreeMap::new();
        for (name, value) in attributes {
            let name = take(e, "attributes", attribute_name(&name));
            let value = take(e, "attributes", text(&value));
            if let (Some(name), Some(Some(value))) = (name, value) {
                attrs.insert(name, value);
            }
        }
        if attrs.len() > MAX_ATTRIBUTES {
            e.push(("attributes", format!("more than {MAX_ATTRIBUTES} attributes")));
        }
        if !e.is_empty() {
            return Err(std::mem::take(e));
        }
        let record = (|| {
            Some(Record {
                code: code?,
                kind: kind?,
                model: model?,
                serial: serial?,
                location: location?,
                latitude: latitude?,
                longitude: longitude?,
                main: main?,
                installed_on: installed_on?,
                removed_on: removed_on?,
                warranty_by: warranty_by?,
                warranty_until: warranty_until?,
                status: status?,
                attributes: attrs,
            })
        })()
        .ok_or_else(|| vec![("code", "is not valid".to_owned())])?;
        record.consistent().map(|()| record).map_err(|e| vec![e])
    }

    /// The rules across fields: both coordinates or neither; removed exactly when it has a
    /// removal day, not before its installation.
    pub fn consistent(&self) -> Result<(), FieldError> {
        if self.latitude.is_some() != self.longitude.is_some() {
            let key = if self.latitude.is_some() {
                "longitude"
            } else {
                "latitude"
            };
            return Err((key, "give both coordinates or neither".into()));
        }
        match (self.status, self.removed_on) {
            (Status::Removed, None) => {
                return Err(("removed_on", "a removed device needs the day it was removed".into()));
            }
            (s, Some(_)) if s != Status::Removed => {
                return Err(("status", "a device with a removal day is removed".into()));
            }
            _ => {}
        }
        if let (Some(i), Some(r)) = (self.installed_on, self.removed_on)
            && r < i
        {
            return Err(("removed_on", format!("{r} is before its installation on {i}")));
        }
        Ok(())
    }

    /// The fields as a file writes them, keyed as [`COLUMNS`].
    pub fn cells(&self) -> [String; 13] {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let d = |v: &Option<NaiveDate>| v.map(|d| d.to_string()).unwrap_or_default();
        let f = |v: &Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        [
            self.code.clone(),
            self.kind.clone(),
            o(&self.model),
            o(&self.serial),
            o(&self.location),
            f(&self.latitude),
            f(&self.longitude),
            flag_text(self.main).to_owned(),
            d(&self.installed_on),
            d(&self.removed_on),
            o(&self.warranty_by),
            d(&self.warranty_until),
            self.status.key().to_owned(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> impl Fn(&str) -> String {
        let map: BTreeMap<String, String> = pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        move |k| map.get(k).cloned().unwrap_or_default()
    }

    #[test]
    fn a_code_is_a_path_segment_and_a_list_item() {
        for ok in ["SY-CAM-01", "顺义-卡口_01.2", "A+B", "CAM(1)"] {
            assert_eq!(code(ok).as_deref(), Ok(ok));
        }
        for bad in [
            "SY-CAM/01",
            "CAM,1",
            "CAM、1",
            "CAM#1",
            "CAM?1",
            "CAM%201",
            "CAM;1",
            "CAM\\1",
        ] {
            let e = code(bad).unwrap_err();
            assert!(e.contains("a code has none of"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_row_reads_and_writes_back_the_same_cells() {
        let r = Record::from_fields(
            fields(&[
                ("code", "CAM-001"),
                ("type", "摄像机"),
                ("latitude", "40.13"),
                ("longitude", "116.65"),
                ("main", "是"),
                ("installed_on", "2025-01-02"),
                ("status", "在用"),
            ]),
            vec![("像素".into(), "400万".into()), ("品牌".into(), String::new())],
        )
        .unwrap();
        assert_eq!(r.cells()[0], "CAM-001");
        assert_eq!(r.cells()[5], "40.13");
        assert_eq!(r.cells()[7], "是");
        assert_eq!(r.cells()[12], "in_service");
        assert_eq!(r.attributes.len(), 1, "an empty attribute cell is no attribute");
    }

    #[test]
    fn every_wrong_field_is_named() {
        let e = Record::from_fields(
            fields(&[
                ("code", "A B"),
                ("latitude", "91"),
                ("installed_on", "2025/1/2"),
                ("main", "maybe"),
            ]),
            vec![],
        )
        .unwrap_err();
        let keys: Vec<&str> = e.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["code", "type", "latitude", "main", "installed_on"]);
        let e =
            Record::from_fields(fields(&[("code", "X"), ("type", "t"), ("status", "removed")]), vec![]).unwrap_err();
        assert_eq!(e[0].0, "removed_on");
    }
}
