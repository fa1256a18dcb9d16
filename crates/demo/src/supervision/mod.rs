//! Supervision's demo (SUP-02, SUP-03, SUP-07, AUD-09): 湖州市's supervisor warns about devices
//! of 雉城中队, and the squad's device manager re-checks, fixes, plans and reports; the city
//! accepts or sends back; one plan runs past its deadline and is escalated; complaints are
//! answered, open and overdue. Told in order on a manual clock ending at the real time, through
//! the services (`supervision::items`, `complaints`, `escalation`).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use roadwarden_server::auth::Principal;
use roadwarden_server::context::RequestMeta;
use roadwarden_server::services::supervision::complaints::{
    self, ComplaintStepInput, RegisterInput,
};
use roadwarden_server::services::supervision::escalation;
use roadwarden_server::services::supervision::items::{self, StepInput, WarnInput};
use roadwarden_server::{open_state, AppState, Clock, Settings};
use roadwarden_store::devices;

use crate::seed::principal;

const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

struct Desk<'a> {
    state: &'a AppState,
    clock: Clock,
    meta: RequestMeta,
    today: NaiveDate,
    /// 湖州市 (330500): warns, accepts, sends back.
    city: Principal,
    /// 雉城中队's device manager: re-checks and rectifies.
    squad: Principal,
    /// 长兴县's head: registers and answers complaints.
    head: Principal,
}

pub async fn seed(state: &AppState, settings: &Settings) -> anyhow::Result<()> {
    let now = state.clock.now();
    let today = now.with_timezone(&TZ).date_naive();
    let clock = Clock::manual(now - Duration::days(40));
    let mut quiet = settings.clone();
    quiet.jobs.enabled = false;
    let seeding = open_state(quiet, clock.clone()).await?;
    let desk = Desk {
        state: &seeding,
        clock: clock.clone(),
        meta: RequestMeta::default(),
        today,
        city: principal(&seeding, "hz.supervisor").await?,
        squad: principal(&seeding, "zc.device").await?,
        head: principal(&seeding, "cx.head").await?,
    };
    let result = desk.story(now).await;
    seeding.store.close().await;
    result?;
    // The daily job at the real time: the overdue plan and the unanswered complaint escalate.
    escalation::run(state).await?;
    Ok(())
}

fn step(action: &str, note: &str, deadline: Option<NaiveDate>) -> StepInput {
    StepInput {
        action: action.into(),
        note: note.into(),
        deadline: deadline.map(|d| d.to_string()).unwrap_or_default(),
        ..StepInput::default()
    }
}

fn recheck(suspend: &str) -> StepInput {
    StepInput {
        action: "recheck".into(),
        necessity_holds: Some(true),
        necessity: "路口事故多发，设点必要性仍然成立".into(),
        rationality_holds: Some(suspend.is_empty()),
        rationality: "抓拍区域与标线一致".into(),
        conformity_holds: Some(suspend.is_empty()),
        conformity: if suspend.is_empty() {
            "设备检定在有效期内".into()
        } else {
            "抽检准确率低于要求，暂停使用待整改".into()
        },
        suspend_for: suspend.into(),
        ..StepInput::default()
    }
}

