//! Tasks in words: a task's path ("the `MESSAGE_RECEIVED` event handler → `summarize`"), why a
//! function does not overlap itself, and the names these use.

use super::{EntryKind, TaskPath, Tasks, MAX_PATH};
use crate::program::{FnId, Program};

impl Tasks {
    /// Why `f` does not overlap itself, in words: "it runs once, at the start-up of `index.js`".
    pub(super) fn how_it_runs(&self, program: &Program, f: FnId) -> String {
        let reach = &self.reach[f.index()];
        if self.runs_overlap(f) {
            return format!("`{}` may run more than once at a time", program.fn_name(f));
        }
        let Some(&e) = reach.first() else { return format!("nothing calls `{}`", program.fn_name(f)) };
        let entry = &self.entries[e as usize];
        match entry.kind {
            EntryKind::StartUp => format!("it runs once, at {}", entry.label.trim_start_matches("the ")),
            EntryKind::Lock => format!("it runs inside {}", entry.label),
            EntryKind::Exclusive => format!("it runs one at a time, in {}", entry.label),
            _ => format!("it runs only as {}, which does not overlap itself", entry.label),
        }
    }

    /// A task path in words: "the `MESSAGE_RECEIVED` event handler → `summarize` → `generateRaw`".
    pub fn describe(&self, program: &Program, t: &TaskPath) -> String {
        let entry = &self.entries[t.entry as usize];
        let mut names: Vec<String> = t.path.iter().map(|&f| format!("`{}`", program.fn_name(f))).collect();
        // the entry's own function goes unnamed when the entry names it already, or when it
        // has no name of its own (a callback defined in place, a module's top level)
        if !names.is_empty() && (!has_own_name(program.fn_name(t.path[0])) || entry.label.contains(&names[0])) {
            names.remove(0);
        }
        if names.len() > MAX_PATH {
            let tail = names.split_off(names.len() - 2);
            names.truncate(MAX_PATH - 3);
            names.push("…".into());
            names.extend(tail);
        }
        let mut out = entry.label.clone();
        for n in names {
            out.push_str(" → ");
            out.push_str(&n);
        }
        out
    }
}

/// Whether a function has a name of its own to be told by (not a callback defined in place,
/// `anonymous function in …`, or a module's top level): others are told by their task.
pub(crate) fn has_own_name(name: &str) -> bool {
    !(name == "<module>" || name.ends_with(" callback") || name.starts_with("anonymous function"))
}

/// A module's file name, as tasks name it (`index.js`).
pub(crate) fn module_file(program: &Program, module: u32) -> String {
    program.modules[module as usize].path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}
