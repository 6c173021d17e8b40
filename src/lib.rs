//! racelint: finds races on shared module state across `await` points in JavaScript.
//!
//! The pipeline: `discover` files, `parse` each once, `build` its facts (effect graphs per
//! function), `link` builds the `program` (states, call targets, `marks` on states, a `summary`
//! per function in the order of `schedule`), `rules` query the graphs, and [`render`] prints
//! the findings. [`lint`] runs it all; the CLI is a thin layer over it.
//!
//! The library's surface is what the binary, the tests, the examples and the fuzz target use:
//! the modules of which they use many items ([`config`], [`lsp`], [`render`]), and at the
//! crate root the few items they use of the others (re-exported below). Every other module is
//! the crate's own. Its types still reach the caller through [`Report`] (`Report::program`,
//! [`Finding`]).

pub(crate) mod analysis;
pub(crate) mod baseline;
pub(crate) mod build;
pub(crate) mod cache;
pub mod config;
pub(crate) mod constants;
pub(crate) mod discover;
pub(crate) mod facts;
pub(crate) mod finding;
pub(crate) mod generated;
pub(crate) mod graph_text;
pub(crate) mod host;
pub(crate) mod inputs;
pub(crate) mod keep;
pub(crate) mod link;
pub mod lsp;
pub(crate) mod marks;
pub(crate) mod parse;
pub(crate) mod program;
pub mod render;
pub(crate) mod rules;
pub(crate) mod schedule;
pub(crate) mod sfc;
pub(crate) mod source;
pub(crate) mod suggest;
pub(crate) mod summary;
pub(crate) mod suppress;
pub(crate) mod tasks;
pub(crate) mod yields;

use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

pub use baseline::Baseline;
use build::HostHints;
pub use cache::{default_dir as default_cache_dir, Cache, RunKey};
pub use discover::{discover, forward_slashes};
pub use finding::{Finding, Label};
pub use graph_text::graphs_of;
pub use host::Hosts;
pub use inputs::{excluded_explicit, expand_globs};
pub use parse::{component_syntax, parse, syntax_for};
use program::Program;
pub use rules::{Rule, RuleInfo, Severity, RULES};
pub use sfc::scripts_of;
pub use source::scanned_bytes;
pub use suggest::{apply, REASON_PLACEHOLDER};

/// Everything racelint reports, in listing order: the rules, then the suppression diagnostics.
pub fn rule_infos() -> impl Iterator<Item = &'static RuleInfo> {
    RULES.iter().map(|r| &r.info).chain(suppress::DIAGNOSTICS.iter().copied())
}

/// A rule or a suppression diagnostic by code (in any case) or name.
pub fn rule_info(code: &str) -> Option<&'static RuleInfo> {
    rule_infos().find(|r| r.code.eq_ignore_ascii_case(code) || r.name == code)
}
use source::SourceModule;

/// What to lint and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    /// Gitignore-style globs of files and folders to skip.
    pub excludes: Vec<String>,
    /// Rule codes to report; empty means all.
    pub only: Vec<String>,
    /// Host model files added to the built-in ones (`--host-model`).
    pub host_models: Vec<PathBuf>,
    /// Rule levels and the exit threshold from `racelint.toml` (its excludes and host models
    /// are merged into the fields above by [`Options::configured`]).
    pub config: config::Config,
    /// Report only findings whose fingerprints this baseline file does not list.
    pub baseline: Option<PathBuf>,
    /// Lint this text as the file at this path (editors), with the other files read from disk;
    /// only that file's findings are reported.
    pub stdin: Option<(PathBuf, String)>,
    /// Texts to use instead of the files on disk (an editor's unsaved buffers); all files are
    /// reported.
    pub overrides: Vec<(PathBuf, String)>,
    /// Where to keep the warm-run cache of file facts; `None` parses every file.
    pub cache_dir: Option<PathBuf>,
    /// The walk and the file contents the whole-run cache's key already made, so the files are
    /// neither discovered nor read twice.
    pub prefetched: Prefetched,
    /// Lint generated files found in directory walks too (`--include-generated`).
    pub include_generated: bool,
}

