//! The rule classes. Each rule is a small query over a function's `FnView` (`analysis.rs`): it proposes
//! candidates, and [`check_function`] keeps one finding per problem.

mod rc001_override_across_await;
mod rc002_torn_read_across_await;
mod rc003_lost_update;
mod rc004_check_then_act;
mod rc005_non_atomic_update;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::analysis::{Eff, FnView};
use crate::facts::{Atom, NodeId};
use crate::program::{FnId, MadeAt, StateId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// A latent finding: no second task reaches the code today (see `tasks`).
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// What a rule says about one candidate, in words.
pub struct Text {
    pub message: String,
    pub primary: String,
    pub await_label: String,
    pub other: String,
    pub help: String,
    pub timeline: Vec<String>,
}

/// What the later write of an override writes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restored {
    /// A value saved from the state before (`amount_gen = saved`).
    Saved,
    /// A constant (`busy = false`, `_context = { suffix: null }`), with its text when short.
    Literal(Option<String>),
    /// Something computed.
    Computed,
}

/// The facts a rule's wording draws on.
pub struct Describe<'a> {
    /// What the later write writes back (RC001).
    pub restored: Restored,
    /// The first write's constant, as written (`true`), when it stores one.
    pub set_literal: Option<&'a str>,
    /// The write after the await stores what was awaited (`x = await load()`).
    pub act_loads: bool,
    /// It stores it in one entry, under a key (`cache[key] = await load(key)`, `cache.set(key, …)`).
    pub act_keyed: bool,
    /// The state is one value (a string, a number, a reference assigned whole).
    pub scalar: bool,
    /// The state as a reader names it (`oai_settings.reverse_proxy`).
    pub state: &'a str,
    /// Its root variable (`oai_settings`).
    pub root: &'a str,
    /// Other states the same problem touches (merged findings).
    pub others: &'a [String],
    pub function: &'a str,
    /// The callee when the primary access happens inside a called function.
    pub primary_call: Option<&'a str>,
    pub other_call: Option<&'a str>,
    /// Some of the state is a class static field.
    pub static_state: bool,
    /// The candidate's [`Candidate::variant`].
    pub variant: u8,
    pub primary_line: u32,
    pub await_line: u32,
    pub other_line: u32,
    /// The await as written (`await validateReverseProxy()`), shortened.
    pub await_text: &'a str,
    /// Who task B is, as the timeline tells it.
    pub b: TaskB,
}

/// Task B of a timeline: what it does with the state while A is suspended. A rule's timeline
/// is told for each; the tasks pass picks the one that matches the pair it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskB {
    /// Another run of the same function: B does what A does.
    Again,
    /// A task running other code that writes the state (or the host).
    Writes,
    /// A task running other code that only reads the state.
    Reads,
}

impl Describe<'_> {
    /// The timeline step every rule shares: task A yields at the await and task B runs.
    pub fn await_step(&self) -> String {
        format!("task A  awaits at line {}: `{}`; task B runs", self.await_line, self.await_text)
    }
}

/// What names and documents a kind of finding, for listings, renderers, SARIF, the config and
/// `explain`. Every rule has one; so do the suppression diagnostics (RS001, RS002 in
/// `suppress.rs`), which are not rules: no check looks for them in a function.
#[derive(Debug)]
pub struct RuleInfo {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// One line, for listings and SARIF.
    pub summary: &'static str,
    /// The documentation (`rules/<code>-<name>.md` for a rule).
    pub doc: &'static str,
}

/// A rule: its name and documentation, its policy, its check and its wording.
pub struct Rule {
    pub info: RuleInfo,
    /// Lower wins when several rules describe the same problem.
    pub priority: u8,
    /// All of a function's candidates of this rule are one problem (torn reads: the
    /// statements that mix old and new values), reported once, led by the state with the
    /// most candidates. Otherwise candidates merge only when they are the same accesses.
    pub one_per_function: bool,
    /// Another task's reads race too, not only its writes: it sees the temporary value of an
    /// override or a half-done update. Otherwise only a task that writes the state races.
    pub races_with_readers: bool,
    /// The mechanical fix `suggest` tries on this rule's findings.
    pub fix: Fix,
    pub check: fn(&FnView, &mut Vec<Candidate>),
    pub describe: fn(&Describe) -> Text,
}

