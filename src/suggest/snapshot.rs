//! RC002, a torn read of one state: read it once into a local before the first of the
//! function's reads, and read the local everywhere in the function instead.
//!
//! ```js
//! const temp = settings.temp;  await check();  send(temp, settings.top_p);
//! // becomes
//! const settingsSnapshot = { ...settings };
//! const temp = settingsSnapshot.temp;  await check();  send(temp, settingsSnapshot.top_p);
//! ```
//!
//! A state assigned only as a whole (a scalar, or an object replaced whole) is copied with a
//! plain `const x_snapshot = x;`. The edit is made only when it is mechanical: every use of
//! the state in the function is a read in the function's own code (none in a nested function,
//! none through a helper), an object's uses are one-property reads (`settings.temp`, not
//! `settings.a.b`, a method call or the whole object handed on), and nothing runs in the first
//! reading statement before the first read (no call, assignment or await it could move across).

use swc_common::Spanned;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use super::tree::Tree;
use super::{fresh_name, indent_of, line_break, Edit, Suggestion};
use crate::facts::{Span, StateKind};
use crate::program::Program;
use crate::source::SourceModule;
use crate::Finding;

/// The checks that need no tree: one state, a module binding or import read under its own
/// name here (not through an aliased import), and not through helpers.
pub(super) fn may_apply(program: &Program, m: &SourceModule, f: &Finding) -> bool {
    let Some((state_id, _)) = f.keys.first() else { return false };
    if f.states.len() != 1 || f.keys.iter().any(|(s, _)| s != state_id) {
        return false;
    }
    let st = &program.states[state_id.index()];
    if !matches!(st.kind, StateKind::Binding | StateKind::Imported(_)) {
        return false;
    }
    let name = st.name.as_str();
    let read_here = |span: Span| {
        m.text
            .get(span.lo as usize..span.hi as usize)
            .and_then(|t| t.strip_prefix(name))
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$'))
    };
    // the fresh read and the read before the await, both under the state's own name here
    read_here(f.span)
        && f.labels.get(1).is_some_and(|l| l.site.module == f.module && read_here(l.site.span))
        && !f.labels.iter().any(|l| !l.in_frame && Some(l.site) != f.state_declared)
}

pub(super) fn suggestion(program: &Program, m: &SourceModule, tree: &Tree, f: &Finding) -> Option<Suggestion> {
    if !may_apply(program, m, f) {
        return None;
    }
    let (state_id, _) = f.keys.first()?;
    let st = &program.states[state_id.index()];
    let name = st.name.as_str();
    let text = &m.text;
    let body = tree.function_body(program.function(f.fn_id?).span)?;
    let mut scan = Uses { tree, name, whole: st.scalar, nested: 0, uses: Vec::new(), unsafe_use: false };
    body.visit_with(&mut scan);
    if scan.unsafe_use || scan.uses.is_empty() {
        return None;
    }
    let inside = |s: Span| scan.uses.iter().any(|u| s.lo <= u.span.lo && u.span.hi <= s.hi);
    // the fresh read and the read before the await are both uses rewritten here
    if !inside(f.span) || !f.labels.get(1).is_some_and(|l| l.site.module == f.module && inside(l.site.span)) {
        return None;
    }
    scan.uses.sort_by_key(|u| u.span.lo);
    let first = scan.uses[0].span;
    let stmt = body.stmts.iter().find(|s| {
        let s = tree.span(s.span());
        s.lo <= first.lo && first.hi <= s.hi
    })?;
    let mut before = RunsBefore { tree, until: first.lo, found: false };
    stmt.visit_with(&mut before);
    if before.found {
        return None;
    }
    let snapshot = fresh_name(text, &if name.contains('_') { format!("{name}_snapshot") } else { format!("{name}Snapshot") });
    let copy = if st.scalar { name.to_string() } else { format!("{{ ...{name} }}") };
    let lines = m.lines();
    let stmt_span = tree.span(stmt.span());
    let line = lines.line_of(text, stmt_span.lo);
    let line_start = lines.line_start(line)?;
    let line_text = lines.line_text(text, line);
    let indent = indent_of(line_text);
    let declare = if text.get(line_start as usize..stmt_span.lo as usize)?.trim().is_empty() {
        Edit {
            module: f.module,
            span: Span { lo: line_start, hi: line_start },
            text: format!("{indent}const {snapshot} = {copy};{}", line_break(text)),
        }
    } else {
        Edit { module: f.module, span: Span { lo: stmt_span.lo, hi: stmt_span.lo }, text: format!("const {snapshot} = {copy}; ") }
    };
    let mut edits = vec![declare];
    for u in &scan.uses {
        let replacement = if u.shorthand { format!("{name}: {snapshot}") } else { snapshot.clone() };
        edits.push(Edit { module: f.module, span: u.span, text: replacement });
    }
    let desc = if st.scalar {
        format!("read `{name}` once into `{snapshot}` before the first await, and use that value after it")
    } else {
        format!("snapshot `{name}` into `{snapshot}` (`{{ ...{name} }}`) before the first await, and read the snapshot after it")
    };
    Some(Suggestion { desc, edits })
}

