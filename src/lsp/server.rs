//! The main loop: requests are answered at once, buffers are kept by version, and analyses
//! run one at a time on their own thread. A change that arrives while an analysis runs makes
//! its result stale: it is dropped and the newest state analysed instead, so a burst of edits
//! costs about one analysis.

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::path::PathBuf;
use std::sync::mpsc::{channel, Sender};

use serde_json::{json, Value};

use super::analysis::{Done, Job};
use super::diagnostics::{path_of, uri_of};
use super::transport::{write_message, Incoming, Reader};

// JSON-RPC and LSP error codes
const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;
const SERVER_NOT_INITIALIZED: i64 = -32002;

// window/logMessage types
const ERROR: u8 = 1;
const WARNING: u8 = 2;

enum Event {
    Incoming(Incoming),
    /// The client closed its end.
    End,
    Analysed(Done),
}

/// An open buffer, as the client last sent it.
struct Doc {
    uri: String,
    version: Option<i64>,
    text: String,
}

struct Server<W: Write> {
    out: W,
    jobs: Sender<Job>,
    root: Option<PathBuf>,
    shutdown: bool,
    docs: BTreeMap<PathBuf, Doc>,
    /// Files whose last published diagnostics were not empty (so fixing them clears them).
    published: Vec<PathBuf>,
    /// The quick fixes of each file's published diagnostics, with the buffer version they were
    /// computed for (a fix for older text is not offered).
    actions: BTreeMap<PathBuf, (Option<i64>, Vec<Value>)>,
    /// Bumped by every change to what an analysis would see.
    generation: u64,
    /// The generation being analysed, if any, and the last one sent.
    running: Option<u64>,
    sent: u64,
}

pub fn run(input: impl Read + Send + 'static, out: impl Write) -> i32 {
    let (events, rx) = channel();
    let reader_events = events.clone();
    std::thread::spawn(move || {
        let mut reader = Reader::new(BufReader::with_capacity(64 * 1024, input));
        while let Some(m) = reader.next_message() {
            if reader_events.send(Event::Incoming(m)).is_err() {
                return;
            }
        }
        let _ = reader_events.send(Event::End);
    });
    let (jobs, job_rx) = channel();
    std::thread::spawn(move || super::analysis::serve(job_rx, events, Event::Analysed));
    let mut server = Server {
        out,
        jobs,
        root: None,
        shutdown: false,
        docs: BTreeMap::new(),
        published: Vec::new(),
        actions: BTreeMap::new(),
        generation: 0,
        running: None,
        sent: 0,
    };
    for event in rx {
        let exit = match event {
            Event::Incoming(Incoming::Message(m)) => server.message(m),
            Event::Incoming(Incoming::NotJson(e)) => {
                server.error(Value::Null, PARSE_ERROR, &format!("the message is not JSON: {e}"));
                None
            }
            Event::Incoming(Incoming::BadHeader(e)) => {
                server.log(ERROR, &format!("racelint: {e}; skipped to the next message"));
                None
            }
            // the client went away: as if it had sent `exit`
            Event::End => Some(if server.shutdown { 0 } else { 1 }),
            Event::Analysed(done) => {
                server.analysed(done);
                None
            }
        };
        if let Some(code) = exit {
            return code;
        }
        server.schedule();
    }
    1
}

impl<W: Write> Server<W> {
    fn send(&mut self, msg: Value) {
        let _ = write_message(&mut self.out, &msg);
    }

