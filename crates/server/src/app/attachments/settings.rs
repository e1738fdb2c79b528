//! `[attachments]`: where attachments go and how much they may hold (see [`super`]).

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::Deserialize;

use super::kinds::Kind;

pub(super) const MIB: u64 = 1024 * 1024;
pub(super) const GIB: u64 = 1024 * MIB;

/// The kinds allowed when `[attachments] allowed_types` is not set: images (PNG, JPEG, GIF,
/// WebP), PDF, text, CSV, logs, Office files (docx, xlsx, pptx, doc, xls), ZIP and mails.
pub const DEFAULT_KINDS: [Kind; 15] = Kind::ALL;

/// `[attachments]` in `config/opsclock.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentsConfig {
    /// `database` (default) or `disk`.
    pub storage: Option<String>,
    /// The directory of `storage = "disk"` (relative to the deployment root, like `calendar_dir`).
    pub dir: Option<PathBuf>,
    /// The largest file, MiB [default 10].
    pub max_file_mib: Option<u64>,
    /// The most one ticket's attachments hold, MiB [default 50].
    pub max_ticket_mib: Option<u64>,
    /// The most all attachments hold, GiB [default 5].
    pub quota_gib: Option<u64>,
    /// The kinds allowed ([`Kind::key`]) [default: all of them].
    pub allowed_types: Option<Vec<String>>,
}

/// Where new attachments' bytes go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// In the database row.
    Database,
    /// In a file named by the content's SHA-256 in this directory.
    Disk(PathBuf),
}

/// The attachment settings every use case runs with ([`Context::attachments`]).
#[derive(Debug, Clone)]
pub struct AttachmentStore {
    /// Where new attachments' bytes go.
    pub storage: Storage,
    /// The directory of files on disk, also when new ones go to the database (rows written on
    /// disk before are read from it).
    pub dir: Option<PathBuf>,
    /// The largest file, bytes.
    pub max_file: u64,
    /// The most one ticket's attachments hold, bytes.
    pub max_ticket: u64,
    /// The most all attachments hold, bytes.
    pub quota: u64,
    /// The kinds allowed.
    pub allowed: BTreeSet<Kind>,
}

impl Default for AttachmentStore {
    fn default() -> AttachmentStore {
        AttachmentStore {
            storage: Storage::Database,
            dir: None,
            max_file: 10 * MIB,
            max_ticket: 50 * MIB,
            quota: 5 * GIB,
            allowed: DEFAULT_KINDS.into_iter().collect(),
        }
    }
}

impl AttachmentStore {
    /// The settings `[attachments]` asks for, or what is wrong with it.
    pub fn from_config(c: &AttachmentsConfig) -> anyhow::Result<AttachmentStore> {
        let d = AttachmentStore::default();
        let positive = |key: &str, v: Option<u64>, unit: u64, default: u64| match v {
            Some(0) => anyhow::bail!("[attachments] {key} must be at least 1"),
            Some(n) => n
                .checked_mul(unit)
                .ok_or_else(|| anyhow::anyhow!("[attachments] {key} = {n} is too large")),
            None => Ok(default),
        };
        let dir = c.dir.clone();
        let storage = match c.storage.as_deref().unwrap_or("database") {
            "database" => Storage::Database,
            "disk" => Storage::Disk(
                dir.clone()
                    .ok_or_else(|| anyhow::anyhow!("[attachments] storage = \"disk\" needs dir"))?,
            ),
            other => anyhow::bail!("[attachments] storage = {other:?}: use \"database\" or \"disk\""),
        };
        let allowed = match &c.allowed_types {
            None => d.allowed,
            Some(keys) => keys
                .iter()
                .map(|k| {
                    Kind::from_key(k).ok_or_else(|| {
                        anyhow::anyhow!(
                            "[attachments] allowed_types: {k:?} is no kind opsclock tells by content; kinds: {}",
                            Kind::ALL.map(Kind::key).join(", ")
                        )
                    })
                })
                .collect::<anyhow::Result<_>>()?,
        };
        Ok(AttachmentStore {
            storage,
            dir,
            max_file: positive("max_file_mib", c.max_file_mib, MIB, d.max_file)?,
            max_ticket: positive("max_ticket_mib", c.max_ticket_mib, MIB, d.max_ticket)?,
            quota: positive("quota_gib", c.quota_gib, GIB, d.quota)?,
            allowed,
        })
    }

    /// The largest request that carries files: the largest file and 256 KiB for the form's other
    /// parts and headers (`serve` and the doors read no more of an upload).
    pub fn request_limit(&self) -> usize {
        usize::try_from(self.max_file)
            .unwrap_or(usize::MAX)
            .saturating_add(256 * 1024)
    }

    /// The allowed kinds' keys, for messages and the page: `png, jpeg, pdf`.
    pub fn allowed_keys(&self) -> String {
        self.allowed.iter().map(|k| k.key()).collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_settings_are_read_with_their_defaults() {
        let d = AttachmentStore::from_config(&AttachmentsConfig::default()).unwrap();
        assert_eq!(
            (d.storage, d.max_file, d.max_ticket, d.quota),
            (Storage::Database, 10 * MIB, 50 * MIB, 5 * GIB)
        );
        assert_eq!(d.allowed.len(), Kind::ALL.len());
        let c: AttachmentsConfig =
            toml::from_str("storage = \"disk\"\ndir = \"/var/lib/opsclock/att\"\nallowed_types = [\"png\", \"jpg\"]")
                .unwrap();
        let s = AttachmentStore::from_config(&c).unwrap();
        assert_eq!(s.storage, Storage::Disk("/var/lib/opsclock/att".into()));
        assert_eq!(s.allowed_keys(), "png, jpeg");
        for bad in [
            "storage = \"disk\"",
            "storage = \"s3\"",
            "allowed_types = [\"exe\"]",
            "max_file_mib = 0",
        ] {
            let c: AttachmentsConfig = toml::from_str(bad).unwrap();
            assert!(AttachmentStore::from_config(&c).is_err(), "{bad}");
        }
    }
}
