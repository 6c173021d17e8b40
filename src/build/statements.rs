//! Statements: blocks, branches, loops, `switch`, `try`/`finally`, `break`/`continue`, and the deferral of `.then` callbacks to where a synchronous run ends.

use super::*;
use crate::facts::{Const, ParamTest};

impl<'h> Builder<'h> {
    pub(super) fn block_stmts(&mut self, stmts: &[Stmt]) {
        let mark = self.f.guards.len();
        let tests_mark = self.f.open_tests.len();
        for s in stmts {
            self.stmt(s);
            if let Some(g) = self.f.block_guard.take() {
                self.f.guards.extend(g);
            }
            // past `if (!force) return;`, the rest of the block runs only where `force` holds
            // (set by this `if` itself, not by one nested in a branch or loop body)
            match (self.f.block_tests.take(), s) {
                (Some((at, t)), Stmt::If(i)) if at == i.span.lo => {
                    self.open_tests(Some(t));
                }
                _ => {}
            }
        }
        self.f.guards.truncate(mark);
        self.f.block_guard = None;
        self.close_tests(tests_mark);
    }

    pub(super) fn stmt_with_block_guard(&mut self, s: &Stmt) {
        self.stmt(s);
        if let Some(g) = self.f.block_guard.take() {
            self.f.guards.extend(g);
        }
        self.f.block_tests = None;
    }

    pub(super) fn block(&mut self, stmts: &[Stmt]) {
        let mut names = Vec::new();
        lexical_names(stmts, &mut names);
        self.scopes.push(names);
        self.block_stmts(stmts);
        self.scopes.pop();
    }

