//! The warm-run cache: unchanged files are not parsed again, an edited file is the only one
//! parsed, results are the same with and without it, concurrent runs and corrupt entries are
//! harmless, and `--no-cache` neither reads nor writes it.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;

fn run(dir: &Path, cache: &Path, extra: &[&str]) -> Output {
    let format: &[&str] = if extra.contains(&"--format") { &[] } else { &["--format", "json"] };
    Command::new(env!("CARGO_BIN_EXE_racelint"))
        .args(format)
        .arg("--cache-dir")
        .arg(cache)
        .args(extra)
        .current_dir(dir)
        .env("RACELINT_TIMINGS", "1")
        .output()
        .unwrap()
}

/// "parse N of M files" from the timing lines.
fn parsed(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr);
    let line = err.lines().find(|l| l.contains("read, parse")).unwrap_or_else(|| panic!("no timing line in {err}"));
    let rest = &line[line.find("parse ").unwrap() + 6..];
    rest.split(" files").next().unwrap().to_string()
}

fn cache_files(cache: &Path) -> usize {
    walk(cache)
}

fn walk(p: &Path) -> usize {
    std::fs::read_dir(p).map(|rd| rd.flatten().map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum()).unwrap_or(0)
}

const A: &str = "let busy = false;\nexport async function run(job) {\n    busy = true;\n    await job();\n    busy = false;\n}\n";
const B: &str = "import { run } from './a.js';\nexport async function twice(j) { await run(j); await run(j); }\n";
const C: &str = "export const settings = { a: 1 };\nexport function set(v) { settings.a = v; }\n";

#[test]
fn warm_runs_reuse_facts_and_only_edited_files_are_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", A);
    write(dir.path(), "b.js", B);
    write(dir.path(), "c.js", C);
    let cold = run(dir.path(), cache.path(), &[]);
    assert_eq!(parsed(&cold), "3 of 3");
    // nothing changed: the previous run's output, without analysing anything
    let again = run(dir.path(), cache.path(), &[]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("unchanged inputs"));
    assert!(cold.stdout == again.stdout && again.status.code() == cold.status.code());
    // another output format: every file's facts come from the cache
    let warm = run(dir.path(), cache.path(), &["--format", "sarif"]);
    assert_eq!(parsed(&warm), "0 of 3");
    let uncached_sarif = run(dir.path(), cache.path(), &["--format", "sarif", "--no-cache"]);
    assert!(warm.stdout == uncached_sarif.stdout, "same findings from the cache");
    write(dir.path(), "c.js", C.replace("v;", "v + 1;"));
    let edited = run(dir.path(), cache.path(), &[]);
    assert_eq!(parsed(&edited), "1 of 3", "only the edited file is parsed again");
    let uncached = run(dir.path(), cache.path(), &["--no-cache"]);
    assert_eq!(parsed(&uncached), "3 of 3");
    assert!(edited.stdout == uncached.stdout, "cached and uncached runs differ");
}

#[test]
fn no_cache_writes_nothing_and_corrupt_entries_are_misses() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", A);
    let out = Command::new(env!("CARGO_BIN_EXE_racelint"))
        .args(["--no-cache", "--format", "json"])
        .current_dir(dir.path())
        .env("XDG_CACHE_HOME", cache.path())
        .output()
        .unwrap();
    assert_eq!(json(&out)["summary"]["findings"], 1);
    assert_eq!(cache_files(cache.path()), 0, "--no-cache wrote to the cache");
    let first = run(dir.path(), cache.path(), &[]);
    assert!(cache_files(cache.path()) >= 1);
    // scribble over every entry
    fn scribble(p: &Path) {
        for e in std::fs::read_dir(p).unwrap().flatten() {
            if e.path().is_dir() {
                scribble(&e.path());
            } else {
                std::fs::write(e.path(), b"\xff\x00garbage").unwrap();
            }
        }
    }
    scribble(cache.path());
    let again = run(dir.path(), cache.path(), &[]);
    assert_eq!(parsed(&again), "1 of 1", "a corrupt entry is a miss");
    assert!(first.stdout == again.stdout, "a corrupt cache changed the output");
}

#[test]
fn concurrent_runs_share_the_cache_safely() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    for i in 0..60 {
        write(dir.path(), &format!("m{i}.js"), A.replace("busy", &format!("busy{i}")));
    }
    let reference = stdout(&run(dir.path(), tempfile::tempdir().unwrap().path(), &["--no-cache"]));
    assert!(reference.contains("\"findings\": 60"), "{}", &reference[..200.min(reference.len())]);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let d = dir.path().to_path_buf();
            let c = cache.path().to_path_buf();
            std::thread::spawn(move || stdout(&run(&d, &c, &[])))
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap() == reference, "a concurrent run gave different output");
    }
    assert_eq!(parsed(&run(dir.path(), cache.path(), &["--format", "github"])), "0 of 60");
}

