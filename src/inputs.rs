//! The paths of the command line as a user means them: a quoted glob (`'src/*.js'`, which no
//! shell expanded) is expanded, and a file named explicitly that an exclude drops is said, not
//! skipped in silence.

use std::path::{Path, PathBuf};

/// Whether a path as given is a glob pattern rather than a file name.
fn is_glob(path: &Path) -> bool {
    path.to_str().is_some_and(|s| s.contains(['*', '?', '[', '{']))
}

/// Expands the paths that do not exist and look like globs (`src/*.js`, `lib/**/*.ts`), with
/// the walk's rules (`.gitignore`, hidden files, `node_modules`, the excludes); `*` does not
/// cross `/`, `**` does. Other paths are kept as they are. A glob that matches nothing is an
/// error, as in ESLint.
pub fn expand_globs(paths: &[PathBuf], excludes: &[String]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::with_capacity(paths.len());
    for p in paths {
        if p.exists() || !is_glob(p) {
            out.push(p.clone());
            continue;
        }
        let text = p.to_string_lossy();
        let pattern = text.strip_prefix("./").unwrap_or(&text);
        let matcher = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("invalid glob `{text}`: {e}"))?
            .compile_matcher();
        // walk from the part before the first wildcard
        let base: PathBuf = Path::new(pattern).components().take_while(|c| !is_glob(Path::new(c.as_os_str()))).collect();
        let base = if base.as_os_str().is_empty() { PathBuf::from(".") } else { base };
        let (files, _) = crate::discover::discover(std::slice::from_ref(&base), excludes);
        let before = out.len();
        out.extend(files.into_iter().filter(|f| matcher.is_match(f)));
        if out.len() == before {
            return Err(format!("no JavaScript or TypeScript files match the glob `{text}`"));
        }
    }
    Ok(out)
}

/// The files named on the command line that are not among the linted ones: an exclude dropped
/// them.
pub fn excluded_explicit<'a>(paths: &'a [PathBuf], linted: &[&Path]) -> Vec<&'a PathBuf> {
    paths
        .iter()
        .filter(|p| p.is_file() && crate::parse::syntax_for(p).is_some())
        .filter(|p| {
            let clean = crate::discover::clean(p);
            !linted.contains(&clean.as_path())
        })
        .collect()
}
