//! `--format github`: GitHub Actions workflow commands, which GitHub shows as annotations on
//! the pull request. GitHub shows only the first 10 of each type per step, so the most severe
//! come first, and a summary line closes the output.

use super::{display_path, range};
use crate::{Report, Severity};

/// Escapes a workflow command's message.
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report) -> String {
    super::to_string(|out| write(report, out))
}

pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let p = &report.program;
    for (e, pos) in report.errors.iter().zip(super::error_positions(report)) {
        let file = property(&crate::discover::forward_slashes(&e.path));
        let message = data(&e.full_message());
        match pos {
            Some(pos) => writeln!(out, "::error file={file},line={},col={},title=racelint::{message}", pos.line, pos.column)?,
            None => writeln!(out, "::error file={file},title=racelint::{message}")?,
        }
    }
    let mut findings: Vec<&crate::Finding> = report.findings.iter().collect();
    // errors first (stable, so file order is kept within a severity)
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in findings {
        let (s, e) = range(p, f.module, f.span.lo, f.span.hi);
        let kind = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let title = property(&format!("{} {}", f.rule.code, f.rule.name));
        let place = if f.function.is_empty() { String::new() } else { format!(" (in `{}`)", f.function) };
        let msg = data(&format!("{}{place}\n{}", f.message, f.help));
        writeln!(
            out,
            "::{kind} file={},line={},endLine={},col={},endColumn={},title={title}::{msg}",
            property(&display_path(p, f.module)),
            s.line,
            e.line,
            s.column,
            e.column
        )?;
    }
    out.write_all(super::human::summary(report).as_bytes())
}

#[cfg(test)]
mod tests {
    #[test]
    fn workflow_command_escaping() {
        assert_eq!(super::data("50%\nnext\r"), "50%25%0Anext%0D");
        assert_eq!(super::property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
