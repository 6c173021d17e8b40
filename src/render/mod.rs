//! Output formats. Every format renders the same [`Report`](crate::Report); none computes
//! anything of its own.

pub mod eslint;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use crate::program::Program;
use crate::source::Position;

/// What a streaming renderer writes, as a string (tests and the language server).
pub(crate) fn to_string(write: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    let _ = write(&mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// A file path as shown in output: forward slashes on every platform.
pub fn display_path(program: &Program, module: u32) -> String {
    crate::discover::forward_slashes(&program.modules[module as usize].path)
}

/// The position of every error of the report, in order (`None` for errors without one): the
/// files are looked up once, not once per error.
pub fn error_positions(report: &crate::Report) -> Vec<Option<Position>> {
    let p = &report.program;
    let index: rustc_hash::FxHashMap<&std::path::Path, usize> = p.modules.iter().enumerate().map(|(i, m)| (m.path.as_path(), i)).collect();
    report
        .errors
        .iter()
        .map(|e| {
            if e.at.is_some() {
                return e.at;
            }
            let m = &p.modules[*index.get(e.path.as_path())?];
            Some(m.lines().position(&m.text, e.offset?))
        })
        .collect()
}

/// Start and end positions of a byte range of a module.
pub fn range(program: &Program, module: u32, lo: u32, hi: u32) -> (Position, Position) {
    let m = &program.modules[module as usize];
    (m.lines().position(&m.text, lo), m.lines().position(&m.text, hi))
}
