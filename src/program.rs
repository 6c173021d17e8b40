//! The linked program, the model every rule reads: the program-wide table of shared state,
//! call targets resolved to functions, and for every function a summary of the shared state it
//! reads and writes, split into effects before and after its first await.
//!
//! `link.rs` builds it: it resolves modules and calls, then `marks.rs` marks what the accesses
//! say about each state, and `summary.rs` computes the summaries (in the order `schedule.rs`
//! gives).

use crate::facts::{Access, Atom, FnFacts, NodeId, NodeKind, Span, StateKind, WriteKind};
use crate::source::SourceModule;

/// A piece of shared state, program-wide.
#[derive(Debug, Clone)]
pub struct State {
    pub name: String,
    pub kind: StateKind,
    /// The module that declares it; `None` for a host model's own state.
    pub module: Option<u32>,
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

/// Global function id: index into `Program::functions`, and for host calls, numbered after
/// those, into `Program::host_fns` (`Program::fn_name`).
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct FnId(u32);

impl FnId {
    pub fn from_index(i: usize) -> FnId {
        FnId(i as u32)
    }
    /// The id `n` places after this one (a module's function `n`, from the module's first).
    pub fn offset(self, n: u32) -> FnId {
        FnId(self.0 + n)
    }
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Global (program-wide) state id: index into `Program::states`. A module's own numbering of
/// its states is `facts::LocalStateId`; `Program::global_state` maps one to the other.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct StateId(u32);

impl StateId {
    pub fn from_index(i: usize) -> StateId {
        StateId(i as u32)
    }
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Where an access happens in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
        /// Made only while the state is unset: a test that passes only then guards it, with no
        /// await in between (`if (!x.f) x.f = v`). It fills in a missing value; it overrides
        /// nothing another task set.
        fill: bool,
        /// Made only while the state still holds a value this call has (a compare-and-set,
        /// no await in between: `if (activeRun === run) activeRun = run.parent`): 0 when not,
        /// `facts::IDENTITY_LOCAL` for a local's value, else 1 + the index of the parameter
        /// compared (whose argument, when it is a literal, many calls may share).
        cas: u8,
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
    pub state: StateId,
    pub field: Option<Atom>,
    pub touch: Touch,
    /// Happens after the function's first await (so after its caller resumes, if awaited).
    pub post: bool,
    /// The function's parameter tests it happens under (a set of its `FnFacts::param_tests`,
    /// 0: always): a call whose constants fail them does not make it.
    pub when: u32,
    /// When `post`: the function's tests that all the awaits before it run under (0: some
    /// await runs always): a call whose constants fail them makes it before suspending.
    pub post_if: u32,
}

/// Where a summarised effect happens and how deep in the call tree (0: in the function itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub at: MadeAt,
    pub depth: u32,
}

/// Where a summarised effect is made: at a place in the source, or inside a host call, which
/// has none. Places in the source order first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MadeAt {
    Source(Site),
    Host,
}

#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub effects: Vec<(Effect, Origin)>,
}

/// A function that stands for a host call: its name and effects come from a model.
#[derive(Debug, Clone)]
pub struct HostFn {
    pub name: String,
    pub awaits: bool,
    pub reads: Vec<StateId>,
    pub writes: Vec<StateId>,
}

pub struct FunctionRef {
    pub module: u32,
    pub local: u32,
}

/// Per function: what each of its nodes (or callbacks) resolves to, if anything.
pub type Targets = Vec<Vec<Option<FnId>>>;

