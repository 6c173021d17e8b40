//! The `racelint` binary as users run it: exit codes, formats, inputs, errors.

mod common;

use common::*;

use std::process::Command;

const RACY: &str = "let busy = false;\nexport async function run(job) {\n    busy = true;\n    await job();\n    busy = false;\n}\n";
const CLEAN: &str = "const limits = { max: 3 };\nexport async function run(job) {\n    return (await job()) + limits.max;\n}\n";

#[test]
fn exit_code_is_0_when_clean_and_1_with_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "clean.js", CLEAN);
    let out = racelint(&["clean.js"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("0 findings"));
    write(dir.path(), "racy.js", RACY);
    let out = racelint(&[], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("racelint(override-across-await)"), "{}", stdout(&out));
}

#[test]
fn json_output_follows_schema_v1() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/racy.js", RACY);
    let out = racelint(&["--format", "json", "src"], dir.path());
    let v = json(&out);
    assert_eq!(v["version"], 1);
    assert_eq!(v["tool"]["name"], "racelint");
    assert_eq!(v["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["summary"]["files"], 1);
    assert_eq!(v["summary"]["findings"], 1);
    assert_eq!(v["summary"]["errors"], 0);
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "RC001");
    assert_eq!(f["name"], "override-across-await");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["file"], "src/racy.js");
    assert_eq!((f["line"].as_u64(), f["column"].as_u64()), (Some(3), Some(5)));
    assert_eq!((f["end_line"].as_u64(), f["end_column"].as_u64()), (Some(3), Some(16)));
    assert_eq!(f["function"], "run");
    assert_eq!(f["state"], "busy");
    assert_eq!(f["state_declared"]["line"], 1);
    assert_eq!(f["state_declared"]["column"], 5);
    let labels = f["labels"].as_array().unwrap();
    let lines: Vec<u64> = labels.iter().map(|l| l["line"].as_u64().unwrap()).collect();
    assert!(lines.contains(&4) && lines.contains(&5), "await and restore labelled: {lines:?}");
    assert!(f["help"].as_str().unwrap().contains("count the runs"), "a busy flag set and reset gets the counter fix: {}", f["help"]);
    assert_eq!(f["fingerprint"].as_str().unwrap().len(), 16);
    assert_eq!(v["errors"].as_array().unwrap().len(), 0);
}

#[test]
fn fingerprints_survive_unrelated_edits_above_the_code() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", RACY);
    let before = json(&racelint(&["--format", "json", "a.js"], dir.path()));
    write(dir.path(), "a.js", format!("// a comment\n\nfunction unrelated() {{ return 1; }}\n{RACY}"));
    let after = json(&racelint(&["--format", "json", "a.js"], dir.path()));
    assert_ne!(before["findings"][0]["line"], after["findings"][0]["line"]);
    assert_eq!(before["findings"][0]["fingerprint"], after["findings"][0]["fingerprint"]);
}

#[test]
fn a_file_that_does_not_parse_is_reported_with_position_and_the_rest_still_analysed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "broken.js", "const ok = 1;\nfunction (\n");
    write(dir.path(), "racy.js", RACY);
    let out = racelint(&["--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let v = json(&out);
    let e = &v["errors"][0];
    assert_eq!(e["file"], "broken.js");
    assert_eq!(e["line"], 2);
    assert!(e["column"].as_u64().unwrap() >= 1);
    assert!(!e["message"].as_str().unwrap().is_empty());
    assert_eq!(v["summary"]["findings"], 1, "racy.js is still analysed");
    assert_eq!(v["findings"][0]["file"], "racy.js");
    // and in human output
    let out = racelint(&[], dir.path());
    assert!(stdout(&out).contains("broken.js:2:"), "{}", stdout(&out));
}

#[test]
fn a_missing_path_is_an_error_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = racelint(&["--format", "json", "nope/"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let v = json(&out);
    assert_eq!(v["errors"][0]["file"], "nope/");
    assert_eq!(v["errors"][0]["message"], "no such file or directory");
}

#[test]
fn binary_and_non_utf8_files_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bin.js"), [0u8, 159, 146, 150, 0, 1]).unwrap();
    std::fs::write(dir.path().join("latin1.js"), b"let s = '\xe9';\n").unwrap();
    std::fs::write(dir.path().join("empty.js"), b"").unwrap();
    write(dir.path(), "racy.js", RACY);
    let out = racelint(&["--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let v = json(&out);
    let msgs: Vec<String> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{}: {}", e["file"].as_str().unwrap(), e["message"].as_str().unwrap()))
        .collect();
    assert_eq!(msgs, vec!["bin.js: binary file, not JavaScript source", "latin1.js: file is not valid UTF-8"]);
    assert_eq!(v["summary"]["files"], 2, "empty.js and racy.js are analysed");
    assert_eq!(v["summary"]["findings"], 1);
}

#[test]
fn gitignore_node_modules_and_excludes_are_respected() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".gitignore", "dist/\n");
    write(dir.path(), "dist/bundle.js", RACY);
    write(dir.path(), "node_modules/dep/index.js", RACY);
    write(dir.path(), "vendor/lib.js", RACY);
    write(dir.path(), "src/app.js", RACY);
    write(dir.path(), "src/notes.txt", "not js");
    let v = json(&racelint(&["--format", "json"], dir.path()));
    let files: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["file"].as_str().unwrap()).collect();
    assert_eq!(files, vec!["src/app.js", "vendor/lib.js"]);
    let v = json(&racelint(&["--format", "json", "--exclude", "vendor/**"], dir.path()));
    let files: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["file"].as_str().unwrap()).collect();
    assert_eq!(files, vec!["src/app.js"]);
}

