//! Small questions about the AST that the walk asks everywhere: names of properties and paths,
//! literals, splices and mutating methods, page handles, string shapes.

use super::*;

/// An atom's text as a `String` (`to_string()` goes through `Display` and the formatter, which
/// costs several times the copy).
pub(super) fn owned(s: &str) -> String {
    s.to_owned()
}

pub(super) fn unparen(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => unparen(&p.expr),
        Expr::TsAs(t) => unparen(&t.expr),
        Expr::TsNonNull(t) => unparen(&t.expr),
        Expr::TsSatisfies(t) => unparen(&t.expr),
        Expr::TsTypeAssertion(t) => unparen(&t.expr),
        Expr::TsConstAssertion(t) => unparen(&t.expr),
        _ => e,
    }
}

pub(super) fn prop_name(p: &MemberProp) -> Option<Atom> {
    match p {
        MemberProp::Ident(i) => Some(i.sym.clone()),
        MemberProp::PrivateName(p) => Some(Atom::from(format!("#{}", p.name))),
        MemberProp::Computed(c) => match unparen(&c.expr) {
            Expr::Lit(Lit::Str(s)) => s.value.as_atom().cloned(),
            _ => None,
        },
    }
}

/// How many properties deep a state's field is told apart: `extension_settings.sd.url` and
/// `extension_settings.sd.model` are different fields; deeper properties belong to the third.
pub(crate) const MAX_FIELD_DEPTH: usize = 3;

/// The field an access path names below its state: up to [`MAX_FIELD_DEPTH`] properties joined
/// with `.` (`sd.url`), ending at the first computed key (`[*]`: any element).
pub(super) fn field_path(props: &[&MemberProp]) -> Option<Atom> {
    let first = field_name(props.first()?)?;
    if props.len() == 1 || &*first == crate::facts::ANY_FIELD {
        return Some(first);
    }
    let mut path = String::from(&*first);
    for p in props.iter().skip(1).take(MAX_FIELD_DEPTH - 1) {
        let Some(f) = field_name(p) else { break };
        path.push('.');
        path.push_str(&f);
        if &*f == crate::facts::ANY_FIELD {
            break;
        }
    }
    Some(Atom::from(path))
}

/// A property as a state field: computed keys that are not literals become `[*]`, which
/// conflicts with every field.
pub(super) fn field_name(p: &MemberProp) -> Option<Atom> {
    prop_name(p).or_else(|| matches!(p, MemberProp::Computed(_)).then(|| Atom::from(crate::facts::ANY_FIELD)))
}

pub(super) fn key_name(k: &PropName) -> Option<String> {
    match k {
        PropName::Ident(i) => Some(owned(&i.sym)),
        PropName::Str(s) => s.value.as_atom().map(|a| owned(a)),
        PropName::Num(n) => Some(n.value.to_string()),
        _ => None,
    }
}

/// `a.b.c` as text, for naming callbacks and functions assigned to properties.
pub(super) fn path_text(e: &Expr) -> Option<String> {
    let mut out = String::new();
    write_path_text(e, &mut out)?;
    Some(out)
}

pub(super) fn member_path_text(m: &MemberExpr) -> Option<String> {
    let mut out = String::new();
    write_path_text(&m.obj, &mut out)?;
    write_prop(&m.prop, &mut out)?;
    Some(out)
}

pub(super) fn write_path_text(e: &Expr, out: &mut String) -> Option<()> {
    match unparen(e) {
        Expr::Ident(i) => out.push_str(&i.sym),
        Expr::This(_) => out.push_str("this"),
        Expr::Member(m) => {
            write_path_text(&m.obj, out)?;
            write_prop(&m.prop, out)?;
        }
        _ => return None,
    }
    Some(())
}

/// Appends `.name` for a named property (as [`prop_name`] names it).
pub(super) fn write_prop(p: &MemberProp, out: &mut String) -> Option<()> {
    out.push('.');
    match p {
        MemberProp::Ident(i) => out.push_str(&i.sym),
        MemberProp::PrivateName(p) => {
            out.push('#');
            out.push_str(&p.name);
        }
        computed => out.push_str(&prop_name(computed)?),
    }
    Some(())
}

