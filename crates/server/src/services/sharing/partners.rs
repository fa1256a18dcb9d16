//! SHR-01, SHR-02: partners — outside bodies or systems — are registered with a key shown
//! once (the SOAP `jkxlh`); each gets grants proposed by one person and approved by another:
//! one interface of the registry, a unit scope, a span, categories, an include-only field list
//! with masks, a purpose (SEC-08) and an expiry. Every step is audited.

use chrono::{DateTime, Utc};
use roadwarden_domain::codes::Code;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::sharing::grant::{self as rule, FieldGrant, GrantState, Mask};
use roadwarden_domain::sharing::Purpose;
use roadwarden_domain::{RuleViolation, UnitId, UserId};
use roadwarden_store::sharing::partners::{self, GrantRow, NewGrant, Partner, Usage};
use roadwarden_store::{units, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{need, sha256_hex};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::{PartnerKeepers, PartnerReaders};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;

/// A partner to register.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerInput {
    /// The outside body or system.
    pub name: String,
}

/// A registered partner with its key, shown this once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NewPartner {
    pub id: i64,
    pub name: String,
    /// The partner's key: `X-Partner-Key` over HTTP, `jkxlh` over SOAP. Kept only as a hash.
    pub key: String,
}

/// One granted field and its mask.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldInput {
    pub field: String,
    /// Keep this many characters at the start and at the end; the rest is starred.
    #[serde(default)]
    pub mask: Option<MaskInput>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaskInput {
    pub keep_start: u8,
    pub keep_end: u8,
}

/// A grant to propose.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    /// A registered interface (`violations.query`).
    pub interface: String,
    /// The unit whose records (and those below) are shared; the partner's unit when absent.
    #[serde(default)]
    pub scope_unit_id: Option<i64>,
    pub span_from: DateTime<Utc>,
    pub span_to: DateTime<Utc>,
    /// Violation-code prefixes; every category when empty.
    #[serde(default)]
    pub categories: Vec<String>,
    /// The include-only field list.
    pub fields: Vec<FieldInput>,
    pub purpose: String,
    pub purpose_text: String,
    pub expires_at: DateTime<Utc>,
}

fn actor(p: &Principal, meta: &RequestMeta) -> Actor {
    Actor::user(p, meta)
}

async fn partner_in_scope(tx: &mut Tx, p: &Principal, id: i64) -> AppResult<Partner> {
    partners::partner(tx, id)
        .await?
        .filter(|x| p.covers(&UnitPath::from_stored(x.unit_path.clone())))
        .ok_or(AppError::NotFound("partner"))
}

async fn audit(
    tx: &mut Tx,
    p: &Principal,
    meta: &RequestMeta,
    action: &str,
    partner: &Partner,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    record(
        tx,
        &actor(p, meta),
        Event {
            action,
            object_type: "partner",
            object_id: partner.id.to_string(),
            unit_id: Some(UnitId(partner.unit_id)),
            detail,
        },
        now,
    )
    .await?;
    Ok(())
}

