//! Links sent by mail that let a person choose their own password: the invitation to a new
//! account and the reset of a forgotten password. The shared types, the new-password check
//! both pages use, and the backend contract the server implements.

pub mod page;

use super::Password;
use crate::error::{AppError, Validator};
use serde::{Deserialize, Serialize};

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LinkPurpose {
    Invitation,
    PasswordReset,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Invitation => "invitation",
            LinkPurpose::PasswordReset => "password_reset",
        }
    }

    /// How long a link works: a week to accept an invitation (it may wait over a weekend
    /// or a holiday), an hour for a reset, asked for by someone who is waiting for it.
    pub fn lifetime_secs(self) -> i64 {
        match self {
            LinkPurpose::Invitation => 7 * 24 * 60 * 60,
            LinkPurpose::PasswordReset => 60 * 60,
        }
    }

    /// The path of the page a link of this purpose opens, before its token.
    pub fn page(self) -> &'static str {
        match self {
            LinkPurpose::Invitation => "/invite/",
            LinkPurpose::PasswordReset => "/reset/",
        }
    }

    /// The answer to a link that is unknown, used, expired or ended by a newer one: the same
    /// for all four, with what to do next.
    pub fn dead_link(self) -> AppError {
        AppError::invalid(
            TOKEN_FIELD,
            match self {
                LinkPurpose::Invitation => {
                    "This invitation link has expired or was already used. Ask whoever invited \
                     you to send a new invitation; if you chose your password already, sign in \
                     with it."
                }
                LinkPurpose::PasswordReset => {
                    "This reset link has expired or was already used. Ask for a new one with \
                     \"Forgot your password?\" on the sign-in page."
                }
            },
        )
    }
}

/// The field a dead link's message is reported under.
pub const TOKEN_FIELD: &str = "token";

/// What the page a link opens shows about whom it is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LinkTarget {
    pub purpose: LinkPurpose,
    pub name: String,
    pub email: String,
    pub org_name: String,
}

/// What "Forgot your password?" answers, whether or not an account uses the address.
pub const RESET_SENT: &str = "If an account uses that address, we sent it a link to choose a \
                              new password. The link works for an hour; check your spam folder \
                              if it does not arrive in a few minutes.";

/// A new password typed twice: the rules of `Password`, the same the profile's password
/// change uses, and both copies alike. Every problem is reported at its field.
pub fn parse_new_password(password: &str, confirm: &str) -> Result<Password, AppError> {
    let mut v = Validator::new();
    let parsed = v.check("password", Password::parse(password));
    let same = v.check(
        "confirm",
        if password == confirm {
            Ok(())
        } else {
            Err("The two passwords differ.".to_string())
        },
    );
    v.finish(|| {
        same?;
        parsed
    })
}

/// What "Forgot your password?" says when it is asked too often: plainly, in minutes.
pub fn reset_limited_message(retry_after_secs: u64) -> String {
    let minutes = retry_after_secs.div_ceil(60).max(1);
    let wait = if minutes == 1 {
        "a minute".to_string()
    } else {
        format!("{minutes} minutes")
    };
    format!(
        "Too many reset links were asked for from here or for this address. Please wait {wait} \
         and check your inbox meanwhile: a link sent earlier still works for an hour."
    )
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::accounts::Actor;
    use std::net::IpAddr;

    #[async_trait::async_trait]
    pub trait AccountLinks: Send + Sync {
        /// Whom a live link of `purpose` is for; `purpose.dead_link()` for any other.
        async fn link_target(
            &self,
            purpose: LinkPurpose,
            token: &str,
        ) -> Result<LinkTarget, AppError>;
        /// Sets the password through a live link, once: the link and every other of the
        /// account's links stop working, the account's sessions and their live streams end.
        /// Answers who the link was for, so they can be signed in (through two-factor sign-in
        /// when it is on).
        async fn use_link(
            &self,
            purpose: LinkPurpose,
            token: &str,
            password: Password,
        ) -> Result<Actor, AppError>;
        /// Mails a reset link to the active account using `email`, if there is one; answers
        /// the same either way. Limited per address asked for and per client address.
        async fn request_reset(&self, email: &str, from: IpAddr) -> Result<(), AppError>;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_password_follows_the_password_rules_and_must_be_typed_alike_twice() {
        let short = parse_new_password("short", "shorter").unwrap_err();
        assert!(short.field("password").is_some(), "{short:?}");
        assert!(short.field("confirm").is_some(), "{short:?}");

        let differ = parse_new_password("long enough pw", "long enough pW").unwrap_err();
        assert!(differ.field("password").is_none(), "{differ:?}");
        assert_eq!(
            differ.field("confirm").as_deref(),
            Some("The two passwords differ.")
        );

        let ok = parse_new_password("long enough pw", "long enough pw").unwrap();
        assert_eq!(ok.expose(), "long enough pw");
    }

    #[test]
    fn a_dead_link_says_what_to_do_next_at_the_token_field() {
        let invite = LinkPurpose::Invitation.dead_link();
        let reset = LinkPurpose::PasswordReset.dead_link();
        assert!(
            invite
                .field(TOKEN_FIELD)
                .unwrap()
                .contains("send a new invitation")
        );
        assert!(
            reset
                .field(TOKEN_FIELD)
                .unwrap()
                .contains("Forgot your password?")
        );
    }

    #[test]
    fn too_many_reset_requests_are_told_in_minutes_rounded_up() {
        assert!(reset_limited_message(30).contains("wait a minute"));
        assert!(reset_limited_message(61).contains("wait 2 minutes"));
        assert!(reset_limited_message(3600).contains("wait 60 minutes"));
    }
}
