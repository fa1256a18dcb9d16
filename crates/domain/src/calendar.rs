//! TIME-01 and TIME-02: the working-day calendar and local time.
//!
//! Deadlines of 2, 3, 5 and 7 days in the penalty procedure count working days; longer ones
//! count calendar days. Following APL art. 85, the day on which a period starts is not counted,
//! and a period whose last day is not a working day ends on the next working day.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::org::Country;
use crate::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A day off that would otherwise be a working day (or falls in a holiday break).
    Holiday,
    /// A make-up working day (调休上班 / đi làm bù) that falls on a weekend.
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "holiday" => Ok(Self::Holiday),
            "workday" => Ok(Self::Workday),
            _ => Err(FieldError::new("kind", "must be holiday or workday")),
        }
    }
}

/// One exception to the Monday-to-Friday week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

/// A country's working-day calendar: the weekday rule plus its table of exceptions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    exceptions: BTreeMap<NaiveDate, DayKind>,
}

impl Calendar {
    pub fn new(days: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        Self {
            exceptions: days.into_iter().collect(),
        }
    }

    pub fn from_special_days<'a>(days: impl IntoIterator<Item = &'a SpecialDay>) -> Self {
        Self::new(days.into_iter().map(|d| (d.date, d.kind)))
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.exceptions.get(&date) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// TIME-01: the date of the `n`th working day after `start` (the start day itself is not
    /// counted). With `n == 0`, `start` itself.
    pub fn working_days_after(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut date = start;
        let mut left = n;
        while left > 0 {
            date = next_day(date);
            if self.is_working_day(date) {
                left -= 1;
            }
        }
        date
    }

    /// The first working day on or after `date`.
    pub fn first_working_day_from(&self, date: NaiveDate) -> NaiveDate {
        let mut d = date;
        while !self.is_working_day(d) {
            d = next_day(d);
        }
        d
    }

    /// TIME-01: the date `n` calendar days after `start`, moved to the next working day when it
    /// falls on a weekend or holiday (APL art. 85).
    pub fn calendar_days_after(&self, start: NaiveDate, n: u32) -> NaiveDate {
        self.first_working_day_from(start + Days::new(u64::from(n)))
    }

    /// TIME-01: whether the table holds any day of `year`. A year without one counts every
    /// weekday as a working day, which is almost certainly wrong: callers warn about it.
    pub fn covers_year(&self, year: i32) -> bool {
        match (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) {
            (Some(first), Some(last)) => self.exceptions.range(first..=last).next().is_some(),
            _ => false,
        }
    }

    /// The number of working days in `from..=to`.
    pub fn count_working_days(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .count() as u32
    }
}

fn next_day(date: NaiveDate) -> NaiveDate {
    date.succ_opt()
        .expect("dates before year 262143 have a successor")
}

/// A deadline: the last day on which the step may be done, and the instant at which it becomes
/// overdue (local midnight after that day, stored in UTC per TIME-02).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deadline {
    pub last_day: NaiveDate,
    pub overdue_at: DateTime<Utc>,
}

impl Deadline {
    pub fn ending_on(last_day: NaiveDate, tz: Tz) -> Self {
        Self {
            last_day,
            overdue_at: start_of_local_day(next_day(last_day), tz),
        }
    }

    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        now >= self.overdue_at
    }
}

/// TIME-01: "within `n` working days of `t`", in the unit's time zone.
pub fn working_day_deadline(t: DateTime<Utc>, n: u32, calendar: &Calendar, tz: Tz) -> Deadline {
    let start = t.with_timezone(&tz).date_naive();
    Deadline::ending_on(calendar.working_days_after(start, n), tz)
}

/// TIME-01: "within `n` calendar days of `t`", extended past a closing weekend or holiday.
pub fn calendar_day_deadline(t: DateTime<Utc>, n: u32, calendar: &Calendar, tz: Tz) -> Deadline {
    let start = t.with_timezone(&tz).date_naive();
    Deadline::ending_on(calendar.calendar_days_after(start, n), tz)
}

/// TIME-01: where a day of an installation's table came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DaySource {
    /// From a shipped table; newer shipped tables may change or remove it.
    Shipped,
    /// Added or changed by a person; never overwritten by a shipped table.
    Local,
}

