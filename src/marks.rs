//! What the program's accesses say about its states, decided here once: whether a state is
//! written (only written state can race), whether it stays one value, which states hold saved
//! copies of others, which fields are written together, and whether a write restores a saved
//! value (directly, or through a setter called with one).

use crate::analysis::FnView;
use crate::facts::{Access, Atom, FnFacts, Node, NodeId, NodeKind, StateKind, WriteKind};
use crate::program::{Program, StateId, Touch};

/// Marks what the program's accesses say about its states: which are written after
/// initialisation, which stay one value, which hold a saved copy of another, and which fields a
/// synchronous function writes together.
pub(crate) fn mark_states(program: &mut Program) {
    use rayon::prelude::*;
    /// What one module's accesses say about the program's states.
    #[derive(Default)]
    struct Marks {
        not_scalar: Vec<StateId>,
        written: Vec<StateId>,
        /// (state, the state whose value it saves)
        backups: Vec<(StateId, StateId)>,
        together: Vec<(StateId, Atom, Atom)>,
    }
    let marks: Vec<Marks> = program
        .modules
        .par_iter()
        .enumerate()
        .map(|(mi, m)| {
            let ids = &program.state_ids[mi];
            let mut out = Marks::default();
            for f in &m.facts.functions {
                if !f.has_await {
                    let fields: Vec<(StateId, &Atom)> = f
                        .nodes
                        .iter()
                        .filter_map(|n| match &n.kind {
                            NodeKind::Write { access: Access { state, field: Some(field) }, .. } => Some((ids[state.index()], field)),
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
                        out.not_scalar.push(ids[access.state.index()]);
                    }
                    if let NodeKind::Write { access, value, .. } = &n.kind {
                        let s = ids[access.state.index()];
                        out.written.push(s);
                        if value.copy {
                            for &src in &value.sources {
                                if let NodeKind::Read { access: r, .. } = &f.nodes[src.index()].kind {
                                    let rs = ids[r.state.index()];
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
    let mut backs_up = vec![Vec::new(); program.states.len()];
    for m in &marks {
        program.written_together.extend(m.together.iter().cloned());
    }
    for m in marks {
        for s in m.not_scalar {
            program.states[s.index()].scalar = false;
        }
        for s in m.written {
            program.states[s.index()].written = true;
        }
        for (s, rs) in m.backups {
            if !backs_up[s.index()].contains(&rs) {
                backs_up[s.index()].push(rs);
            }
        }
    }
    for h in &program.host_fns {
        for &w in &h.writes {
            // what a host call writes is opaque: it may be any part of the value
            program.states[w.index()].written = true;
            program.states[w.index()].scalar = false;
        }
    }
    // host state is whatever the host keeps behind it, never known to be one value; a host
    // model's own state (in no module) is the host's, which writes it
    for s in &mut program.states {
        s.scalar &= matches!(s.kind, StateKind::Binding | StateKind::ClassStatic);
        s.written |= s.module.is_none();
    }
    // a `const` handle on the page (`$('#chat')`): writing through it (scroll position,
    // contents) changes the page, not state the program reads back as data
    for (mi, m) in program.modules.iter().enumerate() {
        for name in &m.facts.dom_handles {
            if let Some(local) = m.facts.states.iter().position(|s| s.kind == StateKind::Binding && *s.name == **name) {
                let s = program.state_ids[mi][local];
                program.states[s.index()].written = false;
            }
        }
        // a `let` holds the handle while only its own module could assign it (an import
        // cannot) and it does not
        for name in &m.facts.dom_handle_lets {
            let Some(local) = m.facts.states.iter().position(|s| s.kind == StateKind::Binding && *s.name == **name) else { continue };
            let local_id = crate::facts::LocalStateId::from_index(local);
            let reassigned = m
                .facts
                .functions
                .iter()
                .flat_map(|f| &f.nodes)
                .any(|n| matches!(&n.kind, NodeKind::Write { access, .. } if access.state == local_id && access.field.is_none()));
            if !reassigned {
                let s = program.state_ids[mi][local];
                program.states[s.index()].written = false;
            }
        }
    }
    program.backs_up = backs_up;
}

/// Whether the write at `node` of `f` writes back a value saved from its state: a copy of a read
/// of the same place, or of a state that the written one backs up.
pub(crate) fn is_restore(program: &Program, module: u32, f: &FnFacts, node: &Node) -> bool {
    let NodeKind::Write { access, value, kind } = &node.kind else { return false };
    if matches!(kind, WriteKind::Element | WriteKind::Keyed | WriteKind::Bulk | WriteKind::Replace | WriteKind::Delete) {
        return false;
    }
    if !value.copy {
        return false;
    }
    let target = program.global_state(module, access);
    value.sources.iter().any(|&src| match &f.nodes[src.index()].kind {
        NodeKind::Read { access: r, .. } => {
            let rs = program.global_state(module, r);
            (rs == target && same_place(&r.field, &access.field)) || program.backs_up[rs.index()].contains(&target)
        }
        _ => false,
    })
}

/// The same known field (or both the whole state): a value read there and written back there
/// is a saved copy.
fn same_place(a: &Option<Atom>, b: &Option<Atom>) -> bool {
    a == b && a.as_deref() != Some(crate::facts::ANY_FIELD)
}

/// The restores only a function's own paths show, marked on its view: a setter called with a
/// value read from the state before an await writes that saved value back
/// (`switchConnection(saved.profile)` after `saved = await getConnection()` and an
/// `await operation()`).
pub(crate) fn mark_setter_restores(view: &mut FnView) {
    let mut marks: Vec<(NodeId, StateId)> = Vec::new();
    for (c, node) in view.facts.nodes.iter().enumerate() {
        let NodeKind::Call { args, .. } = &node.kind else { continue };
        let c = NodeId::from_index(c);
        let mut saved: Vec<StateId> = Vec::new();
        for &a in args {
            for at in [Some(a), view.resume_of.get(&a).copied()].into_iter().flatten() {
                if view.crosses(at, c).is_some() {
                    saved.extend(view.reads(at).filter(|e| view.direct(e)).map(|e| e.state));
                }
            }
        }
        if saved.is_empty() {
            continue;
        }
        for target in [Some(c), view.resume_of.get(&c).copied()].into_iter().flatten() {
            for &s in &saved {
                marks.push((target, s));
            }
        }
    }
    for (node, state) in marks {
        for e in &mut view.effects[node.index()] {
            if let Touch::Write { restore, kind: WriteKind::Assign, .. } = &mut e.touch {
                if e.state == state {
                    *restore = true;
                }
            }
        }
    }
}
