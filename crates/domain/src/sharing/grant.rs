//! SHR-02: a partner's grant — one interface, a record scope (a unit and everything below, a
//! span, violation categories), an include-only field list with per-field masks, a purpose
//! (SEC-08), an expiry and two-person approval — and [`project`], the one function that builds
//! every partner answer from it, whatever the protocol. A field outside the grant can be
//! neither returned nor used to filter or sort; a masked field is returned masked and cannot
//! be filtered or sorted on either, since that would reveal what the mask hides.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::application::{word_enum, Dataset, Purpose};
use super::catalogue::{self, Access, FieldKind};
use crate::codes::Code;
use crate::{RuleViolation, UserId};

word_enum!(
    /// Where a grant stands: proposed by one person, approved by another.
    GrantState, "state" {
        Proposed = "proposed",
        Approved = "approved",
        Refused = "refused",
        Revoked = "revoked",
    }
);

/// How much of a value a partner sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Mask {
    /// Characters kept at the start; the rest up to `keep_end` become `*`.
    pub keep_start: u8,
    pub keep_end: u8,
}

impl Mask {
    /// The value with its middle starred. A value too short to keep both ends shows only its
    /// first character, so a mask never shows a value whole.
    pub fn apply(&self, value: &str) -> String {
        let chars: Vec<char> = value.chars().collect();
        let (a, b) = (usize::from(self.keep_start), usize::from(self.keep_end));
        if chars.len() <= a + b {
            return chars
                .iter()
                .enumerate()
                .map(|(i, c)| if i == 0 && chars.len() > 1 { *c } else { '*' })
                .collect();
        }
        chars
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i < a || i >= chars.len() - b {
                    *c
                } else {
                    '*'
                }
            })
            .collect()
    }
}

/// One granted field, masked or whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldGrant {
    pub field: String,
    #[serde(default)]
    pub mask: Option<Mask>,
}

/// A grant as the projection reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: i64,
    pub interface: String,
    /// The unit's materialised path: that unit and everything below.
    pub scope_path: String,
    pub span: (DateTime<Utc>, DateTime<Utc>),
    /// Violation-code prefixes; empty means every category.
    pub categories: Vec<String>,
    pub fields: Vec<FieldGrant>,
    pub purpose: Purpose,
    pub expires_at: DateTime<Utc>,
    pub state: GrantState,
}

fn refusal(code: Code, message: impl Into<String>) -> RuleViolation {
    RuleViolation::new("SHR-02", code, message)
}

/// At most this many fields, categories and rows.
pub const MAX_FIELDS: usize = 30;
pub const MAX_CATEGORIES: usize = 50;
pub const MAX_ROWS: usize = 500;

/// SHR-02: a proposed grant names a registered grant interface, catalogued fields (each once,
/// masks only on text), a closed span and an expiry in the future.
pub fn check_grant(
    interface: &str,
    fields: &[FieldGrant],
    categories: &[String],
    span: (DateTime<Utc>, DateTime<Utc>),
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Dataset, RuleViolation> {
    let Some(i) = catalogue::interface(interface).filter(|i| i.access == Access::Grant) else {
        return Err(refusal(
            Code::SharingUnknownInterface,
            format!("{interface} is not a registered interface a grant can open"),
        ));
    };
    if fields.is_empty() || fields.len() > MAX_FIELDS || categories.len() > MAX_CATEGORIES {
        return Err(refusal(
            Code::SharingUnknownField,
            "a grant lists 1 to 30 fields and at most 50 categories",
        ));
    }
    for (n, f) in fields.iter().enumerate() {
        let Some(d) = catalogue::find(i.dataset, &f.field) else {
            return Err(refusal(
                Code::SharingUnknownField,
                format!("{} is not a field of {}", f.field, i.dataset.as_str()),
            ));
        };
        if fields[..n].iter().any(|g| g.field == f.field) {
            return Err(refusal(
                Code::SharingUnknownField,
                format!("{} is listed twice", f.field),
            ));
        }
        if f.mask.is_some() && d.kind != FieldKind::Text {
            return Err(refusal(
                Code::SharingUnknownField,
                format!("{} is not text and cannot be masked", f.field),
            ));
        }
    }
    if span.0 >= span.1 || expires_at <= now {
        return Err(refusal(
            Code::SharingSpanInvalid,
            "the span starts before it ends and the grant expires in the future",
        ));
    }
    Ok(i.dataset)
}

/// SHR-02: a second person approves a proposed grant, never its creator.
pub fn approve_grant(
    state: GrantState,
    creator: UserId,
    approver: UserId,
) -> Result<GrantState, RuleViolation> {
    if state != GrantState::Proposed {
        return Err(refusal(
            Code::SharingNotPending,
            "this grant was decided already",
        ));
    }
    if creator == approver {
        return Err(refusal(
            Code::SharingSelfApproval,
            "a grant is approved by a second person, not its creator",
        ));
    }
    Ok(GrantState::Approved)
}

/// SHR-02: only an approved grant before its expiry answers.
pub fn usable(grant: &Grant, now: DateTime<Utc>) -> Result<(), RuleViolation> {
    if grant.state != GrantState::Approved {
        return Err(refusal(
            Code::SharingGrantNotApproved,
            "this grant is not approved",
        ));
    }
    if grant.expires_at <= now {
        return Err(refusal(Code::SharingGrantExpired, "this grant has expired"));
    }
    Ok(())
}

/// A value of a record field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Time(DateTime<Utc>),
}

