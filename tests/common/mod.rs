//! Helpers the integration tests share: run the binary, read its JSON, write files.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `racelint` in `cwd` without colour, optionally with a rayon thread count.
pub fn racelint_env(args: &[&str], cwd: &Path, threads: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_racelint"));
    // the warm-run cache goes to the build's scratch folder, never the developer's ~/.cache
    let cache_home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("xdg-cache");
    c.args(args).current_dir(cwd).env("NO_COLOR", "1").env("XDG_CACHE_HOME", cache_home);
    if let Some(t) = threads {
        c.env("RAYON_NUM_THREADS", t);
    }
    c.output().expect("run racelint")
}

pub fn racelint(args: &[&str], cwd: &Path) -> Output {
    racelint_env(args, cwd, None)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

/// Writes `text` to `dir/name`, creating folders.
pub fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}
