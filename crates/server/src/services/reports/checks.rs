//! SUP-03: the check and rectification status: per managing unit, the items that stood open
//! in the month or were raised in it, how many are past their deadline or escalated, and the
//! list by state. The status is as of today (an item's state has no history in this table).

use std::collections::BTreeMap;

use roadwarden_domain::supervision::checklist::ItemState;
use roadwarden_store::reports as store;

use super::{Chart, ChartKind, Fig, Kind, Period, Report, Section, Series};
use crate::auth::Principal;
use crate::error::AppResult;
use crate::services::context::ServiceContext;

#[derive(Default, Clone, Copy)]
struct Status {
    items: i64,
    open: i64,
    overdue: i64,
    escalated: i64,
    accepted: i64,
    warnings: i64,
}

impl Status {
    fn add(&mut self, g: &store::CheckGroup) {
        self.items += g.n;
        if g.state == ItemState::Accepted.as_str() {
            self.accepted += g.n;
        } else {
            self.open += g.n;
        }
        self.overdue += g.overdue;
        self.escalated += g.escalated;
        if g.origin == "warning" {
            self.warnings += g.n;
        }
    }

    fn cells(&self, label: Fig) -> Vec<Fig> {
        vec![
            label,
            Fig::Count(self.items),
            Fig::Count(self.warnings),
            Fig::Count(self.open),
            Fig::Count(self.overdue),
            Fig::Count(self.escalated),
            Fig::Count(self.accepted),
            Fig::share(self.accepted, self.items),
        ]
    }
}

pub async fn report(ctx: &ServiceContext, p: &Principal, period: &Period) -> AppResult<Report> {
    let mut tx = ctx.store.begin_read().await?;
    let groups = store::check_groups(
        &mut tx,
        p.scope().as_str(),
        period.first,
        period.next,
        period.today,
    )
    .await?;
    drop(tx);
    let mut by_unit: BTreeMap<(i64, String), Status> = BTreeMap::new();
    let mut by_state: BTreeMap<&str, i64> = BTreeMap::new();
    let mut total = Status::default();
    for g in &groups {
        by_unit
            .entry((g.unit_id, g.unit_name.clone()))
            .or_default()
            .add(g);
        *by_state.entry(g.state.as_str()).or_default() += g.n;
        total.add(g);
    }
    let state_count = |s: ItemState| by_state.get(s.as_str()).copied().unwrap_or(0);
    let sections = vec![
        Section {
            title: "rpt.checks.by_unit".into(),
            headings: [
                "rpt.unit",
                "rpt.checks.items",
                "rpt.checks.warnings",
                "rpt.checks.open",
                "rpt.checks.overdue",
                "rpt.checks.escalated",
                "rpt.checks.accepted",
                "rpt.checks.accepted_share",
            ]
            .iter()
            .map(|h| (*h).to_owned())
            .collect(),
            rows: by_unit
                .iter()
                .map(|((_, name), s)| s.cells(Fig::Text(name.clone())))
                .collect(),
            total: Some(total.cells(Fig::Key("rpt.total".into()))),
        },
        Section {
            title: "rpt.checks.by_state".into(),
            headings: vec!["rpt.state".into(), "rpt.count".into()],
            rows: ItemState::ALL
                .iter()
                .map(|s| {
                    vec![
                        Fig::Key(format!("supervision.state.{}", s.as_str())),
                        Fig::Count(state_count(*s)),
                    ]
                })
                .collect(),
            total: None,
        },
    ];
    let units: Vec<(&String, &Status)> = by_unit.iter().map(|((_, n), s)| (n, s)).collect();
    let charts = vec![
        Chart {
            title: "rpt.checks.by_state".into(),
            kind: ChartKind::Bar,
            labels: ItemState::ALL
                .iter()
                .map(|s| Fig::Key(format!("supervision.state.{}", s.as_str())))
                .collect(),
            series: vec![Series {
                name: "rpt.count".into(),
                values: ItemState::ALL
                    .iter()
                    .map(|s| Some(state_count(*s) as f64))
                    .collect(),
            }],
            percent: false,
        },
        Chart {
            title: "rpt.checks.by_unit".into(),
            kind: ChartKind::Bar,
            labels: units.iter().map(|(n, _)| Fig::Text((*n).clone())).collect(),
            series: vec![
                Series {
                    name: "rpt.checks.open".into(),
                    values: units.iter().map(|(_, s)| Some(s.open as f64)).collect(),
                },
                Series {
                    name: "rpt.checks.overdue".into(),
                    values: units.iter().map(|(_, s)| Some(s.overdue as f64)).collect(),
                },
            ],
            percent: false,
        },
    ];
    Ok(Report {
        kind: Kind::Checks,
        month: period.month(),
        empty: total.items == 0,
        sections,
        charts,
    })
}
