//! "Never crash, never lose a finding": racelint on hostile input.
//!
//! Unreadable folders, symlink loops, files that vanish while racelint runs, a 5 MB one-line
//! bundle, 100 000-deep nesting, broken files next to good ones, and the same tree on 1, 2 and 8
//! threads or with its paths in another order. The binary is run where exit codes and signals
//! matter. At the end, a property test feeds generated programs and mutated fixtures through
//! `lint_source` and every renderer (`PROPTEST_CASES=N` changes the number of cases; `fuzz/`
//! has the coverage-guided cargo-fuzz target).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use proptest::prelude::*;

mod common;

use common::{json, root, run_with, stderr, stdout, write};

// ---------------------------------------------------------------------------------------------
// helpers (the shared ones are in tests/common)

/// racelint without a config and without backtraces, on rayon's default threads, its cache in
/// this suite's folder.
fn command(args: &[&str], cwd: &Path) -> Command {
    let mut c = common::command(&["--no-config"], cwd);
    c.args(args).env("RUST_BACKTRACE", "0").env_remove("RAYON_NUM_THREADS");
    // a warm-run cache, if racelint keeps one, goes to this suite's folder
    c.env("XDG_CACHE_HOME", cache_home());
    c
}

fn cache_home() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("robustness-cache")
}

/// The limit is generous (debug build, busy CI machine); nothing here asserts how fast
/// racelint is.
const LIMIT: Duration = Duration::from_secs(120);

fn racelint(args: &[&str], cwd: &Path) -> Output {
    run_with(command(args, cwd), LIMIT)
}

fn racelint_threads(args: &[&str], cwd: &Path, threads: &str) -> Output {
    let mut c = command(args, cwd);
    c.env("RAYON_NUM_THREADS", threads);
    run_with(c, LIMIT)
}

/// The exit code, failing when the process was killed by a signal (a crash, a stack overflow)
/// or exited with anything but racelint's 0, 1 or 2 (a panic exits 101).
fn code(o: &Output) -> i32 {
    match o.status.code() {
        Some(c @ 0..=2) => c,
        _ => panic!("racelint did not exit normally: {:?}\nstderr: {}", o.status, stderr(o)),
    }
}

/// Copies the JavaScript and TypeScript files under `from` into `to`, keeping the layout.
fn copy_sources(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_sources(&p, &to.join(e.file_name()));
        } else if is_source(&p) {
            std::fs::create_dir_all(to).unwrap();
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn is_source(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("js" | "mjs" | "cjs" | "jsx" | "ts" | "tsx" | "mts" | "cts"))
}

