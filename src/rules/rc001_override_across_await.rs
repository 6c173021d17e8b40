//! RC001 override-across-await: shared state is set, an await follows, and it is set back.

use super::{Candidate, Describe, Fix, Point, Restored, Rule, RuleInfo, Severity, TaskB, Text};
use crate::analysis::{Eff, FnView};
use crate::facts::{NodeId, WriteKind};
use crate::program::Touch;

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "RC001",
        name: "override-across-await",
        severity: Severity::Error,
        summary: "shared state is overridden, an await follows, and it is restored afterwards",
        doc: include_str!("../../rules/RC001-override-across-await.md"),
    },
    priority: 0,
    one_per_function: false,
    races_with_readers: true,
    fix: Fix::None,
    check,
    describe,
};

/// Whether `second` sets back what `first` overrode: a value saved from the state, or a reset
/// literal different from the override, on exactly the same field, by plain assignments.
/// A reset literal counts only when both writes are in the function or in functions it calls
/// directly (`setTag()` … `clearTag()`), not deep inside unrelated callees.
fn writes_back(first: Touch, second: Touch, same_field: bool, near: bool) -> bool {
    match (first, second) {
        (_, Touch::Write { restore: true, .. }) => true,
        (Touch::Write { kind: WriteKind::Assign, literal: a, .. }, Touch::Write { kind: WriteKind::Assign, literal: b, .. }) => {
            same_field && near && b != 0 && a != b
        }
        _ => false,
    }
}

/// Whether the override at `a` is the "set" of a test-and-set lock: a bail-out guard on the
/// same state (`if (busy) return;`) reaches it without an await in between, so no second run
/// of this function can be inside while it is set, and none can reset it early.
fn locked(v: &FnView, a: NodeId, e1: &Eff) -> bool {
    let tests_state = |g: NodeId| v.reaches_directly(g, a) && v.reads(g).any(|t| t.conflicts(e1));
    // `if (busy) return;` … `busy = true`
    v.facts.bail_tests.iter().any(|&g| tests_state(g))
        // `if (!pending) { pending = start().finally(() => { pending = null }) }`: only a task
        // that finds the state unset writes it. (An `if` that leaves the function after doing
        // the work some other way, `if (active) return await original(o)`, is no lock: the
        // other tasks take that path instead.)
        || (v.direct(e1)
            && v.facts.nodes[a.index()]
                .guards
                .iter()
                .any(|&g| v.facts.unset_tests.contains(&g) && !v.facts.exit_tests.contains(&g) && tests_state(g)))
}

/// Whether the override is the "set" of a lock whose bail-out test comes before an await
/// (`if (busy) return; await …; busy = true`): two runs both get past the test. That is a
/// check-then-act, and RC004 reports it as one.
fn lock_checked_too_early(v: &FnView, a: NodeId, e1: &Eff) -> bool {
    v.facts.bail_tests.iter().any(|&g| v.crosses(g, a).is_some() && v.reads(g).any(|t| t.conflicts(e1)))
}

/// Whether write `e2` at node `b` is a compare-and-set against a value of this call's own
/// (`Touch::Write::cas`): a local's, or a parameter's whose argument at this call is no
/// literal (`release(true)` from every task compares with the same `true`). A parameter of a
/// deeper callee is not followed to its argument.
fn sets_only_its_own(v: &FnView, b: NodeId, e2: &Eff) -> bool {
    let Touch::Write { cas, .. } = e2.touch else { return false };
    match cas {
        0 => false,
        crate::facts::IDENTITY_LOCAL => true,
        p => match e2.via {
            None => true,
            Some(_) if e2.depth == 0 => !v.facts.call_literals.iter().any(|&(c, i, _)| c == b && i == p - 1),
            Some(_) => false,
        },
    }
}

