//! OAuth2 for IMAP (Microsoft 365, Google): an access token fetched with the refresh token
//! the mailbox's owner granted, kept until shortly before it expires or until the mail server
//! refuses it.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Fetches and remembers access tokens.
pub struct TokenSource {
    url: String,
    client_id: String,
    client_secret: Option<SecretString>,
    refresh_token: SecretString,
    http: reqwest::Client,
    current: Mutex<Option<(SecretString, Instant)>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default, deserialize_with = "seconds")]
    expires_in: Option<u64>,
}

/// `expires_in` as a number (RFC 6749, Google, Microsoft's v2.0 endpoint) or as a string of
/// digits (Microsoft's older v1.0 endpoint answers `"3599"`).
fn seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Seconds {
        Number(u64),
        Text(String),
    }
    Ok(match Option::<Seconds>::deserialize(d)? {
        Some(Seconds::Number(n)) => Some(n),
        Some(Seconds::Text(t)) => t.trim().parse().ok(),
        None => None,
    })
}

impl TokenSource {
    /// The token source the settings configure; `None` when they configure none (passwords),
    /// an error when its HTTP client cannot be made.
    pub fn new(settings: &super::ImapSettings) -> Result<Option<TokenSource>, String> {
        let (Some(url), Some(client_id), Some(refresh_token)) = (
            settings.imap_oauth_token_url.clone(),
            settings.imap_oauth_client_id.clone(),
            settings.imap_oauth_refresh_token.clone(),
        ) else {
            return Ok(None);
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| format!("cannot make the HTTP client for the OAuth2 token URL: {e}"))?;
        Ok(Some(TokenSource {
            url,
            client_id,
            client_secret: settings.imap_oauth_client_secret.clone(),
            refresh_token,
            http,
            current: Mutex::new(None),
        }))
    }

    /// An access token valid for at least another minute.
    pub async fn access_token(&self) -> Result<SecretString, String> {
        let mut current = self.current.lock().await;
        if let Some((token, until)) = current.as_ref()
            && Instant::now() + Duration::from_secs(60) < *until
        {
            return Ok(token.clone());
        }
        let mut form = vec![
            ("grant_type", "refresh_token".to_string()),
            ("client_id", self.client_id.clone()),
            (
                "refresh_token",
                self.refresh_token.expose_secret().to_string(),
            ),
        ];
        if let Some(secret) = &self.client_secret {
            form.push(("client_secret", secret.expose_secret().to_string()));
        }
        let answer = self
            .http
            .post(&self.url)
            .form(&form)
            .send()
            .await
            .map_err(|err| format!("OAuth2 token request: {}", err.without_url()))?;
        let status = answer.status();
        if !status.is_success() {
            let text = answer.text().await.unwrap_or_default();
            return Err(refused(status, &text));
        }
        let answer: TokenAnswer = answer
            .json()
            .await
            .map_err(|err| format!("OAuth2 token answer: {}", err.without_url()))?;
        let token = SecretString::from(answer.access_token);
        let until = Instant::now() + Duration::from_secs(answer.expires_in.unwrap_or(3600));
        *current = Some((token.clone(), until));
        Ok(token)
    }

    /// Drops the remembered token, so the next sign-in fetches another: the mail server may
    /// refuse a token long before it expires (revoked, password changed, a new consent).
    pub async fn forget(&self) {
        *self.current.lock().await = None;
    }
}

/// What an admin reads when the token endpoint refuses: the provider's error code and
/// description (e.g. `invalid_grant: the refresh token has expired`) say what to fix and hold
/// no secret; anything else is quoted, cut short.
fn refused(status: reqwest::StatusCode, body: &str) -> String {
    #[derive(Deserialize)]
    struct ErrorAnswer {
        error: String,
        #[serde(default)]
        error_description: Option<String>,
    }
    let said = match serde_json::from_str::<ErrorAnswer>(body) {
        Ok(e) => match e.error_description {
            Some(description) if !description.trim().is_empty() => {
                format!("{}: {}", e.error, description.trim())
            }
            _ => e.error,
        },
        Err(_) => body.trim().to_string(),
    };
    let said: String = said.chars().take(300).collect();
    if said.is_empty() {
        format!("the OAuth2 token endpoint refused the refresh token ({status})")
    } else {
        format!("the OAuth2 token endpoint refused the refresh token ({status}): {said}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_in_is_read_as_a_number_or_as_digits_and_may_be_missing() {
        for (json, expected) in [
            (r#"{"access_token":"a","expires_in":3599}"#, Some(3599)),
            (r#"{"access_token":"a","expires_in":"3599"}"#, Some(3599)),
            (r#"{"access_token":"a"}"#, None),
            (r#"{"access_token":"a","expires_in":null}"#, None),
        ] {
            let answer: TokenAnswer = serde_json::from_str(json).unwrap();
            assert_eq!(answer.expires_in, expected, "{json}");
        }
    }

    #[test]
    fn a_refusal_says_the_providers_error_and_description() {
        let said = refused(
            reqwest::StatusCode::BAD_REQUEST,
            r#"{"error":"invalid_grant","error_description":"AADSTS70008: The refresh token has expired."}"#,
        );
        assert!(said.contains("400 Bad Request"), "{said}");
        assert!(
            said.ends_with("invalid_grant: AADSTS70008: The refresh token has expired."),
            "{said}"
        );
        let said = refused(reqwest::StatusCode::BAD_GATEWAY, "<html>upstream</html>");
        assert!(said.ends_with("<html>upstream</html>"), "{said}");
        let said = refused(reqwest::StatusCode::UNAUTHORIZED, "");
        assert!(said.ends_with("(401 Unauthorized)"), "{said}");
    }
}
