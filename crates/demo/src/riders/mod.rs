//! The e-bike programme's demo (RID-01..11): Changxing's face base library, sixty days of rider
//! events from the two e-bike capture points of 雉城中队, identities confirmed, merged and left
//! waiting, every tier, and the task loop in every state (one task overdue, one waiting for
//! 城东社区's grid worker `cd.grid`).
//!
//! The story is told in order on a manual clock that ends at the real time the demo is made.
//! Events go through the real intake (`intake::receive`). The seeding state turns the face
//! engine off in every build (`scripts/demo.sh` serves with dlib; plain `cargo run … demo`
//! without), so intake holds every seeded face ("engine.none") and every build seeds the same;
//! the engine works on the events that arrive once the demo serves.
//! The identity outcomes a model would have proposed (a likely library person, a cluster
//! filed as a provisional person) are therefore written with the store's own `set_match`, as
//! unconfirmed, and everything after that is an officer's or grid worker's act through the
//! services (confirm, confirm a file, merge, task steps), so the rules hold: a tier rises only
//! on confirmed events.
//!
//! Face photos: the registry packages' test portraits in `target/face-testdata` (or
//! `ROADWARDEN_FACE_TESTDATA`) when `scripts/face-models.sh` has run; otherwise a drawn grey
//! placeholder card marked "DEMO PLACEHOLDER" (not a face).

mod people;
mod screened;

use std::collections::HashMap;
use std::path::PathBuf;

use bytes::Bytes;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use roadwarden_domain::rider::{MatchState, TaskKind, TaskState};
use roadwarden_domain::{RiderEventId, RiderPersonId};
use roadwarden_server::auth::Principal;
use roadwarden_server::context::RequestMeta;
use roadwarden_server::services::captures::ingest::{self, DeviceCredential};
use roadwarden_server::services::devices::credentials;
use roadwarden_server::services::riders::acts::{self, ConfirmPerson, MergeInput};
use roadwarden_server::services::riders::intake::{self, input::Files, input::RiderEventInput};
use roadwarden_server::services::riders::tasks::{self, StepInput};
use roadwarden_server::services::riders::{library, tiers};
use roadwarden_server::{open_state, AppState, Clock, Settings};
use roadwarden_store::devices;
use roadwarden_store::riders::events as event_rows;
use roadwarden_store::riders::persons::{self as person_rows, NewRiderPerson};
use roadwarden_store::riders::tasks as task_rows;
use roadwarden_store::units;

use crate::scene::placeholder_jpeg;
use crate::seed::principal;

const TZ: Tz = chrono_tz::Asia::Shanghai;
/// The two e-bike capture points of 雉城中队 (the devices' ledger).
const POINTS: [&str; 2] = ["330522070010", "330522070011"];

/// Who an event's face belongs to, as the story has it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    /// A resident of the library (its key in `people::RESIDENTS`).
    Lib(&'static str),
    /// A cluster of unmatched faces filed as provisional person n.
    Prov(u8),
    /// A face the model could not take (held, as intake left it).
    Held,
}

