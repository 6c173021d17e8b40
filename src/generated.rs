//! Generated files: build output committed next to the sources it was built from, which
//! directory walks skip (its races are the sources' races again, at positions nobody edits).
//!
//! A file is generated when its source map (a `//# sourceMappingURL=` trailer, inline as a
//! `data:` URL or a file, or a sibling `<file>.map`) lists a source that is in the linted tree,
//! or when it carries a banner only generators write: webpack's runtime bootstrap
//! (`/******/ … // webpackBootstrap`) or an `@generated` marker in its leading comment. A bundle
//! whose map lists no source in the tree is linted: it is all there is of that code.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::link::path_key;

/// The files of the run and the `.map` files the walk saw, to decide what is generated.
pub struct Tree<'a> {
    files: &'a [PathBuf],
    maps: &'a FxHashSet<PathBuf>,
    /// The files by lookup key, built when the first source map is read.
    keys: OnceLock<FxHashMap<Vec<u8>, usize>>,
}

impl<'a> Tree<'a> {
    pub fn new(files: &'a [PathBuf], maps: &'a FxHashSet<PathBuf>) -> Self {
        Tree { files, maps, keys: OnceLock::new() }
    }

    fn find(&self, key: &[u8]) -> Option<&'a Path> {
        let keys = self
            .keys
            .get_or_init(|| self.files.iter().enumerate().map(|(i, p)| (path_key(&[p.as_os_str().as_encoded_bytes()]), i)).collect());
        keys.get(key).map(|&i| self.files[i].as_path())
    }
}

/// Why `path` (with contents `text`) is generated, or `None` when it is source to lint.
pub fn reason(path: &Path, text: &[u8], tree: &Tree) -> Option<String> {
    if let Some(banner) = banner(text) {
        return Some(banner.to_string());
    }
    let (map, map_path) = source_map(path, text, tree)?;
    let dir = map_path.as_deref().and_then(Path::parent).or_else(|| path.parent()).unwrap_or(Path::new(""));
    // the scripts the map lists, outside dependencies: most must be in the tree, so a vendored
    // library whose `src/index.js` happens to share a name with the project's is not skipped
    let mut found: Vec<&Path> = Vec::new();
    let mut seen: FxHashSet<&Path> = FxHashSet::default();
    let mut scripts = 0usize;
    for (root, source) in map.sources() {
        let bare = source.split(['?', '#']).next().unwrap_or(source);
        if bare.contains("node_modules/") || crate::parse::syntax_for(Path::new(bare)).is_none() {
            continue;
        }
        scripts += 1;
        if let Some(p) = locate(dir, root, source, tree) {
            if p != path && seen.insert(p) {
                found.push(p);
            }
        }
    }
    if found.len() * 2 < scripts {
        return None;
    }
    let first = found.first()?;
    let first = crate::discover::forward_slashes(first);
    Some(match found.len() {
        1 => format!("source map lists {first}"),
        n => format!("source map lists {first} and {} more {}", n - 1, if n == 2 { "file" } else { "files" }),
    })
}

/// The map file a `sourceMappingURL` trailer names (not a `data:` URL), for cache keys.
pub fn trailer_map(path: &Path, text: &[u8]) -> Option<PathBuf> {
    let url = trailer(text)?;
    (!url.starts_with("data:")).then(|| external(path, url)).flatten()
}

/// webpack's bootstrap or an `@generated` marker near the start of the file.
fn banner(text: &[u8]) -> Option<&'static str> {
    let head = &text[..text.len().min(8192)];
    let has = |needle: &[u8]| memchr::memmem::find(head, needle).is_some();
    if !has(b"webpackBootstrap") && !has(b"@generated") {
        return None;
    }
    let head = String::from_utf8_lossy(head);
    for line in head.lines().take(200) {
        let t = line.trim_start();
        if t.starts_with("/******/") && t.contains("webpackBootstrap") {
            return Some("webpack runtime bootstrap");
        }
    }
    // `@generated` in the file's leading comments (as Facebook's and many generators' tools
    // write it), not in code or later comments that merely mention it
    let mut rest = head.trim_start_matches('\u{feff}').trim_start();
    if rest.starts_with("#!") {
        rest = rest.split_once('\n').map_or("", |(_, r)| r).trim_start();
    }
    loop {
        let comment = if let Some(r) = rest.strip_prefix("//") {
            let end = r.find('\n').unwrap_or(r.len());
            let (c, after) = r.split_at(end);
            rest = after.trim_start();
            c
        } else if let Some(r) = rest.strip_prefix("/*") {
            let end = r.find("*/")?;
            let c = &r[..end];
            rest = r[end + 2..].trim_start();
            c
        } else {
            return None;
        };
        if let Some(i) = comment.find("@generated") {
            let after = comment[i + "@generated".len()..].chars().next();
            if after.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '-')) {
                return Some("marked @generated");
            }
        }
    }
}