/// `splice(0)` and `splice(0, x.length, …)`: every element goes.
pub(super) fn splices_everything(args: &[ExprOrSpread]) -> bool {
    let zero = |e: &Expr| matches!(unparen(e), Expr::Lit(Lit::Num(n)) if n.value == 0.0);
    match args {
        [start] => zero(&start.expr),
        [start, count, ..] => {
            zero(&start.expr)
                && matches!(unparen(&count.expr), Expr::Member(m) if matches!(&m.prop, MemberProp::Ident(p) if &*p.sym == "length"))
        }
        _ => false,
    }
}

/// `splice(i, 0, x)` and `splice(i, 1)`: one element inserted or removed, complete on its own
/// like `push` and `shift`.
pub(super) fn splices_one(args: &[ExprOrSpread]) -> bool {
    let count = |e: &Expr| match unparen(e) {
        Expr::Lit(Lit::Num(n)) => Some(n.value),
        _ => None,
    };
    match args {
        [_, c, x] => count(&c.expr) == Some(0.0) && x.spread.is_none(),
        [_, c] => count(&c.expr) == Some(1.0),
        _ => false,
    }
}

pub(super) fn mutating_method(name: &str) -> Option<WriteKind> {
    match name {
        "push" | "unshift" | "add" | "set" | "shift" | "pop" | "delete" => Some(WriteKind::Element),
        "splice" | "sort" | "reverse" | "fill" | "clear" | "copyWithin" => Some(WriteKind::Bulk),
        _ => None,
    }
}

/// The key `literal_key` gives `undefined`: what a parameter holds that a call does not pass.
pub(crate) fn undefined_key() -> u32 {
    let mut h = crate::finding::Fnv::default();
    h.put("undefined".as_bytes());
    h.put(&[0xff]);
    (h.0 as u32).max(1)
}

/// A literal's canonical text, hashed (0 when `e` is not a literal). The text is hashed as it
/// is produced, never built: literals are everywhere.
pub(super) fn literal_key(e: &Expr) -> u32 {
    use crate::finding::Fnv;
    fn text(e: &Expr, h: &mut Fnv) -> Option<()> {
        use std::fmt::Write;
        match unparen(e) {
            Expr::Lit(Lit::Str(s)) => {
                h.put("'".as_bytes());
                h.put(s.value.as_bytes());
                h.put("'".as_bytes());
            }
            Expr::Lit(Lit::Bool(b)) => h.put(if b.value { b"true" } else { b"false" }),
            Expr::Lit(Lit::Null(_)) => h.put("null".as_bytes()),
            Expr::Lit(Lit::Num(n)) => {
                // the value's bits, not its text (`1`, `1.0` and `0x1` are one literal); `#`
                // keeps them apart from the other kinds
                h.put(b"#");
                h.put(&n.value.to_bits().to_le_bytes());
            }
            Expr::Lit(Lit::BigInt(b)) => {
                let _ = write!(h, "{}n", b.value);
            }
            Expr::Unary(u) if u.op == UnaryOp::Minus => {
                h.put("-".as_bytes());
                text(&u.arg, h)?;
            }
            Expr::Unary(u) if u.op == UnaryOp::Void => h.put("undefined".as_bytes()),
            Expr::Unary(u) if u.op == UnaryOp::Bang => {
                h.put("!".as_bytes());
                text(&u.arg, h)?;
            }
            Expr::Ident(i) if &*i.sym == "undefined" => h.put("undefined".as_bytes()),
            Expr::Array(a) if a.elems.is_empty() => h.put("[]".as_bytes()),
            Expr::Object(o) if o.props.is_empty() => h.put("{}".as_bytes()),
            Expr::Tpl(t) if t.exprs.is_empty() => {
                h.put("'".as_bytes());
                for q in &t.quasis {
                    h.put(q.raw.as_bytes());
                }
                h.put("'".as_bytes());
            }
            _ => return None,
        }
        Some(())
    }
    let mut h = Fnv::default();
    match text(e, &mut h) {
        Some(()) => {
            // the same terminator as `fnv64`
            h.put(&[0xff]);
            (h.0 as u32).max(1)
        }
        None => 0,
    }
}