#[derive(Clone, Copy)]
enum Act {
    /// An event; `confirm`: the officer confirms the match twenty minutes later.
    Event(Who, &'static str, bool),
    /// The officer confirms provisional file n as this person (ID seq, name).
    ConfirmFile(u8, u32, &'static str),
    /// The officer merges provisional file n into a resident's file.
    Merge(u8, &'static str),
    /// A step on the resident's open task of this kind.
    Task(&'static str, TaskKind, Step),
}

#[derive(Clone, Copy)]
enum Step {
    Accept,
    Report,
    Pass,
    SendBack,
}

/// A local time `days` before today at hh:mm, in Changxing.
fn local(today: NaiveDate, days: i64, hh: u32, mm: u32) -> DateTime<Utc> {
    let t = (today - Duration::days(days))
        .and_time(NaiveTime::from_hms_opt(hh, mm, 0).unwrap_or_default());
    TZ.from_local_datetime(&t)
        .earliest()
        .map_or_else(|| Utc.from_utc_datetime(&t), |t| t.with_timezone(&Utc))
}

/// The story: (days ago, hour, minute, act). Sorted by time before it is told.
fn story() -> Vec<(i64, u32, u32, Act)> {
    use Act::{ConfirmFile, Event, Merge, Task};
    use Step::{Accept, Pass, Report, SendBack};
    use TaskKind::{Education, GridVisit, PublicNotice};
    use Who::{Held, Lib, Prov};
    let mut s = vec![
        // 刘洋: frequent eight weeks ago, educated and visited; the tier has since fallen.
        (58, 7, 40, Event(Lib("liu"), "no_helmet", true)),
        (57, 7, 45, Event(Lib("liu"), "no_helmet", true)),
        (56, 17, 30, Event(Lib("liu"), "red_light", true)),
        (55, 7, 50, Event(Lib("liu"), "no_helmet", true)),
        (53, 9, 0, Task("liu", Education, Accept)),
        (52, 15, 0, Task("liu", Education, Report)),
        (51, 10, 0, Task("liu", Education, Pass)),
        (53, 9, 5, Task("liu", GridVisit, Accept)),
        (50, 16, 0, Task("liu", GridVisit, Report)),
        (49, 9, 30, Task("liu", GridVisit, SendBack)),
        (48, 16, 0, Task("liu", GridVisit, Report)),
        (47, 9, 30, Task("liu", GridVisit, Pass)),
        // 王建明: frequent, educated, caught again: incorrigible, with a fresh visit open.
        (50, 8, 10, Event(Lib("wang"), "no_helmet", true)),
        (48, 8, 5, Event(Lib("wang"), "wrong_way", true)),
        (46, 18, 20, Event(Lib("wang"), "no_helmet", true)),
        (45, 8, 0, Event(Lib("wang"), "no_helmet", true)),
        (43, 9, 0, Task("wang", Education, Accept)),
        (42, 14, 0, Task("wang", Education, Report)),
        (41, 10, 0, Task("wang", Education, Pass)),
        (43, 9, 10, Task("wang", GridVisit, Accept)),
        (40, 15, 0, Task("wang", GridVisit, Report)),
        (39, 10, 0, Task("wang", GridVisit, Pass)),
        (4, 7, 55, Event(Lib("wang"), "red_light", true)),
        (3, 9, 0, Task("wang", PublicNotice, Accept)),
        // 周强: frequent, educated, caught again: incorrigible; the notice done, the visit
        // taken and never reported: the one overdue task.
        (40, 7, 20, Event(Lib("zhou"), "no_helmet", true)),
        (39, 7, 25, Event(Lib("zhou"), "no_helmet", true)),
        (38, 17, 45, Event(Lib("zhou"), "wrong_way", true)),
        (37, 7, 30, Event(Lib("zhou"), "no_helmet", true)),
        (36, 9, 0, Task("zhou", GridVisit, Accept)),
        (36, 9, 5, Task("zhou", Education, Accept)),
        (35, 15, 0, Task("zhou", Education, Report)),
        (33, 10, 0, Task("zhou", Education, Pass)),
        (20, 7, 40, Event(Lib("zhou"), "no_helmet", true)),
        (19, 9, 0, Task("zhou", PublicNotice, Accept)),
        (18, 15, 0, Task("zhou", PublicNotice, Report)),
        (16, 10, 0, Task("zhou", PublicNotice, Pass)),
        // 张伟民, 陈芳: occasional.
        (20, 12, 10, Event(Lib("zhang"), "red_light", true)),
        (12, 12, 5, Event(Lib("zhang"), "no_helmet", true)),
        (3, 18, 15, Event(Lib("chen"), "no_helmet", true)),
        // 赵磊 (城西社区): frequent now; the employer's education and the visit are open.
        (5, 7, 35, Event(Lib("zhao"), "no_helmet", true)),
        (4, 7, 40, Event(Lib("zhao"), "no_helmet", true)),
        (3, 7, 30, Event(Lib("zhao"), "red_light", true)),
        (2, 7, 45, Event(Lib("zhao"), "no_helmet", true)),
        // 李秀英 (party member): frequent now; the education waits for cd.grid to take it.
        (6, 8, 0, Event(Lib("li"), "no_helmet", true)),
        (5, 8, 5, Event(Lib("li"), "no_helmet", true)),
        (4, 17, 50, Event(Lib("li"), "wrong_way", true)),
        (3, 8, 10, Event(Lib("li"), "no_helmet", true)),
        (2, 9, 0, Task("li", GridVisit, Accept)),
        // 吴婷: occasional, two newer sightings waiting in the queue.
        (15, 12, 30, Event(Lib("wu"), "no_helmet", true)),
        (1, 12, 20, Event(Lib("wu"), "no_helmet", false)),
        (1, 17, 40, Event(Lib("wu"), "red_light", false)),
        // 黄海: one uncertain sighting, and a cluster merged into his file (still unconfirmed).
        (1, 8, 15, Event(Lib("huang"), "no_helmet", false)),
        // Clusters: P1 waits; P2 is confirmed as a person not in the library; P3 merged.
        (9, 7, 10, Event(Prov(1), "no_helmet", false)),
        (6, 7, 15, Event(Prov(1), "no_helmet", false)),
        (2, 7, 5, Event(Prov(1), "wrong_way", false)),
        (14, 18, 0, Event(Prov(2), "no_helmet", false)),
        (13, 18, 5, Event(Prov(2), "no_helmet", false)),
        (11, 17, 55, Event(Prov(2), "red_light", false)),
        (10, 10, 0, ConfirmFile(2, 233, "徐志刚")),
        (8, 7, 0, Event(Prov(3), "no_helmet", false)),
        (7, 7, 5, Event(Prov(3), "no_helmet", false)),
        (5, 7, 10, Event(Prov(3), "no_helmet", false)),
        (4, 11, 0, Merge(3, "huang")),
        // Faces the model could not take stay held.
        (1, 19, 30, Event(Held, "no_helmet", false)),
        (1, 19, 45, Event(Held, "wrong_way", false)),
    ];
    s.sort_by_key(|(d, h, m, _)| (-d, *h, *m));
    s
}

struct Teller<'a> {
    state: &'a AppState,
    clock: Clock,
    meta: RequestMeta,
    officer: Principal,
    grid: Principal,
    creds: Vec<DeviceCredential>,
    residents: HashMap<&'static str, RiderPersonId>,
    provisional: HashMap<u8, RiderPersonId>,
    photos: Vec<Bytes>,
    n: u64,
}

/// Seeds the programme after the devices; ends with the nightly rebuild at the real time.
pub async fn seed(state: &AppState, settings: &Settings) -> anyhow::Result<()> {
    let now = state.clock.now();
    let today = now.with_timezone(&TZ).date_naive();
    let clock = Clock::manual(local(today, 60, 6, 0));
    let mut quiet = settings.clone();
    quiet.jobs.enabled = false;
    quiet.riders.face.engine = "none".into();
    quiet.riders.warning.enabled = false;
    let seeding = open_state(quiet, clock.clone()).await?;
    let result = tell(&seeding, &clock, today, now, settings).await;
    seeding.store.close().await;
    result?;
    // RID-08: the nightly rebuild at the real time lets 刘洋's tier fall.
    tiers::rebuild(state).await?;
    // SHR-04: what the recognition system screened this week, on the officer's desk.
    screened::seed(state).await?;
    Ok(())
}

async fn tell(
    state: &AppState,
    clock: &Clock,
    today: NaiveDate,
    now: DateTime<Utc>,
    settings: &Settings,
) -> anyhow::Result<()> {
    let meta = RequestMeta::default();
    let officer = principal(state, "cx.ebike").await?;
    let report = library::import(
        state,
        &officer,
        &meta,
        library::Upload {
            file_name: "长兴县人脸底库.csv",
            bytes: people::library_csv().as_bytes(),
            photos: None,
        },
        false,
    )
    .await?;
    anyhow::ensure!(
        report.committed,
        "demo library refused: {:?}",
        report.errors
    );
    let mut residents = HashMap::new();
    let mut tx = state.store.begin_read().await?;
    for (i, r) in people::RESIDENTS.iter().enumerate() {
        let id = people::id_number(r.7, 101 + 2 * i as u32);
        let p = person_rows::by_id_number(&mut tx, &id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo resident {}", r.1))?;
        residents.insert(r.0, p.id);
    }
    drop(tx);
    let manager = principal(state, "zc.device").await?;
    let mut creds = Vec::new();
    for number in POINTS {
        let mut tx = state.store.begin_read().await?;
        let d = devices::get_by_number(&mut tx, number)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo device {number}"))?;
        drop(tx);
        let issued = credentials::issue(state, &manager, &meta, d.id).await?;
        creds.push(DeviceCredential {
            key_id: issued.key_id,
            secret: issued.secret,
        });
    }
    let mut t = Teller {
        state,
        clock: clock.clone(),
        meta,
        officer,
        grid: principal(state, "cd.grid").await?,
        creds,
        residents,
        provisional: HashMap::new(),
        photos: face_photos(settings),
        n: 0,
    };
    for (days, hh, mm, act) in story() {
        let at = local(today, days, hh, mm).min(now - Duration::minutes(30));
        t.at(at);
        t.act(act, at).await?;
    }
    Ok(())
}

impl Teller<'_> {
    /// Moves the clock forward to `t` (never back: the story is told in order).
    fn at(&self, t: DateTime<Utc>) {
        let by = t - self.clock.now();
        if by > Duration::zero() {
            self.clock.advance(by);
        }
    }

    async fn act(&mut self, act: Act, at: DateTime<Utc>) -> anyhow::Result<()> {
        match act {
            Act::Event(who, violation, confirm) => {
                let id = self.event(who, violation, at).await?;
                if confirm {
                    self.at(at + Duration::minutes(20));
                    acts::confirm_match(self.state, &self.officer, &self.meta, id.0).await?;
                }
            }
            Act::ConfirmFile(n, seq, name) => {
                let id = self.provisional[&n];
                let input = ConfirmPerson {
                    id_number: people::id_number("19900101", seq),
                    name: name.into(),
                };
                acts::confirm_person(self.state, &self.officer, &self.meta, id.0, &input).await?;
            }
            Act::Merge(n, into) => {
                let input = MergeInput {
                    from: self.provisional[&n].0,
                    into: self.residents[into].0,
                };
                acts::merge(self.state, &self.officer, &self.meta, &input).await?;
            }
            Act::Task(key, kind, step) => self.task(key, kind, step).await?,
        }
        Ok(())
    }

    /// One event through the real intake, then the identity a model would have proposed.
    async fn event(
        &mut self,
        who: Who,
        violation: &str,
        at: DateTime<Utc>,
    ) -> anyhow::Result<RiderEventId> {
        self.n += 1;
        let n = self.n;
        let point = usize::from(matches!(
            who,
            Who::Prov(2) | Who::Lib("zhao" | "chen" | "wu")
        ));
        let device = ingest::authenticate_device(self.state, &self.creds[point]).await?;
        let face = self.face(who);
        let scene = placeholder_jpeg(640, 360, n, "DEMO PLACEHOLDER\nSCENE");
        let event = RiderEventInput {
            event_id: Some(format!("demo-rider-{n}")),
            violation: violation.into(),
            occurred_at: at.with_timezone(&TZ).to_rfc3339(),
            ..RiderEventInput::default()
        };
        let files = Files {
            face: Some(face),
            scene: Some(Bytes::from(scene)),
            clip: None,
        };
        self.at(at + Duration::seconds(2));
        let receipt = intake::receive(self.state, device, event, files).await?;
        let id = RiderEventId(receipt.event_id);
        let (person, reason, score) = match who {
            Who::Held => return Ok(id),
            Who::Lib(key) => (self.residents[key], "gallery", 0.38 + (n % 7) as f64 * 0.02),
            Who::Prov(k) => (
                self.provisional_file(k).await?,
                "cluster",
                0.42 + (n % 5) as f64 * 0.02,
            ),
        };
        // Seeded, not matched by a model (this build has no face engine): the outcome the
        // engine would have proposed, unconfirmed, for the officer's act that follows.
        let mut tx = self.state.store.begin().await?;
        event_rows::set_match(
            &mut tx,
            id,
            Some(person),
            MatchState::Unconfirmed,
            reason,
            Some(score),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Provisional file `k` (a cluster of 雉城中队's capture point), filed on first use.
    async fn provisional_file(&mut self, k: u8) -> anyhow::Result<RiderPersonId> {
        if let Some(id) = self.provisional.get(&k) {
            return Ok(*id);
        }
        let mut tx = self.state.store.begin().await?;
        let squad = units::get_by_code(&mut tx, "330522-01")
            .await?
            .ok_or_else(|| anyhow::anyhow!("unit 330522-01"))?;
        let id = person_rows::insert(
            &mut tx,
            &NewRiderPerson {
                unit_id: squad.id,
                unit_path: squad.path.clone(),
                id_number: None,
                name: String::new(),
                village: String::new(),
                employer: String::new(),
                phone: String::new(),
                party_member: false,
                provisional: true,
                created_at: self.clock.now(),
            },
        )
        .await?;
        tx.commit().await?;
        self.provisional.insert(k, id);
        Ok(id)
    }

    fn face(&self, who: Who) -> Bytes {
        let slot = match who {
            Who::Lib(key) => people::RESIDENTS
                .iter()
                .position(|r| r.0 == key)
                .unwrap_or(0),
            Who::Prov(k) => 20 + usize::from(k),
            Who::Held => 40 + self.n as usize,
        };
        if self.photos.is_empty() {
            Bytes::from(placeholder_jpeg(
                320,
                320,
                slot as u64,
                "DEMO PLACEHOLDER\nNOT A FACE",
            ))
        } else {
            self.photos[slot % self.photos.len()].clone()
        }
    }

    /// A step on the resident's newest task of `kind`: the grid worker of 城东社区 takes and
    /// reports, the officer passes or sends back (RID-11).
    async fn task(&self, key: &str, kind: TaskKind, step: Step) -> anyhow::Result<()> {
        let mut tx = self.state.store.begin_read().await?;
        let task = task_rows::list_for_person(&mut tx, self.residents[key])
            .await?
            .into_iter()
            .filter(|t| t.kind == kind && t.state != TaskState::Passed)
            .max_by_key(|t| t.id.0)
            .ok_or_else(|| anyhow::anyhow!("demo: no open {} task", kind.as_str()))?;
        drop(tx);
        let (who, input) = match step {
            Step::Accept => (&self.grid, StepInput::Accept),
            Step::Report => (
                &self.grid,
                StepInput::Report {
                    text: "已上门开展安全教育，本人签字承诺今后佩戴头盔、遵守信号灯。".into(),
                    photos: vec![Bytes::from(placeholder_jpeg(
                        640,
                        480,
                        task.id.0 as u64,
                        "DEMO PLACEHOLDER\nVISIT PHOTO",
                    ))],
                },
            ),
            Step::Pass => (&self.officer, StepInput::Pass),
            Step::SendBack => (
                &self.officer,
                StepInput::SendBack {
                    reason: "照片未体现本人，请补充现场照片".into(),
                },
            ),
        };
        tasks::step(self.state, who, &self.meta, task.id.0, input).await?;
        Ok(())
    }
}

/// The registry packages' test portraits, when `scripts/face-models.sh` has fetched them.
fn face_photos(settings: &Settings) -> Vec<Bytes> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(d) = std::env::var_os("ROADWARDEN_FACE_TESTDATA") {
        dirs.push(d.into());
    }
    if let Some(parent) = settings.riders.face.models_dir.parent() {
        dirs.push(parent.join("face-testdata"));
    }
    dirs.push(PathBuf::from("target/face-testdata"));
    for dir in dirs {
        let photos: Vec<Bytes> = [
            "obama.jpg",
            "biden.jpg",
            "astronaut.png",
            "obama2.jpg",
            "obama3.jpg",
        ]
        .iter()
        .filter_map(|f| std::fs::read(dir.join(f)).ok())
        .map(Bytes::from)
        .collect();
        if !photos.is_empty() {
            return photos;
        }
    }
    Vec::new()
}