/// The URL of a `//# sourceMappingURL=` (or `//@`, or `/*# … */`) comment among the file's
/// last lines.
fn trailer(text: &[u8]) -> Option<&str> {
    let mut end = text.len();
    for _ in 0..3 {
        while end > 0 && text[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        if end == 0 {
            return None;
        }
        let start = memchr::memrchr(b'\n', &text[..end]).map_or(0, |i| i + 1);
        let line = std::str::from_utf8(&text[start..end]).ok()?.trim();
        let url = line
            .strip_prefix("//# sourceMappingURL=")
            .or_else(|| line.strip_prefix("//@ sourceMappingURL="))
            .or_else(|| line.strip_prefix("/*# sourceMappingURL=").and_then(|l| l.strip_suffix("*/")));
        if let Some(url) = url {
            let url = url.trim();
            return (!url.is_empty()).then_some(url);
        }
        if !(line.starts_with("//") || line.starts_with("/*")) {
            return None;
        }
        end = start;
    }
    None
}

/// A map file URL relative to the file (no remote URLs).
fn external(path: &Path, url: &str) -> Option<PathBuf> {
    if url.contains("://") {
        return None;
    }
    let url = url.split(['?', '#']).next().unwrap_or(url);
    Some(path.parent().unwrap_or(Path::new("")).join(url))
}

/// The file's source map and where it was read from (`None` for an inline map).
fn source_map(path: &Path, text: &[u8], tree: &Tree) -> Option<(RawMap, Option<PathBuf>)> {
    let sibling = || {
        let mut s = path.as_os_str().to_owned();
        s.push(".map");
        let s = PathBuf::from(s);
        tree.maps.contains(&s).then_some(s)
    };
    let read = |p: PathBuf| std::fs::read(&p).ok().and_then(|b| serde_json::from_slice::<RawMap>(&b).ok()).map(|m| (m, Some(p)));
    match trailer(text) {
        Some(url) if url.starts_with("data:") => {
            let (head, data) = url.split_once(',')?;
            let bytes = if head.ends_with(";base64") { base64(data)? } else { percent_decoded(data) };
            serde_json::from_slice::<RawMap>(&bytes).ok().map(|m| (m, None))
        }
        Some(url) => external(path, url).and_then(read).or_else(|| sibling().and_then(read)),
        None => sibling().and_then(read),
    }
}

/// The parts of a source map racelint reads (index maps nest maps in `sections`).
#[derive(serde::Deserialize, Default)]
struct RawMap {
    #[serde(default)]
    sources: Vec<Option<String>>,
    #[serde(default, rename = "sourceRoot")]
    source_root: Option<String>,
    #[serde(default)]
    sections: Vec<Section>,
    #[serde(default)]
    mappings: String,
}

#[derive(serde::Deserialize)]
struct Section {
    map: Option<RawMap>,
}

impl RawMap {
    /// Every source with its map's `sourceRoot`.
    fn sources(&self) -> Vec<(&str, &str)> {
        let root = self.source_root.as_deref().unwrap_or("");
        let mut out: Vec<(&str, &str)> = self.sources.iter().flatten().map(|s| (root, s.as_str())).collect();
        for s in &self.sections {
            if let Some(m) = &s.map {
                out.extend(m.sources());
            }
        }
        out
    }
}

/// The file of the tree that `source` (listed by a map in `dir`) names, if any. Relative
/// sources are relative to the map (and its `sourceRoot`); `webpack://name/path` ones to the
/// project, so the map's folder and its parents are tried.
fn locate<'a>(dir: &Path, root: &str, source: &str, tree: &Tree<'a>) -> Option<&'a Path> {
    let dir = dir.as_os_str().as_encoded_bytes();
    if let Some((scheme, rest)) = source.split_once("://") {
        if scheme == "file" {
            return tree.find(&path_key(&[rest.as_bytes()]));
        }
        if !scheme.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '+' || c == '.') {
            return None;
        }
        // `webpack://<namespace>/./src/x.js`: the namespace is the project's name
        let path = rest.split_once('/').map_or("", |(_, p)| p).trim_start_matches('/');
        if path.is_empty() || path.starts_with("webpack/") || path.contains("node_modules/") {
            return None;
        }
        let mut base = path_key(&[dir]);
        loop {
            if let Some(p) = tree.find(&path_key(&[&base, path.as_bytes()])) {
                return Some(p);
            }
            if base.is_empty() || base == b"/" || base.ends_with(b"..") {
                return None;
            }
            base = path_key(&[&base, b".."]);
        }
    }
    let root = if root.contains("://") { "" } else { root };
    tree.find(&path_key(&[dir, root.as_bytes(), source.as_bytes()]))
}

