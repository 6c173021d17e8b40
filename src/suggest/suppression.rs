//! The suggestion every rule finding gets: a `racelint-ignore-next-line` comment above its line,
//! with a reason placeholder the suppression parser accepts; and for an unused suppression
//! (RS001), removing it.

use super::{indent_of, line_break, Edit, Suggestion};
use crate::facts::Span;
use crate::source::SourceModule;
use crate::Finding;

/// The reason written into a new suppression: accepted by the parser (a reason after the
/// colon), and plainly a placeholder to replace.
pub const REASON_PLACEHOLDER: &str = "TODO: why this cannot race";

pub(super) fn suggestion(m: &SourceModule, f: &Finding) -> Option<Suggestion> {
    if f.rule.code == crate::suppress::UNUSED.code {
        remove_unused(m, f)
    } else if crate::rules::rule_of(f.rule).is_some() {
        ignore_comment(m, f)
    } else {
        None
    }
}

fn ignore_comment(m: &SourceModule, f: &Finding) -> Option<Suggestion> {
    let text = &m.text;
    let lines = m.lines();
    let line = lines.line_of(text, f.span.lo);
    let start = lines.line_start(line)?;
    // a line break inside a template literal or JSX is part of the value: no comment goes there
    if m.facts.no_new_line.iter().any(|s| s.lo < start && start < s.hi) {
        return None;
    }
    let code = f.rule.code;
    if line > 1 {
        let above = lines.line_text(text, line - 1);
        if let Some(d) = crate::suppress::directives(above).into_iter().next().filter(|d| !d.whole_file) {
            // a suppression of other rules above: the code joins its list (a new comment between
            // them would leave that one suppressing a comment)
            if d.problem.is_some() || d.codes.iter().any(|c| c == code) {
                return None;
            }
            let keyword = "racelint-ignore-next-line";
            let after = above.find(keyword)? + keyword.len();
            let colon = after + above[after..].find(':')?;
            let at = lines.line_start(line - 1)? + colon as u32;
            return Some(Suggestion {
                desc: format!("add {code} to the `racelint-ignore-next-line` comment above (its reason then covers this finding too)"),
                edits: vec![Edit { module: f.module, span: Span { lo: at, hi: at }, text: format!(", {code}") }],
            });
        }
    }
    let indent = indent_of(lines.line_text(text, line));
    let comment = format!("{indent}// racelint-ignore-next-line {code}: {REASON_PLACEHOLDER}{}", line_break(text));
    Some(Suggestion {
        desc: format!("suppress this {code} finding with a `racelint-ignore-next-line` comment (replace the TODO with why it cannot race)"),
        edits: vec![Edit { module: f.module, span: Span { lo: start, hi: start }, text: comment }],
    })
}

/// RS001: remove the comment; its whole line when nothing else is on it.
fn remove_unused(m: &SourceModule, f: &Finding) -> Option<Suggestion> {
    let text = &m.text;
    let lines = m.lines();
    let line = lines.line_of(text, f.span.lo);
    let start = lines.line_start(line)?;
    let before = text.get(start as usize..f.span.lo as usize)?;
    let line_end = start + lines.line_len(text, line) as u32;
    let span = if before.trim().is_empty() {
        // the line and its break
        let next = lines.line_start(line + 1).unwrap_or(line_end);
        Span { lo: start, hi: next }
    } else {
        // code before the comment stays, without the spaces before the comment
        Span { lo: start + before.trim_end().len() as u32, hi: f.span.hi }
    };
    // a block comment may go on after the directive: only a comment that ends the line goes
    let rest = text.get(f.span.hi as usize..line_end as usize)?;
    if !rest.trim_end_matches('\r').trim().is_empty() {
        return None;
    }
    Some(Suggestion {
        desc: "remove this unused `racelint-ignore` comment".to_string(),
        edits: vec![Edit { module: f.module, span, text: String::new() }],
    })
}
