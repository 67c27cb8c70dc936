//! The command line's administrative commands.

use crate::accounts::AccountsService;
use crate::db::Db;
use crate::error::StartupError;
use crate::settings::Settings;
use app::accounts::{NewUser, OrgName};
use secrecy::{ExposeSecret, SecretString};
use std::io::BufRead;
use std::path::Path;

pub async fn create_org(settings: &Settings, name: &str) -> Result<String, StartupError> {
    let db = Db::open(&settings.database).await?;
    let name = OrgName::parse(name).map_err(StartupError::Usage)?;
    let org = db.insert_client_org(name.as_str()).await.map_err(usage)?;
    Ok(format!("created organization {} (id {})", org.name, org.id))
}

pub async fn create_user(
    settings: &Settings,
    org: &str,
    role: &str,
    email: &str,
    name: &str,
    password: SecretString,
) -> Result<String, StartupError> {
    let db = Db::open(&settings.database).await?;
    let org = db
        .org_by_name(org)
        .await?
        .ok_or_else(|| StartupError::Usage(format!("no organization is named {org:?}")))?;
    let new = NewUser::parse(org.id, role, email, name, password.expose_secret()).map_err(usage)?;
    let accounts = AccountsService::new(db, 0, 0);
    let user = accounts
        .create_account_as_system(new)
        .await
        .map_err(usage)?;
    Ok(format!(
        "created {} {} <{}> in {} (id {})",
        user.role, user.name, user.email, user.org_name, user.id
    ))
}

pub async fn backup(settings: &Settings, target: &Path) -> Result<String, StartupError> {
    let db = Db::open(&settings.database).await?;
    db.backup_to(target).await.map_err(usage)?;
    Ok(format!("backed up to {}", target.display()))
}

/// Reads one line from standard input as the password; nothing is echoed back.
pub fn read_password(input: impl BufRead) -> Result<SecretString, StartupError> {
    let line = input
        .lines()
        .next()
        .transpose()?
        .ok_or_else(|| StartupError::Usage("expected the password on standard input".into()))?;
    Ok(SecretString::from(
        line.trim_end_matches(['\r', '\n']).to_string(),
    ))
}

/// Validation problems read better on a terminal as "field: message" lines.
fn usage(err: app::error::AppError) -> StartupError {
    match err {
        app::error::AppError::Invalid { fields } => StartupError::Usage(
            fields
                .into_iter()
                .map(|(field, messages)| format!("{field}: {}", messages.join(" ")))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        other => StartupError::App(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_is_the_first_line_without_its_newline() {
        let pw = read_password("s3cret pass\nignored\n".as_bytes()).unwrap();
        assert_eq!(pw.expose_secret(), "s3cret pass");
    }

    #[test]
    fn empty_input_is_a_usage_error() {
        assert!(matches!(
            read_password("".as_bytes()),
            Err(StartupError::Usage(_))
        ));
    }
}