/// Every source file under `dir`, relative to it, `/`-separated, sorted.
fn sources(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else if is_source(&p) {
                out.push(racelint::forward_slashes(p.strip_prefix(base).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

const RACY: &str = "let busy = false;\nexport async function run(job) {\n    busy = true;\n    await job();\n    busy = false;\n}\n";

/// The example extension (six planted races in six files) as a realistic tree.
fn example_tree(dir: &Path) {
    copy_sources(&root().join("fixtures/example-extension"), dir);
}

fn findings(v: &serde_json::Value) -> &Vec<serde_json::Value> {
    v["findings"].as_array().expect("a findings array")
}

fn errors(v: &serde_json::Value) -> &Vec<serde_json::Value> {
    v["errors"].as_array().expect("an errors array")
}

fn finding_files(v: &serde_json::Value) -> BTreeSet<String> {
    findings(v).iter().map(|f| f["file"].as_str().unwrap().to_string()).collect()
}

fn error_files(v: &serde_json::Value) -> Vec<String> {
    errors(v).iter().map(|e| e["file"].as_str().unwrap().to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// unreadable directories

/// Runs racelint as `nobody` (for a root test process, where chmod does not deny reads), when
/// `setpriv` can drop the privileges here.
#[cfg(unix)]
fn racelint_as_nobody(args: &[&str], cwd: &Path) -> Option<Output> {
    let ok = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        return None;
    }
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_racelint"), "--no-config"])
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        // nobody cannot write there: an unusable cache must not matter either
        .env("XDG_CACHE_HOME", cache_home());
    Some(run_with(c, LIMIT))
}

#[cfg(unix)]
#[test]
fn an_unreadable_directory_is_an_error_and_the_other_files_are_still_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // `nobody` must be able to reach the tree when the test runs as root (below)
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    example_tree(&dir.path().join("ext"));
    let expected = json(&racelint(&["--format", "json", "ext"], dir.path()));
    assert_eq!(findings(&expected).len(), 6, "the example extension's six planted races");

    write(dir.path(), "ext/locked/hidden.js", RACY);
    let locked = dir.path().join("ext/locked");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    struct Unlock(PathBuf);
    impl Drop for Unlock {
        fn drop(&mut self) {
            // let the temporary directory be removed even when an assertion fails
            let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
        }
    }
    let _unlock = Unlock(locked.clone());

    let check = |out: &Output| {
        let v = json(out);
        assert_eq!(code(out), 2, "an unreadable folder is an input error: {}", stdout(out));
        let errs = errors(&v);
        assert!(
            errs.iter().any(|e| e["file"] == "ext/locked" && e["message"].as_str().unwrap().to_lowercase().contains("permission denied")),
            "the unreadable folder is named with the reason: {errs:?}"
        );
        assert_eq!(findings(&v), findings(&expected), "every other file is still analysed and reported");
    };

    if std::fs::read_dir(&locked).is_ok() {
        // Running as root: chmod 000 does not stop root from reading the folder, so racelint
        // (run as root) rightly reads it. Check the denial as an unprivileged user instead when
        // setpriv can drop privileges; otherwise this assertion cannot be made here and is
        // skipped, not faked.
        let out = racelint(&["--format", "json", "ext"], dir.path());
        assert!(matches!(code(&out), 1 | 2));
        assert!(finding_files(&json(&out)).contains("ext/locked/hidden.js"), "root reads a mode-000 folder");
        match racelint_as_nobody(&["--format", "json", "ext"], dir.path()) {
            Some(out) => {
                check(&out);
                let out = racelint_as_nobody(&["ext"], dir.path()).unwrap();
                assert_eq!(code(&out), 2);
                let text = stdout(&out).to_lowercase();
                assert!(text.contains("ext/locked") && text.contains("permission denied"), "{text}");
            }
            None => eprintln!("skipped: running as root without setpriv, chmod 000 cannot deny reads"),
        }
    } else {
        check(&racelint(&["--format", "json", "ext"], dir.path()));
        // the human format names it too
        let out = racelint(&["ext"], dir.path());
        assert_eq!(code(&out), 2);
        let text = stdout(&out).to_lowercase();
        assert!(text.contains("ext/locked") && text.contains("permission denied"), "{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// symlink loops

#[cfg(unix)]
#[test]
fn symlink_loops_neither_hang_nor_crash_and_the_other_files_are_reported() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    example_tree(&dir.path().join("ext"));
    let expected = json(&racelint(&["--format", "json", "ext"], dir.path()));
    symlink("b", dir.path().join("ext/a")).unwrap();
    symlink("a", dir.path().join("ext/b")).unwrap();
    symlink("b.js", dir.path().join("ext/a.js")).unwrap();
    symlink("a.js", dir.path().join("ext/b.js")).unwrap();
    std::fs::create_dir(dir.path().join("ext/sub")).unwrap();
    symlink("..", dir.path().join("ext/sub/up")).unwrap();
    symlink("../sub", dir.path().join("ext/sub/self")).unwrap();

    // the walk: links are not followed, so the loops are never entered and nothing is reported
    // twice
    let out = racelint(&["--format", "json", "ext"], dir.path());
    let v = json(&out);
    assert!(matches!(code(&out), 1 | 2), "{}", stderr(&out));
    assert_eq!(findings(&v), findings(&expected), "each real file reported once, the others intact");

    // named explicitly: a loop is an error naming it, the rest is still reported
    let out = racelint(&["--format", "json", "ext/a.js", "ext/a", "ext"], dir.path());
    let v = json(&out);
    assert_eq!(code(&out), 2);
    let errs = error_files(&v);
    assert!(errs.contains(&"ext/a.js".to_string()) && errs.contains(&"ext/a".to_string()), "{errs:?}");
    assert_eq!(findings(&v), findings(&expected));

    // a link to a parent folder named as the root: walked once, no endless descent
    let out = racelint(&["--format", "json", "ext/sub/up"], dir.path());
    let v = json(&out);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(findings(&v).len(), findings(&expected).len());
}

// ---------------------------------------------------------------------------------------------
// files that vanish

#[test]
fn a_missing_explicit_file_is_named_and_the_other_files_findings_are_intact() {
    let dir = tempfile::tempdir().unwrap();
    example_tree(dir.path());
    let files = sources(dir.path());
    let mut args: Vec<&str> = files.iter().map(String::as_str).collect();
    let expected = json(&racelint(&[&["--format", "json"], &args[..]].concat(), dir.path()));

    args.insert(2, "gone.js");
    let out = racelint(&[&["--format", "json"], &args[..]].concat(), dir.path());
    let v = json(&out);
    assert_eq!(code(&out), 2);
    assert_eq!(errors(&v).len(), 1, "{:?}", errors(&v));
    assert_eq!(errors(&v)[0]["file"], "gone.js");
    assert_eq!(errors(&v)[0]["message"], "no such file or directory");
    assert_eq!(findings(&v), findings(&expected));

    // the human format says which file and why
    let out = racelint(&args, dir.path());
    assert_eq!(code(&out), 2);
    let text = stdout(&out) + &stderr(&out);
    assert!(text.contains("gone.js") && text.contains("no such file or directory"), "{text}");
    assert_eq!(text.matches("racelint(").count(), 6, "the six findings are still shown: {text}");
}

#[test]
fn files_deleted_while_racelint_runs_never_crash_it_or_lose_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let (kept, victims) = (200, 2000);
    for i in 0..kept {
        write(dir.path(), &format!("kept/k{i:04}.js"), RACY);
    }
    for i in 0..victims {
        write(dir.path(), &format!("victims/v{i:04}.js"), RACY);
    }
    for round in 0..3 {
        // delete the victims from another thread while racelint lists and reads them; each round
        // starts the deletion a little later
        let mut c = command(&["--format", "json", "."], dir.path());
        let victims_dir = dir.path().join("victims");
        let deleter = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5 * round));
            let mut names: Vec<PathBuf> = std::fs::read_dir(&victims_dir).unwrap().map(|e| e.unwrap().path()).collect();
            names.sort();
            for p in names {
                let _ = std::fs::remove_file(p);
            }
        });
        c.stdout(Stdio::piped());
        let out = run_with(c, LIMIT);
        deleter.join().unwrap();
        let v = json(&out);
        let errs = errors(&v);
        assert_eq!(code(&out), if errs.is_empty() { 1 } else { 2 }, "exit 2 exactly when a read failed");
        for e in errs {
            assert!(e["file"].as_str().unwrap().starts_with("victims/"), "only deleted files fail: {e}");
            assert!(e["message"].as_str().unwrap().contains("no such file or directory"), "{e}");
        }
        let kept_found = finding_files(&v).iter().filter(|f| f.starts_with("kept/")).count();
        assert_eq!(kept_found, kept, "every file that stayed is reported");
        // restore the victims for the next round
        for i in 0..victims {
            write(dir.path(), &format!("victims/v{i:04}.js"), RACY);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// a huge one-line bundle

/// 5 MB of `var aN=1,bN=function(){return aN+1};` on one line, then a real race on the same
/// line. Returns the text and the 1-based column (UTF-16 units; all ASCII here) of `busy=true`.
fn bundle() -> (String, usize) {
    let mut s = String::with_capacity(5 * 1024 * 1024 + 200);
    let mut n = 0;
    while s.len() < 5 * 1024 * 1024 {
        s.push_str(&format!("var a{n}=1,b{n}=function(){{return a{n}+1}};"));
        n += 1;
    }
    s.push_str("let busy=false;export async function run(job){");
    let column = s.len() + 1;
    s.push_str("busy=true;await job();busy=false}");
    (s, column)
}

#[test]
fn a_5_mb_single_line_bundle_named_explicitly_is_parsed_and_its_race_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (text, column) = bundle();
    assert!(!text.contains('\n'));
    write(dir.path(), "vendor.min.js", &text);
    let out = racelint(&["--format", "json", "vendor.min.js"], dir.path());
    let v = json(&out);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(errors(&v).is_empty(), "{:?}", errors(&v));
    let f = findings(&v);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["rule"], "RC001");
    assert_eq!(f[0]["state"], "busy");
    assert_eq!(f[0]["function"], "run");
    assert_eq!((f[0]["line"].as_u64(), f[0]["column"].as_u64()), (Some(1), Some(column as u64)));
}

#[test]
fn a_5_mb_single_line_bundle_renders_in_the_human_format() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "vendor.min.js", bundle().0);
    let out = racelint(&["vendor.min.js"], dir.path());
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stdout(&out).contains("racelint(override-across-await)"));
}

