//! The grant and its projection, case by case (SHR-02).

use super::*;
use chrono::TimeZone;

fn t(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, 0, 0, 0).unwrap()
}

fn grant() -> Grant {
    Grant {
        id: 1,
        interface: "violations.query".into(),
        scope_path: "/0000000001/0000000002/".into(),
        span: (t(1), t(20)),
        categories: vec!["16".into()],
        fields: vec![
            FieldGrant {
                field: "id".into(),
                mask: None,
            },
            FieldGrant {
                field: "plate".into(),
                mask: Some(Mask {
                    keep_start: 2,
                    keep_end: 1,
                }),
            },
            FieldGrant {
                field: "occurred_at".into(),
                mask: None,
            },
            FieldGrant {
                field: "fine_minor".into(),
                mask: None,
            },
        ],
        purpose: Purpose::Enforcement,
        expires_at: t(30),
        state: GrantState::Approved,
    }
}

fn record(id: i64, path: &str, day: u32, code: &str, fine: i64) -> Record {
    let mut values = BTreeMap::new();
    values.insert("id", Value::Int(id));
    values.insert("plate", Value::Text("浙E12345".into()));
    values.insert("occurred_at", Value::Time(t(day)));
    values.insert("fine_minor", Value::Int(fine));
    values.insert("owner_name", Value::Text("张三".into()));
    values.insert("violation_code", Value::Text(code.into()));
    Record {
        id,
        unit_path: path.into(),
        at: t(day),
        category: code.into(),
        values,
    }
}

fn records() -> Vec<Record> {
    vec![
        record(1, "/0000000001/0000000002/", 5, "1625", 20000),
        record(2, "/0000000001/0000000002/0000000003/", 6, "1625", 10000),
        record(3, "/0000000001/0000000009/", 6, "1625", 20000),
        record(4, "/0000000001/0000000002/", 25, "1625", 20000),
        record(5, "/0000000001/0000000002/", 7, "1039", 20000),
    ]
}

#[test]
fn shr_02_only_granted_fields_masked_and_only_records_in_scope() {
    let a = project(&grant(), &PartnerQuery::default(), records(), t(21)).unwrap();
    assert_eq!(a.fields, ["id", "plate", "occurred_at", "fine_minor"]);
    assert_eq!(
        a.ids,
        [1, 2],
        "other unit, outside the span, other category are left out"
    );
    assert_eq!(a.rows[0][1], Value::Text("浙E****5".into()));
    assert!(a.rows.iter().all(|r| r.len() == 4));
}

#[test]
fn shr_02_a_field_outside_the_grant_can_be_neither_read_filtered_nor_sorted() {
    let q = |filters: Vec<Filter>, sort: Option<Sort>| PartnerQuery {
        filters,
        sort,
        limit: None,
    };
    let f = |field: &str, op, value: &str| Filter {
        field: field.into(),
        op,
        value: value.into(),
    };
    let e = project(
        &grant(),
        &q(vec![f("owner_name", FilterOp::Eq, "张三")], None),
        records(),
        t(21),
    );
    assert_eq!(e.unwrap_err().code, Code::SharingFieldNotGranted);
    let s = Sort {
        field: "owner_name".into(),
        descending: false,
    };
    let e = project(&grant(), &q(vec![], Some(s)), records(), t(21));
    assert_eq!(e.unwrap_err().code, Code::SharingFieldNotGranted);
    let e = project(
        &grant(),
        &q(vec![f("plate", FilterOp::Prefix, "浙E1")], None),
        records(),
        t(21),
    );
    assert_eq!(e.unwrap_err().code, Code::SharingFieldMasked);
    let e = project(
        &grant(),
        &q(vec![f("shoe_size", FilterOp::Eq, "1")], None),
        records(),
        t(21),
    );
    assert_eq!(e.unwrap_err().code, Code::SharingUnknownField);
    // A granted, unmasked field filters and sorts.
    let s = Sort {
        field: "fine_minor".into(),
        descending: false,
    };
    let a = project(
        &grant(),
        &q(vec![f("fine_minor", FilterOp::From, "5000")], Some(s)),
        records(),
        t(21),
    )
    .unwrap();
    assert_eq!(a.ids, [2, 1]);
    // Nothing outside the grant appears in any row.
    assert!(a.rows.iter().flatten().all(|v| v.text() != "张三"));
}

