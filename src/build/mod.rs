//! The one pass over a module's AST: finds the module's candidate shared state and builds, for
//! every function, an effect graph whose nodes are reads, writes, calls and await points in
//! JavaScript evaluation order, with branches and loops as edges.
//!
//! The walk is hand-written rather than a `Visit` because order matters: in
//! `{ a: s.x, b: await f(), c: s.y }` the read of `s.x` must come before the await node and
//! `s.y` after it, and `x += await y` reads `x` before awaiting.

mod ast;
mod bindings;
mod calls;
mod expressions;
mod functions;
mod graph;
mod param_tests;
mod prepass;
mod scope;
mod state;
mod statements;

use std::mem;

use rustc_hash::{FxHashMap, FxHashSet};
use swc_atoms::Atom;
use swc_common::Spanned;
use swc_ecma_ast::*;

use crate::facts::{
    self, Access, AwaitKind, Export, FnFacts, Import, ImportName, LocalStateId, ModuleFacts, Node, NodeId, NodeKind, NodeList, StateDecl,
    StateKind, Unit, ValueInfo, WriteKind,
};
pub(crate) use ast::undefined_key;
use ast::*;
use scope::{function_names, lexical_names, pat_names, ModuleBinding, Resolved, Scopes};

const MAX_SOURCES: usize = 32;
const MAX_GUARDS: usize = 16;
/// Red zone and new segment size for `stacker`: deep nesting grows the stack on the heap
/// instead of overflowing it.
const RED_ZONE: usize = 128 * 1024;
const STACK_SEGMENT: usize = 4 * 1024 * 1024;
/// Levels of `expr`/`stmt` between two stack checks: a level is a few frames of a few hundred
/// bytes each, far less than the red zone four times over.
const STACK_CHECK_EVERY: u32 = 4;

/// What the host models name, so the builder records only the host calls and paths that a
/// model can give effects to.
#[derive(Debug, Clone, Default)]
pub struct HostHints {
    /// Last segments of host call paths (`executeSlashCommandsWithOptions`, `callback`).
    pub call_names: FxHashSet<String>,
    /// Host state paths (`getContext().chatMetadata`).
    pub state_paths: FxHashSet<String>,
    /// Last segments of the host state paths (`chatMetadata`), a cheap first test.
    pub state_ends: FxHashSet<String>,
}

/// Builds the facts of one parsed module. `base` is the file's start in swc's position space.
pub fn module_facts(module: &Module, base: u32, hints: &HostHints) -> ModuleFacts {
    let mut b = Builder::new(base, hints);
    b.prepass(module);
    b.module(module);
    b.finish()
}

/// The value an expression evaluates to, as far as data flow goes.
#[derive(Debug, Clone, Default)]
struct Val {
    sources: NodeList,
    /// Hash of the literal's text when the value is a literal, else 0.
    literal: u32,
    copy: bool,
    /// A module namespace: `import(…)`, awaited.
    module: bool,
    /// The function's own parameter at this position (meaningful while `copy` holds).
    param: Option<u8>,
}

impl Val {
    fn literal(e: &Expr) -> Val {
        Val { literal: literal_key(e), ..Default::default() }
    }
    fn join(&mut self, other: Val) {
        extend_capped(&mut self.sources, &other.sources);
        self.literal = 0;
        self.copy = false;
        self.module = false;
        self.param = None;
    }
    fn info(self) -> ValueInfo {
        let param = if self.copy { self.param } else { None };
        ValueInfo { sources: self.sources, literal: self.literal, copy: self.copy, module: self.module, param }
    }
}

/// The id of `set` among `sets` (0 is the empty set), added when it is new.
fn intern<T: Clone + Eq + std::hash::Hash>(sets: &mut Vec<Vec<T>>, ids: &mut FxHashMap<Vec<T>, u32>, set: &[T]) -> u32 {
    if let Some(&id) = ids.get(set) {
        return id;
    }
    let id = sets.len() as u32;
    sets.push(set.to_vec());
    ids.insert(set.to_vec(), id);
    id
}

fn extend_capped(into: &mut NodeList, from: &[NodeId]) {
    for &s in from {
        if into.len() >= MAX_SOURCES {
            break;
        }
        if !into.contains(&s) {
            into.push(s);
        }
    }
}

#[derive(Default)]
struct ClassInfo {
    /// Static field names (`x`, `#x`).
    statics: FxHashSet<Atom>,
}