#[test]
fn a_parse_error_far_along_a_long_line_renders_in_the_human_format() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "long.js", format!("var pad = \"{}\"; let = ;\n", "x".repeat(70_000)));
    let out = racelint(&["long.js"], dir.path());
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stdout(&out).contains("long.js"));
}

// ---------------------------------------------------------------------------------------------
// absurd nesting

/// 100 000-deep nesting of each kind, one file each; `sep` goes after every opening (a newline
/// keeps the columns small, as formatted code has them).
fn deep_cases(sep: &str) -> Vec<(&'static str, String)> {
    const D: usize = 100_000;
    let open = |s: &str| format!("{s}{sep}").repeat(D);
    vec![
        ("parens.js", format!("x = {}1{};\n", open("("), ")".repeat(D))),
        ("arrays.js", format!("x = {}1{};\n", open("["), "]".repeat(D))),
        ("arrows.js", format!("export const f = {}1;\n", open("() =>"))),
        ("async_arrows.js", format!("let s = 0;\nexport const f = {}s = await s;\n", open("async () =>"))),
        ("ifs.js", format!("let s = 0;\nexport async function f(a) {{\n{}s = 1; await a; s = 2;{}\n}}\n", open("if (a) {"), "}".repeat(D))),
        ("objects.js", format!("export const o = {}1{};\n", open("{a:"), "}".repeat(D))),
        ("unclosed.js", open("(") + &open("[{")),
    ]
}

