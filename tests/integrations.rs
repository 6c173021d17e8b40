//! Fitting into CI and editors: config files, inline suppressions, baselines, the ESLint, SARIF
//! and GitHub formats, and linting standard input.

mod common;

use common::*;

use std::path::Path;
use std::process::{Command, Stdio};

const FLAG: &str = "let busy = false;\nexport async function run(job) {\n    busy = true;\n    await job();\n    busy = false;\n}\n";
const TORN: &str = "export const settings = { a: 1, b: 2 };\nexport function load(p) { Object.assign(settings, p); }\nexport async function send(api) {\n    const a = settings.a;\n    await api.ready();\n    return api.post({ a, b: settings.b });\n}\n";

fn rules(v: &serde_json::Value) -> Vec<String> {
    v["findings"].as_array().unwrap().iter().map(|f| format!("{}:{}", f["rule"].as_str().unwrap(), f["line"])).collect()
}

#[test]
fn config_turns_rules_off_changes_severity_and_is_found_upwards() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/flag.js", FLAG);
    write(dir.path(), "src/torn.js", TORN);
    write(dir.path(), "racelint.toml", "fail-on = 'error'\n[rules]\nRC001 = 'off'\ntorn-read-across-await = 'warning'\n");
    let out = racelint(&["--format", "json", "."], &dir.path().join("src"));
    let v = json(&out);
    assert_eq!(rules(&v), vec!["RC002:6"], "RC001 is off");
    assert_eq!(v["findings"][0]["severity"], "warning");
    assert_eq!(out.status.code(), Some(0), "fail-on = error: warnings do not fail");
    write(dir.path(), "racelint.toml", "[rules]\nRC002 = 'error'\n");
    let out = racelint(&["--format", "json", "."], &dir.path().join("src"));
    assert_eq!(json(&out)["findings"][1]["severity"], "error");
    assert_eq!(out.status.code(), Some(1));
    // --no-config ignores it
    let v = json(&racelint(&["--format", "json", "--no-config", "."], &dir.path().join("src")));
    assert_eq!(rules(&v), vec!["RC001:3", "RC002:6"]);
}

#[test]
fn a_bad_config_is_an_error_with_file_line_and_hint() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", FLAG);
    write(dir.path(), "racelint.toml", "exclude = []\nfail_on = 'error'\n");
    let out = racelint(&["a.js"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("racelint.toml:2:1") && err.contains("unknown field `fail_on`") && err.contains("fail-on"), "{err}");
    write(dir.path(), "racelint.toml", "[rules]\nRC001 = 'sometimes'\n");
    let err = String::from_utf8_lossy(&racelint(&["a.js"], dir.path()).stderr).into_owned();
    assert!(err.contains("racelint.toml:2:") && err.contains("\"off\", \"warning\" (or \"warn\") and \"error\""), "{err}");
}

#[test]
fn suppressions_need_a_reason_and_unused_ones_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let suppressed = FLAG.replace(
        "    busy = true;",
        "    // racelint-ignore-next-line RC001: run() is only called from the serial queue\n    busy = true;",
    );
    write(dir.path(), "a.js", &suppressed);
    write(dir.path(), "b.js", format!("// racelint-ignore-file RC002: settings are frozen after start-up\n{TORN}"));
    write(dir.path(), "c.js", "// racelint-ignore-next-line RC003: nothing here races\nexport const x = 1;\n");
    write(dir.path(), "d.js", FLAG.replace("    busy = true;", "    // racelint-ignore-next-line RC001\n    busy = true;"));
    let out = racelint(&["--format", "json"], dir.path());
    let v = json(&out);
    let got: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}:{}", f["rule"].as_str().unwrap(), f["file"].as_str().unwrap(), f["line"]))
        .collect();
    assert_eq!(
        got,
        vec!["RS001 c.js:1", "RS002 d.js:3", "RC001 d.js:4"],
        "unused and reason-less directives are reported; the latter suppresses nothing"
    );
    let sup: Vec<(String, String)> = v["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["rule"].as_str().unwrap().to_string(), s["reason"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        sup,
        vec![
            ("RC001".to_string(), "run() is only called from the serial queue".to_string()),
            ("RC002".to_string(), "settings are frozen after start-up".to_string())
        ]
    );
    assert_eq!(v["summary"]["suppressed"], 2);
}

#[test]
fn baseline_reports_only_new_findings_and_stale_entries() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", FLAG);
    write(dir.path(), "b.js", TORN);
    let out = racelint(&["--write-baseline", "racelint-baseline.json"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let base: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("racelint-baseline.json")).unwrap()).unwrap();
    assert_eq!(base["findings"].as_array().unwrap().len(), 2);
    // unrelated edits above the code keep the fingerprints; a new race is new; a fixed one is stale
    write(dir.path(), "a.js", format!("// header\n\nexport const version = 2;\n{FLAG}"));
    write(dir.path(), "b.js", "export const fixed = true;\n");
    write(dir.path(), "c.js", FLAG.replace("busy", "loading"));
    let out = racelint(&["--format", "json", "--baseline", "racelint-baseline.json"], dir.path());
    let v = json(&out);
    let files: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["file"].as_str().unwrap()).collect();
    assert_eq!(files, vec!["c.js"]);
    assert_eq!(v["baseline"]["matched"], 1);
    assert_eq!(v["baseline"]["stale"][0]["file"], "b.js");
    assert_eq!(out.status.code(), Some(1));
    let human = stdout(&racelint(&["--baseline", "racelint-baseline.json"], dir.path()));
    assert!(human.contains("1 known finding in the baseline, 1 baseline entry no longer found (prune them)"), "{human}");
}

