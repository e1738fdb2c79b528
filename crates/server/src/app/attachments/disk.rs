//! Attachments kept on disk (`[attachments] storage = "disk"`): one file per content, named by
//! its SHA-256 in hex, in `[attachments] dir`.
//!
//! - **Atomic.** A file is written to a temporary name in the same directory, flushed to disk
//!   (`fsync`), then renamed to its final name, and the directory is flushed too: a reader never
//!   sees half a file, and a crash leaves at most a `.tmp-…` file behind.
//! - **Deduplicated.** The same content is one file, however many tickets hold it: a name that
//!   exists already with the right size is kept as it is.
//! - **Rolled back.** The file is written before the row that refers to it is committed. If the
//!   transaction rolls back (a limit broken later, the mail that brought it refused, a crash),
//!   the file stays, referred to by no row: harmless, counted in no quota, and reused should the
//!   same content come again. Nothing deletes attachment files.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::app::{AppError, AppResult};

/// The path of the file holding content `sha256` in `dir`.
pub fn path_of(dir: &Path, sha256: &str) -> AppResult<PathBuf> {
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::Internal(anyhow::anyhow!("{sha256:?} is no SHA-256")));
    }
    Ok(dir.join(sha256))
}

/// Writes `bytes` as the file of `sha256` in `dir`, unless it is there already.
pub fn write(dir: &Path, sha256: &str, bytes: &[u8]) -> AppResult<()> {
    let target = path_of(dir, sha256)?;
    let internal = |what: &str, e: std::io::Error| {
        AppError::Internal(anyhow::anyhow!(
            "attachment storage {}: cannot {what}: {e}",
            dir.display()
        ))
    };
    if let Ok(meta) = std::fs::metadata(&target)
        && meta.len() == bytes.len() as u64
    {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| internal("create the directory", e))?;
    let tmp = dir.join(format!(".tmp-{sha256}-{}", rand::random::<u64>()));
    let written = (|| {
        let mut f = std::fs::File::create_new(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, &target)?;
        // The rename itself is durable once the directory is.
        std::fs::File::open(dir)?.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(internal("write a file", e));
    }
    Ok(())
}

/// The content `sha256` from `dir`, checked against its hash.
pub fn read(dir: &Path, sha256: &str) -> AppResult<Vec<u8>> {
    use sha2::Digest;
    let path = path_of(dir, sha256)?;
    let bytes = std::fs::read(&path)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("cannot read attachment {}: {e}", path.display())))?;
    if hex::encode(sha2::Sha256::digest(&bytes)) != sha256 {
        return Err(AppError::Internal(anyhow::anyhow!(
            "attachment file {} does not hold what it is named for (changed on disk)",
            path.display()
        )));
    }
    Ok(bytes)
}
