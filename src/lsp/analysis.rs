//! The analysis thread: lints the workspace with the open buffers in place of the files on
//! disk, one job at a time, and hands back the diagnostics of the files it was asked about.
//! A panic is caught and handed back as an error: the thread goes on with the next job.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender};

use serde_json::Value;

use crate::Options;

/// What to analyse: the workspace as it was after change number `generation`.
pub struct Job {
    pub generation: u64,
    pub root: PathBuf,
    /// The open buffers, by path.
    pub open: BTreeMap<PathBuf, String>,
    /// The files to publish diagnostics for (open ones and ones that had diagnostics).
    pub targets: Vec<PathBuf>,
}

/// What a job found for one file: its diagnostics and the quick fixes they offer
/// (`diagnostics::code_actions`).
pub struct Published {
    pub path: PathBuf,
    pub diagnostics: Vec<Value>,
    pub actions: Vec<Value>,
}

/// What a job found: each target's diagnostics, or the message of a panic.
pub struct Done {
    pub generation: u64,
    pub result: Result<Vec<Published>, String>,
}

/// Set to a marker, makes the analysis of any buffer that contains it panic: the tests use it
/// to check that the server survives a panic.
const TEST_PANIC: &str = "RACELINT_LSP_TEST_PANIC";

/// Runs jobs from `jobs` until it closes, sending each result through `done` (wrapped by
/// `wrap`, so it can share the server's event channel).
pub fn serve<E>(jobs: Receiver<Job>, done: Sender<E>, wrap: impl Fn(Done) -> E) {
    let docs = super::diagnostics::write_docs();
    let panic_marker = std::env::var(TEST_PANIC).ok().filter(|m| !m.is_empty());
    // every file's facts, kept from one job to the next: only what changed is loaded again
    let mut kept = crate::keep::Kept::default();
    for job in jobs {
        let generation = job.generation;
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if let Some(m) = &panic_marker {
                if job.open.values().any(|t| t.contains(m.as_str())) {
                    panic!("{TEST_PANIC}: a buffer contains the marker");
                }
            }
            analyse(&job, &docs, &mut kept)
        }))
        .map_err(|payload| {
            // what a panicking run left behind is not to be trusted
            kept = crate::keep::Kept::default();
            payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into())
        });
        if done.send(wrap(Done { generation, result })).is_err() {
            return;
        }
    }
}

fn analyse(job: &Job, docs: &BTreeMap<&'static str, String>, kept: &mut crate::keep::Kept) -> Vec<Published> {
    let config = crate::config::Config::find(&job.root).and_then(|p| crate::config::Config::load(&p).ok()).unwrap_or_default();
    let options = Options {
        paths: vec![job.root.clone()],
        overrides: job.open.iter().map(|(p, t)| (p.clone(), t.clone())).collect(),
        // files on disk come from the facts cache; only the open buffers are parsed per change
        cache_dir: Some(crate::cache::default_dir()),
        ..Options::configured(config, Vec::new(), Vec::new())
    };
    let report = crate::lint_keeping(&options, Some(kept));
    let out = job
        .targets
        .iter()
        .map(|p| Published {
            path: p.clone(),
            diagnostics: super::diagnostics::diagnostics(&report, p, docs),
            actions: super::diagnostics::code_actions(&report, p),
        })
        .collect();
    kept.put_back(report);
    out
}
