//! What the language server keeps of one run for the next: every file's facts, errors and
//! generated-file verdict, with what the file was when it was loaded (its size and modification
//! time on disk, or the buffer's text). A file that is still the same is neither read nor
//! parsed nor looked up in the facts cache again; only what changed is.
//!
//! Anything that could make a kept file's facts or verdict differ from a fresh load drops them
//! all: another set of files or source maps in the walk, or other host models.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rustc_hash::FxHashMap;

use crate::build::HostHints;
use crate::program::SourceModule;
use crate::FileError;

/// What a file was when it was loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stamp {
    /// A file on disk: its length and modification time, and when they were taken (before the
    /// file was read).
    Disk(u64, SystemTime, SystemTime),
    /// An open buffer: its text is compared with the module's.
    Buffer,
}

impl Stamp {
    pub(crate) fn of_disk(path: &Path) -> Option<Stamp> {
        let m = std::fs::metadata(path).ok()?;
        Some(Stamp::Disk(m.len(), m.modified().ok()?, SystemTime::now()))
    }

    /// Whether the file on disk still has this length and modification time, and that says it
    /// is unchanged: a file modified shortly before the stamp was taken may have been written
    /// again within the clock's granularity without its time changing (git's "racy" entries),
    /// so its contents are compared instead (`text`; without one it counts as changed). The
    /// stamp to keep when it is unchanged.
    fn still(&self, path: &Path, text: Option<&str>) -> Option<Stamp> {
        let Stamp::Disk(len, modified, taken) = self else { return None };
        let now = Stamp::of_disk(path)?;
        if !matches!(now, Stamp::Disk(l, m, _) if l == *len && m == *modified) {
            return None;
        }
        if taken.duration_since(*modified).is_ok_and(|d| d >= RACY) {
            return Some(self.clone());
        }
        text.is_some_and(|t| std::fs::read(path).is_ok_and(|b| b == t.as_bytes())).then_some(now)
    }
}

/// A file modified less than this before its stamp was taken is compared by contents.
const RACY: std::time::Duration = std::time::Duration::from_secs(2);

/// One file as loaded: the module goes into the run's program and comes back after it.
pub(crate) struct KeptFile {
    pub(crate) stamp: Stamp,
    pub(crate) module: Option<SourceModule>,
    pub(crate) errors: Vec<FileError>,
    /// Skipped as generated, with the reason.
    pub(crate) skipped: Option<String>,
}

/// Files kept between runs of [`crate::lint_keeping`].
#[derive(Default)]
pub struct Kept {
    pub(crate) files: FxHashMap<PathBuf, KeptFile>,
    /// The walk and host models the kept files were loaded under.
    pub(crate) walk: Option<(Vec<PathBuf>, Vec<PathBuf>, String)>,
    /// Files reused and files loaded by the last run (for tests and timings).
    pub reused: usize,
    pub loaded: usize,
}

impl Kept {
    /// Drops everything kept unless it was loaded under this walk and these host models.
    pub(crate) fn check_walk(&mut self, files: &[PathBuf], maps: &rustc_hash::FxHashSet<PathBuf>, hints: &HostHints) {
        let mut maps: Vec<PathBuf> = maps.iter().cloned().collect();
        maps.sort();
        let key = hints_key(hints);
        let same = self.walk.as_ref().is_some_and(|(f, m, k)| f == files && *m == maps && *k == key);
        if !same {
            self.files.clear();
            self.walk = Some((files.to_vec(), maps, key));
        }
        self.reused = 0;
        self.loaded = 0;
    }

    /// The kept file at `path` if it is still what was loaded (`buffer`: the open buffer's text,
    /// if the file is open), taken out to be used again.
    pub(crate) fn take(&mut self, path: &Path, buffer: Option<&str>) -> Option<KeptFile> {
        let mut k = self.files.remove(path)?;
        let stamp = match (&k.stamp, buffer) {
            (Stamp::Buffer, Some(text)) => k.module.as_ref().is_some_and(|m| &*m.text == text).then_some(Stamp::Buffer),
            (Stamp::Disk(..), None) => k.stamp.still(path, k.module.as_ref().map(|m| &*m.text)),
            _ => None,
        };
        k.stamp = stamp?;
        if k.module.is_none() && k.skipped.is_none() {
            return None;
        }
        self.reused += 1;
        Some(k)
    }

    /// Puts a run's modules back, to be used by the next run.
    pub fn put_back(&mut self, report: crate::Report) {
        let mut program = report.program;
        for m in std::mem::take(&mut program.modules) {
            if let Some(k) = self.files.get_mut(&m.path) {
                k.module = Some(m);
            }
        }
        // a file recorded without its module coming back cannot be used again
        self.files.retain(|_, k| k.module.is_some() || k.skipped.is_some());
    }
}

fn hints_key(hints: &HostHints) -> String {
    let mut names: Vec<&str> =
        hints.call_names.iter().map(|s| s.as_str()).chain(["\0"]).chain(hints.state_paths.iter().map(|s| s.as_str())).collect();
    names[..hints.call_names.len()].sort_unstable();
    names[hints.call_names.len() + 1..].sort_unstable();
    names.join("\n")
}
