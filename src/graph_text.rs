//! A function's effect graph as text: the form the builder's snapshot tests pin
//! (`tests/graphs.rs`) and a contributor reads to see what the builder made of some code.
//!
//! ```text
//! fn build (async)
//!   n0  entry                               -> n1
//!   n1  read state.model        @4:25       -> n2
//!   n2  call f()  awaited       @4:51       -> n3
//!   n3  await                   @4:45       -> n4
//! ```

use std::fmt::Write;

use crate::facts::{Callee, FnFacts, ModuleFacts, NodeId, NodeKind};
use crate::source::LineIndex;

/// Every function of a module, in the order the builder made them (the module's top level last).
pub fn module_graphs(facts: &ModuleFacts, text: &str) -> String {
    let lines = LineIndex::new(text);
    let mut out = String::new();
    for f in &facts.functions {
        function_graph(&mut out, facts, f, &lines, text);
        out.push('\n');
    }
    out
}

fn function_graph(out: &mut String, m: &ModuleFacts, f: &FnFacts, lines: &LineIndex, text: &str) {
    let name = if f.name.is_empty() { "<module>" } else { &f.name };
    let _ = writeln!(out, "fn {name}{}", if f.is_async { " (async)" } else { "" });
    let state = |s: crate::facts::LocalStateId, field: &Option<crate::facts::Atom>| {
        let base = m.states.get(s.index()).map(|d| d.name.as_str()).unwrap_or("?");
        match field {
            Some(f) => format!("{base}.{f}"),
            None => base.to_string(),
        }
    };
    for (i, n) in f.nodes.iter().enumerate() {
        let id = NodeId::from_index(i);
        let what = match &n.kind {
            NodeKind::Nop if i == 0 => "entry".to_string(),
            NodeKind::Nop => "join".to_string(),
            NodeKind::Read { access, test } => format!("{} {}", if *test { "test" } else { "read" }, state(access.state, &access.field)),
            NodeKind::Write { access, kind, value } => {
                let mut w = format!("write {} {kind:?}", state(access.state, &access.field));
                if value.literal != 0 {
                    w.push_str(" literal");
                }
                if let Some(p) = value.param {
                    let _ = write!(w, " param {p}");
                }
                if !value.sources.is_empty() {
                    let _ = write!(w, " from {}", ids(&value.sources));
                }
                w
            }
            NodeKind::Await(k) => format!("await {k:?}").to_lowercase(),
            NodeKind::Call { callee, awaited, test, args } => {
                let mut c = format!("call {}", callee_text(m, callee));
                if *awaited {
                    c.push_str(" awaited");
                }
                // nobody waits for it alone: `save();`, an element of `Promise.all([…])`
                if f.detached.contains(&id) {
                    c.push_str(" detached");
                }
                if *test {
                    c.push_str(" test");
                }
                if !args.is_empty() {
                    let _ = write!(c, " args {}", ids(args));
                }
                let literals: Vec<String> = f.call_literals.iter().filter(|&&(n, _, _)| n == id).map(|(_, a, _)| a.to_string()).collect();
                if !literals.is_empty() {
                    let _ = write!(c, " literal args {}", literals.join(","));
                }
                c
            }
            NodeKind::Resume { call } => format!("resume n{}", call.index()),
        };
        let pos = if i == 0 {
            String::new()
        } else {
            let p = lines.position(text, n.span.lo);
            format!("@{}:{}", p.line, p.column)
        };
        let mut extra = String::new();
        if !n.guards.is_empty() {
            let _ = write!(extra, "  guards {}", ids(&n.guards));
        }
        // the parameter tests it runs under, and a call's constant arguments
        let tests = f.tests_of(id);
        if let Some(set) = f.param_tests.get(tests as usize).filter(|_| tests != 0) {
            let _ = write!(extra, "  when {}", set.iter().map(|t| param_test_text(t, &state)).collect::<Vec<_>>().join(" && "));
        }
        if let Some(c) = f.consts_of(id).filter(|c| !c.args.is_empty()) {
            let args: Vec<String> = c.args.iter().map(|(p, k)| format!("{p}={}", const_text(k, &state))).collect();
            let _ = write!(extra, "  consts [{}]", args.join(","));
            if let Some(n) = c.arity {
                let _ = write!(extra, " of {n}");
            }
        }
        let succ = if n.succ.is_empty() { "exit".to_string() } else { ids(&n.succ) };
        let _ = writeln!(out, "  n{i:<3} {what:<48} {pos:<8} -> {succ}{extra}");
    }
    for u in &f.units {
        let line = lines.position(text, u.span.lo).line;
        let _ = writeln!(out, "  unit @{line}: stale {} fresh {}", ids(&u.stale), ids(&u.fresh));
    }
    if !f.bail_tests.is_empty() {
        let _ = writeln!(out, "  bail-out tests {}", ids(&f.bail_tests));
    }
    if !f.returned.is_empty() {
        let _ = writeln!(out, "  returns {}", ids(&f.returned));
    }
}

