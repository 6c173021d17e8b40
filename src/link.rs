//! Linking: resolves imports between the analysed files (named, default and namespace imports,
//! `export … from` chains, `export *` barrels, dynamic `import()`), builds the program-wide state
//! table, and resolves every call site to a function, or to a host model's call when it leaves
//! the analysed files.

use std::path::{Component, Path, PathBuf};

use rustc_hash::FxHashMap;

use crate::facts::{Atom, Callee, Export, ImportName, NodeKind, Span, StateKind};
use crate::host::Hosts;
use crate::program::{FnId, FunctionRef, HostFn, Program, State, StateId, Targets};
use crate::source::SourceModule;

/// What an imported name denotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A module-level binding of an analysed module.
    Binding(u32, Atom),
    /// The namespace object of an analysed module.
    Namespace(u32),
    /// Something outside the analysed files: the specifier and the imported name.
    Outside(String, ImportName),
}

/// Lexically normalised path (`a/./b/../c` → `a/c`), for matching specifiers to files.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), None | Some(Component::ParentDir)) {
                    out.push("..");
                } else {
                    out.pop();
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `./x`, `../x` and `/x`: specifiers that name files; bare ones name packages.
fn is_relative(specifier: &str) -> bool {
    specifier.starts_with("./") || specifier.starts_with("../") || specifier.starts_with('/')
}

/// A module's path as a lookup key: bytes with `.` and `..` resolved lexically and `/` as the
/// only separator (hashing a `Path` walks its components, which costs more than the lookup).
/// `parts` are joined as `Path::join` would: a part that starts with a separator starts over.
pub(crate) fn path_key(parts: &[&[u8]]) -> Vec<u8> {
    let sep = |b: &u8| std::path::is_separator(*b as char);
    let mut segments: Vec<&[u8]> = Vec::new();
    let mut absolute = false;
    for part in parts {
        if part.first().is_some_and(sep) {
            segments.clear();
            absolute = true;
        }
        for s in part.split(sep) {
            match s {
                b"" | b"." => {}
                b".." if segments.last().is_some_and(|l| *l != b"..") => {
                    segments.pop();
                }
                b".." if absolute => {}
                s => segments.push(s),
            }
        }
    }
    let mut key = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for (i, s) in segments.iter().enumerate() {
        if i > 0 || absolute {
            key.push(b'/');
        }
        key.extend_from_slice(s);
    }
    if absolute && key.is_empty() {
        key.push(b'/');
    }
    key
}

const EXTENSIONS: [&str; 8] = ["js", "mjs", "cjs", "ts", "tsx", "jsx", "mts", "cts"];

pub struct Resolver<'m> {
    modules: &'m [SourceModule],
    by_path: FxHashMap<Vec<u8>, u32>,
    /// Per module: its explicit exports by name (index into `exports`).
    exports: Vec<FxHashMap<&'m str, usize>>,
    /// Per module: what each of its imports denotes, resolved once.
    imports: Vec<Vec<Target>>,
    /// Every relative specifier a module's imports and re-exports name, resolved up front (in
    /// parallel; barrels are asked again and again).
    specifiers: Vec<FxHashMap<&'m str, Option<u32>>>,
}

impl<'m> Resolver<'m> {
    pub fn new(modules: &'m [SourceModule]) -> Self {
        use rayon::prelude::*;
        let by_path =
            modules.par_iter().enumerate().map(|(i, m)| (path_key(&[m.path.as_os_str().as_encoded_bytes()]), i as u32)).collect::<Vec<_>>();
        let by_path = by_path.into_iter().collect();
        let exports = modules
            .par_iter()
            .map(|m| {
                let mut idx = FxHashMap::default();
                for (i, e) in m.facts.exports.iter().enumerate() {
                    let name = match e {
                        Export::Local { exported, .. } | Export::From { exported, .. } => exported,
                        Export::All { .. } => continue,
                    };
                    idx.entry(&**name).or_insert(i);
                }
                idx
            })
            .collect();
        let mut r = Resolver { modules, by_path, exports, imports: Vec::new(), specifiers: Vec::new() };
        r.specifiers = (0..modules.len() as u32)
            .into_par_iter()
            .map(|m| {
                let facts = &modules[m as usize].facts;
                let named = facts.imports.iter().map(|i| &i.specifier).chain(facts.exports.iter().filter_map(|e| match e {
                    Export::From { specifier, .. } | Export::All { specifier } => Some(specifier),
                    Export::Local { .. } => None,
                }));
                let mut found = FxHashMap::default();
                for s in named {
                    if is_relative(s) && !found.contains_key(s.as_str()) {
                        found.insert(s.as_str(), r.find_module(m, s));
                    }
                }
                found
            })
            .collect();
        r.imports = (0..modules.len() as u32)
            .into_par_iter()
            .map(|m| (0..modules[m as usize].facts.imports.len() as u32).map(|i| r.resolve_import(m, i)).collect())
            .collect();
        r
    }

