//! Test-only helpers: spawn the real application on port 0 over a fresh SQLite file, or a
//! fresh PostgreSQL database when `ROADWARDEN_TEST_DATABASE_URL` names a server (the database
//! is created for the test and dropped after it).

mod world;
pub use world::World;

/// The demo's seeder, for tests that build the whole demo organisation.
pub use roadwarden_demo as demo;

use std::net::SocketAddr;

use roadwarden_server::services::accounts::{AgreementInput, CreateUserInput};
use roadwarden_server::services::units::CreateUnitInput;
use roadwarden_server::{open_state, serve, AppState, Clock, Running, Settings};
use roadwarden_store::units::Unit;
use serde_json::Value;

pub const TEST_DATABASE_ENV: &str = "ROADWARDEN_TEST_DATABASE_URL";

/// A database made for one test: a temporary SQLite file, or a PostgreSQL database that is
/// dropped when this value is dropped (even when the test panics).
pub struct TestDatabase {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub async fn create() -> anyhow::Result<Self> {
        match std::env::var(TEST_DATABASE_ENV)
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(server) => {
                let name = format!("rw_test_{}", uuid::Uuid::new_v4().simple());
                let admin = roadwarden_store::Store::connect(&server, &Default::default()).await?;
                admin.create_database_for_tests(&name).await?;
                admin.close().await;
                let url = replace_database(&server, &name);
                Ok(Self {
                    url,
                    _dir: None,
                    postgres: Some((server, name)),
                })
            }
            None => {
                let dir = tempfile::tempdir()?;
                let url = format!("sqlite://{}", dir.path().join("test.sqlite").display());
                Ok(Self {
                    url,
                    _dir: Some(dir),
                    postgres: None,
                })
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let mut u = url::Url::parse(url).expect("a valid PostgreSQL URL");
    u.set_path(&format!("/{name}"));
    u.to_string()
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((server, name)) = self.postgres.take() {
            // Drop runs outside any runtime we can borrow: use a small one on its own thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async {
                        if let Ok(admin) =
                            roadwarden_store::Store::connect(&server, &Default::default()).await
                        {
                            let _ = admin.drop_database_for_tests(&name).await;
                            admin.close().await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// The application running on a free port.
pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub state: AppState,
    pub client: reqwest::Client,
    running: Option<Running>,
    settings: Settings,
    clock: Clock,
    _db: TestDatabase,
    _data: tempfile::TempDir,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}, Clock::System).await
    }

    /// Spawns with adjusted settings and a chosen clock. Jobs do not run in the background;
    /// tests drain them with `roadwarden_server::jobs::worker::run_one`.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings), clock: Clock) -> Self {
        let db = TestDatabase::create().await.expect("test database");
        let data = tempfile::tempdir().expect("temp dir");
        let mut settings = Settings {
            data_dir: data.path().to_path_buf(),
            ..Settings::default()
        };
        settings.database.url = roadwarden_server::config::Secret::new(db.url.clone());
        settings.jobs.enabled = false;
        adjust(&mut settings);
        let state = open_state(settings.clone(), clock.clone())
            .await
            .expect("open state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let running = serve(listener, state.clone()).await.expect("serve");
        let addr = running.addr;
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            addr,
            base: format!("http://{addr}"),
            state,
            client,
            running: Some(running),
            settings,
            clock,
            _db: db,
            _data: data,
        }
    }

    /// Stops the server and starts a new process state on the same database and data folder,
    /// as after a crash: everything held in memory (upload sessions, caches) is gone.
    pub async fn restart(mut self) -> Self {
        if let Some(r) = self.running.take() {
            let _ = r.shutdown().await;
        }
        self.state.store.close().await;
        let state = open_state(self.settings.clone(), self.clock.clone())
            .await
            .expect("reopen state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let running = serve(listener, state.clone()).await.expect("serve");
        self.addr = running.addr;
        self.base = format!("http://{}", running.addr);
        self.state = state;
        self.running = Some(running);
        self
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the server gracefully.
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            let _ = r.shutdown().await;
        }
    }