impl Desk<'_> {
    fn at(&self, days_ago: i64, now: DateTime<Utc>) {
        let t = now - Duration::days(days_ago) - Duration::hours(2);
        let by = t - self.clock.now();
        if by > Duration::zero() {
            self.clock.advance(by);
        }
    }

    fn day(&self, days_from_today: i64) -> Option<NaiveDate> {
        Some(self.today + Duration::days(days_from_today))
    }

    async fn warn(&self, number: &str, notice: &str) -> anyhow::Result<i64> {
        let mut tx = self.state.store.begin_read().await?;
        let d = devices::get_by_number(&mut tx, number)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo device {number}"))?;
        drop(tx);
        let input = WarnInput {
            device_id: d.id.0,
            notice: notice.into(),
        };
        let page = items::warn(self.state, &self.city, &self.meta, &input).await?;
        Ok(page.item.id)
    }

    async fn act(&self, who: &Principal, id: i64, input: &StepInput) -> anyhow::Result<()> {
        items::act(self.state, who, &self.meta, id, input).await?;
        Ok(())
    }

    async fn story(&self, now: DateTime<Utc>) -> anyhow::Result<()> {
        let (city, squad) = (&self.city, &self.squad);
        // Overdue: planned with a deadline ten days ago, never submitted (escalated at the end).
        self.at(30, now);
        let overdue = self
            .warn(
                "330522010005",
                "本月抓拍量较前8周同期中位数下降79%，请核查设备状态",
            )
            .await?;
        self.at(29, now);
        self.act(squad, overdue, &recheck("")).await?;
        self.act(
            squad,
            overdue,
            &step("plan", "更换补光灯并重新校准时钟", self.day(-10)),
        )
        .await?;
        // Accepted: suspended at the re-check, rectified, accepted: back in use.
        self.at(25, now);
        let accepted = self
            .warn("330522060012", "审核退回率连续三周上升至31%，请复核")
            .await?;
        self.at(24, now);
        self.act(squad, accepted, &recheck("low_accuracy")).await?;
        self.act(
            squad,
            accepted,
            &step("plan", "重新标定测速区间并送检", self.day(-12)),
        )
        .await?;
        self.at(15, now);
        self.act(
            squad,
            accepted,
            &step("report_progress", "已送检，等待检定报告", None).with_percent(60),
        )
        .await?;
        self.at(7, now);
        self.act(
            squad,
            accepted,
            &step("submit", "检定合格，报告编号 ZJJL-2026-1187", None),
        )
        .await?;
        self.at(6, now);
        self.act(city, accepted, &step("accept", "", None)).await?;
        // Fixed on the spot, waiting for the city's acceptance.
        self.at(20, now);
        let fixed = self
            .warn("330522010003", "设备时钟较标准时间快约10分钟")
            .await?;
        self.at(19, now);
        self.act(squad, fixed, &recheck("")).await?;
        self.act(
            squad,
            fixed,
            &step("fix_on_spot", "现场校时，接入NTP授时", None),
        )
        .await?;
        // A plan in progress.
        self.at(15, now);
        let planned = self
            .warn("330522010004", "连续两天无心跳，请核查通信")
            .await?;
        self.at(14, now);
        self.act(squad, planned, &recheck("")).await?;
        self.act(
            squad,
            planned,
            &step("plan", "更换4G通信模块", self.day(10)),
        )
        .await?;
        self.at(9, now);
        self.act(
            squad,
            planned,
            &step("report_progress", "模块已到货，待安装", None).with_percent(40),
        )
        .await?;
        // Sent back: the summary did not convince the city.
        self.at(20, now);
        let sent_back = self
            .warn("330522070011", "无法识别车辆的抓拍占比升至18%")
            .await?;
        self.at(18, now);
        self.act(squad, sent_back, &recheck("")).await?;
        self.act(
            squad,
            sent_back,
            &step("plan", "调整镜头角度，清洁防护罩", self.day(-4)),
        )
        .await?;
        self.at(5, now);
        self.act(squad, sent_back, &step("submit", "已调整角度", None))
            .await?;
        self.at(3, now);
        self.act(
            city,
            sent_back,
            &step("send_back", "未附调整前后的抓拍对比，请补充", self.day(7)),
        )
        .await?;
        // Re-checked, and new.
        self.at(8, now);
        let rechecked = self
            .warn("330522010002", "异议成立数较上月增加5件，请复核设点")
            .await?;
        self.at(6, now);
        self.act(squad, rechecked, &recheck("")).await?;
        self.at(1, now);
        self.warn("330522070010", "电动自行车抓拍点夜间抓拍量异常升高，请核查")
            .await?;
        // Complaints: answered, open, overdue.
        self.at(24, now);
        let overdue = self
            .complaint(
                "phone",
                "330522010001",
                "市民来电：该路口信号灯配时变更后抓拍激增",
            )
            .await?;
        let _ = overdue;
        self.at(18, now);
        let answered = self
            .complaint(
                "web",
                "330522010003",
                "网上投诉：抓拍时间与实际通行时间不符",
            )
            .await?;
        self.at(17, now);
        self.complaint_step(answered, "start_check", "", "").await?;
        self.at(12, now);
        self.complaint_step(
            answered,
            "answer",
            "upheld",
            "经核查设备时钟偏快，已校时并复核相关记录",
        )
        .await?;
        self.at(2, now);
        self.complaint(
            "media",
            "330522070010",
            "本地媒体报道：电动自行车抓拍点提示语音过响",
        )
        .await?;
        Ok(())
    }

    async fn complaint(&self, channel: &str, number: &str, summary: &str) -> anyhow::Result<i64> {
        let mut tx = self.state.store.begin_read().await?;
        let d = devices::get_by_number(&mut tx, number)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo device {number}"))?;
        drop(tx);
        let input = RegisterInput {
            channel: channel.into(),
            target_kind: "device".into(),
            target_id: d.id.0,
            handling_unit_id: None,
            summary: summary.into(),
        };
        Ok(
            complaints::register(self.state, &self.head, &self.meta, &input)
                .await?
                .id,
        )
    }

    async fn complaint_step(
        &self,
        id: i64,
        action: &str,
        outcome: &str,
        reply: &str,
    ) -> anyhow::Result<()> {
        let input = ComplaintStepInput {
            action: action.into(),
            outcome: outcome.into(),
            reply: reply.into(),
        };
        complaints::act(self.state, &self.head, &self.meta, id, &input).await?;
        Ok(())
    }
}

trait Percent {
    fn with_percent(self, p: u8) -> Self;
}

impl Percent for StepInput {
    fn with_percent(mut self, p: u8) -> Self {
        self.percent = Some(p);
        self
    }
}
