//! DEV-01..15, SUP-04..06, ORG-03 through the API: every rule holds here, not only in the UI.
//! One file per service module of `services/devices/`; the world and the helpers are here.

mod credentials;
mod deadlines;
mod inbox;
mod ledger;
mod lifecycle;
mod pages;
mod reads;
mod registry;
mod supervision;
mod supervision_pages;
mod upkeep;

use chrono::{Duration, TimeZone, Utc};
use roadwarden_server::jobs::worker::run_one;
use roadwarden_server::jobs::{enqueue, Job};
use roadwarden_testkit::{unit, Org, TestApp};
use serde_json::{json, Value};

/// The shared world plus the people of the device lifecycle.
struct World {
    base: roadwarden_testkit::World,
    manager: String,
    tech: String,
    legal: String,
    opinion: String,
    /// A police reviewer holding all three review roles at the county.
    county_reviewer: String,
    city_supervisor: String,
    county_supervisor: String,
    sibling: String,
}

impl std::ops::Deref for World {
    type Target = roadwarden_testkit::World;
    fn deref(&self) -> &roadwarden_testkit::World {
        &self.base
    }
}

async fn world() -> World {
    // Monday 2 March 2026, 10:00 in Shanghai. The shared world keeps tokens and passwords
    // valid while the clock moves months ahead.
    let base =
        roadwarden_testkit::World::at(Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap(), |_| {})
            .await;
    let (s, o) = (&base.app.state, &base.o);
    let kj = unit(
        s,
        Some(&o.county),
        "330522-KJ",
        "county",
        "technology_department",
    )
    .await;
    let fz = unit(
        s,
        Some(&o.county),
        "330522-FZ",
        "county",
        "legal_department",
    )
    .await;
    let yq = unit(
        s,
        Some(&o.county),
        "330522-YQ",
        "county",
        "public_opinion_centre",
    )
    .await;
    World {
        manager: base
            .person(&o.squad, "sq.device", 11, &["device_manager"])
            .await,
        tech: base.person(&kj, "kj.tech", 12, &["tech_reviewer"]).await,
        legal: base.person(&fz, "fz.legal", 13, &["legal_reviewer"]).await,
        opinion: base
            .person(&yq, "yq.opinion", 14, &["opinion_reviewer"])
            .await,
        county_reviewer: base
            .person(
                &o.county,
                "cx.reviewers",
                15,
                &["tech_reviewer", "legal_reviewer", "opinion_reviewer"],
            )
            .await,
        city_supervisor: base
            .person(&o.city, "hz.supervisor", 16, &["supervisor"])
            .await,
        county_supervisor: base
            .person(
                &o.county,
                "cx.supervisor",
                17,
                &["supervisor", "device_manager"],
            )
            .await,
        sibling: base
            .person(&o.sibling_county, "wx.device", 18, &["device_manager"])
            .await,
        base,
    }
}

/// The device endpoints as one person calls them: the request shapes the tests repeat.
struct DevicesClient<'a> {
    app: &'a TestApp,
    token: &'a str,
}

impl DevicesClient<'_> {
    /// Proposes a device: its id (the proposal is a draft).
    async fn create(&self, body: &Value) -> i64 {
        let (status, d) = self.app.post("/api/v1/devices", self.token, body).await;
        assert_eq!(status, 201, "{d}");
        assert_eq!(d["state"], "draft");
        d["id"].as_i64().unwrap()
    }

    /// The device with its records.
    async fn show(&self, id: i64) -> Value {
        let (status, d) = self
            .app
            .get(&format!("/api/v1/devices/{id}"), self.token)
            .await;
        assert_eq!(status, 200, "{d}");
        d
    }

    /// A POST to one of the device's own endpoints (`reviews`, `actions`, `patrols`…).
    async fn post(&self, id: i64, what: &str, body: &Value) -> (u16, Value) {
        self.app
            .post(&format!("/api/v1/devices/{id}/{what}"), self.token, body)
            .await
    }
}

fn camera(o: &Org, number: &str) -> Value {
    json!({
        "number": number, "kind": "fixed_enforcement", "unit_id": o.squad.id.0,
        "name": "明珠路与长兴大道路口 闯红灯", "maintainer": "长兴智慧交通科技有限公司",
        "leader": "吴磊", "department": "雉城中队秩序组", "violation_types": ["1625", "1208"],
        "road": "长兴大道", "road_class": "urban", "place": "明珠路口", "direction": "由东向西",
        "longitude": 119.9103, "latitude": 31.0135, "make": "海康威视", "model": "iDS-TCV900",
        "serial": "J12345678", "mac": "00-1a-2b-3c-4d-5e", "channel": "1"
    })
}

fn assessment() -> Value {
    json!({ "necessity": "日均流量 3.2 万辆，近一年该路口事故 14 起，闯红灯多发", "conditions": "信号灯、标志标线齐全，夜间补光良好", "facilities_ok": true, "goal": "减少闯红灯，预防路口事故" })
}

impl World {
    /// The device endpoints as `token` calls them.
    fn devices<'a>(&'a self, token: &'a str) -> DevicesClient<'a> {
        DevicesClient {
            app: &self.app,
            token,
        }
    }

    async fn create(&self, body: &Value) -> i64 {
        self.devices(&self.manager).create(body).await
    }

    async fn state(&self, id: i64) -> Value {
        self.devices(&self.manager).show(id).await
    }

    async fn review_all(&self, id: i64) -> Value {
        let mut last = Value::Null;
        for (token, dept) in [
            (&self.tech, "technology"),
            (&self.legal, "legal"),
            (&self.opinion, "public_opinion"),
        ] {
            let (status, d) = self
                .devices(token)
                .post(
                    id,
                    "reviews",
                    &json!({ "department": dept, "decision": "approve" }),
                )
                .await;
            assert_eq!(status, 200, "{dept}: {d}");
            last = d;
        }
        last
    }

    async fn act(&self, token: &str, id: i64, body: Value) -> (u16, Value) {
        self.devices(token).post(id, "actions", &body).await
    }

    async fn run_jobs(&self, job: Job) {
        enqueue(&self.app.state, &job, None, self.clock.now())
            .await
            .unwrap();
        while run_one(&self.app.state).await.unwrap().is_some() {}
    }

    /// Proposal → review → notice → trial → registered → in use.
    async fn in_use(&self, number: &str) -> i64 {
        let id = self.create(&camera(&self.o, number)).await;
        self.app
            .post(
                &format!("/api/v1/devices/{id}/assessments"),
                &self.manager,
                &assessment(),
            )
            .await;
        self.review_all(id).await;
        self.clock.advance(Duration::days(6));
        self.run_jobs(Job::DeviceDeadlines).await;
        self.app
            .post(
                &format!("/api/v1/devices/{id}/registration"),
                &self.manager,
                &json!({ "platform_ref": format!("JZ-{number}") }),
            )
            .await;
        self.clock.advance(Duration::days(16));
        let (status, d) = self
            .act(&self.manager, id, json!({ "action": "start_formal_use" }))
            .await;
        assert_eq!(status, 200, "{d}");
        id
    }
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
