//! SHR-05: the ferry's folders. Writes are atomic (a dot-named file, synced, then renamed
//! and the folder synced), so the gateway never carries half a package; reads take only
//! complete `*.json` files, oldest name first, a bounded number per pass.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

/// A package's file name: its time first, so names sort in the order they were made.
pub(super) fn file_name(at: DateTime<Utc>, id: &str) -> String {
    format!("{}-{id}.json", at.format("%Y%m%dT%H%M%S%6fZ"))
}

/// Writes `bytes` as `dir/name`, whole or not at all.
pub(super) fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let partial = dir.join(format!(".{name}.part"));
    let mut file = std::fs::File::create(&partial)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&partial, dir.join(name))?;
    // The rename is durable once the folder is synced.
    std::fs::File::open(dir)?.sync_all()
}

/// Up to `limit` complete package files waiting in `dir`, oldest name first. A missing folder
/// holds none.
pub(super) fn waiting(dir: &Path, limit: usize) -> std::io::Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || !name.ends_with(".json") || !entry.file_type()?.is_file() {
            continue;
        }
        files.push(entry.path());
    }
    files.sort();
    files.truncate(limit);
    Ok(files)
}

/// The file's bytes, reading at most `max + 1` of them (enough to know it is too large).
pub(super) fn read_bounded(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(max + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Moves an imported or refused file into `dir/<sub>/`, beside the others; a refused one gets
/// a `.why` file naming the refusal.
pub(super) fn set_aside(path: &Path, sub: &str, why: Option<&str>) -> std::io::Result<()> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Ok(());
    };
    let target = dir.join(sub);
    std::fs::create_dir_all(&target)?;
    if let Some(why) = why {
        let mut note = name.to_os_string();
        note.push(".why");
        std::fs::write(target.join(note), format!("{why}\n"))?;
    }
    std::fs::rename(path, target.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shr_05_only_complete_packages_are_taken_oldest_first() {
        let dir = std::env::temp_dir().join(format!("ferry-folder-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        write_atomically(&dir, "2-b.json", b"{}").unwrap();
        write_atomically(&dir, "1-a.json", b"{}").unwrap();
        std::fs::write(dir.join(".3-c.json.part"), b"{").unwrap();
        std::fs::write(dir.join("notes.txt"), b"").unwrap();
        let names: Vec<_> = waiting(&dir, 10)
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["1-a.json", "2-b.json"]);
        assert_eq!(waiting(&dir, 1).unwrap().len(), 1);
        set_aside(&dir.join("1-a.json"), "refused", Some("ferry.bad_hash")).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("refused/1-a.json.why")).unwrap(),
            "ferry.bad_hash\n"
        );
        assert_eq!(waiting(&dir, 10).unwrap().len(), 1);
        assert!(waiting(&dir.join("missing"), 10).unwrap().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
