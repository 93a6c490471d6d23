//! Files the program writes itself are written whole or not at all: to a
//! temporary file in the same folder, flushed to disk, then renamed over
//! the target. A full disk, a crash or Ctrl-C leaves the old file (a
//! user's policy under `fmt`) untouched and no half-written file behind
//! (which a later read would take for a truncated export).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// A file being written; it appears at its path only on [`AtomicFile::commit`].
pub struct AtomicFile {
    path: PathBuf,
    out: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing `path` (its folder must exist).
    pub fn create(path: &Path) -> Result<AtomicFile, String> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let tmp = NamedTempFile::new_in(dir)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            out: BufWriter::new(tmp),
        })
    }

    /// Flushes everything to disk and renames the file into place. Until
    /// then the target is untouched; dropped without this, nothing is left.
    pub fn commit(self) -> Result<(), String> {
        let fail =
            |e: &dyn std::fmt::Display| format!("cannot write `{}`: {e}", self.path.display());
        let tmp = self.out.into_inner().map_err(|e| fail(&e.error()))?;
        // The temporary file is private (0600); the file it replaces keeps
        // its permissions, and a new one gets the usual rw-r--r--.
        let permissions = match std::fs::metadata(&self.path) {
            Ok(m) => Some(m.permissions()),
            Err(_) => usual_permissions(),
        };
        if let Some(p) = permissions {
            tmp.as_file().set_permissions(p).map_err(|e| fail(&e))?;
        }
        tmp.as_file().sync_all().map_err(|e| fail(&e))?;
        tmp.persist(&self.path).map_err(|e| fail(&e.error))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[cfg(unix)]
fn usual_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn usual_permissions() -> Option<std::fs::Permissions> {
    None
}

/// Writes `bytes` to `path` whole or not at all.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_changes_only_when_the_file_is_whole() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let path = dir.path().join("policy.detente");
        std::fs::write(&path, "old").unwrap_or_else(|e| unreachable!("{e}"));
        let mut f = AtomicFile::create(&path).unwrap_or_else(|e| unreachable!("{e}"));
        f.write_all(b"new").unwrap_or_else(|e| unreachable!("{e}"));
        // Not committed: the old text is still there, and dropping it
        // leaves nothing behind.
        assert_eq!(std::fs::read_to_string(&path).ok().as_deref(), Some("old"));
        drop(f);
        let names = std::fs::read_dir(dir.path())
            .map(|d| d.count())
            .unwrap_or(0);
        assert_eq!(names, 1);
        write(&path, b"new").unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(std::fs::read_to_string(&path).ok().as_deref(), Some("new"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| {
                std::fs::metadata(p)
                    .map(|m| m.permissions().mode() & 0o777)
                    .ok()
            };
            assert_eq!(mode(&path), Some(0o644));
            let exec = dir.path().join("run.sh");
            std::fs::write(&exec, "old").unwrap_or_else(|e| unreachable!("{e}"));
            std::fs::set_permissions(&exec, std::fs::Permissions::from_mode(0o750))
                .unwrap_or_else(|e| unreachable!("{e}"));
            write(&exec, b"new").unwrap_or_else(|e| unreachable!("{e}"));
            assert_eq!(
                mode(&exec),
                Some(0o750),
                "a replaced file keeps its permissions"
            );
        }
    }
}
