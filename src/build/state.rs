//! Which accesses are shared state: bindings, class statics, globals, imports and host paths, and the access path (state and field) an expression names.

use super::*;

impl<'h> Builder<'h> {
    pub(super) fn state(&mut self, key: String, name: String, kind: StateKind, span: facts::Span) -> LocalStateId {
        if let Some(&id) = self.state_index.get(&key) {
            return id;
        }
        let id = LocalStateId::from_index(self.states.len());
        self.states.push(StateDecl { name, kind, span });
        self.state_index.insert(key, id);
        id
    }

    pub(super) fn binding_state(&mut self, name: &Atom) -> LocalStateId {
        // the hot path (every read of a module binding): no allocation once the state exists
        if let Some(&id) = self.binding_ids.get(name) {
            return id;
        }
        let span = self.decl_spans.get(name).copied().unwrap_or_default();
        let id = self.state(owned(name), owned(name), StateKind::Binding, span);
        self.binding_ids.insert(name.clone(), id);
        id
    }

    pub(super) fn static_state(&mut self, class: &Atom, field: &Atom) -> LocalStateId {
        let key = format!("{class}.{field}");
        let span = self.decl_spans.get(&Atom::from(key.as_str())).copied().unwrap_or_default();
        self.state(key.clone(), key, StateKind::ClassStatic, span)
    }

    pub(super) fn global_state(&mut self, base: &Atom, prop: &Atom, span: facts::Span) -> LocalStateId {
        self.state(format!("globalThis.{prop}"), format!("{base}.{prop}"), StateKind::GlobalProp, span)
    }

    /// The shared state a member chain like `oai_settings.x.y`, `this.#x`, `C.x` or
    /// `window.x` denotes, if any.
    pub(super) fn member_access(&mut self, m: &MemberExpr) -> Option<Access> {
        // the chain's properties from the base outwards: `a.first.second.…` (only the first
        // few name the state and its field)
        let mut props: smallvec::SmallVec<[&MemberProp; 8]> = smallvec::smallvec![&m.prop];
        let mut obj: &Expr = &m.obj;
        while let Expr::Member(inner) = unparen(obj) {
            props.push(&inner.prop);
            obj = &inner.obj;
        }
        props.reverse();
        let first_prop = props[0];
        let second = || field_path(&props[1..]);
        match unparen(obj) {
            Expr::Ident(id) => match self.scopes.resolve(&id.sym) {
                Resolved::Module(b @ (ModuleBinding::Variable | ModuleBinding::Class)) => {
                    if let Some(f) = &prop_name(first_prop) {
                        if self.classes.get(&id.sym).is_some_and(|c| c.statics.contains(f)) {
                            let state = self.static_state(&id.sym, f);
                            return Some(Access { state, field: second() });
                        }
                    }
                    if b == ModuleBinding::Class {
                        return None;
                    }
                    let state = self.binding_state(&id.sym);
                    Some(Access { state, field: field_path(&props) })
                }
                Resolved::Module(ModuleBinding::Import) => {
                    let import = *self.import_of.get(&id.sym)?;
                    let state = self.import_state(&id.sym, import);
                    Some(Access { state, field: field_path(&props) })
                }
                Resolved::Global if matches!(&*id.sym, "window" | "globalThis" | "self") && !self.is_host_path_base(m) => {
                    let f = prop_name(first_prop)?;
                    let span = self.span(m.span);
                    let state = self.global_state(&id.sym, &f, span);
                    Some(Access { state, field: second() })
                }
                _ => None,
            },
            Expr::This(_) => {
                let ctx = self.this_ctx.last().cloned().flatten()?;
                let f = prop_name(first_prop)?;
                if ctx.is_static && ctx.module_level && self.classes.get(&ctx.class).is_some_and(|c| c.statics.contains(&f)) {
                    let state = self.static_state(&ctx.class, &f);
                    return Some(Access { state, field: second() });
                }
                None
            }
            _ => None,
        }
        .or_else(|| self.host_access(m))
    }

    pub(super) fn is_host_path_base(&self, m: &MemberExpr) -> bool {
        !self.hints.state_paths.is_empty()
            && self.host_path(&m.obj).is_some_and(|p| self.hints.state_paths.iter().any(|s| s.starts_with(&p)))
    }

