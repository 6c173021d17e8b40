//! What branches know about a function's parameters (`if (force)`, `case TYPES.GLOBAL:`,
//! `if (!options.quiet) return;`), and which arguments of a call are constants: together they
//! let a call with constant arguments skip what its callee does only for other arguments.

use super::*;
use crate::facts::{CallConsts, Const, ParamTest};

/// At most this many tests are kept open at once (deeper ones are dropped: a node then seems
/// to run for more arguments than it does, which is the safe side).
const MAX_OPEN_TESTS: usize = 8;

impl<'h> Builder<'h> {
    /// A constant the expression always evaluates to, as far as the module can tell.
    pub(super) fn const_of(&mut self, e: &Expr) -> Option<Const> {
        let e = unparen(e);
        // a literal (an array is a new object, equal to nothing); an object literal's fields
        // are kept below
        if !matches!(e, Expr::Object(_)) {
            if let Some(c) = literal_const(e) {
                return Some(c);
            }
        }
        match e {
            Expr::Object(o) => {
                let mut fields = Vec::new();
                for p in &o.props {
                    // a spread or a computed key may bring in any field
                    let PropOrSpread::Prop(p) = p else { return None };
                    let (name, value) = match &**p {
                        // a prototype brings in fields of its own
                        Prop::KeyValue(kv) if key_name(&kv.key).as_deref() == Some("__proto__") => return None,
                        Prop::KeyValue(kv) => (key_name(&kv.key)?, literal_const(&kv.value)),
                        Prop::Shorthand(i) => (owned(&i.sym), None),
                        Prop::Method(m) => (key_name(&m.key)?, Some(Const::Lit { key: 0, truthy: true })),
                        _ => return None,
                    };
                    // a later duplicate key wins
                    let name = Atom::from(name);
                    fields.retain(|(n, _)| *n != name);
                    fields.push((name, value));
                }
                Some(Const::Object(fields))
            }
            Expr::Fn(_) | Expr::Arrow(_) | Expr::Array(_) | Expr::Class(_) => Some(Const::Lit { key: 0, truthy: true }),
            // `TYPES.SCOPED`: a member of a module-level `const` object of this module, or of
            // an import (which linking looks up)
            Expr::Member(m) => {
                let (Expr::Ident(base), MemberProp::Ident(field)) = (unparen(&m.obj), &m.prop) else { return None };
                let state = match self.scopes.resolve(&base.sym) {
                    Resolved::Module(ModuleBinding::Import) => {
                        let import = *self.import_of.get(&base.sym)?;
                        self.import_state(&base.sym, import)
                    }
                    Resolved::Module(ModuleBinding::Variable) if self.const_objects.iter().any(|(n, _)| *n == base.sym) => {
                        self.binding_state(&base.sym)
                    }
                    _ => return None,
                };
                Some(Const::Member(Access { state, field: Some(field.sym.clone()) }))
            }
            _ => None,
        }
    }

    /// The position of a plain parameter of the function being built that names `e`, and the
    /// field read from it (`options.quiet`: one level).
    fn param_of(&self, e: &Expr) -> Option<(u8, Option<Atom>, Option<Const>)> {
        match unparen(e) {
            Expr::Ident(i) => match self.param_index(&i.sym) {
                Some(p) => Some((p, None, None)),
                // a field of a destructured options parameter (`{ quiet = false } = {}`)
                None => match self.scopes.resolve(&i.sym) {
                    Resolved::Local(scope) if Some(scope) == self.f.scope => self
                        .f
                        .param_fields
                        .iter()
                        .find(|(local, ..)| *local == i.sym)
                        .map(|(_, p, field, default)| (*p, Some(field.clone()), default.clone())),
                    _ => None,
                },
            },
            Expr::Member(m) => {
                let Expr::Ident(i) = unparen(&m.obj) else { return None };
                let field = match &m.prop {
                    MemberProp::Ident(p) => p.sym.clone(),
                    MemberProp::Computed(c) => match unparen(&c.expr) {
                        Expr::Lit(Lit::Str(s)) => s.value.as_atom()?.clone(),
                        _ => return None,
                    },
                    MemberProp::PrivateName(_) => return None,
                };
                Some((self.param_index(&i.sym)?, Some(field), None))
            }
            _ => None,
        }
    }

    fn param_index(&self, name: &Atom) -> Option<u8> {
        match self.scopes.resolve(name) {
            Resolved::Local(scope) if Some(scope) == self.f.scope => {
                self.f.params.iter().position(|p| p.as_ref() == Some(name)).and_then(|p| u8::try_from(p).ok())
            }
            _ => None,
        }
    }

    /// `switch (type)` / `switch (options.kind)`: the parameter (or field) switched on, as a
    /// test to fill in with each case's constant.
    pub(super) fn switched_param(&self, e: &Expr) -> Option<ParamTest> {
        let (param, field, fallback) = self.param_of(e)?;
        Some(ParamTest { param, field, fallback, equals: None, holds: true })
    }

    /// The parameter tests that hold where condition `e` is true (`a && b`: both), when it is
    /// made only of them.
    pub(super) fn param_tests_of(&mut self, e: &Expr) -> Option<Vec<ParamTest>> {
        match unparen(e) {
            Expr::Bin(b) if b.op == BinaryOp::LogicalAnd => {
                let mut l = self.param_tests_of(&b.left)?;
                l.extend(self.param_tests_of(&b.right)?);
                Some(l)
            }
            _ => self.param_test_of(e, true).map(|t| vec![t]),
        }
    }

