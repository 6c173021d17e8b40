//! Arbitrary bytes through racelint: `lint_source` under one of the file extensions (the first
//! byte picks it), then the JSON, human, SARIF, ESLint and GitHub renderers. The properties:
//! nothing panics, the JSON output parses and holds every finding, and racelint never catches a
//! panic of its own (an "internal error" in the report).
//!
//! Seed the corpus with the fixtures for a faster start:
//!
//!     mkdir -p fuzz/corpus/lint && find fixtures -name '*.js' -exec cp {} fuzz/corpus/lint/ \;
//!     cargo +nightly fuzz run lint -- -max_total_time=600
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 8] = ["fuzz.js", "fuzz.mjs", "fuzz.cjs", "fuzz.jsx", "fuzz.ts", "fuzz.tsx", "fuzz.mts", "fuzz.cts"];

fuzz_target!(|data: &[u8]| {
    let (name, bytes) = match data.split_first() {
        // most inputs are plain JavaScript; a leading byte 0xF8..=0xFF picks another syntax
        Some((&b, rest)) if b >= 0xF8 => (NAMES[(b - 0xF8) as usize], rest),
        _ => ("fuzz.js", data),
    };
    let text = String::from_utf8_lossy(bytes);
    let report = racelint::lint_source(name, &text, &racelint::Options::default());
    for e in &report.errors {
        assert!(!e.message.contains("internal error"), "racelint caught a panic: {}", e.message);
    }
    let json = racelint::render::json::render(&report);
    let v: serde_json::Value = serde_json::from_str(&json).expect("the JSON output parses");
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(report.findings.len()));
    let _ = racelint::render::human::render(&report, racelint::render::human::Style { color: false, width: 80 });
    let _ = racelint::render::sarif::render(&report);
    let _ = racelint::render::eslint::render(&report);
    let _ = racelint::render::github::render(&report);
});
