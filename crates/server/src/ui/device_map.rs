//! The device list's map: positions projected (Web Mercator) into an SVG drawn on the server.

use minijinja::{context, Value};

use crate::services::devices::reads::MapPoint;

/// The map: positions projected (Web Mercator) into an SVG drawn on the server, so no script is
/// needed. With `devices.map_tile_url` set, the tiles of that server are laid underneath at the
/// zoom that fits the devices; without it, a plain background (no request leaves the browser).
pub(super) fn map_svg(points: &[MapPoint], tile_url: &str) -> Value {
    const W: f64 = 640.0;
    const H: f64 = 360.0;
    const PAD: f64 = 24.0;
    if points.is_empty() {
        return Value::from(());
    }
    // World pixel coordinates at zoom 0 (a 256-pixel square).
    let world = |lon: f64, lat: f64| {
        let lat = lat.clamp(-85.0, 85.0).to_radians();
        let x = (lon + 180.0) / 360.0 * 256.0;
        let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * 256.0;
        (x, y)
    };
    let xy: Vec<(f64, f64)> = points
        .iter()
        .map(|p| world(p.longitude, p.latitude))
        .collect();
    let (x0, x1) = xy.iter().fold((f64::MAX, f64::MIN), |(a, b), (x, _)| {
        (a.min(*x), b.max(*x))
    });
    let (y0, y1) = xy.iter().fold((f64::MAX, f64::MIN), |(a, b), (_, y)| {
        (a.min(*y), b.max(*y))
    });
    let fit = ((W - 2.0 * PAD) / (x1 - x0).max(1e-9)).min((H - 2.0 * PAD) / (y1 - y0).max(1e-9));
    let tiled = !tile_url.trim().is_empty();
    // Tiles come in whole zoom levels; a plain map may use any scale.
    let scale = if tiled {
        2f64.powi((fit.log2().floor() as i32).clamp(0, 18))
    } else {
        fit.min(2f64.powi(18))
    };
    let (cx, cy) = ((x0 + x1) / 2.0 * scale, (y0 + y1) / 2.0 * scale);
    let (left, top) = (cx - W / 2.0, cy - H / 2.0);
    let dots: Vec<Value> = points
        .iter()
        .zip(xy.iter())
        .map(|(p, (x, y))| {
            let (px, py) = (x * scale - left, y * scale - top);
            context! { id => p.id, number => p.number, name => p.name, state => p.state, cx => format!("{px:.1}"), cy => format!("{py:.1}") }
        })
        .collect();
    let mut tiles = Vec::new();
    if tiled {
        let z = scale.log2().round() as u32;
        let n = 1i64 << z;
        let (tx0, tx1) = (
            (left / 256.0).floor() as i64,
            ((left + W) / 256.0).floor() as i64,
        );
        let (ty0, ty1) = (
            (top / 256.0).floor() as i64,
            ((top + H) / 256.0).floor() as i64,
        );
        for ty in ty0.max(0)..=ty1.min(n - 1) {
            for tx in tx0..=tx1 {
                let href = tile_url
                    .replace("{z}", &z.to_string())
                    .replace("{x}", &tx.rem_euclid(n).to_string())
                    .replace("{y}", &ty.to_string());
                tiles.push(context! { href => href, x => format!("{:.1}", tx as f64 * 256.0 - left), y => format!("{:.1}", ty as f64 * 256.0 - top) });
            }
        }
    }
    context! { width => W, height => H, dots => dots, tiles => tiles, count => points.len() }
}