    pub(super) fn stmt(&mut self, s: &Stmt) {
        self.nesting += 1;
        if self.nesting.is_multiple_of(STACK_CHECK_EVERY) {
            stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.stmt_inner(s));
        } else {
            self.stmt_inner(s);
        }
        self.nesting -= 1;
    }

    /// Moves the callbacks of un-awaited promises made since the last await to where the
    /// function's synchronous run ends: the next await, a `return` or `throw`, or the end of
    /// the body. Everything up to there runs before any of them (`const p = load().then(cb);
    /// cache.inFlight = p;` stores the promise first). Where nothing is left to run from (the
    /// frontier is empty), they stay where they were made.
    pub(super) fn defer_then_callbacks(&mut self) {
        if self.f.deferred_then.is_empty() {
            return;
        }
        let pending = mem::take(&mut self.f.deferred_then);
        if self.f.current.is_empty() {
            return;
        }
        let end = self.f.current.clone();
        // one pass over each fork point and one over the end, however many callbacks there are
        let thens: FxHashSet<NodeId> = pending.iter().map(|(t, _)| *t).filter(|t| !end.contains(t)).collect();
        let mut forks: Vec<NodeId> = pending.iter().flat_map(|(_, f)| f.iter().copied()).collect();
        forks.sort_unstable();
        forks.dedup();
        for p in forks {
            self.f.nodes[p.index()].succ.retain(|s| !thens.contains(s));
        }
        for &e in &end {
            for (t, _) in &pending {
                if thens.contains(t) {
                    // a callback's await node is new: no end node leads to it yet
                    self.f.nodes[e.index()].succ.push(*t);
                }
            }
        }
    }

    pub(super) fn stmt_inner(&mut self, s: &Stmt) {
        let label = self.f.pending_label.take();
        match s {
            Stmt::Block(b) => {
                if let Some(l) = label {
                    self.labeled_block(l, &b.stmts);
                } else {
                    self.block(&b.stmts);
                }
            }
            Stmt::Empty(_) | Stmt::Debugger(_) => {}
            Stmt::With(w) => {
                self.unit(w.span, |b| {
                    b.expr(&w.obj);
                });
                self.stmt(&w.body);
            }
            Stmt::Return(r) => {
                if let (Some(arg), true) = (r.arg.as_deref(), self.f.inline_returns.is_empty()) {
                    // a local is settled if every value it is given is (checked once the
                    // function is built)
                    match unparen(arg) {
                        Expr::Ident(i) if &*i.sym != "undefined" => match self.scopes.resolve(&i.sym) {
                            Resolved::Local(scope) => self.f.returned_locals.push((scope, i.sym.clone())),
                            _ => self.f.may_return_promise = true,
                        },
                        e if !plainly_not_thenable(e) => self.f.may_return_promise = true,
                        _ => {}
                    }
                }
                if let Some(arg) = &r.arg {
                    self.unit(r.span, |b| {
                        let v = b.expr(arg);
                        b.note_returned(&v.sources);
                    });
                }
                self.exit(false);
            }
            Stmt::Throw(t) => {
                self.unit(t.span, |b| {
                    b.expr(&t.arg);
                });
                self.exit(true);
            }
            Stmt::Labeled(l) => {
                self.f.pending_label = Some(l.label.sym.clone());
                self.stmt(&l.body);
                self.f.pending_label = None;
            }
            Stmt::Break(b) => {
                let cur = mem::take(&mut self.f.current);
                let target = self.breakable(b.label.as_ref().map(|l| &l.sym), false);
                if let Some(t) = target {
                    self.f.breakables[t].breaks.extend(cur);
                }
            }
            Stmt::Continue(c) => {
                let cur = mem::take(&mut self.f.current);
                let target = self.breakable(c.label.as_ref().map(|l| &l.sym), true);
                if let Some(t) = target {
                    self.f.breakables[t].continues.extend(cur);
                }
            }
            Stmt::If(i) => self.if_stmt(i),
            Stmt::Switch(sw) => self.switch(sw, label),
            Stmt::Try(t) => self.try_stmt(t),
            Stmt::While(w) => {
                let head = self.add(NodeKind::Nop, self.span(w.span));
                self.f.unit_stack.push(UnitAcc::default());
                let (tests, exit) = self.condition(&w.test);
                self.end_unit_at(w.span);
                self.loop_body(label, &tests, &w.body, head, true);
                self.f.current = exit;
                self.finish_breaks();
            }
            Stmt::DoWhile(w) => {
                let head = self.add(NodeKind::Nop, self.span(w.span));
                // the test runs after the body and loops back to the head
                self.f.current = self.loop_body(label, &[], &w.body, head, false);
                self.unit(w.span, |b| {
                    b.test(&w.test);
                });
                let cur = self.f.current.clone();
                self.link(&cur, head);
                self.finish_breaks();
            }
            Stmt::For(fs) => {
                let mut names = Vec::new();
                if let Some(VarDeclOrExpr::VarDecl(v)) = &fs.init {
                    if v.kind != VarDeclKind::Var {
                        v.decls.iter().for_each(|d| pat_names(&d.name, &mut names));
                    }
                }
                self.scopes.push(names);
                match &fs.init {
                    Some(VarDeclOrExpr::VarDecl(v)) => self.var_decl(v),
                    Some(VarDeclOrExpr::Expr(e)) => self.unit(fs.span, |b| {
                        b.expr(e);
                    }),
                    None => {}
                }
                let head = self.add(NodeKind::Nop, self.span(fs.span));
                let (tests, exit) = match &fs.test {
                    Some(t) => {
                        self.f.unit_stack.push(UnitAcc::default());
                        let (tests, exit) = self.condition(t);
                        self.end_unit_at(fs.span);
                        (tests, exit)
                    }
                    None => (Vec::new(), Vec::new()),
                };
                self.f.breakables.push(Breakable { label, is_loop: true, breaks: Vec::new(), continues: Vec::new() });
                let mark = self.f.guards.len();
                self.f.guards.extend(tests);
                self.stmt(&fs.body);
                self.f.guards.truncate(mark);
                let conts = mem::take(&mut self.f.breakables.last_mut().expect("loop").continues);
                self.merge(conts);
                if let Some(u) = &fs.update {
                    self.unit(fs.span, |b| {
                        b.expr(u);
                    });
                }
                let cur = mem::take(&mut self.f.current);
                self.link(&cur, head);
                self.f.current = exit;
                self.finish_breaks();
                self.scopes.pop();
            }
            Stmt::ForIn(fi) => self.for_in_of(label, &fi.left, &fi.right, &fi.body, fi.span, false),
            Stmt::ForOf(fo) => self.for_in_of(label, &fo.left, &fo.right, &fo.body, fo.span, fo.is_await),
            Stmt::Decl(d) => self.decl(d),
            Stmt::Expr(e) => self.unit(e.span, |b| {
                // `save();`, `void load();`: nobody waits for the promise
                let call = match unparen(&e.expr) {
                    Expr::Unary(u) if u.op == UnaryOp::Void => unparen(&u.arg),
                    other => other,
                };
                let saved = b.f.detach.take();
                if let Expr::Call(c) = call {
                    b.f.detach = Some(c.span);
                }
                b.expr(&e.expr);
                b.f.detach = saved;
            }),
        }
    }

    /// Ends the unit of a condition. Conditions are not units of data flow: comparing a value
    /// read earlier with a fresh read (`if (nonce !== counterNonce) return;`) is a check for a
    /// change, not a mix of old and new values.
    /// Ends a condition's unit: conditions are checks, not torn reads.
    pub(super) fn end_unit_at(&mut self, _span: swc_common::Span) {
        self.f.unit_stack.pop();
    }

    /// Walks a loop body; the body's end and every `continue` flow back to `head`.
    pub(super) fn loop_body(&mut self, label: Option<Atom>, tests: &[NodeId], body: &Stmt, head: NodeId, link_head: bool) -> Vec<NodeId> {
        self.f.breakables.push(Breakable { label, is_loop: true, breaks: Vec::new(), continues: Vec::new() });
        let mark = self.f.guards.len();
        self.f.guards.extend_from_slice(tests);
        self.stmt(body);
        self.f.guards.truncate(mark);
        let conts = mem::take(&mut self.f.breakables.last_mut().expect("loop").continues);
        let mut end = mem::take(&mut self.f.current);
        for c in conts {
            if !end.contains(&c) {
                end.push(c);
            }
        }
        if link_head {
            self.link(&end, head);
        }
        end
    }

    pub(super) fn finish_breaks(&mut self) {
        if let Some(b) = self.f.breakables.pop() {
            self.merge(b.breaks);
        }
    }

    pub(super) fn labeled_block(&mut self, label: Atom, stmts: &[Stmt]) {
        self.f.breakables.push(Breakable { label: Some(label), is_loop: false, breaks: Vec::new(), continues: Vec::new() });
        self.block(stmts);
        if let Some(b) = self.f.breakables.pop() {
            self.merge(b.breaks);
        }
    }

    pub(super) fn breakable(&self, label: Option<&Atom>, for_continue: bool) -> Option<usize> {
        self.f.breakables.iter().enumerate().rev().find_map(|(i, b)| {
            let ok = match label {
                Some(l) => b.label.as_ref() == Some(l),
                None => b.is_loop || (!for_continue && b.label.is_none()),
            };
            let ok = ok && (!for_continue || b.is_loop);
            ok.then_some(i)
        })
    }

    /// `return` or `throw`: control leaves through the innermost `finally`, the innermost
    /// inlined `.then` callback, or the function.
    pub(super) fn exit(&mut self, throw: bool) {
        self.defer_then_callbacks();
        let cur = mem::take(&mut self.f.current);
        self.propagate(cur, throw);
    }

    pub(super) fn propagate(&mut self, nodes: Vec<NodeId>, throw: bool) {
        if nodes.is_empty() {
            return;
        }
        if let Some(t) = self.f.tries.last_mut() {
            if throw {
                t.throws.extend(nodes);
            } else {
                t.returns.extend(nodes);
            }
        } else if let Some(r) = self.f.inline_returns.last_mut() {
            r.extend(nodes);
        }
    }

    pub(super) fn if_stmt(&mut self, i: &IfStmt) {
        self.f.unit_stack.push(UnitAcc::default());
        let (tests, before) = self.condition(&i.test);
        self.end_unit_at(i.span);
        let mark = self.f.guards.len();
        self.f.guards.extend_from_slice(&tests);
        let cons_start = self.f.nodes.len();
        let decision = self.decision_of(&i.test);
        self.f.decision_stack.extend(decision);
        let param_tests = self.param_tests_of(&i.test);
        let negated = Self::negated(&param_tests);
        let tests_mark = self.open_tests(param_tests);
        self.stmt(&i.cons);
        self.close_tests(tests_mark);
        let cons_end = NodeId::from_index(self.f.nodes.len());
        let after_cons = mem::replace(&mut self.f.current, before);
        if let Some((k, v)) = decision {
            self.f.decision_stack.pop();
            self.f.decision_stack.push((k, !v));
        }
        // `if (busy) return;`: a plain flag, and the branch leaves the function awaiting nothing
        if plain_flags(&i.test) && after_cons.is_empty() && self.awaits_only_tested_state(cons_start, &tests) {
            self.f.bail_tests.extend_from_slice(&tests);
        }
        if let Some(alt) = &i.alt {
            let tests_mark = self.open_tests(negated.clone());
            self.stmt(alt);
            self.close_tests(tests_mark);
        }
        if decision.is_some() {
            self.f.decision_stack.pop();
        }
        self.f.guards.truncate(mark);
        self.f.block_guard = None;
        let cons_exits = after_cons.is_empty();
        self.merge(after_cons);
        if i.alt.is_none() && cons_exits && !tests.is_empty() {
            self.f.exit_tests.extend_from_slice(&tests);
            self.f.exit_ends.extend(tests.iter().map(|_| cons_end));
            // `if (!x) return;`, `if (id === undefined || !list[id]) return;`
            if unset_checks_only(&i.test) {
                self.f.preconditions.extend_from_slice(&tests);
            }
            self.f.block_guard = Some(tests);
        }
        if i.alt.is_none() && cons_exits {
            self.f.block_tests = negated.map(|t| (i.span.lo, t));
        }
    }

    /// Whether every await among the nodes built since `start` waits for the tested state
    /// itself (`if (pending) { await pending; return; }`: joining the work in flight) or there
    /// is none. Awaiting anything else (`if (active) return await original(o)`) does the work
    /// another way, and the test is no lock.
    pub(super) fn awaits_only_tested_state(&self, start: usize, tests: &[NodeId]) -> bool {
        let tested: Vec<&Access> = tests
            .iter()
            .filter_map(|&t| match &self.f.nodes[t.index()].kind {
                NodeKind::Read { access, .. } => Some(access),
                _ => None,
            })
            .collect();
        (start..self.f.nodes.len()).all(|i| match self.f.nodes[i].kind {
            NodeKind::Await(AwaitKind::Await) => {
                i > start && matches!(&self.f.nodes[i - 1].kind, NodeKind::Read { access, .. } if tested.contains(&access))
            }
            NodeKind::Await(_) => false,
            _ => true,
        })
    }

    pub(super) fn switch(&mut self, sw: &SwitchStmt, label: Option<Atom>) {
        self.unit(sw.span, |b| {
            b.expr(&sw.discriminant);
        });
        let entry = self.f.current.clone();
        let mut names = Vec::new();
        sw.cases.iter().for_each(|c| lexical_names(&c.cons, &mut names));
        self.scopes.push(names);
        self.f.breakables.push(Breakable { label, is_loop: false, breaks: Vec::new(), continues: Vec::new() });
        let mut fallthrough: Vec<NodeId> = Vec::new();
        let mut has_default = false;
        // `switch (type)` on a parameter: a case entered only from the switch (not by falling
        // through) runs where the parameter is its constant; `default`, where it is none of them
        let switched = self.switched_param(&sw.discriminant);
        let mut case_consts: Vec<Option<Const>> = Vec::new();
        for (ci, case) in sw.cases.iter().enumerate() {
            self.f.current = entry.clone();
            match &case.test {
                Some(t) => self.unit(case.span, |b| {
                    b.expr(t);
                }),
                None => has_default = true,
            }
            let constant = match (&switched, &case.test) {
                (Some(_), Some(t)) => self.const_of(t).filter(|c| matches!(c, Const::Lit { key: 1.., .. } | Const::Member(_))),
                _ => None,
            };
            let tests = match (&switched, &case.test, fallthrough.is_empty()) {
                (Some(p), Some(_), true) => constant.clone().map(|c| vec![ParamTest { equals: Some(c), ..p.clone() }]),
                // (the last case: the others' constants are known by now)
                (Some(p), None, true) if ci + 1 == sw.cases.len() => case_consts
                    .iter()
                    .map(|c| Some(ParamTest { equals: Some(c.clone()?), holds: false, ..p.clone() }))
                    .collect::<Option<Vec<_>>>(),
                _ => None,
            };
            if case.test.is_some() {
                case_consts.push(constant);
            }
            self.merge(mem::take(&mut fallthrough));
            let tests_mark = self.open_tests(tests);
            self.block_stmts(&case.cons);
            self.close_tests(tests_mark);
            fallthrough = mem::take(&mut self.f.current);
        }
        self.f.current = fallthrough;
        if !has_default {
            self.merge(entry);
        }
        if let Some(b) = self.f.breakables.pop() {
            self.merge(b.breaks);
        }
        self.scopes.pop();
    }

    pub(super) fn try_stmt(&mut self, t: &TryStmt) {
        let start = self.f.current.clone();
        self.f.tries.push(TryCtx::default());
        self.block(&t.block.stmts);
        let ctx = self.f.tries.pop().unwrap_or_default();
        let mut normal = mem::take(&mut self.f.current);
        let mut returns = ctx.returns;
        let mut throws_out = Vec::new();
        if let Some(h) = &t.handler {
            // a rejection or throw lands in the catch from the start of the block, any await
            // in it, or a throw
            self.f.current = start;
            self.merge(ctx.awaits);
            self.merge(ctx.throws);
            let mut names = Vec::new();
            if let Some(p) = &h.param {
                pat_names(p, &mut names);
            }
            self.scopes.push(names);
            self.f.tries.push(TryCtx::default());
            self.block(&h.body.stmts);
            let inner = self.f.tries.pop().unwrap_or_default();
            returns.extend(inner.returns);
            throws_out.extend(inner.throws);
            throws_out.extend(inner.awaits);
            self.scopes.pop();
            for n in mem::take(&mut self.f.current) {
                if !normal.contains(&n) {
                    normal.push(n);
                }
            }
        } else {
            throws_out.extend(ctx.throws);
            throws_out.extend(ctx.awaits);
        }
        match &t.finalizer {
            Some(fin) => {
                let only_abrupt = normal.is_empty();
                let abrupt = !returns.is_empty() || !throws_out.is_empty();
                self.f.current = normal;
                self.merge(returns);
                self.merge(throws_out);
                self.block(&fin.stmts);
                if only_abrupt {
                    self.exit(false);
                } else if abrupt {
                    let cur = self.f.current.clone();
                    self.propagate(cur, false);
                }
            }
            None => {
                self.f.current = normal;
                self.propagate(returns, false);
                self.propagate(throws_out, true);
            }
        }
    }

    pub(super) fn for_in_of(
        &mut self,
        label: Option<Atom>,
        left: &ForHead,
        right: &Expr,
        body: &Stmt,
        span: swc_common::Span,
        is_await: bool,
    ) {
        let mut names = Vec::new();
        if let ForHead::VarDecl(v) = left {
            if v.kind != VarDeclKind::Var {
                v.decls.iter().for_each(|d| pat_names(&d.name, &mut names));
            }
        }
        self.scopes.push(names);
        let mut val = Val::default();
        self.unit(span, |b| {
            val = b.expr(right);
        });
        val.copy = true;
        val.param = None;
        val.literal = 0;
        let head = self.add(NodeKind::Nop, self.span(span));
        if is_await {
            self.await_node(AwaitKind::ForAwait, span);
        }
        let exit = self.f.current.clone();
        match left {
            ForHead::VarDecl(v) => {
                for d in &v.decls {
                    self.bind_pat(&d.name, &val, true);
                }
            }
            ForHead::UsingDecl(u) => {
                for d in &u.decls {
                    self.bind_pat(&d.name, &val, true);
                }
            }
            ForHead::Pat(p) => self.bind_pat(p, &val, false),
        }
        self.loop_body(label, &[], body, head, true);
        self.f.current = exit;
        self.finish_breaks();
        self.scopes.pop();
    }
}
