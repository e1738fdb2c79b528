//! Why a ticket has its severity, in the reader's language.
//!
//! A ticket stores its severity's reason once, in both languages, as opening wrote it
//! (`app::tickets::open`), and the API returns it as stored:
//!
//! | stored | 中文 |
//! |---|---|
//! | `{zh} / {en}` (the classifier's) | `{zh}` |
//! | `{why}; the classifier agrees: {zh} / {en}` | `{why}；与分级建议一致：{zh}` |
//! | `{why}; overrides the classifier's {sev} ({zh} / {en})` | `{why}；不同于分级建议「{sev}」（{zh}）` |
//!
//! A reason a person wrote (`{why}`) is theirs and shown as written; `stated` (none written) is
//! 人工指定. Anything else is shown as stored.
//!
//! ```
//! use opsclock::app::vocab::{Lang, reasons::severity_reason};
//! let stored = "核心业务功能完全不可用，大量用户受到严重影响 / core business function completely unavailable, many users seriously affected";
//! assert_eq!(severity_reason(stored, Lang::Zh), "核心业务功能完全不可用，大量用户受到严重影响");
//! assert_eq!(
//!     severity_reason(stored, Lang::En),
//!     "core business function completely unavailable, many users seriously affected"
//! );
//! ```

use super::Lang;

/// Whether `text` holds a Chinese character.
fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// `{zh} / {en}`, when the left is Chinese and the right is not.
fn pair(text: &str) -> Option<(&str, &str)> {
    let (zh, en) = text.split_once(" / ")?;
    (has_cjk(zh) && !has_cjk(en)).then_some((zh, en))
}

/// A reason a person gave; `stated` is what opening wrote when they gave none.
fn why(text: &str, lang: Lang) -> &str {
    if text == "stated" {
        lang.pick("人工指定", "stated")
    } else {
        text
    }
}

/// A severity key in the reader's words (`urgent` → 紧急).
fn severity(key: &str, lang: Lang) -> String {
    match (lang, key.parse::<sla_clock::Severity>()) {
        (Lang::Zh, Ok(s)) => s.label_zh().to_owned(),
        _ => key.to_owned(),
    }
}

/// A stored severity reason in `lang`.
///
/// ```
/// use opsclock::app::vocab::{Lang, reasons::severity_reason};
/// let stored = "stated; overrides the classifier's urgent (核心业务功能完全不可用 / core down)";
/// assert_eq!(severity_reason(stored, Lang::Zh), "人工指定；不同于分级建议「紧急」（核心业务功能完全不可用）");
/// assert_eq!(severity_reason(stored, Lang::En), "stated; overrides the classifier's urgent (core down)");
/// assert_eq!(severity_reason("用户来电", Lang::Zh), "用户来电");
/// ```
pub fn severity_reason(stored: &str, lang: Lang) -> String {
    if let Some((given, rest)) = stored.split_once("; overrides the classifier's ")
        && let Some((sev, inner)) = rest.split_once(" (")
        && let Some((zh, en)) = inner.strip_suffix(')').and_then(pair)
    {
        return match lang {
            Lang::Zh => format!(
                "{}；不同于分级建议「{}」（{zh}）",
                why(given, lang),
                severity(sev, lang)
            ),
            Lang::En => format!("{given}; overrides the classifier's {sev} ({en})"),
        };
    }
    if let Some((given, rest)) = stored.split_once("; the classifier agrees: ")
        && let Some((zh, en)) = pair(rest)
    {
        return match lang {
            Lang::Zh => format!("{}；与分级建议一致：{zh}", why(given, lang)),
            Lang::En => format!("{given}; the classifier agrees: {en}"),
        };
    }
    match pair(stored) {
        Some((zh, en)) => lang.pick(zh, en).to_owned(),
        None => stored.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_s_reason_stays_and_the_classifier_s_speaks_the_reader_s_language() {
        let agrees = "用户电话报障; the classifier agrees: 部分功能受影响 / some functions affected";
        assert_eq!(
            severity_reason(agrees, Lang::Zh),
            "用户电话报障；与分级建议一致：部分功能受影响"
        );
        assert_eq!(
            severity_reason(agrees, Lang::En),
            "用户电话报障; the classifier agrees: some functions affected"
        );
        // A person's own " / " is theirs.
        assert_eq!(severity_reason("a / b", Lang::Zh), "a / b");
    }
}
