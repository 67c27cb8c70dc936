//! People, roles and organizations: the shared types, their validation, and the backend
//! contract the server implements.

pub mod links;

use crate::error::{AppError, Validator};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;

pub type OrgId = i64;
pub type UserId = i64;

/// What a person may do. Requesters and managers belong to a client organization; technicians
/// and admins to the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Requester,
    Manager,
    Technician,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Requester,
        Role::Manager,
        Role::Technician,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Requester => "requester",
            Role::Manager => "manager",
            Role::Technician => "technician",
            Role::Admin => "admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Requester => "Requester",
            Role::Manager => "Manager",
            Role::Technician => "Technician",
            Role::Admin => "Admin",
        }
    }

    pub fn parse(raw: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == raw.trim().to_ascii_lowercase())
            .ok_or_else(|| "Choose requester, manager, technician or admin.".to_string())
    }

    /// Provider staff work across every client organization.
    pub fn is_provider_staff(self) -> bool {
        matches!(self, Role::Technician | Role::Admin)
    }

    /// The kind of organization this role belongs to.
    pub fn org_kind(self) -> OrgKind {
        if self.is_provider_staff() {
            OrgKind::Provider
        } else {
            OrgKind::Client
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Provider,
    Client,
}

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Provider => "provider",
            OrgKind::Client => "client",
        }
    }

    pub fn parse(raw: &str) -> Option<OrgKind> {
        match raw {
            "provider" => Some(OrgKind::Provider),
            "client" => Some(OrgKind::Client),
            _ => None,
        }
    }
}

