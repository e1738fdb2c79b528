//! Rules for any text opsclock stores, whichever door it came through.
//!
//! **No NUL byte.** PostgreSQL stores no NUL (`\u0000`) in text, and nothing a person writes needs
//! one. The JSON doors refuse a body holding one with a 422 naming the field; a catalogue file is
//! refused by its check, naming the entry, the field and the line; settings saved from files by
//! the command line are refused the same way. [`nul_in`] finds the field:
//!
//! ```
//! use opsclock::app::text::nul_in;
//! let doc = serde_json::json!({"code": "va-duty", "shifts": [{"name": "day\u{0}"}]});
//! assert_eq!(nul_in(&doc).as_deref(), Some("shifts[0].name"));
//! ```

use serde::Serialize;

use crate::app::{AppError, AppResult};

/// The path of the first text in `value` (a key or a string, at any depth) that holds a NUL byte,
/// e.g. `title` or `alerts[0].labels.job`: PostgreSQL stores no NUL in text, so the JSON doors
/// refuse such a body with a 422 naming the field instead of failing when it is written.
pub fn nul_in(value: &serde_json::Value) -> Option<String> {
    fn walk(v: &serde_json::Value, path: &mut String) -> Option<String> {
        let len = path.len();
        let found = match v {
            serde_json::Value::String(s) if s.contains('\0') => Some(path.clone()),
            serde_json::Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
                path.truncate(len);
                path.push_str(&format!("[{i}]"));
                walk(item, path)
            }),
            serde_json::Value::Object(fields) => fields.iter().find_map(|(k, item)| {
                path.truncate(len);
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&k.replace('\0', "\\u0000"));
                if k.contains('\0') {
                    return Some(path.clone());
                }
                walk(item, path)
            }),
            _ => None,
        };
        path.truncate(len);
        found
    }
    walk(value, &mut String::new()).map(|p| if p.is_empty() { ".".to_owned() } else { p })
}

/// Fails with a 422 naming the field when `doc`, as JSON, holds a NUL byte in any text.
pub fn refuse_nul<T: Serialize>(doc: &T) -> AppResult<()> {
    let value = serde_json::to_value(doc).map_err(|e| AppError::Internal(e.into()))?;
    match nul_in(&value) {
        Some(field) => Err(AppError::invalid(
            field,
            "holds a NUL byte (\\u0000), which no text may hold",
        )),
        None => Ok(()),
    }
}

/// `s` trimmed, as a field of a form or body: refused with a 422 naming `field` when it is empty
/// (if `required`), holds a NUL byte, or is longer than `max` characters.
///
/// ```
/// use opsclock::app::text::field;
/// assert_eq!(field("reason", "  重新考核 ", 100, true).unwrap(), "重新考核");
/// assert!(field("reason", " ", 100, true).is_err());
/// assert!(field("text", "a\u{0}", 100, false).is_err());
/// assert!(field("text", "长文本", 2, false).is_err());
/// ```
pub fn field(field: &str, s: &str, max: usize, required: bool) -> AppResult<String> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(AppError::invalid(field, "must not be empty"));
    }
    if t.contains('\0') {
        return Err(AppError::invalid(field, "must not contain a NUL character"));
    }
    if t.chars().count() > max {
        return Err(AppError::invalid(field, format!("longer than {max} characters")));
    }
    Ok(t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::nul_in;
    use serde_json::json;

    #[test]
    fn nul_bytes_are_found_by_their_path() {
        assert_eq!(nul_in(&json!({"title": "ok", "n": 1, "list": ["a", null]})), None);
        assert_eq!(nul_in(&json!({"title": "a\u{0}b"})).as_deref(), Some("title"));
        assert_eq!(
            nul_in(&json!({"alerts": [{"labels": {}}, {"labels": {"job": "x\u{0}"}}]})).as_deref(),
            Some("alerts[1].labels.job")
        );
        assert_eq!(
            nul_in(&json!({"facts": {"a\u{0}": 1}})).as_deref(),
            Some("facts.a\\u0000")
        );
    }
}
