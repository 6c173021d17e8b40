//! A real LSP session with `racelint lsp`: initialize, didOpen, diagnostics, didChange (in the
//! file and in a module it imports), shutdown, exit.

mod lsp_client;

use lsp_client::{uri, Client};
use serde_json::{json, Value};

const CONTEXT: &str =
    "let ctx = { tag: null };\nexport function setTag(t) { ctx.tag = t; }\nexport function clearTag() { ctx.tag = null; }\n";
const JOB: &str = "import { setTag, clearTag } from './context.js';\nexport async function job(send) {\n    setTag('a');\n    try { await send(); } finally { clearTag(); }\n}\n";
const JOB_FIXED: &str = "export async function job(send) {\n    await send({ tag: 'a' });\n}\n";

#[test]
fn lsp_session_publishes_and_updates_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::write(root.join("context.js"), CONTEXT).unwrap();
    std::fs::write(root.join("job.js"), "export const placeholder = 1;\n").unwrap();
    let job = uri(&root.join("job.js"));
    let context = uri(&root.join("context.js"));
    let mut c = Client::start(&root);

    c.send(json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": { "rootUri": uri(&root), "capabilities": {} } }));
    let init = c.response(1);
    assert_eq!(init["result"]["capabilities"]["textDocumentSync"]["change"], 1);
    assert_eq!(init["result"]["capabilities"]["codeActionProvider"]["codeActionKinds"], json!(["quickfix"]));
    c.notify("initialized", json!({}));

    // the unsaved buffer is analysed, with its import resolved on disk
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": job, "languageId": "javascript", "version": 1, "text": JOB } }));
    let d = c.diagnostics_for(&job);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0]["code"], "RC001");
    assert_eq!(d[0]["severity"], 1);
    assert_eq!(d[0]["source"], "racelint");
    assert_eq!(d[0]["range"]["start"], json!({ "line": 2, "character": 4 }));
    assert!(d[0]["codeDescription"]["href"].as_str().unwrap().ends_with("RC001-override-across-await.md"));
    let related = d[0]["relatedInformation"].as_array().unwrap();
    assert!(related.iter().any(|r| r["location"]["uri"] == job && r["message"].as_str().unwrap().contains("other tasks run here")));
    assert!(related.iter().any(|r| r["location"]["uri"] == context), "the state's declaration in the other module: {related:#?}");

    // the diagnostic's quick fix: a suppression comment above its line, as a WorkspaceEdit
    let range = d[0]["range"].clone();
    let ask = json!({ "textDocument": { "uri": job }, "range": range, "context": { "diagnostics": [d[0].clone()] } });
    c.send(json!({ "jsonrpc": "2.0", "id": 10, "method": "textDocument/codeAction", "params": ask }));
    let actions = c.response(10)["result"].as_array().cloned().expect("a list of code actions");
    let fix =
        actions.iter().find(|a| a["title"].as_str().unwrap().contains("racelint-ignore-next-line")).expect("the suppression quick fix");
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["diagnostics"][0]["code"], "RC001");
    let edits = fix["edit"]["changes"][job.as_str()].as_array().expect("edits in job.js");
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0]["range"]["start"], json!({ "line": 2, "character": 0 }));
    assert_eq!(edits[0]["range"]["end"], edits[0]["range"]["start"]);
    assert_eq!(edits[0]["newText"], "    // racelint-ignore-next-line RC001: TODO: why this cannot race\n");
    // applied, the finding is suppressed and nothing is reported about the comment
    let fixed = format!(
        "{}{}{}",
        &JOB[..JOB.match_indices('\n').nth(1).unwrap().0 + 1],
        edits[0]["newText"].as_str().unwrap(),
        &JOB[JOB.match_indices('\n').nth(1).unwrap().0 + 1..]
    );
    c.notify("textDocument/didChange", json!({ "textDocument": { "uri": job, "version": 2 }, "contentChanges": [{ "text": fixed }] }));
    assert!(c.diagnostics_for(&job).is_empty(), "suppressed, no RS001/RS002");
    // a request for a range with no diagnostic gets no action
    let ask = json!({ "textDocument": { "uri": job }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 1 } }, "context": { "diagnostics": [] } });
    c.send(json!({ "jsonrpc": "2.0", "id": 11, "method": "textDocument/codeAction", "params": ask }));
    assert_eq!(c.response(11)["result"], json!([]));

    // fixing the buffer clears the diagnostic
    c.notify("textDocument/didChange", json!({ "textDocument": { "uri": job, "version": 3 }, "contentChanges": [{ "text": JOB_FIXED }] }));
    assert!(c.diagnostics_for(&job).is_empty());

    // back to the race, then change the imported module so the setters no longer share state:
    // the diagnostic in job.js goes away although job.js did not change
    c.notify("textDocument/didChange", json!({ "textDocument": { "uri": job, "version": 4 }, "contentChanges": [{ "text": JOB }] }));
    assert_eq!(c.diagnostics_for(&job).len(), 1);
    let per_call = "export function setTag(t) { return { tag: t }; }\nexport function clearTag() { return null; }\n";
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": context, "languageId": "javascript", "version": 1, "text": CONTEXT } }),
    );
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": context, "version": 2 }, "contentChanges": [{ "text": per_call }] }),
    );
    loop {
        let d = c.diagnostics_for(&job);
        if d.is_empty() {
            break;
        }
    }

    c.send(json!({ "jsonrpc": "2.0", "id": 2, "method": "shutdown" }));
    c.response(2);
    c.notify("exit", Value::Null);
    let status = c.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
