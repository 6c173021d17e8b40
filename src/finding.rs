//! Findings as users see them: rule, place, the state, labelled spans and the fix.

use crate::analysis::FnView;
use crate::facts::{NodeId, NodeKind, Span, StateKind, WriteKind};
use crate::program::{MadeAt, Program, Site};
use crate::rules::{Candidate, Describe, RuleInfo};

/// A labelled span, possibly in another file than the finding.
#[derive(Debug, Clone)]
pub struct Label {
    pub site: Site,
    pub message: String,
    /// Drawn in the code frame (the await, the other access, the declaration); otherwise a
    /// note under it (accesses inside callees, which may be far away or in another file).
    pub in_frame: bool,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static RuleInfo,
    /// Another task's reads race too, not only its writes (the rule's `races_with_readers`).
    pub races_with_readers: bool,
    /// The rule's severity, or the one `racelint.toml` sets.
    pub severity: crate::Severity,
    pub module: u32,
    pub span: Span,
    /// The enclosing function as a reader would say it.
    pub function: String,
    /// The state named in the message.
    pub state: String,
    /// Every state involved (the first is `state`).
    pub states: Vec<String>,
    pub state_declared: Option<Site>,
    pub message: String,
    pub primary_label: String,
    /// Secondary labels: the await, the other access, where callees make the accesses, the
    /// declaration.
    pub labels: Vec<Label>,
    pub help: String,
    pub timeline: Vec<String>,
    /// The timeline told with task B running other code that writes the state, and that only
    /// reads it (`timeline` tells B as another run of the same function): the tasks pass picks.
    pub timelines_for_other_code: [Vec<String>; 2],
    pub fingerprint: String,
    /// Where the primary span comes from, when the file is generated and has a source map.
    pub original: Option<Original>,
    /// The function the finding is in, and its states with their fields (for the tasks).
    pub fn_id: Option<crate::program::FnId>,
    pub keys: Vec<(crate::program::StateId, Option<crate::facts::Atom>)>,
    /// What a racing task must write (see `Candidate::cover`).
    pub cover: Vec<Vec<(crate::program::StateId, Option<crate::facts::Atom>)>>,
    /// What each await between the two accesses awaits: the called path (`callGenericPopup`),
    /// or `None` for anything else.
    pub window: Vec<Option<String>>,
    /// Which tasks race here, or why none can today (`None` for findings about comments).
    pub tasks: Option<FindingTasks>,
    /// Fixes a user may apply (`suggest::attach`; empty until then).
    pub suggestions: Vec<crate::suggest::Suggestion>,
}

/// A finding's tasks: the two that overlap at its await, or for a latent finding what keeps a
/// second one out.
#[derive(Debug, Clone)]
pub struct FindingTasks {
    pub latent: bool,
    /// Task A (runs this function), then task B (runs meanwhile), when known.
    pub tasks: Vec<TaskInfo>,
    /// For latent findings: why no second task reaches the code today.
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct TaskInfo {
    /// `A` or `B`.
    pub role: &'static str,
    /// What starts the task: "the `MESSAGE_RECEIVED` event handler".
    pub entry: String,
    /// `event handler`, `slash command`, `module start-up`, `un-awaited call`, `export`, `host`…
    pub kind: String,
    /// Functions from the entry to the access.
    pub path: Vec<String>,
    /// Where the task is started, when that is a call in the scan.
    pub site: Option<Site>,
    /// The whole task in words: "the `MESSAGE_RECEIVED` event handler → `summarize`".
    pub text: String,
}

impl Finding {
    /// Tells the timeline with task B in other code that writes the state (else only reads
    /// it), when the rule tells one.
    fn tell_other_code(&mut self, writes: bool) {
        let alt = std::mem::take(&mut self.timelines_for_other_code[usize::from(!writes)]);
        if !alt.is_empty() {
            self.timeline = alt;
        }
    }

