//! Expressions in evaluation order: operators, object literals, members, updates, assignments and `await`.

use super::*;

impl<'h> Builder<'h> {
    pub(super) fn expr(&mut self, e: &Expr) -> Val {
        self.nesting += 1;
        let v = if self.nesting.is_multiple_of(STACK_CHECK_EVERY) {
            stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.expr_inner(e))
        } else {
            self.expr_inner(e)
        };
        self.nesting -= 1;
        v
    }

    pub(super) fn exprs<'a>(&mut self, es: impl IntoIterator<Item = &'a Expr>) -> Val {
        let mut v = Val::default();
        for e in es {
            let x = self.expr(e);
            extend_capped(&mut v.sources, &x.sources);
        }
        v
    }

    pub(super) fn expr_inner(&mut self, e: &Expr) -> Val {
        match e {
            Expr::This(_) | Expr::MetaProp(_) | Expr::PrivateName(_) | Expr::Invalid(_) => Val::default(),
            Expr::Lit(_) => Val::literal(e),
            Expr::Array(a) => {
                let v = self.exprs(a.elems.iter().flatten().map(|e| &*e.expr));
                Val { literal: literal_key(e), ..v }
            }
            Expr::Object(o) => self.object(o),
            Expr::Fn(f) => {
                let name = self.take_name(f.ident.as_ref());
                self.function_node(&name, &f.function, false);
                Val::default()
            }
            Expr::Arrow(a) => {
                self.arrow(a);
                Val::default()
            }
            Expr::Class(c) => {
                let name = c.ident.as_ref().map(|i| i.sym.clone()).unwrap_or_else(|| Atom::from(self.take_name(None)));
                self.class(&name, &c.class, false);
                Val::default()
            }
            Expr::Unary(u) => {
                if u.op == UnaryOp::Delete {
                    if let Expr::Member(m) = unparen(&u.arg) {
                        if let Some(access) = self.member_access(m) {
                            self.member_keys(m);
                            self.write(access, WriteKind::Delete, Val::default(), u.span);
                            return Val::default();
                        }
                    }
                }
                let v = self.expr(&u.arg);
                Val { literal: literal_key(e), copy: false, ..v }
            }
            Expr::Update(u) => self.update(&u.arg, u.span),
            Expr::Bin(b) => match b.op {
                BinaryOp::LogicalAnd | BinaryOp::LogicalOr | BinaryOp::NullishCoalescing => {
                    let is_test = b.op != BinaryOp::NullishCoalescing;
                    let mut left = Val::default();
                    let tests = if is_test {
                        let start = self.f.nodes.len();
                        let t = self.test(&b.left);
                        // values of the left operand may be the result
                        for i in start..self.f.nodes.len() {
                            if matches!(self.f.nodes[i].kind, NodeKind::Read { .. }) {
                                extend_capped(&mut left.sources, &[NodeId::from_index(i)]);
                            }
                        }
                        t
                    } else {
                        left = self.expr(&b.left);
                        Vec::new()
                    };
                    let before = self.f.current.clone();
                    let mark = self.f.guards.len();
                    self.f.guards.extend(tests);
                    let right = self.expr(&b.right);
                    self.f.guards.truncate(mark);
                    self.merge(before);
                    left.join(right);
                    left
                }
                // an equality in a condition: record what it compares (earlier values through
                // locals against fresh reads), for telling a compare-and-set
                // (`!==` is left out: a write when the value changed is no compare-and-set)
                // (`!==` is kept apart: its false side, past `if (mine !== token) return;`, is
                // where the two are equal)
                BinaryOp::EqEqEq | BinaryOp::EqEq | BinaryOp::NotEqEq | BinaryOp::NotEq if self.f.test_depth > 0 => {
                    let equal = matches!(b.op, BinaryOp::EqEqEq | BinaryOp::EqEq);
                    self.f.unit_stack.push(UnitAcc::default());
                    let mut l = self.expr(&b.left);
                    let r = self.expr(&b.right);
                    let u = self.f.unit_stack.pop().unwrap_or_default();
                    // against a value this call holds (`activeRun === run`): a compare-and-set
                    if let Some(held) = self.held_value(&b.left).or_else(|| self.held_value(&b.right)) {
                        for &r in &u.fresh {
                            self.f.identity_tests.push((r, held, equal));
                        }
                    }
                    if !u.stale.is_empty() && !u.fresh.is_empty() {
                        let span = self.span(b.span);
                        let unit = Unit { span, stale: u.stale.clone(), fresh: u.fresh.clone() };
                        if equal {
                            self.f.conditions.push(unit);
                        } else {
                            self.f.inequalities.push(unit);
                        }
                    }
                    if let Some(outer) = self.f.unit_stack.last_mut().filter(|_| equal) {
                        extend_capped(&mut outer.stale, &u.stale);
                        extend_capped(&mut outer.fresh, &u.fresh);
                    }
                    l.join(r);
                    l
                }
                // an equality outside a condition (`applied = turnId === myTurnId`) compares
                // an earlier value with a fresh one to see whether it changed: a check for
                // change, not a mix of old and new values in one result
                BinaryOp::EqEqEq | BinaryOp::EqEq | BinaryOp::NotEqEq | BinaryOp::NotEq => self.outside_unit(|b2| {
                    let mut l = b2.expr(&b.left);
                    let r = b2.expr(&b.right);
                    l.join(r);
                    l
                }),
                _ => {
                    let mut l = self.expr(&b.left);
                    let r = self.expr(&b.right);
                    l.join(r);
                    l
                }
            },
            Expr::Assign(a) => self.assign(a),
            Expr::Member(m) => self.member(m),
            Expr::SuperProp(s) => {
                if let SuperProp::Computed(c) = &s.prop {
                    self.expr(&c.expr);
                }
                Val::default()
            }
            Expr::Cond(c) => {
                let tests = self.test(&c.test);
                let before = self.f.current.clone();
                let mark = self.f.guards.len();
                self.f.guards.extend(tests);
                let decision = self.decision_of(&c.test);
                self.f.decision_stack.extend(decision);
                let param_tests = self.param_tests_of(&c.test);
                let negated = Self::negated(&param_tests);
                let tests_mark = self.open_tests(param_tests);
                let mut v = self.expr(&c.cons);
                self.close_tests(tests_mark);
                let after_cons = mem::replace(&mut self.f.current, before);
                if let Some((k, t)) = decision {
                    self.f.decision_stack.pop();
                    self.f.decision_stack.push((k, !t));
                }
                let tests_mark = self.open_tests(negated);
                let alt = self.expr(&c.alt);
                self.close_tests(tests_mark);
                if decision.is_some() {
                    self.f.decision_stack.pop();
                }
                self.f.guards.truncate(mark);
                self.merge(after_cons);
                let same_literal = if v.literal == alt.literal { v.literal } else { 0 };
                v.join(alt);
                v.literal = same_literal;
                v
            }
            Expr::Call(c) => {
                let callee = match &c.callee {
                    swc_ecma_ast::Callee::Expr(e) => Some(&**e),
                    _ => None,
                };
                let mut v = self.call(c.span, callee, &c.args);
                // `import(x)` settles to the one namespace object of module `x`, however often
                // and by whichever task it is called
                v.module = matches!(c.callee, swc_ecma_ast::Callee::Import(_));
                v
            }
            Expr::New(n) => {
                self.expr(&n.callee);
                let first_fn = self.functions.len();
                match &n.args {
                    Some(args) => {
                        let v = self.exprs(args.iter().map(|a| &*a.expr));
                        self.note_callbacks(n.span, &|| format!("new {}", callback_path(&n.callee)), args, first_fn);
                        v
                    }
                    None => Val::default(),
                }
            }
            Expr::Seq(s) => {
                let mut last = Val::default();
                for e in &s.exprs {
                    last = self.expr(e);
                }
                last
            }
            Expr::Ident(i) => self.ident(i),
            Expr::Tpl(t) => {
                let v = self.exprs(t.exprs.iter().map(|e| &**e));
                Val { literal: literal_key(e), ..v }
            }
            Expr::TaggedTpl(t) => {
                self.expr(&t.tag);
                self.exprs(t.tpl.exprs.iter().map(|e| &**e))
            }
            Expr::Yield(y) => {
                let v = y.arg.as_ref().map(|a| self.expr(a)).unwrap_or_default();
                if self.f.is_async && self.f.is_generator {
                    self.await_node(AwaitKind::Yield, y.span);
                }
                v
            }
            Expr::Await(a) => self.await_expr(a),
            Expr::Paren(p) => self.expr(&p.expr),
            Expr::TsTypeAssertion(t) => self.expr(&t.expr),
            Expr::TsConstAssertion(t) => self.expr(&t.expr),
            Expr::TsNonNull(t) => self.expr(&t.expr),
            Expr::TsAs(t) => self.expr(&t.expr),
            Expr::TsInstantiation(t) => self.expr(&t.expr),
            Expr::TsSatisfies(t) => self.expr(&t.expr),
            Expr::OptChain(o) => match &*o.base {
                OptChainBase::Member(m) => self.member(m),
                OptChainBase::Call(c) => self.call(c.span, Some(&c.callee), &c.args),
            },
            Expr::JSXElement(el) => {
                self.jsx_element(el);
                Val::default()
            }
            Expr::JSXFragment(fr) => {
                self.jsx_children(&fr.children);
                Val::default()
            }
            Expr::JSXMember(_) | Expr::JSXNamespacedName(_) | Expr::JSXEmpty(_) => Val::default(),
        }
    }

    pub(super) fn jsx_element(&mut self, el: &JSXElement) {
        for attr in &el.opening.attrs {
            match attr {
                JSXAttrOrSpread::JSXAttr(a) => match &a.value {
                    Some(JSXAttrValue::JSXExprContainer(c)) => {
                        if let JSXExpr::Expr(e) = &c.expr {
                            self.expr(e);
                        }
                    }
                    Some(JSXAttrValue::JSXElement(e)) => self.jsx_element(e),
                    Some(JSXAttrValue::JSXFragment(f)) => self.jsx_children(&f.children),
                    _ => {}
                },
                JSXAttrOrSpread::SpreadElement(s) => {
                    self.expr(&s.expr);
                }
            }
        }
        self.jsx_children(&el.children);
    }

    pub(super) fn jsx_children(&mut self, children: &[JSXElementChild]) {
        for c in children {
            match c {
                JSXElementChild::JSXExprContainer(c) => {
                    if let JSXExpr::Expr(e) = &c.expr {
                        self.expr(e);
                    }
                }
                JSXElementChild::JSXSpreadChild(s) => {
                    self.expr(&s.expr);
                }
                JSXElementChild::JSXElement(e) => self.jsx_element(e),
                JSXElementChild::JSXFragment(f) => self.jsx_children(&f.children),
                JSXElementChild::JSXText(_) => {}
            }
        }
    }

    pub(super) fn object(&mut self, o: &ObjectLit) -> Val {
        let prefix = self.object_prefix.take();
        let mut v = Val {
            literal: if o.props.is_empty() { literal_key(&Expr::Object(ObjectLit { span: o.span, props: Vec::new() })) } else { 0 },
            ..Default::default()
        };
        for p in &o.props {
            match p {
                PropOrSpread::Spread(s) => {
                    let x = self.expr(&s.expr);
                    extend_capped(&mut v.sources, &x.sources);
                }
                PropOrSpread::Prop(p) => match &**p {
                    Prop::Shorthand(i) => {
                        let x = self.ident(i);
                        extend_capped(&mut v.sources, &x.sources);
                    }
                    Prop::KeyValue(kv) => {
                        if let PropName::Computed(c) = &kv.key {
                            self.expr(&c.expr);
                        }
                        let key = key_name(&kv.key);
                        if is_fn_expr(&kv.value) {
                            self.pending_name = key.clone();
                            let before = self.functions.len();
                            self.expr(&kv.value);
                            if let (Some(pre), Some(k)) = (&prefix, key) {
                                if self.functions.len() > before {
                                    self.fn_names.push((format!("{pre}.{k}"), (self.functions.len() - 1) as u32));
                                    self.mark_replaceable((self.functions.len() - 1) as u32);
                                }
                            }
                        } else {
                            let x = self.expr(&kv.value);
                            extend_capped(&mut v.sources, &x.sources);
                        }
                    }
                    Prop::Assign(a) => {
                        let x = self.expr(&a.value);
                        extend_capped(&mut v.sources, &x.sources);
                    }
                    Prop::Getter(g) => {
                        let name = key_name(&g.key).unwrap_or_else(|| "getter".into());
                        self.this_ctx.push(None);
                        self.function_node(&name, &g.function, true);
                        self.this_ctx.pop();
                    }
                    Prop::Setter(s) => {
                        let name = key_name(&s.key).unwrap_or_else(|| "setter".into());
                        self.this_ctx.push(None);
                        self.function_node(&name, &s.function, true);
                        self.this_ctx.pop();
                    }
                    Prop::Method(m) => {
                        let key = key_name(&m.key).unwrap_or_else(|| "method".into());
                        self.this_ctx.push(None);
                        let id = self.function_node(&key, &m.function, true);
                        self.this_ctx.pop();
                        if let Some(pre) = &prefix {
                            self.fn_names.push((format!("{pre}.{key}"), id));
                            self.mark_replaceable(id);
                        }
                    }
                },
            }
        }
        v
    }

    /// For an operand that is a plain identifier of a local or parameter (not a module
    /// binding, a global or `undefined`): the parameter's index, or `IDENTITY_LOCAL`.
    fn held_value(&self, e: &Expr) -> Option<u8> {
        let Expr::Ident(i) = crate::build::ast::unparen(e) else { return None };
        let Resolved::Local(scope) = self.scopes.resolve(&i.sym) else { return None };
        let param = (Some(scope) == self.f.scope).then(|| self.f.params.iter().position(|p| p.as_ref() == Some(&i.sym))).flatten();
        Some(
            param.and_then(|p| u8::try_from(p).ok()).filter(|&p| p != crate::facts::IDENTITY_LOCAL).unwrap_or(crate::facts::IDENTITY_LOCAL),
        )
    }

    pub(super) fn ident(&mut self, i: &Ident) -> Val {
        match self.scopes.resolve(&i.sym) {
            Resolved::Local(scope) => {
                let taint = self.f.taint.get(&(scope, i.sym.clone())).cloned().unwrap_or_default();
                if let Some(u) = self.f.unit_stack.last_mut() {
                    extend_capped(&mut u.stale, &taint);
                }
                let param = if Some(scope) == self.f.scope {
                    self.f.params.iter().position(|p| p.as_ref() == Some(&i.sym)).and_then(|p| u8::try_from(p).ok())
                } else {
                    None
                };
                Val { sources: taint, literal: 0, copy: true, module: false, param }
            }
            Resolved::Module(ModuleBinding::Variable) => {
                let state = self.binding_state(&i.sym);
                self.read(Access { state, field: None }, i.span)
            }
            Resolved::Module(ModuleBinding::Import) => match self.import_of.get(&i.sym) {
                Some(&import) => {
                    let state = self.import_state(&i.sym, import);
                    self.read(Access { state, field: None }, i.span)
                }
                None => Val::default(),
            },
            _ if &*i.sym == "undefined" => Val { literal: literal_key(&Expr::Ident(i.clone())), ..Default::default() },
            _ => Val::default(),
        }
    }

    pub(super) fn member(&mut self, m: &MemberExpr) -> Val {
        if let Some(access) = self.member_access(m) {
            self.member_keys(m);
            return self.read(access, m.span);
        }
        let obj = self.expr(&m.obj);
        if let MemberProp::Computed(c) = &m.prop {
            self.expr(&c.expr);
        }
        Val { sources: obj.sources, literal: 0, copy: obj.copy, module: false, param: None }
    }

    pub(super) fn update(&mut self, arg: &Expr, span: swc_common::Span) -> Val {
        if let Expr::Ident(id) = unparen(arg) {
            if let Resolved::Local(scope) = self.scopes.resolve(&id.sym) {
                self.reassigned.insert((scope, id.sym.clone()));
            }
        }
        match unparen(arg) {
            Expr::Ident(id) if matches!(self.scopes.resolve(&id.sym), Resolved::Module(ModuleBinding::Variable)) => {
                let r = self.ident(id);
                let state = self.binding_state(&id.sym);
                self.write(Access { state, field: None }, WriteKind::Update, Val { copy: false, ..r.clone() }, span);
                r
            }
            Expr::Member(m) => {
                if let Some(access) = self.member_access(m) {
                    self.member_keys(m);
                    let r = self.read(access.clone(), m.span);
                    self.write(access, WriteKind::Update, Val { copy: false, ..r.clone() }, span);
                    return r;
                }
                self.member(m)
            }
            other => self.expr(other),
        }
    }

    pub(super) fn assign(&mut self, a: &AssignExpr) -> Val {
        if a.op == AssignOp::Assign {
            match &a.left {
                AssignTarget::Simple(SimpleAssignTarget::Ident(b)) => {
                    if is_fn_expr(&a.right) {
                        self.pending_name = Some(owned(&b.id.sym));
                    }
                    let v = self.expr(&a.right);
                    self.pending_plain = Some(plainly_not_thenable(&a.right));
                    self.assign_ident(&b.id, v.clone(), false, a.span);
                    self.pending_plain = None;
                    v
                }
                AssignTarget::Simple(SimpleAssignTarget::Member(m)) => {
                    if let Some(access) = self.member_access(m) {
                        self.member_keys(m);
                        let v = self.expr(&a.right);
                        let kind = match &m.prop {
                            MemberProp::Ident(i)
                                if &*i.sym == "length" && matches!(unparen(&a.right), Expr::Lit(Lit::Num(n)) if n.value == 0.0) =>
                            {
                                WriteKind::Replace
                            }
                            MemberProp::Ident(i) if &*i.sym == "length" && v.literal != 0 => WriteKind::Bulk,
                            _ => WriteKind::Assign,
                        };
                        self.write(access, kind, v.clone(), a.span);
                        return v;
                    }
                    // a local object or something unknown: evaluate the object, then the value
                    self.expr(&m.obj);
                    if let MemberProp::Computed(c) = &m.prop {
                        self.expr(&c.expr);
                    }
                    if is_fn_expr(&a.right) {
                        self.pending_name = member_path_text(m);
                    }
                    let v = self.expr(&a.right);
                    self.local_member_write(m, &v);
                    v
                }
                AssignTarget::Simple(other) => {
                    let v = self.expr(&a.right);
                    if let Some(e) = simple_target_expr(other) {
                        self.assign_to_expr(e, v.clone(), WriteKind::Assign);
                    }
                    v
                }
                AssignTarget::Pat(p) => {
                    let v = self.expr(&a.right);
                    match p {
                        AssignTargetPat::Array(arr) => self.bind_pat(&Pat::Array(arr.clone()), &v, false),
                        AssignTargetPat::Object(obj) => self.bind_pat(&Pat::Object(obj.clone()), &v, false),
                        AssignTargetPat::Invalid(_) => {}
                    }
                    v
                }
            }
        } else {
            // compound: read the target, evaluate the value, write
            let conditional = matches!(a.op, AssignOp::AndAssign | AssignOp::OrAssign | AssignOp::NullishAssign);
            let target: Option<Expr> = match &a.left {
                AssignTarget::Simple(SimpleAssignTarget::Ident(b)) => Some(Expr::Ident(b.id.clone())),
                AssignTarget::Simple(SimpleAssignTarget::Member(m)) => Some(Expr::Member(m.clone())),
                _ => None,
            };
            let Some(target) = target else {
                return self.expr(&a.right);
            };
            let access = match &target {
                Expr::Member(m) => self.member_access(m).map(|acc| (acc, m.span)),
                Expr::Ident(id) => match self.scopes.resolve(&id.sym) {
                    Resolved::Module(ModuleBinding::Variable) => {
                        Some((Access { state: self.binding_state(&id.sym), field: None }, id.span))
                    }
                    _ => None,
                },
                _ => None,
            };
            match access {
                Some((access, tspan)) => {
                    if let Expr::Member(m) = &target {
                        self.member_keys(m);
                    }
                    if conditional {
                        self.f.test_depth += 1;
                    }
                    let r = self.read(access.clone(), tspan);
                    if conditional {
                        self.f.test_depth -= 1;
                        // `x ||= v`, `x ??= v`: the write happens only while `x` is unset
                        if a.op != AssignOp::AndAssign {
                            self.f.unset_tests.extend_from_slice(&r.sources);
                        }
                    }
                    let before = self.f.current.clone();
                    let mark = self.f.guards.len();
                    if conditional {
                        self.f.guards.extend_from_slice(&r.sources);
                    }
                    let v = self.expr(&a.right);
                    let value = if conditional {
                        v.clone()
                    } else {
                        Val {
                            sources: r.sources.iter().chain(&v.sources).copied().collect(),
                            literal: 0,
                            copy: false,
                            module: false,
                            param: None,
                        }
                    };
                    let kind = if conditional { WriteKind::Assign } else { WriteKind::Compound };
                    self.write(access, kind, value, a.span);
                    self.f.guards.truncate(mark);
                    if conditional {
                        self.merge(before);
                    }
                    v
                }
                None => {
                    let mut r = self.expr(&target);
                    let v = self.expr(&a.right);
                    r.join(v);
                    self.assign_to_expr(&target, r.clone(), WriteKind::Compound);
                    r
                }
            }
        }
    }

    pub(super) fn await_expr(&mut self, a: &AwaitExpr) -> Val {
        self.f.then_tails.push(Vec::new());
        let saved_target = self.f.await_target.replace(unparen(&a.arg).span());
        let saved_call = self.f.awaited_call.take();
        let first_fn = self.functions.len();
        let v = self.expr(&a.arg);
        let call = mem::replace(&mut self.f.awaited_call, saved_call);
        self.f.await_target = saved_target;
        let tails = self.f.then_tails.pop().unwrap_or_default();
        let never_pending = self.never_pending(&a.arg, first_fn);
        let node = self.await_node(AwaitKind::Await, a.span);
        if never_pending {
            self.f.settled_awaits.push(node);
        }
        self.merge(tails);
        if let Some(call) = call {
            let span = self.span(a.span);
            self.add(NodeKind::Resume { call }, span);
        }
        Val { copy: false, literal: 0, ..v }
    }

    /// Whether an awaited value is never a pending promise, so the await lets no other task
    /// run: a value that is plainly no thenable (`await [a, b]`, `await undefined`), or
    /// `Promise.all`/`allSettled` of such values or of `xs.map(f)` with `f` written in place
    /// and never returning a pending promise (not `async` and returning no thenable, or `async`
    /// without an await). Such a promise settles within the microtasks already queued.
    fn never_pending(&self, e: &Expr, first_fn: usize) -> bool {
        let e = unparen(e);
        if !matches!(e, Expr::Await(_)) && plainly_not_thenable(e) {
            return true;
        }
        let Expr::Call(c) = e else { return false };
        let Callee::Expr(callee) = &c.callee else { return false };
        let Expr::Member(m) = unparen(callee) else { return false };
        let is_promise =
            matches!(unparen(&m.obj), Expr::Ident(o) if &*o.sym == "Promise" && self.scopes.resolve(&o.sym) == Resolved::Global);
        if !is_promise || !matches!(&m.prop, MemberProp::Ident(p) if matches!(&*p.sym, "all" | "allSettled")) || c.args.len() != 1 {
            return false;
        }
        if c.args[0].spread.is_some() {
            return false;
        }
        match unparen(&c.args[0].expr) {
            Expr::Array(a) => a.elems.iter().all(|el| {
                el.as_ref()
                    .is_some_and(|el| el.spread.is_none() && !matches!(unparen(&el.expr), Expr::Await(_)) && plainly_not_thenable(&el.expr))
            }),
            Expr::Call(map) => {
                let Callee::Expr(mc) = &map.callee else { return false };
                let Expr::Member(mm) = unparen(mc) else { return false };
                if !matches!(&mm.prop, MemberProp::Ident(p) if &*p.sym == "map") || map.args.is_empty() || map.args[0].spread.is_some() {
                    return false;
                }
                let span = match unparen(&map.args[0].expr) {
                    Expr::Arrow(a) => a.span,
                    Expr::Fn(f) => f.function.span,
                    _ => return false,
                };
                let span = self.span(span);
                self.functions[first_fn.min(self.functions.len())..]
                    .iter()
                    .find(|f| f.span == span)
                    .is_some_and(|f| !f.may_return_promise && (!f.is_async || !f.has_await))
            }
            _ => false,
        }
    }
}
