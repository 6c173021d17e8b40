//! Helpers the integration tests share: run the binary (with a time limit where a hang must
//! fail the suite), read its output and JSON, write files.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `racelint` with `args` in `cwd`, without colour, its warm-run cache in the build's scratch
/// folder (never the developer's ~/.cache).
pub fn command(args: &[&str], cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_racelint"));
    let cache_home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("xdg-cache");
    c.args(args).current_dir(cwd).env("NO_COLOR", "1").env("XDG_CACHE_HOME", cache_home);
    c
}

/// Runs `racelint` in `cwd` without colour, optionally with a rayon thread count.
pub fn racelint_env(args: &[&str], cwd: &Path, threads: Option<&str>) -> Output {
    let mut c = command(args, cwd);
    if let Some(t) = threads {
        c.env("RAYON_NUM_THREADS", t);
    }
    c.output().expect("run racelint")
}

pub fn racelint(args: &[&str], cwd: &Path) -> Output {
    racelint_env(args, cwd, None)
}

/// Runs `c` and kills it (failing the test) if it has not finished after `limit`: a hang must
/// fail the suite, not stall it.
pub fn run_with(mut c: Command, limit: Duration) -> Output {
    let mut child = c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start racelint");
    // drain the pipes on other threads so a large output cannot block the child
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut v).unwrap();
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut v).unwrap();
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("racelint did not finish within {limit:?}: {c:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output { status, stdout: out_t.join().unwrap(), stderr: err_t.join().unwrap() }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); exit {:?}; stderr: {}; stdout: {}", o.status, stderr(o), stdout(o)))
}

/// Writes `text` to `dir/name`, creating folders.
pub fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// SillyTavern's npm package at `version` (its `package/` folder), fetched with `npm pack` into
/// the git-ignored `.cache/` on first use. Without npm or the registry: `None` with a notice,
/// or a failure with `RACELINT_REQUIRE_CORPUS=1` (as in `.ci/run`).
pub fn sillytavern(version: &str) -> Option<std::path::PathBuf> {
    let cache = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache");
    let dir = cache.join(format!("sillytavern-{version}"));
    let package = dir.join("package");
    if package.join("public/script.js").is_file() {
        return Some(package);
    }
    std::fs::create_dir_all(&dir).ok()?;
    let fetched = std::process::Command::new("npm")
        .args(["pack", &format!("sillytavern@{version}"), "--pack-destination"])
        .arg(&dir)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    let tarball = dir.join(format!("sillytavern-{version}.tgz"));
    let unpacked = fetched
        && std::process::Command::new("tar").arg("xzf").arg(&tarball).current_dir(&dir).status().map(|s| s.success()).unwrap_or(false);
    let _ = std::fs::remove_file(&tarball);
    if unpacked && package.join("public/script.js").is_file() {
        Some(package)
    } else {
        let msg = format!("could not fetch sillytavern@{version} with npm pack");
        if std::env::var_os("RACELINT_REQUIRE_CORPUS").is_some_and(|v| v == "1") {
            panic!("{msg}");
        }
        eprintln!("skipped: {msg} (set RACELINT_REQUIRE_CORPUS=1 to make this a failure)");
        None
    }
}
