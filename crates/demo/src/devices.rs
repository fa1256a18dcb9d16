//! Demo devices: a Changxing ledger of cameras already in service (imported with their history),
//! devices walked through every lifecycle state by the demo's own people, and a year of patrols
//! and faults so the DEV-11 report, the clean-up list and the alerts have something to show.

use chrono::Duration;
use roadwarden_domain::device::{DeviceState, Step};
use roadwarden_domain::DeviceId;
use roadwarden_server::auth::{AuthVia, Principal};
use roadwarden_server::context::RequestMeta;
use roadwarden_server::services::devices::ledger::{self, ImportOptions};
use roadwarden_server::services::devices::lifecycle::{
    self, ActionInput, AssessmentInput, ReviewInput,
};
use roadwarden_server::services::devices::registry::{self, DeviceInput};
use roadwarden_server::services::devices::{deadlines, upkeep};
use roadwarden_server::services::Authority;
use roadwarden_server::{open_state, AppState, Clock, Settings};
use roadwarden_store::devices::{self, DeviceFilter};
use roadwarden_store::{units, users};

/// (number, kind, squad, name, road, road class, km, place, village, lon, lat, violations,
/// state, in use since, maintainer)
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    f64,
    f64,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const CN_LEDGER: &[Row] = &[
    (
        "330522010001",
        "fixed_enforcement",
        "330522-01",
        "长兴大道与明珠路口 闯红灯",
        "长兴大道",
        "urban",
        "",
        "明珠路口",
        "",
        119.9103,
        31.0135,
        "1625;1208",
        "in_use",
        "2023-04-18",
        "长兴智慧交通科技有限公司",
    ),
    (
        "330522010002",
        "fixed_enforcement",
        "330522-01",
        "金陵路与解放路口 闯红灯",
        "金陵路",
        "urban",
        "",
        "解放路口",
        "",
        119.9032,
        31.0188,
        "1625;1357",
        "in_use",
        "2023-06-02",
        "长兴智慧交通科技有限公司",
    ),
    (
        "330522010003",
        "fixed_enforcement",
        "330522-01",
        "太湖大道与龙山路口 导向车道",
        "太湖大道",
        "urban",
        "",
        "龙山路口",
        "",
        119.9251,
        31.0202,
        "1208;1345",
        "in_use",
        "2024-01-15",
        "长兴智慧交通科技有限公司",
    ),
    (
        "330522010004",
        "fixed_enforcement",
        "330522-01",
        "画溪大道与经一路口 不让行人",
        "画溪大道",
        "urban",
        "",
        "经一路口",
        "",
        119.8987,
        31.0051,
        "1357;1625",
        "in_use",
        "2024-09-01",
        "浙江交通智联运维有限公司",
    ),
    (
        "330522010005",
        "fixed_enforcement",
        "330522-01",
        "中央大道与人民路口 闯红灯",
        "中央大道",
        "urban",
        "",
        "人民路口",
        "",
        119.9151,
        31.0279,
        "1625",
        "in_use",
        "2026-07-20",
        "浙江交通智联运维有限公司",
    ),
    (
        "330522030006",
        "speed",
        "330522-02",
        "G104 泗安段 区间测速起点",
        "G104",
        "national",
        "K1541+200",
        "",
        "泗安镇管埭村",
        119.6881,
        30.9112,
        "1352;1636;1603",
        "in_use",
        "2022-11-08",
        "浙江交通智联运维有限公司",
    ),
    (
        "330522030007",
        "speed",
        "330522-02",
        "G104 泗安段 定点测速",
        "G104",
        "national",
        "K1546+800",
        "",
        "泗安镇上泗安村",
        119.6527,
        30.8978,
        "1352;1636",
        "in_use",
        "2023-03-21",
        "浙江交通智联运维有限公司",
    ),
    (
        "330522030008",
        "speed",
        "330522-03",
        "S12 和平段 定点测速",
        "S12申嘉湖高速",
        "expressway",
        "K86+350",
        "",
        "和平镇长潮村",
        119.7702,
        30.8805,
        "1352;1636;1603",
        "in_use",
        "2021-09-14",
        "长兴智慧交通科技有限公司",
    ),
    (
        "330522040009",
        "plate_recognition",
        "330522-03",
        "和平镇卡口",
        "S306",
        "provincial",
        "K22+100",
        "",
        "和平镇城山村",
        119.7935,
        30.9204,
        "1344",
        "in_use",
        "2022-05-30",
        "长兴智慧交通科技有限公司",
    ),
    (
        "330522070010",
        "ebike_capture",
        "330522-01",
        "雉城街道 电动自行车抓拍点 长兴大道",
        "长兴大道",
        "urban",
        "",
        "县府路口",
        "",
        119.9088,
        31.0221,
        "2001;2002;2003",
        "in_use",
        "2025-03-10",
        "长兴智慧交通科技有限公司",
    ),
    (
        "330522070011",
        "ebike_capture",
        "330522-01",
        "雉城街道 电动自行车抓拍点 明珠路",
        "明珠路",
        "urban",
        "",
        "明珠广场",
        "",
        119.9177,
        31.0112,
        "2001;2003;2004",
        "in_use",
        "2025-03-10",
        "长兴智慧交通科技有限公司",
    ),
    (
        "330522060012",
        "surveillance",
        "330522-01",
        "县府路 视频监控",
        "县府路",
        "urban",
        "",
        "县府路中段",
        "",
        119.9066,
        31.0237,
        "",
        "in_use",
        "2020-08-01",
        "长兴智慧交通科技有限公司",
    ),
    (
        "330522050013",
        "traffic_counting",
        "330522-02",
        "G104 泗安 流量监测",
        "G104",
        "national",
        "K1543+000",
        "",
        "泗安镇管埭村",
        119.6760,
        30.9070,
        "",
        "in_use",
        "2021-04-12",
        "浙江交通智联运维有限公司",
    ),
    (
        "330522010014",
        "fixed_enforcement",
        "330522-02",
        "泗安镇区 违停抓拍",
        "泗安路",
        "urban",
        "",
        "泗安镇政府门口",
        "",
        119.6712,
        30.9001,
        "1039",
        "stopped",
        "2022-02-01",
        "浙江交通智联运维有限公司",
    ),
    (
        "330522010015",
        "fixed_enforcement",
        "330522-03",
        "和平镇老街 违停抓拍",
        "和平老街",
        "urban",
        "",
        "老街入口",
        "",
        119.7844,
        30.8978,
        "1039",
        "retired",
        "2019-05-01",
        "长兴智慧交通科技有限公司",
    ),
    (
        "330522010016",
        "fixed_enforcement",
        "330522-01",
        "龙山大道与经二路口 逆行",
        "龙山大道",
        "urban",
        "",
        "经二路口",
        "",
        119.9305,
        31.0167,
        "1301;1625",
        "in_use",
        "2024-04-01",
        "浙江交通智联运维有限公司",
    ),
    (
        "330522010017",
        "fixed_enforcement",
        "330522-01",
        "长兴大道与画溪大道口 闯红灯",
        "长兴大道",
        "urban",
        "",
        "画溪大道口",
        "",
        119.8965,
        31.0120,
        "1625;1208",
        "in_use",
        "2023-10-09",
        "长兴智慧交通科技有限公司",
    ),
    (
        "330522010018",
        "fixed_enforcement",
        "330522-03",
        "S306 和平 禁止标线",
        "S306",
        "provincial",
        "K18+600",
        "",
        "和平镇吴村",
        119.8107,
        30.9311,
        "1345;1344",
        "in_use",
        "2024-06-18",
        "长兴智慧交通科技有限公司",
    ),
];

