//! Inline suppressions, as ESLint and Ruff users know them:
//!
//! ```js
//! // racelint-ignore-next-line RC001: the queue runs one job at a time
//! flag = true;
//! // racelint-ignore-file RC002, RC005: settings are frozen while this module runs
//! ```
//!
//! A reason after the colon is required. A directive that suppresses nothing is reported
//! (`RS001 unused-suppression`), and so is one without a reason or with an unknown rule
//! (`RS002 invalid-suppression`), like ESLint's `reportUnusedDisableDirectives`.

use crate::facts::Span;
use crate::rule_info;
use crate::rules::{RuleInfo, Severity};

/// One `racelint-ignore-*` comment.
#[derive(Debug, Clone)]
pub struct Directive {
    /// The comment's text range in the file.
    pub span: Span,
    /// 1-based line of the comment.
    pub line: u32,
    pub whole_file: bool,
    /// Rule codes it names (as written, upper-cased).
    pub codes: Vec<String>,
    pub reason: String,
    /// Why the directive is malformed, if it is.
    pub problem: Option<String>,
}

const NEXT_LINE: &str = "racelint-ignore-next-line";
const FILE: &str = "racelint-ignore-file";

/// Finds the directives in a file's comments. A comment with a misspelled directive
/// (`racelint-ignore-line`, `racelint-disable-next-line`) is an invalid one, not ignored.
pub fn directives(text: &str) -> Vec<Directive> {
    let mut out = Vec::new();
    let mut offset = 0u32;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len() as u32;
        if !line.contains("racelint-") {
            continue;
        }
        // the first `racelint-…` word on the line that is meant as a directive, in a comment
        let mut found = None;
        for (at, _) in line.match_indices("racelint-") {
            let word_len = line[at..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).unwrap_or(line.len() - at);
            let word = &line[at..at + word_len];
            if !(word.contains("ignore") || word.contains("disable") || word.contains("noqa")) {
                continue;
            }
            // only in a comment: `//` or `/*` before it on the line
            let before = &line[..at];
            let comment_at = match (before.rfind("//"), before.rfind("/*")) {
                (Some(a), Some(b)) => a.max(b),
                (Some(a), None) | (None, Some(a)) => a,
                (None, None) => continue,
            };
            found = Some((at, word, comment_at));
            break;
        }
        let Some((kind_at, word, comment_at)) = found else {
            continue;
        };
        let span = Span { lo: start + comment_at as u32, hi: start + line.trim_end().len() as u32 };
        let whole_file = match word {
            NEXT_LINE => false,
            FILE => true,
            _ => {
                let meant = if word.contains("file") || word == "racelint-disable" || word == "racelint-ignore" { FILE } else { NEXT_LINE };
                out.push(Directive {
                    span,
                    line: i as u32 + 1,
                    whole_file: false,
                    codes: Vec::new(),
                    reason: String::new(),
                    problem: Some(format!("`{word}` is not a racelint directive; did you mean `{meant}`?")),
                });
                continue;
            }
        };
        let keyword = word;
        let rest = line[kind_at + keyword.len()..].trim_end();
        let rest = rest.strip_suffix("*/").unwrap_or(rest).trim();
        let (codes_text, reason) = match rest.split_once(':') {
            Some((c, r)) => (c, r.trim()),
            None => (rest, ""),
        };
        let codes: Vec<String> = codes_text.split([',', ' ']).map(str::trim).filter(|c| !c.is_empty()).map(|c| c.to_string()).collect();
        let mut problem = None;
        if codes.is_empty() {
            problem = Some(format!("`{keyword}` names no rule; write `{keyword} RC001: reason`"));
        } else if let Some(bad) = codes.iter().find(|c| rule_info(c).is_none()) {
            problem = Some(format!("`{keyword}` names unknown rule `{bad}` (see `racelint rules`)"));
        } else if reason.is_empty() {
            problem = Some(format!("`{keyword}` needs a reason after a colon: `{keyword} {}: why this is safe`", codes.join(", ")));
        }
        let codes = codes.iter().filter_map(|c| rule_info(c)).map(|r| r.code.to_string()).collect();
        out.push(Directive { span, line: i as u32 + 1, whole_file, codes, reason: reason.to_string(), problem });
    }
    out
}

impl Directive {
    /// Whether this directive suppresses a finding of `code` whose main span starts on `line`.
    pub fn covers(&self, code: &str, line: u32) -> bool {
        self.problem.is_none() && self.codes.iter().any(|c| c == code) && (self.whole_file || self.line + 1 == line)
    }
}

/// The suppression diagnostics, in listing order after the rules.
pub(crate) static DIAGNOSTICS: [&RuleInfo; 2] = [&UNUSED, &INVALID];

pub static UNUSED: RuleInfo = RuleInfo {
    code: "RS001",
    name: "unused-suppression",
    severity: Severity::Warning,
    summary: "a racelint-ignore comment suppresses nothing",
    doc: "# RS001: unused-suppression\n\nA `racelint-ignore-next-line` or `racelint-ignore-file` comment that suppresses no finding.\nRemove it: it hides nothing today and would silently hide a future race.\n",
};

