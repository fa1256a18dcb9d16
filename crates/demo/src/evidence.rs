//! Demo body-worn recorder evidence (BWC-01..14) for Changxing county: recorders with their
//! ledger, a few days of footage handed in and stored write-once, duties with missing footage
//! and a gap, a work record waiting for the head, retention reasons, and access requests.
//!
//! Everything goes through the services (the same rules and audit entries as the pages), on a
//! second handle to the database whose clock is walked through the last four days, so
//! hand-ins, damage reports and storage happen when the story says they did. Footage bytes
//! are synthetic: MP4 files with a real `ftyp` box and noise after it (they sniff as video
//! but do not play), and one real, playable WAV sound recording of a few megabytes, so the
//! player has something to seek.

use std::collections::HashMap;

use axum::body::Body;
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use roadwarden_domain::evidence::ledger::{PreUseCheck, RepairDestination};
use roadwarden_server::auth::Principal;
use roadwarden_server::context::RequestMeta;
use roadwarden_server::services::evidence::access::{self, Decision, RequestInput};
use roadwarden_server::services::evidence::recorders::{self, NewRecorderInput, Step};
use roadwarden_server::services::evidence::supervision::{self, DutyInput, WorkRecordInput};
use roadwarden_server::services::evidence::{retention, upload};
use roadwarden_server::{open_state, AppState, Clock, Settings};

use crate::seed::principal;

const TZ: Tz = chrono_tz::Asia::Shanghai;

/// A local time `days` days before today, in Changxing.
fn local(today: chrono::NaiveDate, days: i64, hh: u32, mm: u32) -> DateTime<Utc> {
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

const GOOD: PreUseCheck = PreUseCheck {
    fault_free: true,
    main_battery_charged: true,
    spare_battery_charged: true,
    storage_sufficient: true,
    time_and_place_stamp_correct: true,
};

/// A synthetic MP4: a real `ftyp` box, then noise derived from `seed`.
fn mp4(len: usize, seed: u32) -> Vec<u8> {
    let mut v = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2".to_vec();
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
    v.reserve(len);
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(len);
    v
}

/// A playable WAV (8 kHz, 16-bit mono) of `secs` seconds: a soft hum whose pitch steps every
/// few seconds, so seeking is audible.
fn wav(secs: u32) -> Vec<u8> {
    const RATE: u32 = 8000;
    let samples = RATE * secs;
    let data_len = samples * 2;
    let mut v = Vec::with_capacity(44 + data_len as usize);
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36 + data_len).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes()); // PCM
    v.extend_from_slice(&1u16.to_le_bytes()); // mono
    v.extend_from_slice(&RATE.to_le_bytes());
    v.extend_from_slice(&(RATE * 2).to_le_bytes());
    v.extend_from_slice(&2u16.to_le_bytes());
    v.extend_from_slice(&16u16.to_le_bytes());
    v.extend_from_slice(b"data");
    v.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..samples {
        let t = f64::from(i) / f64::from(RATE);
        let pitch = 220.0 + 55.0 * f64::from((i / (RATE * 5)) % 6);
        let s = (t * pitch * std::f64::consts::TAU).sin() * 3000.0;
        v.extend_from_slice(&(s as i16).to_le_bytes());
    }
    v
}

/// One file handed in from a recorder.
struct Clip {
    recorder: &'static str,
    officer: &'static str,
    activity: &'static str,
    place: &'static str,
    started: DateTime<Utc>,
    ended: DateTime<Utc>,
    duty_ended: DateTime<Utc>,
    handed_in: DateTime<Utc>,
    case_ref: &'static str,
    restriction: &'static str,
    bytes: Vec<u8>,
    ext: &'static str,
}

