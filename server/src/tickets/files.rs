//! Attachment bytes on disk, stored by content hash so no name a person chose ever becomes a
//! path, and the same screenshot uploaded twice is kept once.

use app::error::AppError;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Where the bytes with `sha256` live under `root`.
pub fn path_for(root: &Path, sha256: &str) -> PathBuf {
    root.join("attachments").join(&sha256[..2]).join(sha256)
}

/// Writes `bytes` (atomically: temporary file, then rename) and returns their SHA-256.
pub async fn store(root: &Path, bytes: &[u8]) -> Result<String, AppError> {
    let sha256 = hex::encode(Sha256::digest(bytes));
    let target = path_for(root, &sha256);
    if tokio::fs::try_exists(&target).await.map_err(io_error)? {
        return Ok(sha256);
    }
    let dir = target.parent().ok_or(AppError::Internal)?;
    tokio::fs::create_dir_all(dir).await.map_err(io_error)?;
    let temporary = dir.join(format!("{sha256}.{}.partial", std::process::id()));
    tokio::fs::write(&temporary, bytes)
        .await
        .map_err(io_error)?;
    tokio::fs::rename(&temporary, &target)
        .await
        .map_err(io_error)?;
    Ok(sha256)
}

/// A file checked and stored by content hash, ready to be recorded on a ticket or article.
#[derive(Clone)]
pub struct StoredFile {
    pub name: String,
    pub size: i64,
    pub sha256: String,
}

/// Checks every file (a plain name, within `max_bytes`), then stores their bytes by content
/// hash. Storing comes before the transaction that records them: a stored file without a row
/// is harmless, a row without its file is not. One bad file stores none.
pub async fn check_and_store(
    root: &Path,
    max_bytes: usize,
    files: Vec<app::tickets::ssr::Upload>,
) -> Result<Vec<StoredFile>, AppError> {
    let mut checked = Vec::with_capacity(files.len());
    for file in files {
        let name = app::tickets::parse_file_name(&file.file_name)
            .map_err(|m| AppError::invalid("file", m))?;
        if file.bytes.len() > max_bytes {
            return Err(AppError::TooLarge {
                message: format!(
                    "\"{name}\" is larger than {} MB.",
                    max_bytes / (1024 * 1024)
                ),
            });
        }
        checked.push((name, file.bytes));
    }
    let mut stored = Vec::with_capacity(checked.len());
    for (name, bytes) in checked {
        let sha256 = store(root, &bytes).await?;
        let size = i64::try_from(bytes.len()).map_err(|_| AppError::Internal)?;
        stored.push(StoredFile { name, size, sha256 });
    }
    Ok(stored)
}

/// The most the files of one organization may take together (`DESKSIDE_ORG_UPLOAD_QUOTA_MB`).
#[derive(Debug, Clone, Copy)]
pub struct UploadQuota {
    pub bytes: i64,
}

impl UploadQuota {
    /// 5 GiB, the setting's default.
    pub const DEFAULT: UploadQuota = UploadQuota {
        bytes: 5 * 1024 * 1024 * 1024,
    };

    pub fn from_megabytes(megabytes: u64) -> UploadQuota {
        UploadQuota {
            bytes: i64::try_from(megabytes.saturating_mul(1024 * 1024)).unwrap_or(i64::MAX),
        }
    }

    /// Refuses `files` when storing them would take `org` past the quota; checked before
    /// anything is stored, so a refused upload leaves nothing behind.
    pub async fn check(
        &self,
        db: &crate::db::Db,
        org: app::accounts::OrgId,
        files: &[app::tickets::ssr::Upload],
    ) -> Result<(), AppError> {
        if files.is_empty() {
            return Ok(());
        }
        let used = db.file_bytes_of_org(org).await?;
        let incoming = files.iter().fold(0i64, |sum, file| {
            sum.saturating_add(i64::try_from(file.bytes.len()).unwrap_or(i64::MAX))
        });
        refuse_past(used, incoming, self.bytes)
    }
}

/// The message for an upload of `incoming` bytes to an organization using `used` of `quota`.
fn refuse_past(used: i64, incoming: i64, quota: i64) -> Result<(), AppError> {
    if used.saturating_add(incoming) <= quota {
        return Ok(());
    }
    use app::accounts::human_size;
    Err(AppError::invalid(
        "file",
        format!(
            "This upload ({}) does not fit: the organization's files take {} of the {} it may \
             store. Remove files that are no longer needed or ask your provider for more room.",
            human_size(incoming),
            human_size(used),
            human_size(quota)
        ),
    ))
}

fn io_error(err: std::io::Error) -> AppError {
    tracing::error!(error = %err, "attachment storage failed");
    AppError::Internal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_fits_up_to_the_quota_and_not_a_byte_past_it() {
        assert!(refuse_past(600, 400, 1000).is_ok());
        let Err(AppError::Invalid { fields }) = refuse_past(600, 401, 1000) else {
            panic!("refused");
        };
        assert!(fields["file"][0].contains("does not fit"), "{fields:?}");
        assert!(refuse_past(i64::MAX, i64::MAX, 1000).is_err());
    }

    #[tokio::test]
    async fn the_same_bytes_are_stored_once_under_their_hash() {
        let dir = tempfile::tempdir().unwrap();

        let a = store(dir.path(), b"png bytes").await.unwrap();
        let b = store(dir.path(), b"png bytes").await.unwrap();

        assert_eq!(a, b);
        assert_eq!(
            std::fs::read(path_for(dir.path(), &a)).unwrap(),
            b"png bytes"
        );
        let stored: Vec<_> = std::fs::read_dir(path_for(dir.path(), &a).parent().unwrap())
            .unwrap()
            .collect();
        assert_eq!(stored.len(), 1, "no partial files left behind");
    }
}
