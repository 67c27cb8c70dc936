//! Sign-in throttling: every attempt is reserved before its password is checked and counted
//! against its address, its account from that address, and its account from everywhere, in a
//! sliding window.
//!
//! The limits are chosen so guessing is slow without handing anyone a way to lock the owner
//! out:
//! - an address may fail `per_address` times in the window, across all accounts;
//! - an account may fail `per_account` times from one address; another address is not
//!   affected by those failures;
//! - once an account has failed `per_account` times from anywhere, it is under attack:
//!   attempts from addresses that have been failing are spaced out, one per 1 s, 2 s, 4 s, …
//!   (doubling with every further failure, at most the window), so rotating addresses buys
//!   little. The owner still gets in from an address they signed in from before, and from a
//!   clean address (one with no failures at all) while the account's few clean passes
//!   (`per_account` per window) last; each such pass costs an attacker a whole address.

use ipnet::Ipv6Net;
use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Mutex, MutexGuard},
    time::{Duration, Instant},
};

/// How long a successful sign-in makes its address a known one for that account.
const KNOWN_FOR: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// Past this many entries in one table, expired ones are swept out before adding more.
const SWEEP_AT: usize = 100_000;

pub struct LoginThrottle {
    window: Duration,
    per_account: usize,
    per_address: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Attempts not known to have succeeded, per address, across accounts.
    addresses: HashMap<IpAddr, Vec<Instant>>,
    /// The same, per account from one address.
    pairs: HashMap<(String, IpAddr), Vec<Instant>>,
    accounts: HashMap<String, AccountState>,
    /// Where each account last signed in from, and when.
    known: HashMap<(String, IpAddr), Instant>,
}

#[derive(Default)]
struct AccountState {
    /// Attempts not known to have succeeded, from any address.
    failures: Vec<Instant>,
    /// Attempts let through from clean addresses while the account is under attack.
    clean_passes: Vec<Instant>,
    /// While under attack: when the next attempt from a failing address may be checked.
    next_at: Option<Instant>,
}

/// A reserved attempt. It counts as a failure unless told it succeeded or was never checked,
/// so a request abandoned halfway still counts.
#[must_use = "an attempt counts as a failure unless settled"]
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    account: String,
    address: IpAddr,
    at: Instant,
    clean_pass: bool,
}

impl LoginThrottle {
    pub fn new(window: Duration, per_account: u32, per_address: u32) -> Self {
        Self {
            window,
            per_account: per_account as usize,
            per_address: per_address as usize,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reserves one attempt for `email` from `from`, or `Err(seconds)` to wait first. The check
    /// and the reservation happen under one lock, so parallel guesses cannot all slip in
    /// before the first of them is counted.
    pub fn reserve(&self, email: &str, from: IpAddr) -> Result<Attempt<'_>, u64> {
        let now = Instant::now();
        let window = self.window;
        let (account, address) = (account_key(email), address_key(from));
        let mut guard = self.state();
        let State {
            addresses,
            pairs,
            accounts,
            known,
        } = &mut *guard;
        if addresses.len().max(pairs.len()).max(accounts.len()) > SWEEP_AT {
            addresses.retain(|_, times| recent(times, now, window) > 0);
            pairs.retain(|_, times| recent(times, now, window) > 0);
            accounts.retain(|_, a| recent(&mut a.failures, now, window) > 0);
        }
        if known.len() > SWEEP_AT {
            known.retain(|_, at| now.duration_since(*at) < KNOWN_FOR);
        }

        let from_here = addresses.entry(address).or_default();
        let failing_here = recent(from_here, now, window);
        if failing_here >= self.per_address {
            return Err(self.wait(from_here, now));
        }
        let pair = pairs.entry((account.clone(), address)).or_default();
        if recent(pair, now, window) >= self.per_account {
            return Err(self.wait(pair, now));
        }
        let state = accounts.entry(account.clone()).or_default();
        recent(&mut state.clean_passes, now, window);
        let under_attack = recent(&mut state.failures, now, window) >= self.per_account;
        let known_here = known
            .get(&(account.clone(), address))
            .is_some_and(|at| now.duration_since(*at) < KNOWN_FOR);
        let mut clean_pass = false;
        if under_attack && !known_here {
            if failing_here == 0 && state.clean_passes.len() < self.per_account {
                clean_pass = true;
            } else if let Some(next) = state.next_at.filter(|next| *next > now) {
                return Err(seconds(next - now));
            } else {
                let beyond = state.failures.len() + 1 - self.per_account;
                state.next_at = Some(now + backoff(beyond).min(window));
            }
        }

        from_here.push(now);
        pair.push(now);
        state.failures.push(now);
        if clean_pass {
            state.clean_passes.push(now);
        }
        Ok(Attempt {
            throttle: self,
            account,
            address,
            at: now,
            clean_pass,
        })
    }

    /// Seconds until the oldest of `times` leaves the window.
    fn wait(&self, times: &[Instant], now: Instant) -> u64 {
        times.first().map_or(1, |oldest| {
            seconds(self.window.saturating_sub(now.duration_since(*oldest)))
        })
    }
}

impl Attempt<'_> {
    /// The password was right: the attempt is taken back, this address's failures on the
    /// account are forgiven, and the address becomes a known one for the account. The
    /// account's failures from elsewhere stay: an owner signing in does not reset an attack.
    pub fn succeeded(self) {
        let mut state = self.throttle.state();
        self.take_back(&mut state);
        let key = (self.account.clone(), self.address);
        state.pairs.remove(&key);
        state.known.insert(key, Instant::now());
    }

