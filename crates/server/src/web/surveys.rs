//! `/surveys`: the satisfaction surveys (满意度调查) in the reader's scope, and, for a unit's
//! managers, the period's survey of each contract serving the unit (filled, or replaced when
//! filled already) — both calling [`crate::app::surveys`], which says who may fill and read.

use std::collections::{BTreeMap, HashMap};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde_json::json;

use super::errors::reason;
use super::i18n::Lang;
use super::templates::ZONE;
use super::{Fields, Viewer, WebError, WebResult, field, local_path, redirect_with};
use crate::app::AppError;
use crate::app::audit::ClientAddr;
use crate::app::surveys::{self, Answers, NewSurvey, SurveyQuery, rating_choices};
use crate::http::AppState;

/// The words of this page and of the dashboard's satisfaction card, Chinese and English.
const WORDS: &[(&str, &str, &str)] = &[
    ("surveys", "满意度调查", "Satisfaction surveys"),
    (
        "hint",
        "用户单位管理人员按月或按季度对合同服务填写满意度调查：总体评价 1–5 分，4 分（满意）及以上计为满意；各方面评价和意见可选。每个单位、合同、月份一份（季度调查涵盖其三个月），可由本单位替换（留痕）。",
        "A unit's managers rate a contract's service each month or quarter: overall 1–5, 4 (satisfied) and above count as satisfied; aspects and a comment are optional. One per unit, contract and month (a quarter's survey covers its three months); the unit may replace it (audited).",
    ),
    (
        "period",
        "期间（月 2026-11 或季度 2026-Q4）",
        "Period (month 2026-11 or quarter 2026-Q4)",
    ),
    ("show", "查看", "Show"),
    ("none", "暂无满意度调查", "No surveys"),
    ("number", "编号", "No."),
    ("unit", "用户单位", "Unit"),
    ("contract", "合同", "Contract"),
    ("vendor", "服务商", "Vendor"),
    ("overall", "总体评价", "Overall"),
    ("aspects", "分项评价", "Aspects"),
    ("comment", "意见建议", "Comment"),
    ("filled_by", "填写人", "Filled by"),
    ("updated_at", "填写时间", "Filled at"),
    ("fill", "填写本期调查", "Fill this period's survey"),
    ("submit", "提交", "Submit"),
    (
        "replace",
        "提交（替换本期已填写的调查）",
        "Submit (replaces this period's survey)",
    ),
    ("filled", "本期已填写：", "Filled already: "),
    ("no_forms", "本期不能填写调查：", "No survey for this period: "),
    (
        "covered",
        "本期已由其他期间的调查涵盖（每个单位、合同、月份只填一份），如需修改请替换：",
        "This period is rated by another period's survey (one per unit, contract and month); replace that one: ",
    ),
    ("target", "合同目标", "Target"),
    ("no_target", "合同未约定满意度目标", "The contract sets no target"),
    ("not_rated", "不评价", "Not rated"),
    ("combined", "综合满意度", "Combined satisfaction"),
    ("ticket_ratings", "工单评价", "ticket ratings"),
    ("survey_ratings", "调查", "surveys"),
    ("met", "达标", "met"),
    ("not_met", "未达标", "not met"),
    ("rows_met", "达标单位", "units met"),
    ("rows_not_met", "未达标单位", "units not met"),
];

/// The words of `lang`, by key.
pub(super) fn words(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    super::templates::pick(WORDS, lang == Lang::Zh)
}

/// `GET /surveys?period=…&contract=…&unit=…`: the surveys the reader may read (of the period,
/// when one is given), and the period's forms for a unit's managers (this month by default).
pub async fn page(
    State(state): State<AppState>,
    v: Viewer,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> WebResult {
    let q = q.map_err(|e| WebError::BadRequest(e.body_text()))?.0;
    let get = |k: &str| q.get(k).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let query = SurveyQuery {
        contract: get("contract"),
        period: get("period"),
        unit: get("unit"),
    };
    let list = surveys::list(&state, &v.p, query.clone()).await?;
    let period = query
        .period
        .clone()
        .unwrap_or_else(|| state.now().with_timezone(&ZONE).format("%Y-%m").to_string());
    let forms = surveys::forms(&state, &v.p, &period).await?;
    // Why a unit's manager gets no form for the period (not begun, a quarter too early).
    let no_forms = match surveys::period_of(&period, state.now()) {
        Err(e) if surveys::fills(&v.p) => Some(reason(&e, v.lang)),
        _ => None,
    };
    super::page(
        &v,
        "surveys.html",
        ctx! {
            list => list,
            forms => forms,
            no_forms => no_forms,
            ratings => rating_choices(),
            sw => words(v.lang),
            q => json!({"period": query.period, "contract": query.contract, "unit": query.unit}),
            period => period,
        },
    )
}

/// The form's answers: `overall`, `aspect:<name>` for each rated aspect, `comment`.
fn answers(f: &HashMap<String, String>) -> Result<Answers, AppError> {
    let number = |k: &str, name: &str| {
        field(f, k)
            .map(|s| {
                s.parse::<i64>()
                    .map_err(|_| AppError::invalid(name, format!("{s:?} is not a number (应填写数字)")))
            })
            .transpose()
    };
    let mut aspects = BTreeMap::new();
    for k in f.keys() {
        if let Some(name) = k.strip_prefix("aspect:")
            && let Some(r) = number(k, &format!("aspects.{name}"))?
        {
            aspects.insert(name.to_owned(), r);
        }
    }
    Ok(Answers {
        version: number("version", "version")?,
        overall: number("overall", "overall")?,
        aspects,
        comment: f.get("comment").cloned(),
    })
}

/// `POST /surveys`: fills the period's survey from the form (or replaces the one named by
/// `replace`) and goes back.
pub async fn submit(State(state): State<AppState>, v: Viewer, from: ClientAddr, axum::Form(f): Fields) -> WebResult {
    v.check_form(&f)?;
    let back = local_path(f.get("back").map(String::as_str), "/surveys");
    let title = words(v.lang)["surveys"];
    let done = match (answers(&f), field(&f, "replace")) {
        (Err(e), _) => Err(e),
        (Ok(a), Some(id)) => match surveys::id_of(id) {
            Ok(id) => surveys::replace(&state, &v.p, &from, id, a).await,
            Err(e) => Err(e),
        },
        (Ok(a), None) => {
            let body = NewSurvey {
                contract: field(&f, "contract").unwrap_or_default().to_owned(),
                period: field(&f, "period").unwrap_or_default().to_owned(),
                overall: a.overall,
                aspects: a.aspects,
                comment: a.comment,
            };
            surveys::fill(&state, &v.p, &from, body).await
        }
    };
    match done {
        Ok(view) => Ok(redirect_with(
            &back,
            &format!("{title} {} · {} ✓", view.number, view.overall_label),
        )),
        Err(e @ AppError::Internal(_)) => Err(e.into()),
        Err(e) => Ok(redirect_with(&back, &format!("{title} ✗ {}", reason(&e, v.lang)))),
    }
}

#[cfg(test)]
mod tests {
    /// Every `sw.key` the surveys page and the dashboard's card use exists, in both languages.
    #[test]
    fn every_word_the_pages_use_exists_in_both_languages() {
        let used = super::super::templates::words_used(&["surveys", "dashboard"], "sw");
        assert!(used.iter().any(|(_, k)| k == "no_forms"), "{used:?}");
        super::super::templates::check_words(super::WORDS, &used);
    }
}
