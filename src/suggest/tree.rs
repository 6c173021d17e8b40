//! The syntax tree of a module with findings, parsed again for suggestions, and the lookups
//! they need: a function by its span, and where a new line of code cannot go.

use swc_common::Spanned;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use crate::facts::Span;
use crate::source::SourceModule;

pub(super) struct Tree {
    pub module: Module,
    /// Subtract from a swc position to get a byte offset in the parsed code.
    pub base: u32,
    /// Add to an offset in the parsed code to get a byte offset in the module's text (the
    /// start of the function minus its wrapper's length, for a tree of one function).
    shift: i64,
    /// For a tree of one function: its place in the text and the wrapper it parsed in.
    function: Option<(Span, usize)>,
    pub typescript: bool,
}

/// What a function's text is parsed inside, tried in order: an expression (declarations,
/// function expressions, arrows), an object literal (methods, getters), a class (static and
/// private methods, TypeScript modifiers).
const WRAPPERS: [(&str, &str); 3] = [("(", "\n);"), ("({", "\n});"), ("(class {", "\n});")];

/// What the module's text parses as: its component scripts, or the text itself.
fn code_and_syntax(m: &SourceModule, text: &str) -> Option<(String, swc_ecma_parser::Syntax)> {
    match crate::sfc::scripts_of(&m.path, text) {
        Some(s) => {
            let syntax = crate::parse::component_syntax(&s);
            Some((s.code, syntax))
        }
        None => Some((text.to_string(), crate::parse::syntax_for(&m.path)?)),
    }
}

impl Tree {
    /// The module's tree, or `None` when it does not parse cleanly (a fix could not be checked).
    pub fn parse(m: &SourceModule) -> Option<Tree> {
        let (code, syntax) = code_and_syntax(m, &m.text)?;
        let parsed = crate::parse::parse(&m.path, &code, syntax);
        if !parsed.errors.is_empty() {
            return None;
        }
        let module = parsed.module?;
        Some(Tree { module, base: parsed.base, shift: 0, function: None, typescript: syntax.typescript() })
    }

    /// The tree of one function of the module, parsed from the function's own text (far less
    /// than the module's), or `None` when that text does not parse alone.
    pub fn parse_function(m: &SourceModule, span: Span) -> Option<Tree> {
        if crate::sfc::is_component(&m.path) {
            return None;
        }
        let syntax = crate::parse::syntax_for(&m.path)?;
        let text = m.text.get(span.lo as usize..span.hi as usize)?;
        WRAPPERS.iter().enumerate().find_map(|(w, (open, close))| {
            let parsed = crate::parse::parse(&m.path, &format!("{open}{text}{close}"), syntax);
            if !parsed.errors.is_empty() {
                return None;
            }
            let tree = Tree {
                module: parsed.module?,
                base: parsed.base,
                shift: span.lo as i64 - open.len() as i64,
                function: Some((span, w)),
                typescript: syntax.typescript(),
            };
            // the text is one function exactly (not `f() {} + g`)
            tree.function_body(span).map(|_| tree)
        })
    }

    /// A swc span as a byte range of the text.
    pub fn span(&self, s: swc_common::Span) -> Span {
        let at = |p: u32| (p.saturating_sub(self.base) as i64 + self.shift).clamp(0, u32::MAX as i64) as u32;
        Span { lo: at(s.lo.0), hi: at(s.hi.0) }
    }

    /// Whether the module's text with `edits` applied still parses: for a tree of one function
    /// and edits inside it, that function's edited text in the same wrapper; else the module.
    pub fn parses_edited(&self, m: &SourceModule, edits: &[super::Edit]) -> bool {
        match self.function {
            Some((span, w)) if edits.iter().all(|e| span.lo <= e.span.lo && e.span.hi <= span.hi) => {
                let Some(syntax) = crate::parse::syntax_for(&m.path) else { return false };
                let Some(text) = m.text.get(span.lo as usize..span.hi as usize) else { return false };
                let local: Vec<super::Edit> = edits
                    .iter()
                    .map(|e| super::Edit {
                        module: e.module,
                        span: Span { lo: e.span.lo - span.lo, hi: e.span.hi - span.lo },
                        text: e.text.clone(),
                    })
                    .collect();
                let (open, close) = WRAPPERS[w];
                let parsed = crate::parse::parse(&m.path, &format!("{open}{}{close}", super::apply(text, &local)), syntax);
                parsed.module.is_some() && parsed.errors.is_empty()
            }
            _ => parses(m, &super::apply(&m.text, edits)),
        }
    }

    /// The statements of the function (declaration, expression, method, arrow with a block
    /// body) whose span is `span`.
    pub fn function_body(&self, span: Span) -> Option<FunctionBody> {
        let mut find = FindFunction { tree: self, span, found: None };
        self.module.visit_with(&mut find);
        find.found
    }

    /// The module-level statement that declares `name` with `let` or `var`, when there is one.
    pub fn module_let(&self, name: &str) -> Option<&VarDecl> {
        self.module.body.iter().find_map(|item| {
            let decl = match item {
                ModuleItem::Stmt(Stmt::Decl(Decl::Var(v))) => v,
                ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(ExportDecl { decl: Decl::Var(v), .. })) => v,
                _ => return None,
            };
            let declares = decl.decls.iter().any(|d| matches!(&d.name, Pat::Ident(b) if &*b.id.sym == name));
            (declares && matches!(decl.kind, VarDeclKind::Let | VarDeclKind::Var)).then_some(&**decl)
        })
    }
}

