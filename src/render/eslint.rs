//! `--format eslint-json`: ESLint's `-f json` shape, so tools that read ESLint output read
//! racelint's: one object per linted file with its messages and counts.

use serde::Serialize;

use super::range;
use crate::{Report, Severity};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FileResult {
    file_path: String,
    messages: Vec<Message>,
    suppressed_messages: Vec<Message>,
    error_count: usize,
    fatal_error_count: usize,
    warning_count: usize,
    fixable_error_count: usize,
    fixable_warning_count: usize,
    used_deprecated_rules: Vec<()>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Message {
    rule_id: Option<&'static str>,
    severity: u8,
    message: String,
    line: u32,
    column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fatal: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suggestions: Vec<Suggestion>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SuppressionInfo>,
}

#[derive(Serialize)]
struct Suggestion {
    desc: String,
}

#[derive(Serialize)]
struct SuppressionInfo {
    kind: &'static str,
    justification: String,
}

fn absolute(path: &std::path::Path) -> String {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()).to_string_lossy().into_owned()
}

pub fn render(report: &Report) -> String {
    let p = &report.program;
    let message = |f: &crate::Finding, suppression: Option<&str>| {
        let (s, e) = range(p, f.module, f.span.lo, f.span.hi);
        Message {
            rule_id: Some(f.rule.code),
            severity: if f.severity == Severity::Error { 2 } else { 1 },
            message: format!("{} ({})", f.message, f.rule.name),
            line: s.line,
            column: s.column,
            end_line: Some(e.line),
            end_column: Some(e.column),
            fatal: None,
            suggestions: if f.help.is_empty() { Vec::new() } else { vec![Suggestion { desc: f.help.clone() }] },
            suppressions: suppression
                .map(|r| vec![SuppressionInfo { kind: "directive", justification: r.to_string() }])
                .unwrap_or_default(),
        }
    };
    let mut files: Vec<FileResult> = Vec::new();
    let mut paths: Vec<std::path::PathBuf> = p.modules.iter().map(|m| m.path.clone()).collect();
    for e in &report.errors {
        if !paths.contains(&e.path) {
            paths.push(e.path.clone());
        }
    }
    paths.sort();
    for path in paths {
        let module = p.modules.iter().position(|m| m.path == path).map(|i| i as u32);
        let mut messages: Vec<Message> = Vec::new();
        for e in report.errors.iter().filter(|e| e.path == path) {
            let pos = super::json::error_position(report, e);
            messages.push(Message {
                rule_id: None,
                severity: 2,
                message: e.message.clone(),
                line: pos.map(|p| p.line).unwrap_or(0),
                column: pos.map(|p| p.column).unwrap_or(0),
                end_line: None,
                end_column: None,
                fatal: Some(true),
                suggestions: Vec::new(),
                suppressions: Vec::new(),
            });
        }
        messages.extend(report.findings.iter().filter(|f| Some(f.module) == module).map(|f| message(f, None)));
        let suppressed_messages: Vec<Message> =
            report.suppressed.iter().filter(|s| Some(s.finding.module) == module).map(|s| message(&s.finding, Some(&s.reason))).collect();
        let error_count = messages.iter().filter(|m| m.severity == 2).count();
        let fatal_error_count = messages.iter().filter(|m| m.fatal == Some(true)).count();
        let warning_count = messages.iter().filter(|m| m.severity == 1).count();
        files.push(FileResult {
            file_path: absolute(&path),
            messages,
            suppressed_messages,
            error_count,
            fatal_error_count,
            warning_count,
            fixable_error_count: 0,
            fixable_warning_count: 0,
            used_deprecated_rules: Vec::new(),
        });
    }
    let mut out = serde_json::to_string(&files).unwrap_or_default();
    out.push('\n');
    out
}
