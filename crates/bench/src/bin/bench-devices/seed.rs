//! Seeding at scale: the unit tree, 50,000 devices with five years of history, and the
//! accounts, written straight through the store.

use super::*;
use roadwarden_domain::device::upkeep::ObservedStatus;

pub(crate) struct Tree {
    pub(crate) province: Unit,
    pub(crate) counties: Vec<Unit>,
    pub(crate) squads: Vec<Unit>,
    pub(crate) units: usize,
}

/// 1 province, `--cities`, `--counties` and `--squads`, all police units.
pub(crate) async fn seed_units(
    store: &Store,
    args: &Args,
    now: DateTime<Utc>,
) -> anyhow::Result<Tree> {
    let started = Instant::now();
    let country = Country::China;
    let tz = country.default_time_zone();
    let mut tx = store.begin().await?;
    let province = units::insert(
        &mut tx,
        &NewUnit {
            parent: None,
            code: UnitCode::parse("330000")?,
            name: UnitName::parse("Provincial Traffic Police Corps")?,
            level: Level::Province,
            kind: UnitKind::Police,
            country,
            time_zone: tz,
        },
        now,
    )
    .await?;
    let mut cities = Vec::new();
    for c in 1..=args.cities.max(1) {
        let city = units::insert(
            &mut tx,
            &NewUnit {
                parent: Some(&province),
                code: UnitCode::parse(&format!("33{c:02}00"))?,
                name: UnitName::parse(&format!("City {c:02} Traffic Police Detachment"))?,
                level: Level::City,
                kind: UnitKind::Police,
                country,
                time_zone: tz,
            },
            now,
        )
        .await?;
        cities.push(city);
    }
    let mut counties = Vec::new();
    for k in 0..args.counties.max(1) {
        let city = &cities[(k as usize) % cities.len()];
        let nth = k / u32::try_from(cities.len())? + 1;
        let county = units::insert(
            &mut tx,
            &NewUnit {
                parent: Some(city),
                code: UnitCode::parse(&format!("{}-{nth:03}", city.code))?,
                name: UnitName::parse(&format!("County {k:03} Traffic Police Brigade"))?,
                level: Level::County,
                kind: UnitKind::Police,
                country,
                time_zone: tz,
            },
            now,
        )
        .await?;
        counties.push(county);
    }
    let mut squads = Vec::new();
    for s in 0..args.squads.max(1) {
        let county = &counties[(s as usize) % counties.len()];
        let nth = s / u32::try_from(counties.len())? + 1;
        let squad = units::insert(
            &mut tx,
            &NewUnit {
                parent: Some(county),
                code: UnitCode::parse(&format!("{}-{nth:02}", county.code))?,
                name: UnitName::parse(&format!("Squad {s:04}"))?,
                level: Level::Squad,
                kind: UnitKind::Police,
                country,
                time_zone: tz,
            },
            now,
        )
        .await?;
        squads.push(squad);
    }
    tx.commit().await?;
    let units = 1 + cities.len() + counties.len() + squads.len();
    println!(
        "seeded {units} units in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(Tree {
        province,
        counties,
        squads,
        units,
    })
}

/// A deterministic spread of 0..100 for device `i` (and a salt), so neighbouring devices
/// differ.
pub(crate) fn spread(i: u32, salt: u32) -> u32 {
    (i.wrapping_mul(2_654_435_761)
        .wrapping_add(salt.wrapping_mul(40_503))
        >> 7)
        % 100
}

/// Kinds in roughly the proportions of a traffic police registry.
pub(crate) fn kind_of(i: u32) -> DeviceKind {
    match spread(i, 1) {
        0..=39 => DeviceKind::FixedEnforcement,
        40..=49 => DeviceKind::Speed,
        50..=59 => DeviceKind::PlateRecognition,
        60..=69 => DeviceKind::Surveillance,
        70..=77 => DeviceKind::MobileEnforcement,
        78..=84 => DeviceKind::EbikeCapture,
        85..=89 => DeviceKind::TrafficCounting,
        90..=94 => DeviceKind::BodyWornRecorder,
        _ => DeviceKind::SupportTerminal,
    }
}

/// Mostly in formal use, as in a registry five years old.
pub(crate) fn state_of(i: u32) -> DeviceState {
    match spread(i, 2) {
        0..=77 => DeviceState::InUse,
        78..=81 => DeviceState::Trial,
        82..=84 => DeviceState::EvaluationDue,
        85..=87 => DeviceState::Suspended,
        88..=90 => DeviceState::Stopped,
        91..=94 => DeviceState::Retired,
        95 => DeviceState::Draft,
        96 => DeviceState::UnderReview,
        97 => DeviceState::PublicNotice,
        98 => DeviceState::CircuitBroken,
        _ => DeviceState::Returned,
    }
}

