//! Random tokens for sessions, API clients and CSRF. Only their SHA-256 is stored.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 32 random bytes, URL-safe base64, with a prefix that says what the token is for.
pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A readable random password that meets SEC-02 (for the demo and administrator resets).
pub fn generate_password() -> String {
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
    const DIGIT: &[u8] = b"23456789";
    const SPECIAL: &[u8] = b"!@#%+=?";
    let mut rng = rand::rngs::OsRng;
    let mut pick = |set: &[u8]| set[(rng.next_u32() as usize) % set.len()] as char;
    let mut out = String::new();
    for _ in 0..3 {
        out.push(pick(UPPER));
        out.push(pick(LOWER));
        out.push(pick(LOWER));
        out.push(pick(DIGIT));
    }
    out.push(pick(SPECIAL));
    out.push(pick(DIGIT));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use roadwarden_domain::password::PasswordPolicy;

    #[test]
    fn tokens_are_unique_and_generated_passwords_meet_the_policy() {
        assert_ne!(generate("rws_"), generate("rws_"));
        assert!(generate("rwt_").starts_with("rwt_"));
        for _ in 0..50 {
            assert!(PasswordPolicy::default()
                .check_strength(&generate_password())
                .is_ok());
        }
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
