//! Fix suggestions: edits a user (or an editor, through a code action) may apply to make a
//! finding go away. They are never applied by racelint itself.
//!
//! Every rule finding gets a suppression comment (`suppression.rs`); a shape that has one
//! mechanical, local fix gets that fix too, built from the syntax tree of the finding's
//! function, parsed again here from the function's own text (the facts keep no tree; the
//! module is parsed whole only for a fix that edits outside the function): an RC004 cache filled by an awaited call stores the in-flight
//! promise (`in_flight_promise.rs`), an RC002 torn read of one state reads a snapshot taken
//! before the first await (`snapshot.rs`). A shape that is not exactly recognised gets no edit:
//! fewer suggestions, none wrong.

mod in_flight_promise;
mod snapshot;
mod suppression;
pub use suppression::REASON_PLACEHOLDER;
mod tree;

pub(crate) use tree::line_bound_spans;

use crate::facts::Span;
use crate::program::Program;
use crate::rules::Fix;
use crate::source::SourceModule;
use crate::Finding;

/// One replacement of a byte range of a module's text (an insertion when the range is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub module: u32,
    pub span: Span,
    pub text: String,
}

/// A fix for one finding: what it does, in words, and its edits (in one file, not
/// overlapping, in text order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub desc: String,
    pub edits: Vec<Edit>,
}

/// `text` with the edits applied (they must not overlap).
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.span.lo, e.span.hi));
    let mut out = String::with_capacity(text.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut at = 0usize;
    for e in sorted {
        let (lo, hi) = (e.span.lo as usize, e.span.hi as usize);
        out.push_str(&text[at.min(lo)..lo]);
        out.push_str(&e.text);
        at = at.max(hi);
    }
    out.push_str(&text[at.min(text.len())..]);
    out
}

/// Attaches suggestions to the findings. A module is parsed again (once) only when one of its
/// findings has the shape of a rule fix before looking at the tree; the suppression comment
/// needs only the module's facts.
pub(crate) fn attach(program: &Program, findings: &mut [Finding]) {
    let mut by_module: Vec<(u32, Vec<usize>)> = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        match by_module.last_mut() {
            Some((m, list)) if *m == f.module => list.push(i),
            _ => by_module.push((f.module, vec![i])),
        }
    }
    // findings are sorted by module, but a caller may not have sorted them
    by_module.sort_by_key(|(m, _)| *m);
    for (module, list) in by_module {
        let m = &program.modules[module as usize];
        // the module's tree, parsed only when a fix needs more than its function's
        let full = std::cell::OnceCell::new();
        let mut functions: Vec<(Span, Option<tree::Tree>)> = Vec::new();
        for i in list {
            let f = &findings[i];
            let mut out = Vec::new();
            if let (true, Some(id)) = (rule_fix_may_apply(program, m, f), f.fn_id) {
                let span = program.function(id).span;
                let at = match functions.iter().position(|(s, _)| *s == span) {
                    Some(at) => at,
                    None => {
                        functions.push((span, tree::Tree::parse_function(m, span)));
                        functions.len() - 1
                    }
                };
                let tree = functions[at].1.as_ref().or_else(|| full.get_or_init(|| tree::Tree::parse(m)).as_ref());
                if let Some(tree) = tree {
                    out.extend(rule_fix(program, m, tree, &full, f));
                }
            }
            out.extend(suppression::suggestion(m, f));
            findings[i].suggestions = out;
        }
    }
}

/// Whether the finding passes the checks of its rule's fix that need no tree.
fn rule_fix_may_apply(program: &Program, m: &SourceModule, f: &Finding) -> bool {
    f.original.is_none()
        && match crate::rules::rule_of(f.rule).map(|r| r.fix) {
            Some(Fix::InFlightPromise) => in_flight_promise::may_apply(program, m, f),
            Some(Fix::Snapshot) => snapshot::may_apply(program, m, f),
            Some(Fix::None) | None => false,
        }
}

/// The rule's own mechanical fix for this finding, when its shape has one: `tree` holds the
/// finding's function, `full` is the module's tree, for a fix that edits outside it.
fn rule_fix(
    program: &Program,
    m: &SourceModule,
    tree: &tree::Tree,
    full: &std::cell::OnceCell<Option<tree::Tree>>,
    f: &Finding,
) -> Option<Suggestion> {
    if f.original.is_some() {
        // generated code: the fix belongs in the source it was built from
        return None;
    }
    let module_tree = || full.get_or_init(|| tree::Tree::parse(m)).as_ref();
    let fix = match crate::rules::rule_of(f.rule).map(|r| r.fix) {
        Some(Fix::InFlightPromise) => in_flight_promise::suggestion(program, m, tree, module_tree, f),
        Some(Fix::Snapshot) => snapshot::suggestion(program, m, tree, f),
        Some(Fix::None) | None => None,
    }?;
    // an edit that breaks the file is no fix (belt and braces: the shapes are checked first)
    tree.parses_edited(m, &fix.edits).then_some(fix)
}

/// A name for a new binding, `base` unless the file already uses that word anywhere (then
/// `base2`, `base3`, …), so it shadows and is shadowed by nothing.
fn fresh_name(text: &str, base: &str) -> String {
    let used = |name: &str| {
        text.match_indices(name).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + name.len()..].chars().next();
            let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
            !word(before) && !word(after)
        })
    };
    if !used(base) {
        return base.to_string();
    }
    (2..).map(|n| format!("{base}{n}")).find(|n| !used(n)).unwrap_or_default()
}

/// The whitespace a line starts with.
fn indent_of(line: &str) -> &str {
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// The line break the file uses (`\r\n` when its first line ends so).
fn line_break(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_apply_in_text_order_and_names_are_fresh() {
        let e = |lo, hi, t: &str| Edit { module: 0, span: Span { lo, hi }, text: t.into() };
        assert_eq!(apply("abcdef", &[e(4, 5, "E"), e(0, 0, ">"), e(1, 3, "")]), ">adEf");
        assert_eq!(fresh_name("let cacheLoading = 1;", "cache"), "cache");
        assert_eq!(fresh_name("let cacheLoading = 1;", "cacheLoading"), "cacheLoading2");
        assert_eq!(indent_of("\t  x = 1;"), "\t  ");
        assert_eq!(line_break("a\r\nb"), "\r\n");
    }
}
