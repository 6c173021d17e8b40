//! RC002 torn-read-across-await: a value read before an await is combined with a fresh read of
//! the same state after it.

use super::{Candidate, Describe, Fix, Point, Rule, RuleInfo, Severity, Text};
use crate::analysis::FnView;
use crate::facts::{AwaitKind, NodeId, NodeKind, WriteKind};
use crate::program::{StateId, Touch};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "RC002",
        name: "torn-read-across-await",
        severity: Severity::Warning,
        summary: "a value read from shared state before an await is mixed with a fresh read after it",
        doc: include_str!("../../rules/RC002-torn-read-across-await.md"),
    },
    priority: 4,
    one_per_function: true,
    races_with_readers: false,
    fix: Fix::Snapshot,
    check,
    describe,
};

/// Whether the state is replaced as a whole (`list = data`, `list.splice(0, list.length)`,
/// `list.length = 0`) at `n`: after that, its contents are new by design.
fn replaces(v: &FnView, n: NodeId, state: StateId) -> bool {
    v.writes(n).any(|w| {
        w.state == state
            && w.field.is_none()
            && matches!(w.touch, Touch::Write { kind: WriteKind::Assign | WriteKind::Bulk | WriteKind::Replace, .. })
    })
}

/// Whether this function itself replaces the state after the await and right before the fresh
/// read (`const key = list[i].id; await reloadList(); list.findIndex((x) => x.id === key)`): the
/// old value is a key looked up in the reloaded state on purpose, not a torn read. `reloads`:
/// the nodes that replace a state, found once per function.
fn reloaded_between(v: &FnView, reloads: &[(NodeId, StateId)], stale: NodeId, fresh: NodeId, state: StateId) -> bool {
    reloads.iter().any(|&(n, s)| s == state && v.crosses(stale, n).is_some() && (n == fresh || v.reaches_directly(n, fresh)))
}

/// Whether a read's value is used up by an await of its statement: it is inside the awaited
/// expression (`await fetch(s.url)`: the request, not the result; `await s.pending`).
fn within(inner: crate::facts::Span, outer: crate::facts::Span) -> bool {
    outer.lo <= inner.lo && inner.hi <= outer.hi
}

fn consumed_before_await(v: &FnView, awaits: &[crate::facts::Span], r: NodeId) -> bool {
    let span = v.span(r);
    awaits.iter().any(|&a| within(span, a))
}

/// What a task must write to tear the two reads: what was read before the await (so the old
/// value is stale) and what is read after it (so the new value differs), both in one task. A
/// task that writes only one of them leaves a view that existed: the state before it ran, or
/// after.
fn tear(before: &crate::analysis::Eff, after: &crate::analysis::Eff) -> Vec<(StateId, Option<crate::facts::Atom>)> {
    let mut out = vec![(before.state, before.field.cloned())];
    if before.field != after.field {
        out.push((after.state, after.field.cloned()));
    }
    out
}

