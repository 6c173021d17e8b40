//! One swc parse per file, with the syntax chosen by the file's extension.

use std::path::Path;

use swc_common::{sync::Lrc, FileName, SourceMap, Spanned};
use swc_ecma_ast::{EsVersion, Module};
use swc_ecma_parser::{EsSyntax, Syntax, TsSyntax};

/// A parse error at a byte offset of the file.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SyntaxError {
    pub offset: u32,
    pub message: String,
    /// How many further parse errors the file has (not kept: see [`parse`]).
    #[serde(default)]
    pub more: u32,
}

/// What parsing one file produced: the module (if the parser could build one) and its first
/// error, which counts the others.
pub struct Parsed {
    pub module: Option<Module>,
    /// Where the file starts in swc's position space; subtract from a span to get a byte offset.
    pub base: u32,
    /// At most one: the first error by position, with `more` counting the rest.
    pub errors: Vec<SyntaxError>,
}

/// The swc syntax for a file name, or `None` when racelint does not lint that extension.
pub fn syntax_for(path: &Path) -> Option<Syntax> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "js" | "mjs" | "cjs" | "jsx" => Syntax::Es(EsSyntax {
            jsx: true,
            decorators: true,
            import_attributes: true,
            allow_return_outside_function: ext == "cjs",
            explicit_resource_management: true,
            ..Default::default()
        }),
        "ts" | "mts" | "cts" => Syntax::Typescript(TsSyntax { decorators: true, ..Default::default() }),
        "tsx" => Syntax::Typescript(TsSyntax { tsx: true, decorators: true, ..Default::default() }),
        // components: the syntax of their script blocks is chosen by `lang` (see `sfc`)
        "vue" | "svelte" => {
            Syntax::Es(EsSyntax { decorators: true, import_attributes: true, explicit_resource_management: true, ..Default::default() })
        }
        _ => return None,
    })
}

/// The syntax of a component's script blocks: TypeScript with `lang="ts"`, JSX with `tsx`/`jsx`.
pub fn component_syntax(scripts: &crate::sfc::Scripts) -> Syntax {
    if scripts.typescript {
        Syntax::Typescript(TsSyntax { tsx: scripts.jsx, decorators: true, ..Default::default() })
    } else {
        Syntax::Es(EsSyntax {
            jsx: scripts.jsx,
            decorators: true,
            import_attributes: true,
            explicit_resource_management: true,
            ..Default::default()
        })
    }
}

/// Parses `text` as an ES module (scripts without imports parse as modules too, and
/// SillyTavern uses top-level `await`).
///
/// Only the first error is kept, with a count of the others: after one error the parser's
/// recovery mostly reports its consequences (20 000 unclosed functions are 20 000 errors at the
/// end of the file), and every format prints each error it gets, so one broken file must not
/// cost more than one error's worth of output. ESLint and Biome report one fatal error too.
pub fn parse(path: &Path, text: &str, syntax: Syntax) -> Parsed {
    let cm: Lrc<SourceMap> = Default::default();
    // swc drops a leading BOM, which would shift every position 3 bytes early in the original
    // text (and `start_pos - 3` underflows for the first file); the BOM is whitespace in
    // JavaScript, so three spaces in its place keep every byte offset as it is in `text`.
    let src = match text.strip_prefix('\u{feff}') {
        Some(rest) => format!("   {rest}"),
        None => text.to_string(),
    };
    let fm = cm.new_source_file(Lrc::new(FileName::Real(path.to_path_buf())), src);
    let base = fm.start_pos.0;
    let mut recovered = Vec::new();
    let result = swc_ecma_parser::parse_file_as_module(&fm, syntax, EsVersion::latest(), None, &mut recovered);
    let to_err = |e: swc_ecma_parser::error::Error| SyntaxError {
        offset: e.span().lo.0.saturating_sub(base).min(text.len() as u32),
        message: e.kind().msg().into_owned(),
        more: 0,
    };
    let mut errors: Vec<SyntaxError> = recovered.into_iter().map(to_err).collect();
    let module = match result {
        Ok(m) => Some(m),
        Err(e) => {
            errors.push(to_err(e));
            None
        }
    };
    let first = errors.iter().enumerate().min_by_key(|(_, e)| e.offset).map(|(i, _)| i);
    let more = errors.len().saturating_sub(1) as u32;
    let errors = match first {
        Some(i) => vec![SyntaxError { more, ..errors.swap_remove(i) }],
        None => Vec::new(),
    };
    Parsed { module, base, errors }
}
