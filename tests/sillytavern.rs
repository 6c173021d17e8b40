//! Acceptance on the real code: SillyTavern 1.13.5, the version the field report analysed,
//! fetched with `npm pack` into the git-ignored `.cache/` folder on first use.
//!
//! Without npm or the registry the test is skipped with a notice, unless
//! `RACELINT_REQUIRE_CORPUS=1` (as in `.ci/run`), where that is a failure. Every finding is
//! compared with the reviewed list in `tests/expected/sillytavern-1.13.5.txt`; after a reviewed
//! change in precision, `RACELINT_BLESS=1 cargo test --test sillytavern` rewrites it.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const VERSION: &str = "1.13.5";

fn corpus() -> Option<PathBuf> {
    common::sillytavern(VERSION)
}

fn find_minified(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            find_minified(&p, out);
        } else if p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".min.js") || n.ends_with(".min.mjs")) {
            out.push(p);
        }
    }
}

fn run(package: &Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_racelint"))
        .args(["--format", "json", "public"])
        .current_dir(package)
        .output()
        .expect("run racelint");
    assert!(matches!(out.status.code(), Some(0 | 1)), "racelint failed: {:?}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn findings(v: &serde_json::Value) -> &Vec<serde_json::Value> {
    v["findings"].as_array().expect("findings")
}

fn find<'a>(v: &'a serde_json::Value, rule: &str, file: &str, function: &str) -> Option<&'a serde_json::Value> {
    findings(v).iter().find(|f| f["rule"] == rule && f["file"] == file && f["function"] == function)
}

#[test]
fn sillytavern_acceptance() {
    let Some(package) = corpus() else { return };
    let v = run(&package);

    // the whole public/ tree parses: no errors at all
    assert_eq!(v["errors"].as_array().map(|e| e.len()), Some(0), "errors: {}", v["errors"]);
    assert!(v["summary"]["files"].as_u64().unwrap() >= 180);

    // minified bundles are skipped in directory walks but parse when named explicitly
    let mut minified = Vec::new();
    find_minified(&package.join("public"), &mut minified);
    assert!(minified.len() >= 10, "{minified:?}");
    let out =
        Command::new(env!("CARGO_BIN_EXE_racelint")).arg("--format").arg("json").args(&minified).current_dir(&package).output().unwrap();
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(m["errors"].as_array().map(|e| e.len()), Some(0), "errors in minified files: {}", m["errors"]);
    assert_eq!(m["summary"]["files"].as_u64(), Some(minified.len() as u64));

    // RC-ST-1 and RC-ST-2: TempResponseLength.save() … await … restore() in generateRaw
    let f = find(&v, "RC001", "public/script.js", "generateRaw").expect("RC-ST-1: generateRaw save/await/restore is RC001");
    let line = f["line"].as_u64().unwrap();
    assert!((3213..=3318).contains(&line), "reported at line {line}");
    let states: Vec<&str> = f["states"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(states.contains(&"amount_gen"), "RC-ST-2: amount_gen is named: {states:?}");
    assert!(states.contains(&"TempResponseLength.#originalResponseLength"), "RC-ST-1: the static is named: {states:?}");
    let labels: Vec<u64> = f["labels"].as_array().unwrap().iter().map(|l| l["line"].as_u64().unwrap()).collect();
    assert!(labels.iter().any(|&l| (3246..=3318).contains(&l)), "a restore call is labelled: {labels:?}");
    assert_eq!(f["state_declared"]["line"], 563, "amount_gen is declared at script.js:563");
    // two tasks overlap there, and the finding names both
    assert_eq!(f["concurrency"], "overlapping", "{}", f["latent_because"]);
    let roles: Vec<&str> = f["tasks"].as_array().unwrap().iter().map(|t| t["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["A", "B"], "{}", f["tasks"]);

    // the override writes oai_settings (imported from openai.js) too: followed across modules
    assert!(states.contains(&"oai_settings.openai_max_tokens"), "{states:?}");

    // RC-ST-3: applyConnectionProfile awaits slash-command callbacks in a loop; the host model
    // says they write the connection settings
    let f = find(&v, "RC005", "public/scripts/extensions/connection-manager/index.js", "applyConnectionProfile")
        .expect("RC-ST-3: applyConnectionProfile is RC005");
    let line = f["line"].as_u64().unwrap();
    assert!((387..=419).contains(&line), "reported at line {line}");
    let states: Vec<&str> = f["states"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(states.contains(&"oai_settings") && states.contains(&"main_api"), "{states:?}");

    // RC-ST-4: sendOpenAIRequest reads oai_settings before and after awaits
    let f = find(&v, "RC002", "public/scripts/openai.js", "sendOpenAIRequest").expect("RC-ST-4: sendOpenAIRequest is RC002");
    assert_eq!(f["state"], "oai_settings");

    // the reviewed list of every finding
    let actual: String = findings(&v)
        .iter()
        .map(|f| {
            // latent notes are marked: a change of concurrency is a change of the list
            let latent = if f["concurrency"] == "latent" { " (latent)" } else { "" };
            format!(
                "{} {}:{}:{} {} | {}{latent}\n",
                f["rule"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"],
                f["column"],
                f["function"].as_str().unwrap(),
                f["state"].as_str().unwrap()
            )
        })
        .collect();
    let expected_path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/expected/sillytavern-{VERSION}.txt"));
    if std::env::var_os("RACELINT_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&expected_path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    if expected != actual {
        let exp: std::collections::BTreeSet<&str> = expected.lines().collect();
        let act: std::collections::BTreeSet<&str> = actual.lines().collect();
        let gone: Vec<&&str> = exp.difference(&act).collect();
        let new: Vec<&&str> = act.difference(&exp).collect();
        let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/sillytavern-actual.txt");
        let _ = std::fs::write(&out, &actual);
        panic!(
            "findings on SillyTavern {VERSION} changed ({} expected, {} now); review and bless with RACELINT_BLESS=1\nno longer reported:\n{}\nnewly reported:\n{}\nfull list: {}",
            exp.len(),
            act.len(),
            gone.iter().map(|l| format!("  - {l}")).collect::<Vec<_>>().join("\n"),
            new.iter().map(|l| format!("  + {l}")).collect::<Vec<_>>().join("\n"),
            out.display()
        );
    }
}
