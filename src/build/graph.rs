//! Graph primitives: nodes and edges, the frontier, reads and writes, awaits, units of data flow and conditions (kept out of the AST walk, as oxc's CFG builder keeps them).

use super::*;

impl<'h> Builder<'h> {
    pub(super) fn add(&mut self, kind: NodeKind, span: facts::Span) -> NodeId {
        let f = &mut self.f;
        let id = NodeId::from_index(f.nodes.len());
        let guards = match kind {
            NodeKind::Write { .. } | NodeKind::Call { .. } | NodeKind::Resume { .. } => {
                f.guards.iter().rev().take(MAX_GUARDS).copied().collect()
            }
            _ => NodeList::new(),
        };
        if matches!(kind, NodeKind::Read { .. } | NodeKind::Call { .. }) {
            if let Some(u) = f.unit_stack.last_mut() {
                extend_capped(&mut u.fresh, &[id]);
            }
        }
        if matches!(kind, NodeKind::Await(_)) {
            f.has_await = true;
            if let Some(u) = f.unit_stack.last_mut() {
                u.awaits = true;
            }
            // a `.then` callback runs after the synchronous run, outside any `try` around the
            // call: a rejection reaches the derived promise, never this `catch`
            if let (Some(t), false) = (f.tries.last_mut(), matches!(kind, NodeKind::Await(AwaitKind::Then))) {
                t.awaits.push(id);
            }
        }
        for &p in &f.current {
            let succ = &mut f.nodes[p.index()].succ;
            if !succ.contains(&id) {
                succ.push(id);
            }
        }
        let decision = f.decision_id();
        if matches!(kind, NodeKind::Read { .. } | NodeKind::Write { .. } | NodeKind::Call { .. } | NodeKind::Await(_)) {
            let tests = f.tests_id();
            if tests != 0 {
                f.tested.push((id, tests));
            }
        }
        f.nodes.push(Node { kind, span, succ: NodeList::new(), guards, decision });
        f.current.clear();
        f.current.push(id);
        id
    }

    pub(super) fn link(&mut self, from: &[NodeId], to: NodeId) {
        for &p in from {
            let succ = &mut self.f.nodes[p.index()].succ;
            if !succ.contains(&to) {
                succ.push(to);
            }
        }
    }

    pub(super) fn merge(&mut self, other: Vec<NodeId>) {
        for n in other {
            if !self.f.current.contains(&n) {
                self.f.current.push(n);
            }
        }
        // a join node keeps the frontier small, so deeply nested branches stay linear
        if self.f.current.len() > 8 {
            let span = self.f.nodes[self.f.current[0].index()].span;
            self.add(NodeKind::Nop, span);
        }
    }

    pub(super) fn read(&mut self, access: Access, span: swc_common::Span) -> Val {
        // what is only logged changes nothing the program does
        if self.f.logging > 0 {
            return Val::default();
        }
        let test = self.f.test_depth > 0;
        let span = self.span(span);
        let id = self.add(NodeKind::Read { access, test }, span);
        Val { sources: smallvec::smallvec![id], literal: 0, copy: true, module: false, param: None }
    }

    pub(super) fn write(&mut self, access: Access, kind: WriteKind, value: Val, span: swc_common::Span) -> NodeId {
        let span = self.span(span);
        // `cache[key] = v`, `chat[i].mes = v`, `delete map[k]`: one element, complete on its own
        let kind = match kind {
            WriteKind::Assign | WriteKind::Delete if access.field.as_deref() == Some(facts::ANY_FIELD) => WriteKind::Keyed,
            k => k,
        };
        let value = value.info();
        let param = value.param.and_then(|p| self.f.params.get(p as usize).cloned().flatten());
        let id = self.add(NodeKind::Write { access, kind, value }, span);
        if let Some(sym) = param {
            self.f.param_writes.push((id, sym));
        }
        id
    }

    pub(super) fn await_node(&mut self, kind: AwaitKind, span: swc_common::Span) -> NodeId {
        if kind != AwaitKind::Then {
            self.defer_then_callbacks();
        }
        let span = self.span(span);
        self.add(NodeKind::Await(kind), span)
    }

