//! Invitations and password resets by mailed link: the links (single use, expiring, only a
//! hash of their secret stored), the mail that carries them (written to the outbox in the
//! same transaction), and the limit on asking for resets.

use super::AccountsService;
use super::credentials::token_hash;
use super::throttle::address_key;
use crate::db::account_links::NewLink;
use crate::db::mail::NewMail;
use crate::mail::{Addresses, MailSettings};
use app::accounts::links::{LinkPurpose, LinkTarget, ssr::AccountLinks};
use app::accounts::{Actor, Credential, Email, Invitee, Org, Password, User, UserId};
use app::error::AppError;
use rand::RngCore;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// Reset links one email address may be sent per window: enough for a lost first mail and a
/// second try, too few to fill someone's inbox.
const RESETS_PER_EMAIL: usize = 3;
/// Reset requests one client address may make per window, across addresses: an office
/// behind one router stays far below it, a script mailing everyone it can guess does not.
const RESETS_PER_ADDRESS: usize = 20;
const RESET_WINDOW: Duration = Duration::from_secs(60 * 60);
/// Past this many entries in one table, expired ones are swept out before adding more.
const SWEEP_AT: usize = 100_000;

/// What invitation and reset mail needs besides the database.
pub struct LinkMail {
    /// The portal's address, without a trailing slash; links start with it.
    base_url: String,
    addresses: Arc<Addresses>,
    limits: ResetLimits,
}

impl LinkMail {
    pub fn new(base_url: &str, addresses: Option<Arc<Addresses>>) -> LinkMail {
        let addresses = addresses.unwrap_or_else(|| {
            Arc::new(
                Addresses::new(&MailSettings::default())
                    .expect("the default sender address parses"),
            )
        });
        LinkMail {
            base_url: base_url.trim_end_matches('/').to_string(),
            addresses,
            limits: ResetLimits::new(RESETS_PER_EMAIL, RESETS_PER_ADDRESS, RESET_WINDOW),
        }
    }

    fn url(&self, purpose: LinkPurpose, secret: &str) -> String {
        format!("{}{}{secret}", self.base_url, purpose.page())
    }

    /// The invitation `inviter` sends `name` at `email` to join `org`.
    fn invitation(
        &self,
        account: UserId,
        inviter: &Actor,
        org: &str,
        name: &str,
        email: &str,
        secret: &str,
    ) -> NewMail {
        let url = self.url(LinkPurpose::Invitation, secret);
        let mut body = Body::default();
        body.para(&format!("Hello {name},"));
        body.para(&format!(
            "{} invited you to {org}'s help desk, where you ask for help and follow your \
             requests.",
            inviter.name
        ));
        body.link(
            "Choose your password to start:",
            "Choose your password",
            &url,
        );
        body.para(&format!(
            "The link works once, for 7 days. If it has expired, ask {} to send you a new \
             invitation.",
            inviter.name
        ));
        body.para("If you did not expect this invitation, you can ignore this message.");
        self.mail(
            "invitation",
            account,
            email,
            format!("You're invited to {org}'s help desk"),
            body,
        )
    }

    /// The reset link for `name` at `email`.
    fn reset(&self, account: UserId, name: &str, email: &str, secret: &str) -> NewMail {
        let url = self.url(LinkPurpose::PasswordReset, secret);
        let mut body = Body::default();
        body.para(&format!("Hello {name},"));
        body.para(
            "Someone, probably you, asked to reset the password you sign in to the help desk with.",
        );
        body.link("Choose a new password:", "Choose a new password", &url);
        body.para(
            "The link works once, for an hour. Choosing a new password signs you out \
             everywhere else; if you use two-factor sign-in, you still enter a code.",
        );
        body.para(
            "If you did not ask for this, ignore this message: your password stays as it is.",
        );
        self.mail(
            "password_reset",
            account,
            email,
            "Reset your Deskside password".to_string(),
            body,
        )
    }

    fn mail(&self, kind: &str, account: UserId, to: &str, subject: String, body: Body) -> NewMail {
        NewMail {
            kind: kind.to_string(),
            account: Some(account),
            to: to.to_string(),
            subject,
            text: body.text,
            html: ammonia::clean(&body.html),
            message_id: self.addresses.message_id(kind),
            // The link is a key to the account: the Mail page never shows it.
            sensitive: true,
            ..NewMail::default()
        }
    }
}

/// A message's plain text and its HTML, written together paragraph by paragraph.
#[derive(Default)]
struct Body {
    text: String,
    html: String,
}

impl Body {
    fn para(&mut self, text: &str) {
        self.text.push_str(text);
        self.text.push_str("\n\n");
        self.html.push_str(&format!("<p>{}</p>\n", escape(text)));
    }