/// A rule's own mechanical fix (`suggest/`), offered when a finding has exactly its shape;
/// every rule finding also gets a suppression comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fix {
    None,
    /// Keep the in-flight promise of the load the check guards (`suggest/in_flight_promise.rs`).
    InFlightPromise,
    /// Read the state once into a snapshot before the first await (`suggest/snapshot.rs`).
    Snapshot,
}

/// A point of a finding: a node of the function, and for effects of a call, where the callee
/// makes the access.
#[derive(Debug, Clone)]
pub struct Point {
    pub node: NodeId,
    pub via: Option<(FnId, MadeAt)>,
}

impl Point {
    pub fn of(node: NodeId, e: &Eff) -> Point {
        Point { node, via: e.via }
    }
}

#[derive(Debug, Clone)]
pub struct Candidate {
    pub rule: &'static Rule,
    /// The states involved, the one named in the message first.
    pub states: Vec<(StateId, Option<Atom>)>,
    /// The main access.
    pub primary: Point,
    pub await_node: NodeId,
    /// The access on the other side of the await.
    pub other: Point,
    /// Which of its wordings the rule chose when it proposed the candidate (0: the plain one);
    /// only that rule's `describe` reads it, and each rule names its own values
    /// (`rc003_lost_update::COMPOUND`).
    pub variant: u8,
    /// What a racing task must write for the pattern to go wrong: every item of one of these
    /// alternatives (none: any write of `states`). A torn read needs one task that writes both
    /// what was read before the await and what is read after it.
    pub cover: Vec<Vec<(StateId, Option<Atom>)>>,
}

impl Candidate {
    pub fn new(rule: &'static Rule, e: &Eff, primary: Point, await_node: NodeId, other: Point) -> Candidate {
        Candidate { rule, states: vec![(e.state, e.field.cloned())], primary, await_node, other, variant: 0, cover: Vec::new() }
    }
}

/// The rule a finding's [`RuleInfo`] belongs to; `None` for a suppression diagnostic.
pub fn rule_of(info: &RuleInfo) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.info.code == info.code)
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.info.code, self.info.name)
    }
}

/// All rules, in code order.
pub static RULES: [&Rule; 5] = [
    &rc001_override_across_await::RULE,
    &rc002_torn_read_across_await::RULE,
    &rc003_lost_update::RULE,
    &rc004_check_then_act::RULE,
    &rc005_non_atomic_update::RULE,
];

