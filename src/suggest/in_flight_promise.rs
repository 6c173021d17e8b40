//! RC004, a cache filled by an awaited call under a check that it is empty:
//!
//! ```js
//! let cache = null;
//! if (!cache) { cache = await load(); }          // also `cache === null`, `== null`, `=== undefined`
//! ```
//!
//! becomes a fill that stores the in-flight promise in the same synchronous step as the check,
//! so every task that passes the check while the load runs awaits the same load:
//!
//! ```js
//! let cache = null;
//! let cacheLoading = null;
//! if (!cache) { cacheLoading ??= Promise.resolve(load()).then((loaded) => (cache = loaded)).finally(() => { cacheLoading = null; }); await cacheLoading; }
//! ```
//!
//! The value is written once, by the promise's callback; the promise is forgotten once it
//! settles, so a later reset of the cache loads again. Only that exact shape gets the edit: a
//! module-level `let`/`var` of this module, an `if` without `else` whose whole test is the
//! emptiness check, and a consequent that is only the awaited assignment.

use swc_common::Spanned;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use super::tree::Tree;
use super::{fresh_name, indent_of, line_break, Edit, Suggestion};
use crate::facts::{Span, StateKind};
use crate::program::Program;
use crate::source::SourceModule;
use crate::Finding;

/// The checks that need no tree: one whole module-level `let` of this module, and an act in
/// this module's text that assigns it an awaited value (`cache = await …`).
pub(super) fn may_apply(program: &Program, m: &SourceModule, f: &Finding) -> bool {
    let Some((state_id, field)) = f.keys.first() else { return false };
    let st = &program.states[state_id.index()];
    let name = st.name.as_str();
    let awaited_fill = |l: &crate::finding::Label| {
        l.site.module == f.module
            && m.text.get(l.site.span.lo as usize..l.site.span.hi as usize).is_some_and(|t| t.starts_with(name) && t.contains("await"))
    };
    field.is_none()
        && f.keys.len() == 1
        && st.kind == StateKind::Binding
        && st.module == Some(f.module)
        && f.labels.iter().any(awaited_fill)
}

/// `tree` holds the finding's function; `module_tree` gives the module's, where the cache is
/// declared.
pub(super) fn suggestion<'t>(
    program: &Program,
    m: &SourceModule,
    tree: &Tree,
    module_tree: impl FnOnce() -> Option<&'t Tree>,
    f: &Finding,
) -> Option<Suggestion> {
    if !may_apply(program, m, f) {
        return None;
    }
    let st = &program.states[f.keys.first()?.0.index()];
    let name = st.name.as_str();
    let body = tree.function_body(program.function(f.fn_id?).span)?;
    let mut find = FindFill { tree, name, check: f.span, found: None, done: false };
    body.visit_with(&mut find);
    let fill = find.found?;
    // the finding's act is this assignment
    if !f.labels.iter().any(|l| l.site.module == f.module && fill.stmt.lo <= l.site.span.lo && l.site.span.hi <= fill.stmt.hi) {
        return None;
    }
    let module_tree = module_tree()?;
    let decl = module_tree.module_let(name)?;
    let text = &m.text;
    let lb = line_break(text);
    let loading = fresh_name(text, &format!("{name}Loading"));
    let loaded = if name == "loaded" { "value" } else { "loaded" };
    let load = text.get(fill.load.lo as usize..fill.load.hi as usize)?;

    // the promise's binding, on a line of its own after the cache's declaration
    let decl_span = module_tree.span(decl.span);
    let lines = m.lines();
    let decl_line = lines.line_of(text, decl_span.hi);
    let decl_line_end = lines.line_start(decl_line)? + lines.line_len(text, decl_line) as u32;
    let rest = text.get(decl_span.hi as usize..decl_line_end as usize)?.trim_end_matches('\r');
    // after a comment that ends the declaration's line, else right after the declaration
    let at = if rest.trim().is_empty() || rest.trim_start().starts_with("//") { decl_span.hi + rest.len() as u32 } else { decl_span.hi };
    let decl_indent = indent_of(lines.line_text(text, lines.line_of(text, decl_span.lo)));
    let annotation = if tree.typescript { format!(": Promise<typeof {name}> | null") } else { String::new() };
    let declare = format!("{lb}{decl_indent}let {loading}{annotation} = null;");

    let indent = indent_of(lines.line_text(text, lines.line_of(text, fill.stmt.lo)));
    let store =
        format!("{loading} ??= Promise.resolve({load}).then(({loaded}) => ({name} = {loaded})).finally(() => {{ {loading} = null; }});");
    let replacement =
        if fill.in_block { format!("{store}{lb}{indent}await {loading};") } else { format!("{{ {store} await {loading}; }}") };
    Some(Suggestion {
        desc: format!("store the in-flight load in `{loading}` in the same step as the check, so every caller awaits one load of `{name}`"),
        edits: vec![
            Edit { module: f.module, span: Span { lo: at, hi: at }, text: declare },
            Edit { module: f.module, span: fill.stmt, text: replacement },
        ],
    })
}

