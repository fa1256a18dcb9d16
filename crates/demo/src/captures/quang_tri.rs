//! Quảng Trị's captures, through the same code paths as Changxing's (`push`): the province's
//! cameras in Đông Hà and Gio Linh push Vietnamese plates; the province reviews them; the
//! outbox writes the Vietnamese letters (fines in đồng, the handling unit's telephone); the
//! clerk records the letters as posted and a payment; an owner objects online and waits for an
//! answer. A few captures stay in Đông Hà's review queue for `dh.reviewer`.

use chrono::Duration;
use roadwarden_domain::org::Country;
use roadwarden_server::context::RequestMeta;
use roadwarden_server::services::captures::objections::{self, ObjectionInput};
use roadwarden_server::services::captures::outbox;
use roadwarden_server::services::captures::review::{self, DecisionInput};
use roadwarden_server::services::captures::violations::{self as records, ClerkAction};
use roadwarden_server::AppState;

use super::push::{issue_credentials, push_json, register_vehicles, vin_tail, Owner, Push};
use crate::seed::principal;

/// Quảng Trị's registered vehicles (74 is the province's plate code).
const VEHICLES: &[Owner] = &[
    (
        "74A-123.45",
        "white",
        "RLUBA5ML2NN654321",
        "Nguyễn Thị Hoa",
        "45 Lê Duẩn, Phường 1, thành phố Đông Hà, tỉnh Quảng Trị",
        "0912345001",
    ),
    (
        "74A-234.56",
        "white",
        "RLAV1NP91P0023456",
        "Trần Văn Bình",
        "12 Hùng Vương, Phường 5, thành phố Đông Hà, tỉnh Quảng Trị",
        "0912345002",
    ),
    (
        "74A-098.76",
        "white",
        "MHFJB8EM5P1098765",
        "Lê Thị Thu",
        "Khu phố 3, thị trấn Gio Linh, huyện Gio Linh, tỉnh Quảng Trị",
        "0912345003",
    ),
    (
        "74A-345.67",
        "white",
        "RL0NZE1B4M0345678",
        "Phạm Quốc Việt",
        "78 Trần Hưng Đạo, Phường 1, thành phố Đông Hà, tỉnh Quảng Trị",
        "0912345005",
    ),
];

/// Plates from neighbouring provinces (Huế, Đà Nẵng, Hà Nội) and an unregistered local one.
const MORE_PLATES: &[&str] = &["75A-112.34", "43A-567.89", "29A-888.99", "74A-777.01"];

/// The province's cameras (`devices::ledger`'s Quảng Trị ledger).
const SPEED_QL9: &str = "450201030001";
const LE_DUAN: &str = "450201010002";
const GIO_LINH: &str = "450301010003";

/// Quảng Trị's chain; returns the plate and VIN of the owner to try on the owner's page.
pub(super) async fn seed(state: &AppState) -> anyhow::Result<(&'static str, &'static str)> {
    let meta = RequestMeta::default();
    // The province's operator records the owners, reviews, serves the notices and handles
    // objections (its account holds those roles).
    let admin = principal(state, "qt.admin").await?;
    register_vehicles(state, &admin, Country::Vietnam, "", VEHICLES).await?;
    let creds = issue_credentials(state, "qt.admin", &[SPEED_QL9, LE_DUAN, GIO_LINH]).await?;

    // Twelve pushes, seconds apart: speeding on QL9, red lights and lanes in town and on QL1A.
    let plates: Vec<&str> = VEHICLES
        .iter()
        .map(|v| v.0)
        .chain(MORE_PLATES.iter().copied())
        .collect();
    let now = state.clock.now();
    let mut captures = Vec::new();
    for i in 0..12u64 {
        // The road cameras' ledger entries name a km marker, not a place: the push names it.
        let (number, code, speed, place) = match i % 3 {
            0 => (
                SPEED_QL9,
                "VN02",
                Some((72 + 3 * i as i32, 60)),
                Some("QL9 Km5+300, Phường 4, thành phố Đông Hà"),
            ),
            1 => (
                LE_DUAN,
                if i % 2 == 0 { "VN03" } else { "VN01" },
                None,
                None,
            ),
            _ => (
                GIO_LINH,
                if i % 2 == 0 { "VN01" } else { "VN06" },
                None,
                Some("QL1A Km758+200, thị trấn Gio Linh"),
            ),
        };
        let push = Push {
            country: Country::Vietnam,
            plate: plates[i as usize % plates.len()],
            code,
            at: now - Duration::seconds(30 - i as i64),
            seed: 200 + i,
            speed,
            place,
        };
        captures.push(push_json(state, &creds[number], &push).await?);
    }

    // The province reviews the first eight (one rejected); the rest wait for Đông Hà's reviewer.
    let approve = DecisionInput {
        decision: "approve".into(),
        reason: None,
        note: String::new(),
    };
    // Records by the plate they are about (an approval drawn for a second look has none yet).
    let mut entered: Vec<(&str, i64)> = Vec::new();
    for (i, id) in captures.iter().enumerate().take(8) {
        if i == 5 {
            let reject = DecisionInput {
                decision: "reject".into(),
                reason: Some("passage_prevented".into()),
                note: "Xe phải tránh xe cứu thương đang ưu tiên qua nút giao".into(),
            };
            review::decide(state, &admin, &meta, *id, &reject).await?;
        } else if let Some(v) = review::decide(state, &admin, &meta, *id, &approve)
            .await?
            .violation_id
        {
            entered.push((plates[i % plates.len()], v));
        }
    }
    // The outbox writes the Vietnamese letters.
    outbox::drain(state).await?;

    // The letters of the registered owners' records go out by post; the first owner's
    // record is paid, the next owner objects online and waits for an answer.
    let owned: Vec<(&Owner, i64)> = entered
        .iter()
        .filter_map(|(plate, id)| VEHICLES.iter().find(|v| v.0 == *plate).map(|v| (v, *id)))
        .collect();
    for (_, id) in &owned {
        let notify = ClerkAction::Notify {
            channel: "post".into(),
        };
        records::act(state, &admin, &meta, *id, notify).await?;
    }
    let [(payer, paid), (objector, objected), ..] = owned.as_slice() else {
        anyhow::bail!("the Quảng Trị demo entered fewer than two owners' records");
    };
    let handle = ClerkAction::Handle {
        driver_name: payer.3.into(),
    };
    records::act(state, &admin, &meta, *paid, handle).await?;
    records::act(state, &admin, &meta, *paid, ClerkAction::Pay).await?;

    let (plate, _, vin, _, _, phone) = **objector;
    objections::lodge_public(
        state,
        &meta,
        ObjectionInput {
            violation_id: *objected,
            plate: plate.into(),
            vin_tail: vin_tail(vin).to_owned(),
            text: "Hôm đó tôi cho người thân mượn xe; đề nghị xem lại ảnh chụp người điều khiển."
                .into(),
            contact: phone.into(),
            photos: Vec::new(),
        },
    )
    .await?;
    Ok((plate, vin))
}
