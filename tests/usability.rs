//! What a new user trips on (issue 16): BOM files, editors' `--stdin-filename`, suppressions
//! of rules not run, SARIF that validators accept, runs that check nothing, quoted globs,
//! misspelled directives, the config nearest the linted files, and the flags ESLint, Ruff and
//! Biome users reach for. Every run here has `--no-cache`.

mod common;

use common::*;

use std::path::Path;
use std::process::{Command, Output, Stdio};

const FLAG: &str = "let busy = false;\nexport async function run(job) {\n    busy = true;\n    await job();\n    busy = false;\n}\n";
const TORN: &str = "export const settings = { a: 1, b: 2 };\nexport function load(p) { Object.assign(settings, p); }\nexport async function send(api) {\n    const a = settings.a;\n    await api.ready();\n    return api.post({ a, b: settings.b });\n}\n";
const STATE: &str = "export const s = { busy: false };\n";
const USES_STATE: &str =
    "import { s } from './state.js';\nexport async function run(job) {\n    s.busy = true;\n    await job();\n    s.busy = false;\n}\n";

/// racelint without the cache.
fn rl(args: &[&str], cwd: &Path) -> Output {
    let mut all = vec!["--no-cache"];
    all.extend_from_slice(args);
    racelint(&all, cwd)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn rules_of(v: &serde_json::Value) -> Vec<String> {
    v["findings"].as_array().unwrap().iter().map(|f| format!("{}:{}", f["rule"].as_str().unwrap(), f["line"])).collect()
}

fn with_stdin(args: &[&str], cwd: &Path, input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_racelint"))
        .arg("--no-cache")
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
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

#[test]
fn stdin_filename_as_an_editor_spells_it_is_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "dir/state.js", STATE);
    write(dir.path(), "dir/run.js", USES_STATE);
    let cwd = dir.path().join("dir");
    let absolute = cwd.join("run.js").to_string_lossy().into_owned();
    for name in [absolute.as_str(), "../dir/run.js", "./run.js", "run.js"] {
        let out = with_stdin(&["--format", "json", "--stdin-filename", name], &cwd, USES_STATE);
        let v = json(&out);
        assert_eq!(v["summary"]["files"], 2, "{name}: one module for the buffer and its file");
        assert_eq!(rules_of(&v), vec!["RC001:3"], "{name}: the finding through the import");
        assert_eq!(v["findings"][0]["file"], "run.js", "{name}");
    }
}

#[test]
fn suppressions_of_rules_not_run_are_not_unused() {
    let dir = tempfile::tempdir().unwrap();
    let text = FLAG.replace("    busy = true;", "    // racelint-ignore-next-line RC001: one caller at a time\n    busy = true;");
    write(dir.path(), "a.js", &text);
    write(dir.path(), "b.js", "// racelint-ignore-file RC005: nothing here today\nexport const x = 1;\n");
    for args in [&["--rule", "RC003"][..], &["--rule", "RC003,RC004"], &["--rule", "RC003", "--rule", "RC004"]] {
        let out = rl(&[&["--format", "json", "."][..], args].concat(), dir.path());
        assert_eq!(rules_of(&json(&out)), Vec::<String>::new(), "{args:?}: RC001 and RC005 were not run");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
    }
    write(dir.path(), "racelint.toml", "[rules]\nRC001 = 'off'\nRC005 = 'off'\n");
    let out = rl(&["--format", "json", "."], dir.path());
    assert_eq!(rules_of(&json(&out)), Vec::<String>::new(), "rules off in the config were not run");
    // when the rule runs, an unused suppression of it is still reported
    std::fs::remove_file(dir.path().join("racelint.toml")).unwrap();
    let v = json(&rl(&["--format", "json", "--rule", "RC001,RC005", "."], dir.path()));
    assert_eq!(rules_of(&v), vec!["RS001:1"], "b.js's RC005 suppression suppresses nothing");
    assert_eq!(v["suppressed"].as_array().unwrap().len(), 1);
}

