//! SEC-06, DAT-01: the facts of a violation record change only through a data-modification
//! request: asked for with a reason, approved (or refused) by the business department's head,
//! carried out by the technology department, before and after kept. Nobody approves their own
//! request, and the requester does not carry it out.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::capture::penalty::{tariff, Currency, Tariff};
use crate::capture::plate::{read_plate, PlateColour, PlateReading};
use crate::codes::Code;
use crate::device::text;
use crate::org::Country;
use crate::{FieldError, RuleViolation, UserId};

/// The facts a request may change (the allow-list). The fine, points and procedure follow the
/// violation code's tariff; the capture, the device and the country are never corrected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactField {
    Plate,
    PlateColour,
    ViolationCode,
    OccurredAt,
    Place,
}

impl FactField {
    pub const ALL: [FactField; 5] = [
        FactField::Plate,
        FactField::PlateColour,
        FactField::ViolationCode,
        FactField::OccurredAt,
        FactField::Place,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FactField::Plate => "plate",
            FactField::PlateColour => "plate_colour",
            FactField::ViolationCode => "violation_code",
            FactField::OccurredAt => "occurred_at",
            FactField::Place => "place",
        }
    }

    /// SEC-06: a field outside the allow-list is refused with its own code.
    pub fn parse(raw: &str) -> Result<Self, RuleViolation> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == raw.trim())
            .ok_or_else(|| {
                RuleViolation::new(
                    "SEC-06",
                    Code::CorrectionNotFact,
                    "only plate, plate_colour, violation_code, occurred_at and place can be corrected",
                )
            })
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionState {
    Requested,
    Approved,
    Refused,
    Executed,
}

impl CorrectionState {
    pub fn as_str(self) -> &'static str {
        match self {
            CorrectionState::Requested => "requested",
            CorrectionState::Approved => "approved",
            CorrectionState::Refused => "refused",
            CorrectionState::Executed => "executed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Ok(match raw {
            "requested" => CorrectionState::Requested,
            "approved" => CorrectionState::Approved,
            "refused" => CorrectionState::Refused,
            "executed" => CorrectionState::Executed,
            _ => return Err(FieldError::new("state", "is not a correction state")),
        })
    }
}

crate::stored_as_text!(CorrectionState);

/// At most this many fields of one record in one request.
pub const MAX_CHANGES: usize = 5;

/// At most this many records in one request (DAT-01: a request names the records). The
/// form's hint (`corrections.rows_hint`) says 50.
pub const MAX_RECORDS: usize = 50;

/// At most this many files attached to one request, each at most [`MAX_ATTACHMENT_BYTES`]:
/// together they fit in the server's 16 MiB body limit (`corrections.files_hint` says 5 and
/// 3 MiB).
pub const MAX_ATTACHMENTS: usize = 5;
pub const MAX_ATTACHMENT_BYTES: usize = 3 << 20;

/// DAT-01: what an attachment is, read from its first bytes (never from its name or the type
/// the client claims): a PDF, a JPEG or a PNG; anything else is refused.
pub fn attachment_type(head: &[u8]) -> Result<&'static str, FieldError> {
    match head {
        [b'%', b'P', b'D', b'F', b'-', ..] => Ok("application/pdf"),
        [0xff, 0xd8, 0xff, ..] => Ok("image/jpeg"),
        [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, ..] => Ok("image/png"),
        _ => Err(FieldError::new("files", "must be a PDF, JPEG or PNG file")),
    }
}

/// The facts of a record as they stand, which a change is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub country: Country,
    pub plate: String,
    pub plate_colour: PlateColour,
    pub violation_code: String,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
}

/// A checked new value, in the form it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewValue {
    Plate { number: String, key: String },
    PlateColour(PlateColour),
    ViolationCode { code: String, tariff: Tariff },
    OccurredAt(DateTime<Utc>),
    Place(String),
}

impl NewValue {
    /// The value as shown in the before/after record.
    pub fn display(&self) -> String {
        match self {
            NewValue::Plate { number, .. } => number.clone(),
            NewValue::PlateColour(c) => c.as_str().to_owned(),
            NewValue::ViolationCode { code, .. } => code.clone(),
            NewValue::OccurredAt(t) => t.to_rfc3339(),
            NewValue::Place(p) => p.clone(),
        }
    }
}

/// The value of `field` in `facts`, as the before/after record shows it.
pub fn current(facts: &Facts, field: FactField) -> String {
    match field {
        FactField::Plate => facts.plate.clone(),
        FactField::PlateColour => facts.plate_colour.as_str().to_owned(),
        FactField::ViolationCode => facts.violation_code.clone(),
        FactField::OccurredAt => facts.occurred_at.to_rfc3339(),
        FactField::Place => facts.place.clone(),
    }
}