pub struct Program {
    pub modules: Vec<SourceModule>,
    pub states: Vec<State>,
    /// Per module: local state id → global state id.
    pub state_ids: Vec<Vec<StateId>>,
    pub functions: Vec<FunctionRef>,
    /// Per module: its first function in `functions`.
    pub fn_base: Vec<FnId>,
    /// Per global function, per node: the callee a Call node resolves to (`None` for other
    /// nodes and for calls of nothing the program or a host model defines).
    pub call_targets: Targets,
    /// Per global function: the program function each of its `callbacks` hands over
    /// (`None` when it is not one of the program's).
    pub callback_targets: Targets,
    /// Host calls, as functions numbered after the program's own.
    pub host_fns: Vec<HostFn>,
    /// Per function (host calls included): what a call to it does. Empty for functions no
    /// analysed code calls: only callers read a summary.
    pub summaries: Vec<Summary>,
    /// Per function (host calls included): the states it overrides before its first await and
    /// writes back after it, sorted.
    pub balanced: Vec<Vec<StateId>>,
    /// Per global state: the states whose values it holds a saved copy of
    /// (`TempResponseLength.#originalResponseLength` backs up `amount_gen`).
    pub(crate) backs_up: Vec<Vec<StateId>>,
    /// Fields of one state that a synchronous function writes together
    /// (`changeSource(s) { sd.source = s; sd.sampler = null; }`): an invariant ties them, so a
    /// write of one computed from a stale read of the other loses the other's update.
    pub(crate) written_together: rustc_hash::FxHashSet<(StateId, Atom, Atom)>,
    /// Which calls settle without letting another task run, and which awaits wait only for
    /// them (`yields.rs`).
    pub(crate) settled: crate::yields::Settled,
    /// Members of `const` objects nothing writes (`constants.rs`).
    pub(crate) constants: rustc_hash::FxHashMap<(StateId, Atom), crate::facts::Const>,
}

/// Two accesses to the same state conflict unless they name different fields.
/// Fields are access paths (`sd.url`): they conflict when one is a prefix of the other
/// (`sd` and `sd.url`), segment by segment, with `[*]` standing for any one segment.
pub fn fields_conflict(a: Option<&Atom>, b: Option<&Atom>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => {
            let (x, y) = (x.as_bytes(), y.as_bytes());
            // no `[*]` in either: one is the other or a path below it
            if !x.contains(&b'[') && !y.contains(&b'[') {
                let n = x.len().min(y.len());
                return x[..n] == y[..n] && (x.len() == y.len() || x.get(n).or(y.get(n)) == Some(&b'.'));
            }
            let any = crate::facts::ANY_FIELD.as_bytes();
            x.split(|&c| c == b'.').zip(y.split(|&c| c == b'.')).all(|(p, q)| p == q || p == any || q == any)
        }
        _ => true,
    }
}

impl Program {
    /// A function's name as findings show it (host calls by their API path).
    pub fn fn_name(&self, id: FnId) -> &str {
        match id.index().checked_sub(self.functions.len()) {
            Some(h) => &self.host_fns[h].name,
            None => &self.function(id).name,
        }
    }

    pub fn function(&self, id: FnId) -> &FnFacts {
        let r = &self.functions[id.index()];
        &self.modules[r.module as usize].facts.functions[r.local as usize]
    }

    /// Whether node `node` of function `f` is an await that can let another task run (not
    /// one of a call that settles in the same turn, `yields.rs`).
    pub fn yields_at(&self, f: FnId, node: NodeId) -> bool {
        matches!(self.function(f).nodes.get(node.index()).map(|n| &n.kind), Some(NodeKind::Await(_)))
            && self.settled.awaits.get(f.index()).is_none_or(|a| a.binary_search(&node).is_err())
    }

    /// Whether function `f` has an await that can let another task run.
    pub fn has_yield(&self, f: FnId) -> bool {
        self.settled.yields.get(f.index()).copied().unwrap_or(false)
    }

    pub fn global_state(&self, module: u32, access: &Access) -> StateId {
        self.state_ids[module as usize][access.state.index()]
    }
    /// The states whose values `state` holds a saved copy of.
    pub fn backs_up(&self, state: StateId) -> &[StateId] {
        self.backs_up.get(state.index()).map_or(&[], Vec::as_slice)
    }

