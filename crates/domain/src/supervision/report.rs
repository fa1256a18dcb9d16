//! SUP-07a: the review report rates devices and units on timeliness, rejection reasons and
//! second-review agreement, and never officers on fines.
//!
//! The guard is in the types: a row's `Subject` is a device or a unit (there is no person to
//! put there), and neither the facts the report is built from nor its rows have a field for a
//! fine, an amount or a penalty count. A per-officer fine figure is therefore not
//! representable, and a test fails if anyone adds a column. This does not compile:
//!
//! ```compile_fail
//! use roadwarden_domain::supervision::report::Subject;
//! let _ = Subject::Officer(roadwarden_domain::UserId(1));
//! ```

use std::collections::BTreeMap;

use serde::Serialize;

use super::analysis::ReasonCounts;
use crate::capture::review::RejectReason;
use crate::{DeviceId, UnitId};

/// What a row rates. Devices and units only (SUP-07a): never a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Subject {
    Device(DeviceId),
    Unit(UnitId),
}

/// How the report groups its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// One row per device.
    Device,
    /// One row per managing unit.
    Unit,
}

/// `part` of `whole`; the percent only when there is a whole (never NaN).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Share {
    pub part: u64,
    pub whole: u64,
}

impl Share {
    pub fn percent(self) -> Option<f64> {
        (self.whole > 0).then(|| self.part as f64 / self.whole as f64 * 100.0)
    }

    fn count(&mut self, yes: bool) {
        self.whole += 1;
        self.part += u64::from(yes);
    }
}

/// One reviewed capture as the report counts it. Deliberately without the reviewer, the
/// penalty or the amount (SUP-07a).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewFact {
    pub device: DeviceId,
    /// The device's managing unit.
    pub unit: UnitId,
    /// Reviewed within its deadline (REV-02).
    pub in_time: bool,
    /// Rejected, and why (REV-03); none when approved.
    pub rejected_for: Option<RejectReason>,
    /// Whether a second review agreed with the first; none when there was none.
    pub second_review_agreed: Option<bool>,
}

/// One row of the review report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewReportRow {
    pub subject: Subject,
    pub reviewed: u64,
    /// Reviews done within the deadline, of all reviews.
    pub timeliness: Share,
    /// Captures rejected, of all reviewed.
    pub rejection: Share,
    pub rejected_by_reason: ReasonCounts,
    /// Second reviews that agreed with the first, of all second reviews.
    pub second_review_agreement: Share,
}

impl ReviewReportRow {
    /// The columns an export shows, in order: exactly the row's fields (a test keeps them in
    /// step), so an exporter cannot add a column the type does not have.
    pub const COLUMNS: [&'static str; 6] = [
        "subject",
        "reviewed",
        "timeliness",
        "rejection",
        "rejected_by_reason",
        "second_review_agreement",
    ];

    fn empty(subject: Subject) -> Self {
        Self {
            subject,
            reviewed: 0,
            timeliness: Share::default(),
            rejection: Share::default(),
            rejected_by_reason: ReasonCounts::default(),
            second_review_agreement: Share::default(),
        }
    }
}

/// SUP-07a: the review report over `facts`, one row per device or unit, in subject order.
pub fn review_report<'a>(
    facts: impl IntoIterator<Item = &'a ReviewFact>,
    by: GroupBy,
) -> Vec<ReviewReportRow> {
    let mut rows: BTreeMap<Subject, ReviewReportRow> = BTreeMap::new();
    for f in facts {
        let subject = match by {
            GroupBy::Device => Subject::Device(f.device),
            GroupBy::Unit => Subject::Unit(f.unit),
        };
        let row = rows
            .entry(subject)
            .or_insert_with(|| ReviewReportRow::empty(subject));
        row.reviewed += 1;
        row.timeliness.count(f.in_time);
        row.rejection.count(f.rejected_for.is_some());
        if let Some(reason) = f.rejected_for {
            row.rejected_by_reason.add(reason, 1);
        }
        if let Some(agreed) = f.second_review_agreed {
            row.second_review_agreement.count(agreed);
        }
    }
    rows.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(device: i64, unit: i64, in_time: bool, rejected: Option<RejectReason>) -> ReviewFact {
        // Every field listed: a field added to the facts (a reviewer, a fine) breaks this.
        ReviewFact {
            device: DeviceId(device),
            unit: UnitId(unit),
            in_time,
            rejected_for: rejected,
            second_review_agreed: Some(rejected.is_none()),
        }
    }

    #[test]
    fn sup_07a_rows_rate_timeliness_rejection_reasons_and_agreement() {
        let facts = [
            fact(1, 10, true, None),
            fact(1, 10, false, Some(RejectReason::VehicleUnidentifiable)),
            fact(2, 10, true, None),
        ];
        let by_device = review_report(&facts, GroupBy::Device);
        assert_eq!(by_device.len(), 2);
        let one = &by_device[0];
        assert_eq!(one.subject, Subject::Device(DeviceId(1)));
        assert_eq!(one.timeliness, Share { part: 1, whole: 2 });
        assert_eq!(one.rejection.percent(), Some(50.0));
        assert_eq!(
            one.rejected_by_reason
                .get(RejectReason::VehicleUnidentifiable),
            1
        );
        assert_eq!(one.second_review_agreement, Share { part: 1, whole: 2 });
        let by_unit = review_report(&facts, GroupBy::Unit);
        assert_eq!(by_unit.len(), 1);
        assert_eq!(by_unit[0].reviewed, 3);
        assert_eq!(review_report(&[], GroupBy::Unit), vec![]);
        assert_eq!(Share::default().percent(), None);
    }

    /// SUP-07a: the report cannot say anything about an officer's fines. A row rates a device
    /// or a unit (the match below has no wildcard: a new kind of subject does not compile
    /// here), and its columns are exactly `COLUMNS`, none of them a fine, an amount, a penalty
    /// count or a person. Adding one fails this test; do not "fix" the test, drop the column.
    #[test]
    fn sup_07a_no_per_officer_fine_figure_is_representable() {
        let row = &review_report(&[fact(1, 10, true, None)], GroupBy::Device)[0];
        match row.subject {
            Subject::Device(_) | Subject::Unit(_) => {}
        }
        let json = serde_json::to_value(row).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = ReviewReportRow::COLUMNS.to_vec();
        expected.sort_unstable();
        let mut keys_sorted = keys.clone();
        keys_sorted.sort_unstable();
        assert_eq!(keys_sorted, expected);
        let text = json.to_string();
        for banned in [
            "fine", "amount", "penalt", "officer", "reviewer", "user", "quota",
        ] {
            assert!(!text.contains(banned), "{banned} in {text}");
        }
        assert_eq!(json["subject"]["kind"], "device");
    }
}
