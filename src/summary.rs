//! Function summaries: what a call to each function does to shared state (directly or through
//! its callees, to a fixpoint), split into effects before and after its first await. Components
//! of the call graph are summarised callees first, in the levels `schedule.rs` gives.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use crate::constants::join_tests;
use crate::facts::{NodeId, NodeKind, WriteKind};
use crate::program::{Effect, FnId, MadeAt, Origin, Program, Site, StateId, Summary, Touch};

/// Effects of callees more than this many calls deep are left out of summaries.
const MAX_SUMMARY_DEPTH: u32 = 4;

/// A summary under construction: its effects, and where each distinct one is (a scratch index
/// that the fixpoint reuses from one function to the next).
struct SummaryBuilder<'k> {
    effects: Vec<(Effect, Origin)>,
    keys: &'k mut FxHashMap<Effect, usize>,
}

impl<'k> SummaryBuilder<'k> {
    fn new(keys: &'k mut FxHashMap<Effect, usize>, capacity: usize) -> Self {
        keys.clear();
        SummaryBuilder { effects: Vec::with_capacity(capacity), keys }
    }

    /// Adds an effect, keeping the shallowest origin of each distinct effect. One made under
    /// two different sets of tests is made under either: it is kept as made always.
    fn add(&mut self, e: &Effect, origin: Origin) {
        let key = if e.when == 0 && e.post_if == 0 { None } else { Some(Effect { when: 0, post_if: 0, ..e.clone() }) };
        match self.keys.get(key.as_ref().unwrap_or(e)) {
            Some(&i) => {
                let (kept, at) = &mut self.effects[i];
                kept.when = join_tests(kept.when, e.when);
                kept.post_if = join_tests(kept.post_if, e.post_if);
                if origin.depth < at.depth {
                    *at = origin;
                }
            }
            None => {
                self.keys.insert(key.unwrap_or_else(|| e.clone()), self.effects.len());
                self.effects.push((e.clone(), origin));
            }
        }
    }

    fn finish(mut self) -> Summary {
        self.effects.shrink_to_fit();
        Summary { effects: self.effects }
    }
}

/// The part of a summary that does not depend on callees.
struct Shape {
    /// The function.
    id: FnId,
    direct: Summary,
    calls: Vec<CallOf>,
}

/// A call a function makes, as its summary sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CallOf {
    target: FnId,
    /// It comes after an await.
    post: bool,
    awaited: bool,
    /// The caller's parameter tests it runs under (0: none).
    when: u32,
    /// When it comes after an await: the caller's tests that await runs under (0: always).
    post_if: u32,
    /// The call node, when the call has constant arguments that may rule out some of the
    /// callee's effects (other calls of one callee are one entry).
    node: Option<NodeId>,
}

