//! The default format: rustc-like frames rendered by miette, then a summary line.

use std::fmt;
use std::sync::{Arc, OnceLock};

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, NamedSource, SourceCode, SourceSpan,
    SpanContents,
};

use super::{display_path, range};
use crate::discover::forward_slashes;
use crate::{Report, Severity};

/// A module's text shared with miette without copying it.
///
/// miette's own `read_span` on a string counts lines from the start of the text on every call,
/// so each frame cost as much as the file before it: 20 000 errors at the end of a 400 KB file
/// took 25 s. This one hands miette only the lines around the span (a line more on each side
/// than it asks for, so its answer is the same) and adds the line breaks before them.
#[derive(Debug, Clone)]
struct SharedText {
    text: Arc<str>,
    /// Where each line starts after the first, by miette's line breaks (`\n`, `\r\n`, `\r`);
    /// found on the first frame drawn from this file.
    breaks: Arc<OnceLock<Vec<u32>>>,
}

impl SharedText {
    fn new(text: Arc<str>) -> SharedText {
        SharedText { text, breaks: Default::default() }
    }

    fn breaks(&self) -> &[u32] {
        self.breaks.get_or_init(|| {
            let bytes = self.text.as_bytes();
            let mut out = Vec::new();
            for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
                if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
                    out.push(i as u32 + 1);
                }
            }
            out
        })
    }
}

impl SourceCode for SharedText {
    fn read_span<'a>(&'a self, span: &SourceSpan, before: usize, after: usize) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (lo, hi) = (span.offset(), span.offset() + span.len());
        if hi > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let breaks = self.breaks();
        let lines_before = |offset: usize| breaks.partition_point(|&b| b as usize <= offset);
        let skipped = lines_before(lo).saturating_sub(before + 1);
        let start = if skipped == 0 { 0 } else { breaks[skipped - 1] as usize };
        let end = breaks.get(lines_before(hi) + after + 1).map_or(self.text.len(), |&b| b as usize);
        let window = &self.text[start..end];
        crate::source::count_scanned(window.len());
        let local = SourceSpan::from((lo - start, span.len()));
        let c = window.as_bytes().read_span(&local, before, after)?;
        Ok(Box::new(MietteSpanContents::new(
            c.data(),
            SourceSpan::from((c.span().offset() + start, c.span().len())),
            c.line() + skipped,
            c.column(),
            c.line_count() + skipped,
        )))
    }
}

#[derive(Debug)]
struct Frame<'a> {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    labels: Vec<LabeledSpan>,
    source: Option<&'a NamedSource<SharedText>>,
}

impl fmt::Display for Frame<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Frame<'_> {}

impl Diagnostic for Frame<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.code.as_ref().map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.map(|s| s as &dyn SourceCode)
    }
}

/// How to draw the frames.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

