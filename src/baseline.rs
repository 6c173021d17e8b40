//! Baselines: adopt racelint on a legacy tree in one commit. `--write-baseline FILE` records
//! today's findings by fingerprint; `--baseline FILE` then reports only new ones, and lists the
//! entries that no longer occur so the file can be pruned. Fingerprints (rule, file, function,
//! state and occurrence) survive unrelated edits above the code.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::program::Program;
use crate::source::Position;
use crate::Finding;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    pub file: String,
    pub function: String,
    pub state: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// Why a baseline could not be used, and where in it (when it could be read).
#[derive(Debug, Clone)]
pub struct BaselineError {
    pub at: Option<Position>,
    pub message: String,
}

/// The position just after `text` (1-based line, UTF-16 column).
fn end_of(text: &str) -> Position {
    let line_start = text.rfind('\n').map_or(0, |i| i + 1);
    Position { line: text.matches('\n').count() as u32 + 1, column: text[line_start..].encode_utf16().count() as u32 + 1 }
}

/// serde_json's 1-based line and column in bytes as racelint's position (UTF-16 columns).
fn from_serde(text: &str, line: usize, column: usize) -> Position {
    let start = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum::<usize>();
    let mut end = (start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end_of(&text[..end])
}

/// What a baseline matched in a run.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Findings the baseline already lists (not reported).
    pub matched: usize,
    /// Baseline entries no finding matched any more: prune them.
    pub stale: Vec<Entry>,
}

fn entry(f: &Finding, program: &Program) -> Entry {
    Entry {
        fingerprint: f.fingerprint.clone(),
        rule: f.rule.code.to_string(),
        file: crate::render::display_path(program, f.module),
        function: f.function.clone(),
        state: f.state.clone(),
    }
}

impl Baseline {
    pub fn from_findings(findings: &[Finding], program: &Program) -> Baseline {
        let mut findings: Vec<Entry> = findings.iter().map(|f| entry(f, program)).collect();
        findings.sort_by(|a, b| {
            (&a.file, &a.rule, &a.function, &a.state, &a.fingerprint).cmp(&(&b.file, &b.rule, &b.function, &b.state, &b.fingerprint))
        });
        Baseline { version: 1, findings }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let bytes = std::fs::read(path).map_err(|e| BaselineError { at: None, message: format!("cannot read baseline: {e}") })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            BaselineError { at: Some(end_of(&String::from_utf8_lossy(valid))), message: "invalid baseline: not UTF-8 text".into() }
        })?;
        Baseline::parse(&text)
    }

    /// Reads a baseline's JSON; every error has a position.
    pub fn parse(text: &str) -> Result<Baseline, BaselineError> {
        let b: Baseline = serde_json::from_str(text).map_err(|e| {
            let at = from_serde(text, e.line(), e.column());
            let message = e.to_string();
            let message = message.strip_suffix(&format!(" at line {} column {}", e.line(), e.column())).unwrap_or(&message);
            BaselineError { at: Some(at), message: format!("invalid baseline: {message}") }
        })?;
        if b.version != 1 {
            let at = text.find("\"version\"").map_or(Position { line: 1, column: 1 }, |o| end_of(&text[..o]));
            return Err(BaselineError { at: Some(at), message: format!("baseline version {} is not supported (expected 1)", b.version) });
        }
        Ok(b)
    }

    /// Removes the findings the baseline lists.
    pub fn apply(&self, findings: &mut Vec<Finding>) -> Outcome {
        let mut seen = vec![false; self.findings.len()];
        let before = findings.len();
        findings.retain(|f| match self.findings.iter().position(|e| e.fingerprint == f.fingerprint) {
            Some(i) => {
                seen[i] = true;
                false
            }
            None => true,
        });
        let stale = self.findings.iter().zip(&seen).filter(|(_, s)| !**s).map(|(e, _)| e.clone()).collect();
        Outcome { matched: before - findings.len(), stale }
    }
}
