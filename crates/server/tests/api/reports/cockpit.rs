//! RID-13: the cockpit page in three languages for the command centre's roles, its event
//! stream's first snapshot, and the refusal for everyone else.

use std::time::Duration as StdDuration;

use serde_json::Value;

use super::*;

/// Reads the event stream at `path` until its first event: the event's JSON data.
async fn first_event(w: &World, token: &str) -> (u16, String, Option<Value>) {
    let mut resp = w
        .app
        .client
        .get(w.app.url("/cockpit/events"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let mime = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if status != 200 {
        return (status, mime, None);
    }
    let mut text = String::new();
    let read = async {
        while let Some(chunk) = resp.chunk().await.unwrap() {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if text.contains("\n\n") {
                break;
            }
        }
    };
    tokio::time::timeout(StdDuration::from_secs(10), read)
        .await
        .expect("a first event within seconds");
    assert!(text.starts_with("event: snapshot\n"), "{text}");
    let data = text
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .expect("a data line");
    (status, mime, Some(serde_json::from_str(data).unwrap()))
}

#[tokio::test]
async fn rid_13_cockpit_renders_in_three_languages_for_the_command_centre() {
    let w = world().await;
    let p = people(&w).await;
    let admin = w.app.token(&w.o.county_admin.0, &w.o.county_admin.1).await;
    for token in [&p.supervisor, &p.head, &admin] {
        for (lang, l) in [("zh-CN", Lang::ZhCn), ("en", Lang::En), ("vi", Lang::Vi)] {
            let page = w
                .app
                .page(&format!("/cockpit?lang={lang}"), Some(token))
                .await;
            assert!(page.contains(&format!("<html lang=\"{lang}\">")), "{page}");
            assert!(page.contains(&t(l, "cockpit.title")), "{lang}");
            assert!(page.contains(&t(l, "cockpit.captures_today")), "{lang}");
            // No e-bike figures yet: the panel says so.
            assert!(page.contains(&t(l, "cockpit.ebikes_none")), "{lang}");
            assert!(page.contains("data-k=\"review.waiting\""));
        }
    }
    // The county's head sees the camera on the map (it has a position in the ledger).
    let page = w.app.page("/cockpit", Some(&p.head)).await;
    assert!(page.contains("id=\"cockpit-map\""), "{page}");
    let css = w.app.page("/static/cockpit.css", None).await;
    assert!(css.contains(".ck-grid"));
}

#[tokio::test]
async fn rid_13_cockpit_events_send_a_first_snapshot_of_the_viewers_units() {
    let w = world().await;
    let p = people(&w).await;
    push_captures(&w, 2).await;
    let (status, mime, snapshot) = first_event(&w, &p.head).await;
    assert_eq!(status, 200);
    assert!(mime.starts_with("text/event-stream"), "{mime}");
    let s = snapshot.unwrap();
    assert_eq!(s["captures_today"], 2, "{s}");
    assert_eq!(s["review"]["waiting"], 2, "{s}");
    assert_eq!(s["ebikes"], Value::Null);
    assert!(s["devices_total"].as_i64().unwrap() >= 4, "{s}");
    // The sibling county manages none of it: its cockpit is empty, not an error.
    let (status, _, snapshot) = first_event(&w, &p.sibling_head).await;
    assert_eq!(status, 200);
    let s = snapshot.unwrap();
    assert_eq!(s["captures_today"], 0);
    assert_eq!(s["devices_total"], 0);
    assert_eq!(s["footage"]["percent"], Value::Null);
}

#[tokio::test]
async fn rid_13_cockpit_refuses_other_roles() {
    let w = world().await;
    for token in [&w.reviewer, &w.clerk, &w.manager] {
        let (status, _, _) = first_event(&w, token).await;
        assert_eq!(status, 403);
        let resp = w
            .app
            .client
            .get(w.app.url("/cockpit"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 403);
    }
}

#[tokio::test]
async fn rid_13_a_new_stream_of_the_same_session_ends_the_old_one() {
    let w = world().await;
    let p = people(&w).await;
    let mut old = w
        .app
        .client
        .get(w.app.url("/cockpit/events"))
        .bearer_auth(&p.head)
        .send()
        .await
        .unwrap();
    assert_eq!(old.status().as_u16(), 200);
    // Its first event, then a second stream on the same session.
    let _ = old.chunk().await.unwrap();
    let (status, _, _) = first_event(&w, &p.head).await;
    assert_eq!(status, 200);
    // At its next tick the old stream finds itself replaced and ends.
    let ended = tokio::time::timeout(StdDuration::from_secs(30), async {
        loop {
            match old.chunk().await {
                Ok(Some(c)) if String::from_utf8_lossy(&c).contains("event: snapshot") => {
                    return false
                }
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => return true,
            }
        }
    })
    .await
    .expect("the old stream ends within a tick");
    assert!(ended, "the old stream kept sending");
}

#[tokio::test]
async fn rid_13_cockpit_figures_as_json_for_the_viewers_units() {
    let w = world().await;
    let p = people(&w).await;
    push_captures(&w, 2).await;
    let (status, s) = w.app.get("/api/v1/cockpit", &p.head).await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["captures_today"], 2, "{s}");
    assert_eq!(s["review"]["waiting"], 2, "{s}");
    let (status, s) = w.app.get("/api/v1/cockpit", &p.sibling_head).await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["captures_today"], 0, "{s}");
    let (status, _) = w.app.get("/api/v1/cockpit", &w.reviewer).await;
    assert_eq!(status, 403);
}

/// The cockpit's counts (hour counts kept by triggers, migration 0034) against the same figures
/// counted one capture at a time, for `scope` at each of `moments`.
async fn counts_agree(
    w: &World,
    scope: &str,
    moments: &[chrono::DateTime<chrono::Utc>],
    when: &str,
) {
    use roadwarden_store::cockpit as store;
    let mut tx = w.app.state.store.begin_read().await.unwrap();
    let far = w.clock.now() + chrono::Duration::days(3650);
    for &at in moments {
        let kept = store::review_backlog(&mut tx, scope, at).await.unwrap();
        let recounted = store::review_backlog_recounted(&mut tx, scope, at)
            .await
            .unwrap();
        assert_eq!(kept, recounted, "{when}: the backlog in {scope} at {at}");
        let kept = store::captures_since(&mut tx, scope, at).await.unwrap();
        let recounted = store::captures_between(&mut tx, scope, at, far)
            .await
            .unwrap();
        assert_eq!(kept, recounted, "{when}: captures in {scope} since {at}");
    }
}

#[tokio::test]
async fn rid_13_the_cockpit_counts_follow_every_change_to_the_queue() {
    let w = world().await;
    let p = people(&w).await;
    let start = w.clock.now();
    // Moments on and off the hour, before, during and long after the captures' deadlines.
    let moments: Vec<_> = (0..40)
        .map(|k| start - Duration::hours(2) + Duration::minutes(37 * k * k))
        .chain([start, start + Duration::hours(1)])
        .collect();
    let scopes = [
        w.o.province.path.as_str().to_owned(),
        w.o.county.path.as_str().to_owned(),
        w.o.sibling_county.path.as_str().to_owned(),
    ];
    let check = |when: &'static str| {
        let (w, moments, scopes) = (&w, &moments, &scopes);
        async move {
            for scope in scopes {
                counts_agree(w, scope, moments, when).await;
            }
        }
    };
    let ids = push_captures(&w, 5).await;
    check("after ingest").await;
    let (_, s) = w.app.get("/api/v1/cockpit", &p.head).await;
    assert_eq!(s["review"]["waiting"], 5, "{s}");
    assert_eq!(s["captures_today"], 5, "{s}");

    w.approve(ids[0]).await;
    let (status, out) = w
        .captures(&w.reviewer)
        .decide(
            ids[1],
            &json!({ "decision": "reject", "reason": "vehicle_unidentifiable" }),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    check("after an approval and a rejection").await;
    let (_, s) = w.app.get("/api/v1/cockpit", &p.head).await;
    assert_eq!(s["review"]["waiting"], 3, "{s}");
    assert_eq!(s["captures_today"], 5, "{s}");

    // Well past the deadline (working days) the three still waiting are overdue, and the escalation job (which
    // marks them) changes no count.
    w.clock.advance(Duration::days(15));
    w.run_job(roadwarden_server::jobs::Job::CaptureEscalation)
        .await;
    check("after the escalation job").await;
    let (_, s) = w.app.get("/api/v1/cockpit", &p.head).await;
    assert_eq!(s["review"]["overdue"], 3, "{s}");
    assert_eq!(s["captures_today"], 0, "{s}");
}

/// The capture hour groups the analysis reads (kept by triggers, migration 0035) against the
/// same groups counted capture by capture, over whole hours and over windows that start or
/// end inside an hour.
async fn groups_agree(w: &World, when: &str) {
    use roadwarden_store::supervision::{capture_hours, capture_hours_recounted, Window};
    let scope = w.o.province.path.as_str();
    let now = w.clock.now();
    let key = |mut rows: Vec<roadwarden_store::supervision::CaptureHour>| {
        rows.sort_by(|a, b| {
            (a.device_id, &a.hour, &a.state, &a.reason).cmp(&(
                b.device_id,
                &b.hour,
                &b.state,
                &b.reason,
            ))
        });
        rows.into_iter()
            .map(|r| {
                (
                    r.device_id,
                    r.hour,
                    r.state,
                    r.reason,
                    r.n,
                    r.unidentified,
                    r.second,
                )
            })
            .collect::<Vec<_>>()
    };
    let mut tx = w.app.state.store.begin_read().await.unwrap();
    let ends = [
        (now - Duration::days(2), now + Duration::days(1)),
        (now - Duration::minutes(7), now + Duration::minutes(50)),
        (
            now - Duration::hours(7) - Duration::minutes(23),
            now - Duration::minutes(3),
        ),
    ];
    for (from, to) in ends {
        let win = Window {
            scope,
            devices: (0, i64::MAX),
            from,
            to,
            limit: 10_000,
        };
        let kept = key(capture_hours(&mut tx, win).await.unwrap());
        let recounted = key(capture_hours_recounted(&mut tx, win).await.unwrap());
        assert_eq!(kept, recounted, "{when}: the groups over [{from}, {to})");
    }
}

#[tokio::test]
async fn sup_02_the_kept_capture_hour_groups_follow_every_change_to_a_capture() {
    let w = crate::captures::world_with(|s| s.captures.second_review_percent = 100).await;
    roadwarden_testkit::account(&w.app.state, &w.o.county, "cx.reviewer2", 17, &["reviewer"]).await;
    let second = w
        .app
        .token("cx.reviewer2", roadwarden_testkit::PASSWORD)
        .await;
    let ids = push_captures(&w, 5).await;
    let (status, receipt) = w.push(CAMERA, &w.capture("", "1625", 30)).await;
    assert_eq!(status, 201, "an unreadable plate is taken in: {receipt}");
    groups_agree(&w, "after ingest").await;

    // A second look: the first reviewer's approval, then the second's.
    let out = w.approve(ids[0]).await;
    assert_eq!(out["state"], "second_review", "{out}");
    groups_agree(&w, "after a first approval").await;
    let (status, out) = w
        .captures(&second)
        .decide(ids[0], &json!({ "decision": "approve" }))
        .await;
    assert_eq!(status, 200, "{out}");
    let (status, out) = w
        .captures(&w.reviewer)
        .decide(
            ids[1],
            &json!({ "decision": "reject", "reason": "vehicle_unidentifiable" }),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    groups_agree(&w, "after a second look and a rejection").await;

    // A hand-run statement moves a capture to another hour and removes another one.
    let store = &w.app.state.store;
    let moved =
        (w.clock.now() - Duration::hours(5)).to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    store
        .raw_execute(&format!(
            "UPDATE captures SET captured_at = '{moved}' WHERE id = {}",
            ids[2]
        ))
        .await
        .unwrap();
    store
        .raw_execute(&format!(
            "DELETE FROM capture_images WHERE capture_id = {}",
            ids[3]
        ))
        .await
        .unwrap();
    store
        .raw_execute(&format!("DELETE FROM captures WHERE id = {}", ids[3]))
        .await
        .unwrap();
    groups_agree(&w, "after a move and a removal").await;
}
