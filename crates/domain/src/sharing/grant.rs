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
    let Some(i) = catalogue::interface(interface)
        .filter(|i| matches!(i.access, Access::Grant | Access::WriteGrant))
    else {
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
        if f.mask.is_some() && (d.kind != FieldKind::Text || i.access == Access::WriteGrant) {
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

/// The filter's value in the field's kind. Control characters are refused (PostgreSQL cannot
/// even bind a NUL), and times are kept to the microsecond, the databases' precision, so that
/// the database and the projection compare the same instant.
fn filter_value(f: &Filter, kind: FieldKind) -> Result<Value, RuleViolation> {
    if f.value.chars().any(char::is_control) {
        return Err(bad_filter(f));
    }
    match (kind, f.op) {
        (FieldKind::Timestamp, FilterOp::From | FilterOp::To | FilterOp::Eq) => {
            DateTime::parse_from_rfc3339(f.value.trim())
                .map(|t| t.with_timezone(&Utc))
                .map(|t| DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t))
                .map(Value::Time)
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

/// One of a partner's conditions, checked against the grant: a granted, unmasked field of the
/// catalogue, a comparison its kind allows and a value of that kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub field: &'static str,
    pub op: FilterOp,
    pub value: Value,
}

/// A partner's query made safe by the grant: what the store may narrow and order by (only
/// catalogued, granted, unmasked fields ever reach it) and how many rows the answer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub dataset: Dataset,
    pub conditions: Vec<Condition>,
    /// The field to order by and whether descending; ties go by record id in the same
    /// direction, no order by record id.
    pub sort: Option<(&'static str, bool)>,
    pub limit: usize,
}

/// SHR-02: checks `query` against `grant`: refuses an unusable grant, and a filter or sort on
/// a field outside the grant or masked, or a value the field's kind cannot take.
pub fn plan(
    grant: &Grant,
    query: &PartnerQuery,
    now: DateTime<Utc>,
) -> Result<Plan, RuleViolation> {
    usable(grant, now)?;
    let dataset = catalogue::interface(&grant.interface)
        .filter(|i| i.access == Access::Grant)
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
        let Some(d) = catalogue::find(dataset, &f.field) else {
            return Err(bad_filter(f));
        };
        conditions.push(Condition {
            field: d.name,
            op: f.op,
            value: filter_value(f, d.kind)?,
        });
    }
    let sort = match &query.sort {
        Some(s) => {
            usable_field(grant, &s.field, dataset)?;
            catalogue::find(dataset, &s.field).map(|d| (d.name, s.descending))
        }
        None => None,
    };
    Ok(Plan {
        dataset,
        conditions,
        sort,
        limit: query.limit.map_or(100, |l| l as usize).clamp(1, MAX_ROWS),
    })
}

/// SHR-02: the answer under `grant` from `records` (which the store may have narrowed by the
/// plan already): only records in the grant's scope that meet every condition, in the plan's
/// order, at most its limit, with only the granted fields, masked as granted.
pub fn answer(grant: &Grant, plan: &Plan, records: Vec<Record>) -> Answer {
    let mut kept: Vec<Record> = records
        .into_iter()
        .filter(|r| in_scope(grant, r))
        .filter(|r| {
            plan.conditions.iter().all(|c| {
                matches(
                    r.values.get(c.field).unwrap_or(&Value::Null),
                    c.op,
                    &c.value,
                )
            })
        })
        .collect();
    match plan.sort {
        Some((name, descending)) => kept.sort_by(|a, b| {
            let o = a
                .values
                .get(name)
                .unwrap_or(&Value::Null)
                .order(b.values.get(name).unwrap_or(&Value::Null));
            // Ties go by record number in the same direction, so that an index on the field
            // (with the row id after it) gives this order without a sort.
            let o = o.then(a.id.cmp(&b.id));
            if descending {
                o.reverse()
            } else {
                o
            }
        }),
        None => kept.sort_by_key(|r| r.id),
    }
    kept.truncate(plan.limit);
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
    Answer {
        fields: grant.fields.iter().map(|f| f.field.clone()).collect(),
        rows,
        ids: kept.iter().map(|r| r.id).collect(),
    }
}

/// SHR-02: builds the answer to `query` from `records` under `grant`, for every protocol:
/// [`plan`], then [`answer`].
pub fn project(
    grant: &Grant,
    query: &PartnerQuery,
    records: Vec<Record>,
    now: DateTime<Utc>,
) -> Result<Answer, RuleViolation> {
    let plan = plan(grant, query, now)?;
    Ok(answer(grant, &plan, records))
}

/// At most this many records one `writeObjectOut` submits.
pub const MAX_WRITE_ROWS: usize = 100;

/// One submitted record: (field, value) in the order sent.
pub type Submitted = Vec<(String, String)>;

/// SHR-02, SEC-06: a partner's submission under `grant`. The grant is usable and opens a
/// write interface; 1 to [`MAX_WRITE_ROWS`] records, each naming only catalogued fields of
/// the grant, each at most once, with a value of at most 1000 characters. What the records
/// say is checked by the interface's own rule (a correction request's, DAT-01).
pub fn check_write(
    grant: &Grant,
    rows: &[Submitted],
    now: DateTime<Utc>,
) -> Result<Dataset, RuleViolation> {
    usable(grant, now)?;
    let Some(i) = catalogue::interface(&grant.interface).filter(|i| i.access == Access::WriteGrant)
    else {
        return Err(refusal(
            Code::SharingUnknownInterface,
            "this grant does not open a write interface",
        ));
    };
    if rows.is_empty() || rows.len() > MAX_WRITE_ROWS {
        return Err(refusal(
            Code::SharingBadFilter,
            format!("a submission holds 1 to {MAX_WRITE_ROWS} records"),
        ));
    }
    for row in rows {
        for (n, (name, value)) in row.iter().enumerate() {
            if catalogue::find(i.dataset, name).is_none() {
                return Err(refusal(
                    Code::SharingUnknownField,
                    format!("{name} is not a field of {}", i.dataset.as_str()),
                ));
            }
            if !grant.fields.iter().any(|f| &f.field == name) {
                return Err(refusal(
                    Code::SharingFieldNotGranted,
                    format!("{name} is not in this grant"),
                ));
            }
            if row[..n].iter().any(|(m, _)| m == name) || value.chars().count() > 1000 {
                return Err(refusal(
                    Code::SharingBadFilter,
                    format!("{name} is given twice or is longer than 1000 characters"),
                ));
            }
        }
        if row.is_empty() {
            return Err(refusal(Code::SharingBadFilter, "a record names its fields"));
        }
    }
    Ok(i.dataset)
}

#[cfg(test)]
mod tests;
