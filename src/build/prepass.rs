//! The module prepass and module-level walk: declarations, classes and what is state before any function is built.

use super::*;

impl<'h> Builder<'h> {
    /// Records every module-level binding and the static fields of module-level classes.
    pub(super) fn prepass(&mut self, module: &Module) {
        for item in &module.body {
            match item {
                ModuleItem::ModuleDecl(ModuleDecl::Import(i)) => {
                    if i.type_only {
                        continue;
                    }
                    let specifier = owned(&i.src.value.to_atom_lossy());
                    for s in &i.specifiers {
                        let (local, imported) = match s {
                            ImportSpecifier::Named(n) => {
                                let name = match &n.imported {
                                    Some(ModuleExportName::Ident(i)) => i.sym.clone(),
                                    Some(ModuleExportName::Str(s)) => s.value.to_atom_lossy().into_owned(),
                                    None => n.local.sym.clone(),
                                };
                                let imported = if &*name == "default" { ImportName::Default } else { ImportName::Named(name) };
                                (&n.local, imported)
                            }
                            ImportSpecifier::Default(d) => (&d.local, ImportName::Default),
                            ImportSpecifier::Namespace(n) => (&n.local, ImportName::Namespace),
                        };
                        self.import_of.insert(local.sym.clone(), self.imports.len() as u32);
                        self.imports.push(Import { specifier: specifier.clone(), imported });
                        self.scopes.module.insert(local.sym.clone(), ModuleBinding::Import);
                    }
                }
                ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) => {
                    self.prepass_decl(&e.decl);
                    let mut names = Vec::new();
                    scope::decl_names(&e.decl, true, &mut names);
                    names.sort();
                    names.dedup();
                    for n in names {
                        self.exports.push(Export::Local { exported: n.clone(), local: n });
                    }
                }
                ModuleItem::ModuleDecl(ModuleDecl::ExportNamed(n)) => {
                    let from = n.src.as_ref().map(|s| owned(&s.value.to_atom_lossy()));
                    for spec in &n.specifiers {
                        let export_name = |m: &ModuleExportName| match m {
                            ModuleExportName::Ident(i) => i.sym.clone(),
                            ModuleExportName::Str(s) => s.value.to_atom_lossy().into_owned(),
                        };
                        match (spec, &from) {
                            (ExportSpecifier::Named(s), Some(src)) => {
                                let orig = export_name(&s.orig);
                                let exported = s.exported.as_ref().map(export_name).unwrap_or_else(|| orig.clone());
                                let imported = if &*orig == "default" { ImportName::Default } else { ImportName::Named(orig) };
                                self.exports.push(Export::From { exported, specifier: src.clone(), imported });
                            }
                            (ExportSpecifier::Named(s), None) => {
                                let local = export_name(&s.orig);
                                let exported = s.exported.as_ref().map(export_name).unwrap_or_else(|| local.clone());
                                self.exports.push(Export::Local { exported, local });
                            }
                            (ExportSpecifier::Namespace(s), Some(src)) => {
                                self.exports.push(Export::From {
                                    exported: export_name(&s.name),
                                    specifier: src.clone(),
                                    imported: ImportName::Namespace,
                                });
                            }
                            (ExportSpecifier::Default(d), Some(src)) => {
                                self.exports.push(Export::From {
                                    exported: d.exported.sym.clone(),
                                    specifier: src.clone(),
                                    imported: ImportName::Default,
                                });
                            }
                            _ => {}
                        }
                    }
                }
                ModuleItem::ModuleDecl(ModuleDecl::ExportAll(a)) => {
                    self.exports.push(Export::All { specifier: owned(&a.src.value.to_atom_lossy()) });
                }
                ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultExpr(e)) => {
                    if let Expr::Ident(i) = unparen(&e.expr) {
                        self.exports.push(Export::Local { exported: Atom::from("default"), local: i.sym.clone() });
                    }
                }
                ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultDecl(d)) => match &d.decl {
                    DefaultDecl::Class(c) => {
                        let name = c.ident.as_ref().map(|i| i.sym.clone()).unwrap_or_else(|| Atom::from("default"));
                        self.prepass_class(&name, &c.class);
                        self.scopes.module.insert(name.clone(), ModuleBinding::Class);
                        self.exports.push(Export::Local { exported: Atom::from("default"), local: name });
                    }
                    DefaultDecl::Fn(f) => {
                        let name = f.ident.as_ref().map(|i| i.sym.clone()).unwrap_or_else(|| Atom::from("default"));
                        self.scopes.module.insert(name.clone(), ModuleBinding::Function);
                        self.exports.push(Export::Local { exported: Atom::from("default"), local: name });
                    }
                    _ => {}
                },
                ModuleItem::Stmt(Stmt::Decl(d)) => self.prepass_decl(d),
                ModuleItem::Stmt(s) => {
                    // hoisted `var`s in top-level blocks, loops, …
                    let mut names = Vec::new();
                    scope::var_names(std::slice::from_ref(s), &mut names);
                    for n in names {
                        self.scopes.module.entry(n).or_insert(ModuleBinding::Variable);
                    }
                }
                _ => {}
            }
        }
    }

    pub(super) fn prepass_decl(&mut self, d: &Decl) {
        match d {
            Decl::Var(v) => {
                for decl in &v.decls {
                    let mut names = Vec::new();
                    pat_names(&decl.name, &mut names);
                    let span = self.span(decl.span);
                    for n in names {
                        if let Some(Expr::Class(c)) = decl.init.as_deref().map(unparen) {
                            self.prepass_class(&n, &c.class);
                        }
                        if let Some(Expr::Object(o)) = decl.init.as_deref().map(unparen) {
                            for p in &o.props {
                                let key = match p {
                                    PropOrSpread::Prop(p) => match &**p {
                                        Prop::KeyValue(kv) if is_fn_expr(&kv.value) => key_name(&kv.key),
                                        Prop::Method(m) => key_name(&m.key),
                                        _ => None,
                                    },
                                    _ => None,
                                };
                                if let Some(k) = key {
                                    self.object_methods.insert(format!("{n}.{k}"));
                                }
                            }
                        }
                        self.decl_spans.insert(n.clone(), span);
                        if let (VarDeclKind::Const, Pat::Ident(_), Some(init)) = (v.kind, &decl.name, decl.init.as_deref()) {
                            self.note_const_object(&n, init);
                        }
                        // (`new Audio()` only when `Audio` is the page's, not a binding of the module)
                        let shadowed = |e: &Expr| match unparen(e) {
                            Expr::New(nw) => matches!(unparen(&nw.callee), Expr::Ident(c) if self.scopes.module.contains_key(&c.sym)),
                            _ => false,
                        };
                        if matches!(&decl.name, Pat::Ident(_)) && decl.init.as_deref().is_some_and(|e| is_dom_query(e) && !shadowed(e)) {
                            if v.kind == VarDeclKind::Const {
                                self.dom_handles.push(n.clone());
                            } else if v.kind == VarDeclKind::Let {
                                // a handle in a `let`: one while nothing assigns the binding again
                                self.dom_handle_lets.push(n.clone());
                            }
                        }
                        self.scopes.module.insert(n, ModuleBinding::Variable);
                    }
                }
            }
            Decl::Fn(f) => {
                self.scopes.module.insert(f.ident.sym.clone(), ModuleBinding::Function);
            }
            Decl::Class(c) => {
                self.prepass_class(&c.ident.sym, &c.class);
                self.scopes.module.insert(c.ident.sym.clone(), ModuleBinding::Class);
            }
            Decl::TsEnum(e) => {
                self.scopes.module.insert(e.id.sym.clone(), ModuleBinding::Class);
            }
            _ => {}
        }
    }

    pub(super) fn prepass_class(&mut self, name: &Atom, class: &Class) {
        let info = self.classes.entry(name.clone()).or_default();
        for m in &class.body {
            match m {
                ClassMember::ClassProp(p) if p.is_static => {
                    if let Some(k) = key_name(&p.key) {
                        info.statics.insert(Atom::from(k));
                    }
                }
                ClassMember::PrivateProp(p) if p.is_static => {
                    info.statics.insert(Atom::from(format!("#{}", p.key.name)));
                }
                _ => {}
            }
        }
        // spans of static fields are recorded when the class body is walked
    }

    pub(super) fn module(&mut self, module: &Module) {
        for item in &module.body {
            match item {
                ModuleItem::Stmt(s) => self.stmt_with_block_guard(s),
                ModuleItem::ModuleDecl(d) => match d {
                    ModuleDecl::ExportDecl(e) => self.decl(&e.decl),
                    ModuleDecl::ExportDefaultDecl(d) => match &d.decl {
                        DefaultDecl::Class(c) => {
                            let name = c.ident.as_ref().map(|i| i.sym.clone()).unwrap_or_else(|| Atom::from("default"));
                            self.class(&name, &c.class, true);
                        }
                        DefaultDecl::Fn(f) => {
                            let name = f.ident.as_ref().map(|i| owned(&i.sym)).unwrap_or_else(|| "default".into());
                            let id = self.function_node(&name, &f.function, false);
                            self.fn_names.push((name, id));
                        }
                        DefaultDecl::TsInterfaceDecl(_) => {}
                    },
                    ModuleDecl::ExportDefaultExpr(e) => {
                        self.pending_name = Some("default".into());
                        self.unit(e.span, |b| {
                            b.expr(&e.expr);
                        });
                    }
                    _ => {}
                },
            }
        }
    }
}
