//! Every rule fixture is linted on its own: `valid_*` files must produce no finding at all,
//! `invalid_*` files must produce a finding of their folder's rule and of no other, and the
//! rendered output of each is compared with its snapshot in `fixtures/rules/snapshots/`.

use std::path::{Path, PathBuf};

use racelint::render::human::{render, Style};
use racelint::{lint, Options};

fn lint_file(path: &Path) -> racelint::Report {
    lint(&Options { paths: vec![path.to_path_buf()], ..Default::default() })
}

fn relative(path: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

#[test]
fn rule_fixtures_find_what_they_say_and_nothing_else() {
    let mut checked = 0;
    insta::glob!("../fixtures/rules", "*/*.js", |abs| {
        let path = relative(abs);
        let code = path.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).expect("rule folder");
        let name = path.file_name().and_then(|n| n.to_str()).expect("file name");
        let report = lint_file(&path);
        assert!(report.errors.is_empty(), "{}: unexpected errors {:?}", path.display(), report.errors);
        let found: Vec<String> = report.findings.iter().map(|f| format!("{}@{}", f.rule.code, f.function)).collect();
        // the header says what the fixture shows: `// expect: RC003 in trackUsage — …` (and
        // optionally `, and not in other`) or `// expect: no findings — …`
        let text = std::fs::read_to_string(abs).expect("read fixture");
        let header = text.lines().next().unwrap_or("");
        let expect = header.strip_prefix("// expect: ").unwrap_or_else(|| panic!("{}: first line is not `// expect: …`", path.display()));
        let claim = expect.split(" — ").next().unwrap_or(expect).trim();
        if claim == "no findings" {
            assert!(name.starts_with("valid_"), "{}: says no findings but is not a valid_ fixture", path.display());
        } else {
            let (head, not_in) = match claim.split_once(", and not in ") {
                Some((h, n)) => (h, Some(n.trim())),
                None => (claim, None),
            };
            let (rule, function) = head.split_once(" in ").unwrap_or_else(|| panic!("{}: `{claim}` is not `RCnnn in fn`", path.display()));
            for function in function.split(" and in ") {
                let want = format!("{}@{}", rule.trim(), function.trim());
                assert!(found.contains(&want), "{}: the header expects {want}, found {found:?}", path.display());
            }
            if let Some(other) = not_in {
                assert!(
                    !found.iter().any(|f| f.ends_with(&format!("@{other}"))),
                    "{}: expected nothing in {other}, found {found:?}",
                    path.display()
                );
            }
        }
        if name.starts_with("valid_") {
            assert!(found.is_empty(), "{}: a valid fixture produced findings: {found:?}", path.display());
        } else {
            assert!(name.starts_with("invalid_"), "{}: fixtures are named valid_* or invalid_*", path.display());
            assert!(found.iter().any(|f| f.starts_with(code)), "{}: expected {code}, found {found:?}", path.display());
            assert!(found.iter().all(|f| f.starts_with(code)), "{}: expected only {code}, found {found:?}", path.display());
        }
        // the snapshot sits beside the fixtures, in `fixtures/rules/snapshots/`
        insta::with_settings!({ snapshot_path => "../fixtures/rules/snapshots" }, {
            insta::assert_snapshot!(render(&report, Style { color: false, width: 100 }));
        });
        checked += 1;
    });
    assert!(checked >= 50, "only {checked} fixtures were checked");
}

#[test]
fn every_rule_has_at_least_four_valid_and_four_invalid_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    for rule in racelint::RULES.iter().map(|r| &r.info) {
        let dir = root.join(rule.code);
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        let valid = names.iter().filter(|n| n.starts_with("valid_")).count();
        let invalid = names.iter().filter(|n| n.starts_with("invalid_")).count();
        assert!(valid >= 4 && invalid >= 4, "{}: {valid} valid and {invalid} invalid fixtures", rule.code);
    }
}

