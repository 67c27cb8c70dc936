//! Two-factor sign-in: authenticator secrets (RFC 6238 codes, each time step accepted once),
//! one-time recovery codes stored hashed, the limit on wrong codes, and the installation's
//! setting that requires it of the provider's staff.

use super::AccountsService;
use crate::db::Db;
use app::accounts::{Actor, UserId};
use app::error::AppError;
use app::two_factor::{
    Proof, RecoveryCodes, SiteSettings, TwoFactorSetup, TwoFactorStatus, normalize_code,
    ssr::TwoFactor,
};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use totp_rs::{Builder, Secret, Totp};

/// The name authenticator apps list the account under.
const ISSUER: &str = "Deskside";
/// Recovery codes made at a time.
const RECOVERY_CODES: usize = 10;
/// Wrong second-step codes an account may get within `FAILURE_WINDOW`, across sign-ins: one
/// pending sign-in allows 5, and this keeps someone who knows the password from signing in
/// again and again to go on guessing.
const FAILURES_PER_ACCOUNT: usize = 10;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Recovery codes are 16 characters from this alphabet (80 random bits): too many to guess,
/// so a fast hash is enough to keep them.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";

const WRONG_CODE: &str = "That code is not right.";

pub struct TwoFactorService {
    db: Db,
    /// Checks a password on the accounts' bounded hashing pool.
    accounts: Arc<AccountsService>,
    /// Whether staff must use two-factor sign-in: every staff request asks, and it changes
    /// only through this service.
    required: Mutex<Option<bool>>,
    /// Whose two-factor sign-in is on, for those asked about since it last changed here.
    enabled: Mutex<HashMap<UserId, bool>>,
    /// When each account's recent wrong codes came.
    failures: Mutex<HashMap<UserId, Vec<Instant>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl TwoFactorService {
    pub fn new(db: Db, accounts: Arc<AccountsService>) -> Self {
        Self {
            db,
            accounts,
            required: Mutex::new(None),
            enabled: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
        }
    }

    async fn required(&self) -> Result<bool, AppError> {
        if let Some(required) = *lock(&self.required) {
            return Ok(required);
        }
        let required = self.db.staff_two_factor_required().await?;
        *lock(&self.required) = Some(required);
        Ok(required)
    }

    async fn enabled(&self, user: UserId) -> Result<bool, AppError> {
        if let Some(enabled) = lock(&self.enabled).get(&user) {
            return Ok(*enabled);
        }
        let enabled = self
            .db
            .two_factor(user)
            .await?
            .is_some_and(|row| row.enabled);
        lock(&self.enabled).insert(user, enabled);
        Ok(enabled)
    }

    fn required_of(actor: &Actor, required: bool) -> bool {
        required && actor.is_provider_staff()
    }

    /// Refuses while the account has had too many wrong codes lately.
    fn check_throttle(&self, user: UserId) -> Result<(), AppError> {
        let now = Instant::now();
        let mut failures = lock(&self.failures);
        let recent = failures.entry(user).or_default();
        recent.retain(|at| now.duration_since(*at) < FAILURE_WINDOW);
        if recent.len() >= FAILURES_PER_ACCOUNT {
            let oldest = recent.first().copied().unwrap_or(now);
            let retry = FAILURE_WINDOW.saturating_sub(now.duration_since(oldest));
            return Err(AppError::RateLimited {
                retry_after_secs: retry.as_secs().max(1),
            });
        }
        Ok(())
    }

    fn record_failure(&self, user: UserId) {
        lock(&self.failures)
            .entry(user)
            .or_default()
            .push(Instant::now());
    }

    /// Confirms the person is the account's owner: the password, or else a current code.
    async fn check_proof(&self, actor: &Actor, proof: &Proof) -> Result<(), AppError> {
        if !proof.password.is_empty() {
            if self
                .accounts
                .password_matches(actor.user_id, &proof.password)
                .await?
            {
                return Ok(());
            }
            return Err(AppError::invalid("password", "That is not your password."));
        }
        if !proof.code.trim().is_empty() {
            return self.check_code(actor.user_id, &proof.code).await;
        }
        Err(AppError::invalid(
            "password",
            "Enter your password or a code from your app.",
        ))
    }
}

/// The TOTP generator for a stored base32 secret: 6 digits every 30 seconds, SHA-1, a step
/// either way allowed for clocks that drift (what every authenticator app expects).
fn totp(secret: &str, account_name: &str) -> Result<Totp, AppError> {
    let secret = Secret::try_from_base32(secret).map_err(|err| {
        tracing::error!(error = ?err, "a stored two-factor secret does not decode");
        AppError::Internal
    })?;
    Builder::new()
        .with_secret(secret)
        .with_account_name(account_name)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|err| {
            tracing::error!(error = %err, "cannot build a TOTP generator");
            AppError::Internal
        })
}

