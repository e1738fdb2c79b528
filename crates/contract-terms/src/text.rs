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
