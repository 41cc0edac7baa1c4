//! Small constructors for `hcl-rs` expressions, so module code reads like the HCL it builds:
//! `var("name")`, `r("aws_vpc.this.id")`, `func("cidrsubnet", [..])`, `obj([("a", ..)])`.
//! Everything here builds `hcl::Expression` trees; nothing is spliced into HCL text.

use hcl::Identifier;
use hcl::expr::{
    BinaryOp, BinaryOperator, Conditional, ForExpr, FuncCall, Object, ObjectKey, TemplateExpr,
    Traversal, TraversalOperator, UnaryOp, UnaryOperator, Variable,
};

pub use hcl::Expression as Expr;

/// A reference written as a dotted path: `var.name`, `aws_vpc.this.id`, `local.azs[0]`,
/// `aws_subnet.private[*].id`, `var.azs[count.index]`, `each.value.name`. Segments are
/// identifiers, each optionally followed by indexes: `[N]`, `[*]` (splat), `["key"]`, or a
/// reference such as `[count.index]`.
///
/// Panics on a malformed path: paths are literals in this crate's code, never user input.
pub fn r(path: &str) -> Expr {
    let mut segments: Vec<(String, Vec<String>)> = Vec::new();
    let (mut name, mut indexes, mut inner, mut depth) =
        (String::new(), Vec::new(), String::new(), 0);
    for c in path.chars() {
        match (c, depth) {
            ('[', 0) => depth = 1,
            ('[', _) => {
                depth += 1;
                inner.push(c);
            }
            (']', 1) => {
                depth = 0;
                indexes.push(std::mem::take(&mut inner));
            }
            (']', _) => {
                depth -= 1;
                inner.push(c);
            }
            (_, d) if d > 0 => inner.push(c),
            ('.', 0) => segments.push((std::mem::take(&mut name), std::mem::take(&mut indexes))),
            _ => name.push(c),
        }
    }
    assert!(depth == 0, "unbalanced brackets in reference {path:?}");
    segments.push((name, indexes));
    let mut ops: Vec<TraversalOperator> = Vec::new();
    let root = segments.first().map(|(n, _)| n.clone()).unwrap_or_default();
    for (i, (name, idx)) in segments.into_iter().enumerate() {
        if i > 0 {
            ops.push(TraversalOperator::GetAttr(ident(&name)));
        }
        for x in idx {
            ops.push(match x.as_str() {
                "*" => TraversalOperator::FullSplat,
                q if q.starts_with('"') => {
                    TraversalOperator::Index(Expr::String(q.trim_matches('"').to_string()))
                }
                n if n.chars().all(|c| c.is_ascii_digit()) => TraversalOperator::Index(
                    Expr::Number(n.parse::<u64>().unwrap_or_default().into()),
                ),
                e => TraversalOperator::Index(r(e)),
            });
        }
    }
    let var: Expr = Variable::unchecked(ident(&root).into_inner()).into();
    if ops.is_empty() {
        var
    } else {
        Traversal::new(var, ops).into()
    }
}

fn ident(s: &str) -> Identifier {
    Identifier::new(s).unwrap_or_else(|_| panic!("not an HCL identifier: {s:?}"))
}

/// `var.NAME`
pub fn var(name: &str) -> Expr {
    r(&format!("var.{name}"))
}

/// `local.NAME`
pub fn local(name: &str) -> Expr {
    r(&format!("local.{name}"))
}

/// A bare keyword or type name: `string`, `number`, `null`-free type expressions.
pub fn kw(name: &str) -> Expr {
    Variable::unchecked(ident(name).into_inner()).into()
}

/// A function call.
pub fn func<I: IntoIterator<Item = Expr>>(name: &str, args: I) -> Expr {
    let mut b = FuncCall::builder(ident(name));
    for a in args {
        b = b.arg(a);
    }
    b.build().into()
}

/// A string with `${...}` interpolations, written as HCL template text.
pub fn tpl(text: &str) -> Expr {
    TemplateExpr::QuotedString(text.to_string()).into()
}

/// A plain string literal (`${` is escaped, never interpolated).
pub fn s(text: &str) -> Expr {
    Expr::String(text.to_string())
}

/// A list of string literals.
pub fn strs<I: IntoIterator<Item = S>, S: AsRef<str>>(items: I) -> Expr {
    Expr::Array(items.into_iter().map(|x| s(x.as_ref())).collect())
}

/// A list of expressions.
pub fn list<I: IntoIterator<Item = Expr>>(items: I) -> Expr {
    Expr::Array(items.into_iter().collect())
}

/// An object; keys that are identifiers are written bare, others quoted.
pub fn obj<I: IntoIterator<Item = (K, Expr)>, K: AsRef<str>>(items: I) -> Expr {
    let mut o: Object<ObjectKey, Expr> = Object::new();
    for (k, v) in items {
        let k = k.as_ref();
        let key = match Identifier::new(k) {
            Ok(id) => ObjectKey::Identifier(id),
            Err(_) => ObjectKey::Expression(s(k)),
        };
        o.insert(key, v);
    }
    Expr::Object(o)
}

