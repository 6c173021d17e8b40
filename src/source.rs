//! Byte offsets to 1-based lines and UTF-16 columns (the units ESLint and LSP use).

use std::cell::Cell;
use std::path::PathBuf;
use std::sync::Arc;

use crate::facts::ModuleFacts;
use crate::parse::SyntaxError;

/// A file's line starts, for turning byte offsets into human positions.
///
/// A position costs a binary search plus at most one block of text: columns count UTF-16 units,
/// and counting them from the start of the line cost a 5 MB minified line's length per
/// position. The index keeps the count at the start of every block instead (nothing for a file
/// that is all ASCII, where a column is a byte difference).
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    /// For text that is not all ASCII: the UTF-16 units before each block's first char
    /// boundary, and where that boundary is.
    blocks: Option<Vec<(u32, u32)>>,
}

/// Bytes per block of [`LineIndex::blocks`].
const BLOCK: usize = 256;

thread_local! {
    static SCANNED: Cell<u64> = const { Cell::new(0) };
}

/// Bytes of source text this thread has scanned to compute positions and draw frames: what
/// renderers do per finding or error, which tests check is linear in what they print.
pub fn scanned_bytes() -> u64 {
    SCANNED.with(Cell::get)
}

pub(crate) fn count_scanned(bytes: usize) {
    SCANNED.with(|s| s.set(s.get() + bytes as u64));
}

/// A 1-based line and 1-based column in UTF-16 code units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0);
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1));
        let blocks = (!text.is_ascii()).then(|| {
            let mut units = 0u32;
            let mut at = 0usize;
            let mut blocks = Vec::with_capacity(text.len() / BLOCK + 1);
            for b in 0..text.len().div_ceil(BLOCK) {
                let mut next = (b * BLOCK).max(at);
                while !text.is_char_boundary(next) {
                    next += 1;
                }
                units += utf16_len(&text[at..next]);
                at = next;
                blocks.push((at as u32, units));
            }
            blocks
        });
        LineIndex { line_starts, blocks }
    }

    /// The 1-based line of byte `offset` (clamped to the text's end).
    pub fn line_of(&self, text: &str, offset: u32) -> u32 {
        let offset = offset.min(text.len() as u32);
        self.line_starts.partition_point(|&s| s <= offset) as u32
    }

    /// The byte offset where 1-based line `line` starts, if the text has that line.
    pub fn line_start(&self, line: u32) -> Option<u32> {
        self.line_starts.get((line as usize).checked_sub(1)?).copied()
    }

    /// The offset of byte `offset` in UTF-16 code units from the start of the text, as
    /// JavaScript counts string indices (ESLint's ranges); a leading BOM is not counted, as
    /// ESLint drops it from the text.
    pub fn utf16_offset(&self, text: &str, offset: u32) -> u32 {
        let mut end = (offset as usize).min(text.len());
        while end > 0 && !text.is_char_boundary(end) {
            end -= 1;
        }
        let units = match &self.blocks {
            None => end as u32,
            Some(_) => self.units_before(text, end),
        };
        units - u32::from(text.starts_with('\u{feff}') && end >= 3)
    }

    /// The length in bytes of 1-based line `line`, without its `\n`.
    pub fn line_len(&self, text: &str, line: u32) -> usize {
        let i = (line as usize).saturating_sub(1);
        let Some(&start) = self.line_starts.get(i) else {
            return 0;
        };
        let end = self.line_starts.get(i + 1).map(|&e| e as usize - 1).unwrap_or(text.len());
        end - start as usize
    }

    /// The position of byte `offset` in `text` (clamped to the text's end).
    pub fn position(&self, text: &str, offset: u32) -> Position {
        let offset = offset.min(text.len() as u32);
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let mut start = self.line_starts[line] as usize;
        // a leading BOM is no column: ESLint and editors drop it before counting
        if line == 0 && text.starts_with('\u{feff}') {
            start = 3.min(offset as usize);
        }
        let mut end = offset as usize;
        while end > start && !text.is_char_boundary(end) {
            end -= 1;
        }
        let column = match &self.blocks {
            None => (end - start) as u32,
            // near the line's start, counting the units between costs less than two lookups
            Some(_) if end - start <= BLOCK => {
                count_scanned(end - start);
                utf16_len(&text[start..end])
            }
            Some(_) => self.units_before(text, end) - self.units_before(text, start),
        };
        Position { line: line as u32 + 1, column: column + 1 }
    }

    /// UTF-16 units in `text[..offset]`, `offset` on a char boundary: the count at the block
    /// boundary before it, plus what lies between.
    fn units_before(&self, text: &str, offset: usize) -> u32 {
        let blocks = self.blocks.as_deref().unwrap_or_default();
        let b = blocks.partition_point(|&(at, _)| at as usize <= offset);
        let (at, units) = if b == 0 { (0, 0) } else { blocks[b - 1] };
        let between = &text[at as usize..offset];
        count_scanned(between.len());
        units + utf16_len(between)
    }

    /// The text of 1-based line `line`, without its line break.
    pub fn line_text<'t>(&self, text: &'t str, line: u32) -> &'t str {
        let i = (line as usize).saturating_sub(1);
        let Some(&start) = self.line_starts.get(i) else {
            return "";
        };
        let end = self.line_starts.get(i + 1).map(|&e| e as usize).unwrap_or(text.len());
        text[start as usize..end].trim_end_matches(['\n', '\r'])
    }
}

