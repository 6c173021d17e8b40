//! Declarations and assignments to locals, destructuring, dynamic imports and writes through members.

use super::*;

impl<'h> Builder<'h> {
    pub(super) fn decl(&mut self, d: &Decl) {
        match d {
            Decl::Var(v) => self.var_decl(v),
            Decl::Using(u) => {
                for d in &u.decls {
                    self.declarator(d);
                }
            }
            Decl::Fn(f) => {
                let name = owned(&f.ident.sym);
                let id = self.function_node(&name, &f.function, false);
                if self.scopes_is_module() {
                    self.fn_names.push((name, id));
                }
            }
            Decl::Class(c) => {
                let module_level = self.scopes_is_module();
                self.class(&c.ident.sym, &c.class, module_level);
            }
            _ => {}
        }
    }

    pub(super) fn scopes_is_module(&self) -> bool {
        self.f.name == "<module>" && self.scopes.depth() == 0
    }

    pub(super) fn var_decl(&mut self, v: &VarDecl) {
        let saved = mem::replace(&mut self.rebindable, v.kind != VarDeclKind::Const);
        for d in &v.decls {
            self.declarator(d);
        }
        self.rebindable = saved;
    }

    pub(super) fn declarator(&mut self, d: &VarDeclarator) {
        let module_level = self.scopes_is_module();
        let Some(init) = &d.init else {
            // `let x;` holds `undefined` until assigned
            if let Pat::Ident(b) = &d.name {
                if let Resolved::Local(scope) = self.scopes.resolve(&b.id.sym) {
                    self.plain_locals.entry((scope, b.id.sym.clone())).or_insert(true);
                }
            }
            return;
        };
        let binding = match &d.name {
            Pat::Ident(b) => Some(b.id.sym.clone()),
            _ => None,
        };
        if let (Some(name), Expr::Class(c)) = (&binding, unparen(init)) {
            self.class(name, &c.class, module_level);
            return;
        }
        if let Some(name) = &binding {
            if is_fn_expr(init) {
                self.pending_name = Some(owned(name));
                let before = self.functions.len();
                self.expr(init);
                if module_level && self.functions.len() > before {
                    self.fn_names.push((owned(name), (self.functions.len() - 1) as u32));
                    self.mark_replaceable((self.functions.len() - 1) as u32);
                }
                return;
            }
            if module_level && matches!(unparen(init), Expr::Object(_)) {
                self.object_prefix = Some(owned(name));
            }
        }
        let mut val = Val::default();
        self.unit(d.span, |b| {
            val = b.expr(init);
        });
        self.object_prefix = None;
        if matches!(d.name, Pat::Ident(_)) {
            self.pending_plain = Some(plainly_not_thenable(init));
        }
        self.bind_pat(&d.name, &val, true);
        self.pending_plain = None;
        if !module_level {
            self.local_bindings(&d.name, init);
        }
    }

