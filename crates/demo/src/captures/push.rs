//! The code paths both countries' stories share, parameterised by country: the registry's
//! owners, the devices' push credentials, and a device's push (JSON or a Hikvision ISAPI
//! event) with a drawn road photo and its plate crop, stamped in the country's time zone.

use std::collections::HashMap;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use roadwarden_domain::org::Country;
use roadwarden_server::auth::Principal;
use roadwarden_server::context::RequestMeta;
use roadwarden_server::services::captures::ingest::{
    self, CaptureInput, DeviceCredential, RawImage, Submission, Via,
};
use roadwarden_server::services::captures::registry::{vehicle_of, VehicleInput};
use roadwarden_server::services::devices::credentials;
use roadwarden_server::AppState;
use roadwarden_store::devices;
use roadwarden_store::violations::upsert_vehicle;

use crate::scene::{render_capture, PlateTint, SceneSpec};
use crate::seed::principal;

/// A registered vehicle and its owner: (plate, colour, VIN, owner, address, phone).
pub(super) type Owner = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// The last six characters of a VIN: what the owner's page asks for with the plate.
pub(super) fn vin_tail(vin: &str) -> &str {
    &vin[vin.len().saturating_sub(6)..]
}

/// Registers `owners` in `country`'s registry, in `clerk`'s scope, through the same validation
/// as the registry's form (`registry::vehicle_of`). `division` is where the owners live.
pub(super) async fn register_vehicles(
    state: &AppState,
    clerk: &Principal,
    country: Country,
    division: &str,
    owners: &[Owner],
) -> anyhow::Result<()> {
    let scope = clerk.scope().as_str();
    let mut tx = state.store.begin().await?;
    for (plate, colour, vin, owner, address, phone) in owners {
        let mut vehicle = vehicle_of(&VehicleInput {
            plate: (*plate).to_owned(),
            plate_colour: (*colour).to_owned(),
            country: country.code().to_owned(),
            vehicle_type: if *colour == "yellow" {
                "truck"
            } else {
                "small_car"
            }
            .into(),
            vin: (*vin).to_owned(),
            owner_name: (*owner).to_owned(),
            owner_address: (*address).to_owned(),
            owner_phone: (*phone).to_owned(),
            owner_email: String::new(),
            division_code: division.to_owned(),
        })
        .map_err(|e| anyhow::anyhow!("demo vehicle {plate}: {e}"))?;
        scope.clone_into(&mut vehicle.unit_path);
        upsert_vehicle(&mut tx, &vehicle, scope).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Push credentials for `numbers`, as the device manager `manager` issues them.
pub(super) async fn issue_credentials(
    state: &AppState,
    manager: &str,
    numbers: &[&'static str],
) -> anyhow::Result<HashMap<&'static str, DeviceCredential>> {
    let meta = RequestMeta::default();
    let manager = principal(state, manager).await?;
    let mut creds = HashMap::new();
    for number in numbers {
        let mut tx = state.store.begin_read().await?;
        let d = devices::get_by_number(&mut tx, number)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo device {number}"))?;
        drop(tx);
        let issued = credentials::issue(state, &manager, &meta, d.id).await?;
        creds.insert(
            *number,
            DeviceCredential {
                key_id: issued.key_id,
                secret: issued.secret,
            },
        );
    }
    Ok(creds)
}

pub(super) fn spec(plate: &str, seed: u64) -> SceneSpec<'_> {
    SceneSpec {
        plate,
        tint: PlateTint::for_plate(plate),
        seed,
        width: 1280,
        height: 720,
        caption: "",
        quality: 78,
        vehicle_colour: None,
        violation: None,
    }
}

/// What one JSON push says: the plate a device saw, the violation, when, and for a speed
/// camera what it measured.
pub(super) struct Push<'a> {
    pub country: Country,
    pub plate: &'a str,
    pub code: &'a str,
    pub at: DateTime<Utc>,
    /// Makes each push's photo and event id its own.
    pub seed: u64,
    /// Measured speed and the limit, km/h (speed cameras).
    pub speed: Option<(i32, i32)>,
    /// Where, when the device's ledger entry names no place (a road camera between villages).
    pub place: Option<&'a str>,
}

impl<'a> Push<'a> {
    /// A Chinese camera's push (no speed).
    pub fn cn(plate: &'a str, code: &'a str, at: DateTime<Utc>, seed: u64) -> Self {
        Self {
            country: Country::China,
            plate,
            code,
            at,
            seed,
            speed: None,
            place: None,
        }
    }

    /// The plate's colour as the camera reports it: Chinese new-energy plates (8 characters)
    /// are green, others blue; Vietnamese private cars' plates are white.
    fn plate_colour(&self) -> &'static str {
        match self.country {
            Country::China if self.plate.chars().count() == 8 => "green",
            Country::China => "blue",
            Country::Vietnam => "white",
        }
    }
}