pub static INVALID: RuleInfo = RuleInfo {
    code: "RS002",
    name: "invalid-suppression",
    severity: Severity::Error,
    summary: "a racelint-ignore comment without a reason or with an unknown rule",
    doc: "# RS002: invalid-suppression\n\nA `racelint-ignore-next-line` or `racelint-ignore-file` comment must name rules and give a\nreason: `// racelint-ignore-next-line RC001: the queue runs one job at a time`. One that does\nnot suppresses nothing and is reported.\n",
};

/// Moves the findings that directives cover to the suppressed list, and reports unused and
/// invalid directives as findings of their own. `running` says whether a rule code is being
/// run (`--rule`, a rule turned off in the config): a directive is unused only when every rule
/// it names ran and it suppressed nothing.
pub fn apply(
    program: &crate::program::Program,
    findings: Vec<crate::Finding>,
    running: impl Fn(&str) -> bool,
) -> (Vec<crate::Finding>, Vec<crate::Suppressed>, Vec<crate::Finding>) {
    use crate::Finding;
    let mut per_module: rustc_hash::FxHashMap<u32, (Vec<Directive>, Vec<bool>)> = rustc_hash::FxHashMap::default();
    for (mi, m) in program.modules.iter().enumerate() {
        if m.mentions_ignore {
            let d = directives(&m.text);
            let used = vec![false; d.len()];
            per_module.insert(mi as u32, (d, used));
        }
    }
    let mut kept = Vec::with_capacity(findings.len());
    let mut suppressed = Vec::new();
    for f in findings {
        let Some((dirs, used)) = per_module.get_mut(&f.module) else {
            kept.push(f);
            continue;
        };
        let m = &program.modules[f.module as usize];
        let line = m.lines().position(&m.text, f.span.lo).line;
        match dirs.iter().position(|d| d.covers(f.rule.code, line)) {
            Some(i) => {
                used[i] = true;
                suppressed.push(crate::Suppressed { reason: dirs[i].reason.clone(), finding: f });
            }
            None => kept.push(f),
        }
    }
    let mut meta = Vec::new();
    let mut modules: Vec<_> = per_module.into_iter().collect();
    modules.sort_by_key(|(m, _)| *m);
    for (module, (dirs, used)) in modules {
        let path = crate::discover::forward_slashes(&program.modules[module as usize].path);
        for (d, used) in dirs.iter().zip(used) {
            let (rule, message, help) = match (&d.problem, used) {
                (Some(p), _) if d.codes.is_empty() && p.contains("not a racelint directive") => (
                    &INVALID,
                    p.clone(),
                    format!("racelint knows `{NEXT_LINE} RC001: reason` (for the line below) and `{FILE} RC001: reason`"),
                ),
                (Some(p), _) => (&INVALID, p.clone(), "name the rules and say why the race cannot happen, after a colon".to_string()),
                (None, false) if d.codes.iter().all(|c| running(c)) => (
                    &UNUSED,
                    format!("this `racelint-ignore` comment suppresses nothing ({})", d.codes.join(", ")),
                    "remove it: it hides nothing today and would silently hide a future race".to_string(),
                ),
                (None, _) => continue,
            };
            let fingerprint = format!("{:016x}", crate::finding::fnv64(&[rule.code, &path, &d.line.to_string(), &d.codes.join(",")]));
            meta.push(Finding {
                rule,
                races_with_readers: false,
                severity: rule.severity,
                module,
                span: d.span,
                function: String::new(),
                state: String::new(),
                states: Vec::new(),
                state_declared: None,
                primary_label: message.clone(),
                message,
                labels: Vec::new(),
                help,
                timeline: Vec::new(),
                timelines_for_other_code: Default::default(),
                fingerprint,
                original: None,
                fn_id: None,
                keys: Vec::new(),
                cover: Vec::new(),
                window: Vec::new(),
                tasks: None,
                suggestions: Vec::new(),
            });
        }
    }
    (kept, suppressed, meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_need_rules_and_reasons() {
        let text = "a();\n// racelint-ignore-next-line RC001: serialised by the queue\nb();\n/* racelint-ignore-file RC002, RC005: frozen */\n// racelint-ignore-next-line RC001\nconst s = 'racelint-ignore-next-line RC001: in a string';\n// racelint-ignore-next-line RC999: why\n";
        let d = directives(text);
        assert_eq!(d.len(), 4, "{d:?}");
        assert!(d[0].covers("RC001", 3) && !d[0].covers("RC001", 4) && !d[0].covers("RC002", 3));
        assert!(d[1].whole_file && d[1].covers("RC005", 100) && d[1].reason == "frozen");
        assert!(d[2].problem.as_deref().unwrap().contains("needs a reason"));
        assert!(d[3].problem.as_deref().unwrap().contains("unknown rule `RC999`"));
    }

    #[test]
    fn misspelled_directives_are_invalid_not_ignored() {
        let text = "// racelint-ignore-line RC001: x\n/* racelint-disable-next-line RC001: y */\n// see racelint-baseline.json\nconst s = 'racelint-disable-next-line';\n// racelint-ignore-next-line RC001: fine\n";
        let d = directives(text);
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d[0].problem.as_deref().unwrap().contains("`racelint-ignore-line` is not a racelint directive"), "{d:?}");
        assert!(d[1].problem.as_deref().unwrap().contains("did you mean `racelint-ignore-next-line`?"), "{d:?}");
        assert!(d[2].problem.is_none() && d[2].covers("RC001", 6));
    }
}
