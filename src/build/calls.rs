//! Calls: callees resolved in the module, method calls on shared state (mutations and lookups), and `.then` callbacks inlined.

use super::*;

impl<'h> Builder<'h> {
    pub(super) fn call(&mut self, span: swc_common::Span, callee: Option<&Expr>, args: &[ExprOrSpread]) -> Val {
        let first_fn = self.functions.len();
        let v = self.call_inner(span, callee, args);
        // `(async () => { … })()`: the function is called right here
        if let Some(f @ (Expr::Fn(_) | Expr::Arrow(_))) = callee.map(unparen) {
            let at = self.span(f.span());
            if let Some(i) = (first_fn..self.functions.len()).find(|&i| self.functions[i].span == at) {
                self.f.immediate.push(i as u32);
            }
        }
        if let Some(callee) = callee.map(unparen) {
            let inlined = matches!(callee, Expr::Member(m) if matches!(prop_name(&m.prop).as_deref(), Some("then" | "catch" | "finally")));
            if !inlined {
                self.note_callbacks(span, &|| callback_path(callee), args, first_fn);
            }
        }
        v
    }

    /// Records the functions a call is handed (defined in its arguments, or named there, also
    /// as properties of an object literal argument: `fromProps({ callback: onCmd })`): the
    /// outermost functions built since `first_fn` whose span lies in an argument.
    pub(super) fn note_callbacks(&mut self, span: swc_common::Span, path: &dyn Fn() -> String, args: &[ExprOrSpread], first_fn: usize) {
        // most calls hand over no function: nothing to record, and no text to make
        let may_name = |e: &Expr| matches!(unparen(e), Expr::Ident(_) | Expr::Member(_) | Expr::Object(_) | Expr::Call(_));
        if args.is_empty() || (first_fn == self.functions.len() && !args.iter().any(|a| may_name(&a.expr))) {
            return;
        }
        let mut targets: Vec<facts::Callee> = Vec::new();
        if first_fn < self.functions.len() {
            let arg_spans: Vec<facts::Span> = args.iter().map(|a| self.span(a.expr.span())).collect();
            let inside = |s: facts::Span| arg_spans.iter().any(|a| a.lo <= s.lo && s.hi <= a.hi);
            let mut built: Vec<(u32, facts::Span)> =
                (first_fn..self.functions.len()).map(|i| (i as u32, self.functions[i].span)).filter(|(_, s)| inside(*s)).collect();
            // the outermost ones (a function inside another is that one's business), in one
            // sweep by start: outer before inner
            built.sort_unstable_by_key(|&(_, s)| (s.lo, std::cmp::Reverse(s.hi)));
            let mut outer: Option<facts::Span> = None;
            for &(i, s) in &built {
                if outer.is_some_and(|o| o.lo <= s.lo && s.hi <= o.hi && o != s) {
                    continue;
                }
                outer = Some(s);
                // one an inner call was handed (`addCommandObject(fromProps({ callback }))`) is
                // that call's
                if !self.f.handed.contains(&i) {
                    targets.push(facts::Callee::Local(i));
                }
            }
        }
        let mut named = |b: &mut Self, e: &Expr| {
            let e = match unparen(e) {
                // `handler.bind(this)` hands over `handler`
                Expr::Call(c) => match &c.callee {
                    swc_ecma_ast::Callee::Expr(ce) => match unparen(ce) {
                        Expr::Member(m) if prop_name(&m.prop).as_deref() == Some("bind") => unparen(&m.obj),
                        _ => return,
                    },
                    _ => return,
                },
                other => other,
            };
            if matches!(e, Expr::Ident(_) | Expr::Member(_)) {
                if let Some(target) = b.callee_target_in_module(e) {
                    targets.push(target);
                }
            }
        };
        for a in args {
            match unparen(&a.expr) {
                Expr::Object(o) => {
                    for p in &o.props {
                        if let PropOrSpread::Prop(p) = p {
                            if let Prop::KeyValue(kv) = &**p {
                                named(self, &kv.value);
                            }
                        }
                    }
                }
                e => named(self, e),
            }
        }
        if targets.is_empty() {
            return;
        }
        let path = path();
        let label = args.first().and_then(|a| callback_label(&a.expr));
        let span = self.span(span);
        for target in targets {
            if let facts::Callee::Local(i) = target {
                self.f.handed.insert(i);
            }
            self.f.callbacks.push(facts::CallbackUse { path: path.clone(), target, span, label: label.clone() });
        }
    }

