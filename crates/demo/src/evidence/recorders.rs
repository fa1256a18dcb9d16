//! BWC-01, BWC-04: the county's recorders on the ledger, and the ledger's steps as the story
//! uses them (a check before each hand-over).

use roadwarden_domain::evidence::ledger::PreUseCheck;
use roadwarden_server::auth::Principal;
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
        let admin = scene.people.admin.clone();
        register(scene, &admin, number, "警翼", model).await?;
    }
    Ok(())
}

/// BWC-01: a recorder on the ledger of `admin`'s unit, remembered by its number.
pub(super) async fn register(
    scene: &mut Scene<'_>,
    admin: &Principal,
    number: &'static str,
    brand: &str,
    model: &str,
) -> anyhow::Result<()> {
    let r = recorders::register(
        scene.state,
        admin,
        &scene.meta,
        NewRecorderInput {
            number: number.into(),
            unit_id: None,
            brand: brand.into(),
            model: model.into(),
        },
    )
    .await?;
    scene.recorders.insert(number, r.recorder.id);
    Ok(())
}

impl Scene<'_> {
    /// One step on recorder `number`'s ledger, by the county's administrator.
    pub(super) async fn step(&self, number: &str, s: Step) -> anyhow::Result<()> {
        self.step_by(&self.people.admin, number, s).await
    }

    /// One step on recorder `number`'s ledger, by `admin`.
    pub(super) async fn step_by(
        &self,
        admin: &Principal,
        number: &str,
        s: Step,
    ) -> anyhow::Result<()> {
        let id = self.recorder(number);
        recorders::step(self.state, admin, &self.meta, id, s).await?;
        Ok(())
    }

    /// BWC-04 then BWC-01: the pre-use check, then the hand-over to `officer`.
    pub(super) async fn check_and_issue(&self, number: &str, officer: i64) -> anyhow::Result<()> {
        let admin = &self.people.admin;
        self.check_and_issue_by(admin, number, officer, "外观完好，电量充足")
            .await
    }

    /// As [`Scene::check_and_issue`], by `admin`, with the condition in their words.
    pub(super) async fn check_and_issue_by(
        &self,
        admin: &Principal,
        number: &str,
        officer: i64,
        condition: &str,
    ) -> anyhow::Result<()> {
        let check = Step::Check {
            officer_id: Some(officer),
            check: GOOD,
        };
        self.step_by(admin, number, check).await?;
        let issue = Step::Issue {
            officer_id: officer,
            condition: condition.into(),
        };
        self.step_by(admin, number, issue).await
    }
}
