//! Which files to lint: the paths given, directories walked with `.gitignore` respected
//! (the `ignore` crate, as ripgrep does it), `node_modules` and `.git` skipped, `--exclude`
//! globs applied with gitignore semantics.

use std::path::{Path, PathBuf};

use ignore::overrides::OverrideBuilder;
use ignore::WalkBuilder;

use crate::parse::syntax_for;

/// A problem with an input path (not a parse error).
#[derive(Debug, Clone)]
pub struct PathError {
    pub path: PathBuf,
    pub message: String,
}

/// The files to lint, sorted and deduplicated, and the paths that could not be walked.
pub fn discover(paths: &[PathBuf], excludes: &[String]) -> (Vec<PathBuf>, Vec<PathError>) {
    let walked = walk(paths, excludes);
    (walked.files, walked.errors)
}

/// What a walk found: the files to lint, the source maps beside them, the files named
/// explicitly (never skipped as generated), and the paths that could not be walked.
#[derive(Default)]
pub struct Walked {
    pub files: Vec<PathBuf>,
    pub maps: rustc_hash::FxHashSet<PathBuf>,
    pub named: rustc_hash::FxHashSet<PathBuf>,
    pub errors: Vec<PathError>,
}

/// Walks `paths` (see [`discover`]), also collecting `*.map` files and the files named.
pub fn walk(paths: &[PathBuf], excludes: &[String]) -> Walked {
    let mut files = Vec::new();
    let mut maps = rustc_hash::FxHashSet::default();
    let mut named = rustc_hash::FxHashSet::default();
    let explicit_excludes = {
        let mut b = globset::GlobSetBuilder::new();
        for g in excludes {
            if let Ok(glob) = globset::Glob::new(g) {
                b.add(glob);
            }
        }
        b.build().ok()
    };
    let excluded = |p: &Path| explicit_excludes.as_ref().is_some_and(|set| set.is_match(p) || set.is_match(clean(p)));
    let mut errors = Vec::new();
    for root in paths {
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                errors.push(PathError { path: root.clone(), message: io_message(&e) });
                continue;
            }
        };
        if meta.is_file() {
            if syntax_for(root).is_some() {
                if !excluded(root) {
                    files.push(clean(root));
                    named.insert(clean(root));
                }
            } else {
                errors.push(PathError {
                    path: root.clone(),
                    message: "not a JavaScript or TypeScript file (expected .js, .mjs, .cjs, .jsx, .ts, .mts, .cts, .tsx, .vue or .svelte)"
                        .into(),
                });
            }
            continue;
        }
        let mut overrides = OverrideBuilder::new(root);
        for glob in excludes {
            if let Err(e) = overrides.add(&format!("!{glob}")) {
                errors.push(PathError { path: PathBuf::from(glob), message: format!("invalid --exclude glob: {e}") });
            }
        }
        let overrides = match overrides.build() {
            Ok(o) => o,
            Err(e) => {
                errors.push(PathError { path: root.clone(), message: format!("invalid --exclude glob: {e}") });
                continue;
            }
        };
        let walker = WalkBuilder::new(root)
            .hidden(true)
            .git_ignore(true)
            .git_exclude(true)
            .git_global(false)
            .require_git(false)
            .parents(true)
            .overrides(overrides)
            .filter_entry(|e| !matches!(e.file_name().to_str(), Some("node_modules" | ".git")))
            .build();
        // one thread: the parallel walker's threads cost more than they save on a tree of a few
        // hundred files, and win about 1 ms on 10 000 (measured with bench/run.sh)
        for entry in walker {
            match entry {
                Ok(e) => {
                    if !e.file_type().is_some_and(|t| t.is_file()) {
                        continue;
                    }
                    if syntax_for(e.path()).is_some() && !minified(e.path()) {
                        files.push(clean(e.path()));
                    } else if e.path().extension().is_some_and(|x| x == "map") {
                        maps.insert(clean(e.path()));
                    }
                }
                Err(err) => errors.push(walk_error(root, err)),
            }
        }
    }
    sort_paths(&mut files);
    files.dedup();
    errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    Walked { files, maps, named, errors }
}

/// Sorts paths in `Path`'s order without its cost (comparing `Path`s parses both every time):
/// each path's components, once, as a kind byte (in `Component`'s order: prefix, root, `.`,
/// `..`, names), the name and a 0 byte, compare the same way, and spellings of one path
/// (`a//b`, `a/./b`) get one key.
pub fn sort_paths(paths: &mut [PathBuf]) {
    use std::path::Component;
    paths.sort_by_cached_key(|p| {
        let mut key = Vec::with_capacity(p.as_os_str().len() + 8);
        for c in p.components() {
            let (kind, name): (u8, &[u8]) = match c {
                Component::Prefix(x) => (1, x.as_os_str().as_encoded_bytes()),
                Component::RootDir => (2, b""),
                Component::CurDir => (3, b""),
                Component::ParentDir => (4, b""),
                Component::Normal(n) => (5, n.as_encoded_bytes()),
            };
            key.push(kind);
            key.extend_from_slice(name);
            key.push(0);
        }
        key
    });
}

/// `*.min.js` and friends: bundles nobody maintains by hand, skipped in directory walks (name
/// one explicitly to lint it).
fn minified(path: &Path) -> bool {
    path.file_stem().and_then(|s| s.to_str()).is_some_and(|s| s.ends_with(".min"))
}

/// `./a/b.js` → `a/b.js`.
pub fn clean(path: &Path) -> PathBuf {
    path.strip_prefix(".").unwrap_or(path).to_path_buf()
}

/// A path as racelint shows it (in every output format, fingerprints and skip reasons): with
/// forward slashes on every platform.
pub fn forward_slashes(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

fn walk_error(root: &Path, err: ignore::Error) -> PathError {
    let path = match &err {
        ignore::Error::WithPath { path, .. } => path.clone(),
        ignore::Error::WithDepth { err, .. } => match &**err {
            ignore::Error::WithPath { path, .. } => path.clone(),
            _ => root.to_path_buf(),
        },
        _ => root.to_path_buf(),
    };
    let message = match &err {
        ignore::Error::Loop { .. } => "symbolic link loop".to_string(),
        _ => {
            let s = err.to_string();
            // ignore prefixes the path; keep the reason
            s.rsplit(": ").next().unwrap_or(&s).to_string()
        }
    };
    PathError { path: clean(&path), message }
}

pub fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    #[test]
    fn paths_sort_as_path_does_and_spellings_of_one_path_meet() {
        let mut paths: Vec<PathBuf> =
            ["b/a.js", "a-b/c.js", "a/b.js", "a//b.js", "a/./b.js", "a.js", "../x.js", "-x.js"].iter().map(PathBuf::from).collect();
        let mut expected = paths.clone();
        expected.sort();
        super::sort_paths(&mut paths);
        assert_eq!(paths, expected);
        paths.dedup();
        assert_eq!(paths.iter().filter(|p| p.as_path() == std::path::Path::new("a/b.js")).count(), 1, "{paths:?}");
    }
}
