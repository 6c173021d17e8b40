//! Every diagnostic racelint prints on the fixtures reads as a sentence about this code: no
//! template text left in, no empty section, no place named as "(in ``)", and no help that
//! names a fix the state cannot take (a deep copy of a plain value). In the spirit of Clippy's
//! `tests/lint_message_convention.rs`.

use racelint::render::human::{render, Style};
use racelint::{lint, Options};

fn reports() -> Vec<(String, racelint::Report)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    ["rules", "cross-module", "example-extension", "components", "suppressions"]
        .iter()
        .map(|d| {
            let path = root.join(d);
            (d.to_string(), lint(&Options { paths: vec![path], ..Default::default() }))
        })
        .collect()
}

#[test]
fn diagnostics_have_no_template_text_or_empty_sections() {
    let mut checked = 0;
    for (dir, report) in reports() {
        for f in &report.findings {
            let texts =
                std::iter::once(&f.message).chain(std::iter::once(&f.help)).chain(&f.timeline).chain(f.labels.iter().map(|l| &l.message));
            for t in texts {
                assert!(!t.trim().is_empty(), "{dir}: {} in {}: an empty text", f.rule.code, f.function);
                assert!(!t.contains("``"), "{dir}: {} in {}: an empty name in {t:?}", f.rule.code, f.function);
                assert!(!t.contains("{state}") && !t.contains("{root}") && !t.contains("{}"), "{dir}: a placeholder left in {t:?}");
            }
            checked += 1;
        }
        let text = render(&report, Style { color: false, width: 100 });
        assert!(!text.contains("(in ``"), "{dir}: a finding without a function says (in ``):\n{text}");
        for (i, line) in text.lines().enumerate() {
            if line.trim_end().ends_with("how it interleaves:") {
                let next = text.lines().nth(i + 1).unwrap_or("");
                assert!(next.contains("task"), "{dir}: an empty 'how it interleaves:' section:\n{text}");
            }
        }
    }
    assert!(checked >= 60, "only {checked} findings checked");
}

#[test]
fn suppression_findings_name_no_function() {
    let (_, report) = reports().into_iter().find(|(d, _)| d == "suppressions").expect("suppressions");
    let codes: Vec<&str> = report.findings.iter().map(|f| f.rule.code).collect();
    assert!(codes.contains(&"RS001") && codes.contains(&"RS002"), "{codes:?}");
    let text = render(&report, Style { color: false, width: 100 });
    assert!(!text.contains("how it interleaves"), "{text}");
}

#[test]
fn a_plain_value_is_never_told_to_be_deep_copied() {
    for (dir, report) in reports() {
        for f in report.findings.iter().filter(|f| f.rule.code == "RC002") {
            let state = &report.program.states.iter().find(|s| s.name == f.state);
            if state.is_some_and(|s| s.scalar) {
                assert!(!f.help.contains("structuredClone"), "{dir}: {} is one value, yet: {}", f.state, f.help);
            }
        }
    }
}
