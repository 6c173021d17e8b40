//! Which awaits let another task run.
//!
//! `await f()` of an async function that never suspends itself resumes in the same turn of the
//! event loop: the promise `f` returns is settled when the await starts, so only microtasks
//! already queued run before the code goes on, never an event handler, a timer, a network
//! callback or a slash command, which is how the other tasks racelint reasons about start.
//! Such an await is *settled*: summaries and rules treat the code around it as one
//! synchronous run. Every other await yields: of a promise the program does not make, of a
//! host call, of a function that is not `async` (it may return any promise) or that returns
//! something that may be a promise (`return new Promise(…)`: its own promise adopts that
//! one), of `for await`, `yield` and `.then` callbacks. An await of a value the builder saw is
//! never a pending promise (`Promise.all` of plain values, or of `xs.map(f)` with `f` returning
//! none: `FnFacts::settled_awaits`) is settled too.

use crate::facts::{AwaitKind, FnFacts, NodeId, NodeKind};
use crate::program::{FnId, Targets};

/// Per program function: whether a call to it settles (an `async` function whose every await
/// is settled), and its settled await nodes, sorted.
pub(crate) struct Settled {
    pub(crate) settles: Vec<bool>,
    pub(crate) awaits: Vec<Vec<NodeId>>,
    /// Per program function: whether it has an await that yields (one not in `awaits`).
    pub(crate) yields: Vec<bool>,
}

/// The call an `await` node waits for: the builder adds the call's resume right after the
/// await (after a join node when `.then` callbacks end there too).
pub(crate) fn awaited_call(f: &FnFacts, node: NodeId) -> Option<NodeId> {
    let i = node.index();
    if !matches!(f.nodes.get(i)?.kind, NodeKind::Await(AwaitKind::Await)) {
        return None;
    }
    for next in f.nodes.get(i + 1..(i + 3).min(f.nodes.len()))? {
        match next.kind {
            NodeKind::Resume { call } => return Some(call),
            NodeKind::Nop => continue,
            _ => return None,
        }
    }
    None
}

/// The least fixpoint: an `async` function settles when it is shown to: it cannot return a
/// promise (its own would wait for that one), it is not named through a binding that may be
/// given another function (`let deps = { load: async () => [] }`: the call may run the
/// replacement), every await in it waits for a program function, and each of those settles.
/// Functions are settled callees first (a count of unsettled callees per function), so a
/// recursion (`async function f() { …; await f(); }`) never settles.
pub(crate) fn settled(functions: &[&FnFacts], targets: &Targets) -> Settled {
    let n = functions.len();
    // per function: the program functions it awaits, by await node
    let mut awaited: Vec<Vec<(NodeId, FnId)>> = vec![Vec::new(); n];
    let mut candidate: Vec<bool> = functions.iter().map(|f| f.is_async && !f.may_return_promise && !f.replaceable).collect();
    let mut await_count = vec![0usize; n];
    let mut plain: Vec<Vec<NodeId>> = vec![Vec::new(); n];
    for (fi, f) in functions.iter().enumerate() {
        if !f.has_await {
            continue;
        }
        for (a, node) in f.nodes.iter().enumerate() {
            if !matches!(node.kind, NodeKind::Await(_)) {
                continue;
            }
            await_count[fi] += 1;
            // a value that is never a pending promise (the builder's `settled_awaits`)
            if f.settled_awaits.contains(&NodeId::from_index(a)) {
                plain[fi].push(NodeId::from_index(a));
                continue;
            }
            let target = awaited_call(f, NodeId::from_index(a))
                .and_then(|c| targets.get(fi).and_then(|t| t.get(c.index())).copied().flatten())
                .filter(|&t| t.index() < n);
            match target {
                Some(t) => awaited[fi].push((NodeId::from_index(a), t)),
                None => candidate[fi] = false,
            }
        }
    }
    // distinct callees each candidate still waits on, and who waits on each function
    let mut waiting: Vec<usize> = vec![0; n];
    let mut awaiting: Vec<Vec<FnId>> = vec![Vec::new(); n];
    for (fi, list) in awaited.iter().enumerate() {
        if !candidate[fi] {
            continue;
        }
        let mut callees: Vec<FnId> = list.iter().map(|&(_, t)| t).collect();
        callees.sort_unstable();
        callees.dedup();
        waiting[fi] = callees.len();
        for t in callees {
            awaiting[t.index()].push(FnId::from_index(fi));
        }
    }
    let mut settles = vec![false; n];
    let mut stack: Vec<FnId> = (0..n).filter(|&f| candidate[f] && waiting[f] == 0).map(FnId::from_index).collect();
    while let Some(t) = stack.pop() {
        settles[t.index()] = true;
        for &caller in &awaiting[t.index()] {
            let w = &mut waiting[caller.index()];
            *w -= 1;
            if *w == 0 {
                stack.push(caller);
            }
        }
    }
    let awaits = awaited
        .into_iter()
        .zip(plain)
        .map(|(list, plain)| {
            let mut out: Vec<NodeId> = list.into_iter().filter(|&(_, t)| settles[t.index()]).map(|(a, _)| a).chain(plain).collect();
            out.sort_unstable();
            out
        })
        .collect::<Vec<_>>();
    let yields = awaits.iter().zip(&await_count).map(|(settled, &all)| settled.len() < all).collect();
    Settled { settles, awaits, yields }
}
