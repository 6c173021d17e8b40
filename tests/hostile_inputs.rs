//! Hostile inputs a repository can hold: unreadable folders, symlink loops, files that vanish,
//! huge single-line bundles, absurd nesting. racelint must report, never crash, never hang, and
//! never lose the findings of the other files; its output must not depend on thread count or
//! the order paths are given in.

mod common;

use common::*;

use std::path::Path;
use std::process::Output;

const RACY: &str = "let busy = false;\nexport async function run(job) {\n    busy = true;\n    await job();\n    busy = false;\n}\n";

fn finding_files(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}:{}:{}", f["file"].as_str().unwrap(), f["rule"].as_str().unwrap(), f["line"]))
        .collect()
}

/// A process that ended by a signal (a crash or a stack overflow) has no exit code.
fn exited_normally(o: &Output) -> bool {
    matches!(o.status.code(), Some(0..=2))
}

#[cfg(unix)]
#[test]
fn an_unreadable_directory_is_an_error_and_the_rest_is_analysed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok/a.js", RACY);
    write(dir.path(), "locked/b.js", RACY);
    let locked = dir.path().join("locked");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let out = racelint(&["--format", "json"], dir.path());
    let readable_anyway = std::fs::read_dir(&locked).is_ok(); // root reads it regardless
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    let v = json(&out);
    assert!(finding_files(&v).contains(&"ok/a.js:RC001:3".to_string()), "{v}");
    if readable_anyway {
        // running as root: permissions do not deny reads, so there is nothing to report
        assert_eq!(out.status.code(), Some(1));
    } else {
        assert_eq!(out.status.code(), Some(2));
        assert!(v["errors"].as_array().unwrap().iter().any(|e| e["file"].as_str().unwrap().contains("locked")), "{v}");
    }
}

#[cfg(unix)]
#[test]
fn symlink_loops_do_not_hang_or_crash() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/a.js", RACY);
    std::os::unix::fs::symlink(dir.path().join("src"), dir.path().join("src/loop")).unwrap();
    std::os::unix::fs::symlink("b.js", dir.path().join("src/c.js")).unwrap();
    std::os::unix::fs::symlink("c.js", dir.path().join("src/b.js")).unwrap();
    let out = racelint(&["--format", "json"], dir.path());
    assert!(exited_normally(&out));
    assert_eq!(finding_files(&json(&out)), vec!["src/a.js:RC001:3"]);
}

#[test]
fn a_file_that_is_gone_is_named_and_the_others_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", RACY);
    write(dir.path(), "c.js", RACY);
    let out = racelint(&["--format", "json", "a.js", "b.js", "c.js"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let v = json(&out);
    assert_eq!(v["errors"][0]["file"], "b.js");
    assert_eq!(v["errors"][0]["message"], "no such file or directory");
    assert_eq!(finding_files(&v), vec!["a.js:RC001:3", "c.js:RC001:3"]);
}

#[test]
fn files_deleted_while_racelint_runs_never_crash_it() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..400 {
        write(dir.path(), &format!("m{i}.js"), RACY);
    }
    let root = dir.path().to_path_buf();
    let deleter = std::thread::spawn(move || {
        for i in (0..400).step_by(3) {
            let _ = std::fs::remove_file(root.join(format!("m{i}.js")));
        }
    });
    let out = racelint(&["--format", "json"], dir.path());
    deleter.join().unwrap();
    assert!(exited_normally(&out), "{:?}", out.status);
    let v = json(&out);
    // every file is either analysed (one finding) or reported as gone
    let files = v["summary"]["files"].as_u64().unwrap();
    let errors = v["errors"].as_array().unwrap();
    assert!(errors.iter().all(|e| e["message"].as_str().unwrap().contains("no such file")), "{errors:?}");
    assert_eq!(v["summary"]["findings"].as_u64().unwrap(), files);
}

#[test]
fn a_5_mb_single_line_bundle_is_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::with_capacity(5_300_000);
    let mut i = 0;
    while text.len() < 5_000_000 {
        text.push_str(&format!("var a{i}=1,b{i}=function(){{return a{i}+1}};"));
        i += 1;
    }
    text.push_str("let busy=false;export async function run(j){busy=true;await j();busy=false}");
    write(dir.path(), "bundle.min.js", &text);
    let out = racelint(&["--format", "json", "bundle.min.js"], dir.path());
    let v = json(&out);
    assert_eq!(out.status.code(), Some(1), "{}", v["errors"]);
    assert_eq!(v["findings"][0]["rule"], "RC001");
    assert_eq!(v["findings"][0]["line"], 1);
    assert!(v["findings"][0]["column"].as_u64().unwrap() > 5_000_000);
}

#[test]
fn hundred_thousand_deep_nesting_never_overflows_the_stack() {
    let dir = tempfile::tempdir().unwrap();
    let d = 100_000;
    write(
        dir.path(),
        "parens.js",
        &format!("let x = 0;\nexport async function f() {{ x = {}1{}; await f(); x = 0; }}\n", "(".repeat(d), ")".repeat(d)),
    );
    write(dir.path(), "arrays.js", &format!("export const a = {}{};\n", "[".repeat(d), "]".repeat(d)));
    write(dir.path(), "arrows.js", &format!("export const g = {}0;\n", "() => ".repeat(d)));
    write(
        dir.path(),
        "ifs.js",
        &format!("let s = 0;\nexport async function h(a) {{ {}s = 1; await a; s = 0;{} }}\n", "if (a) { ".repeat(d), " }".repeat(d)),
    );
    write(dir.path(), "objects.js", &format!("export const o = {}1{};\n", "{ a: ".repeat(d), " }".repeat(d)));
    let out = racelint(&["--format", "json"], dir.path());
    assert!(exited_normally(&out), "{:?}", out.status);
    let v = json(&out);
    assert_eq!(v["summary"]["files"].as_u64().unwrap() + v["summary"]["errors"].as_u64().unwrap(), 5, "{}", v["errors"]);
}

#[test]
fn a_broken_file_does_not_change_the_other_files_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(root.join("fixtures/example-extension")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    let clean = json(&racelint(&["--format", "json"], dir.path()));
    write(dir.path(), "broken.js", "import { x } from './index.js';\nexport function (\n");
    let out = racelint(&["--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let broken = json(&out);
    assert_eq!(broken["errors"][0]["file"], "broken.js");
    assert_eq!(broken["findings"], clean["findings"], "the other files' findings are exactly the same");
}

#[test]
fn output_is_byte_identical_across_thread_counts_and_path_orders() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let paths = ["fixtures/cross-module", "fixtures/example-extension", "fixtures/rules", "fixtures/syntax"];
    for format in ["json", "human", "sarif"] {
        let base = racelint_env(&[&["--format", format], &paths[..]].concat(), root, Some("1")).stdout;
        assert!(base.len() > 1000);
        for threads in ["2", "8"] {
            assert_eq!(
                base,
                racelint_env(&[&["--format", format], &paths[..]].concat(), root, Some(threads)).stdout,
                "{format} with {threads} threads"
            );
        }
        let reversed: Vec<&str> = paths.iter().rev().copied().collect();
        assert_eq!(
            base,
            racelint_env(&[&["--format", format], &reversed[..]].concat(), root, Some("2")).stdout,
            "{format} with paths reversed"
        );
    }
}
