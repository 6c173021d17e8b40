//! Property-based fuzzing of the language server in process: random sequences of messages
//! (lifecycle requests in any order, document notifications for open, unopened and bad URIs
//! with random versions and texts, unknown requests, responses, invalid JSON and bad headers)
//! never panic, every frame the server writes is JSON, and every request read before `exit`
//! gets exactly one response. `PROPTEST_CASES` runs more; `.ci/run` runs 5 000.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{json, Value};

fn frame(body: &str) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// What the client sends next; requests get their ids when the sequence is written.
#[derive(Debug, Clone)]
enum Step {
    Request(&'static str, Value),
    Notify(&'static str, Value),
    Raw(&'static [u8]),
}

fn uri() -> impl Strategy<Value = Value> {
    prop::sample::select(vec![
        json!("file:///racelint-fuzz/a.js"),
        json!("file:///racelint-fuzz/b.ts"),
        json!("file:///elsewhere/c.js"),
        json!("not a uri"),
        json!("https://example.com/x.js"),
        json!(7),
        Value::Null,
    ])
}

fn text() -> impl Strategy<Value = Value> {
    prop::sample::select(vec![
        json!("let busy = false;\nexport async function run(g) { busy = true; await g(); busy = false; }\n"),
        json!("import { run } from './a.js';\nexport async function go(g) { await run(g); }\n"),
        json!("async function f(){async function f(){"),
        json!("export const x = 1;"),
        json!("// racelint-ignore-next-line RC001\n"),
        json!(""),
        json!(42),
    ])
}

fn version() -> impl Strategy<Value = Value> {
    prop_oneof![(0i64..6).prop_map(|v| json!(v)), Just(Value::Null), Just(json!("3")), Just(json!(-1))]
}

fn step() -> impl Strategy<Value = Step> {
    let doc = || (uri(), version(), text());
    prop_oneof![
        2 => Just(Step::Request("initialize", json!({ "rootUri": "file:///racelint-fuzz", "capabilities": {} }))),
        1 => Just(Step::Request("initialize", Value::Null)),
        1 => Just(Step::Notify("initialized", json!({}))),
        1 => Just(Step::Request("shutdown", Value::Null)),
        1 => Just(Step::Request("textDocument/hover", json!({}))),
        1 => Just(Step::Request("$/weird", json!([1]))),
        4 => doc().prop_map(|(u, v, t)| Step::Notify("textDocument/didOpen", json!({ "textDocument": { "uri": u, "version": v, "text": t } }))),
        6 => doc().prop_map(|(u, v, t)| Step::Notify("textDocument/didChange", json!({ "textDocument": { "uri": u, "version": v }, "contentChanges": [{ "text": t }] }))),
        1 => doc().prop_map(|(u, v, _)| Step::Notify("textDocument/didChange", json!({ "textDocument": { "uri": u, "version": v }, "contentChanges": "all" }))),
        1 => uri().prop_map(|u| Step::Notify("textDocument/didClose", json!({ "textDocument": { "uri": u } }))),
        1 => uri().prop_map(|u| Step::Notify("textDocument/didSave", json!({ "textDocument": { "uri": u } }))),
        1 => Just(Step::Notify("textDocument/didOpen", Value::Null)),
        1 => Just(Step::Notify("$/cancelRequest", json!({ "id": 1 }))),
        1 => Just(Step::Raw(b"Content-Length: 9\r\n\r\n{not json")),
        1 => Just(Step::Raw(b"Content-Length: 5\r\n\r\n[1,2]")),
        1 => Just(Step::Raw(b"Content-Length: 22\r\n\r\n{\"id\": 5, \"result\": 1}")),
        1 => Just(Step::Raw(b"Content-Length: nine\r\n\r\n")),
        1 => Just(Step::Raw(b"not a header\r\n")),
        1 => Just(Step::Raw(b"\r\n")),
        1 => Just(Step::Raw(b"junk before a header ")),
        1 => Just(Step::Notify("exit", Value::Null)),
    ]
}

/// Every frame of the server's output, parsed; fails on anything that is not framed JSON.
fn frames(mut out: &[u8]) -> Vec<Value> {
    let mut all = Vec::new();
    while !out.is_empty() {
        let head_end = out.windows(4).position(|w| w == b"\r\n\r\n").expect("a header ends");
        let head = std::str::from_utf8(&out[..head_end]).unwrap();
        let len: usize = head.strip_prefix("Content-Length: ").expect("Content-Length first").parse().unwrap();
        let body = &out[head_end + 4..head_end + 4 + len];
        all.push(serde_json::from_slice(body).expect("the server writes JSON"));
        out = &out[head_end + 4 + len..];
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64), ..Default::default() })]

    #[test]
    fn random_message_sequences_never_break_the_server(steps in prop::collection::vec(step(), 0..30)) {
        let mut input = Vec::new();
        let mut requests = Vec::new();
        let mut exited = false;
        for (i, s) in steps.iter().enumerate() {
            match s {
                Step::Request(method, params) => {
                    let id = 1000 + i as i64;
                    if !exited {
                        requests.push(id);
                    }
                    input.extend(frame(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }).to_string()));
                }
                Step::Notify(method, params) => {
                    exited |= *method == "exit";
                    input.extend(frame(&json!({ "jsonrpc": "2.0", "method": method, "params": params }).to_string()));
                }
                Step::Raw(bytes) => input.extend_from_slice(bytes),
            }
        }
        let mut out = Vec::new();
        let code = racelint::lsp::server::run(std::io::Cursor::new(input), &mut out);
        prop_assert!(code == 0 || code == 1);
        let mut answered: BTreeMap<i64, usize> = BTreeMap::new();
        for m in frames(&out) {
            if m.get("method").is_none() {
                if let Some(id) = m["id"].as_i64() {
                    *answered.entry(id).or_default() += 1;
                }
            } else if m["method"] == "textDocument/publishDiagnostics" {
                prop_assert!(m["params"]["uri"].as_str().is_some_and(|u| u.starts_with("file:///")), "{m}");
                prop_assert!(m["params"]["diagnostics"].is_array(), "{m}");
            }
        }
        for id in &requests {
            prop_assert_eq!(answered.get(id).copied(), Some(1), "request {} answered once; steps {:?}", id, steps);
        }
        prop_assert!(answered.keys().all(|id| requests.contains(id) || *id == 5), "only requests are answered: {:?}", answered);
    }
}
