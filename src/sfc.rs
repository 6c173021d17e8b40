//! Vue and Svelte single-file components: the code of their `<script>` blocks, at the byte
//! offsets it has in the component, so every position racelint reports is one in the `.vue` or
//! `.svelte` file.
//!
//! A small scanner of our own rather than a crate: the Vue SFC parsers on crates.io are either
//! unmaintained (`vue-sfc`, last release 2022) or whole compilers with a CSS engine
//! (`vize_atelier_sfc`), neither reads Svelte, and what racelint needs is only where each script
//! block starts and ends. The scanner follows the rules both compilers share: a block's content
//! ends at the first `</script` (as in HTML), comments (`<!-- -->`) and `<style>` content are
//! skipped, and in Vue a `<script>` inside `<template>` is markup, not the component's code.

use crate::parse::SyntaxError;

/// A component's scripts: `code` is as long as the component's text, with every byte outside
/// the script blocks replaced by a space (line breaks kept), so offsets and lines are the
/// component's own.
pub struct Scripts {
    pub code: String,
    /// `lang="ts"` (or `typescript`, `tsx`) on a block: parse as TypeScript.
    pub typescript: bool,
    /// `lang="tsx"` or `lang="jsx"`.
    pub jsx: bool,
    /// Blocks that cannot be read (an unclosed `<script>`), at the offset of their tag.
    pub errors: Vec<SyntaxError>,
}

/// Whether `path` is a component racelint reads the scripts of (`.vue`, `.svelte`).
pub fn is_component(path: &std::path::Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("vue") || e.eq_ignore_ascii_case("svelte"))
}

/// The scripts of `text` when `path` is a component (`.vue`, `.svelte`), else `None`.
pub fn scripts_of(path: &std::path::Path, text: &str) -> Option<Scripts> {
    is_component(path).then(|| scripts(text, path.extension().is_some_and(|e| e.eq_ignore_ascii_case("vue"))))
}

/// The script blocks of a component's text.
pub fn scripts(text: &str, vue: bool) -> Scripts {
    let bytes = text.as_bytes();
    let mut code: Vec<u8> = bytes.iter().map(|&b| if b == b'\n' || b == b'\r' { b } else { b' ' }).collect();
    let mut out = Scripts { code: String::new(), typescript: false, jsx: false, errors: Vec::new() };
    let mut i = 0;
    // Vue: how deep inside `<template>` elements the scanner is
    let mut template_depth = 0u32;
    while let Some(lt) = memchr::memchr(b'<', &bytes[i..]) {
        let at = i + lt;
        let rest = &bytes[at..];
        if rest.starts_with(b"<!--") {
            i = find(bytes, at + 4, b"-->").map_or(bytes.len(), |e| e + 3);
            continue;
        }
        if vue && tag_is(rest, b"</template") {
            template_depth = template_depth.saturating_sub(1);
            i = at + 2;
            continue;
        }
        if vue && tag_is(rest, b"<template") {
            let Some(tag) = open_tag(bytes, at) else { break };
            if !tag.self_closing {
                template_depth += 1;
            }
            i = tag.end;
            continue;
        }
        if template_depth == 0 && tag_is(rest, b"<style") {
            let Some(tag) = open_tag(bytes, at) else { break };
            i = if tag.self_closing { tag.end } else { find_ci(bytes, tag.end, b"</style").unwrap_or(bytes.len()) };
            continue;
        }
        if template_depth == 0 && tag_is(rest, b"<script") {
            let Some(tag) = open_tag(bytes, at) else {
                out.errors.push(SyntaxError { offset: at as u32, message: "this `<script>` tag is not closed with `>`".into(), more: 0 });
                break;
            };
            if tag.self_closing {
                i = tag.end;
                continue;
            }
            let Some(close) = find_ci(bytes, tag.end, b"</script") else {
                out.errors.push(SyntaxError { offset: at as u32, message: "this `<script>` block has no `</script>`".into(), more: 0 });
                break;
            };
            let lang = tag.attr(bytes, b"lang").map(|v| v.to_ascii_lowercase());
            let kind = tag.attr(bytes, b"type").map(|v| v.to_ascii_lowercase());
            let script = kind.as_deref().is_none_or(|t| {
                matches!(t, "" | "module" | "text/javascript" | "application/javascript" | "text/typescript" | "ts" | "typescript")
            });
            let lang_ok = match lang.as_deref() {
                None | Some("" | "js" | "javascript" | "mjs") => true,
                Some("ts" | "typescript" | "mts") => {
                    out.typescript = true;
                    true
                }
                Some("tsx") => {
                    out.typescript = true;
                    out.jsx = true;
                    true
                }
                Some("jsx") => {
                    out.jsx = true;
                    true
                }
                // CoffeeScript and the like: not JavaScript
                Some(_) => false,
            };
            if kind.as_deref().is_some_and(|t| t.contains("typescript") || t == "ts") {
                out.typescript = true;
            }
            if script && lang_ok && tag.attr(bytes, b"src").is_none() {
                code[tag.end..close].copy_from_slice(&bytes[tag.end..close]);
            }
            i = close + 2;
            continue;
        }
        i = at + 1;
    }
    // only ASCII spaces replaced whole bytes outside the blocks, and the blocks start after `>`
    // and end before `<`: the result is valid UTF-8
    out.code = String::from_utf8(code).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    out
}

