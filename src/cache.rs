//! The warm-run cache: a file's facts (and parse errors) keyed by a hash of its contents, so an
//! unchanged file is never parsed twice and an edited one is the only one parsed again.
//!
//! Entries live under `<cache dir>/<build key>/`, where the build key covers racelint's version,
//! the binary itself (any rebuild invalidates) and the host models' hints (a config change that
//! alters what the builder records invalidates). Entries are written to a temporary file and
//! renamed into place, so concurrent runs never read half an entry; anything unreadable is a
//! miss. `--no-cache` turns it off; `--cache-dir DIR` moves it (default: `$XDG_CACHE_HOME/racelint`
//! or `~/.cache/racelint`).
//!
//! Pruning: at most once a day (a `last-prune` stamp), entries and other builds' folders unused
//! for [`KEEP_UNUSED`] are deleted; only names racelint writes (`<version>-<hash>` folders,
//! `*.facts`, `run-*.out`) are ever touched, whatever else the cache folder holds. A run answered
//! by the whole-run cache reads no per-file entry, so after a week of unchanged runs the first
//! edit parses every file again once. Using an entry refreshes its time (at most once a day, so
//! warm runs do not write), so what a tree still uses stays.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::build::HostHints;
use crate::facts::ModuleFacts;
use crate::finding::fnv64;
use crate::parse::SyntaxError;

pub struct Cache {
    dir: PathBuf,
}

/// The default cache location.
pub fn default_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(x).join("racelint");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(h).join(".cache").join("racelint");
    }
    std::env::temp_dir().join("racelint-cache")
}

fn build_key(hints: &HostHints) -> String {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok())
        .map(|m| format!("{}-{:?}", m.len(), m.modified().ok()))
        .unwrap_or_default();
    let mut names: Vec<&String> = hints.call_names.iter().chain(hints.state_paths.iter()).collect();
    names.sort();
    let names: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    format!("{}-{:016x}", env!("CARGO_PKG_VERSION"), fnv64(&[&exe, &names.join("\n")]))
}

/// Cache entries and other builds' folders unused for this long are deleted.
pub const KEEP_UNUSED: Duration = Duration::from_secs(7 * 24 * 3600);
/// Pruning runs at most this often, and a used entry's time is refreshed at most this often.
const DAY: Duration = Duration::from_secs(24 * 3600);

/// Time since `path` was last modified (zero when unknown: never prune what cannot be dated).
fn age(meta: &std::fs::Metadata) -> Duration {
    meta.modified().ok().and_then(|m| SystemTime::now().duration_since(m).ok()).unwrap_or_default()
}

/// Marks a file or folder as used now, when its time is more than a day old (opened for
/// writing only then: Windows needs write access to change a time).
fn refresh(file: &std::fs::File, path: &Path) {
    if file.metadata().is_ok_and(|m| age(&m) > DAY) && file.set_modified(SystemTime::now()).is_err() {
        let _ = std::fs::OpenOptions::new().write(true).open(path).and_then(|f| f.set_modified(SystemTime::now()));
    }
}

/// Whether a folder name is one of racelint's build keys (`0.1.0-0123456789abcdef`): only
/// those are pruned, whatever else `--cache-dir` holds.
fn is_build_key(name: &str) -> bool {
    let Some((version, hash)) = name.rsplit_once('-') else { return false };
    hash.len() == 16
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
        && !version.is_empty()
        && version.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'))
        && version.as_bytes()[0].is_ascii_digit()
}

/// Whether a file name is one racelint writes into a build folder.
fn is_entry(name: &str) -> bool {
    name.ends_with(".facts") || (name.starts_with("run-") && name.ends_with(".out")) || name.contains(".tmp")
}