/// The recognised fill: the assignment statement and the awaited expression.
struct Fill {
    stmt: Span,
    load: Span,
    /// The assignment is the only statement of a block (else it is the `if`'s whole consequent).
    in_block: bool,
}

struct FindFill<'a> {
    tree: &'a Tree,
    name: &'a str,
    /// The finding's span: the check.
    check: Span,
    found: Option<Fill>,
    done: bool,
}

impl FindFill<'_> {
    fn is_name(&self, e: &Expr) -> bool {
        matches!(e.unwrap_parens(), Expr::Ident(i) if &*i.sym == self.name)
    }

    fn is_empty_literal(e: &Expr) -> bool {
        match e.unwrap_parens() {
            Expr::Lit(Lit::Null(_)) => true,
            Expr::Ident(i) => &*i.sym == "undefined",
            _ => false,
        }
    }

    /// `!x`, `x == null`, `x === null`, `x == undefined`, `x === undefined` (either side).
    fn is_empty_check(&self, test: &Expr) -> bool {
        match test.unwrap_parens() {
            Expr::Unary(u) if u.op == UnaryOp::Bang => self.is_name(&u.arg),
            Expr::Bin(b) if matches!(b.op, BinaryOp::EqEq | BinaryOp::EqEqEq) => {
                (self.is_name(&b.left) && Self::is_empty_literal(&b.right)) || (self.is_name(&b.right) && Self::is_empty_literal(&b.left))
            }
            _ => false,
        }
    }

    /// `x = await load(…);` as a statement: its span and the awaited expression's.
    fn awaited_assignment(&self, s: &Stmt) -> Option<(Span, Span)> {
        let Stmt::Expr(ExprStmt { expr, span }) = s else { return None };
        let Expr::Assign(a) = &**expr else { return None };
        let AssignTarget::Simple(SimpleAssignTarget::Ident(target)) = &a.left else { return None };
        let Expr::Await(aw) = &*a.right else { return None };
        (a.op == AssignOp::Assign && &*target.id.sym == self.name).then(|| (self.tree.span(*span), self.tree.span(aw.arg.span())))
    }
}

impl Visit for FindFill<'_> {
    fn visit_if_stmt(&mut self, s: &IfStmt) {
        let test = self.tree.span(s.test.span());
        if test.lo <= self.check.lo && self.check.hi <= test.hi {
            self.done = true;
            if s.alt.is_some() || !self.is_empty_check(&s.test) {
                return;
            }
            let (fill, in_block) = match &*s.cons {
                Stmt::Block(b) if b.stmts.len() == 1 => (self.awaited_assignment(&b.stmts[0]), true),
                other => (self.awaited_assignment(other), false),
            };
            self.found = fill.map(|(stmt, load)| Fill { stmt, load, in_block });
            return;
        }
        if !self.done {
            s.visit_children_with(self);
        }
    }
    // the cache is filled in this function's own statements, not in a nested function's
    fn visit_function(&mut self, _: &Function) {}
    fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
    fn visit_class(&mut self, _: &Class) {}
    fn visit_stmt(&mut self, s: &Stmt) {
        if !self.done {
            stacker::maybe_grow(64 * 1024, 1024 * 1024, || s.visit_children_with(self));
        }
    }
}