    /// Shows where task B, running other code, touches the state: a label there, and the place
    /// in the timeline's first step of B (`task B  writes … (in `g`, packCache.js:1146)`).
    fn point_at_task_b(&mut self, program: &Program, tasks: &crate::tasks::Tasks, g: crate::program::FnId, writes: bool) {
        // what B had to write to go wrong (a torn read's two fields), else the finding's state
        let covered: Vec<(crate::program::StateId, Option<crate::facts::Atom>)> = self.cover.iter().flatten().cloned().collect();
        let found = match covered.is_empty() {
            false => tasks.access_site(program, g, &covered, writes).map(|(site, k)| (site, covered[k].clone())),
            true => None,
        };
        let Some((site, (state, field))) =
            found.or_else(|| tasks.access_site(program, g, &self.keys, writes).map(|(site, k)| (site, self.keys[k].clone())))
        else {
            return;
        };
        let m = &program.modules[site.module as usize];
        let line = m.lines().position(&m.text, site.span.lo).line;
        let file = crate::tasks::module_file(program, site.module);
        let state = state_display(program, state, &field);
        // a function without a name of its own is told by its task, named in the timeline
        let name = program.fn_name(g);
        let named = crate::tasks::has_own_name(name);
        let what = if writes { "writes" } else { "reads" };
        if !self.labels.iter().any(|l| l.site == site) && site != (Site { module: self.module, span: self.span }) {
            let message = match named {
                true => format!("task B (`{name}`) {what} `{state}` here"),
                false => format!("task B {what} `{state}` here"),
            };
            // drawn in the frame when it is near the finding; far away (another function, another
            // file) it is a note, or the frame would show every line in between
            let near = site.module == self.module && line.abs_diff(m.lines().position(&m.text, self.span.lo).line) <= NEAR_LINES;
            self.labels.push(Label { site, message, in_frame: near });
        }
        let place = match (site.module == self.module, named) {
            (true, true) => format!("in `{name}`, line {line}"),
            (true, false) => format!("line {line}"),
            (false, true) => format!("in `{name}`, {file}:{line}"),
            (false, false) => format!("{file}:{line}"),
        };
        // right after the first thing the step names (`task B  writes `x` (in `g`, line 9):
        // A's check no longer holds`), or at its end
        if let Some(step) = self.timeline.iter_mut().find(|t| t.starts_with("task B  ")) {
            let close = step.find('`').and_then(|open| step[open + 1..].find('`').map(|c| open + 1 + c + 1));
            match close {
                Some(at) => step.insert_str(at, &format!(" ({place})")),
                None => step.push_str(&format!(" ({place})")),
            }
        }
    }

    /// Names the tasks in the timeline and, for a latent finding, lowers it to a note.
    pub fn apply_tasks(&mut self, program: &Program, tasks: &crate::tasks::Tasks) {
        let Some(fn_id) = self.fn_id else { return };
        let modal = !self.window.is_empty() && self.window.iter().all(|w| w.as_deref().is_some_and(|p| tasks.is_modal(p)));
        let c = tasks.classify(program, fn_id, &self.keys, &self.cover, self.races_with_readers, modal);
        let info = |role: &'static str, t: &crate::tasks::TaskPath| {
            let e = &tasks.entries[t.entry as usize];
            TaskInfo {
                role,
                entry: e.label.clone(),
                kind: e.kind_name.clone(),
                path: t.path.iter().map(|&f| program.fn_name(f).to_string()).collect(),
                site: e.site,
                text: tasks.describe(program, t),
            }
        };
        let mut list = Vec::new();
        if let Some(a) = &c.a {
            list.push(info("A", a));
        }
        match &c.b {
            Some(crate::tasks::Other::Task(b, writes)) => {
                let again = c.a.as_ref().is_some_and(|a| a.entry == b.entry);
                // B runs other code than A (not through this function): its timeline, if the
                // rule tells one
                let other_code = !b.path.contains(&fn_id);
                if other_code {
                    self.tell_other_code(*writes);
                    if let Some(&g) = b.path.last() {
                        self.point_at_task_b(program, tasks, g, *writes);
                    }
                }
                let mut b = info("B", b);
                if again {
                    b.text = match b.text.strip_prefix("a caller ") {
                        Some(rest) => format!("another caller {rest}"),
                        None => format!("another run of {}", b.text),
                    };
                }
                list.push(b);
            }
            Some(crate::tasks::Other::Host(when)) => {
                self.tell_other_code(true);
                list.push(TaskInfo {
                    role: "B",
                    entry: format!("the host, {when}"),
                    kind: "host".into(),
                    path: Vec::new(),
                    site: None,
                    text: format!("the host, which writes `{}` {when}", program.states[self.keys[0].0.index()].name),
                })
            }
            None => {}
        }
        if c.overlapping {
            // the timeline starts by saying which tasks A and B are
            let named: Vec<String> = list.iter().map(|t| format!("task {}  is {}", t.role, t.text)).collect();
            if !self.timeline.is_empty() {
                self.timeline.splice(0..0, named);
            }
        } else {
            self.severity = crate::Severity::Note;
            if !self.timeline.is_empty() {
                self.timeline.insert(0, format!("latent today: {}; if a second task ever runs here:", c.reason));
            }
        }
        self.tasks = Some(FindingTasks { latent: !c.overlapping, tasks: list, reason: c.reason });
    }
}

