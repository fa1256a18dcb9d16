//! RID-05, RID-06: the identity acts. An unconfirmed match never raises a tier; confirming
//! recomputes it; "not this person" holds for good; merge and split keep one file per person.

use super::*;
use roadwarden_store::riders::faces;

fn tier(f: &Value) -> &str {
    f["person"]["tier"].as_str().unwrap()
}

#[tokio::test]
async fn rid_05_an_unconfirmed_match_never_escalates_until_an_officer_confirms_it() {
    let r = riders().await;
    let id = r
        .person(Some(&roadwarden_testkit::cn_id(511)), "Chen Jie", "")
        .await;
    let mut events = Vec::new();
    for n in 0..4 {
        events.push(
            r.event(Some(id), &format!("u-{n}"), 10 + n, MatchState::Unconfirmed)
                .await,
        );
    }
    let f = r.file(id, &r.officer).await;
    assert_eq!(tier(&f), "clear", "four unconfirmed matches raise nothing");
    assert_eq!(f["reason"]["unconfirmed"], 4);
    assert_eq!(f["reason"]["short"], 0);

    let (status, q) =
        r.w.app
            .get("/api/v1/rider-matches?purpose=enforcement", &r.officer)
            .await;
    assert_eq!(status, 200, "{q}");
    assert_eq!(q["total"], 4);
    assert_eq!(q["items"][0]["person"]["id"], id);

    for (i, e) in events.iter().enumerate() {
        let (status, out) = r
            .act(&format!("/api/v1/rider-events/{e}/confirm"), &no_body())
            .await;
        assert_eq!(status, 200, "{out}");
        let expected = if i < 3 { "occasional" } else { "frequent" };
        assert_eq!(out["tier"], expected, "after {} confirmations", i + 1);
        if i == 3 {
            // RID-09: the rise to frequent dispatched an education task and a visit.
            assert_eq!(out["dispatched"].as_array().unwrap().len(), 2, "{out}");
        }
    }
    let f = r.file(id, &r.officer).await;
    assert_eq!(tier(&f), "frequent");
    assert_eq!(f["reason"]["short"], 4);
    assert_eq!(f["reason"]["unconfirmed"], 0);
    assert_eq!(r.audited("rider_event.confirm").await.len(), 4);
    // A confirmed match is not open any more.
    let (status, e) = r
        .act(
            &format!("/api/v1/rider-events/{}/confirm", events[0]),
            &no_body(),
        )
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("rider.match_not_open"))
    );
    // Only officers act; the sibling county's officer does not see the event.
    let (status, _) =
        r.w.app
            .post(
                &format!("/api/v1/rider-events/{}/reject", events[1]),
                &r.grid,
                &no_body(),
            )
            .await;
    assert_eq!(status, 403);
    let (status, _) =
        r.w.app
            .post(
                &format!("/api/v1/rider-events/{}/reject", events[1]),
                &r.stranger,
                &no_body(),
            )
            .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn rid_06_not_this_person_excludes_the_face_from_that_file_for_good() {
    let r = riders().await;
    let id = r
        .person(Some(&roadwarden_testkit::cn_id(512)), "Liu Yang", "")
        .await;
    let e = r.event(Some(id), "x-1", 3, MatchState::Unconfirmed).await;
    let (status, out) = r
        .act(&format!("/api/v1/rider-events/{e}/reject"), &no_body())
        .await;
    assert_eq!(status, 200, "{out}");
    assert!(out["person_id"].is_null());
    let f = r.file(id, &r.officer).await;
    assert_eq!(f["events_total"], 0);
    // The exclusion is stored, for all later matching.
    let mut tx = r.w.app.state.store.begin().await.unwrap();
    let exclusions = faces::exclusions_page(&mut tx, 0, 100).await.unwrap();
    drop(tx);
    assert_eq!(exclusions.len(), 1);
    assert_eq!(exclusions[0].1, RiderPersonId(id));
    let entries = r.audited("rider_event.reject").await;
    assert_eq!(entries.len(), 1);
    // The event is in no file now: nothing more to reject.
    let (status, err) = r
        .act(&format!("/api/v1/rider-events/{e}/reject"), &no_body())
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (422, Some("rider.match_not_open"))
    );
}

