//! Types, values and whole schemas drawn from fuzzer bytes with `arbitrary`. Sizes and depths are
//! small: the fuzzer is after unusual shapes, not big ones.

use std::collections::BTreeMap;

use arbitrary::{Result, Unstructured};

use crate::cty::{Number, Type, Value};
use crate::schema::{Attribute, Block, BlockNesting, NestedBlock, Nesting};
use crate::validators::{IntBetween, OneOf};

/// Attribute names: few, so that they collide; two that Terraform rejects.
const NAMES: &[&str] = &["id", "name", "tags", "size", "a", "b", "Bad-Name", ""];
/// Map keys and strings: empty, non-ASCII, the JSON unknown marker.
const STRINGS: &[&str] = &["", "a", "b", "k", "\u{e9}", "a.b", "\u{0}cty:unknown\u{0}"];
/// Numbers at the edges of the encodings.
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "0.1",
    "1.5",
    "-2.5e-7",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "1e400",
    "1e-400",
];

/// Which values a slot may hold besides known ones.
#[derive(Clone, Copy)]
pub struct Mix {
    pub null: bool,
    pub unknown: bool,
}

pub const KNOWN: Mix = Mix {
    null: true,
    unknown: false,
};

pub const ANY: Mix = Mix {
    null: true,
    unknown: true,
};

fn len(u: &mut Unstructured<'_>) -> Result<usize> {
    u.int_in_range(0..=3)
}

fn string(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(1, 2)? {
        Ok((*u.choose(STRINGS)?).to_owned())
    } else {
        let s: String = u.arbitrary()?;
        Ok(s.chars().take(16).collect())
    }
}

fn number(u: &mut Unstructured<'_>) -> Result<Number> {
    Ok(match u.int_in_range(0..=2)? {
        0 => Number::from_i64(u.arbitrary()?),
        1 => Number::from_f64(u.arbitrary()?).unwrap_or_else(|| Number::from_i64(0)),
        _ => Number::parse(u.choose(NUMBERS)?).unwrap_or_else(|| Number::from_i64(0)),
    })
}

/// A type up to `depth` levels of collections and structures.
pub fn ty(u: &mut Unstructured<'_>, depth: u32) -> Result<Type> {
    let kinds = if depth == 0 { 3 } else { 8 };
    Ok(match u.int_in_range(0..=kinds)? {
        0 => Type::String,
        1 => Type::Number,
        2 => Type::Bool,
        3 => Type::Dynamic,
        4 => Type::list(ty(u, depth - 1)?),
        5 => Type::set(ty(u, depth - 1)?),
        6 => Type::map(ty(u, depth - 1)?),
        7 => Type::Tuple(
            (0..len(u)?)
                .map(|_| ty(u, depth - 1))
                .collect::<Result<_>>()?,
        ),
        _ => {
            let mut attrs = Vec::new();
            for _ in 0..len(u)? {
                attrs.push((string(u)?, ty(u, depth - 1)?));
            }
            let mut t = Type::object(attrs);
            if let Type::Object(ot) = &mut t {
                for name in ot.attrs.keys() {
                    if u.ratio(1, 3)? {
                        ot.optional.insert(name.clone());
                    }
                }
            }
            t
        }
    })
}

/// A value of type `ty`, with nulls and unknowns anywhere `mix` allows.
pub fn value(u: &mut Unstructured<'_>, ty: &Type, mix: Mix) -> Result<Value> {
    if mix.null && u.ratio(1, 6)? {
        return Ok(Value::Null);
    }
    if mix.unknown && u.ratio(1, 8)? {
        return Ok(Value::Unknown);
    }
    Ok(match ty {
        Type::String => Value::String(string(u)?),
        Type::Number => Value::Number(number(u)?),
        Type::Bool => Value::Bool(u.arbitrary()?),
        Type::Dynamic => {
            let t = self::ty(u, 1)?;
            let v = value(u, &t, mix)?;
            Value::Dynamic(Box::new((t, v)))
        }
        Type::List(e) => Value::List(values(u, e, mix)?),
        Type::Set(e) => Value::Set(values(u, e, mix)?),
        Type::Tuple(ts) => {
            Value::Tuple(ts.iter().map(|t| value(u, t, mix)).collect::<Result<_>>()?)
        }
        Type::Map(e) => {
            let mut m = BTreeMap::new();
            for _ in 0..len(u)? {
                m.insert(string(u)?, value(u, e, mix)?);
            }
            Value::Map(m)
        }
        Type::Object(ot) => Value::Object(
            ot.attrs
                .iter()
                .map(|(k, t)| Ok((k.clone(), value(u, t, mix)?)))
                .collect::<Result<_>>()?,
        ),
    })
}