impl Value {
    /// The value as text (times in RFC 3339, UTC).
    pub fn text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Int(n) => n.to_string(),
            Value::Text(s) => s.clone(),
            Value::Time(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Int(n) => serde_json::Value::from(*n),
            other => serde_json::Value::String(other.text()),
        }
    }

    fn order(&self, other: &Value) -> Ordering {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => a.cmp(b),
            (Value::Time(a), Value::Time(b)) => a.cmp(b),
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Null, _) => Ordering::Less,
            (_, Value::Null) => Ordering::Greater,
            (a, b) => a.text().cmp(&b.text()),
        }
    }
}

/// One record of a data type, as the store reads it: its scope keys and its catalogued fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub id: i64,
    pub unit_path: String,
    pub at: DateTime<Utc>,
    pub category: String,
    pub values: BTreeMap<&'static str, Value>,
}

/// How a filter compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterOp {
    Eq,
    Prefix,
    From,
    To,
}

/// One query condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    pub field: String,
    pub op: FilterOp,
    pub value: String,
}

/// The order asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sort {
    pub field: String,
    #[serde(default)]
    pub descending: bool,
}

/// A partner's query conditions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerQuery {
    #[serde(default)]
    pub filters: Vec<Filter>,
    #[serde(default)]
    pub sort: Option<Sort>,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// An answer: the granted field names in the grant's order, the rows (masked), and the ids of
/// the records returned, for the audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub fields: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    pub ids: Vec<i64>,
}

/// The granted, unmasked field a filter or sort names; anything else is refused.
fn usable_field<'g>(
    grant: &'g Grant,
    name: &str,
    dataset: Dataset,
) -> Result<&'g FieldGrant, RuleViolation> {
    if catalogue::find(dataset, name).is_none() {
        return Err(refusal(
            Code::SharingUnknownField,
            format!("{name} is not a field"),
        ));
    }
    let f = grant
        .fields
        .iter()
        .find(|f| f.field == name)
        .ok_or_else(|| {
            refusal(
                Code::SharingFieldNotGranted,
                format!("{name} is not in this grant"),
            )
        })?;
    if f.mask.is_some() {
        return Err(refusal(
            Code::SharingFieldMasked,
            format!("{name} is masked and cannot be filtered or sorted on"),
        ));
    }
    Ok(f)
}

fn bad_filter(f: &Filter) -> RuleViolation {
    refusal(
        Code::SharingBadFilter,
        format!(
            "{} cannot be compared with {:?} to {:?}",
            f.field, f.op, f.value
        ),
    )
}

/// The filter's value in the field's kind.
fn filter_value(f: &Filter, kind: FieldKind) -> Result<Value, RuleViolation> {
    match (kind, f.op) {
        (FieldKind::Timestamp, FilterOp::From | FilterOp::To | FilterOp::Eq) => {
            DateTime::parse_from_rfc3339(f.value.trim())
                .map(|t| Value::Time(t.with_timezone(&Utc)))
                .map_err(|_| bad_filter(f))
        }
        (FieldKind::Integer, FilterOp::From | FilterOp::To | FilterOp::Eq) => f
            .value
            .trim()
            .parse()
            .map(Value::Int)
            .map_err(|_| bad_filter(f)),
        (FieldKind::Text | FieldKind::Code, FilterOp::Eq | FilterOp::Prefix) => {
            Ok(Value::Text(f.value.clone()))
        }
        _ => Err(bad_filter(f)),
    }
}