fn utf16_len(s: &str) -> u32 {
    if s.is_ascii() {
        s.len() as u32
    } else {
        s.encode_utf16().count() as u32
    }
}

/// One analysed file: its text (kept for rendering), facts and parse errors.
pub struct SourceModule {
    /// The path as shown to users (relative to the current directory when possible).
    pub path: PathBuf,
    pub text: Arc<str>,
    /// Built on first use: only files with findings or errors need positions.
    pub line_index: std::sync::OnceLock<LineIndex>,
    pub facts: ModuleFacts,
    pub errors: Vec<SyntaxError>,
    /// The text mentions `racelint-ignore` (looked for on the worker that loads the file,
    /// while the text is in its cache, not in a serial pass over every file afterwards).
    pub mentions_ignore: bool,
}

impl SourceModule {
    pub fn new(path: PathBuf, text: Arc<str>, facts: ModuleFacts) -> SourceModule {
        let mentions_ignore = memchr::memmem::find(text.as_bytes(), b"racelint-").is_some();
        SourceModule { path, text, line_index: std::sync::OnceLock::new(), facts, errors: Vec::new(), mentions_ignore }
    }

    pub fn lines(&self) -> &LineIndex {
        self.line_index.get_or_init(|| LineIndex::new(&self.text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_utf16_units() {
        let text = "ab\n😀x = 1\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), Position { line: 1, column: 1 });
        assert_eq!(idx.position(text, 3), Position { line: 2, column: 1 });
        // the emoji is 4 bytes and 2 UTF-16 units
        assert_eq!(idx.position(text, 7), Position { line: 2, column: 3 });
        assert_eq!(idx.line_text(text, 2), "😀x = 1");
        let bom = "\u{feff}let a;\nb";
        let idx = LineIndex::new(bom);
        assert_eq!(idx.position(bom, 3), Position { line: 1, column: 1 });
        assert_eq!(idx.position(bom, 7), Position { line: 1, column: 5 });
        assert_eq!(idx.position(bom, 10), Position { line: 2, column: 1 });
        assert_eq!(idx.utf16_offset(bom, 10), 7);
        assert_eq!(LineIndex::new(text).utf16_offset(text, 7), 5, "the emoji counts two units");
        assert_eq!(idx.line_start(2), Some(10));
        assert_eq!(idx.line_start(3), None);
    }

    #[test]
    fn columns_past_many_blocks_match_counting_from_the_line_start() {
        let text = format!("a\n{}\n{}é", "é😀x".repeat(300), "b".repeat(1000));
        let idx = LineIndex::new(&text);
        for (offset, _) in text.char_indices().chain([(text.len(), ' ')]) {
            let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let column = text[start..offset].encode_utf16().count() as u32 + 1;
            assert_eq!(idx.position(&text, offset as u32).column, column, "at byte {offset}");
        }
    }
}
