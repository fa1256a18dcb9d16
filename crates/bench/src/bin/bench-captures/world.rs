//! The world every part shares: the application state and server, a unit tree, bench
//! accounts with tokens, devices imported through the ledger and their push credentials.

use anyhow::Context;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use roadwarden_bench::cn_id_number;
use roadwarden_domain::account::{AccountStatus, PersonKind};
use roadwarden_domain::org::{Country, Level, UnitCode, UnitKind, UnitName};
use roadwarden_domain::roles::Role;
use roadwarden_domain::UserId;
use roadwarden_server::auth::token;
use roadwarden_server::config::Secret;
use roadwarden_server::{open_state, serve, AppState, Clock, Running, Settings};
use roadwarden_store::sessions::{self, NewSession, SessionKind};
use roadwarden_store::units::{self, NewUnit, Unit};
use roadwarden_store::users::{self, NewUser};
use roadwarden_store::Store;

use crate::raw::Raw;

/// Opens the application state with background jobs off (they would compete for the writer),
/// then lets the part adjust its settings.
pub(crate) async fn start_state(
    url: &str,
    data: &Path,
    adjust: impl FnOnce(&mut Settings),
) -> anyhow::Result<AppState> {
    let mut settings = Settings {
        data_dir: data.to_path_buf(),
        ..Settings::default()
    };
    settings.database.url = Secret::new(url.to_owned());
    settings.jobs.enabled = false;
    adjust(&mut settings);
    open_state(settings, Clock::System).await
}

/// What a part starts from: a data directory, the state on a fresh database, a raw connection
/// for bulk seeding, the state's clock reading and the unit tree.
pub(crate) struct PartWorld {
    /// Kept for the part's length: dropping it removes the data directory.
    pub(crate) data: tempfile::TempDir,
    pub(crate) state: AppState,
    pub(crate) raw: Raw,
    pub(crate) now: DateTime<Utc>,
    pub(crate) tree: Tree,
}

/// Prints the part's heading and opens its world with `counties` counties (jobs off).
pub(crate) async fn open_part(
    title: &str,
    url: &str,
    backend: &str,
    counties: u32,
) -> anyhow::Result<PartWorld> {
    println!(
        "\n== bench-captures ({title}) on {backend} ({}) ==",
        roadwarden_store::redact_url(url)
    );
    let data = tempfile::Builder::new()
        .prefix("rw-bench-data-")
        .tempdir()?;
    let state = start_state(url, data.path(), |_| {}).await?;
    let raw = Raw::open(url).await?;
    let now = state.clock.now();
    let tree = seed_tree(&state.store, counties, now).await?;
    Ok(PartWorld {
        data,
        state,
        raw,
        now,
        tree,
    })
}

pub(crate) async fn start_server(state: &AppState) -> anyhow::Result<(Running, String)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let running = serve(listener, state.clone()).await?;
    let base = format!("http://{}", running.addr);
    println!("server on {base}");
    Ok((running, base))
}

pub(crate) struct Tree {
    pub(crate) city: Unit,
    pub(crate) counties: Vec<Unit>,
    /// Two squads per county, county by county.
    pub(crate) squads: Vec<Unit>,
}

/// A province, one city, `counties` counties and two squads in each, all police units in
/// China. County codes are 330521, 330522, …, as device numbers start with them.
pub(crate) async fn seed_tree(
    store: &Store,
    counties: u32,
    now: DateTime<Utc>,
) -> anyhow::Result<Tree> {
    anyhow::ensure!((1..=70).contains(&counties), "1 to 70 counties");
    let mut tx = store.begin().await?;
    let province = insert_unit(
        &mut tx,
        None,
        "330000",
        "Provincial Traffic Police Corps",
        Level::Province,
        now,
    )
    .await?;
    let city = insert_unit(
        &mut tx,
        Some(&province),
        "330500",
        "Huzhou Traffic Police Detachment",
        Level::City,
        now,
    )
    .await?;
    let mut county_units = Vec::new();
    let mut squads = Vec::new();
    for k in 0..counties {
        let code = format!("3305{:02}", 21 + k);
        let county = insert_unit(
            &mut tx,
            Some(&city),
            &code,
            &format!("County {code} Traffic Police Brigade"),
            Level::County,
            now,
        )
        .await?;
        for s in 1..=2 {
            let squad = insert_unit(
                &mut tx,
                Some(&county),
                &format!("{code}-{s:02}"),
                &format!("County {code} Squad {s}"),
                Level::Squad,
                now,
            )
            .await?;
            squads.push(squad);
        }
        county_units.push(county);
    }
    tx.commit().await?;
    Ok(Tree {
        city,
        counties: county_units,
        squads,
    })
}

async fn insert_unit(
    tx: &mut roadwarden_store::Tx,
    parent: Option<&Unit>,
    code: &str,
    name: &str,
    level: Level,
    now: DateTime<Utc>,
) -> anyhow::Result<Unit> {
    let country = Country::China;
    Ok(units::insert(
        tx,
        &NewUnit {
            parent,
            code: UnitCode::parse(code)?,
            name: UnitName::parse(name)?,
            level,
            kind: UnitKind::Police,
            country,
            time_zone: country.default_time_zone(),
        },
        now,
    )
    .await?)
}

