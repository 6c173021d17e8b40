//! The view of one function that every rule queries: the shared-state effects at each node
//! (direct accesses, and callees' summaries at call sites) and which nodes are reachable from a
//! node through at least one await point.

use rustc_hash::FxHashMap;

use crate::facts::{Atom, FnFacts, NodeId, NodeKind, Span};
use crate::program::{fields_conflict, FnId, MadeAt, Program, StateId, Touch};

/// One effect at a node of the function being checked. Its field is borrowed from the facts or
/// summaries it comes from: views are built for every async function, and counting references
/// to shared atoms from two threads was a measurable part of that.
#[derive(Debug, Clone, Copy)]
pub struct Eff<'p> {
    pub state: StateId,
    pub field: Option<&'p Atom>,
    pub touch: Touch,
    /// For effects of a call: the callee and where the callee (or its callee) makes the access.
    pub via: Option<(FnId, MadeAt)>,
    /// 0 for accesses in this function or directly in the callee, more for deeper callees.
    pub depth: u32,
}

impl Eff<'_> {
    pub fn conflicts(&self, other: &Eff) -> bool {
        self.state == other.state && fields_conflict(self.field, other.field)
    }

    /// For two effects of one call: whether this one is made earlier in the callee's source
    /// than `other` (a test before the write it guards, not `push(x); if (q.length > n) …`).
    pub fn made_before(&self, other: &Eff) -> bool {
        match (self.via, other.via) {
            (Some((_, MadeAt::Source(a))), Some((_, MadeAt::Source(b)))) => a.module == b.module && a.span.lo < b.span.lo,
            _ => false,
        }
    }
}

/// Effects of calls count when the callee makes them, or a callee at most this many calls
/// further down (`withConnectionSettings` → `switchConnectionSettings` → `set_connection_profile`
/// → the host call). Deeper chains are mostly paths that cannot happen together.
const MAX_RULE_DEPTH: u32 = 2;

/// Above this many (source × node) steps a function's crossing sets are not computed; such
/// functions are minified bundles, not code a reader maintains.
const CROSSING_BUDGET: usize = 40_000_000;

/// In a crossing set: the node is not reached through an await. A sentinel rather than an
/// `Option<NodeId>`: crossing sets are one entry per node of the function, built for many
/// nodes of every async function on the rules' hot path, and a plain `NodeId` (a `u32`) per
/// entry keeps them half the size of `Option<NodeId>`'s eight bytes.
const NO_AWAIT: NodeId = NodeId::from_index(u32::MAX as usize);

/// From one node: per node, the await it is reached through ([`NO_AWAIT`]: none), and whether
/// it is reached without crossing one.
type Crossing = (Vec<NodeId>, Vec<bool>);

pub struct FnView<'p> {
    pub program: &'p Program,
    pub id: FnId,
    pub module: u32,
    pub facts: &'p FnFacts,
    /// Effects on shared state at each node.
    pub effects: Vec<Vec<Eff<'p>>>,
    /// For each node with effects: the await through which each other node is reached
    /// ([`NO_AWAIT`] when it is not reachable through an await), and which nodes it reaches
    /// without one. Computed when a rule first asks: most nodes with effects are never a
    /// rule's starting point.
    crossing: Vec<std::cell::OnceCell<Option<Crossing>>>,
    /// Whether the function is small enough for crossing sets at all.
    within_budget: bool,
    /// The resume node of each awaited call.
    pub(crate) resume_of: FxHashMap<NodeId, NodeId>,
    /// Each state's writes as (node, index into that node's effects), in node order: rules that
    /// pair two writes of one state look only at that state's.
    writes_by_state: std::cell::OnceCell<FxHashMap<StateId, Vec<(NodeId, u32)>>>,
}

