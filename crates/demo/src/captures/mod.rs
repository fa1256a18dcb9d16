//! Demo captures: the chain from a camera's push to a fine and an objection, through the same
//! services a real deployment uses. Devices push (JSON and one Hikvision ISAPI event, with
//! generated road photos); the county reviewer approves and rejects; the outbox writes the
//! letters; the clerk records service, handling and payment; an owner objects; the objection
//! office decides. About thirty captures stay in the review queue for the visitor.
//!
//! Changxing's story is told here; Quảng Trị's (`quang_tri`) goes through the same code paths
//! (`push`), in Vietnamese, with đồng and its own cameras.

mod push;
mod quang_tri;

use std::collections::HashMap;

use bytes::Bytes;
use chrono::Duration;
use roadwarden_domain::org::Country;
use roadwarden_server::auth::Principal;
use roadwarden_server::context::RequestMeta;
use roadwarden_server::services::captures::ingest::DeviceCredential;
use roadwarden_server::services::captures::objections::{self, ObjectionDecision, ObjectionInput};
use roadwarden_server::services::captures::outbox;
use roadwarden_server::services::captures::review::{self, DecisionInput, DecisionOutcome};
use roadwarden_server::services::captures::violations::{self as records, ClerkAction};
use roadwarden_server::AppState;

use crate::scene::render_with_plate;
use crate::seed::principal;
use push::{
    issue_credentials, push_isapi, push_json, register_vehicles, spec, vin_tail, Owner, Push,
};

/// Changxing's registered vehicles.
const VEHICLES: &[Owner] = &[
    (
        "浙E12345",
        "blue",
        "LSVAU2180N2123456",
        "王小明",
        "浙江省湖州市长兴县雉城街道明珠路 8 号",
        "13800000001",
    ),
    (
        "浙E6K218",
        "blue",
        "LFV2A21K7M3041871",
        "陈美华",
        "浙江省湖州市长兴县画溪街道长兴大道 266 号",
        "13800000002",
    ),
    (
        "浙ED12345",
        "green",
        "LGXC74C41N0112233",
        "周建平",
        "浙江省湖州市长兴县太湖街道龙山路 15 号",
        "13800000003",
    ),
    (
        "浙E3N597",
        "blue",
        "LSGKB54H8LV098765",
        "孙丽",
        "浙江省湖州市长兴县林城镇大云寺村 3 组",
        "13800000004",
    ),
    (
        "浙A8B2C1",
        "blue",
        "LVSHCAMB5JF123987",
        "吴涛",
        "浙江省杭州市西湖区文三路 90 号",
        "13800000005",
    ),
    (
        "浙E7M031",
        "yellow",
        "LZZ1CLSB8KA556677",
        "长兴顺达物流有限公司",
        "浙江省湖州市长兴县经济开发区经一路 1 号",
        "13800000006",
    ),
    (
        "浙E9Q860",
        "blue",
        "LBEMDAFC5HZ445566",
        "郑海燕",
        "浙江省湖州市长兴县雉城街道金陵路 12 号",
        "13800000007",
    ),
    (
        "浙E2R774",
        "blue",
        "LHGCR2651J8021345",
        "冯志强",
        "浙江省湖州市长兴县洪桥镇洪桥村 5 组",
        "13800000008",
    ),
];

/// Plates pushed by the cameras: the registered ones and a few from elsewhere.
const MORE_PLATES: &[&str] = &[
    "苏E5T882",
    "浙E5X6Y7",
    "皖K33A21",
    "浙E0H9J5",
    "沪A7Z128",
    "浙EF86420",
];

/// What to try on the owner's page, in each country.
pub struct Hint {
    pub plate: &'static str,
    pub vin_tail: &'static str,
    /// Quảng Trị's owner.
    pub vn_plate: &'static str,
    pub vn_vin_tail: &'static str,
}