fn values(u: &mut Unstructured<'_>, elem: &Type, mix: Mix) -> Result<Vec<Value>> {
    (0..len(u)?).map(|_| value(u, elem, mix)).collect()
}

/// A schema block up to `depth` levels of nested blocks and nested attributes. Most are valid;
/// some break Terraform's rules (names, flags, duplicates), and [`crate::schema::check`] says so.
pub fn block(u: &mut Unstructured<'_>, depth: u32) -> Result<Block> {
    let mut b = Block::new("fuzz");
    for _ in 0..u.int_in_range(0..=4)? {
        b.attributes.push(attribute(u, depth)?);
    }
    if depth > 0 {
        for _ in 0..u.int_in_range(0..=2)? {
            let nesting = *u.choose(&[
                BlockNesting::Single,
                BlockNesting::Group,
                BlockNesting::List,
                BlockNesting::Set,
                BlockNesting::Map,
            ])?;
            let mut nb = NestedBlock::new(u.choose(NAMES)?, nesting, block(u, depth - 1)?);
            nb.min_items = u.int_in_range(0..=2)?;
            nb.max_items = u.int_in_range(0..=2)?;
            b.blocks.push(nb);
        }
    }
    Ok(b)
}

fn attribute(u: &mut Unstructured<'_>, depth: u32) -> Result<Attribute> {
    let name = u.choose(NAMES)?;
    let mut a = if depth > 0 && u.ratio(1, 4)? {
        let nesting = *u.choose(&[Nesting::Single, Nesting::List, Nesting::Set, Nesting::Map])?;
        let members = (0..u.int_in_range(1..=3)?)
            .map(|_| attribute(u, depth - 1))
            .collect::<Result<_>>()?;
        Attribute::nested(name, nesting, members)
    } else {
        Attribute::new(name, ty(u, 2)?)
    };
    // Mostly the four combinations Terraform allows, sometimes none or too many.
    match u.int_in_range(0..=9)? {
        0..=2 => a = a.required(),
        3..=5 => a = a.optional(),
        6 => a = a.computed(),
        7 | 8 => a = a.optional().computed(),
        _ => {
            a.required = u.arbitrary()?;
            a.optional = u.arbitrary()?;
            a.computed = u.arbitrary()?;
        }
    }
    a.sensitive = u.arbitrary()?;
    a.write_only = u.ratio(1, 6)?;
    if a.optional && a.computed && u.ratio(1, 3)? {
        let d = value(u, &a.value_type(), KNOWN)?;
        a = a.default(d);
    }
    if u.ratio(1, 4)? {
        a = a.requires_replace();
    }
    if u.ratio(1, 4)? {
        a = a.use_state_for_unknown();
    }
    if u.ratio(1, 4)? {
        a = a.validate(IntBetween(-2, 5));
    }
    if u.ratio(1, 4)? {
        a = a.validate(OneOf(&["a", "b"]));
    }
    Ok(a)
}

/// What an object of `block` holds: a configuration as Terraform sends it to plan (computed-only
/// attributes null, required ones set, unknowns where references are not known yet), or a state
/// (wholly known, write-only attributes null).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Config,
    State,
}