    /// Runs `f` as one statement-level unit of data flow.
    pub(super) fn unit(&mut self, span: swc_common::Span, f: impl FnOnce(&mut Self)) {
        self.f.unit_stack.push(UnitAcc::default());
        f(self);
        let u = self.f.unit_stack.pop().unwrap_or_default();
        // values read through locals and fresh reads, or fresh reads on both sides of an
        // await inside the statement itself
        if (!u.stale.is_empty() && !u.fresh.is_empty()) || (u.awaits && u.fresh.len() >= 2) {
            let span = self.span(span);
            self.f.units.push(Unit { span, stale: u.stale, fresh: u.fresh });
        }
    }

    /// The branch decision a condition makes, when it is a plain value fixed for the whole
    /// call (`c`, `!c`, `!!c` on a parameter or a top-level local of this function): the
    /// value's key and whether the branch runs when it is truthy.
    pub(super) fn decision_of(&mut self, e: &Expr) -> Option<(u32, bool)> {
        match unparen(e) {
            Expr::Unary(u) if u.op == UnaryOp::Bang => self.decision_of(&u.arg).map(|(k, v)| (k, !v)),
            Expr::Ident(i) => match self.scopes.resolve(&i.sym) {
                Resolved::Local(scope) if Some(scope) == self.f.scope && self.f.fixed_names.contains(&i.sym) => {
                    let next = self.f.decision_keys.len() as u32;
                    Some((*self.f.decision_keys.entry((scope, i.sym.clone())).or_insert(next), true))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Evaluates a condition: reads in it are tests, and the returned nodes guard what it
    /// controls.
    /// A statement's condition: its test nodes, and where control goes when it is false. Left
    /// as the current frontier is where it goes when true: for `a && b`, only through `b` (the
    /// branch never runs when `a` fails, so a loop's body is not reached from `a` past `b`); a
    /// failing `a` goes to the false side with a failing `b`.
    pub(super) fn condition(&mut self, e: &Expr) -> (Vec<NodeId>, Vec<NodeId>) {
        let (mut tests, mut falsy) = (Vec::new(), Vec::new());
        self.condition_parts(e, &mut tests, &mut falsy);
        falsy.sort_unstable();
        falsy.dedup();
        (tests, falsy)
    }

    pub(super) fn condition_parts(&mut self, e: &Expr, tests: &mut Vec<NodeId>, falsy: &mut Vec<NodeId>) {
        match unparen(e) {
            Expr::Bin(b) if b.op == BinaryOp::LogicalAnd => {
                stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.condition_parts(&b.left, tests, falsy));
                stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.condition_parts(&b.right, tests, falsy));
            }
            _ => {
                let leaf = self.test(e);
                if unset_check(e) {
                    self.f.unset_tests.extend_from_slice(&leaf);
                }
                tests.extend(leaf);
                falsy.extend_from_slice(&self.f.current);
            }
        }
    }

    /// Evaluates `f` outside the current statement's data flow: its reads and the earlier values
    /// it uses are not mixed into the statement's unit (a comparison, a lookup key), though the
    /// nodes it builds and the value it returns are kept.
    pub(super) fn outside_unit<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.f.unit_stack.push(UnitAcc::default());
        let v = f(self);
        self.f.unit_stack.pop();
        v
    }

    /// Records what reaches a return; past the bound, every read counts as returned.
    pub(super) fn note_returned(&mut self, sources: &[NodeId]) {
        extend_capped(&mut self.f.returned, sources);
        if sources.iter().any(|s| !self.f.returned.contains(s)) {
            self.f.returns_all = true;
        }
    }

    pub(super) fn test(&mut self, e: &Expr) -> Vec<NodeId> {
        let start = self.f.nodes.len();
        self.f.test_depth += 1;
        self.expr(e);
        self.f.test_depth -= 1;
        (start..self.f.nodes.len())
            .filter(|&i| matches!(self.f.nodes[i].kind, NodeKind::Read { test: true, .. } | NodeKind::Call { test: true, .. }))
            .map(NodeId::from_index)
            .collect()
    }
}
