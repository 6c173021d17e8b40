//! Functions, arrows, classes and methods: each builds its own effect graph.

use super::*;

impl<'h> Builder<'h> {
    /// Marks function `id` as named through a binding that may be given another function.
    pub(super) fn mark_replaceable(&mut self, id: u32) {
        if self.rebindable {
            if let Some(f) = self.functions.get_mut(id as usize) {
                f.replaceable = true;
            }
        }
    }

    pub(super) fn take_name(&mut self, fallback: Option<&Ident>) -> String {
        if let Some(n) = self.pending_name.take() {
            return n;
        }
        if let Some(i) = fallback {
            return owned(&i.sym);
        }
        self.anonymous_name()
    }

    /// `anonymous function in outerName`, naming the nearest enclosing named function.
    pub(super) fn anonymous_name(&self) -> String {
        let outer = &self.f.name;
        if outer.starts_with("anonymous function in ") {
            outer.clone()
        } else {
            ["anonymous function in ", outer].concat()
        }
    }

    pub(super) fn function_node(&mut self, name: &str, func: &Function, method_ctx: bool) -> u32 {
        let params: Vec<&Pat> = func.params.iter().map(|p| &p.pat).collect();
        let span = self.span(func.span);
        if !method_ctx {
            self.this_ctx.push(None);
        }
        let body = func.body.as_ref().map(|b| Body::Stmts(&b.stmts)).unwrap_or(Body::Stmts(&[]));
        let id = self.build_function(name.to_string(), span, func.is_async, func.is_generator, &params, body);
        if !method_ctx {
            self.this_ctx.pop();
        }
        id
    }

    pub(super) fn build_function(
        &mut self,
        name: String,
        span: facts::Span,
        is_async: bool,
        is_generator: bool,
        params: &[&Pat],
        body: Body<'_>,
    ) -> u32 {
        let stmts: &[Stmt] = match body {
            Body::Stmts(s) => s,
            Body::Expr(_) => &[],
        };
        let names = function_names(params, stmts);
        let parent = mem::replace(&mut self.f, FnBuilder::new(name, span, is_async, is_generator));
        let saved_prefix = self.object_prefix.take();
        self.f.scope = Some(self.scopes.push(names));
        // decisions are only on parameters and top-level `const`s
        let mut fixed = Vec::new();
        for p in params {
            pat_names(p, &mut fixed);
        }
        for s in stmts {
            if let Stmt::Decl(Decl::Var(v)) = s {
                if v.kind == VarDeclKind::Const {
                    for d in &v.decls {
                        pat_names(&d.name, &mut fixed);
                    }
                }
            }
        }
        self.f.fixed_names = fixed;
        self.f.params = params.iter().map(|p| if let Pat::Ident(i) = p { Some(i.id.sym.clone()) } else { None }).collect();
        self.f.param_fields = params.iter().enumerate().take(16).flat_map(|(i, p)| destructured_fields(i as u8, p)).collect();
        for p in params {
            self.param_defaults(p);
        }
        match body {
            Body::Stmts(stmts) => self.block_stmts(stmts),
            Body::Expr(e) => {
                self.f.may_return_promise = !plainly_not_thenable(e);
                let sp = swc_common::Span::new(swc_common::BytePos(span.lo + self.base), swc_common::BytePos(span.hi + self.base));
                self.unit(sp, |b| {
                    let v = b.expr(e);
                    b.note_returned(&v.sources);
                });
            }
        }
        self.defer_then_callbacks();
        self.scopes.pop();
        self.object_prefix = saved_prefix;
        let done = mem::replace(&mut self.f, parent);
        self.functions.push(done.finish(&self.reassigned, &self.mutated, &self.plain_locals));
        (self.functions.len() - 1) as u32
    }

    pub(super) fn param_defaults(&mut self, p: &Pat) {
        match p {
            Pat::Assign(a) => {
                let v = self.expr(&a.right);
                self.bind_pat(&a.left, &v, true);
            }
            Pat::Object(o) => {
                for prop in &o.props {
                    match prop {
                        ObjectPatProp::KeyValue(kv) => self.param_defaults(&kv.value),
                        ObjectPatProp::Assign(a) => {
                            if let Some(v) = &a.value {
                                self.expr(v);
                            }
                        }
                        ObjectPatProp::Rest(_) => {}
                    }
                }
            }
            Pat::Array(a) => a.elems.iter().flatten().for_each(|e| self.param_defaults(e)),
            _ => {}
        }
    }

    pub(super) fn arrow(&mut self, a: &ArrowExpr) -> u32 {
        let name = self.take_name(None);
        let params: Vec<&Pat> = a.params.iter().collect();
        let span = self.span(a.span);
        let body = match &*a.body {
            ArrowFunctionBody::FunctionBody(b) => Body::Stmts(&b.stmts),
            ArrowFunctionBody::Expr(e) => Body::Expr(e),
        };
        self.build_function(name, span, a.is_async, a.is_generator, &params, body)
    }

