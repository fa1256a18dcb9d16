//! The result files of run applications (DAT-02): CSV, built from the catalogue's fields
//! (STO-02) so an outside body reads the same names the interfaces use.

use roadwarden_domain::sharing::catalogue::DataField;
use roadwarden_domain::sharing::grant::Record;
use roadwarden_domain::sharing::AppKind;

use crate::error::{AppError, AppResult};

/// A query's records, every catalogued field of the data type; a statistics application's
/// counts and fines by violation code (riders: by the latest violation's kind, no fines).
pub fn csv(kind: AppKind, fields: &[DataField], records: &[Record]) -> AppResult<(Vec<u8>, i64)> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let rows = if kind == AppKind::Statistics {
        let mut by_code: std::collections::BTreeMap<&str, (i64, i64)> = Default::default();
        for r in records {
            let fine = match r.values.get("fine_minor") {
                Some(roadwarden_domain::sharing::Value::Int(n)) => *n,
                _ => 0,
            };
            let e = by_code.entry(r.category.as_str()).or_default();
            e.0 += 1;
            e.1 += fine;
        }
        w.write_record(["violation_code", "count", "fine_minor_total"])
            .map_err(AppError::internal)?;
        for (code, (n, fines)) in &by_code {
            w.write_record([code.to_string(), n.to_string(), fines.to_string()])
                .map_err(AppError::internal)?;
        }
        by_code.len()
    } else {
        w.write_record(fields.iter().map(|f| f.name))
            .map_err(AppError::internal)?;
        for r in records {
            w.write_record(
                fields
                    .iter()
                    .map(|f| r.values.get(f.name).map(|v| v.text()).unwrap_or_default()),
            )
            .map_err(AppError::internal)?;
        }
        records.len()
    };
    let bytes = w.into_inner().map_err(AppError::internal)?;
    Ok((bytes, i64::try_from(rows).unwrap_or(i64::MAX)))
}
