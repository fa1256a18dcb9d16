//! Supervision of the devices in service: a suspension, a warning and a circuit breaker, and
//! half a year of patrols, faults and operations, so the DEV-11 report, the clean-up list and
//! the alerts have something to show.

use chrono::{DateTime, Duration, Utc};
use roadwarden_domain::device::DeviceState;
use roadwarden_server::auth::Principal;
use roadwarden_server::context::RequestMeta;
use roadwarden_server::services::devices::lifecycle;
use roadwarden_server::services::devices::upkeep::{
    self, FaultInput, FixInput, OperationInput, PatrolInput,
};
use roadwarden_server::AppState;
use roadwarden_store::devices::{self, Device, DeviceFilter};
use roadwarden_store::units::Unit;

use super::proposals::act;
use super::People;

/// One camera suspended for low accuracy; another warned, then cut off, for abnormal volume.
pub(super) async fn supervision(state: &AppState, people: &People) -> anyhow::Result<()> {
    let meta = RequestMeta::default();
    let low_accuracy = device_id(state, "330522010016").await?;
    let suspend = act(
        "suspend",
        "抽检准确率仅 71%，暂停使用待整改",
        "low_accuracy",
    );
    lifecycle::act(state, &people.manager, &meta, low_accuracy, &suspend).await?;
    let abnormal = device_id(state, "330522010017").await?;
    let warn = act("warn", "抓拍量环比上升 340%，请核查", "");
    lifecycle::act(state, &people.supervisor, &meta, abnormal, &warn).await?;
    let cut_off = act("circuit_break", "数据严重异常，预警后未整改，实施熔断", "");
    lifecycle::act(state, &people.supervisor, &meta, abnormal, &cut_off).await?;
    Ok(())
}

async fn device_id(state: &AppState, number: &str) -> anyhow::Result<roadwarden_domain::DeviceId> {
    let mut tx = state.store.begin_read().await?;
    let d = devices::get_by_number(&mut tx, number)
        .await?
        .ok_or_else(|| anyhow::anyhow!("device {number}"))?;
    Ok(d.id)
}

/// For four in five devices in service: six months of patrols, a fault for every third (half
/// of them fixed) and a routine operation.
pub(super) async fn patrols_and_faults(
    state: &AppState,
    people: &People,
    squad: &Unit,
) -> anyhow::Result<()> {
    let meta = RequestMeta::default();
    let manager = &people.county_manager;
    let now = state.clock.now();
    for (i, d) in in_service(state, squad).await?.iter().enumerate() {
        if i % 5 == 4 {
            continue; // some devices are never looked after: they show on the clean-up list
        }
        patrols(state, manager, d, i, now).await?;
        if i % 3 == 0 {
            let fixed = i % 2 == 0;
            fault(state, manager, d, i, fixed, now).await?;
        }
        let routine = OperationInput {
            action: "日常运行状态确认".into(),
            status: "normal".into(),
            note: String::new(),
        };
        upkeep::log_operation(state, manager, &meta, d.id, &routine).await?;
    }
    Ok(())
}

/// The devices in use, due for evaluation or suspended, in the squad's county.
async fn in_service(state: &AppState, squad: &Unit) -> anyhow::Result<Vec<Device>> {
    let mut tx = state.store.begin_read().await?;
    let filter = DeviceFilter {
        states: vec![
            DeviceState::InUse,
            DeviceState::EvaluationDue,
            DeviceState::Suspended,
        ],
        ..DeviceFilter::default()
    };
    let (found, _) = devices::list(&mut tx, &squad.path.parent(), &filter, 1000, 0, false).await?;
    Ok(found)
}

/// A patrol a month for six months since the device came into use; one in seven finds the
/// fill light too dim.
async fn patrols(
    state: &AppState,
    manager: &Principal,
    d: &Device,
    i: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let meta = RequestMeta::default();
    for month in 0..6 {
        let at = now - Duration::days(30 * month + (i as i64 % 20) + 1);
        if d.in_use_since.is_some_and(|s| s > at) {
            continue;
        }
        let conforming = !matches!((i + month as usize) % 7, 0);
        let input = PatrolInput {
            patrolled_at: local(d, at),
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
        upkeep::add_patrol(state, manager, &meta, d.id, &input).await?;
    }
    Ok(())
}

/// The device went offline some days ago; a `fixed` fault was repaired within hours.
async fn fault(
    state: &AppState,
    manager: &Principal,
    d: &Device,
    i: usize,
    fixed: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let meta = RequestMeta::default();
    let opened = now - Duration::days(12 + i as i64);
    let input = FaultInput {
        opened_at: local(d, opened),
        description: "设备离线，网络中断".into(),
    };
    let fid = upkeep::open_fault(state, manager, &meta, d.id, &input).await?;
    if fixed {
        let fix = FixInput {
            fixed_at: local(d, opened + Duration::hours(5 + i as i64)),
            note: "更换光纤收发器，恢复上线".into(),
        };
        upkeep::fix_fault(state, manager, &meta, d.id, fid, &fix).await?;
    }
    Ok(())
}

/// A time as the forms take it: local to the device, to the minute.
fn local(d: &Device, at: DateTime<Utc>) -> String {
    at.with_timezone(&d.tz())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}