pub(crate) const MAINTAINERS: [&str; 5] = [
    "Zhejiang Uniview Maintenance Co.",
    "Hangzhou Hikvision Service Co.",
    "Dahua Field Services",
    "Huzhou Traffic Engineering Co.",
    "Provincial Police IT Centre",
];
pub(crate) const ROADS: [(&str, RoadClass); 6] = [
    ("G60 Shanghai-Kunming Expressway", RoadClass::Expressway),
    ("G104 National Road", RoadClass::National),
    ("S13 Provincial Road", RoadClass::Provincial),
    ("X201 County Road", RoadClass::County),
    ("Y005 Township Road", RoadClass::Township),
    ("Renmin Road", RoadClass::Urban),
];

/// The descriptive fields of device `i`, valid for its kind (DEV-01, DEV-09, DEV-10).
pub(crate) fn fields_of(i: u32, kind: DeviceKind) -> DeviceFields {
    let (road, class) = ROADS[(i as usize) % ROADS.len()];
    let site = kind.has_site();
    let lon = 119.5 + f64::from(spread(i, 3)) / 100.0 + f64::from(i % 97) / 10_000.0;
    let lat = 30.5 + f64::from(spread(i, 4)) * 0.007 + f64::from(i % 89) / 10_000.0;
    DeviceFields {
        name: format!("{} {i:06}", kind.as_str().replace('_', " ")),
        maintainer: MAINTAINERS[(i as usize) % MAINTAINERS.len()].to_owned(),
        leader: "Chen Jing".into(),
        department: "Technology Section".into(),
        violation_types: if kind.enforces() {
            vec!["1625".into(), "1208".into()]
        } else {
            Vec::new()
        },
        make: "Hikvision".into(),
        model: "DS-TCG227".into(),
        serial: format!("SN{i:08}"),
        mac: format!(
            "00:1A:2B:{:02X}:{:02X}:{:02X}",
            i >> 16 & 0xff,
            i >> 8 & 0xff,
            i & 0xff
        ),
        channel: "1".into(),
        road: if site { road.into() } else { String::new() },
        road_class: site.then_some(class),
        km_marker: if site && class != RoadClass::Urban {
            format!("K{}+{:03}", i % 300, (i * 37) % 1000)
        } else {
            String::new()
        },
        place: if site {
            format!("Crossing {}", i % 500)
        } else {
            String::new()
        },
        nearest_village: if site {
            format!("Village {}", i % 700)
        } else {
            String::new()
        },
        direction: if site {
            ["eastbound", "westbound", "northbound", "southbound"][(i % 4) as usize].into()
        } else {
            String::new()
        },
        longitude: site.then_some(lon),
        latitude: site.then_some(lat),
        measuring: kind.measures_by_default(),
    }
}

/// DEV-08: division code, kind code, a serial unique in the run.
pub(crate) fn number_of(i: u32, kind: DeviceKind) -> String {
    format!("330522{}{i:06}", kind.code())
}

pub(crate) struct SeededDevices {
    pub(crate) devices: u64,
    pub(crate) events: u64,
    pub(crate) patrols: u64,
    pub(crate) faults: u64,
    pub(crate) seconds: f64,
    pub(crate) units: usize,
}

pub(crate) const EVENT_STEPS: [(&str, Option<DeviceState>, Option<DeviceState>); 10] = [
    ("create", None, Some(DeviceState::Draft)),
    (
        "assessment_filed",
        Some(DeviceState::Draft),
        Some(DeviceState::UnderReview),
    ),
    (
        "review_passed",
        Some(DeviceState::UnderReview),
        Some(DeviceState::PublicNotice),
    ),
    (
        "notice_ended",
        Some(DeviceState::PublicNotice),
        Some(DeviceState::Trial),
    ),
    (
        "formal_use",
        Some(DeviceState::Trial),
        Some(DeviceState::InUse),
    ),
    ("registration", None, None),
    ("update", None, None),
    (
        "evaluation",
        Some(DeviceState::InUse),
        Some(DeviceState::InUse),
    ),
    ("calibration", None, None),
    ("operation", None, None),
];