pub fn object(u: &mut Unstructured<'_>, block: &Block, role: Role) -> Result<Value> {
    let mix = match role {
        Role::Config => ANY,
        Role::State => KNOWN,
    };
    let mut m = BTreeMap::new();
    for a in &block.attributes {
        let v = match role {
            Role::Config if a.computed && !a.optional => Value::Null,
            Role::State if a.write_only => Value::Null,
            _ if !a.required && u.ratio(1, 3)? => Value::Null,
            Role::Config if u.ratio(1, 10)? => Value::Unknown,
            _ => match a.nested_attributes() {
                Some((nesting, members)) => {
                    let nested = Block {
                        attributes: members.to_vec(),
                        ..Block::default()
                    };
                    let n = match nesting {
                        Nesting::Single => BlockNesting::Single,
                        Nesting::List => BlockNesting::List,
                        Nesting::Set => BlockNesting::Set,
                        Nesting::Map => BlockNesting::Map,
                    };
                    nested_objects(u, &nested, n, role)?
                }
                None => value(u, &a.value_type(), mix)?,
            },
        };
        m.insert(a.name.clone(), v);
    }
    for b in &block.blocks {
        let v = match b.nesting {
            // Absent single blocks are null; groups are always there.
            BlockNesting::Single if u.ratio(1, 3)? => Value::Null,
            // A dynamic block whose for_each is not known yet.
            BlockNesting::List | BlockNesting::Set if role == Role::Config && u.ratio(1, 12)? => {
                Value::Unknown
            }
            n => nested_objects(u, &b.block, n, role)?,
        };
        m.insert(b.type_name.clone(), v);
    }
    Ok(Value::Object(m))
}

fn nested_objects(
    u: &mut Unstructured<'_>,
    block: &Block,
    nesting: BlockNesting,
    role: Role,
) -> Result<Value> {
    Ok(match nesting {
        BlockNesting::Single | BlockNesting::Group => object(u, block, role)?,
        BlockNesting::List => Value::List(
            (0..len(u)?)
                .map(|_| object(u, block, role))
                .collect::<Result<_>>()?,
        ),
        BlockNesting::Set => Value::Set(
            (0..len(u)?)
                .map(|_| object(u, block, role))
                .collect::<Result<_>>()?,
        ),
        BlockNesting::Map => {
            let mut m = BTreeMap::new();
            for _ in 0..len(u)? {
                m.insert(string(u)?, object(u, block, role)?);
            }
            Value::Map(m)
        }
    })
}

/// `v` with every unknown replaced by a known value of its type: what an apply may return.
pub fn resolve_unknowns(u: &mut Unstructured<'_>, v: &Value, ty: &Type) -> Result<Value> {
    if matches!(v, Value::Unknown) {
        return value(
            u,
            ty,
            Mix {
                null: false,
                unknown: false,
            },
        );
    }
    Ok(match (v, ty) {
        (Value::Dynamic(d), _) => {
            let (t, inner) = &**d;
            Value::Dynamic(Box::new((t.clone(), resolve_unknowns(u, inner, t)?)))
        }
        (Value::List(xs), Type::List(e) | Type::Set(e)) => Value::List(resolve_all(u, xs, e)?),
        (Value::Set(xs), Type::List(e) | Type::Set(e)) => Value::Set(resolve_all(u, xs, e)?),
        (Value::Tuple(xs), Type::Tuple(ts)) => Value::Tuple(
            xs.iter()
                .zip(ts)
                .map(|(x, t)| resolve_unknowns(u, x, t))
                .collect::<Result<_>>()?,
        ),
        (Value::Map(m), Type::Map(e)) => Value::Map(
            m.iter()
                .map(|(k, x)| Ok((k.clone(), resolve_unknowns(u, x, e)?)))
                .collect::<Result<_>>()?,
        ),
        (Value::Object(m), Type::Object(ot)) => Value::Object(
            m.iter()
                .map(|(k, x)| {
                    let t = ot.attrs.get(k).unwrap_or(&Type::Dynamic);
                    Ok((k.clone(), resolve_unknowns(u, x, t)?))
                })
                .collect::<Result<_>>()?,
        ),
        (other, _) => other.clone(),
    })
}

fn resolve_all(u: &mut Unstructured<'_>, xs: &[Value], elem: &Type) -> Result<Vec<Value>> {
    xs.iter().map(|x| resolve_unknowns(u, x, elem)).collect()
}