/// Computes every function's summary, re-running callers whenever a callee's grows.
pub(crate) fn summarise(program: &Program) -> Vec<Summary> {
    let n = program.functions.len();
    let mut summaries = vec![Summary::default(); n];
    let mut keys = FxHashMap::default();
    for h in &program.host_fns {
        let mut s = SummaryBuilder::new(&mut keys, h.reads.len() + h.writes.len());
        let origin = Origin { at: MadeAt::Host, depth: 0 };
        for &r in &h.reads {
            s.add(&Effect { state: r, field: None, touch: Touch::Read, post: h.awaits, when: 0, post_if: 0 }, origin);
        }
        for &w in &h.writes {
            s.add(
                &Effect {
                    state: w,
                    field: None,
                    touch: Touch::Write { kind: WriteKind::Assign, restore: false, literal: 0, fill: false, cas: 0 },
                    post: h.awaits,
                    when: 0,
                    post_if: 0,
                },
                origin,
            );
        }
        summaries.push(s.finish());
    }
    // each function's distinct callees in parallel (host calls, numbered after the
    // program's functions, have fixed summaries), then the callers of each, in order
    let callees: Vec<Vec<FnId>> = {
        use rayon::prelude::*;
        program
            .call_targets
            .par_iter()
            .map(|targets| {
                let mut t: Vec<FnId> = targets.iter().flatten().copied().filter(|&t| t.index() < n).collect();
                t.sort_unstable();
                t.dedup();
                t
            })
            .collect()
    };
    let mut callers: Vec<Vec<FnId>> = vec![Vec::new(); n];
    for (f, targets) in callees.iter().enumerate() {
        for &t in targets {
            callers[t.index()].push(FnId::from_index(f));
        }
    }
    let shapes: Vec<Shape> = {
        use rayon::prelude::*;
        (0..n)
            .into_par_iter()
            .map_init(FxHashMap::default, |keys, f| {
                if callers[f].is_empty() {
                    Shape { id: FnId::from_index(f), direct: Summary::default(), calls: Vec::new() }
                } else {
                    shape(program, FnId::from_index(f), keys)
                }
            })
            .collect()
    };
    // callees before callers (a depth-first postorder of the call graph), so most functions
    // are summarised once; functions without effects or calls keep the empty summary
    let order = crate::schedule::postorder(n, |f, i| shapes[f.index()].calls.get(i).map(|c| c.target));
    // only call targets need a summary (rules read a callee's summary at its call sites, and
    // nothing reads a function's own): a function nobody calls is not summarised at all
    let need: Vec<bool> =
        (0..n).map(|f| !callers[f].is_empty() && (!shapes[f].direct.effects.is_empty() || !shapes[f].calls.is_empty())).collect();
    let need = &need;
    let levels = crate::schedule::levels(&order, need, |f| {
        shapes[f.index()].calls.iter().map(|c| c.target).filter(move |&t| t.index() < n && need[t.index()] && t != f)
    });
    // each function's place in its component, so that membership is one lookup even in a
    // large cycle
    let mut place = vec![None; n];
    for scc in levels.iter().flatten() {
        for (i, &f) in scc.iter().enumerate() {
            place[f.index()] = Some(i as u32);
        }
    }
    let ctx = Component { program, shapes: &shapes, callers: &callers, place: &place };
    // the strongly connected components of one level call only into lower levels, whose
    // summaries are final: they are summarised in parallel, each to its own fixpoint, and the
    // result does not depend on scheduling
    // a level of one or two components (a long call chain has thousands) is not worth
    // sending to the pool
    for level in levels {
        use rayon::prelude::*;
        let done: Vec<Vec<(FnId, Summary)>> = if level.len() <= 2 {
            level.iter().map(|scc| summarise_component(&summaries, scc, &ctx, &mut keys)).collect()
        } else {
            level.par_iter().map_init(FxHashMap::default, |keys, scc| summarise_component(&summaries, scc, &ctx, keys)).collect()
        };
        for (f, summary) in done.into_iter().flatten() {
            summaries[f.index()] = summary;
        }
    }
    summaries
}

/// Summaries for one strongly connected component of the call graph (members in postorder),
/// iterated to a fixpoint: each summary only grows and is bounded, so this terminates, and
/// the budget guards against pathological call graphs.
fn summarise_component(summaries: &[Summary], scc: &[FnId], ctx: &Component, keys: &mut FxHashMap<Effect, usize>) -> Vec<(FnId, Summary)> {
    let shapes = ctx.shapes;
    let mut current: Vec<(FnId, Summary)> = scc.iter().map(|&f| (f, Summary::default())).collect();
    let member = |t: FnId| {
        let i = (*ctx.place.get(t.index())?)? as usize;
        (scc.get(i) == Some(&t)).then_some(i)
    };
    let mut queue: VecDeque<usize> = (0..scc.len()).collect();
    let mut queued = vec![true; scc.len()];
    let mut budget = 64 * scc.len() + 64;
    while let Some(i) = queue.pop_front() {
        queued[i] = false;
        let new = compute_summary(ctx.program, &shapes[scc[i].index()], keys, |t| match member(t) {
            Some(j) => &current[j].1,
            None => &summaries[t.index()],
        });
        // a summary changes by growing or by an effect found closer (a smaller depth)
        if new.effects != current[i].1.effects {
            current[i].1 = new;
            if scc.len() > 1 {
                for &c in &ctx.callers[scc[i].index()] {
                    if let Some(j) = member(c).filter(|&j| !queued[j]) {
                        queued[j] = true;
                        queue.push_back(j);
                    }
                }
            }
        }
        budget -= 1;
        if budget == 0 {
            break;
        }
    }
    // inside a cycle, the order effects were first met in depends on the order the members
    // were visited in: put them in source order instead, so that it depends on nothing but
    // the program (the rules keep the first of equal candidates, and list a call's effects
    // in summary order)
    if scc.len() > 1 {
        for (_, summary) in &mut current {
            summary.effects.sort_by(|(a, x), (b, y)| {
                (x.at, x.depth, a.state, a.field.as_deref(), a.touch, a.post).cmp(&(
                    y.at,
                    y.depth,
                    b.state,
                    b.field.as_deref(),
                    b.touch,
                    b.post,
                ))
            });
        }
    }
    current
}

