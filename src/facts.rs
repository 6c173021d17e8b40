//! Per-module facts: the plain data that the builder extracts from one AST, and that linking,
//! summaries and rules read. Nothing here refers to the AST, so a module's AST can be dropped as
//! soon as its facts exist.

pub use swc_atoms::Atom;

/// The field of an access through a computed key (`chat[i]`): it may be any field.
pub const ANY_FIELD: &str = "[*]";

/// In `FnFacts::identity_tests`: the value compared is a local, not a parameter.
pub const IDENTITY_LOCAL: u8 = u8::MAX;

/// Index of a node in a function's graph: into `FnFacts::nodes` (node 0 is the entry).
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct NodeId(u32);

impl NodeId {
    /// The entry node.
    pub const ENTRY: NodeId = NodeId(0);

    pub const fn from_index(i: usize) -> NodeId {
        NodeId(i as u32)
    }
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

/// A short list of nodes: successors, guards, a call's arguments. Nearly all have four or
/// fewer, so they live inline in the node (the same 24 bytes as a `Vec`) and building a
/// function's graph does not allocate once per node.
pub type NodeList = smallvec::SmallVec<[NodeId; 4]>;

/// A byte range in a module's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize, serde::Deserialize)]
pub struct Span {
    pub lo: u32,
    pub hi: u32,
}

/// What kind of shared state a declaration is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StateKind {
    /// A module-level `let`/`var`/`const` binding.
    Binding,
    /// A class static field (`static x`, `static #x`) of a module-level class.
    ClassStatic,
    /// A property of `window`, `globalThis` or `self`.
    GlobalProp,
    /// A binding imported by this module (index into `ModuleFacts::imports`): linking maps it
    /// to the exporting module's state, or to a host model's.
    Imported(u32),
    /// Host state reached through an API path (`getContext().chatMetadata`), named by the path.
    Host,
}

/// A candidate piece of shared state declared in (or, for globals, first seen in) a module.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StateDecl {
    /// The name a reader uses: `amount_gen`, `TempResponseLength.#lastApi`, `window.quietMode`.
    pub name: String,
    pub kind: StateKind,
    /// The declaration (for globals: the first write, or the first access until one is seen).
    pub span: Span,
}

/// A module's own state id: index into `ModuleFacts::states`. Linking maps it to the
/// program-wide `program::StateId` (`Program::global_state`); the two are kept apart by type.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct LocalStateId(u32);

impl LocalStateId {
    pub fn from_index(i: usize) -> LocalStateId {
        LocalStateId(i as u32)
    }
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One access path into shared state: the state and, for objects, the first property.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Access {
    pub state: LocalStateId,
    /// `oai_settings.reverse_proxy` has field `reverse_proxy`; a computed or whole-object access
    /// has none and conflicts with every field.
    pub field: Option<Atom>,
}

/// How a write changes its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum WriteKind {
    /// `x = v`, `x.f = v`, destructuring targets, `for (x of …)`.
    Assign,
    /// `x += v` and friends (the old value is read first).
    Compound,
    /// `x++`, `--x.n`.
    Update,
    /// `delete x.f`.
    Delete,
    /// `Object.assign(x, …)`.
    Merge,
    /// An element-level collection operation that is complete on its own: `push`, `unshift`,
    /// `add`, `set`, `shift`, `pop`, `delete()`, `splice(i, 0, x)`, `splice(i, 1)`.
    Element,
    /// A write through a computed key (`cache[key] = v`, `chat[i].mes = v`, `delete m[k]`): one
    /// element of a collection.
    Keyed,
    /// Other mutating methods: `clear`, `splice`, `sort`, `reverse`, `fill`, `length = n`.
    Bulk,
    /// All of a collection replaced or emptied: `x.length = 0`, `x.splice(0, x.length, …)`,
    /// `x.splice(0)` (a reload, or the clear before one).
    Replace,
}

/// Where a written value comes from.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ValueInfo {
    /// Reads (and calls) whose values flow into the written value.
    pub sources: NodeList,
    /// The value is a literal (`false`, `null`, `-1`, `''`, `[]`, `{}`, `undefined`): a hash
    /// of its canonical text, so two writes can tell `true` from `false`; 0 otherwise.
    pub literal: u32,
    /// The value is exactly one source's value, unchanged (a plain variable or property).
    pub copy: bool,
    /// The value is a module namespace (`await import('./x.js')`): the same object for every
    /// task that loads it.
    #[serde(default)]
    pub module: bool,
    /// The value is exactly the function's parameter at this position, never assigned again
    /// (`setLoading(on) { state.loading = on }`): each call's argument decides what is written.
    #[serde(default)]
    pub param: Option<u8>,
}

