//! Part 5: the partner interface (issue 17, SHR-02), with `--shared-records` violation records
//! (100,000 by default) in one county, a partner and its approved grant over that county (id,
//! plate masked, time, place, code, fine, owner's name masked). One query: the records of code
//! 1625, newest first, 100 rows.
//!
//! 1. **The grant projection's cost**: the same read with and without it, in process. Without:
//!    the narrowed read (`store::sharing::narrowed::violations`) with the conditions written
//!    directly, every field as JSON. With: the domain's `plan` (the query checked against the
//!    grant), the same read, `answer` (scope, conditions, order, fields and masks again) and
//!    the answer as JSON. Target: p99 with ≤ 1.1 × p99 without.
//! 2. **SOAP against JSON**: the whole call over HTTP to the server in this process, the same
//!    query as `POST /api/v1/partner/query` and as SOAP 1.1 `queryObjectOut` (100 rows each;
//!    both audit the call). Target: SOAP p99 ≤ 2 × JSON p99.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use roadwarden_bench::LatencyStats;
use roadwarden_domain::roles::Role;
use roadwarden_domain::sharing::catalogue;
use roadwarden_domain::sharing::grant::{
    answer, plan, Condition, FieldGrant, FilterOp, Mask, PartnerQuery, Plan, Sort, Value,
};
use roadwarden_domain::sharing::{Dataset, GrantState, Purpose};
use roadwarden_domain::UserId;
use roadwarden_server::AppState;
use roadwarden_store::sharing::narrowed::{self, Narrowing};
use roadwarden_store::sharing::partners::{self, NewGrant};
use serde_json::json;

use crate::notices::seed_notices;
use crate::review::analyze;
use crate::world::{import_devices, open_part, start_server, Accounts, PartWorld};
use crate::Args;

const KEY: &str = "bench-partner-key-0123456789";

fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn query() -> PartnerQuery {
    PartnerQuery {
        filters: vec![roadwarden_domain::sharing::grant::Filter {
            field: "violation_code".into(),
            op: FilterOp::Eq,
            value: "1625".into(),
        }],
        sort: Some(Sort {
            field: "occurred_at".into(),
            descending: true,
        }),
        limit: Some(100),
    }
}

