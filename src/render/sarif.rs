//! `--format sarif`: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers. Rules carry
//! their descriptions and help from `rules/*.md`; results carry the await and the other access
//! as related locations, and the fingerprint as a partial fingerprint.

use serde_json::{json, Value};

use super::{display_path, range};
use crate::{Report, Severity};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn region(report: &Report, module: u32, lo: u32, hi: u32) -> Value {
    let (s, e) = range(&report.program, module, lo, hi);
    json!({ "startLine": s.line, "startColumn": s.column, "endLine": e.line, "endColumn": e.column })
}

fn location(report: &Report, module: u32, lo: u32, hi: u32) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": display_path(&report.program, module), "uriBaseId": "%SRCROOT%" },
            "region": region(report, module, lo, hi)
        }
    })
}

pub fn render(report: &Report) -> String {
    let mut out = Vec::new();
    let _ = write(report, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

pub fn write(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let all: Vec<&'static crate::Rule> = crate::RULES.iter().chain(crate::rules::META_RULES.iter()).copied().collect();
    let rules: Vec<Value> = all
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.summary },
                "help": { "text": r.doc, "markdown": r.doc },
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": { "tags": ["concurrency", "async"] }
            })
        })
        .collect();
    let result = |f: &crate::Finding, suppression: Option<&str>| {
        let related: Vec<Value> = f
            .labels
            .iter()
            .filter(|l| l.site.module != u32::MAX)
            .enumerate()
            .map(|(i, l)| {
                let mut loc = location(report, l.site.module, l.site.span.lo, l.site.span.hi);
                loc["id"] = json!(i);
                loc["message"] = json!({ "text": l.message });
                loc
            })
            .collect();
        let mut r = json!({
            "ruleId": f.rule.code,
            "ruleIndex": all.iter().position(|r| r.code == f.rule.code).unwrap_or(0),
            "level": level(f.severity),
            "message": { "text": format!("{} (in `{}`). {}", f.message, f.function, f.help) },
            "locations": [location(report, f.module, f.span.lo, f.span.hi)],
            "relatedLocations": related,
            "partialFingerprints": { "racelint/v1": f.fingerprint },
        });
        if let Some(reason) = suppression {
            r["suppressions"] = json!([{ "kind": "inSource", "justification": reason }]);
        }
        r
    };
    let mut results: Vec<Value> = report.findings.iter().map(|f| result(f, None)).collect();
    results.extend(report.suppressed.iter().map(|s| result(&s.finding, Some(&s.reason))));
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            let mut n = json!({ "level": "error", "message": { "text": e.message } });
            let uri = e.path.to_string_lossy().replace('\\', "/");
            n["locations"] = match super::json::error_position(report, e) {
                Some(p) => json!([{ "physicalLocation": { "artifactLocation": { "uri": uri }, "region": { "startLine": p.line, "startColumn": p.column } } }]),
                None => json!([{ "physicalLocation": { "artifactLocation": { "uri": uri } } }]),
            };
            n
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "racelint",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://crates.io/crates/racelint",
                "rules": rules
            }},
            "invocations": [{ "executionSuccessful": report.errors.is_empty(), "toolExecutionNotifications": notifications }],
            "results": results
        }]
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}
