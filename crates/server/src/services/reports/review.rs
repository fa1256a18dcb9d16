//! SUP-07a: the review report. Units are rated on timeliness (REV-01), rejection reasons
//! (REV-03) and second-review agreement (REV-05); the rows are the domain's
//! `ReviewReportRow`, which has no place for a person or a fine, so no per-officer fine count
//! can reach this report.

use std::collections::BTreeMap;

use roadwarden_domain::capture::review::RejectReason;
use roadwarden_domain::supervision::analysis::ReasonCounts;
use roadwarden_domain::supervision::report::{ReviewReportRow, Share, Subject};
use roadwarden_domain::UnitId;
use roadwarden_store::reports::{self as store, ReviewGroup};

use super::{percent, trend_periods, Chart, ChartKind, Fig, Kind, Period, Report, Section, Series};
use crate::auth::Principal;
use crate::error::AppResult;
use crate::services::context::ServiceContext;

/// The unit rows of the review report, in unit order, with the units' names.
pub(crate) fn rows(groups: &[ReviewGroup]) -> (Vec<ReviewReportRow>, BTreeMap<i64, String>) {
    let mut names = BTreeMap::new();
    let mut rows: BTreeMap<i64, ReviewReportRow> = BTreeMap::new();
    for g in groups {
        names.insert(g.unit_id, g.unit_name.clone());
        let row = rows.entry(g.unit_id).or_insert_with(|| ReviewReportRow {
            subject: Subject::Unit(UnitId(g.unit_id)),
            reviewed: 0,
            timeliness: Share::default(),
            rejection: Share::default(),
            rejected_by_reason: ReasonCounts::default(),
            second_review_agreement: Share::default(),
        });
        let n = u64::try_from(g.n).unwrap_or(0);
        let rejected = g.state == "rejected";
        row.reviewed += n;
        row.timeliness.whole += n;
        row.timeliness.part += u64::try_from(g.in_time).unwrap_or(0);
        row.rejection.whole += n;
        if rejected {
            row.rejection.part += n;
            if let Ok(reason) = RejectReason::parse(&g.reason) {
                row.rejected_by_reason
                    .add(reason, u32::try_from(g.n).unwrap_or(u32::MAX));
            }
        }
        // REV-05: a second look after an approval agrees when the capture stays approved.
        let second = u64::try_from(g.second).unwrap_or(0);
        row.second_review_agreement.whole += second;
        if !rejected {
            row.second_review_agreement.part += second;
        }
    }
    (rows.into_values().collect(), names)
}

fn total(rows: &[ReviewReportRow]) -> (u64, Share, Share, Share, ReasonCounts) {
    let mut t = (
        0,
        Share::default(),
        Share::default(),
        Share::default(),
        ReasonCounts::default(),
    );
    for r in rows {
        t.0 += r.reviewed;
        for (sum, s) in [
            (&mut t.1, r.timeliness),
            (&mut t.2, r.rejection),
            (&mut t.3, r.second_review_agreement),
        ] {
            sum.part += s.part;
            sum.whole += s.whole;
        }
        for reason in RejectReason::ALL {
            t.4.add(reason, r.rejected_by_reason.get(reason));
        }
    }
    t
}

fn share(s: Share) -> Fig {
    Fig::share(
        i64::try_from(s.part).unwrap_or(i64::MAX),
        i64::try_from(s.whole).unwrap_or(i64::MAX),
    )
}

fn count(n: u64) -> Fig {
    Fig::Count(i64::try_from(n).unwrap_or(i64::MAX))
}

fn pct(s: Share) -> Option<f64> {
    percent(
        i64::try_from(s.part).unwrap_or(0),
        i64::try_from(s.whole).unwrap_or(0),
    )
}

pub(crate) const HEADINGS: [&str; 6] = [
    "rpt.unit",
    "rpt.reviewed",
    "rpt.timeliness",
    "rpt.rejection",
    "rpt.second_reviews",
    "rpt.agreement",
];