/// An opening tag: where it ends (after `>`), whether it is `<x/>`, and its attributes' text.
struct Tag {
    attrs: (usize, usize),
    end: usize,
    self_closing: bool,
}

impl Tag {
    /// The value of attribute `name` (`""` for a bare `setup`), when the tag has it.
    fn attr<'t>(&self, bytes: &'t [u8], name: &[u8]) -> Option<String> {
        let s = &bytes[self.attrs.0..self.attrs.1];
        let mut i = 0;
        while i < s.len() {
            while i < s.len() && (s[i].is_ascii_whitespace() || s[i] == b'/') {
                i += 1;
            }
            let start = i;
            while i < s.len() && !s[i].is_ascii_whitespace() && s[i] != b'=' && s[i] != b'/' {
                i += 1;
            }
            let key = &s[start..i];
            while i < s.len() && s[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut value: &'t [u8] = b"";
            if i < s.len() && s[i] == b'=' {
                i += 1;
                while i < s.len() && s[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < s.len() && (s[i] == b'"' || s[i] == b'\'') {
                    let q = s[i];
                    let vs = i + 1;
                    i = vs + s[vs..].iter().position(|&b| b == q).unwrap_or(s.len() - vs);
                    value = &s[vs..i];
                    i += 1;
                } else {
                    let vs = i;
                    while i < s.len() && !s[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    value = &s[vs..i];
                }
            }
            if key.eq_ignore_ascii_case(name) {
                return Some(String::from_utf8_lossy(value).trim().to_string());
            }
            if key.is_empty() {
                i += 1;
            }
        }
        None
    }
}

/// The tag opened at `at`: attributes up to the `>` that is not inside a quoted value.
fn open_tag(bytes: &[u8], at: usize) -> Option<Tag> {
    let name_end = at + 1 + bytes[at + 1..].iter().position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')?;
    let mut i = name_end;
    let mut quote = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => {
                let self_closing = bytes[name_end..i].last() == Some(&b'/');
                return Some(Tag { attrs: (name_end, i), end: i + 1, self_closing });
            }
            None => {}
        }
        i += 1;
    }
    None
}

/// `rest` starts with tag `name` (any case) followed by the end of the name.
fn tag_is(rest: &[u8], name: &[u8]) -> bool {
    rest.len() > name.len()
        && rest[..name.len()].eq_ignore_ascii_case(name)
        && matches!(rest[name.len()], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'>' | b'/')
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(bytes.get(from..)?, needle).map(|i| from + i)
}

/// The first `needle` (ASCII, any case) at or after `from`.
fn find_ci(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let mut i = from;
    while let Some(lt) = memchr::memchr(needle[0], bytes.get(i..)?) {
        let at = i + lt;
        if bytes.len() >= at + needle.len() && bytes[at..at + needle.len()].eq_ignore_ascii_case(needle) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::scripts;

    #[test]
    fn script_blocks_keep_their_offsets_and_the_rest_is_blank() {
        let text =
            "<template>\n  <div>é</div>\n</template>\n<script setup lang=\"ts\">\nlet a: number = 1;\n</script>\n<style>\n.x{}</style>\n";
        let s = scripts(text, true);
        assert_eq!(s.code.len(), text.len());
        assert!(s.typescript && s.errors.is_empty());
        let at = text.find("let a").unwrap();
        assert_eq!(&s.code[at..at + 18], "let a: number = 1;");
        assert_eq!(s.code.matches('\n').count(), text.matches('\n').count());
        assert!(!s.code.contains("div") && !s.code.contains("script") && !s.code.contains(".x"));
    }

    #[test]
    fn scripts_in_templates_comments_and_foreign_languages_are_not_code() {
        let text = "<!-- <script>bad1()</script> -->\n<template><template #a><script>bad2()</script></template></template>\n\
                    <script type=\"text/x-template\">bad3()</script>\n<script lang=\"coffee\">bad4()</script>\n<script src=\"./x.js\"></script>\n\
                    <script>good()</script>";
        let s = scripts(text, true);
        assert!(s.code.contains("good()"), "{:?}", s.code);
        for bad in ["bad1", "bad2", "bad3", "bad4"] {
            assert!(!s.code.contains(bad), "{bad}: {:?}", s.code);
        }
        // Svelte has no <template> blocks: a module script and an instance script
        let svelte = "<script context=\"module\">export let m = 1;</script>\n<script>let i = 2;</script>\n<h1>{i}</h1>";
        let s = scripts(svelte, false);
        assert!(s.code.contains("export let m = 1;") && s.code.contains("let i = 2;") && !s.code.contains("h1"));
    }

    #[test]
    fn an_unclosed_script_block_is_an_error_at_its_tag() {
        let text = "<template></template>\n<script setup>\nlet a = 1;\n";
        let s = scripts(text, true);
        assert_eq!(s.errors.len(), 1);
        assert_eq!(s.errors[0].offset as usize, text.find("<script").unwrap());
        let s = scripts("<script setup lang=\"ts\"", true);
        assert_eq!(s.errors.len(), 1);
        assert_eq!(s.errors[0].offset, 0);
    }
}