impl<'p> FnView<'p> {
    pub fn new(program: &'p Program, id: FnId) -> Option<FnView<'p>> {
        let facts = program.function(id);
        if !program.has_yield(id) {
            return None;
        }
        let module = program.functions[id.index()].module;
        let targets = &program.call_targets[id.index()];
        let mut effects: Vec<Vec<Eff>> = Vec::with_capacity(facts.nodes.len());
        let resume_of: FxHashMap<NodeId, NodeId> = facts
            .nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| match n.kind {
                NodeKind::Resume { call } => Some((call, NodeId::from_index(i))),
                _ => None,
            })
            .collect();
        for (i, node) in facts.nodes.iter().enumerate() {
            let mut list = Vec::new();
            if let Some((state, field, touch)) = program.direct_effect(module, facts, NodeId::from_index(i)) {
                list.push(Eff { state, field, touch, via: None, depth: 0 });
            }
            let (call, post) = match node.kind {
                NodeKind::Call { .. } => (Some(NodeId::from_index(i)), false),
                NodeKind::Resume { call } => (Some(call), true),
                _ => (None, false),
            };
            if let Some(call) = call {
                if let Some(t) = targets[call.index()].filter(|&t| t != id) {
                    for (e, origin) in &program.summaries[t.index()].effects {
                        // made before the callee suspends when this call's constants skip
                        // the awaits before it
                        let callee_post = e.post && (e.post_if == 0 || crate::constants::may_hold(program, t, e.post_if, id, call));
                        if callee_post == post && origin.depth <= MAX_RULE_DEPTH {
                            // not for this call's constant arguments
                            if e.when != 0 && !crate::constants::may_hold(program, t, e.when, id, call) {
                                continue;
                            }
                            // a parameter written in the callee: the call's literal argument
                            let touch = match e.touch {
                                Touch::Write { kind, restore, literal: 0, fill, cas } if origin.depth == 0 => {
                                    Touch::Write { kind, restore, literal: argument_literal(program, facts, call, t, origin.at), fill, cas }
                                }
                                t => t,
                            };
                            list.push(Eff {
                                state: e.state,
                                field: e.field.as_ref(),
                                touch,
                                via: Some((t, origin.at)),
                                depth: origin.depth,
                            });
                        }
                    }
                }
            }
            effects.push(list);
        }
        let with_effects = effects.iter().filter(|e| !e.is_empty()).count();
        let n = facts.nodes.len();
        let within_budget = with_effects.saturating_mul(n) <= CROSSING_BUDGET;
        let crossing = (0..n).map(|_| std::cell::OnceCell::new()).collect();
        let mut view =
            FnView { program, id, module, facts, effects, crossing, within_budget, resume_of, writes_by_state: Default::default() };
        crate::marks::mark_setter_restores(&mut view);
        Some(view)
    }

    /// The await crossed on a path from `from` to `to`, if some path crosses one.
    pub fn crosses(&self, from: NodeId, to: NodeId) -> Option<NodeId> {
        let via = self.crossing_from(from)?.0[to.index()];
        (via != NO_AWAIT).then_some(via)
    }

    /// Whether some path from `from` reaches `to` without crossing an await.
    pub fn reaches_directly(&self, from: NodeId, to: NodeId) -> bool {
        self.crossing_from(from).is_some_and(|c| c.1[to.index()])
    }

    /// The crossing sets of a node with effects (none for other nodes, or when the function is
    /// over budget).
    fn crossing_from(&self, from: NodeId) -> Option<&Crossing> {
        self.crossing
            .get(from.index())?
            .get_or_init(|| {
                (self.within_budget && !self.effects[from.index()].is_empty())
                    .then(|| compute_crossing(self.facts, from, &self.program.settled.awaits[self.id.index()]))
            })
            .as_ref()
    }

    pub fn span(&self, node: NodeId) -> Span {
        self.facts.nodes[node.index()].span
    }

    /// The call node a node's effects come from (itself for calls, the call for resumes).
    pub fn origin(&self, node: NodeId) -> Option<NodeId> {
        match self.facts.nodes[node.index()].kind {
            NodeKind::Call { .. } => Some(node),
            NodeKind::Resume { call } => Some(call),
            _ => None,
        }
    }

    /// Two nodes whose effects both come from one call: that race is the callee's own.
    pub fn same_call(&self, a: NodeId, b: NodeId) -> bool {
        a != b && self.origin(a).is_some() && self.origin(a) == self.origin(b)
    }

