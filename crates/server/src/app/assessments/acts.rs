//! Acts on an assessment: `revise`, `send`, `agree`, `dispute`, `reply`, `maintain`, `sign`,
//! `reopen`, each asked of [`scorecard::lifecycle::apply`] as the actor's party, stored with its
//! event and audit entry in one transaction.
//!
//! The actor's party is the account's: the bureau's and the supervisor's accounts act for them;
//! a unit's account for the unit of a unit's assessment; the vendor's for a vendor the contract
//! binds. An admin acts as an admin, which only reopens. A refused act changes nothing and says
//! why (409 for the state or the figures having moved on, 403 for someone else's act, 422 for a
//! missing point or reason).

use scorecard::lifecycle::{self, Act, Actor, Party, Refusal, State};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::json;

use scorecard::Entries;

use super::{ActBody, AssessmentView, figures, load, schemes, view};
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::{self, Principal, Role};
use crate::app::permissions::{self, Action};
use crate::app::reports::deductions::Stored;
use crate::app::{AppError, AppResult, Context, text};
use crate::db::entities::{assessments, units};

/// The longest point, message or reason, in characters.
const MAX_TEXT: usize = 4000;

/// The acts, by the name the API and the pages use, with the permission each needs.
pub const ACTS: [(&str, Action); 8] = [
    ("revise", Action::AssessmentWrite),
    ("send", Action::AssessmentWrite),
    ("maintain", Action::AssessmentWrite),
    ("agree", Action::AssessmentAnswer),
    ("dispute", Action::AssessmentAnswer),
    ("reply", Action::AssessmentReply),
    ("sign", Action::AssessmentSign),
    ("reopen", Action::AssessmentReopen),
];

/// The party `p` acts for on `row` (of contract `stored`), if any.
pub fn party_of(p: &Principal, row: &assessments::Model, stored: &Stored) -> Option<Party> {
    match p.party? {
        auth::Party::Bureau => Some(Party::Bureau),
        auth::Party::Supervisor => Some(Party::Supervisor),
        auth::Party::Unit(u) => (row.unit_id == Some(u)).then_some(Party::Unit),
        auth::Party::Vendor(v) => super::answers_for_vendor(row, stored, v).then_some(Party::Vendor),
    }
}

/// Who `p` is when doing act `name` to A-`id` as `party` (see [`party_of`]), or why they may not act.
///
/// A signature is a party's, given by its own people: an administrator's account (which belongs
/// to the bureau when it has no unit or vendor) runs the system and signs nothing.
fn actor_of(p: &Principal, id: i64, name: &str, party: Option<Party>) -> AppResult<Actor> {
    if name == "sign" && p.role == Role::Admin {
        return Err(AppError::Forbidden(
            "an administrator's account signs for no party; sign with your party's own manager account (管理员账号不能代表任何一方签字)".into(),
        ));
    }
    // An administrator runs the system: it acts as no party (an admin account without a unit
    // or vendor would otherwise count as the bureau's), and the rulebook lets it only reopen.
    Ok(match (name, p.role, party) {
        (_, Role::Admin, _) => Actor::Admin,
        (_, _, Some(party)) => Actor::Party(party),
        (_, _, None) => {
            return Err(AppError::Forbidden(format!(
                "you act for no party of A-{id} (the unit it assesses, the vendor, the bureau or the supervisor)"
            )));
        }
    })
}

