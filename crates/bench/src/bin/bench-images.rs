//! What reading a picture's headers with a JPEG decoder costs ingest (issue 12 item 10):
//! `roadwarden_isapi::is_jpeg` on a camera-sized picture, against the budget of one capture
//! at 2,000 captures a second on two cores (1 ms of CPU each).
//!
//!     cargo run --release -p roadwarden-bench --bin bench-images

use std::hint::black_box;
use std::time::Instant;

fn main() {
    // A 1280x720 colour picture of noise: as large as a real capture's scene picture gets.
    let (w, h) = (1280u16, 720u16);
    let mut pixels = vec![0u8; usize::from(w) * usize::from(h) * 3];
    let mut x: u32 = 1;
    for p in &mut pixels {
        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        *p = (x >> 24) as u8;
    }
    let mut picture = Vec::new();
    jpeg_encoder::Encoder::new(&mut picture, 40)
        .encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("encodes");
    let calls = 20_000u32;
    let started = Instant::now();
    let accepted = (0..calls)
        .filter(|_| roadwarden_isapi::is_jpeg(black_box(&picture)))
        .count();
    let per_call = started.elapsed().as_secs_f64() / f64::from(calls);
    assert_eq!(accepted, calls as usize, "the picture is a JPEG");
    println!(
        "is_jpeg on a {w}x{h} picture of {} bytes: {:.1} µs per call, {:.2} % of a capture's 1 ms budget",
        picture.len(),
        per_call * 1e6,
        per_call * 1e3 * 100.0
    );
}