    /// Effects of `node` that read (or test) shared state.
    pub fn reads(&self, node: NodeId) -> impl Iterator<Item = &Eff<'p>> {
        self.effects[node.index()].iter().filter(|e| e.touch.is_read())
    }

    /// The reads a value produced at `node` carries, with where each happens: a call's value
    /// carries what the callee itself reads (not its callees), before its first await at the
    /// call and after it at the resume point.
    pub fn value_reads(&self, node: NodeId) -> Vec<(NodeId, &Eff<'p>)> {
        let carried = |e: &&Eff| e.depth == 0 && self.returned_by_callee(e);
        let mut out: Vec<(NodeId, &Eff<'p>)> = self.reads(node).filter(carried).map(|e| (node, e)).collect();
        if let Some(&r) = self.resume_of.get(&node) {
            out.extend(self.reads(r).filter(carried).map(|e| (r, e)));
        }
        out
    }

    /// Whether a read is part of the value where it is made: a direct read always is; a read a
    /// callee makes only when it reaches the callee's return value (`return settings.model`,
    /// not `headers: { token }` of a request whose response is returned, nor a test that only
    /// steers the callee). Host calls' reads are what they return.
    fn returned_by_callee(&self, e: &Eff) -> bool {
        let Some((t, at)) = e.via else { return true };
        if t.index() >= self.program.functions.len() {
            return true;
        }
        let MadeAt::Source(site) = at else { return false };
        let callee = self.program.function(t);
        let module = self.program.functions[t.index()].module;
        site.module == module
            && (callee.returns_all
                || callee.returned.iter().any(|&n| {
                    let node = &callee.nodes[n.index()];
                    node.span == site.span && matches!(node.kind, NodeKind::Read { .. })
                }))
    }

    pub fn writes(&self, node: NodeId) -> impl Iterator<Item = &Eff<'p>> {
        self.effects[node.index()].iter().filter(|e| e.touch.is_write())
    }

    /// Every write of `state` in the function, in node order: the same as `writes(b)` for each
    /// node `b` in turn, keeping only that state's.
    pub fn writes_to(&self, state: StateId) -> impl Iterator<Item = (NodeId, &Eff<'p>)> {
        let index = self.writes_by_state.get_or_init(|| {
            let mut index: FxHashMap<StateId, Vec<(NodeId, u32)>> = FxHashMap::default();
            for (n, effects) in self.effects.iter().enumerate() {
                for (i, e) in effects.iter().enumerate() {
                    if e.touch.is_write() {
                        index.entry(e.state).or_default().push((NodeId::from_index(n), i as u32));
                    }
                }
            }
            index
        });
        index.get(&state).into_iter().flatten().map(|&(n, i)| (n, &self.effects[n.index()][i as usize]))
    }

    /// Whether an effect happens in this function or directly in the function it calls (not
    /// deeper in the call tree), or is a host API's effect reached through wrappers
    /// (`switchConnectionSettings` → `set_connection_profile` → `/profile`).
    pub fn direct(&self, e: &Eff) -> bool {
        e.depth == 0 || matches!(e.via, Some((_, MadeAt::Host)))
    }

    /// Whether the call at `node` (or resumed at it) overrides `state` and restores it itself
    /// (`generateRaw` saves and restores `amount_gen` internally): a self-contained update that
    /// is not one half of an override in the caller.
    pub fn balanced(&self, node: NodeId, state: StateId) -> bool {
        let call = match self.origin(node) {
            Some(c) => c,
            None => return false,
        };
        let Some(t) = self.program.call_targets[self.id.index()][call.index()] else { return false };
        self.program.balanced[t.index()].binary_search(&state).is_ok()
    }

    /// Whether the callee that makes write `e2` at `node` tests the same state first, earlier
    /// in its source (`if (!list.includes(x)) list.push(x)`): the write re-checks its own
    /// condition.
    pub fn rechecked_by_callee(&self, node: NodeId, e2: &Eff) -> bool {
        e2.via.is_some() && self.reads(node).any(|t| t.touch == Touch::Test && t.conflicts(e2) && t.made_before(e2))
    }

    /// Whether the write at `write` lands only while an epoch this run claimed is still its
    /// own: it is guarded, with no await between, by an equality test of shared state `T`
    /// against a value taken from `T` before an await, and this function wrote `T` before that
    /// await (`const mine = ++token; … await …; if (mine !== token) return; write`). Every later
    /// run claims `T` anew, so a run that was overtaken skips the write instead of landing it
    /// on top of the newer run's: the runs are superseded, not interleaved.
    pub fn lands_only_in_its_epoch(&self, write: NodeId) -> bool {
        self.facts.nodes[write.index()].guards.iter().any(|&g| {
            self.reaches_directly(g, write)
                && self.reads(g).filter(|t| t.touch == Touch::Test).any(|t| {
                    let claimed = self.writes_to(t.state).any(|(w, e)| e.conflicts(t) && self.crosses(w, g).is_some());
                    // `if (mine === token) write`, or `if (mine !== token) return; write`
                    let exit = self.facts.exit_tests.contains(&g);
                    let tests = if exit { &self.facts.inequalities } else { &self.facts.conditions };
                    claimed
                        && tests.iter().any(|u| {
                            u.fresh.contains(&g)
                                && u.stale
                                    .iter()
                                    .any(|&s| self.crosses(s, g).is_some() && self.effects[s.index()].iter().any(|r| r.conflicts(t)))
                        })
                })
        })
    }

    pub fn nodes_with_effects(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.effects.iter().enumerate().filter(|(_, e)| !e.is_empty()).map(|(i, _)| NodeId::from_index(i))
    }
}