pub(crate) async fn run_sharing(
    args: &Args,
    url: String,
    backend: &'static str,
) -> anyhow::Result<()> {
    let PartWorld {
        data: _data,
        state,
        raw,
        now,
        tree,
    } = open_part("partner interface", &url, backend, 1).await?;
    let squads: Vec<_> = tree.squads.iter().collect();
    import_devices(&state, &raw, &squads, 2).await?;
    let started = Instant::now();
    seed_notices(&raw, args.shared_records, now).await?;
    analyze(&raw, false).await?;
    let county = &tree.counties[0];
    let in_scope = raw
        .scalar(&format!(
            "SELECT COUNT(*) FROM violations WHERE unit_path LIKE '{}%'",
            county.path.as_str()
        ))
        .await?;
    println!(
        "seeded {in_scope} violation records in {} in {:.1} s",
        county.code,
        started.elapsed().as_secs_f64()
    );
    // The technology reviewer who registers the partner and proposes and approves the grant
    // (two people in the product; one row here, written directly).
    Accounts::new(&state.store, now)
        .await?
        .make(county, Role::TechReviewer, "tech", 1)
        .await?;
    let user = UserId(raw.scalar("SELECT MIN(id) FROM users").await?);
    let (grant_id, grant) = grant(&state, county, user, now).await?;

    // 1. With and without the projection, in process.
    let q = query();
    let bare = Plan {
        dataset: Dataset::Violations,
        conditions: vec![Condition {
            field: "violation_code",
            op: FilterOp::Eq,
            value: Value::Text("1625".into()),
        }],
        sort: Some(("occurred_at", true)),
        limit: 100,
    };
    let span = grant.span;
    let scope = county.path.as_str().to_owned();
    let mut without = Vec::new();
    let mut with = Vec::new();
    let mut without_after = Vec::new();
    for i in 0..(args.sharing_queries + args.sharing_warm_up) {
        // Alternate, so that both see the same caches and the same noise; the bare read runs
        // before and after the projected one, so a cost of running second shows.
        let plain = bare_read(&state, &scope, span, &bare).await?;
        let t = Instant::now();
        let p = plan(&grant, &q, now)?;
        let mut tx = state.store.begin_read().await?;
        let found = narrowed::violations(
            &mut tx,
            &scope,
            Narrowing {
                span,
                categories: &grant.categories,
                plan: &p,
            },
        )
        .await?;
        drop(tx);
        let a = answer(&grant, &p, found);
        let body = json!({ "grant": grant_id, "fields": a.fields,
            "rows": a.rows.iter().map(|r| r.iter().map(Value::to_json).collect::<Vec<_>>()).collect::<Vec<_>>() });
        let bytes = serde_json::to_vec(&body)?;
        anyhow::ensure!(a.rows.len() == 100 && !bytes.is_empty(), "100 rows with");
        let projected = t.elapsed();
        let after = bare_read(&state, &scope, span, &bare).await?;
        if i >= args.sharing_warm_up {
            without.push(plain);
            with.push(projected);
            without_after.push(after);
        }
    }
    let without = LatencyStats::of(&without).ok_or_else(|| anyhow::anyhow!("no queries"))?;
    let with = LatencyStats::of(&with).ok_or_else(|| anyhow::anyhow!("no queries"))?;
    println!("without the projection: {}", line(&without));
    let without_after =
        LatencyStats::of(&without_after).ok_or_else(|| anyhow::anyhow!("no queries"))?;
    println!("without, read after:    {}", line(&without_after));
    println!("through the projection: {}", line(&with));
    println!(
        "p99 ratio {:.3} (target ≤ 1.10)",
        with.p99.as_secs_f64() / without.p99.as_secs_f64()
    );

    // 2. JSON and SOAP over HTTP, the whole call (grant, projection, audit).
    let (_running, base) = start_server(&state).await?;
    let client = reqwest::Client::new();
    let json_body = json!({ "grant": grant_id, "limit": 100,
        "filters": [{ "field": "violation_code", "op": "eq", "value": "1625" }],
        "sort": { "field": "occurred_at", "descending": true } });
    let doc = format!(
        "<root><QueryCondition><grant>{grant_id}</grant><violation_code>1625</violation_code>\
         <sort>occurred_at</sort><desc>1</desc><limit>100</limit></QueryCondition></root>"
    );
    let envelope = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><s:Envelope \
         xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>\
         <t:queryObjectOut xmlns:t=\"http://roadwarden/TmriOutAccess\"><t:xtlb>04</t:xtlb>\
         <t:jkxlh>{KEY}</t:jkxlh><t:jkid>04C01</t:jkid><t:UTF8XmlDoc>{}</t:UTF8XmlDoc>\
         </t:queryObjectOut></s:Body></s:Envelope>",
        percent(&doc)
    );
    let mut json_times = Vec::new();
    let mut soap_times = Vec::new();
    for i in 0..(args.sharing_queries + args.sharing_warm_up) {
        let t = Instant::now();
        let resp = client
            .post(format!("{base}/api/v1/partner/query"))
            .header("X-Partner-Key", KEY)
            .json(&json_body)
            .send()
            .await?;
        anyhow::ensure!(resp.status().is_success(), "JSON {}", resp.status());
        let body: serde_json::Value = resp.json().await?;
        anyhow::ensure!(
            body["rows"].as_array().map(Vec::len) == Some(100),
            "JSON rows"
        );
        let j = t.elapsed();
        let t = Instant::now();
        let resp = client
            .post(format!("{base}/api/v1/soap/TmriOutAccess"))
            .header("Content-Type", "text/xml; charset=utf-8")
            .body(envelope.clone())
            .send()
            .await?;
        anyhow::ensure!(resp.status().is_success(), "SOAP {}", resp.status());
        let xml = resp.text().await?;
        anyhow::ensure!(
            xml.contains("%3Crownum%3E100%3C%2Frownum%3E") || xml.contains("<rownum>100</rownum>"),
            "SOAP rows"
        );
        let s = t.elapsed();
        if i >= args.sharing_warm_up {
            json_times.push(j);
            soap_times.push(s);
        }
    }
    let json = LatencyStats::of(&json_times).ok_or_else(|| anyhow::anyhow!("no calls"))?;
    let soap = LatencyStats::of(&soap_times).ok_or_else(|| anyhow::anyhow!("no calls"))?;
    println!("JSON  POST /api/v1/partner/query: {}", line(&json));
    println!("SOAP  queryObjectOut:             {}", line(&soap));
    println!(
        "p99 ratio SOAP/JSON {:.3} (target ≤ 2)",
        soap.p99.as_secs_f64() / json.p99.as_secs_f64()
    );
    Ok(())
}

