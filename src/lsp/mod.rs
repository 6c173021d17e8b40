//! `racelint lsp`: a language server over stdio. It publishes racelint's findings as
//! diagnostics, re-analysing on open, change and save. The whole workspace is analysed each
//! time with the open buffers in place of the files on disk, so a change in one module updates
//! the findings its effects cause in others.
//!
//! Three threads: one reads and frames the client's messages (`transport`), one analyses
//! (`analysis`), and the main one ([`server`]) answers requests at once, keeps the buffers,
//! and publishes an analysis only if no newer change arrived while it ran.

pub(crate) mod analysis;
pub(crate) mod diagnostics;
pub mod server;
pub(crate) mod transport;

pub use diagnostics::diagnostics;

/// Runs the server on standard input and output until the client says `exit` or goes away.
/// Returns the process exit code: 0 after `shutdown` (then `exit` or the end of input), 1
/// otherwise (as the LSP specification says).
pub fn run() -> i32 {
    server::run(std::io::stdin(), std::io::stdout().lock())
}
