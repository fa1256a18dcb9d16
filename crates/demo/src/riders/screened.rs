//! SHR-04 in the demo: the county's non-motor-vehicle recognition system as a partner with an
//! approved write grant (proposed by 李振华, approved by 韩卫东), the riders it screened this
//! week sent through the real write interface, one agreed with and one disputed by the e-bike
//! officer, the rest waiting on the desk.

use chrono::Duration;
use roadwarden_domain::rider::screened::ScreenedState;
use roadwarden_domain::sharing::catalogue::SCREENED_OFFENDER_FIELDS;
use roadwarden_server::context::RequestMeta;
use roadwarden_server::services::riders::screened;
use roadwarden_server::services::sharing::partner_query::Protocol;
use roadwarden_server::services::sharing::partner_write;
use roadwarden_server::services::sharing::partners::{
    self, FieldInput, GrantInput, GrantStep, PartnerInput,
};
use roadwarden_server::AppState;

use super::people::{id_number, RESIDENTS};
use crate::seed::principal;

/// One screened rider: (resident index or none for someone outside the library, violation,
/// days ago, local hour, place, similarity).
type Screened = (
    Option<usize>,
    &'static str,
    i64,
    u32,
    &'static str,
    &'static str,
);

const SCREENED: [Screened; 5] = [
    (
        Some(0),
        "no_helmet",
        1,
        8,
        "长兴县金陵路与明珠路交叉口",
        "0.94",
    ),
    (
        Some(1),
        "wrong_way",
        2,
        17,
        "长兴县画溪大道与长海路交叉口",
        "0.88",
    ),
    (
        Some(2),
        "red_light",
        3,
        7,
        "长兴县金陵路与明珠路交叉口",
        "0.91",
    ),
    (
        None,
        "no_helmet",
        1,
        18,
        "长兴县龙山大道与长海路交叉口",
        "0.86",
    ),
    (
        Some(3),
        "no_helmet",
        0,
        7,
        "长兴县画溪大道与长海路交叉口",
        "0.79",
    ),
];

pub(super) async fn seed(state: &AppState) -> anyhow::Result<()> {
    let meta = RequestMeta::default();
    let head = principal(state, "cx.head").await?;
    let partner = partners::register(
        state,
        &head,
        &meta,
        &PartnerInput {
            name: "长兴县非机动车违法识别系统".into(),
        },
    )
    .await?;
    let now = state.clock.now();
    let grant = partners::propose(
        state,
        &head,
        &meta,
        partner.id,
        &GrantInput {
            interface: "riders.screened".into(),
            scope_unit_id: None,
            span_from: now - Duration::days(30),
            span_to: now + Duration::days(365),
            categories: Vec::new(),
            // Every field the interface takes.
            fields: SCREENED_OFFENDER_FIELDS
                .iter()
                .map(|f| FieldInput {
                    field: f.name.into(),
                    mask: None,
                })
                .collect(),
            purpose: "traffic_order".into(),
            purpose_text: "接收非机动车违法识别系统筛选的违法人员数据".into(),
            expires_at: now + Duration::days(365),
        },
    )
    .await?;
    let second = principal(state, "cx.head2").await?;
    partners::step(state, &second, &meta, grant.id, GrantStep::Approve).await?;

    let rows: Vec<Vec<(String, String)>> = SCREENED
        .iter()
        .enumerate()
        .map(|(n, (who, violation, days, hour, place, similarity))| {
            let (id, name) = match who {
                Some(i) => {
                    let r = RESIDENTS[*i];
                    (id_number(r.7, 101 + 2 * *i as u32), r.1.to_owned())
                }
                None => (id_number("19920315", 777), "赵国强".to_owned()),
            };
            let at = (now - Duration::days(*days))
                .date_naive()
                .and_hms_opt(*hour, 10 + n as u32, 0)
                .unwrap_or_default()
                .and_utc()
                - Duration::hours(8);
            let at = at
                .min(now - Duration::minutes(30))
                .max(now - Duration::days(5));
            [
                (
                    "source_ref",
                    format!("FJDC-{}-{:05}", at.format("%Y%m%d"), 311 + n),
                ),
                ("id_number", id),
                ("name", name),
                ("violation", (*violation).to_owned()),
                ("occurred_at", at.to_rfc3339()),
                ("place", (*place).to_owned()),
                ("point", "FJDC-CX-07".to_owned()),
                ("similarity", (*similarity).to_owned()),
            ]
            .into_iter()
            .map(|(f, v)| (f.to_owned(), v))
            .collect()
        })
        .collect();
    let sent =
        partner_write::write(state, &meta, &partner.key, Protocol::Http, "04W02", &rows).await?;
    let officer = principal(state, "cx.ebike").await?;
    if let [first, second, ..] = sent.rows.as_slice() {
        screened::decide(
            state,
            &officer,
            &meta,
            first.id,
            ScreenedState::Agreed,
            "与档案照片一致",
        )
        .await?;
        screened::decide(
            state,
            &officer,
            &meta,
            second.id,
            ScreenedState::Disputed,
            "抓拍时段本人在单位值班，车辆已借给亲属使用",
        )
        .await?;
    }
    Ok(())
}