#[derive(Clone)]
struct ThisCtx {
    class: Atom,
    is_static: bool,
    module_level: bool,
}

struct Breakable {
    label: Option<Atom>,
    is_loop: bool,
    breaks: Vec<NodeId>,
    continues: Vec<NodeId>,
}

#[derive(Default)]
struct TryCtx {
    /// Await nodes inside the `try` block: a rejection lands in the catch from there.
    awaits: Vec<NodeId>,
    /// Nodes left by `return` inside the block: they run the `finally`.
    returns: Vec<NodeId>,
    /// Nodes left by `throw` inside the block: they land in the catch.
    throws: Vec<NodeId>,
}

#[derive(Default)]
struct UnitAcc {
    stale: NodeList,
    fresh: NodeList,
    /// An await is evaluated inside the statement (`{ a: s.x, b: await f(), c: s.y }`).
    awaits: bool,
}

/// The function being built.
struct FnBuilder {
    name: String,
    span: facts::Span,
    is_async: bool,
    is_generator: bool,
    nodes: Vec<Node>,
    current: Vec<NodeId>,
    breakables: Vec<Breakable>,
    pending_label: Option<Atom>,
    guards: Vec<NodeId>,
    /// Set by an `if` whose block always exits: its test guards the rest of the block.
    block_guard: Option<Vec<NodeId>>,
    units: Vec<Unit>,
    conditions: Vec<Unit>,
    inequalities: Vec<Unit>,
    unit_stack: Vec<UnitAcc>,
    taint: FxHashMap<(u32, Atom), NodeList>,
    test_depth: u32,
    then_tails: Vec<Vec<NodeId>>,
    tries: Vec<TryCtx>,
    /// Return targets of `.then` callbacks inlined into this function.
    inline_returns: Vec<Vec<NodeId>>,
    /// Callbacks of promises nobody awaits here (`p = load().finally(() => { p = null })`):
    /// each callback's await node and where it was forked from. They run once the current
    /// synchronous run is over (the assignment of `p` happens before the callback clears it):
    /// the fork moves to the next await, `return`, `throw` or the end of the body.
    deferred_then: Vec<(NodeId, Vec<NodeId>)>,
    await_target: Option<swc_common::Span>,
    awaited_call: Option<NodeId>,
    has_await: bool,
    bail_tests: Vec<NodeId>,
    /// Test reads of conditions that pass only while the state is unset (`!x`, `x == null`).
    unset_tests: Vec<NodeId>,
    /// See `FnFacts::identity_tests`.
    identity_tests: Vec<(NodeId, u8, bool)>,
    callbacks: Vec<facts::CallbackUse>,
    /// The functions of this module `callbacks` hands over (a function is one call's).
    handed: FxHashSet<u32>,
    detached: Vec<NodeId>,
    immediate: Vec<u32>,
    /// The call of the expression statement being built (`save();`): nobody awaits it.
    detach: Option<swc_common::Span>,
    /// Calls handed to `Promise.all([…])` (or `allSettled`, `race`, `any`) as elements of its
    /// array: each starts beside its caller and the others, and nobody waits for it alone.
    fan_out: smallvec::SmallVec<[swc_common::Span; 4]>,
    /// Tests of `if`s whose branch leaves the function: they guard the rest of the block.
    exit_tests: Vec<NodeId>,
    /// See `FnFacts::exit_ends`.
    exit_ends: Vec<NodeId>,
    /// The exit tests that leave while something is unset.
    preconditions: Vec<NodeId>,
    /// Reads and calls whose values reach a `return` (or an arrow's expression body).
    returned: NodeList,
    /// More values reach the returns than `returned` keeps: every read may be returned.
    returns_all: bool,
    /// Some `return` gives a value that may be a promise.
    may_return_promise: bool,
    /// Locals returned as they are (`return result`): a promise if any value they hold may be.
    returned_locals: Vec<(u32, Atom)>,
    /// Inside the arguments of a `console.*` call.
    logging: u32,
    /// The function's own scope (parameters and top-level declarations), set once built.
    scope: Option<u32>,
    /// Branch decisions open at the current point, innermost last.
    decision_stack: Vec<(u32, bool)>,
    /// Decision sets seen, and their ids (the empty set is 0).
    decision_sets: Vec<Vec<(u32, bool)>>,
    decision_ids: FxHashMap<Vec<(u32, bool)>, u32>,
    /// Values branched on, by (scope, name).
    decision_keys: FxHashMap<(u32, Atom), u32>,
    /// Parameters and top-level `const`s: the only values a decision may be on.
    fixed_names: Vec<Atom>,
    /// The plain parameters by position (`None` for patterns and rest parameters).
    params: Vec<Option<Atom>>,
    /// Locals destructured from an options parameter: (local, parameter, field, default).
    param_fields: Vec<(Atom, u8, Atom, Option<facts::Const>)>,
    /// Writes whose value is a parameter: kept only if it is never assigned again.
    param_writes: Vec<(NodeId, Atom)>,
    /// Literal arguments of calls (see `FnFacts::call_literals`).
    call_literals: Vec<(NodeId, u8, u32)>,
    /// Parameter tests that hold at the current point, innermost last.
    open_tests: Vec<facts::ParamTest>,
    /// The negated test of an `if` whose branch leaves: it holds for the rest of the block.
    /// (Set by the `if` starting at this position.)
    block_tests: Option<(swc_common::BytePos, Vec<facts::ParamTest>)>,
    /// Sets of them seen (the empty set is 0), their ids, and the nodes under each.
    test_sets: Vec<Vec<facts::ParamTest>>,
    test_ids: FxHashMap<Vec<facts::ParamTest>, u32>,
    tested: Vec<(NodeId, u32)>,
    call_consts: Vec<facts::CallConsts>,
    /// Awaits of values never pending (see `FnFacts::settled_awaits`).
    settled_awaits: Vec<NodeId>,
    /// Locals holding a host object: `const ctx = getContext()` → `getContext()`.
    aliases: FxHashMap<(u32, Atom), String>,
    /// Locals bound by a dynamic `await import(…)`: index into the module's imports.
    dyn_imports: FxHashMap<(u32, Atom), u32>,
}

