//! Tasks: where the program's code starts running, which runs can be inside the same code at
//! once, and what serialises them.
//!
//! JavaScript runs one task at a time; a race needs a second task that runs while the first is
//! suspended at an await. A task starts at an *entry*: a module's top level (once), a function
//! handed to a call that calls it later (an event handler, a slash command, a timer: how often
//! is the host model's `[[callback]]`), an un-awaited call of an async function (it runs on
//! beside its caller), or a function nothing in the scan calls (an export or a callback racelint
//! cannot see: assumed to run repeatedly). Calls carry their caller's tasks to the callee.
//!
//! Two runs of code are *concurrent* when they belong to different tasks, or to one task that
//! can run again while suspended. What stops that is a *serialiser*: a function that tests and
//! sets a busy flag before its first await runs one at a time (its callees too, when called
//! from it), and a receiver declared `one-at-a-time` (`mutex.runExclusive(f)`) runs what it is
//! handed one after another. A finding whose state no concurrent task touches is *latent*: it
//! becomes a race when the code that serialises it today changes.

mod accessors;
mod facts;
mod words;
pub(crate) use words::{has_own_name, module_file};

use facts::{accessors, exported_functions, in_loop, lock_of, Accessor, Accessors, Use};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::facts::{Atom, NodeId, NodeKind};
use crate::host::{CallbackRuns, Hosts, Runs};
use crate::program::{fields_conflict, writes_over, FnId, Program, Site, StateId};

/// Entries kept per function; more make it "many tasks" (which can overlap).
const MAX_ENTRIES: usize = 8;
/// Functions shown on a task's path from its entry; longer paths are cut in the middle.
const MAX_PATH: usize = 6;
/// Nodes searched to tell whether an un-awaited call is in a loop.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A module's top level: runs once.
    StartUp,
    /// A function handed to a call (an event handler, a timer…).
    Callback,
    /// An un-awaited call of an async function: the callee runs beside its caller.
    Detached,
    /// A function nothing in the scan calls, exported: whoever imports it may call it.
    Export,
    /// A function nothing in the scan calls or hands over (a callback stored somewhere,
    /// called through a path racelint cannot follow).
    Unknown,
    /// Runs of a function that takes a busy flag before its first await, one at a time.
    Lock,
    /// Functions handed to one `one-at-a-time` receiver, one at a time.
    Exclusive,
    /// More tasks than are kept.
    Many,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: EntryKind,
    /// What kind of task, in words: `event handler`, `slash command`, `module start-up`.
    pub kind_name: String,
    /// The task as findings name it: "the `MESSAGE_RECEIVED` event handler".
    pub label: String,
    /// The function the task starts in (`None` for "many tasks", which stands for any beyond
    /// `MAX_ENTRIES`).
    pub root: Option<FnId>,
    /// Where the task is started (the registering call, the un-awaited call).
    pub site: Option<Site>,
    /// Whether the task can be running twice at once.
    pub repeats: bool,
    /// The function that starts the task (registers the callback, makes the un-awaited call).
    started_in: Option<FnId>,
    /// The task runs once per start: it repeats when the function that starts it does.
    once_per_start: bool,
    /// Started inside a loop: several runs at once.
    in_loop: bool,
    /// The task answers the user's input on the page: a modal dialog keeps it out.
    pub input: bool,
    /// The module whose realm the task runs in, for tasks a host runs in a realm per module
    /// (a test file's tests): it never overlaps another realm's tasks.
    realm: Option<u32>,
    /// The host starts the task only once its module's start-up has finished (a test runner
    /// runs a file's tests after collecting them); tasks that only inherit a realm may not.
    after_start_up: bool,
}

impl Entry {
    /// A task of `kind` starting in `root`, started nowhere in particular, running once,
    /// answering no input; the fields that differ are set by the caller.
    fn new(kind: EntryKind, kind_name: &str, label: String, root: Option<FnId>) -> Entry {
        Entry {
            kind,
            kind_name: kind_name.to_string(),
            label,
            root,
            site: None,
            repeats: false,
            started_in: None,
            once_per_start: false,
            in_loop: false,
            input: false,
            realm: None,
            after_start_up: false,
        }
    }
}

/// A task reaching a function: the entry and the functions from its root to the function.
#[derive(Debug, Clone)]
pub struct TaskPath {
    pub entry: u32,
    pub path: Vec<FnId>,
}