fn param_test_text(
    t: &crate::facts::ParamTest,
    state: &dyn Fn(crate::facts::LocalStateId, &Option<crate::facts::Atom>) -> String,
) -> String {
    let mut v = format!("p{}", t.param);
    if let Some(f) = &t.field {
        let _ = write!(v, ".{f}");
    }
    if let Some(d) = &t.fallback {
        let _ = write!(v, "(default {})", const_text(d, state));
    }
    match &t.equals {
        None if t.holds => v,
        None => format!("!{v}"),
        Some(c) => format!("{v} {} {}", if t.holds { "===" } else { "!==" }, const_text(c, state)),
    }
}

fn const_text(c: &crate::facts::Const, state: &dyn Fn(crate::facts::LocalStateId, &Option<crate::facts::Atom>) -> String) -> String {
    match c {
        crate::facts::Const::Lit { key: 0, .. } => "object".to_string(),
        crate::facts::Const::Lit { truthy, .. } => format!("{} literal", if *truthy { "truthy" } else { "falsy" }),
        crate::facts::Const::Member(a) => state(a.state, &a.field),
        crate::facts::Const::Object(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|(n, v)| match v {
                    Some(v) => format!("{n}: {}", const_text(v, state)),
                    None => n.to_string(),
                })
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
    }
}

fn ids(list: &[NodeId]) -> String {
    if list.is_empty() {
        return "[]".to_string();
    }
    list.iter().map(|n| format!("n{}", n.index())).collect::<Vec<_>>().join(",")
}

fn callee_text(m: &ModuleFacts, c: &Callee) -> String {
    match c {
        Callee::Local(i) => format!("{}()", m.functions.get(*i as usize).map(|f| f.name.as_str()).unwrap_or("?")),
        Callee::Named(n) => format!("{n}()"),
        Callee::Import { import, member } => {
            let spec = m.imports.get(*import as usize).map(|i| i.specifier.as_str()).unwrap_or("?");
            match member {
                Some(mem) => format!("import({spec}).{mem}()"),
                None => format!("import({spec})()"),
            }
        }
        Callee::Host { path, arg } => match arg {
            Some(a) => format!("host {path}({a:?})"),
            None => format!("host {path}()"),
        },
    }
}

/// Parses `text` as the file at `path` and prints its functions' graphs, or the first parse
/// error (with its byte offset).
pub fn graphs_of(path: &std::path::Path, text: &str) -> Result<String, String> {
    let syntax = crate::parse::syntax_for(path).unwrap_or_default();
    let parsed = crate::parse::parse(path, text, syntax);
    if let Some(e) = parsed.errors.first() {
        return Err(format!("{}:{}: {}", path.display(), e.offset, e.message));
    }
    let Some(module) = parsed.module.as_ref() else { return Err(format!("{}: no module", path.display())) };
    let facts = crate::build::module_facts(module, parsed.base, &crate::build::HostHints::default());
    Ok(module_graphs(&facts, text))
}