#[test]
fn hundred_thousand_deep_nesting_exits_normally_with_valid_json() {
    let dir = tempfile::tempdir().unwrap();
    let cases = deep_cases("");
    for (name, text) in &cases {
        write(dir.path(), name, text);
    }
    for (name, _) in &cases {
        // one process per file: a crash in one must not hide the others
        let out = racelint(&["--format", "json", name], dir.path());
        code(&out);
        let v = json(&out);
        assert!(v["summary"]["files"].is_u64() && v["findings"].is_array() && v["errors"].is_array(), "{name}: {v}");
    }
    // all together
    let names: Vec<&str> = cases.iter().map(|(n, _)| *n).collect();
    let out = racelint(&[&["--format", "json"], &names[..]].concat(), dir.path());
    code(&out);
    json(&out);
}

#[test]
fn hundred_thousand_deep_nesting_on_many_lines_renders_in_the_human_format() {
    let dir = tempfile::tempdir().unwrap();
    let cases = deep_cases("\n");
    for (name, text) in &cases {
        write(dir.path(), name, text);
    }
    let names: Vec<&str> = cases.iter().map(|(n, _)| *n).collect();
    let out = racelint(&names, dir.path());
    code(&out);
    assert!(stdout(&out).contains("racelint: "), "the summary line: {}", stdout(&out));
    let out = racelint(&[&["--format", "json"], &names[..]].concat(), dir.path());
    code(&out);
    json(&out);
}

#[test]
fn hundred_thousand_deep_nesting_on_one_line_renders_in_the_human_format() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in deep_cases("") {
        write(dir.path(), name, text);
        let out = racelint(&[name], dir.path());
        code(&out);
        assert!(stdout(&out).contains("racelint: "), "{name}: {}", stdout(&out));
    }
}

// ---------------------------------------------------------------------------------------------
// no lost findings under partial failure