    /// Every (state, field, field) that a synchronous function writes together, in no order.
    pub fn written_together_pairs(&self) -> impl Iterator<Item = &(StateId, Atom, Atom)> {
        self.written_together.iter()
    }

    /// Whether a synchronous function somewhere writes these two fields of `state` together.
    pub fn written_together(&self, state: StateId, a: Option<&Atom>, b: Option<&Atom>) -> bool {
        let (Some(a), Some(b)) = (a, b) else { return false };
        let (x, y) = if a < b { (a, b) } else { (b, a) };
        !self.written_together.is_empty() && self.written_together.contains(&(state, x.clone(), y.clone()))
    }

    /// The effect a direct access node has, if it touches written (shared) state.
    pub fn direct_effect<'f>(&self, module: u32, f: &'f FnFacts, node: NodeId) -> Option<(StateId, Option<&'f Atom>, Touch)> {
        let n = &f.nodes[node.index()];
        let (access, touch) = match &n.kind {
            NodeKind::Read { access, test } => (access, if *test { Touch::Test } else { Touch::Read }),
            NodeKind::Write { access, kind, value } => (
                access,
                Touch::Write {
                    kind: *kind,
                    restore: crate::marks::is_restore(self, module, f, n),
                    literal: value.literal,
                    fill: fills_unset(f, node, access),
                    cas: compare_and_set(f, node, access),
                },
            ),
            _ => return None,
        };
        let s = self.global_state(module, access);
        self.states[s.index()].written.then_some((s, access.field.as_ref(), touch))
    }
}

/// Whether write `node` of `access` runs only while that state still holds a value the call
/// has: one of its guards compares it with a local or parameter (`===`, the write in the
/// branch the test leads into; or `!==`, the write past an exit test's branch: `if (x !==
/// mine) return;`), with no await between the test and the write. See `Touch::Write::cas` for the value.
fn compare_and_set(f: &FnFacts, node: NodeId, access: &Access) -> u8 {
    let guards = &f.nodes[node.index()].guards;
    f.identity_tests
        .iter()
        .find(|&&(g, _, equal)| {
            // `===`: in the branch the test leads into; `!==`: past an exit test's branch
            let past = f.exit_tests.iter().zip(&f.exit_ends).any(|(&t, &end)| t == g && node >= end);
            guards.contains(&g)
                && equal != past
                && g < node
                && matches!(&f.nodes[g.index()].kind, NodeKind::Read { access: t, test: true }
                    if t.state == access.state && fields_conflict(t.field.as_ref(), access.field.as_ref()))
                && !f.nodes[g.index()..node.index()].iter().any(|n| matches!(n.kind, NodeKind::Await(_)))
        })
        .map_or(0, |&(_, held, _)| if held == crate::facts::IDENTITY_LOCAL { held } else { held + 1 })
}

/// Whether write `node` of `access` runs only while that state is unset: one of its guards is
/// a test of it that passes only then (`!x.f`, `x.f == null`), the guard of a branch of its
/// own (not `if (!x) return;`, past which the state is set), with no await between the test
/// and the write.
fn fills_unset(f: &FnFacts, node: NodeId, access: &Access) -> bool {
    f.nodes[node.index()].guards.iter().any(|&g| {
        f.unset_tests.contains(&g)
            && !f.exit_tests.contains(&g)
            && g < node
            && matches!(&f.nodes[g.index()].kind, NodeKind::Read { access: t, test: true }
                if t.state == access.state && fields_conflict(t.field.as_ref(), access.field.as_ref()))
            && !f.nodes[g.index()..node.index()].iter().any(|n| matches!(n.kind, NodeKind::Await(_)))
    })
}