#[test]
fn typescript_and_jsx_files_are_linted_with_their_syntax() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.ts", "let busy: boolean = false;\nexport async function run(job: () => Promise<void>): Promise<void> {\n    busy = true;\n    await job();\n    busy = false;\n}\n");
    write(dir.path(), "b.tsx", "let n = 0;\nexport async function C(): Promise<JSX.Element> {\n    n += await Promise.resolve(1);\n    return <div>{n}</div>;\n}\n");
    write(dir.path(), "c.mjs", RACY);
    let v = json(&racelint(&["--format", "json"], dir.path()));
    assert_eq!(v["summary"]["errors"], 0, "{v}");
    let rules: Vec<(&str, &str)> =
        v["findings"].as_array().unwrap().iter().map(|f| (f["file"].as_str().unwrap(), f["rule"].as_str().unwrap())).collect();
    assert_eq!(rules, vec![("a.ts", "RC001"), ("b.tsx", "RC003"), ("c.mjs", "RC001")]);
}

#[test]
fn output_is_identical_across_runs_and_thread_counts() {
    let run = |threads: &str| {
        Command::new(env!("CARGO_BIN_EXE_racelint"))
            .args(["--format", "json", "fixtures"])
            .current_dir(root())
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap()
            .stdout
    };
    let one = run("1");
    assert!(one.len() > 1000);
    assert_eq!(one, run("4"));
    assert_eq!(one, run("1"));
}

#[test]
fn explain_prints_the_rule_doc_and_rules_lists_them() {
    let out = racelint(&["explain", "RC001"], root());
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("# RC001"), "{}", stdout(&out));
    let out = racelint(&["explain", "check-then-act"], root());
    assert!(stdout(&out).starts_with("# RC004"));
    let out = racelint(&["explain", "RC999"], root());
    assert_eq!(out.status.code(), Some(2));
    let out = racelint(&["rules"], root());
    let text = stdout(&out);
    for r in racelint::rule_infos() {
        assert!(text.contains(r.code) && text.contains(r.name));
    }
}

#[test]
fn rule_filter_runs_only_the_named_rules() {
    let v = json(&racelint(&["--format", "json", "--rule", "RC004", "fixtures/example-extension"], root()));
    let rules: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, vec!["RC004"]);
    let out = racelint(&["--rule", "RC42", "fixtures"], root());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let dir = tempfile::tempdir().unwrap();
    let depth = 20_000;
    let parens =
        format!("let x = 0;\nexport async function f() {{ x = {}1{}; await f(); x = 0; }}\n", "(".repeat(depth), ")".repeat(depth));
    write(dir.path(), "parens.js", &parens);
    let arrays = format!("export const a = {}{};\n", "[".repeat(depth), "]".repeat(depth));
    write(dir.path(), "arrays.js", &arrays);
    let arrows = format!("export const g = {}0;\n", "() => ".repeat(depth));
    write(dir.path(), "arrows.js", &arrows);
    let out = racelint(&["--format", "json"], dir.path());
    let v = json(&out);
    assert!(out.status.code() == Some(1) || out.status.code() == Some(2), "no crash: {:?}", out.status);
    assert_eq!(v["summary"]["files"].as_u64().unwrap() + v["summary"]["errors"].as_u64().unwrap(), 3);
}

/// Generated files: skipped in walks with the reason in the summary and in JSON, linted with
/// `--include-generated`; a warm re-run notices when the source map goes away.
#[test]
fn generated_bundles_are_skipped_until_included_and_the_cache_follows_their_maps() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/index.js", RACY);
    write(dir.path(), "dist/index.js", format!("{RACY}//# sourceMappingURL=index.js.map\n"));
    write(dir.path(), "dist/index.js.map", r#"{"version":3,"sources":["webpack://ext/./src/index.js"],"mappings":""}"#);
    write(dir.path(), "gen/api.js", format!("// @generated by a code generator; do not edit\n{RACY}"));
    let cache = dir.path().join("cache");
    let cache = cache.to_str().unwrap();
    let out = racelint(&["--cache-dir", cache], dir.path());
    let text = stdout(&out);
    assert!(
        text.contains(
            "skipped 2 generated files: dist/index.js (source map lists src/index.js), gen/api.js (marked @generated); \
             name them or pass --include-generated to lint them"
        ),
        "{text}"
    );
    assert!(text.contains("1 finding") && text.contains("src/index.js:3:5"), "{text}");
    let v = json(&racelint(&["--cache-dir", cache, "--format", "json"], dir.path()));
    assert_eq!(
        v["skipped"],
        serde_json::json!([
            { "file": "dist/index.js", "reason": "source map lists src/index.js" },
            { "file": "gen/api.js", "reason": "marked @generated" },
        ])
    );
    let v = json(&racelint(&["--cache-dir", cache, "--format", "json", "--include-generated"], dir.path()));
    assert_eq!(v["summary"]["findings"], 3);
    assert!(v.get("skipped").is_none());
    // without its map the bundle is all there is of that code: linted, even on a warm run
    std::fs::remove_file(dir.path().join("dist/index.js.map")).unwrap();
    let v = json(&racelint(&["--cache-dir", cache, "--format", "json"], dir.path()));
    assert_eq!(v["summary"]["findings"], 2, "{v}");
    assert_eq!(v["skipped"].as_array().map(Vec::len), Some(1));
}
