//! NOT-01..03: from an entered record to a closed case — the notice, the owner's 30 days,
//! extensions, late fees, the overdue steps and the inspection block.

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::penalty::{Currency, Money};
use crate::calendar::{calendar_day_deadline, working_day_deadline, Calendar, Deadline};
use crate::org::Country;
use crate::{FieldError, RuleViolation};

/// A violation record's state once review approved it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationState {
    /// Entered and publicly queryable (NOT-02a); the owner not yet notified.
    Entered,
    /// The owner was notified; the 30 days run.
    Notified,
    /// The owner handled it: a penalty decision was issued and awaits payment.
    Decided,
    /// Paid, or a warning served: nothing left to do.
    Closed,
    /// REV-04 / APL-02: eliminated.
    Eliminated,
}

impl ViolationState {
    pub const ALL: [ViolationState; 5] = [
        ViolationState::Entered,
        ViolationState::Notified,
        ViolationState::Decided,
        ViolationState::Closed,
        ViolationState::Eliminated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ViolationState::Entered => "entered",
            ViolationState::Notified => "notified",
            ViolationState::Decided => "decided",
            ViolationState::Closed => "closed",
            ViolationState::Eliminated => "eliminated",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("state", "is not a violation state"))
    }

    pub fn is_open(self) -> bool {
        !matches!(self, ViolationState::Closed | ViolationState::Eliminated)
    }
}

/// The steps a clerk records on a violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Notify,
    /// The owner (or the established driver, REV-06) handled it; a decision was issued.
    Handle,
    Pay,
    Eliminate,
}

/// The state after `step`, or the rule that forbids it.
pub fn apply(
    state: ViolationState,
    step: Step,
    warning: bool,
) -> Result<ViolationState, RuleViolation> {
    use ViolationState as S;
    let refused = |rule, code, msg: &str| Err(RuleViolation::new(rule, code, msg));
    match (state, step) {
        (S::Entered, Step::Notify) if warning => Ok(S::Closed),
        (S::Entered, Step::Notify) => Ok(S::Notified),
        (S::Entered | S::Notified, Step::Handle) if !warning => Ok(S::Decided),
        (S::Decided, Step::Pay) => Ok(S::Closed),
        (s, Step::Eliminate) if s.is_open() => Ok(S::Eliminated),
        (S::Closed | S::Eliminated, _) => {
            refused("NOT-03", "violation.closed", "this case is already closed")
        }
        (_, Step::Notify) => refused(
            "NOT-01",
            "violation.already_notified",
            "the owner was already notified",
        ),
        (_, Step::Pay) => refused(
            "NOT-02",
            "violation.not_decided",
            "payment follows a penalty decision",
        ),
        _ => refused(
            "NOT-02",
            "violation.step_not_allowed",
            "this step does not apply now",
        ),
    }
}

/// NOT-01: notify within `n` working days (5) after entry.
pub fn notice_deadline(entered_at: DateTime<Utc>, n: u32, calendar: &Calendar, tz: Tz) -> Deadline {
    working_day_deadline(entered_at, n, calendar, tz)
}

/// NOT-02: handle within `n` days (30) of the notice, extended past a closing holiday.
pub fn handle_by(notified_at: DateTime<Utc>, n: u32, calendar: &Calendar, tz: Tz) -> Deadline {
    calendar_day_deadline(notified_at, n, calendar, tz)
}

/// NOT-02b: an extension runs to at most 3 months after the original last day.
pub const EXTENSION_MONTHS: u32 = 3;

pub fn check_extension(
    original_last_day: NaiveDate,
    requested_until: NaiveDate,
) -> Result<(), RuleViolation> {
    let limit = original_last_day + Months::new(EXTENSION_MONTHS);
    if requested_until <= original_last_day {
        return Err(RuleViolation::new(
            "NOT-02b",
            "extension.not_later",
            "an extension must end after the current deadline",
        ));
    }
    if requested_until > limit {
        return Err(RuleViolation::new(
            "NOT-02b",
            "extension.too_long",
            format!("an extension may run to {limit} at the latest (3 months)"),
        ));
    }
    Ok(())
}