impl Options {
    /// The options of a run under `config` (a `racelint.toml`, or the default): its rule levels
    /// and exit threshold, and its excludes and host models merged with the ones given (the
    /// command line's): the given excludes, then the config's; the config's host models, then
    /// the given ones. The other fields are the defaults.
    pub fn configured(config: config::Config, excludes: Vec<String>, host_models: Vec<PathBuf>) -> Options {
        let mut all_excludes = excludes;
        all_excludes.extend(config.exclude.iter().cloned());
        let mut all_models = config.host_models.clone();
        all_models.extend(host_models);
        Options { excludes: all_excludes, host_models: all_models, config, ..Default::default() }
    }
}

/// What was done ahead of the run (by [`cache::RunKey::compute`]): the walk of
/// `Options::paths` with `Options::excludes`, and the files read, by path.
#[derive(Clone, Default)]
pub struct Prefetched {
    /// The walk; `None`: the run walks the paths itself.
    pub walked: Option<Arc<discover::Walked>>,
    pub bytes: Arc<rustc_hash::FxHashMap<PathBuf, Vec<u8>>>,
}

impl std::fmt::Debug for Prefetched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} prefetched files", self.bytes.len())
    }
}

/// A finding that an inline `racelint-ignore` comment suppressed.
#[derive(Debug, Clone)]
pub struct Suppressed {
    pub finding: Finding,
    pub reason: String,
}

/// A file that could not be read or parsed, with the position of the problem when there is one.
#[derive(Debug, Clone)]
pub struct FileError {
    pub path: PathBuf,
    /// Byte offset in the file, for parse errors.
    pub offset: Option<u32>,
    pub message: String,
    /// Further parse errors in the same file, counted but not reported (the first one is).
    pub more: u32,
    /// Where the problem is in a file racelint reads but does not analyse (a baseline).
    pub at: Option<source::Position>,
}

impl FileError {
    pub fn new(path: PathBuf, offset: Option<u32>, message: String) -> FileError {
        FileError { path, offset, message, more: 0, at: None }
    }

    /// The message with the count of the file's other errors: `Expected '}', got '<eof>' (and
    /// 19999 more parse errors in this file)`.
    pub fn full_message(&self) -> String {
        match self.more {
            0 => self.message.clone(),
            1 => format!("{} (and 1 more parse error in this file)", self.message),
            n => format!("{} (and {n} more parse errors in this file)", self.message),
        }
    }
}

/// A file a directory walk found and did not lint, because it is generated.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub path: PathBuf,
    /// Why it is generated: `source map lists src/index.ts`, `webpack runtime bootstrap`.
    pub reason: String,
}

/// The result of a run: every analysed file (kept for rendering), the findings sorted by file
/// and position, and the errors.
pub struct Report {
    pub program: Program,
    pub findings: Vec<Finding>,
    pub errors: Vec<FileError>,
    pub suppressed: Vec<Suppressed>,
    /// What `--baseline` matched, when one was given.
    pub baseline: Option<baseline::Outcome>,
    /// Findings at or above this severity fail the run; `None`: findings never do.
    pub fail_on: Option<Severity>,
    /// Generated files the walk skipped, by path.
    pub skipped: Vec<Skipped>,
}

impl Report {
    pub fn files(&self) -> usize {
        self.program.modules.len()
    }

    /// 2 when anything could not be read or parsed, 1 when there are findings at or above the
    /// `fail-on` severity (new ones, with a baseline), else 0.
    pub fn exit_code(&self) -> i32 {
        if !self.errors.is_empty() {
            2
        } else if self.fail_on.is_some_and(|t| self.findings.iter().any(|f| f.severity >= t)) {
            1
        } else {
            0
        }
    }
}

/// Stack size of the worker threads: parsing and walking 100 000-deep nesting needs room, and
/// `stacker` grows the walk's stack beyond this on the heap when it must.
const WORKER_STACK: usize = 1024 * 1024 * 1024;

/// Reads, parses and analyses one file. Never panics on any input: bad UTF-8, binary data and
/// syntax errors become errors in the result.
fn load(
    path: PathBuf,
    read: std::io::Result<Vec<u8>>,
    hints: &HostHints,
    cache: Option<&cache::Cache>,
    errors: &mut Vec<FileError>,
) -> Option<SourceModule> {
    let bytes = match read {
        Ok(b) => b,
        Err(e) => {
            errors.push(FileError::new(path, None, format!("cannot read file: {}", discover::io_message(&e))));
            return None;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let offset = e.utf8_error().valid_up_to() as u32;
            let message = if e.as_bytes().contains(&0) { "binary file, not JavaScript source" } else { "file is not valid UTF-8" };
            errors.push(FileError::new(path, Some(offset), message.into()));
            return None;
        }
    };
    Some(cached_or_analysed(path, text.into(), hints, cache, errors))
}

