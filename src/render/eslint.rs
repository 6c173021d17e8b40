//! `--format eslint-json`: ESLint's `-f json` shape, so tools that read ESLint output read
//! racelint's: one object per linted file with its messages and counts.

use serde::Serialize;

use super::range;
use crate::source::Position;
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

/// ESLint's `LintSuggestion`: a description and one fix, a range of UTF-16 offsets into the
/// text (as JavaScript indexes it, without a BOM) to replace with `text`.
#[derive(Serialize)]
struct Suggestion {
    desc: String,
    fix: Fix,
}

#[derive(Serialize)]
struct Fix {
    range: [u32; 2],
    text: String,
}

/// A suggestion's edits as one ESLint fix: the range from the first edit's start to the last
/// one's end, and that text with every edit made (ESLint merges a rule's fixes the same way).
fn suggestion(p: &crate::program::Program, s: &crate::suggest::Suggestion) -> Option<Suggestion> {
    let module = s.edits.first()?.module;
    let m = &p.modules[module as usize];
    let lo = s.edits.iter().map(|e| e.span.lo).min()?;
    let hi = s.edits.iter().map(|e| e.span.hi).max()?;
    let shifted: Vec<crate::suggest::Edit> = s
        .edits
        .iter()
        .map(|e| crate::suggest::Edit { span: crate::facts::Span { lo: e.span.lo - lo, hi: e.span.hi - lo }, ..e.clone() })
        .collect();
    let text = crate::suggest::apply(m.text.get(lo as usize..hi as usize)?, &shifted);
    let range = [m.lines().utf16_offset(&m.text, lo), m.lines().utf16_offset(&m.text, hi)];
    Some(Suggestion { desc: s.desc.clone(), fix: Fix { range, text } })
}

#[derive(Serialize)]
struct SuppressionInfo {
    kind: &'static str,
    justification: String,
}

fn absolute(cwd: Option<&std::path::Path>, path: &std::path::Path) -> String {
    match cwd {
        // `absolute` of an absolute path only normalises it (no system call)
        Some(cwd) if path.is_relative() => {
            std::path::absolute(cwd.join(path)).unwrap_or_else(|_| cwd.join(path)).to_string_lossy().into_owned()
        }
        _ => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()).to_string_lossy().into_owned(),
    }
}

pub fn render(report: &Report) -> String {
    super::to_string(|out| write(report, out))
}

pub fn write(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let p = &report.program;
    let message = |f: &crate::Finding, suppression: Option<&str>| {
        let (s, e) = range(p, f.module, f.span.lo, f.span.hi);
        Message {
            rule_id: Some(f.rule.code),
            severity: if f.severity == Severity::Error { 2 } else { 1 },
            // ESLint's messages have no help field: the help follows the message, as in SARIF
            message: if f.help.is_empty() {
                format!("{} ({})", f.message, f.rule.name)
            } else {
                format!("{} ({}). {}", f.message, f.rule.name, f.help)
            },
            line: s.line,
            column: s.column,
            end_line: Some(e.line),
            end_column: Some(e.column),
            fatal: None,
            suggestions: f.suggestions.iter().filter_map(|s| suggestion(p, s)).collect(),
            suppressions: suppression
                .map(|r| vec![SuppressionInfo { kind: "directive", justification: r.to_string() }])
                .unwrap_or_default(),
        }
    };
    let mut files: Vec<FileResult> = Vec::new();
    // every analysed file and every file with an error, each once, in path order; findings and
    // errors grouped by file first, so this stays linear in the number of files
    let mut paths: std::collections::BTreeMap<&std::path::Path, Option<u32>> =
        p.modules.iter().enumerate().map(|(i, m)| (m.path.as_path(), Some(i as u32))).collect();
    for e in &report.errors {
        paths.entry(e.path.as_path()).or_insert(None);
    }
    let mut errors_of: rustc_hash::FxHashMap<&std::path::Path, Vec<(&crate::FileError, Option<Position>)>> = Default::default();
    for (e, pos) in report.errors.iter().zip(super::error_positions(report)) {
        errors_of.entry(e.path.as_path()).or_default().push((e, pos));
    }
    let mut findings_of: Vec<Vec<&crate::Finding>> = vec![Vec::new(); p.modules.len()];
    for f in &report.findings {
        findings_of[f.module as usize].push(f);
    }
    let mut suppressed_of: Vec<Vec<&crate::Suppressed>> = vec![Vec::new(); p.modules.len()];
    for s in &report.suppressed {
        suppressed_of[s.finding.module as usize].push(s);
    }
    let cwd = std::env::current_dir().ok();
    for (path, module) in paths {
        let mut messages: Vec<Message> = Vec::new();
        for &(e, pos) in errors_of.get(path).into_iter().flatten() {
            messages.push(Message {
                rule_id: None,
                severity: 2,
                message: e.full_message(),
                line: pos.map(|p| p.line).unwrap_or(0),
                column: pos.map(|p| p.column).unwrap_or(0),
                end_line: None,
                end_column: None,
                fatal: Some(true),
                suggestions: Vec::new(),
                suppressions: Vec::new(),
            });
        }
        let (findings, suppressed) = match module {
            Some(m) => (&findings_of[m as usize][..], &suppressed_of[m as usize][..]),
            None => (&[][..], &[][..]),
        };
        messages.extend(findings.iter().map(|f| message(f, None)));
        let suppressed_messages: Vec<Message> = suppressed.iter().map(|s| message(&s.finding, Some(&s.reason))).collect();
        let error_count = messages.iter().filter(|m| m.severity == 2).count();
        let fatal_error_count = messages.iter().filter(|m| m.fatal == Some(true)).count();
        let warning_count = messages.iter().filter(|m| m.severity == 1).count();
        files.push(FileResult {
            file_path: absolute(cwd.as_deref(), path),
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
    serde_json::to_writer(&mut *w, &files)?;
    w.write_all(b"\n")
}
