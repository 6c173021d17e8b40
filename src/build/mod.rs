//! The one pass over a module's AST: finds the module's candidate shared state and builds, for
//! every function, an effect graph whose nodes are reads, writes, calls and await points in
//! JavaScript evaluation order, with branches and loops as edges.
//!
//! The walk is hand-written rather than a `Visit` because order matters: in
//! `{ a: s.x, b: await f(), c: s.y }` the read of `s.x` must come before the await node and
//! `s.y` after it, and `x += await y` reads `x` before awaiting.

mod scope;

use std::mem;

use rustc_hash::{FxHashMap, FxHashSet};
use swc_atoms::Atom;
use swc_common::Spanned;
use swc_ecma_ast::*;

use crate::facts::{
    self, Access, AwaitKind, Export, FnFacts, Import, ImportName, ModuleFacts, Node, NodeId, NodeKind, NodeList, StateDecl, StateKind,
    Unit, ValueInfo, WriteKind,
};
use scope::{function_names, lexical_names, pat_names, ModuleBinding, Resolved, Scopes};

const MAX_SOURCES: usize = 32;
const MAX_GUARDS: usize = 16;
/// Red zone and new segment size for `stacker`: deep nesting grows the stack on the heap
/// instead of overflowing it.
const RED_ZONE: usize = 128 * 1024;
const STACK_SEGMENT: usize = 4 * 1024 * 1024;

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
    }
    fn info(self) -> ValueInfo {
        ValueInfo { sources: self.sources, literal: self.literal, copy: self.copy, module: self.module }
    }
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
    /// Tests of `if`s whose branch leaves the function: they guard the rest of the block.
    exit_tests: Vec<NodeId>,
    /// Reads and calls whose values reach a `return` (or an arrow's expression body).
    returned: NodeList,
    /// Inside the arguments of a `console.*` call.
    logging: u32,
    /// The function's own scope (parameters and top-level declarations), set once built.
    scope: u32,
    /// Branch decisions open at the current point, innermost last.
    decision_stack: Vec<(u32, bool)>,
    /// Decision sets seen, and their ids (the empty set is 0).
    decision_sets: Vec<Vec<(u32, bool)>>,
    decision_ids: FxHashMap<Vec<(u32, bool)>, u32>,
    /// Values branched on, by (scope, name).
    decision_keys: FxHashMap<(u32, Atom), u32>,
    /// Parameters and top-level `const`s: the only values a decision may be on.
    fixed_names: Vec<Atom>,
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
            current: vec![0],
            breakables: Vec::new(),
            pending_label: None,
            guards: Vec::new(),
            block_guard: None,
            units: Vec::new(),
            conditions: Vec::new(),
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
            returned: NodeList::new(),
            logging: 0,
            scope: u32::MAX,
            decision_stack: Vec::new(),
            decision_sets: vec![Vec::new()],
            decision_ids: FxHashMap::default(),
            decision_keys: FxHashMap::default(),
            fixed_names: Vec::new(),
            aliases: FxHashMap::default(),
            dyn_imports: FxHashMap::default(),
        }
    }

    /// The id of the decisions open now (0 when none).
    fn decision_id(&mut self) -> u32 {
        if self.decision_stack.is_empty() {
            return 0;
        }
        let mut set = self.decision_stack.clone();
        set.sort_unstable();
        set.dedup();
        if let Some(&id) = self.decision_ids.get(&set) {
            return id;
        }
        let id = self.decision_sets.len() as u32;
        self.decision_sets.push(set.clone());
        self.decision_ids.insert(set, id);
        id
    }

    /// `reassigned`: locals assigned after their declaration anywhere in the module so far
    /// (closures included): a decision on one of them may differ between two branches.
    fn finish(mut self, reassigned: &FxHashSet<(u32, Atom)>) -> FnFacts {
        let changed: FxHashSet<u32> = self.decision_keys.iter().filter(|(k, _)| reassigned.contains(*k)).map(|(_, &id)| id).collect();
        if !changed.is_empty() {
            for set in &mut self.decision_sets {
                set.retain(|(k, _)| !changed.contains(k));
            }
        }
        FnFacts {
            name: self.name,
            span: self.span,
            is_async: self.is_async,
            nodes: self.nodes,
            units: self.units,
            conditions: self.conditions,
            has_await: self.has_await,
            bail_tests: self.bail_tests,
            exit_tests: self.exit_tests,
            returned: self.returned,
            decisions: self.decision_sets,
        }
    }
}

struct Builder<'h> {
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
    state_index: FxHashMap<String, u32>,
    functions: Vec<FnFacts>,
    fn_names: Vec<(String, u32)>,
    f: FnBuilder,
    this_ctx: Vec<Option<ThisCtx>>,
    /// Name for the next function built (from `const name = …`, a property key, …).
    pending_name: Option<String>,
    /// Callable-name prefix for methods of a module-level object literal (`manager`).
    object_prefix: Option<String>,
    /// `manager.apply` for every function-valued property of a module-level object literal.
    object_methods: FxHashSet<String>,
    dom_handles: Vec<Atom>,
    /// Locals assigned after their declaration (or declared again in a loop), by (scope, name),
    /// from any function: closures can assign their enclosing function's locals.
    reassigned: FxHashSet<(u32, Atom)>,
    /// State ids of module bindings and imported bindings, by name.
    binding_ids: FxHashMap<Atom, u32>,
    import_ids: FxHashMap<Atom, u32>,
}

/// An atom's text as a `String` (`to_string()` goes through `Display` and the formatter, which
/// costs several times the copy).
fn owned(s: &str) -> String {
    s.to_owned()
}

fn unparen(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => unparen(&p.expr),
        Expr::TsAs(t) => unparen(&t.expr),
        Expr::TsNonNull(t) => unparen(&t.expr),
        Expr::TsSatisfies(t) => unparen(&t.expr),
        Expr::TsTypeAssertion(t) => unparen(&t.expr),
        Expr::TsConstAssertion(t) => unparen(&t.expr),
        _ => e,
    }
}

fn prop_name(p: &MemberProp) -> Option<Atom> {
    match p {
        MemberProp::Ident(i) => Some(i.sym.clone()),
        MemberProp::PrivateName(p) => Some(Atom::from(format!("#{}", p.name))),
        MemberProp::Computed(c) => match unparen(&c.expr) {
            Expr::Lit(Lit::Str(s)) => s.value.as_atom().cloned(),
            _ => None,
        },
    }
}

/// How many properties deep a state's field is told apart: `extension_settings.sd.url` and
/// `extension_settings.sd.model` are different fields; deeper properties belong to the third.
pub(crate) const MAX_FIELD_DEPTH: usize = 3;

/// The field an access path names below its state: up to [`MAX_FIELD_DEPTH`] properties joined
/// with `.` (`sd.url`), ending at the first computed key (`[*]`: any element).
fn field_path(props: &[&MemberProp]) -> Option<Atom> {
    let first = field_name(props.first()?)?;
    if props.len() == 1 || &*first == crate::facts::ANY_FIELD {
        return Some(first);
    }
    let mut path = String::from(&*first);
    for p in props.iter().skip(1).take(MAX_FIELD_DEPTH - 1) {
        let Some(f) = field_name(p) else { break };
        path.push('.');
        path.push_str(&f);
        if &*f == crate::facts::ANY_FIELD {
            break;
        }
    }
    Some(Atom::from(path))
}

/// A property as a state field: computed keys that are not literals become `[*]`, which
/// conflicts with every field.
fn field_name(p: &MemberProp) -> Option<Atom> {
    prop_name(p).or_else(|| matches!(p, MemberProp::Computed(_)).then(|| Atom::from(crate::facts::ANY_FIELD)))
}

fn key_name(k: &PropName) -> Option<String> {
    match k {
        PropName::Ident(i) => Some(owned(&i.sym)),
        PropName::Str(s) => s.value.as_atom().map(|a| owned(a)),
        PropName::Num(n) => Some(n.value.to_string()),
        _ => None,
    }
}

/// `a.b.c` as text, for naming callbacks and functions assigned to properties.
fn path_text(e: &Expr) -> Option<String> {
    let mut out = String::new();
    write_path_text(e, &mut out)?;
    Some(out)
}

fn member_path_text(m: &MemberExpr) -> Option<String> {
    let mut out = String::new();
    write_path_text(&m.obj, &mut out)?;
    write_prop(&m.prop, &mut out)?;
    Some(out)
}

fn write_path_text(e: &Expr, out: &mut String) -> Option<()> {
    match unparen(e) {
        Expr::Ident(i) => out.push_str(&i.sym),
        Expr::This(_) => out.push_str("this"),
        Expr::Member(m) => {
            write_path_text(&m.obj, out)?;
            write_prop(&m.prop, out)?;
        }
        _ => return None,
    }
    Some(())
}

/// Appends `.name` for a named property (as [`prop_name`] names it).
fn write_prop(p: &MemberProp, out: &mut String) -> Option<()> {
    out.push('.');
    match p {
        MemberProp::Ident(i) => out.push_str(&i.sym),
        MemberProp::PrivateName(p) => {
            out.push('#');
            out.push_str(&p.name);
        }
        computed => out.push_str(&prop_name(computed)?),
    }
    Some(())
}

/// `splice(0)` and `splice(0, x.length, …)`: every element goes.
fn splices_everything(args: &[ExprOrSpread]) -> bool {
    let zero = |e: &Expr| matches!(unparen(e), Expr::Lit(Lit::Num(n)) if n.value == 0.0);
    match args {
        [start] => zero(&start.expr),
        [start, count, ..] => {
            zero(&start.expr)
                && matches!(unparen(&count.expr), Expr::Member(m) if matches!(&m.prop, MemberProp::Ident(p) if &*p.sym == "length"))
        }
        _ => false,
    }
}

/// `splice(i, 0, x)` and `splice(i, 1)`: one element inserted or removed, complete on its own
/// like `push` and `shift`.
fn splices_one(args: &[ExprOrSpread]) -> bool {
    let count = |e: &Expr| match unparen(e) {
        Expr::Lit(Lit::Num(n)) => Some(n.value),
        _ => None,
    };
    match args {
        [_, c, x] => count(&c.expr) == Some(0.0) && x.spread.is_none(),
        [_, c] => count(&c.expr) == Some(1.0),
        _ => false,
    }
}

fn mutating_method(name: &str) -> Option<WriteKind> {
    match name {
        "push" | "unshift" | "add" | "set" | "shift" | "pop" | "delete" => Some(WriteKind::Element),
        "splice" | "sort" | "reverse" | "fill" | "clear" | "copyWithin" => Some(WriteKind::Bulk),
        _ => None,
    }
}

