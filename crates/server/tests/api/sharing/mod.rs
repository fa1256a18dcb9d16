//! DAT-02, DAT-03, SEC-07, SEC-08, SHR-01, SHR-02, STO-02 through the API: outside queries by
//! application and consent (`applications`), exports under approval (`exports`), partners,
//! grants and the one projection (`partners`), the SOAP service (`soap`) and the shared rider
//! files (`riders`, SHR-03). The area borrows the captures world and its
//! records (a notified violation at the county).

mod applications;
mod exports;
mod narrowing;
mod partners;
mod riders;
mod soap;

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

pub(crate) use crate::captures::{notified_record, world, RootToken, World};

/// The people of this area on the captures world: the county's head, a second head, and the
/// county's technology department.
pub(crate) struct People {
    pub(crate) head: String,
    pub(crate) head2: String,
    pub(crate) tech: String,
}

pub(crate) async fn people(w: &World) -> People {
    People {
        head: w.person(&w.o.county, "sh.head", 61, &["unit_head"]).await,
        head2: w.person(&w.o.county, "sh.head2", 62, &["unit_head"]).await,
        tech: w
            .person(&w.o.county, "sh.tech", 63, &["tech_reviewer"])
            .await,
    }
}

/// A record, then an hour on, so that a span ending now covers it.
pub(crate) async fn record_an_hour_ago(w: &World, n: u8) -> (i64, DateTime<Utc>) {
    let at = w.clock.now();
    let vid = notified_record(w, n).await;
    w.clock.advance(Duration::hours(1));
    (vid, at)
}

pub(crate) fn application(
    kind: &str,
    dataset: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Value {
    json!({ "kind": kind, "dataset": dataset, "requesting_body": "长兴县人民法院",
            "purpose": "enforcement", "purpose_text": "审理交通违法行政诉讼案件需要",
            "span_from": from.to_rfc3339(), "span_to": to.to_rfc3339() })
}

/// The audit actions whose name starts with `prefix`, as the root operator reads them.
pub(crate) async fn audit(w: &World, prefix: &str) -> Vec<Value> {
    let root = w.o.root_admin_token(&w.app).await;
    let (status, entries) = w
        .app
        .get(&format!("/api/v1/audit?action={prefix}"), &root)
        .await;
    assert_eq!(status, 200, "{entries}");
    // The detail is JSON text; read it as JSON for the assertions.
    let mut entries = entries.as_array().cloned().unwrap_or_default();
    for e in &mut entries {
        let d = e["detail"].as_str().unwrap_or("{}").to_owned();
        e["detail"] = serde_json::from_str(&d).unwrap_or(Value::Null);
    }
    entries
}
