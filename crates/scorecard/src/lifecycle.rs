//! The life of an assessment: who may do what to it, and when it is final.
//!
//! An assessment is written by the buyer (the unit that uses the service, or the bureau), sent to
//! the vendor, agreed or disputed point by point, then signed by every party the contract names —
//! seed 004: "运行维护服务考核记录形成书面材料经甲方、用户单位及乙方签字/盖章确认" (L28681–28685) — and
//! is then final: frozen, the payment voucher. This module is the rulebook; the server stores the
//! assessment and asks [`apply`] before every change.
//!
//! ```text
//!            revise                     agree                 sign × each required party
//!   Draft ──────────▶ Draft ──send──▶ Sent ──────▶ Agreed ─────────────────────────────▶ Final
//!     ▲                                │  ▲                                                │
//!     │                        dispute │  │ maintain (buyer keeps its figures)            │
//!     │                                ▼  │                                                │
//!     └──────────── revise ──────── Disputed (reply: a thread, any party)                 │
//!     └──────────────────────────────── reopen (an admin, with a reason) ◀────────────────┘
//! ```
//!
//! **What a signature signs.** Every figure of an assessment is hashed into one content hash
//! (the server computes it over the stored snapshot). [`Act::Send`] fixes the hash the vendor is
//! asked to agree to; a signature names the hash its signer saw, and a signature on any other
//! hash is refused ([`Refusal::StaleHash`]): nobody signs figures that changed under them.
//! [`Act::Revise`] (the buyer corrects a figure) returns the assessment to `Draft` and voids every
//! signature given so far, since they signed other figures.
//!
//! **Final is final.** Once the last required party signs, the assessment is [`State::Final`] and
//! every act but [`Act::Reopen`] is refused. Reopening needs an admin and a reason (the server
//! audits it) and voids the signatures.
//!
//! ```
//! use scorecard::lifecycle::{apply, Act, Actor, Lifecycle, Party, State};
//! let required = [Party::Unit, Party::Vendor, Party::Bureau].into_iter().collect();
//! let mut a = Lifecycle::new(required);
//! a = apply(&a, Actor::Party(Party::Unit), &Act::Send { hash: "h1".into() }).unwrap();
//! a = apply(&a, Actor::Party(Party::Vendor), &Act::Dispute { points: vec!["修复超时次数".into()] }).unwrap();
//! assert_eq!(a.state, State::Disputed);
//! a = apply(&a, Actor::Party(Party::Unit), &Act::Revise { hash: "h2".into() }).unwrap();
//! a = apply(&a, Actor::Party(Party::Unit), &Act::Send { hash: "h2".into() }).unwrap();
//! a = apply(&a, Actor::Party(Party::Vendor), &Act::Agree).unwrap();
//! for p in [Party::Unit, Party::Vendor, Party::Bureau] {
//!     a = apply(&a, Actor::Party(p), &Act::Sign { hash: "h2".into() }).unwrap();
//! }
//! assert_eq!(a.state, State::Final);
//! assert!(apply(&a, Actor::Party(Party::Unit), &Act::Revise { hash: "h3".into() }).is_err());
//! ```

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A party to an assessment: who may sign it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The user unit (用户单位) the service is for.
    Unit,
    /// The vendor (乙方) assessed.
    Vendor,
    /// The buyer's bureau (甲方).
    Bureau,
    /// The supervisor (监理).
    Supervisor,
}

impl Party {
    /// Every party, in signing order.
    pub const ALL: [Party; 4] = [Party::Unit, Party::Vendor, Party::Bureau, Party::Supervisor];

    /// The key stored and sent: `unit`, `vendor`, `bureau`, `supervisor`.
    pub fn key(self) -> &'static str {
        match self {
            Party::Unit => "unit",
            Party::Vendor => "vendor",
            Party::Bureau => "bureau",
            Party::Supervisor => "supervisor",
        }
    }

    /// The party's name in the contracts' words: 用户单位, 乙方（服务商）, 甲方（区局）, 监理.
    pub fn label_zh(self) -> &'static str {
        match self {
            Party::Unit => "用户单位",
            Party::Vendor => "乙方（服务商）",
            Party::Bureau => "甲方（区局）",
            Party::Supervisor => "监理",
        }
    }

    /// Whether the party is on the buyer's side, which writes and sends the assessment.
    pub fn is_buyer(self) -> bool {
        matches!(self, Party::Unit | Party::Bureau)
    }
}

