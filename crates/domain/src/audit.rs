//! SEC-05: the audit trail as a hash chain. Each entry's hash covers its own fields and the
//! hash of the entry before it, so altering, removing or reordering any entry breaks every
//! hash after it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the very first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry as stored. Times are UTC microseconds since the epoch, so both databases
/// store and return exactly the value that was hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at_micros: i64,
    /// The acting user; `None` for the system itself (jobs, the command line).
    pub actor_user_id: Option<i64>,
    /// The actor as shown to people: a username, `cli`, `system` or `device:<number>`.
    pub actor: String,
    /// The unit whose data the entry concerns, for scoping who may read it (ORG-02).
    pub unit_id: Option<i64>,
    /// What happened, e.g. `user.create`, `session.sign_in_failed`, `user.read`.
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    /// Details as a JSON object (never a password or a token).
    pub detail: String,
    pub ip: String,
    pub request_id: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry must carry, computed from its fields and `prev_hash`.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        let mut field = |bytes: &[u8]| {
            // Length-prefixed, so no two different entries encode the same byte string.
            h.update((bytes.len() as u64).to_be_bytes());
            h.update(bytes);
        };
        field(self.prev_hash.as_bytes());
        field(&self.seq.to_be_bytes());
        field(&self.at_micros.to_be_bytes());
        field(&self.actor_user_id.unwrap_or(-1).to_be_bytes());
        field(self.actor.as_bytes());
        field(&self.unit_id.unwrap_or(-1).to_be_bytes());
        field(self.action.as_bytes());
        field(self.object_type.as_bytes());
        field(self.object_id.as_bytes());
        field(self.detail.as_bytes());
        field(self.ip.as_bytes());
        field(self.request_id.as_bytes());
        hex::encode(h.finalize())
    }

    /// Links this entry after `prev` (or the genesis) and seals it with its hash.
    pub fn seal(mut self, prev: Option<(i64, &str)>) -> Self {
        let (prev_seq, prev_hash) = prev.unwrap_or((0, GENESIS_HASH));
        self.seq = prev_seq + 1;
        self.prev_hash = prev_hash.to_owned();
        self.hash = self.compute_hash();
        self
    }
}

/// Why an entry breaks the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Break {
    /// An entry is missing or the numbering was altered.
    SequenceGap { expected: i64 },
    /// The entry does not point at the hash of the entry before it.
    PrevHashMismatch,
    /// The entry's own fields no longer produce its hash: it was altered.
    HashMismatch,
}

/// Walks a chain in sequence order, one entry at a time, so a verifier can stream millions of
/// entries without holding them.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
    pub checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_owned(),
            checked: 0,
        }
    }
}

impl ChainVerifier {
    /// Checks the next entry; on success it becomes the link the following one must point at.
    pub fn check(&mut self, entry: &AuditEntry) -> Result<(), Break> {
        if entry.seq != self.expected_seq {
            return Err(Break::SequenceGap {
                expected: self.expected_seq,
            });
        }
        if entry.prev_hash != self.prev_hash {
            return Err(Break::PrevHashMismatch);
        }
        if entry.compute_hash() != entry.hash {
            return Err(Break::HashMismatch);
        }
        self.expected_seq += 1;
        self.prev_hash.clone_from(&entry.hash);
        self.checked += 1;
        Ok(())
    }
}

/// SEC-05: a checkpoint of the chain, to be signed with a key that is not in the database and
/// kept outside it (the blob store, a witness's copy), like a signed tree head of a
/// transparency log. Someone who can rewrite the database can rehash every entry after the one
/// they altered, or cut the tail and rewind the head; neither can produce the entry hash a
/// checkpoint already signed for its sequence number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The sequence number of the last entry covered.
    pub seq: i64,
    /// That entry's hash (which covers every entry before it).
    pub hash: String,
    /// When the checkpoint was taken, UTC microseconds since the epoch.
    pub at_micros: i64,
    /// Names the signing key: the first 16 hex digits of the SHA-256 of its public key.
    pub key_id: String,
}

impl Checkpoint {
    /// The exact bytes that are signed: a fixed label and the fields, length-prefixed.
    pub fn signed_message(&self) -> Vec<u8> {
        let mut out = b"roadwarden-audit-checkpoint-v1".to_vec();
        let mut field = |bytes: &[u8]| {
            out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
            out.extend_from_slice(bytes);
        };
        field(&self.seq.to_be_bytes());
        field(self.hash.as_bytes());
        field(&self.at_micros.to_be_bytes());
        field(self.key_id.as_bytes());
        out
    }
}

/// The id of a public key, as checkpoints name it.
pub fn key_id(public_key: &[u8]) -> String {
    hex::encode(Sha256::digest(public_key))[..16].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str) -> AuditEntry {
        AuditEntry {
            seq: 0,
            at_micros: 1_790_000_000_000_000,
            actor_user_id: Some(7),
            actor: "li.wei".into(),
            unit_id: Some(3),
            action: action.into(),
            object_type: "user".into(),
            object_id: "9".into(),
            detail: "{}".into(),
            ip: "127.0.0.1".into(),
            request_id: "r1".into(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn chain(n: usize) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let prev = out.last().map(|e| (e.seq, e.hash.as_str()));
            let sealed = entry(&format!("a{i}")).seal(prev);
            out.push(sealed);
        }
        out
    }

    fn verify(entries: &[AuditEntry]) -> Result<u64, (i64, Break)> {
        let mut v = ChainVerifier::default();
        for e in entries {
            v.check(e).map_err(|b| (e.seq, b))?;
        }
        Ok(v.checked)
    }

    #[test]
    fn sec_05_intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
    }

    #[test]
    fn sec_05_altered_entry_is_named() {
        let mut c = chain(5);
        c[2].detail = r#"{"role":"admin"}"#.into();
        assert_eq!(verify(&c), Err((3, Break::HashMismatch)));
    }

    #[test]
    fn sec_05_removed_entry_is_named() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(verify(&c), Err((3, Break::SequenceGap { expected: 2 })));
    }

    #[test]
    fn sec_05_checkpoint_message_covers_every_field() {
        let c = Checkpoint {
            seq: 9,
            hash: "ab".into(),
            at_micros: 5,
            key_id: "k".into(),
        };
        let base = c.signed_message();
        for other in [
            Checkpoint {
                seq: 10,
                ..c.clone()
            },
            Checkpoint {
                hash: "ac".into(),
                ..c.clone()
            },
            Checkpoint {
                at_micros: 6,
                ..c.clone()
            },
            Checkpoint {
                key_id: "l".into(),
                ..c
            },
        ] {
            assert_ne!(other.signed_message(), base);
        }
        assert_eq!(key_id(b"public").len(), 16);
    }

    #[test]
    fn sec_05_rehashed_entry_still_breaks_the_next_link() {
        let mut c = chain(5);
        c[2].actor = "someone.else".into();
        c[2].hash = c[2].compute_hash();
        assert_eq!(verify(&c), Err((4, Break::PrevHashMismatch)));
    }
}
