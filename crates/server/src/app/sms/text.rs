//! SMS text and its segments (pure: no I/O).
//!
//! A short message carries 140 bytes. Text made only of GSM 03.38 characters (the GSM-7
//! alphabet: ASCII letters and digits, most punctuation, a few accented letters) is packed in
//! 7 bits a character: 160 characters in one message. Any other character (any Chinese one, `…`,
//! an emoji) makes the whole text UCS-2, 16 bits a code unit: 70 code units. A longer text is sent
//! as a concatenated message whose every part gives 6 bytes to the header that joins them, so a
//! part holds 153 GSM-7 characters or 67 UCS-2 code units. Counting:
//!
//! | text | alphabet | counts as | segments |
//! |---|---|---|---|
//! | `T-2026-0001 down` | GSM-7 | 16 | 1 |
//! | 161 × `a` | GSM-7 | 161 | 2 (153 + 8) |
//! | `a{b}` | GSM-7 | 6 (`{` `}` are escapes: 2 each) | 1 |
//! | 70 × `中` | UCS-2 | 70 | 1 |
//! | 71 × `中` | UCS-2 | 71 | 2 (67 + 4) |
//! | `告警🔥` | UCS-2 | 4 (an emoji outside the BMP is 2 code units) | 1 |
//!
//! A part never splits a GSM-7 escape pair or a UTF-16 surrogate pair: such a character moves
//! whole to the next part. 66 × `中`, `🔥` and 66 × `中` are 134 code units, two parts' worth,
//! but make 3 parts (66, then `🔥` and 65, then 1).
//!
//! [`compose`] makes opsclock's messages: a prefix (`【opsclock】紧急 T-2026-0001`), a title cut
//! with `…` to fit, and a link that is never cut, joined by spaces, in one segment unless the
//! caller allows more.

/// The GSM 03.38 basic alphabet (one septet each; the escape 0x1B left out).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The GSM 03.38 extension table (an escape and a septet: two each).
const GSM7_EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// Which alphabet a text is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// GSM 03.38, 7 bits a character: 160 in one message, 153 a part.
    Gsm7,
    /// UCS-2 (UTF-16 code units): 70 in one message, 67 a part.
    Ucs2,
}

impl Encoding {
    /// Units one message holds.
    pub fn single(self) -> usize {
        match self {
            Encoding::Gsm7 => 160,
            Encoding::Ucs2 => 70,
        }
    }

    /// Units one part of a concatenated message holds.
    pub fn part(self) -> usize {
        match self {
            Encoding::Gsm7 => 153,
            Encoding::Ucs2 => 67,
        }
    }
}

/// How a text goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Segments {
    /// The alphabet.
    pub encoding: Encoding,
    /// Length in the alphabet's units: septets (escapes are 2) or UTF-16 code units.
    pub units: usize,
    /// Messages needed (0 for the empty text).
    pub count: usize,
}

/// Septets a character takes in GSM-7, or `None` if it is not in the alphabet.
fn gsm7_width(c: char) -> Option<usize> {
    if GSM7_BASIC.contains(c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// The alphabet, length and number of messages of `text`.
pub fn segments(text: &str) -> Segments {
    let gsm: Option<Vec<usize>> = text.chars().map(gsm7_width).collect();
    let (encoding, widths) = match gsm {
        Some(w) => (Encoding::Gsm7, w),
        None => (Encoding::Ucs2, text.chars().map(char::len_utf16).collect()),
    };
    let units = widths.iter().sum();
    let count = if units == 0 {
        0
    } else if units <= encoding.single() {
        1
    } else {
        // Parts filled greedily; a two-unit character never straddles two parts.
        let (mut parts, mut used) = (1, 0);
        for w in widths {
            if used + w > encoding.part() {
                parts += 1;
                used = 0;
            }
            used += w;
        }
        parts
    };
    Segments { encoding, units, count }
}

/// What a message is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts<'a> {
    /// Comes first, whole (`【opsclock】紧急 T-2026-0001`).
    pub prefix: &'a str,
    /// Cut with `…` where the message would not fit.
    pub title: &'a str,
    /// Comes last, whole, never cut (may be empty).
    pub link: &'a str,
    /// Segments the message may take [opsclock's own: 1].
    pub max_segments: usize,
}

/// A message [`compose`] made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    /// The text.
    pub text: String,
    /// How it goes out; `segments.count > max_segments` only when the prefix and the link alone
    /// do not fit (the title then fills the segments they take, as far as it goes).
    pub segments: Segments,
    /// Whether the title was cut (or left out).
    pub cut: bool,
    /// The title as the text has it: white space made single, cut with `…`, or empty when it
    /// was left out (what a cloud gateway's `title` template variable is given).
    pub title: String,
}

