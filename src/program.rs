//! Links modules into one program: a global table of shared state, call targets resolved to
//! functions, and for every function a summary of the shared state it reads and writes
//! (directly or through its callees, to a fixpoint), split into effects before and after its
//! first await.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::facts::{Access, Atom, FnFacts, ModuleFacts, NodeId, NodeKind, Span, StateKind, WriteKind};
use crate::host::Hosts;
use crate::link::{HostFn, Resolver, StateTable};
use crate::parse::SyntaxError;
use crate::source::LineIndex;

/// One analysed file: its text (kept for rendering), facts and parse errors.
pub struct SourceModule {
    /// The path as shown to users (relative to the current directory when possible).
    pub path: PathBuf,
    pub text: Arc<str>,
    /// Built on first use: only files with findings or errors need positions.
    pub line_index: std::sync::OnceLock<LineIndex>,
    pub facts: ModuleFacts,
    pub errors: Vec<SyntaxError>,
    /// The text mentions `racelint-ignore` (looked for on the worker that loads the file,
    /// while the text is in its cache, not in a serial pass over every file afterwards).
    pub mentions_ignore: bool,
}

impl SourceModule {
    pub fn new(path: PathBuf, text: Arc<str>, facts: ModuleFacts) -> SourceModule {
        let mentions_ignore = memchr::memmem::find(text.as_bytes(), b"racelint-").is_some();
        SourceModule { path, text, line_index: std::sync::OnceLock::new(), facts, errors: Vec::new(), mentions_ignore }
    }

    pub fn lines(&self) -> &LineIndex {
        self.line_index.get_or_init(|| LineIndex::new(&self.text))
    }
}

/// A piece of shared state, program-wide.
#[derive(Debug, Clone)]
pub struct State {
    pub name: String,
    pub kind: StateKind,
    pub module: u32,
    pub decl: Span,
    /// Written somewhere after initialisation: only such state can race.
    pub written: bool,
    /// A single value: a binding only ever assigned as a whole (never `x.f = …`, `x[k] = …` or
    /// a mutating method; reading its fields is fine), so every write replaces all of it and
    /// none leaves it half-done.
    pub scalar: bool,
    /// A host state the host writes itself, and when (`on every chat switch`).
    pub written_by_host: Option<String>,
}

/// Global function id: index into `Program::functions`.
pub type FnId = u32;

/// Where an access happens in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Site {
    pub module: u32,
    pub span: Span,
}

/// How an effect touches its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Touch {
    Read,
    /// A read that is part of a condition.
    Test,
    Write {
        kind: WriteKind,
        /// The value written is a copy saved from the state earlier (directly, or through a
        /// backup state such as `TempResponseLength.#originalResponseLength`).
        restore: bool,
        /// Hash of the literal written (`false`, `null`, `-1`), 0 when not a literal.
        literal: u32,
    },
}

impl Touch {
    pub fn is_write(self) -> bool {
        matches!(self, Touch::Write { .. })
    }
    pub fn is_read(self) -> bool {
        matches!(self, Touch::Read | Touch::Test)
    }
}

/// A summarised effect of a function on shared state.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Effect {
    pub state: u32,
    pub field: Option<Atom>,
    pub touch: Touch,
    /// Happens after the function's first await (so after its caller resumes, if awaited).
    pub post: bool,
}

/// Where a summarised effect happens and how deep in the call tree (0: in the function itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub site: Site,
    pub depth: u32,
}