/// A new secret: 160 random bits, as RFC 4226 recommends.
fn new_secret() -> String {
    let mut bytes = vec![0u8; 20];
    rand::thread_rng().fill_bytes(&mut bytes);
    Secret::from(bytes).to_base32()
}

/// What an authenticator app needs for `secret`: the key to type, the address, its QR code.
fn setup_for(actor: &Actor, secret: &str) -> Result<TwoFactorSetup, AppError> {
    let otpauth_url = totp(secret, &actor.email)?.to_url().map_err(|err| {
        tracing::error!(error = %err, "cannot write the otpauth address");
        AppError::Internal
    })?;
    Ok(TwoFactorSetup {
        secret: group(secret),
        qr_code: qr_data_url(&otpauth_url)?,
        otpauth_url,
    })
}

/// The key in groups of four, as people copy it.
fn group(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The QR code as an SVG image in a `data:` URL, which the pages' `img-src` allows: nothing is
/// fetched from anywhere, and no script draws it.
fn qr_data_url(text: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|err| {
        tracing::error!(error = %err, "cannot encode the QR code");
        AppError::Internal
    })?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    Ok(format!(
        "data:image/svg+xml,{}",
        utf8_percent_encode(&svg, NON_ALPHANUMERIC)
    ))
}

/// Ten new recovery codes, as shown (`abcd-efgh-jkmn-pqrs`), and the hashes to store.
fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    let mut rng = rand::thread_rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let raw: String = (0..16)
                .map(|_| RECOVERY_ALPHABET[rng.gen_range(0..RECOVERY_ALPHABET.len())] as char)
                .collect();
            let shown = raw
                .as_bytes()
                .chunks(4)
                .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
                .collect::<Vec<_>>()
                .join("-");
            (shown, recovery_hash(&raw))
        })
        .unzip()
}

fn recovery_hash(normalized: &str) -> String {
    hex::encode(Sha256::digest(normalized.as_bytes()))
}

fn is_app_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

