//! The figures in the scene: cars seen from behind (the offending one with its plate), and a
//! pedestrian on the crossing; and the colours the records name.

use super::canvas::{shade, Canvas, Rgb, Rng};
use super::PlateTint;

/// The body colour for one of the vehicle colour names a capture carries (`white`, `silver`,
/// `red`…, as the server's strings know them); `None` for a name we do not paint.
pub(super) fn body_colour(name: &str) -> Option<Rgb> {
    Some(match name.trim().to_ascii_lowercase().as_str() {
        "white" => [232, 232, 228],
        "black" => [34, 36, 40],
        "silver" => [186, 188, 190],
        "grey" | "gray" => [108, 112, 116],
        "red" => [160, 26, 30],
        "blue" => [36, 62, 130],
        "green" => [40, 92, 56],
        "yellow" => [226, 186, 40],
        "brown" => [108, 72, 46],
        "pink" => [224, 150, 172],
        "purple" => [92, 52, 118],
        "cyan" => [54, 160, 172],
        "orange" => [222, 112, 30],
        "gold" | "champagne" => [200, 170, 120],
        _ => return None,
    })
}

/// A pedestrian walking across, seen from the side, feet at (`x`, `y`), `height` pixels tall;
/// `rng` picks the clothes and which way the stride goes.
pub(super) fn draw_pedestrian(c: &mut Canvas, rng: &mut Rng, x: f32, y: f32, height: f32) {
    let h = height;
    let shirt = rng.pick(&[
        [196, 40, 40],
        [40, 90, 170],
        [230, 190, 50],
        [236, 236, 232],
        [60, 130, 80],
    ]);
    let trousers = rng.pick(&[[34, 40, 70], [30, 30, 32], [90, 92, 96], [150, 130, 96]]);
    let skin = rng.pick(&[[226, 184, 150], [200, 156, 120], [178, 132, 98]]);
    let hair = [26, 22, 20];
    let way = if rng.f() < 0.5 { -1.0 } else { 1.0 };
    c.ellipse(x, y, h * 0.2, h * 0.025, [10, 10, 12], 0.45);
    // Legs mid-stride, the far one first, then the shoes.
    let hip = (x, y - h * 0.47);
    let (back, front) = ((x - way * h * 0.13, y), (x + way * h * 0.12, y));
    c.segment(hip, back, h * 0.075, shade(trousers, 0.8));
    c.segment(hip, front, h * 0.08, trousers);
    for foot in [back, front] {
        c.ellipse(
            foot.0 + way * h * 0.025,
            foot.1 - h * 0.012,
            h * 0.05,
            h * 0.022,
            [24, 24, 26],
            1.0,
        );
    }
    // Arms swing against the legs; the torso over them.
    let shoulder = (x, y - h * 0.8);
    c.segment(
        shoulder,
        (x + way * h * 0.13, y - h * 0.5),
        h * 0.055,
        shade(shirt, 0.75),
    );
    c.trapezoid(
        (y - h * 0.82) as i32,
        (y - h * 0.45) as i32,
        (x - h * 0.1, x + h * 0.1),
        (x - h * 0.085, x + h * 0.085),
        shirt,
        shade(shirt, 0.85),
    );
    let hand = (x - way * h * 0.12, y - h * 0.5);
    c.segment(shoulder, hand, h * 0.06, shade(shirt, 0.9));
    c.ellipse(hand.0, hand.1, h * 0.028, h * 0.028, skin, 1.0);
    // Neck, head and hair.
    c.rect(
        (x - h * 0.025) as i32,
        (y - h * 0.87) as i32,
        (x + h * 0.025) as i32,
        (y - h * 0.8) as i32,
        shade(skin, 0.9),
    );
    let head = (x + way * h * 0.01, y - h * 0.92);
    c.ellipse(head.0, head.1, h * 0.062, h * 0.075, skin, 1.0);
    c.ellipse(
        head.0 - way * h * 0.012,
        head.1 - h * 0.03,
        h * 0.064,
        h * 0.05,
        hair,
        1.0,
    );
}