/// `$('#chat')`, `jQuery(…)`, `document.getElementById(…)`, `document.querySelector(…)` and
/// friends: a handle on the page.
pub(super) fn is_dom_query(e: &Expr) -> bool {
    // the element constructors of the page (`new Audio()`, `new Image()`, `new Option()`)
    if let Expr::New(n) = unparen(e) {
        return matches!(unparen(&n.callee), Expr::Ident(i) if matches!(&*i.sym, "Audio" | "Image" | "Option"));
    }
    let Expr::Call(c) = unparen(e) else { return false };
    let swc_ecma_ast::Callee::Expr(callee) = &c.callee else { return false };
    match unparen(callee) {
        Expr::Ident(i) => matches!(&*i.sym, "$" | "jQuery"),
        Expr::Member(m) => {
            matches!(unparen(&m.obj), Expr::Ident(o) if &*o.sym == "document")
                && matches!(&m.prop, MemberProp::Ident(p) if p.sym.starts_with("getElement") || p.sym.starts_with("querySelector") || &*p.sym == "createElement")
        }
        _ => false,
    }
}

pub(super) fn is_fn_expr(e: &Expr) -> bool {
    matches!(unparen(e), Expr::Fn(_) | Expr::Arrow(_))
}

/// Methods of arrays, maps and sets that find an element by a key or a predicate.
pub(super) fn is_lookup_method(name: &str) -> bool {
    matches!(
        name,
        "indexOf"
            | "lastIndexOf"
            | "includes"
            | "find"
            | "findIndex"
            | "findLast"
            | "findLastIndex"
            | "some"
            | "every"
            | "get"
            | "has"
            | "at"
    )
}

/// A test that passes only while a flag or slot is unset: `!x`, `!s.busy`, `x == null`,
/// `x === undefined`, `x === false`. Once a truthy value is written there, it fails.
pub(super) fn unset_check(e: &Expr) -> bool {
    let plain = |e: &Expr| matches!(unparen(e), Expr::Ident(_) | Expr::Member(_));
    match unparen(e) {
        Expr::Unary(u) if u.op == UnaryOp::Bang => plain(&u.arg),
        Expr::Bin(b) if matches!(b.op, BinaryOp::EqEq | BinaryOp::EqEqEq) => {
            let unset = |e: &Expr| match unparen(e) {
                Expr::Lit(Lit::Null(_)) | Expr::Lit(Lit::Bool(Bool { value: false, .. })) => true,
                Expr::Ident(i) => &*i.sym == "undefined",
                _ => false,
            };
            (plain(&b.left) && unset(&b.right)) || (unset(&b.left) && plain(&b.right))
        }
        _ => false,
    }
}

/// A condition that holds only while something is unset: an unset check, or a `||` of them
/// (`id === undefined || !list[id]`).
pub(super) fn unset_checks_only(e: &Expr) -> bool {
    match unparen(e) {
        Expr::Bin(b) if b.op == BinaryOp::LogicalOr => unset_checks_only(&b.left) && unset_checks_only(&b.right),
        e => unset_check(e),
    }
}

/// A condition made of plain flags only: `busy`, `state.loading`, `busy || unmounted` (any of
/// them set makes the branch run).
pub(super) fn plain_flags(e: &Expr) -> bool {
    match unparen(e) {
        Expr::Ident(_) | Expr::Member(_) => true,
        Expr::Bin(b) if b.op == BinaryOp::LogicalOr => plain_flags(&b.left) && plain_flags(&b.right),
        _ => false,
    }
}

/// A string argument's shape: `'/profile'`, `` `/profile ${name}` `` → `/profile X`,
/// `'/preset ' + name` → `/preset X`.
pub(super) fn string_shape(e: &Expr) -> Option<String> {
    match unparen(e) {
        Expr::Lit(Lit::Str(s)) => Some(owned(&s.value.to_atom_lossy())),
        Expr::Tpl(t) => {
            let mut out = String::new();
            for (i, q) in t.quasis.iter().enumerate() {
                out.push_str(&q.raw);
                if i < t.exprs.len() {
                    out.push('X');
                }
            }
            Some(out)
        }
        Expr::Bin(b) if b.op == BinaryOp::Add => {
            Some(format!("{}{}", string_shape(&b.left).unwrap_or_else(|| "X".into()), string_shape(&b.right).unwrap_or_else(|| "X".into())))
        }
        _ => None,
    }
}

pub(super) fn simple_target_expr(t: &SimpleAssignTarget) -> Option<&Expr> {
    match t {
        SimpleAssignTarget::Paren(p) => Some(&p.expr),
        SimpleAssignTarget::TsAs(t) => Some(&t.expr),
        SimpleAssignTarget::TsSatisfies(t) => Some(&t.expr),
        SimpleAssignTarget::TsNonNull(t) => Some(&t.expr),
        SimpleAssignTarget::TsTypeAssertion(t) => Some(&t.expr),
        _ => None,
    }
}