/// The acts `p` may do to `row` (of contract `stored`) now, in [`ACTS`] order: those the
/// permission table grants and [`lifecycle::apply`] accepts from the reader's actor, asked with
/// the figures as they stand (a signature on the hash bound, a dispute with one point, a
/// reopening with a reason). What the page offers; [`act`] asks the same again when it is done.
pub fn allowed_acts(p: &Principal, row: &assessments::Model, stored: &Stored) -> AppResult<Vec<&'static str>> {
    let before = super::lifecycle_of(row)?;
    let party = party_of(p, row, stored);
    let bound = before.hash.clone().unwrap_or_else(|| row.content_hash.clone());
    Ok(ACTS
        .iter()
        .filter(|(_, needs)| permissions::may(p, *needs))
        .filter_map(|&(name, _)| {
            let actor = actor_of(p, row.id, name, party).ok()?;
            let act = match name {
                "revise" => Act::Revise {
                    hash: row.content_hash.clone(),
                },
                "send" => Act::Send {
                    hash: row.content_hash.clone(),
                },
                "agree" => Act::Agree,
                "dispute" => Act::Dispute {
                    points: vec!["·".into()],
                },
                "reply" => Act::Reply,
                "maintain" => Act::Maintain,
                "sign" => Act::Sign { hash: bound.clone() },
                _ => Act::Reopen { reason: "·".into() },
            };
            lifecycle::apply(&before, actor, &act).is_ok().then_some(name)
        })
        .collect())
}

fn refused(r: Refusal) -> AppError {
    let detail = format!("{r} ({})", r.zh());
    match r {
        Refusal::WrongState { .. } | Refusal::StaleHash | Refusal::AlreadySigned(_) => AppError::Conflict(detail),
        Refusal::NotYours { .. } | Refusal::NotASigner(_) => AppError::Forbidden(detail),
        Refusal::Empty(what) => AppError::invalid(
            match what {
                "the reason" => "reason",
                _ => "points",
            },
            detail,
        ),
    }
}