    /// Remembers locals that name host objects (`const ctx = getContext()`) or bindings of a
    /// dynamic import (`const { a } = await import('./x.js')`).
    pub(super) fn local_bindings(&mut self, pat: &Pat, init: &Expr) {
        let init = unparen(init);
        let dynamic = match init {
            Expr::Await(a) => match unparen(&a.arg) {
                Expr::Call(c) if matches!(c.callee, swc_ecma_ast::Callee::Import(_)) => match c.args.first().map(|a| unparen(&a.expr)) {
                    Some(Expr::Lit(Lit::Str(s))) => Some(owned(&s.value.to_atom_lossy())),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        match (pat, dynamic) {
            (Pat::Ident(b), Some(specifier)) => self.dyn_import(&b.id.sym, specifier, ImportName::Namespace),
            (Pat::Object(o), Some(specifier)) => {
                for p in &o.props {
                    match p {
                        ObjectPatProp::Assign(a) => {
                            self.dyn_import(&a.key.id.sym, specifier.clone(), ImportName::Named(a.key.id.sym.clone()))
                        }
                        ObjectPatProp::KeyValue(kv) => {
                            if let (Some(k), Pat::Ident(b)) = (key_name(&kv.key), &*kv.value) {
                                let imported = if k == "default" { ImportName::Default } else { ImportName::Named(Atom::from(k)) };
                                self.dyn_import(&b.id.sym, specifier.clone(), imported);
                            }
                        }
                        ObjectPatProp::Rest(_) => {}
                    }
                }
            }
            (Pat::Ident(b), None) => {
                if let Some(path) = self.host_path(init) {
                    if path.ends_with("()") {
                        if let Resolved::Local(scope) = self.scopes.resolve(&b.id.sym) {
                            self.f.aliases.insert((scope, b.id.sym.clone()), path);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    pub(super) fn dyn_import(&mut self, local: &Atom, specifier: String, imported: ImportName) {
        if let Resolved::Local(scope) = self.scopes.resolve(local) {
            let idx = self.imports.len() as u32;
            self.imports.push(Import { specifier, imported });
            self.f.dyn_imports.insert((scope, local.clone()), idx);
        }
    }

    /// Binds a value to a pattern: locals take its data flow, shared state gets a write.
    pub(super) fn bind_pat(&mut self, pat: &Pat, val: &Val, declaring: bool) {
        match pat {
            Pat::Ident(b) => self.assign_ident(&b.id, val.clone(), declaring, b.id.span),
            Pat::Array(a) => {
                for e in a.elems.iter().flatten() {
                    let mut v = val.clone();
                    v.literal = 0;
                    self.bind_pat(e, &v, declaring);
                }
            }
            Pat::Object(o) => {
                for p in &o.props {
                    match p {
                        ObjectPatProp::KeyValue(kv) => {
                            if let PropName::Computed(c) = &kv.key {
                                self.expr(&c.expr);
                            }
                            let mut v = val.clone();
                            v.literal = 0;
                            self.bind_pat(&kv.value, &v, declaring);
                        }
                        ObjectPatProp::Assign(a) => {
                            let mut v = val.clone();
                            v.literal = 0;
                            if let Some(d) = &a.value {
                                let dv = self.expr(d);
                                v.join(dv);
                            }
                            self.assign_ident(&a.key.id, v, declaring, a.span);
                        }
                        ObjectPatProp::Rest(r) => self.bind_pat(&r.arg, val, declaring),
                    }
                }
            }
            Pat::Rest(r) => self.bind_pat(&r.arg, val, declaring),
            Pat::Assign(a) => {
                let mut v = val.clone();
                let d = self.expr(&a.right);
                v.join(d);
                self.bind_pat(&a.left, &v, declaring);
            }
            Pat::Expr(e) => self.assign_to_expr(e, val.clone(), WriteKind::Assign),
            Pat::Invalid(_) => {}
        }
    }

    pub(super) fn assign_ident(&mut self, id: &Ident, val: Val, declaring: bool, span: swc_common::Span) {
        match self.scopes.resolve(&id.sym) {
            Resolved::Local(scope) => {
                let plain = self.pending_plain.take().unwrap_or(false);
                self.plain_locals.entry((scope, id.sym.clone())).and_modify(|p| *p &= plain).or_insert(plain);
                // a declaration inside a loop binds a new value each time round
                let redeclared = declaring && Some(scope) == self.f.scope && self.f.params.iter().any(|p| p.as_ref() == Some(&id.sym));
                if !declaring || redeclared || self.f.breakables.iter().any(|b| b.is_loop) {
                    self.reassigned.insert((scope, id.sym.clone()));
                }
                let entry = self.f.taint.entry((scope, id.sym.clone())).or_default();
                if declaring {
                    entry.clear();
                }
                extend_capped(entry, &val.sources);
            }
            Resolved::Module(ModuleBinding::Variable) if !declaring => {
                let state = self.binding_state(&id.sym);
                self.write(Access { state, field: None }, WriteKind::Assign, val, span);
            }
            _ => {}
        }
    }

    /// A write through an assignment target expression (a member or an identifier).
    pub(super) fn assign_to_expr(&mut self, target: &Expr, val: Val, kind: WriteKind) {
        match unparen(target) {
            Expr::Ident(id) => self.assign_ident(id, val, false, id.span),
            Expr::Member(m) => self.assign_member(m, val, kind),
            other => {
                self.expr(other);
            }
        }
    }

    pub(super) fn assign_member(&mut self, m: &MemberExpr, val: Val, kind: WriteKind) {
        if let Some(access) = self.member_access(m) {
            let kind = if kind == WriteKind::Assign && matches!(&m.prop, MemberProp::Ident(i) if &*i.sym == "length") && val.literal != 0 {
                WriteKind::Bulk
            } else {
                kind
            };
            self.write(access, kind, val, m.span);
        } else {
            self.local_member_write(m, &val);
        }
    }

    /// `local.x = v` (or `local[k] = v`): the local object now carries `v`'s data flow.
    pub(super) fn local_member_write(&mut self, m: &MemberExpr, val: &Val) {
        let mut obj: &Expr = &m.obj;
        while let Expr::Member(inner) = unparen(obj) {
            obj = &inner.obj;
        }
        if let Expr::Ident(id) = unparen(obj) {
            if let Resolved::Local(scope) = self.scopes.resolve(&id.sym) {
                let entry = self.f.taint.entry((scope, id.sym.clone())).or_default();
                extend_capped(entry, &val.sources);
                // (a parameter's fields tested later may hold what was written here)
                self.mutated.insert((scope, id.sym.clone()));
            }
        }
    }
}