/// The facts of a file from the cache when its contents were seen before, else parsed and
/// built (and cached).
fn cached_or_analysed(
    path: PathBuf,
    text: Arc<str>,
    hints: &HostHints,
    cache: Option<&cache::Cache>,
    errors: &mut Vec<FileError>,
) -> SourceModule {
    if let Some((facts, errs)) = cache.and_then(|c| c.get(&path, &text)) {
        errors.extend(errs.into_iter().map(|e| FileError {
            path: path.clone(),
            offset: Some(e.offset),
            message: e.message,
            more: e.more,
            at: None,
        }));
        return SourceModule::new(path, text, facts);
    }
    PARSED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let before = errors.len();
    let m = analyse_source(path, text, hints, errors);
    if let Some(c) = cache {
        let errs: Vec<parse::SyntaxError> = errors[before..]
            .iter()
            .map(|e| parse::SyntaxError { offset: e.offset.unwrap_or(0), message: e.message.clone(), more: e.more })
            .collect();
        c.put(&m.path, &m.text, &m.facts, &errs);
    }
    m
}

/// Files parsed (not taken from the cache) in this process, for `RACELINT_TIMINGS`.
static PARSED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Runs `f`, turning a panic into an error for `path`: one bad file or function must never
/// take the other findings down with it.
fn guarded<T>(path: &std::path::Path, errors: &mut Vec<FileError>, what: &str, f: impl FnOnce(&mut Vec<FileError>) -> T) -> Option<T> {
    let mut inner = Vec::new();
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut inner))) {
        Ok(v) => {
            errors.extend(inner);
            Some(v)
        }
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            errors.push(FileError::new(path.to_path_buf(), None, format!("internal error while {what} (please report this file): {msg}")));
            None
        }
    }
}

/// Parses and builds the facts of one source text.
fn analyse_source(path: PathBuf, text: Arc<str>, hints: &HostHints, errors: &mut Vec<FileError>) -> SourceModule {
    let component = sfc::scripts_of(&path, &text);
    let parsed = match &component {
        Some(c) => {
            // one error per file, counting the rest (as for parse errors)
            if let Some(e) = c.errors.first() {
                let more = (c.errors.len() - 1) as u32 + e.more;
                errors.push(FileError { more, ..FileError::new(path.clone(), Some(e.offset), e.message.clone()) });
            }
            parse::parse(&path, &c.code, parse::component_syntax(c))
        }
        None => parse::parse(&path, &text, parse::syntax_for(&path).unwrap_or_default()),
    };
    drop(component);
    for e in &parsed.errors {
        errors.push(FileError { path: path.clone(), offset: Some(e.offset), message: e.message.clone(), more: e.more, at: None });
    }
    let mut facts = parsed.module.as_ref().map(|m| build::module_facts(m, parsed.base, hints)).unwrap_or_default();
    if parsed.errors.is_empty() {
        if let Some(m) = &parsed.module {
            facts.no_new_line = suggest::line_bound_spans(m, parsed.base, &text);
        }
    }
    // drop the AST here, on the worker thread with the large stack
    drop(parsed);
    SourceModule::new(path, text, facts)
}

/// Worker threads asked for (`--threads`); 0: rayon's default (`RAYON_NUM_THREADS` or one per
/// core).
static THREADS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Sets the number of worker threads; call before the first lint (the pool is built once).
pub fn set_threads(n: usize) {
    THREADS.store(n, std::sync::atomic::Ordering::Relaxed);
    let _ = rayon::ThreadPoolBuilder::new().num_threads(n).build_global();
}

/// The worker pool, built once per process (the language server lints on every change).
fn pool() -> &'static rayon::ThreadPool {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(THREADS.load(std::sync::atomic::Ordering::Relaxed))
            .stack_size(WORKER_STACK)
            .build()
            .unwrap_or_else(|_| rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a one-thread pool"))
    })
}

/// Lints the files under `options.paths`.
pub fn lint(options: &Options) -> Report {
    lint_keeping(options, None)
}