/// A constant as the builder sees it: what `===` and truthiness can be decided on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Const {
    /// A literal (`'openai'`, `0`, `true`, `null`, `undefined`): its key as in
    /// `ValueInfo::literal` (0 when it has no identity of its own: an object, a function) and
    /// whether it is truthy.
    Lit { key: u32, truthy: bool },
    /// A member of a module-level `const` object (`SCRIPT_TYPES.SCOPED`, local or imported):
    /// its value is known once linking finds the object's literal, unless something writes it.
    Member(Access),
    /// An object literal (`{}`, `{ quiet: true }`): truthy, and what each field it names holds
    /// (`None`: something that is not a literal). A field it does not name is `undefined`.
    Object(Vec<(Atom, Option<Const>)>),
}

/// What a branch knows about one of the function's parameters (a plain one, never assigned
/// again) while it runs: `if (force)`, `if (!options.quiet)`, `case SCRIPT_TYPES.GLOBAL:`,
/// `if (type !== 'openai') return;`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ParamTest {
    pub param: u8,
    /// The parameter's field the test reads (`options.quiet`, or `quiet` destructured from
    /// it), if not the parameter itself.
    pub field: Option<Atom>,
    /// What the field is when the argument does not have it: the destructuring default
    /// (`{ quiet = false }`), else `undefined`.
    pub fallback: Option<Const>,
    /// `None`: the value is truthy; `Some(c)`: it is `===` to `c`.
    pub equals: Option<Const>,
    /// Whether the test holds (`false`: the value is falsy, or `!==` to the constant).
    pub holds: bool,
}

/// A call's arguments as far as they are constants: the number of arguments when none is
/// spread (past it, every parameter is `undefined`), and each constant one by position.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct CallConsts {
    pub call: NodeId,
    pub arity: Option<u8>,
    pub args: Vec<(u8, Const)>,
}

/// What a call site calls, as far as the module can tell.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Callee {
    /// A function of this module, by index.
    Local(u32),
    /// A name to resolve after the module is built: `save`, `TempResponseLength.save`,
    /// `manager.apply`.
    Named(String),
    /// An imported binding (index into `ModuleFacts::imports`), or a member of it
    /// (`ns.fn()`, `TempResponseLength.save()` of an imported class).
    Import { import: u32, member: Option<String> },
    /// A host API call by its path (`getContext().executeSlashCommandsWithOptions`,
    /// `SlashCommandParser.commands[*].callback`) and its first argument when that is a string
    /// (`/profile X`, with `X` for interpolations).
    Host { path: String, arg: Option<String> },
}

/// What an import brings in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ImportName {
    Named(Atom),
    Default,
    Namespace,
}

/// `import { a as b } from './x.js'`, `import * as ns from …`, or a binding of a dynamic
/// `const { a } = await import('./x.js')`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Import {
    pub specifier: String,
    pub imported: ImportName,
}

