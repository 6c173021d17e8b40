//! Property-based fuzzing that runs inside `cargo test` in bounded time: generated programs
//! (module state, async functions, awaits, writes, branches, loops, `try`/`finally`, `.then`,
//! calls, imports) and mutated fixtures go through parsing, analysis and every output format.
//! The property: no panic, and the JSON output parses. `PROPTEST_CASES=5000 cargo test --test
//! fuzz` runs longer; `fuzz/` has a cargo-fuzz target for coverage-guided runs.

use proptest::prelude::*;

use racelint::render::human::{render, Style};
use racelint::{lint_source, Options};

fn run_everything(name: &str, text: &str) {
    let report = lint_source(name, text, &Options::default());
    let json = racelint::render::json::render(&report);
    serde_json::from_str::<serde_json::Value>(&json).expect("JSON output parses");
    let _ = render(&report, Style { color: false, width: 80 });
    let _ = racelint::render::sarif::render(&report);
    let _ = racelint::render::eslint::render(&report);
    let _ = racelint::render::github::render(&report);
}

fn ident() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["s", "t", "cache", "flag", "settings", "x", "queue"]).prop_map(String::from)
}

fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        ident(),
        ident().prop_map(|i| format!("{i}.f")),
        ident().prop_map(|i| format!("{i}[k]")),
        Just("1".to_string()),
        Just("null".to_string()),
        Just("await p()".to_string()),
        ident().prop_map(|i| format!("g({i})")),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            inner.clone().prop_map(|a| format!("await {a}")),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(a, b, c)| format!("({a} ? {b} : {c})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{{ a: {a}, b: {b} }}")),
            inner.clone().prop_map(|a| format!("p().then(v => {a})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("({a} && {b})")),
        ]
    })
}

fn stmt() -> impl Strategy<Value = String> {
    let simple = prop_oneof![
        (ident(), expr()).prop_map(|(i, e)| format!("{i} = {e};")),
        (ident(), expr()).prop_map(|(i, e)| format!("{i}.f = {e};")),
        (ident(), expr()).prop_map(|(i, e)| format!("{i} += {e};")),
        (ident(), expr()).prop_map(|(i, e)| format!("{i}.push({e});")),
        expr().prop_map(|e| format!("const l = {e};")),
        expr().prop_map(|e| format!("await {e};")),
        Just("return;".to_string()),
        Just("g();".to_string()),
    ];
    simple.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            (expr(), inner.clone(), inner.clone()).prop_map(|(c, a, b)| format!("if ({c}) {{ {a} }} else {{ {b} }}")),
            (expr(), inner.clone()).prop_map(|(c, a)| format!("while ({c}) {{ {a} break; }}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("try {{ {a} }} finally {{ {b} }}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("try {{ {a} }} catch (e) {{ {b} }}")),
            inner.clone().prop_map(|a| format!("for (const k of queue) {{ {a} continue; }}")),
            inner.prop_map(|a| format!("for await (const k of q) {{ {a} }}")),
        ]
    })
}

fn program() -> impl Strategy<Value = String> {
    (prop::collection::vec(stmt(), 1..6), prop::collection::vec(stmt(), 0..4)).prop_map(|(body, other)| {
        format!(
            "import {{ p, q }} from './x.js';\nlet s = 0, t = 1, flag = false, x;\nexport const cache = new Map(), settings = {{}}, queue = [];\nfunction g(v) {{ {} }}\nexport async function f(k) {{ {} }}\nexport async function* h(k) {{ yield s; {} }}\n",
            other.join(" "),
            body.join("\n"),
            other.join(" ")
        )
    })
}

fn fixtures() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "js" || x == "ts") {
                out.push(std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn generated_programs_never_panic(src in program()) {
        run_everything("gen.js", &src);
    }

    #[test]
    fn mutated_fixtures_never_panic(pick in any::<prop::sample::Index>(), edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..6, any::<u8>()), 1..8)) {
        let all = fixtures();
        let mut bytes = all[pick.index(all.len())].clone().into_bytes();
        for (at, kind, b) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match kind {
                0 => bytes[i] ^= b,                                   // flip bits
                1 => bytes.truncate(i),                               // truncate
                2 => { let s = bytes[i..].iter().take(40).copied().collect::<Vec<_>>(); bytes.splice(i..i, s); } // duplicate a slice
                3 => { bytes.splice(i..i, b"await ".iter().copied()); }
                4 => { bytes.splice(i..i, b"{(".iter().copied()); }
                _ => { bytes.remove(i); }
            }
        }
        run_everything("mutated.js", &String::from_utf8_lossy(&bytes));
    }

    /// Components cut, spliced and with tags half-written: the script scanner never panics.
    #[test]
    fn mutated_components_never_panic(vue in any::<bool>(), edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<u8>()), 1..8)) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/components");
        let (file, name) = if vue { ("RefreshPanel.vue", "mutated.vue") } else { ("Counter.svelte", "mutated.svelte") };
        let mut bytes = std::fs::read(dir.join(file)).unwrap();
        for (at, kind, b) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match kind {
                0 => bytes[i] ^= b,
                1 => bytes.truncate(i),
                2 => { bytes.splice(i..i, [b"<script".as_slice(), b"</script>", b"<!--", b"<template>", b"\"'"][b as usize % 5].iter().copied()); }
                _ => { bytes.remove(i); }
            }
        }
        run_everything(name, &String::from_utf8_lossy(&bytes));
    }
}
