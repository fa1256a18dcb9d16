//! CAP-00..04: a device pushes a capture. The device proves itself with its credential, the
//! capture is validated and pre-checked, its images are stored write-once by SHA-256, and the
//! reply comes once the capture is committed (through the group committer).
//!
//! Everything that can refuse a capture runs before anything is written, so a refused push
//! leaves nothing behind but (at most) images already stored under their hash, which are
//! identical bytes whoever sends them again.

use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use roadwarden_domain::capture::intake::{
    self, check_capture_time, check_coordinates, clock_drift_secs, exemption_at, missing_elements,
    pre_check, CaptureSource, Elements, Exemption, ExemptionKind, Facts, Flag, Flags,
    UploadWindows,
};
use roadwarden_domain::capture::plate::{plate_key, read_plate, PlateColour, PlateReading};
use roadwarden_domain::capture::review::{review_deadline, CaptureState};
use roadwarden_domain::codes::Code;
use roadwarden_domain::device::upkeep::valid_certificate;
use roadwarden_domain::device::{text, AlertKind, CaptureUse, DeviceKind, DeviceState};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::roles::Role;
use roadwarden_domain::{FieldError, RuleViolation};
use roadwarden_store::captures::{self, NewCapture};
use roadwarden_store::devices::Device;
use roadwarden_store::{device_records, users, Tx};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::committer::{DeviceAlert, Item};
use crate::error::{AppError, AppResult};
use crate::services::context::ServiceContext;
use crate::views::captures::{flag_views, FlagView};

pub use super::device_auth::{
    authenticate, authenticate_device, check_isapi_identity, Authenticated, DeviceCredential,
};
pub(crate) use super::images::store_images;
pub use super::images::{check_images, inline_images};

/// A capture as a device sends it (JSON; the multipart form carries the same fields in a
/// `capture` part and the images as file parts).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptureInput {
    /// The device's own id for the event; a resend with the same id is accepted once.
    pub event_id: Option<String>,
    #[serde(default)]
    pub retransmission: bool,
    /// CAP-00 source; defaults by device kind.
    pub source: Option<String>,
    #[serde(default)]
    pub plate: String,
    #[serde(default)]
    pub plate_colour: String,
    #[serde(default)]
    pub vehicle_type: String,
    #[serde(default)]
    pub vehicle_colour: String,
    #[serde(default)]
    pub violation_code: String,
    /// Defaults to the device's registered place.
    pub place: Option<String>,
    pub division_code: Option<String>,
    #[serde(default)]
    pub road_code: String,
    pub km_marker: Option<String>,
    #[serde(default)]
    pub direction: String,
    pub lane: Option<i32>,
    pub speed: Option<i32>,
    pub speed_limit: Option<i32>,
    pub confidence: Option<i32>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    #[serde(default)]
    pub video_url: String,
    /// RFC 3339 with an offset, e.g. `2026-11-20T08:14:03+08:00`.
    pub captured_at: String,
    /// The collecting officer's username (handheld, mobile and recorder uploads).
    pub collected_by: Option<String>,
    /// Images inline as base64 (JSON only).
    #[serde(default)]
    pub images: Vec<ImageInput>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageInput {
    /// plate, vehicle or scene.
    #[serde(default = "scene")]
    pub kind: String,
    /// Base64 JPEG bytes.
    pub data: String,
    /// Where the plate is in the image: x, y, width, height.
    pub plate_rect: Option<[i32; 4]>,
}

fn scene() -> String {
    "scene".into()
}

/// An image as received, before it is stored.
#[derive(Debug, Clone)]
pub struct RawImage {
    pub kind: String,
    pub bytes: Bytes,
    pub plate_rect: Option<[i32; 4]>,
}

/// What the device is told.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Receipt {
    pub capture_id: i64,
    /// The device had already sent this event: the first capture stands.
    pub duplicate: bool,
    pub state: String,
    /// enforce, warn_only or refuse (CAP-03, CAP-04).
    pub usage: String,
    pub flags: Vec<FlagView>,
    pub review_due_at: Option<DateTime<Utc>>,
}

/// How the capture came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Json,
    Multipart,
    Isapi,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Via::Json => "json",
            Via::Multipart => "multipart",
            Via::Isapi => "isapi",
        }
    }
}

/// A push, parsed from any of the three formats.
#[derive(Debug, Clone)]
pub struct Submission {
    pub via: Via,
    pub input: CaptureInput,
    pub images: Vec<RawImage>,
    /// What the device's clock said (ISAPI `dateTime`); for drift.
    pub camera_time: Option<DateTime<Utc>>,
}