/// What a function does that does not depend on other summaries: its own effects and its
/// calls, each marked before or after the function's first await. One breadth-first search
/// per function, run once.
fn shape(program: &Program, fid: FnId, keys: &mut FxHashMap<Effect, usize>) -> Shape {
    let module = program.functions[fid.index()].module;
    let f = program.function(fid);
    let mut direct = SummaryBuilder::new(keys, 0);
    let mut calls: Vec<CallOf> = Vec::new();
    let n = f.nodes.len();
    // layer 0: reached before any await; layer 1: after one
    let mut seen = vec![[false; 2]; n];
    let mut queue = VecDeque::new();
    seen[0][0] = true;
    queue.push_back((NodeId::ENTRY, 0usize));
    let mut visits = Vec::new();
    let mut yields = false;
    while let Some((node, layer)) = queue.pop_front() {
        let nd = &f.nodes[node.index()];
        let effect = program.direct_effect(module, f, node);
        if effect.is_some() || matches!(nd.kind, NodeKind::Call { .. }) {
            visits.push((node, layer == 1, effect));
        }
        let next_layer = if program.yields_at(fid, node) {
            yields = true;
            1
        } else {
            layer
        };
        for &s in &nd.succ {
            if !seen[s.index()][next_layer] {
                seen[s.index()][next_layer] = true;
                queue.push_back((s, next_layer));
            }
        }
    }
    let post_if = if yields && !f.tested.is_empty() { awaits_only_under_tests(program, fid, &seen) } else { Vec::new() };
    let post_if_of = |node: NodeId, post: bool| if post { post_if.get(node.index()).copied().flatten().unwrap_or(0) } else { 0 };
    for (node, post, effect) in visits {
        let nd = &f.nodes[node.index()];
        if let Some((state, field, touch)) = effect {
            direct.add(
                &Effect { state, field: field.cloned(), touch, post, when: f.tests_of(node), post_if: post_if_of(node, post) },
                Origin { at: MadeAt::Source(Site { module, span: nd.span }), depth: 0 },
            );
        }
        if let NodeKind::Call { awaited, .. } = nd.kind {
            if let Some(t) = program.call_targets[fid.index()][node.index()] {
                let call = CallOf {
                    target: t,
                    post,
                    awaited,
                    when: f.tests_of(node),
                    post_if: post_if_of(node, post),
                    // (only where it can matter: a constant for a parameter the callee tests)
                    node: f.consts_of(node).is_some_and(|c| crate::constants::may_decide(program, t, c)).then_some(node),
                };
                // calls of one callee that differ only in the tests they run under bring the
                // same effects, made under either: one entry, run always
                let same = |c: &CallOf| c.target == t && c.post == post && c.awaited == awaited && c.node.is_none() && call.node.is_none();
                if t != fid && !calls.contains(&call) {
                    match calls.iter_mut().find(|c| same(c)) {
                        Some(c) => {
                            c.when = join_tests(c.when, call.when);
                            c.post_if = join_tests(c.post_if, call.post_if);
                        }
                        None => calls.push(call),
                    }
                }
            }
        }
    }
    Shape { id: fid, direct: direct.finish(), calls }
}