    /// The analysed module a relative specifier of `from` names, with or without extension,
    /// or as a folder with an `index` file.
    pub fn module(&self, from: u32, specifier: &str) -> Option<u32> {
        if !is_relative(specifier) {
            return None;
        }
        match self.specifiers.get(from as usize).and_then(|s| s.get(specifier)) {
            Some(&hit) => hit,
            None => self.find_module(from, specifier),
        }
    }

    fn find_module(&self, from: u32, specifier: &str) -> Option<u32> {
        let specifier = specifier.split(['?', '#']).next().unwrap_or(specifier);
        let dir = self.modules[from as usize].path.parent().unwrap_or(Path::new(""));
        let mut key = path_key(&[dir.as_os_str().as_encoded_bytes(), specifier.as_bytes()]);
        if let Some(&m) = self.by_path.get(&key) {
            return Some(m);
        }
        let base = key.len();
        for ext in EXTENSIONS {
            key.truncate(base);
            key.push(b'.');
            key.extend_from_slice(ext.as_bytes());
            if let Some(&m) = self.by_path.get(&key) {
                return Some(m);
            }
        }
        for ext in EXTENSIONS {
            key.truncate(base);
            if base > 0 {
                key.push(b'/');
            }
            key.extend_from_slice(b"index.");
            key.extend_from_slice(ext.as_bytes());
            if let Some(&m) = self.by_path.get(&key) {
                return Some(m);
            }
        }
        None
    }

    /// What `name` exported by module `m` is, following re-exports and `export *` barrels.
    pub fn export(&self, m: u32, name: &str, depth: u32) -> Option<Target> {
        if depth > 64 {
            return None;
        }
        let facts = &self.modules[m as usize].facts;
        if let Some(&i) = self.exports[m as usize].get(name) {
            match &facts.exports[i] {
                Export::Local { local, .. } => return Some(Target::Binding(m, local.clone())),
                Export::From { specifier, imported, .. } => return Some(self.import_target(m, specifier, imported, depth + 1)),
                Export::All { .. } => {}
            }
        }
        if name == "default" {
            return None;
        }
        facts.exports.iter().find_map(|e| match e {
            Export::All { specifier } => self.module(m, specifier).and_then(|t| self.export(t, name, depth + 1)),
            _ => None,
        })
    }

    pub fn import_target(&self, from: u32, specifier: &str, imported: &ImportName, depth: u32) -> Target {
        let Some(t) = self.module(from, specifier) else { return Target::Outside(specifier.to_string(), imported.clone()) };
        let resolved = match imported {
            ImportName::Namespace => Some(Target::Namespace(t)),
            ImportName::Default => self.export(t, "default", depth),
            ImportName::Named(n) => self.export(t, n, depth),
        };
        resolved.unwrap_or_else(|| Target::Outside(specifier.to_string(), imported.clone()))
    }

    fn resolve_import(&self, m: u32, import: u32) -> Target {
        let i = &self.modules[m as usize].facts.imports[import as usize];
        self.import_target(m, &i.specifier, &i.imported, 0)
    }

    /// What import `import` of module `m` denotes.
    pub fn import(&self, m: u32, import: u32) -> Target {
        self.import_ref(m, import).clone()
    }

    pub fn import_ref(&self, m: u32, import: u32) -> &Target {
        &self.imports[m as usize][import as usize]
    }
}

/// The program-wide state table under construction.
pub struct StateTable<'a> {
    pub states: Vec<State>,
    /// Per module: its states by name.
    keys: Vec<FxHashMap<String, StateId>>,
    globals: FxHashMap<String, StateId>,
    hosts_by_id: FxHashMap<String, StateId>,
    modules: &'a [SourceModule],
    hosts: &'a Hosts,
}

impl<'a> StateTable<'a> {
    pub fn new(modules: &'a [SourceModule], hosts: &'a Hosts) -> Self {
        StateTable {
            states: Vec::new(),
            keys: vec![FxHashMap::default(); modules.len()],
            globals: FxHashMap::default(),
            hosts_by_id: FxHashMap::default(),
            modules,
            hosts,
        }
    }