#[test]
fn a_broken_file_does_not_change_the_other_files_findings() {
    let dir = tempfile::tempdir().unwrap();
    // the example extension and the cross-module one (barrels, dynamic imports, host model):
    // findings that depend on other files
    example_tree(&dir.path().join("a"));
    copy_sources(&root().join("fixtures/cross-module"), &dir.path().join("b"));
    let expected = json(&racelint(&["--format", "json", "."], dir.path()));
    assert!(findings(&expected).len() >= 9, "{}", findings(&expected).len());
    assert!(errors(&expected).is_empty());

    let broken: [(&str, &[u8]); 5] = [
        ("syntax error", b"export async function f( {\n  await x;\n"),
        ("unterminated template", b"let s = `${\n"),
        ("not UTF-8", b"let s = '\xff\xfe';\n"),
        ("binary", b"\x7fELF\x00\x00\x01\x02"),
        ("empty", b""),
    ];
    for (what, bytes) in broken {
        // in the middle of the sorted order, and next to the files it could disturb
        for name in ["a/m_broken.js", "b/auto-summarize/0broken.js", "zz.js"] {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            let out = racelint(&["--format", "json", "."], dir.path());
            let v = json(&out);
            if what == "empty" {
                assert_eq!(code(&out), 1);
            } else {
                assert_eq!(code(&out), 2, "{what}");
                let files: BTreeSet<String> = error_files(&v).into_iter().collect();
                assert_eq!(files, BTreeSet::from([name.to_string()]), "{what}: only the broken file has errors");
            }
            assert_eq!(findings(&v), findings(&expected), "{what} in {name}: the other files' findings are unchanged");
            std::fs::remove_file(&p).unwrap();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// determinism

/// Every fixture (rules, example extension, cross-module, syntax) plus a broken and a non-UTF-8
/// file, so errors are ordered too.
fn determinism_tree(dir: &Path) {
    copy_sources(&root().join("fixtures"), dir);
    write(dir, "rules/broken.js", "export async function f( {\n");
    write(dir, "example-extension/latin1.js", b"let s = '\xe9';\n");
}

#[test]
fn output_is_byte_identical_across_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    determinism_tree(dir.path());
    for format in ["json", "human"] {
        let runs: Vec<(String, Output)> =
            ["1", "2", "8"].iter().map(|t| (t.to_string(), racelint_threads(&["--format", format, "."], dir.path(), t))).collect();
        let (_, first) = &runs[0];
        assert_eq!(code(first), 2);
        assert!(first.stdout.len() > 10_000, "a real report: {}", stdout(first));
        for (t, out) in &runs[1..] {
            assert_eq!(out.status.code(), first.status.code());
            assert!(out.stdout == first.stdout, "{format} output differs between RAYON_NUM_THREADS=1 and ={t}");
        }
    }
}

#[test]
fn output_does_not_depend_on_the_order_of_the_paths() {
    let dir = tempfile::tempdir().unwrap();
    determinism_tree(dir.path());
    let files = sources(dir.path());
    let sorted: Vec<&str> = files.iter().map(String::as_str).collect();
    let reversed: Vec<&str> = sorted.iter().rev().copied().collect();
    // a fixed shuffle: odd positions first, then even
    let shuffled: Vec<&str> = sorted.iter().skip(1).step_by(2).chain(sorted.iter().step_by(2)).copied().collect();
    // the same files as folders and files mixed, some twice, some through `./`
    let dotted: Vec<String> = sorted.iter().map(|f| format!("./{f}")).collect();
    let mut mixed: Vec<&str> = vec!["rules", "example-extension"];
    mixed.extend(dotted.iter().map(String::as_str).rev());
    mixed.extend(sorted.iter().take(5).copied());
    for format in ["json", "human"] {
        let run = |paths: &[&str]| racelint(&[&["--format", format], paths].concat(), dir.path());
        let first = run(&sorted);
        assert_eq!(code(&first), 2);
        for (what, paths) in [("reversed", &reversed), ("shuffled", &shuffled), ("mixed", &mixed)] {
            let out = run(paths);
            assert_eq!(out.status.code(), first.status.code(), "{what}");
            assert!(out.stdout == first.stdout, "{format} output differs when the paths are {what}");
        }
        // and naming the folder gives the same as naming every file in it
        let out = run(&["."]);
        assert!(out.stdout == first.stdout, "{format}: `.` differs from the file list");
    }
}

/// All files under `dir`, recursively.
fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(all_files(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_warm_corrupted_or_unusable_cache_never_changes_the_output() {
    let dir = tempfile::tempdir().unwrap();
    determinism_tree(dir.path());
    let cache = tempfile::tempdir().unwrap();
    let run = |format: &str, cache_home: &Path| {
        let mut c = command(&["--format", format, "."], dir.path());
        c.env("XDG_CACHE_HOME", cache_home);
        run_with(c, LIMIT)
    };
    let cold: Vec<Output> = ["json", "human"].iter().map(|f| run(f, cache.path())).collect();
    assert_eq!(code(&cold[0]), 2);
    let same = |what: &str, cache_home: &Path| {
        for (format, first) in ["json", "human"].iter().zip(&cold) {
            let out = run(format, cache_home);
            assert_eq!(out.status.code(), first.status.code(), "{what}");
            assert!(out.stdout == first.stdout, "{format} output differs with a {what} cache:\n{}", stdout(&out));
        }
    };
    same("warm", cache.path());
    // every entry damaged a different way: truncated, emptied, garbage, bits flipped
    let entries = all_files(cache.path());
    if entries.is_empty() {
        eprintln!("racelint wrote no cache under XDG_CACHE_HOME: nothing to corrupt");
    }
    for (i, p) in entries.iter().enumerate() {
        let mut bytes = std::fs::read(p).unwrap();
        match i % 4 {
            0 => bytes.truncate(bytes.len() / 2),
            1 => bytes.clear(),
            2 => bytes = b"\xff\x00garbage{[(".repeat(7),
            _ => bytes.iter_mut().step_by(3).for_each(|b| *b ^= 0x5a),
        }
        std::fs::write(p, bytes).unwrap();
    }
    same("corrupted", cache.path());
    // the cache home is a regular file: no cache can be created
    let file = cache.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    same("impossible", &file);
}

#[test]
fn the_same_text_under_two_syntaxes_keeps_each_files_errors() {
    let dir = tempfile::tempdir().unwrap();
    let text = "let busy: boolean = false;\nexport async function run(job) {\n    busy = true;\n    await job();\n    busy = false;\n}\n";
    write(dir.path(), "typed.ts", text);
    write(dir.path(), "plain.js", text);
    let cache = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let mut c = command(&[&["--format", "json"], args].concat(), dir.path());
        c.env("XDG_CACHE_HOME", cache.path());
        run_with(c, LIMIT)
    };
    // a type annotation is a syntax error in a .js file, cold or warm, alone or with the .ts file
    for args in [&["plain.js"][..], &["typed.ts"], &["plain.js"], &["typed.ts", "plain.js"]] {
        let out = run(args);
        let v = json(&out);
        if args.contains(&"plain.js") {
            assert_eq!(code(&out), 2, "{args:?}: {v}");
            assert!(error_files(&v).contains(&"plain.js".to_string()), "{args:?}: {v}");
        }
        assert!(!error_files(&v).contains(&"typed.ts".to_string()), "{args:?}: {v}");
    }
}

// ---------------------------------------------------------------------------------------------
// property test: generated programs and mutated fixtures through every output

/// Lints `text` as `name` and renders it every way; panics (the property fails) when anything
/// panics, when the JSON does not parse or does not hold the report, or when racelint caught a
/// panic of its own and turned it into an "internal error".
fn lint_and_render(name: &str, text: &str) {
    let report = racelint::lint_source(name, text, &racelint::Options::default());
    let out = racelint::render::json::render(&report);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("JSON does not parse ({e}):\n{out}"));
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(report.findings.len()));
    let human = racelint::render::human::render(&report, racelint::render::human::Style { color: false, width: 80 });
    assert!(!human.is_empty());
    for e in &report.errors {
        assert!(!e.message.contains("internal error"), "racelint caught a panic: {}\n--- input ---\n{text}", e.message);
    }
    for e in report.errors.iter().filter_map(|e| e.offset) {
        assert!(e as usize <= text.len(), "error offset {e} past the end of the text ({})", text.len());
    }
}

fn ident() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["s", "n", "flag", "cache", "settings", "queue", "window.busy", "Cls.y", "p", "local"]).prop_map(String::from)
}