/// Days to pay a decided fine; late fees run from the day after. China: 15 days
/// (Administrative Penalty Law art. 67). Vietnam: 10 days from receiving the decision (Law on
/// Handling Administrative Violations 15/2012/QH13, art. 73).
pub fn payment_days(country: Country) -> u32 {
    match country {
        Country::China => 15,
        Country::Vietnam => 10,
    }
}

/// The late fee on an unpaid fine, by the fine's currency (its country).
/// China, NOT-02d: 3% of the fine a day, capped at the fine itself.
/// Vietnam: 0.05% of the unpaid fine a day (Law 15/2012/QH13, art. 78); NOT-02d is a Chinese
/// rule and does not apply there.
pub fn late_fee(fine: Money, due: NaiveDate, today: NaiveDate) -> Money {
    let days = (today - due).num_days().max(0);
    let minor = match fine.currency {
        Currency::Cny => (fine.minor.saturating_mul(3).saturating_mul(days) / 100).min(fine.minor),
        Currency::Vnd => fine.minor.saturating_mul(5).saturating_mul(days) / 10_000,
    };
    Money {
        minor,
        currency: fine.currency,
    }
}

/// NOT-02c: the steps for a vehicle that leaves records unhandled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OverdueStep {
    /// 5 or more unhandled records, 30 days past notice, no extension.
    IntendedDecisionNotice,
    /// No response 30 days after the intended-decision notice.
    PublicAnnouncement,
    /// The announcement ran 7 days: the decision may be issued.
    DecisionMayIssue,
}

pub const OVERDUE_MIN_RECORDS: usize = 5;

#[derive(Debug, Clone, Copy)]
pub struct OverdueFacts {
    pub unhandled_records: usize,
    pub notified_on: NaiveDate,
    pub extended: bool,
    pub intended_notice_on: Option<NaiveDate>,
    pub responded: bool,
    pub announced_on: Option<NaiveDate>,
}

/// The next NOT-02c step that has come due on `today`, if any.
pub fn due_overdue_step(f: &OverdueFacts, today: NaiveDate) -> Option<OverdueStep> {
    let days = |from: NaiveDate| (today - from).num_days();
    match (f.intended_notice_on, f.announced_on) {
        (None, _) => {
            (f.unhandled_records >= OVERDUE_MIN_RECORDS && !f.extended && days(f.notified_on) >= 30)
                .then_some(OverdueStep::IntendedDecisionNotice)
        }
        (Some(sent), None) => {
            (!f.responded && days(sent) >= 30).then_some(OverdueStep::PublicAnnouncement)
        }
        (Some(_), Some(on)) => (days(on) >= 7).then_some(OverdueStep::DecisionMayIssue),
    }
}

/// NOT-02c: service by announcement lasts 60 days.
pub const ANNOUNCEMENT_SERVICE_DAYS: i64 = 60;

/// NOT-02c: what an announcement may show. No name, no address, no contact: a plate is masked
/// to its first two and last two characters.
pub fn announced_plate(plate: &str) -> String {
    let chars: Vec<char> = plate.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..2].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 4));
    out.extend(&chars[chars.len() - 2..]);
    out
}

/// NOT-02f: in Vietnam the owner is identified and notified within 10 days of detection.
pub const VN_NOTICE_DAYS: i64 = 10;
/// NOT-03: in Vietnam the warning goes to inspection 20 days after the notice if unresolved.
pub const VN_INSPECTION_WARNING_DAYS: i64 = 20;