/// A generated file's mappings back to its sources, decoded.
pub struct Mapping {
    /// The sources as shown: the tree's path when the source is in the tree, else as listed.
    sources: Vec<String>,
    /// Per generated line (0-based): segments `(column, source, line, column)`, 0-based, in
    /// column order.
    lines: Vec<Vec<Segment>>,
}

/// A mapping segment: generated column, source, source line, source column (0-based).
type Segment = (u32, u32, u32, u32);

impl Mapping {
    /// The file's source map with its mappings, if it has one that can be read (index maps'
    /// sections are not followed).
    pub fn of(path: &Path, text: &[u8], tree: &Tree) -> Option<Mapping> {
        let (map, map_path) = source_map(path, text, tree)?;
        let dir = map_path.as_deref().and_then(Path::parent).or_else(|| path.parent()).unwrap_or(Path::new(""));
        let root = map.source_root.as_deref().unwrap_or("");
        let sources = map
            .sources
            .iter()
            .map(|s| {
                let s = s.as_deref().unwrap_or("");
                match locate(dir, root, s, tree) {
                    Some(p) => crate::discover::forward_slashes(p),
                    None if s.contains("://") => s.to_string(),
                    None => {
                        let root = if root.contains("://") { "" } else { root };
                        String::from_utf8_lossy(&path_key(&[dir.as_os_str().as_encoded_bytes(), root.as_bytes(), s.as_bytes()]))
                            .into_owned()
                    }
                }
            })
            .collect();
        Some(Mapping { sources, lines: decode(&map.mappings)? })
    }

    /// The source position of generated `line` and `column` (1-based; the column in UTF-16
    /// units, as source maps count): the segment at or before the column on that line.
    pub fn original(&self, line: u32, column: u32) -> Option<crate::finding::Original> {
        let segments = self.lines.get(line.checked_sub(1)? as usize)?;
        let col = column.checked_sub(1)?;
        let i = segments.partition_point(|s| s.0 <= col).checked_sub(1)?;
        let (_, src, l, c) = segments[i];
        Some(crate::finding::Original { file: self.sources.get(src as usize)?.clone(), line: l + 1, column: c + 1 })
    }
}

/// Decodes a `mappings` string (base64 VLQ); `None` when it is malformed.
fn decode(mappings: &str) -> Option<Vec<Vec<Segment>>> {
    let mut lines = Vec::new();
    let (mut src, mut line, mut col) = (0i64, 0i64, 0i64);
    for text in mappings.split(';') {
        let mut segments = Vec::new();
        let mut gen_col = 0i64;
        for seg in text.split(',').filter(|s| !s.is_empty()) {
            let mut values = [0i64; 5];
            let mut n = 0;
            let (mut acc, mut shift) = (0i64, 0u32);
            for b in seg.bytes() {
                let d = match b {
                    b'A'..=b'Z' => b - b'A',
                    b'a'..=b'z' => b - b'a' + 26,
                    b'0'..=b'9' => b - b'0' + 52,
                    b'+' => 62,
                    b'/' => 63,
                    _ => return None,
                } as i64;
                if shift > 60 || n >= 5 {
                    return None;
                }
                acc |= (d & 31) << shift;
                shift += 5;
                if d & 32 == 0 {
                    values[n] = if acc & 1 == 1 { -(acc >> 1) } else { acc >> 1 };
                    n += 1;
                    acc = 0;
                    shift = 0;
                }
            }
            gen_col += values[0];
            if n >= 4 {
                src += values[1];
                line += values[2];
                col += values[3];
                if gen_col < 0 || src < 0 || line < 0 || col < 0 {
                    return None;
                }
                segments.push((gen_col as u32, src as u32, line as u32, col as u32));
            }
        }
        segments.sort_by_key(|s| s.0);
        lines.push(segments);
    }
    Some(lines)
}

