//! racelint: finds races on shared module state across `await` points in JavaScript.
//!
//! The pipeline: [`discover`] files, [`parse`] each once, [`build`] its facts (effect graphs per
//! function), [`program`] links modules and summarises functions, [`rules`] query the graphs,
//! and [`render`] prints the findings.

pub mod build;
pub mod facts;
pub mod parse;
pub mod source;
