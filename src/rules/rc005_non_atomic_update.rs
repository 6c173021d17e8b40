//! RC005 non-atomic-update: writes to the same shared state separated by awaits.

use super::{Candidate, Describe, Fix, Point, Rule, RuleInfo, Severity, TaskB, Text};
use crate::analysis::{Eff, FnView};
use crate::facts::NodeId;
use crate::facts::WriteKind;
use crate::program::Touch;

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "RC005",
        name: "non-atomic-update",
        severity: Severity::Warning,
        summary: "shared state is updated in several steps separated by awaits",
        doc: include_str!("../../rules/RC005-non-atomic-update.md"),
    },
    priority: 3,
    one_per_function: false,
    races_with_readers: true,
    fix: Fix::None,
    check,
    describe,
};

fn element(t: Touch) -> bool {
    matches!(t, Touch::Write { kind: WriteKind::Element, .. })
}

fn keyed(t: Touch) -> bool {
    matches!(t, Touch::Write { kind: WriteKind::Keyed, .. })
}

/// Whether two writes are pieces of one update. Element operations (`push`, `set`, …) are
/// complete on their own; writes to independent keys (`a[i] = x` … `a[j].f = y`) are too,
/// unless one keyed write repeats in a loop around an await (a preset applied key by key).
fn pieces_of_one_update(a: NodeId, e1: Touch, b: NodeId, e2: Touch) -> bool {
    if element(e1) && element(e2) {
        return false;
    }
    if (keyed(e1) || element(e1)) && (keyed(e2) || element(e2)) {
        return a == b && keyed(e1);
    }
    !same_literal(e1, e2)
}

/// Writing the same constant twice (`timer = null` … `timer = null`) is no partial update.
fn same_literal(a: Touch, b: Touch) -> bool {
    matches!((a, b), (Touch::Write { literal: x, .. }, Touch::Write { literal: y, .. }) if x != 0 && x == y)
}

/// Whether the later write is made by a callee that tests the state first
/// (`if (!last.swipes) last.swipes = []`): a conditional fix-up of whatever the state is by
/// then, not the blind second step of this function's update. The test must come before the
/// write in the callee's source (`push(x); if (q.length > n) …` is no re-check). Or the later
/// write replaces the whole collection, or comes from a callee that empties it first and
/// refills it (`chat.splice(0, chat.length); … chat.push(m)`, a reload): nothing of the earlier
/// step is left to mix with.
fn fixes_up(v: &FnView, b: NodeId, e2: &Eff) -> bool {
    let replaces = |w: &Eff| w.field.is_none() && matches!(w.touch, Touch::Write { kind: WriteKind::Replace, .. });
    replaces(e2)
        || (e2.via.is_some() && v.writes(b).any(|w| w.conflicts(e2) && replaces(w) && w.made_before(e2)))
        || v.rechecked_by_callee(b, e2)
}

/// One call site met again in a loop (`for (…) await syncOne(item)`), writing the same named
/// fields on every run: each run overwrites what the previous one wrote, so between iterations
/// the state holds one finished run (and a run that is not atomic is reported in the callee).
/// A callee that writes an opaque or keyed part (a host command applying one setting of a
/// profile per run, `cache[key] = …`) may write another part each time: those are pieces.
fn rerun_overwrites(a: NodeId, e1: &Eff, b: NodeId, e2: &Eff) -> bool {
    let named = |e: &Eff| e.field.is_some_and(|f| &**f != crate::facts::ANY_FIELD);
    a == b && e1.via.is_some() && named(e1) && named(e2) && !keyed(e1.touch) && !keyed(e2.touch)
}

/// Whether the later write only moves one field on to a constant (`cache.inFlight = p` …
/// `cache.inFlight = null`, `status = 'loading'` … `status = 'done'`): a marker set and cleared,
/// or a status that advances. Between the two the field holds a whole value, and what other
/// tasks make of the marker is a check-then-act or an override, not a half-done update.
fn marker_moves_on(e1: &Eff, e2: &Eff) -> bool {
    let assign_of = |e: &Eff| matches!(e.touch, Touch::Write { kind: WriteKind::Assign, .. });
    let literal = matches!(e2.touch, Touch::Write { literal: 1.., .. });
    e1.field.is_some()
        && e1.field == e2.field
        && e1.field.is_some_and(|f| !f.contains(crate::facts::ANY_FIELD))
        && assign_of(e1)
        && assign_of(e2)
        && literal
}