    pub(super) fn import_state(&mut self, local: &Atom, import: u32) -> LocalStateId {
        if let Some(&id) = self.import_ids.get(local) {
            return id;
        }
        let id = self.state(["import:", local].concat(), owned(local), StateKind::Imported(import), facts::Span::default());
        self.import_ids.insert(local.clone(), id);
        id
    }

    /// Host state reached through an API path: `getContext().chatMetadata.x`,
    /// `ctx.extensionSettings[name]`.
    pub(super) fn host_access(&mut self, m: &MemberExpr) -> Option<Access> {
        if self.hints.state_paths.is_empty() {
            return None;
        }
        // only chains with a property that ends some host state path can name one (tested
        // before anything is allocated: this runs for every member expression)
        let ends_a_path = |p: &MemberProp| match p {
            MemberProp::Ident(i) => self.hints.state_ends.contains(&*i.sym),
            MemberProp::Computed(_) => {
                self.hints.state_ends.contains("[*]") || prop_name(p).is_some_and(|p| self.hints.state_ends.contains(&*p))
            }
            MemberProp::PrivateName(_) => false,
        };
        let mut any = ends_a_path(&m.prop);
        let mut obj: &Expr = &m.obj;
        while let Expr::Member(inner) = unparen(obj) {
            any = any || ends_a_path(&inner.prop);
            obj = &inner.obj;
        }
        if !any {
            return None;
        }
        let mut chain = vec![m];
        let mut obj: &Expr = &m.obj;
        while let Expr::Member(inner) = unparen(obj) {
            chain.push(inner);
            obj = &inner.obj;
        }
        chain.reverse();
        let mut text = self.host_path(obj)?;
        for (k, member) in chain.iter().enumerate() {
            match prop_name(&member.prop) {
                Some(p) => {
                    text.push('.');
                    text.push_str(&p);
                }
                None => text.push_str("[*]"),
            }
            if self.hints.state_paths.contains(&text) {
                let field = chain.get(k + 1).and_then(|n| field_name(&n.prop));
                let span = self.span(member.span);
                let state = self.state(format!("host:{text}"), text.clone(), StateKind::Host, span);
                return Some(Access { state, field });
            }
        }
        None
    }

    /// Evaluates the computed keys of a member chain (`chat_metadata[key]`), which run before
    /// the access itself.
    pub(super) fn member_keys(&mut self, m: &MemberExpr) {
        if let Expr::Member(inner) = unparen(&m.obj) {
            self.member_keys(inner);
        }
        if let MemberProp::Computed(c) = &m.prop {
            self.expr(&c.expr);
        }
    }

    /// A callee or object as a host API path: `getContext().chatMetadata`,
    /// `SlashCommandParser.commands[*].callback`. Locals holding `getContext()` read as it, and
    /// `window.`/`SillyTavern.` prefixes are dropped.
    pub(super) fn host_path(&self, e: &Expr) -> Option<String> {
        let mut out = String::new();
        self.write_host_path(e, &mut out)?;
        let mut start = 0;
        while let Some(prefix) = ["window.", "globalThis.", "SillyTavern."].into_iter().find(|p| out[start..].starts_with(p)) {
            start += prefix.len();
        }
        out.drain(..start);
        Some(out)
    }

    /// Appends the API path of `e` to `out` (one buffer for the whole chain: member chains are
    /// asked about at every access).
    pub(super) fn write_host_path(&self, e: &Expr, out: &mut String) -> Option<()> {
        match unparen(e) {
            Expr::Ident(i) => match self.scopes.resolve(&i.sym) {
                Resolved::Local(scope) => out.push_str(self.f.aliases.get(&(scope, i.sym.clone())).map_or(&*i.sym, |a| a.as_str())),
                _ => out.push_str(&i.sym),
            },
            Expr::Member(m) => {
                self.write_host_path(&m.obj, out)?;
                match &m.prop {
                    MemberProp::Ident(i) => {
                        out.push('.');
                        out.push_str(&i.sym);
                    }
                    MemberProp::PrivateName(p) => {
                        out.push_str(".#");
                        out.push_str(&p.name);
                    }
                    computed => match prop_name(computed) {
                        Some(p) => {
                            out.push('.');
                            out.push_str(&p);
                        }
                        None => out.push_str("[*]"),
                    },
                }
            }
            Expr::Call(c) if c.args.is_empty() => match &c.callee {
                swc_ecma_ast::Callee::Expr(callee) => {
                    self.write_host_path(callee, out)?;
                    out.push_str("()");
                }
                _ => return None,
            },
            _ => return None,
        }
        Some(())
    }
}