pub fn render(report: &Report, style: Style) -> String {
    let p = &report.program;
    let theme = if style.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(style.width).with_links(false);
    let sources: Vec<NamedSource<SharedText>> =
        p.modules.iter().map(|m| NamedSource::new(forward_slashes(&m.path), SharedText::new(m.text.clone()))).collect();
    let module_of: rustc_hash::FxHashMap<&std::path::Path, usize> =
        p.modules.iter().enumerate().map(|(i, m)| (m.path.as_path(), i)).collect();
    let mut out = String::new();
    for e in &report.errors {
        let module = module_of.get(e.path.as_path()).copied();
        let (labels, source) = match (e.offset, module) {
            (Some(o), Some(mi)) if drawable(&p.modules[mi], o, o) => {
                (vec![LabeledSpan::new_primary_with_span(Some("here".into()), SourceSpan::from((o as usize, 0)))], Some(&sources[mi]))
            }
            _ => (Vec::new(), None),
        };
        let pos = match (e.offset, module) {
            (Some(o), Some(mi)) => Some(p.modules[mi].lines().position(&p.modules[mi].text, o)),
            _ => e.at,
        };
        let message = match pos {
            Some(pos) => format!("{}:{}:{}: {}", forward_slashes(&e.path), pos.line, pos.column, e.full_message()),
            None => format!("{}: {}", forward_slashes(&e.path), e.full_message()),
        };
        let frame = Frame { message, code: None, severity: miette::Severity::Error, help: None, labels, source };
        let _ = handler.render_report(&mut out, &frame);
        out.push('\n');
    }
    for f in &report.findings {
        let mut labels = vec![LabeledSpan::new_primary_with_span(Some(f.primary_label.clone()), span_of(f.span.lo, f.span.hi))];
        let mut notes = Vec::new();
        let m = &p.modules[f.module as usize];
        let draw = drawable(m, f.span.lo, f.span.hi)
            && f.labels.iter().all(|l| l.site.module != f.module || drawable(m, l.site.span.lo, l.site.span.hi));
        if !draw {
            labels.clear();
            let (s, _) = range(p, f.module, f.span.lo, f.span.hi);
            notes.push(format!("{}:{}:{}: {}", display_path(p, f.module), s.line, s.column, f.primary_label));
        }
        let framed: Vec<(u32, u32)> = std::iter::once((f.span.lo, f.span.hi))
            .chain(f.labels.iter().filter(|l| l.in_frame && l.site.module == f.module).map(|l| (l.site.span.lo, l.site.span.hi)))
            .collect();
        if draw {
            let (lo, hi) = own_columns(&m.text, &framed, 0);
            labels[0] = LabeledSpan::new_primary_with_span(Some(f.primary_label.clone()), span_of(lo, hi));
        }
        let mut drawn = 0;
        for l in &f.labels {
            if draw && l.in_frame && l.site.module == f.module {
                drawn += 1;
                let (lo, hi) = own_columns(&m.text, &framed, drawn);
                labels.push(LabeledSpan::new_with_span(Some(l.message.clone()), span_of(lo, hi)));
            } else {
                let (s, _) = range(p, l.site.module, l.site.span.lo, l.site.span.hi);
                notes.push(format!("{}:{}:{}: {}", display_path(p, l.site.module), s.line, s.column, l.message));
            }
        }
        if let Some(o) = &f.original {
            notes.push(format!("built from {}:{}:{} (by the file's source map)", o.file, o.line, o.column));
        }
        let mut help = f.help.clone();
        if !f.timeline.is_empty() {
            help.push_str("\n\nhow it interleaves:");
        }
        for t in &f.timeline {
            // wrapped here, so a step's continuation lines keep the step's indent (miette's own
            // wrapping would start them at the help's margin)
            let hang = if t.starts_with("task ") || t.starts_with("latent") { 10 } else { 4 };
            for line in wrap(t, style.width.saturating_sub(2 + 8 + 2), hang - 2) {
                help.push_str("\n  ");
                help.push_str(&line);
            }
        }
        for n in notes {
            help.push_str("\nnote: ");
            help.push_str(&n);
        }
        let (start, _) = range(p, f.module, f.span.lo, f.span.hi);
        let frame = Frame {
            message: if f.function.is_empty() {
                format!("{} ({}:{}:{})", f.message, display_path(p, f.module), start.line, start.column)
            } else {
                format!("{} (in `{}`, {}:{}:{})", f.message, f.function, display_path(p, f.module), start.line, start.column)
            },
            code: Some(format!("racelint({})", f.rule.name)),
            severity: match f.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Note => miette::Severity::Advice,
            },
            help: Some(help),
            source: (!labels.is_empty()).then(|| &sources[f.module as usize]),
            labels,
        };
        let _ = handler.render_report(&mut out, &frame);
        out.push('\n');
    }
    out.push_str(&summary(report));
    out
}

/// Lines longer than this (minified bundles) are not drawn in a code frame: the frame would be
/// unreadable, and miette cannot draw labels past column 65 535. Their labels become notes.
const MAX_DRAWN_LINE: usize = 4096;

/// Whether the lines that `lo..hi` touches are short enough to draw (looked up in the line
/// index: scanning for the line's ends cost a 5 MB line's length per finding).
fn drawable(m: &crate::source::SourceModule, lo: u32, hi: u32) -> bool {
    let lines = m.lines();
    let first = lines.line_of(&m.text, lo);
    let last = lines.line_of(&m.text, hi.max(lo));
    (first..=last).all(|l| lines.line_len(&m.text, l) <= MAX_DRAWN_LINE)
}

/// The part of span `i` of `spans` its label points at: the span itself, unless other spans
/// lie inside it on the same line (`total += await f()` holds the read `total` and the await),
/// where miette would draw every label's arrow past the end of the outer one. Then the outer
/// label points at the longest stretch of it that no inner span covers (`+=`).
fn own_columns(text: &str, spans: &[(u32, u32)], i: usize) -> (u32, u32) {
    let (lo, hi) = spans[i];
    let one_line = |lo: u32, hi: u32| text.get(lo as usize..hi as usize).is_some_and(|t| !t.contains('\n'));
    if !one_line(lo, hi) {
        return (lo, hi);
    }
    let mut inner: Vec<(u32, u32)> = spans.iter().copied().filter(|&(a, b)| lo <= a && b <= hi && (a, b) != (lo, hi) && a < b).collect();
    if inner.is_empty() {
        return (lo, hi);
    }
    inner.sort();
    let mut gaps = Vec::new();
    let mut at = lo;
    for (a, b) in inner {
        if a > at {
            gaps.push((at, a));
        }
        at = at.max(b);
    }
    if at < hi {
        gaps.push((at, hi));
    }
    let trimmed = |(a, b): (u32, u32)| {
        let t = &text[a as usize..b as usize];
        let start = a + (t.len() - t.trim_start().len()) as u32;
        (start, start + t.trim().len() as u32)
    };
    gaps.into_iter().map(trimmed).filter(|(a, b)| a < b).max_by_key(|(a, b)| (b - a, std::cmp::Reverse(*a))).unwrap_or((lo, hi))
}