/// NOT-01 / NOT-02f: the instant the notice is due, by country.
pub fn notice_due(
    country: Country,
    entered_at: DateTime<Utc>,
    working_days: u32,
    calendar: &Calendar,
    tz: Tz,
) -> Deadline {
    match country {
        Country::China => notice_deadline(entered_at, working_days, calendar, tz),
        Country::Vietnam => {
            let last = (entered_at + Duration::days(VN_NOTICE_DAYS))
                .with_timezone(&tz)
                .date_naive();
            Deadline::ending_on(last, tz)
        }
    }
}

/// NOT-03: is a vehicle's inspection blocked by this case at `now`? In China from the notice
/// until the case is closed (handled and paid); in Vietnam from 20 days after the notice.
/// Cleared the moment the case closes or is eliminated.
pub fn blocks_inspection(
    country: Country,
    state: ViolationState,
    warning: bool,
    notified_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    if warning || !state.is_open() {
        return false;
    }
    let Some(notified) = notified_at else {
        return false;
    };
    match country {
        Country::China => true,
        Country::Vietnam => now >= notified + Duration::days(VN_INSPECTION_WARNING_DAYS),
    }
}

#[cfg(test)]
mod tests {
    use super::super::penalty::Currency;
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn shanghai() -> Tz {
        "Asia/Shanghai".parse().unwrap()
    }

    #[test]
    fn not_01_notice_within_five_working_days_over_a_holiday() {
        let cal = Calendar::new([(d(2026, 12, 31), crate::calendar::DayKind::Holiday)]);
        // Monday 28 December 2026, 09:00 local: Tue, Wed, (Thu 31 holiday), Fri 1 Jan… Fri, Mon, Tue.
        let entered = Utc.with_ymd_and_hms(2026, 12, 28, 1, 0, 0).unwrap();
        let dl = notice_deadline(entered, 5, &cal, shanghai());
        assert!(cal.is_working_day(dl.last_day));
        assert_eq!(cal.count_working_days(d(2026, 12, 29), dl.last_day), 5);
    }

    #[test]
    fn not_02_thirty_days_to_handle() {
        let cal = Calendar::new([]);
        let notified = Utc.with_ymd_and_hms(2026, 11, 2, 2, 0, 0).unwrap();
        let dl = handle_by(notified, 30, &cal, shanghai());
        assert_eq!(dl.last_day, d(2026, 12, 2));
    }

    #[test]
    fn not_02b_extension_up_to_three_months() {
        let last = d(2026, 12, 2);
        assert!(check_extension(last, d(2027, 3, 2)).is_ok());
        assert_eq!(
            check_extension(last, d(2027, 3, 3)).unwrap_err().code,
            "extension.too_long"
        );
        assert_eq!(
            check_extension(last, last).unwrap_err().code,
            "extension.not_later"
        );
    }

    #[test]
    fn not_02c_overdue_steps_in_order() {
        let mut f = OverdueFacts {
            unhandled_records: 5,
            notified_on: d(2026, 9, 1),
            extended: false,
            intended_notice_on: None,
            responded: false,
            announced_on: None,
        };
        assert_eq!(due_overdue_step(&f, d(2026, 9, 30)), None);
        assert_eq!(
            due_overdue_step(&f, d(2026, 10, 1)),
            Some(OverdueStep::IntendedDecisionNotice)
        );
        f.unhandled_records = 4;
        assert_eq!(due_overdue_step(&f, d(2026, 10, 1)), None);
        f.unhandled_records = 5;
        f.extended = true;
        assert_eq!(due_overdue_step(&f, d(2026, 10, 1)), None);
        f.extended = false;
        f.intended_notice_on = Some(d(2026, 10, 1));
        assert_eq!(due_overdue_step(&f, d(2026, 10, 30)), None);
        assert_eq!(
            due_overdue_step(&f, d(2026, 10, 31)),
            Some(OverdueStep::PublicAnnouncement)
        );
        f.responded = true;
        assert_eq!(due_overdue_step(&f, d(2026, 10, 31)), None);
        f.responded = false;
        f.announced_on = Some(d(2026, 10, 31));
        assert_eq!(due_overdue_step(&f, d(2026, 11, 6)), None);
        assert_eq!(
            due_overdue_step(&f, d(2026, 11, 7)),
            Some(OverdueStep::DecisionMayIssue)
        );
        assert_eq!(announced_plate("浙E12345"), "浙E***45");
        assert_eq!(announced_plate("30A-123.45"), "30******45");
    }

