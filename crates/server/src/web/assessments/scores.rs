//! Score entry on the assessment page (考核评分): when the assessment has a scheme and the reader
//! may `revise` it, a sheet with one row per item of the scheme and one field per aspect, its
//! maximum shown, filled in with the scores given. Sending it is the `revise` act with `scores`
//! ([`crate::app::assessments::acts::act`]); what the use case refuses (a score above its
//! maximum, an item not scored) comes back on the same page, next to the sheet, with what was
//! typed kept and the fields at fault marked. The rules are the scheme's, asked of the use case.

use std::collections::{BTreeMap, HashMap};

use axum::http::StatusCode;
use scorecard::{Dec2, Entries};

use super::{field, reason, words};
use crate::app::AppError;
use crate::app::assessments::schemes::{self, Sheet};
use crate::app::assessments::{ActBody, AssessmentView};
use crate::app::audit::ClientAddr;
use crate::http::AppState;
use crate::web::{Viewer, WebResult, redirect_with};

/// The prefix of a score field: `s.{item}.{aspect}`.
const PREFIX: &str = "s.";

/// The text of each field, by (item, aspect).
type Given = BTreeMap<(String, String), String>;

/// A sheet sent back: what was typed, why it was refused, and the fields at fault.
pub(super) struct Typed {
    /// The text of each field, by (item, aspect).
    pub given: Given,
    /// The refusal, in the reader's language.
    pub error: String,
    /// The places at fault: (item, aspect), or (item, none) for a whole item.
    pub bad: Vec<(String, Option<String>)>,
}

/// The sheet the page shows `a`'s reader: none without a scheme or unless they may revise it
/// now. Filled in with what was `typed`, else with the scores stored in the figures.
pub(super) fn sheet_for(
    a: &AssessmentView,
    allowed: &[&str],
    typed: Option<&Typed>,
) -> Result<Option<Sheet>, AppError> {
    // A quarter or a year is scored by its months' final assessments, not by hand.
    let monthly = crate::app::assessments::periods::months_of(&a.period).is_none();
    let Some(code) = a.scheme.as_deref().filter(|_| monthly && allowed.contains(&"revise")) else {
        return Ok(None);
    };
    let scheme = schemes::get(code)?;
    Ok(Some(match typed {
        Some(t) => schemes::sheet(&scheme, &t.given, &t.bad),
        None => {
            let stored = a
                .figures
                .as_ref()
                .and_then(|f| f.pointer("/scorecard/entries"))
                .and_then(|e| serde_json::from_value::<Entries>(e.clone()).ok())
                .unwrap_or_default();
            schemes::sheet(&scheme, &schemes::given_text(&stored), &[])
        }
    }))
}

/// The sheet's fields: the entries they give (an empty field gives none), the text of each, and
/// the fields that are not numbers with at most two decimals.
fn read(f: &HashMap<String, String>) -> (Entries, Given, Vec<(String, String)>) {
    let mut entries = Entries::new();
    let mut typed = BTreeMap::new();
    let mut not_numbers = Vec::new();
    for (key, value) in f {
        let Some((item, aspect)) = key.strip_prefix(PREFIX).and_then(|k| k.split_once('.')) else {
            continue;
        };
        let value = value.trim();
        typed.insert((item.to_owned(), aspect.to_owned()), value.to_owned());
        if value.is_empty() {
            continue;
        }
        match value.parse::<Dec2>() {
            Ok(d) => {
                entries.set(item, aspect, d);
            }
            Err(_) => not_numbers.push((item.to_owned(), aspect.to_owned())),
        }
    }
    not_numbers.sort();
    (entries, typed, not_numbers)
}

/// `POST /assessments/{id}/revise` with the sheet (`scores` set): the scores given, the figures
/// measured again; refused, the page again with the sheet as typed and the reason (422).
pub(super) async fn submit(
    state: AppState,
    v: Viewer,
    from: ClientAddr,
    id: i64,
    f: HashMap<String, String>,
) -> WebResult {
    let w = words(v.lang);
    let back = format!("/assessments/{id}");
    let label = w["save_scores"];
    let (entries, given, not_numbers) = read(&f);
    if !not_numbers.is_empty() {
        let (a, _) = crate::app::assessments::get_with_acts(&state, &v.p, id).await?;
        let names = a
            .scheme
            .as_deref()
            .map(schemes::get)
            .transpose()?
            .map(|s| {
                s.items()
                    .flat_map(|(_, i)| {
                        s.aspects_of(i)
                            .iter()
                            .map(|a| ((i.id.clone(), a.id.clone()), format!("{}·{}", i.name, a.name)))
                            .collect::<Vec<_>>()
                    })
                    .collect::<BTreeMap<_, _>>()
            })
            .unwrap_or_default();
        let error = not_numbers
            .iter()
            .map(|place| {
                let name = names
                    .get(place)
                    .cloned()
                    .unwrap_or_else(|| format!("{}.{}", place.0, place.1));
                let text = given.get(place).map_or("", String::as_str);
                format!("{name}：「{text}」{}", w["not_a_number"])
            })
            .collect::<Vec<_>>()
            .join("；");
        let bad = not_numbers.into_iter().map(|(i, a)| (i, Some(a))).collect();
        return refused(state, v, id, Typed { given, error, bad }).await;
    }
    let body = ActBody {
        text: field(&f, "text").map(str::to_owned),
        scores: Some(entries.clone()),
        ..ActBody::default()
    };
    match crate::app::assessments::acts::act(&state, &v.p, &from, id, "revise", body).await {
        Ok(a) => Ok(redirect_with(
            &back,
            &format!("{label} · {} ✓ {}", a.code, super::state_label(&a.state, v.lang)),
        )),
        Err(e @ AppError::Invalid { .. }) => {
            let (a, _) = crate::app::assessments::get_with_acts(&state, &v.p, id).await?;
            let bad = match a.scheme.as_deref().map(schemes::get).transpose()? {
                Some(scheme) => schemes::problems(&scheme, &entries),
                None => Vec::new(),
            };
            let error = reason(&e, v.lang);
            refused(state, v, id, Typed { given, error, bad }).await
        }
        Err(e @ (AppError::Internal(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => Ok(redirect_with(
            &back,
            &format!("{label} · A-{id} ✗ {}", reason(&e, v.lang)),
        )),
    }
}

/// The page again, with the sheet as typed and why it was refused: 422.
async fn refused(state: AppState, v: Viewer, id: i64, typed: Typed) -> WebResult {
    let mut res = super::render(&state, &v, id, Some(typed)).await?;
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sheet_reads_numbers_leaves_empty_fields_out_and_names_the_rest() {
        let f: HashMap<String, String> = [
            ("csrf", "x"),
            ("scores", "1"),
            ("s.a01.timeliness", " 3 "),
            ("s.a01.quality", "4.5"),
            ("s.a01.documentation", ""),
            ("s.a02.quality", "abc"),
            ("s.a02.timeliness", "1.234"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let (entries, typed, bad) = read(&f);
        assert_eq!(entries.0.len(), 1);
        assert_eq!(entries.0["a01"]["quality"], Dec2::from_hundredths(450));
        assert!(!entries.0["a01"].contains_key("documentation"), "empty: not given");
        assert_eq!(typed[&("a01".into(), "timeliness".into())], "3");
        assert_eq!(
            bad,
            [("a02".into(), "quality".into()), ("a02".into(), "timeliness".into())]
        );
    }
}
