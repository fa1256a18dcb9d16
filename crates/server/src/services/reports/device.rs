//! DEV-11: the monthly device report, per maintaining unit: registration completeness, patrol
//! coverage, conformity rate and intact rate. The ratings are `devices::upkeep::report`'s (the
//! maintenance report page shows the same figures); this lays them out as a report of its kind
//! for the workbook, the PDF and the charts.

use super::{Chart, ChartKind, Fig, Kind, Period, Report, Section, Series};
use crate::auth::Principal;
use crate::error::AppResult;
use crate::services::context::ServiceContext;
use crate::services::devices::upkeep::{self, RatingRow};

/// A rate (0..1) as a percentage with one decimal.
fn pct(rate: Option<f64>) -> Option<f64> {
    rate.filter(|r| r.is_finite())
        .map(|r| (r * 1000.0).round() / 10.0)
}

fn cells(label: Fig, r: &RatingRow) -> Vec<Fig> {
    vec![
        label,
        Fig::Count(i64::from(r.devices)),
        Fig::Count(i64::from(r.patrols)),
        Fig::Percent(pct(r.registration_completeness)),
        Fig::Percent(pct(r.patrol_coverage)),
        Fig::Percent(pct(r.conformity_rate)),
        Fig::Percent(pct(r.intact_rate)),
    ]
}

const HEADINGS: [&str; 7] = [
    "device.maintainer",
    "report.devices",
    "report.patrols",
    "report.registration_completeness",
    "report.patrol_coverage",
    "report.conformity_rate",
    "report.intact_rate",
];

pub async fn report(ctx: &ServiceContext, p: &Principal, period: &Period) -> AppResult<Report> {
    let month = period.month();
    let r = upkeep::report(ctx, p, Some(month.as_str()), None).await?;
    let headings: Vec<String> = HEADINGS.iter().map(|h| (*h).to_owned()).collect();
    let mut device_headings = headings.clone();
    device_headings[0] = "device.name".into();
    let sections = vec![
        Section {
            title: "report.by_maintainer".into(),
            headings,
            rows: r
                .by_maintainer
                .iter()
                .map(|m| cells(Fig::Text(m.label.clone()), m))
                .collect(),
            total: Some(cells(Fig::Key("rpt.total".into()), &r.total)),
        },
        Section {
            title: "report.by_device".into(),
            headings: device_headings,
            rows: r
                .by_device
                .iter()
                .map(|m| cells(Fig::Text(m.label.clone()), m))
                .collect(),
            total: None,
        },
    ];
    let rate_series = |rows: &[RatingRow]| {
        vec![
            Series {
                name: "report.conformity_rate".into(),
                values: rows.iter().map(|m| pct(m.conformity_rate)).collect(),
            },
            Series {
                name: "report.intact_rate".into(),
                values: rows.iter().map(|m| pct(m.intact_rate)).collect(),
            },
        ]
    };
    let charts = vec![
        Chart {
            title: "report.by_maintainer".into(),
            kind: ChartKind::Bar,
            labels: r
                .by_maintainer
                .iter()
                .map(|m| Fig::Text(m.label.clone()))
                .collect(),
            series: rate_series(&r.by_maintainer),
            percent: true,
        },
        Chart {
            title: "report.trend".into(),
            kind: ChartKind::Line,
            labels: r.trend.iter().map(|m| Fig::Text(m.label.clone())).collect(),
            series: rate_series(&r.trend),
            percent: true,
        },
    ];
    Ok(Report {
        kind: Kind::Device,
        month: r.month,
        empty: r.total.devices == 0,
        sections,
        charts,
    })
}