fn place() -> impl Strategy<Value = String> {
    prop_oneof![
        ident(),
        ident().prop_map(|i| format!("{i}.field")),
        ident().prop_map(|i| format!("{i}[key]")),
        ident().prop_map(|i| format!("{i}.a.b")),
    ]
}

fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        place(),
        Just("1".to_string()),
        Just("null".to_string()),
        Just("'str'".to_string()),
        Just("`t${s}`".to_string()),
        (0..4u8).prop_map(|i| format!("f{i}()")),
        (0..4u8).prop_map(|i| format!("await f{i}(s)")),
        Just("await fetchIt()".to_string()),
        Just("await import('./other.js')".to_string()),
        Just("getContext().chatMetadata".to_string()),
    ];
    leaf.prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            inner.clone().prop_map(|a| format!("await {a}")),
            inner.clone().prop_map(|a| format!("!{a}")),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(a, b, c)| format!("({a} ? {b} : {c})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} ?? {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{{ a: {a}, ...{b} }}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("[{a}, ...{b}]")),
            inner.clone().prop_map(|a| format!("fetchIt().then(async v => ({a}))")),
            inner.clone().prop_map(|a| format!("fetchIt().then(async v => {{ s = {a}; }}).finally(() => {{ flag = false; }})")),
            inner.clone().prop_map(|a| format!("(async () => ({a}))()")),
            (0..4u8, inner).prop_map(|(i, a)| format!("f{i}({a})")),
        ]
    })
}