    /// The state of module `m` named `name` (a binding, or `Class.#field`).
    pub fn local(&mut self, m: u32, name: &str, kind: StateKind, decl: Span) -> StateId {
        if let Some(&id) = self.keys[m as usize].get(name) {
            return id;
        }
        let decl = if decl == Span::default() {
            self.modules[m as usize].facts.variables.iter().find(|(n, _)| &**n == name).map(|(_, s)| *s).unwrap_or(decl)
        } else {
            decl
        };
        self.states.push(State {
            name: name.to_string(),
            kind,
            module: Some(m),
            decl,
            written: false,
            scalar: true,
            written_by_host: None,
        });
        let id = StateId::from_index(self.states.len() - 1);
        self.keys[m as usize].insert(name.to_string(), id);
        id
    }

    pub fn global(&mut self, m: u32, name: &str, decl: Span) -> StateId {
        let prop = name.split_once('.').map(|(_, p)| p.to_string()).unwrap_or_default();
        if let Some(&id) = self.globals.get(&prop) {
            return id;
        }
        self.states.push(State {
            name: name.to_string(),
            kind: StateKind::GlobalProp,
            module: Some(m),
            decl,
            written: false,
            scalar: true,
            written_by_host: None,
        });
        let id = StateId::from_index(self.states.len() - 1);
        self.globals.insert(prop, id);
        id
    }

    /// A host model's state (`sillytavern/oai_settings`): the real binding when the scan
    /// contains the module that exports it, else a host state that the host writes.
    pub fn host(&mut self, qualified: &str) -> Option<StateId> {
        if let Some(&id) = self.hosts_by_id.get(qualified) {
            return Some(id);
        }
        let (model, id) = qualified.split_once('/')?;
        let state = self.hosts.models.iter().find(|m| m.name == model)?.states.iter().find(|s| s.id == id)?.clone();
        for e in &state.exports {
            let (module, binding) = e.split_once('#').unwrap_or((e, ""));
            let found = self.modules.iter().enumerate().find(|(_, m)| {
                let p = normalize(&m.path);
                (p.ends_with(module)) && m.facts.variables.iter().any(|(n, _)| &**n == binding)
            });
            if let Some((mi, _)) = found {
                let sid = self.local(mi as u32, binding, StateKind::Binding, Span::default());
                self.hosts_by_id.insert(qualified.to_string(), sid);
                return Some(sid);
            }
        }
        self.states.push(State {
            name: state.name.clone(),
            kind: StateKind::Host,
            module: None,
            decl: Span::default(),
            written: false,
            scalar: false,
            written_by_host: state.written_by_host.clone(),
        });
        let sid = StateId::from_index(self.states.len() - 1);
        self.hosts_by_id.insert(qualified.to_string(), sid);
        Some(sid)
    }
}

/// Links the analysed modules into one program: the state table, every function's call and
/// callback targets, then what the accesses say about each state (`marks`) and every
/// function's summary (`summary`).
pub(crate) fn link(modules: Vec<SourceModule>, hosts: &Hosts) -> Program {
    let resolver = Resolver::new(&modules);
    let mut table = StateTable::new(&modules, hosts);
    let state_ids = state_ids(&mut table, &resolver);
    let mut functions = Vec::new();
    let mut fn_base = Vec::with_capacity(modules.len());
    for (mi, m) in modules.iter().enumerate() {
        fn_base.push(FnId::from_index(functions.len()));
        for li in 0..m.facts.functions.len() {
            functions.push(FunctionRef { module: mi as u32, local: li as u32 });
        }
    }
    let mut host_fns = Vec::new();
    let (call_targets, callback_targets) = call_targets(&resolver, &mut table, &fn_base, &mut host_fns);
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
        settled: crate::yields::Settled { settles: Vec::new(), awaits: Vec::new(), yields: Vec::new() },
        constants: Default::default(),
    };
    program.settled = {
        let facts: Vec<&crate::facts::FnFacts> = (0..program.functions.len()).map(|f| program.function(FnId::from_index(f))).collect();
        crate::yields::settled(&facts, &program.call_targets)
    };
    crate::marks::mark_states(&mut program);
    program.constants = crate::constants::const_members(&program);
    program.summaries = crate::summary::summarise(&program);
    program.balanced = crate::summary::balanced(&program.summaries);
    program
}