#[tokio::test]
async fn rid_06_a_provisional_file_is_merged_into_a_confirmed_one_and_events_split_off() {
    let r = riders().await;
    let confirmed = r
        .person(Some(&roadwarden_testkit::cn_id(513)), "Sun Li", "")
        .await;
    let other = r
        .person(Some(&roadwarden_testkit::cn_id(514)), "Zhou Min", "")
        .await;
    let cluster = r.person(None, "", "").await;
    let own = r
        .event(Some(confirmed), "m-0", 5, MatchState::Matched)
        .await;
    let c1 = r
        .event(Some(cluster), "m-1", 4, MatchState::Unconfirmed)
        .await;
    r.event(Some(cluster), "m-2", 3, MatchState::Unconfirmed)
        .await;

    // A confirmed file is never merged away.
    let (status, e) = r
        .act(
            "/api/v1/riders/merge",
            &json!({ "from": other, "into": confirmed }),
        )
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("rider.merge_confirmed_file"))
    );
    let (status, out) = r
        .act(
            "/api/v1/riders/merge",
            &json!({ "from": cluster, "into": confirmed }),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    // The merged events stay unconfirmed: the tier counts only the confirmed one.
    assert_eq!(out["tier"], "occasional");
    let f = r.file(confirmed, &r.officer).await;
    assert_eq!(f["events_total"], 3);
    assert_eq!(f["reason"]["unconfirmed"], 2);
    let gone = r.file(cluster, &r.officer).await;
    assert_eq!(gone["person"]["merged_into"], confirmed);

    // Split the confirmed event and one merged event off into a new provisional file.
    let (status, out) = r
        .act(
            &format!("/api/v1/riders/{confirmed}/split"),
            &json!({ "events": [own, c1] }),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    let new = out["person_id"].as_i64().unwrap();
    assert_eq!(
        out["tier"], "clear",
        "the old file lost its only confirmed event"
    );
    let f = r.file(new, &r.officer).await;
    assert_eq!(f["person"]["provisional"], true);
    assert_eq!(f["events_total"], 2);
    assert_eq!(
        f["person"]["tier"], "clear",
        "split-off events wait for an officer"
    );
    let mut tx = r.w.app.state.store.begin().await.unwrap();
    let exclusions = faces::exclusions_page(&mut tx, 0, 100).await.unwrap();
    drop(tx);
    assert_eq!(exclusions.len(), 2);
    assert!(exclusions
        .iter()
        .all(|(_, p)| *p == RiderPersonId(confirmed)));
    // An event of another file is refused, naming the field.
    let (status, e) = r
        .act(
            &format!("/api/v1/riders/{confirmed}/split"),
            &json!({ "events": [own] }),
        )
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("events"))
    );
    assert_eq!(r.audited("rider.merge").await.len(), 1);
    assert_eq!(r.audited("rider.split").await.len(), 1);
}

#[tokio::test]
async fn rid_05_confirming_a_provisional_file_checks_the_id_number_and_counts_its_events() {
    let r = riders().await;
    let cluster = r.person(None, "", "").await;
    r.event(Some(cluster), "p-1", 6, MatchState::Unconfirmed)
        .await;
    let good = roadwarden_testkit::cn_id(516);
    let wrong_check = if good.ends_with('0') { "1" } else { "0" };
    let bad = format!("{}{wrong_check}", &good[..17]);
    let (status, e) = r
        .act(
            &format!("/api/v1/riders/{cluster}/confirm"),
            &json!({ "id_number": bad, "name": "Wu Qiang" }),
        )
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("id_number")),
        "{e}"
    );
    let id_number = roadwarden_testkit::cn_id(515);
    let (status, out) = r
        .act(
            &format!("/api/v1/riders/{cluster}/confirm"),
            &json!({ "id_number": id_number, "name": "Wu Qiang" }),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["tier"], "occasional");
    let f = r.file(cluster, &r.officer).await;
    assert_eq!(f["person"]["provisional"], false);
    assert_eq!(f["person"]["name"], "Wu Qiang");
    assert_eq!(f["events"][0]["match_state"], "matched");
    // The same ID number cannot be given to a second file: merge instead.
    let second = r.person(None, "", "").await;
    let (status, _) = r
        .act(
            &format!("/api/v1/riders/{second}/confirm"),
            &json!({ "id_number": id_number, "name": "Wu Qiang" }),
        )
        .await;
    assert_eq!(status, 409);
}
