//! RID-10 c: the township assesses its villages and communities each month, deducting points
//! for tasks left unfinished past their due date (seed 002 §8.3 c, §9.2 平安考核).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::FieldError;

/// The monthly assessment's points *(config)*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AssessmentConfig {
    /// The points a village starts each month with.
    pub base_points: u32,
    /// Deducted for each task that was overdue at some time in the month.
    pub points_per_overdue_task: u32,
}

impl Default for AssessmentConfig {
    fn default() -> Self {
        Self {
            base_points: 100,
            points_per_overdue_task: 2,
        }
    }
}

/// A task as the assessment sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssessedTask {
    pub due_at: DateTime<Utc>,
    /// When it was evaluated and passed, if it was.
    pub passed_at: Option<DateTime<Utc>>,
}

impl AssessedTask {
    /// Overdue at some instant of `[start, end)`: past its due date and not yet passed. A task
    /// left open counts again in each month it stays overdue.
    pub fn overdue_within(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        let from = self.due_at.max(start);
        from < end && self.passed_at.is_none_or(|passed| passed > from)
    }
}

/// One village's result for a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VillageScore {
    pub overdue_tasks: u32,
    pub deducted: u32,
    pub score: u32,
}

/// RID-10 c: the village's score for the month `[start, end)` from its tasks.
pub fn village_score(
    tasks: &[AssessedTask],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    config: &AssessmentConfig,
) -> VillageScore {
    let overdue = tasks
        .iter()
        .filter(|t| t.overdue_within(start, end))
        .count();
    let overdue_tasks = u32::try_from(overdue).unwrap_or(u32::MAX);
    let deducted = overdue_tasks.saturating_mul(config.points_per_overdue_task);
    VillageScore {
        overdue_tasks,
        deducted,
        score: config.base_points.saturating_sub(deducted),
    }
}

/// The month `year-month` in the township's time zone, as `[start, end)` in UTC.
pub fn month_bounds(
    year: i32,
    month: u32,
    tz: Tz,
) -> Result<(DateTime<Utc>, DateTime<Utc>), FieldError> {
    let bad = || FieldError::new("month", "is not a month");
    let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(bad)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .ok_or_else(bad)?;
    let local = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(bad)
    };
    Ok((local(first)?, local(next)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn month() -> (DateTime<Utc>, DateTime<Utc>) {
        month_bounds(2026, 11, chrono_tz::Asia::Shanghai).unwrap()
    }

    #[test]
    fn rid_10_months_are_counted_in_the_townships_time_zone() {
        let (start, end) = month();
        assert_eq!(start, Utc.with_ymd_and_hms(2026, 10, 31, 16, 0, 0).unwrap());
        assert_eq!(end, Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap());
        let (_, dec_end) = month_bounds(2026, 12, chrono_tz::Asia::Shanghai).unwrap();
        assert_eq!(
            dec_end,
            Utc.with_ymd_and_hms(2026, 12, 31, 16, 0, 0).unwrap()
        );
        assert!(month_bounds(2026, 13, chrono_tz::Asia::Shanghai).is_err());
    }

    #[test]
    fn rid_10_villages_lose_points_for_each_overdue_task() {
        let (start, end) = month();
        let mid = start + Duration::days(10);
        let tasks = [
            // Passed on time: no deduction.
            AssessedTask {
                due_at: mid,
                passed_at: Some(mid - Duration::days(1)),
            },
            // Passed late within the month: counts.
            AssessedTask {
                due_at: mid,
                passed_at: Some(mid + Duration::days(2)),
            },
            // Still open, due this month: counts.
            AssessedTask {
                due_at: mid,
                passed_at: None,
            },
            // Overdue since last month and still open: counts again.
            AssessedTask {
                due_at: start - Duration::days(20),
                passed_at: None,
            },
            // Overdue last month, passed before this one: does not count.
            AssessedTask {
                due_at: start - Duration::days(20),
                passed_at: Some(start - Duration::days(1)),
            },
            // Due next month: does not count.
            AssessedTask {
                due_at: end + Duration::days(1),
                passed_at: None,
            },
            // Due at the month's last instant is not yet overdue in it.
            AssessedTask {
                due_at: end,
                passed_at: None,
            },
        ];
        let score = village_score(&tasks, start, end, &AssessmentConfig::default());
        assert_eq!(
            score,
            VillageScore {
                overdue_tasks: 3,
                deducted: 6,
                score: 94
            }
        );
    }

    #[test]
    fn rid_10_a_score_never_goes_below_zero() {
        let (start, end) = month();
        let tasks = vec![
            AssessedTask {
                due_at: start,
                passed_at: None
            };
            80
        ];
        let score = village_score(&tasks, start, end, &AssessmentConfig::default());
        assert_eq!(score.deducted, 160);
        assert_eq!(score.score, 0);
    }
}
