//! Name resolution without swc's resolver: a stack of scopes, each knowing the names it
//! declares (hoisted `var`s and functions included), so a parameter or local that shadows a
//! module-level binding is never mistaken for shared state.

use rustc_hash::FxHashMap;
use swc_atoms::Atom;
use swc_ecma_ast::*;

/// What a module-level name is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleBinding {
    /// `let`/`var`/`const`: shared state when written after initialisation.
    Variable,
    Function,
    Class,
    Import,
}

/// Where a name resolves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    /// A local of some function or block: the scope's id.
    Local(u32),
    Module(ModuleBinding),
    /// Not declared anywhere in the module (`window`, `fetch`, …).
    Global,
}

/// Open scopes, indexed by name so that a lookup costs the same at any nesting depth.
#[derive(Default)]
pub struct Scopes {
    pub module: FxHashMap<Atom, ModuleBinding>,
    /// Per open scope: its id and the names it declares.
    stack: Vec<(u32, Vec<Atom>)>,
    /// Per name: the ids of the open scopes declaring it, innermost last (rarely more than
    /// two, so inline).
    index: FxHashMap<Atom, smallvec::SmallVec<[u32; 2]>>,
    next_id: u32,
}

impl Scopes {
    /// Opens a scope declaring `names` (a name listed twice is harmless).
    pub fn push(&mut self, names: Vec<Atom>) -> u32 {
        self.next_id += 1;
        let id = self.next_id;
        for n in &names {
            self.index.entry(n.clone()).or_default().push(id);
        }
        self.stack.push((id, names));
        id
    }

    pub fn pop(&mut self) {
        if let Some((_, names)) = self.stack.pop() {
            for n in names {
                if let Some(ids) = self.index.get_mut(&n) {
                    ids.pop();
                    if ids.is_empty() {
                        self.index.remove(&n);
                    }
                }
            }
        }
    }

    pub fn resolve(&self, name: &Atom) -> Resolved {
        if let Some(&id) = self.index.get(name).and_then(|ids| ids.last()) {
            return Resolved::Local(id);
        }
        match self.module.get(name) {
            Some(b) => Resolved::Module(*b),
            None => Resolved::Global,
        }
    }

    /// How many function and block scopes are open (0 at module level).
    pub fn depth(&self) -> usize {
        self.stack.len()
    }
}

/// Names bound by a pattern.
pub fn pat_names(pat: &Pat, out: &mut Vec<Atom>) {
    match pat {
        Pat::Ident(b) => out.push(b.id.sym.clone()),
        Pat::Array(a) => a.elems.iter().flatten().for_each(|p| pat_names(p, out)),
        Pat::Rest(r) => pat_names(&r.arg, out),
        Pat::Object(o) => {
            for p in &o.props {
                match p {
                    ObjectPatProp::KeyValue(kv) => pat_names(&kv.value, out),
                    ObjectPatProp::Assign(a) => out.push(a.key.id.sym.clone()),
                    ObjectPatProp::Rest(r) => pat_names(&r.arg, out),
                }
            }
        }
        Pat::Assign(a) => pat_names(&a.left, out),
        Pat::Invalid(_) | Pat::Expr(_) => {}
    }
}

/// Names a block declares lexically (`let`, `const`, `class`, `function`).
pub fn lexical_names(stmts: &[Stmt], out: &mut Vec<Atom>) {
    for s in stmts {
        if let Stmt::Decl(d) = s {
            decl_names(d, true, out);
        }
    }
}

pub fn decl_names(d: &Decl, include_var: bool, out: &mut Vec<Atom>) {
    match d {
        Decl::Class(c) => out.push(c.ident.sym.clone()),
        Decl::Fn(f) => out.push(f.ident.sym.clone()),
        Decl::Var(v) if include_var || v.kind != VarDeclKind::Var => v.decls.iter().for_each(|d| pat_names(&d.name, out)),
        Decl::Using(u) => u.decls.iter().for_each(|d| pat_names(&d.name, out)),
        Decl::TsEnum(e) => out.push(e.id.sym.clone()),
        _ => {}
    }
}

/// `var` declarations hoisted to the enclosing function (not into nested functions).
pub fn var_names(stmts: &[Stmt], out: &mut Vec<Atom>) {
    for s in stmts {
        var_names_stmt(s, out);
    }
}

fn var_decl(v: &VarDecl, out: &mut Vec<Atom>) {
    if v.kind == VarDeclKind::Var {
        v.decls.iter().for_each(|d| pat_names(&d.name, out));
    }
}

fn var_names_stmt(s: &Stmt, out: &mut Vec<Atom>) {
    match s {
        Stmt::Decl(Decl::Var(v)) => var_decl(v, out),
        Stmt::Block(b) => var_names(&b.stmts, out),
        Stmt::If(i) => {
            var_names_stmt(&i.cons, out);
            if let Some(a) = &i.alt {
                var_names_stmt(a, out);
            }
        }
        Stmt::Labeled(l) => var_names_stmt(&l.body, out),
        Stmt::Try(t) => {
            var_names(&t.block.stmts, out);
            if let Some(h) = &t.handler {
                var_names(&h.body.stmts, out);
            }
            if let Some(f) = &t.finalizer {
                var_names(&f.stmts, out);
            }
        }
        Stmt::While(w) => var_names_stmt(&w.body, out),
        Stmt::DoWhile(w) => var_names_stmt(&w.body, out),
        Stmt::For(f) => {
            if let Some(VarDeclOrExpr::VarDecl(v)) = &f.init {
                var_decl(v, out);
            }
            var_names_stmt(&f.body, out);
        }
        Stmt::ForIn(f) => {
            if let ForHead::VarDecl(v) = &f.left {
                var_decl(v, out);
            }
            var_names_stmt(&f.body, out);
        }
        Stmt::ForOf(f) => {
            if let ForHead::VarDecl(v) = &f.left {
                var_decl(v, out);
            }
            var_names_stmt(&f.body, out);
        }
        Stmt::Switch(s) => s.cases.iter().for_each(|c| var_names(&c.cons, out)),
        _ => {}
    }
}

/// Names a function body declares: parameters, hoisted `var`s, and its top-level lexicals.
pub fn function_names(params: &[&Pat], body: &[Stmt]) -> Vec<Atom> {
    thread_local! {
        static ARGUMENTS: Atom = Atom::from("arguments");
    }
    let mut out = Vec::new();
    params.iter().for_each(|p| pat_names(p, &mut out));
    var_names(body, &mut out);
    lexical_names(body, &mut out);
    out.push(ARGUMENTS.with(Atom::clone));
    out
}