/// Makes bench accounts, each with an API bearer token. Every account shares one Argon2id
/// hash (nobody signs in with a password) and gets the next identity number.
pub(crate) struct Accounts {
    pub(crate) store: Store,
    pub(crate) hash: String,
    pub(crate) now: DateTime<Utc>,
    pub(crate) next_n: u32,
}

impl Accounts {
    pub(crate) async fn new(store: &Store, now: DateTime<Utc>) -> anyhow::Result<Self> {
        let hash = roadwarden_server::auth::password::hash("Bench-Passw0rd!".to_owned())
            .await
            .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
        Ok(Self {
            store: store.clone(),
            hash,
            now,
            next_n: 100_000,
        })
    }

    /// `count` active police accounts at `unit` holding `role`; returns their tokens.
    ///
    /// The tokens are written the way sign-in writes them (`sessions::create` with the SHA-256
    /// of the token) instead of signing in over the API, which would cost one Argon2id
    /// verification (tens of ms of CPU) per account: part 2 needs thousands of reviewers.
    pub(crate) async fn make(
        &mut self,
        unit: &Unit,
        role: Role,
        prefix: &str,
        count: usize,
    ) -> anyhow::Result<Vec<Arc<str>>> {
        let now = self.now;
        let mut tokens = Vec::with_capacity(count);
        let mut tx = self.store.begin().await?;
        for i in 0..count {
            let n = self.next_n;
            self.next_n += 1;
            let id: UserId = users::insert(
                &mut tx,
                &NewUser {
                    unit_id: unit.id,
                    username: format!("{prefix}.{i:05}"),
                    full_name: format!("Bench {prefix} {i}"),
                    id_number: cn_id_number(n),
                    phone: None,
                    person_kind: PersonKind::PoliceOfficer,
                    badge_number: Some(format!("B{n:07}")),
                    status: AccountStatus::Active,
                    password_hash: self.hash.clone(),
                    must_change_password: false,
                    language: "en".into(),
                },
                now,
            )
            .await?;
            users::grant_role(&mut tx, id, role, None, now).await?;
            let raw = token::generate("rwt_");
            sessions::create(
                &mut tx,
                &NewSession {
                    token_hash: &token::digest(&raw),
                    user_id: id,
                    kind: SessionKind::Api,
                    label: "bench",
                    csrf_token: &token::generate(""),
                    expires_at: now + chrono::Duration::days(30),
                    ip: "127.0.0.1",
                },
                now,
            )
            .await?;
            tokens.push(Arc::from(raw));
        }
        tx.commit().await?;
        Ok(tokens)
    }
}

/// `per_squad` red-light cameras in service at each of `squads`, imported through the ledger
/// importer as an operator would, with the demo's seeder (the same rows as the API tests' `RED_LIGHT`). Returns their
/// ids.
pub(crate) async fn import_devices(
    state: &AppState,
    raw: &Raw,
    squads: &[&Unit],
    per_squad: usize,
) -> anyhow::Result<Vec<i64>> {
    let mut csv = String::from(
        "number,kind,unit_code,name,maintainer,leader,department,violation_types,road,road_class,\
         place,longitude,latitude,state,in_use_since,evaluated_on,registered_on,notice_started,\
         trial_started\n",
    );
    let mut serial = 0u32;
    for squad in squads {
        // Device numbers start with the county's 6-digit division code (DEV-08).
        let division = &squad.code[..6];
        for _ in 0..per_squad {
            serial += 1;
            csv.push_str(&format!(
                "{division}01{serial:04},fixed_enforcement,{},Mingzhu crossing camera {serial},\
                 Changxing Smart Traffic,Wu Lei,Order Section,1625;1208,Changxing Avenue,urban,\
                 Mingzhu Road crossing,119.9103,31.0135,in_use,2024-05-01,2024-08-01,2024-04-20,\
                 2024-03-20,2024-04-01\n",
                squad.code
            ));
        }
    }
    roadwarden_demo::seed::import_ledger(state, "ledger.csv", &csv).await?;
    let ids = raw
        .ids("SELECT id FROM devices WHERE state = 'in_use' ORDER BY id")
        .await?;
    anyhow::ensure!(
        ids.len() == squads.len() * per_squad,
        "{} of {} devices are in use after the import",
        ids.len(),
        squads.len() * per_squad
    );
    Ok(ids)
}

/// A device's push credential.
#[derive(Clone)]
pub(crate) struct DeviceCred {
    pub(crate) key_id: String,
    pub(crate) secret: String,
}

/// Issues a push credential for each device through `POST /api/v1/devices/{id}/credentials`
/// as a device manager.
pub(crate) async fn issue_credentials(
    client: &reqwest::Client,
    base: &str,
    manager_token: &str,
    devices: &[i64],
) -> anyhow::Result<Vec<DeviceCred>> {
    let mut creds = Vec::with_capacity(devices.len());
    for id in devices {
        let resp = client
            .post(format!("{base}/api/v1/devices/{id}/credentials"))
            .bearer_auth(manager_token)
            .json(&serde_json::json!({}))
            .send()
            .await?;
        let status = resp.status();
        let body: serde_json::Value = resp.json().await?;
        anyhow::ensure!(
            status.as_u16() == 201,
            "credential for device {id}: {status} {body}"
        );
        creds.push(DeviceCred {
            key_id: body["key_id"].as_str().context("key_id")?.to_owned(),
            secret: body["secret"].as_str().context("secret")?.to_owned(),
        });
    }
    Ok(creds)
}
