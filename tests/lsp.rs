//! A real LSP session with `racelint lsp`: initialize, didOpen, diagnostics, didChange (in the
//! file and in a module it imports), shutdown, exit.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use serde_json::{json, Value};

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
}

impl Client {
    fn start(root: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_racelint"))
            .arg("lsp")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start racelint lsp");
        let stdin = child.stdin.take().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let (tx, incoming) = channel();
        std::thread::spawn(move || loop {
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if out.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(v) = line.strip_prefix("Content-Length: ") {
                    len = v.parse().unwrap();
                }
            }
            let mut body = vec![0; len];
            out.read_exact(&mut body).unwrap();
            if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        });
        Client { child, stdin, incoming }
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// The next message for which `pick` returns true.
    fn wait(&self, what: &str, pick: impl Fn(&Value) -> bool) -> Value {
        loop {
            let msg = self.incoming.recv_timeout(Duration::from_secs(20)).unwrap_or_else(|_| panic!("no {what} within 20 s"));
            if pick(&msg) {
                return msg;
            }
        }
    }

    fn diagnostics_for(&self, uri: &str) -> Vec<Value> {
        let m = self.wait("diagnostics", |m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri);
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }
}

fn uri(p: &Path) -> String {
    url::Url::from_file_path(p).unwrap().to_string()
}

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
    let init = c.wait("initialize response", |m| m["id"] == 1);
    assert_eq!(init["result"]["capabilities"]["textDocumentSync"]["change"], 1);
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

    // fixing the buffer clears the diagnostic
    c.notify("textDocument/didChange", json!({ "textDocument": { "uri": job, "version": 2 }, "contentChanges": [{ "text": JOB_FIXED }] }));
    assert!(c.diagnostics_for(&job).is_empty());

    // back to the race, then change the imported module so the setters no longer share state:
    // the diagnostic in job.js goes away although job.js did not change
    c.notify("textDocument/didChange", json!({ "textDocument": { "uri": job, "version": 3 }, "contentChanges": [{ "text": JOB }] }));
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
    c.wait("shutdown response", |m| m["id"] == 2);
    c.notify("exit", Value::Null);
    let status = c.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