    fn call_inner(&mut self, span: swc_common::Span, callee: Option<&Expr>, args: &[ExprOrSpread]) -> Val {
        let Some(callee) = callee.map(unparen) else {
            return self.exprs(args.iter().map(|a| &*a.expr));
        };
        // `Promise.all([save(a), save(b)])`: every call in the array has started before the
        // combined promise is awaited, so they run beside each other
        if let Some(calls) = self.promise_combinator_calls(callee, args) {
            let before = self.f.fan_out.len();
            self.f.fan_out.extend(calls);
            let v = self.call_inner_plain(span, callee, args);
            self.f.fan_out.truncate(before);
            return v;
        }
        self.call_inner_plain(span, callee, args)
    }

    /// The calls written as elements of the array handed to the global `Promise.all`,
    /// `allSettled`, `race` or `any`.
    fn promise_combinator_calls(&self, callee: &Expr, args: &[ExprOrSpread]) -> Option<Vec<swc_common::Span>> {
        let Expr::Member(m) = callee else { return None };
        let MemberProp::Ident(p) = &m.prop else { return None };
        if !matches!(&*p.sym, "all" | "allSettled" | "race" | "any") {
            return None;
        }
        if !matches!(unparen(&m.obj), Expr::Ident(o) if &*o.sym == "Promise" && self.scopes.resolve(&o.sym) == Resolved::Global) {
            return None;
        }
        let Expr::Array(a) = unparen(&args.first()?.expr) else { return None };
        let calls: Vec<swc_common::Span> = a
            .elems
            .iter()
            .flatten()
            .filter(|e| e.spread.is_none())
            .filter_map(|e| match unparen(&e.expr) {
                Expr::Call(c) => Some(c.span),
                _ => None,
            })
            .collect();
        (calls.len() > 1).then_some(calls)
    }

