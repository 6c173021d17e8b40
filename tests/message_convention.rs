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

#[test]
fn labels_nested_in_one_line_point_at_their_own_columns() {
    let text = "let total = 0;\nexport async function add() {\n  total += await f();\n}\nasync function f() { return fetch('/n'); }\n";
    let report = racelint::lint_source("a.js", text, &Options::default());
    let out = render(&report, Style { color: false, width: 100 });
    let lines: Vec<&str> = out.lines().collect();
    let code = lines.iter().position(|l| l.ends_with("total += await f();")).expect("the frame");
    let col = |s: &str| lines[code].find(s).unwrap();
    // each label's arrow starts under its own code: the read, the `+=`, the await
    let underline = lines[code + 1];
    let marks: Vec<usize> = underline.char_indices().filter(|(_, c)| *c == '┬').map(|(i, _)| underline[..i].chars().count()).collect();
    let chars = |i: usize| lines[code][..i].chars().count();
    let (read, op, wait) = (chars(col("total")), chars(col("+=")), chars(col("await")));
    assert_eq!(marks.len(), 3, "{out}");
    assert!(read <= marks[0] && marks[0] < read + 5, "the read arrow under `total`:\n{out}");
    assert!(op <= marks[1] && marks[1] < op + 2, "the write arrow under `+=`:\n{out}");
    assert!(wait <= marks[2] && marks[2] < wait + 9, "the await arrow under `await f()`:\n{out}");
}

#[test]
fn wrapped_timeline_lines_keep_their_indent() {
    for (dir, report) in reports() {
        let text = render(&report, Style { color: false, width: 60 });
        let mut in_timeline = false;
        for line in text.lines() {
            if line.trim_end().ends_with("how it interleaves:") {
                in_timeline = true;
                continue;
            }
            if in_timeline {
                if line.trim().is_empty() || line.trim_start().starts_with("note:") || !line.starts_with("        ") {
                    in_timeline = false;
                    continue;
                }
                let step = line.trim_start().starts_with("task ") || line.trim_start().starts_with("latent");
                assert!(step || line.starts_with("            "), "{dir}: a wrapped step lost its indent: {line:?}\n{text}");
            }
        }
    }
}