/// A use of the state's name to rewrite.
struct Use {
    span: Span,
    /// `{ name }` in an object literal: becomes `{ name: snapshot }`.
    shorthand: bool,
}

/// The uses of `name` in a function body, and whether any cannot read a snapshot instead.
struct Uses<'a> {
    tree: &'a Tree,
    name: &'a str,
    /// The state is only ever assigned whole: any read may read a copy of the value.
    whole: bool,
    nested: u32,
    uses: Vec<Use>,
    unsafe_use: bool,
}

impl Uses<'_> {
    fn is_name(&self, e: &Expr) -> bool {
        matches!(e, Expr::Ident(i) if &*i.sym == self.name)
    }

    /// `name`, `name.a`, `name[k].b`…: an expression that is, or is inside, the state.
    fn rooted(&self, e: &Expr) -> bool {
        match e {
            Expr::Member(m) => self.rooted(&m.obj),
            Expr::Paren(p) => self.rooted(&p.expr),
            Expr::OptChain(c) => match &*c.base {
                OptChainBase::Member(m) => self.rooted(&m.obj),
                OptChainBase::Call(c) => self.rooted(&c.callee),
            },
            e => self.is_name(e),
        }
    }

    fn record(&mut self, span: swc_common::Span, shorthand: bool) {
        if self.nested > 0 {
            self.unsafe_use = true;
        } else {
            self.uses.push(Use { span: self.tree.span(span), shorthand });
        }
    }

    fn nested(&mut self, visit: impl FnOnce(&mut Self)) {
        self.nested += 1;
        visit(self);
        self.nested -= 1;
    }
}

