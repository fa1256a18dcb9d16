//! DAT-01: what a data-modification request says, as the API and the form send it, and its
//! check against the records as they stand: one or more records (at most
//! [`rule::MAX_RECORDS`], none twice), each with its fields and new values, and the reason.

use chrono::{DateTime, Utc};
use roadwarden_domain::capture::correction::{self as rule, current, FactField, Facts};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::FieldError;
use roadwarden_store::corrections::{Change, Changes};
use roadwarden_store::violations::{self, Violation};
use roadwarden_store::Tx;
use serde::Deserialize;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};

/// One field to change and its new value, as the form sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldChange {
    /// plate, plate_colour, violation_code, occurred_at (RFC 3339) or place.
    pub field: String,
    pub value: String,
}

/// One record of a request and the fields to change on it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordInput {
    pub violation_id: i64,
    /// One to five fields of the record.
    pub changes: Vec<FieldChange>,
}

/// A data-modification request (DAT-01): `records` (one to 50, none twice), or, as before,
/// one record's `violation_id` and `changes`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionInput {
    /// The one record of a single-record request (with `changes`); leave out with `records`.
    #[serde(default)]
    pub violation_id: Option<i64>,
    /// The fields of the single record; leave out with `records`.
    #[serde(default)]
    pub changes: Vec<FieldChange>,
    /// The records of the request, each with its fields.
    #[serde(default)]
    pub records: Vec<RecordInput>,
    pub reason: String,
}

impl CorrectionInput {
    /// A request of one record.
    pub fn one(violation_id: i64, changes: Vec<FieldChange>, reason: String) -> Self {
        Self {
            violation_id: Some(violation_id),
            changes,
            records: Vec::new(),
            reason,
        }
    }
}

/// A record of a request, checked: the record, its unit and its changes before/after.
pub(crate) struct CheckedRecord {
    pub violation: Violation,
    pub changes: Changes,
}

/// A request checked against the records as they stand.
pub(crate) struct Checked {
    pub records: Vec<CheckedRecord>,
    pub reason: String,
    /// The lowest unit covering every record: it decides who sees, approves, carries out.
    pub scope: UnitPath,
}

pub(crate) fn facts(v: &Violation) -> Facts {
    Facts {
        country: v.country,
        plate: v.plate.clone(),
        plate_colour: v.plate_colour,
        violation_code: v.violation_code.clone(),
        occurred_at: v.occurred_at,
        place: v.place.clone(),
    }
}

/// Where a bad value of record `row` is named: the bare field for a single-record request
/// (as before), `records[2].plate` for a list.
#[derive(Clone, Copy)]
enum Row {
    Single,
    Listed(usize),
}

impl Row {
    fn field(self, e: FieldError) -> AppError {
        match self {
            Row::Single => e.into(),
            Row::Listed(i) => AppError::BadRow {
                field: format!("records[{i}].{}", e.field),
                reason: e.reason,
            },
        }
    }

    fn error(self, e: AppError) -> AppError {
        match e {
            AppError::BadInput(f) => self.field(f),
            other => other,
        }
    }
}

/// The records the input names, each with where its errors are named.
fn rows(input: &CorrectionInput) -> AppResult<Vec<(Row, i64, &[FieldChange])>> {
    match (input.violation_id, input.records.is_empty()) {
        (Some(_), false) => Err(FieldError::new(
            "records",
            "give either records or one violation_id with its changes",
        )
        .into()),
        (Some(id), true) => Ok(vec![(Row::Single, id, input.changes.as_slice())]),
        (None, true) => Err(FieldError::new("records", "name at least one record").into()),
        (None, false) => {
            if !input.changes.is_empty() {
                return Err(FieldError::new(
                    "changes",
                    "give the changes inside each of the records",
                )
                .into());
            }
            if input.records.len() > rule::MAX_RECORDS {
                return Err(FieldError::new(
                    "records",
                    format!("at most {} records in one request", rule::MAX_RECORDS),
                )
                .into());
            }
            let mut out: Vec<(Row, i64, &[FieldChange])> = Vec::new();
            for (i, r) in input.records.iter().enumerate() {
                if out.iter().any(|(_, id, _)| *id == r.violation_id) {
                    return Err(AppError::BadRow {
                        field: format!("records[{i}].violation_id"),
                        reason: format!("record {} is named twice", r.violation_id),
                    });
                }
                out.push((Row::Listed(i), r.violation_id, r.changes.as_slice()));
            }
            Ok(out)
        }
    }
}

/// Parses the form's fields: a field outside the allow-list is refused (SEC-06).
fn parse_changes(input: &[FieldChange]) -> AppResult<Vec<(FactField, String)>> {
    if input.len() > rule::MAX_CHANGES {
        return Err(
            FieldError::new("changes", format!("at most {} fields", rule::MAX_CHANGES)).into(),
        );
    }
    input
        .iter()
        .map(|c| Ok((FactField::parse(&c.field)?, c.value.clone())))
        .collect()
}

/// A record in the person's scope (ORG-02), or "not found".
pub(crate) async fn violation_in_scope(
    tx: &mut Tx,
    p: &Principal,
    id: i64,
) -> AppResult<Violation> {
    let scope = super::scope::acting_scope(tx, p).await?;
    violations::get(tx, id)
        .await?
        .filter(|v| scope.covers(&UnitPath::from_stored(v.unit_path.clone())))
        .ok_or(AppError::NotFound("violation"))
}

/// How the records of a request are found.
pub(crate) enum Finder<'a> {
    /// In the person's units (ORG-02), or "not found".
    Person(&'a Principal),
    /// The one record a partner's write names, already found in its grant's scope.
    Known(&'a Violation),
}

impl Finder<'_> {
    async fn find(&self, tx: &mut Tx, id: i64) -> AppResult<Violation> {
        match self {
            Finder::Person(p) => violation_in_scope(tx, p, id).await,
            Finder::Known(v) if v.id == id => Ok((*v).clone()),
            Finder::Known(_) => Err(AppError::NotFound("violation")),
        }
    }
}

/// DAT-01: checks every record of the request against the record as it stands, with the same
/// rule as intake. Nothing is written.
pub(crate) async fn check(
    tx: &mut Tx,
    input: &CorrectionInput,
    now: DateTime<Utc>,
    finder: Finder<'_>,
) -> AppResult<Checked> {
    let rows = rows(input)?;
    let mut records = Vec::with_capacity(rows.len());
    let mut reason = String::new();
    let mut scope: Option<UnitPath> = None;
    for (row, id, changes) in rows {
        let asked = parse_changes(changes).map_err(|e| row.error(e))?;
        let v = finder.find(tx, id).await?;
        let facts = facts(&v);
        let (checked, why) =
            rule::check_request(&facts, &asked, &input.reason, now).map_err(|e| {
                if e.field == "reason" {
                    e.into()
                } else {
                    row.field(e)
                }
            })?;
        reason = why;
        let path = UnitPath::from_stored(v.unit_path.clone());
        scope = Some(match scope {
            None => path,
            Some(s) => s.common_ancestor(&path).ok_or_else(|| {
                FieldError::new("records", "the records lie in different organisations")
            })?,
        });
        let changes = Changes(
            checked
                .iter()
                .map(|(f, value)| Change {
                    field: f.as_str().to_owned(),
                    before: current(&facts, *f),
                    after: value.display(),
                })
                .collect(),
        );
        records.push(CheckedRecord {
            violation: v,
            changes,
        });
    }
    let scope = scope.ok_or_else(|| FieldError::new("records", "name at least one record"))?;
    Ok(Checked {
        records,
        reason,
        scope,
    })
}