    fn call_inner_plain(&mut self, span: swc_common::Span, callee: &Expr, args: &[ExprOrSpread]) -> Val {
        if let Expr::Member(m) = callee {
            // `console.debug(…, state)`, `toastr.success(…)`: reads that only reach a log or a
            // notification are not uses of the state (calls in the arguments still run and count)
            if matches!(unparen(&m.obj), Expr::Ident(o) if matches!(&*o.sym, "console" | "toastr") && self.scopes.resolve(&o.sym) == Resolved::Global)
            {
                self.f.logging += 1;
                self.exprs(args.iter().map(|a| &*a.expr));
                self.f.logging -= 1;
                return Val::default();
            }
            if let MemberProp::Ident(p) = &m.prop {
                let method = &*p.sym;
                if matches!(method, "then" | "catch" | "finally")
                    && args.iter().any(|a| is_fn_expr(&a.expr) || matches!(unparen(&a.expr), Expr::Ident(_)))
                {
                    return self.then_call(m, span, args);
                }
                if method == "assign"
                    && matches!(unparen(&m.obj), Expr::Ident(o) if &*o.sym == "Object" && self.scopes.resolve(&o.sym) == Resolved::Global)
                {
                    if let Some(first) = args.first() {
                        let target_access = match unparen(&first.expr) {
                            Expr::Ident(id) if matches!(self.scopes.resolve(&id.sym), Resolved::Module(ModuleBinding::Variable)) => {
                                Some(Access { state: self.binding_state(&id.sym), field: None })
                            }
                            Expr::Ident(id) if self.scopes.resolve(&id.sym) == Resolved::Module(ModuleBinding::Import) => {
                                self.import_of.get(&id.sym).copied().map(|i| Access { state: self.import_state(&id.sym, i), field: None })
                            }
                            Expr::Member(tm) => self.member_access(tm),
                            _ => None,
                        };
                        if let Some(access) = target_access {
                            let v = self.exprs(args.iter().skip(1).map(|a| &*a.expr));
                            self.write(access, WriteKind::Merge, v, span);
                            return Val::default();
                        }
                        let v = self.exprs(args.iter().skip(1).map(|a| &*a.expr));
                        if let Expr::Member(tm) = unparen(&first.expr) {
                            self.local_member_write(tm, &v);
                        } else if let Expr::Ident(id) = unparen(&first.expr) {
                            if let Resolved::Local(scope) = self.scopes.resolve(&id.sym) {
                                let entry = self.f.taint.entry((scope, id.sym.clone())).or_default();
                                extend_capped(entry, &v.sources);
                            }
                        }
                        return Val::default();
                    }
                }
            }
        }
        if let Some(target) = self.callee_target(callee, args) {
            // literal arguments: a callee that writes its parameter writes them
            let literals: Vec<(u8, u32)> = args
                .iter()
                .take(16)
                .enumerate()
                .filter(|(_, a)| a.spread.is_none())
                .map(|(i, a)| (i as u8, literal_key(&a.expr)))
                .filter(|&(_, k)| k != 0)
                .collect();
            let arg_exprs = args;
            let mut args = self.call_args(args, callee);
            let awaited = self.f.await_target == Some(span);
            let detached = !awaited && (self.f.detach == Some(span) || self.f.fan_out.contains(&span));
            let span = self.span(span);
            let test = self.f.test_depth > 0;
            let id = self.add(NodeKind::Call { callee: target, awaited, test, args: args.sources.clone() }, span);
            self.f.call_literals.extend(literals.into_iter().map(|(i, k)| (id, i, k)));
            self.note_call_consts(id, arg_exprs);
            if awaited {
                self.f.awaited_call = Some(id);
            }
            if detached {
                self.f.detached.push(id);
            }
            extend_capped(&mut args.sources, &[id]);
            args.copy = false;
            args.literal = 0;
            return args;
        }
        // a method call on shared state: a mutation, or a read of the object
        if let Expr::Member(m) = callee {
            let method = match &m.prop {
                MemberProp::Ident(p) => Some(p.sym.clone()),
                _ => None,
            };
            let obj_access = match unparen(&m.obj) {
                Expr::Member(om) => self.member_access(om).map(|a| (a, om.span, Some(om))),
                Expr::Ident(id) if matches!(self.scopes.resolve(&id.sym), Resolved::Module(ModuleBinding::Variable)) => {
                    Some((Access { state: self.binding_state(&id.sym), field: None }, id.span, None))
                }
                Expr::Ident(id) if self.scopes.resolve(&id.sym) == Resolved::Module(ModuleBinding::Import) => self
                    .import_of
                    .get(&id.sym)
                    .copied()
                    .map(|i| (Access { state: self.import_state(&id.sym, i), field: None }, id.span, None)),
                _ => None,
            };
            if let Some((access, ospan, om)) = obj_access {
                if let Some(om) = om {
                    self.member_keys(om);
                }
                let read = self.read(access.clone(), ospan);
                let replaces = method.as_deref() == Some("splice") && splices_everything(args);
                let one = method.as_deref() == Some("splice") && splices_one(args);
                // a lookup in the live state by an earlier key (`list.indexOf(saved)`,
                // `map.get(id)`): the key is what to find, not a value mixed with the state's, so
                // its arguments are not part of the statement's data flow (its result still is)
                let lookup = method.as_deref().is_some_and(is_lookup_method);
                let args = if lookup {
                    self.outside_unit(|b| b.exprs(args.iter().map(|a| &*a.expr)))
                } else {
                    self.exprs(args.iter().map(|a| &*a.expr))
                };
                if let Some(kind) = method.as_deref().and_then(mutating_method) {
                    let kind = if replaces {
                        WriteKind::Replace
                    } else if one {
                        WriteKind::Element
                    } else {
                        kind
                    };
                    self.write(access, kind, args.clone(), span);
                }
                let mut v = read;
                // what a lookup finds comes from the live state; the key only chose it
                if !lookup {
                    v.join(args);
                } else {
                    v.copy = false;
                    v.literal = 0;
                }
                return v;
            }
            // a method on a local object: mutating methods carry the arguments into it
            if method.as_deref().and_then(mutating_method).is_some() {
                self.expr(&m.obj);
                let args = self.exprs(args.iter().map(|a| &*a.expr));
                if let Expr::Ident(id) = unparen(&m.obj) {
                    if let Resolved::Local(scope) = self.scopes.resolve(&id.sym) {
                        let entry = self.f.taint.entry((scope, id.sym.clone())).or_default();
                        extend_capped(entry, &args.sources);
                    }
                }
                return args;
            }
        }
        // the Fetch API resolves to a new Response (`await fetch(url, { headers })`), not to its
        // request; any other call we cannot see into may return what it was given
        // (`await Promise.all(list.map(f))`, `String(x)`), so its value carries its arguments
        let response = matches!(callee, Expr::Ident(i) if &*i.sym == "fetch" && self.scopes.resolve(&i.sym) == Resolved::Global);
        let mut v = self.expr(callee);
        v.copy = false;
        let args = self.call_args(args, callee);
        if !response {
            v.join(args);
        }
        v
    }

