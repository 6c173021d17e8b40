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
    write(dir.path(), "bom.js", format!("\u{feff}{FLAG}"));
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
    assert!(
        bom["timeline"].as_array().unwrap().iter().any(|t| t.as_str().unwrap().contains("awaits at line 4: `await job()`")),
        "{}",
        bom["timeline"]
    );
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
fn a_run_that_checks_nothing_says_so_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "README.md", "# no code\n");
    write(dir.path(), "node_modules/x/index.js", FLAG);
    let out = rl(&["."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no JavaScript or TypeScript files to lint in ."), "{}", stderr(&out));
    let out = rl(&["--format", "json", "--exclude", "*.js", "."], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_named_file_that_an_exclude_drops_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "lib/vendor.js", FLAG);
    write(dir.path(), "src/a.js", TORN);
    let out = rl(&["--exclude", "lib/**", "lib/vendor.js", "src/a.js"], dir.path());
    assert!(stderr(&out).contains("warning: lib/vendor.js is not linted: it matches --exclude"), "{}", stderr(&out));
    write(dir.path(), "racelint.toml", "exclude = ['lib/**']\n");
    let out = rl(&["lib/vendor.js"], dir.path());
    let err = stderr(&out);
    assert!(err.contains("lib/vendor.js is not linted") && err.contains("racelint.toml"), "{err}");
    assert_eq!(out.status.code(), Some(2), "nothing left to lint");
}

#[test]
fn a_quoted_glob_is_expanded() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/flag.js", FLAG);
    write(dir.path(), "src/deep/torn.js", TORN);
    write(dir.path(), "src/notes.txt", "x");
    let v = json(&rl(&["--format", "json", "src/*.js"], dir.path()));
    assert_eq!(rules_of(&v), vec!["RC001:3"], "`*` stays in its folder");
    assert_eq!(v["summary"]["files"], 1);
    let v = json(&rl(&["--format", "json", "./src/**/*.js"], dir.path()));
    assert_eq!(v["summary"]["files"], 2);
    let out = rl(&["src/*.ts"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no JavaScript or TypeScript files match the glob `src/*.ts`"), "{}", stderr(&out));
}

#[test]
fn misspelled_directives_are_rs002() {
    let dir = tempfile::tempdir().unwrap();
    let text = FLAG.replace("    busy = true;", "    // racelint-disable-next-line RC001: one caller\n    busy = true;");
    write(dir.path(), "a.js", format!("// racelint-ignore-line RC002: typo\n{text}"));
    let out = rl(&["--format", "json", "a.js"], dir.path());
    let v = json(&out);
    assert_eq!(rules_of(&v), vec!["RS002:1", "RS002:4", "RC001:5"]);
    assert!(v["findings"][0]["message"].as_str().unwrap().contains("`racelint-ignore-line` is not a racelint directive"));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn the_config_nearest_the_linted_path_applies() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ext/racelint.toml", "[rules]\nRC001 = 'off'\n");
    write(dir.path(), "ext/src/flag.js", FLAG);
    write(dir.path(), "other/flag.js", FLAG);
    // from the parent folder, as CI runs it
    let v = json(&rl(&["--format", "json", "ext/src"], dir.path()));
    assert_eq!(rules_of(&v), Vec::<String>::new(), "ext/racelint.toml turns RC001 off");
    let v = json(&rl(&["--format", "json", "ext/src/flag.js"], dir.path()));
    assert_eq!(rules_of(&v), Vec::<String>::new());
    // an editor's buffer finds the config of its file
    let out = with_stdin(&["--format", "json", "--stdin-filename", "ext/src/flag.js"], dir.path(), FLAG);
    assert_eq!(rules_of(&json(&out)), Vec::<String>::new());
    let v = json(&rl(&["--format", "json", "other"], dir.path()));
    assert_eq!(rules_of(&v), vec!["RC001:3"]);
    let out = rl(&["ext", "other"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("different racelint.toml files"), "{}", stderr(&out));
}

#[test]
fn fail_on_warn_and_never_in_the_config_and_as_a_flag() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "torn.js", TORN);
    write(dir.path(), "racelint.toml", "fail-on = 'warn'\n");
    assert_eq!(rl(&["torn.js"], dir.path()).status.code(), Some(1), "warn is warning");
    write(dir.path(), "racelint.toml", "fail-on = 'never'\n");
    assert_eq!(rl(&["torn.js"], dir.path()).status.code(), Some(0));
    write(dir.path(), "racelint.toml", "fail-on = 'off'\n");
    let out = rl(&["torn.js"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("\"warning\" (or \"warn\"), \"error\" or \"never\"") && !stderr(&out).contains("\"off\""),
        "{}",
        stderr(&out)
    );
    write(dir.path(), "racelint.toml", "");
    assert_eq!(rl(&["torn.js"], dir.path()).status.code(), Some(1));
    assert_eq!(rl(&["--fail-on", "error", "torn.js"], dir.path()).status.code(), Some(0));
    assert_eq!(rl(&["--fail-on", "never", "torn.js"], dir.path()).status.code(), Some(0));
    write(dir.path(), "racelint.toml", "fail-on = 'error'\n");
    assert_eq!(rl(&["--fail-on", "warn", "torn.js"], dir.path()).status.code(), Some(1), "the flag wins over the config");
    let out = rl(&["--fail-on", "sometimes", "torn.js"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn max_warnings_fails_a_run_with_too_many_warnings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "torn.js", TORN);
    assert_eq!(rl(&["--fail-on", "error", "--max-warnings", "0", "torn.js"], dir.path()).status.code(), Some(1));
    assert_eq!(rl(&["--fail-on", "error", "--max-warnings", "1", "torn.js"], dir.path()).status.code(), Some(0));
    let out = rl(&["--fail-on", "error", "--max-warnings", "0", "torn.js"], dir.path());
    assert!(stderr(&out).contains("1 warning, more than --max-warnings 0"), "{}", stderr(&out));
}

#[test]
fn quiet_reports_errors_only() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "torn.js", TORN);
    write(dir.path(), "flag.js", FLAG);
    let v = json(&rl(&["--format", "json", "--quiet", "."], dir.path()));
    assert_eq!(rules_of(&v), vec!["RC001:3"], "the RC002 warning is not shown");
    let out = rl(&["-q", "torn.js"], dir.path());
    assert_eq!(out.status.code(), Some(0), "and does not fail the run");
    assert!(!stdout(&out).contains("torn-read"), "{}", stdout(&out));
}

#[test]
fn output_file_receives_the_report() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "flag.js", FLAG);
    let out = rl(&["--format", "sarif", "-o", "out.sarif", "flag.js"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.sarif")).unwrap()).unwrap();
    assert_eq!(v["runs"][0]["results"][0]["ruleId"], "RC001");
    // the same through the warm-run cache, which stores the output
    let cache = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        std::fs::remove_file(dir.path().join("out.sarif")).ok();
        let out = racelint(
            &["--cache-dir", cache.path().to_str().unwrap(), "--output-file", "out.json", "--format", "json", "flag.js"],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(1));
        assert!(out.stdout.is_empty());
        assert_eq!(json_file(&dir.path().join("out.json"))["summary"]["findings"], 1);
    }
    let out = rl(&["-o", "no/such/dir/out.txt", "flag.js"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot write no/such/dir/out.txt"), "{}", stderr(&out));
}

#[test]
fn a_report_written_to_a_file_has_no_colour_even_from_a_terminal() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("notice: `script` (util-linux) not found; colour under a terminal not checked");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "flag.js", FLAG);
    let bin = env!("CARGO_BIN_EXE_racelint");
    // `script` gives racelint a terminal on stdout
    let run = |extra: &str| {
        Command::new("script")
            .args(["-qec", &format!("{bin} --no-cache {extra} flag.js"), "/dev/null"])
            .current_dir(dir.path())
            .env_remove("NO_COLOR")
            .output()
            .unwrap()
    };
    let on_terminal = run("");
    assert!(stdout(&on_terminal).contains("\u{1b}["), "coloured on a terminal: {}", stdout(&on_terminal));
    run("-o report.txt");
    let report = std::fs::read_to_string(dir.path().join("report.txt")).unwrap();
    assert!(report.contains("racelint(override-across-await)") && !report.contains('\u{1b}'), "{report}");
}

