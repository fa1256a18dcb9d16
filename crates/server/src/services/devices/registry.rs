//! DEV-01, DEV-08, DEV-09, DEV-10: proposing devices, editing them while that is lawful, and
//! reading them under scope.

use chrono::{DateTime, Utc};
use roadwarden_domain::codes::Code;
use roadwarden_domain::device::location::{LocationError, LocationInput};
use roadwarden_domain::device::upkeep::check_responsibility;
use roadwarden_domain::device::{parse_mac, text, violations, DeviceKind, DeviceState, Location};
use roadwarden_domain::org::Country;
use roadwarden_domain::{DeviceId, FieldError, RuleViolation, UnitId};
use roadwarden_store::devices::{self, Device, DeviceFields, DeviceFilter, NewDevice};
use roadwarden_store::units::{self, Unit};
use roadwarden_store::Tx;
use serde::Deserialize;
use serde_json::json;

use super::{log_change, readable, reading_scopes, Change};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::Actor;
use crate::services::context::ServiceContext;
use crate::services::Authority;

/// A device as a form, the API or a ledger row describes it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DeviceInput {
    /// DEV-08: 6-digit division code + 2-digit kind code + serial, e.g. 330522010001.
    pub number: String,
    /// DEV-01 kind, e.g. fixed_enforcement.
    pub kind: String,
    /// The managing unit (a police unit in the caller's scope).
    pub unit_id: i64,
    pub name: String,
    /// The maintaining unit (often a contractor).
    pub maintainer: String,
    /// DEV-10: the managing unit's responsible leader and department.
    pub leader: String,
    pub department: String,
    #[serde(default)]
    pub violation_types: Vec<String>,
    #[serde(default)]
    pub make: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub serial: String,
    #[serde(default)]
    pub mac: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub road: String,
    /// expressway, national, provincial, county, township or urban.
    #[serde(default)]
    pub road_class: String,
    /// DEV-09, e.g. K123+450.
    #[serde(default)]
    pub km_marker: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub nearest_village: String,
    #[serde(default)]
    pub direction: String,
    #[serde(default)]
    pub longitude: Option<f64>,
    #[serde(default)]
    pub latitude: Option<f64>,
    /// DEV-13: measures a quantity (speed) and needs calibration; the kind's default if omitted.
    #[serde(default)]
    pub measuring: Option<bool>,
}

fn location_error(e: LocationError) -> AppError {
    match e {
        LocationError::Field(f) => f.into(),
        LocationError::Rule(r) => r.into(),
    }
}

/// Checks every descriptive field for a device of `kind` in `country`.
pub fn validate_fields(
    input: &DeviceInput,
    kind: DeviceKind,
    country: Country,
) -> AppResult<DeviceFields> {
    let name = text("name", &input.name, 100, true)?;
    let maintainer = text("maintainer", &input.maintainer, 100, true)?;
    let (leader, department) = check_responsibility(&input.leader, &input.department)?;
    let violation_types = violations::parse_list(&input.violation_types, country, kind.enforces())?;
    let mac = if input.mac.trim().is_empty() {
        String::new()
    } else {
        parse_mac(&input.mac)?
    };
    let mut fields = DeviceFields {
        name,
        maintainer,
        leader,
        department,
        violation_types,
        make: text("make", &input.make, 60, false)?,
        model: text("model", &input.model, 60, false)?,
        serial: text("serial", &input.serial, 60, false)?,
        mac,
        channel: text("channel", &input.channel, 40, false)?,
        // A speed camera always measures (DEV-13); other kinds may say they do.
        measuring: input.measuring.unwrap_or(false) || kind.measures_by_default(),
        ..DeviceFields::default()
    };
    let has_location =
        !input.road.trim().is_empty() || input.longitude.is_some() || input.latitude.is_some();
    if kind.has_site() || has_location {
        let loc = Location::parse(
            &LocationInput {
                road: input.road.clone(),
                road_class: input.road_class.clone(),
                km_marker: input.km_marker.clone(),
                place: input.place.clone(),
                nearest_village: input.nearest_village.clone(),
                direction: input.direction.clone(),
                longitude: input.longitude,
                latitude: input.latitude,
            },
            country,
        )
        .map_err(location_error)?;
        fields.road = loc.road;
        fields.road_class = Some(loc.road_class);
        fields.km_marker = loc.km_marker;
        fields.place = loc.place;
        fields.nearest_village = loc.nearest_village;
        fields.direction = loc.direction;
        fields.longitude = Some(loc.longitude);
        fields.latitude = Some(loc.latitude);
    }
    Ok(fields)
}

