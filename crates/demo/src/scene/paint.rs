//! The scene itself: sky and skyline, the road in perspective, the crossing, the traffic
//! light, traffic further up, and the offending car with its plate; for a red light, where the
//! car is in each of the three photos; for not yielding, the pedestrian on the crossing.

use super::canvas::{lerp, shade, Canvas, Rgb, Rng};
use super::figures::{body_colour, draw_car, draw_pedestrian};
use super::{SceneKind, SceneSpec};

/// Draws photo `frame` (0 to `SceneKind::frames` − 1) of the scene; returns the raster and the
/// plate's rectangle. The frames of a scene share everything but where the offending car is.
pub(super) fn paint(spec: &SceneSpec<'_>, frame: usize) -> (Canvas, [i32; 4]) {
    let kind = SceneKind::for_code(spec.violation);
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

    // Traffic further up the road, then the offending car in front. Behind a red-light runner
    // its own lane stays clear, so that it can be followed through the junction.
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
    let lanes: &[f32] = if kind == SceneKind::RedLight {
        &[-0.64, 0.64]
    } else {
        &[-0.64, 0.0, 0.64]
    };
    // (t, centre, width, body, is the offender)
    let mut cars: Vec<(f32, f32, f32, Rgb, bool)> = Vec::new();
    for _ in 0..(rng.next() % 3) {
        let t = rng.range(0.22, stop_t - 0.14);
        let u = rng.pick(lanes);
        let cx = road_centre(t) + u * road_half(t);
        let cw = road_half(t) * 0.26;
        cars.push((t, cx, cw, rng.pick(&palette), false));
    }
    // The camera is aimed at its lane: the car is in the middle one, a little off centre, in
    // the colour its record names. A red-light runner is before the stop line, then over it,
    // then through the junction; one not yielding is close to the crossing.
    let near = rng.range(0.84, 0.9);
    let off_centre = rng.range(-0.1, 0.1);
    let seeded = rng.pick(&palette);
    let body = spec.vehicle_colour.and_then(body_colour).unwrap_or(seeded);
    let t = match (kind, frame) {
        (SceneKind::RedLight, 1) => stop_t - 0.025,
        (SceneKind::RedLight, 2) => zebra.0 - 0.09,
        (SceneKind::Pedestrian, _) => near - 0.1,
        _ => near,
    };
    let (cx, cw) = (
        road_centre(t) + off_centre * road_half(t),
        road_half(t) * 0.34,
    );
    cars.push((t, cx, cw, body, true));
    cars.sort_by(|a, b| a.0.total_cmp(&b.0));

    // The pedestrian on the crossing, beside the car's outline so that the camera sees them,
    // on the side with room (their own random numbers: the rest of the scene stays the same).
    let mut pedestrian = (kind == SceneKind::Pedestrian).then(|| {
        let mut own = Rng(spec.seed ^ 0x9ED_E57A);
        let tz = (zebra.0 + zebra.1) / 2.0;
        let height = road_half(tz) * 0.32;
        let gap = cw / 2.0 + height * 0.3;
        let (lo, hi) = (
            road_centre(tz) - 0.85 * road_half(tz),
            road_centre(tz) + 0.85 * road_half(tz),
        );
        let (left, right) = (cx - gap, cx + gap);
        let x = match (own.f() < 0.5, left > lo, right < hi) {
            (true, true, _) | (false, true, false) => left,
            _ => right.min(hi),
        };
        (tz, x, horizon as f32 + tz * depth, height, own)
    });
    let mut rect = [0, 0, 0, 0];
    for (t, cx, cw, body, offender) in cars {
        if let Some((_, x, y, height, mut own)) = pedestrian.take_if(|p| p.0 < t) {
            draw_pedestrian(&mut c, &mut own, x, y, height);
        }
        let y = horizon as f32 + t * depth;
        let plate = offender.then_some((spec.plate, spec.tint));
        if let Some(r) = draw_car(&mut c, &mut rng, cx, y, cw, body, plate) {
            rect = r;
        }
    }
    if let Some((_, x, y, height, mut own)) = pedestrian {
        draw_pedestrian(&mut c, &mut own, x, y, height);
    }

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
