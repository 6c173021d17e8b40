//! Baselines: adopt racelint on a legacy tree in one commit. `--write-baseline FILE` records
//! today's findings by fingerprint; `--baseline FILE` then reports only new ones, and lists the
//! entries that no longer occur so the file can be pruned. Fingerprints (rule, file, function,
//! state and occurrence) survive unrelated edits above the code.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::program::Program;
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

    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read baseline: {e}"))?;
        let b: Baseline =
            serde_json::from_str(&text).map_err(|e| format!("invalid baseline at line {}, column {}: {e}", e.line(), e.column()))?;
        if b.version != 1 {
            return Err(format!("baseline version {} is not supported (expected 1)", b.version));
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