#[test]
fn the_previous_output_is_reused_only_when_nothing_changed() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", A);
    let hit = |o: &Output| String::from_utf8_lossy(&o.stderr).contains("unchanged inputs");
    assert!(!hit(&run(dir.path(), cache.path(), &[])));
    assert!(hit(&run(dir.path(), cache.path(), &[])));
    // a config, an option, an output format or a new file each make it a miss
    write(dir.path(), "racelint.toml", "[rules]\nRC001 = 'warning'\n");
    let out = run(dir.path(), cache.path(), &[]);
    assert!(!hit(&out));
    assert_eq!(json(&out)["findings"][0]["severity"], "warning");
    assert!(hit(&run(dir.path(), cache.path(), &[])));
    assert!(!hit(&run(dir.path(), cache.path(), &["--rule", "RC002"])));
    assert!(!hit(&run(dir.path(), cache.path(), &["--format", "github"])));
    write(dir.path(), "b.js", A);
    let out = run(dir.path(), cache.path(), &[]);
    assert!(!hit(&out));
    assert_eq!(json(&out)["summary"]["findings"], 2);
}

/// Sets a file's or folder's modification time `days` ago.
fn age_by(path: &Path, days: u64) {
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(days * 24 * 3600);
    std::fs::File::open(path).unwrap().set_modified(then).unwrap();
}

fn build_dir(cache: &Path) -> std::path::PathBuf {
    std::fs::read_dir(cache).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir()).expect("a build folder")
}

#[test]
fn entries_unused_for_a_week_are_pruned_and_used_ones_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", A);
    write(dir.path(), "c.js", C);
    assert_eq!(parsed(&run(dir.path(), cache.path(), &[])), "2 of 2");
    let build = build_dir(cache.path());
    let entries: Vec<_> = std::fs::read_dir(&build).unwrap().flatten().map(|e| e.path()).collect();
    // an older racelint's folder, a stale entry of this build, a recent foreign folder
    let old_build = cache.path().join("0.0.1-0123456789abcdef");
    std::fs::create_dir_all(&old_build).unwrap();
    write(&old_build, "x.facts", "old");
    age_by(&old_build, 30);
    let recent_build = cache.path().join("0.0.2-0123456789abcdef");
    std::fs::create_dir_all(&recent_build).unwrap();
    // someone else's folder and file next to racelint's (a --cache-dir shared with other data)
    let foreign = cache.path().join("src");
    std::fs::create_dir_all(&foreign).unwrap();
    write(&foreign, "main.js", "old");
    age_by(&foreign, 30);
    let foreign_file = build.join("notes.txt");
    std::fs::write(&foreign_file, b"mine").unwrap();
    age_by(&foreign_file, 30);
    let stale = build.join("00000000deadbeef-10.facts");
    std::fs::write(&stale, b"stale").unwrap();
    age_by(&stale, 8);
    // every entry of the tree is old too, but the next run uses (and so refreshes) the facts
    for e in &entries {
        age_by(e, 8);
    }
    // not yet due: pruning ran a moment ago
    run(dir.path(), cache.path(), &["--format", "sarif"]);
    assert!(old_build.exists() && stale.exists(), "pruned twice in one day");
    age_by(&cache.path().join("last-prune"), 2);
    // facts are read (and refreshed) before this run's own pruning of the next day
    for e in &entries {
        age_by(e, 6);
    }
    let o = run(dir.path(), cache.path(), &["--format", "github"]);
    assert_eq!(parsed(&o), "0 of 2", "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!old_build.exists(), "a month-old build folder survived");
    assert!(!stale.exists(), "an entry unused for 8 days survived");
    assert!(recent_build.exists(), "a build folder used recently was deleted");
    assert!(foreign.join("main.js").exists() && foreign_file.exists(), "pruning touched what racelint did not write");
    let facts_left = std::fs::read_dir(&build).unwrap().flatten().filter(|e| e.path().extension().is_some_and(|x| x == "facts")).count();
    assert_eq!(facts_left, 2, "the tree's own entries were pruned");
    // and reading them marked them as used, so next week's pruning keeps them
    for e in entries.iter().filter(|e| e.extension().is_some_and(|x| x == "facts")) {
        let age = std::fs::metadata(e).unwrap().modified().unwrap().elapsed().unwrap_or_default();
        assert!(age < std::time::Duration::from_secs(3600), "{} not refreshed: {age:?} old", e.display());
    }
}