    /// `lead` then the link: on its own line in text, as a link labelled `label` in HTML.
    fn link(&mut self, lead: &str, label: &str, url: &str) {
        self.text.push_str(&format!("{lead}\n{url}\n\n"));
        self.html.push_str(&format!(
            "<p>{}<br><a href=\"{}\">{}</a></p>\n",
            escape(lead),
            escape(url),
            escape(label)
        ));
    }
}

/// Text as HTML text: names and organization names are whatever people typed.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A link's secret: 32 random bytes, as hex. Only its SHA-256 is stored, as for API tokens:
/// 256 random bits need no slow hash.
fn new_link_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn new_link(purpose: LinkPurpose, secret: &str) -> NewLink {
    NewLink {
        purpose,
        token_hash: token_hash(secret),
        expires_at: OffsetDateTime::now_utc() + time::Duration::seconds(purpose.lifetime_secs()),
    }
}

/// How often a reset may be asked for: per email address asked about (known or not, so the
/// limit tells nothing) and per client address, in a sliding window.
struct ResetLimits {
    per_email: usize,
    per_address: usize,
    window: Duration,
    state: Mutex<LimitState>,
}

#[derive(Default)]
struct LimitState {
    emails: HashMap<String, Vec<Instant>>,
    addresses: HashMap<IpAddr, Vec<Instant>>,
}

impl ResetLimits {
    fn new(per_email: usize, per_address: usize, window: Duration) -> Self {
        Self {
            per_email,
            per_address,
            window,
            state: Mutex::new(LimitState::default()),
        }
    }

    /// Counts one request for `email` from `from`, or `Err(seconds)` to wait first. Checked
    /// and counted under one lock, so parallel requests cannot all slip in.
    fn reserve(&self, email: &str, from: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let window = self.window;
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let LimitState { emails, addresses } = &mut *guard;
        if emails.len().max(addresses.len()) > SWEEP_AT {
            emails.retain(|_, times| recent(times, now, window) > 0);
            addresses.retain(|_, times| recent(times, now, window) > 0);
        }
        let here = addresses.entry(address_key(from)).or_default();
        if recent(here, now, window) >= self.per_address {
            return Err(wait(here, now, window));
        }
        let sent = emails.entry(email.to_string()).or_default();
        if recent(sent, now, window) >= self.per_email {
            return Err(wait(sent, now, window));
        }
        sent.push(now);
        here.push(now);
        Ok(())
    }
}

fn recent(times: &mut Vec<Instant>, now: Instant, window: Duration) -> usize {
    times.retain(|t| now.duration_since(*t) < window);
    times.len()
}

/// Seconds until the oldest counted request leaves the window (at least 1).
fn wait(times: &[Instant], now: Instant, window: Duration) -> u64 {
    times.first().map_or(1, |oldest| {
        window
            .saturating_sub(now.duration_since(*oldest))
            .as_secs()
            .max(1)
    })
}

impl AccountsService {
    /// Adds `new` to `org` without a password and mails them an invitation from `inviter`,
    /// in one transaction. The caller has checked that `inviter` may.
    pub(super) async fn invite(
        &self,
        inviter: &Actor,
        org: &Org,
        new: Invitee,
    ) -> Result<User, AppError> {
        let secret = new_link_secret();
        let link = new_link(LinkPurpose::Invitation, &secret);
        self.db
            .insert_invited_account(org.id, new.role, &new.email, &new.name, &link, |id| {
                self.links.invitation(
                    id,
                    inviter,
                    &org.name,
                    new.name.as_str(),
                    new.email.as_str(),
                    &secret,
                )
            })
            .await
    }

    /// Mails `user`, still invited, a new invitation; their earlier link stops working.
    pub(super) async fn reinvite(&self, inviter: &Actor, user: &User) -> Result<(), AppError> {
        let secret = new_link_secret();
        let link = new_link(LinkPurpose::Invitation, &secret);
        let mail = self.links.invitation(
            user.id,
            inviter,
            &user.org_name,
            &user.name,
            &user.email,
            &secret,
        );
        self.db.replace_link(user.id, &link, &mail).await
    }
}