/// A literal's canonical text, hashed (0 when `e` is not a literal). The text is hashed as it
/// is produced, never built: literals are everywhere.
fn literal_key(e: &Expr) -> u32 {
    use crate::finding::Fnv;
    fn text(e: &Expr, h: &mut Fnv) -> Option<()> {
        use std::fmt::Write;
        match unparen(e) {
            Expr::Lit(Lit::Str(s)) => {
                h.put("'".as_bytes());
                h.put(s.value.as_bytes());
                h.put("'".as_bytes());
            }
            Expr::Lit(Lit::Bool(b)) => h.put(if b.value { b"true" } else { b"false" }),
            Expr::Lit(Lit::Null(_)) => h.put("null".as_bytes()),
            Expr::Lit(Lit::Num(n)) => {
                // the value's bits, not its text (`1`, `1.0` and `0x1` are one literal); `#`
                // keeps them apart from the other kinds
                h.put(b"#");
                h.put(&n.value.to_bits().to_le_bytes());
            }
            Expr::Lit(Lit::BigInt(b)) => {
                let _ = write!(h, "{}n", b.value);
            }
            Expr::Unary(u) if u.op == UnaryOp::Minus => {
                h.put("-".as_bytes());
                text(&u.arg, h)?;
            }
            Expr::Unary(u) if u.op == UnaryOp::Void => h.put("undefined".as_bytes()),
            Expr::Unary(u) if u.op == UnaryOp::Bang => {
                h.put("!".as_bytes());
                text(&u.arg, h)?;
            }
            Expr::Ident(i) if &*i.sym == "undefined" => h.put("undefined".as_bytes()),
            Expr::Array(a) if a.elems.is_empty() => h.put("[]".as_bytes()),
            Expr::Object(o) if o.props.is_empty() => h.put("{}".as_bytes()),
            Expr::Tpl(t) if t.exprs.is_empty() => {
                h.put("'".as_bytes());
                for q in &t.quasis {
                    h.put(q.raw.as_bytes());
                }
                h.put("'".as_bytes());
            }
            _ => return None,
        }
        Some(())
    }
    let mut h = Fnv::default();
    match text(e, &mut h) {
        Some(()) => {
            // the same terminator as `fnv64`
            h.put(&[0xff]);
            (h.0 as u32).max(1)
        }
        None => 0,
    }
}

/// `$('#chat')`, `jQuery(…)`, `document.getElementById(…)`, `document.querySelector(…)` and
/// friends: a handle on the page.
fn is_dom_query(e: &Expr) -> bool {
    let Expr::Call(c) = unparen(e) else { return false };
    let swc_ecma_ast::Callee::Expr(callee) = &c.callee else { return false };
    match unparen(callee) {
        Expr::Ident(i) => matches!(&*i.sym, "$" | "jQuery"),
        Expr::Member(m) => {
            matches!(unparen(&m.obj), Expr::Ident(o) if &*o.sym == "document")
                && matches!(&m.prop, MemberProp::Ident(p) if p.sym.starts_with("getElement") || p.sym.starts_with("querySelector") || &*p.sym == "createElement")
        }
        _ => false,
    }
}

fn is_fn_expr(e: &Expr) -> bool {
    matches!(unparen(e), Expr::Fn(_) | Expr::Arrow(_))
}