impl std::str::FromStr for Party {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Party::ALL
            .into_iter()
            .find(|p| p.key() == s)
            .ok_or_else(|| format!("{s:?} is not a party (unit, vendor, bureau, supervisor)"))
    }
}

/// Where an assessment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Written and corrected by the buyer; nobody else is asked yet.
    Draft,
    /// Sent to the vendor, whose answer is awaited.
    Sent,
    /// The vendor disputes points; the buyer revises or maintains.
    Disputed,
    /// The vendor agrees; the required parties sign.
    Agreed,
    /// Signed by every required party: frozen.
    Final,
}

impl State {
    /// The key stored and sent.
    pub fn key(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Sent => "sent",
            State::Disputed => "disputed",
            State::Agreed => "agreed",
            State::Final => "final",
        }
    }

    /// In Chinese: 草稿, 待乙方确认, 有异议, 待签字, 已定稿.
    pub fn label_zh(self) -> &'static str {
        match self {
            State::Draft => "草稿",
            State::Sent => "待乙方确认",
            State::Disputed => "有异议",
            State::Agreed => "待签字",
            State::Final => "已定稿",
        }
    }
}

impl std::str::FromStr for State {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [State::Draft, State::Sent, State::Disputed, State::Agreed, State::Final]
            .into_iter()
            .find(|st| st.key() == s)
            .ok_or_else(|| format!("{s:?} is not an assessment state"))
    }
}

/// Who acts: a party (through one of its accounts), or an admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// Someone acting for this party.
    Party(Party),
    /// An administrator (reopens a final assessment; does nothing else here).
    Admin,
}

/// What someone does to an assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Act {
    /// The buyer changes figures (scores, corrections): back to `Draft`, signatures void. `hash`
    /// is the content hash after the change.
    Revise {
        /// The new content hash.
        hash: String,
    },
    /// The buyer sends the figures of `hash` to the vendor.
    Send {
        /// The content hash sent; it must be the current one.
        hash: String,
    },
    /// The vendor agrees to what was sent.
    Agree,
    /// The vendor disputes these points (at least one, each said).
    Dispute {
        /// The points disputed, as the vendor words them.
        points: Vec<String>,
    },
    /// A message in the dispute's thread (any party, while disputed).
    Reply,
    /// The buyer keeps its figures after a dispute and asks the vendor again.
    Maintain,
    /// The actor's party signs the figures of `hash`.
    Sign {
        /// The content hash the signer saw.
        hash: String,
    },
    /// An admin reopens a final assessment.
    Reopen {
        /// Why (required, audited by the server).
        reason: String,
    },
}

/// Why an act is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The act does not apply in this state.
    WrongState {
        /// The state the assessment is in.
        state: State,
        /// What was tried.
        act: &'static str,
    },
    /// This actor may not do this.
    NotYours {
        /// What was tried.
        act: &'static str,
        /// Who may.
        who: &'static str,
    },
    /// A signature or a send on figures that are not the current ones.
    StaleHash,
    /// This party has signed already.
    AlreadySigned(Party),
    /// This party is not asked to sign.
    NotASigner(Party),
    /// A dispute with no point, a point left empty, or a reopening without a reason.
    Empty(&'static str),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::WrongState { state, act } => {
                write!(f, "cannot {act} an assessment that is {}", state.key())
            }
            Refusal::NotYours { act, who } => write!(f, "only {who} may {act} an assessment"),
            Refusal::StaleHash => write!(
                f,
                "the figures changed since they were shown: read the assessment again before signing or sending"
            ),
            Refusal::AlreadySigned(p) => write!(f, "the {} has signed already", p.key()),
            Refusal::NotASigner(p) => write!(f, "the {} is not asked to sign this assessment", p.key()),
            Refusal::Empty(what) => write!(f, "{what} must not be empty"),
        }
    }
}

impl Refusal {
    /// The refusal in Chinese, for the pages.
    pub fn zh(&self) -> String {
        match self {
            Refusal::WrongState { state, .. } => format!("考核处于「{}」状态，不能进行此操作", state.label_zh()),
            Refusal::NotYours { who, .. } => format!("此操作只能由{}进行", who_zh(who)),
            Refusal::StaleHash => "考核内容已变化，请刷新后再签字或发送".to_owned(),
            Refusal::AlreadySigned(p) => format!("{}已签字", p.label_zh()),
            Refusal::NotASigner(p) => format!("本考核无需{}签字", p.label_zh()),
            Refusal::Empty(_) => "请填写内容（异议要点或原因）".to_owned(),
        }
    }
}