fn matches(v: &Value, op: FilterOp, want: &Value) -> bool {
    match op {
        FilterOp::Eq => v.order(want) == Ordering::Equal && v != &Value::Null,
        FilterOp::Prefix => v.text().starts_with(&want.text()),
        FilterOp::From => v != &Value::Null && v.order(want) != Ordering::Less,
        FilterOp::To => v != &Value::Null && v.order(want) != Ordering::Greater,
    }
}

/// Whether a record lies in the grant's scope: its unit, span and categories.
pub fn in_scope(grant: &Grant, r: &Record) -> bool {
    r.unit_path.starts_with(&grant.scope_path)
        && r.at >= grant.span.0
        && r.at < grant.span.1
        && (grant.categories.is_empty()
            || grant
                .categories
                .iter()
                .any(|c| r.category.starts_with(c.as_str())))
}

/// SHR-02: builds the answer to `query` from `records` under `grant`, for every protocol.
/// Refuses an unusable grant, and a filter or sort on a field outside the grant or masked;
/// keeps only records in the grant's scope; returns only the granted fields, masked as granted.
pub fn project(
    grant: &Grant,
    query: &PartnerQuery,
    records: Vec<Record>,
    now: DateTime<Utc>,
) -> Result<Answer, RuleViolation> {
    usable(grant, now)?;
    let dataset = catalogue::interface(&grant.interface)
        .map(|i| i.dataset)
        .ok_or_else(|| {
            refusal(
                Code::SharingUnknownInterface,
                "the grant's interface is gone",
            )
        })?;
    let mut conditions = Vec::with_capacity(query.filters.len());
    for f in &query.filters {
        usable_field(grant, &f.field, dataset)?;
        let kind = catalogue::find(dataset, &f.field).map_or(FieldKind::Text, |d| d.kind);
        let name = catalogue::find(dataset, &f.field).map_or("", |d| d.name);
        conditions.push((name, f.op, filter_value(f, kind)?));
    }
    let sort = match &query.sort {
        Some(s) => {
            usable_field(grant, &s.field, dataset)?;
            catalogue::find(dataset, &s.field).map(|d| (d.name, s.descending))
        }
        None => None,
    };
    let limit = query.limit.map_or(100, |l| l as usize).clamp(1, MAX_ROWS);
    let mut kept: Vec<Record> = records
        .into_iter()
        .filter(|r| in_scope(grant, r))
        .filter(|r| {
            conditions.iter().all(|(name, op, want)| {
                matches(r.values.get(name).unwrap_or(&Value::Null), *op, want)
            })
        })
        .collect();
    match sort {
        Some((name, descending)) => kept.sort_by(|a, b| {
            let o = a
                .values
                .get(name)
                .unwrap_or(&Value::Null)
                .order(b.values.get(name).unwrap_or(&Value::Null));
            (if descending { o.reverse() } else { o }).then(a.id.cmp(&b.id))
        }),
        None => kept.sort_by_key(|r| r.id),
    }
    kept.truncate(limit);
    let rows = kept
        .iter()
        .map(|r| {
            grant
                .fields
                .iter()
                .map(|f| {
                    let v = r
                        .values
                        .get(f.field.as_str())
                        .cloned()
                        .unwrap_or(Value::Null);
                    match (&f.mask, v) {
                        (Some(m), Value::Text(s)) => Value::Text(m.apply(&s)),
                        (Some(_), Value::Null) => Value::Null,
                        (Some(m), other) => Value::Text(m.apply(&other.text())),
                        (None, other) => other,
                    }
                })
                .collect()
        })
        .collect();
    Ok(Answer {
        fields: grant.fields.iter().map(|f| f.field.clone()).collect(),
        rows,
        ids: kept.iter().map(|r| r.id).collect(),
    })
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn shr_02_a_mask_never_shows_a_value_whole() {
        let m = Mask {
            keep_start: 6,
            keep_end: 4,
        };
        assert_eq!(m.apply("330522199001011234"), "330522********1234");
        assert_eq!(m.apply("张三"), "张*");
    }
}