    fn error(&mut self, id: Value, code: i64, message: &str) {
        self.send(json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } }));
    }

    fn log(&mut self, kind: u8, message: &str) {
        self.send(json!({ "jsonrpc": "2.0", "method": "window/logMessage", "params": { "type": kind, "message": message } }));
    }

    fn publish(&mut self, uri: &str, version: Option<i64>, diagnostics: Vec<Value>) {
        let mut params = json!({ "uri": uri, "diagnostics": diagnostics });
        if let Some(v) = version {
            params["version"] = json!(v);
        }
        self.send(json!({ "jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": params }));
    }

    /// Handles one JSON message; `Some(code)` when the server must exit.
    fn message(&mut self, m: Value) -> Option<i32> {
        let id = m.get("id").cloned();
        let method = m.get("method").and_then(Value::as_str).map(str::to_string);
        match (id, method) {
            (Some(id @ (Value::Number(_) | Value::String(_))), Some(method)) => {
                self.request(id, &method, m.get("params").unwrap_or(&Value::Null));
                None
            }
            (None, Some(method)) => self.notification(&method, m.get("params").unwrap_or(&Value::Null)),
            // a response to a request of ours (racelint sends none)
            (Some(_), None) if m.get("result").is_some() || m.get("error").is_some() => None,
            (id, _) => {
                let id = id.filter(|i| i.is_number() || i.is_string()).unwrap_or(Value::Null);
                self.error(
                    id,
                    INVALID_REQUEST,
                    "not a JSON-RPC request or notification: it needs a string `method` and a number or string `id`",
                );
                None
            }
        }
    }

    fn request(&mut self, id: Value, method: &str, params: &Value) {
        match method {
            _ if self.shutdown => self.error(id, INVALID_REQUEST, &format!("{method}: the server is shutting down")),
            "initialize" if self.root.is_some() => self.error(id, INVALID_REQUEST, "the server is already initialized"),
            "initialize" => {
                self.root = Some(root_of(params));
                let capabilities = json!({
                    "textDocumentSync": { "openClose": true, "change": 1, "save": { "includeText": false } },
                    "codeActionProvider": { "codeActionKinds": ["quickfix"] },
                });
                let result =
                    json!({ "capabilities": capabilities, "serverInfo": { "name": "racelint", "version": env!("CARGO_PKG_VERSION") } });
                self.send(json!({ "jsonrpc": "2.0", "id": id, "result": result }));
            }
            _ if self.root.is_none() => self.error(id, SERVER_NOT_INITIALIZED, &format!("{method}: send `initialize` first")),
            "textDocument/codeAction" => {
                let result = self.code_actions(params);
                self.send(json!({ "jsonrpc": "2.0", "id": id, "result": result }));
            }
            "shutdown" => {
                self.shutdown = true;
                self.send(json!({ "jsonrpc": "2.0", "id": id, "result": null }));
            }
            _ => self.error(id, METHOD_NOT_FOUND, &format!("racelint does not handle {method}")),
        }
    }

    fn notification(&mut self, method: &str, params: &Value) -> Option<i32> {
        if method == "exit" {
            return Some(if self.shutdown { 0 } else { 1 });
        }
        // before `initialize` and after `shutdown`, notifications are dropped
        if self.root.is_none() || self.shutdown {
            return None;
        }
        let doc = &params["textDocument"];
        let target = || -> Result<PathBuf, String> {
            let uri = doc["uri"].as_str().ok_or("no params.textDocument.uri")?;
            path_of(uri).ok_or_else(|| format!("`{uri}` is not a file URI"))
        };
        let result = match method {
            "textDocument/didOpen" => target().and_then(|path| {
                let text = doc["text"].as_str().ok_or("no params.textDocument.text")?;
                let uri = doc["uri"].as_str().unwrap_or_default().to_string();
                self.docs.insert(path, Doc { uri, version: doc["version"].as_i64(), text: text.to_string() });
                Ok(())
            }),
            "textDocument/didChange" => target().and_then(|path| self.change(path, doc["version"].as_i64(), &params["contentChanges"])),
            "textDocument/didClose" => target().and_then(|path| {
                let closed = self.docs.remove(&path).ok_or("the document is not open")?;
                self.publish(&closed.uri, None, Vec::new());
                self.published.retain(|p| *p != path);
                Ok(())
            }),
            // the file on disk changed: other buffers may import it
            "textDocument/didSave" => target().map(|_| ()),
            _ => return None,
        };
        match result {
            Ok(()) => self.generation += 1,
            Err(why) => {
                let uri = doc["uri"].as_str().map(|u| format!(" for {u}")).unwrap_or_default();
                self.log(WARNING, &format!("racelint: ignored {method}{uri}: {why}"));
            }
        }
        None
    }

    fn change(&mut self, path: PathBuf, version: Option<i64>, changes: &Value) -> Result<(), String> {
        let doc = self.docs.get_mut(&path).ok_or("the document is not open")?;
        if let (Some(new), Some(old)) = (version, doc.version) {
            if new <= old {
                return Err(format!("version {new} is not newer than version {old}"));
            }
        }
        // full sync: each change is the whole text, the last one wins
        let text = changes.as_array().and_then(|c| c.last()).and_then(|c| c["text"].as_str()).ok_or("no params.contentChanges[].text")?;
        doc.text = text.to_string();
        doc.version = version.or(doc.version);
        Ok(())
    }

    /// Starts an analysis of the newest state when none runs and the state changed.
    fn schedule(&mut self) {
        let Some(root) = &self.root else { return };
        if self.running.is_some() || self.sent == self.generation || self.shutdown {
            return;
        }
        let mut targets: Vec<PathBuf> = self.docs.keys().cloned().collect();
        targets.extend(self.published.iter().filter(|p| !self.docs.contains_key(*p)).cloned());
        let job = Job {
            generation: self.generation,
            root: root.clone(),
            open: self.docs.iter().map(|(p, d)| (p.clone(), d.text.clone())).collect(),
            targets,
        };
        self.sent = self.generation;
        self.running = Some(self.generation);
        if self.jobs.send(job).is_err() {
            self.log(ERROR, "racelint: the analysis thread has stopped");
        }
    }

    fn analysed(&mut self, done: Done) {
        self.running = None;
        match done.result {
            // a newer change arrived while this ran: its result is stale
            Ok(_) if done.generation != self.generation || self.shutdown => {}
            Ok(files) => {
                self.published.clear();
                self.actions.clear();
                for super::analysis::Published { path, diagnostics, actions } in files {
                    if !diagnostics.is_empty() {
                        self.published.push(path.clone());
                    }
                    let (uri, version) = match self.docs.get(&path) {
                        Some(d) => (d.uri.clone(), d.version),
                        None => (uri_of(&path), None),
                    };
                    if !actions.is_empty() {
                        self.actions.insert(path.clone(), (version, actions));
                    }
                    self.publish(&uri, version, diagnostics);
                }
            }
            Err(panic) => self.log(
                ERROR,
                &format!("racelint: internal error while analysing the workspace (please report it): {panic}; the server goes on"),
            ),
        }
    }
}

