//! Byte offsets to 1-based lines and UTF-16 columns (the units ESLint and LSP use).

/// A file's line starts, for turning byte offsets into human positions.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<u32>,
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
        LineIndex { line_starts }
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
        let column = text[start..end].encode_utf16().count() as u32;
        Position { line: line as u32 + 1, column: column + 1 }
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
    }
}