/// Files a clip the way the docking station's upload does: create, one append, stored.
async fn hand_in(state: &AppState, admin: &Principal, clip: Clip) -> anyhow::Result<i64> {
    at(&state.clock, clip.handed_in + Duration::minutes(20));
    let name = format!(
        "{}_{}_{}.{}",
        clip.recorder,
        clip.started.with_timezone(&TZ).format("%Y%m%d%H%M%S"),
        clip.ended.with_timezone(&TZ).format("%Y%m%d%H%M%S"),
        clip.ext
    );
    let raw: HashMap<String, String> = [
        ("filename", name),
        ("officer", clip.officer.to_owned()),
        ("recorder", clip.recorder.to_owned()),
        ("activity", clip.activity.to_owned()),
        ("place", clip.place.to_owned()),
        ("case_ref", clip.case_ref.to_owned()),
        ("restriction", clip.restriction.to_owned()),
        ("started_at", clip.started.to_rfc3339()),
        ("ended_at", clip.ended.to_rfc3339()),
        ("duty_ended_at", clip.duty_ended.to_rfc3339()),
        ("handed_in_at", clip.handed_in.to_rfc3339()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let meta = RequestMeta::default();
    let len = clip.bytes.len() as u64;
    let created = upload::create(state, admin, &meta, len, &raw).await?;
    let done = upload::append(state, admin, &meta, &created.id, 0, Body::from(clip.bytes)).await?;
    done.evidence_id
        .ok_or_else(|| anyhow::anyhow!("demo footage was not stored"))
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

async fn story(
    state: &AppState,
    now: DateTime<Utc>,
    today: chrono::NaiveDate,
) -> anyhow::Result<()> {
    let meta = RequestMeta::default();
    let clock = &state.clock;
    let admin = principal(state, "cx.recadmin").await?;
    let head = principal(state, "cx.head").await?;
    // BWC-08: requests are decided by the head of the footage's own unit: 雉城中队's footage
    // by its head, the brigade's by the brigade head.
    let squad_head = principal(state, "zc.head").await?;
    let reviewer = principal(state, "cx.reviewer").await?;
    let zheng = principal(state, "zc.collector").await?; // 郑强, 雉城中队
    let sun = principal(state, "cx.ebike").await?; // 孙浩, 大队
    let d = |days, hh, mm| local(today, days, hh, mm);

    // BWC-01: five recorders on the county's ledger.
    let mut ids = HashMap::new();
    for (number, model) in [
        ("DSJ-CX-0001", "DSJ-V9"),
        ("DSJ-CX-0002", "DSJ-V9"),
        ("DSJ-CX-0003", "DSJ-V9"),
        ("DSJ-CX-0004", "DSJ-A8"),
        ("DSJ-CX-0005", "DSJ-A8"),
    ] {
        let r = recorders::register(
            state,
            &admin,
            &meta,
            NewRecorderInput {
                number: number.into(),
                unit_id: None,
                brand: "警翼".into(),
                model: model.into(),
            },
        )
        .await?;
        ids.insert(number, r.recorder.id);
    }
    let rec = |n: &str| ids.get(n).copied().unwrap_or_default();
    let step = |id: i64, s: Step| {
        let (admin, meta) = (&admin, &meta);
        async move { recorders::step(state, admin, meta, id, s).await.map(|_| ()) }
    };
    let check_and_issue = |id: i64, officer: i64| async move {
        step(
            id,
            Step::Check {
                officer_id: Some(officer),
                check: GOOD,
            },
        )
        .await?;
        step(
            id,
            Step::Issue {
                officer_id: officer,
                condition: "外观完好，电量充足".into(),
            },
        )
        .await
    };
    let (zheng_id, sun_id) = (zheng.user.id.0, sun.user.id.0);

    // Day -4: recorder 3 goes out and comes back broken; nobody sends it for repair (overdue).
    at(clock, d(4, 7, 30));
    check_and_issue(rec("DSJ-CX-0003"), zheng_id).await?;
    at(clock, d(4, 18, 5));
    step(
        rec("DSJ-CX-0003"),
        Step::Damage {
            condition: "执勤中跌落，外壳开裂，无法开机".into(),
        },
    )
    .await?;

    // Day -3: 郑强 carries recorder 2, 孙浩 recorder 4 (damaged, sent for repair the same day).
    at(clock, d(3, 7, 30));
    check_and_issue(rec("DSJ-CX-0002"), zheng_id).await?;
    at(clock, d(3, 7, 45));
    check_and_issue(rec("DSJ-CX-0004"), sun_id).await?;
    let mut seed = 1u32;
    let mut mp4_clip =
        |recorder, officer, activity, place, started, ended, duty_ended, handed_in| {
            seed += 1;
            Clip {
                recorder,
                officer,
                activity,
                place,
                started,
                ended,
                duty_ended,
                handed_in,
                case_ref: "",
                restriction: "",
                bytes: mp4(180_000 + (seed as usize % 5) * 40_000, seed),
                ext: "MP4",
            }
        };
    // Duty with full footage (BWC-02): 郑强's morning check on 104 国道.
    let f1 = mp4_clip(
        "DSJ-CX-0002",
        "zc.collector",
        "roadside_inspection",
        "G104 国道 长兴收费站出口",
        d(3, 9, 5),
        d(3, 9, 25),
        d(3, 18, 0),
        d(3, 18, 30),
    );
    let f2 = Clip {
        case_ref: "长公交(2026)0117号",
        ..mp4_clip(
            "DSJ-CX-0002",
            "zc.collector",
            "traffic_violation_accident_checkpoint",
            "长兴县 明珠路与金陵路交叉口",
            d(3, 10, 10),
            d(3, 10, 40),
            d(3, 18, 0),
            d(3, 18, 30),
        )
    };
    let f3 = mp4_clip(
        "DSJ-CX-0002",
        "zc.collector",
        "investigation_or_on_the_spot_penalty",
        "长兴县 雉城街道 人民路",
        d(3, 14, 0),
        d(3, 14, 15),
        d(3, 18, 0),
        d(3, 18, 30),
    );
    // BWC-09: the petitioner asked for privacy; the file is restricted.
    let f4 = Clip {
        restriction: "privacy",
        ..mp4_clip(
            "DSJ-CX-0004",
            "cx.ebike",
            "petition_reception",
            "长兴县公安局交警大队 接待室",
            d(3, 8, 30),
            d(3, 9, 10),
            d(3, 17, 0),
            d(3, 17, 10),
        )
    };
    at(clock, d(3, 17, 0));
    step(
        rec("DSJ-CX-0004"),
        Step::Damage {
            condition: "雨中执勤后镜头进水起雾".into(),
        },
    )
    .await?;
    let f4_id = hand_in(state, &admin, f4).await?;
    step(
        rec("DSJ-CX-0004"),
        Step::SendForRepair {
            destination: RepairDestination::LogisticsDepartment,
        },
    )
    .await?;
    at(clock, d(3, 18, 30));
    step(
        rec("DSJ-CX-0002"),
        Step::Return {
            condition: "完好".into(),
        },
    )
    .await?;
    let f1_id = hand_in(state, &admin, f1).await?;
    let f2_id = hand_in(state, &admin, f2).await?;
    let f3_id = hand_in(state, &admin, f3).await?;
    supervision::file_duty(
        state,
        &admin,
        &meta,
        DutyInput {
            officer_id: Some(zheng_id),
            activity: "roadside_inspection".into(),
            place: "G104 国道 长兴收费站出口".into(),
            started_at: d(3, 9, 5),
            ended_at: d(3, 9, 25),
            recorder_id: Some(rec("DSJ-CX-0002")),
        },
    )
    .await?;

    // Day -2: 孙浩 with recorder 5; his file is handed in only the next evening (late, BWC-05).
    // 郑强's checkpoint duty that afternoon has no footage at all (BWC-13).
    at(clock, d(2, 7, 30));
    check_and_issue(rec("DSJ-CX-0005"), sun_id).await?;
    at(clock, d(2, 17, 30));
    step(
        rec("DSJ-CX-0005"),
        Step::Return {
            condition: "完好".into(),
        },
    )
    .await?;
    supervision::file_duty(
        state,
        &admin,
        &meta,
        DutyInput {
            officer_id: Some(zheng_id),
            activity: "traffic_violation_accident_checkpoint".into(),
            place: "S12 申嘉湖高速 长兴西出口".into(),
            started_at: d(2, 14, 0),
            ended_at: d(2, 14, 30),
            recorder_id: None,
        },
    )
    .await?;
    let f5 = mp4_clip(
        "DSJ-CX-0005",
        "cx.ebike",
        "seizure_or_evidence_collection",
        "长兴县 太湖街道 电动自行车扣押点",
        d(2, 15, 0),
        d(2, 15, 20),
        d(2, 17, 30),
        d(1, 20, 0),
    );

    // Day -1: 郑强 with recorder 1. A 20-minute gap in the morning duty, explained by a work
    // record (BWC-03) the head has not decided yet.
    at(clock, d(1, 7, 40));
    check_and_issue(rec("DSJ-CX-0001"), zheng_id).await?;
    at(clock, d(1, 12, 0));
    supervision::file_duty(
        state,
        &admin,
        &meta,
        DutyInput {
            officer_id: Some(zheng_id),
            activity: "roadside_inspection".into(),
            place: "长兴县 画溪街道 检查点".into(),
            started_at: d(1, 9, 0),
            ended_at: d(1, 10, 0),
            recorder_id: Some(rec("DSJ-CX-0001")),
        },
    )
    .await?;
    supervision::file_work_record(
        state,
        &zheng,
        &meta,
        WorkRecordInput {
            reason: "party_request".into(),
            basis: "当事人（未成年人）家属要求对其陈述过程不予录像，经带班民警同意暂停".into(),
            stopped_at: d(1, 9, 20),
            resumed_at: Some(d(1, 9, 40)),
        },
    )
    .await?;
    at(clock, d(1, 18, 0));
    step(
        rec("DSJ-CX-0001"),
        Step::Return {
            condition: "完好".into(),
        },
    )
    .await?;
    let f6 = mp4_clip(
        "DSJ-CX-0001",
        "zc.collector",
        "roadside_inspection",
        "长兴县 画溪街道 检查点",
        d(1, 9, 0),
        d(1, 9, 20),
        d(1, 10, 0),
        d(1, 18, 10),
    );
    let f7 = mp4_clip(
        "DSJ-CX-0001",
        "zc.collector",
        "roadside_inspection",
        "长兴县 画溪街道 检查点",
        d(1, 9, 40),
        d(1, 10, 0),
        d(1, 10, 0),
        d(1, 18, 10),
    );
    // The long ones: a sound recording of an interview (plays and seeks) and a long video.
    let f8 = Clip {
        bytes: wav(180),
        ext: "WAV",
        ..mp4_clip(
            "DSJ-CX-0001",
            "zc.collector",
            "inspection",
            "长兴县 雉城街道 某汽修厂",
            d(1, 13, 30),
            d(1, 13, 33),
            d(1, 17, 30),
            d(1, 18, 10),
        )
    };
    let f9 = Clip {
        bytes: mp4(2_500_000, 99),
        ..mp4_clip(
            "DSJ-CX-0001",
            "zc.collector",
            "group_incident",
            "长兴县 龙山街道 某工地门口",
            d(1, 15, 0),
            d(1, 16, 10),
            d(1, 17, 30),
            d(1, 18, 10),
        )
    };
    let f6_id = hand_in(state, &admin, f6).await?;
    for c in [f7, f8, f9] {
        hand_in(state, &admin, c).await?;
    }
    hand_in(state, &admin, f5).await?;

    // Today: recorder 1 is out again with 郑强.
    at(clock, now - Duration::hours(3));
    check_and_issue(rec("DSJ-CX-0001"), zheng_id).await?;

    // BWC-06: a litigation hold and a long-term trigger, set by the head.
    at(clock, now - Duration::minutes(50));
    retention::add_reason(
        state,
        &head,
        &meta,
        f1_id,
        "hold",
        "",
        "行政诉讼 (2026)浙0522行初12号 证据保全",
    )
    .await?;
    retention::add_reason(
        state,
        &head,
        &meta,
        f3_id,
        "long_term",
        "party_objection",
        "当事人当场对处罚提出异议",
    )
    .await?;

    // BWC-08..10: a view request waiting for the head; a copy approved and made for the
    // procuratorate; a copy of the restricted file with one of the two approvals it needs.
    at(clock, now - Duration::minutes(40));
    access::file(
        state,
        &reviewer,
        &meta,
        RequestInput {
            evidence_ids: vec![f6_id],
            requester_kind: "officer".into(),
            purpose: "view".into(),
            reason: "复核画溪检查点现场处置是否规范，核对当事人陈述".into(),
            register: String::new(),
            committee_approval: String::new(),
        },
    )
    .await?;
    let copy = access::file(
        state,
        &reviewer,
        &meta,
        RequestInput {
            evidence_ids: vec![f2_id],
            requester_kind: "procuratorate".into(),
            purpose: "copy".into(),
            reason: "长兴县人民检察院调取交通事故现场执法录像".into(),
            register: "长兴县人民检察院 王检察官 长检调〔2026〕31号".into(),
            committee_approval: String::new(),
        },
    )
    .await?;
    at(clock, now - Duration::minutes(30));
    access::decide(
        state,
        &squad_head,
        &meta,
        copy.request.id,
        Decision::Approve,
    )
    .await?;
    at(clock, now - Duration::minutes(20));
    access::export(state, &admin, &meta, copy.request.id).await?;
    let restricted = access::file(
        state,
        &reviewer,
        &meta,
        RequestInput {
            evidence_ids: vec![f4_id],
            requester_kind: "court".into(),
            purpose: "copy".into(),
            reason: "长兴县人民法院审理信访人起诉案件，调取接待录像".into(),
            register: "长兴县人民法院 李法官 (2026)浙0522民初88号调取函".into(),
            committee_approval: String::new(),
        },
    )
    .await?;
    at(clock, now - Duration::minutes(10));
    // The second approval is cx.head2's to give in the demo.
    access::decide(
        state,
        &head,
        &meta,
        restricted.request.id,
        Decision::Approve,
    )
    .await?;
    Ok(())
}
