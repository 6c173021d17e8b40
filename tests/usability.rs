//! What a new user trips on (issue 16): BOM files, editors' `--stdin-filename`, suppressions
//! of rules not run, SARIF that validators accept, runs that check nothing, quoted globs,
//! misspelled directives, the config nearest the linted files, and the flags ESLint, Ruff and
//! Biome users reach for. Every run here has `--no-cache`.

mod common;

use common::*;

use std::path::Path;
use std::process::Output;

const FLAG: &str = "let busy = false;\nexport async function run(job) {\n    busy = true;\n    await job();\n    busy = false;\n}\n";

/// racelint without the cache.
fn rl(args: &[&str], cwd: &Path) -> Output {
    let mut all = vec!["--no-cache"];
    all.extend_from_slice(args);
    racelint(&all, cwd)
}

#[test]
fn a_utf8_bom_does_not_move_positions_or_empty_snippets() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "plain.js", FLAG);
    write(dir.path(), "bom.js", &format!("\u{feff}{FLAG}"));
    let v = json(&rl(&["--format", "json", "."], dir.path()));
    let f: Vec<&serde_json::Value> = v["findings"].as_array().unwrap().iter().collect();
    assert_eq!(f.len(), 2);
    let (bom, plain) = (f[0], f[1]);
    assert_eq!(bom["file"], "bom.js");
    for key in ["line", "column", "end_line", "end_column", "timeline"] {
        assert_eq!(bom[key], plain[key], "{key} of the BOM file");
    }
    let positions = |f: &serde_json::Value| -> Vec<String> {
        f["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| format!("{}:{}-{}:{} {}", l["line"], l["column"], l["end_line"], l["end_column"], l["message"]))
            .collect()
    };
    assert_eq!(positions(bom), positions(plain));
    assert_eq!(bom["state_declared"]["line"], 1);
    assert_eq!(bom["state_declared"]["column"], 5, "the BOM counts for no column: ESLint and LSP do not see it");
    assert!(bom["timeline"][1].as_str().unwrap().contains("`await job()`"), "{}", bom["timeline"]);
    let human = stdout(&rl(&["bom.js"], dir.path()));
    assert!(human.contains("bom.js:3:5") && human.contains("3 │     busy = true;"), "{human}");
}
