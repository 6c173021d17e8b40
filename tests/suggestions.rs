//! Every suggestion racelint makes on the fixtures is applied to the fixture's text and the
//! result linted again (Ruff's convergence check): the file still parses, and the finding is
//! gone (for a suppression comment: suppressed, with no RS001/RS002 about the comment).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use racelint::{lint_source, Options, Report};

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(dir);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flat_map(|e| {
            let p = e.unwrap().path();
            if p.is_dir() {
                std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()).collect()
            } else {
                vec![p]
            }
        })
        .filter(|p| p.extension().is_some_and(|e| e == "js" || e == "ts"))
        .collect();
    out.sort();
    out
}

/// What identifies a finding across edits that move lines.
fn key(f: &racelint::Finding) -> (String, String, String) {
    (f.rule.code.to_string(), f.function.clone(), f.state.clone())
}

fn count_of(report: &Report, k: &(String, String, String)) -> usize {
    report.findings.iter().filter(|f| key(f) == *k).count()
}

#[test]
fn every_suggestion_applied_removes_its_finding_and_the_file_still_parses() {
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for path in fixtures("rules").into_iter().chain(fixtures("suppressions")) {
        let text = std::fs::read_to_string(&path).unwrap();
        let report = lint_source(&path, &text, &Options::default());
        for f in &report.findings {
            let before = count_of(&report, &key(f));
            for s in &f.suggestions {
                assert!(!s.edits.is_empty(), "{}: a suggestion without edits: {}", path.display(), s.desc);
                assert!(s.edits.iter().all(|e| e.module == f.module), "{}: edits in one file", path.display());
                let edited = racelint::apply(&text, &s.edits);
                let what = format!("{}: {} in {}: {:?}\n--- edited:\n{edited}", path.display(), f.rule.code, f.function, s.desc);
                let again = lint_source(&path, &edited, &Options::default());
                assert!(again.errors.is_empty(), "{what}: the edited file does not parse: {:?}", again.errors);
                assert_eq!(count_of(&again, &key(f)), before - 1, "{what}: the finding is still reported");
                let meta: Vec<&str> = again.findings.iter().map(|f| f.rule.code).filter(|c| c.starts_with("RS")).collect();
                let meta_before = report.findings.iter().filter(|f| f.rule.code.starts_with("RS")).count();
                let removed_meta = usize::from(f.rule.code.starts_with("RS"));
                assert_eq!(meta.len(), meta_before - removed_meta, "{what}: a suppression finding appeared: {meta:?}");
                if s.desc.contains("racelint-ignore-next-line") {
                    assert!(again.suppressed.iter().any(|x| key(&x.finding) == key(f)), "{what}: not suppressed");
                    assert!(edited.contains(racelint::REASON_PLACEHOLDER));
                }
                // no new finding of another kind either
                assert!(
                    again.findings.len() < report.findings.len(),
                    "{what}: {} findings before, {} after",
                    report.findings.len(),
                    again.findings.len()
                );
                let kind = s.desc.split_whitespace().next().unwrap_or("").to_string();
                *kinds.entry(format!("{} {kind}", f.rule.code)).or_default() += 1;
            }
        }
    }
    eprintln!("suggestions applied: {kinds:?}");
    // each kind of suggestion was tried at least once
    for want in ["RC001 suppress", "RC002 snapshot", "RC002 read", "RC004 store", "RC004 suppress", "RS001 remove"] {
        assert!(kinds.contains_key(want), "no {want:?} suggestion was checked: {kinds:?}");
    }
}

#[test]
fn a_suppression_above_joins_the_list_of_the_one_already_there() {
    let text = "let busy = false;\nexport async function run(job) {\n    // racelint-ignore-next-line RC003: not this one\n    busy = true;\n    await job();\n    busy = false;\n}\n";
    let report = lint_source("a.js", text, &Options::default());
    let f = report.findings.iter().find(|f| f.rule.code == "RC001").expect("RC001");
    let s = f.suggestions.iter().find(|s| s.desc.starts_with("add RC001")).expect("joins the comment above");
    let edited = racelint::apply(text, &s.edits);
    assert!(edited.contains("racelint-ignore-next-line RC003, RC001: not this one"), "{edited}");
    let again = lint_source("a.js", &edited, &Options::default());
    assert!(again.findings.iter().all(|f| f.rule.code != "RC001"), "{:?}", again.findings);
}