/// `text` in lines of at most `width` characters (a word longer than that on a line of its
/// own), every line after the first indented by `hang` spaces.
fn wrap(text: &str, width: usize, hang: usize) -> Vec<String> {
    let width = width.max(hang + 20);
    let mut lines = vec![String::new()];
    // a word longer than a line is cut into pieces that fit (miette would cut it at the margin)
    let room = width - hang;
    let words = text.split(' ').flat_map(|w| {
        let chars: Vec<char> = w.chars().collect();
        let pieces: Vec<String> =
            if chars.len() <= room { vec![w.to_string()] } else { chars.chunks(room).map(|c| c.iter().collect()).collect() };
        pieces
    });
    for word in words {
        let word = word.as_str();
        let line = lines.last_mut().expect("a line");
        let len = line.chars().count();
        if len > hang && len + 1 + word.chars().count() > width {
            lines.push(format!("{}{word}", " ".repeat(hang)));
        } else {
            if !line.is_empty() || word.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

fn span_of(lo: u32, hi: u32) -> SourceSpan {
    SourceSpan::from((lo as usize, hi.saturating_sub(lo) as usize))
}

/// `racelint: 3 findings (2 errors, 1 warning) in 12 files; 1 file error`.
pub fn summary(report: &Report) -> String {
    let errors = report.findings.iter().filter(|f| f.severity == Severity::Error).count();
    let notes = report.findings.iter().filter(|f| f.severity == Severity::Note).count();
    let warnings = report.findings.len() - errors - notes;
    let plural = |n: usize, w: &str| if n == 1 { format!("{n} {w}") } else { format!("{n} {w}s") };
    // latent notes are counted only when there are some
    let notes = if notes > 0 { format!(", {} (latent)", plural(notes, "note")) } else { String::new() };
    let mut s = format!(
        "racelint: {} ({}, {}{notes}) in {}",
        plural(report.findings.len(), "finding"),
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(report.files(), "file")
    );
    if !report.suppressed.is_empty() {
        s.push_str(&format!("; {} suppressed", report.suppressed.len()));
    }
    if let Some(b) = &report.baseline {
        s.push_str(&format!("; {} in the baseline", plural(b.matched, "known finding")));
        if !b.stale.is_empty() {
            s.push_str(&format!(", {} no longer found (prune them)", plural(b.stale.len(), "baseline entry").replace("entrys", "entries")));
        }
    }
    if !report.errors.is_empty() {
        s.push_str(&format!("; {} could not be analysed", plural(report.errors.len(), "input error")));
    }
    s.push('\n');
    if !report.skipped.is_empty() {
        const LISTED: usize = 5;
        let n = report.skipped.len();
        let mut listed: Vec<String> =
            report.skipped.iter().take(LISTED).map(|k| format!("{} ({})", forward_slashes(&k.path), k.reason)).collect();
        if n > LISTED {
            listed.push(format!("and {} more", n - LISTED));
        }
        let them = if n == 1 { "it" } else { "them" };
        s.push_str(&format!(
            "skipped {}: {}; name {them} or pass --include-generated to lint {them}\n",
            plural(n, "generated file"),
            listed.join(", ")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The windowed `read_span` answers exactly what miette's whole-text one does.
    #[test]
    fn windowed_spans_equal_miettes_own() {
        let text = &"a\nbc\r\nd\re\n\nfgh\r\n\r\nij\nk".repeat(3);
        let shared = SharedText::new(text.as_str().into());
        for lo in 0..=text.len() {
            for len in 0..=(text.len() - lo).min(6) {
                for context in 0..3 {
                    let span = SourceSpan::from((lo, len));
                    let want = text.read_span(&span, context, context).unwrap();
                    let got = shared.read_span(&span, context, context).unwrap();
                    let what = format!("span {lo}+{len}, context {context}");
                    assert_eq!(got.data(), want.data(), "{what}");
                    assert_eq!(got.span(), want.span(), "{what}");
                    assert_eq!((got.line(), got.column(), got.line_count()), (want.line(), want.column(), want.line_count()), "{what}");
                }
            }
        }
    }
}
