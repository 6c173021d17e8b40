//! What the task model reads off the program's facts: loops around un-awaited calls, busy
//! flags taken before the first await, who accesses each state, and what modules export.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::facts::{Atom, FnFacts, NodeId, NodeKind, WriteKind};
use crate::program::{fields_conflict, writes_over, FnId, Program, StateId, Touch};

/// Nodes searched to tell whether an un-awaited call is in a loop.
const LOOP_SEARCH: usize = 20_000;

/// Whether node `from` can reach itself: it runs once per iteration of a loop.
pub(super) fn in_loop(f: &FnFacts, from: NodeId) -> bool {
    let mut seen = vec![false; f.nodes.len()];
    let mut stack: Vec<NodeId> = f.nodes[from.index()].succ.to_vec();
    let mut steps = 0;
    while let Some(n) = stack.pop() {
        if n == from {
            return true;
        }
        steps += 1;
        if steps > LOOP_SEARCH {
            return true;
        }
        if std::mem::replace(&mut seen[n.index()], true) {
            continue;
        }
        stack.extend_from_slice(&f.nodes[n.index()].succ);
    }
    false
}

/// The shared state a function tests and sets before its first await, as a busy flag:
/// `if (busy) return; busy = true;`, or `if (!running) { running = true; … }`. A second run
/// finds it set and leaves (or waits) before reaching any await, so runs past it do not
/// overlap.
pub(super) fn lock_of(program: &Program, f: FnId) -> Option<StateId> {
    let facts = program.function(f);
    if facts.bail_tests.is_empty() && facts.unset_tests.is_empty() {
        return None;
    }
    let module = program.functions[f.index()].module;
    // the nodes that run before the first await
    let mut before = vec![false; facts.nodes.len()];
    let mut stack = vec![NodeId::ENTRY];
    while let Some(n) = stack.pop() {
        if std::mem::replace(&mut before[n.index()], true) {
            continue;
        }
        let node = &facts.nodes[n.index()];
        let settled_call = |call: NodeId| {
            program.call_targets[f.index()][call.index()].is_some_and(|t| program.settled.settles.get(t.index()) == Some(&true))
        };
        if program.yields_at(f, n) || matches!(node.kind, NodeKind::Resume { call } if !settled_call(call)) {
            before[n.index()] = false;
            continue;
        }
        stack.extend_from_slice(&node.succ);
    }
    // the test reads what the write sets: the write is of the tested path or above it (setting
    // `cache.registry = {}` is no claim of `if (!cache) return`)
    let tests = |g: NodeId, state: StateId, field: &Option<Atom>| {
        before.get(g.index()).copied().unwrap_or(false)
            && matches!(&facts.nodes[g.index()].kind, NodeKind::Read { access, test: true }
                if program.global_state(module, access) == state && writes_over(field.as_ref(), access.field.as_ref()))
    };
    for (a, node) in facts.nodes.iter().enumerate() {
        if !before[a] {
            continue;
        }
        let NodeKind::Write { access, kind: WriteKind::Assign, .. } = &node.kind else { continue };
        let state = program.global_state(module, access);
        let bail = facts.bail_tests.iter().any(|&g| tests(g, state, &access.field));
        // `if (!running) { running = true; … await …; running = false }`: a claim is a lock
        // when it is given back after an await, by a write of the claimed path or above it (a
        // lazy `if (!x.cache) x.cache = {}` is not, nor is filling it: `x.cache[k] = v`)
        let released = || {
            facts.nodes.iter().enumerate().any(|(w, n)| {
                !before[w]
                    && matches!(&n.kind, NodeKind::Write { access: a2, .. }
                        if program.global_state(module, a2) == state && writes_over(a2.field.as_ref(), access.field.as_ref()))
            })
        };
        let claim =
            node.guards.iter().any(|&g| facts.unset_tests.contains(&g) && !facts.exit_tests.contains(&g) && tests(g, state, &access.field));
        // a function with no await of its own holds the flag for work it starts
        // (`if (p) return p; p = (async () => { … finally { p = null } })()`) only when it does
        // not give it back itself: released in the same synchronous run, it protects nothing
        let sync_hold = || {
            !program.has_yield(f)
                && facts.nodes.iter().enumerate().all(|(w, n)| {
                    w == a
                        || !matches!(&n.kind, NodeKind::Write { access: a2, .. }
                            if program.global_state(module, a2) == state && fields_conflict(a2.field.as_ref(), access.field.as_ref()))
                })
        };
        if (program.has_yield(f) && (bail || (claim && released()))) || ((bail || claim) && sync_hold()) {
            return Some(state);
        }
    }
    None
}

