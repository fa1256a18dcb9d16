//! Quảng Trị's recorders (BWC-01, BWC-04, BWC-05), through the same ledger and upload paths as
//! Changxing's: Đông Hà's recorder administrator registers a recorder, checks it and hands it
//! to an officer for yesterday evening's patrol on QL9, and files the two clips it brought back.

use super::footage::Shift;
use super::recorders::register;
use super::Scene;

const RECORDER: &str = "DSJ-QT-0001";

/// Yesterday evening in Đông Hà, after Changxing's last hand-in (the story's clock only moves
/// on). The times are Changxing's, an hour ahead of Quảng Trị's: 20:40 here is 19:40 there.
pub(super) async fn yesterday_in_dong_ha(s: &mut Scene<'_>) -> anyhow::Result<()> {
    let admin = s.people.qt_recorder.clone();
    let officer = s.people.qt_officer.user.id.0;
    register(s, &admin, RECORDER, "Hikvision", "DS-MH2311").await?;
    s.check_and_issue_by(&admin, RECORDER, officer, "Nguyên vẹn, pin đầy")
        .await?;
    let patrol = Shift {
        recorder: RECORDER,
        officer: "dh.collector",
        duty_ended: s.ago(1, 22, 0),
        handed_in: s.ago(1, 22, 15),
    };
    let (from, to) = (s.ago(1, 20, 40), s.ago(1, 20, 55));
    let stop = s.clip(
        &patrol,
        "roadside_inspection",
        "QL9 Km5+300, Phường 4, thành phố Đông Hà",
        from,
        to,
    );
    let (from, to) = (s.ago(1, 21, 15), s.ago(1, 21, 35));
    let crash = s.clip(
        &patrol,
        "traffic_violation_accident_checkpoint",
        "Ngã tư Lê Duẩn – Hùng Vương, thành phố Đông Hà",
        from,
        to,
    );
    s.hand_in_by(&admin, stop).await?;
    s.hand_in_by(&admin, crash).await?;
    Ok(())
}