/// [`lint`], with the files of an earlier run in `kept` (the language server keeps them between
/// edits): a file that is still what it was is neither read nor parsed again. Give the report
/// back with [`keep::Kept::put_back`] for the next run.
pub(crate) fn lint_keeping(options: &Options, mut kept: Option<&mut keep::Kept>) -> Report {
    let timer = Timer::new();
    // walked once: the whole-run cache's key may have walked the same paths already
    let walked_here;
    let walked: &discover::Walked = match options.prefetched.walked.as_deref() {
        Some(w) => w,
        None => {
            walked_here = discover::walk(&options.paths, &options.excludes);
            &walked_here
        }
    };
    let discover::Walked { files, maps, named, errors: path_errors } = walked;
    // only a buffer that is not on disk adds to the walk's files
    let mut files = std::borrow::Cow::Borrowed(files);
    // a buffer named by another spelling of a discovered file (absolute, as editors pass it,
    // or `../dir/x.js` from inside `dir`) replaces that file under the walk's spelling: one
    // module, not two, so imports between it and its neighbours still resolve
    let overrides: Vec<(PathBuf, &str)> = {
        let cwd = std::env::current_dir().unwrap_or_default();
        let mut by_key: Option<rustc_hash::FxHashMap<PathBuf, usize>> = None;
        let mut out = Vec::new();
        let mut added = false;
        for (p, t) in options.stdin.iter().chain(options.overrides.iter()) {
            let cleaned = discover::clean(p);
            if files.contains(&cleaned) {
                out.push((cleaned, t.as_str()));
                continue;
            }
            let by_key = by_key.get_or_insert_with(|| files.iter().enumerate().map(|(i, f)| (same_file_key(&cwd, f), i)).collect());
            let path = match by_key.get(&same_file_key(&cwd, p)) {
                Some(&i) => files[i].clone(),
                None => {
                    files.to_mut().push(cleaned.clone());
                    added = true;
                    cleaned
                }
            };
            out.push((path, t.as_str()));
        }
        if added {
            discover::sort_paths(files.to_mut());
        }
        out
    };
    let stdin_path = options.stdin.as_ref().map(|_| overrides[0].0.clone());
    timer.lap("discover");
    let mut errors: Vec<FileError> = path_errors.iter().map(|e| FileError::new(e.path.clone(), None, e.message.clone())).collect();
    let hosts = load_hosts(options, &mut errors);
    let hints = hosts.hints();
    let cache = options.cache_dir.as_deref().and_then(|d| cache::Cache::open(d, &hints));
    let pool = pool();
    let tree = generated::Tree::new(&files, maps);
    let skipped: std::sync::Mutex<Vec<Skipped>> = Default::default();
    let mut reused: Vec<(usize, Option<SourceModule>, Vec<FileError>)> = Vec::new();
    let mut is_reused = vec![false; files.len()];
    if let Some(k) = kept.as_deref_mut() {
        k.check_walk(&files, maps, &hints);
        for (i, path) in files.iter().enumerate() {
            let buffer = overrides.iter().find(|(o, _)| o == path).map(|(_, t)| *t);
            let Some(f) = k.take(path, buffer) else { continue };
            is_reused[i] = true;
            if let Some(reason) = &f.skipped {
                skipped.lock().unwrap_or_else(|e| e.into_inner()).push(Skipped { path: path.clone(), reason: reason.clone() });
            }
            let again = keep::KeptFile { stamp: f.stamp, module: None, errors: f.errors.clone(), skipped: f.skipped };
            k.files.insert(path.clone(), again);
            if f.module.is_some() {
                reused.push((i, f.module, f.errors));
            }
        }
    }
    let keeping = kept.is_some();
    let stamped: std::sync::Mutex<Vec<(PathBuf, keep::Stamp, Option<String>)>> = Default::default();
    let loaded: Vec<(Option<SourceModule>, Vec<FileError>)> = pool.install(|| {
        // read everything first, then parse the largest files first: in path order a big file
        // met last (world-info.js, 5 ms) kept one core busy while the other idled
        let mut jobs: Vec<(usize, PathBuf, std::io::Result<Vec<u8>>)> = files
            .par_iter()
            .cloned()
            .enumerate()
            .filter(|(i, _)| !is_reused[*i])
            .map(|(i, path)| {
                let buffer = overrides.iter().any(|(o, _)| *o == path);
                // taken before the read: a file changed while it is read is read again next time
                let stamp = match keeping {
                    true if buffer => Some(keep::Stamp::Buffer),
                    true => keep::Stamp::of_disk(&path),
                    false => None,
                };
                let read = match options.prefetched.bytes.get(&path) {
                    Some(b) => Ok(b.clone()),
                    None if buffer => Ok(Vec::new()),
                    None => std::fs::read(&path),
                };
                if let (Some(s), Ok(_)) = (stamp, &read) {
                    stamped.lock().unwrap_or_else(|e| e.into_inner()).push((path.clone(), s, None));
                }
                (i, path, read)
            })
            .filter(|(_, path, read)| {
                // generated files met in a walk are skipped (named ones and open buffers never)
                let Ok(bytes) = read else { return true };
                if options.include_generated || named.contains(path) || overrides.iter().any(|(o, _)| o == path) {
                    return true;
                }
                match generated::reason(path, bytes, &tree) {
                    Some(reason) => {
                        if keeping {
                            let mut st = stamped.lock().unwrap_or_else(|e| e.into_inner());
                            if let Some(s) = st.iter_mut().find(|s| s.0 == *path) {
                                s.2 = Some(reason.clone());
                            }
                        }
                        skipped.lock().unwrap_or_else(|e| e.into_inner()).push(Skipped { path: path.clone(), reason });
                        false
                    }
                    None => true,
                }
            })
            .collect();
        jobs.sort_by_key(|(_, _, read)| std::cmp::Reverse(read.as_ref().map_or(0, Vec::len)));
        let mut done: Vec<(usize, Option<SourceModule>, Vec<FileError>)> = jobs
            .into_par_iter()
            .with_max_len(1)
            .map(|(i, path, read)| {
                let mut errs = Vec::new();
                let p = path.clone();
                let m = guarded(&p, &mut errs, "analysing it", |errs| match overrides.iter().find(|(o, _)| *o == path) {
                    Some((_, text)) => Some(analyse_source(path, (*text).into(), &hints, errs)),
                    None => load(path, read, &hints, cache.as_ref(), errs),
                })
                .flatten();
                (i, m, errs)
            })
            .collect();
        if let Some(k) = &mut kept {
            k.loaded = done.len();
            let mut stamps: rustc_hash::FxHashMap<PathBuf, (keep::Stamp, Option<String>)> =
                stamped.into_inner().unwrap_or_else(|e| e.into_inner()).into_iter().map(|(p, s, r)| (p, (s, r))).collect();
            for (_, m, errs) in &done {
                if let Some(m) = m {
                    if let Some((stamp, _)) = stamps.remove(&m.path) {
                        k.files.insert(m.path.clone(), keep::KeptFile { stamp, module: None, errors: errs.clone(), skipped: None });
                    }
                }
            }
            for (path, (stamp, reason)) in stamps {
                if reason.is_some() {
                    k.files.insert(path, keep::KeptFile { stamp, module: None, errors: Vec::new(), skipped: reason });
                }
            }
        }
        done.extend(reused);
        done.sort_unstable_by_key(|d| d.0);
        done.into_iter().map(|(_, m, errs)| (m, errs)).collect()
    });
    let mut modules = Vec::with_capacity(loaded.len());
    for (m, errs) in loaded {
        errors.extend(errs);
        modules.extend(m);
    }
    timer.lap(&format!("read, parse {} of {} files", PARSED.load(std::sync::atomic::Ordering::Relaxed), modules.len()));
    let memo = kept.map(|k| &mut k.rules);
    let mut report = analyse(modules, errors, options, &hosts, pool, &timer, memo);
    report.skipped = skipped.into_inner().unwrap_or_else(|e| e.into_inner());
    report.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    // findings in generated files that were linted anyway: where their source maps say the
    // code comes from (a module's map is read once, and only for modules with findings)
    let mut mappings: rustc_hash::FxHashMap<u32, Option<generated::Mapping>> = Default::default();
    for f in &mut report.findings {
        let m = &report.program.modules[f.module as usize];
        let mapping = mappings.entry(f.module).or_insert_with(|| generated::Mapping::of(&m.path, m.text.as_bytes(), &tree));
        if let Some(map) = mapping {
            let pos = m.lines().position(&m.text, f.span.lo);
            f.original = map.original(pos.line, pos.column);
        }
    }
    if let Some(p) = &stdin_path {
        // an editor asked about one file: the others were read only for their effects
        let keep = |m: u32| report.program.modules[m as usize].path == *p;
        report.findings.retain(|f| keep(f.module));
        report.suppressed.retain(|s| keep(s.finding.module));
        report.errors.retain(|e| e.path == *p);
    }
    report
}