#[async_trait::async_trait]
impl AccountLinks for AccountsService {
    #[tracing::instrument(skip_all)]
    async fn link_target(&self, purpose: LinkPurpose, token: &str) -> Result<LinkTarget, AppError> {
        let Some(id) = self
            .db
            .account_of_link(purpose, &token_hash(token.trim()))
            .await?
        else {
            return Err(purpose.dead_link());
        };
        let user = self.db.account(id).await?.user;
        if !user.active {
            return Err(purpose.dead_link());
        }
        Ok(LinkTarget {
            purpose,
            name: user.name,
            email: user.email,
            org_name: user.org_name,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn use_link(
        &self,
        purpose: LinkPurpose,
        token: &str,
        password: Password,
    ) -> Result<Actor, AppError> {
        let hash = token_hash(token.trim());
        // A dead link is told at once, before a password is hashed for nothing.
        if self.db.account_of_link(purpose, &hash).await?.is_none() {
            return Err(purpose.dead_link());
        }
        let password_hash = self.hashing.hash(password.expose().to_string()).await?;
        // Checked again as it is used: two tabs racing with one link set one password.
        let Some((user, _epoch)) = self.db.use_link(purpose, &hash, &password_hash).await? else {
            return Err(purpose.dead_link());
        };
        // Sessions signed in with the old password end at their next request (their epoch is
        // behind); their streams, which make no more requests, end now. API tokens stay:
        // they were made deliberately, and the account page revokes them.
        self.streams
            .close(user, |opened| matches!(opened, Credential::Session { .. }));
        self.active_actor(user)
            .await?
            .ok_or_else(|| purpose.dead_link())
    }

    #[tracing::instrument(skip_all)]
    async fn request_reset(&self, email: &str, from: IpAddr) -> Result<(), AppError> {
        let email = Email::parse(email).map_err(|m| AppError::invalid("email", m))?;
        self.links
            .limits
            .reserve(email.as_str(), from)
            .map_err(|retry_after_secs| AppError::RateLimited { retry_after_secs })?;
        // The same work whether or not the address is an account's, up to the write: the
        // lookup, a secret and its hash, the message. What differs is two inserts on the
        // local database, microseconds among a request's milliseconds, and the per-address
        // limit above allows only a few tries per hour to measure them with.
        let record = self.db.account_by_email(email.as_str()).await?;
        let secret = new_link_secret();
        let link = new_link(LinkPurpose::PasswordReset, &secret);
        let (id, name) = record
            .as_ref()
            .map_or((0, "there"), |r| (r.user.id, r.user.name.as_str()));
        let mail = self.links.reset(id, name, email.as_str(), &secret);
        // Deactivated accounts get nothing: they may not sign in however they try.
        match record.filter(|r| r.user.active) {
            Some(record) => self.db.replace_link(record.user.id, &link, &mail).await,
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_in_names_is_text_in_the_message() {
        let links = LinkMail::new("https://help.example.com/", None);
        let inviter = Actor {
            user_id: 1,
            name: "Ada <b>Admin</b>".into(),
            email: "ada@example.com".into(),
            role: app::accounts::Role::Admin,
            org_id: 1,
            org_name: "IT".into(),
        };

        let mail = links.invitation(
            2,
            &inviter,
            "Acme & Co",
            "<script>alert(1)</script>",
            "nia@acme.example",
            "abc",
        );

        assert_eq!(mail.subject, "You're invited to Acme & Co's help desk");
        assert!(mail.text.contains("https://help.example.com/invite/abc"));
        assert!(
            mail.html
                .contains("href=\"https://help.example.com/invite/abc\"")
        );
        assert!(!mail.html.contains("<script"), "{}", mail.html);
        assert!(!mail.html.contains("<b>"), "{}", mail.html);
        assert!(mail.html.contains("Acme &amp; Co"), "{}", mail.html);
        assert!(mail.sensitive);
        assert_eq!(mail.kind, "invitation");
    }

    #[test]
    fn resets_are_limited_per_email_and_per_client_address() {
        let limits = ResetLimits::new(2, 3, Duration::from_secs(3600));
        let here = IpAddr::from([192, 0, 2, 1]);
        let there = IpAddr::from([192, 0, 2, 2]);

        assert!(limits.reserve("a@example.com", here).is_ok());
        assert!(limits.reserve("a@example.com", there).is_ok());
        let email_limited = limits.reserve("a@example.com", here);
        assert!(limits.reserve("b@example.com", here).is_ok());
        assert!(limits.reserve("c@example.com", here).is_ok());
        let address_limited = limits.reserve("d@example.com", here);

        assert!(
            matches!(email_limited, Err(secs) if secs > 3500),
            "{email_limited:?}"
        );
        assert!(address_limited.is_err(), "{address_limited:?}");
        assert!(limits.reserve("d@example.com", there).is_ok());
    }

    #[test]
    fn link_secrets_are_long_random_and_differ() {
        let (a, b) = (new_link_secret(), new_link_secret());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_ne!(token_hash(&a), a);
    }
}