/// How many lines from a finding another task's access may be and still be drawn in its frame.
const NEAR_LINES: u32 = 30;

/// A position in the source a generated file was built from (1-based line, UTF-16 column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Original {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

fn state_display(program: &Program, state: crate::program::StateId, field: &Option<crate::facts::Atom>) -> String {
    let s = &program.states[state.index()];
    match field {
        Some(f) if &**f == crate::facts::ANY_FIELD => s.name.clone(),
        // an element below a named path is shown as the path (`power_user.personas`)
        Some(f) if !f.starts_with('#') || s.kind == StateKind::ClassStatic => {
            format!("{}.{}", s.name, f.strip_suffix(".[*]").unwrap_or(f))
        }
        _ => s.name.clone(),
    }
}

/// The source text of an await, shortened to one line.
fn await_text(program: &Program, module: u32, span: Span, kind: &NodeKind) -> String {
    match kind {
        NodeKind::Await(crate::facts::AwaitKind::Then) => return ".then(…) callback".into(),
        NodeKind::Await(crate::facts::AwaitKind::ForAwait) => return "for await".into(),
        NodeKind::Await(crate::facts::AwaitKind::Yield) => return "yield".into(),
        _ => {}
    }
    let text = &program.modules[module as usize].text;
    let raw = text.get(span.lo as usize..span.hi as usize).unwrap_or("await");
    let first = raw.lines().next().unwrap_or("await").trim();
    let single = raw.lines().count() <= 1;
    let mut out: String = first.chars().take(60).collect();
    if !single || first.chars().count() > 60 {
        out.push('…');
    }
    out
}