/// A car seen from behind, its wheels on the road at `y`, `cw` pixels wide; returns the
/// plate's rectangle when a plate is given.
pub(super) fn draw_car(
    c: &mut Canvas,
    rng: &mut Rng,
    cx: f32,
    y: f32,
    cw: f32,
    body: Rgb,
    plate: Option<(&str, PlateTint)>,
) -> Option<[i32; 4]> {
    let half = cw / 2.0;
    let (l, r) = ((cx - half) as i32, (cx + half) as i32);
    let at = |k: f32| (y - cw * k) as i32;
    // Shadow and wheels.
    c.ellipse(cx, y, cw * 0.6, cw * 0.05, [10, 10, 12], 0.55);
    let wheel_w = cw * 0.15;
    for side in [-1.0_f32, 1.0] {
        let wx = cx + side * (half - wheel_w * 0.8);
        c.rect(
            (wx - wheel_w / 2.0) as i32,
            at(0.14),
            (wx + wheel_w / 2.0) as i32,
            y as i32,
            [22, 22, 24],
        );
    }
    // Cabin: pillars in the body colour, the rear window inside with a reflection.
    let roof = at(0.7);
    let waist = at(0.42);
    c.trapezoid(
        roof,
        waist,
        (cx - cw * 0.34, cx + cw * 0.34),
        (cx - cw * 0.47, cx + cw * 0.47),
        shade(body, 0.95),
        body,
    );
    let glass_top = roof + (cw * 0.04) as i32;
    let glass_bottom = waist - (cw * 0.03) as i32;
    c.trapezoid(
        glass_top,
        glass_bottom,
        (cx - cw * 0.29, cx + cw * 0.29),
        (cx - cw * 0.4, cx + cw * 0.4),
        [62, 74, 88],
        [30, 36, 44],
    );
    let streak = rng.range(-0.2, 0.1);
    for yy in glass_top..glass_bottom {
        let k = (yy - glass_top) as f32 / (glass_bottom - glass_top).max(1) as f32;
        let x0 = cx + cw * (streak + 0.12 * k);
        c.rect_alpha(
            x0 as i32,
            yy,
            (x0 + cw * 0.08) as i32,
            yy + 1,
            [200, 210, 220],
            0.18,
        );
    }
    // Body, with a highlight along the top and a darker bumper.
    c.rect_gradient(l, waist, r, at(0.08), shade(body, 1.12), shade(body, 0.8));
    c.rect(
        l,
        waist,
        r,
        waist + (cw * 0.012).max(1.0) as i32,
        shade(body, 1.3),
    );
    c.rect_gradient(l + 1, at(0.17), r - 1, at(0.07), [44, 44, 46], [26, 26, 28]);
    // Tail lights and the badge.
    let light_h = (cw * 0.08) as i32;
    let light_y = waist + (cw * 0.04) as i32;
    for (x0, x1) in [
        (l + (cw * 0.02) as i32, l + (cw * 0.22) as i32),
        (r - (cw * 0.22) as i32, r - (cw * 0.02) as i32),
    ] {
        c.rect(x0, light_y, x1, light_y + light_h, [150, 18, 20]);
        c.rect(
            x0 + 2,
            light_y + light_h / 4,
            x1 - 2,
            light_y + light_h / 2,
            [214, 60, 52],
        );
    }
    c.ellipse(
        cx,
        light_y as f32 + light_h as f32 / 2.0,
        cw * 0.035,
        cw * 0.025,
        [210, 212, 216],
        1.0,
    );
    let (text, tint) = plate?;

    // The plate: framed, centred below the lights; the text fills it like a real plate's.
    let pw = (cw * 0.3).round() as i32;
    let ph = (pw as f32 / 3.2).round() as i32;
    let px = (cx - pw as f32 / 2.0).round() as i32;
    let py = at(0.17) - ph - (cw * 0.01) as i32;
    let (bg_top, bg_bottom, fg) = match tint {
        PlateTint::Blue => ([36, 84, 196], [18, 58, 160], [246, 246, 246]),
        PlateTint::Green => ([236, 248, 236], [84, 196, 110], [20, 20, 20]),
        PlateTint::Yellow => ([248, 200, 40], [230, 176, 20], [20, 20, 20]),
        PlateTint::White => ([250, 250, 248], [228, 228, 224], [20, 20, 20]),
    };
    c.rect(px - 2, py - 2, px + pw + 2, py + ph + 2, [16, 16, 18]);
    c.rect_gradient(px, py, px + pw, py + ph, bg_top, bg_bottom);
    let frame = if tint == PlateTint::Blue {
        [236, 236, 236]
    } else {
        [30, 30, 30]
    };
    let fw = (ph / 18).max(1);
    c.rect(px + fw, py + fw, px + pw - fw, py + 2 * fw, frame);
    c.rect(px + fw, py + ph - 2 * fw, px + pw - fw, py + ph - fw, frame);
    c.rect(px + fw, py + fw, px + 2 * fw, py + ph - fw, frame);
    c.rect(px + pw - 2 * fw, py + fw, px + pw - fw, py + ph - fw, frame);
    let pad = (ph / 7).max(2) as f32;
    c.plate_text(
        (px as f32 + pad, py as f32 + pad * 1.1),
        (pw as f32 - 2.0 * pad, ph as f32 - 2.2 * pad),
        text,
        fg,
    );
    // The round rivets of a real plate.
    for rx in [px + pw / 5, px + pw * 4 / 5] {
        c.ellipse(
            rx as f32,
            py as f32 + 2.5 * fw as f32,
            fw as f32,
            fw as f32,
            shade(bg_top, 0.7),
            1.0,
        );
    }
    Some([px, py, pw, ph])
}
