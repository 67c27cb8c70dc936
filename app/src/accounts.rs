//! People, roles and organizations: the shared types, their validation, and the backend
//! contract the server implements.

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
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
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
        async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User, AppError>;
        async fn set_user_active(
            &self,
            actor: &Actor,
            user: UserId,
            active: bool,
        ) -> Result<User, AppError>;
        async fn rename_self(&self, actor: &Actor, name: &str) -> Result<Actor, AppError>;
        async fn change_password(
            &self,
            actor: &Actor,
            current: &str,
            new: &str,
        ) -> Result<(), AppError>;
        async fn list_tokens(&self, actor: &Actor) -> Result<Vec<ApiToken>, AppError>;
        async fn create_token(&self, actor: &Actor, name: &str) -> Result<CreatedToken, AppError>;
        async fn revoke_token(&self, actor: &Actor, id: i64) -> Result<(), AppError>;
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
    fn org_names_are_trimmed_and_bounded() {
        assert_eq!(OrgName::parse("  Acme ").unwrap().as_str(), "Acme");
        assert!(OrgName::parse("A").is_err());
        assert!(OrgName::parse(&"x".repeat(101)).is_err());
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
