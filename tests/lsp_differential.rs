//! Incremental = cold: a seeded sequence of random edits (insertions, deletions, broken and
//! repaired syntax, imports added and removed) to a four-module workspace goes through the
//! server, and after each edit its diagnostics equal a cold `racelint --no-cache` run on the
//! same texts. `RACELINT_DIFF_STEPS` (default 300) and `RACELINT_DIFF_SEED` change the run.

mod lsp_client;

use std::collections::BTreeMap;
use std::path::Path;

use lsp_client::{uri, workspace, Client};
use serde_json::Value;

/// Never opened: the server reads it from disk (through its cache), the CLI too.
const STATE: &str = "export let flag = false;\nexport const settings = { a: 1 };\nexport function set(v) { flag = v; }\nexport function bump() { settings.a++; }\n";
const OPEN: [&str; 3] = ["a.js", "b.js", "c.js"];

/// Lines the edits insert: races, their fixes, imports between the modules.
const VALID: &[&str] = &[
    "let busy = false; export async function run(g) { busy = true; await g(); busy = false; }",
    "export let total = 0; export async function add(g) { total += await g(); }",
    "let n = 0; export async function count(g) { n = 1; await g(); n = 2; }",
    "const seen = new Map(); export async function fill(k, g) { if (!seen.has(k)) { const v = await g(); seen.set(k, v); } }",
    "import { flag, set, settings, bump } from './state.js';",
    "export async function job(g) { set(true); await g(); set(false); }",
    "export async function torn(g) { const x = settings.a; await g(); return [x, settings.a]; }",
    "export async function load(g) { if (!flag) { await g(); set(true); } }",
    "export async function twice(g) { bump(); await g(); bump(); }",
    "export function helper() { set(!flag); }",
    "export async function calls(g) { helper(); await g(); helper(); }",
    "import { run, helper } from './a.js';",
    "import * as b from './b.js';",
    "export * from './c.js';",
    "export { job as other } from './b.js';",
    "const { add } = await import('./b.js');",
    "export async function viaImport(g) { await run(g); helper(); }",
    "export async function fixed(g) { const v = await g(); return v; }",
    "// racelint-ignore-next-line RC001: the queue serialises it",
    "// é 😀 comment with non-ASCII text",
];

/// Lines that break the syntax (until a repair removes them).
const BROKEN: &[&str] = &["function broken( {", "}}", "if (flag) {", "const = ;", "async function f(){"];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One random edit of a module's lines.
fn edit(lines: &mut Vec<String>, rng: &mut Rng) {
    match rng.below(16) {
        0..=7 => {
            let at = rng.below(lines.len() + 1);
            let pool = if rng.below(5) == 0 { BROKEN } else { VALID };
            let line = pool[rng.below(pool.len())].to_string();
            // a line the module has is toggled off (an import removed, a declaration dropped)
            match lines.iter().position(|l| *l == line) {
                Some(i) => drop(lines.remove(i)),
                None => lines.insert(at, line),
            }
        }
        8..=10 if !lines.is_empty() => {
            lines.remove(rng.below(lines.len()));
        }
        // repair: drop every broken line and every line cut short
        11..=13 => lines.retain(|l| VALID.contains(&l.as_str())),
        // an edit inside a line: cut it short (often breaking it)
        14 if !lines.is_empty() => {
            let i = rng.below(lines.len());
            let keep = rng.below(lines[i].len() + 1);
            let cut: String = lines[i].chars().take(keep).collect();
            lines[i] = cut;
        }
        _ => lines.clear(),
    }
}

/// A diagnostic as both sides can say it: 0-based start and end, code, message.
use lsp_client::Diag;

fn from_lsp(d: &Value) -> Diag {
    let n = |v: &Value| v.as_u64().unwrap();
    let r = &d["range"];
    (
        n(&r["start"]["line"]),
        n(&r["start"]["character"]),
        n(&r["end"]["line"]),
        n(&r["end"]["character"]),
        d["code"].as_str().unwrap_or_default().to_string(),
        d["message"].as_str().unwrap().to_string(),
    )
}

