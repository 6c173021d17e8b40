//! LSP framing on a byte stream: `Content-Length: N` headers, a blank line, N bytes of JSON.
//!
//! A bad body does not end the session: a body that is not JSON is still a frame (the server
//! answers it with a `ParseError`), and a malformed header block is skipped up to the next
//! `Content-Length:` in the stream, where reading goes on.

use std::io::{BufRead, Read, Write};

use serde_json::Value;

/// What the client sent next.
#[derive(Debug)]
pub enum Incoming {
    Message(Value),
    /// A framed body that is not JSON, with the parser's complaint.
    NotJson(String),
    /// A header that could not be read; the stream was skipped to the next header.
    BadHeader(String),
}

/// The header that starts every message; after a bad header, reading resumes at the next one.
const CONTENT_LENGTH: &[u8] = b"Content-Length:";
/// Longer header lines are garbage, not headers (and must not be buffered without end).
const MAX_HEADER_LINE: u64 = 8 * 1024;
/// Larger bodies are refused (and skipped over) rather than allocated.
const MAX_BODY: usize = 1 << 30;

pub struct Reader<R> {
    inner: R,
    /// The last header was bad: look for the next `Content-Length:` before reading headers.
    resync: bool,
    /// The value after a `Content-Length:` found inside the bad header line itself (junk glued
    /// to the front of a header): reading resumes there.
    carry: Option<String>,
}

impl<R: BufRead> Reader<R> {
    pub fn new(inner: R) -> Self {
        Reader { inner, resync: false, carry: None }
    }

    /// The next message, or `None` when the stream ends.
    pub fn next_message(&mut self) -> Option<Incoming> {
        let mut length = None;
        let mut seen_header = false;
        if std::mem::take(&mut self.resync) {
            let value = match self.carry.take() {
                Some(v) => Ok(v),
                None => {
                    self.skip_to_content_length()?;
                    self.read_line()?
                }
            };
            match value.and_then(|v| content_length(&v)) {
                Ok(n) => length = Some(n),
                Err(e) => return Some(self.bad_header(e)),
            }
            seen_header = true;
        }
        let length = loop {
            let line = match self.read_line()? {
                Ok(line) => line,
                Err(e) => return Some(self.bad_header(e)),
            };
            if line.is_empty() {
                match length {
                    Some(n) => break n,
                    None if !seen_header => continue, // blank lines between messages
                    None => return Some(self.bad_header("a header without Content-Length".into())),
                }
            }
            let glued = line.find("Content-Length:").filter(|&at| at > 0);
            let Some((name, value)) = line.split_once(':').filter(|_| glued.is_none()) else {
                let bad = self.bad_header(format!("malformed header line `{}`", shorten(&line)));
                self.carry = glued.map(|at| line[at + CONTENT_LENGTH.len()..].to_string());
                return Some(bad);
            };
            seen_header = true;
            if name.trim().eq_ignore_ascii_case("content-length") {
                match content_length(value) {
                    Ok(n) => length = Some(n),
                    Err(e) => return Some(self.bad_header(e)),
                }
            }
        };
        let mut body = Vec::with_capacity(length.min(1 << 20));
        (&mut self.inner).take(length as u64).read_to_end(&mut body).ok()?;
        if body.len() < length {
            return None;
        }
        Some(match serde_json::from_slice(&body) {
            Ok(v) => Incoming::Message(v),
            Err(e) => Incoming::NotJson(e.to_string()),
        })
    }

    fn bad_header(&mut self, why: String) -> Incoming {
        self.resync = true;
        Incoming::BadHeader(why)
    }

    /// One header line without its line break; `Err` for a line too long to be a header.
    /// `None` at the end of the stream.
    fn read_line(&mut self) -> Option<Result<String, String>> {
        let mut line = Vec::new();
        let n = (&mut self.inner).take(MAX_HEADER_LINE).read_until(b'\n', &mut line).ok()?;
        if n == 0 {
            return None;
        }
        if line.last() != Some(&b'\n') && n as u64 == MAX_HEADER_LINE {
            return Some(Err(format!("a header line longer than {MAX_HEADER_LINE} bytes")));
        }
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        Some(Ok(String::from_utf8_lossy(&line).into_owned()))
    }

    /// Consumes the stream up to and including the next `Content-Length:`; `None` at its end.
    fn skip_to_content_length(&mut self) -> Option<()> {
        // `C` occurs once in the pattern, so a mismatch restarts the match at this byte
        let mut matched = 0;
        loop {
            let buf = self.inner.fill_buf().ok()?;
            if buf.is_empty() {
                return None;
            }
            let mut used = 0;
            for &b in buf {
                used += 1;
                matched = if b == CONTENT_LENGTH[matched] { matched + 1 } else { usize::from(b == CONTENT_LENGTH[0]) };
                if matched == CONTENT_LENGTH.len() {
                    self.inner.consume(used);
                    return Some(());
                }
            }
            self.inner.consume(used);
        }
    }
}

/// A `Content-Length` value, or why it is not one.
fn content_length(value: &str) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(n) if n <= MAX_BODY => Ok(n),
        Ok(n) => Err(format!("Content-Length {n} is larger than racelint accepts ({MAX_BODY} bytes)")),
        Err(_) => Err(format!("invalid Content-Length `{}`", shorten(value.trim()))),
    }
}

fn shorten(s: &str) -> String {
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Writes one message with its header.
pub fn write_message(out: &mut impl Write, msg: &Value) -> std::io::Result<()> {
    let body = msg.to_string();
    write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8]) -> Vec<String> {
        let mut r = Reader::new(input);
        std::iter::from_fn(|| r.next_message())
            .map(|m| match m {
                Incoming::Message(v) => v.to_string(),
                Incoming::NotJson(_) => "not json".into(),
                Incoming::BadHeader(e) => format!("bad header: {e}"),
            })
            .collect()
    }

    #[test]
    fn bad_frames_are_reported_and_reading_goes_on() {
        let input = b"Content-Length: 2\r\n\r\n{}\
            \r\nContent-Length: 3\r\n\r\n{x}\
            Content-Length: abc\r\n\r\n{\"skipped\":1}\
            Content-Length: 7\r\n\r\n{\"a\":1}\
            garbage\r\n\
            Content-Length: 2\r\n\r\n[]\
            }Content-Length: 1\r\n\r\n7\
            Content-Type: text\r\n\r\n{}\
            \r\nContent-Length: 4\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\nnull";
        assert_eq!(
            read_all(input),
            [
                "{}",
                "not json",
                "bad header: invalid Content-Length `abc`",
                "{\"a\":1}",
                "bad header: malformed header line `garbage`",
                "[]",
                "bad header: malformed header line `}Content-Length: 1`",
                "7",
                "bad header: a header without Content-Length",
                "null",
            ]
        );
    }

    #[test]
    fn a_truncated_body_ends_the_stream() {
        assert_eq!(read_all(b"Content-Length: 10\r\n\r\n{}"), Vec::<String>::new());
    }
}
