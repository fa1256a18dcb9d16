//! RID-05: the photos of a library import, in a ZIP archive, read within bounds. Nothing is
//! written to disk: entries are read into memory one at a time, each no larger than a face
//! photo may be. An archive is refused whole when it is too large, has too many entries, or
//! declares more uncompressed bytes than the cap; an entry is refused when its name climbs out
//! of the archive (`..`, an absolute path, a drive), when it inflates more than [`MAX_RATIO`]
//! times (a zip bomb: photos barely compress), or when it is larger than a photo may be
//! (checked on the bytes actually read, not only on the size the archive declares).

use std::collections::HashMap;
use std::io::{Cursor, Read};

use bytes::Bytes;

/// The largest archive accepted (the server's body limit usually bounds it first).
pub const MAX_ARCHIVE_BYTES: usize = 256 * 1024 * 1024;
/// The most entries an archive may hold.
pub const MAX_ENTRIES: usize = 10_000;
/// The most bytes all entries together may declare, uncompressed.
pub const MAX_TOTAL_UNCOMPRESSED: u64 = 1024 * 1024 * 1024;
/// The most an entry may inflate (uncompressed ÷ compressed).
pub const MAX_RATIO: u64 = 100;
/// The largest sheet inside a bundle.
pub const MAX_SHEET_BYTES: usize = 32 * 1024 * 1024;

/// Why an archive or one of its photos was refused: a code the pages translate
/// (`rider_library.photo.<code>`) and a sentence for the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub reason: String,
}

impl Refusal {
    fn new(code: &'static str, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
        }
    }
}

/// An entry by its file name.
#[derive(Debug, Clone)]
enum Entry {
    /// Its index in the archive.
    At(usize),
    /// Refused: the reason.
    Refused(Refusal),
}

/// An opened archive of photos (and, in a bundle, the sheet).
pub struct PhotoArchive {
    zip: zip::ZipArchive<Cursor<Bytes>>,
    entries: HashMap<String, Entry>,
    /// Entries in the archive (files only).
    pub files: usize,
}

impl std::fmt::Debug for PhotoArchive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhotoArchive")
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

/// Whether `bytes` are a ZIP file (an XLSX workbook is one too: see [`is_workbook`]).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// An entry's name as the person who made the archive wrote it: UTF-8, or GBK (archives made
/// on Chinese Windows do not mark UTF-8 names).
fn entry_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::GBK.decode(raw).0.into_owned(),
    }
}

/// The file name of an entry whose path stays inside the archive, or `None`.
fn safe_file_name(path: &str) -> Option<String> {
    let path = path.replace('\\', "/");
    let climbs = path.starts_with('/')
        || path.split('/').any(|part| part == "..")
        || path.chars().nth(1) == Some(':')
        || path.contains('\0');
    if climbs {
        return None;
    }
    path.rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
}