const VN_LEDGER: &[Row] = &[
    (
        "450201030001",
        "speed",
        "VN-45-DH-CSGT",
        "QL9 Đông Hà – đo tốc độ",
        "QL9",
        "national",
        "K5+300",
        "",
        "Phường 4",
        107.0791,
        16.8123,
        "VN02",
        "in_use",
        "2024-02-01",
        "Công ty CP Viễn thông Quảng Trị",
    ),
    (
        "450201010002",
        "fixed_enforcement",
        "VN-45-DH-CSGT",
        "Ngã tư Lê Duẩn – Hùng Vương",
        "Lê Duẩn",
        "urban",
        "",
        "Ngã tư Hùng Vương",
        "",
        107.0955,
        16.8162,
        "VN01;VN03",
        "in_use",
        "2024-06-15",
        "Công ty CP Viễn thông Quảng Trị",
    ),
    (
        "450301010003",
        "fixed_enforcement",
        "VN-45-GL-CSGT",
        "QL1A Gio Linh – vượt đèn đỏ",
        "QL1A",
        "national",
        "K758+200",
        "",
        "Thị trấn Gio Linh",
        107.0712,
        16.9401,
        "VN01;VN06",
        "in_use",
        "2025-01-20",
        "Công ty CP Viễn thông Quảng Trị",
    ),
];