fn json_file(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn human_mode_closes_with_what_was_checked_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "flag.js", FLAG);
    write(dir.path(), "torn.js", TORN);
    let out = rl(&["."], dir.path());
    let err = stderr(&out);
    let last = err.lines().last().unwrap_or_default();
    assert!(last.starts_with("Checked 2 files in ") && last.ends_with(" ms"), "{err}");
    let out = rl(&["--format", "json", "."], dir.path());
    assert!(!stderr(&out).contains("Checked"), "machine formats keep stderr quiet");
}

#[test]
fn threads_gives_the_same_output() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "flag.js", FLAG);
    write(dir.path(), "torn.js", TORN);
    let one = rl(&["--format", "json", "--threads", "1", "."], dir.path());
    let two = rl(&["--format", "json", "--threads", "2", "."], dir.path());
    assert_eq!(one.stdout, two.stdout);
    assert_eq!(json(&one)["summary"]["findings"], 2);
    assert_eq!(rl(&["--threads", "0", "."], dir.path()).status.code(), Some(2));
}

#[test]
fn rules_lists_as_json() {
    let out = racelint(&["rules", "--format", "json"], root());
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let rules = v.as_array().unwrap();
    let all: Vec<&racelint::RuleInfo> = racelint::rule_infos().collect();
    assert_eq!(rules.len(), all.len());
    assert_eq!(rules[0]["code"], "RC001");
    assert_eq!(rules[0]["name"], "override-across-await");
    assert_eq!(rules[0]["severity"], "error");
    assert!(rules[0]["doc"].as_str().unwrap().starts_with("# RC001"));
    for (listed, info) in rules.iter().zip(&all) {
        assert_eq!(listed["code"], info.code);
    }
}

