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
        Severity::Note => "note",
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
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

/// A path as a URI reference (RFC 3986): relative paths stay relative to `%SRCROOT%`, absolute
/// ones become `file://` URIs; every byte but unreserved characters and `/` is percent-encoded
/// (`weird,dir/ü nicode.js` → `weird%2Cdir/%C3%BC%20nicode.js`, a literal `%25` → `%2525`).
pub fn artifact_uri(path: &str) -> (String, Option<&'static str>) {
    let mut out = String::with_capacity(path.len() + 8);
    let absolute = path.starts_with('/') || (path.as_bytes().get(1) == Some(&b':') && path.as_bytes()[0].is_ascii_alphabetic());
    if absolute {
        out.push_str(if path.starts_with('/') { "file://" } else { "file:///" });
    }
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(b as char),
            // a Windows drive letter's colon (`C:/…`) stays as it is in a file URI
            b':' if absolute && out.len() == "file:///C".len() => out.push(':'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    (out, (!absolute).then_some("%SRCROOT%"))
}

/// Where racelint's documentation lives, from `repository` in Cargo.toml; none is invented
/// when it is not set (SARIF viewers then show the embedded `help` text).
const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// A rule's documentation page in the repository at this version's tag, when there is one.
pub fn help_uri(repository: &str, rule: &crate::RuleInfo) -> Option<String> {
    let repository = repository.trim_end_matches('/');
    if repository.is_empty() {
        return None;
    }
    let version = env!("CARGO_PKG_VERSION");
    Some(if rule.code.starts_with("RS") {
        format!("{repository}/blob/v{version}/README.md#inline-suppressions")
    } else {
        format!("{repository}/blob/v{version}/rules/{}-{}.md", rule.code, rule.name)
    })
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
    /// The two tasks, one thread flow each (SARIF's model of concurrent executions).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    code_flows: Vec<Value>,
    level: &'static str,
    locations: [Location<'a>; 1],
    message: Text<'a>,
    partial_fingerprints: Fingerprints<'a>,
    related_locations: Vec<Location<'a>>,
    rule_id: &'static str,
    rule_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[Suppression<'a>; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Value>,
    /// The suggestions, as SARIF fixes (replacements of regions; an empty region inserts).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<Value>,
}

fn fixes(report: &Report, f: &crate::Finding) -> Vec<Value> {
    f.suggestions
        .iter()
        .map(|s| {
            let mut changes: Vec<Value> = Vec::new();
            for e in &s.edits {
                let at = location(report, e.module, e.span.lo, e.span.hi).physical_location;
                let replacement = json!({ "deletedRegion": at.region, "insertedContent": { "text": e.text } });
                let artifact = serde_json::to_value(&at.artifact_location).unwrap_or(Value::Null);
                match changes.iter_mut().find(|c| c["artifactLocation"] == artifact) {
                    Some(c) => c["replacements"].as_array_mut().into_iter().for_each(|r| r.push(replacement.clone())),
                    None => changes.push(json!({ "artifactLocation": artifact, "replacements": [replacement] })),
                }
            }
            json!({ "description": { "text": s.desc }, "artifactChanges": changes })
        })
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    /// Columns are UTF-16 code units, as in every other format (ESLint, LSP).
    column_kind: &'static str,
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
            artifact_location: {
                let (uri, uri_base_id) = artifact_uri(&display_path(&report.program, module));
                ArtifactLocation { uri, uri_base_id }
            },
            region: Region { end_column: e.column, end_line: e.line, start_column: s.column, start_line: s.line },
        },
    }
}

/// One thread flow per task: where it starts (when that is a call in the scan), then the
/// finding's access for task A, and the await (where B runs) for task B; each flow's message
/// names the task. Positions already computed for the result are reused.
fn code_flows(report: &Report, f: &crate::Finding, primary: &Location, await_at: Option<&Location>) -> Vec<Value> {
    let Some(t) = &f.tasks else { return Vec::new() };
    if t.tasks.is_empty() {
        return Vec::new();
    }
    let step = |physical: &PhysicalLocation, text: &str| json!({ "location": { "physicalLocation": serde_json::to_value(physical).unwrap_or(Value::Null), "message": { "text": text } } });
    let flows: Vec<Value> = t
        .tasks
        .iter()
        .map(|task| {
            let mut locations = Vec::new();
            if let Some(site) = task.site {
                let start = location(report, site.module, site.span.lo, site.span.hi);
                locations.push(step(&start.physical_location, &format!("task {} starts here", task.role)));
            }
            if task.role == "A" {
                locations.push(step(&primary.physical_location, &f.primary_label));
            } else {
                let at = await_at.map_or(&primary.physical_location, |l| &l.physical_location);
                locations.push(step(at, "task B runs while task A awaits here"));
            }
            json!({ "id": task.role, "message": { "text": format!("task {}: {}", task.role, task.text) }, "locations": locations })
        })
        .collect();
    vec![json!({ "threadFlows": flows })]
}

pub fn render(report: &Report) -> String {
    super::to_string(|out| write(report, out))
}

pub fn write<'a>(report: &'a Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let all: Vec<&'static crate::RuleInfo> = crate::rule_infos().collect();
    let rules: Vec<Value> = all
        .iter()
        .map(|r| {
            let mut rule = json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.summary },
                "help": { "text": r.doc, "markdown": r.doc },
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": { "tags": ["concurrency", "async"] }
            });
            if let Some(uri) = help_uri(REPOSITORY, r) {
                rule["helpUri"] = json!(uri);
            }
            rule
        })
        .collect();
    let result = |f: &'a crate::Finding, suppression: Option<&'a str>| {
        let primary = location(report, f.module, f.span.lo, f.span.hi);
        let related: Vec<Location> = f
            .labels
            .iter()
            .enumerate()
            .map(|(i, l)| Location {
                id: Some(i),
                message: Some(Text { text: l.message.as_str().into() }),
                ..location(report, l.site.module, l.site.span.lo, l.site.span.hi)
            })
            .collect();
        // the await is the first label: where task B runs
        let await_at = related.first();
        SarifResult {
            fixes: fixes(report, f),
            code_flows: code_flows(report, f, &primary, await_at),
            properties: f.tasks.as_ref().map(|t| {
                let mut p = json!({ "concurrency": if t.latent { "latent" } else { "overlapping" } });
                if t.latent {
                    p["latentBecause"] = json!(t.reason);
                }
                p
            }),
            level: level(f.severity),
            locations: [primary],
            message: Text {
                text: if f.function.is_empty() {
                    format!("{}. {}", f.message, f.help).into()
                } else {
                    format!("{} (in `{}`). {}", f.message, f.function, f.help).into()
                },
            },
            partial_fingerprints: Fingerprints { v1: &f.fingerprint },
            related_locations: related,
            rule_id: f.rule.code,
            rule_index: all.iter().position(|r| r.code == f.rule.code).unwrap_or(0),
            suppressions: suppression.map(|reason| [Suppression { justification: reason, kind: "inSource" }]),
        }
    };
    let mut results: Vec<SarifResult> = report.findings.iter().map(|f| result(f, None)).collect();
    results.extend(report.suppressed.iter().map(|s| result(&s.finding, Some(&s.reason))));
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .zip(super::error_positions(report))
        .map(|(e, pos)| {
            let mut n = json!({ "level": "error", "message": { "text": e.full_message() } });
            let (uri, base) = artifact_uri(&crate::discover::forward_slashes(&e.path));
            let mut artifact = json!({ "uri": uri });
            if let Some(base) = base {
                artifact["uriBaseId"] = json!(base);
            }
            n["locations"] = match pos {
                Some(p) => json!([{ "physicalLocation": { "artifactLocation": artifact, "region": { "startLine": p.line, "startColumn": p.column } } }]),
                None => json!([{ "physicalLocation": { "artifactLocation": artifact } }]),
            };
            n
        })
        .collect();
    let doc = Document {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        runs: [Run {
            column_kind: "utf16CodeUnits",
            invocations: json!([{ "executionSuccessful": report.errors.is_empty(), "toolExecutionNotifications": notifications }]),
            results,
            tool: {
                let mut driver = json!({ "name": "racelint", "version": env!("CARGO_PKG_VERSION"), "rules": rules });
                if !REPOSITORY.is_empty() {
                    driver["informationUri"] = json!(format!("{}#readme", REPOSITORY.trim_end_matches('/')));
                }
                json!({ "driver": driver })
            },
        }],
        version: "2.1.0",
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_uris_are_percent_encoded_references() {
        assert_eq!(artifact_uri("src/a.js"), ("src/a.js".to_string(), Some("%SRCROOT%")));
        assert_eq!(artifact_uri("weird,dir/ü nicode.js").0, "weird%2Cdir/%C3%BC%20nicode.js");
        assert_eq!(artifact_uri("100%25/a#b?.js").0, "100%2525/a%23b%3F.js");
        assert_eq!(artifact_uri("/home/me/x y.js"), ("file:///home/me/x%20y.js".to_string(), None));
        assert_eq!(artifact_uri("C:/src/a.js").0, "file:///C:/src/a.js");
    }

    #[test]
    fn help_uris_point_into_the_repository_or_are_left_out() {
        assert_eq!(help_uri("", &crate::RULES[0].info), None);
        let v = env!("CARGO_PKG_VERSION");
        assert_eq!(
            help_uri("https://example.org/r/", &crate::RULES[0].info).as_deref(),
            Some(format!("https://example.org/r/blob/v{v}/rules/RC001-override-across-await.md").as_str())
        );
    }
}
