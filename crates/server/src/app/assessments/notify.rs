//! Who is told when an assessment waits for them, by email through the outbox (exactly once per
//! act, retried, in Chinese with the English copy for who asked for it).
//!
//! | after | told | to do |
//! |---|---|---|
//! | `send`, `maintain` | the vendor's managers | 确认或提出异议 (agree or dispute) |
//! | `dispute`, `reply` by the vendor | the buyer's managers (the unit's, for a unit's assessment; the bureau's) | 核实后修订或维持 (revise or maintain) |
//! | `reply` by the buyer | the vendor's managers | (read the reply) |
//! | `agree`, and each `sign` while some still must | the managers of each party still to sign (and the supervisor's people, where asked) | 签字 (sign) |
//! | the last `sign` (final) | every party's managers | — (the record is final) |
//! | `reopen` of a final record, `revise` of one sent, agreed or disputed | every required party's managers and the vendor's | 签字作废，待重新发送 (the signatures given are void; it will be sent again) |
//!
//! The mail links to the assessment's page (`/assessments/{id}`) and names the contract, the
//! month, the state, who is still to sign and the content hash. Its identity is
//! `assessment/A-{id}/v{version}`: one message per change, never twice.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use scorecard::lifecycle::{Lifecycle, Party, State};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::app::AppResult;
use crate::app::auth::Role;
use crate::app::escalation::message::{EnglishCopy, Rendered, escape};
use crate::app::escalation::{Links, NewMessage, enqueue};
use crate::app::reports::deductions::Stored;
use crate::db::entities::{assessments, users};

/// The parties to tell after act `name`, by party `by` (none: an admin), took the assessment
/// from `before` to `after`: whoever must act next; a reply goes to the other side; a record
/// reopened, or figures revised after the vendor saw them, to everyone whose answer or
/// signature it voids.
pub fn parties_to_tell(name: &str, by: Option<Party>, before: State, after: &Lifecycle) -> BTreeSet<Party> {
    let buyer: BTreeSet<Party> = [Party::Unit, Party::Bureau].into_iter().collect();
    let everyone = || after.required.iter().copied().chain([Party::Vendor]).collect();
    match (name, after.state) {
        ("reopen", State::Draft) => everyone(),
        ("revise", State::Draft) if before != State::Draft => everyone(),
        (_, State::Final) => after.required.iter().copied().chain([Party::Vendor]).collect(),
        ("send" | "maintain", State::Sent) => [Party::Vendor].into_iter().collect(),
        ("dispute", State::Disputed) => buyer,
        ("reply", State::Disputed) => match by {
            Some(Party::Vendor) => buyer,
            Some(p) if p.is_buyer() => [Party::Vendor].into_iter().collect(),
            _ => buyer.into_iter().chain([Party::Vendor]).collect(),
        },
        ("agree" | "sign", State::Agreed) => after.awaiting().into_iter().collect(),
        _ => BTreeSet::new(),
    }
}

/// The addresses of the enabled managers (and, for the supervisor, its people) of `parties` for
/// assessment `row` of contract `stored`.
async fn addresses(
    db: &impl ConnectionTrait,
    row: &assessments::Model,
    stored: &Stored,
    parties: &BTreeSet<Party>,
) -> AppResult<Vec<String>> {
    let people = users::Entity::find()
        .filter(users::Column::Disabled.eq(false))
        .filter(users::Column::Email.is_not_null())
        .all(db)
        .await?;
    let mut to: Vec<String> = people
        .into_iter()
        .filter(|u| {
            let manager = *u.role == Role::Manager;
            let party = crate::app::auth::Party::of(u);
            parties.iter().any(|p| match (p, party) {
                (Party::Vendor, Some(crate::app::auth::Party::Vendor(v))) => {
                    manager && super::answers_for_vendor(row, stored, v)
                }
                (Party::Unit, Some(crate::app::auth::Party::Unit(un))) => manager && row.unit_id == Some(un),
                (Party::Bureau, Some(crate::app::auth::Party::Bureau)) => manager,
                (Party::Supervisor, Some(crate::app::auth::Party::Supervisor)) => true,
                _ => false,
            })
        })
        .filter_map(|u| u.email)
        .collect();
    to.sort();
    to.dedup();
    Ok(to)
}

/// An act done: its name, by which party (none: an admin), and the life cycle after it.
pub struct Acted<'a> {
    /// The act's name.
    pub name: &'a str,
    /// The actor's party.
    pub by: Option<Party>,
    /// The state before the act.
    pub before: State,
    /// The life cycle after the act.
    pub after: &'a Lifecycle,
}