#[test]
fn eslint_json_has_eslints_shape() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", FLAG);
    write(dir.path(), "b.js", TORN);
    write(dir.path(), "c.js", "function (\n");
    let v = json(&racelint(&["--format", "eslint-json"], dir.path()));
    let files = v.as_array().unwrap();
    assert_eq!(files.len(), 3);
    let a = &files[0];
    assert!(a["filePath"].as_str().unwrap().ends_with("/a.js") && Path::new(a["filePath"].as_str().unwrap()).is_absolute());
    let m = &a["messages"][0];
    assert_eq!(
        (m["ruleId"].as_str(), m["severity"].as_u64(), m["line"].as_u64(), m["column"].as_u64()),
        (Some("RC001"), Some(2), Some(3), Some(5))
    );
    assert_eq!((m["endLine"].as_u64(), m["endColumn"].as_u64()), (Some(3), Some(16)));
    assert!(m["message"].as_str().unwrap().contains("count the runs"), "a flag set and reset around an await gets the counter fix");
    // ESLint's LintSuggestion: a fix replaces a range of UTF-16 offsets into the text
    let s = &m["suggestions"][0];
    assert!(s["desc"].as_str().unwrap().contains("racelint-ignore-next-line"), "{s}");
    let range: Vec<u64> = s["fix"]["range"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect();
    let at = FLAG.match_indices('\n').nth(1).unwrap().0 as u64 + 1;
    assert_eq!(range, [at, at], "inserted at the start of the finding's line");
    assert!(s["fix"]["text"].as_str().unwrap().ends_with("// racelint-ignore-next-line RC001: TODO: why this cannot race\n"), "{s}");
    assert_eq!((a["errorCount"].as_u64(), a["warningCount"].as_u64()), (Some(1), Some(0)));
    assert_eq!(files[1]["messages"][0]["severity"], 1, "RC002 is a warning");
    assert_eq!(files[2]["messages"][0]["fatal"], true);
    assert_eq!(files[2]["fatalErrorCount"], 1);
}

#[test]
fn sarif_is_valid_against_the_2_1_0_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("fixtures/schemas/sarif-2.1.0-rtm.5.json")).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "broken.js", "function (\n");
    for target in [root.join("fixtures/example-extension"), root.join("fixtures/cross-module"), dir.path().to_path_buf()] {
        let out = racelint(&["--format", "sarif", target.to_str().unwrap()], root);
        let v = json(&out);
        let errors: Vec<String> = validator.iter_errors(&v).map(|e| format!("{e} at {}", e.instance_path)).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", target.display());
    }
    // the validator does reject a broken document
    let mut broken = json(&racelint(&["--format", "sarif", "fixtures/example-extension"], root));
    broken["runs"][0]["results"][0]["level"] = serde_json::json!("catastrophic");
    assert!(!validator.is_valid(&broken));
    let v = json(&racelint(&["--format", "sarif", "fixtures/example-extension"], root));
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), racelint::rule_infos().count());
    assert!(run["tool"]["driver"]["rules"][0]["help"]["markdown"].as_str().unwrap().starts_with("# RC001"));
    let r = &run["results"][0];
    assert!(r["relatedLocations"].as_array().unwrap().len() >= 2, "the await and the other access");
    assert_eq!(r["partialFingerprints"]["racelint/v1"].as_str().unwrap().len(), 16);
}

#[test]
fn github_annotations_are_escaped_and_errors_come_first() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "b, c.js", TORN);
    write(dir.path(), "a.js", FLAG);
    let out = stdout(&racelint(&["--format", "github"], dir.path()));
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("::error file=a.js,line=3,endLine=3,col=5,endColumn=16,title=RC001 override-across-await::"), "{out}");
    assert!(lines[1].starts_with("::warning file=b%2C c.js,line=6,"), "{out}");
    assert!(lines[0].contains("%0A"), "multi-line messages are escaped: {out}");
    assert!(lines[2].starts_with("racelint: 2 findings"), "{out}");
}

#[test]
fn stdin_is_linted_as_the_named_file_with_imports_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "context.js",
        "let ctx = { tag: null };\nexport function setTag(t) { ctx.tag = t; }\nexport function clearTag() { ctx.tag = null; }\n",
    );
    write(dir.path(), "other.js", FLAG);
    write(dir.path(), "job.js", "export const x = 1;\n");
    let edited = "import { setTag, clearTag } from './context.js';\nexport async function job(send) {\n    setTag('a');\n    try { await send(); } finally { clearTag(); }\n}\n";
    let mut child = Command::new(env!("CARGO_BIN_EXE_racelint"))
        .args(["--format", "json", "--stdin-filename", "job.js"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(edited.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let v = json(&out);
    let got: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {} {}", f["rule"].as_str().unwrap(), f["file"].as_str().unwrap(), f["state"].as_str().unwrap()))
        .collect();
    assert_eq!(got, vec!["RC001 job.js ctx.tag"], "the unsaved text is linted, other.js is not reported");
    assert_eq!(v["findings"][0]["state_declared"]["file"], "context.js");
}

/// Every format's output on the example extension, snapshotted (absolute paths redacted).
#[test]
fn format_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for format in ["eslint-json", "sarif", "github"] {
        let out = stdout(&racelint(&["--format", format, "fixtures/example-extension"], root));
        let out = out.replace(&format!("{}/", root.display()), "[ROOT]/");
        insta::assert_snapshot!(format!("format_{format}"), out);
    }
}
