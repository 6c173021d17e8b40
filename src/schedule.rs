//! The order summaries are computed in: callees before callers. A depth-first postorder of the
//! call graph, and its strongly connected components (Tarjan's algorithm) grouped in levels
//! whose components call only into lower levels, so that one level's can be summarised in
//! parallel.

use crate::program::FnId;

/// A depth-first postorder of the call graph of `n` functions (callees first); `callee(f, i)`
/// is the target of `f`'s `i`-th call, `None` past its last.
pub(crate) fn postorder(n: usize, callee: impl Fn(FnId, usize) -> Option<FnId>) -> Vec<FnId> {
    let mut order: Vec<FnId> = Vec::with_capacity(n);
    let mut visited = vec![false; n];
    for root in (0..n).map(FnId::from_index) {
        if visited[root.index()] {
            continue;
        }
        visited[root.index()] = true;
        let mut stack: Vec<(FnId, usize)> = vec![(root, 0)];
        while let Some((f, i)) = stack.pop() {
            match callee(f, i) {
                Some(t) => {
                    stack.push((f, i + 1));
                    if t.index() < n && !visited[t.index()] {
                        visited[t.index()] = true;
                        stack.push((t, 0));
                    }
                }
                None => order.push(f),
            }
        }
    }
    order
}

/// The call graph's strongly connected components among the functions that need a summary,
/// grouped in levels: a component's callees are all in lower levels. `order` is a depth-first
/// postorder of the call graph (callees first); members keep that order.
/// `edges(f)` are `f`'s callees among the functions that need a summary, itself left out.
pub(crate) fn levels<I: Iterator<Item = FnId>>(order: &[FnId], need: &[bool], edges: impl Fn(FnId) -> I) -> Vec<Vec<Vec<FnId>>> {
    let n = need.len();
    // Tarjan's algorithm, iterative (call chains can be deep); components come out callees first
    // each function's number in the order met, once met
    let mut index: Vec<Option<u32>> = vec![None; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<FnId> = Vec::new();
    let mut component: Vec<Option<u32>> = vec![None; n];
    let mut components: Vec<Vec<FnId>> = Vec::new();
    let mut next = 0u32;
    for &root in order {
        if !need[root.index()] || index[root.index()].is_some() {
            continue;
        }
        let mut work: Vec<(FnId, usize)> = vec![(root, 0)];
        index[root.index()] = Some(next);
        low[root.index()] = next;
        next += 1;
        stack.push(root);
        on_stack[root.index()] = true;
        while let Some(&mut (f, ref mut i)) = work.last_mut() {
            match edges(f).nth(*i) {
                Some(t) => {
                    *i += 1;
                    match index[t.index()] {
                        None => {
                            index[t.index()] = Some(next);
                            low[t.index()] = next;
                            next += 1;
                            stack.push(t);
                            on_stack[t.index()] = true;
                            work.push((t, 0));
                        }
                        Some(it) if on_stack[t.index()] => low[f.index()] = low[f.index()].min(it),
                        Some(_) => {}
                    }
                }
                None => {
                    work.pop();
                    if let Some(&(p, _)) = work.last() {
                        low[p.index()] = low[p.index()].min(low[f.index()]);
                    }
                    if index[f.index()] == Some(low[f.index()]) {
                        let mut members = Vec::new();
                        while let Some(m) = stack.pop() {
                            on_stack[m.index()] = false;
                            component[m.index()] = Some(components.len() as u32);
                            members.push(m);
                            if m == f {
                                break;
                            }
                        }
                        components.push(members);
                    }
                }
            }
        }
    }
    // members in postorder, as the serial worklist met them
    let mut rank = vec![0u32; n];
    for (i, &f) in order.iter().enumerate() {
        rank[f.index()] = i as u32;
    }
    let mut levels: Vec<Vec<Vec<FnId>>> = Vec::new();
    let mut level_of = vec![0usize; components.len()];
    for (c, members) in components.iter_mut().enumerate() {
        members.sort_unstable_by_key(|&m| rank[m.index()]);
        let level = members
            .iter()
            .flat_map(|&m| edges(m))
            .filter_map(|t| component[t.index()].filter(|&ct| ct != c as u32))
            .map(|ct| level_of[ct as usize] + 1)
            .max()
            .unwrap_or(0);
        level_of[c] = level;
        if levels.len() <= level {
            levels.resize_with(level + 1, Vec::new);
        }
        levels[level].push(std::mem::take(members));
    }
    levels
}