#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub effects: Vec<(Effect, Origin)>,
}

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

    /// Adds an effect, keeping the shallowest origin of each distinct effect.
    fn add(&mut self, e: &Effect, origin: Origin) {
        match self.keys.get(e) {
            Some(&i) => {
                if origin.depth < self.effects[i].1.depth {
                    self.effects[i].1 = origin;
                }
            }
            None => {
                self.keys.insert(e.clone(), self.effects.len());
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
    direct: Summary,
    /// Callee, whether the call comes after an await, whether it is awaited.
    calls: Vec<(FnId, bool, bool)>,
}

pub struct FunctionRef {
    pub module: u32,
    pub local: u32,
}

pub struct Program {
    pub modules: Vec<SourceModule>,
    pub states: Vec<State>,
    /// Per module: local state id → global state id.
    pub state_ids: Vec<Vec<u32>>,
    pub functions: Vec<FunctionRef>,
    /// Per module: index of its first function in `functions`.
    pub fn_base: Vec<u32>,
    /// Per global function: resolved callee for each Call node (`u32::MAX` when unknown).
    pub call_targets: Vec<Vec<FnId>>,
    /// Per global function: the program function each of its `callbacks` hands over
    /// (`u32::MAX` when it is not one of the program's).
    pub callback_targets: Vec<Vec<FnId>>,
    /// Host calls, as functions numbered after the program's own.
    pub host_fns: Vec<HostFn>,
    /// Per function (host calls included): what a call to it does. Empty for functions no
    /// analysed code calls: only callers read a summary.
    pub summaries: Vec<Summary>,
    /// Per function (host calls included): the states it overrides before its first await and
    /// writes back after it, sorted.
    pub balanced: Vec<Vec<u32>>,
    /// Per global state: the states whose values it holds a saved copy of
    /// (`TempResponseLength.#originalResponseLength` backs up `amount_gen`).
    backs_up: Vec<Vec<u32>>,
    /// Fields of one state that a synchronous function writes together
    /// (`changeSource(s) { sd.source = s; sd.sampler = null; }`): an invariant ties them, so a
    /// write of one computed from a stale read of the other loses the other's update.
    written_together: rustc_hash::FxHashSet<(u32, Atom, Atom)>,
}

/// Effects of callees more than this many calls deep are left out of summaries.
const MAX_SUMMARY_DEPTH: u32 = 4;

/// Two accesses to the same state conflict unless they name different fields.
/// Fields are access paths (`sd.url`): they conflict when one is a prefix of the other
/// (`sd` and `sd.url`), segment by segment, with `[*]` standing for any one segment.
pub fn fields_conflict(a: Option<&Atom>, b: Option<&Atom>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => {
            x == y || x.split('.').zip(y.split('.')).all(|(p, q)| p == q || p == crate::facts::ANY_FIELD || q == crate::facts::ANY_FIELD)
        }
        _ => true,
    }
}

/// The same known field (or both the whole state): a value read there and written back there
/// is a saved copy.
fn same_place(a: &Option<Atom>, b: &Option<Atom>) -> bool {
    a == b && a.as_deref() != Some(crate::facts::ANY_FIELD)
}

impl Program {
    pub fn link(modules: Vec<SourceModule>, hosts: &Hosts) -> Program {
        let resolver = Resolver::new(&modules);
        let mut table = StateTable::new(&modules, hosts);
        let state_ids = crate::link::state_ids(&mut table, &resolver);
        let mut functions = Vec::new();
        let mut fn_base = Vec::with_capacity(modules.len());
        for (mi, m) in modules.iter().enumerate() {
            fn_base.push(functions.len() as u32);
            for li in 0..m.facts.functions.len() {
                functions.push(FunctionRef { module: mi as u32, local: li as u32 });
            }
        }
        let mut host_fns = Vec::new();
        let (call_targets, callback_targets) = crate::link::call_targets(&resolver, &mut table, &fn_base, &mut host_fns);
        let states = table.states;
        drop(resolver);
        let mut program = Program {
            modules,
            states,
            state_ids,
            functions,
            fn_base,
            call_targets,
            callback_targets,
            host_fns,
            summaries: Vec::new(),
            balanced: Vec::new(),
            backs_up: Vec::new(),
            written_together: Default::default(),
        };
        program.mark_written_and_backups();
        program.summarise();
        program.balanced = program
            .summaries
            .iter()
            .map(|s| {
                let overrides: Vec<u32> = s.effects.iter().filter(|(e, _)| !e.post && e.touch.is_write()).map(|(e, _)| e.state).collect();
                let mut out: Vec<u32> = s
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
            .collect();
        program
    }

    /// A function's name as findings show it (host calls by their API path).
    pub fn fn_name(&self, id: FnId) -> &str {
        match (id as usize).checked_sub(self.functions.len()) {
            Some(h) => &self.host_fns[h].name,
            None => &self.function(id).name,
        }
    }

    pub fn function(&self, id: FnId) -> &FnFacts {
        let r = &self.functions[id as usize];
        &self.modules[r.module as usize].facts.functions[r.local as usize]
    }

    pub fn global_state(&self, module: u32, access: &Access) -> u32 {
        self.state_ids[module as usize][access.state as usize]
    }

    fn mark_written_and_backups(&mut self) {
        use rayon::prelude::*;
        /// What one module's accesses say about the program's states.
        #[derive(Default)]
        struct Marks {
            not_scalar: Vec<u32>,
            written: Vec<u32>,
            /// (state, the state whose value it saves)
            backups: Vec<(u32, u32)>,
            together: Vec<(u32, Atom, Atom)>,
        }
        let marks: Vec<Marks> = self
            .modules
            .par_iter()
            .enumerate()
            .map(|(mi, m)| {
                let ids = &self.state_ids[mi];
                let mut out = Marks::default();
                for f in &m.facts.functions {
                    if !f.has_await {
                        let fields: Vec<(u32, &Atom)> = f
                            .nodes
                            .iter()
                            .filter_map(|n| match &n.kind {
                                NodeKind::Write { access: Access { state, field: Some(field) }, .. } => Some((ids[*state as usize], field)),
                                _ => None,
                            })
                            .filter(|(_, f)| !f.contains(crate::facts::ANY_FIELD))
                            .take(16)
                            .collect();
                        for (i, &(s, a)) in fields.iter().enumerate() {
                            for &(t, b) in &fields[i + 1..] {
                                if s == t && a != b {
                                    let (x, y) = if a < b { (a, b) } else { (b, a) };
                                    out.together.push((s, x.clone(), y.clone()));
                                }
                            }
                        }
                    }
                    for n in &f.nodes {
                        let access = match &n.kind {
                            NodeKind::Read { access, .. } | NodeKind::Write { access, .. } => access,
                            _ => continue,
                        };
                        // reads of a field (`chain.length`) leave it one value: only a write
                        // of a part (or through a mutating method) can leave it half-done
                        let whole = match &n.kind {
                            NodeKind::Write { kind, .. } => {
                                access.field.is_none() && matches!(kind, WriteKind::Assign | WriteKind::Compound | WriteKind::Update)
                            }
                            _ => true,
                        };
                        if !whole {
                            out.not_scalar.push(ids[access.state as usize]);
                        }
                        if let NodeKind::Write { access, value, .. } = &n.kind {
                            let s = ids[access.state as usize];
                            out.written.push(s);
                            if value.copy {
                                for &src in &value.sources {
                                    if let NodeKind::Read { access: r, .. } = &f.nodes[src as usize].kind {
                                        let rs = ids[r.state as usize];
                                        if rs != s {
                                            out.backups.push((s, rs));
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                out
            })
            .collect();
        let mut backs_up = vec![Vec::new(); self.states.len()];
        for m in &marks {
            self.written_together.extend(m.together.iter().cloned());
        }
        for m in marks {
            for s in m.not_scalar {
                self.states[s as usize].scalar = false;
            }
            for s in m.written {
                self.states[s as usize].written = true;
            }
            for (s, rs) in m.backups {
                if !backs_up[s as usize].contains(&rs) {
                    backs_up[s as usize].push(rs);
                }
            }
        }
        for h in &self.host_fns {
            for &w in &h.writes {
                // what a host call writes is opaque: it may be any part of the value
                self.states[w as usize].written = true;
                self.states[w as usize].scalar = false;
            }
        }
        // host state is whatever the host keeps behind it, never known to be one value
        for s in &mut self.states {
            s.scalar &= matches!(s.kind, StateKind::Binding | StateKind::ClassStatic);
        }
        // a `const` handle on the page (`$('#chat')`): writing through it (scroll position,
        // contents) changes the page, not state the program reads back as data
        for (mi, m) in self.modules.iter().enumerate() {
            for name in &m.facts.dom_handles {
                if let Some(local) = m.facts.states.iter().position(|s| s.kind == StateKind::Binding && *s.name == **name) {
                    let s = self.state_ids[mi][local];
                    self.states[s as usize].written = false;
                }
            }
        }
        self.backs_up = backs_up;
    }

    /// The states whose values `state` holds a saved copy of.
    pub fn backs_up(&self, state: u32) -> &[u32] {
        self.backs_up.get(state as usize).map_or(&[], Vec::as_slice)
    }

    /// Every (state, field, field) that a synchronous function writes together, in no order.
    pub fn written_together_pairs(&self) -> impl Iterator<Item = &(u32, Atom, Atom)> {
        self.written_together.iter()
    }

    /// Whether a synchronous function somewhere writes these two fields of `state` together.
    pub fn written_together(&self, state: u32, a: Option<&Atom>, b: Option<&Atom>) -> bool {
        let (Some(a), Some(b)) = (a, b) else { return false };
        let (x, y) = if a < b { (a, b) } else { (b, a) };
        !self.written_together.is_empty() && self.written_together.contains(&(state, x.clone(), y.clone()))
    }

    /// Whether the write at `node` of `f` writes back a value saved from its state.
    fn is_restore(&self, module: u32, f: &FnFacts, node: &crate::facts::Node) -> bool {
        let NodeKind::Write { access, value, kind } = &node.kind else { return false };
        if matches!(kind, WriteKind::Element | WriteKind::Keyed | WriteKind::Bulk | WriteKind::Replace | WriteKind::Delete) {
            return false;
        }
        if !value.copy {
            return false;
        }
        let target = self.global_state(module, access);
        value.sources.iter().any(|&src| match &f.nodes[src as usize].kind {
            NodeKind::Read { access: r, .. } => {
                let rs = self.global_state(module, r);
                (rs == target && same_place(&r.field, &access.field)) || self.backs_up[rs as usize].contains(&target)
            }
            _ => false,
        })
    }

    /// The effect a direct access node has, if it touches written (shared) state.
    pub fn direct_effect<'f>(&self, module: u32, f: &'f FnFacts, node: NodeId) -> Option<(u32, Option<&'f Atom>, Touch)> {
        let n = &f.nodes[node as usize];
        let (access, touch) = match &n.kind {
            NodeKind::Read { access, test } => (access, if *test { Touch::Test } else { Touch::Read }),
            NodeKind::Write { access, kind, value } => {
                (access, Touch::Write { kind: *kind, restore: self.is_restore(module, f, n), literal: value.literal })
            }
            _ => return None,
        };
        let s = self.global_state(module, access);
        self.states[s as usize].written.then_some((s, access.field.as_ref(), touch))
    }

    /// Computes every function's summary, re-running callers whenever a callee's grows.
    fn summarise(&mut self) {
        let n = self.functions.len();
        self.summaries = vec![Summary::default(); n];
        let mut keys = FxHashMap::default();
        for h in &self.host_fns {
            let mut s = SummaryBuilder::new(&mut keys, h.reads.len() + h.writes.len());
            let origin = Origin { site: Site { module: u32::MAX, span: Span::default() }, depth: 0 };
            for &r in &h.reads {
                s.add(&Effect { state: r, field: None, touch: Touch::Read, post: h.awaits }, origin);
            }
            for &w in &h.writes {
                s.add(
                    &Effect {
                        state: w,
                        field: None,
                        touch: Touch::Write { kind: WriteKind::Assign, restore: false, literal: 0 },
                        post: h.awaits,
                    },
                    origin,
                );
            }
            self.summaries.push(s.finish());
        }
        // each function's distinct callees in parallel (host calls, numbered after the
        // program's functions, have fixed summaries), then the callers of each, in order
        let callees: Vec<Vec<FnId>> = {
            use rayon::prelude::*;
            self.call_targets
                .par_iter()
                .map(|targets| {
                    let mut t: Vec<FnId> = targets.iter().copied().filter(|&t| (t as usize) < n).collect();
                    t.sort_unstable();
                    t.dedup();
                    t
                })
                .collect()
        };
        let mut callers: Vec<Vec<FnId>> = vec![Vec::new(); n];
        for (f, targets) in callees.iter().enumerate() {
            for &t in targets {
                callers[t as usize].push(f as u32);
            }
        }
        let shapes: Vec<Shape> = {
            use rayon::prelude::*;
            (0..n as u32)
                .into_par_iter()
                .map_init(FxHashMap::default, |keys, f| {
                    if callers[f as usize].is_empty() {
                        Shape { direct: Summary::default(), calls: Vec::new() }
                    } else {
                        self.shape(f, keys)
                    }
                })
                .collect()
        };
        // callees before callers (a depth-first postorder of the call graph), so most functions
        // are summarised once; functions without effects or calls keep the empty summary
        let mut order: Vec<FnId> = Vec::with_capacity(n);
        let mut visited = vec![false; n];
        for root in 0..n as u32 {
            if visited[root as usize] {
                continue;
            }
            visited[root as usize] = true;
            let mut stack: Vec<(FnId, usize)> = vec![(root, 0)];
            while let Some((f, i)) = stack.pop() {
                let calls = &shapes[f as usize].calls;
                match calls.get(i) {
                    Some(&(t, _, _)) => {
                        stack.push((f, i + 1));
                        if (t as usize) < n && !visited[t as usize] {
                            visited[t as usize] = true;
                            stack.push((t, 0));
                        }
                    }
                    None => order.push(f),
                }
            }
        }
        // only call targets need a summary (rules read a callee's summary at its call sites, and
        // nothing reads a function's own): a function nobody calls is not summarised at all
        let need: Vec<bool> =
            (0..n).map(|f| !callers[f].is_empty() && (!shapes[f].direct.effects.is_empty() || !shapes[f].calls.is_empty())).collect();
        let levels = summary_levels(&order, &shapes, &need);
        // each function's place in its component, so that membership is one lookup even in a
        // large cycle
        let mut place = vec![u32::MAX; n];
        for scc in levels.iter().flatten() {
            for (i, &f) in scc.iter().enumerate() {
                place[f as usize] = i as u32;
            }
        }
        let ctx = Component { shapes: &shapes, callers: &callers, place: &place };
        // the strongly connected components of one level call only into lower levels, whose
        // summaries are final: they are summarised in parallel, each to its own fixpoint, and the
        // result does not depend on scheduling
        // a level of one or two components (a long call chain has thousands) is not worth
        // sending to the pool
        for level in levels {
            use rayon::prelude::*;
            let done: Vec<Vec<(FnId, Summary)>> = if level.len() <= 2 {
                level.iter().map(|scc| self.summarise_component(scc, &ctx, &mut keys)).collect()
            } else {
                level.par_iter().map_init(FxHashMap::default, |keys, scc| self.summarise_component(scc, &ctx, keys)).collect()
            };
            for (f, summary) in done.into_iter().flatten() {
                self.summaries[f as usize] = summary;
            }
        }
    }

    /// Summaries for one strongly connected component of the call graph (members in postorder),
    /// iterated to a fixpoint: each summary only grows and is bounded, so this terminates, and
    /// the budget guards against pathological call graphs.
    fn summarise_component(&self, scc: &[FnId], ctx: &Component, keys: &mut FxHashMap<Effect, usize>) -> Vec<(FnId, Summary)> {
        let shapes = ctx.shapes;
        let mut current: Vec<(FnId, Summary)> = scc.iter().map(|&f| (f, Summary::default())).collect();
        let member = |t: FnId| {
            let i = *ctx.place.get(t as usize)? as usize;
            (scc.get(i) == Some(&t)).then_some(i)
        };
        let mut queue: VecDeque<usize> = (0..scc.len()).collect();
        let mut queued = vec![true; scc.len()];
        let mut budget = 64 * scc.len() + 64;
        while let Some(i) = queue.pop_front() {
            queued[i] = false;
            let new = self.compute_summary(&shapes[scc[i] as usize], keys, |t| match member(t) {
                Some(j) => &current[j].1,
                None => &self.summaries[t as usize],
            });
            // a summary changes by growing or by an effect found closer (a smaller depth)
            if new.effects != current[i].1.effects {
                current[i].1 = new;
                if scc.len() > 1 {
                    for &c in &ctx.callers[scc[i] as usize] {
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
                    (x.site, x.depth, a.state, a.field.as_deref(), a.touch, a.post).cmp(&(
                        y.site,
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
    fn shape(&self, fid: FnId, keys: &mut FxHashMap<Effect, usize>) -> Shape {
        let module = self.functions[fid as usize].module;
        let f = self.function(fid);
        let mut direct = SummaryBuilder::new(keys, 0);
        let mut calls: Vec<(FnId, bool, bool)> = Vec::new();
        let n = f.nodes.len();
        // layer 0: reached before any await; layer 1: after one
        let mut seen = vec![[false; 2]; n];
        let mut queue = VecDeque::new();
        seen[0][0] = true;
        queue.push_back((0u32, 0usize));
        while let Some((node, layer)) = queue.pop_front() {
            let nd = &f.nodes[node as usize];
            let post = layer == 1;
            if let Some((state, field, touch)) = self.direct_effect(module, f, node) {
                direct
                    .add(&Effect { state, field: field.cloned(), touch, post }, Origin { site: Site { module, span: nd.span }, depth: 0 });
            }
            if let NodeKind::Call { awaited, .. } = nd.kind {
                let t = self.call_targets[fid as usize][node as usize];
                if t != u32::MAX && t != fid && !calls.contains(&(t, post, awaited)) {
                    calls.push((t, post, awaited));
                }
            }
            let next_layer = if matches!(nd.kind, NodeKind::Await(_)) { 1 } else { layer };
            for &s in &nd.succ {
                if !seen[s as usize][next_layer] {
                    seen[s as usize][next_layer] = true;
                    queue.push_back((s, next_layer));
                }
            }
        }
        Shape { direct: direct.finish(), calls }
    }

    /// A function's summary from its shape and its callees' current summaries (`summary`).
    fn compute_summary<'s>(&'s self, shape: &Shape, keys: &mut FxHashMap<Effect, usize>, summary: impl Fn(FnId) -> &'s Summary) -> Summary {
        let mut out = SummaryBuilder::new(keys, shape.direct.effects.len());
        for (e, origin) in &shape.direct.effects {
            out.add(e, *origin);
        }
        for &(t, post, awaited) in &shape.calls {
            for (e, origin) in &summary(t).effects {
                // what an un-awaited callee does after its own awaits happens at some unknown
                // later time; effects deep in the call tree are mostly paths that cannot
                // happen together
                if (e.post && !awaited) || origin.depth >= MAX_SUMMARY_DEPTH {
                    continue;
                }
                let origin = Origin { site: origin.site, depth: origin.depth + 1 };
                if post && !e.post {
                    out.add(&Effect { post: true, ..e.clone() }, origin);
                } else {
                    out.add(e, origin);
                }
            }
        }
        out.finish()
    }
}

/// What summarising one component reads: every function's shape and callers, and each
/// function's place in its own component.
struct Component<'a> {
    shapes: &'a [Shape],
    callers: &'a [Vec<FnId>],
    place: &'a [u32],
}

/// The call graph's strongly connected components among the functions that need a summary,
/// grouped in levels: a component's callees are all in lower levels. `order` is a depth-first
/// postorder of the call graph (callees first); members keep that order.
fn summary_levels(order: &[FnId], shapes: &[Shape], need: &[bool]) -> Vec<Vec<Vec<FnId>>> {
    let n = shapes.len();
    let edges =
        |f: FnId| shapes[f as usize].calls.iter().map(|&(t, _, _)| t).filter(move |&t| (t as usize) < n && need[t as usize] && t != f);
    // Tarjan's algorithm, iterative (call chains can be deep); components come out callees first
    let mut index = vec![u32::MAX; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<FnId> = Vec::new();
    let mut component = vec![u32::MAX; n];
    let mut components: Vec<Vec<FnId>> = Vec::new();
    let mut next = 0u32;
    for &root in order {
        if !need[root as usize] || index[root as usize] != u32::MAX {
            continue;
        }
        let mut work: Vec<(FnId, usize)> = vec![(root, 0)];
        index[root as usize] = next;
        low[root as usize] = next;
        next += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        while let Some(&mut (f, ref mut i)) = work.last_mut() {
            match edges(f).nth(*i) {
                Some(t) => {
                    *i += 1;
                    if index[t as usize] == u32::MAX {
                        index[t as usize] = next;
                        low[t as usize] = next;
                        next += 1;
                        stack.push(t);
                        on_stack[t as usize] = true;
                        work.push((t, 0));
                    } else if on_stack[t as usize] {
                        low[f as usize] = low[f as usize].min(index[t as usize]);
                    }
                }
                None => {
                    work.pop();
                    if let Some(&(p, _)) = work.last() {
                        low[p as usize] = low[p as usize].min(low[f as usize]);
                    }
                    if low[f as usize] == index[f as usize] {
                        let mut members = Vec::new();
                        while let Some(m) = stack.pop() {
                            on_stack[m as usize] = false;
                            component[m as usize] = components.len() as u32;
                            members.push(m);
                            if m == f {
                                break;
                            }
                        }
                        components.push(members);
                    }
                }
            }
        }
    }
    // members in postorder, as the serial worklist met them
    let mut rank = vec![0u32; n];
    for (i, &f) in order.iter().enumerate() {
        rank[f as usize] = i as u32;
    }
    let mut levels: Vec<Vec<Vec<FnId>>> = Vec::new();
    let mut level_of = vec![0usize; components.len()];
    for (c, members) in components.iter_mut().enumerate() {
        members.sort_unstable_by_key(|&m| rank[m as usize]);
        let level = members
            .iter()
            .flat_map(|&m| edges(m))
            .filter(|&t| component[t as usize] != c as u32)
            .map(|t| level_of[component[t as usize] as usize] + 1)
            .max()
            .unwrap_or(0);
        level_of[c] = level;
        if levels.len() <= level {
            levels.resize_with(level + 1, Vec::new);
        }
        levels[level].push(std::mem::take(members));
    }
    levels
}
