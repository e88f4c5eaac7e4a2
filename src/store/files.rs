//! Files the store and its tools write: readable by the owner only
//! (directories 0700, files 0600), replaced atomically where a half-written
//! file would mislead, and never written through a planted symbolic link.
//!
//! The store holds names, answers, areas and Zalo tokens: under the usual
//! umask 022 sled's files would be readable by every user of the machine.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Creates `dir` (and missing parents) readable by the owner only, or
/// narrows an existing one to 0700.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(
                    dir = %dir.display(),
                    mode = format!("{:o}", mode & 0o777),
                    "the folder was readable by others: narrowed to 0700"
                );
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
            }
            Ok(())
        }
        Ok(_) => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} exists and is not a folder", dir.display()),
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir),
        Err(e) => Err(e),
    }
}

/// Narrows every file under `dir` to 0600 and every folder to 0700
/// (sled creates its files with the process umask). Links are left alone.
pub fn restrict_tree(dir: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        let path = entry.path();
        if meta.file_type().is_symlink() {
            continue;
        }
        let wanted = if meta.is_dir() { 0o700 } else { 0o600 };
        if meta.permissions().mode() & 0o777 != wanted {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(wanted))?;
        }
        if meta.is_dir() {
            restrict_tree(&path)?;
        }
    }
    Ok(())
}

/// A new file, 0600, that must not exist yet and is never a link: a file
/// planted at a predictable name makes this fail instead of being written.
pub fn create_private(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

/// Writes `path` through a temporary file in the same folder, synced and
/// renamed over it, then syncs the folder: a crash leaves either the old
/// file or the new one, never a part.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    let result = (|| {
        let mut file = create_private(&temp)?;
        write(&mut file)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Makes a rename or a new file in `dir` durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn folders_and_files_are_the_owners_alone() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(dir.join("db"), b"x").unwrap();
        std::fs::set_permissions(dir.join("db"), std::fs::Permissions::from_mode(0o644)).unwrap();
        private_dir(&dir).unwrap();
        restrict_tree(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("db")), 0o600);
        let file = dir.join("new");
        drop(create_private(&file).unwrap());
        assert_eq!(mode(&file), 0o600);
        assert!(create_private(&file).is_err(), "never overwrites");
    }

    #[test]
    fn a_planted_link_is_not_followed() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("target");
        std::fs::write(&target, b"keep me").unwrap();
        let link = root.path().join("export.csv");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(create_private(&link).is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
    }

    #[test]
    fn atomic_writes_replace_the_whole_file() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("m.json");
        write_atomic(&path, |f| io::Write::write_all(f, b"one")).unwrap();
        write_atomic(&path, |f| io::Write::write_all(f, b"two")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(mode(&path), 0o600);
        let failed = write_atomic(&path, |_| Err(io::Error::other("disk full")));
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"two", "the old file stays");
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1);
    }
}