impl Finding {
    pub fn from_candidate(view: &FnView, c: &Candidate) -> Finding {
        let program = view.program;
        let module = view.module;
        let m = &program.modules[module as usize];
        let line = |span: Span| m.lines().position(&m.text, span.lo).line;
        let (state_id, field) = &c.states[0];
        let state = state_display(program, *state_id, field);
        let states: Vec<String> = c.states.iter().map(|(s, f)| state_display(program, *s, f)).collect();
        let root = program.states[state_id.index()].name.clone();
        let callee = |p: &crate::rules::Point| p.via.map(|(f, _)| program.fn_name(f).to_string());
        let primary_call = callee(&c.primary);
        let other_call = callee(&c.other);
        let primary_span = view.span(c.primary.node);
        let other_span = view.span(c.other.node);
        let await_span = view.span(c.await_node);
        let await_kind = &view.facts.nodes[c.await_node.index()].kind;
        let await_text = await_text(program, module, await_span, await_kind);
        let static_state = c.states.iter().any(|(s, _)| program.states[s.index()].kind == StateKind::ClassStatic);
        let written = |p: &crate::rules::Point| {
            let mine = |e: &&crate::analysis::Eff| e.state == *state_id && e.touch.is_write();
            let effects = &view.effects[p.node.index()];
            // the write the rule paired (the callee's access at this site), else any of the state
            effects.iter().filter(mine).find(|e| e.via == p.via).or_else(|| effects.iter().find(mine)).map(|e| e.touch)
        };
        let literal_text = |p: &crate::rules::Point| -> Option<String> {
            if p.via.is_some() {
                return None;
            }
            let Some(crate::program::Touch::Write { literal: 1.., .. }) = written(p) else { return None };
            let span = view.span(p.node);
            let t = m.text.get(span.lo as usize..span.hi as usize)?;
            let rhs = t.split_once('=').map(|(_, r)| r.trim_start_matches(['=', '?', '|', '&']).trim())?;
            (!rhs.is_empty() && rhs.len() <= 24 && !rhs.contains('\n')).then(|| rhs.to_string())
        };
        let restored = match written(&c.other) {
            Some(crate::program::Touch::Write { restore: true, .. }) => crate::rules::Restored::Saved,
            Some(crate::program::Touch::Write { literal: 1.., .. }) => crate::rules::Restored::Literal(literal_text(&c.other)),
            _ => crate::rules::Restored::Computed,
        };
        let set_literal = literal_text(&c.primary);
        // the act stores the await's value in the state itself (`x = await load()`): a load that
        // the in-flight promise can stand for. Not a push, a keyed entry or a callee's write
        // (`themes.push(t); await saveTheme(t)`), where `x = await pending` is no fix
        let write = &view.facts.nodes[c.other.node.index()];
        // a keyed entry: `cache[key] = v`, `cache.set(key, v)`
        let keyed = match write.kind {
            NodeKind::Write { kind: WriteKind::Keyed, .. } => true,
            NodeKind::Write { kind: WriteKind::Element, .. } => {
                let span = view.span(c.other.node);
                m.text
                    .get(span.lo as usize..span.hi as usize)
                    .is_some_and(|t| t.split('(').next().is_some_and(|callee| callee.trim_end().ends_with(".set")))
            }
            _ => false,
        };
        let act_loads = match &write.kind {
            NodeKind::Write { value, kind: WriteKind::Assign | WriteKind::Keyed | WriteKind::Element, .. }
                if c.other.via.is_none() && (keyed || matches!(write.kind, NodeKind::Write { kind: WriteKind::Assign, .. })) =>
            {
                value.sources.iter().any(|&s| {
                    matches!(view.facts.nodes[s.index()].kind, NodeKind::Call { awaited: true, .. } | NodeKind::Resume { .. })
                        || view.facts.nodes.get(s.index() + 1).is_some_and(|n| matches!(n.kind, NodeKind::Await(_)))
                }) || value.module
            }
            _ => false,
        };
        let scalar = program.states[state_id.index()].scalar;
        let mut describe = Describe {
            restored,
            set_literal: set_literal.as_deref(),
            act_loads,
            act_keyed: act_loads && keyed,
            scalar,
            state: &state,
            root: &root,
            others: &states[1..],
            function: &view.facts.name,
            primary_call: primary_call.as_deref(),
            other_call: other_call.as_deref(),
            static_state,
            variant: c.variant,
            primary_line: line(primary_span),
            await_line: line(await_span),
            other_line: line(other_span),
            await_text: &await_text,
            b: crate::rules::TaskB::Again,
        };
        let text = (c.rule.describe)(&describe);
        let mut timelines_for_other_code: [Vec<String>; 2] = Default::default();
        for (i, b) in [crate::rules::TaskB::Writes, crate::rules::TaskB::Reads].into_iter().enumerate() {
            describe.b = b;
            timelines_for_other_code[i] = (c.rule.describe)(&describe).timeline;
        }
        // an await spanning lines is labelled on its first line
        let first_line_end =
            m.text.get(await_span.lo as usize..await_span.hi as usize).and_then(|t| t.find('\n')).map(|i| await_span.lo + i as u32);
        let await_span = Span { lo: await_span.lo, hi: first_line_end.map(|e| e.min(await_span.hi)).unwrap_or(await_span.hi) };
        let mut labels = vec![Label { site: Site { module, span: await_span }, message: text.await_label, in_frame: true }];
        if other_span != primary_span {
            labels.push(Label { site: Site { module, span: other_span }, message: text.other, in_frame: true });
        }
        // which point comes first depends on the rule (RC002 reports the fresh read, after the
        // await); the graph tells
        let primary_first = view.crosses(c.primary.node, c.other.node).is_some();
        for (p, first) in [(&c.primary, primary_first), (&c.other, !primary_first)] {
            if let Some((f, at)) = p.via {
                // a host call has no source to point at
                let MadeAt::Source(site) = at else { continue };
                let name = program.fn_name(f);
                let msg = if first {
                    format!("`{name}` accesses `{state}` here (before the await)")
                } else {
                    format!("`{name}` accesses `{state}` here (after the await)")
                };
                if !labels.iter().any(|l| l.site == site) && site.span != primary_span {
                    labels.push(Label { site, message: msg, in_frame: false });
                }
            }
        }
        let st = &program.states[state_id.index()];
        // a global property has no declaration: its first use is no place to send a reader to
        let state_declared = st
            .module
            .filter(|_| st.kind != StateKind::GlobalProp && (st.decl != Span::default() || st.kind == StateKind::Binding))
            .map(|module| Site { module, span: st.decl });
        if let Some(site) = state_declared {
            if !labels.iter().any(|l| l.site == site) && site.span != primary_span {
                labels.push(Label { site, message: format!("`{root}` is declared here"), in_frame: site.module == module });
            }
        }
        Finding {
            rule: &c.rule.info,
            races_with_readers: c.rule.races_with_readers,
            severity: c.rule.info.severity,
            module,
            span: primary_span,
            function: view.facts.name.clone(),
            state,
            states,
            state_declared,
            message: text.message,
            primary_label: text.primary,
            labels,
            help: text.help,
            timeline: text.timeline,
            timelines_for_other_code,
            fingerprint: String::new(),
            original: None,
            fn_id: Some(view.id),
            keys: c.states.clone(),
            cover: c.cover.clone(),
            window: {
                let (first, last) = if primary_first { (c.primary.node, c.other.node) } else { (c.other.node, c.primary.node) };
                window_awaits(program, module, view.id, first, last)
            },
            tasks: None,
            suggestions: Vec::new(),
        }
    }
}