impl DaySource {
    pub fn as_str(self) -> &'static str {
        match self {
            DaySource::Shipped => "shipped",
            DaySource::Local => "local",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "shipped" => Ok(Self::Shipped),
            "local" => Ok(Self::Local),
            _ => Err(FieldError::new("source", "must be shipped or local")),
        }
    }
}

/// One change that brings an installation's table up to a shipped table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeStep {
    /// A day the installation never had (and nobody removed): add it as shipped.
    Add(SpecialDay),
    /// A shipped day the shipped table now says differently: replace it.
    Update(SpecialDay),
    /// A shipped day the shipped table no longer lists for a year it covers: remove it.
    Remove(NaiveDate),
}

/// TIME-01: what merging a shipped table into an installation's table changes. Days a person
/// added, changed (`Local`) or removed (`removed`) are never touched; every other day follows
/// the shipped table, for the years that table covers.
pub fn merge_shipped(
    shipped: &[SpecialDay],
    installed: &[(SpecialDay, DaySource)],
    removed: &[NaiveDate],
) -> Vec<MergeStep> {
    let have: BTreeMap<NaiveDate, (&SpecialDay, DaySource)> =
        installed.iter().map(|(d, s)| (d.date, (d, *s))).collect();
    let shipped_days: BTreeMap<NaiveDate, &SpecialDay> =
        shipped.iter().map(|d| (d.date, d)).collect();
    let shipped_years: std::collections::BTreeSet<i32> =
        shipped.iter().map(|d| d.date.year()).collect();
    let mut steps = Vec::new();
    for day in shipped_days.values() {
        if removed.contains(&day.date) {
            continue;
        }
        match have.get(&day.date) {
            None => steps.push(MergeStep::Add((*day).clone())),
            Some((old, DaySource::Shipped)) if *old != *day => {
                steps.push(MergeStep::Update((*day).clone()));
            }
            Some(_) => {}
        }
    }
    for (date, (_, source)) in &have {
        if *source == DaySource::Shipped
            && shipped_years.contains(&date.year())
            && !shipped_days.contains_key(date)
        {
            steps.push(MergeStep::Remove(*date));
        }
    }
    steps
}

/// TIME-02: the UTC instant of local midnight at the start of `date`. Where a time-zone change
/// skips midnight, the first instant of the day that exists.
pub fn start_of_local_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    tz.from_local_datetime(&midnight)
        .earliest()
        .unwrap_or_else(|| tz.from_utc_datetime(&midnight))
        .with_timezone(&Utc)
}

/// A date as forms and files write it, `YYYY-MM-DD`; the error names `field`.
pub fn parse_date(field: &'static str, raw: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, "must be a date, YYYY-MM-DD"))
}

/// TIME-02: a local wall-clock time in `tz` as a UTC instant (the earlier one when a clock
/// change makes it ambiguous, the first valid one when it skips it).
pub fn local_to_utc(naive: chrono::NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    tz.from_local_datetime(&naive)
        .earliest()
        .unwrap_or_else(|| tz.from_utc_datetime(&naive))
        .with_timezone(&Utc)
}

/// TIME-02: a stored UTC instant as the unit shows it, e.g. `2026-11-23 10:57`.
pub fn format_local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// A shipped calendar data file (`crates/domain/calendars/*.toml`).
#[derive(Debug, Clone, Deserialize)]
pub struct CalendarFile {
    pub country: Country,
    pub days: Vec<SpecialDay>,
}

impl CalendarFile {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        toml::from_str(text).map_err(|e| FieldError::new("calendar", e.message().to_owned()))
    }
}