    pub(super) fn call_args(&mut self, args: &[ExprOrSpread], callee: &Expr) -> Val {
        let mut v = Val::default();
        // named only when a callback needs it
        let callee_name = if args.iter().any(|a| is_fn_expr(&a.expr)) { path_text(callee) } else { None };
        for a in args {
            if is_fn_expr(&a.expr) {
                self.pending_name = Some(match &callee_name {
                    Some(n) => format!("{n} callback"),
                    None => self.anonymous_name(),
                });
            }
            let x = self.expr(&a.expr);
            extend_capped(&mut v.sources, &x.sources);
        }
        v
    }

    /// What a callee expression calls, when it is a function racelint can summarise.
    pub(super) fn callee_target(&mut self, callee: &Expr, args: &[ExprOrSpread]) -> Option<facts::Callee> {
        let target = self.callee_target_in_module(callee);
        if target.is_some() {
            return target;
        }
        // a host API call a model can give effects to (its last name first: that needs no text)
        let last = match unparen(callee) {
            Expr::Ident(i) => Some(i.sym.clone()),
            Expr::Member(m) => prop_name(&m.prop),
            _ => None,
        };
        if last.is_some_and(|l| !self.hints.call_names.contains(&*l)) {
            return None;
        }
        let path = self.host_path(callee)?;
        let last = path.rsplit(['.', ']']).next().unwrap_or(&path);
        if !self.hints.call_names.contains(last) {
            return None;
        }
        let arg = args.first().and_then(|a| string_shape(&a.expr));
        Some(facts::Callee::Host { path, arg })
    }

    pub(super) fn callee_target_in_module(&mut self, callee: &Expr) -> Option<facts::Callee> {
        match callee {
            Expr::Ident(id) => match self.scopes.resolve(&id.sym) {
                Resolved::Module(ModuleBinding::Function | ModuleBinding::Variable) => Some(facts::Callee::Named(owned(&id.sym))),
                Resolved::Module(ModuleBinding::Import) => {
                    self.import_of.get(&id.sym).map(|&import| facts::Callee::Import { import, member: None })
                }
                Resolved::Local(scope) => {
                    self.f.dyn_imports.get(&(scope, id.sym.clone())).map(|&import| facts::Callee::Import { import, member: None })
                }
                _ => None,
            },
            Expr::Member(m) => {
                let prop = prop_name(&m.prop)?;
                match unparen(&m.obj) {
                    Expr::Ident(id) => match self.scopes.resolve(&id.sym) {
                        Resolved::Module(ModuleBinding::Class) => Some(facts::Callee::Named([&*id.sym, ".", &*prop].concat())),
                        Resolved::Module(ModuleBinding::Import) if mutating_method(&prop).is_none() => {
                            self.import_of.get(&id.sym).map(|&import| facts::Callee::Import { import, member: Some(owned(&prop)) })
                        }
                        Resolved::Local(scope) if mutating_method(&prop).is_none() => self
                            .f
                            .dyn_imports
                            .get(&(scope, id.sym.clone()))
                            .map(|&import| facts::Callee::Import { import, member: Some(owned(&prop)) }),
                        Resolved::Module(ModuleBinding::Variable) => {
                            // a method of a module-level object literal or class expression,
                            // never `queue.push`
                            let key = [&*id.sym, ".", &*prop].concat();
                            (self.object_methods.contains(&key) || self.classes.contains_key(&id.sym)).then_some(facts::Callee::Named(key))
                        }
                        _ => None,
                    },
                    Expr::This(_) => {
                        let ctx = self.this_ctx.last().cloned().flatten()?;
                        let sep = if ctx.is_static { "." } else { "#" };
                        Some(facts::Callee::Named([&*ctx.class, sep, &*prop].concat()))
                    }
                    _ => None,
                }
            }
            Expr::Fn(f) => {
                let name = self.take_name(f.ident.as_ref());
                let id = self.function_node(&name, &f.function, false);
                Some(facts::Callee::Local(id))
            }
            Expr::Arrow(a) => {
                if self.pending_name.is_none() {
                    self.pending_name = Some(self.anonymous_name());
                }
                let id = self.arrow(a);
                Some(facts::Callee::Local(id))
            }
            _ => None,
        }
    }