/// Runs every rule on one function and keeps one finding per problem: per root state, the
/// highest-priority rule's earliest candidate; candidates of one rule on the same accesses
/// (a `save()`/`restore()` pair writing several states) merge into one.
/// Every rule always runs, so one problem keeps one rule however the output is filtered
/// (`--rule` and `racelint.toml` filter the findings afterwards).
pub fn check_function(view: &FnView) -> Vec<Candidate> {
    let mut all = Vec::new();
    for rule in RULES {
        (rule.check)(view, &mut all);
    }
    let key = |c: &Candidate| (c.rule.priority, view.span(c.primary.node).lo, view.span(c.other.node).lo, c.await_node, c.states[0].0);
    all.sort_by_key(key);
    // how many torn reads each state has: the one with the most names the torn-read finding
    let mut torn: FxHashMap<StateId, usize> = FxHashMap::default();
    for c in all.iter().filter(|c| c.rule.one_per_function) {
        *torn.entry(c.states[0].0).or_default() += 1;
    }
    let mut best: FxHashMap<StateId, Candidate> = FxHashMap::default();
    let mut order = Vec::new();
    for c in all {
        let root = c.states[0].0;
        match best.entry(root) {
            std::collections::hash_map::Entry::Vacant(v) => {
                order.push(root);
                v.insert(c);
            }
            // the same rule's other candidates on this state are the same problem: any of
            // their ways to go wrong is one
            std::collections::hash_map::Entry::Occupied(mut o) if std::ptr::eq(o.get().rule, c.rule) => {
                // …on each of their paths (`index.registry` and `index.count`): a task that
                // touches either is inside the problem
                let kept = o.get_mut();
                for s in c.states {
                    if !kept.states.contains(&s) {
                        kept.states.push(s);
                    }
                }
                merge_cover(&mut kept.cover, c.cover);
            }
            std::collections::hash_map::Entry::Occupied(_) => {}
        }
    }
    // torn reads: the candidate of the state with the most torn reads leads
    let top_torn = torn.iter().max_by_key(|(s, n)| (**n, std::cmp::Reverse(**s))).map(|(s, _)| *s);
    if let Some(top) = top_torn {
        if best.get(&top).is_some_and(|c| c.rule.one_per_function) {
            order.retain(|r| *r != top);
            order.insert(0, top);
        }
    }
    let mut merged: Vec<Candidate> = Vec::new();
    for root in order {
        let c = best.remove(&root).expect("kept candidate");
        // one finding per save/restore pair, and per function for torn reads (the statements
        // that mix old and new values are one problem)
        if let Some(m) = merged.iter_mut().find(|m| {
            std::ptr::eq(m.rule, c.rule)
                && (c.rule.one_per_function
                    || (m.primary.node == c.primary.node
                        && m.other.node == c.other.node
                        && m.await_node == c.await_node
                        && m.primary.via.is_some()))
        }) {
            m.states.extend(c.states);
            merge_cover(&mut m.cover, c.cover);
        } else {
            merged.push(c);
        }
    }
    // a lower-priority finding on the very same accesses is the same problem: fold it in
    // (a restore that writes back one setting and overwrites others is one override)
    let mut folded: Vec<Candidate> = Vec::new();
    merged.sort_by_key(|c| c.rule.priority);
    for c in merged {
        match folded.iter_mut().find(|m| m.primary.node == c.primary.node && m.other.node == c.other.node) {
            Some(m) => {
                m.states.extend(c.states);
                merge_cover(&mut m.cover, c.cover);
            }
            None => folded.push(c),
        }
    }
    let mut merged = folded;
    let program = view.program;
    for m in &mut merged {
        dedupe_cover(&mut m.cover);
        if m.rule.one_per_function {
            let first = m.states[0].clone();
            m.states[1..]
                .sort_by_key(|(s, _)| (std::cmp::Reverse(torn.get(s).copied().unwrap_or(0)), program.states[s.index()].name.clone()));
            debug_assert_eq!(m.states[0], first);
            continue;
        }
        // name the user-visible global first, class-static bookkeeping after
        m.states.sort_by(|a, b| {
            let sa = &program.states[a.0.index()];
            let sb = &program.states[b.0.index()];
            (sa.kind == crate::facts::StateKind::ClassStatic, &sa.name).cmp(&(sb.kind == crate::facts::StateKind::ClassStatic, &sb.name))
        });
    }
    merged
}

/// Two candidates' covers as one: either's way to go wrong; none when either has none.
/// Repeated alternatives are dropped once merging is done (`dedupe_cover`).
fn merge_cover(into: &mut Vec<Vec<(StateId, Option<Atom>)>>, other: Vec<Vec<(StateId, Option<Atom>)>>) {
    if into.is_empty() || other.is_empty() {
        into.clear();
    } else {
        into.extend(other);
    }
}

/// Keeps the first of each alternative, in order (a function with hundreds of torn reads of one
/// state merges hundreds of covers, most of them alike).
fn dedupe_cover(cover: &mut Vec<Vec<(StateId, Option<Atom>)>>) {
    let mut seen = FxHashSet::default();
    cover.retain(|alt| seen.insert(alt.clone()));
}

/// `a`, `a and b`, `a, b and c`, with backticks.
pub fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}
