//! Proposals of new devices at every step of the three-department review, and one walked all
//! the way to formal use (so its timeline shows every step).

use roadwarden_domain::DeviceId;
use roadwarden_server::context::RequestMeta;
use roadwarden_server::services::devices::lifecycle::{
    self, ActionInput, AssessmentInput, RegistrationInput, ReviewInput,
};
use roadwarden_server::services::devices::registry::{self, DeviceInput};
use roadwarden_server::services::Authority;
use roadwarden_server::{open_state, AppState, Clock, Settings};
use roadwarden_store::units::Unit;

use super::People;

fn assessment(necessity: &str) -> AssessmentInput {
    AssessmentInput {
        necessity: necessity.into(),
        conditions: "信号灯配时合理，标志标线清晰完好，夜间补光到位".into(),
        facilities_ok: true,
        goal: "规范路口通行秩序，预防交通事故".into(),
    }
}

fn review(dept: &str, decision: &str, reason: &str) -> ReviewInput {
    ReviewInput {
        department: dept.into(),
        decision: decision.into(),
        reason: reason.into(),
    }
}

pub(super) fn act(action: &str, reason: &str, code: &str) -> ActionInput {
    ActionInput {
        action: action.into(),
        reason: reason.into(),
        reason_code: code.into(),
    }
}

#[allow(clippy::too_many_arguments)]
fn proposal(
    number: &str,
    kind: &str,
    unit_id: i64,
    name: &str,
    road: &str,
    place: &str,
    lon: f64,
    lat: f64,
    types: &[&str],
) -> DeviceInput {
    DeviceInput {
        number: number.into(),
        kind: kind.into(),
        unit_id,
        name: name.into(),
        maintainer: "长兴智慧交通科技有限公司".into(),
        leader: "吴磊".into(),
        department: "雉城中队秩序组".into(),
        violation_types: types.iter().map(|s| (*s).to_owned()).collect(),
        road: road.into(),
        road_class: "urban".into(),
        place: place.into(),
        longitude: Some(lon),
        latitude: Some(lat),
        make: "海康威视".into(),
        model: "iDS-TCV907".into(),
        ..DeviceInput::default()
    }
}

/// A proposal at each step of review: a draft, one the technology department approved, one the
/// legal department returned, one approved by all three (now in its public notice), and a
/// mobile camera (no place to publish) in its trial.
pub(super) async fn at_every_review_step(
    state: &AppState,
    people: &People,
    squad: &Unit,
) -> anyhow::Result<()> {
    let meta = RequestMeta::default();
    registry::create_device(
        state,
        Authority::User(&people.manager),
        &meta,
        &proposal(
            "330522010101",
            "fixed_enforcement",
            squad.id.0,
            "新华路与长海路口 闯红灯（拟设）",
            "新华路",
            "长海路口",
            119.9212,
            31.0311,
            &["1625"],
        ),
    )
    .await?;
    let reviewing = propose(
        state,
        people,
        &proposal(
            "330522010102",
            "fixed_enforcement",
            squad.id.0,
            "长兴大道与水口路口 导向车道（拟设）",
            "长兴大道",
            "水口路口",
            119.9305,
            31.0355,
            &["1208", "1625"],
        ),
        "早晚高峰随意变道，近一年剐蹭事故 23 起",
    )
    .await?;
    let tech = review("technology", "approve", "");
    lifecycle::review(state, &people.tech, &meta, reviewing, &tech).await?;
    returned_by_legal(state, people, squad).await?;
    let noticed = propose(
        state,
        people,
        &proposal(
            "330522010104",
            "fixed_enforcement",
            squad.id.0,
            "明珠路与中央大道口 闯红灯",
            "明珠路",
            "中央大道口",
            119.9189,
            31.0260,
            &["1625", "1357"],
        ),
        "学校周边，行人过街多，闯红灯投诉集中",
    )
    .await?;
    approve_in_every_department(state, people, noticed).await?;
    in_trial(state, people, squad).await
}

