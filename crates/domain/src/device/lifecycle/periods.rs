//! TIME-01: the lifecycle's periods counted in whole local days and months of the unit's zone.

use super::*;

/// "`n` days" from `start` in the unit's zone: whole local days, the start day not counted
/// unless the period starts exactly at midnight (TIME-01); ends at local midnight.
/// Zero days ends the period at once (a configuration for demonstrations, not the law).
pub fn after_days(start: DateTime<Utc>, n: u32, tz: Tz) -> DateTime<Utc> {
    if n == 0 {
        return start;
    }
    let local = start.with_timezone(&tz);
    let skip = u64::from(local.time() != NaiveTime::MIN);
    start_of_local_day(local.date_naive() + Days::new(u64::from(n) + skip), tz)
}

/// "`n` months after" `start`: local midnight of the same day-of-month `n` months on (or the
/// month's last day).
pub fn after_months(start: DateTime<Utc>, n: u32, tz: Tz) -> DateTime<Utc> {
    let date = start.with_timezone(&tz).date_naive();
    let due = date.checked_add_months(Months::new(n)).unwrap_or(date);
    start_of_local_day(due, tz)
}

pub(super) fn local(t: DateTime<Utc>, tz: Tz) -> String {
    crate::calendar::format_local(t, tz)
}