fn who_zh(who: &str) -> &'static str {
    match who {
        BUYER => "采购方（用户单位或区局）",
        VENDOR => "乙方（服务商）",
        ADMIN => "管理员",
        _ => "有权限的人员",
    }
}

const BUYER: &str = "the buyer (the unit or the bureau)";
const VENDOR: &str = "the vendor";
const ADMIN: &str = "an admin";

/// An assessment's life-cycle state: where it stands, who must sign, who has, on what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    /// Where it stands.
    pub state: State,
    /// Who must sign before it is final.
    pub required: BTreeSet<Party>,
    /// Who has signed (each on [`Lifecycle::hash`]).
    pub signed: BTreeSet<Party>,
    /// The content hash sent to the vendor (and signed); `None` in a draft never sent.
    pub hash: Option<String>,
}

impl Lifecycle {
    /// A new draft that `required` must sign.
    pub fn new(required: BTreeSet<Party>) -> Lifecycle {
        Lifecycle {
            state: State::Draft,
            required,
            signed: BTreeSet::new(),
            hash: None,
        }
    }

    /// The parties still to sign (in signing order).
    pub fn awaiting(&self) -> Vec<Party> {
        self.required.difference(&self.signed).copied().collect()
    }
}

/// The life cycle after `actor` does `act`, or why not. Pure: the server stores what it returns.
pub fn apply(l: &Lifecycle, actor: Actor, act: &Act) -> Result<Lifecycle, Refusal> {
    let buyer = matches!(actor, Actor::Party(p) if p.is_buyer());
    let vendor = actor == Actor::Party(Party::Vendor);
    let mut next = l.clone();
    let in_state = |states: &[State], name: &'static str| {
        if states.contains(&l.state) {
            Ok(())
        } else {
            Err(Refusal::WrongState {
                state: l.state,
                act: name,
            })
        }
    };
    let only = |ok: bool, name: &'static str, who: &'static str| {
        if ok {
            Ok(())
        } else {
            Err(Refusal::NotYours { act: name, who })
        }
    };
    match act {
        Act::Revise { hash } => {
            in_state(&[State::Draft, State::Sent, State::Disputed, State::Agreed], "revise")?;
            only(buyer, "revise", BUYER)?;
            next.state = State::Draft;
            next.signed.clear();
            next.hash = Some(hash.clone());
        }
        Act::Send { hash } => {
            in_state(&[State::Draft], "send")?;
            only(buyer, "send", BUYER)?;
            if l.hash.as_ref().is_some_and(|h| h != hash) {
                return Err(Refusal::StaleHash);
            }
            next.state = State::Sent;
            next.hash = Some(hash.clone());
        }
        Act::Agree => {
            in_state(&[State::Sent], "agree to")?;
            only(vendor, "agree to", VENDOR)?;
            next.state = State::Agreed;
        }
        Act::Dispute { points } => {
            in_state(&[State::Sent], "dispute")?;
            only(vendor, "dispute", VENDOR)?;
            if points.is_empty() || points.iter().any(|p| p.trim().is_empty()) {
                return Err(Refusal::Empty("a disputed point"));
            }
            next.state = State::Disputed;
        }
        Act::Reply => {
            in_state(&[State::Disputed], "reply on")?;
            only(actor != Actor::Admin, "reply on", "a party")?;
        }
        Act::Maintain => {
            in_state(&[State::Disputed], "maintain")?;
            only(buyer, "maintain", BUYER)?;
            next.state = State::Sent;
        }
        Act::Sign { hash } => {
            in_state(&[State::Agreed], "sign")?;
            let Actor::Party(party) = actor else {
                return Err(Refusal::NotYours {
                    act: "sign",
                    who: "a party",
                });
            };
            if !l.required.contains(&party) {
                return Err(Refusal::NotASigner(party));
            }
            if l.signed.contains(&party) {
                return Err(Refusal::AlreadySigned(party));
            }
            if l.hash.as_deref() != Some(hash.as_str()) {
                return Err(Refusal::StaleHash);
            }
            next.signed.insert(party);
            if next.required.is_subset(&next.signed) {
                next.state = State::Final;
            }
        }
        Act::Reopen { reason } => {
            in_state(&[State::Final], "reopen")?;
            only(actor == Actor::Admin, "reopen", ADMIN)?;
            if reason.trim().is_empty() {
                return Err(Refusal::Empty("the reason"));
            }
            next.state = State::Draft;
            next.signed.clear();
        }
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn three() -> BTreeSet<Party> {
        [Party::Unit, Party::Vendor, Party::Bureau].into_iter().collect()
    }

    fn agreed(hash: &str) -> Lifecycle {
        let a = Lifecycle::new(three());
        let a = apply(&a, Actor::Party(Party::Bureau), &Act::Send { hash: hash.into() }).unwrap();
        apply(&a, Actor::Party(Party::Vendor), &Act::Agree).unwrap()
    }

    #[test]
    fn only_the_vendor_answers_and_only_the_buyer_sends() {
        let a = Lifecycle::new(three());
        assert!(matches!(
            apply(&a, Actor::Party(Party::Vendor), &Act::Send { hash: "h".into() }),
            Err(Refusal::NotYours { .. })
        ));
        let sent = apply(&a, Actor::Party(Party::Unit), &Act::Send { hash: "h".into() }).unwrap();
        assert!(matches!(
            apply(&sent, Actor::Party(Party::Unit), &Act::Agree),
            Err(Refusal::NotYours { .. })
        ));
        assert!(matches!(
            apply(&sent, Actor::Party(Party::Supervisor), &Act::Agree),
            Err(Refusal::NotYours { .. })
        ));
        assert_eq!(
            apply(
                &sent,
                Actor::Party(Party::Vendor),
                &Act::Dispute {
                    points: vec![" ".into()]
                }
            ),
            Err(Refusal::Empty("a disputed point"))
        );
    }

    #[test]
    fn a_signature_binds_the_figures_it_saw_and_revising_voids_them() {
        let a = agreed("h1");
        assert_eq!(
            apply(&a, Actor::Party(Party::Unit), &Act::Sign { hash: "h0".into() }),
            Err(Refusal::StaleHash)
        );
        let a = apply(&a, Actor::Party(Party::Unit), &Act::Sign { hash: "h1".into() }).unwrap();
        assert_eq!(
            apply(&a, Actor::Party(Party::Unit), &Act::Sign { hash: "h1".into() }),
            Err(Refusal::AlreadySigned(Party::Unit))
        );
        assert_eq!(
            apply(&a, Actor::Party(Party::Supervisor), &Act::Sign { hash: "h1".into() }),
            Err(Refusal::NotASigner(Party::Supervisor))
        );
        assert_eq!(a.awaiting(), [Party::Vendor, Party::Bureau]);
        let revised = apply(&a, Actor::Party(Party::Bureau), &Act::Revise { hash: "h2".into() }).unwrap();
        assert_eq!((revised.state, revised.signed.len()), (State::Draft, 0));
        assert_eq!(
            apply(&revised, Actor::Party(Party::Bureau), &Act::Send { hash: "h1".into() }),
            Err(Refusal::StaleHash),
            "the figures sent are the current ones"
        );
    }

    #[test]
    fn final_is_frozen_until_an_admin_reopens_it_with_a_reason() {
        let mut a = agreed("h1");
        for p in three() {
            a = apply(&a, Actor::Party(p), &Act::Sign { hash: "h1".into() }).unwrap();
        }
        assert_eq!(a.state, State::Final);
        for act in [
            Act::Revise { hash: "h2".into() },
            Act::Send { hash: "h1".into() },
            Act::Agree,
            Act::Maintain,
            Act::Reply,
            Act::Sign { hash: "h1".into() },
        ] {
            for actor in [Actor::Admin, Actor::Party(Party::Unit), Actor::Party(Party::Vendor)] {
                assert!(apply(&a, actor, &act).is_err(), "{act:?} by {actor:?}");
            }
        }
        assert!(
            apply(
                &a,
                Actor::Party(Party::Bureau),
                &Act::Reopen {
                    reason: "更正".into()
                }
            )
            .is_err()
        );
        assert_eq!(
            apply(&a, Actor::Admin, &Act::Reopen { reason: "".into() }),
            Err(Refusal::Empty("the reason"))
        );
        let reopened = apply(
            &a,
            Actor::Admin,
            &Act::Reopen {
                reason: "工单 INC-1 重新打开".into(),
            },
        )
        .unwrap();
        assert_eq!((reopened.state, reopened.signed.len()), (State::Draft, 0));
    }
}