/// DAT-01: a new value passes the same checks as intake (the plate reads as a plate of the
/// record's country, the code is in the catalogue with the country's currency, the time is
/// not in the future); a bad one is refused naming its field.
pub fn check_value(
    facts: &Facts,
    field: FactField,
    raw: &str,
    now: DateTime<Utc>,
) -> Result<NewValue, FieldError> {
    let name = field.as_str();
    Ok(match field {
        FactField::Plate => {
            let PlateReading::Read(p) = read_plate(facts.country, raw, facts.plate_colour)
                .map_err(|e| FieldError::new(name, e.reason))?
            else {
                return Err(FieldError::new(name, "is not a plate"));
            };
            NewValue::Plate {
                key: crate::capture::plate::plate_key(&p.number),
                number: p.number,
            }
        }
        FactField::PlateColour => NewValue::PlateColour(
            PlateColour::parse(raw).map_err(|e| FieldError::new(name, e.reason))?,
        ),
        FactField::ViolationCode => {
            let code = raw.trim();
            match tariff(code) {
                Some(t) if t.fine.currency == Currency::of(facts.country) => {
                    NewValue::ViolationCode {
                        code: code.to_owned(),
                        tariff: t,
                    }
                }
                _ => return Err(FieldError::new(name, "is not a known violation code")),
            }
        }
        FactField::OccurredAt => {
            let t = DateTime::parse_from_rfc3339(raw.trim())
                .map_err(|_| FieldError::new(name, "must be a date and time (RFC 3339)"))?
                .with_timezone(&Utc);
            if t > now {
                return Err(FieldError::new(name, "is in the future"));
            }
            NewValue::OccurredAt(t)
        }
        FactField::Place => NewValue::Place(text(name, raw, 200, true)?),
    })
}