/// Standard or URL-safe base64, padding optional; `None` on anything else.
fn base64(data: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for b in data.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b'\r' | b'\n' | b' ' => continue,
            _ => return None,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn percent_decoded(data: &str) -> Vec<u8> {
    let b = data.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree_reason(path: &str, text: &str, files: &[&str]) -> Option<String> {
        let files: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
        let maps = FxHashSet::default();
        reason(Path::new(path), text.as_bytes(), &Tree::new(&files, &maps))
    }

    #[test]
    fn an_inline_map_whose_sources_are_in_the_tree_makes_a_file_generated() {
        let map = r#"{"version":3,"sources":["webpack://my-ext/./src/index.ts","webpack://my-ext/webpack/bootstrap","../src/util.ts"],"mappings":""}"#;
        let text = format!("var a=1;\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,{}\n", encode(map));
        let files = ["dist/index.js", "src/index.ts", "src/util.ts"];
        assert_eq!(tree_reason("dist/index.js", &text, &files).as_deref(), Some("source map lists src/index.ts and 1 more file"));
        // the same bundle without its sources is linted
        assert_eq!(tree_reason("dist/index.js", &text, &["dist/index.js"]), None);
        // a vendored library that only shares a file name with the project is not its bundle
        let vendored = r#"{"version":3,"sources":["webpack://lib/./src/index.js","webpack://lib/./src/a.js","webpack://lib/./src/b.js","webpack://lib/./node_modules/x/y.js"]}"#;
        let text2 = format!("var a=1;\n//# sourceMappingURL=data:application/json;base64,{}\n", encode(vendored));
        assert_eq!(tree_reason("lib/vendor.js", &text2, &["lib/vendor.js", "src/index.js"]), None);
        assert!(tree_reason("lib/vendor.js", &text2, &["lib/vendor.js", "src/index.js", "src/a.js"]).is_some());
        // a trailer-looking string inside code is not a trailer
        let code = "x = '//# sourceMappingURL=data:application/json;base64,' + btoa(map);\nf();\n";
        assert_eq!(tree_reason("dist/index.js", code, &files), None);
    }

    #[test]
    fn generator_banners_are_recognised_only_where_generators_write_them() {
        let webpack = "/******/ (() => { // webpackBootstrap\n/******/ \tvar __webpack_modules__ = ({});\n";
        assert_eq!(tree_reason("out.js", webpack, &[]).as_deref(), Some("webpack runtime bootstrap"));
        let marked = "#!/usr/bin/env node\n/**\n * This file is @generated by codegen. Do not edit.\n */\nexport let x = 1;\n";
        assert_eq!(tree_reason("api.js", marked, &[]).as_deref(), Some("marked @generated"));
        for not in ["export let x = 1; // @generated\n", "// @generated-by-hand? no: @generatedish\nlet a;\n", "let s = '@generated';\n"] {
            assert_eq!(tree_reason("a.js", not, &[]), None, "{not}");
        }
    }

    #[test]
    fn mappings_lead_back_to_the_source_position() {
        // line 1: col 0 -> source 0 line 0 col 0; col 4 -> line 0 col 7; line 3: col 2 -> source 1 line 4 col 3 (columns are relative to the previous segment's)
        let lines = decode("AAAA,IAAO;;ECIJ").unwrap();
        let m = Mapping { sources: vec!["src/a.ts".into(), "src/b.ts".into()], lines };
        let at = |l, c| m.original(l, c).map(|o| format!("{}:{}:{}", o.file, o.line, o.column));
        assert_eq!(at(1, 1).as_deref(), Some("src/a.ts:1:1"));
        assert_eq!(at(1, 9).as_deref(), Some("src/a.ts:1:8"));
        assert_eq!(at(2, 1), None);
        assert_eq!(at(3, 1), None);
        assert_eq!(at(3, 3).as_deref(), Some("src/b.ts:5:4"));
        assert!(decode("A*").is_none() && decode("gggggggggggggg").is_none());
    }

    #[test]
    fn base64_decodes_padded_and_unpadded_text() {
        assert_eq!(base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64("aGVsbG8").unwrap(), b"hello");
        assert!(base64("a*b").is_none());
        assert_eq!(percent_decoded("%7B%22a%22:1%7D%"), b"{\"a\":1}%");
    }

    fn encode(s: &str) -> String {
        const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for c in s.as_bytes().chunks(3) {
            let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
            for i in 0..=c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    }
}
