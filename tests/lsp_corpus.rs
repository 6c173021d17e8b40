//! Incremental = cold on a real workspace: SillyTavern's `public/` (fetched into `.cache/` with `npm pack`
//! on first use, as `tests/sillytavern.rs` does; skipped without npm unless
//! `RACELINT_REQUIRE_CORPUS=1`). `script.js` is edited in the server, which keeps every other
//! file's facts and the findings of functions whose inputs did not change; after each edit the
//! diagnostics of `script.js` and of `scripts/world-info.js` (which imports it) equal a cold CLI
//! run on a copy of the tree with the edited text.

mod common;
mod lsp_client;

use std::path::{Path, PathBuf};

use lsp_client::{uri, Client};
use serde_json::Value;

fn corpus() -> Option<PathBuf> {
    common::sillytavern("1.13.5").map(|p| p.join("public"))
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

use lsp_client::Diag;

fn from_lsp(d: &Value) -> Diag {
    let n = |v: &Value| v.as_u64().unwrap();
    let r = &d["range"];
    let code = d["code"].as_str().unwrap_or_default().to_string();
    (
        n(&r["start"]["line"]),
        n(&r["start"]["character"]),
        n(&r["end"]["line"]),
        n(&r["end"]["character"]),
        code,
        d["message"].as_str().unwrap().to_string(),
    )
}

/// The diagnostics of `file` (relative to `dir`) from a cold CLI run on `dir`.
fn cold(dir: &Path, file: &str) -> Vec<Diag> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_racelint"))
        .args(["--no-cache", "--no-config", "--format", "json", "."])
        .current_dir(dir)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut v: Vec<Diag> = Vec::new();
    for f in doc["findings"].as_array().unwrap().iter().filter(|f| f["file"] == file) {
        v.push(lsp_client::finding_diag(f));
    }
    for e in doc["errors"].as_array().unwrap().iter().filter(|e| e["file"] == file) {
        v.push(lsp_client::error_diag(e));
    }
    v.sort();
    v
}

#[test]
fn edits_of_script_js_in_the_public_workspace_give_a_cold_runs_diagnostics() {
    let Some(public) = corpus() else { return };
    let served = tempfile::tempdir().unwrap();
    let checked = tempfile::tempdir().unwrap();
    copy_tree(&public, served.path());
    copy_tree(&public, checked.path());
    let original = std::fs::read_to_string(public.join("script.js")).unwrap();
    let lines: Vec<&str> = original.split('\n').collect();
    let mid = lines.len() / 2;
    let with = |at: usize, insert: &str| {
        let mut l = lines.clone();
        l.insert(at, insert);
        l.join("\n")
    };
    let first_await = lines.iter().position(|l| l.contains("await ")).unwrap();
    let edits = [
        with(mid, "// a comment moves every later finding down a line"),
        with(lines.len(), "let kept = 0; export async function racyKeep(g) { kept = 1; await g(); kept = 2; }"),
        // an await removed: what the function races on changes
        lines.iter().enumerate().filter(|(i, _)| *i != first_await).map(|(_, l)| *l).collect::<Vec<_>>().join("\n"),
        with(mid, "function broken( {"),
        original.clone(),
    ];
    let cache = tempfile::tempdir().unwrap();
    let root = served.path().to_path_buf();
    let mut c = Client::start_with(&root, &[("XDG_CACHE_HOME", cache.path().to_str().unwrap())]);
    c.initialize(&root);
    let script = uri(&root.join("script.js"));
    let world = uri(&root.join("scripts/world-info.js"));
    let world_text = std::fs::read_to_string(root.join("scripts/world-info.js")).unwrap();
    c.open(&world, 1, &world_text);
    c.open(&script, 1, &original);
    for (step, text) in edits.iter().enumerate() {
        let v = step as i64 + 2;
        c.change(&script, v, text);
        let mut got: Vec<Diag> = c.wait("script.js's diagnostics", |m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == script && m["params"]["version"] == v
        })["params"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(from_lsp)
            .collect();
        got.sort();
        let mut got_world: Vec<Diag> = c.diagnostics_for(&world).iter().map(from_lsp).collect();
        got_world.sort();
        std::fs::write(checked.path().join("script.js"), text).unwrap();
        assert_eq!(got, cold(checked.path(), "script.js"), "script.js after edit {step}");
        assert_eq!(got_world, cold(checked.path(), "scripts/world-info.js"), "world-info.js after edit {step}");
    }
    c.shut_down();
}