/// DAT-01: a request names at least one and at most [`MAX_CHANGES`] different fields, each
/// with a value different from the current one, and a reason.
pub fn check_request(
    facts: &Facts,
    changes: &[(FactField, String)],
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(Vec<(FactField, NewValue)>, String), FieldError> {
    if changes.is_empty() {
        return Err(FieldError::new("changes", "name at least one field"));
    }
    if changes.len() > MAX_CHANGES {
        return Err(FieldError::new(
            "changes",
            format!("at most {MAX_CHANGES} fields"),
        ));
    }
    let mut out: Vec<(FactField, NewValue)> = Vec::with_capacity(changes.len());
    for (field, raw) in changes {
        if out.iter().any(|(f, _)| f == field) {
            return Err(FieldError::new(field.as_str(), "is named twice"));
        }
        let value = check_value(facts, *field, raw, now)?;
        if value.display() == current(facts, *field) {
            return Err(FieldError::new(field.as_str(), "is the same as now"));
        }
        out.push((*field, value));
    }
    let reason = text("reason", reason, 1000, true)?;
    if reason.chars().count() < 5 {
        return Err(FieldError::new(
            "reason",
            "say why in at least 5 characters",
        ));
    }
    Ok((out, reason))
}

/// DAT-01: the head approves a pending request, never their own.
pub fn approve(
    state: CorrectionState,
    requester: UserId,
    approver: UserId,
) -> Result<CorrectionState, RuleViolation> {
    pending(state)?;
    if requester == approver {
        return Err(RuleViolation::new(
            "DAT-01",
            Code::CorrectionSelfApproval,
            "nobody approves their own correction request",
        ));
    }
    Ok(CorrectionState::Approved)
}

/// DAT-01: the head refuses a pending request with a reason.
pub fn refuse(state: CorrectionState, reason: &str) -> Result<CorrectionState, RuleViolation> {
    pending(state)?;
    if reason.trim().chars().count() < 5 {
        return Err(RuleViolation::new(
            "DAT-01",
            Code::CorrectionReasonRequired,
            "a refusal says why in at least 5 characters",
        ));
    }
    Ok(CorrectionState::Refused)
}

/// DAT-01: the technology department carries out an approved request; the requester may not.
pub fn execute(
    state: CorrectionState,
    requester: UserId,
    executor: UserId,
) -> Result<CorrectionState, RuleViolation> {
    if state != CorrectionState::Approved {
        return Err(RuleViolation::new(
            "DAT-01",
            Code::CorrectionNotApproved,
            "only an approved correction can be carried out",
        ));
    }
    if requester == executor {
        return Err(RuleViolation::new(
            "DAT-01",
            Code::CorrectionSelfExecution,
            "the requester does not carry out their own correction",
        ));
    }
    Ok(CorrectionState::Executed)
}

fn pending(state: CorrectionState) -> Result<(), RuleViolation> {
    if state == CorrectionState::Requested {
        Ok(())
    } else {
        Err(RuleViolation::new(
            "DAT-01",
            Code::CorrectionNotPending,
            "this correction was decided already",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            country: Country::China,
            plate: "浙E12345".into(),
            plate_colour: PlateColour::Blue,
            violation_code: "1625".into(),
            occurred_at: "2026-03-01T08:00:00Z".parse().unwrap(),
            place: "Road 1".into(),
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-03-10T08:00:00Z".parse().unwrap()
    }

    #[test]
    fn dat_01_an_attachment_is_a_pdf_jpeg_or_png_by_its_magic_bytes() {
        assert_eq!(attachment_type(b"%PDF-1.7\n").unwrap(), "application/pdf");
        assert_eq!(
            attachment_type(&[0xff, 0xd8, 0xff, 0xe0]).unwrap(),
            "image/jpeg"
        );
        assert_eq!(
            attachment_type(b"\x89PNG\r\n\x1a\n\0").unwrap(),
            "image/png"
        );
        for bad in [&b"GIF89a"[..], b"PK\x03\x04", b"", b"%PD"] {
            assert_eq!(attachment_type(bad).unwrap_err().field, "files");
        }
    }

    #[test]
    fn sec_06_only_fact_fields_of_the_allow_list_can_be_named() {
        assert_eq!(FactField::parse("plate").unwrap(), FactField::Plate);
        for raw in ["state", "fine_minor", "capture_id", "unit_id", ""] {
            assert_eq!(
                FactField::parse(raw).unwrap_err().code,
                Code::CorrectionNotFact
            );
        }
    }

    #[test]
    fn dat_01_new_values_pass_the_intake_checks_and_name_their_field() {
        let f = facts();
        let bad = [
            (FactField::Plate, "not a plate!!"),
            (FactField::PlateColour, "purple"),
            (FactField::ViolationCode, "9999"),
            (FactField::ViolationCode, "VN01"),
            (FactField::OccurredAt, "yesterday"),
            (FactField::OccurredAt, "2027-01-01T00:00:00Z"),
            (FactField::Place, "  "),
        ];
        for (field, raw) in bad {
            let e = check_value(&f, field, raw, now()).unwrap_err();
            assert_eq!(e.field, field.as_str(), "{raw}");
        }
        let v = check_value(&f, FactField::ViolationCode, "1208", now()).unwrap();
        assert!(matches!(v, NewValue::ViolationCode { ref code, .. } if code == "1208"));
        let v = check_value(&f, FactField::Plate, "浙E 54321", now()).unwrap();
        assert!(matches!(v, NewValue::Plate { ref key, .. } if key == "浙E54321"));
    }

    #[test]
    fn dat_01_a_request_names_different_changed_fields_and_a_reason() {
        let f = facts();
        let one = vec![(FactField::Place, "Road 2".to_owned())];
        assert!(check_request(&f, &one, "the camera's site was wrong", now()).is_ok());
        assert_eq!(
            check_request(&f, &[], "reason given", now())
                .unwrap_err()
                .field,
            "changes"
        );
        let same = vec![(FactField::Place, "Road 1".to_owned())];
        assert_eq!(
            check_request(&f, &same, "reason given", now())
                .unwrap_err()
                .field,
            "place"
        );
        let twice = vec![
            (FactField::Place, "Road 2".to_owned()),
            (FactField::Place, "Road 3".to_owned()),
        ];
        assert!(check_request(&f, &twice, "reason given", now()).is_err());
        assert_eq!(
            check_request(&f, &one, "", now()).unwrap_err().field,
            "reason"
        );
    }

    #[test]
    fn dat_01_nobody_approves_their_own_request() {
        let (a, b) = (UserId(1), UserId(2));
        assert_eq!(
            approve(CorrectionState::Requested, a, a).unwrap_err().code,
            Code::CorrectionSelfApproval
        );
        assert_eq!(
            approve(CorrectionState::Requested, a, b).unwrap(),
            CorrectionState::Approved
        );
        assert_eq!(
            approve(CorrectionState::Approved, a, b).unwrap_err().code,
            Code::CorrectionNotPending
        );
    }

    #[test]
    fn dat_01_a_refusal_gives_a_reason() {
        assert!(refuse(CorrectionState::Requested, "").is_err());
        assert_eq!(
            refuse(CorrectionState::Requested, "no evidence given").unwrap(),
            CorrectionState::Refused
        );
        assert!(refuse(CorrectionState::Refused, "no evidence given").is_err());
    }

    #[test]
    fn dat_01_only_approved_requests_are_carried_out_and_not_by_the_requester() {
        let (a, b) = (UserId(1), UserId(2));
        assert_eq!(
            execute(CorrectionState::Requested, a, b).unwrap_err().code,
            Code::CorrectionNotApproved
        );
        assert_eq!(
            execute(CorrectionState::Approved, a, a).unwrap_err().code,
            Code::CorrectionSelfExecution
        );
        assert_eq!(
            execute(CorrectionState::Approved, a, b).unwrap(),
            CorrectionState::Executed
        );
        assert!(execute(CorrectionState::Executed, a, b).is_err());
    }
}