/// Whether the write at `a` and the later write at `b` set a marker and clear it: one named
/// field, assigned at `a` and assigned another constant at `b`, after an await
/// (`cache.inFlight = p; … await …; cache.inFlight = null`; writing `true` again is no clearing).
fn marker_set_and_cleared(v: &FnView, a: NodeId, ea: &Eff, b: NodeId, eb: &Eff) -> bool {
    a != b && marker_moves_on(ea, eb) && !same_literal(ea.touch, eb.touch) && v.crosses(a, b).is_some()
}

/// Whether the write sets an in-flight marker this run clears later: between the two the marker
/// says "in progress", and what is written beside it meanwhile (`cache.data = await p`) is the
/// progress it announces, not the rest of a half-done update.
fn marks_work_in_flight(v: &FnView, a: NodeId, e1: &Eff) -> bool {
    v.writes_to(e1.state).any(|(b, e3)| marker_set_and_cleared(v, a, e1, b, e3))
}

/// Whether the write clears an in-flight marker this run set before the await
/// (`setLoading(true); … await …; setLoading(false)`): it ends the announcement of the work,
/// and is not the rest of whatever else was written before the await (a counter bumped beside
/// the marker, say).
fn clears_marker(v: &FnView, b: NodeId, e2: &Eff) -> bool {
    v.writes_to(e2.state).any(|(a0, e0)| marker_set_and_cleared(v, a0, e0, b, e2))
}

fn check(v: &FnView, out: &mut Vec<Candidate>) {
    let nodes: Vec<_> = v.nodes_with_effects().collect();
    for &a in &nodes {
        for e1 in v.writes(a) {
            for (b, e2) in v.writes_to(e1.state) {
                if v.same_call(a, b) || rerun_overwrites(a, e1, b, e2) {
                    continue;
                }
                let Some(aw) = v.crosses(a, b) else { continue };
                if !v.program.states[e1.state.index()].scalar
                    && v.direct(e1)
                    && v.direct(e2)
                    && pieces_of_one_update(a, e1.touch, b, e2.touch)
                    && !marker_moves_on(e1, e2)
                    && !marks_work_in_flight(v, a, e1)
                    && !clears_marker(v, b, e2)
                    && !v.balanced(a, e1.state)
                    && !v.balanced(b, e2.state)
                    && !fixes_up(v, b, e2)
                    && !v.lands_only_in_its_epoch(b)
                {
                    // what is half-updated is the deepest path above both writes: `x.a = …`
                    // then `x.a[k] = …` leaves `x.a` torn, not `x.b`
                    let common = crate::program::common_path(e1.field, e2.field);
                    let mut e = *e1;
                    e.field = common.as_ref();
                    out.push(Candidate::new(&RULE, &e, Point::of(a, e1), aw, Point::of(b, e2)));
                }
            }
        }
    }
}

fn describe(d: &Describe) -> Text {
    // what is torn: the path above both writes (`cachedIndex.registry`), or the whole state
    let root = d.state;
    let same = d.primary_line == d.other_line;
    Text {
        message: format!("`{root}` is updated in steps separated by an await; other tasks see and interleave partial updates"),
        primary: match d.primary_call {
            Some(c) => format!("`{c}()` writes `{root}` here"),
            None => format!("`{root}` is written here"),
        },
        await_label: format!("other tasks run here and see `{root}` half-updated"),
        other: if same {
            "…and written again here on the next iteration".to_string()
        } else {
            match d.other_call {
                Some(c) => format!("`{c}()` writes `{root}` again here"),
                None => format!("`{root}` is written again here"),
            }
        },
        help: format!(
            "compute the new values first (await everything you need), then apply them in one synchronous step; or serialise `{}` through a lock or queue so updates of `{root}` don't interleave",
            d.function
        ),
        timeline: match d.b {
            TaskB::Again | TaskB::Writes => vec![
                format!("task A  writes part of `{root}` (line {})", d.primary_line),
                d.await_step(),
                format!("task B  writes its own values into `{root}`"),
                format!("task A  writes the rest (line {}): `{root}` now mixes A's and B's values", d.other_line),
            ],
            TaskB::Reads => vec![
                format!("task A  writes part of `{root}` (line {})", d.primary_line),
                d.await_step(),
                format!("task B  reads `{root}` half-updated: the part from line {} without the rest", d.primary_line),
                format!("task A  writes the rest (line {}), after B has used the half-done state", d.other_line),
            ],
        },
    }
}
