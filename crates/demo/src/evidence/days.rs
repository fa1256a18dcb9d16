//! The last four days, one step each: recorders go out and come back (BWC-01, BWC-04), files
//! are handed in (BWC-05), duties are filed with missing footage and a gap (BWC-13), and a
//! work record explains the gap (BWC-03).

use chrono::Duration;
use roadwarden_domain::evidence::ledger::RepairDestination;
use roadwarden_server::services::evidence::recorders::Step;
use roadwarden_server::services::evidence::supervision::{self, DutyInput, WorkRecordInput};

use super::footage::{mp4, wav, Clip, Shift};
use super::{Kept, Scene};

/// Day -4: recorder 3 goes out and comes back broken; nobody sends it for repair (overdue).
pub(super) async fn four_days_ago(s: &Scene<'_>) -> anyhow::Result<()> {
    let zheng = s.people.zheng.user.id.0;
    s.at(s.ago(4, 7, 30));
    s.check_and_issue("DSJ-CX-0003", zheng).await?;
    s.at(s.ago(4, 18, 5));
    s.step(
        "DSJ-CX-0003",
        Step::Damage {
            condition: "执勤中跌落，外壳开裂，无法开机".into(),
        },
    )
    .await
}

/// Day -3: 郑强 carries recorder 2, 孙浩 recorder 4 (damaged, sent for repair the same day).
pub(super) async fn three_days_ago(s: &mut Scene<'_>) -> anyhow::Result<Kept> {
    let (zheng, sun) = (s.people.zheng.user.id.0, s.people.sun.user.id.0);
    s.at(s.ago(3, 7, 30));
    s.check_and_issue("DSJ-CX-0002", zheng).await?;
    s.at(s.ago(3, 7, 45));
    s.check_and_issue("DSJ-CX-0004", sun).await?;
    // Duty with full footage (BWC-02): 郑强's morning check on 104 国道.
    let zheng_shift = Shift {
        recorder: "DSJ-CX-0002",
        officer: "zc.collector",
        duty_ended: s.ago(3, 18, 0),
        handed_in: s.ago(3, 18, 30),
    };
    let (from, to) = (s.ago(3, 9, 5), s.ago(3, 9, 25));
    let f1 = s.clip(
        &zheng_shift,
        "roadside_inspection",
        "G104 国道 长兴收费站出口",
        from,
        to,
    );
    let (from, to) = (s.ago(3, 10, 10), s.ago(3, 10, 40));
    let f2 = Clip {
        case_ref: "长公交(2026)0117号",
        ..s.clip(
            &zheng_shift,
            "traffic_violation_accident_checkpoint",
            "长兴县 明珠路与金陵路交叉口",
            from,
            to,
        )
    };
    let (from, to) = (s.ago(3, 14, 0), s.ago(3, 14, 15));
    let f3 = s.clip(
        &zheng_shift,
        "investigation_or_on_the_spot_penalty",
        "长兴县 雉城街道 人民路",
        from,
        to,
    );
    // BWC-09: the petitioner asked for privacy; the file is restricted.
    let sun_shift = Shift {
        recorder: "DSJ-CX-0004",
        officer: "cx.ebike",
        duty_ended: s.ago(3, 17, 0),
        handed_in: s.ago(3, 17, 10),
    };
    let (from, to) = (s.ago(3, 8, 30), s.ago(3, 9, 10));
    let f4 = Clip {
        restriction: "privacy",
        ..s.clip(
            &sun_shift,
            "petition_reception",
            "长兴县公安局交警大队 接待室",
            from,
            to,
        )
    };
    s.at(s.ago(3, 17, 0));
    s.step(
        "DSJ-CX-0004",
        Step::Damage {
            condition: "雨中执勤后镜头进水起雾".into(),
        },
    )
    .await?;
    let restricted = s.hand_in(f4).await?;
    s.step(
        "DSJ-CX-0004",
        Step::SendForRepair {
            destination: RepairDestination::LogisticsDepartment,
        },
    )
    .await?;
    s.at(s.ago(3, 18, 30));
    s.step(
        "DSJ-CX-0002",
        Step::Return {
            condition: "完好".into(),
        },
    )
    .await?;
    let hold = s.hand_in(f1).await?;
    let copied = s.hand_in(f2).await?;
    let objected = s.hand_in(f3).await?;
    supervision::file_duty(
        s.state,
        &s.people.admin,
        &s.meta,
        DutyInput {
            officer_id: Some(zheng),
            activity: "roadside_inspection".into(),
            place: "G104 国道 长兴收费站出口".into(),
            started_at: s.ago(3, 9, 5),
            ended_at: s.ago(3, 9, 25),
            recorder_id: Some(s.recorder("DSJ-CX-0002")),
        },
    )
    .await?;
    Ok(Kept {
        hold,
        copied,
        objected,
        restricted,
    })
}

