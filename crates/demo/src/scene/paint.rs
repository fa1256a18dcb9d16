//! The scene itself: sky and skyline, the road in perspective, the crossing, the traffic
//! light, traffic further up, and the offending car with its plate.

use super::canvas::{lerp, shade, Canvas, Rgb, Rng};
use super::{PlateTint, SceneSpec};

/// Draws the scene; returns the raster and the plate's rectangle.
pub(super) fn paint(spec: &SceneSpec<'_>) -> (Canvas, [i32; 4]) {
    let w = i32::from(spec.width.max(64));
    let h = i32::from(spec.height.max(48));
    let (wf, hf) = (w as f32, h as f32);
    let mut rng = Rng(spec.seed ^ 0x5EED_CA9E);
    let mut c = Canvas::new(w, h);

    // Sky: clear, hazy or late afternoon.
    let (sky_top, sky_low) = rng.pick(&[
        ([88, 136, 196], [190, 210, 228]),
        ([150, 160, 172], [208, 212, 216]),
        ([120, 138, 178], [232, 200, 160]),
    ]);
    let horizon = (hf * rng.range(0.33, 0.39)) as i32;
    c.rect_gradient(0, 0, w, horizon, sky_top, sky_low);

    // Skyline: buildings with rows of windows, trees in between.
    let mut x = -(rng.f() * wf * 0.05) as i32;
    while x < w {
        let bw = (wf * rng.range(0.035, 0.1)) as i32;
        if rng.f() < 0.22 {
            let r = wf * rng.range(0.02, 0.04);
            let tree = rng.pick(&[[52, 84, 48], [60, 92, 56], [44, 70, 44]]);
            c.ellipse(x as f32 + r, horizon as f32 - r * 0.8, r, r, tree, 1.0);
            x += (r * 1.6) as i32;
            continue;
        }
        let bh = (hf * rng.range(0.04, 0.2)) as i32;
        let tone = rng.pick(&[
            [158, 156, 150],
            [176, 168, 156],
            [132, 138, 146],
            [190, 186, 178],
            [120, 116, 112],
        ]);
        let top = horizon - bh;
        c.rect_gradient(x, top, x + bw, horizon, shade(tone, 1.08), shade(tone, 0.9));
        let win = shade(tone, if rng.f() < 0.5 { 0.7 } else { 1.2 });
        let (ww, wh) = ((bw / 8).max(2), (bh / 14).max(2));
        let mut wy = top + wh;
        while wy + wh < horizon - wh {
            let mut wx = x + ww;
            while wx + ww < x + bw - ww / 2 {
                c.rect(wx, wy, wx + ww, wy + wh, win);
                wx += ww * 2;
            }
            wy += wh * 2;
        }
        x += bw + (wf * rng.range(0.0, 0.02)) as i32;
    }

    // Ground: pavement on both sides, then the road in perspective towards a vanishing point.
    let pavement = rng.pick(&[[150, 148, 142], [138, 140, 136], [160, 154, 146]]);
    c.rect_gradient(
        0,
        horizon,
        w,
        h,
        shade(pavement, 1.05),
        shade(pavement, 0.85),
    );
    // A hedge along the far side of the pavement.
    let hedge = (hf * 0.018).max(2.0) as i32;
    c.rect_gradient(0, horizon, w, horizon + hedge, [58, 86, 52], [46, 70, 42]);
    let vx = wf * rng.range(0.44, 0.56);
    let depth = (hf - horizon as f32).max(1.0);
    let road_centre = |t: f32| vx + (wf * 0.5 - vx) * t;
    let road_half = |t: f32| wf * (0.02 + 0.86 * t);
    let asphalt_far = rng.pick(&[[122, 124, 128], [112, 114, 118], [128, 126, 122]]);
    let asphalt_near = shade(asphalt_far, 0.6);
    let markings: [Rgb; 2] = [[226, 226, 220], [222, 186, 64]];
    let stop_t = rng.range(0.5, 0.56);
    let zebra = (stop_t - 0.13, stop_t - 0.035);
    let phase = rng.f();
    for y in horizon..h {
        let t = (y - horizon) as f32 / depth;
        let (cx, half) = (road_centre(t), road_half(t));
        let base = lerp(asphalt_far, asphalt_near, t);
        let (l, r) = ((cx - half) as i32, (cx + half) as i32);
        // The kerb.
        c.rect(
            l - (wf * 0.006 * t) as i32 - 1,
            y,
            l,
            y + 1,
            [196, 194, 188],
        );
        c.rect(
            r,
            y,
            r + (wf * 0.006 * t) as i32 + 1,
            y + 1,
            [196, 194, 188],
        );
        c.rect(l, y, r, y + 1, base);
        // Lane lines: solid yellow at the centre line, solid white at the edge, dashed between.
        let lw = (wf * 0.007 * t).max(1.0);
        let z = 1.0 / (t + 0.03);
        let dash = ((z * 0.55 + phase).fract()) < 0.5;
        for (u, solid, colour) in [
            (-0.96, true, markings[1]),
            (-0.92, true, markings[1]),
            (-0.32, false, markings[0]),
            (0.32, false, markings[0]),
            (0.94, true, markings[0]),
        ] {
            if solid || dash || t > stop_t {
                let x = cx + u * half;
                let kw = if u < -0.9 { lw * 0.6 } else { lw };
                for xx in (x - kw / 2.0) as i32..=(x + kw / 2.0) as i32 {
                    c.blend(xx, y, colour, 0.9);
                }
            }
        }
        // The zebra crossing, then the stop line.
        if t > zebra.0 && t < zebra.1 {
            for xx in l.max(0)..r.min(w) {
                let u = (xx as f32 - cx) / half;
                if ((u + 1.0) * 11.0) as i32 % 2 == 0 && u > -0.9 && u < 0.92 {
                    c.blend(xx, y, markings[0], 0.85);
                }
            }
        }
        if t > stop_t && t < stop_t + 0.018 {
            let (sl, sr) = ((cx - 0.9 * half) as i32, (cx + 0.93 * half) as i32);
            c.rect_alpha(sl, y, sr, y + 1, markings[0], 0.9);
        }
    }

    // The traffic light: a pole on the right, an arm over the road, three lamps, red lit.
    let pole_x = (wf * rng.range(0.86, 0.93)) as i32;
    let pole_w = (wf * 0.011).max(2.0) as i32;
    let arm_y = (hf * rng.range(0.09, 0.13)) as i32;
    let pole_foot = horizon + (depth * (stop_t - 0.08)) as i32;
    let steel = [96, 102, 108];
    c.rect_gradient(
        pole_x,
        arm_y,
        pole_x + pole_w,
        pole_foot,
        shade(steel, 1.2),
        shade(steel, 0.8),
    );
    let arm_x = (wf * rng.range(0.5, 0.6)) as i32;
    let arm_h = (pole_w * 2 / 3).max(2);
    c.rect(arm_x, arm_y, pole_x + pole_w, arm_y + arm_h, steel);
    let hx = arm_x + (wf * 0.03) as i32;
    let lamp_r = (hf * 0.022).max(3.0);
    let (hw, hh) = ((lamp_r * 7.2) as i32, (lamp_r * 2.6) as i32);
    let hy = arm_y + arm_h + (lamp_r * 0.4) as i32;
    c.rect(hx + hw / 2 - 2, arm_y, hx + hw / 2 + 2, hy, steel);
    c.rect(hx, hy, hx + hw, hy + hh, [28, 28, 30]);
    c.rect(hx, hy, hx + hw, hy + 2, [50, 50, 54]);
    let lamp_y = hy as f32 + hh as f32 / 2.0;
    for (i, colour) in [[255, 48, 36], [70, 58, 24], [26, 60, 40]]
        .into_iter()
        .enumerate()
    {
        let lx = hx as f32 + lamp_r * (1.2 + 2.4 * i as f32);
        c.ellipse(lx, lamp_y, lamp_r, lamp_r, colour, 1.0);
    }
    let red_x = hx as f32 + lamp_r * 1.2;
    c.glow(red_x, lamp_y, lamp_r * 3.2, [255, 90, 70], 0.55);
    c.ellipse(
        red_x,
        lamp_y,
        lamp_r * 0.45,
        lamp_r * 0.45,
        [255, 200, 180],
        0.8,
    );
    // The enforcement camera on the arm.
    let cam_x = arm_x + (wf * 0.17) as i32;
    c.rect(
        cam_x,
        arm_y + arm_h,
        cam_x + (wf * 0.03) as i32,
        arm_y + arm_h + (hf * 0.025) as i32,
        [214, 214, 210],
    );

    // Traffic further up the road, then the offending car in front.
    let palette: [Rgb; 8] = [
        [232, 232, 228],
        [186, 188, 190],
        [34, 36, 40],
        [150, 26, 30],
        [36, 62, 120],
        [100, 104, 108],
        [40, 70, 52],
        [200, 170, 120],
    ];
    let lanes = [-0.64_f32, 0.0, 0.64];
    for _ in 0..(rng.next() % 3) {
        let t = rng.range(0.22, stop_t - 0.14);
        let u = rng.pick(&lanes);
        let cx = road_centre(t) + u * road_half(t);
        let cw = road_half(t) * 0.26;
        let y = horizon as f32 + t * depth;
        let body = rng.pick(&palette);
        draw_car(&mut c, &mut rng, cx, y, cw, body, None);
    }
    let t = rng.range(0.84, 0.9);
    // The camera is aimed at its lane: the car is in the middle one, a little off centre.
    let cx = road_centre(t) + rng.range(-0.1, 0.1) * road_half(t);
    let cw = road_half(t) * 0.34;
    let y = horizon as f32 + t * depth;
    let body = rng.pick(&palette);
    let rect = draw_car(
        &mut c,
        &mut rng,
        cx,
        y,
        cw,
        body,
        Some((spec.plate, spec.tint)),
    )
    .unwrap_or([0, 0, 0, 0]);

    c.grain(&mut rng, 4);

    // The caption strip, drawn last so it stays crisp.
    let strip = (hf * 0.045).max(12.0) as i32;
    c.rect_alpha(0, 0, w, strip, [0, 0, 0], 0.6);
    let s = (strip / 10).max(1);
    let caption = spec.caption.to_ascii_uppercase();
    c.text(
        (wf * 0.012) as i32,
        (strip - 7 * s) / 2,
        &caption,
        s,
        s,
        [244, 244, 240],
    );
    (c, rect)
}

/// A car seen from behind, its wheels on the road at `y`, `cw` pixels wide; returns the
/// plate's rectangle when a plate is given.
fn draw_car(
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