/// Per state and field: who accesses it themselves, or through a host call, whether they
/// write, and whether a read only tests the value (see `Accessors`).
pub(super) fn accessors<'p>(program: &'p Program) -> FxHashMap<StateId, Accessors> {
    let n = program.functions.len();
    let mut out: FxHashMap<StateId, Accessors> = FxHashMap::default();
    for f in 0..n {
        let facts = program.function(FnId::from_index(f));
        let module = program.functions[f].module;
        // one entry per state, field and kind of access in this function, with the parameter
        // tests all its accesses of that kind run under (0: some runs always)
        let mut seen: FxHashMap<(StateId, Option<&Atom>, Use), u32> = FxHashMap::default();
        let mut order = Vec::new();
        let mut note = |key: (StateId, Option<&'p Atom>, Use), when: u32| match seen.entry(key) {
            std::collections::hash_map::Entry::Occupied(mut o) => {
                *o.get_mut() = crate::constants::join_tests(*o.get(), when);
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(when);
                order.push(key);
            }
        };
        for i in 0..facts.nodes.len() {
            let node = NodeId::from_index(i);
            let when = facts.tests_of(node);
            if let Some((state, field, touch)) = program.direct_effect(module, facts, node) {
                note((state, field, use_of(facts, node, touch)), when);
            }
            if let NodeKind::Call { .. } = facts.nodes[i].kind {
                let host = program.call_targets[f][i].and_then(|t| t.index().checked_sub(n));
                if let Some(h) = host.and_then(|h| program.host_fns.get(h)) {
                    for (list, how) in [(&h.reads, Use::Read), (&h.writes, Use::Write)] {
                        for &state in list {
                            note((state, None, how), when);
                        }
                    }
                }
            }
        }
        for key in order {
            let (state, field, how) = key;
            let when = seen[&key];
            push_accessor(out.entry(state).or_default(), field, Accessor { f: FnId::from_index(f), how, when, only: None });
        }
    }
    out
}

/// How node `i`, touching state as `touch`, uses it: a read is only a test when it is the
/// whole operand of an existence or identity test (`!x`, `x == null`, `if (busy) return`,
/// `x === mine`); a read inside a condition that is handed on (`if (isQuiet(settings))`,
/// `JSON.stringify(x) !== s`) reads the value's fields.
pub(super) fn use_of(facts: &FnFacts, i: NodeId, touch: Touch) -> Use {
    if touch.is_write() {
        Use::Write
    } else if touch == Touch::Test
        && (facts.unset_tests.contains(&i) || facts.bail_tests.contains(&i) || facts.identity_tests.iter().any(|t| t.0 == i))
    {
        Use::Test
    } else {
        Use::Read
    }
}

/// How a function uses a state's field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Use {
    /// It reads the value only to test whether it is there or is one value (`if (!x)`,
    /// `x == null`, `if (busy) return`, `x === mine`; see `use_of`): it sees writes of that path
    /// or above it, not of the fields below (`x.a = …` leaves `!x` as it was).
    Test,
    Read,
    Write,
}

/// The accessors of one state, grouped by the field they access (`None`: the whole state), in
/// the order the fields were first met: a finding asks whether its field conflicts once per
/// field, not once per accessor.
pub(super) type Accessors = Vec<(Option<Atom>, Vec<Accessor>)>;

/// A function that accesses a state's field itself.
#[derive(Debug, Clone)]
pub(super) struct Accessor {
    pub(super) f: FnId,
    pub(super) how: Use,
    /// The function's parameter tests every such access of it runs under (0: one runs always).
    pub(super) when: u32,
    /// With tests: the tasks that can make the access, those that start in the function or call
    /// it with arguments the tests may hold for (`load({})` skips `if (saved.extension_settings)`);
    /// `None`: every task that runs the function.
    pub(super) only: Option<Vec<u32>>,
}

fn push_accessor(list: &mut Accessors, field: Option<&Atom>, a: Accessor) {
    match list.iter_mut().find(|(g, _)| g.as_ref() == field) {
        Some((_, fns)) => fns.push(a),
        None => list.push((field.cloned(), vec![a])),
    }
}

/// Functions a module exports (by their own name, or as methods of an exported class or
/// object): other code may call them.
pub(super) fn exported_functions(program: &Program) -> FxHashSet<FnId> {
    let mut out = FxHashSet::default();
    for (m, module) in program.modules.iter().enumerate() {
        let locals: FxHashSet<&str> = module
            .facts
            .exports
            .iter()
            .filter_map(|e| match e {
                crate::facts::Export::Local { local, .. } => Some(&**local),
                _ => None,
            })
            .collect();
        if locals.is_empty() {
            continue;
        }
        for (name, i) in &module.facts.fn_names {
            let head = name.split(['.', '#']).next().unwrap_or(name);
            if locals.contains(head) {
                out.insert(program.fn_base[m].offset(*i));
            }
        }
    }
    out
}