    /// The one parameter test condition `e` is, holding when `e` is `truthy`.
    pub(super) fn param_test_of(&mut self, e: &Expr, truthy: bool) -> Option<ParamTest> {
        match unparen(e) {
            Expr::Unary(u) if u.op == UnaryOp::Bang => self.param_test_of(&u.arg, !truthy),
            Expr::Bin(b) if matches!(b.op, BinaryOp::EqEqEq | BinaryOp::NotEqEq) => {
                let equal = (b.op == BinaryOp::EqEqEq) == truthy;
                let (param, field, fallback, other) = match (self.param_of(&b.left), self.param_of(&b.right)) {
                    (Some((p, f, d)), None) => (p, f, d, &b.right),
                    (None, Some((p, f, d))) => (p, f, d, &b.left),
                    _ => return None,
                };
                let c = self.const_of(other)?;
                matches!(c, Const::Lit { key: 1.., .. } | Const::Member(_)).then_some(ParamTest {
                    param,
                    field,
                    fallback,
                    equals: Some(c),
                    holds: equal,
                })
            }
            e => {
                let (param, field, fallback) = self.param_of(e)?;
                Some(ParamTest { param, field, fallback, equals: None, holds: truthy })
            }
        }
    }

    /// The negation of a condition, when it is one test.
    pub(super) fn negated(tests: &Option<Vec<ParamTest>>) -> Option<Vec<ParamTest>> {
        match tests.as_deref() {
            Some([t]) => Some(vec![ParamTest { holds: !t.holds, ..t.clone() }]),
            _ => None,
        }
    }

    /// Opens tests (returns the mark to close them at).
    pub(super) fn open_tests(&mut self, tests: Option<Vec<ParamTest>>) -> usize {
        let mark = self.f.open_tests.len();
        for t in tests.into_iter().flatten() {
            if self.f.open_tests.len() < MAX_OPEN_TESTS {
                self.f.open_tests.push(t);
            }
        }
        mark
    }

    pub(super) fn close_tests(&mut self, mark: usize) {
        self.f.open_tests.truncate(mark);
    }

    /// Records the constant arguments of call node `call`.
    pub(super) fn note_call_consts(&mut self, call: NodeId, args: &[ExprOrSpread]) {
        let arity = (!args.iter().any(|a| a.spread.is_some())).then(|| u8::try_from(args.len()).ok()).flatten();
        // (positions are known only up to the first spread)
        let consts: Vec<(u8, Const)> = args
            .iter()
            .take(16)
            .take_while(|a| a.spread.is_none())
            .enumerate()
            .filter_map(|(i, a)| Some((i as u8, self.const_of(&a.expr)?)))
            .collect();
        if !consts.is_empty() || arity.is_some_and(|n| n < 16) {
            self.f.call_consts.push(CallConsts { call, arity, args: consts });
        }
    }

    /// A module-level `const X = { F: literal, … }` (or `Object.freeze({ … })`): its literal
    /// fields.
    pub(super) fn note_const_object(&mut self, name: &Atom, init: &Expr) {
        let init = match unparen(init) {
            Expr::Call(c) if c.args.len() == 1 && is_object_freeze(&c.callee) => &*c.args[0].expr,
            e => e,
        };
        let Expr::Object(o) = unparen(init) else { return };
        let fields: Vec<(Atom, Const)> = o
            .props
            .iter()
            .filter_map(|p| match p {
                PropOrSpread::Prop(p) => match &**p {
                    Prop::KeyValue(kv) => Some((Atom::from(key_name(&kv.key)?), literal_const(&kv.value)?)),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        if !fields.is_empty() {
            self.const_objects.push((name.clone(), fields));
        }
    }
}

fn is_object_freeze(c: &Callee) -> bool {
    let Callee::Expr(e) = c else { return false };
    let Expr::Member(m) = unparen(e) else { return false };
    matches!(unparen(&m.obj), Expr::Ident(o) if &*o.sym == "Object") && matches!(&m.prop, MemberProp::Ident(p) if &*p.sym == "freeze")
}

/// A literal's constant (not a member or an object: a field's value).
pub(super) fn literal_const(e: &Expr) -> Option<Const> {
    // an object or array: truthy, and a new object equal to nothing
    if matches!(unparen(e), Expr::Object(_) | Expr::Array(_)) {
        return Some(Const::Lit { key: 0, truthy: true });
    }
    let key = literal_key(e);
    (key != 0).then(|| Some(Const::Lit { key, truthy: literal_truthy(e)? })).flatten()
}

/// Whether a literal is truthy (`None` when `e` is not one `literal_key` knows).
fn literal_truthy(e: &Expr) -> Option<bool> {
    Some(match unparen(e) {
        Expr::Lit(Lit::Str(s)) => !s.value.is_empty(),
        Expr::Lit(Lit::Bool(b)) => b.value,
        Expr::Lit(Lit::Null(_)) => false,
        Expr::Lit(Lit::Num(n)) => n.value != 0.0 && !n.value.is_nan(),
        Expr::Unary(u) if u.op == UnaryOp::Minus && matches!(unparen(&u.arg), Expr::Lit(Lit::Num(_))) => literal_truthy(&u.arg)?,
        Expr::Unary(u) if u.op == UnaryOp::Void => false,
        Expr::Unary(u) if u.op == UnaryOp::Bang => !literal_truthy(&u.arg)?,
        Expr::Ident(i) if &*i.sym == "undefined" => false,
        Expr::Array(_) | Expr::Object(_) => true,
        Expr::Tpl(t) if t.exprs.is_empty() => t.quasis.iter().any(|q| !q.raw.is_empty()),
        _ => return None,
    })
}
