//! Property-based fuzzing of what users write by hand: `racelint.toml` and baseline files.
//! Random TOML and JSON, built from the real keys and values and mutated byte by byte, never
//! panic, and every error they cause has a line and column inside the file. Through the CLI, a
//! broken config or baseline is exit 2 with `file:line:column`, and with a broken baseline the
//! files are still analysed. `PROPTEST_CASES` runs more.

mod common;

use std::path::Path;

use proptest::prelude::*;
use racelint::config::Config;
use racelint::Baseline;

/// Pieces of TOML: the real keys and tables, their values, wrong values, and syntax.
fn toml_piece() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "exclude",
        "host-models",
        "fail-on",
        "[rules]",
        "[rules.RC001]",
        "[[rules]]",
        "RC001",
        "RC009",
        "non-atomic-update",
        "\"RC\\u0030\"",
        "\"\"",
        " = ",
        "=",
        "\"off\"",
        "'warning'",
        "\"error\"",
        "\"loud\"",
        "[",
        "]",
        "{",
        "}",
        ",",
        "1",
        "-3.5e9",
        "true",
        "1979-05-27T07:32:00Z",
        "\"lib/**\"",
        "'''",
        "\"\"\"",
        "\\",
        "#",
        "\n",
        "\r\n",
        " ",
        "é",
        "😀",
        "\u{0}",
        "[[a]]",
        "a.b.c",
        "inf",
        "nan",
        "0x1F",
    ])
    .prop_map(String::from)
}

/// Pieces of a baseline's JSON: its fields, right and wrong values, and syntax.
fn json_piece() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"version\"",
        "\"findings\"",
        "\"fingerprint\"",
        "\"rule\"",
        "\"file\"",
        "\"function\"",
        "\"state\"",
        "\"extra\"",
        "1",
        "2",
        "-1",
        "4294967296",
        "1e400",
        "null",
        "true",
        "\"RC001\"",
        "\"a.js\"",
        "\"\\u00e9\"",
        "\"\\ud800\"",
        "\"unterminated",
        " ",
        "\n",
        "é",
        "\u{0}",
    ])
    .prop_map(String::from)
}

const GOOD_TOML: &str = "exclude = [\"lib/**\"]\nfail-on = \"error\"\n\n[rules]\nRC002 = \"off\"\nnon-atomic-update = \"error\"\n";
const GOOD_BASELINE: &str = "{\n  \"version\": 1,\n  \"findings\": [\n    { \"fingerprint\": \"f3148a7b39310619\", \"rule\": \"RC001\", \"file\": \"a.js\", \"function\": \"run\", \"state\": \"busy\" }\n  ]\n}\n";

/// A valid file with a few bytes replaced, inserted or removed.
fn mutated(good: &'static str) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec((0..good.len(), any::<u8>(), 0..3u8), 1..6).prop_map(move |edits| {
        let mut b = good.as_bytes().to_vec();
        for (at, byte, kind) in edits {
            let at = at.min(b.len().saturating_sub(1));
            match kind {
                0 => b[at] = byte,
                1 => b.insert(at, byte),
                _ => drop(b.remove(at)),
            }
        }
        b
    })
}

fn lines_and_width(text: &str) -> (u32, u32) {
    (text.split('\n').count() as u32, text.split('\n').map(|l| l.encode_utf16().count() as u32 + 1).max().unwrap_or(1))
}

fn check_config(text: &str) {
    if let Err(e) = Config::parse(Path::new("racelint.toml"), text) {
        let (line, column) = (e.line.expect("a line"), e.column.expect("a column"));
        let (lines, width) = lines_and_width(text);
        assert!((1..=lines).contains(&line) && (1..=width).contains(&column), "{line}:{column} outside the file: {}", e.message);
    }
}

fn check_baseline(text: &str) {
    if let Err(e) = Baseline::parse(text) {
        let at = e.at.expect("a position");
        let (lines, width) = lines_and_width(text);
        assert!((1..=lines).contains(&at.line) && (1..=width).contains(&at.column), "{at:?} outside the file: {}", e.message);
    }
}

proptest! {
    #[test]
    fn random_toml_configs_never_panic_and_errors_have_positions(pieces in prop::collection::vec(toml_piece(), 0..40)) {
        check_config(&pieces.concat());
    }

    #[test]
    fn mutated_configs_never_panic_and_errors_have_positions(bytes in mutated(GOOD_TOML)) {
        check_config(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_json_baselines_never_panic_and_errors_have_positions(pieces in prop::collection::vec(json_piece(), 0..40)) {
        check_baseline(&pieces.concat());
    }

    #[test]
    fn mutated_baselines_never_panic_and_errors_have_positions(bytes in mutated(GOOD_BASELINE)) {
        check_baseline(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn broken_configs_and_baselines_through_the_cli_are_exit_2_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), "a.js", "let busy = false;\nexport async function run(g) { busy = true; await g(); busy = false; }\n");
    let cases: [(&str, &[u8], &str); 6] = [
        ("config.toml", b"exclude = [\"lib/**\"\nfail-on = 1\n", "config.toml:2:"),
        ("config.toml", b"[rules]\n\"RC\\u0030\" = \"off\"\n", "config.toml:1:2:"),
        ("config.toml", b"exclude = [\"\xff\"]\n", "config.toml:1:13: not UTF-8 text"),
        ("baseline.json", b"{\"version\": 1, \"findings\": [[[", "baseline.json:1:29: invalid baseline"),
        ("baseline.json", b"{\n  \"version\": 7, \"findings\": []}", "baseline.json:2:3: baseline version 7"),
        ("baseline.json", b"", "baseline.json:1:1: invalid baseline: EOF"),
    ];
    for (name, bytes, want) in cases {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        let flag = if name.ends_with(".toml") { "--config" } else { "--baseline" };
        let out = common::racelint(&["--no-cache", flag, name, "a.js"], dir.path());
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(2), "{want}: {stdout}{stderr}");
        assert!(stdout.contains(want) || stderr.contains(want), "want {want:?} in\n{stdout}{stderr}");
        if flag == "--baseline" {
            assert!(stdout.contains("racelint(override-across-await)"), "the file is still analysed: {stdout}");
        }
    }
}