/// The managing unit: a police unit the caller covers.
pub async fn managing_unit(tx: &mut Tx, authority: Authority<'_>, unit_id: i64) -> AppResult<Unit> {
    let id = UnitId::parse(&unit_id.to_string())
        .map_err(|_| FieldError::new("unit_id", "is not a unit id"))?;
    let unit = units::get(tx, id)
        .await?
        .ok_or(AppError::NotFound("unit"))?;
    if let Authority::User(p) = authority {
        if !p.covers(&unit.path) {
            return Err(AppError::NotFound("unit"));
        }
    }
    if !unit.kind.is_police() {
        return Err(FieldError::new("unit_id", "devices are managed by a police unit").into());
    }
    Ok(unit)
}

/// DEV-08: a checked number that no device, retired or not, has ever had.
pub async fn fresh_number(
    ctx: &ServiceContext,
    tx: &mut Tx,
    raw: &str,
    kind: DeviceKind,
    unit: &Unit,
) -> AppResult<String> {
    let number = ctx.number_rule.parse(raw, kind, unit.country, &unit.code)?;
    if let Some(existing) = devices::get_by_number(tx, number.as_str()).await? {
        if existing.state == DeviceState::Retired {
            roadwarden_domain::device::number::check_not_reused(&number, true)?;
        }
        return Err(AppError::Conflict {
            field: "number".into(),
        });
    }
    Ok(number.as_str().to_owned())
}

/// A new proposal: a device in draft, waiting for its assessment (DEV-02).
pub async fn create_device(
    ctx: &ServiceContext,
    authority: Authority<'_>,
    meta: &RequestMeta,
    input: &DeviceInput,
) -> AppResult<Device> {
    let kind = DeviceKind::parse(&input.kind)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let unit = managing_unit(&mut tx, authority, input.unit_id).await?;
    let fields = validate_fields(input, kind, unit.country)?;
    let number = fresh_number(ctx, &mut tx, &input.number, kind, &unit).await?;
    let new = NewDevice {
        number,
        kind,
        unit_id: unit.id,
        unit_path: unit.path.clone(),
        fields,
        state: DeviceState::Draft,
        state_since: now,
        in_use_since: None,
        evaluation_due_at: None,
        trial_min_end_at: None,
        notice_ends_at: None,
        registered_at: None,
        platform_ref: String::new(),
        last_valid_capture_at: None,
        installed_at: now,
        resume_to: None,
        suspension_reason: None,
    };
    let id = devices::insert(&mut tx, &new, now).await?;
    let device = devices::get(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("device vanished")))?;
    log_change(
        &mut tx,
        &Actor::of(authority, meta),
        &device,
        Change {
            action: "create",
            from_state: None,
            to_state: Some(DeviceState::Draft),
            reason: "",
            detail: json!({ "kind": kind.as_str(), "unit": unit.code }),
            registration: Some("create"),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(device)
}

/// Edits a device. What the public notice and the review relied on (name, place, violation
/// types, measuring) changes only while the device is a draft, returned, stopped or
/// circuit-broken, i.e. before a new assessment (DEV-02); the maintenance details can change
/// at any time until it is retired.
pub async fn update_device(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: DeviceId,
    input: &DeviceInput,
) -> AppResult<Device> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let device = devices::get_for_update(&mut tx, id).await?;
    let device = readable(&mut tx, p, device).await?;
    if !p.covers(&device.unit_path) {
        return Err(AppError::NotFound("device"));
    }
    if device.state == DeviceState::Retired {
        return Err(RuleViolation::new(
            "DEV-12",
            Code::DeviceRetired,
            "a retired device is not changed",
        )
        .into());
    }
    if !input.number.trim().is_empty() && input.number.trim().to_ascii_uppercase() != device.number
    {
        return Err(FieldError::new("number", "a device number never changes (DEV-08)").into());
    }
    if !input.kind.trim().is_empty() && input.kind.trim() != device.kind.as_str() {
        return Err(FieldError::new("kind", "a device's kind never changes").into());
    }
    let fields = validate_fields(input, device.kind, device.country)?;
    let changed = changed_fields(&device, &fields);
    if changed.is_empty() {
        return Ok(device);
    }
    let site_fields = [
        "name",
        "road",
        "road_class",
        "km_marker",
        "place",
        "nearest_village",
        "direction",
        "longitude",
        "latitude",
        "violation_types",
        "measuring",
    ];
    let touches_site = changed.keys().any(|k| site_fields.contains(&k.as_str()));
    let editable = matches!(
        device.state,
        DeviceState::Draft
            | DeviceState::Returned
            | DeviceState::Stopped
            | DeviceState::CircuitBroken
    );
    if touches_site && !editable {
        return Err(RuleViolation::new(
            "DEV-02",
            Code::DeviceSiteLocked,
            format!(
                "a device in state '{}' keeps its place and violation types: stop it and file a new assessment to move or change it",
                device.state.as_str()
            ),
        )
        .into());
    }
    devices::update_fields(&mut tx, id, &fields, now).await?;
    let updated = devices::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("device"))?;
    log_change(
        &mut tx,
        &Actor::user(p, meta),
        &updated,
        Change {
            action: "update",
            from_state: None,
            to_state: None,
            reason: "",
            detail: serde_json::Value::Object(changed),
            registration: Some("change"),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(updated)
}

/// `{field: [before, after]}` for every field that differs.
fn changed_fields(d: &Device, f: &DeviceFields) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    let mut diff = |k: &str, a: serde_json::Value, b: serde_json::Value| {
        if a != b {
            m.insert(k.into(), json!([a, b]));
        }
    };
    diff("name", json!(d.name), json!(f.name));
    diff("maintainer", json!(d.maintainer), json!(f.maintainer));
    diff("leader", json!(d.leader), json!(f.leader));
    diff("department", json!(d.department), json!(f.department));
    diff(
        "violation_types",
        json!(d.violation_types),
        json!(f.violation_types),
    );
    diff("make", json!(d.make), json!(f.make));
    diff("model", json!(d.model), json!(f.model));
    diff("serial", json!(d.serial), json!(f.serial));
    diff("mac", json!(d.mac), json!(f.mac));
    diff("channel", json!(d.channel), json!(f.channel));
    diff("road", json!(d.road), json!(f.road));
    diff("road_class", json!(d.road_class), json!(f.road_class));
    diff("km_marker", json!(d.km_marker), json!(f.km_marker));
    diff("place", json!(d.place), json!(f.place));
    diff(
        "nearest_village",
        json!(d.nearest_village),
        json!(f.nearest_village),
    );
    diff("direction", json!(d.direction), json!(f.direction));
    diff("longitude", json!(d.longitude), json!(f.longitude));
    diff("latitude", json!(d.latitude), json!(f.latitude));
    diff("measuring", json!(d.measuring), json!(f.measuring));
    m
}

