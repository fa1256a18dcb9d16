//! The monthly supervision reports as pages (`/reports/{kind}`), with their charts drawn as
//! SVG on the server and the exports (`/reports/{kind}/export?format=xlsx|pdf`), in the
//! reader's language. Each goes through `services::reports::build`.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{context, Value};
use serde::Deserialize;

use super::chart;
use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::Path;
use crate::error::{AppError, AppResult};
use crate::i18n::{t, Lang};
use crate::policy::ReportReaders;
use crate::services::reports::{self, export, ChartKind, Fig, Kind, Report};
use crate::state::AppState;
use crate::ui::page_context;
use crate::ui::views::render;

#[derive(Debug, Default, Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
    format: Option<String>,
    /// SEC-07: the approved export application a large report's export uses.
    application: Option<String>,
}

fn kind_of(raw: &str) -> AppResult<Kind> {
    Kind::parse(raw).ok_or(AppError::NotFound("report"))
}

/// `/reports`: the first report.
pub async fn index(_user: Require<ReportReaders>) -> Redirect {
    Redirect::to("/reports/device")
}

/// The report's charts as SVG markup in `lang`.
pub(crate) fn charts(report: &Report, lang: Lang) -> Vec<Value> {
    report
        .charts
        .iter()
        .map(|c| {
            let title = t(lang, &c.title);
            let labels: Vec<String> = c.labels.iter().map(|l| l.text(lang)).collect();
            let series: Vec<(String, Vec<Option<f64>>)> = c
                .series
                .iter()
                .map(|s| (t(lang, &s.name), s.values.clone()))
                .collect();
            let svg = chart::svg(&chart::Spec {
                kind: match c.kind {
                    ChartKind::Bar => chart::Kind::Bar,
                    ChartKind::Line => chart::Kind::Line,
                },
                title: &title,
                labels: &labels,
                series: &series,
                percent: c.percent,
                empty: &t(lang, "rpt.none"),
            });
            context! { title => title, svg => Value::from_safe_string(svg) }
        })
        .collect()
}

fn cells(row: &[Fig], lang: Lang) -> Vec<Value> {
    row.iter()
        .map(|f| {
            let num = matches!(f, Fig::Count(_) | Fig::Percent(_));
            context! { text => f.text(lang), num => num }
        })
        .collect()
}

pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<ReportReaders>,
    Path(kind): Path<String>,
    Query(q): Query<MonthQuery>,
) -> AppResult<Response> {
    let kind = kind_of(&kind)?;
    let report = reports::build(&state, &user, kind, q.month.as_deref()).await?;
    let sections: Vec<Value> = report
        .sections
        .iter()
        .map(|s| {
            context! {
                title => t(lang, &s.title),
                headings => s.headings.iter().map(|h| t(lang, h)).collect::<Vec<_>>(),
                rows => s.rows.iter().map(|r| cells(r, lang)).collect::<Vec<_>>(),
                total => s.total.as_ref().map(|r| cells(r, lang)),
            }
        })
        .collect();
    let ctx = page_context(
        lang,
        Some(&user),
        "/reports",
        context! {
            kind => kind.as_str(),
            kinds => Kind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            month => report.month,
            empty => report.empty,
            sections => sections,
            charts => charts(&report, lang),
        },
    );
    Ok(render("report_monthly.html", ctx)?.into_response())
}

/// The report as a file (XLSX or PDF) in the reader's language, through the service's audit
/// and consent line (SEC-07).
pub async fn export(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<ReportReaders>,
    meta: RequestMeta,
    Path(kind): Path<String>,
    Query(q): Query<MonthQuery>,
) -> AppResult<Response> {
    let kind = kind_of(&kind)?;
    let application =
        match q
            .application
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            None => None,
            Some(raw) => Some(raw.parse::<i64>().map_err(|_| {
                roadwarden_domain::FieldError::new("application", "must be a number")
            })?),
        };
    let request = export::Request {
        kind,
        month: q.month.as_deref(),
        format: export::Format::parse(q.format.as_deref())?,
        lang,
        application,
    };
    let file = export::export(&state, &user, &meta, &request).await?;
    Ok((
        [
            (header::CONTENT_TYPE, file.mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.name),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        file.bytes,
    )
        .into_response())
}
