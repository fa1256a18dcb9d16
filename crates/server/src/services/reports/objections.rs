//! APL-*, AUD-09: the objections and complaints report: objections filed against each unit's
//! records and how they were decided, complaints by handling unit and channel, and how many
//! were answered in time.

use std::collections::BTreeMap;

use roadwarden_store::reports as store;

use super::{trend_periods, Chart, ChartKind, Fig, Kind, Period, Report, Section, Series};
use crate::auth::Principal;
use crate::error::AppResult;
use crate::services::context::ServiceContext;

/// The complaint figures of one unit or channel.
#[derive(Default, Clone, Copy)]
struct Complaints {
    registered: i64,
    answered: i64,
    in_time: i64,
    upheld: i64,
    overdue: i64,
}

impl Complaints {
    fn add(&mut self, g: &store::ComplaintGroup) {
        self.registered += g.registered;
        self.answered += g.answered;
        self.in_time += g.answered_in_time;
        self.upheld += g.upheld;
        self.overdue += g.overdue;
    }

    fn cells(&self, label: Fig) -> Vec<Fig> {
        vec![
            label,
            Fig::Count(self.registered),
            Fig::Count(self.answered),
            Fig::share(self.in_time, self.answered),
            Fig::Count(self.upheld),
            Fig::Count(self.overdue),
        ]
    }
}

fn objection_cells(label: Fig, filed: i64, upheld: i64, decided: i64, in_time: i64) -> Vec<Fig> {
    vec![
        label,
        Fig::Count(filed),
        Fig::Count(upheld),
        Fig::share(upheld, decided),
        Fig::Count(decided),
        Fig::share(in_time, decided),
    ]
}

pub async fn report(ctx: &ServiceContext, p: &Principal, period: &Period) -> AppResult<Report> {
    let scope = p.scope().as_str();
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin_read().await?;
    let mut trend = Vec::new();
    for m in trend_periods(period, 6) {
        let o = store::objection_groups(&mut tx, scope, m.from, m.to).await?;
        let c = store::complaint_groups(&mut tx, scope, m.from, m.to, now).await?;
        trend.push((
            m.month(),
            o.iter().map(|g| g.filed).sum::<i64>(),
            c.iter().map(|g| g.registered).sum::<i64>(),
        ));
    }
    let objections = store::objection_groups(&mut tx, scope, period.from, period.to).await?;
    let complaints = store::complaint_groups(&mut tx, scope, period.from, period.to, now).await?;
    drop(tx);

    let mut o_total = (0, 0, 0, 0);
    let objection_rows: Vec<Vec<Fig>> = objections
        .iter()
        .map(|g| {
            o_total.0 += g.filed;
            o_total.1 += g.upheld;
            o_total.2 += g.decided;
            o_total.3 += g.decided_in_time;
            objection_cells(
                Fig::Text(g.unit_name.clone()),
                g.filed,
                g.upheld,
                g.decided,
                g.decided_in_time,
            )
        })
        .collect();
    let mut by_unit: BTreeMap<(i64, String), Complaints> = BTreeMap::new();
    let mut by_channel: BTreeMap<String, Complaints> = BTreeMap::new();
    let mut c_total = Complaints::default();
    for g in &complaints {
        by_unit
            .entry((g.unit_id, g.unit_name.clone()))
            .or_default()
            .add(g);
        by_channel.entry(g.channel.clone()).or_default().add(g);
        c_total.add(g);
    }
    let complaint_headings: Vec<String> = [
        "rpt.complaints.registered",
        "rpt.complaints.answered",
        "rpt.complaints.in_time",
        "rpt.complaints.upheld",
        "rpt.complaints.overdue",
    ]
    .iter()
    .map(|h| (*h).to_owned())
    .collect();
    let with_first = |first: &str| {
        let mut h = vec![first.to_owned()];
        h.extend(complaint_headings.iter().cloned());
        h
    };
    let total_label = || Fig::Key("rpt.total".into());
    let sections = vec![
        Section {
            title: "rpt.objections.by_unit".into(),
            headings: [
                "rpt.unit",
                "rpt.objections.filed",
                "rpt.objections.upheld",
                "rpt.objections.upheld_share",
                "rpt.objections.decided",
                "rpt.objections.in_time",
            ]
            .iter()
            .map(|h| (*h).to_owned())
            .collect(),
            rows: objection_rows,
            total: Some(objection_cells(
                total_label(),
                o_total.0,
                o_total.1,
                o_total.2,
                o_total.3,
            )),
        },
        Section {
            title: "rpt.complaints.by_unit".into(),
            headings: with_first("rpt.unit"),
            rows: by_unit
                .iter()
                .map(|((_, name), c)| c.cells(Fig::Text(name.clone())))
                .collect(),
            total: Some(c_total.cells(total_label())),
        },
        Section {
            title: "rpt.complaints.by_channel".into(),
            headings: with_first("rpt.channel"),
            rows: by_channel
                .iter()
                .map(|(ch, c)| c.cells(Fig::Key(format!("rpt.channel.{ch}"))))
                .collect(),
            total: None,
        },
    ];
    let charts = vec![
        Chart {
            title: "rpt.objections.by_unit".into(),
            kind: ChartKind::Bar,
            labels: objections
                .iter()
                .map(|g| Fig::Text(g.unit_name.clone()))
                .collect(),
            series: vec![
                Series {
                    name: "rpt.objections.filed".into(),
                    values: objections.iter().map(|g| Some(g.filed as f64)).collect(),
                },
                Series {
                    name: "rpt.objections.upheld".into(),
                    values: objections.iter().map(|g| Some(g.upheld as f64)).collect(),
                },
            ],
            percent: false,
        },
        Chart {
            title: "rpt.trend".into(),
            kind: ChartKind::Line,
            labels: trend.iter().map(|(m, _, _)| Fig::Text(m.clone())).collect(),
            series: vec![
                Series {
                    name: "rpt.objections.filed".into(),
                    values: trend.iter().map(|(_, o, _)| Some(*o as f64)).collect(),
                },
                Series {
                    name: "rpt.complaints.registered".into(),
                    values: trend.iter().map(|(_, _, c)| Some(*c as f64)).collect(),
                },
            ],
            percent: false,
        },
    ];
    Ok(Report {
        kind: Kind::Objections,
        month: period.month(),
        empty: o_total.0 == 0 && c_total.registered == 0,
        sections,
        charts,
    })
}
