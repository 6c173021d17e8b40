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
use crate::source::SourceModule;
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
    pub(crate) rules: RuleMemo,
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

/// The rules' findings per function from the last run, with what they were computed from: a
/// function whose inputs are all the same again is not checked again.
///
/// A function's findings depend on its own module's facts, the facts of the modules of the
/// functions it calls (what a callee returns), and the program around it: its call targets, each
/// callee's summary, balanced states and name, and every state it touches directly or through a
/// callee's summary (name, kind, declaration, written, one value, what it backs up), and the
/// fields written together. A module counts as unchanged when its text is the very text of the
/// last run (kept files keep theirs); all the rest goes into the function's key. Anything else
/// (another module list, other rule selection) checks every function again.
#[derive(Default)]
pub(crate) struct RuleMemo {
    paths: Vec<PathBuf>,
    texts: Vec<std::sync::Arc<str>>,
    only: Vec<String>,
    entries: FxHashMap<(u32, u32), (u64, Checked)>,
    /// Functions checked again and taken from the memo by the last run.
    pub(crate) checked: usize,
    pub(crate) reused: usize,
}

/// What checking one function gave: its findings, and an error if the check panicked.
pub(crate) type Checked = (Vec<crate::Finding>, Vec<FileError>);

/// A run's keys, from [`RuleMemo::keys`].
pub(crate) struct RuleKeys {
    /// Per function: its key, `None` when its own module or a callee's changed.
    keys: Vec<Option<u64>>,
}

fn hash_of(f: impl FnOnce(&mut rustc_hash::FxHasher)) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    f(&mut h);
    h.finish()
}

impl RuleMemo {
    /// Every function's key in `program` (computed in parallel).
    pub(crate) fn keys(&mut self, program: &crate::program::Program, only: &[String]) -> RuleKeys {
        use rayon::prelude::*;
        use std::hash::Hash;
        let same_list = self.only == only
            && self.paths.len() == program.modules.len()
            && self.paths.iter().zip(&program.modules).all(|(p, m)| *p == m.path);
        let unchanged: Vec<bool> = program
            .modules
            .iter()
            .enumerate()
            .map(|(i, m)| same_list && self.texts.get(i).is_some_and(|t| std::sync::Arc::ptr_eq(t, &m.text)))
            .collect();
        if !same_list {
            self.entries.clear();
        }
        let summaries: Vec<u64> = program
            .summaries
            .par_iter()
            .map(|s| {
                hash_of(|h| {
                    for (e, o) in &s.effects {
                        e.hash(h);
                        (o.at, o.depth).hash(h);
                    }
                })
            })
            .collect();
        let states: Vec<u64> = (0..program.states.len())
            .into_par_iter()
            .map(|s| {
                let st = &program.states[s];
                let s = crate::program::StateId::from_index(s);
                hash_of(|h| {
                    (&st.name, std::mem::discriminant(&st.kind), st.module, st.decl, st.written, st.scalar).hash(h);
                    program.backs_up(s).hash(h);
                })
            })
            .collect();
        let together =
            program.written_together_pairs().map(|(s, a, b)| hash_of(|h| (s, &**a, &**b).hash(h))).fold(0u64, |x, y| x.wrapping_add(y));
        // what a call's constants resolve to (`constants.rs`): members of `const` objects,
        // possibly declared in a module neither the caller nor its callees are in
        let constants = program.constants.iter().map(|(k, v)| hash_of(|h| (k, v).hash(h))).fold(0u64, |x, y| x.wrapping_add(y));
        let n = program.functions.len();
        let keys = (0..n)
            .into_par_iter()
            .map(|id| {
                let r = &program.functions[id];
                let fn_id = crate::program::FnId::from_index(id);
                if !unchanged[r.module as usize] {
                    return None;
                }
                let facts = program.function(fn_id);
                // the rules look only at async functions: the others are checked at no cost
                if !program.has_yield(fn_id) {
                    return None;
                }
                let ids = &program.state_ids[r.module as usize];
                let targets = &program.call_targets[id];
                let mut out = None;
                let key = hash_of(|h| {
                    // the findings carry the function's and states' program-wide ids (the task
                    // model classifies them afterwards): a renumbering is a change
                    (r.module, r.local, id, together, constants).hash(h);
                    targets.hash(h);
                    for &t in targets.iter().flatten() {
                        if t.index() < n && !unchanged[program.functions[t.index()].module as usize] {
                            return;
                        }
                        summaries.get(t.index()).hash(h);
                        program.balanced.get(t.index()).hash(h);
                        program.settled.settles.get(t.index()).hash(h);
                        program.fn_name(t).hash(h);
                        for (e, _) in program.summaries.get(t.index()).map_or(&[][..], |s| &s.effects) {
                            states[e.state.index()].hash(h);
                        }
                    }
                    for node in &facts.nodes {
                        if let crate::facts::NodeKind::Read { access, .. } | crate::facts::NodeKind::Write { access, .. } = &node.kind {
                            let s = ids[access.state.index()];
                            (s, states[s.index()]).hash(h);
                        }
                    }
                    out = Some(());
                });
                out.map(|()| key)
            })
            .collect();
        RuleKeys { keys }
    }

    /// The findings and errors of function `id` kept from the last run, if its key is the same.
    pub(crate) fn get(&self, program: &crate::program::Program, keys: &RuleKeys, id: crate::program::FnId) -> Option<&Checked> {
        let key = keys.keys.get(id.index()).copied().flatten()?;
        let r = &program.functions[id.index()];
        let (k, checked) = self.entries.get(&(r.module, r.local))?;
        (*k == key).then_some(checked)
    }

    /// Keeps this run's results (`checked`, per function) for the next run.
    pub(crate) fn store(&mut self, program: &crate::program::Program, only: &[String], keys: RuleKeys, checked: &[Checked], reused: usize) {
        self.paths = program.modules.iter().map(|m| m.path.clone()).collect();
        self.texts = program.modules.iter().map(|m| m.text.clone()).collect();
        self.only = only.to_vec();
        self.entries.clear();
        for (id, (key, c)) in keys.keys.into_iter().zip(checked).enumerate() {
            if let Some(key) = key {
                let r = &program.functions[id];
                self.entries.insert((r.module, r.local), (key, c.clone()));
            }
        }
        self.reused = reused;
        self.checked = checked.len() - reused;
    }
}