fn stmt() -> impl Strategy<Value = String> {
    let simple = prop_oneof![
        (place(), expr()).prop_map(|(p, e)| format!("{p} = {e};")),
        (place(), prop::sample::select(vec!["+=", "-=", "||=", "??="]), expr()).prop_map(|(p, o, e)| format!("{p} {o} {e};")),
        place().prop_map(|p| format!("{p}++;")),
        ident().prop_map(|i| format!("delete {i}.field;")),
        expr().prop_map(|e| format!("{e};")),
        expr().prop_map(|e| format!("const local = {e};")),
        expr().prop_map(|e| format!("let {{ a, b: [c] }} = {e};")),
        expr().prop_map(|e| format!("queue.push({e});")),
        expr().prop_map(|e| format!("cache.set(key, {e});")),
        expr().prop_map(|e| format!("Object.assign(settings, {e});")),
        expr().prop_map(|e| format!("return {e};")),
        Just("await executeSlashCommandsWithOptions('/profile x');".to_string()),
        Just("throw new Error('x');".to_string()),
        Just("// racelint-ignore-next-line RC001: fuzz".to_string()),
    ];
    simple.prop_recursive(3, 24, 4, |inner| {
        let block = prop::collection::vec(inner, 0..4).prop_map(|v| v.join("\n"));
        prop_oneof![
            (expr(), block.clone(), block.clone()).prop_map(|(c, a, b)| format!("if ({c}) {{\n{a}\n}} else {{\n{b}\n}}")),
            (expr(), block.clone()).prop_map(|(c, a)| format!("while ({c}) {{\n{a}\nif (flag) break; else continue;\n}}")),
            (expr(), block.clone()).prop_map(|(c, a)| format!("do {{\n{a}\n}} while ({c});")),
            block.clone().prop_map(|a| format!("for (let i = 0; i < n; i++) {{\n{a}\n}}")),
            block.clone().prop_map(|a| format!("for (const k of queue) {{\n{a}\n}}")),
            block.clone().prop_map(|a| format!("for await (const k of stream()) {{\n{a}\n}}")),
            (block.clone(), block.clone()).prop_map(|(a, b)| format!("try {{\n{a}\n}} finally {{\n{b}\n}}")),
            (block.clone(), block.clone(), block.clone())
                .prop_map(|(a, b, c)| format!("try {{\n{a}\n}} catch (e) {{\n{b}\n}} finally {{\n{c}\n}}")),
            (expr(), block.clone()).prop_map(|(c, a)| format!("switch ({c}) {{ case 1: {a} break; default: {a} }}")),
            block.clone().prop_map(|a| format!("{{\n{a}\n}}")),
            block.prop_map(|a| format!("items.forEach(async (it) => {{\n{a}\n}});")),
        ]
    })
}

/// A function named `f{i}` (the placeholder is filled in by `program`, so names stay unique).
fn function() -> impl Strategy<Value = String> {
    let head = prop::sample::select(vec![
        "async function f{i}(p, key)",
        "export async function f{i}(p, key)",
        "export default async function f{i}(p, key)",
        "async function* f{i}(p, key)",
        "export const f{i} = async (p, key) =>",
        "class C{i} { static async f(p, key)",
    ]);
    (head, prop::collection::vec(stmt(), 0..6)).prop_map(|(h, body)| {
        let close = if h.starts_with("class") { "}\n}" } else { "}" };
        format!("{h} {{\n{}\n{close}", body.join("\n"))
    })
}

