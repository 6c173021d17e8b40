//! A test client for `racelint lsp`: frames messages (or sends raw bytes), reads the server's
//! messages on a thread, and waits for the one a test expects.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use serde_json::{json, Value};

pub struct Client {
    pub child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    /// Every message received so far, in order.
    pub seen: Vec<Value>,
}

impl Client {
    pub fn start(root: &Path) -> Client {
        Client::start_with(root, &[])
    }

    pub fn start_with(root: &Path, env: &[(&str, &str)]) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_racelint"))
            .arg("lsp")
            .current_dir(root)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start racelint lsp");
        let stdin = child.stdin.take();
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
            if tx.send(serde_json::from_slice(&body).expect("the server sends JSON")).is_err() {
                return;
            }
        });
        Client { child, stdin, incoming, seen: Vec::new() }
    }

    /// Starts a server and initializes it with `root` as the workspace.
    pub fn initialized(root: &Path) -> Client {
        let mut c = Client::start(root);
        c.initialize(root);
        c
    }

    pub fn initialize(&mut self, root: &Path) {
        self.request(1, "initialize", json!({ "rootUri": uri(root), "capabilities": {} }));
        self.response(1);
        self.notify("initialized", json!({}));
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    pub fn send(&mut self, msg: Value) {
        self.send_raw(&frame(&msg));
    }

    pub fn request(&mut self, id: i64, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    pub fn open(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "javascript", "version": version, "text": text } }),
        );
    }

    pub fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    /// The next message for which `pick` returns true.
    pub fn wait(&mut self, what: &str, pick: impl Fn(&Value) -> bool) -> Value {
        loop {
            let msg = self
                .incoming
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("no {what} within 30 s; got {:#?}", self.seen));
            self.seen.push(msg.clone());
            if pick(&msg) {
                return msg;
            }
        }
    }

    pub fn response(&mut self, id: i64) -> Value {
        self.wait(&format!("response {id}"), |m| m["id"] == id && m.get("method").is_none())
    }

    /// The next `window/logMessage` whose text contains `needle`.
    pub fn log_containing(&mut self, needle: &str) -> Value {
        self.wait(&format!("log message with {needle:?}"), |m| {
            m["method"] == "window/logMessage" && m["params"]["message"].as_str().unwrap_or_default().contains(needle)
        })
    }

    pub fn diagnostics_for(&mut self, uri: &str) -> Vec<Value> {
        self.publication(uri)["diagnostics"].as_array().unwrap().clone()
    }

    /// The params of the next publishDiagnostics for `uri`.
    pub fn publication(&mut self, uri: &str) -> Value {
        let m = self.wait("diagnostics", |m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri);
        m["params"].clone()
    }

    /// shutdown, then exit: the server ends with 0.
    pub fn shut_down(mut self) {
        self.request(999, "shutdown", Value::Null);
        self.response(999);
        self.notify("exit", Value::Null);
        let status = self.exit_status();
        assert!(status.success(), "{status:?}");
    }

    /// How the process ended (within 30 s).
    pub fn exit_status(&mut self) -> ExitStatus {
        for _ in 0..300 {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        panic!("the server did not exit within 30 s");
    }

    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn frame(msg: &Value) -> Vec<u8> {
    let body = msg.to_string();
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

pub fn uri(p: &Path) -> String {
    url::Url::from_file_path(p).unwrap().to_string()
}

/// A temporary workspace (canonical path, so URIs match the server's).
pub fn workspace(files: &[(&str, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    for (name, text) in files {
        std::fs::write(root.join(name), text).unwrap();
    }
    (dir, root)
}

/// A diagnostic as compared between the server and the CLI: 0-based range, rule, message.
pub type Diag = (u64, u64, u64, u64, String, String);

/// What the server publishes for a finding of the CLI's JSON output (message, help, and for a
/// latent finding why it is latent).
pub fn finding_diag(f: &Value) -> Diag {
    let n = |v: &Value| v.as_u64().unwrap_or(1) - 1;
    let help = f["help"].as_str().unwrap_or_default();
    let mut message = f["message"].as_str().unwrap().to_string();
    if !help.is_empty() {
        message = format!("{message}\nhelp: {help}");
    }
    if f["concurrency"] == "latent" {
        message = format!("{message}\nlatent: {}", f["latent_because"].as_str().unwrap_or_default());
    }
    (n(&f["line"]), n(&f["column"]), n(&f["end_line"]), n(&f["end_column"]), f["rule"].as_str().unwrap().to_string(), message)
}

/// What the server publishes for a parse error of the CLI's JSON output.
pub fn error_diag(e: &Value) -> Diag {
    let n = |v: &Value| v.as_u64().unwrap_or(1) - 1;
    let mut message = e["message"].as_str().unwrap().to_string();
    match e["more_errors"].as_u64() {
        Some(1) => message.push_str(" (and 1 more parse error in this file)"),
        Some(k) => message.push_str(&format!(" (and {k} more parse errors in this file)")),
        None => {}
    }
    let (l, c) = (n(&e["line"]), n(&e["column"]));
    (l, c, l, c, String::new(), message)
}
