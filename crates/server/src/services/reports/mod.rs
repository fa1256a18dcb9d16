//! Issue 16 item 6: the monthly supervision reports, in the reader's language. Each kind
//! (`device`, `review`, `objections`, `checks`) builds one [`Report`]: sections of rows whose
//! cells say what they are (a count, a share, a key to translate), and the series its charts
//! are drawn from. The page shows it, `xlsx` writes it as a workbook (a sheet per section), `pdf`
//! through `roadwarden_letter`'s document writer. Shares are `None` when there is nothing to
//! divide by, so an empty month or a unit without devices is a report of dashes, never a NaN.
//!
//! SUP-07a: no report has a person as a row or a fine as a figure; rows are units (or
//! devices), figures are counts and shares of timeliness, reasons and agreement.

pub mod announce;
pub mod checks;
pub mod device;
pub mod export;
pub mod objections;
pub mod pdf;
pub mod review;
pub mod xlsx;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use roadwarden_domain::FieldError;
use serde::Serialize;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::services::context::ServiceContext;
use crate::services::lists::reader_time_zone;

/// The kinds of report, by the word in their address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = ReportKind)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Device,
    Review,
    Objections,
    Checks,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Device, Kind::Review, Kind::Objections, Kind::Checks];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Device => "device",
            Kind::Review => "review",
            Kind::Objections => "objections",
            Kind::Checks => "checks",
        }
    }

    pub fn parse(raw: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    /// The message key of the report's title.
    pub fn title_key(self) -> String {
        format!("rpt.kind.{}", self.as_str())
    }
}

/// One cell of a report: what it is decides how the page, the workbook and the PDF show it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = ReportCell)]
#[serde(tag = "t", content = "v", rename_all = "snake_case")]
pub enum Fig {
    /// Shown as it is (a unit's name, a device number).
    Text(String),
    /// A message key, shown in the reader's language.
    Key(String),
    Count(i64),
    /// A percentage; none when there was nothing to divide by.
    Percent(Option<f64>),
}

impl Fig {
    /// `part` of `whole` as a percentage; none when `whole` is zero (never NaN).
    pub fn share(part: i64, whole: i64) -> Fig {
        Fig::Percent(percent(part, whole))
    }

    /// The cell as text in `lang` (the PDF's values, the chart labels).
    pub fn text(&self, lang: crate::i18n::Lang) -> String {
        match self {
            Fig::Text(s) => s.clone(),
            Fig::Key(k) => crate::i18n::t(lang, k),
            Fig::Count(n) => n.to_string(),
            Fig::Percent(Some(p)) => format!("{p:.1}%"),
            Fig::Percent(None) => "—".to_owned(),
        }
    }
}

/// `part` of `whole` in percent, rounded to one decimal; none when `whole` is not positive.
pub fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64 * 1000.0).round() / 10.0)
}

/// A table of the report: its title and headings are message keys.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ReportSection)]
pub struct Section {
    pub title: String,
    pub headings: Vec<String>,
    pub rows: Vec<Vec<Fig>>,
    /// The total over all rows, when adding up means something.
    pub total: Option<Vec<Fig>>,
}

/// How a chart draws its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ReportChartKind)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    Bar,
    Line,
}

/// One named series of a chart (its name a message key); a missing value is a gap.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ReportSeries)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// A chart's data: the page draws it as SVG, nothing is computed there.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ReportChart)]
pub struct Chart {
    pub title: String,
    pub kind: ChartKind,
    pub labels: Vec<Fig>,
    pub series: Vec<Series>,
    /// Values are percentages (the axis runs to 100).
    pub percent: bool,
}

/// A report of one kind for one month over the reader's units.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = MonthlyReport)]
pub struct Report {
    pub kind: Kind,
    /// `YYYY-MM`.
    pub month: String,
    pub sections: Vec<Section>,
    pub charts: Vec<Chart>,
    /// Nothing happened in the month under the reader's units.
    pub empty: bool,
}

/// The month a report covers, in the reader's time zone.
#[derive(Debug, Clone)]
pub struct Period {
    pub first: NaiveDate,
    /// The first day of the next month.
    pub next: NaiveDate,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub tz: Tz,
    /// Today in the reader's time zone.
    pub today: NaiveDate,
}

impl Period {
    pub fn month(&self) -> String {
        self.first.format("%Y-%m").to_string()
    }

    /// The same month `back` months earlier.
    pub fn earlier(&self, back: u32) -> Period {
        let first = self
            .first
            .checked_sub_months(chrono::Months::new(back))
            .unwrap_or(self.first);
        Period::of(first, self.tz, self.today)
    }

    fn of(first: NaiveDate, tz: Tz, today: NaiveDate) -> Period {
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(first);
        Period {
            first,
            next,
            from: roadwarden_domain::calendar::start_of_local_day(first, tz),
            to: roadwarden_domain::calendar::start_of_local_day(next, tz),
            tz,
            today,
        }
    }
}

/// The month `raw` (`YYYY-MM`; the current month when blank) in the reader's time zone.
pub fn period(ctx: &ServiceContext, p: &Principal, raw: Option<&str>) -> AppResult<Period> {
    let tz = reader_time_zone(p);
    let today = ctx.clock.now().with_timezone(&tz).date_naive();
    let first = match raw.map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .map_err(|_| AppError::from(FieldError::new("month", "must look like 2026-10")))?,
        None => today.with_day(1).unwrap_or(today),
    };
    Ok(Period::of(first, tz, today))
}

/// The report of `kind` for `month` over the reader's units.
pub async fn build(
    ctx: &ServiceContext,
    p: &Principal,
    kind: Kind,
    month: Option<&str>,
) -> AppResult<Report> {
    let period = period(ctx, p, month)?;
    match kind {
        Kind::Device => device::report(ctx, p, &period).await,
        Kind::Review => review::report(ctx, p, &period).await,
        Kind::Objections => objections::report(ctx, p, &period).await,
        Kind::Checks => checks::report(ctx, p, &period).await,
    }
}

/// The months of a trend, oldest first: `n` months ending with `period`'s.
pub(crate) fn trend_periods(period: &Period, n: u32) -> Vec<Period> {
    (0..n).rev().map(|back| period.earlier(back)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_11_a_share_of_nothing_is_none_never_nan() {
        assert_eq!(percent(0, 0), None);
        assert_eq!(percent(3, 0), None);
        assert_eq!(percent(1, 3), Some(33.3));
        assert_eq!(Fig::share(0, 0), Fig::Percent(None));
        assert_eq!(Fig::Percent(None).text(crate::i18n::Lang::En), "—");
    }
}
