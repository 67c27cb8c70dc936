//! Sign-in throttling: failed attempts counted per account and per address in a sliding
//! window.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Counts failed sign-ins per account and per address in a sliding window.
pub struct LoginThrottle {
    window: Duration,
    per_account: u32,
    per_address: u32,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginThrottle {
    pub fn new(window: Duration, per_account: u32, per_address: u32) -> Self {
        Self {
            window,
            per_account,
            per_address,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(email: &str, from: IpAddr) -> [(String, bool); 2] {
        [
            (format!("account:{}", email.trim().to_lowercase()), true),
            (format!("address:{from}"), false),
        ]
    }

    /// `Err(seconds)` while either the account or the address has used up its failures.
    pub fn check(&self, email: &str, from: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for (key, is_account) in Self::keys(email, from) {
            let limit = if is_account {
                self.per_account
            } else {
                self.per_address
            } as usize;
            if let Some(times) = failures.get_mut(&key) {
                times.retain(|t| now.duration_since(*t) < self.window);
                if times.len() >= limit
                    && let Some(oldest) = times.first()
                {
                    let wait = self.window.saturating_sub(now.duration_since(*oldest));
                    return Err(wait.as_secs().max(1));
                }
            }
        }
        Ok(())
    }

    pub fn record_failure(&self, email: &str, from: IpAddr) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() > 100_000 {
            failures.retain(|_, times| times.iter().any(|t| now.duration_since(*t) < self.window));
        }
        for (key, _) in Self::keys(email, from) {
            failures.entry(key).or_default().push(now);
        }
    }

    /// A successful sign-in clears the account's count (not the address's).
    pub fn record_success(&self, email: &str, from: IpAddr) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let [(account, _), _] = Self::keys(email, from);
        failures.remove(&account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const HOME: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    #[test]
    fn account_is_locked_after_its_failures_and_others_are_not() {
        let t = LoginThrottle::new(Duration::from_secs(60), 3, 100);
        for _ in 0..3 {
            assert!(t.check("a@x.test", HOME).is_ok());
            t.record_failure("a@x.test", HOME);
        }
        assert!(
            t.check("A@x.test ", HOME).is_err(),
            "same account, other spelling"
        );
        assert!(t.check("b@x.test", HOME).is_ok());
    }

    #[test]
    fn address_is_locked_after_failures_across_accounts() {
        let t = LoginThrottle::new(Duration::from_secs(60), 100, 2);
        t.record_failure("a@x.test", HOME);
        t.record_failure("b@x.test", HOME);
        assert!(t.check("c@x.test", HOME).is_err());
        assert!(
            t.check("c@x.test", IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)))
                .is_ok()
        );
    }

    #[test]
    fn success_clears_the_accounts_failures() {
        let t = LoginThrottle::new(Duration::from_secs(60), 2, 100);
        t.record_failure("a@x.test", HOME);
        t.record_success("a@x.test", HOME);
        t.record_failure("a@x.test", HOME);
        assert!(t.check("a@x.test", HOME).is_ok());
    }

    #[test]
    fn failures_expire_with_the_window() {
        let t = LoginThrottle::new(Duration::from_millis(1), 1, 100);
        t.record_failure("a@x.test", HOME);
        std::thread::sleep(Duration::from_millis(5));
        assert!(t.check("a@x.test", HOME).is_ok());
    }
}
