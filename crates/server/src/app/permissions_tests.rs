//! Tests of the permission table.
use super::*;
use crate::app::auth::{Party, Scope};

fn p(role: Role, party: Option<Party>) -> Principal {
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
fn every_action_has_exactly_one_row_in_order() {
    let rows: Vec<Action> = TABLE.iter().map(|r| r.action).collect();
    assert_eq!(rows, Action::ALL, "TABLE must have one row per Action, in its order");
}

#[test]
fn a_vendor_manager_may_not_set_a_window_and_is_told_who_may() {
    let e = check(&p(Role::Manager, Some(Party::Vendor(3))), Action::WindowWrite).unwrap_err();
    assert_eq!(
        e.to_string(),
        "only admins, the bureau's managers and a unit's managers (own unit only) may set a \
         major-event window; you are a vendor manager"
    );
    assert!(check(&p(Role::Manager, Some(Party::Bureau)), Action::WindowWrite).is_ok());
    assert!(check(&p(Role::Admin, None), Action::WindowWrite).is_ok());
}

#[test]
fn the_buyer_does_vendor_work_only_on_a_ticket_without_vendor() {
    let unit_engineer = p(Role::Engineer, Some(Party::Unit(1)));
    assert!(check(&unit_engineer, Action::TicketAcknowledge).is_err());
    assert!(check_ticket(&unit_engineer, Action::TicketAcknowledge, true).is_err());
    assert!(check_ticket(&unit_engineer, Action::TicketAcknowledge, false).is_ok());
    assert!(may_at_all(&unit_engineer, Action::TicketAcknowledge));
    let vendor_engineer = p(Role::Engineer, Some(Party::Vendor(1)));
    assert!(check_ticket(&vendor_engineer, Action::TicketAcknowledge, true).is_ok());
    assert!(check(&vendor_engineer, Action::TicketClose).is_err());
    assert!(!may_at_all(&vendor_engineer, Action::TicketClose));
}

#[test]
fn the_supervisor_reads_comments_and_decides_but_does_no_work() {
    let sup = p(Role::Engineer, Some(Party::Supervisor));
    for a in [
        Action::TicketRead,
        Action::TicketComment,
        Action::TicketDecide,
        Action::ContractRead,
    ] {
        assert!(check(&sup, a).is_ok(), "{a:?}");
    }
    for a in [
        Action::TicketOpen,
        Action::TicketAcknowledge,
        Action::TicketClose,
        Action::WindowWrite,
        Action::DutyWrite,
        Action::ContractWrite,
        Action::ExclusionDecide,
    ] {
        assert!(!may_at_all(&sup, a), "{a:?}");
    }
}

#[test]
fn viewers_and_accounts_of_no_party_only_read() {
    let viewer = p(Role::Viewer, Some(Party::Unit(1)));
    let nobody = p(Role::Engineer, None);
    for a in Action::ALL {
        let reads = matches!(
            a,
            Action::Own
                | Action::CatalogRead
                | Action::TicketRead
                | Action::CalendarRead
                | Action::LadderRead
                | Action::DutyRead
                | Action::ReportRead
                | Action::FindingRead
                | Action::RectificationRead
                | Action::SurveyRead
                | Action::ProblemRead
                | Action::InspectionRead
                | Action::DeviceRead
                | Action::SpareRead
        );
        assert_eq!(may_at_all(&viewer, *a), reads, "viewer {a:?}");
        let signed_in = matches!(a, Action::Own | Action::CatalogRead | Action::TicketRead);
        assert_eq!(may_at_all(&nobody, *a), signed_in, "nobody {a:?}");
    }
}

#[test]
fn ticket_action_names() {
    for (name, a) in [
        ("acknowledge", Action::TicketAcknowledge),
        ("comment", Action::TicketComment),
        ("approve", Action::TicketDecide),
        ("reject", Action::TicketDecide),
    ] {
        assert_eq!(Action::for_ticket_action(name), Some(a));
    }
    assert_eq!(Action::for_ticket_action("fix"), None);
}
