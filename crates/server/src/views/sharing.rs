//! Data sharing as the API answers it and the pages show it: applications (DAT-02/03, SEC-07),
//! the interface registry and data catalogue (SHR-01, STO-02), partners, grants and usage
//! (SHR-02), and a partner's answer.

use chrono::{DateTime, Utc};
use roadwarden_domain::sharing::catalogue::{self, DataField, Interface};
use roadwarden_domain::sharing::grant::Answer;
use roadwarden_store::sharing::applications::Application;
use roadwarden_store::sharing::partners::{GrantRow, Partner, Usage};
use serde::Serialize;
use utoipa::ToSchema;

use crate::services::sharing::partners::{FieldInput, MaskInput};

/// An application and where it stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: i64,
    /// query, statistics or export.
    pub kind: String,
    /// violations or device_registrations.
    pub dataset: String,
    pub unit_id: i64,
    pub requesting_body: String,
    /// SEC-08 purpose.
    pub purpose: String,
    pub purpose_text: String,
    pub span_from: DateTime<Utc>,
    pub span_to: DateTime<Utc>,
    /// requested, approved, refused, run, released or exported.
    pub state: String,
    pub requested_by: i64,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: String,
    pub run_by: Option<i64>,
    pub run_at: Option<DateTime<Utc>>,
    pub result_name: String,
    /// The result file's SHA-256 (hex).
    pub result_sha256: String,
    pub result_rows: i64,
    pub released_by: Option<i64>,
    pub released_at: Option<DateTime<Utc>>,
    /// Who received the file (DAT-03).
    pub recipient: String,
    pub release_note: String,
}

impl From<Application> for ApplicationView {
    fn from(a: Application) -> Self {
        Self {
            id: a.id,
            kind: a.kind.as_str().into(),
            dataset: a.dataset.as_str().into(),
            unit_id: a.unit_id,
            requesting_body: a.requesting_body,
            purpose: a.purpose.as_str().into(),
            purpose_text: a.purpose_text,
            span_from: a.span_from,
            span_to: a.span_to,
            state: a.state.as_str().into(),
            requested_by: a.requested_by,
            requested_at: a.requested_at,
            decided_by: a.decided_by,
            decided_at: a.decided_at,
            decision_reason: a.decision_reason,
            run_by: a.run_by,
            run_at: a.run_at,
            result_name: a.result_name,
            result_sha256: a.result_sha256,
            result_rows: a.result_rows,
            released_by: a.released_by,
            released_at: a.released_at,
            recipient: a.recipient,
            release_note: a.release_note,
        }
    }
}

/// A catalogued field (STO-02).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DataFieldView {
    pub name: String,
    /// integer, text, code or timestamp.
    pub kind: String,
    pub format: String,
    /// Personal data.
    pub personal: bool,
}

impl From<&DataField> for DataFieldView {
    fn from(f: &DataField) -> Self {
        let kind = serde_json::to_value(f.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        Self {
            name: f.name.into(),
            kind,
            format: f.format.into(),
            personal: f.personal,
        }
    }
}

/// A registered interface with its data type's fields (SHR-01).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InterfaceView {
    pub code: String,
    /// The SOAP interface id (`jkid`), empty when not offered over SOAP.
    pub jkid: String,
    pub dataset: String,
    /// http, soap, file.
    pub protocols: Vec<String>,
    pub path: String,
    /// grant, export_application or query_application.
    pub access: String,
    pub fields: Vec<DataFieldView>,
}

fn word<T: Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl From<&Interface> for InterfaceView {
    fn from(i: &Interface) -> Self {
        Self {
            code: i.code.into(),
            jkid: i.jkid.into(),
            dataset: i.dataset.as_str().into(),
            protocols: i.protocols.iter().map(word).collect(),
            path: i.path.into(),
            access: word(i.access),
            fields: catalogue::fields(i.dataset)
                .iter()
                .map(Into::into)
                .collect(),
        }
    }
}

/// A partner (an outside body or system).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerView {
    pub id: i64,
    pub name: String,
    pub unit_id: i64,
    pub active: bool,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
}

impl From<Partner> for PartnerView {
    fn from(p: Partner) -> Self {
        Self {
            id: p.id,
            name: p.name,
            unit_id: p.unit_id,
            active: p.active,
            created_by: p.created_by,
            created_at: p.created_at,
        }
    }
}

/// A grant (SHR-02). Named `PartnerGrantView` in the OpenAPI document: `GrantView` is an
/// account's role grant.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = PartnerGrantView)]
pub struct GrantView {
    pub id: i64,
    pub partner_id: i64,
    pub interface: String,
    pub scope_unit: i64,
    pub span_from: DateTime<Utc>,
    pub span_to: DateTime<Utc>,
    pub categories: Vec<String>,
    /// The include-only field list with masks.
    pub fields: Vec<FieldInput>,
    pub purpose: String,
    pub purpose_text: String,
    pub expires_at: DateTime<Utc>,
    /// proposed, approved, refused or revoked.
    pub state: String,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub approved_by: Option<i64>,
    pub approved_at: Option<DateTime<Utc>>,
}

impl From<GrantRow> for GrantView {
    fn from(g: GrantRow) -> Self {
        Self {
            id: g.id,
            partner_id: g.partner_id,
            interface: g.interface,
            scope_unit: g.scope_unit,
            span_from: g.span_from,
            span_to: g.span_to,
            categories: g.categories.0,
            fields: g
                .fields
                .0
                .into_iter()
                .map(|f| FieldInput {
                    field: f.field,
                    mask: f.mask.map(|m| MaskInput {
                        keep_start: m.keep_start,
                        keep_end: m.keep_end,
                    }),
                })
                .collect(),
            purpose: g.purpose.as_str().into(),
            purpose_text: g.purpose_text,
            expires_at: g.expires_at,
            state: g.state.as_str().into(),
            created_by: g.created_by,
            created_at: g.created_at,
            approved_by: g.approved_by,
            approved_at: g.approved_at,
        }
    }
}

/// A partner's calls under one grant (none: refused before a grant was found).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UsageView {
    pub grant_id: Option<i64>,
    pub calls: i64,
    pub answered: i64,
    pub rows: i64,
    pub last_at: Option<DateTime<Utc>>,
}

impl From<Usage> for UsageView {
    fn from(u: Usage) -> Self {
        Self {
            grant_id: u.grant_id,
            calls: u.calls,
            answered: u.answered,
            rows: u.rows,
            last_at: u.last_at,
        }
    }
}

/// A partner with its grants and usage.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerDetailView {
    pub partner: PartnerView,
    pub grants: Vec<GrantView>,
    pub usage: Vec<UsageView>,
}

/// A partner's answer: the granted fields in the grant's order, and one row of values (as
/// text, in the catalogue's formats; null when empty) per record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerAnswerView {
    pub grant: i64,
    pub fields: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

impl PartnerAnswerView {
    pub fn new(grant: i64, a: Answer) -> Self {
        use roadwarden_domain::sharing::Value;
        Self {
            grant,
            fields: a.fields,
            rows: a
                .rows
                .into_iter()
                .map(|r| {
                    r.into_iter()
                        .map(|v| match v {
                            Value::Null => None,
                            other => Some(other.text()),
                        })
                        .collect()
                })
                .collect(),
        }
    }
}