/// Whether a write of field path `write` changes what a read of `read` sees as a whole value:
/// the write is of that path or of one above it (`x = …` changes `x.a`; `x.a = …` leaves `!x`
/// as it was). `[*]` (a computed key) matches any one property.
pub fn writes_over(write: Option<&Atom>, read: Option<&Atom>) -> bool {
    match (write, read) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(w), Some(r)) => {
            let any = crate::facts::ANY_FIELD;
            let (mut ws, mut rs) = (w.split('.'), r.split('.'));
            loop {
                match (ws.next(), rs.next()) {
                    (None, _) => return true,
                    (Some(_), None) => return false,
                    (Some(p), Some(q)) if p == q || p == any || q == any => {}
                    _ => return false,
                }
            }
        }
    }
}

/// The longest path both fields start with, up to a computed key (`None`: the whole state):
/// what two writes `x.a = …` and `x.a[k] = …` both change is `x.a`.
pub fn common_path(a: Option<&Atom>, b: Option<&Atom>) -> Option<Atom> {
    let (a, b) = (a?, b?);
    let any = crate::facts::ANY_FIELD;
    let parts: Vec<&str> = a.split('.').zip(b.split('.')).take_while(|(p, q)| p == q && *p != any).map(|(p, _)| p).collect();
    (!parts.is_empty()).then(|| Atom::from(parts.join(".")))
}

#[cfg(test)]
mod tests {
    use super::{common_path, fields_conflict, writes_over};
    use crate::facts::Atom;

    fn conflict(a: Option<&str>, b: Option<&str>) -> bool {
        let (a, b) = (a.map(Atom::from), b.map(Atom::from));
        fields_conflict(a.as_ref(), b.as_ref())
    }

    #[test]
    fn fields_conflict_along_paths_and_through_computed_keys() {
        assert!(conflict(None, Some("sd")) && conflict(Some("sd"), None));
        assert!(conflict(Some("sd"), Some("sd")) && conflict(Some("sd"), Some("sd.url")) && conflict(Some("sd.url"), Some("sd")));
        assert!(!conflict(Some("sd.url"), Some("sd.model")) && !conflict(Some("sd"), Some("sdx")) && !conflict(Some("sdx.a"), Some("sd")));
        assert!(conflict(Some("[*]"), Some("a.b")) && conflict(Some("list.[*].mes"), Some("list.3")));
        assert!(!conflict(Some("list.[*].mes"), Some("list.3.swipes")) && !conflict(Some("a.[*]"), Some("b.[*]")));
    }

    #[test]
    fn a_write_changes_a_whole_value_only_at_or_above_its_path() {
        let over = |w: Option<&str>, r: Option<&str>| {
            let (w, r) = (w.map(Atom::from), r.map(Atom::from));
            writes_over(w.as_ref(), r.as_ref())
        };
        assert!(over(None, None) && over(None, Some("a")) && over(Some("a"), Some("a")) && over(Some("a"), Some("a.b")));
        // `x.a = …` leaves `!x` and `!x.b` as they were
        assert!(!over(Some("a"), None) && !over(Some("a.b"), Some("a")) && !over(Some("b"), Some("a")));
        assert!(over(Some("list.[*]"), Some("list.3.mes")) && !over(Some("list.[*].mes"), Some("list.3")));
    }

    #[test]
    fn the_common_path_of_two_fields_stops_at_a_computed_key() {
        let common = |a: Option<&str>, b: Option<&str>| {
            let (a, b) = (a.map(Atom::from), b.map(Atom::from));
            common_path(a.as_ref(), b.as_ref()).map(|c| c.to_string())
        };
        assert_eq!(common(Some("registry"), Some("registry.all")).as_deref(), Some("registry"));
        assert_eq!(common(Some("a.b.c"), Some("a.b.d")).as_deref(), Some("a.b"));
        assert_eq!(common(Some("registry"), Some("count")), None);
        assert_eq!(common(Some("list.[*].mes"), Some("list.[*].swipes")).as_deref(), Some("list"));
        assert_eq!(common(None, Some("a")), None);
    }
}