/// The literal a call hands to the parameter its callee writes at `write` (`setLoading(true)`
/// with `setLoading(on) { state.loading = on }`): 0 when the argument is no literal, or the
/// written value is not exactly a parameter.
fn argument_literal(program: &Program, facts: &FnFacts, call: NodeId, callee: FnId, write: MadeAt) -> u32 {
    // a host API's effects have no source of their own to look the parameter up in
    let MadeAt::Source(write) = write else { return 0 };
    let mut literals = facts.call_literals.iter().filter(|(c, _, _)| *c == call).peekable();
    if literals.peek().is_none() || program.functions.get(callee.index()).is_none_or(|r| r.module != write.module) {
        return 0;
    }
    let param = program.function(callee).nodes.iter().find_map(|n| match &n.kind {
        NodeKind::Write { value, .. } if n.span == write.span => value.param,
        _ => None,
    });
    match param {
        Some(p) => literals.find(|(_, i, _)| *i == p).map_or(0, |(_, _, k)| *k),
        None => 0,
    }
}

/// Breadth-first search in two layers: before and after crossing an await. Returns, per node,
/// the first await through which it is reached (or [`NO_AWAIT`]). Paths end when they come back
/// to `from`: what matters is the latest execution of the source (a loop that re-checks a
/// condition or re-reads a value on every iteration is fresh again after that point). Nodes on
/// branches that exclude the source are not entered.
/// `settled`: the function's awaits that do not let another task run (`yields.rs`), sorted.
fn compute_crossing(f: &FnFacts, from: NodeId, settled: &[NodeId]) -> Crossing {
    let n = f.nodes.len();
    let mut via = vec![NO_AWAIT; n];
    let mut seen0 = vec![false; n];
    let mut queue = std::collections::VecDeque::new();
    for &s in &f.nodes[from.index()].succ {
        queue.push_back((s, NO_AWAIT));
    }
    while let Some((node, aw)) = queue.pop_front() {
        let i = node.index();
        // branches that exclude the source never run with it (only the source: a node keeps
        // the first await it is reached through, and another await may lead on to it)
        if f.exclusive(from, node) {
            continue;
        }
        if aw == NO_AWAIT {
            if seen0[i] {
                continue;
            }
            seen0[i] = true;
            if node == from {
                continue;
            }
            let next = if matches!(f.nodes[i].kind, NodeKind::Await(_)) && settled.binary_search(&node).is_err() { node } else { NO_AWAIT };
            for &s in &f.nodes[i].succ {
                queue.push_back((s, next));
            }
        } else {
            if via[i] != NO_AWAIT {
                continue;
            }
            via[i] = aw;
            if node == from {
                continue;
            }
            for &s in &f.nodes[i].succ {
                queue.push_back((s, aw));
            }
        }
    }
    (via, seen0)
}
