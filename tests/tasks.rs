//! The task model on `fixtures/tasks/`: each fixture's header says which finding it has, whether
//! two tasks overlap there or it is latent, and which kinds of task A and B are:
//! `// expect: overlapping RC003 in onMessage, tasks event handler and event handler — …` or
//! `// expect: latent RC003 in init — …`. The rendered output is snapshotted beside them.

use std::path::{Path, PathBuf};

use racelint::render::human::{render, Style};
use racelint::{lint, Options, Severity};

fn relative(path: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

#[test]
fn task_fixtures_overlap_or_are_latent_as_they_say() {
    let mut checked = 0;
    insta::glob!("../fixtures/tasks", "*.js", |abs| {
        let path = relative(abs);
        let report = lint(&Options { paths: vec![path.clone()], ..Default::default() });
        assert!(report.errors.is_empty(), "{}: unexpected errors {:?}", path.display(), report.errors);
        let text = std::fs::read_to_string(abs).expect("read fixture");
        let header = text.lines().next().unwrap_or("");
        let expect = header.strip_prefix("// expect: ").unwrap_or_else(|| panic!("{}: first line is not `// expect: …`", path.display()));
        let claim = expect.split(" — ").next().unwrap_or(expect).trim();
        let (claim, not_in) = match claim.split_once(", and not in ") {
            Some((c, n)) => (c, Some(n.trim())),
            None => (claim, None),
        };
        // `, B through f`: task B's path reaches `f` (the most telling writer is named)
        let (claim, b_through) = match claim.split_once(", B through ") {
            Some((c, f)) => (c, Some(f.trim())),
            None => (claim, None),
        };
        let (head, kinds) = match claim.split_once(", tasks ") {
            Some((h, k)) => (h, Some(k)),
            None => (claim, None),
        };
        let (concurrency, rest) = head.split_once(' ').expect("`overlapping` or `latent` first");
        let (rule, function) = rest.split_once(" in ").expect("`RCnnn in fn`");
        let f = report
            .findings
            .iter()
            .find(|f| f.rule.code == rule && f.function == function)
            .unwrap_or_else(|| panic!("{}: no {rule} in {function}", path.display()));
        let tasks = f.tasks.as_ref().expect("findings of rules have tasks");
        match concurrency {
            "latent" => {
                assert!(tasks.latent, "{}: expected latent", path.display());
                assert_eq!(f.severity, Severity::Note, "{}: latent findings are notes", path.display());
                assert!(!tasks.reason.is_empty(), "{}: a latent finding says why", path.display());
            }
            "overlapping" => {
                assert!(!tasks.latent, "{}: expected overlapping, got latent: {}", path.display(), tasks.reason);
                assert_ne!(f.severity, Severity::Note);
                let kinds: Vec<&str> = kinds.expect("overlapping fixtures name their tasks").split(" and ").collect();
                let found: Vec<&str> = tasks.tasks.iter().map(|t| t.kind.as_str()).collect();
                assert_eq!(found, kinds, "{}: task kinds", path.display());
                // the timeline says which tasks A and B are
                assert!(f.timeline[0].starts_with("task A  is "), "{}: {:?}", path.display(), f.timeline);
                if let Some(through) = b_through {
                    let b = tasks.tasks.get(1).unwrap_or_else(|| panic!("{}: no task B", path.display()));
                    assert!(b.path.iter().any(|p| p == through), "{}: task B runs {:?}, not through `{through}`", path.display(), b.path);
                }
            }
            other => panic!("{}: `{other}` is not overlapping or latent", path.display()),
        }
        if let Some(other) = not_in {
            assert!(
                !report.findings.iter().any(|f| f.function == other && f.severity != Severity::Note),
                "{}: expected no warning or error in {other}",
                path.display()
            );
        }
        insta::with_settings!({ snapshot_path => "../fixtures/tasks/snapshots" }, {
            insta::assert_snapshot!(render(&report, Style { color: false, width: 100 }));
        });
        checked += 1;
    });
    assert!(checked >= 10, "only {checked} task fixtures were checked");
}

#[test]
fn latent_findings_do_not_fail_the_run_unless_asked() {
    let path = PathBuf::from("fixtures/tasks/ready_callback_once.js");
    let report = lint(&Options { paths: vec![path.clone()], ..Default::default() });
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.exit_code(), 0, "a latent note alone passes by default");
    let strict = racelint::config::Config { fail_on: Some(racelint::config::FailOn::Note), ..Default::default() };
    let report = lint(&Options { paths: vec![path], config: strict, ..Default::default() });
    assert_eq!(report.exit_code(), 1, "--fail-on note fails on it");
}

/// Test runners run every test file in a realm of its own (`rules/hosts/test-runner.toml`):
/// two test files that stub the one `globalThis.fetch` never meet, while two modules of one page
/// that do the same race. Both folders hold the same code but for who runs it.
#[test]
fn test_files_run_in_realms_of_their_own_and_modules_of_a_page_do_not() {
    let lint_dir = |dir: &str| lint(&Options { paths: vec![PathBuf::from(dir)], ..Default::default() });
    let tests = lint_dir("fixtures/tasks/realms");
    assert_eq!(tests.findings.len(), 2, "one override per test file");
    for f in &tests.findings {
        let tasks = f.tasks.as_ref().expect("tasks");
        assert!(tasks.latent, "{}: the other file's test is another realm: {:?}", f.function, tasks.tasks);
        assert!(tasks.reason.contains("in the tests of `"), "{}", tasks.reason);
    }
    let page = lint_dir("fixtures/tasks/one-realm");
    assert_eq!(page.findings.len(), 2, "one override per module");
    for f in &page.findings {
        let tasks = f.tasks.as_ref().expect("tasks");
        assert!(!tasks.latent, "{}: the other module's timer runs meanwhile", f.function);
        let started: Vec<u32> = tasks.tasks.iter().filter_map(|t| t.site.map(|s| s.module)).collect();
        assert_eq!(started.len(), 2);
        assert_ne!(started[0], started[1], "task B is the other module's timer");
    }
}