/// Validates, pre-checks and stores one push of an authenticated device.
pub async fn ingest_authenticated(
    ctx: &ServiceContext,
    device: Authenticated,
    sub: Submission,
) -> AppResult<Receipt> {
    let tx = ctx.store.begin_read().await?;
    ingest_for(ctx, tx, device.into_device(), sub).await
}

/// Validates, pre-checks and stores one push.
pub async fn ingest(
    ctx: &ServiceContext,
    cred: &DeviceCredential,
    sub: Submission,
) -> AppResult<Receipt> {
    let mut tx = ctx.store.begin_read().await?;
    let device = authenticate(&mut tx, cred).await?;
    ingest_for(ctx, tx, device, sub).await
}

/// The rest of [`ingest`], once the device is known (ISAPI finds it its own way).
pub async fn ingest_for(
    ctx: &ServiceContext,
    mut tx: Tx,
    device: Device,
    sub: Submission,
) -> AppResult<Receipt> {
    let now = ctx.clock.now();
    let settings = &ctx.settings.captures;
    let prepared = prepare(&mut tx, &device, &sub, settings, now).await?;
    if let Some(existing) = captures::by_event(&mut tx, device.id, &prepared.event_key).await? {
        return Ok(receipt_of(&existing, true));
    }
    let cal = super::calendar(ctx, &mut tx, device.country).await?;
    let facts = gather(&mut tx, &device, &prepared, sub.images.len()).await?;
    drop(tx);
    let check = pre_check(&facts.facts(&device, &prepared, now, settings));
    let state_now = if check.enterable() {
        CaptureState::Pending
    } else {
        CaptureState::NotEntered
    };
    let review_due = check
        .enterable()
        .then(|| review_deadline(now, settings.review_working_days, &cal, device.tz()).overdue_at);

    let images = store_images(ctx.blobs.as_ref(), &sub.images).await?;
    let drift_alert = check.flags.iter().find_map(|f| match f {
        Flag::ClockDrift { seconds } => Some(DeviceAlert {
            device_id: device.id,
            unit_path: device.unit_path.clone(),
            kind: AlertKind::ClockDrift,
            detail: format!("device clock off by {seconds} s"),
            dedupe_key: format!("clock_drift:{}:{}", device.id.0, now.date_naive()),
        }),
        _ => None,
    });
    let capture = NewCapture {
        device_id: Some(device.id),
        unit_id: device.unit_id,
        unit_path: device.unit_path.clone(),
        event_key: prepared.event_key,
        source: prepared.source,
        via: sub.via.as_str().to_owned(),
        plate: prepared.plate,
        plate_key: prepared.plate_key,
        plate_colour: prepared.colour,
        vehicle_type: prepared.vehicle_type,
        vehicle_colour: prepared.vehicle_colour,
        violation_code: prepared.violation_code,
        place: prepared.place,
        division_code: prepared.division_code,
        road_code: prepared.road_code,
        km_marker: prepared.km_marker,
        direction: prepared.direction,
        lane: sub.input.lane,
        speed: sub.input.speed,
        speed_limit: sub.input.speed_limit,
        confidence: sub.input.confidence,
        longitude: sub.input.longitude,
        latitude: sub.input.latitude,
        video_url: prepared.video_url,
        captured_at: prepared.captured_at,
        received_at: now,
        camera_time: sub.camera_time,
        usage: check.usage,
        flags: Flags(check.flags.clone()),
        state: state_now,
        review_due_at: review_due,
        collected_by: prepared.collected_by,
        images,
    };
    let committed = ctx
        .committer()
        .commit(Item {
            capture,
            alert: drift_alert,
            valid: check.usage == CaptureUse::Enforce,
        })
        .await?;
    ctx.metrics
        .captures
        .with_label_values(&[if committed.duplicate {
            "duplicate"
        } else {
            "new"
        }])
        .inc();
    if committed.duplicate {
        let mut tx = ctx.store.begin_read().await?;
        let existing = captures::get(&mut tx, committed.id)
            .await?
            .ok_or(AppError::NotFound("capture"))?;
        return Ok(receipt_of(&existing, true));
    }
    Ok(Receipt {
        capture_id: committed.id,
        duplicate: false,
        state: state_now.as_str().to_owned(),
        usage: check.usage.as_str().to_owned(),
        flags: flag_views(check.flags),
        review_due_at: review_due,
    })
}

fn receipt_of(c: &captures::Capture, duplicate: bool) -> Receipt {
    Receipt {
        capture_id: c.id,
        duplicate,
        state: c.state.as_str().to_owned(),
        usage: c.usage.as_str().to_owned(),
        flags: flag_views(c.flags.0.clone()),
        review_due_at: c.review_due_at,
    }
}