/// Day -2: 孙浩 with recorder 5; his file is handed in only the next evening (late, BWC-05):
/// the clip is returned for `yesterday` to hand in. 郑强's checkpoint duty that afternoon has
/// no footage at all (BWC-13).
pub(super) async fn two_days_ago(s: &mut Scene<'_>) -> anyhow::Result<Clip> {
    let (zheng, sun) = (s.people.zheng.user.id.0, s.people.sun.user.id.0);
    s.at(s.ago(2, 7, 30));
    s.check_and_issue("DSJ-CX-0005", sun).await?;
    s.at(s.ago(2, 17, 30));
    s.step(
        "DSJ-CX-0005",
        Step::Return {
            condition: "完好".into(),
        },
    )
    .await?;
    supervision::file_duty(
        s.state,
        &s.people.admin,
        &s.meta,
        DutyInput {
            officer_id: Some(zheng),
            activity: "traffic_violation_accident_checkpoint".into(),
            place: "S12 申嘉湖高速 长兴西出口".into(),
            started_at: s.ago(2, 14, 0),
            ended_at: s.ago(2, 14, 30),
            recorder_id: None,
        },
    )
    .await?;
    let late_shift = Shift {
        recorder: "DSJ-CX-0005",
        officer: "cx.ebike",
        duty_ended: s.ago(2, 17, 30),
        handed_in: s.ago(1, 20, 0),
    };
    let (from, to) = (s.ago(2, 15, 0), s.ago(2, 15, 20));
    Ok(s.clip(
        &late_shift,
        "seizure_or_evidence_collection",
        "长兴县 太湖街道 电动自行车扣押点",
        from,
        to,
    ))
}

/// Day -1: 郑强 with recorder 1. A 20-minute gap in the morning duty, explained by a work
/// record (BWC-03) the head has not decided yet. In the evening his files are handed in, then
/// 孙浩's `late` one. Returns the id of the morning's first file, which a reviewer asks to see.
pub(super) async fn yesterday(s: &mut Scene<'_>, late: Clip) -> anyhow::Result<i64> {
    let zheng = s.people.zheng.user.id.0;
    s.at(s.ago(1, 7, 40));
    s.check_and_issue("DSJ-CX-0001", zheng).await?;
    s.at(s.ago(1, 12, 0));
    supervision::file_duty(
        s.state,
        &s.people.admin,
        &s.meta,
        DutyInput {
            officer_id: Some(zheng),
            activity: "roadside_inspection".into(),
            place: "长兴县 画溪街道 检查点".into(),
            started_at: s.ago(1, 9, 0),
            ended_at: s.ago(1, 10, 0),
            recorder_id: Some(s.recorder("DSJ-CX-0001")),
        },
    )
    .await?;
    supervision::file_work_record(
        s.state,
        &s.people.zheng,
        &s.meta,
        WorkRecordInput {
            reason: "party_request".into(),
            basis: "当事人（未成年人）家属要求对其陈述过程不予录像，经带班民警同意暂停".into(),
            stopped_at: s.ago(1, 9, 20),
            resumed_at: Some(s.ago(1, 9, 40)),
        },
    )
    .await?;
    s.at(s.ago(1, 18, 0));
    s.step(
        "DSJ-CX-0001",
        Step::Return {
            condition: "完好".into(),
        },
    )
    .await?;
    let morning = Shift {
        recorder: "DSJ-CX-0001",
        officer: "zc.collector",
        duty_ended: s.ago(1, 10, 0),
        handed_in: s.ago(1, 18, 10),
    };
    let (from, to) = (s.ago(1, 9, 0), s.ago(1, 9, 20));
    let f6 = s.clip(
        &morning,
        "roadside_inspection",
        "长兴县 画溪街道 检查点",
        from,
        to,
    );
    let (from, to) = (s.ago(1, 9, 40), s.ago(1, 10, 0));
    let f7 = s.clip(
        &morning,
        "roadside_inspection",
        "长兴县 画溪街道 检查点",
        from,
        to,
    );
    // The long ones: a sound recording of an interview (plays and seeks) and a long video.
    let afternoon = Shift {
        duty_ended: s.ago(1, 17, 30),
        ..morning
    };
    let (from, to) = (s.ago(1, 13, 30), s.ago(1, 13, 33));
    let f8 = Clip {
        bytes: wav(180),
        ext: "WAV",
        ..s.clip(
            &afternoon,
            "inspection",
            "长兴县 雉城街道 某汽修厂",
            from,
            to,
        )
    };
    let (from, to) = (s.ago(1, 15, 0), s.ago(1, 16, 10));
    let f9 = Clip {
        bytes: mp4(2_500_000, 99),
        ..s.clip(
            &afternoon,
            "group_incident",
            "长兴县 龙山街道 某工地门口",
            from,
            to,
        )
    };
    let viewed = s.hand_in(f6).await?;
    for c in [f7, f8, f9] {
        s.hand_in(c).await?;
    }
    s.hand_in(late).await?;
    Ok(viewed)
}

/// Today: recorder 1 is out again with 郑强.
pub(super) async fn this_morning(s: &Scene<'_>) -> anyhow::Result<()> {
    s.at(s.now - Duration::hours(3));
    s.check_and_issue("DSJ-CX-0001", s.people.zheng.user.id.0)
        .await
}