/// Queues the mail telling who must act next after `acted` (the row as it is now).
pub async fn after_act(
    db: &impl ConnectionTrait,
    links: &Links,
    row: &assessments::Model,
    stored: &Stored,
    acted: Acted<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Acted {
        name,
        by,
        before,
        after,
    } = acted;
    let parties = parties_to_tell(name, by, before, after);
    if parties.is_empty() {
        return Ok(());
    }
    let to = addresses(db, row, stored, &parties).await?;
    if to.is_empty() {
        return Ok(());
    }
    let code = format!("A-{}", row.id);
    let link = format!("{}/assessments/{}", links.public_url, row.id);
    let awaiting: Vec<&str> = after.awaiting().iter().map(|p| p.label_zh()).collect();
    let (todo_zh, todo_en) = match after.state {
        State::Sent => (
            "请确认考核结果，或逐项提出异议。",
            "Please agree to the assessment, or dispute it point by point.",
        ),
        State::Disputed => (
            "乙方提出异议，请核实后修订或维持考核结果。",
            "The vendor disputes it: please revise or maintain the figures.",
        ),
        State::Agreed => ("考核结果已确认，请签字。", "The figures are agreed: please sign."),
        State::Final => (
            "各方已签字，考核记录已定稿。",
            "Every party has signed: the record is final.",
        ),
        State::Draft => (
            "考核已重新打开或修订，此前的确认和签字作废，修订后将重新发送。",
            "The assessment was reopened or revised: the answers and signatures given are void; it will be sent again.",
        ),
    };
    let subject = format!(
        "[opsclock] 考核 {code} {} {}：{}",
        row.contract_code,
        row.period,
        after.state.label_zh()
    );
    let waiting = if awaiting.is_empty() {
        "无".to_owned()
    } else {
        awaiting.join("、")
    };
    let text = format!(
        "{todo_zh}\n查看考核：{link}\n\n合同：{}\n月份：{}\n状态：{}\n待签字：{waiting}\n内容哈希：{}\n",
        row.contract_code,
        row.period,
        after.state.label_zh(),
        row.content_hash
    );
    let html = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{t}</title></head>\
         <body style=\"font-family:sans-serif;margin:0;padding:12px;max-width:640px;line-height:1.5\">\
         <p><strong>{todo}</strong></p><p><a href=\"{l}\">查看考核 {c}</a></p>\
         <p>合同：{k}<br>月份：{m}<br>状态：{s}<br>待签字：{w}<br>内容哈希：<code>{h}</code></p></body></html>",
        t = escape(&subject),
        todo = escape(todo_zh),
        l = escape(&link),
        c = escape(&code),
        k = escape(&row.contract_code),
        m = escape(&row.period),
        s = escape(after.state.label_zh()),
        w = escape(&waiting),
        h = escape(&row.content_hash),
    );
    let english = EnglishCopy {
        text: format!(
            "{todo_en}\nOpen the assessment: {link}\n\nContract: {}\nMonth: {}\nState: {}\nContent hash: {}\n",
            row.contract_code,
            row.period,
            after.state.key(),
            row.content_hash
        ),
        html: format!(
            "<p><strong>{}</strong></p><p><a href=\"{}\">Open assessment {}</a></p>",
            escape(todo_en),
            escape(&link),
            escape(&code)
        ),
    };
    let message = NewMessage {
        key: format!("assessment/{code}/v{}", row.version),
        kind: "assessment",
        step: None,
        due_at: now,
        recipients: to,
        note: None,
        mail: Rendered {
            subject,
            text,
            html,
            english: Some(english),
        },
        thread_id: Some(links.thread_id(&code)),
        attachments: Vec::new(),
    };
    enqueue(db, links, message, now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_tells_whoever_must_act_next() {
        let three: BTreeSet<Party> = [Party::Unit, Party::Vendor, Party::Bureau].into_iter().collect();
        let buyer: BTreeSet<Party> = [Party::Unit, Party::Bureau].into_iter().collect();
        let vendor_only: BTreeSet<Party> = [Party::Vendor].into_iter().collect();
        let (unit, vendor) = (Some(Party::Unit), Some(Party::Vendor));
        let mut l = Lifecycle::new(three.clone());
        l.state = State::Sent;
        assert_eq!(parties_to_tell("send", unit, State::Draft, &l), vendor_only);
        l.state = State::Disputed;
        assert_eq!(parties_to_tell("dispute", vendor, State::Sent, &l), buyer);
        assert_eq!(parties_to_tell("reply", vendor, State::Disputed, &l), buyer);
        assert_eq!(parties_to_tell("reply", unit, State::Disputed, &l), vendor_only);
        l.state = State::Agreed;
        l.signed.insert(Party::Unit);
        let rest: BTreeSet<Party> = [Party::Vendor, Party::Bureau].into_iter().collect();
        assert_eq!(parties_to_tell("sign", unit, State::Agreed, &l), rest);
        l.state = State::Final;
        assert_eq!(parties_to_tell("sign", Some(Party::Bureau), State::Agreed, &l), three);
        l.state = State::Draft;
        // A draft revised before anyone saw it is news to nobody; one the vendor saw, or a
        // final record reopened, to everyone whose answer or signature it voids.
        assert!(parties_to_tell("revise", unit, State::Draft, &l).is_empty());
        assert_eq!(parties_to_tell("revise", unit, State::Agreed, &l), three);
        assert_eq!(parties_to_tell("reopen", None, State::Final, &l), three);
    }
}