/// Per node reached after an await: the parameter tests every await before it runs under
/// (`Some(0)`: some await runs always, or awaits under different tests come before it). A
/// call whose constants fail them reaches the node before the function first suspends
/// (`toggle(id, { quiet: true })` skips `if (!quiet) await confirm()`).
fn awaits_only_under_tests(program: &Program, fid: FnId, seen: &[[bool; 2]]) -> Vec<Option<u32>> {
    let f = program.function(fid);
    let join = |a: Option<u32>, b: u32| a.map_or(b, |x| join_tests(x, b));
    let mut value: Vec<Option<u32>> = vec![None; f.nodes.len()];
    let mut work: Vec<NodeId> = (0..f.nodes.len())
        .map(NodeId::from_index)
        .filter(|&i| program.yields_at(fid, i) && (seen[i.index()][0] || seen[i.index()][1]))
        .collect();
    while let Some(p) = work.pop() {
        let own = value[p.index()];
        let out = if program.yields_at(fid, p) {
            let t = f.tests_of(p);
            match own {
                Some(v) if seen[p.index()][1] => join(Some(v), t),
                _ => t,
            }
        } else {
            match own {
                Some(v) => v,
                None => continue,
            }
        };
        for &s in &f.nodes[p.index()].succ {
            let new = join(value[s.index()], out);
            if value[s.index()] != Some(new) {
                value[s.index()] = Some(new);
                work.push(s);
            }
        }
    }
    value
}

/// A function's summary from its shape and its callees' current summaries (`summary`).
fn compute_summary<'s>(
    program: &Program,
    shape: &Shape,
    keys: &mut FxHashMap<Effect, usize>,
    summary: impl Fn(FnId) -> &'s Summary,
) -> Summary {
    let mut out = SummaryBuilder::new(keys, shape.direct.effects.len());
    for (e, origin) in &shape.direct.effects {
        out.add(e, *origin);
    }
    for c in &shape.calls {
        for (e, origin) in &summary(c.target).effects {
            // what an un-awaited callee does after its own awaits happens at some unknown
            // later time; effects deep in the call tree are mostly paths that cannot
            // happen together
            if (e.post && !c.awaited) || origin.depth >= MAX_SUMMARY_DEPTH {
                continue;
            }
            // the callee does it only for arguments other than this call's constants
            if let Some(node) = c.node {
                if !crate::constants::may_hold(program, c.target, e.when, shape.id, node) {
                    continue;
                }
            }
            // after the callee's first await, unless this call's constants skip the awaits
            // before it
            let callee_post = e.post
                && (e.post_if == 0 || c.node.is_none_or(|node| crate::constants::may_hold(program, c.target, e.post_if, shape.id, node)));
            let origin = Origin { at: origin.at, depth: origin.depth + 1 };
            // in the caller it happens under the caller's tests of the call, not the callee's
            let post_if = if callee_post { 0 } else { c.post_if };
            let post = callee_post || c.post;
            if e.post == post && e.when == c.when && e.post_if == post_if {
                out.add(e, origin);
            } else {
                out.add(&Effect { post, when: c.when, post_if, ..e.clone() }, origin);
            }
        }
    }
    out.finish()
}

/// What summarising one component reads: every function's shape and callers, and each
/// function's place in its own component.
struct Component<'a> {
    program: &'a Program,
    shapes: &'a [Shape],
    callers: &'a [Vec<FnId>],
    place: &'a [Option<u32>],
}

/// Per function: the states it overrides before its first await and writes back after it
/// (a saved value or a literal), sorted.
pub(crate) fn balanced(summaries: &[Summary]) -> Vec<Vec<StateId>> {
    summaries
        .iter()
        .map(|s| {
            let overrides: Vec<StateId> = s.effects.iter().filter(|(e, _)| !e.post && e.touch.is_write()).map(|(e, _)| e.state).collect();
            let mut out: Vec<StateId> = s
                .effects
                .iter()
                .filter(|(e, _)| e.post && matches!(e.touch, Touch::Write { restore: true, .. } | Touch::Write { literal: 1.., .. }))
                .map(|(e, _)| e.state)
                .filter(|st| overrides.contains(st))
                .collect();
            out.sort_unstable();
            out.dedup();
            out
        })
        .collect()
}