    /// The password was wrong; the attempt stays counted.
    pub fn failed(self) {}

    /// The password was never checked (the server was busy or failed): nothing was guessed,
    /// so nothing is counted.
    pub fn not_checked(self) {
        let mut state = self.throttle.state();
        self.take_back(&mut state);
    }

    fn take_back(&self, state: &mut State) {
        let at = self.at;
        if let Some(times) = state.addresses.get_mut(&self.address) {
            remove_one(times, at);
        }
        if let Some(times) = state.pairs.get_mut(&(self.account.clone(), self.address)) {
            remove_one(times, at);
        }
        if let Some(account) = state.accounts.get_mut(&self.account) {
            remove_one(&mut account.failures, at);
            if self.clean_pass {
                remove_one(&mut account.clean_passes, at);
            }
        }
    }
}

/// Drops what left the window; how many remain.
fn recent(times: &mut Vec<Instant>, now: Instant, window: Duration) -> usize {
    times.retain(|t| now.duration_since(*t) < window);
    times.len()
}

fn remove_one(times: &mut Vec<Instant>, at: Instant) {
    if let Some(i) = times.iter().position(|t| *t == at) {
        times.remove(i);
    }
}

/// 1 s for the first attempt past the limit, doubling with each one after.
fn backoff(beyond: usize) -> Duration {
    Duration::from_secs(1u64 << (beyond.saturating_sub(1)).min(20))
}

/// Whole seconds, rounded up, at least one.
fn seconds(wait: Duration) -> u64 {
    wait.as_millis().div_ceil(1000).max(1) as u64
}