enum Body<'a> {
    Stmts(&'a [Stmt]),
    Expr(&'a Expr),
}

impl<'h> Builder<'h> {
    fn new(base: u32, hints: &'h HostHints) -> Self {
        Builder {
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
            object_methods: FxHashSet::default(),
            dom_handles: Vec::new(),
            reassigned: FxHashSet::default(),
            binding_ids: FxHashMap::default(),
            import_ids: FxHashMap::default(),
        }
    }

    fn span(&self, s: swc_common::Span) -> facts::Span {
        facts::Span { lo: s.lo.0.saturating_sub(self.base), hi: s.hi.0.saturating_sub(self.base) }
    }

    fn finish(mut self) -> ModuleFacts {
        let module_fn = mem::replace(&mut self.f, FnBuilder::new(String::new(), facts::Span::default(), false, false));
        self.functions.push(module_fn.finish(&self.reassigned));
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
            states: self.states,
            imports: self.imports,
            exports: self.exports,
            variables,
            functions: self.functions,
            fn_names: self.fn_names,
            dom_handles: self.dom_handles,
        }
    }

    // ----- module level -------------------------------------------------------------------

    /// Records every module-level binding and the static fields of module-level classes.
    fn prepass(&mut self, module: &Module) {
        for item in &module.body {
            match item {
                ModuleItem::ModuleDecl(ModuleDecl::Import(i)) => {
                    if i.type_only {
                        continue;
                    }
                    let specifier = owned(&i.src.value.to_atom_lossy());
                    for s in &i.specifiers {
                        let (local, imported) = match s {
                            ImportSpecifier::Named(n) => {
                                let name = match &n.imported {
                                    Some(ModuleExportName::Ident(i)) => i.sym.clone(),
                                    Some(ModuleExportName::Str(s)) => s.value.to_atom_lossy().into_owned(),
                                    None => n.local.sym.clone(),
                                };
                                let imported = if &*name == "default" { ImportName::Default } else { ImportName::Named(name) };
                                (&n.local, imported)
                            }
                            ImportSpecifier::Default(d) => (&d.local, ImportName::Default),
                            ImportSpecifier::Namespace(n) => (&n.local, ImportName::Namespace),
                        };
                        self.import_of.insert(local.sym.clone(), self.imports.len() as u32);
                        self.imports.push(Import { specifier: specifier.clone(), imported });
                        self.scopes.module.insert(local.sym.clone(), ModuleBinding::Import);
                    }
                }
                ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) => {
                    self.prepass_decl(&e.decl);
                    let mut names = Vec::new();
                    scope::decl_names(&e.decl, true, &mut names);
                    names.sort();
                    names.dedup();
                    for n in names {
                        self.exports.push(Export::Local { exported: n.clone(), local: n });
                    }
                }
                ModuleItem::ModuleDecl(ModuleDecl::ExportNamed(n)) => {
                    let from = n.src.as_ref().map(|s| owned(&s.value.to_atom_lossy()));
                    for spec in &n.specifiers {
                        let export_name = |m: &ModuleExportName| match m {
                            ModuleExportName::Ident(i) => i.sym.clone(),
                            ModuleExportName::Str(s) => s.value.to_atom_lossy().into_owned(),
                        };
                        match (spec, &from) {
                            (ExportSpecifier::Named(s), Some(src)) => {
                                let orig = export_name(&s.orig);
                                let exported = s.exported.as_ref().map(export_name).unwrap_or_else(|| orig.clone());
                                let imported = if &*orig == "default" { ImportName::Default } else { ImportName::Named(orig) };
                                self.exports.push(Export::From { exported, specifier: src.clone(), imported });
                            }
                            (ExportSpecifier::Named(s), None) => {
                                let local = export_name(&s.orig);
                                let exported = s.exported.as_ref().map(export_name).unwrap_or_else(|| local.clone());
                                self.exports.push(Export::Local { exported, local });
                            }
                            (ExportSpecifier::Namespace(s), Some(src)) => {
                                self.exports.push(Export::From {
                                    exported: export_name(&s.name),
                                    specifier: src.clone(),
                                    imported: ImportName::Namespace,
                                });
                            }
                            (ExportSpecifier::Default(d), Some(src)) => {
                                self.exports.push(Export::From {
                                    exported: d.exported.sym.clone(),
                                    specifier: src.clone(),
                                    imported: ImportName::Default,
                                });
                            }
                            _ => {}
                        }
                    }
                }
                ModuleItem::ModuleDecl(ModuleDecl::ExportAll(a)) => {
                    self.exports.push(Export::All { specifier: owned(&a.src.value.to_atom_lossy()) });
                }
                ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultExpr(e)) => {
                    if let Expr::Ident(i) = unparen(&e.expr) {
                        self.exports.push(Export::Local { exported: Atom::from("default"), local: i.sym.clone() });
                    }
                }
                ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultDecl(d)) => match &d.decl {
                    DefaultDecl::Class(c) => {
                        let name = c.ident.as_ref().map(|i| i.sym.clone()).unwrap_or_else(|| Atom::from("default"));
                        self.prepass_class(&name, &c.class);
                        self.scopes.module.insert(name.clone(), ModuleBinding::Class);
                        self.exports.push(Export::Local { exported: Atom::from("default"), local: name });
                    }
                    DefaultDecl::Fn(f) => {
                        let name = f.ident.as_ref().map(|i| i.sym.clone()).unwrap_or_else(|| Atom::from("default"));
                        self.scopes.module.insert(name.clone(), ModuleBinding::Function);
                        self.exports.push(Export::Local { exported: Atom::from("default"), local: name });
                    }
                    _ => {}
                },
                ModuleItem::Stmt(Stmt::Decl(d)) => self.prepass_decl(d),
                ModuleItem::Stmt(s) => {
                    // hoisted `var`s in top-level blocks, loops, …
                    let mut names = Vec::new();
                    scope::var_names(std::slice::from_ref(s), &mut names);
                    for n in names {
                        self.scopes.module.entry(n).or_insert(ModuleBinding::Variable);
                    }
                }
                _ => {}
            }
        }
    }

    fn prepass_decl(&mut self, d: &Decl) {
        match d {
            Decl::Var(v) => {
                for decl in &v.decls {
                    let mut names = Vec::new();
                    pat_names(&decl.name, &mut names);
                    let span = self.span(decl.span);
                    for n in names {
                        if let Some(Expr::Class(c)) = decl.init.as_deref().map(unparen) {
                            self.prepass_class(&n, &c.class);
                        }
                        if let Some(Expr::Object(o)) = decl.init.as_deref().map(unparen) {
                            for p in &o.props {
                                let key = match p {
                                    PropOrSpread::Prop(p) => match &**p {
                                        Prop::KeyValue(kv) if is_fn_expr(&kv.value) => key_name(&kv.key),
                                        Prop::Method(m) => key_name(&m.key),
                                        _ => None,
                                    },
                                    _ => None,
                                };
                                if let Some(k) = key {
                                    self.object_methods.insert(format!("{n}.{k}"));
                                }
                            }
                        }
                        self.decl_spans.insert(n.clone(), span);
                        if v.kind == VarDeclKind::Const
                            && matches!(&decl.name, Pat::Ident(_))
                            && decl.init.as_deref().is_some_and(is_dom_query)
                        {
                            self.dom_handles.push(n.clone());
                        }
                        self.scopes.module.insert(n, ModuleBinding::Variable);
                    }
                }
            }
            Decl::Fn(f) => {
                self.scopes.module.insert(f.ident.sym.clone(), ModuleBinding::Function);
            }
            Decl::Class(c) => {
                self.prepass_class(&c.ident.sym, &c.class);
                self.scopes.module.insert(c.ident.sym.clone(), ModuleBinding::Class);
            }
            Decl::TsEnum(e) => {
                self.scopes.module.insert(e.id.sym.clone(), ModuleBinding::Class);
            }
            _ => {}
        }
    }

    fn prepass_class(&mut self, name: &Atom, class: &Class) {
        let info = self.classes.entry(name.clone()).or_default();
        for m in &class.body {
            match m {
                ClassMember::ClassProp(p) if p.is_static => {
                    if let Some(k) = key_name(&p.key) {
                        info.statics.insert(Atom::from(k));
                    }
                }
                ClassMember::PrivateProp(p) if p.is_static => {
                    info.statics.insert(Atom::from(format!("#{}", p.key.name)));
                }
                _ => {}
            }
        }
        // spans of static fields are recorded when the class body is walked
    }

    fn module(&mut self, module: &Module) {
        for item in &module.body {
            match item {
                ModuleItem::Stmt(s) => self.stmt_with_block_guard(s),
                ModuleItem::ModuleDecl(d) => match d {
                    ModuleDecl::ExportDecl(e) => self.decl(&e.decl),
                    ModuleDecl::ExportDefaultDecl(d) => match &d.decl {
                        DefaultDecl::Class(c) => {
                            let name = c.ident.as_ref().map(|i| i.sym.clone()).unwrap_or_else(|| Atom::from("default"));
                            self.class(&name, &c.class, true);
                        }
                        DefaultDecl::Fn(f) => {
                            let name = f.ident.as_ref().map(|i| owned(&i.sym)).unwrap_or_else(|| "default".into());
                            let id = self.function_node(&name, &f.function, false);
                            self.fn_names.push((name, id));
                        }
                        DefaultDecl::TsInterfaceDecl(_) => {}
                    },
                    ModuleDecl::ExportDefaultExpr(e) => {
                        self.pending_name = Some("default".into());
                        self.unit(e.span, |b| {
                            b.expr(&e.expr);
                        });
                    }
                    _ => {}
                },
            }
        }
    }

    // ----- state --------------------------------------------------------------------------

    fn state(&mut self, key: String, name: String, kind: StateKind, span: facts::Span) -> u32 {
        if let Some(&id) = self.state_index.get(&key) {
            return id;
        }
        let id = self.states.len() as u32;
        self.states.push(StateDecl { name, kind, span });
        self.state_index.insert(key, id);
        id
    }

    fn binding_state(&mut self, name: &Atom) -> u32 {
        // the hot path (every read of a module binding): no allocation once the state exists
        if let Some(&id) = self.binding_ids.get(name) {
            return id;
        }
        let span = self.decl_spans.get(name).copied().unwrap_or_default();
        let id = self.state(owned(name), owned(name), StateKind::Binding, span);
        self.binding_ids.insert(name.clone(), id);
        id
    }

    fn static_state(&mut self, class: &Atom, field: &Atom) -> u32 {
        let key = format!("{class}.{field}");
        let span = self.decl_spans.get(&Atom::from(key.as_str())).copied().unwrap_or_default();
        self.state(key.clone(), key, StateKind::ClassStatic, span)
    }

    fn global_state(&mut self, base: &Atom, prop: &Atom, span: facts::Span) -> u32 {
        self.state(format!("globalThis.{prop}"), format!("{base}.{prop}"), StateKind::GlobalProp, span)
    }

    /// The shared state a member chain like `oai_settings.x.y`, `this.#x`, `C.x` or
    /// `window.x` denotes, if any.
    fn member_access(&mut self, m: &MemberExpr) -> Option<Access> {
        // the chain's properties from the base outwards: `a.first.second.…` (only the first
        // few name the state and its field)
        let mut props: smallvec::SmallVec<[&MemberProp; 8]> = smallvec::smallvec![&m.prop];
        let mut obj: &Expr = &m.obj;
        while let Expr::Member(inner) = unparen(obj) {
            props.push(&inner.prop);
            obj = &inner.obj;
        }
        props.reverse();
        let first_prop = props[0];
        let second = || field_path(&props[1..]);
        match unparen(obj) {
            Expr::Ident(id) => match self.scopes.resolve(&id.sym) {
                Resolved::Module(b @ (ModuleBinding::Variable | ModuleBinding::Class)) => {
                    if let Some(f) = &prop_name(first_prop) {
                        if self.classes.get(&id.sym).is_some_and(|c| c.statics.contains(f)) {
                            let state = self.static_state(&id.sym, f);
                            return Some(Access { state, field: second() });
                        }
                    }
                    if b == ModuleBinding::Class {
                        return None;
                    }
                    let state = self.binding_state(&id.sym);
                    Some(Access { state, field: field_path(&props) })
                }
                Resolved::Module(ModuleBinding::Import) => {
                    let import = *self.import_of.get(&id.sym)?;
                    let state = self.import_state(&id.sym, import);
                    Some(Access { state, field: field_path(&props) })
                }
                Resolved::Global if matches!(&*id.sym, "window" | "globalThis" | "self") && !self.is_host_path_base(m) => {
                    let f = prop_name(first_prop)?;
                    let span = self.span(m.span);
                    let state = self.global_state(&id.sym, &f, span);
                    Some(Access { state, field: second() })
                }
                _ => None,
            },
            Expr::This(_) => {
                let ctx = self.this_ctx.last().cloned().flatten()?;
                let f = prop_name(first_prop)?;
                if ctx.is_static && ctx.module_level && self.classes.get(&ctx.class).is_some_and(|c| c.statics.contains(&f)) {
                    let state = self.static_state(&ctx.class, &f);
                    return Some(Access { state, field: second() });
                }
                None
            }
            _ => None,
        }
        .or_else(|| self.host_access(m))
    }

    fn is_host_path_base(&self, m: &MemberExpr) -> bool {
        !self.hints.state_paths.is_empty()
            && self.host_path(&m.obj).is_some_and(|p| self.hints.state_paths.iter().any(|s| s.starts_with(&p)))
    }

    fn import_state(&mut self, local: &Atom, import: u32) -> u32 {
        if let Some(&id) = self.import_ids.get(local) {
            return id;
        }
        let id = self.state(["import:", local].concat(), owned(local), StateKind::Imported(import), facts::Span::default());
        self.import_ids.insert(local.clone(), id);
        id
    }

    /// Host state reached through an API path: `getContext().chatMetadata.x`,
    /// `ctx.extensionSettings[name]`.
    fn host_access(&mut self, m: &MemberExpr) -> Option<Access> {
        if self.hints.state_paths.is_empty() {
            return None;
        }
        // only chains with a property that ends some host state path can name one (tested
        // before anything is allocated: this runs for every member expression)
        let ends_a_path = |p: &MemberProp| match p {
            MemberProp::Ident(i) => self.hints.state_ends.contains(&*i.sym),
            MemberProp::Computed(_) => {
                self.hints.state_ends.contains("[*]") || prop_name(p).is_some_and(|p| self.hints.state_ends.contains(&*p))
            }
            MemberProp::PrivateName(_) => false,
        };
        let mut any = ends_a_path(&m.prop);
        let mut obj: &Expr = &m.obj;
        while let Expr::Member(inner) = unparen(obj) {
            any = any || ends_a_path(&inner.prop);
            obj = &inner.obj;
        }
        if !any {
            return None;
        }
        let mut chain = vec![m];
        let mut obj: &Expr = &m.obj;
        while let Expr::Member(inner) = unparen(obj) {
            chain.push(inner);
            obj = &inner.obj;
        }
        chain.reverse();
        let mut text = self.host_path(obj)?;
        for (k, member) in chain.iter().enumerate() {
            match prop_name(&member.prop) {
                Some(p) => {
                    text.push('.');
                    text.push_str(&p);
                }
                None => text.push_str("[*]"),
            }
            if self.hints.state_paths.contains(&text) {
                let field = chain.get(k + 1).and_then(|n| field_name(&n.prop));
                let span = self.span(member.span);
                let state = self.state(format!("host:{text}"), text.clone(), StateKind::Host, span);
                return Some(Access { state, field });
            }
        }
        None
    }

    /// Evaluates the computed keys of a member chain (`chat_metadata[key]`), which run before
    /// the access itself.
    fn member_keys(&mut self, m: &MemberExpr) {
        if let Expr::Member(inner) = unparen(&m.obj) {
            self.member_keys(inner);
        }
        if let MemberProp::Computed(c) = &m.prop {
            self.expr(&c.expr);
        }
    }

    // ----- graph --------------------------------------------------------------------------

    fn add(&mut self, kind: NodeKind, span: facts::Span) -> NodeId {
        let f = &mut self.f;
        let id = f.nodes.len() as NodeId;
        let guards = match kind {
            NodeKind::Write { .. } | NodeKind::Call { .. } | NodeKind::Resume { .. } => {
                f.guards.iter().rev().take(MAX_GUARDS).copied().collect()
            }
            _ => NodeList::new(),
        };
        if matches!(kind, NodeKind::Read { .. } | NodeKind::Call { .. }) {
            if let Some(u) = f.unit_stack.last_mut() {
                extend_capped(&mut u.fresh, &[id]);
            }
        }
        if matches!(kind, NodeKind::Await(_)) {
            f.has_await = true;
            if let Some(u) = f.unit_stack.last_mut() {
                u.awaits = true;
            }
            if let Some(t) = f.tries.last_mut() {
                t.awaits.push(id);
            }
        }
        for &p in &f.current {
            let succ = &mut f.nodes[p as usize].succ;
            if !succ.contains(&id) {
                succ.push(id);
            }
        }
        let decision = f.decision_id();
        f.nodes.push(Node { kind, span, succ: NodeList::new(), guards, decision });
        f.current.clear();
        f.current.push(id);
        id
    }

    fn link(&mut self, from: &[NodeId], to: NodeId) {
        for &p in from {
            let succ = &mut self.f.nodes[p as usize].succ;
            if !succ.contains(&to) {
                succ.push(to);
            }
        }
    }

    fn merge(&mut self, other: Vec<NodeId>) {
        for n in other {
            if !self.f.current.contains(&n) {
                self.f.current.push(n);
            }
        }
        // a join node keeps the frontier small, so deeply nested branches stay linear
        if self.f.current.len() > 8 {
            let span = self.f.nodes[self.f.current[0] as usize].span;
            self.add(NodeKind::Nop, span);
        }
    }

    fn read(&mut self, access: Access, span: swc_common::Span) -> Val {
        // what is only logged changes nothing the program does
        if self.f.logging > 0 {
            return Val::default();
        }
        let test = self.f.test_depth > 0;
        let span = self.span(span);
        let id = self.add(NodeKind::Read { access, test }, span);
        Val { sources: smallvec::smallvec![id], literal: 0, copy: true, module: false }
    }

    fn write(&mut self, access: Access, kind: WriteKind, value: Val, span: swc_common::Span) -> NodeId {
        let span = self.span(span);
        // `cache[key] = v`, `chat[i].mes = v`, `delete map[k]`: one element, complete on its own
        let kind = match kind {
            WriteKind::Assign | WriteKind::Delete if access.field.as_deref() == Some(facts::ANY_FIELD) => WriteKind::Keyed,
            k => k,
        };
        self.add(NodeKind::Write { access, kind, value: value.info() }, span)
    }

    fn await_node(&mut self, kind: AwaitKind, span: swc_common::Span) -> NodeId {
        if kind != AwaitKind::Then {
            self.defer_then_callbacks();
        }
        let span = self.span(span);
        self.add(NodeKind::Await(kind), span)
    }

    /// Runs `f` as one statement-level unit of data flow.
    fn unit(&mut self, span: swc_common::Span, f: impl FnOnce(&mut Self)) {
        self.f.unit_stack.push(UnitAcc::default());
        f(self);
        let u = self.f.unit_stack.pop().unwrap_or_default();
        // values read through locals and fresh reads, or fresh reads on both sides of an
        // await inside the statement itself
        if (!u.stale.is_empty() && !u.fresh.is_empty()) || (u.awaits && u.fresh.len() >= 2) {
            let span = self.span(span);
            self.f.units.push(Unit { span, stale: u.stale, fresh: u.fresh });
        }
    }

    /// The branch decision a condition makes, when it is a plain value fixed for the whole
    /// call (`c`, `!c`, `!!c` on a parameter or a top-level local of this function): the
    /// value's key and whether the branch runs when it is truthy.
    fn decision_of(&mut self, e: &Expr) -> Option<(u32, bool)> {
        match unparen(e) {
            Expr::Unary(u) if u.op == UnaryOp::Bang => self.decision_of(&u.arg).map(|(k, v)| (k, !v)),
            Expr::Ident(i) => match self.scopes.resolve(&i.sym) {
                Resolved::Local(scope) if scope == self.f.scope && self.f.fixed_names.contains(&i.sym) => {
                    let next = self.f.decision_keys.len() as u32;
                    Some((*self.f.decision_keys.entry((scope, i.sym.clone())).or_insert(next), true))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Evaluates a condition: reads in it are tests, and the returned nodes guard what it
    /// controls.
    /// A statement's condition: its test nodes, and where control goes when it is false. Left
    /// as the current frontier is where it goes when true: for `a && b`, only through `b` (the
    /// branch never runs when `a` fails, so a loop's body is not reached from `a` past `b`); a
    /// failing `a` goes to the false side with a failing `b`.
    fn condition(&mut self, e: &Expr) -> (Vec<NodeId>, Vec<NodeId>) {
        let (mut tests, mut falsy) = (Vec::new(), Vec::new());
        self.condition_parts(e, &mut tests, &mut falsy);
        falsy.sort_unstable();
        falsy.dedup();
        (tests, falsy)
    }

    fn condition_parts(&mut self, e: &Expr, tests: &mut Vec<NodeId>, falsy: &mut Vec<NodeId>) {
        match unparen(e) {
            Expr::Bin(b) if b.op == BinaryOp::LogicalAnd => {
                stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.condition_parts(&b.left, tests, falsy));
                stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.condition_parts(&b.right, tests, falsy));
            }
            _ => {
                tests.extend(self.test(e));
                falsy.extend_from_slice(&self.f.current);
            }
        }
    }

    fn test(&mut self, e: &Expr) -> Vec<NodeId> {
        let start = self.f.nodes.len();
        self.f.test_depth += 1;
        self.expr(e);
        self.f.test_depth -= 1;
        (start..self.f.nodes.len())
            .filter(|&i| matches!(self.f.nodes[i].kind, NodeKind::Read { test: true, .. } | NodeKind::Call { test: true, .. }))
            .map(|i| i as NodeId)
            .collect()
    }

    // ----- functions and classes ----------------------------------------------------------

    fn take_name(&mut self, fallback: Option<&Ident>) -> String {
        if let Some(n) = self.pending_name.take() {
            return n;
        }
        if let Some(i) = fallback {
            return owned(&i.sym);
        }
        self.anonymous_name()
    }

    /// `anonymous function in outerName`, naming the nearest enclosing named function.
    fn anonymous_name(&self) -> String {
        let outer = &self.f.name;
        if outer.starts_with("anonymous function in ") {
            outer.clone()
        } else {
            ["anonymous function in ", outer].concat()
        }
    }

    fn function_node(&mut self, name: &str, func: &Function, method_ctx: bool) -> u32 {
        let params: Vec<&Pat> = func.params.iter().map(|p| &p.pat).collect();
        let span = self.span(func.span);
        if !method_ctx {
            self.this_ctx.push(None);
        }
        let body = func.body.as_ref().map(|b| Body::Stmts(&b.stmts)).unwrap_or(Body::Stmts(&[]));
        let id = self.build_function(name.to_string(), span, func.is_async, func.is_generator, &params, body);
        if !method_ctx {
            self.this_ctx.pop();
        }
        id
    }

    fn build_function(
        &mut self,
        name: String,
        span: facts::Span,
        is_async: bool,
        is_generator: bool,
        params: &[&Pat],
        body: Body<'_>,
    ) -> u32 {
        let stmts: &[Stmt] = match body {
            Body::Stmts(s) => s,
            Body::Expr(_) => &[],
        };
        let names = function_names(params, stmts);
        let parent = mem::replace(&mut self.f, FnBuilder::new(name, span, is_async, is_generator));
        let saved_prefix = self.object_prefix.take();
        self.f.scope = self.scopes.push(names);
        // decisions are only on parameters and top-level `const`s
        let mut fixed = Vec::new();
        for p in params {
            pat_names(p, &mut fixed);
        }
        for s in stmts {
            if let Stmt::Decl(Decl::Var(v)) = s {
                if v.kind == VarDeclKind::Const {
                    for d in &v.decls {
                        pat_names(&d.name, &mut fixed);
                    }
                }
            }
        }
        self.f.fixed_names = fixed;
        for p in params {
            self.param_defaults(p);
        }
        match body {
            Body::Stmts(stmts) => self.block_stmts(stmts),
            Body::Expr(e) => {
                let sp = swc_common::Span::new(swc_common::BytePos(span.lo + self.base), swc_common::BytePos(span.hi + self.base));
                self.unit(sp, |b| {
                    let v = b.expr(e);
                    extend_capped(&mut b.f.returned, &v.sources);
                });
            }
        }
        self.defer_then_callbacks();
        self.scopes.pop();
        self.object_prefix = saved_prefix;
        let done = mem::replace(&mut self.f, parent);
        self.functions.push(done.finish(&self.reassigned));
        (self.functions.len() - 1) as u32
    }

    fn param_defaults(&mut self, p: &Pat) {
        match p {
            Pat::Assign(a) => {
                let v = self.expr(&a.right);
                self.bind_pat(&a.left, &v, true);
            }
            Pat::Object(o) => {
                for prop in &o.props {
                    match prop {
                        ObjectPatProp::KeyValue(kv) => self.param_defaults(&kv.value),
                        ObjectPatProp::Assign(a) => {
                            if let Some(v) = &a.value {
                                self.expr(v);
                            }
                        }
                        ObjectPatProp::Rest(_) => {}
                    }
                }
            }
            Pat::Array(a) => a.elems.iter().flatten().for_each(|e| self.param_defaults(e)),
            _ => {}
        }
    }

    fn arrow(&mut self, a: &ArrowExpr) -> u32 {
        let name = self.take_name(None);
        let params: Vec<&Pat> = a.params.iter().collect();
        let span = self.span(a.span);
        let body = match &*a.body {
            ArrowFunctionBody::FunctionBody(b) => Body::Stmts(&b.stmts),
            ArrowFunctionBody::Expr(e) => Body::Expr(e),
        };
        self.build_function(name, span, a.is_async, a.is_generator, &params, body)
    }

    fn class(&mut self, name: &Atom, class: &Class, module_level: bool) {
        if let Some(s) = &class.super_class {
            self.expr(s);
        }
        let module_level = module_level && self.classes.contains_key(name);
        for member in &class.body {
            match member {
                ClassMember::Method(m) => {
                    let Some(key) = key_name(&m.key) else {
                        continue;
                    };
                    self.method(name, &key, &m.function, m.is_static, module_level);
                }
                ClassMember::PrivateMethod(m) => {
                    let key = format!("#{}", m.key.name);
                    self.method(name, &key, &m.function, m.is_static, module_level);
                }
                ClassMember::Constructor(c) => {
                    if let Some(body) = &c.body {
                        let params: Vec<&Pat> = c
                            .params
                            .iter()
                            .filter_map(|p| match p {
                                ParamOrTsParamProp::Param(p) => Some(&p.pat),
                                _ => None,
                            })
                            .collect();
                        let span = self.span(c.span);
                        self.this_ctx.push(Some(ThisCtx { class: name.clone(), is_static: false, module_level }));
                        self.build_function(format!("{name}.constructor"), span, false, false, &params, Body::Stmts(&body.stmts));
                        self.this_ctx.pop();
                    }
                }
                ClassMember::ClassProp(p) => {
                    if let Some(key) = key_name(&p.key) {
                        if p.is_static {
                            let span = self.span(p.span);
                            self.decl_spans.insert(Atom::from(format!("{name}.{key}")), span);
                        }
                        self.prop_value(name, &key, p.value.as_deref(), p.is_static, module_level);
                    }
                }
                ClassMember::PrivateProp(p) => {
                    let key = format!("#{}", p.key.name);
                    if p.is_static {
                        let span = self.span(p.span);
                        self.decl_spans.insert(Atom::from(format!("{name}.{key}")), span);
                    }
                    self.prop_value(name, &key, p.value.as_deref(), p.is_static, module_level);
                }
                ClassMember::StaticBlock(b) => {
                    self.this_ctx.push(Some(ThisCtx { class: name.clone(), is_static: true, module_level }));
                    self.block(&b.body.stmts);
                    self.this_ctx.pop();
                }
                _ => {}
            }
        }
    }

    fn prop_value(&mut self, class: &Atom, key: &str, value: Option<&Expr>, is_static: bool, module_level: bool) {
        let Some(v) = value else { return };
        if is_fn_expr(v) {
            self.this_ctx.push(Some(ThisCtx { class: class.clone(), is_static, module_level }));
            self.pending_name = Some(format!("{class}.{key}"));
            let before = self.functions.len();
            self.expr(v);
            if self.functions.len() > before {
                let sep = if is_static { "." } else { "#" };
                self.fn_names.push((format!("{class}{sep}{key}"), (self.functions.len() - 1) as u32));
            }
            self.this_ctx.pop();
        } else if is_static {
            // static initialisers run once, at module evaluation: they are not writes
            self.this_ctx.push(Some(ThisCtx { class: class.clone(), is_static, module_level }));
            self.expr(v);
            self.this_ctx.pop();
        }
    }

    fn method(&mut self, class: &Atom, key: &str, func: &Function, is_static: bool, module_level: bool) {
        self.this_ctx.push(Some(ThisCtx { class: class.clone(), is_static, module_level }));
        let id = self.function_node(&format!("{class}.{key}"), func, true);
        self.this_ctx.pop();
        let sep = if is_static { "." } else { "#" };
        self.fn_names.push((format!("{class}{sep}{key}"), id));
    }

    // ----- statements ---------------------------------------------------------------------

    fn block_stmts(&mut self, stmts: &[Stmt]) {
        let mark = self.f.guards.len();
        for s in stmts {
            self.stmt(s);
            if let Some(g) = self.f.block_guard.take() {
                self.f.guards.extend(g);
            }
        }
        self.f.guards.truncate(mark);
        self.f.block_guard = None;
    }

    fn stmt_with_block_guard(&mut self, s: &Stmt) {
        self.stmt(s);
        if let Some(g) = self.f.block_guard.take() {
            self.f.guards.extend(g);
        }
    }

    fn block(&mut self, stmts: &[Stmt]) {
        let mut names = Vec::new();
        lexical_names(stmts, &mut names);
        self.scopes.push(names);
        self.block_stmts(stmts);
        self.scopes.pop();
    }

    fn stmt(&mut self, s: &Stmt) {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.stmt_inner(s))
    }

    /// Moves the callbacks of un-awaited promises made since the last await to where the
    /// function's synchronous run ends: the next await, a `return` or `throw`, or the end of
    /// the body. Everything up to there runs before any of them (`const p = load().then(cb);
    /// cache.inFlight = p;` stores the promise first). Where nothing is left to run from (the
    /// frontier is empty), they stay where they were made.
    fn defer_then_callbacks(&mut self) {
        if self.f.deferred_then.is_empty() {
            return;
        }
        let pending = mem::take(&mut self.f.deferred_then);
        if self.f.current.is_empty() {
            return;
        }
        let end = self.f.current.clone();
        for (then_await, forked_from) in pending {
            if end.contains(&then_await) {
                continue;
            }
            for p in forked_from {
                self.f.nodes[p as usize].succ.retain(|s| *s != then_await);
            }
            self.link(&end, then_await);
        }
    }

    fn stmt_inner(&mut self, s: &Stmt) {
        let label = self.f.pending_label.take();
        match s {
            Stmt::Block(b) => {
                if let Some(l) = label {
                    self.labeled_block(l, &b.stmts);
                } else {
                    self.block(&b.stmts);
                }
            }
            Stmt::Empty(_) | Stmt::Debugger(_) => {}
            Stmt::With(w) => {
                self.unit(w.span, |b| {
                    b.expr(&w.obj);
                });
                self.stmt(&w.body);
            }
            Stmt::Return(r) => {
                if let Some(arg) = &r.arg {
                    self.unit(r.span, |b| {
                        let v = b.expr(arg);
                        extend_capped(&mut b.f.returned, &v.sources);
                    });
                }
                self.exit(false);
            }
            Stmt::Throw(t) => {
                self.unit(t.span, |b| {
                    b.expr(&t.arg);
                });
                self.exit(true);
            }
            Stmt::Labeled(l) => {
                self.f.pending_label = Some(l.label.sym.clone());
                self.stmt(&l.body);
                self.f.pending_label = None;
            }
            Stmt::Break(b) => {
                let cur = mem::take(&mut self.f.current);
                let target = self.breakable(b.label.as_ref().map(|l| &l.sym), false);
                if let Some(t) = target {
                    self.f.breakables[t].breaks.extend(cur);
                }
            }
            Stmt::Continue(c) => {
                let cur = mem::take(&mut self.f.current);
                let target = self.breakable(c.label.as_ref().map(|l| &l.sym), true);
                if let Some(t) = target {
                    self.f.breakables[t].continues.extend(cur);
                }
            }
            Stmt::If(i) => self.if_stmt(i),
            Stmt::Switch(sw) => self.switch(sw, label),
            Stmt::Try(t) => self.try_stmt(t),
            Stmt::While(w) => {
                let head = self.add(NodeKind::Nop, self.span(w.span));
                self.f.unit_stack.push(UnitAcc::default());
                let (tests, exit) = self.condition(&w.test);
                self.end_unit_at(w.span);
                self.loop_body(label, &tests, &w.body, head, true);
                self.f.current = exit;
                self.finish_breaks();
            }
            Stmt::DoWhile(w) => {
                let head = self.add(NodeKind::Nop, self.span(w.span));
                // the test runs after the body and loops back to the head
                self.f.current = self.loop_body(label, &[], &w.body, head, false);
                self.unit(w.span, |b| {
                    b.test(&w.test);
                });
                let cur = self.f.current.clone();
                self.link(&cur, head);
                self.finish_breaks();
            }
            Stmt::For(fs) => {
                let mut names = Vec::new();
                if let Some(VarDeclOrExpr::VarDecl(v)) = &fs.init {
                    if v.kind != VarDeclKind::Var {
                        v.decls.iter().for_each(|d| pat_names(&d.name, &mut names));
                    }
                }
                self.scopes.push(names);
                match &fs.init {
                    Some(VarDeclOrExpr::VarDecl(v)) => self.var_decl(v),
                    Some(VarDeclOrExpr::Expr(e)) => self.unit(fs.span, |b| {
                        b.expr(e);
                    }),
                    None => {}
                }
                let head = self.add(NodeKind::Nop, self.span(fs.span));
                let (tests, exit) = match &fs.test {
                    Some(t) => {
                        self.f.unit_stack.push(UnitAcc::default());
                        let (tests, exit) = self.condition(t);
                        self.end_unit_at(fs.span);
                        (tests, exit)
                    }
                    None => (Vec::new(), Vec::new()),
                };
                self.f.breakables.push(Breakable { label, is_loop: true, breaks: Vec::new(), continues: Vec::new() });
                let mark = self.f.guards.len();
                self.f.guards.extend(tests);
                self.stmt(&fs.body);
                self.f.guards.truncate(mark);
                let conts = mem::take(&mut self.f.breakables.last_mut().expect("loop").continues);
                self.merge(conts);
                if let Some(u) = &fs.update {
                    self.unit(fs.span, |b| {
                        b.expr(u);
                    });
                }
                let cur = mem::take(&mut self.f.current);
                self.link(&cur, head);
                self.f.current = exit;
                self.finish_breaks();
                self.scopes.pop();
            }
            Stmt::ForIn(fi) => self.for_in_of(label, &fi.left, &fi.right, &fi.body, fi.span, false),
            Stmt::ForOf(fo) => self.for_in_of(label, &fo.left, &fo.right, &fo.body, fo.span, fo.is_await),
            Stmt::Decl(d) => self.decl(d),
            Stmt::Expr(e) => self.unit(e.span, |b| {
                b.expr(&e.expr);
            }),
        }
    }

    /// Ends the unit of a condition. Conditions are not units of data flow: comparing a value
    /// read earlier with a fresh read (`if (nonce !== counterNonce) return;`) is a check for a
    /// change, not a mix of old and new values.
    /// Ends a condition's unit: conditions are checks, not torn reads.
    fn end_unit_at(&mut self, _span: swc_common::Span) {
        self.f.unit_stack.pop();
    }

    /// Walks a loop body; the body's end and every `continue` flow back to `head`.
    fn loop_body(&mut self, label: Option<Atom>, tests: &[NodeId], body: &Stmt, head: NodeId, link_head: bool) -> Vec<NodeId> {
        self.f.breakables.push(Breakable { label, is_loop: true, breaks: Vec::new(), continues: Vec::new() });
        let mark = self.f.guards.len();
        self.f.guards.extend_from_slice(tests);
        self.stmt(body);
        self.f.guards.truncate(mark);
        let conts = mem::take(&mut self.f.breakables.last_mut().expect("loop").continues);
        let mut end = mem::take(&mut self.f.current);
        for c in conts {
            if !end.contains(&c) {
                end.push(c);
            }
        }
        if link_head {
            self.link(&end, head);
        }
        end
    }

    fn finish_breaks(&mut self) {
        if let Some(b) = self.f.breakables.pop() {
            self.merge(b.breaks);
        }
    }

    fn labeled_block(&mut self, label: Atom, stmts: &[Stmt]) {
        self.f.breakables.push(Breakable { label: Some(label), is_loop: false, breaks: Vec::new(), continues: Vec::new() });
        self.block(stmts);
        if let Some(b) = self.f.breakables.pop() {
            self.merge(b.breaks);
        }
    }

    fn breakable(&self, label: Option<&Atom>, for_continue: bool) -> Option<usize> {
        self.f.breakables.iter().enumerate().rev().find_map(|(i, b)| {
            let ok = match label {
                Some(l) => b.label.as_ref() == Some(l),
                None => b.is_loop || (!for_continue && b.label.is_none()),
            };
            let ok = ok && (!for_continue || b.is_loop);
            ok.then_some(i)
        })
    }

    /// `return` or `throw`: control leaves through the innermost `finally`, the innermost
    /// inlined `.then` callback, or the function.
    fn exit(&mut self, throw: bool) {
        self.defer_then_callbacks();
        let cur = mem::take(&mut self.f.current);
        self.propagate(cur, throw);
    }

    fn propagate(&mut self, nodes: Vec<NodeId>, throw: bool) {
        if nodes.is_empty() {
            return;
        }
        if let Some(t) = self.f.tries.last_mut() {
            if throw {
                t.throws.extend(nodes);
            } else {
                t.returns.extend(nodes);
            }
        } else if let Some(r) = self.f.inline_returns.last_mut() {
            r.extend(nodes);
        }
    }

    fn if_stmt(&mut self, i: &IfStmt) {
        self.f.unit_stack.push(UnitAcc::default());
        let (tests, before) = self.condition(&i.test);
        self.end_unit_at(i.span);
        let mark = self.f.guards.len();
        self.f.guards.extend_from_slice(&tests);
        let cons_start = self.f.nodes.len();
        let decision = self.decision_of(&i.test);
        self.f.decision_stack.extend(decision);
        self.stmt(&i.cons);
        let after_cons = mem::replace(&mut self.f.current, before);
        if let Some((k, v)) = decision {
            self.f.decision_stack.pop();
            self.f.decision_stack.push((k, !v));
        }
        // `if (busy) return;`: a plain flag, and the branch leaves the function awaiting nothing
        if plain_flags(&i.test) && after_cons.is_empty() && self.awaits_only_tested_state(cons_start, &tests) {
            self.f.bail_tests.extend_from_slice(&tests);
        }
        if let Some(alt) = &i.alt {
            self.stmt(alt);
        }
        if decision.is_some() {
            self.f.decision_stack.pop();
        }
        self.f.guards.truncate(mark);
        self.f.block_guard = None;
        let cons_exits = after_cons.is_empty();
        self.merge(after_cons);
        if i.alt.is_none() && cons_exits && !tests.is_empty() {
            self.f.exit_tests.extend_from_slice(&tests);
            self.f.block_guard = Some(tests);
        }
    }

    /// Whether every await among the nodes built since `start` waits for the tested state
    /// itself (`if (pending) { await pending; return; }`: joining the work in flight) or there
    /// is none. Awaiting anything else (`if (active) return await original(o)`) does the work
    /// another way, and the test is no lock.
    fn awaits_only_tested_state(&self, start: usize, tests: &[NodeId]) -> bool {
        let tested: Vec<&Access> = tests
            .iter()
            .filter_map(|&t| match &self.f.nodes[t as usize].kind {
                NodeKind::Read { access, .. } => Some(access),
                _ => None,
            })
            .collect();
        (start..self.f.nodes.len()).all(|i| match self.f.nodes[i].kind {
            NodeKind::Await(AwaitKind::Await) => {
                i > start && matches!(&self.f.nodes[i - 1].kind, NodeKind::Read { access, .. } if tested.contains(&access))
            }
            NodeKind::Await(_) => false,
            _ => true,
        })
    }

    fn switch(&mut self, sw: &SwitchStmt, label: Option<Atom>) {
        self.unit(sw.span, |b| {
            b.expr(&sw.discriminant);
        });
        let entry = self.f.current.clone();
        let mut names = Vec::new();
        sw.cases.iter().for_each(|c| lexical_names(&c.cons, &mut names));
        self.scopes.push(names);
        self.f.breakables.push(Breakable { label, is_loop: false, breaks: Vec::new(), continues: Vec::new() });
        let mut fallthrough: Vec<NodeId> = Vec::new();
        let mut has_default = false;
        for case in &sw.cases {
            self.f.current = entry.clone();
            match &case.test {
                Some(t) => self.unit(case.span, |b| {
                    b.expr(t);
                }),
                None => has_default = true,
            }
            self.merge(mem::take(&mut fallthrough));
            self.block_stmts(&case.cons);
            fallthrough = mem::take(&mut self.f.current);
        }
        self.f.current = fallthrough;
        if !has_default {
            self.merge(entry);
        }
        if let Some(b) = self.f.breakables.pop() {
            self.merge(b.breaks);
        }
        self.scopes.pop();
    }

    fn try_stmt(&mut self, t: &TryStmt) {
        let start = self.f.current.clone();
        self.f.tries.push(TryCtx::default());
        self.block(&t.block.stmts);
        let ctx = self.f.tries.pop().unwrap_or_default();
        let mut normal = mem::take(&mut self.f.current);
        let mut returns = ctx.returns;
        let mut throws_out = Vec::new();
        if let Some(h) = &t.handler {
            // a rejection or throw lands in the catch from the start of the block, any await
            // in it, or a throw
            self.f.current = start;
            self.merge(ctx.awaits);
            self.merge(ctx.throws);
            let mut names = Vec::new();
            if let Some(p) = &h.param {
                pat_names(p, &mut names);
            }
            self.scopes.push(names);
            self.f.tries.push(TryCtx::default());
            self.block(&h.body.stmts);
            let inner = self.f.tries.pop().unwrap_or_default();
            returns.extend(inner.returns);
            throws_out.extend(inner.throws);
            throws_out.extend(inner.awaits);
            self.scopes.pop();
            for n in mem::take(&mut self.f.current) {
                if !normal.contains(&n) {
                    normal.push(n);
                }
            }
        } else {
            throws_out.extend(ctx.throws);
            throws_out.extend(ctx.awaits);
        }
        match &t.finalizer {
            Some(fin) => {
                let only_abrupt = normal.is_empty();
                let abrupt = !returns.is_empty() || !throws_out.is_empty();
                self.f.current = normal;
                self.merge(returns);
                self.merge(throws_out);
                self.block(&fin.stmts);
                if only_abrupt {
                    self.exit(false);
                } else if abrupt {
                    let cur = self.f.current.clone();
                    self.propagate(cur, false);
                }
            }
            None => {
                self.f.current = normal;
                self.propagate(returns, false);
                self.propagate(throws_out, true);
            }
        }
    }

    fn for_in_of(&mut self, label: Option<Atom>, left: &ForHead, right: &Expr, body: &Stmt, span: swc_common::Span, is_await: bool) {
        let mut names = Vec::new();
        if let ForHead::VarDecl(v) = left {
            if v.kind != VarDeclKind::Var {
                v.decls.iter().for_each(|d| pat_names(&d.name, &mut names));
            }
        }
        self.scopes.push(names);
        let mut val = Val::default();
        self.unit(span, |b| {
            val = b.expr(right);
        });
        val.copy = true;
        val.literal = 0;
        let head = self.add(NodeKind::Nop, self.span(span));
        if is_await {
            self.await_node(AwaitKind::ForAwait, span);
        }
        let exit = self.f.current.clone();
        match left {
            ForHead::VarDecl(v) => {
                for d in &v.decls {
                    self.bind_pat(&d.name, &val, true);
                }
            }
            ForHead::UsingDecl(u) => {
                for d in &u.decls {
                    self.bind_pat(&d.name, &val, true);
                }
            }
            ForHead::Pat(p) => self.bind_pat(p, &val, false),
        }
        self.loop_body(label, &[], body, head, true);
        self.f.current = exit;
        self.finish_breaks();
        self.scopes.pop();
    }

    fn decl(&mut self, d: &Decl) {
        match d {
            Decl::Var(v) => self.var_decl(v),
            Decl::Using(u) => {
                for d in &u.decls {
                    self.declarator(d);
                }
            }
            Decl::Fn(f) => {
                let name = owned(&f.ident.sym);
                let id = self.function_node(&name, &f.function, false);
                if self.scopes_is_module() {
                    self.fn_names.push((name, id));
                }
            }
            Decl::Class(c) => {
                let module_level = self.scopes_is_module();
                self.class(&c.ident.sym, &c.class, module_level);
            }
            _ => {}
        }
    }

    fn scopes_is_module(&self) -> bool {
        self.f.name == "<module>" && self.scopes.depth() == 0
    }

    fn var_decl(&mut self, v: &VarDecl) {
        for d in &v.decls {
            self.declarator(d);
        }
    }

    fn declarator(&mut self, d: &VarDeclarator) {
        let module_level = self.scopes_is_module();
        let Some(init) = &d.init else { return };
        let binding = match &d.name {
            Pat::Ident(b) => Some(b.id.sym.clone()),
            _ => None,
        };
        if let (Some(name), Expr::Class(c)) = (&binding, unparen(init)) {
            self.class(name, &c.class, module_level);
            return;
        }
        if let Some(name) = &binding {
            if is_fn_expr(init) {
                self.pending_name = Some(owned(name));
                let before = self.functions.len();
                self.expr(init);
                if module_level && self.functions.len() > before {
                    self.fn_names.push((owned(name), (self.functions.len() - 1) as u32));
                }
                return;
            }
            if module_level && matches!(unparen(init), Expr::Object(_)) {
                self.object_prefix = Some(owned(name));
            }
        }
        let mut val = Val::default();
        self.unit(d.span, |b| {
            val = b.expr(init);
        });
        self.object_prefix = None;
        self.bind_pat(&d.name, &val, true);
        if !module_level {
            self.local_bindings(&d.name, init);
        }
    }

    /// Remembers locals that name host objects (`const ctx = getContext()`) or bindings of a
    /// dynamic import (`const { a } = await import('./x.js')`).
    fn local_bindings(&mut self, pat: &Pat, init: &Expr) {
        let init = unparen(init);
        let dynamic = match init {
            Expr::Await(a) => match unparen(&a.arg) {
                Expr::Call(c) if matches!(c.callee, swc_ecma_ast::Callee::Import(_)) => match c.args.first().map(|a| unparen(&a.expr)) {
                    Some(Expr::Lit(Lit::Str(s))) => Some(owned(&s.value.to_atom_lossy())),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        match (pat, dynamic) {
            (Pat::Ident(b), Some(specifier)) => self.dyn_import(&b.id.sym, specifier, ImportName::Namespace),
            (Pat::Object(o), Some(specifier)) => {
                for p in &o.props {
                    match p {
                        ObjectPatProp::Assign(a) => {
                            self.dyn_import(&a.key.id.sym, specifier.clone(), ImportName::Named(a.key.id.sym.clone()))
                        }
                        ObjectPatProp::KeyValue(kv) => {
                            if let (Some(k), Pat::Ident(b)) = (key_name(&kv.key), &*kv.value) {
                                let imported = if k == "default" { ImportName::Default } else { ImportName::Named(Atom::from(k)) };
                                self.dyn_import(&b.id.sym, specifier.clone(), imported);
                            }
                        }
                        ObjectPatProp::Rest(_) => {}
                    }
                }
            }
            (Pat::Ident(b), None) => {
                if let Some(path) = self.host_path(init) {
                    if path.ends_with("()") {
                        if let Resolved::Local(scope) = self.scopes.resolve(&b.id.sym) {
                            self.f.aliases.insert((scope, b.id.sym.clone()), path);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn dyn_import(&mut self, local: &Atom, specifier: String, imported: ImportName) {
        if let Resolved::Local(scope) = self.scopes.resolve(local) {
            let idx = self.imports.len() as u32;
            self.imports.push(Import { specifier, imported });
            self.f.dyn_imports.insert((scope, local.clone()), idx);
        }
    }

    /// A callee or object as a host API path: `getContext().chatMetadata`,
    /// `SlashCommandParser.commands[*].callback`. Locals holding `getContext()` read as it, and
    /// `window.`/`SillyTavern.` prefixes are dropped.
    fn host_path(&self, e: &Expr) -> Option<String> {
        let mut out = String::new();
        self.write_host_path(e, &mut out)?;
        let mut start = 0;
        while let Some(prefix) = ["window.", "globalThis.", "SillyTavern."].into_iter().find(|p| out[start..].starts_with(p)) {
            start += prefix.len();
        }
        out.drain(..start);
        Some(out)
    }

    /// Appends the API path of `e` to `out` (one buffer for the whole chain: member chains are
    /// asked about at every access).
    fn write_host_path(&self, e: &Expr, out: &mut String) -> Option<()> {
        match unparen(e) {
            Expr::Ident(i) => match self.scopes.resolve(&i.sym) {
                Resolved::Local(scope) => out.push_str(self.f.aliases.get(&(scope, i.sym.clone())).map_or(&*i.sym, |a| a.as_str())),
                _ => out.push_str(&i.sym),
            },
            Expr::Member(m) => {
                self.write_host_path(&m.obj, out)?;
                match &m.prop {
                    MemberProp::Ident(i) => {
                        out.push('.');
                        out.push_str(&i.sym);
                    }
                    MemberProp::PrivateName(p) => {
                        out.push_str(".#");
                        out.push_str(&p.name);
                    }
                    computed => match prop_name(computed) {
                        Some(p) => {
                            out.push('.');
                            out.push_str(&p);
                        }
                        None => out.push_str("[*]"),
                    },
                }
            }
            Expr::Call(c) if c.args.is_empty() => match &c.callee {
                swc_ecma_ast::Callee::Expr(callee) => {
                    self.write_host_path(callee, out)?;
                    out.push_str("()");
                }
                _ => return None,
            },
            _ => return None,
        }
        Some(())
    }

    /// Binds a value to a pattern: locals take its data flow, shared state gets a write.
    fn bind_pat(&mut self, pat: &Pat, val: &Val, declaring: bool) {
        match pat {
            Pat::Ident(b) => self.assign_ident(&b.id, val.clone(), declaring, b.id.span),
            Pat::Array(a) => {
                for e in a.elems.iter().flatten() {
                    let mut v = val.clone();
                    v.literal = 0;
                    self.bind_pat(e, &v, declaring);
                }
            }
            Pat::Object(o) => {
                for p in &o.props {
                    match p {
                        ObjectPatProp::KeyValue(kv) => {
                            if let PropName::Computed(c) = &kv.key {
                                self.expr(&c.expr);
                            }
                            let mut v = val.clone();
                            v.literal = 0;
                            self.bind_pat(&kv.value, &v, declaring);
                        }
                        ObjectPatProp::Assign(a) => {
                            let mut v = val.clone();
                            v.literal = 0;
                            if let Some(d) = &a.value {
                                let dv = self.expr(d);
                                v.join(dv);
                            }
                            self.assign_ident(&a.key.id, v, declaring, a.span);
                        }
                        ObjectPatProp::Rest(r) => self.bind_pat(&r.arg, val, declaring),
                    }
                }
            }
            Pat::Rest(r) => self.bind_pat(&r.arg, val, declaring),
            Pat::Assign(a) => {
                let mut v = val.clone();
                let d = self.expr(&a.right);
                v.join(d);
                self.bind_pat(&a.left, &v, declaring);
            }
            Pat::Expr(e) => self.assign_to_expr(e, val.clone(), WriteKind::Assign),
            Pat::Invalid(_) => {}
        }
    }

    fn assign_ident(&mut self, id: &Ident, val: Val, declaring: bool, span: swc_common::Span) {
        match self.scopes.resolve(&id.sym) {
            Resolved::Local(scope) => {
                // a declaration inside a loop binds a new value each time round
                if !declaring || self.f.breakables.iter().any(|b| b.is_loop) {
                    self.reassigned.insert((scope, id.sym.clone()));
                }
                let entry = self.f.taint.entry((scope, id.sym.clone())).or_default();
                if declaring {
                    entry.clear();
                }
                extend_capped(entry, &val.sources);
            }
            Resolved::Module(ModuleBinding::Variable) if !declaring => {
                let state = self.binding_state(&id.sym);
                self.write(Access { state, field: None }, WriteKind::Assign, val, span);
            }
            _ => {}
        }
    }

    /// A write through an assignment target expression (a member or an identifier).
    fn assign_to_expr(&mut self, target: &Expr, val: Val, kind: WriteKind) {
        match unparen(target) {
            Expr::Ident(id) => self.assign_ident(id, val, false, id.span),
            Expr::Member(m) => self.assign_member(m, val, kind),
            other => {
                self.expr(other);
            }
        }
    }

    fn assign_member(&mut self, m: &MemberExpr, val: Val, kind: WriteKind) {
        if let Some(access) = self.member_access(m) {
            let kind = if kind == WriteKind::Assign && matches!(&m.prop, MemberProp::Ident(i) if &*i.sym == "length") && val.literal != 0 {
                WriteKind::Bulk
            } else {
                kind
            };
            self.write(access, kind, val, m.span);
        } else {
            self.local_member_write(m, &val);
        }
    }

    /// `local.x = v` (or `local[k] = v`): the local object now carries `v`'s data flow.
    fn local_member_write(&mut self, m: &MemberExpr, val: &Val) {
        let mut obj: &Expr = &m.obj;
        while let Expr::Member(inner) = unparen(obj) {
            obj = &inner.obj;
        }
        if let Expr::Ident(id) = unparen(obj) {
            if let Resolved::Local(scope) = self.scopes.resolve(&id.sym) {
                let entry = self.f.taint.entry((scope, id.sym.clone())).or_default();
                extend_capped(entry, &val.sources);
            }
        }
    }

    // ----- expressions --------------------------------------------------------------------

    fn expr(&mut self, e: &Expr) -> Val {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.expr_inner(e))
    }

    fn exprs<'a>(&mut self, es: impl IntoIterator<Item = &'a Expr>) -> Val {
        let mut v = Val::default();
        for e in es {
            let x = self.expr(e);
            extend_capped(&mut v.sources, &x.sources);
        }
        v
    }

    fn expr_inner(&mut self, e: &Expr) -> Val {
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
                                extend_capped(&mut left.sources, &[i as NodeId]);
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
                BinaryOp::EqEqEq | BinaryOp::EqEq if self.f.test_depth > 0 => {
                    self.f.unit_stack.push(UnitAcc::default());
                    let mut l = self.expr(&b.left);
                    let r = self.expr(&b.right);
                    let u = self.f.unit_stack.pop().unwrap_or_default();
                    if !u.stale.is_empty() && !u.fresh.is_empty() {
                        let span = self.span(b.span);
                        self.f.conditions.push(Unit { span, stale: u.stale.clone(), fresh: u.fresh.clone() });
                    }
                    if let Some(outer) = self.f.unit_stack.last_mut() {
                        extend_capped(&mut outer.stale, &u.stale);
                        extend_capped(&mut outer.fresh, &u.fresh);
                    }
                    l.join(r);
                    l
                }
                // an equality outside a condition (`applied = turnId === myTurnId`) compares
                // an earlier value with a fresh one to see whether it changed: a check for
                // change, not a mix of old and new values in one result
                BinaryOp::EqEqEq | BinaryOp::EqEq | BinaryOp::NotEqEq | BinaryOp::NotEq => {
                    self.f.unit_stack.push(UnitAcc::default());
                    let mut l = self.expr(&b.left);
                    let r = self.expr(&b.right);
                    self.f.unit_stack.pop();
                    l.join(r);
                    l
                }
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
                let mut v = self.expr(&c.cons);
                let after_cons = mem::replace(&mut self.f.current, before);
                if let Some((k, t)) = decision {
                    self.f.decision_stack.pop();
                    self.f.decision_stack.push((k, !t));
                }
                let alt = self.expr(&c.alt);
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
                match &n.args {
                    Some(args) => self.exprs(args.iter().map(|a| &*a.expr)),
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

    fn jsx_element(&mut self, el: &JSXElement) {
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

    fn jsx_children(&mut self, children: &[JSXElementChild]) {
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

    fn object(&mut self, o: &ObjectLit) -> Val {
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
                        }
                    }
                },
            }
        }
        v
    }

    fn ident(&mut self, i: &Ident) -> Val {
        match self.scopes.resolve(&i.sym) {
            Resolved::Local(scope) => {
                let taint = self.f.taint.get(&(scope, i.sym.clone())).cloned().unwrap_or_default();
                if let Some(u) = self.f.unit_stack.last_mut() {
                    extend_capped(&mut u.stale, &taint);
                }
                Val { sources: taint, literal: 0, copy: true, module: false }
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

    fn member(&mut self, m: &MemberExpr) -> Val {
        if let Some(access) = self.member_access(m) {
            self.member_keys(m);
            return self.read(access, m.span);
        }
        let obj = self.expr(&m.obj);
        if let MemberProp::Computed(c) = &m.prop {
            self.expr(&c.expr);
        }
        Val { sources: obj.sources, literal: 0, copy: obj.copy, module: false }
    }

    fn update(&mut self, arg: &Expr, span: swc_common::Span) -> Val {
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

    fn assign(&mut self, a: &AssignExpr) -> Val {
        if a.op == AssignOp::Assign {
            match &a.left {
                AssignTarget::Simple(SimpleAssignTarget::Ident(b)) => {
                    if is_fn_expr(&a.right) {
                        self.pending_name = Some(owned(&b.id.sym));
                    }
                    let v = self.expr(&a.right);
                    self.assign_ident(&b.id, v.clone(), false, a.span);
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
                        Val { sources: r.sources.iter().chain(&v.sources).copied().collect(), literal: 0, copy: false, module: false }
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

    fn await_expr(&mut self, a: &AwaitExpr) -> Val {
        self.f.then_tails.push(Vec::new());
        let saved_target = self.f.await_target.replace(unparen(&a.arg).span());
        let saved_call = self.f.awaited_call.take();
        let v = self.expr(&a.arg);
        let call = mem::replace(&mut self.f.awaited_call, saved_call);
        self.f.await_target = saved_target;
        let tails = self.f.then_tails.pop().unwrap_or_default();
        self.await_node(AwaitKind::Await, a.span);
        self.merge(tails);
        if let Some(call) = call {
            let span = self.span(a.span);
            self.add(NodeKind::Resume { call }, span);
        }
        Val { copy: false, literal: 0, ..v }
    }

    fn call(&mut self, span: swc_common::Span, callee: Option<&Expr>, args: &[ExprOrSpread]) -> Val {
        let Some(callee) = callee.map(unparen) else {
            return self.exprs(args.iter().map(|a| &*a.expr));
        };
        if let Expr::Member(m) = callee {
            // `console.debug(…, state)`, `toastr.success(…)`: reads that only reach a log or a
            // notification are not uses of the state (calls in the arguments still run and count)
            if matches!(unparen(&m.obj), Expr::Ident(o) if matches!(&*o.sym, "console" | "toastr") && self.scopes.resolve(&o.sym) == Resolved::Global)
            {
                self.f.logging += 1;
                self.exprs(args.iter().map(|a| &*a.expr));
                self.f.logging -= 1;
                return Val::default();
            }
            if let MemberProp::Ident(p) = &m.prop {
                let method = &*p.sym;
                if matches!(method, "then" | "catch" | "finally")
                    && args.iter().any(|a| is_fn_expr(&a.expr) || matches!(unparen(&a.expr), Expr::Ident(_)))
                {
                    return self.then_call(m, span, args);
                }
                if method == "assign"
                    && matches!(unparen(&m.obj), Expr::Ident(o) if &*o.sym == "Object" && self.scopes.resolve(&o.sym) == Resolved::Global)
                {
                    if let Some(first) = args.first() {
                        let target_access = match unparen(&first.expr) {
                            Expr::Ident(id) if matches!(self.scopes.resolve(&id.sym), Resolved::Module(ModuleBinding::Variable)) => {
                                Some(Access { state: self.binding_state(&id.sym), field: None })
                            }
                            Expr::Ident(id) if self.scopes.resolve(&id.sym) == Resolved::Module(ModuleBinding::Import) => {
                                self.import_of.get(&id.sym).copied().map(|i| Access { state: self.import_state(&id.sym, i), field: None })
                            }
                            Expr::Member(tm) => self.member_access(tm),
                            _ => None,
                        };
                        if let Some(access) = target_access {
                            let v = self.exprs(args.iter().skip(1).map(|a| &*a.expr));
                            self.write(access, WriteKind::Merge, v, span);
                            return Val::default();
                        }
                        let v = self.exprs(args.iter().skip(1).map(|a| &*a.expr));
                        if let Expr::Member(tm) = unparen(&first.expr) {
                            self.local_member_write(tm, &v);
                        } else if let Expr::Ident(id) = unparen(&first.expr) {
                            if let Resolved::Local(scope) = self.scopes.resolve(&id.sym) {
                                let entry = self.f.taint.entry((scope, id.sym.clone())).or_default();
                                extend_capped(entry, &v.sources);
                            }
                        }
                        return Val::default();
                    }
                }
            }
        }
        if let Some(target) = self.callee_target(callee, args) {
            let mut args = self.call_args(args, callee);
            let awaited = self.f.await_target == Some(span);
            let span = self.span(span);
            let test = self.f.test_depth > 0;
            let id = self.add(NodeKind::Call { callee: target, awaited, test, args: args.sources.clone() }, span);
            if awaited {
                // what an awaited call resolves to is the callee's result (a response, a loaded
                // record), not its arguments: what it returns of shared state is the callee's
                // summary's business, and the request built from `token` is not in the response
                self.f.awaited_call = Some(id);
                return Val { sources: NodeList::from_slice(&[id]), literal: 0, copy: false, module: false };
            }
            extend_capped(&mut args.sources, &[id]);
            args.copy = false;
            args.literal = 0;
            return args;
        }
        // a method call on shared state: a mutation, or a read of the object
        if let Expr::Member(m) = callee {
            let method = match &m.prop {
                MemberProp::Ident(p) => Some(p.sym.clone()),
                _ => None,
            };
            let obj_access = match unparen(&m.obj) {
                Expr::Member(om) => self.member_access(om).map(|a| (a, om.span, Some(om))),
                Expr::Ident(id) if matches!(self.scopes.resolve(&id.sym), Resolved::Module(ModuleBinding::Variable)) => {
                    Some((Access { state: self.binding_state(&id.sym), field: None }, id.span, None))
                }
                Expr::Ident(id) if self.scopes.resolve(&id.sym) == Resolved::Module(ModuleBinding::Import) => self
                    .import_of
                    .get(&id.sym)
                    .copied()
                    .map(|i| (Access { state: self.import_state(&id.sym, i), field: None }, id.span, None)),
                _ => None,
            };
            if let Some((access, ospan, om)) = obj_access {
                if let Some(om) = om {
                    self.member_keys(om);
                }
                let read = self.read(access.clone(), ospan);
                let replaces = method.as_deref() == Some("splice") && splices_everything(args);
                let one = method.as_deref() == Some("splice") && splices_one(args);
                // a lookup in the live state by an earlier key (`list.indexOf(saved)`,
                // `map.get(id)`): the key is what to find, not a value mixed with the state's, so
                // its arguments are not part of the statement's data flow (its result still is)
                let lookup = method.as_deref().is_some_and(is_lookup_method);
                if lookup {
                    self.f.unit_stack.push(UnitAcc::default());
                }
                let args = self.exprs(args.iter().map(|a| &*a.expr));
                if lookup {
                    self.f.unit_stack.pop();
                }
                if let Some(kind) = method.as_deref().and_then(mutating_method) {
                    let kind = if replaces {
                        WriteKind::Replace
                    } else if one {
                        WriteKind::Element
                    } else {
                        kind
                    };
                    self.write(access, kind, args.clone(), span);
                }
                let mut v = read;
                // what a lookup finds comes from the live state; the key only chose it
                if !lookup {
                    v.join(args);
                } else {
                    v.copy = false;
                    v.literal = 0;
                }
                return v;
            }
            // a method on a local object: mutating methods carry the arguments into it
            if method.as_deref().and_then(mutating_method).is_some() {
                self.expr(&m.obj);
                let args = self.exprs(args.iter().map(|a| &*a.expr));
                if let Expr::Ident(id) = unparen(&m.obj) {
                    if let Resolved::Local(scope) = self.scopes.resolve(&id.sym) {
                        let entry = self.f.taint.entry((scope, id.sym.clone())).or_default();
                        extend_capped(entry, &args.sources);
                    }
                }
                return args;
            }
        }
        let awaited = self.f.await_target == Some(span);
        let mut v = self.expr(callee);
        v.copy = false;
        let args = self.call_args(args, callee);
        // an awaited call of something outside the program (`await fetch(url, { headers })`)
        // resolves to new data, not to its arguments; a synchronous one (`String(x)`,
        // `JSON.stringify(x)`) is a transformation of them
        if !awaited {
            v.join(args);
        }
        v
    }

    fn call_args(&mut self, args: &[ExprOrSpread], callee: &Expr) -> Val {
        let mut v = Val::default();
        // named only when a callback needs it
        let callee_name = if args.iter().any(|a| is_fn_expr(&a.expr)) { path_text(callee) } else { None };
        for a in args {
            if is_fn_expr(&a.expr) {
                self.pending_name = Some(match &callee_name {
                    Some(n) => format!("{n} callback"),
                    None => self.anonymous_name(),
                });
            }
            let x = self.expr(&a.expr);
            extend_capped(&mut v.sources, &x.sources);
        }
        v
    }

    /// What a callee expression calls, when it is a function racelint can summarise.
    fn callee_target(&mut self, callee: &Expr, args: &[ExprOrSpread]) -> Option<facts::Callee> {
        let target = self.callee_target_in_module(callee);
        if target.is_some() {
            return target;
        }
        // a host API call a model can give effects to (its last name first: that needs no text)
        let last = match unparen(callee) {
            Expr::Ident(i) => Some(i.sym.clone()),
            Expr::Member(m) => prop_name(&m.prop),
            _ => None,
        };
        if last.is_some_and(|l| !self.hints.call_names.contains(&*l)) {
            return None;
        }
        let path = self.host_path(callee)?;
        let last = path.rsplit(['.', ']']).next().unwrap_or(&path);
        if !self.hints.call_names.contains(last) {
            return None;
        }
        let arg = args.first().and_then(|a| string_shape(&a.expr));
        Some(facts::Callee::Host { path, arg })
    }

    fn callee_target_in_module(&mut self, callee: &Expr) -> Option<facts::Callee> {
        match callee {
            Expr::Ident(id) => match self.scopes.resolve(&id.sym) {
                Resolved::Module(ModuleBinding::Function | ModuleBinding::Variable) => Some(facts::Callee::Named(owned(&id.sym))),
                Resolved::Module(ModuleBinding::Import) => {
                    self.import_of.get(&id.sym).map(|&import| facts::Callee::Import { import, member: None })
                }
                Resolved::Local(scope) => {
                    self.f.dyn_imports.get(&(scope, id.sym.clone())).map(|&import| facts::Callee::Import { import, member: None })
                }
                _ => None,
            },
            Expr::Member(m) => {
                let prop = prop_name(&m.prop)?;
                match unparen(&m.obj) {
                    Expr::Ident(id) => match self.scopes.resolve(&id.sym) {
                        Resolved::Module(ModuleBinding::Class) => Some(facts::Callee::Named([&*id.sym, ".", &*prop].concat())),
                        Resolved::Module(ModuleBinding::Import) if mutating_method(&prop).is_none() => {
                            self.import_of.get(&id.sym).map(|&import| facts::Callee::Import { import, member: Some(owned(&prop)) })
                        }
                        Resolved::Local(scope) if mutating_method(&prop).is_none() => self
                            .f
                            .dyn_imports
                            .get(&(scope, id.sym.clone()))
                            .map(|&import| facts::Callee::Import { import, member: Some(owned(&prop)) }),
                        Resolved::Module(ModuleBinding::Variable) => {
                            // a method of a module-level object literal or class expression,
                            // never `queue.push`
                            let key = [&*id.sym, ".", &*prop].concat();
                            (self.object_methods.contains(&key) || self.classes.contains_key(&id.sym)).then_some(facts::Callee::Named(key))
                        }
                        _ => None,
                    },
                    Expr::This(_) => {
                        let ctx = self.this_ctx.last().cloned().flatten()?;
                        let sep = if ctx.is_static { "." } else { "#" };
                        Some(facts::Callee::Named([&*ctx.class, sep, &*prop].concat()))
                    }
                    _ => None,
                }
            }
            Expr::Fn(f) => {
                let name = self.take_name(f.ident.as_ref());
                let id = self.function_node(&name, &f.function, false);
                Some(facts::Callee::Local(id))
            }
            Expr::Arrow(a) => {
                if self.pending_name.is_none() {
                    self.pending_name = Some(self.anonymous_name());
                }
                let id = self.arrow(a);
                Some(facts::Callee::Local(id))
            }
            _ => None,
        }
    }

    /// `p.then(cb)`: `p` is evaluated now; `cb`'s body runs after the promise settles, so it is
    /// inlined behind an await node on a branch that the synchronous continuation skips.
    fn then_call(&mut self, m: &MemberExpr, call_span: swc_common::Span, args: &[ExprOrSpread]) -> Val {
        let obj = self.expr(&m.obj);
        let before = self.f.current.clone();
        let span = match &m.prop {
            MemberProp::Ident(p) => p.span,
            _ => call_span,
        };
        // nobody here awaits the promise: its callbacks run after this synchronous run
        let deferred = self.f.then_tails.is_empty();
        for arg in args {
            let a = unparen(&arg.expr);
            self.f.current = before.clone();
            let first = self.f.nodes.len() as NodeId;
            match a {
                Expr::Arrow(ar) => {
                    self.await_node(AwaitKind::Then, span);
                    let params: Vec<&Pat> = ar.params.iter().collect();
                    match &*ar.body {
                        ArrowFunctionBody::FunctionBody(b) => self.inline_callback(&params, Body::Stmts(&b.stmts)),
                        ArrowFunctionBody::Expr(e) => self.inline_callback(&params, Body::Expr(e)),
                    }
                }
                Expr::Fn(f) => {
                    self.await_node(AwaitKind::Then, span);
                    let params: Vec<&Pat> = f.function.params.iter().map(|p| &p.pat).collect();
                    let body = f.function.body.as_ref().map(|b| &b.stmts[..]).unwrap_or(&[]);
                    self.this_ctx.push(None);
                    self.inline_callback(&params, Body::Stmts(body));
                    self.this_ctx.pop();
                }
                Expr::Ident(_) => {
                    if let Some(target) = self.callee_target(a, &[]) {
                        self.await_node(AwaitKind::Then, span);
                        let sp = self.span(arg.expr.span());
                        self.add(NodeKind::Call { callee: target, awaited: false, test: false, args: NodeList::new() }, sp);
                        let tails = mem::take(&mut self.f.current);
                        if let Some(t) = self.f.then_tails.last_mut() {
                            t.extend(tails);
                        }
                    } else {
                        self.expr(a);
                    }
                }
                _ => {
                    self.f.current = before.clone();
                    self.expr(a);
                }
            }
            let made = self.f.nodes.get(first as usize).is_some_and(|n| matches!(n.kind, NodeKind::Await(AwaitKind::Then)));
            if deferred && made {
                self.f.deferred_then.push((first, before.clone()));
            }
        }
        self.f.current = before;
        Val { sources: obj.sources, literal: 0, copy: false, module: false }
    }

    fn inline_callback(&mut self, params: &[&Pat], body: Body<'_>) {
        let stmts: &[Stmt] = match body {
            Body::Stmts(s) => s,
            Body::Expr(_) => &[],
        };
        let names = function_names(params, stmts);
        self.scopes.push(names);
        let tries = mem::take(&mut self.f.tries);
        let breakables = mem::take(&mut self.f.breakables);
        // a callback's own un-awaited promises run after the callback's synchronous run
        let outer_deferred = mem::take(&mut self.f.deferred_then);
        self.f.inline_returns.push(Vec::new());
        match body {
            Body::Stmts(s) => self.block_stmts(s),
            Body::Expr(e) => {
                self.unit(e.span(), |b| {
                    b.expr(e);
                });
            }
        }
        self.defer_then_callbacks();
        self.f.deferred_then = outer_deferred;
        let mut tails = self.f.inline_returns.pop().unwrap_or_default();
        tails.extend(mem::take(&mut self.f.current));
        self.f.tries = tries;
        self.f.breakables = breakables;
        self.scopes.pop();
        if let Some(t) = self.f.then_tails.last_mut() {
            t.extend(tails);
        }
    }
}

/// Methods of arrays, maps and sets that find an element by a key or a predicate.
fn is_lookup_method(name: &str) -> bool {
    matches!(
        name,
        "indexOf"
            | "lastIndexOf"
            | "includes"
            | "find"
            | "findIndex"
            | "findLast"
            | "findLastIndex"
            | "some"
            | "every"
            | "get"
            | "has"
            | "at"
    )
}

/// A condition made of plain flags only: `busy`, `state.loading`, `busy || unmounted` (any of
/// them set makes the branch run).
fn plain_flags(e: &Expr) -> bool {
    match unparen(e) {
        Expr::Ident(_) | Expr::Member(_) => true,
        Expr::Bin(b) if b.op == BinaryOp::LogicalOr => plain_flags(&b.left) && plain_flags(&b.right),
        _ => false,
    }
}

/// A string argument's shape: `'/profile'`, `` `/profile ${name}` `` → `/profile X`,
/// `'/preset ' + name` → `/preset X`.
fn string_shape(e: &Expr) -> Option<String> {
    match unparen(e) {
        Expr::Lit(Lit::Str(s)) => Some(owned(&s.value.to_atom_lossy())),
        Expr::Tpl(t) => {
            let mut out = String::new();
            for (i, q) in t.quasis.iter().enumerate() {
                out.push_str(&q.raw);
                if i < t.exprs.len() {
                    out.push('X');
                }
            }
            Some(out)
        }
        Expr::Bin(b) if b.op == BinaryOp::Add => {
            Some(format!("{}{}", string_shape(&b.left).unwrap_or_else(|| "X".into()), string_shape(&b.right).unwrap_or_else(|| "X".into())))
        }
        _ => None,
    }
}

fn simple_target_expr(t: &SimpleAssignTarget) -> Option<&Expr> {
    match t {
        SimpleAssignTarget::Paren(p) => Some(&p.expr),
        SimpleAssignTarget::TsAs(t) => Some(&t.expr),
        SimpleAssignTarget::TsSatisfies(t) => Some(&t.expr),
        SimpleAssignTarget::TsNonNull(t) => Some(&t.expr),
        SimpleAssignTarget::TsTypeAssertion(t) => Some(&t.expr),
        _ => None,
    }
}