#[test]
fn shr_02_an_expired_or_unapproved_grant_answers_nothing() {
    let e = project(&grant(), &PartnerQuery::default(), records(), t(30));
    assert_eq!(e.unwrap_err().code, Code::SharingGrantExpired);
    let mut g = grant();
    g.state = GrantState::Proposed;
    let e = project(&g, &PartnerQuery::default(), records(), t(21));
    assert_eq!(e.unwrap_err().code, Code::SharingGrantNotApproved);
}

#[test]
fn shr_02_a_grant_names_known_fields_and_is_approved_by_a_second_person() {
    let fields = grant().fields;
    assert!(check_grant("violations.query", &fields, &[], (t(1), t(2)), t(30), t(21)).is_ok());
    let bad = vec![FieldGrant {
        field: "shoe_size".into(),
        mask: None,
    }];
    let e = check_grant("violations.query", &bad, &[], (t(1), t(2)), t(30), t(21));
    assert_eq!(e.unwrap_err().code, Code::SharingUnknownField);
    let e = check_grant(
        "device_registrations.export",
        &fields,
        &[],
        (t(1), t(2)),
        t(30),
        t(21),
    );
    assert_eq!(e.unwrap_err().code, Code::SharingUnknownInterface);
    let e = approve_grant(GrantState::Proposed, UserId(1), UserId(1)).unwrap_err();
    assert_eq!(e.code, Code::SharingSelfApproval);
    assert_eq!(
        approve_grant(GrantState::Proposed, UserId(1), UserId(2)),
        Ok(GrantState::Approved)
    );
}

fn write_grant() -> Grant {
    let mut g = grant();
    g.interface = "violations.correction".into();
    g.fields = ["violation_id", "field", "value", "reason"]
        .iter()
        .map(|f| FieldGrant {
            field: (*f).into(),
            mask: None,
        })
        .collect();
    g
}

fn row(pairs: &[(&str, &str)]) -> Submitted {
    pairs
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn shr_01_a_write_names_only_granted_fields_and_a_write_grant_reads_nothing() {
    let ok = row(&[("violation_id", "1"), ("field", "place"), ("value", "x")]);
    assert_eq!(
        check_write(&write_grant(), std::slice::from_ref(&ok), t(21)),
        Ok(Dataset::CorrectionRequests)
    );
    let mut narrow = write_grant();
    narrow.fields.retain(|f| f.field != "value");
    let e = check_write(&narrow, std::slice::from_ref(&ok), t(21)).unwrap_err();
    assert_eq!(e.code, Code::SharingFieldNotGranted);
    let e = check_write(&write_grant(), &[row(&[("plate", "x")])], t(21)).unwrap_err();
    assert_eq!(e.code, Code::SharingUnknownField);
    let twice = row(&[("field", "place"), ("field", "plate")]);
    assert!(check_write(&write_grant(), &[twice], t(21)).is_err());
    assert!(check_write(&write_grant(), &[], t(21)).is_err());
    let many = vec![ok.clone(); MAX_WRITE_ROWS + 1];
    assert!(check_write(&write_grant(), &many, t(21)).is_err());
    let e = check_write(&write_grant(), std::slice::from_ref(&ok), t(30)).unwrap_err();
    assert_eq!(e.code, Code::SharingGrantExpired);
    // A read grant writes nothing; a write grant reads nothing.
    let e = check_write(&grant(), &[ok], t(21)).unwrap_err();
    assert_eq!(e.code, Code::SharingUnknownInterface);
    let e = project(&write_grant(), &PartnerQuery::default(), records(), t(21));
    assert_eq!(e.unwrap_err().code, Code::SharingUnknownInterface);
    // A write grant carries no masks.
    let mut masked = write_grant().fields;
    masked[2].mask = Some(Mask::default());
    let e = check_grant(
        "violations.correction",
        &masked,
        &[],
        (t(1), t(2)),
        t(30),
        t(21),
    );
    assert_eq!(e.unwrap_err().code, Code::SharingUnknownField);
}

#[test]
fn shr_02_a_mask_never_shows_a_value_whole() {
    let m = Mask {
        keep_start: 6,
        keep_end: 4,
    };
    assert_eq!(m.apply("330522199001011234"), "330522********1234");
    assert_eq!(m.apply("张三"), "张*");
}