impl Visit for Uses<'_> {
    fn visit_function(&mut self, f: &Function) {
        self.nested(|s| f.visit_children_with(s));
    }
    fn visit_arrow_expr(&mut self, a: &ArrowExpr) {
        self.nested(|s| a.visit_children_with(s));
    }
    fn visit_class(&mut self, c: &Class) {
        self.nested(|s| c.visit_children_with(s));
    }
    fn visit_pat(&mut self, p: &Pat) {
        match p {
            // a local of that name, or an assignment to the state or into it
            Pat::Expr(e) if self.rooted(e) => self.unsafe_use = true,
            _ => p.visit_children_with(self),
        }
    }
    fn visit_binding_ident(&mut self, b: &BindingIdent) {
        if &*b.id.sym == self.name {
            self.unsafe_use = true;
        }
    }
    fn visit_fn_decl(&mut self, d: &FnDecl) {
        if &*d.ident.sym == self.name {
            self.unsafe_use = true;
        }
        d.visit_children_with(self);
    }
    fn visit_class_decl(&mut self, d: &ClassDecl) {
        if &*d.ident.sym == self.name {
            self.unsafe_use = true;
        }
        d.visit_children_with(self);
    }
    fn visit_assign_expr(&mut self, a: &AssignExpr) {
        let written = match &a.left {
            AssignTarget::Simple(SimpleAssignTarget::Ident(b)) => &*b.id.sym == self.name,
            AssignTarget::Simple(SimpleAssignTarget::Member(m)) => self.rooted(&m.obj),
            AssignTarget::Simple(SimpleAssignTarget::Paren(p)) => self.rooted(&p.expr),
            AssignTarget::Simple(SimpleAssignTarget::OptChain(_)) => true,
            _ => false,
        };
        if written {
            self.unsafe_use = true;
        }
        a.visit_children_with(self);
    }
    fn visit_update_expr(&mut self, u: &UpdateExpr) {
        if self.rooted(&u.arg) {
            self.unsafe_use = true;
        }
        u.visit_children_with(self);
    }
    fn visit_unary_expr(&mut self, u: &UnaryExpr) {
        if u.op == UnaryOp::Delete && self.rooted(&u.arg) {
            self.unsafe_use = true;
        }
        u.visit_children_with(self);
    }
    fn visit_call_expr(&mut self, c: &CallExpr) {
        // a method of an object state may change it, and would see the copy as `this`
        if !self.whole && c.callee.as_expr().is_some_and(|e| self.rooted(e)) {
            self.unsafe_use = true;
        }
        c.visit_children_with(self);
    }
    fn visit_member_expr(&mut self, m: &MemberExpr) {
        if self.whole {
            return m.visit_children_with(self);
        }
        match &*m.obj {
            Expr::Ident(i) if &*i.sym == self.name => {
                self.record(i.span, false);
                m.prop.visit_with(self);
            }
            // `name.a.b`: the copy is shallow, so `a`'s fields are still the live ones
            Expr::Member(inner) if self.is_name(&inner.obj) => self.unsafe_use = true,
            _ => m.visit_children_with(self),
        }
    }
    fn visit_var_declarator(&mut self, d: &VarDeclarator) {
        // `const { a, b } = name`: reads the properties, so it may read them off the copy
        match (&d.name, d.init.as_deref()) {
            (Pat::Object(_), Some(Expr::Ident(i))) if !self.whole && &*i.sym == self.name => {
                self.record(i.span, false);
                d.name.visit_with(self);
            }
            _ => d.visit_children_with(self),
        }
    }
    fn visit_prop(&mut self, p: &Prop) {
        match p {
            Prop::Shorthand(i) if &*i.sym == self.name => {
                if self.whole {
                    self.record(i.span, true);
                } else {
                    self.unsafe_use = true;
                }
            }
            _ => p.visit_children_with(self),
        }
    }
    fn visit_expr(&mut self, e: &Expr) {
        match e {
            Expr::Ident(i) if &*i.sym == self.name => {
                // the whole object handed on: whoever gets it may keep or change it
                if self.whole {
                    self.record(i.span, false);
                } else {
                    self.unsafe_use = true;
                }
            }
            _ => stacker::maybe_grow(64 * 1024, 1024 * 1024, || e.visit_children_with(self)),
        }
    }
}

/// Whether anything that can run code or yield (a call, `new`, an assignment, an update, an
/// await, a yield, a tagged template) completes before offset `until`.
struct RunsBefore<'a> {
    tree: &'a Tree,
    until: u32,
    found: bool,
}

impl RunsBefore<'_> {
    fn check(&mut self, s: swc_common::Span) {
        if self.tree.span(s).hi <= self.until {
            self.found = true;
        }
    }
}

impl Visit for RunsBefore<'_> {
    fn visit_expr(&mut self, e: &Expr) {
        if matches!(
            e,
            Expr::Call(_) | Expr::New(_) | Expr::Assign(_) | Expr::Update(_) | Expr::Await(_) | Expr::Yield(_) | Expr::TaggedTpl(_)
        ) {
            self.check(e.span());
        }
        if self.tree.span(e.span()).lo < self.until {
            stacker::maybe_grow(64 * 1024, 1024 * 1024, || e.visit_children_with(self));
        }
    }
}