/// What a module exports.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Export {
    /// `export let x`, `export { x as y }`, `export default function f`.
    Local { exported: Atom, local: Atom },
    /// `export { a as b } from './x.js'`, `export * as ns from …`.
    From { exported: Atom, specifier: String, imported: ImportName },
    /// `export * from './x.js'`.
    All { specifier: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AwaitKind {
    Await,
    ForAwait,
    Yield,
    /// A `.then`/`.catch`/`.finally` callback: its body runs after the promise settles.
    Then,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum NodeKind {
    /// A join point (loop heads, the entry).
    Nop,
    /// A read of shared state; `test` when it is part of a condition.
    Read {
        access: Access,
        test: bool,
    },
    Write {
        access: Access,
        kind: WriteKind,
        value: ValueInfo,
    },
    Await(AwaitKind),
    /// A call to a function that may be summarised; its effects before the callee's first
    /// await happen here.
    Call {
        callee: Callee,
        awaited: bool,
        test: bool,
        /// Reads and calls whose values flow into the arguments.
        args: NodeList,
    },
    /// Where an awaited call resumes: the callee's effects after its own awaits happen here.
    Resume {
        call: NodeId,
    },
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
    pub succ: NodeList,
    /// Condition nodes (test reads and test calls) that control whether this node runs;
    /// kept for writes and calls only.
    pub guards: NodeList,
    /// The branch decisions this node runs under (index into `FnFacts::decisions`, 0 for
    /// none): two nodes whose decisions contradict never run in one call.
    pub decision: u32,
}

/// One statement's worth of data flow: which values read earlier (through locals) it uses,
/// and which shared state it reads afresh. Torn reads are stale and fresh reads mixed in one
/// statement.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Unit {
    pub span: Span,
    /// Read/call nodes whose values reach this statement through locals.
    pub stale: NodeList,
    /// Read/call nodes evaluated by this statement itself.
    pub fresh: NodeList,
}

/// A function's effect graph: accesses, calls and await points in evaluation order, with
/// branches and loops as edges.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FnFacts {
    /// As a reader would say it: `wrappedGenerateRaw`, `TempResponseLength.save`, `bump`.
    pub name: String,
    pub span: Span,
    pub is_async: bool,
    /// Node 0 is the entry.
    pub nodes: Vec<Node>,
    pub units: Vec<Unit>,
    /// The same for `===`/`==` tests in conditions (`x.v === old`): which earlier values
    /// (through locals) each compares with which fresh reads.
    pub conditions: Vec<Unit>,
    /// The same for `!==`/`!=` tests: past `if (mine !== token) return;` the two are equal.
    #[serde(default)]
    pub inequalities: Vec<Unit>,
    pub has_await: bool,
    /// Test reads of bail-out guards: `if (busy) return;` on a plain flag, whose branch leaves
    /// the function without awaiting anything. A flag tested this way right before it is set
    /// is a lock.
    pub bail_tests: Vec<NodeId>,
    /// Tests of `if`s whose branch leaves the function (with or without awaiting first): they
    /// guard the rest of the block, not a branch of their own.
    pub exit_tests: Vec<NodeId>,
    /// Per exit test (same order): the first node past its branch. Nodes before it are in
    /// the branch, where the test held; nodes from it on are past it, where it did not.
    #[serde(default)]
    pub exit_ends: Vec<NodeId>,
    /// The exit tests of `if`s that leave while something is unset (`if (!x) return;`,
    /// `if (id === undefined || !list[id]) return;`): preconditions of the rest.
    #[serde(default)]
    pub preconditions: Vec<NodeId>,
    /// Test reads of conditions that pass only while the state is unset (`!x`, `x == null`,
    /// `x === undefined`): a truthy write after them makes the test fail for the next task.
    #[serde(default)]
    pub unset_tests: Vec<NodeId>,
    /// Test reads compared for identity with a value held in a local or a parameter
    /// (`activeRun === run`, `if (current !== mine) return;`): (read, `IDENTITY_LOCAL` or
    /// the parameter's index, whether the comparison is an equality rather than `!==`).
    #[serde(default)]
    pub identity_tests: Vec<(NodeId, u8, bool)>,
    /// More values reach the function's returns than `returned` keeps (it is bounded): a
    /// caller then takes every read as part of the value.
    #[serde(default)]
    pub returns_all: bool,
    /// Some `return` gives a value that may be a promise (anything but a literal, an object or
    /// array literal, arithmetic or an awaited value): an `async` function's own promise then
    /// waits for it.
    #[serde(default)]
    pub may_return_promise: bool,
    /// Named through a `let`/`var` binding (`let deps = { load: async () => [] }`, `let run =
    /// async () => …`) that code may point at another function: a call by that name may run
    /// something else.
    #[serde(default)]
    pub replaceable: bool,
    /// Reads and calls whose values reach the function's return value (`return x.a`, through
    /// locals, or an arrow's expression body): all a caller's value carries of the callee's
    /// reads. Reads that only steer the callee (a test, request headers) are not in it.
    pub returned: NodeList,
    /// Functions this one hands to another call, which may call them later: event handlers,
    /// slash-command callbacks, timers, `items.map(async …)`. Where tasks start.
    #[serde(default)]
    pub callbacks: Vec<CallbackUse>,
    /// Calls whose promise nobody waits for (`save();`, `void load()`, `run().then(…)` as a
    /// statement): the callee runs on as a task of its own beside this function's.
    #[serde(default)]
    pub detached: Vec<NodeId>,
    /// Functions of this module this one defines and calls on the spot
    /// (`p = (async () => { … })()`): they run in this function's tasks.
    #[serde(default)]
    pub immediate: Vec<u32>,
    /// Sets of branch decisions on values fixed for the whole call (parameters and top-level
    /// `const`s never assigned again): (value, taken when truthy). Entry 0 is the empty set.
    pub decisions: Vec<Vec<(u32, bool)>>,
    /// Literal arguments of calls: (call node, argument position, hash of the literal as in
    /// `ValueInfo::literal`). A callee that writes its parameter writes that literal here.
    #[serde(default)]
    pub call_literals: Vec<(NodeId, u8, u32)>,
    /// Sets of parameter tests that hold together (entry 0 is the empty set), and the nodes
    /// (reads, writes, calls, in node order) that run only where one holds: what a callee does
    /// only for some arguments.
    #[serde(default)]
    pub param_tests: Vec<Vec<ParamTest>>,
    #[serde(default)]
    pub tested: Vec<(NodeId, u32)>,
    /// Calls with constant arguments, in node order.
    #[serde(default)]
    pub call_consts: Vec<CallConsts>,
    /// Awaits of values that are never a pending promise (`await Promise.all(xs.map((x) => {
    /// … }))` with a callback that returns nothing): they let no other task run.
    #[serde(default)]
    pub settled_awaits: Vec<NodeId>,
}