/// The devices and their history over `--years`, one transaction per `--batch` devices.
pub(crate) async fn seed_devices(
    store: &Store,
    tree: &Tree,
    args: &Args,
    now: DateTime<Utc>,
) -> anyhow::Result<SeededDevices> {
    let started = Instant::now();
    let history_days = i64::from(args.years.max(1)) * 365;
    let first = now - chrono::Duration::days(history_days);
    let mut counts = SeededDevices {
        devices: 0,
        events: 0,
        patrols: 0,
        faults: 0,
        seconds: 0.0,
        units: tree.units,
    };
    let mut tx = store.begin().await?;
    for i in 0..args.devices {
        let squad = &tree.squads[(i as usize) % tree.squads.len()];
        let kind = kind_of(i);
        let state = state_of(i);
        // Installed any day over the years, leaving at least 60 days before now.
        let installed =
            first + chrono::Duration::days(i64::from(i.wrapping_mul(7_919)) % (history_days - 60));
        let in_use_since = installed + chrono::Duration::days(45);
        let formal = matches!(
            state,
            DeviceState::InUse
                | DeviceState::EvaluationDue
                | DeviceState::Suspended
                | DeviceState::Stopped
                | DeviceState::Retired
                | DeviceState::CircuitBroken
        );
        let new = NewDevice {
            number: number_of(i, kind),
            kind,
            unit_id: squad.id,
            unit_path: squad.path.clone(),
            fields: fields_of(i, kind),
            state,
            state_since: if formal { in_use_since } else { installed },
            in_use_since: formal.then_some(in_use_since),
            evaluation_due_at: formal.then(|| in_use_since + chrono::Duration::days(365)),
            trial_min_end_at: None,
            notice_ends_at: None,
            registered_at: (formal && kind.is_fixed()).then_some(in_use_since),
            platform_ref: if formal && kind.is_fixed() {
                format!("ZJ-REG-{i:06}")
            } else {
                String::new()
            },
            last_valid_capture_at: (state == DeviceState::InUse)
                .then(|| now - chrono::Duration::hours(i64::from(i % 72))),
            installed_at: installed,
            resume_to: (state == DeviceState::Suspended).then_some(DeviceState::InUse),
            suspension_reason: (state == DeviceState::Suspended)
                .then_some(SuspensionReason::ImageBelowStandard),
        };
        let id = devices::insert(&mut tx, &new, installed).await?;
        counts.devices += 1;
        let span = (now - installed).num_seconds().max(1);
        let at = |k: u32, of: u32, shift: f64| {
            let frac = (f64::from(k) + shift) / f64::from(of.max(1));
            installed + chrono::Duration::seconds((span as f64 * frac) as i64)
        };
        for k in 0..args.events {
            let (action, from, to) = EVENT_STEPS[(k as usize) % EVENT_STEPS.len()];
            device_records::add_event(
                &mut tx,
                &NewEvent {
                    device_id: id,
                    action,
                    from_state: from,
                    to_state: to,
                    actor_user_id: None,
                    actor: "bench",
                    actor_unit_id: Some(squad.id),
                    reason: "",
                    detail: serde_json::json!({ "step": k }),
                },
                at(k, args.events, 0.0),
            )
            .await?;
            counts.events += 1;
        }
        for k in 0..args.patrols {
            let conforming = spread(i, 10 + k) >= 8;
            let when = at(k, args.patrols, 0.5);
            device_records::add_patrol(
                &mut tx,
                id,
                when,
                "Officer Wang",
                conforming,
                if conforming {
                    ObservedStatus::Normal
                } else {
                    ObservedStatus::Degraded
                },
                if conforming { "" } else { "lens dirty" },
                None,
                when,
            )
            .await?;
            counts.patrols += 1;
        }
        for k in 0..args.faults {
            device_records::add_fault(
                &mut tx,
                id,
                at(k, args.faults, 0.3),
                "no captures uploaded for 24 hours",
                None,
            )
            .await?;
            counts.faults += 1;
        }
        if (i + 1) % args.batch.max(1) == 0 {
            tx.commit().await?;
            tx = store.begin().await?;
            if (i + 1) % (args.batch.max(1) * 5) == 0 {
                println!(
                    "  {} devices in {:.1} s",
                    i + 1,
                    started.elapsed().as_secs_f64()
                );
            }
        }
    }
    tx.commit().await?;
    counts.seconds = started.elapsed().as_secs_f64();
    println!(
        "seeded {} devices, {} events, {} patrols, {} faults in {:.1} s",
        counts.devices, counts.events, counts.patrols, counts.faults, counts.seconds
    );
    Ok(counts)
}

/// A `device_manager` at the first county and one at the province. Returns their usernames.
pub(crate) async fn seed_users(
    store: &Store,
    tree: &Tree,
    now: DateTime<Utc>,
) -> anyhow::Result<(String, String)> {
    let hash = roadwarden_server::auth::password::hash(PASSWORD.to_owned())
        .await
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    let mut tx = store.begin().await?;
    let mut names = Vec::new();
    for (n, unit, username) in [
        (900_001, &tree.counties[0], "bench.county"),
        (900_002, &tree.province, "bench.province"),
    ] {
        let id = users::insert(
            &mut tx,
            &NewUser {
                unit_id: unit.id,
                username: username.to_owned(),
                full_name: "Bench Device Manager".into(),
                id_number: cn_id_number(n),
                phone: None,
                person_kind: PersonKind::PoliceOfficer,
                badge_number: Some(format!("DM{n}")),
                status: AccountStatus::Active,
                password_hash: hash.clone(),
                must_change_password: false,
                language: "en".into(),
            },
            now,
        )
        .await?;
        users::grant_role(&mut tx, id, Role::DeviceManager, None, now).await?;
        users::set_status(&mut tx, id, AccountStatus::Active, now).await?;
        names.push(username.to_owned());
    }
    tx.commit().await?;
    Ok((names[0].clone(), names[1].clone()))
}