    #[test]
    fn not_02d_late_fee_three_percent_a_day_capped() {
        let fine = Money::major(200, Currency::Cny);
        let due = d(2026, 11, 1);
        assert_eq!(late_fee(fine, due, due).minor, 0);
        assert_eq!(
            late_fee(fine, due, d(2026, 11, 2)),
            Money::major(6, Currency::Cny)
        );
        assert_eq!(
            late_fee(fine, due, d(2026, 11, 11)),
            Money::major(60, Currency::Cny)
        );
        assert_eq!(late_fee(fine, due, d(2027, 6, 1)), fine);
        assert_eq!(payment_days(Country::China), 15);
    }

    #[test]
    fn not_02d_is_chinese_vietnam_charges_half_a_per_mille_a_day() {
        // 800,000 đồng unpaid for 10 days: 0.05% × 10 = 4,000 đồng, no 3% rule, no cap.
        let fine = Money::major(800_000, Currency::Vnd);
        let due = d(2026, 11, 1);
        assert_eq!(
            late_fee(fine, due, d(2026, 11, 11)),
            Money::major(4_000, Currency::Vnd)
        );
        assert_eq!(
            late_fee(fine, due, d(2032, 11, 1)).minor,
            fine.minor * 5 * 2192 / 10_000
        );
        assert_eq!(payment_days(Country::Vietnam), 10);
    }

    #[test]
    fn not_02f_vietnam_notice_within_ten_days() {
        let tz: Tz = "Asia/Ho_Chi_Minh".parse().unwrap();
        let entered = Utc.with_ymd_and_hms(2026, 11, 20, 3, 0, 0).unwrap();
        let dl = notice_due(Country::Vietnam, entered, 5, &Calendar::new([]), tz);
        assert_eq!(dl.last_day, d(2026, 11, 30));
    }

    #[test]
    fn not_03_inspection_block_by_country_and_cleared_on_close() {
        let notified = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let now = notified + Duration::days(5);
        use ViolationState as S;
        assert!(blocks_inspection(
            Country::China,
            S::Notified,
            false,
            Some(notified),
            now
        ));
        assert!(blocks_inspection(
            Country::China,
            S::Decided,
            false,
            Some(notified),
            now
        ));
        assert!(!blocks_inspection(
            Country::China,
            S::Closed,
            false,
            Some(notified),
            now
        ));
        assert!(!blocks_inspection(
            Country::China,
            S::Eliminated,
            false,
            Some(notified),
            now
        ));
        assert!(!blocks_inspection(
            Country::China,
            S::Notified,
            true,
            Some(notified),
            now
        ));
        assert!(!blocks_inspection(
            Country::Vietnam,
            S::Notified,
            false,
            Some(notified),
            now
        ));
        let later = notified + Duration::days(20);
        assert!(blocks_inspection(
            Country::Vietnam,
            S::Notified,
            false,
            Some(notified),
            later
        ));
    }

    #[test]
    fn not_02_steps_follow_the_case() {
        use ViolationState as S;
        assert_eq!(apply(S::Entered, Step::Notify, false), Ok(S::Notified));
        assert_eq!(apply(S::Entered, Step::Notify, true), Ok(S::Closed));
        assert_eq!(apply(S::Notified, Step::Handle, false), Ok(S::Decided));
        assert_eq!(apply(S::Decided, Step::Pay, false), Ok(S::Closed));
        assert!(apply(S::Notified, Step::Pay, false).is_err());
        assert!(apply(S::Closed, Step::Eliminate, false).is_err());
        assert_eq!(apply(S::Decided, Step::Eliminate, false), Ok(S::Eliminated));
    }
}
