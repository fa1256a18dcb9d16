//! RID-13: the cockpit's e-bike panel counts the programme in the viewer's units: today's
//! events, the identities waiting for an officer, and the files above clear by tier.

use super::*;

#[tokio::test]
async fn rid_13_the_cockpit_counts_the_e_bike_programme_of_the_viewers_units() {
    let r = riders().await;
    let before = r.w.app.page("/cockpit?lang=en", Some(&r.head)).await;
    assert!(
        !before.contains("ebikes.events_today"),
        "nothing recorded yet"
    );
    let id = r.person(None, "", "").await;
    r.event(Some(id), "c-1", 0, MatchState::Unconfirmed).await;
    r.event(None, "c-2", 0, MatchState::Held).await;
    r.event(Some(id), "c-3", 0, MatchState::Matched).await;
    let page = r.w.app.page("/cockpit?lang=en", Some(&r.head)).await;
    assert!(page.contains("E-bike events today"), "{page}");
    assert!(
        page.contains("data-k=\"ebikes.events_today\" data-zero=\"1\">3<"),
        "{page}"
    );
    assert!(
        page.contains("data-k=\"ebikes.to_confirm\" data-zero=\"1\">2<"),
        "{page}"
    );
    let zh = r.w.app.page("/cockpit?lang=zh-CN", Some(&r.head)).await;
    assert!(zh.contains("今日电动自行车违法事件"));
}