fn check(v: &FnView, out: &mut Vec<Candidate>) {
    let nodes: Vec<_> = v.nodes_with_effects().collect();
    for &a in &nodes {
        for e1 in v.writes(a) {
            // a callee that sets the state back itself before returning
            if v.balanced(a, e1.state) {
                continue;
            }
            let lock = locked(v, a, e1) || lock_checked_too_early(v, a, e1);
            for (b, e2) in v.writes_to(e1.state) {
                // a write made only while the state is unset (`if (!x.f) x.f = v`), or only
                // while it still holds this call's own value (`if (x === mine) x = prev`),
                // sets nothing back: a value another task wrote meanwhile is kept
                if a == b || v.same_call(a, b) || matches!(e2.touch, Touch::Write { fill: true, .. }) || sets_only_its_own(v, b, e2) {
                    continue;
                }
                let Some(aw) = v.crosses(a, b) else { continue };
                // two calls of one function that sets the state and resets it itself
                // (`await run(); await run();`): each call is its own override, reported in the
                // callee if it races there; only a saved value handed back to it
                // (`switchProfile(saved)`) makes the pair this function's
                if let (Some((f1, _)), Some((f2, _))) = (e1.via, e2.via) {
                    if f1 == f2 && !matches!(e2.touch, Touch::Write { restore: true, .. }) {
                        continue;
                    }
                }
                let near = v.direct(e1) && v.direct(e2);
                // a lock's release writes a literal back; a saved value is still a restore
                let released = lock && !matches!(e2.touch, Touch::Write { restore: true, .. });
                if e2.conflicts(e1)
                    && writes_back(e1.touch, e2.touch, e1.field == e2.field, near)
                    && !released
                    && !v.balanced(b, e2.state)
                    && !v.lands_only_in_its_epoch(b)
                {
                    out.push(Candidate::new(&RULE, e1, Point::of(a, e1), aw, Point::of(b, e2)));
                }
            }
        }
    }
}

