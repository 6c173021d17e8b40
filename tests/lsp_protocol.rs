//! `racelint lsp` against a client that breaks the protocol, through the real protocol: bad
//! JSON and headers, unknown and early requests, notifications it cannot act on, versions out
//! of order, exit without shutdown, a panic in an analysis, and a burst of edits.

mod lsp_client;

use lsp_client::{frame, uri, workspace, Client};
use serde_json::{json, Value};

const RACE: &str = "let busy = false;\nexport async function run(g) {\n    busy = true;\n    await g();\n    busy = false;\n}\n";
const FIXED: &str = "export async function run(g) {\n    await g();\n}\n";

fn error_code(m: &Value) -> i64 {
    m["error"]["code"].as_i64().unwrap_or_else(|| panic!("not an error response: {m}"))
}

#[test]
fn invalid_json_gets_a_parse_error_and_the_server_reads_on() {
    let (_d, root) = workspace(&[]);
    let job = uri(&root.join("job.js"));
    let mut c = Client::initialized(&root);
    c.send_raw(b"Content-Length: 9\r\n\r\n{\"id\": 2,");
    let e = c.wait("parse error", |m| m.get("error").is_some());
    assert_eq!(error_code(&e), -32700, "{e}");
    assert_eq!(e["id"], Value::Null);
    // valid JSON that is no request: an array (LSP has no batches), a number, no method
    for (i, body) in ["[1, 2]", "7", "{\"jsonrpc\": \"2.0\", \"id\": 5}", "{\"id\": {}, \"method\": \"x\"}"].iter().enumerate() {
        c.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
        let e = c.wait("invalid request", |m| m.get("error").is_some());
        assert_eq!(error_code(&e), -32600, "message {i}: {e}");
    }
    c.open(&job, 1, RACE);
    assert_eq!(c.diagnostics_for(&job)[0]["code"], "RC001");
    c.shut_down();
}

#[test]
fn malformed_headers_are_skipped_to_the_next_message() {
    let (_d, root) = workspace(&[]);
    let mut c = Client::initialized(&root);
    let ping = |id: i64| frame(&json!({ "jsonrpc": "2.0", "id": id, "method": "racelint/ping" }));
    let cases: [(&[u8], &str); 5] = [
        (b"Content-Length: twelve\r\n\r\n{\"a\": 1}", "invalid Content-Length `twelve`"),
        (b"Content-Lenght: 8\r\n\r\n{\"a\": 1}", "a header without Content-Length"),
        (b"this is not a header\r\n", "malformed header line `this is not a header`"),
        (b"\xff\xfe\x00binary\r\n", "malformed header line"),
        (b"Content-Length: 99999999999999\r\n\r\n{}", "is larger than racelint accepts"),
    ];
    for (i, (junk, complaint)) in cases.iter().enumerate() {
        let id = 10 + i as i64;
        let mut bytes = junk.to_vec();
        bytes.extend(ping(id));
        c.send_raw(&bytes);
        let log = c.log_containing(complaint);
        assert_eq!(log["params"]["type"], 1, "{log}");
        assert_eq!(error_code(&c.response(id)), -32601, "the message after bad header {i} is read");
    }
    c.shut_down();
}

#[test]
fn requests_get_the_errors_the_specification_names() {
    let (_d, root) = workspace(&[]);
    let mut c = Client::start(&root);
    c.request(1, "textDocument/hover", json!({}));
    assert_eq!(error_code(&c.response(1)), -32002, "before initialize: ServerNotInitialized");
    c.initialize(&root);
    c.request(2, "textDocument/hover", json!({}));
    assert_eq!(error_code(&c.response(2)), -32601, "unknown: MethodNotFound");
    c.request(3, "$/racelint/anything", Value::Null);
    assert_eq!(error_code(&c.response(3)), -32601, "`$/` requests: MethodNotFound");
    c.send(json!({ "jsonrpc": "2.0", "id": "four", "method": "initialize", "params": {} }));
    let again = c.wait("response four", |m| m["id"] == "four");
    assert_eq!(error_code(&again), -32600, "a second initialize: InvalidRequest");
    // responses to requests the server never sent, and unknown notifications, are ignored
    c.send(json!({ "jsonrpc": "2.0", "id": 77, "result": null }));
    c.notify("$/cancelRequest", json!({ "id": 2 }));
    c.notify("workspace/didChangeConfiguration", json!({ "settings": {} }));
    c.request(5, "shutdown", Value::Null);
    assert_eq!(c.response(5)["result"], Value::Null);
    c.request(6, "textDocument/hover", json!({}));
    assert_eq!(error_code(&c.response(6)), -32600, "after shutdown: InvalidRequest");
    c.notify("exit", Value::Null);
    assert_eq!(c.exit_status().code(), Some(0));
}

