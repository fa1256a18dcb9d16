//! A minimal tus 1.0.0 PATCH over plain HTTP/1.1, written by hand so the body can be a
//! slice of a file sent with `std::io::copy` (which the standard library turns into
//! `sendfile` on Linux): the client then costs almost no CPU, leaving the two cores to the
//! server being measured.

use std::io::{Read, Seek, SeekFrom, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;

/// One PATCH and its answer.
#[derive(Debug, Clone)]
pub struct Patched {
    pub status: u16,
    pub offset: Option<u64>,
    pub evidence_id: Option<i64>,
    pub elapsed: Duration,
    pub body: String,
}

/// Sends `len` bytes of `file` from `offset` as one PATCH to `base` + `location`.
pub fn patch(
    base: &str,
    location: &str,
    token: &str,
    file: &Path,
    offset: u64,
    len: u64,
) -> anyhow::Result<Patched> {
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    let started = Instant::now();
    let mut stream = TcpStream::connect(host).with_context(|| format!("connecting to {host}"))?;
    stream.set_nodelay(true)?;
    let head = format!(
        "PATCH {location} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Tus-Resumable: 1.0.0\r\nUpload-Offset: {offset}\r\n\
         Content-Type: application/offset+octet-stream\r\nContent-Length: {len}\r\n\
         Connection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes())?;
    let mut f = std::fs::File::open(file)?;
    f.seek(SeekFrom::Start(offset))?;
    let sent = std::io::copy(&mut f.take(len), &mut stream)?;
    anyhow::ensure!(sent == len, "the file ended after {sent} of {len} bytes");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let elapsed = started.elapsed();
    let text = String::from_utf8_lossy(&answer);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .context("no HTTP status line in the answer")?;
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    };
    Ok(Patched {
        status,
        offset: header("upload-offset").and_then(|v| v.parse().ok()),
        evidence_id: header("x-evidence-id").and_then(|v| v.parse().ok()),
        elapsed,
        body: body.chars().take(500).collect(),
    })
}

/// `Upload-Metadata`: `key base64(value)` pairs, comma-separated.
pub fn metadata(fields: &[(&str, String)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k} {}", base64(v.as_bytes())))
        .collect::<Vec<_>>()
        .join(",")
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_the_standard_alphabet_with_padding() {
        assert_eq!(super::base64(b"cx.reviewer"), "Y3gucmV2aWV3ZXI=");
        assert_eq!(super::base64(b"ab"), "YWI=");
        assert_eq!(super::base64(b"abc"), "YWJj");
    }
}