const HEADER: &str = "number,kind,unit_code,name,maintainer,leader,department,violation_types,road,road_class,km_marker,place,nearest_village,longitude,latitude,state,installed_on,in_use_since,registered_on,evaluated_on,last_valid_capture_on,platform_ref,calibration_issuer,calibration_no,calibration_valid_from,calibration_valid_until,mac,channel,notice_started,trial_started";

fn ledger_csv(
    rows: &[Row],
    leader: &str,
    department: &str,
    issuer: &str,
    today: chrono::NaiveDate,
) -> String {
    let mut out = String::from(HEADER);
    for (i, r) in rows.iter().enumerate() {
        let (
            number,
            kind,
            unit,
            name,
            road,
            class,
            km,
            place,
            village,
            lon,
            lat,
            vt,
            state,
            since,
            maintainer,
        ) = *r;
        let since_date = chrono::NaiveDate::parse_from_str(since, "%Y-%m-%d").unwrap_or(today);
        let installed = since_date - Duration::days(40);
        // Speed cameras hold yearly certificates: one expires within the month, one has lapsed.
        let cert = if kind == "speed" {
            let until = match i % 3 {
                0 => today + Duration::days(18),
                1 => today - Duration::days(3),
                _ => today + Duration::days(200),
            };
            let from = until - Duration::days(364);
            // A lapsed certificate stays on file: the check after the import suspends it.
            format!("{issuer},JD-{number},{from},{until}")
        } else {
            ",,,".to_owned()
        };
        out.push_str(&format!(
            "\n{number},{kind},{unit},{name},{maintainer},{leader},{department},{vt},{road},{class},{km},{place},{village},{lon},{lat},{state},{installed},{since},{registered},{evaluated},{last_capture},PT-{number},{cert},{mac},{notice},{trial}",
            registered = since_date - Duration::days(7),
            // DEV-04, DEV-05: the public notice, then a trial of 20 days, then formal use.
            notice = since_date - Duration::days(27),
            trial = since_date - Duration::days(20),
            // Evaluated three months in, except the newest device, whose evaluation is due.
            evaluated = if since_date + Duration::days(100) < today - Duration::days(60) { (since_date + Duration::days(100)).to_string() } else { String::new() },
            // Two idle devices have produced nothing valid for over a year (DEV-12).
            // The first camera pushes Hikvision ISAPI events, which name it by MAC and channel.
            mac = if number == "330522010001" { "bc:5e:33:62:2a:5c,1" } else { "," },
            last_capture = if i % 7 == 5 || state != "in_use" || vt.is_empty() { String::new() } else { (today - Duration::days(1 + i as i64 % 5)).to_string() },
        ));
    }
    out
}

pub async fn principal(state: &AppState, username: &str) -> anyhow::Result<Principal> {
    let mut tx = state.store.begin_read().await?;
    let user = users::get_by_username(&mut tx, username)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo user {username}"))?;
    let roles = users::roles_of(&mut tx, user.id).await?;
    Ok(Principal {
        user,
        roles,
        session_id: 0,
        csrf_token: String::new(),
        via: AuthVia::Bearer,
        must_change: None,
    })
}

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