    pub(super) fn class(&mut self, name: &Atom, class: &Class, module_level: bool) {
        if let Some(s) = &class.super_class {
            self.expr(s);
        }
        let module_level = module_level && self.classes.contains_key(name);
        for member in &class.body {
            match member {
                ClassMember::Method(m) => {
                    let Some(key) = key_name(&m.key) else {
                        continue;
                    };
                    self.method(name, &key, &m.function, m.is_static, module_level);
                }
                ClassMember::PrivateMethod(m) => {
                    let key = format!("#{}", m.key.name);
                    self.method(name, &key, &m.function, m.is_static, module_level);
                }
                ClassMember::Constructor(c) => {
                    if let Some(body) = &c.body {
                        let params: Vec<&Pat> = c
                            .params
                            .iter()
                            .filter_map(|p| match p {
                                ParamOrTsParamProp::Param(p) => Some(&p.pat),
                                _ => None,
                            })
                            .collect();
                        let span = self.span(c.span);
                        self.this_ctx.push(Some(ThisCtx { class: name.clone(), is_static: false, module_level }));
                        self.build_function(format!("{name}.constructor"), span, false, false, &params, Body::Stmts(&body.stmts));
                        self.this_ctx.pop();
                    }
                }
                ClassMember::ClassProp(p) => {
                    if let Some(key) = key_name(&p.key) {
                        if p.is_static {
                            let span = self.span(p.span);
                            self.decl_spans.insert(Atom::from(format!("{name}.{key}")), span);
                        }
                        self.prop_value(name, &key, p.value.as_deref(), p.is_static, module_level);
                    }
                }
                ClassMember::PrivateProp(p) => {
                    let key = format!("#{}", p.key.name);
                    if p.is_static {
                        let span = self.span(p.span);
                        self.decl_spans.insert(Atom::from(format!("{name}.{key}")), span);
                    }
                    self.prop_value(name, &key, p.value.as_deref(), p.is_static, module_level);
                }
                ClassMember::StaticBlock(b) => {
                    self.this_ctx.push(Some(ThisCtx { class: name.clone(), is_static: true, module_level }));
                    self.block(&b.body.stmts);
                    self.this_ctx.pop();
                }
                _ => {}
            }
        }
    }

    pub(super) fn prop_value(&mut self, class: &Atom, key: &str, value: Option<&Expr>, is_static: bool, module_level: bool) {
        let Some(v) = value else { return };
        if is_fn_expr(v) {
            self.this_ctx.push(Some(ThisCtx { class: class.clone(), is_static, module_level }));
            self.pending_name = Some(format!("{class}.{key}"));
            let before = self.functions.len();
            self.expr(v);
            if self.functions.len() > before {
                let sep = if is_static { "." } else { "#" };
                self.fn_names.push((format!("{class}{sep}{key}"), (self.functions.len() - 1) as u32));
            }
            self.this_ctx.pop();
        } else if is_static {
            // static initialisers run once, at module evaluation: they are not writes
            self.this_ctx.push(Some(ThisCtx { class: class.clone(), is_static, module_level }));
            self.expr(v);
            self.this_ctx.pop();
        }
    }

    pub(super) fn method(&mut self, class: &Atom, key: &str, func: &Function, is_static: bool, module_level: bool) {
        self.this_ctx.push(Some(ThisCtx { class: class.clone(), is_static, module_level }));
        let id = self.function_node(&format!("{class}.{key}"), func, true);
        self.this_ctx.pop();
        let sep = if is_static { "." } else { "#" };
        self.fn_names.push((format!("{class}{sep}{key}"), id));
    }
}

/// The locals an options parameter destructures (`{ quiet = false } = {}`): (local, parameter,
/// field, its default when that is a literal). Only plain fields with no default or a literal
/// one, of a pattern that defaults to `{}` if at all.
fn destructured_fields(param: u8, p: &Pat) -> Vec<(Atom, u8, Atom, Option<crate::facts::Const>)> {
    let o = match p {
        Pat::Object(o) => o,
        Pat::Assign(a) => match (&*a.left, unparen(&a.right)) {
            (Pat::Object(o), Expr::Object(d)) if d.props.is_empty() => o,
            _ => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    for prop in &o.props {
        match prop {
            ObjectPatProp::Assign(a) => {
                let default = match &a.value {
                    None => None,
                    Some(v) => match super::param_tests::literal_const(v) {
                        Some(c) => Some(c),
                        None => continue,
                    },
                };
                out.push((a.key.sym.clone(), param, a.key.sym.clone(), default));
            }
            ObjectPatProp::KeyValue(kv) => {
                let Some(field) = key_name(&kv.key) else { continue };
                match &*kv.value {
                    Pat::Ident(i) => out.push((i.id.sym.clone(), param, Atom::from(field), None)),
                    Pat::Assign(a) => {
                        let (Pat::Ident(i), Some(c)) = (&*a.left, super::param_tests::literal_const(&a.right)) else { continue };
                        out.push((i.id.sym.clone(), param, Atom::from(field), Some(c)));
                    }
                    _ => {}
                }
            }
            ObjectPatProp::Rest(_) => {}
        }
    }
    out
}