#[test]
fn init_writes_a_starter_config_that_loads_and_does_not_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "flag.js", FLAG);
    let out = racelint(&["init"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.path().join("racelint.toml")).unwrap();
    assert!(text.contains("fail-on") && text.contains("[rules]") && text.contains("exclude"), "{text}");
    racelint::config::Config::parse(Path::new("racelint.toml"), &text).expect("the starter parses");
    assert_eq!(rl(&["flag.js"], dir.path()).status.code(), Some(1), "and lints with it");
    let out = racelint(&["init"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists"));
    assert_eq!(std::fs::read_to_string(dir.path().join("racelint.toml")).unwrap(), text);
    // with the npm package installed, the schema line is live
    let npm = tempfile::tempdir().unwrap();
    write(npm.path(), "node_modules/racelint/racelint.schema.json", "{}");
    assert_eq!(racelint(&["init"], npm.path()).status.code(), Some(0));
    let text = std::fs::read_to_string(npm.path().join("racelint.toml")).unwrap();
    assert!(text.starts_with("#:schema ./node_modules/racelint/racelint.schema.json\n"), "{text}");
}

#[test]
fn completions_are_printed_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef racelint"),
        ("fish", "complete -c racelint"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = racelint(&["completions", shell], root());
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = stdout(&out);
        assert!(text.contains(marker) && text.contains("--max-warnings"), "{shell}: {}", &text[..text.len().min(300)]);
    }
    assert_eq!(racelint(&["completions", "tcsh"], root()).status.code(), Some(2));
}

#[test]
fn the_config_schema_in_the_repository_accepts_the_starter_and_rejects_typos() {
    let schema: serde_json::Value = json_file(&root().join("racelint.schema.json"));
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let as_json = |toml_text: &str| -> serde_json::Value { toml::from_str::<serde_json::Value>(toml_text).unwrap() };
    let starter = as_json(racelint::config::STARTER);
    assert!(validator.is_valid(&starter), "{:?}", validator.iter_errors(&starter).map(|e| e.to_string()).collect::<Vec<_>>());
    let full = as_json("\"$schema\" = 'x'\nexclude = ['lib/**']\nhost-models = ['h.toml']\nfail-on = 'never'\n[rules]\nRC001 = 'warn'\nnon-atomic-update = 'error'\n");
    assert!(validator.is_valid(&full));
    for bad in ["fail_on = 'error'\n", "fail-on = 'off'\n", "[rules]\nRC009 = 'off'\n", "[rules]\nRC001 = 'loud'\n", "exclude = 'lib'\n"] {
        assert!(!validator.is_valid(&as_json(bad)), "{bad}");
    }
    // every rule the binary knows is in the schema, by code and by name
    for r in racelint::rule_infos() {
        for key in [r.code, r.name] {
            assert!(validator.is_valid(&as_json(&format!("[rules]\n{key} = 'off'\n"))), "{key}");
        }
    }
    assert!(std::fs::read_to_string(root().join("README.md")).unwrap().contains("racelint.schema.json"), "the README points to it");
}