#[async_trait::async_trait]
impl TwoFactor for TwoFactorService {
    #[tracing::instrument(skip_all)]
    async fn status(&self, actor: &Actor) -> Result<TwoFactorStatus, AppError> {
        let row = self.db.two_factor(actor.user_id).await?;
        let enabled = row.as_ref().is_some_and(|row| row.enabled);
        let setup = match &row {
            Some(row) if !row.enabled => Some(setup_for(actor, &row.secret)?),
            _ => None,
        };
        let recovery_codes_left = if enabled {
            self.db.unused_recovery_codes(actor.user_id).await?
        } else {
            0
        };
        Ok(TwoFactorStatus {
            enabled,
            required: Self::required_of(actor, self.required().await?),
            recovery_codes_left,
            setup,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn begin_setup(&self, actor: &Actor) -> Result<TwoFactorSetup, AppError> {
        let secret = new_secret();
        if !self.db.begin_two_factor(actor.user_id, &secret).await? {
            return Err(AppError::conflict(
                "Two-factor sign-in is on already; turn it off before setting up another app.",
            ));
        }
        setup_for(actor, &secret)
    }

    #[tracing::instrument(skip_all)]
    async fn confirm_setup(&self, actor: &Actor, code: &str) -> Result<RecoveryCodes, AppError> {
        let row = match self.db.two_factor(actor.user_id).await? {
            Some(row) if row.enabled => {
                return Err(AppError::conflict("Two-factor sign-in is on already."));
            }
            Some(row) => row,
            None => {
                return Err(AppError::invalid(
                    "code",
                    "Start the setup first: there is no key to check the code against.",
                ));
            }
        };
        self.check_throttle(actor.user_id)?;
        let code = normalize_code(code);
        let step = if is_app_code(&code) {
            totp(&row.secret, &actor.email)?.check_current(&code)
        } else {
            None
        };
        let Some(step) = step else {
            self.record_failure(actor.user_id);
            return Err(AppError::invalid(
                "code",
                "That code does not fit this key. Enter the 6 digits the app shows now.",
            ));
        };
        let (codes, hashes) = new_recovery_codes();
        let step = i64::try_from(step).map_err(|_| AppError::Internal)?;
        if !self
            .db
            .enable_two_factor(actor.user_id, step, &hashes)
            .await?
        {
            return Err(AppError::conflict("Two-factor sign-in is on already."));
        }
        lock(&self.enabled).insert(actor.user_id, true);
        Ok(RecoveryCodes { codes })
    }

    #[tracing::instrument(skip_all)]
    async fn turn_off(&self, actor: &Actor, proof: &Proof) -> Result<(), AppError> {
        if Self::required_of(actor, self.required().await?) {
            return Err(AppError::conflict(
                "Your provider requires two-factor sign-in for its staff.",
            ));
        }
        self.check_proof(actor, proof).await?;
        self.db.disable_two_factor(actor.user_id).await?;
        lock(&self.enabled).insert(actor.user_id, false);
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn new_recovery_codes(
        &self,
        actor: &Actor,
        proof: &Proof,
    ) -> Result<RecoveryCodes, AppError> {
        if !self.enabled(actor.user_id).await? {
            return Err(AppError::conflict("Two-factor sign-in is off."));
        }
        self.check_proof(actor, proof).await?;
        let (codes, hashes) = new_recovery_codes();
        self.db.set_recovery_codes(actor.user_id, &hashes).await?;
        Ok(RecoveryCodes { codes })
    }

    #[tracing::instrument(skip_all)]
    async fn is_on(&self, user: UserId) -> Result<bool, AppError> {
        self.enabled(user).await
    }

    #[tracing::instrument(skip_all)]
    async fn check_code(&self, user: UserId, code: &str) -> Result<(), AppError> {
        self.check_throttle(user)?;
        let Some(row) = self.db.two_factor(user).await?.filter(|row| row.enabled) else {
            return Err(AppError::invalid("code", WRONG_CODE));
        };
        let code = normalize_code(code);
        let accepted = if is_app_code(&code) {
            match totp(&row.secret, "")?.check_current(&code) {
                Some(step) => {
                    let step = i64::try_from(step).map_err(|_| AppError::Internal)?;
                    if !self.db.use_two_factor_step(user, step).await? {
                        self.record_failure(user);
                        return Err(AppError::invalid(
                            "code",
                            "That code was used already. Wait for the app to show the next one.",
                        ));
                    }
                    true
                }
                None => false,
            }
        } else {
            self.db
                .use_recovery_code(user, &recovery_hash(&code))
                .await?
        };
        if accepted {
            Ok(())
        } else {
            self.record_failure(user);
            Err(AppError::invalid("code", WRONG_CODE))
        }
    }

    #[tracing::instrument(skip_all)]
    async fn must_set_up(&self, actor: &Actor) -> Result<bool, AppError> {
        Ok(actor.is_provider_staff()
            && self.required().await?
            && !self.enabled(actor.user_id).await?)
    }

    #[tracing::instrument(skip_all)]
    async fn site_settings(&self, actor: &Actor) -> Result<SiteSettings, AppError> {
        if !actor.is_admin() {
            return Err(AppError::Forbidden);
        }
        Ok(SiteSettings {
            require_staff_two_factor: self.required().await?,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn save_site_settings(
        &self,
        actor: &Actor,
        settings: SiteSettings,
    ) -> Result<SiteSettings, AppError> {
        if !actor.is_admin() {
            return Err(AppError::Forbidden);
        }
        self.db
            .set_staff_two_factor_required(settings.require_staff_two_factor)
            .await?;
        *lock(&self.required) = Some(settings.require_staff_two_factor);
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_ten_distinct_and_only_their_hashes_are_kept() {
        let (codes, hashes) = new_recovery_codes();

        assert_eq!(codes.len(), 10);
        assert_eq!(
            codes
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            10
        );
        for (code, hash) in codes.iter().zip(&hashes) {
            assert_eq!(code.len(), 19, "{code}");
            assert_eq!(&recovery_hash(&normalize_code(code)), hash);
            assert!(!hash.contains(&normalize_code(code)));
        }
    }

    #[test]
    fn a_code_counts_for_the_step_it_was_made_in_and_the_steps_beside_it() {
        let secret = new_secret();
        let totp = totp(&secret, "a@example.com").expect("a generator");
        let at = 1_800_000_000u64;
        let code = totp.generate(at).to_string();

        assert_eq!(totp.check(&code, at), Some(at / 30));
        assert_eq!(totp.check(&code, at + 30), Some(at / 30));
        assert_eq!(totp.check(&code, at + 90), None);
    }

    #[test]
    fn the_setup_address_names_deskside_and_the_person_and_the_qr_code_is_an_svg_data_url() {
        let actor = Actor {
            user_id: 1,
            name: "Tom".into(),
            email: "tom@provider.example".into(),
            role: app::accounts::Role::Technician,
            org_id: 1,
            org_name: "IT Provider".into(),
        };
        let secret = new_secret();

        let setup = setup_for(&actor, &secret).expect("a setup");

        assert!(
            setup
                .otpauth_url
                .starts_with("otpauth://totp/Deskside:tom%40provider.example?")
        );
        assert!(setup.otpauth_url.contains(&format!("secret={secret}")));
        assert_eq!(setup.secret.replace(' ', ""), secret);
        assert!(setup.qr_code.starts_with("data:image/svg+xml,"));
    }
}