/// Whether `edited`, the module's text after edits, still parses without errors.
fn parses(m: &SourceModule, edited: &str) -> bool {
    let Some((code, syntax)) = code_and_syntax(m, edited) else { return false };
    let parsed = crate::parse::parse(&m.path, &code, syntax);
    parsed.module.is_some() && parsed.errors.is_empty()
}

/// Template literals and JSX that span lines, as byte ranges of the module's text.
pub(crate) fn line_bound_spans(module: &swc_ecma_ast::Module, base: u32, text: &str) -> Vec<Span> {
    let mut blocked = Blocked { base, spans: Vec::new() };
    module.visit_with(&mut blocked);
    blocked.spans.retain(|s| text.get(s.lo as usize..s.hi as usize).is_some_and(|t| t.contains('\n')));
    blocked.spans
}

struct Blocked {
    base: u32,
    spans: Vec<Span>,
}

impl Visit for Blocked {
    fn visit_tpl(&mut self, t: &Tpl) {
        self.spans.push(Span { lo: t.span.lo.0 - self.base, hi: t.span.hi.0 - self.base });
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || t.visit_children_with(self));
    }
    fn visit_jsx_element(&mut self, j: &JSXElement) {
        self.spans.push(Span { lo: j.span.lo.0 - self.base, hi: j.span.hi.0 - self.base });
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || j.visit_children_with(self));
    }
    fn visit_jsx_fragment(&mut self, j: &JSXFragment) {
        self.spans.push(Span { lo: j.span.lo.0 - self.base, hi: j.span.hi.0 - self.base });
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || j.visit_children_with(self));
    }
    fn visit_expr(&mut self, e: &Expr) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || e.visit_children_with(self));
    }
    fn visit_stmt(&mut self, s: &Stmt) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || s.visit_children_with(self));
    }
}

struct FindFunction<'t> {
    tree: &'t Tree,
    span: Span,
    found: Option<FunctionBody>,
}

impl FindFunction<'_> {
    /// Whether the search must look inside a node with span `s`.
    fn may_hold(&self, s: swc_common::Span) -> bool {
        let s = self.tree.span(s);
        self.found.is_none() && s.lo <= self.span.lo && self.span.hi <= s.hi
    }
}

impl Visit for FindFunction<'_> {
    fn visit_function(&mut self, f: &Function) {
        if self.tree.span(f.span) == self.span {
            self.found = f.body.clone();
        } else if self.may_hold(f.span) {
            f.visit_children_with(self);
        }
    }
    fn visit_arrow_expr(&mut self, a: &ArrowExpr) {
        if self.tree.span(a.span) == self.span {
            self.found = match &*a.body {
                ArrowFunctionBody::FunctionBody(b) => Some(b.clone()),
                ArrowFunctionBody::Expr(_) => None,
            };
        } else if self.may_hold(a.span) {
            a.visit_children_with(self);
        }
    }
    fn visit_constructor(&mut self, c: &Constructor) {
        if self.tree.span(c.span) == self.span {
            self.found = c.body.clone();
        } else if self.may_hold(c.span) {
            c.visit_children_with(self);
        }
    }
    fn visit_expr(&mut self, e: &Expr) {
        if self.may_hold(e.span()) {
            stacker::maybe_grow(64 * 1024, 1024 * 1024, || e.visit_children_with(self));
        }
    }
    fn visit_stmt(&mut self, s: &Stmt) {
        if self.may_hold(s.span()) {
            stacker::maybe_grow(64 * 1024, 1024 * 1024, || s.visit_children_with(self));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The module and the spans of its functions, as the builder records them.
    fn module(path: &str, text: &str) -> (SourceModule, Vec<Span>) {
        let syntax = crate::parse::syntax_for(std::path::Path::new(path)).unwrap();
        let parsed = crate::parse::parse(std::path::Path::new(path), text, syntax);
        let facts = crate::build::module_facts(&parsed.module.unwrap(), parsed.base, &Default::default());
        let spans = facts.functions.iter().filter(|f| f.name != "<module>").map(|f| f.span).collect();
        (SourceModule::new(path.into(), text.into(), facts), spans)
    }

    #[test]
    fn every_kind_of_function_parses_from_its_own_text() {
        let js = "export async function a() { await x; }\nexport const b = async () => { await x; };\nexport const c = function () {};\nconst o = { async d() { await x; }, get e() { return 1; } };\nclass K { static async f() {} async #g() {} constructor() { this.h = 1; } }\n";
        let ts = "class K { public async f(x: number): Promise<void> { await x; } private static g<T>(t: T): T { return t; } }\n";
        for (path, text) in [("a.js", js), ("b.ts", ts)] {
            let (m, spans) = module(path, text);
            assert!(!spans.is_empty());
            for span in spans {
                let tree =
                    Tree::parse_function(&m, span).unwrap_or_else(|| panic!("{path}: {:?}", &text[span.lo as usize..span.hi as usize]));
                // positions map back to the module's text
                assert!(tree.function_body(span).is_some());
            }
        }
        // a span that is not one function has no tree of its own
        let (m, _) = module("a.js", js);
        assert!(Tree::parse_function(&m, Span { lo: 0, hi: 60 }).is_none());
    }
}
