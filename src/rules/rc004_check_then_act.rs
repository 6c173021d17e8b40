//! RC004 check-then-act: a condition on shared state is tested before an await and the state
//! it guards is written after it.

use super::{Candidate, Describe, Fix, Point, Rule, RuleInfo, Severity, TaskB, Text};
use crate::analysis::{Eff, FnView};
use crate::facts::{NodeId, NodeKind};
use crate::program::Touch;

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "RC004",
        name: "check-then-act",
        severity: Severity::Error,
        summary: "a condition on shared state is checked before an await and acted on after it",
        doc: include_str!("../../rules/RC004-check-then-act.md"),
    },
    priority: 2,
    one_per_function: false,
    races_with_readers: false,
    fix: Fix::InFlightPromise,
    check,
    describe,
};

/// [`Candidate::variant`]: the act writes a constant (`busy = true`), so the state is used as a
/// flag and the help is to test and set it in one synchronous step.
const FLAG_WRITE: u8 = 1;

fn check(v: &FnView, out: &mut Vec<Candidate>) {
    for (b, node) in v.facts.nodes.iter().enumerate() {
        if node.guards.is_empty() {
            continue;
        }
        let b = NodeId::from_index(b);
        // the act stores a module namespace (`if (!mod) mod = await import('./x.js')`): every
        // task that passes the check stores the same object, so a second pass costs nothing
        if matches!(&node.kind, NodeKind::Write { value, .. } if value.module) {
            continue;
        }
        for e2 in v.writes(b).filter(|e| v.direct(e)) {
            let mut stale = None;
            let mut rechecked = false;
            for &g in &node.guards {
                for t in v.reads(g).filter(|t| t.touch == Touch::Test || v.origin(g).is_some()) {
                    if !t.conflicts(e2) || precondition_unused(v, g, t, b, e2) {
                        continue;
                    }
                    match v.crosses(g, b) {
                        Some(aw) => {
                            stale.get_or_insert((g, *t, aw));
                        }
                        None => rechecked = true,
                    }
                }
            }
            // the callee that writes tests the state itself, in the same synchronous stretch
            // (`if (!list.includes(x)) list.push(x)`): the act re-checks its own condition
            if v.rechecked_by_callee(b, e2) {
                rechecked = true;
            }
            // test-and-set: a state the condition tests (this one, or another tested with it:
            // `if (!module && !attempted) { attempted = true; await load(); module = … }`) is
            // claimed after the check and before the await, so a second task fails the check
            // (only a test that fails once the state is set: `!attempted`, or a bail-out
            // `if (pending) return pending;` — not `retries < 3`)
            let tested: Vec<&Eff> = node
                .guards
                .iter()
                .filter(|g| v.facts.unset_tests.contains(g) || v.facts.bail_tests.contains(g))
                .flat_map(|&g| v.reads(g))
                .filter(|t| t.touch == Touch::Test)
                .collect();
            let claimed = |g: NodeId| {
                v.nodes_with_effects().any(|w| {
                    w != b
                        && v.reaches_directly(g, w)
                        && v.crosses(w, b).is_some()
                        && v.writes(w).any(|e| e.conflicts(e2) || tested.iter().any(|t| t.conflicts(e)))
                })
            };
            if let (Some((g, t, aw)), false) = (stale, rechecked) {
                if claimed(g) {
                    continue;
                }
                let mut c = Candidate::new(&RULE, e2, Point::of(g, &t), aw, Point::of(b, e2));
                if matches!(e2.touch, Touch::Write { literal: 1.., .. }) {
                    c.variant = FLAG_WRITE;
                }
                out.push(c);
            }
        }
    }
}

/// Whether test `g` is a precondition that callee write `e2` at node `b` does not act on: the
/// test leaves the function while the state is unset (`if (!characters[id]) return;`), and the
/// call gets nothing from the tested state in its arguments (`await getCharacters()`): the
/// callee reads what it needs itself, so a second task passing the same precondition makes it
/// do its work again on the state as it is then, not on the stale check.
fn precondition_unused(v: &FnView, g: NodeId, t: &Eff, b: NodeId, e2: &Eff) -> bool {
    if e2.via.is_none() || !v.facts.preconditions.contains(&g) {
        return false;
    }
    let Some(call) = v.origin(b) else { return false };
    match &v.facts.nodes[call.index()].kind {
        NodeKind::Call { args, .. } => !args.iter().any(|&a| v.reads(a).any(|r| r.conflicts(t))),
        _ => false,
    }
}

fn describe(d: &Describe) -> Text {
    let state = d.state;
    Text {
        message: format!("`{state}` is checked before an await and written after it; two tasks can both pass the check"),
        primary: match d.primary_call {
            Some(c) => format!("`{c}()` checks `{state}` here"),
            None => format!("`{state}` is checked here"),
        },
        await_label: "another task can pass the same check while this one waits here".to_string(),
        other: match d.other_call {
            Some(c) => format!("`{c}()` writes `{state}` here, acting on the stale check"),
            None => format!("`{state}` is written here, acting on the stale check"),
        },
        help: if d.variant == FLAG_WRITE {
            format!(
                "if `{state}` marks work in progress, set it right after the check, before the first await (test and set in one synchronous step), and reset it in a `finally`; if it marks work done, keep the in-flight promise instead (`loading ??= load()`, then `await loading`)"
            )
        } else if d.act_keyed {
            format!(
                "store the in-flight promise under its key in the same synchronous step as the check, so every task asking for that key shares one load (`if (!pending.has(key)) pending.set(key, load(key)); const value = await pending.get(key);`, with `pending` a module-level `Map`); or re-check `{state}` for the key after the await before writing it"
            )
        } else if d.act_loads {
            format!(
                "store the in-flight promise in the same synchronous step as the check and await it, so every task shares one load (`pending ??= load(); {state} = await pending;`, with `pending` a module-level `let`); or re-check `{state}` after the await before writing it"
            )
        } else {
            format!(
                "re-check `{state}` after the await, right before writing it (the check and the write in one synchronous step), or claim the work before the first await (set a flag or store the in-flight promise) so a second task fails the check"
            )
        },
        timeline: match d.b {
            TaskB::Again => vec![
                format!("task A  checks `{state}` (line {})", d.primary_line),
                d.await_step(),
                format!("task B  checks `{state}`: still unchanged, so B passes too"),
                format!("task A  writes `{state}` (line {}); task B repeats the work and writes it again", d.other_line),
            ],
            TaskB::Writes | TaskB::Reads => vec![
                format!("task A  checks `{state}` (line {})", d.primary_line),
                d.await_step(),
                format!("task B  writes `{state}`: A's check no longer holds"),
                format!("task A  writes `{state}` (line {}) on the strength of its stale check, over B's write", d.other_line),
            ],
        },
    }
}
