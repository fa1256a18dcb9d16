//! RID-05: the face base library import: checked ID numbers, per-row errors, nothing written
//! unless bad rows are skipped, a known ID number updated.

use super::*;

async fn import(r: &Riders, csv: String, skip: bool) -> (u16, Value) {
    let resp =
        r.w.app
            .client
            .post(r.w.app.url(&format!(
                "/api/v1/rider-library?file_name=residents.csv&skip_bad_rows={skip}"
            )))
            .bearer_auth(&r.officer)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn rid_05_the_face_base_library_imports_residents_with_checked_id_numbers() {
    let r = riders().await;
    let good = roadwarden_testkit::cn_id(531);
    let other = roadwarden_testkit::cn_id(532);
    let wrong_check = if good.ends_with('0') { "1" } else { "0" };
    let bad = format!("{}{wrong_check}", &good[..17]);
    let code = &r.w.o.village.code;
    let csv = format!(
        "身份证号,姓名,村社区单位代码,村社区,工作单位,党员,手机号,照片\n\
         {good},李明,{code},红星村,长兴纺织,是,13800002222,li.jpg\n\
         {bad},王五,{code},红星村,,否,13800003333,\n\
         {other},赵六,NOPE,红星村,,否,,\n"
    );
    let (status, report) = import(&r, csv.clone(), false).await;
    assert_eq!(status, 422, "{report}");
    assert_eq!(report["committed"], false);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{report}");
    assert_eq!(
        (errors[0]["line"].as_u64(), errors[0]["field"].as_str()),
        (Some(3), Some("id_number"))
    );
    assert_eq!(
        (errors[1]["line"].as_u64(), errors[1]["field"].as_str()),
        (Some(4), Some("unit_code"))
    );
    let (_, list) =
        r.w.app
            .get("/api/v1/riders?purpose=enforcement", &r.officer)
            .await;
    assert_eq!(list["total"], 0, "nothing was written");

    let (status, report) = import(&r, csv, true).await;
    assert_eq!(status, 201, "{report}");
    assert_eq!(
        (report["created"].as_u64(), report["with_photo"].as_u64()),
        (Some(1), Some(1))
    );
    let (_, list) =
        r.w.app
            .get(
                &format!("/api/v1/riders?purpose=enforcement&search={good}"),
                &r.officer,
            )
            .await;
    let li = &list["items"][0];
    assert_eq!(
        (li["name"].as_str(), li["party_member"].as_bool()),
        (Some("李明"), Some(true))
    );
    assert_eq!(li["provisional"], false);
    // A re-import updates the resident's facts.
    let csv = format!(
        "id_number,name,unit_code,employer,phone\n{good},李明,{code},长兴电池,13800004444\n"
    );
    let (status, report) = import(&r, csv, false).await;
    assert_eq!(
        (status, report["updated"].as_u64()),
        (201, Some(1)),
        "{report}"
    );
    let (_, list) =
        r.w.app
            .get(
                &format!("/api/v1/riders?purpose=enforcement&search={good}"),
                &r.officer,
            )
            .await;
    assert_eq!(list["items"][0]["employer"], "长兴电池");
    assert_eq!(r.audited("rider.library_import").await.len(), 2);
    // A header without the ID number column is refused before any row.
    let (status, report) = import(&r, "name\n李明\n".into(), false).await;
    assert_eq!(status, 422);
    assert_eq!(report["errors"][0]["field"], "id_number");
    // Grid workers do not keep the library.
    let resp =
        r.w.app
            .client
            .post(r.w.app.url("/api/v1/rider-library"))
            .bearer_auth(&r.grid)
            .body("id_number,name\n")
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
}