/// A JSON push with a generated scene and plate crop, its time in the country's zone.
pub(super) async fn push_json(
    state: &AppState,
    cred: &DeviceCredential,
    push: &Push<'_>,
) -> anyhow::Result<i64> {
    let seed = push.seed;
    let colour = ["white", "black", "silver", "red"][seed as usize % 4];
    // The photos show the record: the car in its colour, the pedestrian it did not yield to,
    // three photos of a red light.
    let photos = render_capture(&SceneSpec {
        vehicle_colour: Some(colour),
        violation: Some(push.code),
        ..spec(push.plate, seed)
    });
    let mut images: Vec<RawImage> = photos
        .scenes
        .into_iter()
        .map(|scene| RawImage {
            kind: "scene".into(),
            bytes: scene.jpeg.into(),
            plate_rect: Some(scene.plate_rect),
        })
        .collect();
    images.push(RawImage {
        kind: "plate".into(),
        bytes: photos.plate.into(),
        plate_rect: None,
    });
    let tz = push.country.default_time_zone();
    let input = CaptureInput {
        event_id: Some(format!("demo-{seed}")),
        plate: push.plate.to_owned(),
        plate_colour: push.plate_colour().into(),
        vehicle_type: "small_car".into(),
        vehicle_colour: colour.into(),
        violation_code: push.code.to_owned(),
        captured_at: push.at.with_timezone(&tz).to_rfc3339(),
        lane: Some(1 + (seed % 3) as i32),
        direction: "northbound".into(),
        speed: push.speed.map(|(s, _)| s),
        speed_limit: push.speed.map(|(_, l)| l),
        place: push.place.map(str::to_owned),
        confidence: Some(92 + (seed % 8) as i32),
        ..CaptureInput::default()
    };
    let receipt = ingest::ingest(
        state,
        cred,
        Submission {
            via: Via::Json,
            input,
            images,
            camera_time: None,
        },
    )
    .await?;
    Ok(receipt.capture_id)
}

/// An ISAPI `EventNotificationAlert` with its two JPEG parts, through the same mapping the
/// HTTP endpoint uses.
pub(super) async fn push_isapi(
    state: &AppState,
    cred: &DeviceCredential,
    plate: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<i64> {
    // A white car (as the alert says) running the red light: three photos.
    let photos = render_capture(&SceneSpec {
        vehicle_colour: Some("white"),
        violation: Some("1625"),
        ..spec(plate, 4242)
    });
    let mut scenes = photos.scenes.into_iter();
    let scene = scenes
        .next()
        .ok_or_else(|| anyhow::anyhow!("demo ISAPI event: no photo"))?;
    let crop = photos.plate;
    let [x, y, w, h] = scene.plate_rect;
    let time = at.with_timezone(&chrono_tz::Asia::Shanghai).to_rfc3339();
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<ipAddress>10.33.5.21</ipAddress><portNo>80</portNo><protocol>HTTP</protocol>
<macAddress>bc:5e:33:62:2a:5c</macAddress><channelID>1</channelID>
<dateTime>{time}</dateTime><activePostCount>1</activePostCount><eventType>ANPR</eventType>
<eventState>active</eventState><eventDescription>ANPR</eventDescription>
<ANPR><country>3</country><licensePlate>{plate}</licensePlate><line>2</line><direction>forward</direction>
<confidenceLevel>98</confidenceLevel><plateType>92TypeCivil</plateType><plateColor>blue</plateColor>
<vehicleType>vehicle</vehicleType><vehicleInfo><color>white</color></vehicleInfo>
<pictureInfoList>
<pictureInfo><fileName>licensePlatePicture.jpg</fileName><type>licensePlatePicture</type></pictureInfo>
<pictureInfo><fileName>vehiclePicture.jpg</fileName><type>vehiclePicture</type>
<plateRect><X>{x}</X><Y>{y}</Y><width>{w}</width><height>{h}</height></plateRect></pictureInfo>
</pictureInfoList><originalLicensePlate>{plate}</originalLicensePlate></ANPR>
<UUID>demo-isapi-0001</UUID><picNum>2</picNum><isDataRetransmission>false</isDataRetransmission>
</EventNotificationAlert>"#
    );
    let alert = roadwarden_isapi::parse_alert(xml.as_bytes())
        .map_err(|e| anyhow::anyhow!("demo ISAPI event: {e}"))?;
    let mut files = vec![
        ("licensePlatePicture.jpg".into(), Bytes::from(crop)),
        ("vehiclePicture.jpg".into(), Bytes::from(scene.jpeg)),
    ];
    // The red light's further photos travel as extra pictures, filed as scenes.
    for (i, more) in scenes.enumerate() {
        files.push((format!("scene{}.jpg", i + 2), Bytes::from(more.jpeg)));
    }
    let sub = roadwarden_server::api::ingest::submission_of(&alert, "1625".into(), files);
    let mut tx = state.store.begin_read().await?;
    let device = ingest::authenticate(&mut tx, cred).await?;
    ingest::check_isapi_identity(&mut tx, &device, &alert.mac, &alert.channel).await?;
    let receipt = ingest::ingest_for(state, tx, device, sub).await?;
    Ok(receipt.capture_id)
}
