use super::*;
use chrono::TimeZone;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap()
}

fn app(requester: Requester) -> Application {
    Application {
        requester,
        purpose: Purpose::Copy,
        reason: "evidence for case 2026-118".into(),
        register: None,
        committee_approval: None,
    }
}

#[test]
fn bwc_08_a_request_needs_a_reason_and_outside_bodies_a_register_entry() {
    assert!(check_application(&app(Requester::Officer)).is_ok());
    let short = Application {
        reason: "need".into(),
        ..app(Requester::Officer)
    };
    assert_eq!(check_application(&short).unwrap_err().field, "reason");
    assert_eq!(
        check_application(&app(Requester::Court)).unwrap_err().field,
        "register"
    );
    let registered = Application {
        register: Some("Xihu court, judge Li, (2026) Zhe 0106 No. 12".into()),
        ..app(Requester::Court)
    };
    assert!(check_application(&registered).is_ok());
    assert_eq!(
        check_application(&app(Requester::PublicUse))
            .unwrap_err()
            .field,
        "committee_approval"
    );
}

#[test]
fn bwc_08_the_head_approves_and_never_their_own_request() {
    let got = approve(
        AccessState::Pending,
        UserId(1),
        UserId(2),
        &[],
        Restriction::None,
        7,
        now(),
    );
    assert_eq!(
        got.unwrap(),
        Approval::Granted {
            expires_at: now() + Duration::days(7)
        }
    );
    let own = approve(
        AccessState::Pending,
        UserId(1),
        UserId(1),
        &[],
        Restriction::None,
        7,
        now(),
    );
    assert_eq!(own.unwrap_err().code, "access.self_approval");
    let done = approve(
        AccessState::Refused,
        UserId(1),
        UserId(2),
        &[],
        Restriction::None,
        7,
        now(),
    );
    assert_eq!(done.unwrap_err().code, "access.not_pending");
    assert_eq!(
        refuse(AccessState::Pending, "no").unwrap_err().code,
        "access.refusal_needs_reason"
    );
    assert_eq!(
        refuse(AccessState::Pending, "not related to the case").unwrap(),
        AccessState::Refused
    );
}

#[test]
fn bwc_08_only_the_head_of_the_footages_own_unit_decides() {
    let county = UnitPath::from_stored("/0000000001/0000000003/".into());
    let squad = UnitPath::from_stored("/0000000001/0000000003/0000000005/".into());
    let sibling = UnitPath::from_stored("/0000000001/0000000004/".into());
    assert!(check_deciding_head(&squad, &squad).is_ok());
    for other in [&county, &sibling] {
        assert_eq!(
            check_deciding_head(other, &squad).unwrap_err().code,
            "access.not_unit_head"
        );
    }
}

#[test]
fn bwc_08_a_superior_bodys_retrieval_comes_from_a_unit_above() {
    let county = UnitPath::from_stored("/0000000001/0000000003/".into());
    let squad = UnitPath::from_stored("/0000000001/0000000003/0000000005/".into());
    assert!(check_requesting_unit(Requester::SuperiorBody, &county, &squad).is_ok());
    assert_eq!(
        check_requesting_unit(Requester::SuperiorBody, &squad, &squad)
            .unwrap_err()
            .code,
        "access.not_superior_body"
    );
    assert!(check_requesting_unit(Requester::Officer, &squad, &squad).is_ok());
}

#[test]
fn bwc_08_the_recorder_administrator_provides_the_copy() {
    let (admin, officer) = (UserId(7), UserId(8));
    assert!(check_provider(admin, true, officer, Requester::Officer).is_ok());
    for (who, is_admin, kind) in [
        (officer, false, Requester::Officer),
        (admin, true, Requester::Officer),
        (admin, true, Requester::SuperiorBody),
        (admin, true, Requester::PublicUse),
    ] {
        let requester = if who == admin { admin } else { officer };
        assert_eq!(
            check_provider(who, is_admin, requester, kind)
                .unwrap_err()
                .code,
            "access.copy_by_recorder_admin",
            "{kind:?}"
        );
    }
    // Filed by the administrator for a court (the register names it): the administrator
    // provides it.
    assert!(check_provider(admin, true, admin, Requester::Court).is_ok());
}

#[test]
fn bwc_09_restricted_footage_needs_two_different_heads() {
    let first = approve(
        AccessState::Pending,
        UserId(1),
        UserId(2),
        &[],
        Restriction::Privacy,
        7,
        now(),
    );
    assert_eq!(first.unwrap(), Approval::NeedsAnother);
    let same = approve(
        AccessState::Pending,
        UserId(1),
        UserId(2),
        &[UserId(2)],
        Restriction::Privacy,
        7,
        now(),
    );
    assert_eq!(same.unwrap_err().code, "access.same_approver");
    let second = approve(
        AccessState::Pending,
        UserId(1),
        UserId(3),
        &[UserId(2)],
        Restriction::StateSecret,
        7,
        now(),
    );
    assert!(matches!(second.unwrap(), Approval::Granted { .. }));
}

#[test]
fn sec_07_use_only_under_a_live_approval_of_the_right_purpose() {
    let exp = Some(now() + Duration::days(1));
    assert!(check_use(
        AccessState::Approved,
        Purpose::Copy,
        exp,
        Purpose::View,
        now()
    )
    .is_ok());
    assert!(check_use(
        AccessState::Approved,
        Purpose::Copy,
        exp,
        Purpose::Copy,
        now()
    )
    .is_ok());
    assert_eq!(
        check_use(
            AccessState::Approved,
            Purpose::View,
            exp,
            Purpose::Copy,
            now()
        )
        .unwrap_err()
        .code,
        "access.view_only"
    );
    assert_eq!(
        check_use(
            AccessState::Approved,
            Purpose::View,
            exp,
            Purpose::View,
            now() + Duration::days(1)
        )
        .unwrap_err()
        .code,
        "access.expired"
    );
    assert_eq!(
        check_use(
            AccessState::Revoked,
            Purpose::View,
            exp,
            Purpose::View,
            now()
        )
        .unwrap_err()
        .code,
        "access.revoked"
    );
    assert_eq!(
        check_use(
            AccessState::Pending,
            Purpose::View,
            None,
            Purpose::View,
            now()
        )
        .unwrap_err()
        .code,
        "access.not_approved"
    );
    assert_eq!(revoke(AccessState::Approved).unwrap(), AccessState::Revoked);
    assert!(revoke(AccessState::Refused).is_err());
}
