//! Secrets at rest: argon2id password hashes (computed off the async runtime) and API token
//! secrets with the fast hash stored for them.

use app::error::AppError;
use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Hashes `password` with argon2id on the blocking pool, away from the async workers.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
    })
    .await
    .map_err(|err| {
        tracing::error!(error = %err, "password hashing task failed");
        AppError::Internal
    })?
    .map_err(|err| {
        tracing::error!(error = %err, "password hashing failed");
        AppError::Internal
    })
}

/// Checks `password` against a stored hash on the blocking pool. A malformed hash never
/// matches.
pub async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(|err| {
        tracing::error!(error = %err, "password verification task failed");
        AppError::Internal
    })
}

/// A new API token secret: 32 random bytes, recognisable by its prefix.
pub fn new_token_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("dsk_{}", hex::encode(bytes))
}

/// What we store of a token. Secrets are 256 random bits, so a fast hash is enough.
pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_secrets_are_unique_and_only_their_hash_is_kept() {
        let (a, b) = (new_token_secret(), new_token_secret());
        assert_ne!(a, b);
        assert!(a.starts_with("dsk_") && a.len() == 68);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[tokio::test]
    async fn argon2id_hash_verifies_the_right_password_only() {
        let hash = hash_password("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            verify_password("correct horse".into(), hash.clone())
                .await
                .unwrap()
        );
        assert!(!verify_password("wrong horse".into(), hash).await.unwrap());
        assert!(
            !verify_password("x".into(), "not a hash".into())
                .await
                .unwrap()
        );
    }
}