/// What a finding's concurrency is, and the tasks that make it so.
#[derive(Debug, Clone)]
pub struct Concurrency {
    /// Two tasks can overlap at the finding's await.
    pub overlapping: bool,
    /// The task that runs the finding's function.
    pub a: Option<TaskPath>,
    /// The task that touches the state meanwhile: another run of `a`, another task (and
    /// where it touches it), or the host.
    pub b: Option<Other>,
    /// For latent findings: what keeps other tasks out today.
    pub reason: String,
}

#[derive(Debug, Clone)]
pub enum Other {
    /// Another task (another run of the same function, `a` again or through another entry,
    /// or a task that runs another function touching the state), and whether it writes the
    /// state there (else it only reads it: an override's temporary value, a half-done update).
    Task(TaskPath, bool),
    /// The host writes the state itself (`on every chat switch`).
    Host(String),
}

pub struct Tasks {
    pub entries: Vec<Entry>,
    /// Per function: the entries whose tasks run it.
    reach: Vec<smallvec::SmallVec<[u32; 2]>>,
    /// Per function, beside `reach`: the caller each entry first reached it from (`None` where
    /// the task starts).
    pred: Vec<smallvec::SmallVec<[Option<FnId>; 2]>>,
    /// Per function: the state of the busy flag it takes before its first await.
    locks: Vec<Option<StateId>>,
    /// Per state: the functions that access it themselves (or through a host call), by field,
    /// and whether they write.
    accessors: FxHashMap<StateId, Accessors>,
    /// Per function: the functions that call it within their own task (not un-awaited).
    callers: Vec<Vec<FnId>>,
    /// Callee paths whose awaited call waits for a modal dialog (the host models' `[[modal]]`).
    modals: Vec<Vec<String>>,
}

