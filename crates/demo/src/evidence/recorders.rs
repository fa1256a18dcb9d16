//! BWC-01, BWC-04: the county's recorders on the ledger, and the ledger's steps as the story
//! uses them (a check before each hand-over).

use roadwarden_domain::evidence::ledger::PreUseCheck;
use roadwarden_server::services::evidence::recorders::{self, NewRecorderInput, Step};

use super::Scene;

const GOOD: PreUseCheck = PreUseCheck {
    fault_free: true,
    main_battery_charged: true,
    spare_battery_charged: true,
    storage_sufficient: true,
    time_and_place_stamp_correct: true,
};

/// BWC-01: five recorders on the county's ledger.
pub(super) async fn register_five(scene: &mut Scene<'_>) -> anyhow::Result<()> {
    for (number, model) in [
        ("DSJ-CX-0001", "DSJ-V9"),
        ("DSJ-CX-0002", "DSJ-V9"),
        ("DSJ-CX-0003", "DSJ-V9"),
        ("DSJ-CX-0004", "DSJ-A8"),
        ("DSJ-CX-0005", "DSJ-A8"),
    ] {
        let r = recorders::register(
            scene.state,
            &scene.people.admin,
            &scene.meta,
            NewRecorderInput {
                number: number.into(),
                unit_id: None,
                brand: "警翼".into(),
                model: model.into(),
            },
        )
        .await?;
        scene.recorders.insert(number, r.recorder.id);
    }
    Ok(())
}

impl Scene<'_> {
    /// One step on recorder `number`'s ledger, by the administrator.
    pub(super) async fn step(&self, number: &str, s: Step) -> anyhow::Result<()> {
        let id = self.recorder(number);
        recorders::step(self.state, &self.people.admin, &self.meta, id, s).await?;
        Ok(())
    }

    /// BWC-04 then BWC-01: the pre-use check, then the hand-over to `officer`.
    pub(super) async fn check_and_issue(&self, number: &str, officer: i64) -> anyhow::Result<()> {
        self.step(
            number,
            Step::Check {
                officer_id: Some(officer),
                check: GOOD,
            },
        )
        .await?;
        self.step(
            number,
            Step::Issue {
                officer_id: officer,
                condition: "外观完好，电量充足".into(),
            },
        )
        .await
    }
}