/// What adding a rule must bring besides its code: a snapshot for each of its fixtures (and none
/// left over from a fixture that is gone), its doc at `rules/<code>-<name>.md`, and its row in
/// the README's rule table with the severity the code uses (the suppression diagnostics' too).
#[test]
fn every_rule_has_its_snapshots_doc_and_readme_row() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let prefix = "fixtures__rule_fixtures_find_what_they_say_and_nothing_else@";
    let snapshots: Vec<String> = std::fs::read_dir(root.join("fixtures/rules/snapshots"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| Some(n.strip_prefix(prefix)?.strip_suffix(".snap")?.to_string()))
        .collect();
    let mut fixtures = Vec::new();
    for rule in racelint::RULES.iter().map(|r| &r.info) {
        let dir = root.join("fixtures/rules").join(rule.code);
        for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let name = e.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".js") {
                fixtures.push(format!("{}__{name}", rule.code));
            }
        }
        let doc = root.join(format!("rules/{}-{}.md", rule.code, rule.name));
        let on_disk = std::fs::read_to_string(&doc).unwrap_or_else(|e| panic!("{}: {e}", doc.display()));
        assert_eq!(on_disk, rule.doc, "{}: the rule's doc is not {}", rule.code, doc.display());
    }
    for f in &fixtures {
        assert!(snapshots.contains(f), "fixtures/rules/{}: no snapshot (bless it: INSTA_UPDATE=always)", f.replacen("__", "/", 1));
    }
    for s in &snapshots {
        assert!(fixtures.contains(s), "fixtures/rules/snapshots/{prefix}{s}.snap: its fixture is gone");
    }
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for info in racelint::rule_infos() {
        let row = format!(" | `{}` | {} | ", info.name, info.severity.as_str());
        assert!(
            readme.lines().any(|l| l.starts_with('|') && l.contains(info.code) && l.contains(&row)),
            "{}: the README's rule table has no row `{}{row}…`",
            info.code,
            info.code
        );
    }
}

#[test]
fn example_extension_reports_its_planted_races() {
    let report = lint_file(Path::new("fixtures/example-extension"));
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let mut got: Vec<(String, String, &str)> = report
        .findings
        .iter()
        .map(|f| {
            (
                report.program.modules[f.module as usize].path.file_name().unwrap().to_string_lossy().into_owned(),
                f.function.clone(),
                f.rule.code,
            )
        })
        .collect();
    got.sort();
    let want = [
        ("connection.js", "applyProfile", "RC005"),
        ("index.js", "summarizeMessage", "RC002"),
        ("interceptor.js", "wrappedGenerateRaw", "RC001"),
        ("operationContext.js", "withOperationSuffix", "RC001"),
        ("queue.js", "recordTokens", "RC003"),
        ("settings.js", "loadSettings", "RC004"),
    ];
    let got: Vec<(&str, &str, &str)> = got.iter().map(|(a, b, c)| (a.as_str(), b.as_str(), *c)).collect();
    assert_eq!(got, want);
    insta::assert_snapshot!(racelint::render::json::render(&report));
}

/// RC-EXT-1..3 rebuilt in the extension's shape: an `export *` barrel, a dynamic
/// `await import('./index.js')`, `_context` set and cleared from other files, and the
/// connection switch through `getContext().executeSlashCommandsWithOptions('/profile …')`.
#[test]
fn cross_module_extension_races_are_found_through_imports_and_the_host_model() {
    let report = lint_file(Path::new("fixtures/cross-module/auto-summarize"));
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let got: Vec<(String, &str, String, Option<String>)> = report
        .findings
        .iter()
        .map(|f| {
            let declared = f
                .state_declared
                .map(|s| report.program.modules[s.module as usize].path.file_name().unwrap().to_string_lossy().into_owned());
            (f.function.clone(), f.rule.code, f.state.clone(), declared)
        })
        .collect();
    let want = vec![
        ("switchConnectionSettings".to_string(), "RC005", "SillyTavern connection profile".to_string(), None),
        ("withConnectionSettings".to_string(), "RC001", "SillyTavern connection profile".to_string(), None),
        ("wrappedGenerateRaw".to_string(), "RC001", "_isInterceptorActive".to_string(), Some("generateRawInterceptor.js".to_string())),
        ("lookupEntity".to_string(), "RC001", "_context.suffix".to_string(), Some("operationContext.js".to_string())),
        ("runSceneSummary".to_string(), "RC001", "_context.suffix".to_string(), Some("operationContext.js".to_string())),
    ];
    assert_eq!(got, want);
    insta::assert_snapshot!(render(&report, Style { color: false, width: 100 }));
}

#[test]
fn syntax_fixtures_parse_without_errors() {
    let report = lint_file(Path::new("fixtures/syntax"));
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.files(), 6);
    let found: Vec<(String, &str)> = report.findings.iter().map(|f| (f.function.clone(), f.rule.code)).collect();
    assert_eq!(found, vec![("trackRequest".to_string(), "RC003"), ("getTokenizer".to_string(), "RC004")]);
}