impl<W: Write> Server<W> {
    /// `textDocument/codeAction`: the quick fixes of the diagnostics the request names (by code
    /// and range), or of those its range touches; none for a buffer changed since they were
    /// published.
    fn code_actions(&self, params: &Value) -> Value {
        let Some(path) = params["textDocument"]["uri"].as_str().and_then(path_of) else { return json!([]) };
        let Some((version, offers)) = self.actions.get(&path) else { return json!([]) };
        if self.docs.get(&path).is_some_and(|d| d.version != *version) {
            return json!([]);
        }
        if let Some(only) = params["context"]["only"].as_array() {
            if !only.iter().any(|k| k.as_str().is_some_and(|k| k == "quickfix" || k.is_empty())) {
                return json!([]);
            }
        }
        let named = params["context"]["diagnostics"].as_array().cloned().unwrap_or_default();
        let pos = |p: &Value| (p["line"].as_u64().unwrap_or(0), p["character"].as_u64().unwrap_or(0));
        let touches = |r: &Value| pos(&r["start"]) <= pos(&params["range"]["end"]) && pos(&params["range"]["start"]) <= pos(&r["end"]);
        let mut out = Vec::new();
        for offer in offers {
            let diagnostic = if named.is_empty() {
                touches(&offer["range"]).then(|| json!({ "range": offer["range"], "code": offer["code"], "source": "racelint" }))
            } else {
                named.iter().find(|d| d["code"] == offer["code"] && d["range"] == offer["range"]).cloned()
            };
            let Some(diagnostic) = diagnostic else { continue };
            for action in offer["actions"].as_array().into_iter().flatten() {
                let mut action = action.clone();
                action["diagnostics"] = json!([diagnostic]);
                out.push(action);
            }
        }
        Value::Array(out)
    }
}

/// The workspace root from `initialize`'s params: `rootUri`, else `rootPath`, else the current
/// directory.
fn root_of(params: &Value) -> PathBuf {
    params["rootUri"]
        .as_str()
        .and_then(path_of)
        .or_else(|| params["rootPath"].as_str().map(PathBuf::from))
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."))
}