    /// Signs in over the API and returns the bearer token.
    pub async fn token(&self, username: &str, password: &str) -> String {
        let resp = self
            .client
            .post(self.url("/api/v1/auth/token"))
            .json(&serde_json::json!({ "username": username, "password": password }))
            .send()
            .await
            .expect("request");
        assert_eq!(
            resp.status(),
            201,
            "sign-in of {username} failed: {}",
            resp.text().await.unwrap_or_default()
        );
        resp.json::<Value>().await.expect("json")["token"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        let resp = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// A page's HTML as `token`'s holder sees it (no token: as the public does).
    pub async fn page(&self, path: &str, token: Option<&str>) -> String {
        let mut req = self.client.get(self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send()
            .await
            .expect("request")
            .text()
            .await
            .expect("page text")
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let resp = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn delete(&self, path: &str, token: &str) -> (u16, Value) {
        let resp = self
            .client
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

/// A small organisation: a province with a city, two sibling counties, a squad under the
/// first county and a village; an operator at each of the province and the first county.
pub struct Org {
    pub province: Unit,
    pub city: Unit,
    pub county: Unit,
    pub sibling_county: Unit,
    pub squad: Unit,
    pub village: Unit,
    /// Province operator holding every role but collection (so it can grant them below).
    pub root_admin: (String, String),
    /// County operator holding only `admin`.
    pub county_admin: (String, String),
    /// A reviewer in the sibling county.
    pub sibling_reviewer: (String, String),
}

pub const PASSWORD: &str = "Test-Passw0rd!";

/// A valid Chinese resident identity number for person `n`.
pub fn cn_id(n: u32) -> String {
    let first17 = format!("330522198{}0{}15{:03}", n % 10, 1 + n % 9, n % 1000);
    let check = roadwarden_domain::account::cn_id_check_digit(&first17).expect("17 digits");
    format!("{first17}{check}")
}

pub async fn unit(
    state: &AppState,
    parent: Option<&Unit>,
    code: &str,
    level: &str,
    kind: &str,
) -> Unit {
    let input = CreateUnitInput {
        parent_id: parent.map(|p| p.id.0),
        code: code.into(),
        name: format!("Unit {code}"),
        level: level.into(),
        kind: kind.into(),
        country: Some("CN".into()),
        time_zone: None,
        contact_phone: None,
    };
    roadwarden_demo::seed::unit(state, &input)
        .await
        .expect("unit")
}

/// Creates an active account at `unit` with `roles` and the known test password, with the
/// demo's seeder (an administrator gets its agreement on file).
pub async fn account(
    state: &AppState,
    unit: &Unit,
    username: &str,
    n: u32,
    roles: &[&str],
) -> (String, String) {
    let input = CreateUserInput {
        unit_id: unit.id.0,
        username: username.into(),
        full_name: format!(
            "Officer {}",
            ["Li", "Wang", "Zhang", "Liu", "Chen"][n as usize % 5]
        ),
        id_number: cn_id(n),
        phone: None,
        person_kind: "police_officer".into(),
        badge_number: Some(format!("B{n:05}")),
        roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        password: Some(PASSWORD.into()),
        language: Some("en".into()),
    };
    let agreement = AgreementInput {
        kind: "confidentiality".into(),
        reference: format!("BM-{n}"),
        signed_on: "2026-01-01".into(),
    };
    roadwarden_demo::seed::account(state, &input, &agreement)
        .await
        .expect("account");
    (username.to_owned(), PASSWORD.to_owned())
}

pub async fn org(state: &AppState) -> Org {
    let province = unit(state, None, "330000", "province", "police").await;
    let city = unit(state, Some(&province), "330500", "city", "police").await;
    let county = unit(state, Some(&city), "330522", "county", "police").await;
    let sibling_county = unit(state, Some(&city), "330502", "county", "police").await;
    let squad = unit(state, Some(&county), "330522-01", "squad", "police").await;
    let village = unit(state, Some(&county), "330522-V1", "squad", "village").await;
    // Every role but collection: collection and review are separate posts (REV-02).
    let all_roles: Vec<&str> = roadwarden_domain::roles::Role::ALL
        .iter()
        .filter(|r| **r != roadwarden_domain::roles::Role::Collector)
        .map(|r| r.as_str())
        .collect();
    let root_admin = account(state, &province, "root.admin", 1, &all_roles).await;
    let county_admin = account(state, &county, "county.admin", 2, &["admin"]).await;
    let sibling_reviewer =
        account(state, &sibling_county, "sibling.reviewer", 3, &["reviewer"]).await;
    Org {
        province,
        city,
        county,
        sibling_county,
        squad,
        village,
        root_admin,
        county_admin,
        sibling_reviewer,
    }
}