/// The read without the projection: the same conditions written directly, every field as JSON.
async fn bare_read(
    state: &AppState,
    scope: &str,
    span: (DateTime<Utc>, DateTime<Utc>),
    bare: &Plan,
) -> anyhow::Result<Duration> {
    let t = Instant::now();
    let mut tx = state.store.begin_read().await?;
    let rows = narrowed::violations(
        &mut tx,
        scope,
        Narrowing {
            span,
            categories: &[],
            plan: bare,
        },
    )
    .await?;
    drop(tx);
    let body: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            r.values
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.to_json()))
                .collect::<serde_json::Map<_, _>>()
                .into()
        })
        .collect();
    let bytes = serde_json::to_vec(&body)?;
    anyhow::ensure!(rows.len() == 100 && !bytes.is_empty(), "100 rows without");
    Ok(t.elapsed())
}

/// A partner of the county with an approved grant on the violations query interface.
async fn grant(
    state: &AppState,
    county: &roadwarden_store::units::Unit,
    user: UserId,
    now: DateTime<Utc>,
) -> anyhow::Result<(i64, roadwarden_domain::sharing::grant::Grant)> {
    let mut tx = state.store.begin().await?;
    let partner = partners::insert_partner(
        &mut tx,
        "Bench partner",
        county.id.0,
        county.path.as_str(),
        &sha256_hex(KEY),
        user,
        now,
    )
    .await?;
    let masked = Some(Mask {
        keep_start: 2,
        keep_end: 1,
    });
    let fields: Vec<FieldGrant> = [
        ("id", None),
        ("plate", masked),
        ("occurred_at", None),
        ("place", None),
        ("violation_code", None),
        ("fine_minor", None),
        ("owner_name", masked),
    ]
    .into_iter()
    .map(|(f, mask)| FieldGrant {
        field: f.into(),
        mask,
    })
    .collect();
    anyhow::ensure!(catalogue::interface("violations.query").is_some());
    let id = partners::insert_grant(
        &mut tx,
        &NewGrant {
            partner_id: partner,
            interface: "violations.query",
            scope_unit: county.id.0,
            scope_path: county.path.as_str(),
            span: (
                now - chrono::Duration::days(30),
                now + chrono::Duration::days(1),
            ),
            categories: &[],
            fields: &fields,
            purpose: Purpose::TrafficOrder,
            purpose_text: "bench",
            expires_at: now + chrono::Duration::days(30),
            created_by: user,
            created_at: now,
        },
    )
    .await?;
    partners::set_grant_state(
        &mut tx,
        id,
        GrantState::Proposed,
        GrantState::Approved,
        user,
        now,
    )
    .await?;
    let row = partners::grant(&mut tx, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("grant"))?;
    tx.commit().await?;
    Ok((id, row.grant()))
}

fn percent(doc: &str) -> String {
    doc.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn line(s: &LatencyStats) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "n {} p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        s.count,
        ms(s.p50),
        ms(s.p90),
        ms(s.p99),
        ms(s.max)
    )
}
