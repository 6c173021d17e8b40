//! The default format: rustc-like frames rendered by miette, then a summary line.

use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, NamedSource, SourceCode, SourceSpan, SpanContents,
};

use super::{display_path, range};
use crate::{Report, Severity};

/// A module's text shared with miette without copying it.
#[derive(Debug, Clone)]
struct SharedText(Arc<str>);

impl SourceCode for SharedText {
    fn read_span<'a>(&'a self, span: &SourceSpan, before: usize, after: usize) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        self.0.as_ref().read_span(span, before, after)
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
        p.modules.iter().map(|m| NamedSource::new(m.path.to_string_lossy().replace('\\', "/"), SharedText(m.text.clone()))).collect();
    let mut out = String::new();
    for e in &report.errors {
        let module = p.modules.iter().position(|m| m.path == e.path);
        let (labels, source) = match (e.offset, module) {
            (Some(o), Some(mi)) if drawable(&p.modules[mi].text, o, o) => {
                (vec![LabeledSpan::new_primary_with_span(Some("here".into()), SourceSpan::from((o as usize, 0)))], Some(&sources[mi]))
            }
            _ => (Vec::new(), None),
        };
        let message = match (e.offset, module) {
            (Some(o), Some(mi)) => {
                let pos = p.modules[mi].lines().position(&p.modules[mi].text, o);
                format!("{}:{}:{}: {}", e.path.to_string_lossy().replace('\\', "/"), pos.line, pos.column, e.message)
            }
            _ => format!("{}: {}", e.path.to_string_lossy().replace('\\', "/"), e.message),
        };
        let frame = Frame { message, code: None, severity: miette::Severity::Error, help: None, labels, source };
        let _ = handler.render_report(&mut out, &frame);
        out.push('\n');
    }
    for f in &report.findings {
        let mut labels = vec![LabeledSpan::new_primary_with_span(Some(f.primary_label.clone()), span_of(f.span.lo, f.span.hi))];
        let mut notes = Vec::new();
        let text = &p.modules[f.module as usize].text;
        let draw = drawable(text, f.span.lo, f.span.hi)
            && f.labels.iter().all(|l| l.site.module != f.module || drawable(text, l.site.span.lo, l.site.span.hi));
        if !draw {
            labels.clear();
            let (s, _) = range(p, f.module, f.span.lo, f.span.hi);
            notes.push(format!("{}:{}:{}: {}", display_path(p, f.module), s.line, s.column, f.primary_label));
        }
        for l in &f.labels {
            if draw && l.in_frame && l.site.module == f.module {
                labels.push(LabeledSpan::new_with_span(Some(l.message.clone()), span_of(l.site.span.lo, l.site.span.hi)));
            } else {
                let (s, _) = range(p, l.site.module, l.site.span.lo, l.site.span.hi);
                notes.push(format!("{}:{}:{}: {}", display_path(p, l.site.module), s.line, s.column, l.message));
            }
        }
        if let Some(o) = &f.original {
            notes.push(format!("built from {}:{}:{} (by the file's source map)", o.file, o.line, o.column));
        }
        let mut help = f.help.clone();
        help.push_str("\n\nhow it interleaves:");
        for t in &f.timeline {
            help.push_str("\n  ");
            help.push_str(t);
        }
        for n in notes {
            help.push_str("\nnote: ");
            help.push_str(&n);
        }
        let (start, _) = range(p, f.module, f.span.lo, f.span.hi);
        let frame = Frame {
            message: format!("{} (in `{}`, {}:{}:{})", f.message, f.function, display_path(p, f.module), start.line, start.column),
            code: Some(format!("racelint({})", f.rule.name)),
            severity: match f.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
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

/// Whether the lines that `lo..hi` touches are short enough to draw.
fn drawable(text: &str, lo: u32, hi: u32) -> bool {
    let lo = (lo as usize).min(text.len());
    let hi = (hi as usize).clamp(lo, text.len());
    let start = text[..lo].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let end = text[hi..].find('\n').map(|i| hi + i).unwrap_or(text.len());
    text[start..end].split('\n').all(|l| l.len() <= MAX_DRAWN_LINE)
}

fn span_of(lo: u32, hi: u32) -> SourceSpan {
    SourceSpan::from((lo as usize, hi.saturating_sub(lo) as usize))
}

/// `racelint: 3 findings (2 errors, 1 warning) in 12 files; 1 file error`.
pub fn summary(report: &Report) -> String {
    let errors = report.findings.iter().filter(|f| f.severity == Severity::Error).count();
    let warnings = report.findings.len() - errors;
    let plural = |n: usize, w: &str| if n == 1 { format!("{n} {w}") } else { format!("{n} {w}s") };
    let mut s = format!(
        "racelint: {} ({}, {}) in {}",
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
            report.skipped.iter().take(LISTED).map(|k| format!("{} ({})", k.path.to_string_lossy().replace('\\', "/"), k.reason)).collect();
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