/// `prefix title link`, joined by single spaces (empty parts and their space left out), with
/// the title cut to its longest beginning that, followed by `…`, keeps the message within
/// `max_segments`. Runs of white space in the title become one space (a title's line breaks
/// would waste units). If the prefix and the link alone take more segments than asked (a long
/// link), the message takes as many as they need — [`Composed::segments`] says how many — and
/// the title is cut to fill those instead of being left out.
///
/// ```
/// use opsclock::app::sms::text::{compose, Parts};
/// let m = compose(&Parts {
///     prefix: "【opsclock】紧急 T-2026-0001",
///     title: "区政务云平台数据库主节点宕机，全部业务系统无法访问，请立即处理",
///     link: "https://ops.example.cn/t/T-2026-0001",
///     max_segments: 1,
/// });
/// assert_eq!(m.text, "【opsclock】紧急 T-2026-0001 区政务云平台数… https://ops.example.cn/t/T-2026-0001");
/// assert_eq!((m.segments.units, m.segments.count, m.cut), (70, 1, true));
/// ```
pub fn compose(parts: &Parts<'_>) -> Composed {
    let title: String = parts.title.split_whitespace().collect::<Vec<_>>().join(" ");
    let join = |title: &str| {
        [parts.prefix.trim(), title, parts.link.trim()]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    // The prefix and the link are never cut: the segments they need are sent (and paid for)
    // whatever is asked, so the title fills them rather than leaving them half empty.
    let max = parts.max_segments.max(1).max(segments(&join("")).count);
    let whole = join(&title);
    let s = segments(&whole);
    if s.count <= max {
        return Composed {
            text: whole,
            segments: s,
            cut: false,
            title,
        };
    }
    // Longest beginning of the title that fits with `…`: the count only grows with the
    // beginning, so search by halves over character boundaries.
    let chars: Vec<char> = title.chars().collect();
    let cut = |n: usize| {
        let mut t: String = chars[..n].iter().collect::<String>().trim_end().to_owned();
        t.push('…');
        t
    };
    let fits = |n: usize| segments(&join(&cut(n))).count <= max;
    let (mut lo, mut hi) = (0usize, chars.len());
    if !fits(0) {
        let text = join("");
        return Composed {
            segments: segments(&text),
            text,
            cut: true,
            title: String::new(),
        };
    }
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let title = if lo == 0 { String::new() } else { cut(lo) };
    let text = join(&title);
    Composed {
        segments: segments(&text),
        text,
        cut: true,
        title,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_table_of_the_module_docs() {
        let s = segments("T-2026-0001 down");
        assert_eq!((s.encoding, s.units, s.count), (Encoding::Gsm7, 16, 1));
        assert_eq!(segments(&"a".repeat(160)).count, 1);
        let s = segments(&"a".repeat(161));
        assert_eq!((s.units, s.count), (161, 2));
        assert_eq!(segments(&"a".repeat(306)).count, 2);
        assert_eq!(segments(&"a".repeat(307)).count, 3);
        assert_eq!(segments("a{b}").units, 6);
        let s = segments(&"中".repeat(70));
        assert_eq!((s.encoding, s.units, s.count), (Encoding::Ucs2, 70, 1));
        assert_eq!(segments(&"中".repeat(71)).count, 2);
        assert_eq!(segments(&"中".repeat(134)).count, 2);
        assert_eq!(segments(&"中".repeat(135)).count, 3);
        let s = segments("告警🔥");
        assert_eq!((s.encoding, s.units, s.count), (Encoding::Ucs2, 4, 1));
        // One non-GSM character turns all of it UCS-2: 100 ASCII letters and a `…` are 2 parts.
        assert_eq!(segments(&format!("{}…", "a".repeat(100))).count, 2);
        assert_eq!(segments("").count, 0);
    }

    #[test]
    fn a_surrogate_pair_or_an_escape_moves_whole_to_the_next_part() {
        // 66 + 2 + 1 = 69 code units: one message.
        assert_eq!(segments(&format!("{}🔥中", "中".repeat(66))).count, 1);
        // 66 + 2 + 5 = 73 code units: the emoji does not fit in the first part's last unit.
        let t = format!("{}🔥{}", "中".repeat(66), "中".repeat(5));
        assert_eq!(segments(&t).units, 73);
        assert_eq!(segments(&t).count, 2);
        // 67 + 67 + 1 with the emoji at the boundary: 66 + (2 moved) … makes 3.
        let t = format!("{}🔥{}", "中".repeat(66), "中".repeat(66));
        assert_eq!(segments(&t).units, 134);
        assert_eq!(segments(&t).count, 3);
        // GSM-7: 152 letters and a `€` (2 septets) at the boundary.
        let t = format!("{}€{}", "a".repeat(152), "a".repeat(10));
        assert_eq!(segments(&t).units, 164);
        assert_eq!(segments(&t).count, 2);
    }

    #[test]
    fn a_short_message_is_kept_whole() {
        let m = compose(&Parts {
            prefix: "【opsclock】紧急 T-2026-0001",
            title: "门户网站\n无法访问",
            link: "https://o.cn/a/x",
            max_segments: 1,
        });
        assert_eq!(
            m.text,
            "【opsclock】紧急 T-2026-0001 门户网站 无法访问 https://o.cn/a/x"
        );
        assert!(!m.cut);
        assert_eq!(m.segments.count, 1);
    }

    #[test]
    fn a_link_too_long_takes_a_second_segment_and_the_title_fills_it() {
        let link = format!("https://ops.example.cn/{}", "x".repeat(60));
        let m = compose(&Parts {
            prefix: "【opsclock】紧急 T-2026-0001",
            title: "门户网站无法访问",
            link: &link,
            max_segments: 1,
        });
        assert_eq!(m.text, format!("【opsclock】紧急 T-2026-0001 门户网站无法访问 {link}"));
        assert!(!m.cut);
        assert_eq!(m.segments.count, 2);
        // A title longer than the second segment's room is cut to fill two segments exactly.
        let title = "中".repeat(100);
        let m = compose(&Parts {
            prefix: "【opsclock】紧急 T-2026-0001",
            title: &title,
            link: &link,
            max_segments: 1,
        });
        assert!(m.cut);
        assert_eq!((m.segments.count, m.segments.units), (2, 134), "{}", m.text);
    }

    fn m_parts(title: &str) -> Parts<'_> {
        Parts {
            prefix: "P",
            title,
            link: "L",
            max_segments: 2,
        }
    }

    #[test]
    fn more_segments_when_asked() {
        let title = "中".repeat(200);
        let m = compose(&Parts {
            prefix: "P",
            title: &title,
            link: "L",
            max_segments: 2,
        });
        // Two parts of 67: "P " + 129 × 中 + "…" + " L" = 134 code units.
        assert_eq!((m.segments.count, m.segments.units), (2, 134));
        assert!(m.cut);
        let one = compose(&Parts {
            max_segments: 1,
            ..m_parts(&title)
        });
        assert_eq!((one.segments.count, one.segments.units), (1, 70));
    }

    proptest! {
        #[test]
        fn composed_messages_fit_keep_the_link_and_begin_with_the_title(
            prefix in "【opsclock】(紧急|严重|一般) T-20[0-9]{2}-[0-9]{4}",
            title in "[a-z 中文告警🔥€{}…\n]{0,120}",
            link in "(https://[a-z]{1,12}\\.cn/a/[A-Za-z0-9]{0,16})?",
            max in 1usize..4,
        ) {
            let m = compose(&Parts { prefix: &prefix, title: &title, link: &link, max_segments: max });
            prop_assert_eq!(m.segments, segments(&m.text));
            prop_assert!(m.text.starts_with(&prefix));
            prop_assert!(m.text.ends_with(&link));
            // The prefix (at most 24 code units) and the link (42) leave room for `…`.
            prop_assert!(m.segments.count <= max, "{} is {:?}", m.text, m.segments);
            if max == 1 {
                prop_assert!(m.segments.units <= 70 || m.segments.encoding == Encoding::Gsm7);
            }
            let normal: String = title.split_whitespace().collect::<Vec<_>>().join(" ");
            let middle = m.text[prefix.len()..m.text.len() - link.len()].trim();
            if m.cut {
                let kept = middle.strip_suffix('…').unwrap_or(middle);
                prop_assert!(normal.starts_with(kept), "{:?} is not a beginning of {:?}", kept, normal);
                // Maximal: one more character of the title (past a space) would not fit.
                let k = kept.chars().count();
                let step = if normal.chars().nth(k) == Some(' ') { 2 } else { 1 };
                if k + step <= normal.chars().count() {
                    let longer: String = normal.chars().take(k + step).collect();
                    let bigger = [prefix.as_str(), &format!("{longer}…"), link.as_str()]
                        .into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ");
                    prop_assert!(segments(&bigger).count > max, "{:?} would fit", bigger);
                }
            } else {
                prop_assert_eq!(middle, normal.as_str());
            }
        }

        #[test]
        fn more_text_never_needs_fewer_segments(a in "[a-z中🔥€]{0,200}", b in "[a-z中🔥€]{0,10}") {
            let ab = a.clone() + &b;
            prop_assert!(segments(&ab).count >= segments(&a).count);
        }
    }
}