/// The `## Example` block of each rule's doc triggers the rule; the `## Fix` block is silent.
#[test]
fn rule_doc_examples_behave_as_documented() {
    for rule in racelint::RULES.iter().map(|r| &r.info) {
        let example = code_block(rule.doc, "## Example").unwrap_or_else(|| panic!("{}: no Example block", rule.code));
        let fix = code_block(rule.doc, "## Fix").unwrap_or_else(|| panic!("{}: no Fix block", rule.code));
        let report = racelint::lint_source("example.js", &example, &Options::default());
        assert!(report.errors.is_empty(), "{}: example does not parse: {:?}", rule.code, report.errors);
        let codes: Vec<&str> = report.findings.iter().map(|f| f.rule.code).collect();
        assert!(codes.contains(&rule.code), "{}: the doc's example is not reported (found {codes:?})", rule.code);
        let report = racelint::lint_source("fix.js", &fix, &Options::default());
        let codes: Vec<&str> = report.findings.iter().map(|f| f.rule.code).collect();
        assert!(codes.is_empty(), "{}: the doc's fix is still reported: {codes:?}", rule.code);
    }
}

fn code_block(doc: &str, heading: &str) -> Option<String> {
    let section = doc.split(heading).nth(1)?;
    let start = section.find("```js")? + 5;
    let end = section[start..].find("```")?;
    Some(section[start..start + end].to_string())
}

/// Vue and Svelte components: their `<script>` and `<script setup>` blocks are linted (with
/// `lang="ts"` as TypeScript) and every format reports positions in the component file; a
/// module's `import … from './X.vue'` resolves to the component.
#[test]
fn components_are_linted_at_their_own_lines_and_columns() {
    let report = lint_file(Path::new("fixtures/components"));
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.files(), 4);
    let json: serde_json::Value = serde_json::from_str(&racelint::render::json::render(&report)).unwrap();
    let got: Vec<(String, String, u64, u64, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let declared = f["state_declared"]["file"].as_str().unwrap_or("").to_string();
            (
                f["rule"].as_str().unwrap().into(),
                f["file"].as_str().unwrap().into(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                declared,
            )
        })
        .collect();
    let want = [
        ("RC001", "fixtures/components/Counter.svelte", 11, 5, "fixtures/components/Counter.svelte"),
        ("RC003", "fixtures/components/RefreshPanel.vue", 23, 5, "fixtures/components/RefreshPanel.vue"),
        // the state comes from the `.vue` file the module imports
        ("RC002", "fixtures/components/useProfile.js", 9, 34, "fixtures/components/ProfileSettings.vue"),
    ];
    let want: Vec<(String, String, u64, u64, String)> =
        want.iter().map(|(r, f, l, c, d)| (r.to_string(), f.to_string(), *l, *c, d.to_string())).collect();
    assert_eq!(got, want);
    // the same positions in the other formats
    let eslint: serde_json::Value = serde_json::from_str(&racelint::render::eslint::render(&report)).unwrap();
    let vue = eslint.as_array().unwrap().iter().find(|f| f["filePath"].as_str().unwrap().ends_with("RefreshPanel.vue")).unwrap();
    assert_eq!((vue["messages"][0]["line"].as_u64(), vue["messages"][0]["column"].as_u64()), (Some(23), Some(5)));
    let sarif: serde_json::Value = serde_json::from_str(&racelint::render::sarif::render(&report)).unwrap();
    let region = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["locations"][0]["physicalLocation"])
        .find(|l| l["artifactLocation"]["uri"].as_str().unwrap().ends_with("RefreshPanel.vue"))
        .map(|l| (l["region"]["startLine"].as_u64(), l["region"]["startColumn"].as_u64()));
    assert_eq!(region, Some((Some(23), Some(5))));
    let github = racelint::render::github::render(&report);
    assert!(github.contains("file=fixtures/components/RefreshPanel.vue,line=23,endLine=23,col=5"), "{github}");
    insta::assert_snapshot!(render(&report, Style { color: false, width: 100 }));
}

