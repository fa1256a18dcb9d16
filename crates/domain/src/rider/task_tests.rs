use super::*;
use chrono::TimeZone;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

const VILLAGE: UnitId = UnitId(7);
const OTHER_VILLAGE: UnitId = UnitId(8);
const GRID: &[Role] = &[Role::GridWorker];
const OFFICER: &[Role] = &[Role::EbikeOfficer];

fn task(state: TaskState) -> TaskFacts {
    TaskFacts {
        state,
        unit: VILLAGE,
        due_at: due_at(t0(), 7),
    }
}

fn grid_worker() -> TaskActor<'static> {
    TaskActor {
        unit: VILLAGE,
        roles: GRID,
    }
}

fn officer() -> TaskActor<'static> {
    TaskActor {
        unit: UnitId(1),
        roles: OFFICER,
    }
}

#[test]
fn rid_11_the_loop_dispatched_accepted_reported_passed() {
    let mut t = task(TaskState::Dispatched);
    t.state = take_step(&t, TaskStep::Accept, &grid_worker()).unwrap();
    assert_eq!(t.state, TaskState::Accepted);
    t.state = take_step(&t, TaskStep::Report, &grid_worker()).unwrap();
    assert_eq!(t.state, TaskState::Reported);
    t.state = take_step(&t, TaskStep::Pass, &officer()).unwrap();
    assert_eq!(t.state, TaskState::Passed);
    assert!(!t.state.is_open());
}

#[test]
fn rid_11_a_result_sent_back_returns_to_the_grid_worker() {
    let t = task(TaskState::Reported);
    let back = take_step(&t, TaskStep::SendBack, &officer()).unwrap();
    assert_eq!(back, TaskState::Accepted);
    let again = take_step(&task(back), TaskStep::Report, &grid_worker()).unwrap();
    assert_eq!(again, TaskState::Reported);
    assert_eq!(
        send_back_reason("  no photo of the visit "),
        Ok("no photo of the visit".into())
    );
    let err = send_back_reason("   ").unwrap_err();
    assert_eq!(err.code, "rider.task_reason_required");
    assert!(send_back_reason(&"x".repeat(501)).is_err());
}

#[test]
fn rid_11_steps_out_of_order_are_refused() {
    let cases = [
        (TaskState::Dispatched, TaskStep::Report, grid_worker()),
        (TaskState::Dispatched, TaskStep::Pass, officer()),
        (TaskState::Accepted, TaskStep::Accept, grid_worker()),
        (TaskState::Accepted, TaskStep::Pass, officer()),
        (TaskState::Reported, TaskStep::Report, grid_worker()),
        (TaskState::Passed, TaskStep::SendBack, officer()),
        (TaskState::Passed, TaskStep::Accept, grid_worker()),
    ];
    for (state, step, actor) in cases {
        let err = take_step(&task(state), step, &actor).unwrap_err();
        assert_eq!(err.code, "rider.task_out_of_order", "{state:?} {step:?}");
        assert_eq!(err.rule, "RID-11");
    }
}

#[test]
fn rid_11_only_a_grid_worker_of_the_tasks_unit_accepts_and_reports() {
    let elsewhere = TaskActor {
        unit: OTHER_VILLAGE,
        roles: GRID,
    };
    let officer_here = TaskActor {
        unit: VILLAGE,
        roles: OFFICER,
    };
    for (state, step) in [
        (TaskState::Dispatched, TaskStep::Accept),
        (TaskState::Accepted, TaskStep::Report),
    ] {
        for actor in [elsewhere, officer_here] {
            let err = take_step(&task(state), step, &actor).unwrap_err();
            assert_eq!(err.code, "rider.task_not_grid_worker");
        }
    }
}

#[test]
fn rid_11_only_an_ebike_officer_evaluates() {
    for step in [TaskStep::Pass, TaskStep::SendBack] {
        let err = take_step(&task(TaskState::Reported), step, &grid_worker()).unwrap_err();
        assert_eq!(err.code, "rider.task_not_officer");
        let supervisor = TaskActor {
            unit: VILLAGE,
            roles: &[Role::Supervisor],
        };
        assert!(take_step(&task(TaskState::Reported), step, &supervisor).is_err());
    }
}

#[test]
fn rid_11_a_task_is_overdue_past_its_due_date_until_passed() {
    let due = due_at(t0(), 7);
    assert_eq!(due, t0() + Duration::days(7));
    for state in [
        TaskState::Dispatched,
        TaskState::Accepted,
        TaskState::Reported,
    ] {
        assert!(!is_overdue(state, due, due), "{state:?} at the due instant");
        assert!(
            is_overdue(state, due, due + Duration::seconds(1)),
            "{state:?}"
        );
    }
    assert!(!is_overdue(
        TaskState::Passed,
        due,
        due + Duration::days(30)
    ));
}

#[test]
fn rid_11_a_result_needs_text_and_at_most_nine_photos() {
    let ok =
        TaskResult::parse(" visited, rider promised a helmet ", vec!["blob-1".into()]).unwrap();
    assert_eq!(ok.text, "visited, rider promised a helmet");
    assert_eq!(ok.photos.len(), 1);
    assert!(TaskResult::parse("  ", Vec::new()).is_err());
    assert!(TaskResult::parse(&"字".repeat(2_001), Vec::new()).is_err());
    assert!(TaskResult::parse(&"字".repeat(2_000), Vec::new()).is_ok());
    let nine: Vec<String> = (0..9).map(|i| format!("blob-{i}")).collect();
    assert!(TaskResult::parse("done", nine.clone()).is_ok());
    let mut ten = nine;
    ten.push("blob-9".into());
    assert!(TaskResult::parse("done", ten).is_err());
    assert!(TaskResult::parse("done", vec![String::new()]).is_err());
    assert!(TaskResult::parse("done", vec!["x".repeat(129)]).is_err());
}

#[test]
fn rid_11_states_and_steps_round_trip_as_text() {
    for s in TaskState::ALL {
        assert_eq!(TaskState::try_from(s.as_str().to_owned()), Ok(s));
    }
    for s in TaskStep::ALL {
        assert_eq!(TaskStep::parse(s.as_str()), Ok(s));
    }
    assert!(TaskState::parse("closed").is_err());
}