fn program() -> impl Strategy<Value = String> {
    let prelude = prop::collection::vec(
        prop::sample::select(vec![
            "import { other, fetchIt } from './other.js';",
            "import * as ns from './barrel.js';",
            "import def from '../../../script.js';",
            "import { getContext, executeSlashCommandsWithOptions } from '../../../../script.js';",
            "export * from './other.js';",
            "export { s as renamed };",
            "let s = 0, n = 0, flag = false, key;",
            "export const cache = new Map(), settings = { a: { b: 1 } }, queue = [];",
            "var items = [];",
            "class Cls { static #x = 0; static y; static async bump() { Cls.#x++; await 0; Cls.#x--; } }",
            "window.busy = false;",
            "const local = await fetchIt();",
            "// racelint-ignore-file RC005: fuzz",
            "// racelint-ignore-next-line RC999",
        ]),
        0..8,
    );
    (prelude, prop::collection::vec(function(), 1..5)).prop_map(|(p, f)| {
        let f: Vec<String> = f.iter().enumerate().map(|(i, f)| f.replacen("{i}", &i.to_string(), 1)).collect();
        format!("{}\n{}\n", p.join("\n"), f.join("\n\n"))
    })
}

fn fixture_texts() -> &'static [(String, Vec<u8>)] {
    static TEXTS: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
    TEXTS.get_or_init(|| {
        let base = root().join("fixtures");
        sources(&base).into_iter().map(|f| (f.clone(), std::fs::read(base.join(&f)).unwrap())).collect()
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(prop::sample::Index, u8),
    Truncate(prop::sample::Index),
    Duplicate(prop::sample::Index, usize, prop::sample::Index),
    Delete(prop::sample::Index, usize),
    Insert(prop::sample::Index, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let idx = any::<prop::sample::Index>;
    prop_oneof![
        (idx(), 1..=255u8).prop_map(|(i, m)| Mutation::Flip(i, m)),
        idx().prop_map(Mutation::Truncate),
        (idx(), 1..200usize, idx()).prop_map(|(i, n, at)| Mutation::Duplicate(i, n, at)),
        (idx(), 1..50usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (
            idx(),
            prop::sample::select(vec![
                "await ", "{", "(", "[", "}", ")", "async ", "=>", "`", "${", "/*", "'", "\"", "\n", "yield ", "#", "\u{FEFF}", "\u{2028}",
                "é", "😀", "\0", "<div>", "as any", "</", "\\u{"
            ])
        )
            .prop_map(|(i, s)| Mutation::Insert(i, s)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len();
        match m {
            Mutation::Flip(i, mask) if len > 0 => bytes[i.index(len)] ^= mask,
            Mutation::Truncate(i) if len > 0 => bytes.truncate(i.index(len)),
            Mutation::Duplicate(i, n, at) if len > 0 => {
                let start = i.index(len);
                let slice = bytes[start..(start + n).min(len)].to_vec();
                let at = at.index(len + 1);
                bytes.splice(at..at, slice);
            }
            Mutation::Delete(i, n) if len > 0 => {
                let start = i.index(len);
                bytes.drain(start..(start + n).min(len));
            }
            Mutation::Insert(i, s) => {
                let at = i.index(len + 1);
                bytes.splice(at..at, s.bytes());
            }
            _ => {}
        }
    }
    bytes
}

fn file_name() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["gen.js", "gen.mjs", "gen.cjs", "gen.jsx", "gen.ts", "gen.tsx", "gen.mts"])
}

proptest! {
    // PROPTEST_CASES overrides the count (proptest reads it); 256 keeps each property to a few
    // seconds in a debug build
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn generated_programs_never_panic_and_render(name in file_name(), text in program()) {
        lint_and_render(name, &text);
    }

    #[test]
    fn mutated_fixtures_never_panic_and_render(
        pick in any::<prop::sample::Index>(),
        name in file_name(),
        keep_name in any::<bool>(),
        mutations in prop::collection::vec(mutation(), 1..10),
    ) {
        let all = fixture_texts();
        let (path, bytes) = &all[pick.index(all.len())];
        let text = String::from_utf8_lossy(&mutate(bytes.clone(), &mutations)).into_owned();
        // keep the fixture's own extension half the time (TypeScript stays TypeScript)
        let name = if keep_name { path.as_str() } else { name };
        lint_and_render(name, &text);
    }
}

/// 256 cases unless `PROPTEST_CASES` says otherwise.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256)
}