/// Maps every module's local states to program-wide ones.
pub fn state_ids(table: &mut StateTable, resolver: &Resolver) -> Vec<Vec<StateId>> {
    let modules = resolver.modules;
    let mut ids: Vec<Vec<Option<StateId>>> = modules.iter().map(|m| vec![None; m.facts.states.len()]).collect();
    // own state first, so that imports find it
    for (mi, m) in modules.iter().enumerate() {
        for (si, s) in m.facts.states.iter().enumerate() {
            let mi = mi as u32;
            let id = match s.kind {
                StateKind::Binding | StateKind::ClassStatic => Some(table.local(mi, &s.name, s.kind, s.span)),
                StateKind::GlobalProp => Some(table.global(mi, &s.name, s.span)),
                StateKind::Host => table.hosts.state_for_path(&s.name).and_then(|q| table.host(&q)),
                StateKind::Imported(_) => continue,
            };
            ids[mi as usize][si] = Some(id.unwrap_or_else(|| table.local(mi, &format!("host:{}", s.name), StateKind::Host, s.span)));
        }
    }
    for (mi, m) in modules.iter().enumerate() {
        for (si, s) in m.facts.states.iter().enumerate() {
            let StateKind::Imported(import) = s.kind else { continue };
            let mi = mi as u32;
            let target = resolver.import(mi, import);
            let id = match &target {
                Target::Binding(t, local) => Some(table.local(*t, local, StateKind::Binding, Span::default())),
                Target::Outside(specifier, ImportName::Named(name)) => {
                    table.hosts.state_for_import(specifier, name).and_then(|q| table.host(&q))
                }
                _ => None,
            };
            // an import from outside the scan that no model knows: state of its own, shared
            // if this module writes it, and written by its own module whenever that likes
            ids[mi as usize][si] = Some(id.unwrap_or_else(|| {
                let id = table.local(mi, &s.name, StateKind::Binding, Span { lo: 0, hi: 0 });
                if let Target::Outside(specifier, _) = &target {
                    table.states[id.index()].written_by_host = Some(format!("in `{specifier}`, outside the scan"));
                }
                id
            }));
        }
    }
    // every state is either the module's own or imported: both loops above map it
    ids.into_iter().map(|m| m.into_iter().map(|id| id.expect("every local state is mapped")).collect()).collect()
}

/// Resolves every call site. Host calls become functions of their own (appended after the
/// program's functions), one per distinct path and effects.
/// Also resolves the functions handed to calls (`FnFacts::callbacks`), like callees: the second
/// result, per function, one entry per callback (`None` when it is not the program's).
pub fn call_targets(resolver: &Resolver, table: &mut StateTable, fn_base: &[FnId], host_fns: &mut Vec<HostFn>) -> (Targets, Targets) {
    let modules = resolver.modules;
    let real: usize = modules.iter().map(|m| m.facts.functions.len()).sum();
    use rayon::prelude::*;
    let names: Vec<FxHashMap<&str, u32>> =
        modules.par_iter().map(|m| m.facts.fn_names.iter().map(|(n, i)| (n.as_str(), *i)).collect()).collect();
    let lookup = |m: u32, name: &str| names[m as usize].get(name).map(|&i| fn_base[m as usize].offset(i));
    let mut host_index: FxHashMap<(String, Vec<StateId>, Vec<StateId>, bool), FnId> = FxHashMap::default();
    let mut host_call = |table: &mut StateTable, path: &str, arg: Option<&str>| -> Option<FnId> {
        let effects = table.hosts.call(path, arg)?;
        let reads: Vec<StateId> = effects.reads.iter().filter_map(|q| table.host(q)).collect();
        let writes: Vec<StateId> = effects.writes.iter().filter_map(|q| table.host(q)).collect();
        let key = (path.to_string(), reads.clone(), writes.clone(), effects.awaits);
        Some(*host_index.entry(key).or_insert_with(|| {
            host_fns.push(HostFn { name: path.to_string(), awaits: effects.awaits, reads, writes });
            FnId::from_index(real + host_fns.len() - 1)
        }))
    };
    /// A host call site, numbered after the program's own calls are resolved.
    struct HostSite<'f> {
        function: usize,
        node: usize,
        path: std::borrow::Cow<'f, str>,
        arg: Option<&'f str>,
    }
    // program functions in parallel, per module; host calls afterwards, in program order, so
    // that their numbers do not depend on scheduling
    /// Per module: callees per call, the host calls to number, callbacks' targets.
    type ModuleTargets<'f> = (Targets, Vec<HostSite<'f>>, Targets);
    let per_module: Vec<ModuleTargets> = (0..modules.len())
        .into_par_iter()
        .map(|mi| {
            let m = &modules[mi];
            let mi = mi as u32;
            let mut hosts = Vec::new();
            let resolve = |callee| resolve_callee(resolver, &lookup, fn_base, mi, callee);
            let targets = m
                .facts
                .functions
                .iter()
                .enumerate()
                .map(|(fi, f)| {
                    f.nodes
                        .iter()
                        .enumerate()
                        .map(|(ni, n)| {
                            let NodeKind::Call { callee, .. } = &n.kind else { return None };
                            match resolve(callee) {
                                Ok(t) => t,
                                Err((path, arg)) => {
                                    hosts.push(HostSite { function: fi, node: ni, path, arg });
                                    None
                                }
                            }
                        })
                        .collect()
                })
                .collect();
            let callbacks =
                m.facts.functions.iter().map(|f| f.callbacks.iter().map(|c| resolve(&c.target).ok().flatten()).collect()).collect();
            (targets, hosts, callbacks)
        })
        .collect();
    let mut out = Vec::with_capacity(real);
    let mut callbacks_out = Vec::with_capacity(real);
    for (mut targets, hosts, mut callbacks) in per_module {
        for h in hosts {
            targets[h.function][h.node] = host_call(table, &h.path, h.arg);
        }
        out.append(&mut targets);
        callbacks_out.append(&mut callbacks);
    }
    (out, callbacks_out)
}