/// One key for every spelling of a path: absolute (against `cwd`), with `.` and `..` resolved
/// lexically.
fn same_file_key(cwd: &std::path::Path, path: &std::path::Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in cwd.join(path).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Phase timings on standard error when `RACELINT_TIMINGS` is set (for profiling).
struct Timer {
    start: Option<std::time::Instant>,
    last: std::cell::Cell<Option<std::time::Instant>>,
}

impl Timer {
    fn new() -> Timer {
        let on = std::env::var_os("RACELINT_TIMINGS").is_some();
        let now = on.then(std::time::Instant::now);
        Timer { start: now, last: std::cell::Cell::new(now) }
    }

    fn lap(&self, what: &str) {
        if let (Some(start), Some(last)) = (self.start, self.last.get()) {
            let now = std::time::Instant::now();
            eprintln!(
                "racelint timing: {what:<40} {:>8.2} ms (total {:.2} ms, {})",
                (now - last).as_secs_f64() * 1e3,
                (now - start).as_secs_f64() * 1e3,
                resident_memory()
            );
            self.last.set(Some(now));
        }
    }
}

/// Findings by file, then position: modules are numbered in path order (`discover::sort_paths`),
/// so comparing their numbers compares paths without parsing them.
fn by_position(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    (a.module, a.span.lo, a.span.hi, a.rule.code, &a.state).cmp(&(b.module, b.span.lo, b.span.hi, b.rule.code, &b.state))
}

/// The process's resident and peak memory, from `/proc/self/status` where there is one.
fn resident_memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status.lines().find_map(|l| l.strip_prefix(name)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    match (field("VmRSS:"), field("VmHWM:")) {
        (Some(rss), Some(peak)) => format!("rss {} MiB, peak {} MiB", rss / 1024, peak / 1024),
        _ => "memory unknown".into(),
    }
}

/// The built-in host models and the user's; a bad model file is an error (the built-in ones
/// still apply).
fn load_hosts(options: &Options, errors: &mut Vec<FileError>) -> Hosts {
    match Hosts::load(&options.host_models) {
        Ok(h) => h,
        Err(e) => {
            errors.push(FileError::new(PathBuf::from(e.path), None, format!("invalid host model: {}", e.message)));
            Hosts::load(&[] as &[&str]).unwrap_or_default()
        }
    }
}

/// Lints one source text as if it were the file at `path` (for tests and editors).
pub fn lint_source(path: impl Into<PathBuf>, text: &str, options: &Options) -> Report {
    let mut errors = Vec::new();
    let hosts = load_hosts(options, &mut errors);
    let hints = hosts.hints();
    let pool = pool();
    let path = path.into();
    let m = pool.install(|| analyse_source(path, text.into(), &hints, &mut errors));
    analyse(vec![m], errors, options, &hosts, pool, &Timer::new(), None)
}

fn analyse(
    modules: Vec<SourceModule>,
    mut errors: Vec<FileError>,
    options: &Options,
    hosts: &Hosts,
    pool: &rayon::ThreadPool,
    timer: &Timer,
    mut memo: Option<&mut keep::RuleMemo>,
) -> Report {
    let program = pool.install(|| link::link(modules, hosts));
    timer.lap("link and summarise");
    // the language server's memo: functions whose inputs did not change keep their findings
    let keys = memo.as_mut().map(|m| pool.install(|| m.keys(&program, &options.only)));
    let remembered = |id: program::FnId| Some(memo.as_ref()?.get(&program, keys.as_ref()?, id)?.clone());
    let selected = |r: &RuleInfo| options.only.is_empty() || options.only.iter().any(|c| c.eq_ignore_ascii_case(r.code) || c == r.name);
    // which tasks race is worked out beside the rules (it needs only the program), and
    // applied to their findings below
    let (checked, tasks): (Vec<(keep::Checked, bool)>, _) = pool.install(|| {
        rayon::join(
            || {
                (0..program.functions.len())
                    .into_par_iter()
                    .map(program::FnId::from_index)
                    .map(|id| {
                        if let Some(checked) = remembered(id) {
                            return (checked, true);
                        }
                        let module = &program.modules[program.functions[id.index()].module as usize].path;
                        let mut errs = Vec::new();
                        let out = guarded(module, &mut errs, "checking a function", |_| match analysis::FnView::new(&program, id) {
                            Some(v) => rules::check_function(&v)
                                .iter()
                                .filter(|c| selected(&c.rule.info))
                                .map(|c| Finding::from_candidate(&v, c))
                                .collect(),
                            None => Vec::new(),
                        })
                        .unwrap_or_default();
                        ((out, errs), false)
                    })
                    .collect()
            },
            || tasks::Tasks::compute(&program, hosts),
        )
    });
    timer.lap("rules and tasks");
    let reused = checked.iter().filter(|c| c.1).count();
    let checked: Vec<keep::Checked> = checked.into_iter().map(|(c, _)| c).collect();
    let mut rules_lap = "findings".to_string();
    if let (Some(m), Some(keys)) = (memo, keys) {
        m.store(&program, &options.only, keys, &checked, reused);
        rules_lap = format!("findings ({reused} of {} functions' rules remembered)", checked.len());
    }
    let mut findings: Vec<Finding> = checked
        .into_iter()
        .flat_map(|(out, errs)| {
            errors.extend(errs);
            out
        })
        .collect();
    findings.sort_by(by_position);
    // fingerprints: rule, file, function, state and the occurrence among those, so unrelated
    // edits that move lines keep them
    let mut seen: rustc_hash::FxHashMap<u64, u32> = Default::default();
    for f in &mut findings {
        let path = discover::forward_slashes(&program.modules[f.module as usize].path);
        let base = finding::fnv64(&[f.rule.code, &path, &f.function, &f.state]);
        let n = seen.entry(base).or_insert(0);
        f.fingerprint = format!("{:016x}", finding::fnv64(&[&base.to_string(), &n.to_string()]));
        *n += 1;
    }
    // rule levels from the config: off, or another severity
    findings.retain_mut(|f| match options.config.rules.iter().find(|(c, _)| *c == f.rule.code) {
        Some((_, None)) => false,
        Some((_, Some(sev))) => {
            f.severity = *sev;
            true
        }
        None => true,
    });
    // which tasks race: a finding no second task reaches today is a latent note
    if !findings.is_empty() {
        pool.install(|| findings.par_iter_mut().for_each(|f| f.apply_tasks(&program, &tasks)));
    }
    let running = |code: &str| {
        RULES.iter().find(|r| r.info.code == code).is_some_and(|r| selected(&r.info))
            && !options.config.rules.iter().any(|(c, l)| *c == code && l.is_none())
    };
    let (mut findings, suppressed, directive_findings) = suppress::apply(&program, findings, running);
    findings.extend(directive_findings.into_iter().filter(|f| !options.config.rules.iter().any(|(c, l)| *c == f.rule.code && l.is_none())));
    let baseline = match &options.baseline {
        Some(path) => match baseline::Baseline::load(path) {
            Ok(b) => Some(b.apply(&mut findings)),
            Err(e) => {
                errors.push(FileError { at: e.at, ..FileError::new(path.clone(), None, e.message) });
                None
            }
        },
        None => None,
    };
    findings.sort_by(by_position);
    pool.install(|| suggest::attach(&program, &mut findings));
    errors.sort_by(|a, b| (&a.path, a.offset).cmp(&(&b.path, b.offset)));
    timer.lap(&rules_lap);
    Report {
        program,
        findings,
        errors,
        suppressed,
        baseline,
        fail_on: options.config.fail_on.map_or(Some(Severity::Warning), |f| f.threshold()),
        skipped: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn configured_merges_the_configs_excludes_after_and_its_host_models_before_the_given_ones() {
        let config = super::config::Config { exclude: vec!["dist".into()], host_models: vec!["host.toml".into()], ..Default::default() };
        let o = super::Options::configured(config, vec!["build".into()], vec!["cli.toml".into()]);
        assert_eq!(o.excludes, ["build", "dist"]);
        assert_eq!(o.host_models, [std::path::PathBuf::from("host.toml"), "cli.toml".into()]);
        assert_eq!(o.config.exclude, ["dist"]);
        assert!(o.paths.is_empty() && o.cache_dir.is_none());
    }
}
