//! Short-lived signed links: a capture photo shown to an owner who has proved the vehicle is
//! theirs (plate + VIN tail, NOT-02a). The proof travels in a form body once; the page then
//! loads each photo from a link that names the record and the picture, expires, and carries an
//! HMAC-SHA256 under the installation's key, made once and kept in the database (issue 14), so
//! a link works after a restart and on every server of a cluster. Until [`LinkKey::install`]
//! is given that key (at start, `app::open_state`), a key made by the process is used.
//!
//! A leaf module: the service context holds the key and this file imports nothing of it.

use std::sync::RwLock;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use roadwarden_store::{server_keys, Store};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The first 16 bytes of the tag are enough for a link that lives minutes.
const TAG_BYTES: usize = 16;

/// What a link lets its holder see: one picture of one record, until a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoLink {
    pub violation_id: i64,
    pub position: i32,
    /// Seconds since the Unix epoch.
    pub expires: i64,
}

pub struct LinkKey(RwLock<[u8; 32]>);

impl Default for LinkKey {
    fn default() -> Self {
        Self(RwLock::new(rand::random()))
    }
}

/// The name of the photo-link key in `server_keys`.
const KEY_NAME: &str = "photo_link";

/// The installation's photo-link key: the stored one, or a fresh one stored now (the first
/// server to start makes it; a concurrent start reads the winner's).
pub async fn load_shared(store: &Store, now: DateTime<Utc>) -> roadwarden_store::Result<[u8; 32]> {
    let fresh = hex::encode(rand::random::<[u8; 32]>());
    let mut tx = store.begin().await?;
    let stored = server_keys::get_or_insert(&mut tx, KEY_NAME, &fresh, now).await?;
    tx.commit().await?;
    let mut key = [0u8; 32];
    match hex::decode(stored.trim()) {
        Ok(bytes) if bytes.len() == 32 => key.copy_from_slice(&bytes),
        // A damaged row is not guessed around: links signed now would not verify later.
        _ => {
            return Err(roadwarden_store::StoreError::Corrupt(
                "server_keys.photo_link is not 32 bytes in hex".into(),
            ))
        }
    }
    Ok(key)
}

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(…)")
    }
}

impl LinkKey {
    /// Signs and verifies with `key` from now on (the installation's shared key).
    pub fn install(&self, key: [u8; 32]) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = key;
    }

    fn mac(&self, message: &str) -> HmacSha256 {
        let key = *self.0.read().unwrap_or_else(|p| p.into_inner());
        // HMAC takes a key of any length: this cannot fail.
        let mut mac = HmacSha256::new_from_slice(&key).expect("HMAC takes any key length");
        mac.update(message.as_bytes());
        mac
    }

    /// The link's token: `violation.position.expires.tag`.
    pub fn sign(&self, link: PhotoLink) -> String {
        use base64::Engine;
        let message = format!("{}.{}.{}", link.violation_id, link.position, link.expires);
        let tag = self.mac(&message).finalize().into_bytes();
        let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&tag[..TAG_BYTES]);
        format!("{message}.{tag}")
    }

    /// The link a token stands for, if this process signed it and it has not expired.
    pub fn verify(&self, token: &str, now_unix: i64) -> Option<PhotoLink> {
        use base64::Engine;
        if token.len() > 128 {
            return None;
        }
        let (message, tag) = token.rsplit_once('.')?;
        let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(tag)
            .ok()?;
        if tag.len() != TAG_BYTES {
            return None;
        }
        self.mac(message).verify_truncated_left(&tag).ok()?;
        let mut parts = message.split('.');
        let link = PhotoLink {
            violation_id: parts.next()?.parse().ok()?,
            position: parts.next()?.parse().ok()?,
            expires: parts.next()?.parse().ok()?,
        };
        (parts.next().is_none() && now_unix < link.expires).then_some(link)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: PhotoLink = PhotoLink {
        violation_id: 42,
        position: 1,
        expires: 1_000,
    };

    #[test]
    fn a_signed_link_opens_until_it_expires() {
        let key = LinkKey::default();
        let token = key.sign(LINK);
        assert_eq!(key.verify(&token, 999), Some(LINK));
        assert_eq!(key.verify(&token, 1_000), None);
    }

    #[test]
    fn a_changed_or_foreign_link_does_not_open() {
        let key = LinkKey::default();
        let token = key.sign(LINK);
        let other_record = token.replacen("42.", "43.", 1);
        assert_eq!(key.verify(&other_record, 0), None);
        let later = token.replacen(".1000.", ".9999.", 1);
        assert_eq!(key.verify(&later, 0), None);
        assert_eq!(LinkKey::default().verify(&token, 0), None);
        assert_eq!(key.verify("", 0), None);
        assert_eq!(key.verify(&"9".repeat(400), 0), None);
    }
}