/// Does `name` to assessment `id` as `p`; returns the assessment as it is now.
pub async fn act(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    id: i64,
    name: &str,
    body: ActBody,
) -> AppResult<AssessmentView> {
    let Some(&(name, needs)) = ACTS.iter().find(|(n, _)| *n == name) else {
        return Err(AppError::NotFound(format!(
            "no act {name:?}; acts: {}",
            ACTS.map(|(n, _)| n).join(", ")
        )));
    };
    permissions::check(p, needs)?;
    let (row, stored) = load(&ctx.db, p, id).await?;
    let party = party_of(p, &row, &stored);
    let actor = actor_of(p, id, name, party)?;
    if body.scores.is_some() && name != "revise" {
        return Err(AppError::invalid(
            "scores",
            "scores are given by revising the assessment",
        ));
    }
    let message = text::field("text", body.text.as_deref().unwrap_or(""), MAX_TEXT, false)?;
    // Revising measures the figures again: the month's tickets as they are now.
    let mut revised = None;
    let mut new_entries: Option<Entries> = None;
    let (act, said) = match name {
        "revise" => {
            let unit = match row.unit_id {
                Some(u) => units::Entity::find_by_id(u).one(&ctx.db).await?,
                None => None,
            };
            let scheme = row.scheme.as_deref().map(schemes::get).transpose()?;
            let entries: Option<Entries> = match (body.scores.clone(), &scheme) {
                (Some(_), None) => {
                    return Err(AppError::invalid(
                        "scores",
                        format!("A-{id} has no assessment scheme to score (name one when creating it)"),
                    ));
                }
                (Some(_), Some(_)) if super::periods::months_of(&row.period).is_some() => {
                    return Err(AppError::invalid(
                        "scores",
                        format!(
                            "A-{id} assesses {}: a quarter or a year is scored by its months' final assessments, not by hand",
                            row.period
                        ),
                    ));
                }
                (Some(given), Some(_)) => {
                    new_entries = Some(given.clone());
                    Some(given)
                }
                (None, _) => row
                    .entries
                    .clone()
                    .map(serde_json::from_value)
                    .transpose()
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("A-{id}'s scores: {e}")))?,
            };
            let scored = scheme.as_ref().map(|s| (s, entries.as_ref()));
            let snapshot =
                figures::canonical(&figures::compute(ctx, &stored, unit.as_ref(), &row.period, scored).await?);
            let hash = figures::hash(&snapshot);
            revised = Some(snapshot);
            (Act::Revise { hash }, message)
        }
        "send" => {
            // What is sent is the figures as stored; a hash given says what the sender read, and
            // must be theirs.
            if body.hash.as_deref().is_some_and(|h| h.trim() != row.content_hash) {
                return Err(refused(Refusal::StaleHash));
            }
            (
                Act::Send {
                    hash: row.content_hash.clone(),
                },
                message,
            )
        }
        "agree" => (Act::Agree, message),
        "maintain" => (Act::Maintain, message),
        "reply" => {
            if message.is_empty() {
                return Err(AppError::invalid("text", "a reply says something"));
            }
            (Act::Reply, message)
        }
        "dispute" => {
            let points = body
                .points
                .iter()
                .map(|p| text::field("points", p, MAX_TEXT, false))
                .collect::<AppResult<Vec<_>>>()?;
            let said = points.join("\n");
            let said = if message.is_empty() {
                said
            } else {
                format!("{said}\n{message}")
            };
            (Act::Dispute { points }, said)
        }
        "sign" => {
            let Some(hash) = body.hash.clone().filter(|h| !h.trim().is_empty()) else {
                return Err(AppError::invalid(
                    "hash",
                    "a signature names the content hash of the figures its signer read",
                ));
            };
            (
                Act::Sign {
                    hash: hash.trim().to_owned(),
                },
                message,
            )
        }
        _ => {
            let reason = text::field("reason", body.reason.as_deref().unwrap_or(""), MAX_TEXT, false)?;
            (Act::Reopen { reason: reason.clone() }, reason)
        }
    };
    let before = super::lifecycle_of(&row)?;
    let after = lifecycle::apply(&before, actor, &act).map_err(refused)?;
    let now = ctx.now();
    let txn = ctx.begin_write().await?;
    let content_hash = match &act {
        Act::Revise { hash } => hash.clone(),
        _ => row.content_hash.clone(),
    };
    let keys = |s: &std::collections::BTreeSet<Party>| s.iter().map(|p| p.key()).collect::<Vec<_>>();
    let mut update = assessments::Entity::update_many()
        .col_expr(assessments::Column::State, Expr::value(after.state.key()))
        .col_expr(assessments::Column::Signed, Expr::value(json!(keys(&after.signed))))
        .col_expr(assessments::Column::HashSent, Expr::value(after.hash.clone()))
        .col_expr(assessments::Column::ContentHash, Expr::value(content_hash.clone()))
        .col_expr(assessments::Column::Version, Expr::value(row.version + 1))
        .col_expr(assessments::Column::UpdatedAt, Expr::value(now));
    if let Some(snapshot) = revised {
        update = update.col_expr(assessments::Column::Snapshot, Expr::value(snapshot));
    }
    if let Some(entries) = &new_entries {
        update = update.col_expr(assessments::Column::Entries, Expr::value(Some(json!(entries))));
    }
    if after.state == State::Final && before.state != State::Final {
        update = update.col_expr(assessments::Column::FinalAt, Expr::value(Some(now)));
    }
    if after.state != State::Final && before.state == State::Final {
        update = update.col_expr(
            assessments::Column::FinalAt,
            Expr::value(None::<chrono::DateTime<chrono::Utc>>),
        );
    }
    let done = update
        .filter(assessments::Column::Id.eq(id))
        .filter(assessments::Column::Version.eq(row.version))
        .exec(&txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::Conflict(format!(
            "A-{id} changed meanwhile; read it again (它已被他人修改，请刷新)"
        )));
    }
    let record = super::NewEvent {
        id,
        party: party.filter(|_| actor != Actor::Admin),
        kind: name,
        text: &said,
        hash: &content_hash,
    };
    super::event(&txn, p, record, now).await?;
    let detail = json!({"act": name, "state": after.state.key(), "content_hash": content_hash, "text": said});
    audit::record(
        &txn,
        Some(p.user_id),
        &format!("assessment.{name}"),
        &format!("A-{id}"),
        detail,
        from,
        now,
    )
    .await?;
    // Who must act next hears of it, queued with the change (nothing told of a change undone).
    let now_row = assessments::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no assessment A-{id}")))?;
    let by = party.filter(|_| actor != Actor::Admin);
    let acted = super::notify::Acted {
        name,
        by,
        before: before.state,
        after: &after,
    };
    super::notify::after_act(&txn, &ctx.links, &now_row, &stored, acted, now).await?;
    txn.commit().await?;
    view(&ctx.db, now_row, true).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::auth::Scope;

    fn stored() -> Stored {
        let contract = serde_json::from_value(json!({
            "code": "c", "name": "合同", "vendor": "v", "price_fen": 100, "months": 12, "rules": []
        }))
        .unwrap();
        Stored {
            id: 1,
            contract,
            vendor_id: 7,
            member_ids: vec![],
            system_ids: vec![],
        }
    }

    fn row(state: State, signed: &[&str], hash_sent: Option<&str>) -> assessments::Model {
        let now = chrono::Utc::now();
        assessments::Model {
            id: 1,
            contract_code: "c".into(),
            unit_id: Some(3),
            period: "2026-11".into(),
            scheme: None,
            entries: None,
            state: state.key().into(),
            required: json!(["unit", "vendor", "bureau"]),
            signed: json!(signed),
            snapshot: "{}".into(),
            content_hash: "h1".into(),
            hash_sent: hash_sent.map(str::to_owned),
            version: 1,
            created_by: 1,
            created_at: now,
            updated_at: now,
            final_at: None,
            vendor_id: None,
        }
    }

    fn who(role: Role, party: Option<auth::Party>) -> Principal {
        Principal {
            user_id: 1,
            username: "x".into(),
            role,
            scope: Scope::All,
            party,
            epoch: None,
        }
    }

    #[test]
    fn each_reader_is_offered_what_the_rulebook_and_the_table_allow_now() {
        let unit = who(Role::Manager, Some(auth::Party::Unit(3)));
        let vendor = who(Role::Manager, Some(auth::Party::Vendor(7)));
        let other_vendor = who(Role::Manager, Some(auth::Party::Vendor(8)));
        let bureau = who(Role::Manager, Some(auth::Party::Bureau));
        let admin = who(Role::Admin, None);
        let s = stored();
        let draft = row(State::Draft, &[], None);
        assert_eq!(allowed_acts(&unit, &draft, &s).unwrap(), ["revise", "send"]);
        assert!(allowed_acts(&vendor, &draft, &s).unwrap().is_empty());
        let sent = row(State::Sent, &[], Some("h1"));
        assert_eq!(allowed_acts(&unit, &sent, &s).unwrap(), ["revise"]);
        assert_eq!(allowed_acts(&vendor, &sent, &s).unwrap(), ["agree", "dispute"]);
        assert!(allowed_acts(&other_vendor, &sent, &s).unwrap().is_empty());
        let disputed = row(State::Disputed, &[], Some("h1"));
        assert_eq!(
            allowed_acts(&unit, &disputed, &s).unwrap(),
            ["revise", "maintain", "reply"]
        );
        assert_eq!(allowed_acts(&vendor, &disputed, &s).unwrap(), ["reply"]);
        let agreed = row(State::Agreed, &["unit"], Some("h1"));
        assert_eq!(allowed_acts(&unit, &agreed, &s).unwrap(), ["revise"], "signed already");
        assert_eq!(allowed_acts(&vendor, &agreed, &s).unwrap(), ["sign"]);
        assert_eq!(allowed_acts(&bureau, &agreed, &s).unwrap(), ["revise", "sign"]);
        assert!(
            !allowed_acts(&admin, &agreed, &s).unwrap().contains(&"sign"),
            "an admin signs for no party"
        );
        let done = row(State::Final, &["unit", "vendor", "bureau"], Some("h1"));
        assert_eq!(allowed_acts(&admin, &done, &s).unwrap(), ["reopen"]);
        assert!(allowed_acts(&unit, &done, &s).unwrap().is_empty());
    }
}
