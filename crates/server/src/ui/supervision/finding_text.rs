//! SUP-02: a finding in words a supervisor understands ("volume fell 79% against the median of
//! the last 8 Tuesdays"). The analysis stores numbers only; the sentence is
//! `supervision.finding.<kind>` with its placeholders filled, and `{against}` is the baseline's
//! own phrase (`supervision.baseline.<source>`), so each language orders its words itself.

use roadwarden_domain::supervision::analysis::{FigureUnit, FindingKind};

use crate::i18n::{self, Lang};
use crate::services::supervision::views::FindingView;

/// The finding's sentence in `lang`.
pub fn sentence(lang: Lang, f: &FindingView) -> String {
    let key = format!("supervision.finding.{}", f.kind);
    if !i18n::has_key(lang, &key) {
        return f.kind.clone();
    }
    let unit = FindingKind::parse(&f.kind).map_or(FigureUnit::Count, FindingKind::unit);
    let with_unit = |n: f64| amount(lang, unit, n);
    let against = baseline_phrase(lang, f, &with_unit(f.baseline));
    let top_reason = match (&f.reason, f.reason_share_percent) {
        (Some(r), share) => fill(
            &i18n::t(lang, "supervision.finding.top_reason"),
            &[
                ("reason", reason_words(lang, r)),
                ("share", share.map_or_else(|| "?".to_owned(), number)),
            ],
        ),
        (None, _) => String::new(),
    };
    let text = fill(
        &i18n::t(lang, &key),
        &[
            ("against", against),
            ("figure", number(f.figure)),
            ("figure_unit", with_unit(f.figure)),
            ("baseline", with_unit(f.baseline)),
            (
                "change",
                f.change_percent
                    .map_or_else(|| "?".to_owned(), |c| number(c.abs().round())),
            ),
            (
                "sample",
                f.sample.map_or_else(|| "?".to_owned(), |s| s.to_string()),
            ),
            ("first", day(f.first_day)),
            ("last", day(f.last_day)),
            (
                "hour",
                f.hour.map_or_else(|| "?".to_owned(), |h| h.to_string()),
            ),
            (
                "hour_share",
                f.hour_share_percent.map_or_else(|| "?".to_owned(), number),
            ),
            (
                "hour_usual",
                f.hour_baseline_share_percent
                    .map_or_else(|| "?".to_owned(), number),
            ),
            ("top_reason", top_reason),
        ],
    );
    text.trim().to_owned()
}

/// "the median of the last 8 Tuesdays (412 captures)", "the ceiling of 30%", …
fn baseline_phrase(lang: Lang, f: &FindingView, baseline: &str) -> String {
    let source = if f.baseline_source == "same_weekday_median" && f.weekday.is_some() {
        "same_weekday_median_day"
    } else {
        f.baseline_source.as_str()
    };
    let key = format!("supervision.baseline.{source}");
    if !i18n::has_key(lang, &key) {
        return baseline.to_owned();
    }
    let weekday = f
        .weekday
        .as_deref()
        .map(|w| i18n::t(lang, &format!("supervision.weekday.{w}")))
        .unwrap_or_default();
    fill(
        &i18n::t(lang, &key),
        &[
            ("baseline", baseline.to_owned()),
            (
                "weeks",
                f.history_weeks
                    .map_or_else(|| "?".to_owned(), |w| w.to_string()),
            ),
            (
                "days",
                f.history_days
                    .map_or_else(|| "?".to_owned(), |d| d.to_string()),
            ),
            ("weekday", weekday),
        ],
    )
}

fn reason_words(lang: Lang, reason: &str) -> String {
    let key = format!("reject.{reason}");
    if i18n::has_key(lang, &key) {
        i18n::t(lang, &key)
    } else {
        reason.replace('_', " ")
    }
}

/// A figure with its unit, in the reader's words ("412 captures", "30%", "125 s").
fn amount(lang: Lang, unit: FigureUnit, n: f64) -> String {
    let key = match unit {
        FigureUnit::Captures => "supervision.unit.captures",
        FigureUnit::Days => "supervision.unit.days",
        FigureUnit::Percent => "supervision.unit.percent",
        FigureUnit::Count => "supervision.unit.count",
        FigureUnit::Seconds => "supervision.unit.seconds",
        FigureUnit::Hours => "supervision.unit.hours",
    };
    fill(&i18n::t(lang, key), &[("n", number(n))])
}

/// Whole numbers without decimals, others with one.
fn number(n: f64) -> String {
    if !n.is_finite() {
        return "?".to_owned();
    }
    if (n - n.round()).abs() < 0.05 {
        format!("{}", n.round() as i64)
    } else {
        format!("{n:.1}")
    }
}

fn day(d: Option<chrono::NaiveDate>) -> String {
    d.map_or_else(|| "?".to_owned(), |d| d.to_string())
}

fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(kind: &str, source: &str) -> FindingView {
        FindingView {
            kind: kind.to_owned(),
            severity: "abnormal".to_owned(),
            figure: 87.0,
            baseline: 412.0,
            baseline_source: source.to_owned(),
            change_percent: Some(-78.9),
            history_weeks: Some(8),
            history_days: Some(90),
            first_day: chrono::NaiveDate::from_ymd_opt(2026, 3, 3),
            last_day: chrono::NaiveDate::from_ymd_opt(2026, 3, 5),
            sample: Some(300),
            reason: Some("vehicle_unidentifiable".to_owned()),
            hour: Some(7),
            reason_share_percent: Some(61.0),
            weekday: Some("tue".to_owned()),
            hour_share_percent: Some(2.5),
            hour_baseline_share_percent: Some(11.0),
        }
    }

    #[test]
    fn sup_02_a_volume_drop_reads_against_the_median_of_the_same_weekdays() {
        let f = finding("volume_drop", "same_weekday_median");
        let en = sentence(Lang::En, &f);
        assert!(en.contains("79%"), "{en}");
        assert!(en.contains("8 Tuesdays"), "{en}");
        let zh = sentence(Lang::ZhCn, &f);
        assert!(zh.contains("79%") && zh.contains("周二"), "{zh}");
        let vi = sentence(Lang::Vi, &f);
        assert!(vi.contains("79%") && vi.contains("thứ Ba"), "{vi}");
    }

    #[test]
    fn sup_02_every_kind_and_baseline_reads_as_words_in_every_language() {
        let sources = [
            "same_weekday_median",
            "own_history",
            "own_history_start",
            "ceiling",
            "none",
        ];
        for kind in FindingKind::ALL {
            for source in sources {
                for lang in Lang::ALL {
                    let mut f = finding(kind.as_str(), source);
                    if source != "same_weekday_median" {
                        f.weekday = None;
                    }
                    let s = sentence(lang, &f);
                    assert!(!s.contains('{') && !s.contains("supervision."), "{s}");
                    assert!(s.chars().count() > 8, "{kind:?} {source} {lang:?}: {s}");
                }
            }
        }
    }

    #[test]
    fn sup_02_missing_figures_never_panic() {
        let mut f = finding("rejection_rate_high", "ceiling");
        f.change_percent = None;
        f.sample = None;
        f.reason = None;
        f.figure = f64::NAN;
        let s = sentence(Lang::En, &f);
        assert!(s.contains('?'), "{s}");
        assert_eq!(sentence(Lang::En, &finding("unknown", "none")), "unknown");
    }
}
