//! Issue 16 items 6 and 7 through HTTP: the monthly supervision reports (DEV-11, SUP-07a,
//! SUP-03, AUD-09) with their workbooks, and the cockpit with its event stream (RID-13). The
//! data is seeded through the same API the other areas use (the captures area's world).

mod cockpit;
mod monthly;

use calamine::{Data, Range, Reader, Xlsx};
use chrono::Duration;
use roadwarden_server::i18n::{t, Lang};
use serde_json::json;

use crate::captures::{world, World};

/// The red-light camera of the captures world, in use.
const CAMERA: &str = "330522010201";

/// People of the reports' tests on top of the captures world.
struct People {
    /// unit_head of the county (the camera is managed at or below it).
    head: String,
    /// supervisor of the city.
    supervisor: String,
    /// unit_head of the sibling county, which manages no device.
    sibling_head: String,
}

async fn people(w: &World) -> People {
    People {
        head: w
            .base
            .person(&w.o.county, "cx.head", 41, &["unit_head"])
            .await,
        supervisor: w
            .base
            .person(&w.o.city, "hz.supervisor", 42, &["supervisor"])
            .await,
        sibling_head: w
            .base
            .person(&w.o.sibling_county, "wx.head", 43, &["unit_head"])
            .await,
    }
}

/// Pushes `n` captures from the camera, a minute apart, each of its own plate: their ids.
async fn push_captures(w: &World, n: u8) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let plate = format!("浙E1234{i}");
        let (status, receipt) = w.push(CAMERA, &w.capture(&plate, "1625", 10 + i)).await;
        assert_eq!(status, 201, "{receipt}");
        ids.push(receipt["capture_id"].as_i64().unwrap());
        w.clock.advance(Duration::minutes(1));
    }
    ids
}

/// GETs `path` with `token`: the status, the content type and the body.
async fn download(w: &World, token: &str, path: &str) -> (u16, String, Vec<u8>) {
    let resp = w
        .app
        .client
        .get(w.app.url(path))
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
    (status, mime, resp.bytes().await.unwrap().to_vec())
}

/// The sheets of a workbook, in order.
fn sheets(bytes: Vec<u8>) -> Vec<Range<Data>> {
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an XLSX workbook");
    let names = book.sheet_names().to_vec();
    names
        .iter()
        .map(|n| book.worksheet_range(n).unwrap())
        .collect()
}

/// The first row of a sheet as text.
fn headings(sheet: &Range<Data>) -> Vec<String> {
    let width = sheet.width();
    (0..width)
        .map(|c| sheet.get((0, c)).map(|d| d.to_string()).unwrap_or_default())
        .collect()
}

/// The last row of a sheet (the total).
fn last_row(sheet: &Range<Data>) -> Vec<Data> {
    let h = sheet.height();
    (0..sheet.width())
        .map(|c| sheet.get((h - 1, c)).cloned().unwrap_or(Data::Empty))
        .collect()
}

fn en(key: &str) -> String {
    t(Lang::En, key)
}
