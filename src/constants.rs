//! What a call's constant arguments decide about its callee: a callee that does something only
//! for some arguments (`switch (type) { case TYPES.GLOBAL: settings.regex = s; … }`,
//! `if (options.extension_settings) Object.assign(…)`) does not do it for a call whose
//! constants make the test fail (`save(s, TYPES.SCOPED)`, `load({})`). The builder records the
//! tests (`FnFacts::param_tests`) and the constants (`FnFacts::call_consts`,
//! `ModuleFacts::const_objects`); this module decides, after linking, whether a test can hold.

use rustc_hash::FxHashMap;

use crate::facts::{Atom, CallConsts, Const, NodeId, ParamTest};
use crate::program::{FnId, Program, StateId};

/// Two sets of parameter tests one effect (or call, or access) is made under, joined: the same
/// set, or made always (0) when they differ, since it is made under either.
pub(crate) fn join_tests(a: u32, b: u32) -> u32 {
    if a == b {
        a
    } else {
        0
    }
}

/// The members of module-level `const` objects that nothing writes, by (state, field): what
/// `TYPES.SCOPED` is wherever it is read.
pub(crate) fn const_members(program: &Program) -> FxHashMap<(StateId, Atom), Const> {
    let mut out = FxHashMap::default();
    for (mi, m) in program.modules.iter().enumerate() {
        for (name, fields) in &m.facts.const_objects {
            let Some(si) = m.facts.states.iter().position(|s| s.kind == crate::facts::StateKind::Binding && s.name == **name) else {
                continue;
            };
            let state = program.state_ids[mi][si];
            if program.states[state.index()].written {
                continue;
            }
            for (field, value) in fields {
                out.insert((state, field.clone()), value.clone());
            }
        }
    }
    out
}

/// Whether the tests of set `set` of function `callee` may all hold for the call at node
/// `call` of function `caller`: `false` only when a constant argument makes one fail.
pub(crate) fn may_hold(program: &Program, callee: FnId, set: u32, caller: FnId, call: NodeId) -> bool {
    if set == 0 || callee.index() >= program.functions.len() {
        return true;
    }
    let Some(consts) = program.function(caller).consts_of(call) else { return true };
    let callee_module = program.functions[callee.index()].module;
    let caller_module = program.functions[caller.index()].module;
    let Some(tests) = program.function(callee).param_tests.get(set as usize) else { return true };
    tests.iter().all(|t| test_may_hold(program, t, consts, caller_module, callee_module))
}

/// Whether a call's constants are for a parameter `callee` tests (else they decide nothing).
pub(crate) fn may_decide(program: &Program, callee: FnId, consts: &CallConsts) -> bool {
    if callee.index() >= program.functions.len() {
        return false;
    }
    let f = program.function(callee);
    !f.tested.is_empty()
        && f.param_tests
            .iter()
            .flatten()
            .any(|t| consts.args.iter().any(|(i, _)| *i == t.param) || consts.arity.is_some_and(|n| t.param >= n))
}

fn test_may_hold(program: &Program, t: &ParamTest, consts: &CallConsts, caller_module: u32, callee_module: u32) -> bool {
    let undefined = Const::Lit { key: crate::build::undefined_key(), truthy: false };
    let empty = Const::Object(Vec::new());
    let arg: Option<&Const> = match consts.args.iter().find(|(i, _)| *i == t.param) {
        Some((_, c)) => resolve(program, c, caller_module),
        // a missing argument is `undefined`; one read a field of was destructured from `{}`
        // (or threw before the test: either way the test does not pass on a value of it)
        None if consts.arity.is_some_and(|n| t.param >= n) => Some(if t.field.is_some() { &empty } else { &undefined }),
        None => None,
    };
    let fallback = || t.fallback.as_ref().unwrap_or(&undefined);
    let value: &Const = match (&t.field, arg) {
        (_, None) => return true,
        (None, Some(v)) => v,
        (Some(f), Some(Const::Object(fields))) => match fields.iter().find(|(n, _)| n == f) {
            Some((_, Some(c))) => match resolve(program, c, caller_module) {
                // `{ quiet: undefined }` takes the default too
                Some(v) if *v == undefined => fallback(),
                Some(v) => v,
                None => return true,
            },
            Some((_, None)) => return true,
            None => fallback(),
        },
        // a field of a primitive: not decided here
        (Some(_), Some(_)) => return true,
    };
    let &Const::Lit { key, truthy } = value else {
        // an object: truthy, and `===` to no literal
        return match &t.equals {
            None => t.holds,
            Some(_) => !t.holds,
        };
    };
    match &t.equals {
        None => truthy == t.holds,
        Some(c) => match resolve(program, c, callee_module) {
            Some(&Const::Lit { key: k, .. }) if k != 0 && key != 0 => (k == key) == t.holds,
            Some(&Const::Lit { key: k, .. }) if k != 0 => !t.holds,
            _ => true,
        },
    }
}

/// A constant with members of `const` objects looked up (`None`: not known).
fn resolve<'c>(program: &'c Program, c: &'c Const, module: u32) -> Option<&'c Const> {
    match c {
        Const::Member(access) => {
            let state = *program.state_ids.get(module as usize)?.get(access.state.index())?;
            match program.constants.get(&(state, access.field.clone()?))? {
                Const::Member(_) => None,
                v => Some(v),
            }
        }
        c => Some(c),
    }
}