/// The awaits on the paths from node `from` to node `to`, each as the path of the call it
/// awaits (`await callGenericPopup(…)`: `callGenericPopup`), or `None` when it awaits anything
/// else. Bounded: a function too big to search has an unknown window (one `None`).
fn window_awaits(program: &Program, module: u32, fid: crate::program::FnId, from: NodeId, to: NodeId) -> Vec<Option<String>> {
    const LIMIT: usize = 200_000;
    let f = program.function(fid);
    let n = f.nodes.len();
    if n > LIMIT {
        return vec![None];
    }
    let mut fwd = vec![false; n];
    let mut stack: Vec<NodeId> = f.nodes[from.index()].succ.to_vec();
    while let Some(x) = stack.pop() {
        if x == from || std::mem::replace(&mut fwd[x.index()], true) {
            continue;
        }
        stack.extend_from_slice(&f.nodes[x.index()].succ);
    }
    let mut preds: Vec<Vec<NodeId>> = vec![Vec::new(); n];
    for (i, node) in f.nodes.iter().enumerate() {
        for &s in &node.succ {
            preds[s.index()].push(NodeId::from_index(i));
        }
    }
    let mut back = vec![false; n];
    let mut stack: Vec<NodeId> = preds[to.index()].clone();
    while let Some(x) = stack.pop() {
        if x == to || std::mem::replace(&mut back[x.index()], true) {
            continue;
        }
        stack.extend_from_slice(&preds[x.index()]);
    }
    let text = &program.modules[module as usize].text;
    (0..n)
        .filter(|&i| fwd[i] && back[i] && program.yields_at(fid, NodeId::from_index(i)))
        .map(|i| match f.nodes[i].kind {
            NodeKind::Await(crate::facts::AwaitKind::Await) => {
                let span = f.nodes[i].span;
                awaited_callee(text.get(span.lo as usize..span.hi as usize).unwrap_or(""))
            }
            _ => None,
        })
        .collect()
}

/// `await Popup.show.confirm(…)` → `Popup.show.confirm`: the callee of an awaited call, when
/// it is a plain path.
fn awaited_callee(text: &str) -> Option<String> {
    let rest = text.trim_start().strip_prefix("await")?.trim_start();
    let rest = rest.strip_prefix("new ").map(str::trim_start).unwrap_or(rest);
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$' || c == '.'))?;
    let (path, after) = rest.split_at(end);
    (!path.is_empty() && after.trim_start().starts_with('(')).then(|| path.to_string())
}

/// FNV-1a, 64-bit: stable across runs, platforms and Rust versions (unlike `DefaultHasher`).
/// Fed piece by piece; each part of [`fnv64`] ends with a 0xff byte.
pub struct Fnv(pub u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub fn put(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

impl std::fmt::Write for Fnv {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.put(s.as_bytes());
        Ok(())
    }
}

/// The FNV-1a hash of `parts`, each followed by a 0xff byte.
pub fn fnv64<T: AsRef<[u8]>>(parts: &[T]) -> u64 {
    let mut h = Fnv::default();
    for p in parts {
        h.put(p.as_ref());
        h.put(&[0xff]);
    }
    h.0
}
