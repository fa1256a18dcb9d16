//! Short-lived signed links: a capture photo shown to an owner who has proved the vehicle is
//! theirs (plate + VIN tail, NOT-02a). The proof travels in a form body once; the page then
//! loads each photo from a link that names the record and the picture, expires, and carries an
//! HMAC-SHA256 under a key made when the process starts (a restart only ends open pages' links).
//!
//! A leaf module: the service context holds the key and this file imports nothing of it.

use hmac::{Hmac, Mac};
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

pub struct LinkKey([u8; 32]);

impl Default for LinkKey {
    fn default() -> Self {
        Self(rand::random())
    }
}

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(…)")
    }
}

impl LinkKey {
    fn mac(&self, message: &str) -> HmacSha256 {
        // HMAC takes a key of any length: this cannot fail.
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
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
