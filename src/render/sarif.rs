//! `--format sarif`: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers. Rules carry
//! their descriptions and help from `rules/*.md`; results carry the await and the other access
//! as related locations, and the fingerprint as a partial fingerprint.

use serde::Serialize;
use serde_json::{json, Value};

use super::{display_path, range};
use crate::{Report, Severity};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

// Typed records for the parts that grow with the findings (a `serde_json::Value` per result
// cost hundreds of MiB on 20 000 findings). Fields are declared in alphabetical order: the
// output keeps the key order of the `json!` values it replaced.

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    end_column: u32,
    end_line: u32,
    start_column: u32,
    start_line: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct Text<'a> {
    text: std::borrow::Cow<'a, str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text<'a>>,
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
struct Fingerprints<'a> {
    #[serde(rename = "racelint/v1")]
    v1: &'a str,
}

#[derive(Serialize)]
struct Suppression<'a> {
    justification: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    level: &'static str,
    locations: [Location<'a>; 1],
    message: Text<'a>,
    partial_fingerprints: Fingerprints<'a>,
    related_locations: Vec<Location<'a>>,
    rule_id: &'static str,
    rule_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[Suppression<'a>; 1]>,
}

#[derive(Serialize)]
struct Run<'a> {
    invocations: Value,
    results: Vec<SarifResult<'a>>,
    tool: Value,
}

#[derive(Serialize)]
struct Document<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a>; 1],
    version: &'static str,
}

fn location<'a>(report: &Report, module: u32, lo: u32, hi: u32) -> Location<'a> {
    let (s, e) = range(&report.program, module, lo, hi);
    Location {
        id: None,
        message: None,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation { uri: display_path(&report.program, module), uri_base_id: "%SRCROOT%" },
            region: Region { end_column: e.column, end_line: e.line, start_column: s.column, start_line: s.line },
        },
    }
}

pub fn render(report: &Report) -> String {
    super::to_string(|out| write(report, out))
}

pub fn write<'a>(report: &'a Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
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
    let result = |f: &'a crate::Finding, suppression: Option<&'a str>| SarifResult {
        level: level(f.severity),
        locations: [location(report, f.module, f.span.lo, f.span.hi)],
        message: Text {
            text: if f.function.is_empty() {
                format!("{}. {}", f.message, f.help).into()
            } else {
                format!("{} (in `{}`). {}", f.message, f.function, f.help).into()
            },
        },
        partial_fingerprints: Fingerprints { v1: &f.fingerprint },
        related_locations: f
            .labels
            .iter()
            .filter(|l| l.site.module != u32::MAX)
            .enumerate()
            .map(|(i, l)| Location {
                id: Some(i),
                message: Some(Text { text: l.message.as_str().into() }),
                ..location(report, l.site.module, l.site.span.lo, l.site.span.hi)
            })
            .collect(),
        rule_id: f.rule.code,
        rule_index: all.iter().position(|r| r.code == f.rule.code).unwrap_or(0),
        suppressions: suppression.map(|reason| [Suppression { justification: reason, kind: "inSource" }]),
    };
    let mut results: Vec<SarifResult> = report.findings.iter().map(|f| result(f, None)).collect();
    results.extend(report.suppressed.iter().map(|s| result(&s.finding, Some(&s.reason))));
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .zip(super::error_positions(report))
        .map(|(e, pos)| {
            let mut n = json!({ "level": "error", "message": { "text": e.full_message() } });
            let uri = e.path.to_string_lossy().replace('\\', "/");
            n["locations"] = match pos {
                Some(p) => json!([{ "physicalLocation": { "artifactLocation": { "uri": uri }, "region": { "startLine": p.line, "startColumn": p.column } } }]),
                None => json!([{ "physicalLocation": { "artifactLocation": { "uri": uri } } }]),
            };
            n
        })
        .collect();
    let doc = Document {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        runs: [Run {
            invocations: json!([{ "executionSuccessful": report.errors.is_empty(), "toolExecutionNotifications": notifications }]),
            results,
            tool: json!({ "driver": {
                "name": "racelint",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://crates.io/crates/racelint",
                "rules": rules
            }}),
        }],
        version: "2.1.0",
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}
