//! ORG-01..05: creating and reading units under scope.

use roadwarden_domain::codes::Code;
use roadwarden_domain::org::{
    check_child_level, parse_time_zone, Country, Level, UnitCode, UnitKind, UnitName, UnitPhone,
};
use roadwarden_domain::{FieldError, RuleViolation, UnitId};
use roadwarden_store::units::{self, NewUnit, Unit, UnitFilter};
use serde::Deserialize;
use serde_json::json;

use super::audit::{record, Actor, Event};
use super::Authority;
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::context::ServiceContext;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CreateUnitInput {
    /// The parent unit; omit only for the root of a tree (console operators only).
    #[serde(default)]
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    /// province, city, county or squad (ORG-04: stored, not inferred from depth).
    pub level: String,
    /// police, or an outside body such as legal_department or village (ORG-05).
    pub kind: String,
    /// CN or VN; a child inherits its parent's when omitted.
    #[serde(default)]
    pub country: Option<String>,
    /// IANA time zone; the country's when omitted (TIME-02).
    #[serde(default)]
    pub time_zone: Option<String>,
    /// The number owners call about the unit's records, printed on its notice letters.
    #[serde(default)]
    pub contact_phone: Option<String>,
}

/// A change to a unit: its contact number (empty clears it).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct UnitChange {
    pub contact_phone: String,
}

pub async fn create_unit(
    ctx: &ServiceContext,
    authority: Authority<'_>,
    meta: &RequestMeta,
    input: &CreateUnitInput,
) -> AppResult<Unit> {
    let code = UnitCode::parse(&input.code)?;
    let name = UnitName::parse(&input.name)?;
    let level = Level::parse(&input.level)?;
    let kind = UnitKind::parse(&input.kind)?;
    let country_given = input
        .country
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .map(Country::parse)
        .transpose()?;
    let tz_given = input
        .time_zone
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .map(parse_time_zone)
        .transpose()?;
    let phone = UnitPhone::parse(input.contact_phone.as_deref().unwrap_or_default())?;

    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let parent = match input.parent_id {
        Some(id) => {
            let id = UnitId::parse(&id.to_string())
                .map_err(|_| FieldError::new("parent_id", "is not a unit id"))?;
            let parent = units::get(&mut tx, id)
                .await?
                .ok_or(AppError::NotFound("parent unit"))?;
            if let Authority::User(p) = authority {
                if !p.covers(&parent.path) {
                    return Err(AppError::NotFound("parent unit"));
                }
            }
            Some(parent)
        }
        None if matches!(authority, Authority::Operator) => None,
        None => return Err(FieldError::new("parent_id", "is required").into()),
    };
    let country = match (&parent, country_given) {
        (Some(p), Some(c)) if c != p.country => {
            return Err(RuleViolation::new(
                "ORG-01",
                Code::UnitCountryDiffersFromParent,
                "a unit belongs to its parent's country",
            )
            .into())
        }
        (Some(p), _) => p.country,
        (None, Some(c)) => c,
        (None, None) => {
            return Err(FieldError::new("country", "is required for a root unit").into())
        }
    };
    if let Some(p) = &parent {
        check_child_level(p.level, level)?;
    }
    let new = NewUnit {
        parent: parent.as_ref(),
        code,
        name,
        level,
        kind,
        country,
        time_zone: tz_given.unwrap_or_else(|| country.default_time_zone()),
    };
    let mut unit = units::insert(&mut tx, &new, now).await?;
    if let Some(phone) = &phone {
        units::set_contact_phone(&mut tx, unit.id, phone.as_str()).await?;
        unit.contact_phone = phone.as_str().to_owned();
    }
    record(
        &mut tx,
        &Actor::of(authority, meta),
        Event {
            action: "unit.create",
            object_type: "unit",
            object_id: unit.id.to_string(),
            unit_id: Some(unit.id),
            detail: json!({
                "code": unit.code, "name": unit.name, "level": level.as_str(),
                "kind": kind.as_str(), "parent_id": unit.parent_id,
                "contact_phone": unit.contact_phone,
            }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(unit)
}

/// Changes a unit's contact number, within the administrator's scope (ORG-02).
pub async fn change_unit(
    ctx: &ServiceContext,
    principal: &Principal,
    meta: &RequestMeta,
    id: UnitId,
    change: &UnitChange,
) -> AppResult<Unit> {
    let phone = UnitPhone::parse(&change.contact_phone)?;
    let phone = phone.as_ref().map_or("", UnitPhone::as_str);
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let mut unit = match units::get(&mut tx, id).await? {
        Some(unit) if principal.covers(&unit.path) => unit,
        _ => return Err(AppError::NotFound("unit")),
    };
    phone.clone_into(&mut unit.contact_phone);
    units::set_contact_phone(&mut tx, id, phone).await?;
    record(
        &mut tx,
        &Actor::of(Authority::User(principal), meta),
        Event {
            action: "unit.update",
            object_type: "unit",
            object_id: unit.id.to_string(),
            unit_id: Some(unit.id),
            detail: json!({ "contact_phone": phone }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(unit)
}

/// One unit, if it lies in the person's scope (ORG-02).
pub async fn get_unit(ctx: &ServiceContext, principal: &Principal, id: UnitId) -> AppResult<Unit> {
    let mut tx = ctx.store.begin_read().await?;
    match units::get(&mut tx, id).await? {
        Some(unit) if principal.covers(&unit.path) => Ok(unit),
        _ => Err(AppError::NotFound("unit")),
    }
}

pub async fn list_units(
    ctx: &ServiceContext,
    principal: &Principal,
    filter: &UnitFilter,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<Unit>, i64)> {
    let mut tx = ctx.store.begin_read().await?;
    Ok(units::list_in_scope(
        &mut tx,
        principal.scope(),
        filter,
        limit.clamp(1, 1000),
        offset.max(0),
    )
    .await?)
}

/// The whole subtree in tree order, for the tree page and unit pickers.
pub async fn subtree(ctx: &ServiceContext, principal: &Principal) -> AppResult<Vec<Unit>> {
    let mut tx = ctx.store.begin_read().await?;
    Ok(units::subtree(&mut tx, principal.scope()).await?)
}

/// The unit list's query, as the API and the page parse it.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct UnitQuery {
    pub search: Option<String>,
    pub level: Option<String>,
    pub kind: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

impl UnitQuery {
    pub fn filter(&self) -> AppResult<UnitFilter> {
        let nonempty =
            |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
        Ok(UnitFilter {
            search: crate::edge::search_text(self.search.as_deref())?,
            level: nonempty(&self.level)
                .map(|l| Level::parse(&l))
                .transpose()?,
            kind: nonempty(&self.kind)
                .map(|k| UnitKind::parse(&k))
                .transpose()?,
        })
    }
}
