//! Arbitrary bytes (as lossy UTF-8) through parsing, analysis and every output format: no
//! panic, and the JSON output parses. Seed the corpus with the fixtures:
//! `mkdir -p fuzz/corpus/lint && cp fixtures/rules/*/*.js fuzz/corpus/lint/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let report = racelint::lint_source("fuzz.js", &text, &racelint::Options::default());
    let json = racelint::render::json::render(&report);
    assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
    let _ = racelint::render::human::render(&report, racelint::render::human::Style { color: false, width: 80 });
    let _ = racelint::render::sarif::render(&report);
    let _ = racelint::render::eslint::render(&report);
    let _ = racelint::render::github::render(&report);
});