    /// `p.then(cb)`: `p` is evaluated now; `cb`'s body runs after the promise settles, so it is
    /// inlined behind an await node on a branch that the synchronous continuation skips.
    pub(super) fn then_call(&mut self, m: &MemberExpr, call_span: swc_common::Span, args: &[ExprOrSpread]) -> Val {
        // `run().then(done);` as a statement: nobody waits for `run()` either
        if self.f.detach == Some(call_span) {
            if let Expr::Call(c) = unparen(&m.obj) {
                self.f.detach = Some(c.span);
            }
        }
        let obj = self.expr(&m.obj);
        let before = self.f.current.clone();
        let span = match &m.prop {
            MemberProp::Ident(p) => p.span,
            _ => call_span,
        };
        // nobody here awaits the promise: its callbacks run after this synchronous run
        let deferred = self.f.then_tails.is_empty();
        for arg in args {
            let a = unparen(&arg.expr);
            self.f.current = before.clone();
            let first = NodeId::from_index(self.f.nodes.len());
            match a {
                Expr::Arrow(ar) => {
                    self.await_node(AwaitKind::Then, span);
                    let params: Vec<&Pat> = ar.params.iter().collect();
                    match &*ar.body {
                        ArrowFunctionBody::FunctionBody(b) => self.inline_callback(&params, Body::Stmts(&b.stmts)),
                        ArrowFunctionBody::Expr(e) => self.inline_callback(&params, Body::Expr(e)),
                    }
                }
                Expr::Fn(f) => {
                    self.await_node(AwaitKind::Then, span);
                    let params: Vec<&Pat> = f.function.params.iter().map(|p| &p.pat).collect();
                    let body = f.function.body.as_ref().map(|b| &b.stmts[..]).unwrap_or(&[]);
                    self.this_ctx.push(None);
                    self.inline_callback(&params, Body::Stmts(body));
                    self.this_ctx.pop();
                }
                Expr::Ident(_) => {
                    if let Some(target) = self.callee_target(a, &[]) {
                        self.await_node(AwaitKind::Then, span);
                        let sp = self.span(arg.expr.span());
                        self.add(NodeKind::Call { callee: target, awaited: false, test: false, args: NodeList::new() }, sp);
                        let tails = mem::take(&mut self.f.current);
                        if let Some(t) = self.f.then_tails.last_mut() {
                            t.extend(tails);
                        }
                    } else {
                        self.expr(a);
                    }
                }
                _ => {
                    self.f.current = before.clone();
                    self.expr(a);
                }
            }
            let made = self.f.nodes.get(first.index()).is_some_and(|n| matches!(n.kind, NodeKind::Await(AwaitKind::Then)));
            if deferred && made {
                self.f.deferred_then.push((first, before.clone()));
            }
        }
        self.f.current = before;
        Val { sources: obj.sources, literal: 0, copy: false, module: false, param: None }
    }

    pub(super) fn inline_callback(&mut self, params: &[&Pat], body: Body<'_>) {
        let stmts: &[Stmt] = match body {
            Body::Stmts(s) => s,
            Body::Expr(_) => &[],
        };
        let names = function_names(params, stmts);
        self.scopes.push(names);
        let tries = mem::take(&mut self.f.tries);
        let breakables = mem::take(&mut self.f.breakables);
        // a callback's own un-awaited promises run after the callback's synchronous run
        let outer_deferred = mem::take(&mut self.f.deferred_then);
        self.f.inline_returns.push(Vec::new());
        match body {
            Body::Stmts(s) => self.block_stmts(s),
            Body::Expr(e) => {
                self.unit(e.span(), |b| {
                    b.expr(e);
                });
            }
        }
        self.defer_then_callbacks();
        self.f.deferred_then = outer_deferred;
        let mut tails = self.f.inline_returns.pop().unwrap_or_default();
        tails.extend(mem::take(&mut self.f.current));
        self.f.tries = tries;
        self.f.breakables = breakables;
        self.scopes.pop();
        if let Some(t) = self.f.then_tails.last_mut() {
            t.extend(tails);
        }
    }
}
