//! OAuth2 for IMAP (Microsoft 365, Google): an access token fetched with the refresh token
//! the mailbox's owner granted, kept until shortly before it expires.

use secrecy::{ExposeSecret, SecretString};
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

#[derive(serde::Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl TokenSource {
    pub fn new(settings: &super::ImapSettings) -> Option<TokenSource> {
        Some(TokenSource {
            url: settings.imap_oauth_token_url.clone()?,
            client_id: settings.imap_oauth_client_id.clone()?,
            client_secret: settings.imap_oauth_client_secret.clone(),
            refresh_token: settings.imap_oauth_refresh_token.clone()?,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .ok()?,
            current: Mutex::new(None),
        })
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
            // The provider's error (e.g. invalid_grant) says what to fix; it holds no secret.
            let text = answer.text().await.unwrap_or_default();
            let text: String = text.chars().take(300).collect();
            return Err(format!("OAuth2 token request: {status}: {text}"));
        }
        let answer: TokenAnswer = answer
            .json()
            .await
            .map_err(|err| format!("OAuth2 token answer: {err}"))?;
        let token = SecretString::from(answer.access_token);
        let until = Instant::now() + Duration::from_secs(answer.expires_in.unwrap_or(3600));
        *current = Some((token.clone(), until));
        Ok(token)
    }
}
