//! SEC-02 storage: Argon2id with the crate's recommended parameters (19 MiB, 2 passes).
//!
//! A hash costs tens of milliseconds and 19 MiB on purpose, which makes it the cheapest way
//! for a stranger to exhaust the server: every unauthenticated sign-in runs one. So hashing is
//! bounded here, in one place: at most one hash per core runs at a time (a semaphore), each
//! in a reused memory block from a small pool (no allocator churn, so resident memory stays at
//! `cores × 19 MiB` however many requests arrive), and a sign-in that cannot get a turn within
//! its wait is answered "busy" instead of queueing without end.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use argon2::password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::Semaphore;

use crate::error::AppError;

/// The largest memory cost a stored hash may ask for (64 MiB): a hash with more is refused
/// rather than allowed to allocate without bound.
const MAX_BLOCKS: usize = 64 * 1024;

/// The hashing gate: one permit per core, and the memory blocks the running hashes use.
struct Gate {
    permits: Semaphore,
    pool: Mutex<Vec<Vec<Block>>>,
    size: usize,
}

fn gate() -> &'static Gate {
    static GATE: OnceLock<Gate> = OnceLock::new();
    GATE.get_or_init(|| {
        let size = std::thread::available_parallelism().map_or(2, |n| n.get());
        Gate {
            permits: Semaphore::new(size),
            pool: Mutex::new(Vec::new()),
            size,
        }
    })
}

impl Gate {
    fn take(&self, blocks: usize) -> Vec<Block> {
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        match pool.iter().position(|b| b.len() >= blocks) {
            Some(i) => pool.swap_remove(i),
            None => vec![Block::default(); blocks],
        }
    }

    fn give_back(&self, memory: Vec<Block>) {
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < self.size {
            pool.push(memory);
        }
    }

    /// Runs `work` on a blocking thread once a permit is free; `None` when no permit came
    /// within `wait` (the caller answers "busy").
    async fn run<T: Send + 'static>(
        &'static self,
        wait: Option<Duration>,
        work: impl FnOnce(&'static Gate) -> T + Send + 'static,
    ) -> Result<Option<T>, AppError> {
        let permit = match wait {
            Some(wait) => match tokio::time::timeout(wait, self.permits.acquire()).await {
                Ok(p) => p.map_err(AppError::internal)?,
                Err(_) => return Ok(None),
            },
            None => self.permits.acquire().await.map_err(AppError::internal)?,
        };
        let out = tokio::task::spawn_blocking(move || work(self))
            .await
            .map_err(AppError::internal)?;
        drop(permit);
        Ok(Some(out))
    }
}

/// Hashes a password as a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`). Waits for its turn
/// as long as it takes: only signed-in administrators and the console set passwords.
pub async fn hash(password: String) -> Result<String, AppError> {
    gate()
        .run(None, move |gate| hash_with_pool(gate, password.as_bytes()))
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("hash gate closed")))?
}

fn hash_with_pool(gate: &Gate, password: &[u8]) -> Result<String, AppError> {
    let fail = |e: &dyn std::fmt::Display| AppError::internal(anyhow::anyhow!("argon2: {e}"));
    let params = Params::default();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let raw_salt = salt.decode_b64(&mut salt_bytes).map_err(|e| fail(&e))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let mut memory = gate.take(params.block_count());
    let n = params.block_count();
    let result = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password, raw_salt, &mut out, &mut memory[..n]);
    gate.give_back(memory);
    result.map_err(|e| fail(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| fail(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches `phc`; `Ok(None)` when no hashing turn came within `wait`
/// (the server is busy: the caller answers 503 rather than queueing). An unparsable stored
/// hash never matches.
pub async fn verify(
    password: String,
    phc: String,
    wait: Duration,
) -> Result<Option<bool>, AppError> {
    gate()
        .run(Some(wait), move |gate| {
            verify_with_pool(gate, password.as_bytes(), &phc)
        })
        .await
}

fn verify_with_pool(gate: &Gate, password: &[u8], phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(raw_salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let n = params.block_count();
    if n > MAX_BLOCKS {
        return false;
    }
    let mut out = vec![0u8; expected.len()];
    let mut memory = gate.take(n);
    let hashed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password,
        raw_salt,
        &mut out,
        &mut memory[..n],
    );
    gate.give_back(memory);
    // `Output`'s equality is constant-time.
    hashed.is_ok() && Output::new(&out).is_ok_and(|got| got == expected)
}

/// A valid hash of a random password, verified against when the username does not exist, so
/// the answer takes as long for an unknown user as for a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let secret = super::token::generate("decoy_");
        hash_with_pool(gate(), secret.as_bytes()).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAIT: Duration = Duration::from_secs(60);

    #[tokio::test]
    async fn sec_02_passwords_are_stored_as_argon2id() {
        let h = hash("Str0ng!pass".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert_eq!(
            verify("Str0ng!pass".into(), h.clone(), WAIT).await.unwrap(),
            Some(true)
        );
        assert_eq!(verify("wrong".into(), h, WAIT).await.unwrap(), Some(false));
        assert_eq!(
            verify("x".into(), decoy_hash().into(), WAIT).await.unwrap(),
            Some(false)
        );
        assert_eq!(
            verify("x".into(), "not a hash".into(), WAIT).await.unwrap(),
            Some(false)
        );
    }

    #[test]
    fn sec_02_hashes_of_the_argon2_crate_still_verify() {
        use argon2::password_hash::PasswordHasher;
        let salt = SaltString::generate(&mut OsRng);
        let h = Argon2::default()
            .hash_password(b"Old-hash-1!", &salt)
            .unwrap()
            .to_string();
        assert!(verify_with_pool(gate(), b"Old-hash-1!", &h));
        assert!(!verify_with_pool(gate(), b"Old-hash-2!", &h));
    }

    #[test]
    fn sign_in_memory_a_hash_asking_for_absurd_memory_is_refused() {
        let h = "$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$\
                 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        assert!(!verify_with_pool(gate(), b"x", h));
    }
}
