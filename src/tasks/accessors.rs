//! Which tasks make an access: a function's accessors of a state, narrowed, where the access
//! runs only under tests of the function's parameters, to the tasks whose calls may pass them.

use rustc_hash::{FxHashMap, FxHashSet};

use super::{Accessor, Tasks};
use crate::facts::NodeId;
use crate::program::{FnId, Program};

impl Tasks {
    /// The tasks that can make an accessor's access.
    pub(super) fn touching<'a>(&'a self, a: &'a Accessor) -> &'a [u32] {
        a.only.as_deref().unwrap_or(&self.reach[a.f.index()])
    }

    /// An access made only under tests of the function's parameters is made by the tasks that
    /// start in the function (its arguments unknown) and by those that call it with arguments
    /// the tests may hold for: `installExtension` calling `loadSettings({})` does not make
    /// `loadSettings`'s `if (saved.extension_settings) Object.assign(…)`.
    pub(super) fn restrict_tested_accessors(&mut self, program: &Program) {
        let tested: FxHashSet<FnId> =
            self.accessors.values().flatten().flat_map(|(_, fns)| fns).filter(|a| a.when != 0).map(|a| a.f).collect();
        if tested.is_empty() {
            return;
        }
        // the call sites of those functions
        let mut sites: FxHashMap<FnId, Vec<(FnId, NodeId)>> = FxHashMap::default();
        for (h, targets) in program.call_targets.iter().enumerate().take(program.functions.len()) {
            for (node, t) in targets.iter().enumerate() {
                if let Some(t) = t.filter(|t| tested.contains(t)) {
                    sites.entry(t).or_default().push((FnId::from_index(h), NodeId::from_index(node)));
                }
            }
        }
        // only where every way into the function is a call site seen here: not a function handed
        // to a call (a callback, inline or not), and none of its callers in a task reaches it
        // otherwise
        let handed: FxHashSet<FnId> = program.callback_targets.iter().flatten().flatten().copied().collect();
        let reach = &self.reach;
        let entries = &self.entries;
        let callers_of = &self.callers;
        for list in self.accessors.values_mut() {
            for (_, fns) in list.iter_mut() {
                for a in fns.iter_mut().filter(|a| a.when != 0) {
                    let site_callers: FxHashSet<FnId> = sites.get(&a.f).into_iter().flatten().map(|&(h, _)| h).collect();
                    if handed.contains(&a.f) || callers_of[a.f.index()].iter().any(|h| !site_callers.contains(h)) {
                        continue;
                    }
                    let callers: Vec<FnId> = sites
                        .get(&a.f)
                        .into_iter()
                        .flatten()
                        .filter(|&&(h, node)| crate::constants::may_hold(program, a.f, a.when, h, node))
                        .map(|&(h, _)| h)
                        .collect();
                    let only: Vec<u32> = reach[a.f.index()]
                        .iter()
                        .copied()
                        .filter(|&e| entries[e as usize].root == Some(a.f) || callers.iter().any(|h| reach[h.index()].contains(&e)))
                        .collect();
                    if only.len() < reach[a.f.index()].len() {
                        a.only = Some(only);
                    }
                }
            }
        }
    }
}
