//! What the server publishes: racelint's findings and errors as LSP diagnostics (severity,
//! code, a link to the rule's documentation, and the await and the other access as related
//! information).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::{Report, Severity};

pub fn uri_of(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    url::Url::from_file_path(&abs).map(|u| u.to_string()).unwrap_or_else(|_| format!("file://{}", abs.display()))
}

pub fn path_of(uri: &str) -> Option<PathBuf> {
    url::Url::parse(uri).ok()?.to_file_path().ok()
}

/// The rules' docs as files, so `codeDescription` can link to something an editor opens.
pub fn write_docs() -> BTreeMap<&'static str, String> {
    let dir = std::env::temp_dir().join(format!("racelint-docs-{}", env!("CARGO_PKG_VERSION")));
    let _ = std::fs::create_dir_all(&dir);
    let mut out = BTreeMap::new();
    for r in crate::rule_infos() {
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
    for e in report.errors.iter().filter(|e| e.path == path) {
        let pos = match (module, e.offset) {
            (Some(m), Some(o)) => Some(report.program.modules[m as usize].lines().position(&report.program.modules[m as usize].text, o)),
            _ => e.at,
        };
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
        let mut related: Vec<Value> = f
            .labels
            .iter()
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
        // where the racing tasks start, and why a latent one is only a note
        for t in f.tasks.iter().flat_map(|t| &t.tasks) {
            if let Some(site) = t.site {
                related.push(json!({
                    "location": {
                        "uri": uri_of(&report.program.modules[site.module as usize].path),
                        "range": range(report, site.module, site.span.lo, site.span.hi)
                    },
                    "message": format!("task {} starts here: {}", t.role, t.text)
                }));
            }
        }
        let mut message = if f.help.is_empty() { f.message.clone() } else { format!("{}\nhelp: {}", f.message, f.help) };
        if let Some(t) = f.tasks.as_ref().filter(|t| t.latent) {
            message = format!("{message}\nlatent: {}", t.reason);
        }
        let mut d = json!({
            "range": range(report, f.module, f.span.lo, f.span.hi),
            "severity": match f.severity { Severity::Error => 1, Severity::Warning => 2, Severity::Note => 3 },
            "code": f.rule.code,
            "source": "racelint",
            "message": message,
            "relatedInformation": related,
        });
        if let Some(href) = docs.get(f.rule.code) {
            d["codeDescription"] = json!({ "href": href });
        }
        out.push(d);
    }
    out
}

/// The quick fixes a file's diagnostics offer: for each finding with suggestions, its range and
/// code (to match the diagnostic a `textDocument/codeAction` request names) and one code action
/// per suggestion, with the edits as a `WorkspaceEdit`.
pub fn code_actions(report: &Report, path: &Path) -> Vec<Value> {
    let Some(module) = report.program.modules.iter().position(|m| m.path == path).map(|m| m as u32) else { return Vec::new() };
    let mut out = Vec::new();
    for f in report.findings.iter().filter(|f| f.module == module && !f.suggestions.is_empty()) {
        let actions: Vec<Value> = f
            .suggestions
            .iter()
            .map(|s| {
                let mut changes = serde_json::Map::new();
                for e in &s.edits {
                    let uri = uri_of(&report.program.modules[e.module as usize].path);
                    let edit = json!({ "range": range(report, e.module, e.span.lo, e.span.hi), "newText": e.text });
                    match changes.get_mut(&uri).and_then(Value::as_array_mut) {
                        Some(list) => list.push(edit),
                        None => {
                            changes.insert(uri, json!([edit]));
                        }
                    }
                }
                json!({
                    "title": s.desc,
                    "kind": "quickfix",
                    // the rule's own fix over silencing it
                    "isPreferred": !s.desc.contains("racelint-ignore"),
                    "edit": { "changes": changes },
                })
            })
            .collect();
        out.push(json!({ "range": range(report, f.module, f.span.lo, f.span.hi), "code": f.rule.code, "actions": actions }));
    }
    out
}