/// The chain from a camera's push to a fine and an objection, in Changxing and then in Quảng
/// Trị; returns what to try on the owner's page.
pub async fn seed(state: &AppState) -> anyhow::Result<Hint> {
    let clerk = principal(state, "cx.clerk").await?;
    register_vehicles(state, &clerk, Country::China, "330522", VEHICLES).await?;
    let creds = issue_credentials(
        state,
        "zc.device",
        &[
            "330522010001",
            "330522010002",
            "330522010003",
            "330522020105",
            "330522010016",
        ],
    )
    .await?;
    let pushed = push_traffic(state, &creds).await?;
    let approved = review_some(state, &pushed).await?;
    // The outbox writes the letters (no SMS gateway or SMTP relay in the demo).
    outbox::drain(state).await?;
    let ids: Vec<i64> = approved.iter().filter_map(|o| o.violation_id).collect();
    clerk_steps(state, &clerk, &ids).await?;
    objections(state, &ids).await?;
    let (vn_plate, vn_vin) = quang_tri::seed(state).await?;
    Ok(Hint {
        plate: "浙E12345",
        vin_tail: "123456",
        vn_plate,
        vn_vin_tail: vin_tail(vn_vin),
    })
}

/// What the devices pushed: the ISAPI capture, the JSON ones, and the trial device's.
struct Pushed {
    isapi: i64,
    receipts: Vec<i64>,
    trial: i64,
}

/// One Hikvision ISAPI event, thirty-odd JSON pushes, a trial device's and a suspended
/// device's capture.
async fn push_traffic(
    state: &AppState,
    creds: &HashMap<&'static str, DeviceCredential>,
) -> anyhow::Result<Pushed> {
    // One Hikvision ISAPI event from the first camera, as the camera would send it.
    let now = state.clock.now();
    let isapi = push_isapi(state, &creds["330522010001"], "浙E12345", now).await?;

    // Thirty-odd JSON pushes over the last nine minutes (fixed cameras upload in real time).
    let mut receipts = Vec::new();
    let plates: Vec<&str> = VEHICLES
        .iter()
        .map(|v| v.0)
        .chain(MORE_PLATES.iter().copied())
        .collect();
    for i in 0..34u64 {
        let (number, code) = match i % 3 {
            0 => ("330522010001", if i % 2 == 0 { "1625" } else { "1208" }),
            1 => ("330522010002", if i % 2 == 0 { "1625" } else { "1357" }),
            _ => ("330522010003", if i % 2 == 0 { "1208" } else { "1345" }),
        };
        let plate = if i == 7 {
            ""
        } else {
            plates[i as usize % plates.len()]
        };
        // Seconds apart, as a busy crossing sends them (a minute off would flag the clock).
        let at = now - Duration::seconds(40 - i as i64);
        receipts.push(push_json(state, &creds[number], &Push::cn(plate, code, at, i)).await?);
    }
    // A trial device's capture (a warning at most, CAP-03) and a suspended device's (CAP-04).
    let trial = push_json(
        state,
        &creds["330522020105"],
        &Push::cn("浙E6K218", "1039", state.clock.now(), 100),
    )
    .await?;
    push_json(
        state,
        &creds["330522010016"],
        &Push::cn("浙E3N597", "1301", now - Duration::minutes(2), 101),
    )
    .await?;
    Ok(Pushed {
        isapi,
        receipts,
        trial,
    })
}

/// The reviewer decides the ISAPI capture and a dozen more; the rest wait in the queue.
async fn review_some(state: &AppState, pushed: &Pushed) -> anyhow::Result<Vec<DecisionOutcome>> {
    let meta = RequestMeta::default();
    let reviewer = principal(state, "cx.reviewer").await?;
    let Pushed {
        isapi,
        receipts,
        trial,
    } = pushed;
    let (isapi, trial) = (*isapi, *trial);
    let approve = DecisionInput {
        decision: "approve".into(),
        reason: None,
        note: String::new(),
    };
    let mut approved = vec![review::decide(state, &reviewer, &meta, isapi, &approve).await?];
    approved.push(review::decide(state, &reviewer, &meta, trial, &approve).await?);
    for (i, id) in receipts.iter().enumerate().take(14) {
        if i == 7 || i % 5 == 4 {
            let reason = if i == 7 {
                "vehicle_unidentifiable"
            } else {
                "passage_prevented"
            };
            let reject = DecisionInput {
                decision: "reject".into(),
                reason: Some(reason.into()),
                note: if i == 7 {
                    String::new()
                } else {
                    "前方事故车辆占道，被迫越线".into()
                },
            };
            review::decide(state, &reviewer, &meta, *id, &reject).await?;
        } else {
            approved.push(review::decide(state, &reviewer, &meta, *id, &approve).await?);
        }
    }
    Ok(approved)
}

