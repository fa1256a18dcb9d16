//! NOT-02f: in Vietnam, owners living elsewhere are transferred to the police of their commune
//! or district.
//!
//! Matching: the vehicle registry gives the owner's administrative-division code (`division_code`,
//! the commune's or the district's code). A unit's code is its division code (ORG). The owner
//! lives inside the area of the unit that entered the record when that code is the unit's own or
//! that of a unit below it. Otherwise the record goes to a police unit of the same country whose
//! code is the owner's division code; when the tree has none, it is flagged for a manual transfer.
//! An owner without a division code on file cannot be placed: the record stays where it is.

use crate::org::{Country, UnitKind};
use crate::UnitId;

/// A unit as the matching needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRef<'a> {
    pub id: UnitId,
    pub code: &'a str,
    pub kind: UnitKind,
    pub country: Country,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferDecision {
    /// The owner lives in the area (or nothing is known about where): nothing to do.
    Stay,
    /// To this police unit of the owner's commune or district.
    To(UnitId),
    /// Nobody in the tree matches: a person transfers it.
    Manual,
}

fn same_code(a: &str, b: &str) -> bool {
    !a.trim().is_empty() && a.trim().eq_ignore_ascii_case(b.trim())
}

/// NOT-02f: where a Vietnamese record goes. `area` is the entering unit and the units below it;
/// `candidates` are the units whose code equals the owner's division code.
pub fn decide_transfer(
    country: Country,
    owner_division: &str,
    area: &[UnitRef<'_>],
    candidates: &[UnitRef<'_>],
) -> TransferDecision {
    if country != Country::Vietnam || owner_division.trim().is_empty() {
        return TransferDecision::Stay;
    }
    if area.iter().any(|u| same_code(u.code, owner_division)) {
        return TransferDecision::Stay;
    }
    candidates
        .iter()
        .find(|u| {
            u.kind == UnitKind::Police && u.country == country && same_code(u.code, owner_division)
        })
        .map_or(TransferDecision::Manual, |u| TransferDecision::To(u.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: i64, code: &str, kind: UnitKind) -> UnitRef<'_> {
        UnitRef {
            id: UnitId(id),
            code,
            kind,
            country: Country::Vietnam,
        }
    }

    #[test]
    fn not_02f_owners_elsewhere_go_to_their_commune_or_district_police() {
        let area = [
            unit(1, "001", UnitKind::Police),
            unit(2, "00004", UnitKind::Police),
        ];
        let vn = Country::Vietnam;
        assert_eq!(
            decide_transfer(vn, "00004", &area, &[]),
            TransferDecision::Stay
        );
        assert_eq!(decide_transfer(vn, "", &area, &[]), TransferDecision::Stay);
        let elsewhere = [unit(9, "00091", UnitKind::Police)];
        assert_eq!(
            decide_transfer(vn, "00091", &area, &elsewhere),
            TransferDecision::To(UnitId(9))
        );
        // Only a police unit takes a case; a commune's people's committee does not.
        let committee = [unit(10, "00091", UnitKind::Township)];
        assert_eq!(
            decide_transfer(vn, "00091", &area, &committee),
            TransferDecision::Manual
        );
        assert_eq!(
            decide_transfer(vn, "00777", &area, &[]),
            TransferDecision::Manual
        );
        // A Chinese record is never transferred by this rule.
        assert_eq!(
            decide_transfer(Country::China, "00091", &area, &elsewhere),
            TransferDecision::Stay
        );
    }
}