/// An email address as we store it: trimmed and lowercased, so sign-in ignores case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, String> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("Enter an email address.".into());
        }
        if email.chars().count() > 254 {
            return Err("An email address has at most 254 characters.".into());
        }
        let valid = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            }
            None => false,
        };
        if valid {
            Ok(Email(email))
        } else {
            Err("Enter an email address like name@example.com.".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<PersonName, String> {
        let name = raw.trim();
        if name.is_empty() {
            return Err("Enter a name.".into());
        }
        if name.chars().count() > 100 {
            return Err("A name has at most 100 characters.".into());
        }
        if name.chars().any(char::is_control) {
            return Err("A name cannot contain control characters.".into());
        }
        Ok(PersonName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An organization's name, unique regardless of case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgName(String);

impl OrgName {
    pub fn parse(raw: &str) -> Result<OrgName, String> {
        let name = raw.trim();
        if name.chars().count() < 2 {
            return Err("An organization name has at least 2 characters.".into());
        }
        if name.chars().count() > 100 {
            return Err("An organization name has at most 100 characters.".into());
        }
        if name.chars().any(char::is_control) {
            return Err("An organization name cannot contain control characters.".into());
        }
        Ok(OrgName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password. Debug never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(raw: &str) -> Result<Password, String> {
        let count = raw.chars().count();
        if count < Self::MIN_CHARS {
            return Err(format!(
                "A password has at least {} characters.",
                Self::MIN_CHARS
            ));
        }
        if count > Self::MAX_CHARS {
            return Err(format!(
                "A password has at most {} characters.",
                Self::MAX_CHARS
            ));
        }
        Ok(Password(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// The signed-in person, as every rule on the server sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Actor {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub org_id: OrgId,
    pub org_name: String,
}

impl Actor {
    /// Someone with `role` in `org_id`, for the rules' unit tests.
    #[cfg(test)]
    pub fn for_test(role: Role, org_id: OrgId, user_id: UserId) -> Actor {
        Actor {
            user_id,
            name: "A".into(),
            email: "a@example.com".into(),
            role,
            org_id,
            org_name: "Org".into(),
        }
    }

    pub fn is_provider_staff(&self) -> bool {
        self.role.is_provider_staff()
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether this person may see data that belongs to `org_id`.
    pub fn can_see_org(&self, org_id: OrgId) -> bool {
        self.is_provider_staff() || self.org_id == org_id
    }

    /// Whether this person manages the people of `org_id`.
    pub fn can_manage_people_of(&self, org_id: OrgId) -> bool {
        self.is_admin() || (self.role == Role::Manager && self.org_id == org_id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Org {
    pub id: OrgId,
    pub name: String,
    pub kind: OrgKind,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The organization's stored files against its quota; shown to admins only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<FileUsage>,
}

/// How much room an organization's files take of what it may store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FileUsage {
    /// The bytes its tickets' and articles' files take.
    pub used_bytes: i64,
    /// The most they may take; an upload that would go past it is refused.
    pub quota_bytes: i64,
}

/// A size in bytes as people read it: "850 KB", "1.2 MB", "5.0 GB".
pub fn human_size(bytes: i64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes.max(0) as f64;
    if b < KB * KB {
        format!("{} KB", (b / KB).ceil() as i64)
    } else if b < KB * KB * KB {
        format!("{:.1} MB", b / (KB * KB))
    } else {
        format!("{:.1} GB", b / (KB * KB * KB))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    pub org_id: OrgId,
    pub org_name: String,
    pub role: Role,
    pub email: String,
    pub name: String,
    pub active: bool,
    /// Invited and not yet accepted: no password chosen yet, so the person cannot sign in.
    #[serde(default)]
    pub invited: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub scope: TokenScope,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// From this moment on the token is refused (401).
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
}

impl ApiToken {
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.expires_at <= now
    }
}

/// What a token may do: read only (GET and HEAD requests), or everything its owner may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    ReadOnly,
    ReadWrite,
}

impl TokenScope {
    pub const ALL: [TokenScope; 2] = [TokenScope::ReadOnly, TokenScope::ReadWrite];

    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::ReadOnly => "read_only",
            TokenScope::ReadWrite => "read_write",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TokenScope::ReadOnly => "Read only",
            TokenScope::ReadWrite => "Read and write",
        }
    }

    pub fn parse(raw: &str) -> Result<TokenScope, String> {
        TokenScope::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| "Choose read_only or read_write.".to_string())
    }

    /// Whether a request with `method` is within the scope: read-only tokens make only the
    /// safe requests, which change nothing.
    pub fn allows(self, method: &str) -> bool {
        self == TokenScope::ReadWrite || method == "GET" || method == "HEAD"
    }
}

/// A token to create, already validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    pub name: String,
    pub scope: TokenScope,
    pub expires_at: OffsetDateTime,
}

impl NewToken {
    /// How long a token lasts when its creator does not say.
    pub const DEFAULT_DAYS: i64 = 90;
    /// The longest a token may last: a token that outlives everyone's memory of it is how
    /// secrets leak unnoticed.
    pub const MAX_DAYS: i64 = 365;
    /// The lifetimes the account page offers besides a date.
    pub const OFFERED_DAYS: [i64; 3] = [30, 90, 365];

    /// A token named `name` with `scope` (read-write when not given) that expires after
    /// `days` days or at the end of the UTC day `on` (`YYYY-MM-DD`); 90 days when neither is
    /// given. Every bad field is reported at once.
    pub fn parse(
        name: &str,
        scope: Option<&str>,
        days: Option<&str>,
        on: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<NewToken, AppError> {
        let mut v = Validator::new();
        let name = v.check("name", parse_token_name(name));
        let scope = match scope.map(str::trim).filter(|s| !s.is_empty()) {
            Some(raw) => v.check("scope", TokenScope::parse(raw)),
            None => Some(TokenScope::ReadWrite),
        };
        let days = days.map(str::trim).filter(|s| !s.is_empty());
        let on = on.map(str::trim).filter(|s| !s.is_empty());
        let expires_at = match (days, on) {
            (Some(_), Some(_)) => v.check(
                "expires_on",
                Err("Give a number of days or a date, not both.".to_string()),
            ),
            (Some(days), None) => v.check("expires_in_days", expiry_after_days(days, now)),
            (None, Some(on)) => v.check("expires_on", expiry_on_date(on, now)),
            (None, None) => Some(now + time::Duration::days(Self::DEFAULT_DAYS)),
        };
        v.finish(|| {
            Some(NewToken {
                name: name?,
                scope: scope?,
                expires_at: expires_at?,
            })
        })
    }
}

fn expiry_after_days(raw: &str, now: OffsetDateTime) -> Result<OffsetDateTime, String> {
    let days: i64 = raw
        .parse()
        .map_err(|_| "The number of days is a whole number, e.g. 90.".to_string())?;
    if !(1..=NewToken::MAX_DAYS).contains(&days) {
        return Err(format!(
            "A token lasts from 1 to {} days.",
            NewToken::MAX_DAYS
        ));
    }
    Ok(now + time::Duration::days(days))
}

/// The end of the UTC day `raw` names: the token works all that day.
fn expiry_on_date(raw: &str, now: OffsetDateTime) -> Result<OffsetDateTime, String> {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] =
        time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(raw, FORMAT)
        .map_err(|_| "Enter the date as YYYY-MM-DD, e.g. 2027-03-31.".to_string())?;
    let end = date
        .with_hms_milli(23, 59, 59, 999)
        .map_err(|_| "Enter the date as YYYY-MM-DD, e.g. 2027-03-31.".to_string())?
        .assume_utc();
    if end <= now {
        return Err("Choose a date from today on.".into());
    }
    if end > now + time::Duration::days(NewToken::MAX_DAYS + 1) {
        return Err(format!(
            "A token lasts at most {} days; choose an earlier date.",
            NewToken::MAX_DAYS
        ));
    }
    Ok(end)
}

/// How the caller proved who they are, as the server's authentication layer found it.
/// Managing one's credentials (tokens, password) needs a signed-in session; read-only tokens
/// only read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A signed-in session, by its id.
    Session { id: String },
    /// A personal API token.
    Token { id: i64, scope: TokenScope },
}

impl Credential {
    /// Refuses what only a person in a signed-in session may do: `what` says what it is.
    pub fn require_session(&self, what: &str) -> Result<(), AppError> {
        match self {
            Credential::Session { .. } => Ok(()),
            Credential::Token { .. } => Err(AppError::Refused {
                message: format!(
                    "{what} needs a signed-in session: an API token cannot do it. Sign in to \
                     the portal and do it from your account page or with the session cookie."
                ),
            }),
        }
    }
}

/// What changing one's password did besides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasswordChanged {
    /// How many of one's API tokens were revoked with it (0 unless asked for).
    pub tokens_revoked: u64,
}

/// A token as created: the secret is shown once and only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    pub token: ApiToken,
    pub secret: String,
}

/// A person to create, already validated.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub org_id: OrgId,
    pub role: Role,
    pub email: Email,
    pub name: PersonName,
    pub password: Password,
}

impl NewUser {
    pub fn parse(
        org_id: OrgId,
        role: &str,
        email: &str,
        name: &str,
        password: &str,
    ) -> Result<NewUser, AppError> {
        let mut v = Validator::new();
        let role = v.check("role", Role::parse(role));
        let email = v.check("email", Email::parse(email));
        let name = v.check("name", PersonName::parse(name));
        let password = v.check("password", Password::parse(password));
        v.finish(|| {
            Some(NewUser {
                org_id,
                role: role?,
                email: email?,
                name: name?,
                password: password?,
            })
        })
    }
}

/// A person to invite, already validated: they choose their own password through the link
/// the invitation mails them, so nobody invents one and passes it on.
#[derive(Debug, Clone)]
pub struct Invitee {
    pub org_id: OrgId,
    pub role: Role,
    pub email: Email,
    pub name: PersonName,
}

impl Invitee {
    pub fn parse(org_id: OrgId, role: &str, email: &str, name: &str) -> Result<Invitee, AppError> {
        let mut v = Validator::new();
        let role = v.check("role", Role::parse(role));
        let email = v.check("email", Email::parse(email));
        let name = v.check("name", PersonName::parse(name));
        v.finish(|| {
            Some(Invitee {
                org_id,
                role: role?,
                email: email?,
                name: name?,
            })
        })
    }
}

/// A token name: what the person will recognise it by when revoking it.
pub fn parse_token_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("Name the token, e.g. \"backup script\".".into());
    }
    if name.chars().count() > 100 {
        return Err("A token name has at most 100 characters.".into());
    }
    Ok(name.to_string())
}

/// The server side of accounts. Every method takes the caller and enforces what they may do;
/// server functions and the REST API both go through it.
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use std::net::IpAddr;

    #[async_trait::async_trait]
    pub trait Accounts: Send + Sync {
        /// Checks credentials, rate-limited per account and per address. Unknown accounts,
        /// wrong passwords and deactivated accounts are indistinguishable.
        async fn authenticate(
            &self,
            email: &str,
            password: &str,
            from: IpAddr,
        ) -> Result<Actor, AppError>;
        async fn list_orgs(&self, actor: &Actor) -> Result<Vec<Org>, AppError>;
        async fn create_org(&self, actor: &Actor, name: &str) -> Result<Org, AppError>;
        /// People the caller may see, optionally narrowed to one organization.
        async fn list_users(
            &self,
            actor: &Actor,
            org: Option<OrgId>,
        ) -> Result<Vec<User>, AppError>;
        /// Adds a person who cannot sign in yet and mails them an invitation to choose their
        /// password, in one transaction.
        async fn create_user(&self, actor: &Actor, new: Invitee) -> Result<User, AppError>;
        /// Mails a person still invited a new invitation; the link of the old one stops
        /// working.
        async fn resend_invitation(&self, actor: &Actor, user: UserId) -> Result<User, AppError>;
        async fn set_user_active(
            &self,
            actor: &Actor,
            user: UserId,
            active: bool,
        ) -> Result<User, AppError>;
        async fn rename_self(&self, actor: &Actor, name: &str) -> Result<Actor, AppError>;
        /// The value a session signed in now remembers; see `change_password`.
        async fn session_epoch(&self, user: UserId) -> Result<i64, AppError>;
        /// Changes the caller's password, from a signed-in session only. Every other session
        /// of theirs ends, and with `revoke_tokens` every API token, along with the live
        /// streams they opened; `session`, the caller's own, stays signed in.
        async fn change_password(
            &self,
            actor: &Actor,
            via: &Credential,
            session: &tower_sessions::Session,
            current: &str,
            new: &str,
            revoke_tokens: bool,
        ) -> Result<PasswordChanged, AppError>;
        async fn list_tokens(&self, actor: &Actor) -> Result<Vec<ApiToken>, AppError>;
        /// Creates a token, from a signed-in session only: a token never makes another.
        async fn create_token(
            &self,
            actor: &Actor,
            via: &Credential,
            new: NewToken,
        ) -> Result<CreatedToken, AppError>;
        /// Revokes one of the caller's tokens and ends the live streams it opened.
        async fn revoke_token(&self, actor: &Actor, id: i64) -> Result<(), AppError>;
        /// Ends `session` and the live streams it opened.
        async fn sign_out(&self, session: &tower_sessions::Session) -> Result<(), AppError>;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_the_largest_unit_that_stays_above_one() {
        assert_eq!(human_size(600 * 1024), "600 KB");
        assert_eq!(human_size(1), "1 KB");
        assert_eq!(human_size(1024 * 1024), "1.0 MB");
        assert_eq!(human_size(5 * 1024 * 1024 * 1024), "5.0 GB");
    }

    #[test]
    fn email_is_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Ana@Example.COM ").unwrap().as_str(),
            "ana@example.com"
        );
    }

    #[test]
    fn email_without_at_or_domain_dot_is_rejected() {
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "a b@c.d",
            "a@b@c.d",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn password_needs_ten_characters_counted_as_characters_not_bytes() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("ééééééééé").is_err());
        assert!(Password::parse("éééééééééé").is_ok());
    }

    #[test]
    fn password_debug_never_shows_the_secret() {
        let p = Password::parse("correct horse battery").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[test]
    fn role_parses_case_insensitively_and_rejects_unknown_roles() {
        assert_eq!(Role::parse("Technician"), Ok(Role::Technician));
        assert!(Role::parse("owner").is_err());
    }

    #[test]
    fn provider_staff_see_every_org_client_people_only_their_own() {
        let tech = actor(Role::Technician, 1);
        let manager = actor(Role::Manager, 2);
        assert!(tech.can_see_org(2));
        assert!(manager.can_see_org(2));
        assert!(!manager.can_see_org(3));
    }

    #[test]
    fn managers_manage_only_their_own_orgs_people_technicians_none() {
        assert!(actor(Role::Manager, 2).can_manage_people_of(2));
        assert!(!actor(Role::Manager, 2).can_manage_people_of(3));
        assert!(!actor(Role::Technician, 1).can_manage_people_of(2));
        assert!(actor(Role::Admin, 1).can_manage_people_of(2));
    }

    #[test]
    fn new_user_reports_all_bad_fields_at_once() {
        let err = NewUser::parse(1, "boss", "nope", " ", "short").unwrap_err();
        for field in ["role", "email", "name", "password"] {
            assert!(err.field(field).is_some(), "{field} should have an error");
        }
    }

    #[test]
    fn an_invitee_needs_no_password_and_reports_all_bad_fields_at_once() {
        let err = Invitee::parse(1, "boss", "nope", " ").unwrap_err();
        for field in ["role", "email", "name"] {
            assert!(err.field(field).is_some(), "{field} should have an error");
        }
        let ok = Invitee::parse(1, "requester", "Nia@Acme.example", "Nia").unwrap();
        assert_eq!(ok.email.as_str(), "nia@acme.example");
    }

    #[test]
    fn org_names_are_trimmed_and_bounded() {
        assert_eq!(OrgName::parse("  Acme ").unwrap().as_str(), "Acme");
        assert!(OrgName::parse("A").is_err());
        assert!(OrgName::parse(&"x".repeat(101)).is_err());
    }

    fn at(raw: &str) -> OffsetDateTime {
        OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339).unwrap()
    }

    #[test]
    fn a_new_token_lasts_90_days_read_write_unless_its_creator_says_otherwise() {
        let now = at("2026-12-04T20:00:00Z");

        let plain = NewToken::parse("backup", None, None, None, now).unwrap();
        let chosen = NewToken::parse("report", Some("read_only"), Some("30"), None, now).unwrap();
        let dated = NewToken::parse("x", None, None, Some("2027-01-31"), now).unwrap();

        assert_eq!(plain.scope, TokenScope::ReadWrite);
        assert_eq!(plain.expires_at, at("2027-03-04T20:00:00Z"));
        assert_eq!(chosen.scope, TokenScope::ReadOnly);
        assert_eq!(chosen.expires_at, at("2027-01-03T20:00:00Z"));
        assert_eq!(
            dated.expires_at,
            at("2027-01-31T23:59:59.999Z"),
            "it works all of the chosen day"
        );
    }

    #[test]
    fn a_token_lasts_a_day_to_a_year_and_bad_fields_are_named() {
        let now = at("2026-12-04T20:00:00Z");
        let field = |days: Option<&str>, on: Option<&str>, f: &str| {
            let err = NewToken::parse("t", Some("root"), days, on, now).unwrap_err();
            assert!(err.field("scope").is_some(), "{err:?}");
            assert!(err.field(f).is_some(), "{days:?} {on:?}: {err:?}");
        };

        field(Some("0"), None, "expires_in_days");
        field(Some("366"), None, "expires_in_days");
        field(Some("ninety"), None, "expires_in_days");
        field(None, Some("2026-12-03"), "expires_on");
        field(None, Some("2028-01-01"), "expires_on");
        field(None, Some("31/01/2027"), "expires_on");
        field(Some("30"), Some("2027-01-31"), "expires_on");
        assert!(NewToken::parse("t", None, None, Some("2026-12-04"), now).is_ok());
        assert!(NewToken::parse("t", None, Some("365"), None, now).is_ok());
    }

    #[test]
    fn a_read_only_token_makes_only_safe_requests() {
        assert!(TokenScope::ReadOnly.allows("GET"));
        assert!(TokenScope::ReadOnly.allows("HEAD"));
        for method in ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
            assert!(!TokenScope::ReadOnly.allows(method), "{method}");
            assert!(TokenScope::ReadWrite.allows(method), "{method}");
        }
    }

    fn actor(role: Role, org_id: OrgId) -> Actor {
        Actor {
            user_id: 1,
            name: "A".into(),
            email: "a@example.com".into(),
            role,
            org_id,
            org_name: "Org".into(),
        }
    }
}

/// How the person was signed in when they opened it: the portal in a browser (a session) or
/// the REST API with a personal token. A file downloaded from the ticket page is `page`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Via {
    Page,
    Api,
}

impl Via {
    /// How a request with `credential` signed in: a token is `Api`; a browser's session, or
    /// no credential recorded, `Page`.
    pub fn of(credential: Option<&Credential>) -> Via {
        match credential {
            Some(Credential::Token { .. }) => Via::Api,
            _ => Via::Page,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Via::Page => "page",
            Via::Api => "api",
        }
    }

    pub fn parse(raw: &str) -> Option<Via> {
        match raw {
            "page" => Some(Via::Page),
            "api" => Some(Via::Api),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Via::Page => "Web portal",
            Via::Api => "API token",
        }
    }
}