/// What a callee denotes in module `mi`: a program function (or nothing), or a host call
/// (`Err`, by path and first argument), numbered later.
fn resolve_callee<'f>(
    resolver: &'f Resolver,
    lookup: &impl Fn(u32, &str) -> Option<FnId>,
    fn_base: &[FnId],
    mi: u32,
    callee: &'f Callee,
) -> Result<Option<FnId>, (std::borrow::Cow<'f, str>, Option<&'f str>)> {
    match callee {
        Callee::Local(i) => Ok(Some(fn_base[mi as usize].offset(*i))),
        Callee::Named(name) => Ok(lookup(mi, name)),
        Callee::Import { import, member } => match resolver.import_ref(mi, *import) {
            Target::Binding(t, local) => Ok(match member {
                Some(mm) => lookup(*t, &format!("{local}.{mm}")),
                None => lookup(*t, local),
            }),
            Target::Namespace(t) => Ok(member.as_deref().and_then(|mm| match resolver.export(*t, mm, 0) {
                Some(Target::Binding(t2, l2)) => lookup(t2, &l2),
                _ => None,
            })),
            Target::Outside(_, ImportName::Named(name)) => Err((
                match member {
                    Some(mm) => format!("{name}.{mm}").into(),
                    None => (**name).into(),
                },
                None,
            )),
            Target::Outside(..) => Ok(None),
        },
        Callee::Host { path, arg } => Err((path.as_str().into(), arg.as_deref())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(parts: &[&str]) -> String {
        String::from_utf8(path_key(&parts.iter().map(|p| p.as_bytes()).collect::<Vec<_>>())).unwrap()
    }

    #[test]
    fn path_keys_resolve_dots_like_a_join_then_normalize() {
        assert_eq!(key(&["public/scripts", "./extensions.js"]), "public/scripts/extensions.js");
        assert_eq!(key(&["public/scripts/extensions/memory", "../../../script.js"]), "public/script.js");
        assert_eq!(key(&["a//b/", "c.js"]), "a/b/c.js");
        // leading `..` stay (a tree given as ../../x), and two of them are two levels up
        assert_eq!(key(&["../../x", "./y.js"]), "../../x/y.js");
        assert_eq!(key(&["a", "../../b.js"]), "../b.js");
        // an absolute specifier starts over; nothing is above the root
        assert_eq!(key(&["a/b", "/lib/c.js"]), "/lib/c.js");
        assert_eq!(key(&["/", "../c.js"]), "/c.js");
        assert_eq!(key(&["a", "/"]), "/");
        assert_ne!(key(&["a", "b.js"]), key(&["a", "c.js"]));
    }

    #[test]
    fn normalize_keeps_leading_parent_dirs() {
        assert_eq!(normalize(Path::new("../../x/./y/../z.js")), PathBuf::from("../../x/z.js"));
        assert_eq!(normalize(Path::new("a/../../b")), PathBuf::from("../b"));
    }
}