#[test]
fn a_comma_list_of_rules_selects_each_and_a_bad_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "flag.js", FLAG);
    write(dir.path(), "torn.js", TORN);
    let v = json(&rl(&["--format", "json", "--rule", "RC001,torn-read-across-await", "."], dir.path()));
    assert_eq!(rules_of(&v), vec!["RC001:3", "RC002:6"]);
    let v = json(&rl(&["--format", "json", "--rule", "RC002", "."], dir.path()));
    assert_eq!(rules_of(&v), vec!["RC002:6"]);
    let out = rl(&["--rule", "RC001,RC009", "."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no rule `RC009`"), "{}", stderr(&out));
}

#[test]
fn sarif_uris_are_percent_encoded_and_columns_declared() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "weird,dir/ü nicode.js", FLAG);
    write(dir.path(), "100%25/a.js", FLAG);
    let v = json(&rl(&["--format", "sarif", "."], dir.path()));
    let run = &v["runs"][0];
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    let uris: Vec<&str> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris, vec!["100%2525/a.js", "weird%2Cdir/%C3%BC%20nicode.js"]);
    for uri in &uris {
        assert!(url::Url::parse("file:///src/").unwrap().join(uri).is_ok(), "{uri} is a URI reference");
    }
    let driver = &run["tool"]["driver"];
    // no invented address: informationUri and helpUri come from Cargo.toml's `repository`
    let repository = env!("CARGO_PKG_REPOSITORY");
    assert_eq!(driver.get("informationUri").is_some(), !repository.is_empty(), "{driver}");
    assert!(!driver.to_string().contains("crates.io"), "no page that does not exist");
    for rule in driver["rules"].as_array().unwrap() {
        assert_eq!(rule.get("helpUri").is_some(), !repository.is_empty(), "{}", rule["id"]);
    }
    // an absolute path is a file URI without a base
    let abs = dir.path().join("weird,dir/ü nicode.js");
    let v = json(&rl(&["--format", "sarif", abs.to_str().unwrap()], dir.path()));
    let loc = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert!(
        loc["uri"].as_str().unwrap().starts_with("file:///") && loc["uri"].as_str().unwrap().ends_with("weird%2Cdir/%C3%BC%20nicode.js"),
        "{loc}"
    );
    assert!(loc.get("uriBaseId").is_none());
}

/// `@microsoft/sarif-multitool`, when npm could install it (`RACELINT_SARIF_MULTITOOL` names
/// its binary; `.ci/run` sets it).
#[test]
fn sarif_passes_the_sarif_multitool_validator_when_it_is_installed() {
    let Some(tool) = std::env::var_os("RACELINT_SARIF_MULTITOOL") else {
        eprintln!("notice: RACELINT_SARIF_MULTITOOL not set; SARIF checked against the schema only");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "weird,dir/ü nicode.js", FLAG);
    write(dir.path(), "100%25/a.js", TORN);
    let out = rl(&["--format", "sarif", "."], dir.path());
    std::fs::write(dir.path().join("out.sarif"), &out.stdout).unwrap();
    let check = Command::new(tool).args(["validate", "out.sarif", "--output", "log.sarif"]).current_dir(dir.path()).output().unwrap();
    let log = std::fs::read_to_string(dir.path().join("log.sarif")).unwrap_or_default();
    let v: serde_json::Value =
        serde_json::from_str(&log).unwrap_or_else(|_| panic!("no validation log: {}", String::from_utf8_lossy(&check.stdout)));
    let problems: Vec<String> = v["runs"][0]["results"]
        .as_array()
        .map(|r| r.iter().filter(|r| r["level"] == "error").map(|r| format!("{}: {}", r["ruleId"], r["message"])).collect())
        .unwrap_or_default();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn misspelled_directives_are_rs002() {
    let dir = tempfile::tempdir().unwrap();
    let text = FLAG.replace("    busy = true;", "    // racelint-disable-next-line RC001: one caller\n    busy = true;");
    write(dir.path(), "a.js", &format!("// racelint-ignore-line RC002: typo\n{text}"));
    let out = rl(&["--format", "json", "a.js"], dir.path());
    let v = json(&out);
    assert_eq!(rules_of(&v), vec!["RS002:1", "RS002:4", "RC001:5"]);
    assert!(v["findings"][0]["message"].as_str().unwrap().contains("`racelint-ignore-line` is not a racelint directive"));
    assert_eq!(out.status.code(), Some(1));
}