impl FnBuilder {
    fn new(name: String, span: facts::Span, is_async: bool, is_generator: bool) -> Self {
        let entry = Node { kind: NodeKind::Nop, span, succ: NodeList::new(), guards: NodeList::new(), decision: 0 };
        FnBuilder {
            name,
            span,
            is_async,
            is_generator,
            nodes: vec![entry],
            current: vec![NodeId::ENTRY],
            breakables: Vec::new(),
            pending_label: None,
            guards: Vec::new(),
            block_guard: None,
            units: Vec::new(),
            conditions: Vec::new(),
            inequalities: Vec::new(),
            unit_stack: Vec::new(),
            taint: FxHashMap::default(),
            test_depth: 0,
            then_tails: Vec::new(),
            tries: Vec::new(),
            inline_returns: Vec::new(),
            deferred_then: Vec::new(),
            await_target: None,
            awaited_call: None,
            has_await: false,
            bail_tests: Vec::new(),
            exit_tests: Vec::new(),
            exit_ends: Vec::new(),
            preconditions: Vec::new(),
            unset_tests: Vec::new(),
            identity_tests: Vec::new(),
            callbacks: Vec::new(),
            handed: FxHashSet::default(),
            detached: Vec::new(),
            immediate: Vec::new(),
            detach: None,
            fan_out: Default::default(),
            returned: NodeList::new(),
            returns_all: false,
            may_return_promise: false,
            returned_locals: Vec::new(),
            logging: 0,
            scope: None,
            decision_stack: Vec::new(),
            decision_sets: vec![Vec::new()],
            decision_ids: FxHashMap::default(),
            decision_keys: FxHashMap::default(),
            fixed_names: Vec::new(),
            params: Vec::new(),
            param_fields: Vec::new(),
            param_writes: Vec::new(),
            call_literals: Vec::new(),
            open_tests: Vec::new(),
            block_tests: None,
            test_sets: vec![Vec::new()],
            test_ids: FxHashMap::default(),
            tested: Vec::new(),
            call_consts: Vec::new(),
            settled_awaits: Vec::new(),
            aliases: FxHashMap::default(),
            dyn_imports: FxHashMap::default(),
        }
    }

    /// The id of the parameter tests open now (0 when none).
    fn tests_id(&mut self) -> u32 {
        if self.open_tests.is_empty() {
            return 0;
        }
        intern(&mut self.test_sets, &mut self.test_ids, &self.open_tests)
    }