/// A callee as a path for matching callback registrations: `eventSource.on`, `$().on`,
/// `SlashCommand.fromProps`, with calls shown as `()` and computed keys as `[*]`.
pub(super) fn callback_path(e: &Expr) -> String {
    fn write(e: &Expr, out: &mut String, depth: u32) {
        if depth > 16 || out.len() > 200 {
            out.push('?');
            return;
        }
        match unparen(e) {
            Expr::Ident(i) => out.push_str(&i.sym),
            Expr::This(_) => out.push_str("this"),
            Expr::Member(m) => {
                write(&m.obj, out, depth + 1);
                out.push('.');
                match &m.prop {
                    MemberProp::Ident(i) => out.push_str(&i.sym),
                    MemberProp::PrivateName(p) => {
                        out.push('#');
                        out.push_str(&p.name);
                    }
                    MemberProp::Computed(c) => match unparen(&c.expr) {
                        Expr::Lit(Lit::Str(s)) => out.push_str(&s.value.to_atom_lossy()),
                        _ => out.push_str("[*]"),
                    },
                }
            }
            Expr::Call(c) => {
                match &c.callee {
                    Callee::Expr(ce) => write(ce, out, depth + 1),
                    _ => out.push('?'),
                }
                out.push_str("()");
            }
            _ => out.push('?'),
        }
    }
    let mut out = String::new();
    write(e, &mut out, 0);
    out
}

/// What a registration's first argument names, for naming the task: a string
/// (`'click'`), or a member path's last name (`event_types.MESSAGE_RECEIVED`).
pub(super) fn callback_label(e: &Expr) -> Option<String> {
    match unparen(e) {
        Expr::Lit(Lit::Str(s)) => {
            let v = s.value.to_atom_lossy();
            (v.len() <= 60).then(|| v.to_string())
        }
        Expr::Member(m) => prop_name(&m.prop).map(|p| p.to_string()),
        Expr::Ident(i) => Some(i.sym.to_string()),
        // `fromProps({ name: 'sum', callback })`: a command's name
        Expr::Object(o) => o.props.iter().find_map(|p| match p {
            PropOrSpread::Prop(p) => match &**p {
                Prop::KeyValue(kv) if matches!(&kv.key, PropName::Ident(k) if &*k.sym == "name") => match unparen(&kv.value) {
                    Expr::Lit(Lit::Str(s)) => Some(s.value.to_atom_lossy().to_string()),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }),
        _ => None,
    }
}

/// Whether a returned value is plainly not a promise (a literal, an object or array literal,
/// arithmetic, an awaited value): an `async` function returning it settles as soon as it
/// returns. Anything else may be a promise the function's own promise then waits for.
pub(super) fn plainly_not_thenable(e: &Expr) -> bool {
    match unparen(e) {
        // `a || b`, `a && b`, `a ?? b` are one of their operands
        Expr::Bin(b) if matches!(b.op, BinaryOp::LogicalOr | BinaryOp::LogicalAnd | BinaryOp::NullishCoalescing) => {
            plainly_not_thenable(&b.left) && plainly_not_thenable(&b.right)
        }
        // an object literal is a thenable when it has a `then` (or may: a spread, a computed key)
        Expr::Object(o) => o.props.iter().all(|p| match p {
            PropOrSpread::Spread(_) => false,
            PropOrSpread::Prop(p) => match &**p {
                Prop::KeyValue(kv) => key_name(&kv.key).is_some_and(|k| k != "then"),
                Prop::Method(m) => key_name(&m.key).is_some_and(|k| k != "then"),
                Prop::Shorthand(i) => &*i.sym != "then",
                Prop::Getter(g) => key_name(&g.key).is_some_and(|k| k != "then"),
                _ => false,
            },
        }),
        Expr::Lit(_) | Expr::Array(_) | Expr::Tpl(_) | Expr::Unary(_) | Expr::Bin(_) | Expr::Update(_) => true,
        Expr::Await(_) | Expr::Arrow(_) | Expr::Fn(_) | Expr::Class(_) => true,
        Expr::Ident(i) => &*i.sym == "undefined",
        Expr::Cond(c) => plainly_not_thenable(&c.cons) && plainly_not_thenable(&c.alt),
        Expr::Seq(s) => s.exprs.last().is_some_and(|e| plainly_not_thenable(e)),
        _ => false,
    }
}