impl FnFacts {
    /// The parameter tests node `n` runs under (0: none).
    pub fn tests_of(&self, n: NodeId) -> u32 {
        self.tested.binary_search_by_key(&n, |&(m, _)| m).map_or(0, |i| self.tested[i].1)
    }

    /// The constant arguments of call node `n`.
    pub fn consts_of(&self, n: NodeId) -> Option<&CallConsts> {
        self.call_consts.binary_search_by_key(&n, |c| c.call).ok().map(|i| &self.call_consts[i])
    }

    /// Whether nodes `a` and `b` are on branches that exclude each other (`if (c)` … and
    /// `if (!c)` … on the same fixed value).
    pub fn exclusive(&self, a: NodeId, b: NodeId) -> bool {
        let (da, db) = (self.nodes[a.index()].decision, self.nodes[b.index()].decision);
        if da == 0 || db == 0 || da == db {
            return false;
        }
        let (Some(x), Some(y)) = (self.decisions.get(da as usize), self.decisions.get(db as usize)) else { return false };
        x.iter().any(|&(k, v)| y.contains(&(k, !v)))
    }
}

/// A function handed to a call: `eventSource.on(event_types.X, onX)`,
/// `registerSlashCommand('x', async () => …)`, `setTimeout(tick, 100)`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CallbackUse {
    /// The receiving call's callee as a path, calls shown as `()`: `eventSource.on`,
    /// `$().on`, `SlashCommand.fromProps`, `new MutationObserver`, `items.map`.
    pub path: String,
    /// The function handed over: one defined in place (`Local`), or one named (`Named`,
    /// `Import`), resolved like a call.
    pub target: Callee,
    /// The receiving call.
    pub span: Span,
    /// The call's first argument when it names something (`event_types.MESSAGE_RECEIVED`,
    /// `'click'`, `'genraw'`): what the task is called.
    pub label: Option<String>,
}

/// Everything racelint keeps of one module after its AST is dropped.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ModuleFacts {
    /// Multi-line template literals and JSX (byte ranges of the text): a line break inside one
    /// is part of the value, so no comment line may be inserted there. Empty when the module
    /// has syntax errors.
    #[serde(default)]
    pub no_new_line: Vec<Span>,
    pub states: Vec<StateDecl>,
    pub imports: Vec<Import>,
    pub exports: Vec<Export>,
    /// Module-level variable bindings and their declarations (for state only other modules
    /// touch).
    pub variables: Vec<(Atom, Span)>,
    pub functions: Vec<FnFacts>,
    /// Callable names (`save`, `TempResponseLength.save`, `manager.apply`) to function indices.
    pub fn_names: Vec<(String, u32)>,
    /// Module-level `const`s holding a DOM element or jQuery selection (`const chat = $('#chat')`):
    /// what is done through them is done to the page, not to the program's state.
    pub dom_handles: Vec<Atom>,
    /// The same in a module-level `let`/`var` (`let audio = new Audio()`): a handle while no
    /// code assigns the binding again (`marks.rs` checks).
    #[serde(default)]
    pub dom_handle_lets: Vec<Atom>,
    /// Module-level `const` objects and their fields that hold literals
    /// (`export const SCRIPT_TYPES = { GLOBAL: 0, SCOPED: 1 }`).
    #[serde(default)]
    pub const_objects: Vec<(Atom, Vec<(Atom, Const)>)>,
}
