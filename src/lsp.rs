//! `racelint lsp`: a language server over stdio. It publishes racelint's findings as
//! diagnostics (severity, code, a link to the rule's documentation, and the await and the
//! other access as related information), re-analysing on open, change and save. The whole
//! workspace is analysed each time with the open buffers in place of the files on disk, so a
//! change in one module updates the findings its effects cause in others.
//!
//! Transport and framing come from the `lsp-server` crate (rust-analyzer's); messages are plain
//! JSON built here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lsp_server::{Connection, Message, Notification, Response};
use serde_json::{json, Value};

use crate::{Options, Report, Severity};

fn uri_of(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    url::Url::from_file_path(&abs).map(|u| u.to_string()).unwrap_or_else(|_| format!("file://{}", abs.display()))
}

fn path_of(uri: &str) -> Option<PathBuf> {
    url::Url::parse(uri).ok()?.to_file_path().ok()
}

/// The rules' docs as files, so `codeDescription` can link to something an editor opens.
fn write_docs() -> BTreeMap<&'static str, String> {
    let dir = std::env::temp_dir().join(format!("racelint-docs-{}", env!("CARGO_PKG_VERSION")));
    let _ = std::fs::create_dir_all(&dir);
    let mut out = BTreeMap::new();
    for r in crate::RULES.iter().chain(crate::rules::META_RULES.iter()) {
        let p = dir.join(format!("{}-{}.md", r.code, r.name));
        if std::fs::read_to_string(&p).ok().as_deref() != Some(r.doc) {
            let _ = std::fs::write(&p, r.doc);
        }
        out.insert(r.code, uri_of(&p));
    }
    out
}

fn range(report: &Report, module: u32, lo: u32, hi: u32) -> Value {
    let (s, e) = crate::render::range(&report.program, module, lo, hi);
    json!({
        "start": { "line": s.line - 1, "character": s.column - 1 },
        "end": { "line": e.line - 1, "character": e.column - 1 }
    })
}

/// Diagnostics for one file of a report.
pub fn diagnostics(report: &Report, path: &Path, docs: &BTreeMap<&'static str, String>) -> Vec<Value> {
    let mut out = Vec::new();
    let module = report.program.modules.iter().position(|m| m.path == path).map(|m| m as u32);
    for (e, pos) in report.errors.iter().zip(crate::render::error_positions(report)).filter(|(e, _)| e.path == path) {
        let (line, ch) = pos.map(|p| (p.line - 1, p.column - 1)).unwrap_or((0, 0));
        out.push(json!({
            "range": { "start": { "line": line, "character": ch }, "end": { "line": line, "character": ch } },
            "severity": 1,
            "source": "racelint",
            "message": e.full_message(),
        }));
    }
    let Some(module) = module else { return out };
    for f in report.findings.iter().filter(|f| f.module == module) {
        let related: Vec<Value> = f
            .labels
            .iter()
            .filter(|l| l.site.module != u32::MAX)
            .map(|l| {
                json!({
                    "location": {
                        "uri": uri_of(&report.program.modules[l.site.module as usize].path),
                        "range": range(report, l.site.module, l.site.span.lo, l.site.span.hi)
                    },
                    "message": l.message
                })
            })
            .collect();
        let mut d = json!({
            "range": range(report, f.module, f.span.lo, f.span.hi),
            "severity": if f.severity == Severity::Error { 1 } else { 2 },
            "code": f.rule.code,
            "source": "racelint",
            "message": if f.help.is_empty() { f.message.clone() } else { format!("{}\nhelp: {}", f.message, f.help) },
            "relatedInformation": related,
        });
        if let Some(href) = docs.get(f.rule.code) {
            d["codeDescription"] = json!({ "href": href });
        }
        out.push(d);
    }
    out
}

/// Runs the server until the client says `exit`. Returns the process exit code.
pub fn run() -> i32 {
    let (connection, io_threads) = Connection::stdio();
    let capabilities = json!({
        "textDocumentSync": { "openClose": true, "change": 1, "save": { "includeText": false } },
    });
    let init = match connection.initialize(capabilities) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("racelint lsp: {e}");
            return 1;
        }
    };
    let root = init["rootUri"]
        .as_str()
        .and_then(path_of)
        .or_else(|| init["rootPath"].as_str().map(PathBuf::from))
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."));
    let docs = write_docs();
    let mut open: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut published: Vec<PathBuf> = Vec::new();
    let publish = |connection: &Connection, open: &BTreeMap<PathBuf, String>, published: &mut Vec<PathBuf>| {
        let config = crate::config::Config::find(&root).and_then(|p| crate::config::Config::load(&p).ok()).unwrap_or_default();
        let options = Options {
            paths: vec![root.clone()],
            excludes: config.exclude.clone(),
            host_models: config.host_models.clone(),
            config,
            overrides: open.iter().map(|(p, t)| (p.clone(), t.clone())).collect(),
            // files on disk come from the facts cache; only the open buffers are parsed per change
            cache_dir: Some(crate::cache::default_dir()),
            ..Default::default()
        };
        let report = crate::lint(&options);
        // open files, plus files that had diagnostics before (so fixed ones are cleared)
        let mut targets: Vec<PathBuf> = open.keys().cloned().collect();
        for p in published.iter() {
            if !targets.contains(p) {
                targets.push(p.clone());
            }
        }
        published.clear();
        for path in targets {
            let diags = diagnostics(&report, &path, &docs);
            if !diags.is_empty() {
                published.push(path.clone());
            }
            let params = json!({ "uri": uri_of(&path), "diagnostics": diags });
            let _ = connection.sender.send(Message::Notification(Notification::new("textDocument/publishDiagnostics".into(), params)));
        }
    };
    for msg in &connection.receiver {
        match msg {
            Message::Request(req) => {
                if connection.handle_shutdown(&req).unwrap_or(true) {
                    break;
                }
                let resp = Response::new_err(
                    req.id,
                    lsp_server::ErrorCode::MethodNotFound as i32,
                    format!("racelint does not handle {}", req.method),
                );
                let _ = connection.sender.send(Message::Response(resp));
            }
            Message::Notification(n) => {
                let uri = n.params["textDocument"]["uri"].as_str().and_then(path_of);
                match (n.method.as_str(), uri) {
                    ("textDocument/didOpen", Some(p)) => {
                        open.insert(p, n.params["textDocument"]["text"].as_str().unwrap_or_default().to_string());
                        publish(&connection, &open, &mut published);
                    }
                    ("textDocument/didChange", Some(p)) => {
                        if let Some(text) = n.params["contentChanges"].as_array().and_then(|c| c.last()).and_then(|c| c["text"].as_str()) {
                            open.insert(p, text.to_string());
                        }
                        publish(&connection, &open, &mut published);
                    }
                    ("textDocument/didSave", Some(_)) => publish(&connection, &open, &mut published),
                    ("textDocument/didClose", Some(p)) => {
                        open.remove(&p);
                        let params = json!({ "uri": uri_of(&p), "diagnostics": [] });
                        let _ = connection
                            .sender
                            .send(Message::Notification(Notification::new("textDocument/publishDiagnostics".into(), params)));
                        published.retain(|q| *q != p);
                    }
                    _ => {}
                }
            }
            Message::Response(_) => {}
        }
    }
    drop(connection);
    let _ = io_threads.join();
    0
}