    /// The id of the decisions open now (0 when none).
    fn decision_id(&mut self) -> u32 {
        if self.decision_stack.is_empty() {
            return 0;
        }
        let mut set = self.decision_stack.clone();
        set.sort_unstable();
        set.dedup();
        intern(&mut self.decision_sets, &mut self.decision_ids, &set)
    }

    /// `reassigned`: locals assigned after their declaration anywhere in the module so far
    /// (closures included): a decision on one of them may differ between two branches.
    fn finish(
        mut self,
        reassigned: &FxHashSet<(u32, Atom)>,
        mutated: &FxHashSet<(u32, Atom)>,
        plain_locals: &FxHashMap<(u32, Atom), bool>,
    ) -> FnFacts {
        if self.returned_locals.iter().any(|k| plain_locals.get(k) != Some(&true)) {
            self.may_return_promise = true;
        }
        let changed: FxHashSet<u32> = self.decision_keys.iter().filter(|(k, _)| reassigned.contains(*k)).map(|(_, &id)| id).collect();
        if !changed.is_empty() {
            for set in &mut self.decision_sets {
                set.retain(|(k, _)| !changed.contains(k));
            }
        }
        // a parameter assigned again may hold anything by the time a branch tests it
        let tested = self.test_sets.len() > 1;
        let changed: Vec<u8> = (0..if tested { self.params.len().min(256) } else { 0 })
            .filter(|&i| self.params[i].as_ref().is_some_and(|sym| self.scope.is_some_and(|s| reassigned.contains(&(s, sym.clone())))))
            .map(|i| i as u8)
            .collect();
        let changed_fields: Vec<(u8, &Atom)> = self
            .param_fields
            .iter()
            .filter(|_| tested)
            .filter(|(local, ..)| self.scope.is_some_and(|s| reassigned.contains(&(s, local.clone()))))
            .map(|(_, p, field, _)| (*p, field))
            .collect();
        // a parameter object written through: its fields are not what the caller passed
        let written_through: Vec<u8> = (0..if tested { self.params.len().min(256) } else { 0 })
            .filter(|&i| self.params[i].as_ref().is_some_and(|sym| self.scope.is_some_and(|s| mutated.contains(&(s, sym.clone())))))
            .map(|i| i as u8)
            .collect();
        if !changed.is_empty() || !changed_fields.is_empty() || !written_through.is_empty() {
            for set in &mut self.test_sets {
                set.retain(|t| {
                    let field_changed = match &t.field {
                        Some(f) => changed_fields.contains(&(t.param, f)) || written_through.contains(&t.param),
                        None => false,
                    };
                    !changed.contains(&t.param) && !field_changed
                });
            }
            let sets = &self.test_sets;
            self.tested.retain(|&(_, set)| !sets[set as usize].is_empty());
        }
        for (node, sym) in &self.param_writes {
            if self.scope.is_some_and(|s| reassigned.contains(&(s, sym.clone()))) {
                if let NodeKind::Write { value, .. } = &mut self.nodes[node.index()].kind {
                    value.param = None;
                }
            }
        }
        FnFacts {
            name: self.name,
            span: self.span,
            is_async: self.is_async,
            nodes: self.nodes,
            units: self.units,
            conditions: self.conditions,
            inequalities: self.inequalities,
            has_await: self.has_await,
            bail_tests: self.bail_tests,
            exit_tests: self.exit_tests,
            exit_ends: self.exit_ends,
            preconditions: self.preconditions,
            unset_tests: self.unset_tests,
            identity_tests: self.identity_tests,
            callbacks: self.callbacks,
            detached: self.detached,
            immediate: self.immediate,
            returns_all: self.returns_all,
            may_return_promise: self.may_return_promise,
            replaceable: false,
            returned: self.returned,
            decisions: self.decision_sets,
            call_literals: self.call_literals,
            param_tests: self.test_sets,
            tested: self.tested,
            call_consts: self.call_consts,
            settled_awaits: self.settled_awaits,
        }
    }
}