/// `c ? t : f`
pub fn cond(c: Expr, t: Expr, f: Expr) -> Expr {
    Conditional::new(c, t, f).into()
}

pub fn bin(l: Expr, op: BinaryOperator, rhs: Expr) -> Expr {
    BinaryOp::new(l, op, rhs).into()
}

pub fn eq(l: Expr, rhs: Expr) -> Expr {
    bin(l, BinaryOperator::Eq, rhs)
}

pub fn and(l: Expr, rhs: Expr) -> Expr {
    bin(l, BinaryOperator::And, rhs)
}

pub fn or(l: Expr, rhs: Expr) -> Expr {
    bin(l, BinaryOperator::Or, rhs)
}

pub fn not(e: Expr) -> Expr {
    UnaryOp::new(UnaryOperator::Not, e).into()
}

/// `[for v in coll : value]`
pub fn for_list(v: &str, coll: Expr, value: Expr) -> Expr {
    ForExpr::new(ident(v), coll, value).into()
}

/// `[for v in coll : value if cond]`
pub fn for_list_if(v: &str, coll: Expr, value: Expr, cond_expr: Expr) -> Expr {
    ForExpr::new(ident(v), coll, value)
        .with_cond_expr(cond_expr)
        .into()
}

/// `[for k, v in coll : value]` (index and element of a list, key and value of a map)
pub fn for_list_kv(k: &str, v: &str, coll: Expr, value: Expr) -> Expr {
    ForExpr::new(ident(v), coll, value)
        .with_key_var(ident(k))
        .into()
}

/// `{for k, v in coll : key => value}`
pub fn for_map(k: &str, v: &str, coll: Expr, key: Expr, value: Expr) -> Expr {
    ForExpr::new(ident(v), coll, value)
        .with_key_var(ident(k))
        .with_key_expr(key)
        .into()
}

/// `{for v in coll : key => value}`
pub fn for_obj(v: &str, coll: Expr, key: Expr, value: Expr) -> Expr {
    ForExpr::new(ident(v), coll, value)
        .with_key_expr(key)
        .into()
}

/// `{for k, v in coll : key => value if cond}`
pub fn for_map_if(k: &str, v: &str, coll: Expr, key: Expr, value: Expr, cond_expr: Expr) -> Expr {
    ForExpr::new(ident(v), coll, value)
        .with_key_var(ident(k))
        .with_key_expr(key)
        .with_cond_expr(cond_expr)
        .into()
}

/// `(e)`: `hcl-rs` writes operands as given, so precedence other than HCL's needs explicit parentheses.
pub fn paren(e: Expr) -> Expr {
    Expr::Parenthesis(Box::new(e))
}

/// `null`
pub fn null() -> Expr {
    Expr::Null
}

pub fn num(n: i64) -> Expr {
    Expr::Number(n.into())
}

pub fn boolean(b: bool) -> Expr {
    Expr::Bool(b)
}

/// Type constructors for variable declarations.
pub mod ty {
    use super::{Expr, func, kw, obj};

    pub fn string() -> Expr {
        kw("string")
    }
    pub fn number() -> Expr {
        kw("number")
    }
    pub fn bool() -> Expr {
        kw("bool")
    }
    pub fn list(of: Expr) -> Expr {
        func("list", [of])
    }
    pub fn set(of: Expr) -> Expr {
        func("set", [of])
    }
    pub fn map(of: Expr) -> Expr {
        func("map", [of])
    }
    pub fn object<I: IntoIterator<Item = (&'static str, Expr)>>(attrs: I) -> Expr {
        func("object", [obj(attrs)])
    }
    pub fn optional(of: Expr) -> Expr {
        func("optional", [of])
    }
    pub fn optional_default(of: Expr, default: Expr) -> Expr {
        func("optional", [of, default])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl::format::{Format, Formatter};

    fn show(e: &Expr) -> String {
        let mut f = Formatter::builder().build_vec();
        e.format_string(&mut f).unwrap()
    }

    #[test]
    fn references() {
        assert_eq!(show(&r("var.name")), "var.name");
        assert_eq!(
            show(&r("aws_subnet.private[*].id")),
            "aws_subnet.private[*].id"
        );
        assert_eq!(show(&r("local.azs[0]")), "local.azs[0]");
        assert_eq!(show(&r("each.value")), "each.value");
        assert_eq!(show(&r("self")), "self");
        assert_eq!(show(&r("var.azs[count.index]")), "var.azs[count.index]");
        assert_eq!(
            show(&r("aws_eks_access_entry.admin[each.key].arn")),
            "aws_eks_access_entry.admin[each.key].arn"
        );
        assert_eq!(show(&r("x.y[\"k\"][0]")), "x.y[\"k\"][0]");
    }

    #[test]
    fn strings_escape_interpolation_but_templates_keep_it() {
        assert_eq!(show(&s("${x}")), "\"$${x}\"");
        assert_eq!(show(&tpl("${var.name}-x")), "\"${var.name}-x\"");
    }
}
