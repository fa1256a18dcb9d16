//! Demo body-worn recorder evidence (BWC-01..14) for Changxing county (and an evening's
//! patrol in Đông Hà, Quảng Trị, through the same paths: `quang_tri`): recorders with their
//! ledger, a few days of footage handed in and stored write-once, duties with missing footage
//! and a gap, a work record waiting for the head, retention reasons, and access requests.
//!
//! Everything goes through the services (the same rules and audit entries as the pages), on a
//! second handle to the database whose clock is walked through the last four days, so
//! hand-ins, damage reports and storage happen when the story says they did. Footage bytes
//! are synthetic: MP4 files with a real `ftyp` box and noise after it (they sniff as video
//! but do not play), and one real, playable WAV sound recording of a few megabytes, so the
//! player has something to seek.
//!
//! The story is told in steps, one function each: the ledger (`recorders`), each day of the
//! last four (`days`), then the head's retention reasons and the access requests
//! (`requests`). `footage` makes the files and hands them in.

mod days;
mod footage;
mod quang_tri;
mod recorders;
mod requests;

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use roadwarden_server::auth::Principal;
use roadwarden_server::context::RequestMeta;
use roadwarden_server::services::evidence::upload;
use roadwarden_server::{open_state, AppState, Clock, Settings};

use crate::seed::principal;

const TZ: Tz = chrono_tz::Asia::Shanghai;

/// A local time `days` days before today, in Changxing.
fn local(today: NaiveDate, days: i64, hh: u32, mm: u32) -> DateTime<Utc> {
    let day = today - Duration::days(days);
    let t = day.and_time(NaiveTime::from_hms_opt(hh, mm, 0).unwrap_or_default());
    TZ.from_local_datetime(&t)
        .earliest()
        .map_or_else(|| Utc.from_utc_datetime(&t), |t| t.with_timezone(&Utc))
}

/// Moves the demo clock forward to `t` (never back: the story is told in order).
fn at(clock: &Clock, t: DateTime<Utc>) {
    let by = t - clock.now();
    if by > Duration::zero() {
        clock.advance(by);
    }
}

pub async fn seed(settings: &Settings) -> anyhow::Result<()> {
    // The demo's convention: the seeded world ends at the real time it is made.
    let now = Clock::System.now();
    let today = now.with_timezone(&TZ).date_naive();
    let clock = Clock::manual(local(today, 5, 7, 0));
    let mut quiet = settings.clone();
    quiet.jobs.enabled = false;
    let state = open_state(quiet, clock.clone()).await?;
    let result = story(&state, now, today).await;
    // Re-read every stored file (BWC-07), as the intake does, before the server starts.
    at(&clock, now - Duration::minutes(1));
    upload::verify_pending(&state).await?;
    state.store.close().await;
    result
}

/// The last four days of Changxing's recorders, then this morning's requests.
async fn story(state: &AppState, now: DateTime<Utc>, today: NaiveDate) -> anyhow::Result<()> {
    let people = People::load(state).await?;
    let mut scene = Scene {
        state,
        meta: RequestMeta::default(),
        now,
        today,
        recorders: HashMap::new(),
        people,
        seed: 1,
    };
    recorders::register_five(&mut scene).await?;
    days::four_days_ago(&scene).await?;
    let three = days::three_days_ago(&mut scene).await?;
    let late = days::two_days_ago(&mut scene).await?;
    let viewed = days::yesterday(&mut scene, late).await?;
    quang_tri::yesterday_in_dong_ha(&mut scene).await?;
    days::this_morning(&scene).await?;
    requests::retention_reasons(&scene, &three).await?;
    requests::access_requests(&scene, &three, viewed).await
}

/// The demo's people in the evidence story (made by `org::seed`).
struct People {
    /// The county's recorder administrator: the ledger, the hand-ins, the export.
    admin: Principal,
    /// The county's head: retention reasons, one of the restricted copy's approvals.
    head: Principal,
    /// BWC-08: requests are decided by the head of the footage's own unit: 雉城中队's footage
    /// by its head, the brigade's by the brigade head.
    squad_head: Principal,
    /// The county reviewer who asks to see and copy footage.
    reviewer: Principal,
    /// 郑强, 雉城中队.
    zheng: Principal,
    /// 孙浩, 大队.
    sun: Principal,
    /// Đông Hà's recorder administrator.
    qt_recorder: Principal,
    /// Hoàng Văn Đức, Đông Hà's traffic police squad.
    qt_officer: Principal,
}

impl People {
    async fn load(state: &AppState) -> anyhow::Result<People> {
        Ok(People {
            admin: principal(state, "cx.recadmin").await?,
            head: principal(state, "cx.head").await?,
            squad_head: principal(state, "zc.head").await?,
            reviewer: principal(state, "cx.reviewer").await?,
            zheng: principal(state, "zc.collector").await?,
            sun: principal(state, "cx.ebike").await?,
            qt_recorder: principal(state, "dh.recorder").await?,
            qt_officer: principal(state, "dh.collector").await?,
        })
    }
}

/// Where the story stands: the database, its clock and people, and what is made so far.
struct Scene<'a> {
    state: &'a AppState,
    meta: RequestMeta,
    /// The real time the demo is made: the story ends here.
    now: DateTime<Utc>,
    today: NaiveDate,
    people: People,
    /// Recorder number → id, once registered.
    recorders: HashMap<&'static str, i64>,
    /// The last synthetic file's seed, so each file has its own bytes.
    seed: u32,
}

impl Scene<'_> {
    /// `hh:mm` local time, `days` days ago.
    fn ago(&self, days: i64, hh: u32, mm: u32) -> DateTime<Utc> {
        local(self.today, days, hh, mm)
    }

    /// Moves the story's clock forward to `t`.
    fn at(&self, t: DateTime<Utc>) {
        at(&self.state.clock, t);
    }

    /// The id of recorder `number`.
    fn recorder(&self, number: &str) -> i64 {
        self.recorders.get(number).copied().unwrap_or_default()
    }
}

/// The footage the later steps come back to, by what happens to it.
struct Kept {
    /// 郑强's roadside check: under a litigation hold (BWC-06).
    hold: i64,
    /// The accident checkpoint: copied for the procuratorate (BWC-10).
    copied: i64,
    /// The on-the-spot penalty the party objected to: kept long-term (BWC-06).
    objected: i64,
    /// The petition reception, restricted for privacy (BWC-09).
    restricted: i64,
}