/// The push's fields, validated against the device.
struct Prepared {
    event_key: String,
    source: CaptureSource,
    plate: String,
    plate_key: String,
    plate_read: bool,
    colour: PlateColour,
    vehicle_type: String,
    vehicle_colour: String,
    violation_code: String,
    place: String,
    division_code: String,
    road_code: String,
    km_marker: String,
    direction: String,
    video_url: String,
    captured_at: DateTime<Utc>,
    collected_by: Option<roadwarden_domain::UserId>,
}

async fn prepare(
    tx: &mut Tx,
    device: &Device,
    sub: &Submission,
    settings: &crate::config::CaptureSettings,
    now: DateTime<Utc>,
) -> AppResult<Prepared> {
    let i = &sub.input;
    let captured_at = DateTime::parse_from_rfc3339(i.captured_at.trim())
        .map_err(|_| {
            FieldError::new(
                "captured_at",
                "must be a time with its offset, e.g. 2026-11-20T08:14:03+08:00",
            )
        })?
        .with_timezone(&Utc);
    check_capture_time(
        captured_at,
        now,
        Duration::seconds(settings.future_tolerance_secs),
    )?;
    check_coordinates(i.longitude, i.latitude)?;
    let source = match &i.source {
        Some(s) => CaptureSource::parse(s)?,
        None => CaptureSource::default_for(device.kind),
    };
    source.check_for(device.kind)?;
    // REV-02: a handheld capture names the officer who collected it, so that officer can be
    // kept from reviewing it.
    let handheld = source == CaptureSource::Handheld
        || matches!(
            device.kind,
            DeviceKind::SupportTerminal | DeviceKind::BodyWornRecorder
        );
    let colour = PlateColour::parse(&i.plate_colour)?;
    let (plate, plate_read) = match read_plate(device.country, &i.plate, colour)? {
        PlateReading::Read(p) => (p.number, true),
        PlateReading::Unidentified => (String::new(), false),
    };
    let violation_code = text("violation_code", &i.violation_code, 16, false)?;
    if !violation_code.is_empty() && !device.violation_types.contains(&violation_code) {
        return Err(RuleViolation::new(
            "DEV-04",
            Code::CaptureViolationNotPublished,
            format!("this device is not published as enforcing violation {violation_code}"),
        )
        .into());
    }
    check_images(&sub.images, settings)?;
    if let Some(speed) = i.speed {
        if !(0..=400).contains(&speed) {
            return Err(FieldError::new("speed", "must be between 0 and 400 km/h").into());
        }
    }
    if let Some(c) = i.confidence {
        if !(0..=100).contains(&c) {
            return Err(FieldError::new("confidence", "must be between 0 and 100").into());
        }
    }
    let video_url = text("video_url", &i.video_url, 500, false)?;
    if !(video_url.is_empty()
        || video_url.starts_with("https://")
        || video_url.starts_with("http://"))
    {
        return Err(FieldError::new("video_url", "must be an http(s) address").into());
    }
    let collected_by = match i
        .collected_by
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None if handheld => {
            return Err(FieldError::new(
                "collected_by",
                "a handheld capture must name the officer who collected it (REV-02)",
            )
            .into())
        }
        None => None,
        Some(username) => {
            let user = users::get_by_username(tx, username)
                .await?
                .filter(|u| {
                    device.unit_path.covers(&u.unit_path) || u.unit_path.covers(&device.unit_path)
                })
                .ok_or_else(|| {
                    FieldError::new("collected_by", "is not an officer of this device's unit")
                })?;
            if !users::roles_of(tx, user.id)
                .await?
                .contains(&Role::Collector)
            {
                return Err(FieldError::new(
                    "collected_by",
                    "does not hold the collection post (REV-02)",
                )
                .into());
            }
            Some(user.id)
        }
    };
    let event_key = match i
        .event_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(id) => text("event_id", id, 128, true)?,
        // No id from the device: the digest of what makes the event itself, so a resend of the
        // same bytes is still recognised.
        None => {
            let mut h = Sha256::new();
            h.update(captured_at.to_rfc3339().as_bytes());
            h.update(plate.as_bytes());
            h.update(violation_code.as_bytes());
            for img in &sub.images {
                h.update(Sha256::digest(&img.bytes));
            }
            format!("sha256:{}", hex::encode(h.finalize()))
        }
    };
    Ok(Prepared {
        event_key,
        source,
        plate_key: plate_key(&plate),
        plate,
        plate_read,
        colour,
        vehicle_type: text("vehicle_type", &i.vehicle_type, 32, false)?,
        vehicle_colour: text("vehicle_colour", &i.vehicle_colour, 32, false)?,
        violation_code,
        place: text(
            "place",
            i.place.as_deref().unwrap_or(&device.place),
            200,
            false,
        )?,
        // Defaults to the device's unit code, which may be as long as any unit code (32):
        // Quảng Trị's `VN-45-DH-CSGT` is 13 characters.
        division_code: text(
            "division_code",
            i.division_code.as_deref().unwrap_or(&device.unit_code),
            32,
            false,
        )?,
        road_code: text("road_code", &i.road_code, 32, false)?,
        km_marker: text(
            "km_marker",
            i.km_marker.as_deref().unwrap_or(&device.km_marker),
            32,
            false,
        )?,
        direction: text("direction", &i.direction, 32, false)?,
        video_url,
        captured_at,
        collected_by,
    })
}

