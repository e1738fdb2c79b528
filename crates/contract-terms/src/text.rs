//! How numbers read in evidence, notes and problems.

/// A number with at most `decimals` decimals, trailing zeros dropped: `22.5`, `30`.
pub(crate) fn num(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// `n` with the noun in the right number: `1 clock`, `8 clocks`.
pub(crate) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A note as the contracts' Chinese says it and as the English API says it; split into
/// [`crate::Outcome::notes_zh`] and [`crate::Outcome::notes`] at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Note {
    pub(crate) zh: String,
    pub(crate) en: String,
}

impl Note {
    pub(crate) fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Note {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The note with `month` before it in both languages: `2026-11：…`, `2026-11: …`.
    pub(crate) fn in_month(&self, month: &str) -> Note {
        Note::new(format!("{month}：{}", self.zh), format!("{month}: {}", self.en))
    }
}

/// Notes as the two parallel lists the API carries: (Chinese, English).
pub(crate) fn split(notes: Vec<Note>) -> (Vec<String>, Vec<String>) {
    notes.into_iter().map(|n| (n.zh, n.en)).unzip()
}
