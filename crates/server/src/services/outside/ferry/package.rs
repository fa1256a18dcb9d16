//! SHR-05: the gateway ferry's package: one JSON file that carries one body across a one-way
//! file gateway, with the body's SHA-256 and an Ed25519 signature over everything that gives
//! it meaning (its id, system, kind, what it answers, when it was made, the hash). A package
//! whose bytes, hash or signature disagree is refused whole; nothing in it is read.
//!
//! A leaf module: pure functions over bytes and keys, no I/O.

use base64::Engine;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The format tag every package carries; another tag is refused.
pub const FORMAT: &str = "roadwarden-ferry/1";

/// What a package is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PackageKind {
    /// RID-10: a deduction asked of a credit or party-index system.
    Deduction,
    /// SHR-04: a village task for the grassroots platform.
    Task,
    /// SHR-04: a village's list of riders by tier.
    List,
    /// The other side's answer to one of ours (`in_reply_to`).
    Answer,
}

impl PackageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deduction => "deduction",
            Self::Task => "task",
            Self::List => "list",
            Self::Answer => "answer",
        }
    }
}

/// A package as it lies in a folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    pub format: String,
    /// Unique per package; an id imported once is never applied again.
    pub id: String,
    /// The outside system it goes to or comes from (`grassroots`, `civility_credit`…).
    pub system: String,
    pub kind: PackageKind,
    /// For an answer: the id of our package it answers.
    #[serde(default)]
    pub in_reply_to: String,
    pub created_at: DateTime<Utc>,
    /// Hex SHA-256 of the body's bytes.
    pub body_sha256: String,
    /// The body's bytes (JSON), base64.
    pub body: String,
    /// Hex Ed25519 public key of the signer.
    pub signer: String,
    /// Hex Ed25519 signature over [`Package::signed_text`].
    pub signature: String,
}

/// Why a package was refused: each is a stable code, audited and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a package: not JSON, missing fields, another format tag.
    Malformed,
    /// Larger than the configured limit.
    TooLarge,
    /// Signed by a key that is not the system's.
    UnknownSigner,
    /// The signature does not match what it signs.
    BadSignature,
    /// The body's bytes do not have the hash the package states.
    BadHash,
    /// Names another system than the folder it came in through.
    WrongSystem,
    /// Not an answer, or an answer to no package of ours.
    Unexpected,
    /// Imported before: never applied twice.
    Replayed,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::Malformed => "ferry.malformed",
            Self::TooLarge => "ferry.too_large",
            Self::UnknownSigner => "ferry.unknown_signer",
            Self::BadSignature => "ferry.bad_signature",
            Self::BadHash => "ferry.bad_hash",
            Self::WrongSystem => "ferry.wrong_system",
            Self::Unexpected => "ferry.unexpected",
            Self::Replayed => "ferry.replayed",
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Package {
    /// A signed package of `body` (JSON bytes).
    pub fn seal(
        key: &SigningKey,
        id: &str,
        system: &str,
        kind: PackageKind,
        in_reply_to: &str,
        created_at: DateTime<Utc>,
        body: &[u8],
    ) -> Self {
        let mut p = Self {
            format: FORMAT.to_owned(),
            id: id.to_owned(),
            system: system.to_owned(),
            kind,
            in_reply_to: in_reply_to.to_owned(),
            created_at,
            body_sha256: sha256_hex(body),
            body: base64::engine::general_purpose::STANDARD.encode(body),
            signer: hex::encode(key.verifying_key().as_bytes()),
            signature: String::new(),
        };
        p.signature = hex::encode(key.sign(p.signed_text().as_bytes()).to_bytes());
        p
    }

    /// What the signature covers: every field that gives the body its meaning, one per line
    /// (none can hold a line break: ids and systems are checked, the time is RFC 3339).
    pub fn signed_text(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}\n{}\n{}",
            self.format,
            self.id,
            self.system,
            self.kind.as_str(),
            self.in_reply_to,
            self.created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            self.body_sha256
        )
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    /// Reads a package file and checks it against the system's key: its body's bytes when
    /// every check passes. The order matters: nothing of the body is decoded before the
    /// signature holds.
    pub fn open(
        file: &[u8],
        max_bytes: u64,
        system: &str,
        peer: &VerifyingKey,
    ) -> Result<(Self, Vec<u8>), Refusal> {
        if file.len() as u64 > max_bytes {
            return Err(Refusal::TooLarge);
        }
        let p: Self = serde_json::from_slice(file).map_err(|_| Refusal::Malformed)?;
        let plain = |s: &str| {
            !s.is_empty()
                && s.len() <= 128
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if p.format != FORMAT
            || !plain(&p.id)
            || !plain(&p.system)
            || !(p.in_reply_to.is_empty() || plain(&p.in_reply_to))
        {
            return Err(Refusal::Malformed);
        }
        if !p.signer.eq_ignore_ascii_case(&hex::encode(peer.as_bytes())) {
            return Err(Refusal::UnknownSigner);
        }
        let signature = hex::decode(&p.signature)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .map(|b| Signature::from_bytes(&b))
            .ok_or(Refusal::BadSignature)?;
        peer.verify(p.signed_text().as_bytes(), &signature)
            .map_err(|_| Refusal::BadSignature)?;
        let body = base64::engine::general_purpose::STANDARD
            .decode(&p.body)
            .map_err(|_| Refusal::BadHash)?;
        if !sha256_hex(&body).eq_ignore_ascii_case(&p.body_sha256) {
            return Err(Refusal::BadHash);
        }
        if p.system != system {
            return Err(Refusal::WrongSystem);
        }
        Ok((p, body))
    }
}