/// Each file's diagnostics from a cold CLI run on `texts`.
fn cold_run(texts: &BTreeMap<String, String>) -> BTreeMap<String, Vec<Diag>> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in texts {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_racelint"))
        .args(["--no-cache", "--no-config", "--format", "json", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let doc: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("CLI JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    let mut by_file: BTreeMap<String, Vec<Diag>> = texts.keys().map(|k| (k.clone(), Vec::new())).collect();
    for f in doc["findings"].as_array().unwrap() {
        by_file.entry(f["file"].as_str().unwrap().to_string()).or_default().push(lsp_client::finding_diag(f));
    }
    for e in doc["errors"].as_array().unwrap() {
        by_file.entry(e["file"].as_str().unwrap().to_string()).or_default().push(lsp_client::error_diag(e));
    }
    for v in by_file.values_mut() {
        v.sort();
    }
    by_file
}

#[test]
fn server_diagnostics_after_each_random_edit_equal_a_cold_run() {
    let steps: usize = std::env::var("RACELINT_DIFF_STEPS").ok().and_then(|s| s.parse().ok()).unwrap_or(300);
    let seed: u64 = std::env::var("RACELINT_DIFF_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_2026);
    let (_d, root) = workspace(&[("state.js", STATE), ("a.js", ""), ("b.js", ""), ("c.js", "")]);
    let cache = tempfile::tempdir().unwrap();
    let mut c = Client::start_with(&root, &[("XDG_CACHE_HOME", cache.path().to_str().unwrap())]);
    c.initialize(&root);
    let mut rng = Rng(seed | 1);
    let mut lines: BTreeMap<&str, Vec<String>> = OPEN.iter().map(|f| (*f, Vec::new())).collect();
    let mut versions: BTreeMap<&str, i64> = BTreeMap::new();
    let text = |lines: &[String]| lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    for f in OPEN {
        c.open(&uri(&root.join(f)), 1, "");
        versions.insert(f, 1);
    }
    let uris: Vec<String> = OPEN.iter().map(|f| uri(&root.join(f))).collect();
    let mut step_of_last_open = 0;
    for step in 0..steps {
        let f = OPEN[rng.below(OPEN.len())];
        edit(lines.get_mut(f).unwrap(), &mut rng);
        let v = versions[f] + 1;
        versions.insert(f, v);
        let edited = uri(&root.join(f));
        c.change(&edited, v, &text(&lines[f]));
        // the analysis of this edit publishes every open file, in path order, once
        c.wait("the edit's diagnostics", |m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == edited && m["params"]["version"] == v
        });
        let last = uris.last().unwrap().clone();
        if edited != last {
            c.wait("the last file's diagnostics", |m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == last);
        }
        let from = c.seen.len() - c.seen.iter().rev().take_while(|m| m["method"] == "textDocument/publishDiagnostics").count();
        let batch = &c.seen[from.max(step_of_last_open)..];
        let mut server: BTreeMap<String, Vec<Diag>> = BTreeMap::new();
        for m in batch.iter().filter(|m| m["method"] == "textDocument/publishDiagnostics") {
            let name = Path::new(m["params"]["uri"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned();
            let mut d: Vec<Diag> = m["params"]["diagnostics"].as_array().unwrap().iter().map(from_lsp).collect();
            d.sort();
            server.insert(name, d);
        }
        step_of_last_open = c.seen.len();
        let mut texts: BTreeMap<String, String> = lines.iter().map(|(f, l)| (f.to_string(), text(l))).collect();
        texts.insert("state.js".into(), STATE.into());
        let mut cold = cold_run(&texts);
        let state = cold.remove("state.js").unwrap_or_default();
        assert_eq!(server.get("state.js").cloned().unwrap_or_default(), state, "step {step} (seed {seed}): state.js");
        server.remove("state.js");
        assert_eq!(server, cold, "step {step} (seed {seed}), after editing {f}; texts:\n{texts:#?}");
    }
    c.shut_down();
}

/// Versions of a module that is never opened: the test rewrites it on disk between edits of the
/// open one. The first two have the same length, so only their modification times (or, for a
/// file written moments ago, their contents) tell them apart.
const ON_DISK: [&str; 4] = [
    "export let flag = false;\nexport function set(v) { flag = v; }\n",
    "export let flag = false;\nexport function set(v) { flag = 1; }\n",
    "export let flag = false;\nexport function set(v) { void v; }\n",
    "export let flag = 0;\nexport async function set(v) { flag = v; await v; flag = v; }\n",
];

const OPEN_LINES: [&str; 4] = [
    "import { flag, set } from './state.js';",
    "export async function job(g) { set(true); await g(); set(false); }",
    "export async function load(g) { if (!flag) { await g(); set(true); } }",
    "export async function wait(g) { await set(g); flag; }",
];

/// The server keeps every file's facts between analyses: a file changed on disk (saved by
/// another program, with or without a `didSave`) must be read again, and its effects on the open
/// module's findings must equal a cold run's.
#[test]
fn server_diagnostics_after_files_change_on_disk_equal_a_cold_run() {
    let steps: usize = std::env::var("RACELINT_DIFF_STEPS").ok().and_then(|s| s.parse().ok()).map_or(60, |s: usize| s / 5 + 1);
    let (_d, root) = workspace(&[("state.js", ON_DISK[0]), ("a.js", "")]);
    let cache = tempfile::tempdir().unwrap();
    let mut c = Client::start_with(&root, &[("XDG_CACHE_HOME", cache.path().to_str().unwrap())]);
    c.initialize(&root);
    let mut rng = Rng(0x0d15_c0de);
    let a = uri(&root.join("a.js"));
    let mut lines: Vec<&str> = OPEN_LINES.to_vec();
    let mut disk = ON_DISK[0];
    let text = |lines: &[&str]| lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    c.open(&a, 1, &text(&lines));
    c.publication(&a);
    let mut version = 1;
    for step in 0..steps {
        if rng.below(3) == 0 {
            let l = OPEN_LINES[rng.below(OPEN_LINES.len())];
            match lines.iter().position(|x| *x == l) {
                Some(i) => drop(lines.remove(i)),
                None => lines.push(l),
            }
            version += 1;
            c.change(&a, version, &text(&lines));
        } else {
            disk = ON_DISK[rng.below(ON_DISK.len())];
            std::fs::write(root.join("state.js"), disk).unwrap();
            c.notify("textDocument/didSave", serde_json::json!({ "textDocument": { "uri": uri(&root.join("state.js")) } }));
        }
        let mut server: Vec<Diag> = c.diagnostics_for(&a).iter().map(from_lsp).collect();
        server.sort();
        let texts: BTreeMap<String, String> = [("a.js".to_string(), text(&lines)), ("state.js".to_string(), disk.to_string())].into();
        let cold = cold_run(&texts).remove("a.js").unwrap_or_default();
        assert_eq!(server, cold, "step {step}: state.js is {disk:?}, a.js is {:?}", text(&lines));
    }
    c.shut_down();
}
