//! RID-10, RID-11: a task's seven days are a job. The daily pass reminds the grid workers the
//! day before, tells the village's head and the county's e-bike officers once it is overdue,
//! and escalates to the township's head N days later (SUP-03's style): each once, however
//! often the job runs.

use roadwarden_domain::org::UnitPath;
use roadwarden_domain::rider::{Addressee, TaskKind};
use roadwarden_server::jobs::worker::run_one;
use roadwarden_server::jobs::{enqueue, Job};
use roadwarden_store::riders::tasks::{self as task_rows, NewRiderTask};
use roadwarden_testkit::unit;

use super::*;

struct Township {
    w: World,
    village: Unit,
    grid: String,
    grid2: String,
    village_head: String,
    officer: String,
    township_head: String,
    county_head: String,
}

async fn township() -> Township {
    let w = World::at(t0(), |s| s.riders.tasks.escalate_after_days = 3).await;
    let s = &w.app.state;
    let town = unit(s, Some(&w.o.county), "330522-T1", "squad", "township").await;
    let village = unit(s, Some(&town), "330522-T1-V1", "squad", "village").await;
    Township {
        grid: w.person(&village, "t1v1.grid", 61, &["grid_worker"]).await,
        grid2: w.person(&village, "t1v1.grid2", 62, &["grid_worker"]).await,
        village_head: w.person(&village, "t1v1.head", 63, &["unit_head"]).await,
        officer: w
            .person(&w.o.county, "cx.ebike2", 64, &["ebike_officer"])
            .await,
        township_head: w.person(&town, "t1.head", 65, &["unit_head"]).await,
        county_head: w.person(&w.o.county, "cx.head2", 66, &["unit_head"]).await,
        village,
        w,
    }
}

impl Township {
    /// A grid-visit task for a new person of the village, due seven days from now.
    async fn task(&self, n: u32) -> i64 {
        let v = &self.village;
        let now = self.w.clock.now();
        let mut tx = self.w.app.state.store.begin().await.unwrap();
        let person = person_rows::insert(
            &mut tx,
            &NewRiderPerson {
                unit_id: v.id,
                unit_path: v.path.clone(),
                id_number: Some(roadwarden_testkit::cn_id(n)),
                name: "Li Ming".into(),
                village: "Xinqiao Village".into(),
                employer: String::new(),
                phone: "13800002222".into(),
                party_member: false,
                provisional: false,
                created_at: now,
            },
        )
        .await
        .unwrap();
        let id = task_rows::insert(
            &mut tx,
            &NewRiderTask {
                person_id: person,
                unit_id: v.id,
                unit_path: UnitPath::from_stored(v.path.as_str().to_owned()),
                kind: TaskKind::GridVisit,
                addressee: Addressee::Village,
                due_at: now + Duration::days(7),
                created_at: now,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        id.0
    }

    async fn run(&self) {
        let state = &self.w.app.state;
        enqueue(state, &Job::RiderTaskDeadlines, None, self.w.clock.now())
            .await
            .unwrap();
        while run_one(state).await.unwrap().is_some() {}
    }

    /// The messages about rider task `task` in `token`'s inbox, by kind.
    async fn about(&self, token: &str, task: i64) -> Vec<String> {
        let (status, list) = self
            .w
            .app
            .get("/api/v1/messages?state=all&per_page=200", token)
            .await;
        assert_eq!(status, 200, "{list}");
        list.as_array()
            .unwrap()
            .iter()
            .filter(|m| {
                m["subject_type"] == "rider_task"
                    && m["subject_id"].as_str() == Some(task.to_string().as_str())
            })
            .map(|m| m["kind"].as_str().unwrap().to_owned())
            .collect()
    }
}

#[tokio::test]
async fn rid_11_the_day_before_a_task_is_due_its_grid_workers_are_reminded_once() {
    let t = township().await;
    let task = t.task(601).await;
    t.w.clock.advance(Duration::days(5));
    t.run().await;
    assert!(t.about(&t.grid, task).await.is_empty(), "two days to go");
    t.w.clock.advance(Duration::days(1) + Duration::hours(1));
    t.run().await;
    t.run().await;
    for token in [&t.grid, &t.grid2] {
        assert_eq!(t.about(token, task).await, ["rider_task_due_soon"]);
    }
    assert!(t.about(&t.village_head, task).await.is_empty());
    // The inbox links the task on the board, in words.
    let page = t.w.app.page("/inbox?lang=en", Some(&t.grid)).await;
    assert!(page.contains("A rider task is due soon"), "{page}");
    assert!(page.contains("Grid-worker visit"), "{page}");
    assert!(
        page.replace("&#x2f;", "/")
            .contains(&format!("/riders/tasks#task-{task}")),
        "{page}"
    );
}

#[tokio::test]
async fn rid_11_a_task_taken_by_a_grid_worker_reminds_only_that_person() {
    let t = township().await;
    let task = t.task(602).await;
    let (status, v) =
        t.w.app
            .post(
                &format!("/api/v1/rider-tasks/{task}/accept"),
                &t.grid,
                &json!({}),
            )
            .await;
    assert_eq!(status, 200, "{v}");
    t.w.clock.advance(Duration::days(6) + Duration::hours(1));
    t.run().await;
    assert_eq!(t.about(&t.grid, task).await, ["rider_task_due_soon"]);
    assert!(t.about(&t.grid2, task).await.is_empty());
}

#[tokio::test]
async fn rid_10_an_overdue_task_goes_to_the_village_head_and_county_officer_then_the_township() {
    let t = township().await;
    let task = t.task(603).await;
    t.w.clock.advance(Duration::days(7) + Duration::hours(1));
    t.run().await;
    t.run().await;
    assert_eq!(t.about(&t.village_head, task).await, ["rider_task_overdue"]);
    assert_eq!(t.about(&t.officer, task).await, ["rider_task_overdue"]);
    assert!(t.about(&t.township_head, task).await.is_empty());
    // Seen first when already overdue, it was never "due soon".
    assert!(t.about(&t.grid, task).await.is_empty());

    t.w.clock.advance(Duration::days(2));
    t.run().await;
    assert!(
        t.about(&t.township_head, task).await.is_empty(),
        "N = 3 days"
    );
    t.w.clock.advance(Duration::days(1));
    t.run().await;
    t.run().await;
    assert_eq!(
        t.about(&t.township_head, task).await,
        ["rider_task_escalated"]
    );
    // The township's head, not the county's.
    assert!(t.about(&t.county_head, task).await.is_empty());
    assert_eq!(t.about(&t.village_head, task).await, ["rider_task_overdue"]);
    let page =
        t.w.app
            .page("/inbox?lang=zh-CN", Some(&t.township_head))
            .await;
    assert!(page.contains("已报乡镇"), "{page}");
}