/// A component whose `<script>` is never closed is an error at the tag, not a panic or silence.
#[test]
fn an_unclosed_component_script_is_an_error_with_its_position() {
    let report = racelint::lint_source("Broken.vue", "<template><p>hi</p></template>\n<script setup>\nlet a = 1;\n", &Options::default());
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(report.errors[0].offset, Some(31));
    assert!(report.errors[0].message.contains("</script>"), "{}", report.errors[0].message);
}

fn lint_with(path: &str, include_generated: bool) -> racelint::Report {
    lint(&Options { paths: vec![PathBuf::from(path)], include_generated, ..Default::default() })
}

fn places(report: &racelint::Report) -> Vec<(String, String)> {
    let json: serde_json::Value = serde_json::from_str(&racelint::render::json::render(report)).unwrap();
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_string(), format!("{}:{}:{}", f["file"].as_str().unwrap(), f["line"], f["column"])))
        .collect()
}

/// A tree with its committed bundle and source map: the races are reported in the source only,
/// and the bundle is listed as skipped with the reason; `--include-generated` or naming the
/// bundle lints it.
#[test]
fn a_committed_bundle_of_sources_in_the_tree_is_skipped_with_its_reason() {
    let report = lint_with("fixtures/generated/with-sources", false);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(places(&report), [("RC003".to_string(), "fixtures/generated/with-sources/src/index.js:8:5".to_string())]);
    let skipped: Vec<(String, &str)> = report.skipped.iter().map(|s| (s.path.to_string_lossy().into_owned(), s.reason.as_str())).collect();
    assert_eq!(
        skipped,
        [(
            "fixtures/generated/with-sources/dist/index.js".to_string(),
            "source map lists fixtures/generated/with-sources/src/tokens.js and 1 more file"
        )]
    );
    let json: serde_json::Value = serde_json::from_str(&racelint::render::json::render(&report)).unwrap();
    assert_eq!(json["skipped"][0]["file"], "fixtures/generated/with-sources/dist/index.js");
    insta::assert_snapshot!(render(&report, Style { color: false, width: 100 }));

    let all = lint_with("fixtures/generated/with-sources", true);
    assert!(all.skipped.is_empty());
    let got = places(&all);
    assert!(got.iter().any(|(r, p)| r == "RC003" && p.starts_with("fixtures/generated/with-sources/dist/index.js:")), "{got:?}");
    // the bundle's finding points back, through the source map, at the source's
    let bundled = all
        .findings
        .iter()
        .find(|f| all.program.modules[f.module as usize].path.starts_with("fixtures/generated/with-sources/dist"))
        .unwrap();
    let original = bundled.original.as_ref().map(|o| format!("{}:{}:{}", o.file, o.line, o.column));
    assert_eq!(original.as_deref(), Some("fixtures/generated/with-sources/src/index.js:8:5"));
    insta::assert_snapshot!("bundle_included", render(&all, Style { color: false, width: 100 }));
    let named = lint_with("fixtures/generated/with-sources/dist/index.js", false);
    assert!(named.skipped.is_empty() && named.findings.len() == 1, "{:?}", places(&named));
}

/// A bundle whose map lists sources that are not in the tree is all there is: it is linted.
#[test]
fn a_bundle_without_its_sources_is_linted() {
    let report = lint_with("fixtures/generated/without-sources", false);
    assert!(report.errors.is_empty() && report.skipped.is_empty(), "{:?} {:?}", report.errors, report.skipped);
    assert_eq!(places(&report), [("RC004".to_string(), "fixtures/generated/without-sources/vendor/queue.js:5:8".to_string())]);
    let json = racelint::render::json::render(&report);
    assert!(!json.contains("\"skipped\""), "no `skipped` key when nothing is skipped");
    insta::assert_snapshot!(render(&report, Style { color: false, width: 100 }));
}

#[test]
fn every_rule_doc_states_the_severity_the_code_uses() {
    for rule in racelint::RULES.iter().map(|r| &r.info) {
        let stated = rule
            .doc
            .split("## Default severity")
            .nth(1)
            .and_then(|rest| rest.lines().map(str::trim).find(|l| !l.is_empty()))
            .unwrap_or_else(|| panic!("{}: the doc has no 'Default severity' section", rule.code));
        assert_eq!(stated, rule.severity.as_str(), "{}: the doc says {stated}, the code {}", rule.code, rule.severity.as_str());
        assert!(rule.doc.starts_with(&format!("# {}: {}", rule.code, rule.name)), "{}: the doc's title names another rule", rule.code);
    }
}