impl Tasks {
    pub fn compute(program: &Program, hosts: &Hosts) -> Tasks {
        let n = program.functions.len();
        let mut entries: Vec<Entry> = Vec::new();
        // per function: callees, with the entry a call starts (un-awaited calls, callbacks)
        let mut edges: Vec<Vec<(FnId, Option<u32>)>> = vec![Vec::new(); n];
        let mut called = vec![false; n];
        // functions that register tasks a host runs in a realm per module (a file's tests)
        let mut realm_registrars: FxHashSet<FnId> = FxHashSet::default();
        let mut exclusive: FxHashMap<(u32, String), u32> = FxHashMap::default();
        let index = hosts.callbacks();
        // how each (callee path, first argument) runs, looked up once
        type RunsOf<'a> = FxHashMap<(&'a str, Option<&'a str>), Option<CallbackRuns<'a>>>;
        let mut runs_of: RunsOf = FxHashMap::default();
        for f in 0..n {
            let facts = program.function(FnId::from_index(f));
            let module = program.functions[f].module;
            let targets = &program.call_targets[f];
            let detached: FxHashSet<NodeId> = facts.detached.iter().copied().collect();
            for (ni, node) in facts.nodes.iter().enumerate() {
                let NodeKind::Call { .. } = node.kind else { continue };
                let Some(t) = targets[ni].filter(|&t| t.index() < n && t.index() != f) else { continue };
                called[t.index()] = true;
                let spawn = detached.contains(&NodeId::from_index(ni)) && program.function(t).is_async;
                if spawn {
                    entries.push({
                        let mut e = Entry::new(
                            EntryKind::Detached,
                            "un-awaited call",
                            format!("the un-awaited call of `{}` in `{}`", program.fn_name(t), facts.name),
                            Some(t),
                        );
                        e.site = Some(Site { module, span: node.span });
                        e.started_in = Some(FnId::from_index(f));
                        e.once_per_start = true;
                        e.in_loop = in_loop(facts, NodeId::from_index(ni));
                        e
                    });
                    edges[f].push((t, Some(entries.len() as u32 - 1)));
                } else {
                    edges[f].push((t, None));
                }
            }
            // the program's own functions that receive callbacks, by call
            let receivers: FxHashMap<crate::facts::Span, FnId> = if facts.callbacks.is_empty() {
                FxHashMap::default()
            } else {
                facts
                    .nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, node)| matches!(node.kind, NodeKind::Call { .. }))
                    .filter_map(|(i, node)| Some((node.span, targets[i].filter(|&t| t.index() < n)?)))
                    .collect()
            };
            for (ci, cb) in facts.callbacks.iter().enumerate() {
                let Some(t) = program.callback_targets[f][ci].filter(|&t| t.index() < n) else { continue };
                called[t.index()] = true;
                let site = Some(Site { module, span: cb.span });
                let modelled =
                    *runs_of.entry((cb.path.as_str(), cb.label.as_deref())).or_insert_with(|| index.find(&cb.path, cb.label.as_deref()));
                // handed to a function of the program (`processQueue(async (op) => …)`): it runs
                // when that function calls it, in that function's tasks
                // (so is one a model names by its whole path: the program's own `test(name, f)`)
                if let (None | Some(CallbackRuns { exact: true, .. }), Some(&r)) = (modelled, receivers.get(&cb.span)) {
                    edges[r.index()].push((t, None));
                    continue;
                }
                let how = modelled.unwrap_or(CallbackRuns::UNMODELLED);
                let kind_name = how.kind;
                let realm = how.isolated.then_some(module);
                if realm.is_some() {
                    realm_registrars.insert(FnId::from_index(f));
                }
                let named = |what: &str| match &cb.label {
                    Some(l) if kind_name != "callback" && kind_name != "fan-out" && kind_name != "inline callback" => {
                        format!("the `{l}` {what}")
                    }
                    _ => format!("the {what} of `{}`", cb.path),
                };
                let e = match how.runs {
                    Runs::Inline => None,
                    // it runs in the task of whoever calls what the call returned, which the
                    // scan cannot follow: counted in the tasks of the function that makes it
                    Runs::WhenCalled => None,
                    Runs::OneAtATime => {
                        let (key, label) = match how.queue {
                            Some(q) => ((module, format!("queue {q}")), format!("the {kind_name}s of `{}`", module_file(program, module))),
                            None => {
                                let receiver = cb.path.rsplit_once('.').map_or(cb.path.as_str(), |(r, _)| r);
                                // `this.lock` is one lock per object: in another function it may be
                                // another class's, so it is kept apart there
                                let owner =
                                    if receiver == "this" || receiver.starts_with("this.") { format!("@{f}") } else { String::new() };
                                let key = format!("{receiver}{owner}:{}", cb.label.as_deref().unwrap_or(""));
                                ((module, key), format!("the exclusive section of `{}`", cb.path))
                            }
                        };
                        Some(*exclusive.entry(key).or_insert_with(|| {
                            let mut e = Entry::new(EntryKind::Exclusive, kind_name, label, Some(t));
                            e.site = site;
                            e.realm = realm;
                            e.after_start_up = how.isolated;
                            entries.push(e);
                            entries.len() as u32 - 1
                        }))
                    }
                    Runs::Once | Runs::Repeatedly => {
                        let mut e = Entry::new(EntryKind::Callback, kind_name, named(kind_name), Some(t));
                        e.site = site;
                        e.repeats = how.runs == Runs::Repeatedly;
                        e.started_in = Some(FnId::from_index(f));
                        e.once_per_start = how.runs == Runs::Once;
                        e.input = how.input;
                        e.realm = realm;
                        e.after_start_up = how.isolated;
                        entries.push(e);
                        Some(entries.len() as u32 - 1)
                    }
                };
                edges[f].push((t, e));
            }
        }
        let mut tasks = Tasks {
            entries,
            reach: vec![Default::default(); n],
            pred: vec![Default::default(); n],
            locks: (0..n).map(|f| lock_of(program, FnId::from_index(f))).collect(),
            accessors: accessors(program),
            callers: vec![Vec::new(); n],
            modals: hosts
                .models
                .iter()
                .flat_map(|m| &m.modals)
                .flat_map(|m| &m.calls)
                .map(|p| p.split('.').map(String::from).collect())
                .collect(),
        };
        let many = tasks.push({
            let mut e = Entry::new(EntryKind::Many, "many tasks", "many tasks".into(), None);
            e.repeats = true;
            e
        });
        let mut lock_entries: FxHashMap<FnId, u32> = FxHashMap::default();
        let mut queue: std::collections::VecDeque<(FnId, u32, Option<FnId>)> = Default::default();
        // module top levels, then the tasks calls start, then what nothing calls
        for (m, module) in program.modules.iter().enumerate() {
            let count = module.facts.functions.len() as u32;
            if count == 0 {
                continue;
            }
            let f = program.fn_base[m].offset(count - 1);
            let file = module_file(program, m as u32);
            let e = tasks.push(Entry::new(EntryKind::StartUp, "module start-up", format!("the start-up of `{file}`"), Some(f)));
            called[f.index()] = true;
            queue.push_back((f, e, None));
        }
        for e in 0..tasks.entries.len() as u32 {
            let k = tasks.entries[e as usize].kind;
            if matches!(k, EntryKind::Callback | EntryKind::Detached | EntryKind::Exclusive) {
                if let Some(root) = tasks.entries[e as usize].root {
                    queue.push_back((root, e, None));
                }
            }
        }
        // an exclusive section's other functions (the second `runExclusive(g)`, a file's other
        // tests) start its task too
        for out in &edges {
            for &(t, spawn) in out {
                if let Some(e) = spawn {
                    if tasks.entries[e as usize].kind == EntryKind::Exclusive && tasks.entries[e as usize].root != Some(t) {
                        queue.push_back((t, e, None));
                    }
                }
            }
        }
        // a function defined and called on the spot runs in its definer's tasks; other nested
        // functions nothing visibly calls may have escaped (`return { run }` of a factory) and
        // count as called from outside
        for (f, out) in edges.iter_mut().enumerate() {
            let m = program.functions[f].module as usize;
            for &i in &program.function(FnId::from_index(f)).immediate {
                let t = program.fn_base[m].offset(i);
                called[t.index()] = true;
                out.push((t, None));
            }
        }
        let exported = exported_functions(program);
        for f in (0..n).map(FnId::from_index) {
            if !called[f.index()] {
                let (kind, kind_name) =
                    if exported.contains(&f) { (EntryKind::Export, "export") } else { (EntryKind::Unknown, "unseen caller") };
                let label = match kind {
                    EntryKind::Export => format!("a caller of the exported `{}`", program.fn_name(f)),
                    _ => format!("a caller of `{}` outside what racelint follows", program.fn_name(f)),
                };
                let e = tasks.push(Entry { repeats: true, ..Entry::new(kind, kind_name, label, Some(f)) });
                queue.push_back((f, e, None));
            }
        }
        let mut visit = |tasks: &mut Tasks, queue: &mut std::collections::VecDeque<(FnId, u32, Option<FnId>)>| {
            while let Some((f, e, from)) = queue.pop_front() {
                let fi = f.index();
                let entered = e;
                // a function that takes a busy flag runs one at a time, whoever calls it
                let e = match tasks.locks[fi] {
                    Some(state) if tasks.entries[e as usize].kind != EntryKind::Lock => *lock_entries.entry(f).or_insert_with(|| {
                        let flag = program.states[state.index()].name.clone();
                        tasks.entries.push(Entry::new(
                            EntryKind::Lock,
                            "busy flag",
                            format!("`{}`, one run at a time behind the busy flag `{flag}`", program.fn_name(f)),
                            Some(f),
                        ));
                        tasks.entries.len() as u32 - 1
                    }),
                    _ => e,
                };
                if tasks.reach[fi].contains(&e) {
                    continue;
                }
                let e = if tasks.reach[fi].len() >= MAX_ENTRIES { many } else { e };
                if tasks.reach[fi].contains(&e) {
                    continue;
                }
                tasks.reach[fi].push(e);
                // a lock's task starts at the function that takes it
                let from = if e != entered && tasks.entries[e as usize].kind == EntryKind::Lock { None } else { from };
                tasks.pred[fi].push(from);
                for &(t, spawn) in &edges[fi] {
                    if spawn.is_none() {
                        queue.push_back((t, e, Some(f)));
                    }
                }
            }
        };
        visit(&mut tasks, &mut queue);
        // cycles nothing outside calls into: a caller racelint does not see
        for f in (0..n).map(FnId::from_index) {
            if tasks.reach[f.index()].is_empty() {
                let e = tasks.push({
                    let mut e = Entry::new(
                        EntryKind::Unknown,
                        "unseen caller",
                        format!("a caller of `{}` outside what racelint follows", program.fn_name(f)),
                        Some(f),
                    );
                    e.repeats = true;
                    e
                });
                queue.push_back((f, e, None));
                visit(&mut tasks, &mut queue);
            }
        }
        for (f, out) in edges.iter().enumerate() {
            for &(t, spawn) in out {
                if spawn.is_none() && !tasks.callers[t.index()].contains(&FnId::from_index(f)) {
                    tasks.callers[t.index()].push(FnId::from_index(f));
                }
            }
        }
        tasks.inherit_realms(program, &realm_registrars);
        // a task started once per run of a function repeats when that function's runs overlap
        for _ in 0..16 {
            let mut changed = false;
            for e in 0..tasks.entries.len() {
                let entry = &tasks.entries[e];
                if entry.repeats || !entry.once_per_start {
                    continue;
                }
                let repeats = entry.in_loop || entry.started_in.is_some_and(|g| tasks.runs_overlap(g));
                if repeats {
                    tasks.entries[e].repeats = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        tasks.restrict_tested_accessors(program);
        tasks
    }

    /// A realm (a test file's worker) holds what the file starts: its start-up when its top
    /// level registers a realm's tasks, and every task started where only one realm's tasks
    /// run (a timer a test file's top level sets, a test a helper registers for the file).
    fn inherit_realms(&mut self, program: &Program, registrars: &FxHashSet<FnId>) {
        for e in &mut self.entries {
            if let (EntryKind::StartUp, Some(root)) = (e.kind, e.root) {
                if registrars.contains(&root) {
                    e.realm = Some(program.functions[root.index()].module);
                }
            }
        }
        for _ in 0..4 {
            let mut changed = false;
            for i in 0..self.entries.len() {
                let Some(g) = self.entries[i].started_in else { continue };
                let mut realms = self.reach[g.index()].iter().map(|&r| self.entries[r as usize].realm);
                let Some(Some(first)) = realms.next() else { continue };
                if realms.all(|r| r == Some(first)) && self.entries[i].realm != Some(first) {
                    self.entries[i].realm = Some(first);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    fn push(&mut self, e: Entry) -> u32 {
        self.entries.push(e);
        self.entries.len() as u32 - 1
    }

    /// Where `g`, task B's function, touches the finding's state itself: its first access of
    /// one of `states` (the first of them it touches at all) whose field conflicts (a write when
    /// `writes`), or the host call that does; with the index of that state in `states`.
    pub fn access_site(&self, program: &Program, g: FnId, states: &[(StateId, Option<Atom>)], writes: bool) -> Option<(Site, usize)> {
        let module = program.functions[g.index()].module;
        let facts = program.function(g);
        let n = program.functions.len();
        let touches = |(s, f): &(StateId, Option<Atom>), i: NodeId| match program.direct_effect(module, facts, i) {
            // as `classify` counts them: a test sees only writes of its path or above it
            Some((state, field, touch)) => {
                (!writes || touch.is_write())
                    && *s == state
                    && fields_conflict(f.as_ref(), field)
                    && (facts::use_of(facts, i, touch) != Use::Test || writes_over(f.as_ref(), field))
            }
            None => {
                let host = program.call_targets[g.index()][i.index()].and_then(|t| t.index().checked_sub(n));
                host.and_then(|h| program.host_fns.get(h)).is_some_and(|h| h.writes.contains(s) || (!writes && h.reads.contains(s)))
            }
        };
        states.iter().enumerate().find_map(|(k, st)| {
            (0..facts.nodes.len())
                .map(NodeId::from_index)
                .find(|&i| touches(st, i))
                .map(|i| (Site { module, span: facts.nodes[i.index()].span }, k))
        })
    }

    /// Whether two runs of `f` can be inside it at once.
    pub fn runs_overlap(&self, f: FnId) -> bool {
        let r = &self.reach[f.index()];
        r.len() >= 2 || r.iter().any(|&e| self.entries[e as usize].repeats)
    }

    /// Whether awaiting a call of `path` waits for a modal dialog.
    pub fn is_modal(&self, path: &str) -> bool {
        let segs: Vec<&str> = path.split('.').collect();
        self.modals.iter().any(|pat| crate::host::suffix_matches(&segs, pat))
    }

    /// How plainly a task explains a race, best first: a user's action or a host event before
    /// a debug hook, an export or a caller racelint cannot see.
    fn rank(&self, e: u32) -> u8 {
        let entry = &self.entries[e as usize];
        match entry.kind {
            EntryKind::Callback => match entry.kind_name.as_str() {
                "slash command" | "event handler" => 0,
                "interval" | "timer" | "debounced call" => 1,
                "ready callback" | "fan-out" => 2,
                _ => 4,
            },
            EntryKind::Detached | EntryKind::StartUp => 2,
            EntryKind::Lock | EntryKind::Exclusive => 3,
            EntryKind::Export => 5,
            EntryKind::Unknown => 6,
            EntryKind::Many => 7,
        }
    }

    /// Whether task `b` can only start after task `a`'s run of `f` has finished: `a` runs once,
    /// and its root starts `b` (registers it, calls it un-awaited, or calls what does) after
    /// the awaited calls through which it reaches `f`, none of them in a loop:
    /// `await loadSettings(); $('#reset').on('click', reset);`.
    fn starts_after(&self, program: &Program, b: u32, a: u32, f: FnId) -> bool {
        let (ea, eb) = (&self.entries[a as usize], &self.entries[b as usize]);
        if a == b || ea.repeats || !matches!(ea.kind, EntryKind::StartUp | EntryKind::Callback | EntryKind::Detached) {
            return false;
        }
        let Some(g) = eb.started_in else { return false };
        let Some(root) = ea.root else { return false };
        if f == root || !self.reach[g.index()].contains(&a) {
            return false;
        }
        let facts = program.function(root);
        let targets = &program.call_targets[root.index()];
        // where `b` starts in the root: the registration itself, or the calls that lead to it
        let pb = self.path(g, a);
        if pb.first() != Some(&root) {
            return false;
        }
        let start = if pb.len() == 1 {
            match eb.site {
                Some(site) if site.module == program.functions[root.index()].module => site.span.lo,
                _ => return false,
            }
        } else {
            let starts = (0..facts.nodes.len()).filter(|&i| targets[i] == Some(pb[1])).map(|i| facts.nodes[i].span.lo);
            match starts.min() {
                Some(s) => s,
                None => return false,
            }
        };
        // every function in `a`'s task that leads to `f`
        let mut leads = FxHashSet::default();
        let mut stack = vec![f];
        while let Some(h) = stack.pop() {
            if leads.len() > 4096 {
                return false;
            }
            if h != root && self.reach[h.index()].contains(&a) && leads.insert(h) {
                stack.extend(self.callers[h.index()].iter().copied());
            }
        }
        let mut any = false;
        for (i, node) in facts.nodes.iter().enumerate() {
            if !targets[i].is_some_and(|t| leads.contains(&t)) {
                continue;
            }
            let NodeKind::Call { awaited, .. } = node.kind else { continue };
            if !awaited || node.span.hi > start || in_loop(facts, NodeId::from_index(i)) {
                return false;
            }
            any = true;
        }
        // `f` reached from the root some other way (a callback it hands over) is not ordered
        any && facts.callbacks.iter().zip(&program.callback_targets[root.index()]).all(|(_, t)| !t.is_some_and(|t| leads.contains(&t)))
    }

    /// The functions from `e`'s root to `f`.
    pub fn path(&self, f: FnId, e: u32) -> Vec<FnId> {
        let mut out = vec![f];
        let mut at = f;
        let mut seen = FxHashSet::default();
        while let Some(p) = self.reach[at.index()].iter().position(|&x| x == e).and_then(|i| self.pred[at.index()][i]) {
            if !seen.insert(p) || out.len() > 64 {
                break;
            }
            out.push(p);
            at = p;
        }
        out.reverse();
        out
    }

    /// Whether the finding in `f` on `states` has two tasks that can overlap at its await:
    /// another task (or another run of `f`'s) that writes the state, or for `touching` rules
    /// (an override, a half-done update) also one that reads it.
    /// `modal`: every await between the finding's accesses waits for a modal dialog, so tasks
    /// that answer the user's input on the page cannot run there.
    /// `cover`: what one racing task must write, every item of one alternative (none: any write
    /// of `states`).
    pub fn classify(
        &self,
        program: &Program,
        f: FnId,
        states: &[(StateId, Option<Atom>)],
        cover: &[Vec<(StateId, Option<Atom>)>],
        touching: bool,
        modal: bool,
    ) -> Concurrency {
        let reach = &self.reach[f.index()];
        let a_entry = reach.first().copied();
        let a = a_entry.map(|e| TaskPath { entry: e, path: self.path(f, e) });
        // the pair that explains the race best: tasks a user or the host starts before exports
        // and callers racelint cannot see; among equals, the function's own runs again
        // Each pair of tasks once, with the accessor that shows it best; whether B starts only
        // after A (the costly question) is asked of the pairs in order, until one overlaps.
        // (B's rank, A's rank, B runs other code, B only reads, how directly B's access meets
        // A's, B is another entry)
        type Key = (u8, u8, bool, bool, u8, bool);
        // the tasks that touch the state, each with one function of it that does (this one if
        // it is among them), and how directly (`directness`)
        let mut others: FxHashMap<u32, (u8, FnId, bool)> = FxHashMap::default();
        let covering = self.covering(cover);
        for (s, field) in states {
            let Some(list) = self.accessors.get(s) else { continue };
            for (gfield, fns) in list {
                if !fields_conflict(field.as_ref(), gfield.as_ref()) {
                    continue;
                }
                // where the race needs a task that writes certain parts (a torn read's two
                // fields), B is told by an access to one of them, not by another field it writes
                if covering.is_some() && !cover.iter().flatten().any(|(cs, cf)| cs == s && fields_conflict(cf.as_ref(), gfield.as_ref())) {
                    continue;
                }
                let direct = directness(field.as_ref(), gfield.as_ref());
                // a test of a path above the finding's (`if (!x)` against `x.a = …`) does not see
                // what the finding writes
                let tested = writes_over(field.as_ref(), gfield.as_ref());
                for a in fns {
                    let (g, how) = (a.f, a.how);
                    let writes = how == Use::Write;
                    if !(writes || (touching && (how == Use::Read || tested))) {
                        continue;
                    }
                    for &eb in self.touching(a) {
                        if modal && self.entries[eb as usize].input {
                            continue;
                        }
                        if covering.as_ref().is_some_and(|c| !c.contains(&eb)) {
                            continue;
                        }
                        // per task: this function if it runs it, else a writer before a reader,
                        // then the most direct access, then the first function
                        let slot = others.entry(eb).or_insert((direct, g, writes));
                        let key = |(d, h, w): (u8, FnId, bool)| (h != f, !w, d, h);
                        if key((direct, g, writes)) < key(*slot) {
                            *slot = (direct, g, writes);
                        }
                    }
                }
            }
        }
        // B's accessor, and whether it writes there
        type Accessor = (FnId, bool);
        let mut pairs: Vec<((u32, u32), (Key, Accessor))> = Vec::new();
        let ranked: Vec<(u32, u8, (u8, FnId, bool))> = others.iter().map(|(&eb, &o)| (eb, self.rank(eb), o)).collect();
        for &ea in &self.reach[f.index()] {
            let rank_a = self.rank(ea);
            for &(eb, rank_b, (direct, g, writes)) in &ranked {
                if ea == eb && !self.entries[ea as usize].repeats {
                    continue;
                }
                // tasks of two realms (two test files' workers) never share state, and a file's
                // tests start once its start-up has finished (its own timers may not)
                let (xa, xb) = (&self.entries[ea as usize], &self.entries[eb as usize]);
                if let (Some(ra), Some(rb)) = (xa.realm, xb.realm) {
                    if ra != rb {
                        continue;
                    }
                }
                let start_up_of = |x: &Entry| match (x.kind, x.root) {
                    (EntryKind::StartUp, Some(r)) => Some(program.functions[r.index()].module),
                    _ => None,
                };
                if (xa.after_start_up && xa.realm == start_up_of(xb)) || (xb.after_start_up && xb.realm == start_up_of(xa)) {
                    continue;
                }
                pairs.push(((ea, eb), ((rank_b, rank_a, g != f, !writes, direct, ea != eb), (g, writes))));
            }
        }
        // the best pair first; the next only when B turns out to start after A (rare)
        let mut best = None;
        while let Some(i) = (0..pairs.len()).min_by_key(|&i| {
            let ((a, b), (key, g)) = pairs[i];
            (key, a, b, g)
        }) {
            let ((ea, eb), (_, g)) = pairs.swap_remove(i);
            if !self.starts_after(program, eb, ea, f) {
                best = Some((g, ea, eb));
                break;
            }
        }
        if let Some(((g, writes), ea, eb)) = best {
            let a = Some(TaskPath { entry: ea, path: self.path(f, ea) });
            let b = Some(Other::Task(TaskPath { entry: eb, path: self.path(g, eb) }, writes));
            return Concurrency { overlapping: true, a, b, reason: String::new() };
        }
        // the host last: a task in the scan says more
        for (s, _) in states {
            if let Some(by) = &program.states[s.index()].written_by_host {
                return Concurrency { overlapping: true, a, b: Some(Other::Host(by.clone())), reason: String::new() };
            }
        }
        let what = if touching { "touches" } else { "writes" };
        let during = if modal { " while the modal dialog it awaits is open" } else { " meanwhile" };
        let names: Vec<String> = states.iter().map(|(s, _)| format!("`{}`", program.states[s.index()].name)).collect();
        let runs = if modal && self.runs_overlap(f) {
            format!("`{}` runs again only on the user's input, which a modal dialog holds back", program.fn_name(f))
        } else {
            self.how_it_runs(program, f)
        };
        let written = match cover.first() {
            // a torn read: what one task would have to write
            Some(alt) => {
                let parts: Vec<String> = alt
                    .iter()
                    .map(|(s, field)| {
                        let name = &program.states[s.index()].name;
                        match field.as_deref().filter(|f| !f.contains(crate::facts::ANY_FIELD)) {
                            Some(f) => format!("`{name}.{f}`"),
                            None => format!("`{name}`"),
                        }
                    })
                    .collect();
                match parts.as_slice() {
                    [one] => format!("writes {one}"),
                    [first, rest @ ..] => format!("writes both {first} and {}", rest.join(" and ")),
                    [] => format!("{what} {}", names.first().cloned().unwrap_or_default()),
                }
            }
            None => format!("{what} {}", names.first().cloned().unwrap_or_default()),
        };
        let reason = format!("{runs}, and no task that can run{during} {written}");
        Concurrency { overlapping: false, a, b: None, reason }
    }

    /// The tasks that write every item of one of `cover`'s alternatives, each item in some
    /// function the task runs; `None` when there is nothing to cover.
    fn covering(&self, cover: &[Vec<(StateId, Option<Atom>)>]) -> Option<FxHashSet<u32>> {
        if cover.is_empty() {
            return None;
        }
        let mut out = FxHashSet::default();
        // the tasks that write one item, once per item however many alternatives name it
        let mut writers_of: FxHashMap<&(StateId, Option<Atom>), FxHashSet<u32>> = FxHashMap::default();
        for alt in cover {
            let mut all: Option<FxHashSet<u32>> = None;
            for item in alt {
                let writers = writers_of.entry(item).or_insert_with(|| {
                    let (s, field) = item;
                    let mut writers = FxHashSet::default();
                    for (gfield, fns) in self.accessors.get(s).map(Vec::as_slice).unwrap_or_default() {
                        if fields_conflict(field.as_ref(), gfield.as_ref()) {
                            for a in fns.iter().filter(|a| a.how == Use::Write) {
                                writers.extend(self.touching(a).iter().copied());
                            }
                        }
                    }
                    writers
                });
                all = Some(match all {
                    None => writers.clone(),
                    Some(so_far) => so_far.intersection(writers).copied().collect(),
                });
            }
            out.extend(all.unwrap_or_default());
        }
        Some(out)
    }
}

/// How directly an access to `theirs` meets a finding's access to `mine` (fields that
/// conflict): 0 when it is the same field or a part of it (`sd` and `sd.model`, `sd` and
/// `sd[key]`), or the finding is about the whole state; 1 when it is the whole state or an
/// enclosing object (`extension_settings = …`, `Object.assign(extension_settings, …)`), which
/// may or may not change the finding's part; 2 when they meet only through a computed key
/// (`list[i]` and `list[j]`), which may be another element. The task B a finding names is the
/// most direct among equals.
fn directness(mine: Option<&Atom>, theirs: Option<&Atom>) -> u8 {
    let (Some(m), Some(t)) = (mine, theirs) else { return if mine.is_none() { 0 } else { 1 } };
    let (ms, ts): (Vec<&str>, Vec<&str>) = (m.split('.').collect(), t.split('.').collect());
    let any = crate::facts::ANY_FIELD;
    if ms.iter().zip(&ts).any(|(a, b)| *a == any || *b == any) {
        2
    } else if ts.len() >= ms.len() {
        0
    } else {
        1
    }
}