/// What the pre-checks need from the database.
struct Gathered {
    history: Vec<(DateTime<Utc>, DeviceState)>,
    calibrated: bool,
    exemption: Option<ExemptionKind>,
    duplicate_of: Option<i64>,
    missing: Vec<&'static str>,
}

impl Gathered {
    fn facts<'a>(
        &'a self,
        device: &Device,
        p: &Prepared,
        now: DateTime<Utc>,
        settings: &crate::config::CaptureSettings,
    ) -> Facts<'a> {
        Facts {
            kind: device.kind,
            measuring: device.measuring,
            history: &self.history,
            captured_at: p.captured_at,
            received_at: now,
            calibrated_at_capture: self.calibrated,
            missing: self.missing.clone(),
            plate_read: p.plate_read,
            exemption: self.exemption,
            duplicate_of: self.duplicate_of,
            // Drift is only meaningful for pushes made at the moment of capture.
            clock_drift_secs: device
                .kind
                .is_fixed()
                .then(|| clock_drift_secs(p.captured_at, now)),
            drift_threshold_secs: settings.clock_drift_secs,
            windows: UploadWindows {
                fixed: Duration::minutes(settings.fixed_upload_minutes),
                mobile: Duration::hours(settings.mobile_upload_hours),
            },
        }
    }
}

async fn gather(
    tx: &mut Tx,
    device: &Device,
    p: &Prepared,
    image_count: usize,
) -> AppResult<Gathered> {
    let mut history = Vec::new();
    for (at, state) in captures::device_history(tx, device.id).await? {
        history.push((at, DeviceState::parse(&state)?));
    }
    if history.is_empty() {
        history.push((device.state_since, device.state));
    }
    let calibrated = if device.measuring {
        let periods = device_records::calibration_periods(tx, device.id).await?;
        let day = p.captured_at.with_timezone(&device.tz()).date_naive();
        valid_certificate(&periods, day).is_some()
    } else {
        true
    };
    let exemption = if p.plate_key.is_empty() {
        None
    } else {
        exemption_of(tx, &device.unit_path, &p.plate_key, p.captured_at).await?
    };
    let window = Duration::minutes(intake::DUPLICATE_WINDOW_MINUTES);
    let duplicate_of = if p.plate_key.is_empty() {
        None
    } else {
        captures::nearby_same(
            tx,
            device.id,
            &p.plate_key,
            &p.violation_code,
            p.captured_at - window,
            p.captured_at + window,
        )
        .await?
    };
    let missing = missing_elements(&Elements {
        vehicle_type: &p.vehicle_type,
        violation_code: &p.violation_code,
        place: &p.place,
        images: image_count,
    });
    Ok(Gathered {
        history,
        calibrated,
        exemption,
        duplicate_of,
        missing,
    })
}

/// REV-03(4), REV-04: the exemption list's entry for `key` at the place and time, if any
/// (also read for public reports).
pub(crate) async fn exemption_of(
    tx: &mut roadwarden_store::Tx,
    place: &UnitPath,
    key: &str,
    at: DateTime<Utc>,
) -> AppResult<Option<ExemptionKind>> {
    let list: Vec<Exemption> = captures::exemptions_for(tx, key)
        .await?
        .into_iter()
        .filter(|r| UnitPath::from_stored(r.unit_path.clone()).covers(place))
        .map(|r| Exemption {
            plate_key: r.plate_key,
            kind: r.kind,
            from: r.valid_from,
            until: r.valid_until,
        })
        .collect();
    Ok(exemption_at(&list, key, at).map(|e| e.kind))
}
