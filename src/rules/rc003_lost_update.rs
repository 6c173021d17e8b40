//! RC003 lost-update: state read before an await is written after it from the stale read.

use super::{Candidate, Describe, Fix, Point, Rule, RuleInfo, Severity, TaskB, Text};
use crate::analysis::FnView;
use crate::facts::{NodeId, NodeKind, WriteKind};
use crate::program::Touch;

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "RC003",
        name: "lost-update",
        severity: Severity::Error,
        summary: "shared state is written after an await with a value computed from a read before it",
        doc: include_str!("../../rules/RC003-lost-update.md"),
    },
    priority: 1,
    one_per_function: false,
    races_with_readers: false,
    fix: Fix::None,
    check,
    describe,
};

/// Whether the write only happens if the state, tested after the await with no await between
/// the test and the write, still equals the value read before it
/// (`if (list[i].chat === old) list[i].chat = …`): a compare-and-set, which loses nobody's
/// update. The test must use the stale value itself; `if (!x.sampler) x.sampler = …` does not.
/// [`Candidate::variant`]: the write is a compound assignment or update (`+=`, `++`), so the
/// help is to await the operand first.
const COMPOUND: u8 = 1;

fn compare_and_set(v: &FnView, source: NodeId, stale: NodeId, write: NodeId, e2: &crate::analysis::Eff) -> bool {
    v.facts.nodes[write.index()].guards.iter().any(|&g| {
        v.crosses(stale, g).is_some()
            && v.reaches_directly(g, write)
            && v.reads(g).any(|t| t.touch == Touch::Test && t.conflicts(e2))
            && v.facts.conditions.iter().any(|u| u.fresh.contains(&g) && (u.stale.contains(&source) || u.stale.contains(&stale)))
    })
}

/// Whether an element operation finds its element afresh: a read of the same state after the
/// stale one, with no await between it and the write, feeds the operation
/// (`const i = list.indexOf(x); if (i >= 0) list.splice(i, 1)` after the await). The element is
/// located in the live state, so nobody's update is lost by removing or replacing it there.
fn relocated(v: &FnView, sources: &[NodeId], stale: NodeId, write: NodeId, kind: WriteKind, e2: &crate::analysis::Eff) -> bool {
    matches!(kind, WriteKind::Element | WriteKind::Delete)
        && sources.iter().any(|&s| {
            v.crosses(stale, s).is_some() && v.reaches_directly(s, write) && v.value_reads(s).iter().any(|(_, r)| r.conflicts(e2))
        })
}

fn check(v: &FnView, out: &mut Vec<Candidate>) {
    for (b, node) in v.facts.nodes.iter().enumerate() {
        let NodeKind::Write { value, kind, .. } = &node.kind else { continue };
        let b = NodeId::from_index(b);
        for e2 in v.writes(b) {
            if e2.via.is_some() {
                continue;
            }
            for &source in &value.sources {
                for (src, er) in v.value_reads(source) {
                    let Some(aw) = v.crosses(src, b) else { continue };
                    let tied = er.state == e2.state && v.program.written_together(er.state, er.field, e2.field);
                    if (er.conflicts(e2) || tied)
                        && !compare_and_set(v, source, src, b, e2)
                        && !relocated(v, &value.sources, src, b, *kind, e2)
                        && !v.lands_only_in_its_epoch(b)
                    {
                        let mut c = Candidate::new(&RULE, e2, Point::of(b, e2), aw, Point::of(src, er));
                        if matches!(kind, WriteKind::Compound | WriteKind::Update) {
                            c.variant = COMPOUND;
                        }
                        out.push(c);
                    }
                }
            }
        }
    }
}

fn describe(d: &Describe) -> Text {
    let state = d.state;
    let help = if d.variant == COMPOUND {
        format!("await the operand first, then update in one synchronous step: `const delta = {}; {state} += delta;`", d.await_text)
    } else {
        format!("re-read `{state}` after the await and update it in one synchronous step, or serialise the read-modify-write in `{}` through a lock or queue", d.function)
    };
    Text {
        message: format!("`{state}` is written from a value read before an await; updates made meanwhile are lost"),
        primary: format!("`{state}` is written here from the stale value"),
        await_label: format!("other tasks may update `{state}` here"),
        other: match d.other_call {
            Some(c) => format!("`{c}()` reads `{state}` here, before the await"),
            None => format!("`{state}` is read here, before the await"),
        },
        help,
        timeline: match d.b {
            TaskB::Again => vec![
                format!("task A  reads `{state}` (line {})", d.other_line),
                d.await_step(),
                format!("task B  reads the same value and writes its update"),
                format!("task A  writes `{state}` from its stale read (line {}): B's update is lost", d.primary_line),
            ],
            TaskB::Writes | TaskB::Reads => vec![
                format!("task A  reads `{state}` (line {})", d.other_line),
                d.await_step(),
                format!("task B  writes `{state}`"),
                format!("task A  writes `{state}` from its stale read (line {}): B's write is lost", d.primary_line),
            ],
        },
    }
}
