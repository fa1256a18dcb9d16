//! NOT-01..03: from an entered record to a closed case — the notice, the owner's 30 days,
//! extensions, late fees, the overdue steps and the inspection block.

use crate::codes::Code;
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

crate::stored_as_text!(ViolationState);

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
        (S::Closed | S::Eliminated, _) => refused(
            "NOT-03",
            Code::ViolationClosed,
            "this case is already closed",
        ),
        (_, Step::Notify) => refused(
            "NOT-01",
            Code::ViolationAlreadyNotified,
            "the owner was already notified",
        ),
        (_, Step::Pay) => refused(
            "NOT-02",
            Code::ViolationNotDecided,
            "payment follows a penalty decision",
        ),
        _ => refused(
            "NOT-02",
            Code::ViolationStepNotAllowed,
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
            Code::ExtensionNotLater,
            "an extension must end after the current deadline",
        ));
    }
    if requested_until > limit {
        return Err(RuleViolation::new(
            "NOT-02b",
            Code::ExtensionTooLong,
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

/// NOT-02c: the days the owner has, counted from the notice; and the days without response
/// after the notice of the intended decision. Calendar days (TIME-01), so a period whose last
/// day is a weekend or holiday ends on the next working day.
pub const OVERDUE_RESPONSE_DAYS: u32 = 30;
/// NOT-02c: the announcement runs 7 days: working days (TIME-01).
pub const ANNOUNCEMENT_WORKING_DAYS: u32 = 7;

/// The day on which the next NOT-02c step of `f` comes due as far as time goes (the record
/// count and an extension are checked on that day), or `None` when no step is left.
pub fn overdue_step_date(f: &OverdueFacts, calendar: &Calendar) -> Option<NaiveDate> {
    match (f.intended_notice_on, f.announced_on) {
        (None, _) => Some(calendar.calendar_days_after(f.notified_on, OVERDUE_RESPONSE_DAYS)),
        (Some(_), None) if f.responded => None,
        (Some(sent), None) => Some(calendar.calendar_days_after(sent, OVERDUE_RESPONSE_DAYS)),
        (Some(_), Some(on)) => Some(calendar.working_days_after(on, ANNOUNCEMENT_WORKING_DAYS)),
    }
}

/// The next NOT-02c step that has come due on `today`, if any.
pub fn due_overdue_step(
    f: &OverdueFacts,
    today: NaiveDate,
    calendar: &Calendar,
) -> Option<OverdueStep> {
    let time_has_come = overdue_step_date(f, calendar).is_some_and(|due| today >= due);
    match (f.intended_notice_on, f.announced_on) {
        (None, _) => (time_has_come && f.unhandled_records >= OVERDUE_MIN_RECORDS && !f.extended)
            .then_some(OverdueStep::IntendedDecisionNotice),
        (Some(_), None) => time_has_come.then_some(OverdueStep::PublicAnnouncement),
        (Some(_), Some(_)) => time_has_come.then_some(OverdueStep::DecisionMayIssue),
    }
}

/// NOT-02c: service by announcement lasts 60 days.
pub const ANNOUNCEMENT_SERVICE_DAYS: u32 = 60;

/// NOT-02c: a notice served by announcement counts as served once the announcement has run
/// 60 days (the owner's 30 days start then). Calendar days, ending on a working day (TIME-01).
pub fn served_by_announcement_on(announced_on: NaiveDate, calendar: &Calendar) -> NaiveDate {
    calendar.calendar_days_after(announced_on, ANNOUNCEMENT_SERVICE_DAYS)
}

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
pub const VN_NOTICE_DAYS: u32 = 10;
/// NOT-03: in Vietnam the warning goes to inspection 20 days after the notice if unresolved.
pub const VN_INSPECTION_WARNING_DAYS: i64 = 20;

/// NOT-01 / NOT-02f: the instant the notice is due, by country. China: `working_days` (5)
/// after the record is entered. Vietnam: 10 days after the violation was detected (the
/// capture's time), not after review approved it; a last day on a weekend or holiday moves to
/// the next working day (TIME-01).
pub fn notice_due(
    country: Country,
    entered_at: DateTime<Utc>,
    detected_at: DateTime<Utc>,
    working_days: u32,
    calendar: &Calendar,
    tz: Tz,
) -> Deadline {
    match country {
        Country::China => notice_deadline(entered_at, working_days, calendar, tz),
        Country::Vietnam => calendar_day_deadline(detected_at, VN_NOTICE_DAYS, calendar, tz),
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
    fn stored_states_round_trip() {
        for s in ViolationState::ALL {
            assert_eq!(ViolationState::try_from(s.as_str().to_owned()), Ok(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert!(ViolationState::parse("paid").is_err());
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
        let cal = Calendar::default();
        assert_eq!(due_overdue_step(&f, d(2026, 9, 30), &cal), None);
        assert_eq!(
            due_overdue_step(&f, d(2026, 10, 1), &cal),
            Some(OverdueStep::IntendedDecisionNotice)
        );
        f.unhandled_records = 4;
        assert_eq!(due_overdue_step(&f, d(2026, 10, 1), &cal), None);
        f.unhandled_records = 5;
        f.extended = true;
        assert_eq!(due_overdue_step(&f, d(2026, 10, 1), &cal), None);
        f.extended = false;
        f.intended_notice_on = Some(d(2026, 10, 1));
        assert_eq!(due_overdue_step(&f, d(2026, 10, 30), &cal), None);
        // 1 October + 30 days is Saturday 31 October: the period ends on Monday 2 November.
        assert_eq!(due_overdue_step(&f, d(2026, 10, 31), &cal), None);
        assert_eq!(
            due_overdue_step(&f, d(2026, 11, 2), &cal),
            Some(OverdueStep::PublicAnnouncement)
        );
        f.responded = true;
        assert_eq!(due_overdue_step(&f, d(2026, 11, 2), &cal), None);
        f.responded = false;
        f.announced_on = Some(d(2026, 11, 2));
        // 7 working days after Monday 2 November: Wednesday 11 November (TIME-01).
        assert_eq!(due_overdue_step(&f, d(2026, 11, 9), &cal), None);
        assert_eq!(
            due_overdue_step(&f, d(2026, 11, 11), &cal),
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
        let dl = notice_due(
            Country::Vietnam,
            entered,
            entered,
            5,
            &Calendar::new([]),
            tz,
        );
        assert_eq!(dl.last_day, d(2026, 11, 30));
    }

    #[test]
    fn not_02f_ten_days_run_from_detection_not_from_approval() {
        let tz: Tz = "Asia/Ho_Chi_Minh".parse().unwrap();
        // Detected Tuesday 10 November 2026, approved nine days later.
        let detected = Utc.with_ymd_and_hms(2026, 11, 10, 3, 0, 0).unwrap();
        let entered = Utc.with_ymd_and_hms(2026, 11, 19, 3, 0, 0).unwrap();
        let dl = notice_due(
            Country::Vietnam,
            entered,
            detected,
            5,
            &Calendar::default(),
            tz,
        );
        assert_eq!(dl.last_day, d(2026, 11, 20));
        // A last day on a Saturday moves to Monday.
        let detected = Utc.with_ymd_and_hms(2026, 11, 11, 3, 0, 0).unwrap();
        let dl = notice_due(
            Country::Vietnam,
            entered,
            detected,
            5,
            &Calendar::default(),
            tz,
        );
        assert_eq!(dl.last_day, d(2026, 11, 23));
    }

    #[test]
    fn not_02c_announcement_counts_working_days_and_response_days_skip_holidays() {
        use crate::calendar::DayKind;
        // China, National Day 2026: 1-7 October off, Saturday 10 October a make-up workday.
        let cal = Calendar::new(
            (1..=7)
                .map(|n| (d(2026, 10, n), DayKind::Holiday))
                .chain([(d(2026, 10, 10), DayKind::Workday)]),
        );
        let mut f = OverdueFacts {
            unhandled_records: 5,
            // + 30 days = 7 October, inside the break: the owner has until Thursday 8 October.
            notified_on: d(2026, 9, 7),
            extended: false,
            intended_notice_on: None,
            responded: false,
            announced_on: None,
        };
        assert_eq!(due_overdue_step(&f, d(2026, 10, 7), &cal), None);
        assert_eq!(
            due_overdue_step(&f, d(2026, 10, 8), &cal),
            Some(OverdueStep::IntendedDecisionNotice)
        );
        f.intended_notice_on = Some(d(2026, 8, 20));
        f.announced_on = Some(d(2026, 9, 29));
        // 7 working days after Tuesday 29 September: 30 Sep, 8, 9, 10 (make-up), 12, 13, 14 Oct.
        assert_eq!(overdue_step_date(&f, &cal), Some(d(2026, 10, 14)));
        assert_eq!(due_overdue_step(&f, d(2026, 10, 13), &cal), None);
        assert_eq!(
            due_overdue_step(&f, d(2026, 10, 14), &cal),
            Some(OverdueStep::DecisionMayIssue)
        );
    }

    #[test]
    fn not_02c_service_by_announcement_lasts_sixty_days() {
        let cal = Calendar::default();
        // 2 November 2026 + 60 days = Friday 1 January 2027.
        assert_eq!(
            served_by_announcement_on(d(2026, 11, 2), &cal),
            d(2027, 1, 1)
        );
        // 60 days ending on a Saturday run to Monday.
        assert_eq!(
            served_by_announcement_on(d(2026, 11, 3), &cal),
            d(2027, 1, 4)
        );
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
