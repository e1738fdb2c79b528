//! Property tests of the assessment life cycle: whatever anyone does, in any order, a final
//! assessment is signed by every required party on the figures it holds, nothing but an admin's
//! reopening changes it, and no signature outlives the figures it signed.

use proptest::prelude::*;
use scorecard::lifecycle::{Act, Actor, Lifecycle, Party, State, apply};

fn actor() -> impl Strategy<Value = Actor> {
    prop_oneof![
        Just(Actor::Admin),
        Just(Actor::Party(Party::Unit)),
        Just(Actor::Party(Party::Vendor)),
        Just(Actor::Party(Party::Bureau)),
        Just(Actor::Party(Party::Supervisor)),
    ]
}

fn act() -> impl Strategy<Value = Act> {
    let hash = prop_oneof![Just("h1".to_owned()), Just("h2".to_owned()), Just("h3".to_owned())];
    prop_oneof![
        hash.clone().prop_map(|hash| Act::Revise { hash }),
        hash.clone().prop_map(|hash| Act::Send { hash }),
        Just(Act::Agree),
        prop_oneof![Just(vec![]), Just(vec!["修复超时次数".to_owned()])].prop_map(|points| Act::Dispute { points }),
        Just(Act::Reply),
        Just(Act::Maintain),
        hash.prop_map(|hash| Act::Sign { hash }),
        prop_oneof![Just(String::new()), Just("工单重新打开".to_owned())].prop_map(|reason| Act::Reopen { reason }),
    ]
}

fn required() -> impl Strategy<Value = std::collections::BTreeSet<Party>> {
    proptest::sample::subsequence(Party::ALL.to_vec(), 1..=4).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #[test]
    fn the_invariants_hold_after_any_sequence(required in required(), steps in proptest::collection::vec((actor(), act()), 0..40)) {
        let mut l = Lifecycle::new(required);
        for (who, what) in steps {
            let before = l.clone();
            match apply(&l, who, &what) {
                Ok(next) => {
                    if before.state == State::Final {
                        // Only an admin's reopening (with a reason) moves a final assessment.
                        prop_assert!(matches!(what, Act::Reopen { .. }) && who == Actor::Admin, "{what:?} by {who:?}");
                    }
                    if let Act::Sign { hash } = &what {
                        prop_assert_eq!(before.hash.as_ref(), Some(hash), "a signature is on the figures sent");
                    }
                    l = next;
                }
                Err(_) => prop_assert_eq!(&l, &before, "a refusal changes nothing"),
            }
            prop_assert!(l.signed.is_subset(&l.required));
            prop_assert_eq!(l.state == State::Final, l.required.is_subset(&l.signed) && !l.signed.is_empty() && matches!(l.state, State::Final | State::Agreed),
                "final exactly when every required party signed");
            if !l.signed.is_empty() {
                prop_assert!(matches!(l.state, State::Agreed | State::Final), "signatures only on agreed figures: {:?}", l.state);
            }
            if l.state != State::Draft {
                prop_assert!(l.hash.is_some(), "what was sent has a hash");
            }
        }
    }
}