/// Deletes what has not been used for [`KEEP_UNUSED`]: other builds' folders (older racelint
/// versions, rebuilt binaries), and entries and run outputs of the current build; abandoned
/// temporary files after an hour. Once a day at most; errors are ignored (another run may be
/// pruning too).
fn prune_if_due(base: &Path, current: &Path) {
    let stamp = base.join("last-prune");
    if std::fs::metadata(&stamp).is_ok_and(|m| age(&m) < DAY) {
        return;
    }
    if std::fs::write(&stamp, b"").is_err() {
        return;
    }
    let Ok(builds) = std::fs::read_dir(base) else { return };
    for e in builds.flatten() {
        let (path, Ok(meta)) = (e.path(), e.metadata()) else { continue };
        if meta.is_dir() && path != current && is_build_key(&e.file_name().to_string_lossy()) && age(&meta) > KEEP_UNUSED {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
    let Ok(entries) = std::fs::read_dir(current) else { return };
    for e in entries.flatten() {
        let Ok(meta) = e.metadata() else { continue };
        let name = e.file_name().to_string_lossy().into_owned();
        let temporary = name.contains(".tmp");
        if meta.is_file() && is_entry(&name) && (age(&meta) > KEEP_UNUSED || (temporary && age(&meta) > Duration::from_secs(3600))) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Reads a cache file, marking it as used.
fn read_entry(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes).ok()?;
    refresh(&f, path);
    Some(bytes)
}

impl Cache {
    pub fn open(base: &Path, hints: &HostHints) -> Option<Cache> {
        let dir = base.join(build_key(hints));
        std::fs::create_dir_all(&dir).ok()?;
        // this build's folder is in use even when no entry is added
        if let Ok(d) = std::fs::File::open(&dir) {
            refresh(&d, &dir);
        }
        prune_if_due(base, &dir);
        Some(Cache { dir })
    }

    /// The entry for a text parsed with the syntax of `path`'s extension: the same text is a
    /// different module as `.js` and as `.ts`.
    fn entry(&self, path: &Path, text: &str) -> PathBuf {
        let syntax = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        let h = fnv64(&[&syntax, text]);
        self.dir.join(format!("{h:016x}-{:x}.facts", text.len()))
    }

    pub fn get(&self, path: &Path, text: &str) -> Option<(ModuleFacts, Vec<SyntaxError>)> {
        let bytes = read_entry(&self.entry(path, text))?;
        postcard::from_bytes(&bytes).ok()
    }

    pub fn put(&self, path: &Path, text: &str, facts: &ModuleFacts, errors: &[SyntaxError]) {
        let Ok(bytes) = postcard::to_stdvec(&(facts, errors)) else { return };
        let target = self.entry(path, text);
        let tmp = target.with_extension(format!("tmp{}-{:?}", std::process::id(), std::thread::current().id()).replace(['(', ')'], ""));
        if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, &target).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

/// The whole-run cache: the output of a run whose inputs are all unchanged (every file's path
/// and contents, the options, the config, the host models and the baseline, the working
/// directory, the output format), so a re-run on an unchanged tree only reads and hashes files.
pub struct RunKey(u64);

impl RunKey {
    /// Reads the files `options` would lint and hashes them with `extra` (the output settings).
    /// `None` when the run cannot be cached (standard input, unreadable inputs are fine: their
    /// errors are part of the key).
    /// Also returns the walk and the files' contents, for the run to use on a miss instead of
    /// walking and reading them again.
    pub fn compute(options: &crate::Options, extra: &str) -> Option<(RunKey, crate::Prefetched)> {
        use rayon::prelude::*;
        if options.stdin.is_some() || !options.overrides.is_empty() {
            return None;
        }
        let walked = crate::discover::walk(&options.paths, &options.excludes);
        let crate::discover::Walked { files, maps, errors, .. } = &walked;
        // a source map decides whether its bundle is linted: the maps beside the files and the
        // ones a `sourceMappingURL` names are part of the key (by size and modification time)
        let stamp = |p: &std::path::Path| {
            let meta = std::fs::metadata(p).ok();
            let len = meta.as_ref().map_or(u64::MAX, |m| m.len());
            let modified = meta.and_then(|m| m.modified().ok());
            fnv64(&[p.to_string_lossy().as_bytes(), &len.to_le_bytes(), format!("{modified:?}").as_bytes()])
        };
        let read: Vec<(u64, Option<Vec<u8>>)> = files
            .par_iter()
            .map(|p| {
                let path = p.to_string_lossy();
                match std::fs::read(p) {
                    Ok(bytes) => {
                        let map = crate::generated::trailer_map(p, &bytes).map_or(0, |m| stamp(&m));
                        (fnv64(&[path.as_bytes(), &bytes, &map.to_le_bytes()]), Some(bytes))
                    }
                    Err(e) => (fnv64(&[path.as_bytes(), e.to_string().as_bytes()]), None),
                }
            })
            .collect();
        let mut maps: Vec<&Path> = maps.iter().map(PathBuf::as_path).collect();
        maps.sort();
        let hashes: Vec<u64> = read.iter().map(|(h, _)| *h).collect();
        let prefetched: rustc_hash::FxHashMap<PathBuf, Vec<u8>> =
            files.iter().zip(read).filter_map(|(p, (_, b))| b.map(|b| (p.clone(), b))).collect();
        let read = |p: &Option<PathBuf>| p.as_ref().and_then(|p| std::fs::read_to_string(p).ok()).unwrap_or_default();
        let mut parts: Vec<String> = vec![
            env!("CARGO_PKG_VERSION").to_string(),
            extra.to_string(),
            format!("{:?}", std::env::current_dir().ok()),
            format!("{:?}", options),
            read(&options.baseline),
            read(&options.config.path),
        ];
        parts.extend(options.host_models.iter().map(|p| std::fs::read_to_string(p).unwrap_or_default()));
        parts.extend(errors.iter().map(|e| format!("{}: {}", e.path.display(), e.message)));
        parts.extend(hashes.iter().map(|h| format!("{h:016x}")));
        parts.extend(maps.iter().map(|m| format!("{:016x}", stamp(m))));
        let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
        let prefetched = crate::Prefetched { walked: Some(std::sync::Arc::new(walked)), bytes: std::sync::Arc::new(prefetched) };
        Some((RunKey(fnv64(&refs)), prefetched))
    }
}

impl Cache {
    fn run_entry(&self, key: &RunKey) -> PathBuf {
        self.dir.join(format!("run-{:016x}.out", key.0))
    }

    /// A previous run's exit code and output.
    pub fn get_run(&self, key: &RunKey) -> Option<(u8, Vec<u8>)> {
        let bytes = read_entry(&self.run_entry(key))?;
        if bytes.len() < 9 {
            return None;
        }
        let (head, out) = bytes.split_at(9);
        let sum = u64::from_le_bytes(head[1..9].try_into().ok()?);
        // a damaged entry is a miss, never garbage on stdout
        (sum == fnv64(&[out]) && head[0] <= 2).then(|| (head[0], out.to_vec()))
    }

    pub fn put_run(&self, key: &RunKey, code: u8, out: &[u8]) {
        let target = self.run_entry(key);
        let tmp = target.with_extension(format!("tmp{}", std::process::id()));
        let mut head = [code; 9];
        head[1..].copy_from_slice(&fnv64(&[out]).to_le_bytes());
        let written = std::fs::File::create(&tmp).and_then(|mut f| {
            use std::io::Write;
            f.write_all(&head)?;
            f.write_all(out)
        });
        if written.is_err() || std::fs::rename(&tmp, &target).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_racelint_names_are_pruned() {
        assert!(super::is_build_key("0.1.0-0123456789abcdef"));
        assert!(super::is_build_key("1.2.3-rc.1-0123456789ABCDEF"));
        for other in ["src", "node_modules", "0.1.0", "0.1.0-xyz", "v0.1.0-0123456789abcdef", "-0123456789abcdef"] {
            assert!(!super::is_build_key(other), "{other}");
        }
        assert!(super::is_entry("00000000deadbeef-10.facts") && super::is_entry("run-0123.out") && super::is_entry("x.tmp123"));
        assert!(!super::is_entry("index.js") && !super::is_entry("README.md"));
    }
}