#[test]
fn notifications_it_cannot_act_on_are_logged_and_ignored() {
    let (_d, root) = workspace(&[]);
    let job = uri(&root.join("job.js"));
    let unopened = uri(&root.join("other.js"));
    let mut c = Client::initialized(&root);
    c.change(&unopened, 2, RACE);
    assert!(c.log_containing("ignored textDocument/didChange")["params"]["message"].as_str().unwrap().contains("not open"));
    c.notify("textDocument/didClose", json!({ "textDocument": { "uri": unopened } }));
    c.log_containing("ignored textDocument/didClose");
    for bad in ["not a uri", "https://example.com/job.js", "file://server/share/job.js"] {
        c.open(bad, 1, RACE);
        c.log_containing("is not a file URI");
    }
    c.notify("textDocument/didOpen", Value::Null);
    c.log_containing("no params.textDocument.uri");
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": job, "version": 1 } }));
    c.log_containing("no params.textDocument.text");
    c.open(&job, 1, RACE);
    let first = c.publication(&job);
    assert_eq!(first["diagnostics"][0]["code"], "RC001");
    assert_eq!(first["version"], 1);
    c.notify("textDocument/didChange", json!({ "textDocument": { "uri": job, "version": 2 } }));
    c.log_containing("no params.contentChanges[].text");
    // none of those touched the open buffer: saving re-analyses the same text
    c.notify("textDocument/didSave", json!({ "textDocument": { "uri": job } }));
    let again = c.publication(&job);
    assert_eq!((again["diagnostics"][0]["code"].as_str(), again["version"].as_i64()), (Some("RC001"), Some(1)));
    let published: Vec<&Value> = c.seen.iter().filter(|m| m["method"] == "textDocument/publishDiagnostics").collect();
    assert!(published.iter().all(|m| m["params"]["uri"] == job), "only the open file is published: {published:#?}");
    c.shut_down();
}

#[test]
fn changes_older_than_the_buffer_are_dropped() {
    let (_d, root) = workspace(&[]);
    let job = uri(&root.join("job.js"));
    let mut c = Client::initialized(&root);
    c.open(&job, 1, RACE);
    c.diagnostics_for(&job);
    c.change(&job, 3, FIXED);
    let p = c.publication(&job);
    assert_eq!((p["version"].as_i64(), p["diagnostics"].as_array().map(Vec::len)), (Some(3), Some(0)));
    c.change(&job, 2, RACE);
    c.log_containing("version 2 is not newer than version 3");
    c.change(&job, 3, RACE);
    c.log_containing("version 3 is not newer than version 3");
    c.notify("textDocument/didSave", json!({ "textDocument": { "uri": job } }));
    let p = c.publication(&job);
    assert_eq!((p["version"].as_i64(), p["diagnostics"].as_array().map(Vec::len)), (Some(3), Some(0)), "still version 3's text");
    c.shut_down();
}

#[test]
fn exit_without_shutdown_ends_with_1_and_so_does_a_client_that_vanishes_before_shutdown() {
    let (_d, root) = workspace(&[]);
    let mut c = Client::initialized(&root);
    c.notify("exit", Value::Null);
    assert_eq!(c.exit_status().code(), Some(1));
    let mut c = Client::initialized(&root);
    c.close_stdin();
    assert_eq!(c.exit_status().code(), Some(1));
    // gone after shutdown: as good as shutdown and exit
    let mut c = Client::initialized(&root);
    c.request(2, "shutdown", Value::Null);
    c.response(2);
    c.close_stdin();
    assert_eq!(c.exit_status().code(), Some(0));
    // exit is obeyed even before initialize
    let mut c = Client::start(&root);
    c.notify("exit", Value::Null);
    assert_eq!(c.exit_status().code(), Some(1));
}

#[test]
fn a_panic_in_one_analysis_is_logged_and_the_server_goes_on() {
    let (_d, root) = workspace(&[]);
    let job = uri(&root.join("job.js"));
    let mut c = Client::start_with(&root, &[("RACELINT_LSP_TEST_PANIC", "PANIC-HERE")]);
    c.initialize(&root);
    c.open(&job, 1, &format!("// PANIC-HERE\n{RACE}"));
    let log = c.log_containing("internal error while analysing");
    assert_eq!(log["params"]["type"], 1, "{log}");
    c.change(&job, 2, RACE);
    let p = c.publication(&job);
    assert_eq!((p["version"].as_i64(), p["diagnostics"][0]["code"].as_str()), (Some(2), Some("RC001")));
    c.request(2, "racelint/ping", Value::Null);
    assert_eq!(error_code(&c.response(2)), -32601);
    c.shut_down();
}

#[test]
fn a_burst_of_edits_costs_about_one_analysis() {
    let (_d, root) = workspace(&[]);
    let job = uri(&root.join("job.js"));
    let mut c = Client::initialized(&root);
    c.open(&job, 1, FIXED);
    assert!(c.diagnostics_for(&job).is_empty());
    // 100 edits in one write, as a fast typist's editor sends them; the last one races
    let mut burst = Vec::new();
    for v in 2..=101 {
        let text = if v == 101 { RACE.to_string() } else { format!("{FIXED}// edit {v}\n") };
        burst.extend(frame(&json!({ "jsonrpc": "2.0", "method": "textDocument/didChange",
            "params": { "textDocument": { "uri": job, "version": v }, "contentChanges": [{ "text": text }] } })));
    }
    c.send_raw(&burst);
    let last = c.wait("diagnostics of version 101", |m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 101);
    assert_eq!(last["params"]["diagnostics"][0]["code"], "RC001");
    let published = c.seen.iter().filter(|m| m["method"] == "textDocument/publishDiagnostics").count();
    // the open's, then at most the first edit's (if its analysis started before the rest
    // arrived) and the last one's; stale results are dropped
    assert!(published <= 3, "{published} publications for a burst of 100 edits");
    c.shut_down();
}

#[test]
fn a_buffer_of_20000_unclosed_functions_is_one_diagnostic_with_the_count() {
    let (_d, root) = workspace(&[]);
    let job = uri(&root.join("job.js"));
    let mut c = Client::initialized(&root);
    c.open(&job, 1, &"async function f(){".repeat(20_000));
    // requests are answered while the analysis runs
    c.request(2, "racelint/ping", Value::Null);
    c.response(2);
    let d = c.diagnostics_for(&job);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0]["message"], "Expected '}', got '<eof>' (and 19999 more parse errors in this file)");
    assert_eq!(d[0]["range"]["start"], json!({ "line": 0, "character": 380_000 }));
    c.shut_down();
}