/// A public key written as 64 hex digits.
pub fn parse_public_key(hex_key: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(hex_key.trim()).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    fn at() -> DateTime<Utc> {
        "2026-12-05T10:00:00Z".parse().unwrap()
    }

    fn sealed() -> Package {
        Package::seal(
            &key(1),
            "p-1",
            "grassroots",
            PackageKind::Answer,
            "q-9",
            at(),
            br#"{"state":"done"}"#,
        )
    }

    #[test]
    fn shr_05_a_sealed_package_opens_with_its_signers_key() {
        let bytes = sealed().to_bytes();
        let (p, body) =
            Package::open(&bytes, 1 << 20, "grassroots", &key(1).verifying_key()).unwrap();
        assert_eq!(body, br#"{"state":"done"}"#);
        assert_eq!(p.in_reply_to, "q-9");
    }

    #[test]
    fn shr_05_a_changed_body_hash_or_field_is_refused() {
        let peer = key(1).verifying_key();
        let open = |p: &Package| Package::open(&p.to_bytes(), 1 << 20, "grassroots", &peer);
        // The body swapped, with its hash: the signature covers the hash.
        let mut p = sealed();
        p.body = base64::engine::general_purpose::STANDARD.encode(br#"{"state":"refused"}"#);
        p.body_sha256 = sha256_hex(br#"{"state":"refused"}"#);
        assert_eq!(open(&p), Err(Refusal::BadSignature));
        // The body swapped, the hash kept.
        let mut p = sealed();
        p.body = base64::engine::general_purpose::STANDARD.encode(b"{}");
        assert_eq!(open(&p), Err(Refusal::BadHash));
        // What it answers changed.
        let mut p = sealed();
        p.in_reply_to = "q-10".into();
        assert_eq!(open(&p), Err(Refusal::BadSignature));
        // Signed by someone else.
        let other = Package::seal(
            &key(2),
            "p-1",
            "grassroots",
            PackageKind::Answer,
            "q-9",
            at(),
            b"{}",
        );
        assert_eq!(open(&other), Err(Refusal::UnknownSigner));
        // Another system's package in this system's folder.
        let elsewhere = Package::seal(
            &key(1),
            "p-1",
            "party_index",
            PackageKind::Answer,
            "q-9",
            at(),
            b"{}",
        );
        assert_eq!(open(&elsewhere), Err(Refusal::WrongSystem));
    }

    #[test]
    fn shr_05_garbage_and_oversized_files_are_refused() {
        let peer = key(1).verifying_key();
        assert_eq!(
            Package::open(b"not json", 1 << 20, "grassroots", &peer),
            Err(Refusal::Malformed)
        );
        let bytes = sealed().to_bytes();
        assert_eq!(
            Package::open(&bytes, 10, "grassroots", &peer),
            Err(Refusal::TooLarge)
        );
        let mut p = sealed();
        p.id = "../../etc/passwd".into();
        assert_eq!(
            Package::open(&p.to_bytes(), 1 << 20, "grassroots", &peer),
            Err(Refusal::Malformed)
        );
        assert!(parse_public_key("zz").is_none());
        assert!(parse_public_key(&hex::encode(peer.as_bytes())).is_some());
    }
}