struct Builder<'h> {
    /// How deep the walk is in `expr`/`stmt`: the stack is checked every `STACK_CHECK_EVERY`
    /// levels, not at each (the check was 1.6% of a run).
    nesting: u32,
    base: u32,
    hints: &'h HostHints,
    imports: Vec<Import>,
    /// Module-level import bindings: index into `imports`.
    import_of: FxHashMap<Atom, u32>,
    exports: Vec<Export>,
    scopes: Scopes,
    decl_spans: FxHashMap<Atom, facts::Span>,
    classes: FxHashMap<Atom, ClassInfo>,
    states: Vec<StateDecl>,
    state_index: FxHashMap<String, LocalStateId>,
    functions: Vec<FnFacts>,
    fn_names: Vec<(String, u32)>,
    f: FnBuilder,
    this_ctx: Vec<Option<ThisCtx>>,
    /// Name for the next function built (from `const name = …`, a property key, …).
    pending_name: Option<String>,
    /// Callable-name prefix for methods of a module-level object literal (`manager`).
    object_prefix: Option<String>,
    /// Inside a `let` or `var` declaration: the functions it names can be replaced later.
    rebindable: bool,
    /// Per local: whether every value it has been given so far is plainly not a promise.
    plain_locals: FxHashMap<(u32, Atom), bool>,
    /// Whether the value the next `assign_ident` binds is plainly not a promise (unset: it may be).
    pending_plain: Option<bool>,
    /// `manager.apply` for every function-valued property of a module-level object literal.
    object_methods: FxHashSet<String>,
    dom_handles: Vec<Atom>,
    dom_handle_lets: Vec<Atom>,
    /// Module-level `const` objects with literal fields (see `ModuleFacts::const_objects`).
    const_objects: Vec<(Atom, Vec<(Atom, facts::Const)>)>,
    /// Locals assigned after their declaration (or declared again in a loop), by (scope, name),
    /// from any function: closures can assign their enclosing function's locals.
    reassigned: FxHashSet<(u32, Atom)>,
    /// Locals written through (`opts.force = true`): their fields may differ from what a
    /// caller passed.
    mutated: FxHashSet<(u32, Atom)>,
    /// State ids of module bindings and imported bindings, by name.
    binding_ids: FxHashMap<Atom, LocalStateId>,
    import_ids: FxHashMap<Atom, LocalStateId>,
}
enum Body<'a> {
    Stmts(&'a [Stmt]),
    Expr(&'a Expr),
}

impl<'h> Builder<'h> {
    fn new(base: u32, hints: &'h HostHints) -> Self {
        Builder {
            nesting: 0,
            base,
            hints,
            imports: Vec::new(),
            import_of: FxHashMap::default(),
            exports: Vec::new(),
            scopes: Scopes::default(),
            decl_spans: FxHashMap::default(),
            classes: FxHashMap::default(),
            states: Vec::new(),
            state_index: FxHashMap::default(),
            functions: Vec::new(),
            fn_names: Vec::new(),
            f: FnBuilder::new("<module>".into(), facts::Span::default(), true, false),
            this_ctx: Vec::new(),
            pending_name: None,
            object_prefix: None,
            rebindable: false,
            plain_locals: FxHashMap::default(),
            pending_plain: None,
            object_methods: FxHashSet::default(),
            dom_handles: Vec::new(),
            dom_handle_lets: Vec::new(),
            const_objects: Vec::new(),
            reassigned: FxHashSet::default(),
            mutated: FxHashSet::default(),
            binding_ids: FxHashMap::default(),
            import_ids: FxHashMap::default(),
        }
    }

    fn span(&self, s: swc_common::Span) -> facts::Span {
        facts::Span { lo: s.lo.0.saturating_sub(self.base), hi: s.hi.0.saturating_sub(self.base) }
    }

    fn finish(mut self) -> ModuleFacts {
        let module_fn = mem::replace(&mut self.f, FnBuilder::new(String::new(), facts::Span::default(), false, false));
        self.functions.push(module_fn.finish(&self.reassigned, &self.mutated, &self.plain_locals));
        let mut variables: Vec<(Atom, facts::Span)> = self
            .scopes
            .module
            .iter()
            .filter(|(_, b)| **b == ModuleBinding::Variable)
            .map(|(n, _)| (n.clone(), self.decl_spans.get(n).copied().unwrap_or_default()))
            .collect();
        // a fixed order for the cache's bytes: by declaration, then name (comparing names
        // alone was a quarter of building a module with 20 000 top-level bindings)
        variables.sort_unstable_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        ModuleFacts {
            no_new_line: Vec::new(),
            states: self.states,
            imports: self.imports,
            exports: self.exports,
            variables,
            functions: self.functions,
            fn_names: self.fn_names,
            dom_handles: self.dom_handles,
            dom_handle_lets: self.dom_handle_lets,
            const_objects: self.const_objects,
        }
    }
}