impl PhotoArchive {
    /// Opens an archive, checking its size, its entry count, the uncompressed bytes it declares
    /// and every entry's name and ratio.
    pub fn open(bytes: Bytes) -> Result<Self, Refusal> {
        if bytes.len() > MAX_ARCHIVE_BYTES {
            return Err(Refusal::new(
                "archive_too_large",
                format!(
                    "the photo archive is larger than {} MB",
                    MAX_ARCHIVE_BYTES / 1024 / 1024
                ),
            ));
        }
        if !is_zip(&bytes) {
            return Err(Refusal::new(
                "archive_unreadable",
                "the photo archive is not a ZIP file",
            ));
        }
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
            Refusal::new(
                "archive_unreadable",
                format!("the photo archive cannot be read: {e}"),
            )
        })?;
        if zip.len() > MAX_ENTRIES {
            return Err(Refusal::new(
                "archive_too_many",
                format!("the photo archive has more than {MAX_ENTRIES} entries"),
            ));
        }
        let mut entries = HashMap::new();
        let mut total = 0u64;
        let mut files = 0;
        for i in 0..zip.len() {
            let file = match zip.by_index_raw(i) {
                Ok(f) => f,
                Err(e) => {
                    return Err(Refusal::new(
                        "archive_unreadable",
                        format!("entry {i} of the photo archive cannot be read: {e}"),
                    ))
                }
            };
            if file.is_dir() {
                continue;
            }
            files += 1;
            let raw_name = entry_name(file.name_raw());
            total = total.saturating_add(file.size());
            if total > MAX_TOTAL_UNCOMPRESSED {
                return Err(Refusal::new(
                    "archive_too_large",
                    format!(
                        "the photo archive unpacks to more than {} MB",
                        MAX_TOTAL_UNCOMPRESSED / 1024 / 1024
                    ),
                ));
            }
            let Some(name) = safe_file_name(&raw_name) else {
                // Not reachable by any row (a row names a file, never a path), but said once.
                let base = raw_name.rsplit(['/', '\\']).next().unwrap_or_default();
                entries.insert(
                    base.to_owned(),
                    Entry::Refused(Refusal::new(
                        "unsafe_name",
                        format!("the archive entry {raw_name:?} points outside the archive"),
                    )),
                );
                continue;
            };
            let lower = name.to_lowercase();
            // A list compresses well: it is bounded by the bytes actually read instead.
            let is_sheet = lower.ends_with(".csv") || lower.ends_with(".xlsx");
            let entry = if file.encrypted() {
                Entry::Refused(Refusal::new(
                    "unreadable",
                    "the photo is encrypted in the archive",
                ))
            } else if !is_sheet
                && file.size() > MAX_RATIO.saturating_mul(file.compressed_size().max(1))
            {
                Entry::Refused(Refusal::new(
                    "bomb",
                    format!("the photo inflates more than {MAX_RATIO} times: refused"),
                ))
            } else {
                Entry::At(i)
            };
            let entry = if entries.contains_key(&name) {
                Entry::Refused(Refusal::new(
                    "ambiguous",
                    "the archive holds two files of this name in different folders",
                ))
            } else {
                entry
            };
            entries.insert(name, entry);
        }
        Ok(Self {
            zip,
            entries,
            files,
        })
    }

    /// Whether the archive is an XLSX workbook rather than an archive of photos.
    pub fn is_workbook(&self) -> bool {
        self.entries.contains_key("[Content_Types].xml")
            && self.entries.contains_key("workbook.xml")
    }

    /// The sheet of a bundle: its one `.csv` or `.xlsx` entry.
    pub fn sheet(&mut self) -> Result<(String, Vec<u8>), Refusal> {
        let sheets: Vec<String> = self
            .entries
            .keys()
            .filter(|n| {
                let n = n.to_lowercase();
                n.ends_with(".csv") || n.ends_with(".xlsx")
            })
            .cloned()
            .collect();
        match sheets.as_slice() {
            [one] => {
                let one = one.clone();
                let bytes = self.read(&one, MAX_SHEET_BYTES)?;
                Ok((one, bytes.to_vec()))
            }
            [] => Err(Refusal::new(
                "archive_no_sheet",
                "the archive holds no .csv or .xlsx list",
            )),
            _ => Err(Refusal::new(
                "archive_no_sheet",
                "the archive holds more than one .csv or .xlsx list",
            )),
        }
    }

    /// The bytes of the file `name`, at most `max` of them.
    pub fn read(&mut self, name: &str, max: usize) -> Result<Bytes, Refusal> {
        let index = match self.entries.get(name) {
            None => {
                return Err(Refusal::new(
                    "missing",
                    format!("{name} is not in the photo archive"),
                ))
            }
            Some(Entry::Refused(r)) => return Err(r.clone()),
            Some(Entry::At(i)) => *i,
        };
        let too_large = || {
            Refusal::new(
                "too_large",
                format!("{name} is larger than {} kB", max / 1024),
            )
        };
        let file = self
            .zip
            .by_index(index)
            .map_err(|e| Refusal::new("unreadable", format!("{name} cannot be unpacked: {e}")))?;
        if file.size() > max as u64 {
            return Err(too_large());
        }
        let mut out = Vec::with_capacity(usize::try_from(file.size()).unwrap_or(0).min(max));
        // The declared size may lie: never read more than `max` + 1 bytes.
        file.take(max as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| Refusal::new("unreadable", format!("{name} cannot be unpacked: {e}")))?;
        if out.len() > max {
            return Err(too_large());
        }
        Ok(Bytes::from(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_climb_out_of_the_archive_are_refused() {
        assert_eq!(safe_file_name("photos/li.jpg").as_deref(), Some("li.jpg"));
        assert_eq!(safe_file_name("li.jpg").as_deref(), Some("li.jpg"));
        assert_eq!(safe_file_name("../li.jpg"), None);
        assert_eq!(safe_file_name("a/../../li.jpg"), None);
        assert_eq!(safe_file_name("/etc/passwd"), None);
        assert_eq!(safe_file_name("C:\\x\\li.jpg"), None);
        assert_eq!(safe_file_name("..\\li.jpg"), None);
    }

    #[test]
    fn gbk_names_are_read() {
        let (gbk, _, _) = encoding_rs::GBK.encode("李明.jpg");
        assert_eq!(entry_name(&gbk), "李明.jpg");
    }
}
