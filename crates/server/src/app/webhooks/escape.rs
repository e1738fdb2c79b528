//! Outside text made literal for the chat formats ([`super::format`]): what opsclock did not
//! write (a ticket's title, an alert's labels, a note) can carry no markup, mention or link into
//! an ops group.
//!
//! | format | what is done to outside text |
//! |---|---|
//! | DingTalk, WeCom (markdown) | one line; web addresses defanged; markdown specials backslash-escaped; `<`, `>`, `&` as entities |
//! | Feishu (text) | one line; web addresses defanged; `<`, `>` full-width |
//!
//! For example the title `# 紧急 [重置](http://evil.example)` reaches DingTalk as
//! `\# 紧急 \[重置\]\(http\[:\]//evil\[.\]example\)`, which shows as
//! `# 紧急 [重置](http[:]//evil[.]example)`: no heading, no link.

/// `s` on one line: control characters (newlines, tabs, escapes) become spaces.
fn one_line(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().map(|c| if c.is_control() { ' ' } else { c })
}

/// `s` with every web address written so that no chat client makes a link of it: `://` becomes
/// `[:]//`, a leading `www.` becomes `www[.]`, and the dots of the host that follows become `[.]`
/// (a client that links bare names such as `evil.example` finds none either), as security
/// reports write addresses nobody should click ("defanged"); the rest of the address is kept, so
/// a person can still read it.
///
/// ```
/// # use opsclock::app::webhooks::escape::defang_urls;
/// assert_eq!(
///     defang_urls("见 http://evil.example/a.html 或 www.Evil.example"),
///     "见 http[:]//evil[.]example/a.html 或 www[.]Evil[.]example"
/// );
/// assert_eq!(defang_urls("版本 1.2.3，单位 sy.01"), "版本 1.2.3，单位 sy.01");
/// ```
pub fn defang_urls(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    let mut after_word = false;
    while let Some(c) = rest.chars().next() {
        let www = !after_word && rest.get(..4).is_some_and(|w| w.eq_ignore_ascii_case("www."));
        if rest.starts_with("://") || www {
            if www {
                out.push_str(&rest[..3]);
                out.push_str("[.]");
                rest = &rest[4..];
            } else {
                out.push_str("[:]//");
                rest = &rest[3..];
            }
            // The host, with any user and port: up to the path, the query, a space, punctuation.
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || "-.:@[]%_~!$&'*+,;=".contains(c)))
                .unwrap_or(rest.len());
            out.push_str(&rest[..end].replace('.', "[.]"));
            rest = &rest[end..];
            after_word = true;
            continue;
        }
        out.push(c);
        // `awww.x` is no address; `访问www.x` is.
        after_word = c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// `s` as literal text in DingTalk's and WeCom's markdown: one line, web addresses no link
/// ([`defang_urls`]), markdown specials backslash-escaped, `<`, `>` and `&` as entities.
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in one_line(&defang_urls(s)) {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '!' | '~' | '|' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// `s` as literal text in a Feishu text message: one line, web addresses no link
/// ([`defang_urls`]), `<` and `>` in their full-width forms (Feishu reads `<at user_id="all">` as
/// a mention of everyone).
pub fn escape_text(s: &str) -> String {
    one_line(&defang_urls(s))
        .map(|c| match c {
            '<' => '＜',
            '>' => '＞',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defanging_leaves_text_without_addresses_alone() {
        for plain in [
            "核心交换机端口告警",
            "版本 1.2.3 升级",
            "a.b.c 单位 sy.01",
            "awww.x",
            "10.1.2.3 不通",
        ] {
            assert_eq!(defang_urls(plain), plain);
        }
        assert_eq!(defang_urls("http://"), "http[:]//");
        assert_eq!(defang_urls("访问www.x.cn"), "访问www[.]x[.]cn");
    }

    #[test]
    fn escaping_keeps_plain_chinese_as_it_is() {
        assert_eq!(escape_markdown("核心交换机端口告警"), "核心交换机端口告警");
        assert_eq!(escape_text("核心交换机端口告警"), "核心交换机端口告警");
    }
}
