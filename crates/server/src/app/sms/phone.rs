//! Phone numbers SMS go to (pure: no I/O).
//!
//! A person's number is stored normalised, as one of:
//!
//! | written | stored | what |
//! |---|---|---|
//! | `13800138000`, `138 0013 8000`, `138-0013-8000` | `13800138000` | a mainland mobile number: 11 digits, `13` to `19` first |
//! | `+86 138 0013 8000`, `+8613800138000`, `008613800138000` | `13800138000` | the same with the country code |
//! | `+44 7700 900123`, `00447700900123` | `+447700900123` | any other country: E.164, `+`, 7 to 15 digits, not `+86` |
//!
//! Spaces, hyphens, dots and parentheses between digits are dropped. Refused (422 on `phone`):
//! a mainland number that is not a mobile one (`010 6512 3456`, `+86 10 6512 3456`: SMS go to
//! mobiles), 11 digits not starting `13`–`19` (`12345678901`), and anything else that is not a
//! number (`call me`, `+0…`, more than 15 digits).

use crate::app::{AppError, AppResult};

/// `text` normalised (see the module docs), or why it is not a mobile number.
pub fn normalise(text: &str) -> Result<String, String> {
    let t = text.trim();
    let (plus, rest) = match t.strip_prefix('+').or_else(|| t.strip_prefix('＋')) {
        Some(r) => (true, r),
        None => match t.strip_prefix("00") {
            Some(r) => (true, r),
            None => (false, t),
        },
    };
    let mut digits = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => {
                return Err(format!(
                    "{text:?} is not a phone number: only digits, spaces, - ( ) and a leading + are allowed"
                ));
            }
        }
    }
    let mainland = |d: &str| -> Result<String, String> {
        let ok = d.len() == 11 && d.starts_with('1') && matches!(d.as_bytes()[1], b'3'..=b'9');
        if ok {
            Ok(d.to_owned())
        } else {
            Err(format!(
                "{text:?} is not a mainland mobile number: 11 digits starting with 13 to 19 (e.g. 13800138000), \
                 with or without +86"
            ))
        }
    };
    if !plus {
        return mainland(&digits);
    }
    if let Some(national) = digits.strip_prefix("86") {
        return mainland(national);
    }
    if digits.starts_with('0') || !(7..=15).contains(&digits.len()) {
        return Err(format!(
            "{text:?} is not an international number: + and the country code, 7 to 15 digits in all \
             (E.164, e.g. +447700900123)"
        ));
    }
    Ok(format!("+{digits}"))
}

/// [`normalise`], refusing with 422 on `phone`.
pub fn check(text: &str) -> AppResult<String> {
    normalise(text).map_err(|e| AppError::invalid("phone", e))
}

/// A stored number in E.164 (`13800138000` → `+8613800138000`).
pub fn e164(stored: &str) -> String {
    if stored.starts_with('+') {
        stored.to_owned()
    } else {
        format!("+86{stored}")
    }
}

/// A stored number as shown to someone who may read a ticket but not manage its people: the
/// first three and the last four digits (手机号脱敏), the rest `*`. Anything shorter than eight
/// characters is all `*`.
///
/// ```
/// use opsclock::app::sms::phone::masked;
/// assert_eq!(masked("13800138000"), "138****8000");
/// assert_eq!(masked("+447700900123"), "+44******0123");
/// assert_eq!(masked("1234"), "****");
/// ```
pub fn masked(stored: &str) -> String {
    let chars: Vec<char> = stored.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let (head, tail) = (3, 4);
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < head || i >= chars.len() - tail { *c } else { '*' })
        .collect()
}

/// Whether `p` sees the numbers texts went to whole: admins and managers, who manage the people;
/// engineers and viewers see them [`masked`].
pub fn sees_numbers(p: &crate::app::auth::Principal) -> bool {
    matches!(p.role, crate::app::auth::Role::Admin | crate::app::auth::Role::Manager)
}

/// The recipients of an outbox message on `channel` as a reader is shown them: a text's numbers
/// [`masked`] unless the reader `sees_numbers` ([`sees_numbers`]); addresses as they are.
pub fn recipients_shown(channel: &str, to: serde_json::Value, sees_numbers: bool) -> Vec<String> {
    let to: Vec<String> = serde_json::from_value(to).unwrap_or_default();
    if channel == "sms" && !sees_numbers {
        to.iter().map(|n| masked(n)).collect()
    } else {
        to
    }
}

/// `text` with every run of 7 or more digits (a `+` before it kept) [`masked`]: what a reader
/// who may not see numbers is shown of a text message's recipients and errors.
///
/// ```
/// use opsclock::app::sms::phone::masked_in;
/// assert_eq!(masked_in(r#""13800138000" is not a mainland mobile number"#), r#""138****8000" is not a mainland mobile number"#);
/// assert_eq!(masked_in("+447700900123; INC-2026-000031"), "+44******0123; INC-2026-000031");
/// ```
pub fn masked_in(text: &str) -> String {
    static NUMBER: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"\+?[0-9]{7,}").expect("a valid pattern"));
    NUMBER
        .replace_all(text, |c: &regex::Captures<'_>| masked(&c[0]))
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_table_of_the_module_docs() {
        for ok in [
            "13800138000",
            "138 0013 8000",
            "138-0013-8000",
            "+86 138 0013 8000",
            "+8613800138000",
            "008613800138000",
            "＋86 13800138000",
        ] {
            assert_eq!(normalise(ok).as_deref(), Ok("13800138000"), "{ok}");
        }
        assert_eq!(normalise("+44 7700 900123").as_deref(), Ok("+447700900123"));
        assert_eq!(normalise("00447700900123").as_deref(), Ok("+447700900123"));
        assert_eq!(normalise("+1 (202) 555-0143").as_deref(), Ok("+12025550143"));
        for bad in [
            "010 6512 3456",
            "+86 10 6512 3456",
            "12345678901",
            "1380013800",
            "call me",
            "+0123456789",
            "+1234567890123456",
            "+123",
            "",
            "138O0138000",
        ] {
            assert!(normalise(bad).is_err(), "{bad}");
        }
        assert_eq!(e164("13800138000"), "+8613800138000");
        assert_eq!(e164("+447700900123"), "+447700900123");
    }

    #[test]
    fn a_refusal_names_the_field() {
        let e = check("12345").unwrap_err();
        assert!(format!("{e:?}").contains("phone"), "{e:?}");
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent(t in "(\\+|00)?[0-9 ()-]{0,20}") {
            if let Ok(n) = normalise(&t) {
                prop_assert_eq!(normalise(&n), Ok(n.clone()));
                let digits = n.trim_start_matches('+');
                prop_assert!(digits.chars().all(|c| c.is_ascii_digit()));
                prop_assert!(n.len() == 11 || n.starts_with('+'));
            }
        }
    }
}
