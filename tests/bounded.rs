//! No input costs more than its size: a broken file reports one parse error and a count of
//! the rest in every format, and rendering N findings or errors does work linear in N (counted
//! in bytes of source scanned and bytes printed, not timed).

mod common;

use common::{racelint, write};
use racelint::{lint_source, render, Options, Report};

/// The file: 20 000 unclosed `async function f(){` on one line (380 KB), or on lines.
fn unclosed(n: usize, sep: &str) -> String {
    vec!["async function f(){"; n].join(sep)
}

const FORMATS: [&str; 5] = ["human", "json", "eslint-json", "sarif", "github"];

#[test]
fn twenty_thousand_unclosed_functions_are_one_error_and_a_count_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "broken.js", unclosed(20_000, ""));
    write(dir.path(), "lines.js", unclosed(20_000, "\n"));
    write(dir.path(), "ok.js", "let busy = false;\nexport async function run(g) { busy = true; await g(); busy = false; }\n");
    for format in FORMATS {
        let out = racelint(&["--no-cache", "--format", format, "."], dir.path());
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{format}: {text}");
        assert!(text.contains("RC001") || text.contains("override-across-await"), "{format}: the good file is still analysed: {text}");
        assert!(text.len() < 100_000, "{format}: {} bytes for two errors and a finding (SARIF carries the rule docs)", text.len());
        if format == "json" {
            let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
            let errors = doc["errors"].as_array().unwrap();
            assert_eq!(errors.len(), 2, "{format}: one error per broken file: {errors:#?}");
            assert_eq!(errors[0]["file"], "broken.js");
            assert_eq!((errors[0]["line"].as_u64(), errors[0]["column"].as_u64()), (Some(1), Some(380_001)));
            assert_eq!(errors[0]["message"], "Expected '}', got '<eof>'");
            assert_eq!(errors[0]["more_errors"], 19_999);
            assert_eq!((errors[1]["file"].as_str(), errors[1]["line"].as_u64()), (Some("lines.js"), Some(20_000)));
        } else {
            assert_eq!(text.matches("(and 19999 more parse errors in this file)").count(), 2, "{format}: {text}");
            assert!(text.contains("broken.js") && text.contains("lines.js"), "{format}: {text}");
        }
        if format == "human" {
            assert!(text.contains("broken.js:1:380001: Expected '}', got '<eof>'"), "{text}");
            assert!(text.contains("lines.js:20000:20: Expected '}', got '<eof>'"), "{text}");
        }
    }
}

/// Every format rendered once; how many bytes they printed and how much source they scanned.
fn render_all(report: &Report) -> (usize, u64) {
    let before = racelint::scanned_bytes();
    let style = render::human::Style { color: false, width: 100 };
    let printed = render::human::render(report, style).len()
        + render::json::render(report).len()
        + render::eslint::render(report).len()
        + render::sarif::render(report).len()
        + render::github::render(report).len();
    (printed, racelint::scanned_bytes() - before)
}

/// `n` racing functions: on lines of their own (frames drawn) or all on one long line with
/// non-ASCII text (positions counted in UTF-16 units, no frames).
fn races(n: usize, one_line: bool) -> String {
    let sep = if one_line { " " } else { "\n" };
    let mut s = format!("let busy = false;{sep}");
    for i in 0..n {
        s.push_str(&format!("async function f{i}(g) {{ const é = 'ü'; busy = true; await g(é); busy = false; }}{sep}"));
    }
    s
}

#[test]
fn rendering_n_findings_does_work_linear_in_n() {
    for one_line in [false, true] {
        let work = |n: usize| {
            let report = lint_source("races.js", &races(n, one_line), &Options::default());
            assert_eq!(report.findings.len(), n, "one finding per function");
            render_all(&report)
        };
        let (small_out, small_scan) = work(500);
        let (big_out, big_scan) = work(2_000);
        let what = if one_line { "one line" } else { "a line each" };
        // four times the findings: about four times the output and the scanning, never 16
        assert!(big_out <= small_out * 4 + small_out / 10, "{what}: printed {small_out} then {big_out} bytes");
        assert!(big_scan <= small_scan * 4 + small_scan / 10 + 4096, "{what}: scanned {small_scan} then {big_scan} bytes");
        // and a bounded amount of source per finding, however long its line
        assert!(big_scan / 2_000 < 8 * 1024, "{what}: {big_scan} bytes of source scanned for 2 000 findings");
    }
}

#[test]
fn rendering_a_file_with_n_parse_errors_does_work_independent_of_n() {
    for sep in ["", "\n"] {
        let work = |n: usize| {
            let report = lint_source("broken.js", &unclosed(n, sep), &Options::default());
            assert_eq!(report.errors.len(), 1);
            assert_eq!(report.errors[0].more as usize, n - 1);
            render_all(&report)
        };
        let (small_out, small_scan) = work(1_000);
        let (big_out, big_scan) = work(20_000);
        // the same frame and messages; only the counts and positions have more digits
        assert!(big_out <= small_out + 64, "printed {small_out} then {big_out} bytes");
        assert!(big_scan <= small_scan + 1024, "scanned {small_scan} then {big_scan} bytes");
    }
}