fn check(v: &FnView, out: &mut Vec<Candidate>) {
    let mut reloads: Vec<(NodeId, StateId)> = Vec::new();
    for n in v.nodes_with_effects() {
        for w in v.writes(n) {
            if replaces(v, n, w.state) && !reloads.contains(&(n, w.state)) {
                reloads.push((n, w.state));
            }
        }
    }
    // the spans of `await` expressions, by start: a statement looks only at its own
    let mut awaits: Vec<crate::facts::Span> = v
        .facts
        .nodes
        .iter()
        .enumerate()
        .filter(|&(i, n)| matches!(n.kind, NodeKind::Await(AwaitKind::Await)) && v.program.yields_at(v.id, NodeId::from_index(i)))
        .map(|(_, n)| n.span)
        .collect();
    awaits.sort_unstable();
    for unit in &v.facts.units {
        // one statement reads the state, awaits, and reads it again, and both values meet in
        // its result (`{ model: s.model, prompt: await f(), max_tokens: s.maxTokens }`)
        let from = awaits.partition_point(|a| a.lo < unit.span.lo);
        let to = awaits.partition_point(|a| a.lo <= unit.span.hi);
        let own = &awaits[from..to.max(from)];
        for &r in unit.fresh.iter().filter(|_| !own.is_empty()) {
            if consumed_before_await(v, own, r) {
                continue;
            }
            for er in v.reads(r).filter(|e| e.depth == 0 && e.touch == Touch::Read) {
                for &f in &unit.fresh {
                    if f == r || v.same_call(r, f) {
                        continue;
                    }
                    // the await must be the statement's own, not a loop's around it
                    let Some(aw) = v.crosses(r, f).filter(|&aw| within(v.span(aw), unit.span)) else { continue };
                    for ef in v.reads(f).filter(|e| e.depth == 0) {
                        if ef.state == er.state && !reloaded_between(v, &reloads, r, f, er.state) {
                            let mut root = *ef;
                            root.field = None;
                            let mut c = Candidate::new(&RULE, &root, Point::of(f, ef), aw, Point::of(r, er));
                            c.cover = vec![tear(er, ef)];
                            out.push(c);
                        }
                    }
                }
            }
        }
        for &source in &unit.stale {
            for (r, er) in v.value_reads(source) {
                for &f in &unit.fresh {
                    if f == r || f == source || v.same_call(r, f) {
                        continue;
                    }
                    let Some(aw) = v.crosses(r, f) else { continue };
                    for ef in v.reads(f).filter(|e| e.depth == 0) {
                        if ef.state == er.state && !reloaded_between(v, &reloads, r, f, er.state) {
                            // a torn read is about the object as a whole: name its root
                            let mut root = *ef;
                            root.field = None;
                            let mut c = Candidate::new(&RULE, &root, Point::of(f, ef), aw, Point::of(r, er));
                            c.cover = vec![tear(er, ef)];
                            out.push(c);
                        }
                    }
                }
            }
        }
    }
}

fn describe(d: &Describe) -> Text {
    let root = d.root;
    let primary = match d.primary_call {
        Some(c) => format!("`{c}()` reads `{root}` afresh here and the result is combined with the stale value"),
        None => format!("`{}` is read afresh here and combined with the stale value", d.state),
    };
    let other = match d.other_call {
        Some(c) => format!("`{c}()` reads `{root}` here, before the await; its result is still used after it"),
        None => format!("`{root}` is read here, before the await; the value is still used after it"),
    };
    Text {
        message: format!("`{root}` is read before an await and again after it; the function mixes old and new values"),
        primary,
        await_label: format!("other tasks may change `{root}` here"),
        other,
        help: if d.scalar {
            format!(
                "read `{root}` once into a `const` before the first await (`const {} = {root};`) and use only that in `{}`; or pass it down as a parameter",
                local_name(root),
                d.function
            )
        } else {
            format!(
                "snapshot `{root}` into a local before the first await (copy the fields you need: `const {{ … }} = {root};`, or `structuredClone({root})`) and use only the snapshot in `{}`; or pass the values down as parameters",
                d.function
            )
        },
        timeline: vec![
            format!("task A  reads `{root}` (line {})", d.other_line),
            d.await_step(),
            format!("task B  changes `{root}`"),
            format!("task A  reads `{root}` again (line {}) and combines the new value with the old one", d.primary_line),
        ],
    }
}

/// A local's name for a snapshot of `state`: its last segment in camelCase, with a prefix
/// when that would shadow it (`main_api` → `mainApi`, `token` → `savedToken`).
fn local_name(state: &str) -> String {
    let last = state.rsplit('.').next().unwrap_or(state).trim_start_matches('#');
    let mut out = String::new();
    let mut upper = false;
    for ch in last.chars() {
        if ch == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    if out.is_empty() || out == last {
        let mut chars = last.chars();
        let first: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
        return format!("saved{first}{}", chars.as_str());
    }
    out
}