fn act(action: &str, reason: &str, code: &str) -> ActionInput {
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

pub async fn seed(state: &AppState, settings: &Settings) -> anyhow::Result<usize> {
    let meta = RequestMeta::default();
    let today = state.clock.now().date_naive();
    let quiet = |_: usize, _: usize| {};
    let cn = ledger_csv(
        CN_LEDGER,
        "陈立群",
        "长兴县公安局交警大队科技中队",
        "湖州市计量检定测试所",
        today,
    );
    let report = ledger::import(
        state,
        Authority::Operator,
        &meta,
        "长兴县监控设备台账.csv",
        cn.as_bytes(),
        ImportOptions::default(),
        &quiet,
    )
    .await?;
    anyhow::ensure!(report.committed, "demo ledger refused: {:?}", report.errors);
    let vn = ledger_csv(
        VN_LEDGER,
        "Nguyễn Văn Hùng",
        "Đội CSGT",
        "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Quảng Trị",
        today,
    );
    let report = ledger::import(
        state,
        Authority::Operator,
        &meta,
        "so-thiet-bi-quang-tri.csv",
        vn.as_bytes(),
        ImportOptions::default(),
        &quiet,
    )
    .await?;
    anyhow::ensure!(
        report.committed,
        "demo VN ledger refused: {:?}",
        report.errors
    );

    let manager = principal(state, "zc.device").await?;
    let county_manager = principal(state, "cx.device").await?;
    let tech = principal(state, "cx.tech").await?;
    let legal = principal(state, "cx.legal").await?;
    let opinion = principal(state, "cx.opinion").await?;
    let supervisor = principal(state, "hz.supervisor").await?;
    let mut tx = state.store.begin_read().await?;
    let squad = units::get_by_code(&mut tx, "330522-01")
        .await?
        .ok_or_else(|| anyhow::anyhow!("squad"))?;
    drop(tx);
    let by_number = |n: &'static str| async move {
        let mut tx = state.store.begin_read().await?;
        let d = devices::get_by_number(&mut tx, n)
            .await?
            .ok_or_else(|| anyhow::anyhow!("device {n}"))?;
        anyhow::Ok(d.id)
    };

    // Proposals at every step of review.
    let draft = registry::create_device(
        state,
        Authority::User(&manager),
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
    let _ = draft;
    let reviewing = registry::create_device(
        state,
        Authority::User(&manager),
        &meta,
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
    )
    .await?;
    lifecycle::file_assessment(
        state,
        &manager,
        &meta,
        reviewing.id,
        &assessment("早晚高峰随意变道，近一年剐蹭事故 23 起"),
    )
    .await?;
    lifecycle::review(
        state,
        &tech,
        &meta,
        reviewing.id,
        &review("technology", "approve", ""),
    )
    .await?;
    let returned = registry::create_device(
        state,
        Authority::User(&manager),
        &meta,
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
    )
    .await?;
    lifecycle::file_assessment(
        state,
        &manager,
        &meta,
        returned.id,
        &assessment("商铺集中，违停严重影响通行"),
    )
    .await?;
    lifecycle::review(
        state,
        &tech,
        &meta,
        returned.id,
        &review("technology", "approve", ""),
    )
    .await?;
    lifecycle::review(
        state,
        &legal,
        &meta,
        returned.id,
        &review(
            "legal",
            "return",
            "未附设置地点公布计划，禁停标志缺失，请补充后重新提交",
        ),
    )
    .await?;
    let noticed = registry::create_device(
        state,
        Authority::User(&manager),
        &meta,
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
    )
    .await?;
    lifecycle::file_assessment(
        state,
        &manager,
        &meta,
        noticed.id,
        &assessment("学校周边，行人过街多，闯红灯投诉集中"),
    )
    .await?;
    for (p, d) in [
        (&tech, "technology"),
        (&legal, "legal"),
        (&opinion, "public_opinion"),
    ] {
        lifecycle::review(state, p, &meta, noticed.id, &review(d, "approve", "")).await?;
    }
    // A mobile camera (no place to publish) goes straight to its trial.
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
    let trial = registry::create_device(state, Authority::User(&manager), &meta, &mobile).await?;
    lifecycle::file_assessment(
        state,
        &manager,
        &meta,
        trial.id,
        &assessment("城区违停高发路段流动治理"),
    )
    .await?;
    for (p, d) in [
        (&tech, "technology"),
        (&legal, "legal"),
        (&opinion, "public_opinion"),
    ] {
        lifecycle::review(state, p, &meta, trial.id, &review(d, "approve", "")).await?;
    }

    // One proposal walked all the way to formal use today, with the periods set to zero in a
    // second handle on the same database (so the timeline shows every step).
    let mut quick = settings.clone();
    quick.devices.notice_days = 0;
    quick.devices.trial_days = 0;
    quick.jobs.enabled = false;
    let fast = open_state(quick, Clock::System).await?;
    let walked = registry::create_device(
        &fast,
        Authority::User(&manager),
        &meta,
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
    )
    .await?;
    lifecycle::file_assessment(
        &fast,
        &manager,
        &meta,
        walked.id,
        &assessment("电动自行车闯红灯、不戴头盔问题突出"),
    )
    .await?;
    for (p, d) in [
        (&tech, "technology"),
        (&legal, "legal"),
        (&opinion, "public_opinion"),
    ] {
        lifecycle::review(&fast, p, &meta, walked.id, &review(d, "approve", "")).await?;
    }
    lifecycle::confirm_registration(
        &fast,
        &manager,
        &meta,
        walked.id,
        &lifecycle::RegistrationInput {
            platform_ref: "PT-330522070106".into(),
        },
    )
    .await?;
    lifecycle::act(
        &fast,
        &manager,
        &meta,
        walked.id,
        &act("start_formal_use", "", ""),
    )
    .await?;
    fast.store.close().await;

    // Supervision of devices already in service.
    let low_accuracy = by_number("330522010016").await?;
    lifecycle::act(
        state,
        &manager,
        &meta,
        low_accuracy,
        &act(
            "suspend",
            "抽检准确率仅 71%，暂停使用待整改",
            "low_accuracy",
        ),
    )
    .await?;
    let abnormal = by_number("330522010017").await?;
    lifecycle::act(
        state,
        &supervisor,
        &meta,
        abnormal,
        &act("warn", "抓拍量环比上升 340%，请核查", ""),
    )
    .await?;
    lifecycle::act(
        state,
        &supervisor,
        &meta,
        abnormal,
        &act("circuit_break", "数据严重异常，预警后未整改，实施熔断", ""),
    )
    .await?;

    // A year of patrols and faults for the devices in service.
    let mut tx = state.store.begin_read().await?;
    let (in_service, _) = devices::list(
        &mut tx,
        &squad.path.parent(),
        &DeviceFilter {
            states: vec![
                DeviceState::InUse,
                DeviceState::EvaluationDue,
                DeviceState::Suspended,
            ],
            ..DeviceFilter::default()
        },
        1000,
        0,
        false,
    )
    .await?;
    drop(tx);
    let now = state.clock.now();
    for (i, d) in in_service.iter().enumerate() {
        if i % 5 == 4 {
            continue; // some devices are never patrolled: they show on the clean-up list
        }
        for month in 0..6 {
            let at = now - Duration::days(30 * month + (i as i64 % 20) + 1);
            if d.in_use_since.is_some_and(|s| s > at) {
                continue;
            }
            let conforming = !matches!((i + month as usize) % 7, 0);
            let input = upkeep::PatrolInput {
                patrolled_at: at
                    .with_timezone(&d.tz())
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                patroller: "钱伟".into(),
                conforming,
                status: if conforming {
                    "normal".into()
                } else {
                    "degraded".into()
                },
                findings: if conforming {
                    String::new()
                } else {
                    "补光灯亮度不足，抓拍图像夜间偏暗".into()
                },
            };
            upkeep::add_patrol(state, &county_manager, &meta, d.id, &input).await?;
        }
        if i % 3 == 0 {
            let opened = now - Duration::days(12 + i as i64);
            let fid = upkeep::open_fault(
                state,
                &county_manager,
                &meta,
                d.id,
                &upkeep::FaultInput {
                    opened_at: opened
                        .with_timezone(&d.tz())
                        .format("%Y-%m-%d %H:%M")
                        .to_string(),
                    description: "设备离线，网络中断".into(),
                },
            )
            .await?;
            if i % 2 == 0 {
                let fixed = opened + Duration::hours(5 + i as i64);
                upkeep::fix_fault(
                    state,
                    &county_manager,
                    &meta,
                    d.id,
                    fid,
                    &upkeep::FixInput {
                        fixed_at: fixed
                            .with_timezone(&d.tz())
                            .format("%Y-%m-%d %H:%M")
                            .to_string(),
                        note: "更换光纤收发器，恢复上线".into(),
                    },
                )
                .await?;
            }
        }
        upkeep::log_operation(
            state,
            &county_manager,
            &meta,
            d.id,
            &upkeep::OperationInput {
                action: "日常运行状态确认".into(),
                status: "normal".into(),
                note: String::new(),
            },
        )
        .await?;
    }
    let _ = Step::Retire;
    let _ = DeviceId(0);
    deadlines::check_calibrations(state).await?;
    deadlines::build_cleanup_list(state).await?;
    let mut tx = state.store.begin_read().await?;
    let count = devices::count_by_state(
        &mut tx,
        &roadwarden_domain::org::UnitPath::from_stored("/".into()),
    )
    .await?
    .iter()
    .map(|(_, n)| *n as usize)
    .sum();
    Ok(count)
}
