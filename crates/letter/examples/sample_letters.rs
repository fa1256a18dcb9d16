//! Writes sample letters to /tmp/letter-zh.pdf, /tmp/letter-vi.pdf and
//! /tmp/letter-en.pdf, plus /tmp/letter-long.pdf, a stress sample with
//! parentheses, backslashes and a 2,000-character address (or to the
//! directory given as the first argument).
//!
//! `cargo run -p roadwarden-letter --example sample_letters`, then e.g.
//! `pdftoppm -png -r 60 /tmp/letter-zh.pdf /tmp/letter-zh` to look at them.

#[path = "../tests/support/mod.rs"]
mod support;

use roadwarden_letter::render;

fn main() -> std::io::Result<()> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "/tmp".to_owned());
    for (tag, letter) in [
        ("zh", support::zh()),
        ("vi", support::vi()),
        ("en", support::en()),
    ] {
        let pdf = render(&letter);
        let path = format!("{dir}/letter-{tag}.pdf");
        std::fs::write(&path, &pdf)?;
        println!("{path}: {} bytes", pdf.len());
    }
    let mut long = support::vi();
    long.owner_name = r"O'Brien (Trading)) \ Co. ((".to_owned();
    long.owner_address = "Lô 7, đường Nguyễn Trãi (khu B) \\ 88号 "
        .chars()
        .cycle()
        .take(2000)
        .collect();
    long.place = ")".repeat(500);
    let path = format!("{dir}/letter-long.pdf");
    std::fs::write(&path, render(&long))?;
    println!("{path}");
    Ok(())
}