/// SHR-02: registers a partner of the person's unit; its key is returned this once.
pub async fn register(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    input: &PartnerInput,
) -> AppResult<NewPartner> {
    need::<PartnerKeepers>(
        p,
        "partners are registered by operators, technology and heads",
    )?;
    let name = roadwarden_domain::device::text("name", &input.name, 200, true)?;
    let key = hex::encode(rand::random::<[u8; 24]>());
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let id = partners::insert_partner(
        &mut tx,
        &name,
        p.user.unit_id.0,
        p.scope().as_str(),
        &sha256_hex(key.as_bytes()),
        p.user.id,
        now,
    )
    .await?;
    let partner = partners::partner(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("partner"))?;
    audit(
        &mut tx,
        p,
        meta,
        "partner.register",
        &partner,
        json!({ "name": name }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(NewPartner { id, name, key })
}

/// The partners of the person's units.
pub async fn list(ctx: &ServiceContext, p: &Principal) -> AppResult<Vec<Partner>> {
    need::<PartnerReaders>(
        p,
        "partners are read by operators, technology, heads and auditors",
    )?;
    let mut tx = ctx.store.begin_read().await?;
    Ok(partners::partners_in_scope(&mut tx, p.scope()).await?)
}

/// One partner with its grants and its usage per grant.
pub async fn show(
    ctx: &ServiceContext,
    p: &Principal,
    id: i64,
) -> AppResult<(Partner, Vec<GrantRow>, Vec<Usage>)> {
    need::<PartnerReaders>(
        p,
        "partners are read by operators, technology, heads and auditors",
    )?;
    let mut tx = ctx.store.begin_read().await?;
    let partner = partner_in_scope(&mut tx, p, id).await?;
    let grants = partners::grants_of(&mut tx, id).await?;
    let usage = partners::usage(&mut tx, id).await?;
    Ok((partner, grants, usage))
}

/// SHR-02: proposes a grant for a partner; a second person approves it.
pub async fn propose(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    partner_id: i64,
    input: &GrantInput,
) -> AppResult<GrantRow> {
    need::<PartnerKeepers>(p, "grants are proposed by operators, technology and heads")?;
    let purpose = Purpose::parse(&input.purpose)?;
    let why = roadwarden_domain::device::text("purpose_text", &input.purpose_text, 1000, true)?;
    let fields: Vec<FieldGrant> = input
        .fields
        .iter()
        .map(|f| FieldGrant {
            field: f.field.trim().to_owned(),
            mask: f.mask.map(|m| Mask {
                keep_start: m.keep_start,
                keep_end: m.keep_end,
            }),
        })
        .collect();
    let categories: Vec<String> = input
        .categories
        .iter()
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    let now = ctx.clock.now();
    rule::check_grant(
        &input.interface,
        &fields,
        &categories,
        (input.span_from, input.span_to),
        input.expires_at,
        now,
    )?;
    let mut tx = ctx.store.begin().await?;
    let partner = partner_in_scope(&mut tx, p, partner_id).await?;
    let unit = match input.scope_unit_id {
        Some(u) => units::get(&mut tx, UnitId(u))
            .await?
            .filter(|u| p.covers(&u.path))
            .map(|u| (u.id.0, u.path.as_str().to_owned()))
            .ok_or(AppError::NotFound("unit"))?,
        None => (partner.unit_id, partner.unit_path.clone()),
    };
    let id = partners::insert_grant(
        &mut tx,
        &NewGrant {
            partner_id,
            interface: &input.interface,
            scope_unit: unit.0,
            scope_path: &unit.1,
            span: (input.span_from, input.span_to),
            categories: &categories,
            fields: &fields,
            purpose,
            purpose_text: &why,
            expires_at: input.expires_at,
            created_by: p.user.id,
            created_at: now,
        },
    )
    .await?;
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    let detail = json!({ "grant": id, "interface": input.interface, "fields": names,
        "scope_unit": unit.0, "purpose": purpose.as_str(), "expires_at": input.expires_at });
    audit(
        &mut tx,
        p,
        meta,
        "partner.grant_propose",
        &partner,
        detail,
        now,
    )
    .await?;
    let g = partners::grant(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("grant"))?;
    tx.commit().await?;
    Ok(g)
}

/// What a second person does with a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantStep {
    Approve,
    Refuse,
    Revoke,
}

/// SHR-02: approves (never one's own proposal), refuses, or revokes a grant.
pub async fn step(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    grant_id: i64,
    what: GrantStep,
) -> AppResult<GrantRow> {
    need::<PartnerKeepers>(p, "grants are decided by operators, technology and heads")?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let g = partners::grant(&mut tx, grant_id)
        .await?
        .ok_or(AppError::NotFound("grant"))?;
    let partner = partner_in_scope(&mut tx, p, g.partner_id).await?;
    let (from, to, action) = match what {
        GrantStep::Approve => (
            GrantState::Proposed,
            rule::approve_grant(g.state, UserId(g.created_by), p.user.id)?,
            "partner.grant_approve",
        ),
        GrantStep::Refuse => (
            GrantState::Proposed,
            GrantState::Refused,
            "partner.grant_refuse",
        ),
        GrantStep::Revoke => (
            GrantState::Approved,
            GrantState::Revoked,
            "partner.grant_revoke",
        ),
    };
    if g.state != from
        || !partners::set_grant_state(&mut tx, grant_id, from, to, p.user.id, now).await?
    {
        return Err(RuleViolation::new(
            "SHR-02",
            Code::SharingNotPending,
            "this grant is not in a state for that step",
        )
        .into());
    }
    audit(
        &mut tx,
        p,
        meta,
        action,
        &partner,
        json!({ "grant": grant_id }),
        now,
    )
    .await?;
    let g = partners::grant(&mut tx, grant_id)
        .await?
        .ok_or(AppError::NotFound("grant"))?;
    tx.commit().await?;
    Ok(g)
}