/// The calendars Roadwarden ships for the current and next year.
pub const SHIPPED_CALENDARS: [&str; 2] = [
    include_str!("../calendars/CN.toml"),
    include_str!("../calendars/VN.toml"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn shipped(country: Country) -> Calendar {
        let file = SHIPPED_CALENDARS
            .iter()
            .map(|t| CalendarFile::parse(t).unwrap())
            .find(|f| f.country == country)
            .unwrap();
        Calendar::from_special_days(&file.days)
    }

    #[test]
    fn time_01_working_days_skip_weekends() {
        let cal = Calendar::default();
        // Friday + 5 working days = next Friday; the start day is not counted.
        assert_eq!(cal.working_days_after(d("2026-11-20"), 5), d("2026-11-27"));
        // Saturday upload: Monday is day one.
        assert_eq!(cal.working_days_after(d("2026-11-21"), 1), d("2026-11-23"));
    }

    #[test]
    fn time_01_working_days_skip_chinese_holidays_and_count_make_up_days() {
        let cn = shipped(Country::China);
        // National Day 2026: Sep 30 (Wed) + 5 working days. Oct 1-7 are off, Oct 8 (Thu),
        // Oct 9 (Fri), Oct 10 (Sat, make-up workday), Oct 12 (Mon), Oct 13 (Tue).
        assert_eq!(cn.working_days_after(d("2026-09-30"), 5), d("2026-10-13"));
        assert!(
            cn.is_working_day(d("2026-02-14")),
            "Saturday make-up day before Spring Festival"
        );
        assert!(!cn.is_working_day(d("2026-02-16")));
    }

    #[test]
    fn time_01_vietnamese_tet_is_not_counted() {
        let vn = shipped(Country::Vietnam);
        // Friday 13 Feb 2026 + 3 working days: Tết runs 14–22 Feb, so 23, 24, 25 Feb.
        assert_eq!(vn.working_days_after(d("2026-02-13"), 3), d("2026-02-25"));
    }

    #[test]
    fn time_01_calendar_day_periods_end_on_a_working_day() {
        let cn = shipped(Country::China);
        // 30 calendar days after 2026-09-07 is 2026-10-07, inside the National Day break.
        assert_eq!(cn.calendar_days_after(d("2026-09-07"), 30), d("2026-10-08"));
        assert_eq!(cn.calendar_days_after(d("2026-11-02"), 15), d("2026-11-17"));
    }

    #[test]
    fn time_02_deadlines_are_local_midnight_stored_in_utc() {
        let t = DateTime::parse_from_rfc3339("2026-11-20T17:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        // 17:30 UTC on Friday is 01:30 on Saturday in Shanghai: counting starts Monday.
        let dl = working_day_deadline(t, 1, &Calendar::default(), chrono_tz::Asia::Shanghai);
        assert_eq!(dl.last_day, d("2026-11-23"));
        assert_eq!(dl.overdue_at.to_rfc3339(), "2026-11-23T16:00:00+00:00");
        assert!(!dl.is_overdue(dl.overdue_at - chrono::Duration::seconds(1)));
        assert!(dl.is_overdue(dl.overdue_at));
        assert_eq!(
            format_local(t, chrono_tz::Asia::Ho_Chi_Minh),
            "2026-11-21 00:30"
        );
        let cal = calendar_day_deadline(t, 30, &Calendar::default(), chrono_tz::Asia::Shanghai);
        assert_eq!(cal.last_day, d("2026-12-21"));
    }

    #[test]
    fn shipped_calendars_parse_and_cover_this_year_and_next() {
        for text in SHIPPED_CALENDARS {
            let file = CalendarFile::parse(text).unwrap();
            for year in [2026, 2027] {
                assert!(
                    file.days.iter().any(|day| day.date.year() == year),
                    "{year}"
                );
            }
            for day in &file.days {
                let weekend = matches!(day.date.weekday(), Weekday::Sat | Weekday::Sun);
                if day.kind == DayKind::Workday {
                    assert!(
                        weekend,
                        "make-up workday {} must fall on a weekend",
                        day.date
                    );
                }
            }
        }
        assert!(CalendarFile::parse("country = 'XX'").is_err());
    }

    #[test]
    fn time_01_vietnamese_2027_weekend_holidays_are_replaced_like_1_may() {
        let file = SHIPPED_CALENDARS
            .iter()
            .map(|t| CalendarFile::parse(t).unwrap())
            .find(|f| f.country == Country::Vietnam)
            .unwrap();
        let year: Vec<&SpecialDay> = file.days.iter().filter(|d| d.date.year() == 2027).collect();
        let weekend = |d: &SpecialDay| matches!(d.date.weekday(), Weekday::Sat | Weekday::Sun);
        let statutory_on_weekend = year
            .iter()
            .filter(|d| !d.name.starts_with("Nghỉ bù") && weekend(d))
            .count();
        let replacements: Vec<&&SpecialDay> = year
            .iter()
            .filter(|d| d.name.starts_with("Nghỉ bù"))
            .collect();
        assert_eq!(statutory_on_weekend, replacements.len(), "{year:?}");
        assert!(replacements.iter().all(|d| !weekend(d)));
        let vn = Calendar::from_special_days(&file.days);
        // Tết 5-9 February 2027 has Saturday 6 and Sunday 7: Wednesday 10 and Thursday 11 off.
        assert!(!vn.is_working_day(d("2027-02-10")));
        assert!(!vn.is_working_day(d("2027-02-11")));
        assert_eq!(vn.working_days_after(d("2027-02-04"), 1), d("2027-02-12"));
        // 1 May 2027 is a Saturday: Monday 3 May off.
        assert!(!vn.is_working_day(d("2027-05-03")));
    }

    #[test]
    fn time_01_covers_year_tells_years_without_a_table() {
        let cn = shipped(Country::China);
        assert!(cn.covers_year(2026));
        assert!(cn.covers_year(2027));
        assert!(!cn.covers_year(2028));
        assert!(!Calendar::default().covers_year(2026));
    }

    fn day(date: &str, kind: DayKind, name: &str) -> SpecialDay {
        SpecialDay {
            date: d(date),
            kind,
            name: name.into(),
        }
    }

    #[test]
    fn time_01_merge_adds_new_shipped_years_and_keeps_local_edits() {
        let installed = vec![
            (
                day("2026-01-01", DayKind::Holiday, "New Year"),
                DaySource::Shipped,
            ),
            // A person renamed this one: it stays as they left it.
            (
                day("2026-05-01", DayKind::Holiday, "Ours"),
                DaySource::Local,
            ),
            // A shipped day the new table corrects.
            (
                day("2026-09-02", DayKind::Holiday, "Old name"),
                DaySource::Shipped,
            ),
            // A shipped day the new table no longer lists.
            (
                day("2026-09-03", DayKind::Holiday, "Dropped"),
                DaySource::Shipped,
            ),
            // A day a person added.
            (
                day("2026-12-24", DayKind::Holiday, "Local"),
                DaySource::Local,
            ),
        ];
        let shipped = vec![
            day("2026-01-01", DayKind::Holiday, "New Year"),
            day("2026-05-01", DayKind::Holiday, "Labour Day"),
            day("2026-09-02", DayKind::Holiday, "National Day"),
            day("2026-10-01", DayKind::Holiday, "Removed by a person"),
            day("2027-01-01", DayKind::Holiday, "New Year"),
        ];
        let steps = merge_shipped(&shipped, &installed, &[d("2026-10-01")]);
        assert_eq!(
            steps,
            vec![
                MergeStep::Update(day("2026-09-02", DayKind::Holiday, "National Day")),
                MergeStep::Add(day("2027-01-01", DayKind::Holiday, "New Year")),
                MergeStep::Remove(d("2026-09-03")),
            ]
        );
        // Merging what was merged changes nothing.
        let after = vec![
            (
                day("2026-01-01", DayKind::Holiday, "New Year"),
                DaySource::Shipped,
            ),
            (
                day("2026-05-01", DayKind::Holiday, "Ours"),
                DaySource::Local,
            ),
            (
                day("2026-09-02", DayKind::Holiday, "National Day"),
                DaySource::Shipped,
            ),
            (
                day("2026-12-24", DayKind::Holiday, "Local"),
                DaySource::Local,
            ),
            (
                day("2027-01-01", DayKind::Holiday, "New Year"),
                DaySource::Shipped,
            ),
        ];
        assert!(merge_shipped(&shipped, &after, &[d("2026-10-01")]).is_empty());
    }

    proptest! {
        #[test]
        fn working_days_after_lands_on_a_working_day_and_counts_exactly(
            offset in 0u64..800, n in 1u32..40,
        ) {
            let cn = shipped(Country::China);
            let start = d("2026-01-01") + Days::new(offset);
            let end = cn.working_days_after(start, n);
            prop_assert!(end > start);
            prop_assert!(cn.is_working_day(end));
            prop_assert_eq!(cn.count_working_days(next_day(start), end), n);
        }
    }
}