pub async fn get_device(ctx: &ServiceContext, p: &Principal, id: DeviceId) -> AppResult<Device> {
    let mut tx = ctx.store.begin_read().await?;
    let device = devices::get(&mut tx, id).await?;
    readable(&mut tx, p, device).await
}

/// A page of the devices in the person's scope.
pub async fn list_devices(
    ctx: &ServiceContext,
    p: &Principal,
    filter: &DeviceFilter,
    limit: i64,
    offset: i64,
    with_total: bool,
) -> AppResult<(Vec<Device>, Option<i64>)> {
    let mut tx = ctx.store.begin_read().await?;
    Ok(devices::list(
        &mut tx,
        p.scope(),
        filter,
        limit.clamp(1, 500),
        offset.max(0),
        with_total,
    )
    .await?)
}

/// Map positions of the devices in scope (at most 20,000).
pub async fn map_points(
    ctx: &ServiceContext,
    p: &Principal,
    filter: &DeviceFilter,
) -> AppResult<Vec<devices::MapPoint>> {
    let mut tx = ctx.store.begin_read().await?;
    Ok(devices::map_points(&mut tx, p.scope(), filter, 20_000).await?)
}

/// Reviewers also read devices in the scope they review for.
pub async fn scopes_for(
    ctx: &ServiceContext,
    p: &Principal,
) -> AppResult<Vec<roadwarden_domain::org::UnitPath>> {
    let mut tx = ctx.store.begin_read().await?;
    reading_scopes(&mut tx, p).await
}

/// When a timestamp field of an import or form is given as text.
pub fn parse_time(field: &'static str, raw: &str, tz: chrono_tz::Tz) -> AppResult<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(naive) = chrono::NaiveDateTime::parse_from_str(raw, fmt) {
            return Ok(roadwarden_domain::calendar::local_to_utc(naive, tz));
        }
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Ok(roadwarden_domain::calendar::start_of_local_day(date, tz));
    }
    Err(FieldError::new(
        field,
        "must be a time like 2026-03-01 09:30 or a date like 2026-03-01",
    )
    .into())
}
