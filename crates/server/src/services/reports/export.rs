//! SEC-07, DAT-02: a monthly report leaves the platform as a file only through the same line
//! as every list export. The export is audited (`report.export`, with the kind, month, format
//! and rows), and a report larger than a working copy (`services::export::INSTANT_ROWS` rows
//! over all its tables; reports hold no personal data) needs the exporter's approved export
//! application, which records the file's name and SHA-256.

use serde_json::json;

use super::{build, pdf, xlsx, Kind};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::services::audit::write::record_list_read;
use crate::services::context::ServiceContext;
use crate::services::export::{deliver, Export, XLSX};

/// The file formats a report is exported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Pdf,
}

impl Format {
    pub fn parse(raw: Option<&str>) -> Result<Format, roadwarden_domain::FieldError> {
        match raw.unwrap_or("xlsx") {
            "xlsx" => Ok(Format::Xlsx),
            "pdf" => Ok(Format::Pdf),
            _ => Err(roadwarden_domain::FieldError::new(
                "format",
                "must be xlsx or pdf",
            )),
        }
    }

    fn ext(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Pdf => "pdf",
        }
    }
}

/// An exported report: its bytes, content type and file name.
pub struct File {
    pub bytes: Vec<u8>,
    pub mime: &'static str,
    pub name: String,
}

/// What the exporter asked for.
pub struct Request<'a> {
    pub kind: Kind,
    pub month: Option<&'a str>,
    pub format: Format,
    pub lang: Lang,
    /// The approved export application a large report uses.
    pub application: Option<i64>,
}

/// The report as a file in the reader's language, audited and through the consent line.
pub async fn export(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    req: &Request<'_>,
) -> AppResult<File> {
    let report = build(ctx, p, req.kind, req.month).await?;
    let rows: usize = report.sections.iter().map(|s| s.rows.len()).sum();
    let (bytes, mime) = match req.format {
        Format::Xlsx => (xlsx::workbook(&report, req.lang)?, XLSX),
        Format::Pdf => {
            let footer = format!(
                "{} ({}) · {}",
                p.user.full_name,
                p.user.unit_name,
                ctx.clock.now().format("%Y-%m-%d %H:%M UTC")
            );
            (
                pdf::document(&report, req.lang, footer).await?,
                "application/pdf",
            )
        }
    };
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let detail = json!({ "kind": req.kind.as_str(), "month": report.month,
        "format": req.format.ext(), "rows": rows });
    record_list_read(&mut tx, p, meta, "report.export", "report", detail, now).await?;
    tx.commit().await?;
    let export = Export {
        what: "report",
        rows,
        personal: false,
        application: req.application,
    };
    let bytes = deliver(ctx, p, meta, &export, bytes).await?;
    Ok(File {
        bytes,
        mime,
        name: xlsx::file_name(&report, req.format.ext()),
    })
}