/// Approved by the technology department, returned by the legal one with its reason.
async fn returned_by_legal(state: &AppState, people: &People, squad: &Unit) -> anyhow::Result<()> {
    let meta = RequestMeta::default();
    let returned = propose(
        state,
        people,
        &proposal(
            "330522010103",
            "fixed_enforcement",
            squad.id.0,
            "县前街 违停抓拍（拟设）",
            "县前街",
            "县前街中段",
            119.9071,
            31.0255,
            &["1039"],
        ),
        "商铺集中，违停严重影响通行",
    )
    .await?;
    let tech = review("technology", "approve", "");
    lifecycle::review(state, &people.tech, &meta, returned, &tech).await?;
    let legal = review(
        "legal",
        "return",
        "未附设置地点公布计划，禁停标志缺失，请补充后重新提交",
    );
    lifecycle::review(state, &people.legal, &meta, returned, &legal).await?;
    Ok(())
}

/// A mobile camera has no place to publish: approved, it goes straight to its trial.
async fn in_trial(state: &AppState, people: &People, squad: &Unit) -> anyhow::Result<()> {
    let mut mobile = proposal(
        "330522020105",
        "mobile_enforcement",
        squad.id.0,
        "移动测违停车 浙E·J0522警",
        "城区巡逻线路",
        "",
        119.9120,
        31.0150,
        &["1039", "1344"],
    );
    mobile.road_class = "urban".into();
    mobile.place = "城区".into();
    let trial = propose(state, people, &mobile, "城区违停高发路段流动治理").await?;
    approve_in_every_department(state, people, trial).await
}

/// One proposal walked all the way to formal use today, with the notice and trial periods set
/// to zero in a second handle on the same database.
pub(super) async fn walked_to_formal_use(
    settings: &Settings,
    people: &People,
    squad: &Unit,
) -> anyhow::Result<()> {
    let meta = RequestMeta::default();
    let mut quick = settings.clone();
    quick.devices.notice_days = 0;
    quick.devices.trial_days = 0;
    quick.jobs.enabled = false;
    let fast = open_state(quick, Clock::System).await?;
    let walked = propose(
        &fast,
        people,
        &proposal(
            "330522070106",
            "ebike_capture",
            squad.id.0,
            "雉城街道 电动自行车抓拍点 人民路",
            "人民路",
            "人民广场",
            119.9140,
            31.0290,
            &["2001", "2003"],
        ),
        "电动自行车闯红灯、不戴头盔问题突出",
    )
    .await?;
    approve_in_every_department(&fast, people, walked).await?;
    let registration = RegistrationInput {
        platform_ref: "PT-330522070106".into(),
    };
    lifecycle::confirm_registration(&fast, &people.manager, &meta, walked, &registration).await?;
    let start = act("start_formal_use", "", "");
    lifecycle::act(&fast, &people.manager, &meta, walked, &start).await?;
    fast.store.close().await;
    Ok(())
}

/// The squad's device manager proposes a device and files its necessity assessment.
async fn propose(
    state: &AppState,
    people: &People,
    input: &DeviceInput,
    necessity: &str,
) -> anyhow::Result<DeviceId> {
    let meta = RequestMeta::default();
    let device =
        registry::create_device(state, Authority::User(&people.manager), &meta, input).await?;
    lifecycle::file_assessment(
        state,
        &people.manager,
        &meta,
        device.id,
        &assessment(necessity),
    )
    .await?;
    Ok(device.id)
}

/// Technology, legal and public opinion approve, in that order.
async fn approve_in_every_department(
    state: &AppState,
    people: &People,
    id: DeviceId,
) -> anyhow::Result<()> {
    let meta = RequestMeta::default();
    for (p, d) in [
        (&people.tech, "technology"),
        (&people.legal, "legal"),
        (&people.opinion, "public_opinion"),
    ] {
        lifecycle::review(state, p, &meta, id, &review(d, "approve", "")).await?;
    }
    Ok(())
}