fn account_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// One IPv6 host usually holds a whole /64, so it counts as one address; IPv4 written as
/// IPv6 (`::ffff:a.b.c.d`) counts as the IPv4 address it is.
pub(crate) fn address_key(from: IpAddr) -> IpAddr {
    match from.to_canonical() {
        IpAddr::V6(v6) => Ipv6Net::new(v6, 64)
            .map(|net| IpAddr::V6(net.network()))
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const HOME: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    fn addr(n: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(203, 0, 113, n))
    }

    fn fail(t: &LoginThrottle, email: &str, from: IpAddr) -> Result<(), u64> {
        t.reserve(email, from).map(Attempt::failed)
    }

    #[test]
    fn an_account_is_locked_from_the_address_that_failed_and_only_there() {
        let t = LoginThrottle::new(Duration::from_secs(60), 3, 100);
        for _ in 0..3 {
            assert!(fail(&t, "a@x.test", HOME).is_ok());
        }
        assert!(
            t.reserve("A@x.test ", HOME).is_err(),
            "same account, other spelling"
        );
        assert!(t.reserve("b@x.test", HOME).is_ok(), "another account");
        assert!(
            t.reserve("a@x.test", addr(1)).is_ok(),
            "the owner, elsewhere"
        );
    }

    #[test]
    fn parallel_attempts_count_before_their_passwords_are_checked() {
        let t = LoginThrottle::new(Duration::from_secs(60), 3, 100);
        let pending: Vec<_> = (0..10)
            .filter_map(|_| t.reserve("a@x.test", HOME).ok())
            .collect();
        assert_eq!(pending.len(), 3);
    }

    #[test]
    fn an_address_is_locked_after_failures_across_accounts() {
        let t = LoginThrottle::new(Duration::from_secs(60), 100, 2);
        fail(&t, "a@x.test", HOME).unwrap();
        fail(&t, "b@x.test", HOME).unwrap();
        assert!(t.reserve("c@x.test", HOME).is_err());
        assert!(t.reserve("c@x.test", addr(1)).is_ok());
    }

    #[test]
    fn success_forgives_the_failures_from_that_address() {
        let t = LoginThrottle::new(Duration::from_secs(60), 2, 100);
        fail(&t, "a@x.test", HOME).unwrap();
        t.reserve("a@x.test", HOME).unwrap().succeeded();
        fail(&t, "a@x.test", HOME).unwrap();
        assert!(t.reserve("a@x.test", HOME).is_ok());
    }

    #[test]
    fn an_attempt_never_checked_costs_nothing() {
        let t = LoginThrottle::new(Duration::from_secs(60), 1, 100);
        for _ in 0..5 {
            t.reserve("a@x.test", HOME).unwrap().not_checked();
        }
        assert!(fail(&t, "a@x.test", HOME).is_ok());
    }

    #[test]
    fn failures_expire_with_the_window() {
        let t = LoginThrottle::new(Duration::from_millis(1), 1, 100);
        fail(&t, "a@x.test", HOME).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert!(t.reserve("a@x.test", HOME).is_ok());
    }

    #[test]
    fn rotating_addresses_buys_only_a_few_guesses_and_then_each_waits_longer() {
        let t = LoginThrottle::new(Duration::from_secs(900), 5, 100);

        let checked = (0..100)
            .filter(|n| fail(&t, "a@x.test", addr(*n)).is_ok())
            .count();

        assert_eq!(
            checked, 11,
            "five failures, five clean passes, then one spaced attempt"
        );
        let wait = t.reserve("a@x.test", addr(0)).map(|_| ()).unwrap_err();
        assert!(
            (31..=32).contains(&wait),
            "the 11th failure doubled the wait five times: {wait}"
        );
        assert_eq!(
            [1, 2, 3, 4].map(|n| backoff(n).as_secs()),
            [1, 2, 4, 8],
            "each further failure doubles the wait"
        );
    }

    #[test]
    fn the_owner_gets_in_from_a_clean_or_known_address_while_the_account_is_attacked() {
        let t = LoginThrottle::new(Duration::from_secs(900), 5, 100);
        t.reserve("a@x.test", addr(200)).unwrap().succeeded();
        for n in 0..50 {
            let _ = fail(&t, "a@x.test", addr(n));
        }
        assert!(
            t.reserve("a@x.test", addr(200)).is_ok(),
            "an address the owner signed in from before"
        );

        let t = LoginThrottle::new(Duration::from_secs(900), 5, 100);
        for _ in 0..5 {
            fail(&t, "a@x.test", addr(1)).unwrap();
        }
        t.reserve("a@x.test", addr(2))
            .expect("a clean address is let through")
            .succeeded();
        assert!(
            t.reserve("a@x.test", addr(1)).is_err(),
            "the guesser is not"
        );
    }

    #[test]
    fn an_ipv6_host_counts_as_its_whole_64() {
        let t = LoginThrottle::new(Duration::from_secs(60), 2, 100);
        fail(&t, "a@x.test", "2001:db8:1:2::1".parse().unwrap()).unwrap();
        fail(&t, "a@x.test", "2001:db8:1:2::2".parse().unwrap()).unwrap();
        assert!(
            t.reserve("a@x.test", "2001:db8:1:2:ffff::9".parse().unwrap())
                .is_err()
        );
        assert_eq!(
            address_key("::ffff:192.0.2.7".parse().unwrap()),
            "192.0.2.7".parse::<IpAddr>().unwrap()
        );
    }
}
