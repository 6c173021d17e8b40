//! `--format json`: one stable JSON document (schema version 1, documented in the README).

use std::io::Write;

use serde::Serialize;

use super::{display_path, range};
use crate::discover::forward_slashes;
use crate::Report;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    summary: Summary,
    findings: Vec<JsonFinding<'a>>,
    errors: Vec<JsonError>,
    suppressed: Vec<JsonSuppressed<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<JsonBaseline<'a>>,
    /// Generated files the walk did not lint (absent when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    skipped: Vec<JsonSkipped<'a>>,
}

#[derive(Serialize)]
struct JsonSkipped<'a> {
    file: String,
    reason: &'a str,
}

#[derive(Serialize)]
struct JsonSuppressed<'a> {
    #[serde(flatten)]
    finding: JsonFinding<'a>,
    reason: &'a str,
}

#[derive(Serialize)]
struct JsonBaseline<'a> {
    matched: usize,
    stale: &'a [crate::baseline::Entry],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    findings: usize,
    errors: usize,
    suppressed: usize,
}

#[derive(Serialize)]
struct Place {
    file: String,
    line: u32,
    column: u32,
}

#[derive(Serialize)]
struct JsonLabel {
    file: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: String,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'static str,
    name: &'static str,
    severity: &'static str,
    file: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    function: &'a str,
    state: &'a str,
    states: &'a [String],
    state_declared: Option<Place>,
    message: &'a str,
    labels: Vec<JsonLabel>,
    help: &'a str,
    timeline: &'a [String],
    fingerprint: &'a str,
    /// Where the code comes from, for a finding in a generated file with a source map.
    #[serde(skip_serializing_if = "Option::is_none")]
    original: Option<Place>,
    /// `overlapping`: two tasks can be inside the code at once; `latent`: none can today.
    #[serde(skip_serializing_if = "Option::is_none")]
    concurrency: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    latent_because: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tasks: Vec<JsonTask<'a>>,
    /// Fixes the user may apply; never applied by racelint.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suggestions: Vec<JsonSuggestion<'a>>,
}

#[derive(Serialize)]
struct JsonSuggestion<'a> {
    desc: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

/// Replace the text from (`line`, `column`) to (`end_line`, `end_column`) with `text`; the same
/// positions as a finding's (an insertion when start and end are equal).
#[derive(Serialize)]
struct JsonEdit<'a> {
    file: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    text: &'a str,
}

/// A task of a finding: A runs the function, B runs meanwhile.
#[derive(Serialize)]
struct JsonTask<'a> {
    role: &'static str,
    entry: &'a str,
    kind: &'a str,
    path: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    started_at: Option<Place>,
    text: &'a str,
}

#[derive(Serialize)]
struct JsonError {
    file: String,
    line: Option<u32>,
    column: Option<u32>,
    message: String,
    /// The file's other parse errors, counted but not listed (absent when there are none).
    #[serde(skip_serializing_if = "is_zero")]
    more_errors: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

pub fn render(report: &Report) -> String {
    super::to_string(|out| write(report, out))
}

/// Writes the document as it is built, without holding all of it in memory.
pub fn write(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let findings = report.findings.iter().map(|f| json_finding(report, f)).collect();
    let suppressed =
        report.suppressed.iter().map(|s| JsonSuppressed { finding: json_finding(report, &s.finding), reason: &s.reason }).collect();
    let baseline = report.baseline.as_ref().map(|b| JsonBaseline { matched: b.matched, stale: &b.stale });
    let errors = report
        .errors
        .iter()
        .zip(super::error_positions(report))
        .map(|(e, pos)| JsonError {
            file: forward_slashes(&e.path),
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
            message: e.message.clone(),
            more_errors: e.more,
        })
        .collect();
    let doc = Document {
        version: 1,
        tool: Tool { name: "racelint", version: env!("CARGO_PKG_VERSION") },
        summary: Summary {
            files: report.files(),
            findings: report.findings.len(),
            errors: report.errors.len(),
            suppressed: report.suppressed.len(),
        },
        findings,
        errors,
        suppressed,
        baseline,
        skipped: report.skipped.iter().map(|k| JsonSkipped { file: forward_slashes(&k.path), reason: &k.reason }).collect(),
    };
    // serde_json writes in many small pieces: buffer them here, where the writer's type is
    // known, instead of making a dynamic call per piece
    let mut w = std::io::BufWriter::with_capacity(64 * 1024, w);
    serde_json::to_writer_pretty(&mut w, &doc)?;
    w.write_all(b"\n")?;
    w.flush()
}

fn json_finding<'a>(report: &'a Report, f: &'a crate::Finding) -> JsonFinding<'a> {
    let p = &report.program;
    let (start, end) = range(p, f.module, f.span.lo, f.span.hi);
    let labels = f
        .labels
        .iter()
        .map(|l| {
            let (s, e) = range(p, l.site.module, l.site.span.lo, l.site.span.hi);
            JsonLabel {
                file: display_path(p, l.site.module),
                line: s.line,
                column: s.column,
                end_line: e.line,
                end_column: e.column,
                message: l.message.clone(),
            }
        })
        .collect();
    let state_declared = f.state_declared.map(|site| {
        let (s, _) = range(p, site.module, site.span.lo, site.span.hi);
        Place { file: display_path(p, site.module), line: s.line, column: s.column }
    });
    JsonFinding {
        rule: f.rule.code,
        name: f.rule.name,
        severity: f.severity.as_str(),
        file: display_path(p, f.module),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        function: &f.function,
        state: &f.state,
        states: &f.states,
        state_declared,
        message: &f.message,
        labels,
        help: &f.help,
        timeline: &f.timeline,
        fingerprint: &f.fingerprint,
        original: f.original.as_ref().map(|o| Place { file: o.file.clone(), line: o.line, column: o.column }),
        concurrency: f.tasks.as_ref().map(|t| if t.latent { "latent" } else { "overlapping" }),
        latent_because: f.tasks.as_ref().filter(|t| t.latent).map(|t| t.reason.as_str()),
        tasks: f
            .tasks
            .iter()
            .flat_map(|t| &t.tasks)
            .map(|t| JsonTask {
                role: t.role,
                entry: &t.entry,
                kind: &t.kind,
                path: &t.path,
                started_at: t.site.map(|site| {
                    let (s, _) = range(p, site.module, site.span.lo, site.span.hi);
                    Place { file: display_path(p, site.module), line: s.line, column: s.column }
                }),
                text: &t.text,
            })
            .collect(),
        suggestions: f
            .suggestions
            .iter()
            .map(|s| JsonSuggestion {
                desc: &s.desc,
                edits: s
                    .edits
                    .iter()
                    .map(|e| {
                        let (start, end) = range(p, e.module, e.span.lo, e.span.hi);
                        JsonEdit {
                            file: display_path(p, e.module),
                            line: start.line,
                            column: start.column,
                            end_line: end.line,
                            end_column: end.column,
                            text: &e.text,
                        }
                    })
                    .collect(),
            })
            .collect(),
    }
}