#[test]
fn no_rewrite_when_the_state_is_also_used_in_a_way_a_snapshot_cannot_stand_for() {
    // `settings` is handed on whole after the await: the callee may keep or change it
    let text = "export const settings = { a: 1, b: 2 };\nexport function load(p) { Object.assign(settings, p); }\nexport async function send(check, use) {\n    const a = settings.a;\n    await check();\n    use(settings);\n    return { a, b: settings.b };\n}\n";
    let report = lint_source("a.js", text, &Options::default());
    let f = report.findings.iter().find(|f| f.rule.code == "RC002").expect("RC002");
    assert!(f.suggestions.iter().all(|s| s.desc.contains("racelint-ignore")), "{:?}", f.suggestions);
}

/// Applies the suggestion whose description starts with `desc` to `text` as file `path`, and
/// returns the edited text after checking that it parses and that the finding is gone.
fn apply_and_relint(path: &str, text: &str, rule: &str, desc: &str) -> String {
    let report = lint_source(path, text, &Options::default());
    let f = report.findings.iter().find(|f| f.rule.code == rule).unwrap_or_else(|| panic!("{rule} in {text}"));
    let s = f.suggestions.iter().find(|s| s.desc.starts_with(desc)).unwrap_or_else(|| panic!("{desc:?} in {:?}", f.suggestions));
    let edited = racelint::apply(text, &s.edits);
    let again = lint_source(path, &edited, &Options::default());
    assert!(again.errors.is_empty(), "{edited}\n{:?}", again.errors);
    assert!(again.findings.iter().all(|g| key(g) != key(f)), "still reported:\n{edited}");
    edited
}

#[test]
fn the_in_flight_promise_fits_a_braceless_if_an_undefined_check_and_typescript() {
    let js = "let cache;\nexport function reset() { cache = undefined; }\nexport async function get(load) {\n    if (cache === undefined) cache = await load();\n    return cache;\n}\n";
    let edited = apply_and_relint("a.js", js, "RC004", "store the in-flight");
    assert!(edited.contains("let cache;\nlet cacheLoading = null;\n"), "{edited}");
    assert!(edited.contains("{ cacheLoading ??= Promise.resolve(load())"), "{edited}");
    let ts = "let cache: string[] | null = null; // filled on demand\nexport function reset() { cache = null; }\nexport async function get(load: () => Promise<string[]>) {\n    if (!cache) {\n        cache = await load();\n    }\n    return cache;\n}\n";
    let edited = apply_and_relint("a.ts", ts, "RC004", "store the in-flight");
    assert!(edited.contains("// filled on demand\nlet cacheLoading: Promise<typeof cache> | null = null;\n"), "{edited}");
    // an `else`, or more in the block, is not the shape: no edit
    let other = js.replace("cache = await load();", "{ cache = await load(); console.log(1); }");
    let report = lint_source("a.js", &other, &Options::default());
    assert!(report.findings.iter().flat_map(|f| &f.suggestions).all(|s| !s.desc.starts_with("store")), "{other}");
}

#[test]
fn fixes_are_found_in_methods_of_classes_and_objects_from_the_function_text_alone() {
    // the function is parsed from its own text inside a wrapper: an expression, an object
    // literal, a class (static, private and TypeScript-modified methods)
    let body = "{\n        if (cache === null) {\n            cache = await load();\n        }\n        return cache;\n    }";
    let cases = [
        ("a.js", format!("let cache = null;\nexport function reset() {{ cache = null; }}\nexport const api = {{\n    async get(load) {body},\n}};\n")),
        ("b.js", format!("let cache = null;\nexport function reset() {{ cache = null; }}\nexport class Api {{\n    static async get(load) {body}\n}}\n")),
        ("c.js", format!("let cache = null;\nexport function reset() {{ cache = null; }}\nexport class Api {{\n    async #get(load) {body}\n    run(load) {{ return this.#get(load); }}\n}}\n")),
        ("d.ts", format!("let cache: string | null = null;\nexport function reset() {{ cache = null; }}\nexport class Api {{\n    public async get(load: () => Promise<string>) {body}\n}}\n")),
        ("e.js", format!("let cache = null;\nexport function reset() {{ cache = null; }}\nexport const get = async function (load) {body};\n")),
    ];
    for (path, text) in cases {
        let edited = apply_and_relint(path, &text, "RC004", "store the in-flight");
        assert!(edited.contains("cacheLoading ??= Promise.resolve(load())"), "{path}:\n{edited}");
    }
}