/// The clerk records the letters as posted, and the steps owners took.
async fn clerk_steps(state: &AppState, clerk: &Principal, ids: &[i64]) -> anyhow::Result<()> {
    let meta = RequestMeta::default();
    for id in ids.iter().take(8) {
        records::act(
            state,
            clerk,
            &meta,
            *id,
            ClerkAction::Notify {
                channel: "post".into(),
            },
        )
        .await?;
    }
    records::act(
        state,
        clerk,
        &meta,
        ids[2],
        ClerkAction::Handle {
            driver_name: String::new(),
        },
    )
    .await?;
    records::act(
        state,
        clerk,
        &meta,
        ids[3],
        ClerkAction::Handle {
            driver_name: "陈志远".into(),
        },
    )
    .await?;
    records::act(state, clerk, &meta, ids[3], ClerkAction::Pay).await?;
    let mut tx = state.store.begin_read().await?;
    let extend_to = roadwarden_store::violations::get(&mut tx, ids[4])
        .await?
        .and_then(|v| v.handle_by)
        .map(|d| d + Duration::days(60));
    drop(tx);
    if let Some(until) = extend_to {
        records::act(
            state,
            clerk,
            &meta,
            ids[4],
            ClerkAction::Extend {
                until: until.to_string(),
                reason: "车主在外地务工，春节后返乡处理".into(),
            },
        )
        .await?;
    }
    Ok(())
}

/// The owner of 浙E12345 objects to the ISAPI record online and the office decides (not
/// upheld); another owner's objection waits for a decision.
async fn objections(state: &AppState, ids: &[i64]) -> anyhow::Result<()> {
    let meta = RequestMeta::default();
    let handler = principal(state, "cx.objection").await?;
    let jpeg = render_with_plate(&spec("浙E12345", 900)).0.jpeg;
    let o = objections::lodge_public(
        state,
        &meta,
        ObjectionInput {
            violation_id: ids[0],
            plate: "浙E12345".into(),
            vin_tail: "123456".into(),
            text: "当时绿灯已亮，我是正常通过路口，请核实信号灯时间。".into(),
            contact: "13800000001".into(),
            photos: vec![Bytes::from(jpeg)],
        },
    )
    .await?;
    objections::decide(
        state,
        &handler,
        &meta,
        o.id,
        &ObjectionDecision {
            upheld: false,
            reply: "经调取信号灯运行记录和三张连续照片，车辆在红灯亮起 2.1 秒后越过停止线，异议不成立。".into(),
            elimination_reason: None,
        },
    )
    .await?;
    // Another owner's objection waits for a decision.
    let mut tx = state.store.begin_read().await?;
    let waiting = roadwarden_store::violations::get(&mut tx, ids[5]).await?;
    drop(tx);
    if let Some(v) = waiting {
        if let Some(owner) = VEHICLES.iter().find(|o| o.0 == v.plate) {
            objections::lodge_public(
                state,
                &meta,
                ObjectionInput {
                    violation_id: v.id,
                    plate: v.plate.clone(),
                    vin_tail: vin_tail(owner.2).to_owned(),
                    text: "车辆当天借给朋友使用，且照片中号牌被遮挡，无法确认是本车。".into(),
                    contact: owner.5.to_owned(),
                    photos: Vec::new(),
                },
            )
            .await?;
        }
    }
    Ok(())
}
