//! The parse-only floor for the benchmark: the same discovery and swc parse settings racelint
//! uses, in parallel, with a trivial visit and the AST dropped, and nothing else. It uses the
//! allocator racelint uses: with the system allocator the floor was 43 ms instead of 31 ms on
//! SillyTavern's `public/` without `lib/`, which made every ratio to it look better than it was.
//!
//! `cargo run --release --example parse_floor -- [--exclude GLOB]… PATH…`

use std::path::PathBuf;

use rayon::prelude::*;
use swc_ecma_visit::{Visit, VisitWith};

// keep in step with src/main.rs
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Count(usize);

impl Visit for Count {
    fn visit_ident(&mut self, _: &swc_ecma_ast::Ident) {
        self.0 += 1;
    }
}

fn main() {
    let mut paths = Vec::new();
    let mut excludes = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--exclude" {
            excludes.extend(args.next());
        } else {
            paths.push(PathBuf::from(a));
        }
    }
    let (files, _) = racelint::discover(&paths, &excludes);
    let pool = rayon::ThreadPoolBuilder::new().stack_size(1 << 30).build().expect("thread pool");
    let idents: usize = pool.install(|| {
        files
            .par_iter()
            .map(|p| {
                let Ok(text) = std::fs::read_to_string(p) else { return 0 };
                let Some(syntax) = racelint::syntax_for(p) else { return 0 };
                // components: only their script blocks, as racelint parses them
                let (text, syntax) = match racelint::scripts_of(p, &text) {
                    Some(s) => {
                        let syntax = racelint::component_syntax(&s);
                        (s.code, syntax)
                    }
                    None => (text, syntax),
                };
                let parsed = racelint::parse(p, &text, syntax);
                let mut c = Count(0);
                if let Some(m) = &parsed.module {
                    m.visit_with(&mut c);
                }
                c.0
            })
            .sum()
    });
    println!("{} files, {idents} identifiers", files.len());
}