/// SUP-07a: the review report for `period` over the reader's units.
pub async fn report(ctx: &ServiceContext, p: &Principal, period: &Period) -> AppResult<Report> {
    let scope = p.scope().as_str();
    let mut tx = ctx.store.begin_read().await?;
    let mut trend = Vec::new();
    let mut current = Vec::new();
    for m in trend_periods(period, 6) {
        let groups = store::review_groups(&mut tx, scope, m.from, m.to).await?;
        let (rows, _) = rows(&groups);
        trend.push((m.month(), total(&rows)));
        if m.first == period.first {
            current = groups;
        }
    }
    drop(tx);
    let (rows, names) = rows(&current);
    let t = total(&rows);
    let line = |label: Fig, reviewed: u64, time: Share, rej: Share, agree: Share| {
        vec![
            label,
            count(reviewed),
            share(time),
            share(rej),
            count(agree.whole),
            share(agree),
        ]
    };
    let unit_rows = rows
        .iter()
        .map(|r| {
            let label = match r.subject {
                Subject::Unit(u) => names.get(&u.0).cloned().unwrap_or_default(),
                Subject::Device(d) => d.0.to_string(),
            };
            line(
                Fig::Text(label),
                r.reviewed,
                r.timeliness,
                r.rejection,
                r.second_review_agreement,
            )
        })
        .collect();
    let rejected_total = t.4.total();
    let reason_rows = RejectReason::ALL
        .iter()
        .map(|r| {
            let n = u64::from(t.4.get(*r));
            vec![
                Fig::Key(format!("reject.{}", r.as_str())),
                count(n),
                Fig::share(
                    i64::try_from(n).unwrap_or(0),
                    i64::try_from(rejected_total).unwrap_or(0),
                ),
            ]
        })
        .collect();
    let sections = vec![
        Section {
            title: "rpt.review.by_unit".into(),
            headings: HEADINGS.iter().map(|h| (*h).to_owned()).collect(),
            rows: unit_rows,
            total: Some(line(Fig::Key("rpt.total".into()), t.0, t.1, t.2, t.3)),
        },
        Section {
            title: "rpt.review.reasons".into(),
            headings: vec!["rpt.reason".into(), "rpt.count".into(), "rpt.share".into()],
            rows: reason_rows,
            total: Some(vec![
                Fig::Key("rpt.total".into()),
                count(rejected_total),
                Fig::share(
                    i64::try_from(rejected_total).unwrap_or(0),
                    i64::try_from(rejected_total).unwrap_or(0),
                ),
            ]),
        },
    ];
    let charts = vec![
        Chart {
            title: "rpt.review.reasons".into(),
            kind: ChartKind::Bar,
            labels: RejectReason::ALL
                .iter()
                .map(|r| Fig::Key(format!("reject.{}", r.as_str())))
                .collect(),
            series: vec![Series {
                name: "rpt.count".into(),
                values: RejectReason::ALL
                    .iter()
                    .map(|r| Some(f64::from(t.4.get(*r))))
                    .collect(),
            }],
            percent: false,
        },
        Chart {
            title: "rpt.trend".into(),
            kind: ChartKind::Line,
            labels: trend.iter().map(|(m, _)| Fig::Text(m.clone())).collect(),
            series: vec![
                Series {
                    name: "rpt.timeliness".into(),
                    values: trend.iter().map(|(_, t)| pct(t.1)).collect(),
                },
                Series {
                    name: "rpt.rejection".into(),
                    values: trend.iter().map(|(_, t)| pct(t.2)).collect(),
                },
                Series {
                    name: "rpt.agreement".into(),
                    values: trend.iter().map(|(_, t)| pct(t.3)).collect(),
                },
            ],
            percent: true,
        },
    ];
    Ok(Report {
        kind: Kind::Review,
        month: period.month(),
        empty: t.0 == 0,
        sections,
        charts,
    })
}