fn describe(d: &Describe) -> Text {
    let state = d.state;
    let also = if d.others.is_empty() { String::new() } else { format!(" (and {})", super::list(d.others)) };
    let primary = match d.primary_call {
        Some(c) => format!("`{c}()` overrides `{state}`{also} here"),
        None => format!("`{state}` is overridden here"),
    };
    // how the later write is said, with the state as subject and with a callee as subject
    let (back, by_callee) = match &d.restored {
        Restored::Saved => ("restored".to_string(), format!("restores `{state}`")),
        Restored::Literal(Some(lit)) => (format!("reset to `{lit}`"), format!("resets `{state}` to `{lit}`")),
        Restored::Literal(None) => ("reset to a constant".to_string(), format!("resets `{state}` to a constant")),
        Restored::Computed => ("written again".to_string(), format!("writes `{state}` again")),
    };
    let other = match d.other_call {
        Some(c) => format!("`{c}()` {by_callee} here, clobbering what other tasks wrote meanwhile"),
        None => format!("`{state}` is {back} here, clobbering what other tasks wrote meanwhile"),
    };
    let function = d.function;
    // the constant a reset writes, as the timeline says it
    let reset = match &d.restored {
        Restored::Literal(Some(l)) => format!("`{l}`"),
        _ => "its constant".to_string(),
    };
    // A's first step, then the await; what follows depends on the write-back and on task B
    let opening = match (&d.restored, d.set_literal) {
        (Restored::Literal(_), Some(set)) => format!("task A  sets `{state}` to `{set}` (line {})", d.primary_line),
        (Restored::Literal(_), None) => format!("task A  sets `{state}` to its own value (line {})", d.primary_line),
        _ => format!("task A  overrides `{state}` (line {})", d.primary_line),
    };
    let (help, rest) = match (&d.restored, d.set_literal) {
        (Restored::Saved, _) => (
            if d.static_state {
                let save = d.primary_call.unwrap_or("save");
                let restore = d.other_call.unwrap_or("restore");
                format!(
                    "make the save/restore per call instead of static: have `{save}()` return the saved value, keep it in a local of `{function}` and hand it to `{restore}()`; better, pass the temporary value down as a parameter instead of writing `{state}` at all; if it must stay global, serialise `{function}` through a lock or queue"
                )
            } else {
                format!(
                    "pass the temporary value down as a parameter (or keep it in a local) instead of writing the shared `{state}`; if it must stay global, serialise `{function}` through a lock or queue so no other task runs between the override and the restore"
                )
            },
            match d.b {
                TaskB::Again => vec![
                    format!("task B  overrides `{state}` too, saving A's temporary value as the original"),
                    format!("task A  writes `{state}` back (line {}), clobbering B's value", d.other_line),
                    format!("task B  writes back A's temporary value: `{state}` ends corrupted"),
                ],
                TaskB::Writes => vec![
                    format!("task B  writes its own value into `{state}`"),
                    format!("task A  restores the value it saved (line {}), wiping B's write", d.other_line),
                ],
                TaskB::Reads => vec![
                    format!("task B  reads `{state}` and gets A's temporary value instead of the one A saved"),
                    format!("task A  restores `{state}` (line {}), after B has acted on the temporary value", d.other_line),
                ],
            },
        ),
        (Restored::Literal(_), Some(set)) => {
            (
                format!(
                    "`{state}` marks that a run of `{function}` is in progress, but the first run to finish clears it for all: count the runs instead (`{state}++` before the await, `{state}--` in a `finally`, test `{state} > 0`), or keep each run's in-flight promise in a set and test whether it is empty"
                ),
                match d.b {
                    TaskB::Again => vec![
                        format!("task B  sets `{state}` to `{set}` too and starts its own work"),
                        format!("task A  resets `{state}` to {reset} (line {}) while B is still running", d.other_line),
                        format!("task B  runs on with `{state}` saying no run is in progress"),
                    ],
                    TaskB::Writes => vec![
                        format!("task B  writes `{state}`"),
                        format!("task A  resets `{state}` to {reset} (line {}), wiping B's write", d.other_line),
                    ],
                    TaskB::Reads => vec![
                        format!("task B  reads `{state}` and sees `{set}`, the value A set for its own run"),
                        format!("task A  resets `{state}` to {reset} (line {})", d.other_line),
                    ],
                },
            )
        }
        (Restored::Literal(_), None) => {
            (
                format!(
                    "keep this run's value in a local of `{function}` and pass it to what reads it, instead of the shared `{state}`; if it must stay shared, reset it only while it is still this run's (`if ({state} === mine) {state} = …`)"
                ),
                match d.b {
                    TaskB::Again => vec![
                        format!("task B  replaces `{state}` with its own value"),
                        format!("task A  resets `{state}` to {reset} (line {}), wiping B's value while B still needs it", d.other_line),
                    ],
                    TaskB::Writes => vec![
                        format!("task B  writes its own value into `{state}`"),
                        format!("task A  resets `{state}` to {reset} (line {}), wiping B's write", d.other_line),
                    ],
                    TaskB::Reads => vec![
                        format!("task B  reads `{state}` and gets the value A set for its own run"),
                        format!("task A  resets `{state}` to {reset} (line {})", d.other_line),
                    ],
                },
            )
        }
        (Restored::Computed, _) => (
            format!(
                "keep the temporary value in a local of `{function}` (or pass it down) instead of writing the shared `{state}`; if it must stay shared, serialise `{function}` through a lock or queue"
            ),
            match d.b {
                TaskB::Again => vec![
                    format!("task B  overrides `{state}` with its own value"),
                    format!("task A  writes `{state}` again (line {}), clobbering B's value while B still needs it", d.other_line),
                ],
                TaskB::Writes => vec![
                    format!("task B  writes its own value into `{state}`"),
                    format!("task A  writes `{state}` again (line {}), wiping B's write", d.other_line),
                ],
                TaskB::Reads => vec![
                    format!("task B  reads `{state}` and gets A's temporary value"),
                    format!("task A  writes `{state}` again (line {})", d.other_line),
                ],
            },
        ),
    };
    let timeline = [vec![opening, d.await_step()], rest].concat();
    Text {
        message: format!("`{state}` is overridden across an await and {back} afterwards"),
        primary,
        await_label: format!("other tasks run here and see (and may override) the temporary `{}`", d.root),
        other,
        help,
        timeline,
    }
}
