//! The untyped value tree. A [`Value`] carries no [`Type`]: whoever encodes
//! or decodes it supplies the type.

use std::collections::BTreeMap;

use super::number::Number;
use super::path::{Path, PathStep};
use super::types::{ObjectType, Type};

/// A cty value.
///
/// `Dynamic` carries a value together with its concrete type; it appears
/// where the schema says `dynamic`. The accessors (`is_null`, `as_str`,
/// `get`, ...) look through `Dynamic` wrappers.
#[derive(Clone, Debug, Default)]
pub enum Value {
    #[default]
    Null,
    Unknown,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
    Object(BTreeMap<String, Value>),
    Dynamic(Box<(Type, Value)>),
}

impl PartialEq for Value {
    /// Structural equality; sets compare as multisets, ignoring order.
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) | (Value::Unknown, Value::Unknown) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::List(a), Value::List(b)) | (Value::Tuple(a), Value::Tuple(b)) => a == b,
            (Value::Set(a), Value::Set(b)) => same_multiset(a, b),
            (Value::Map(a), Value::Map(b)) | (Value::Object(a), Value::Object(b)) => a == b,
            (Value::Dynamic(a), Value::Dynamic(b)) => a.0 == b.0 && a.1 == b.1,
            _ => false,
        }
    }
}

fn same_multiset(a: &[Value], b: &[Value]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut used = vec![false; b.len()];
    a.iter().all(|x| {
        let found = b
            .iter()
            .enumerate()
            .find(|(i, y)| !used[*i] && x == *y)
            .map(|(i, _)| i);
        match found {
            Some(i) => {
                used[i] = true;
                true
            }
            None => false,
        }
    })
}

impl Value {
    /// The value inside any `Dynamic` wrappers.
    fn inner(&self) -> &Value {
        let mut v = self;
        while let Value::Dynamic(d) = v {
            v = &d.1;
        }
        v
    }

    fn inner_mut(&mut self) -> &mut Value {
        match self {
            Value::Dynamic(d) => d.1.inner_mut(),
            other => other,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.inner(), Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.inner(), Value::Unknown)
    }

    /// Whether no part of the value is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => true,
            Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => {
                xs.iter().all(Value::is_wholly_known)
            }
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            Value::Dynamic(d) => d.1.is_wholly_known(),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.inner() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.inner() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self.inner() {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }

    /// The elements of a list, set or tuple.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self.inner() {
            Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => Some(xs),
            _ => None,
        }
    }

    /// The entries of a map or object.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self.inner() {
            Value::Map(m) | Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// An object attribute.
    pub fn get(&self, attr: &str) -> Option<&Value> {
        match self.inner() {
            Value::Object(m) => m.get(attr),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, attr: &str) -> Option<&mut Value> {
        match self.inner_mut() {
            Value::Object(m) => m.get_mut(attr),
            _ => None,
        }
    }

    /// Replaces an existing object attribute; does nothing when `self` has no such attribute
    /// (objects always carry every attribute of their type, so that only happens on misuse).
    pub fn set_attr(&mut self, attr: &str, value: Value) {
        if let Some(slot) = self.get_mut(attr) {
            *slot = value;
        }
    }

    /// Follows a path: attributes and keys select from objects and maps,
    /// indices from lists, tuples and (by position) sets.
    pub fn get_path(&self, p: &Path) -> Option<&Value> {
        p.0.iter().try_fold(self, |v, step| v.step(step))
    }

    pub fn get_path_mut(&mut self, p: &Path) -> Option<&mut Value> {
        p.0.iter().try_fold(self, |v, step| v.step_mut(step))
    }

    fn step(&self, step: &PathStep) -> Option<&Value> {
        match (self.inner(), step) {
            (Value::Object(m) | Value::Map(m), PathStep::Attr(k) | PathStep::Key(k)) => m.get(k),
            (Value::List(xs) | Value::Tuple(xs) | Value::Set(xs), PathStep::Index(i)) => {
                xs.get(usize::try_from(*i).ok()?)
            }
            _ => None,
        }
    }

    fn step_mut(&mut self, step: &PathStep) -> Option<&mut Value> {
        match (self.inner_mut(), step) {
            (Value::Object(m) | Value::Map(m), PathStep::Attr(k) | PathStep::Key(k)) => {
                m.get_mut(k)
            }
            (Value::List(xs) | Value::Tuple(xs) | Value::Set(xs), PathStep::Index(i)) => {
                xs.get_mut(usize::try_from(*i).ok()?)
            }
            _ => None,
        }
    }

    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn int(i: i64) -> Value {
        Value::Number(Number::from_i64(i))
    }

    pub fn object<I: IntoIterator<Item = (S, Value)>, S: Into<String>>(it: I) -> Value {
        Value::Object(it.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// An object with every attribute of `t` set to null.
    pub fn null_object(t: &ObjectType) -> Value {
        Value::Object(t.attrs.keys().map(|k| (k.clone(), Value::Null)).collect())
    }

    /// Fills missing object attributes with `Null`, recursively, so that
    /// every object carries every attribute of its type. Attributes the type
    /// does not declare are kept (encoding reports them).
    pub fn conform(self, ty: &Type) -> Value {
        match (self, ty) {
            (Value::Dynamic(d), _) => {
                let (t, v) = *d;
                let v = v.conform(&t);
                Value::Dynamic(Box::new((t, v)))
            }
            (Value::Object(mut m) | Value::Map(mut m), Type::Object(ot)) => {
                for (name, aty) in &ot.attrs {
                    let v = m.remove(name).unwrap_or(Value::Null).conform(aty);
                    m.insert(name.clone(), v);
                }
                Value::Object(m)
            }
            (Value::Map(m), Type::Map(e)) => {
                Value::Map(m.into_iter().map(|(k, v)| (k, v.conform(e))).collect())
            }
            (Value::Object(m), Type::Map(e)) => {
                Value::Object(m.into_iter().map(|(k, v)| (k, v.conform(e))).collect())
            }
            (Value::List(xs), Type::List(e) | Type::Set(e)) => {
                Value::List(xs.into_iter().map(|v| v.conform(e)).collect())
            }
            (Value::Set(xs), Type::List(e) | Type::Set(e)) => {
                Value::Set(xs.into_iter().map(|v| v.conform(e)).collect())
            }
            (Value::Tuple(xs), Type::List(e) | Type::Set(e)) => {
                Value::Tuple(xs.into_iter().map(|v| v.conform(e)).collect())
            }
            (Value::Tuple(xs), Type::Tuple(ts)) => Value::Tuple(conform_seq(xs, ts)),
            (Value::List(xs), Type::Tuple(ts)) => Value::List(conform_seq(xs, ts)),
            (v, _) => v,
        }
    }

    /// A short description of the value's kind, for error messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown => "unknown",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Map(_) => "map",
            Value::Tuple(_) => "tuple",
            Value::Object(_) => "object",
            Value::Dynamic(_) => "dynamic value",
        }
    }

    /// The type to record for a plain (unwrapped) value placed where the
    /// schema says `dynamic`: primitives, tuples and objects imply their
    /// type; lists, sets and maps need elements that agree on one type.
    pub(crate) fn implied_type(&self) -> Option<Type> {
        match self {
            Value::Null | Value::Unknown | Value::Dynamic(_) => Some(Type::Dynamic),
            Value::Bool(_) => Some(Type::Bool),
            Value::Number(_) => Some(Type::Number),
            Value::String(_) => Some(Type::String),
            Value::Tuple(xs) => xs
                .iter()
                .map(Value::implied_type)
                .collect::<Option<Vec<_>>>()
                .map(Type::Tuple),
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| v.implied_type().map(|t| (k.clone(), t)))
                .collect::<Option<Vec<_>>>()
                .map(Type::object),
            Value::List(xs) => common_element_type(xs.iter()).map(Type::list),
            Value::Set(xs) => common_element_type(xs.iter()).map(Type::set),
            Value::Map(m) => common_element_type(m.values()).map(Type::map),
        }
    }
}

fn conform_seq(xs: Vec<Value>, ts: &[Type]) -> Vec<Value> {
    xs.into_iter()
        .enumerate()
        .map(|(i, v)| match ts.get(i) {
            Some(t) => v.conform(t),
            None => v,
        })
        .collect()
}

/// The one type shared by all non-null, known elements (null and unknown
/// elements fit any element type).
fn common_element_type<'a>(xs: impl Iterator<Item = &'a Value>) -> Option<Type> {
    let mut found: Option<Type> = None;
    for x in xs {
        if matches!(x, Value::Null | Value::Unknown) {
            continue;
        }
        let t = x.implied_type()?;
        match &found {
            None => found = Some(t),
            Some(f) if *f == t => {}
            Some(_) => return None,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_equality_ignores_order() {
        let a = Value::Set(vec![Value::int(1), Value::int(2), Value::int(2)]);
        let b = Value::Set(vec![Value::int(2), Value::int(1), Value::int(2)]);
        let c = Value::Set(vec![Value::int(2), Value::int(1), Value::int(1)]);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(
            Value::List(vec![Value::int(1), Value::int(2)]),
            Value::List(vec![Value::int(2), Value::int(1)])
        );
        assert_ne!(Value::List(vec![]), Value::Set(vec![]));
    }

    #[test]
    fn accessors() {
        let v = Value::object([
            ("name", Value::string("x")),
            ("n", Value::int(3)),
            ("flag", Value::Bool(true)),
            (
                "tags",
                Value::Map(BTreeMap::from([("env".into(), Value::string("prod"))])),
            ),
            ("items", Value::List(vec![Value::Null, Value::Unknown])),
        ]);
        assert_eq!(v.get("name").and_then(Value::as_str), Some("x"));
        assert_eq!(v.get("n").and_then(Value::as_i64), Some(3));
        assert_eq!(v.get("flag").and_then(Value::as_bool), Some(true));
        assert_eq!(
            v.get("items").and_then(Value::as_list).map(<[_]>::len),
            Some(2)
        );
        assert!(v.get("tags").and_then(Value::as_map).is_some());
        assert!(v.get("nope").is_none());
        assert!(!v.is_wholly_known());
        assert!(
            v.get_path(&Path::root().attr("items").index(0))
                .is_some_and(Value::is_null)
        );
        assert!(
            v.get_path(&Path::root().attr("items").index(1))
                .is_some_and(Value::is_unknown)
        );
        assert!(v.get_path(&Path::root().attr("items").index(2)).is_none());
        assert!(v.get_path(&Path::root().attr("items").index(-1)).is_none());
        assert_eq!(
            v.get_path(&Path::root().attr("tags").key("env"))
                .and_then(Value::as_str),
            Some("prod")
        );
        assert_eq!(v.get_path(&Path::root()), Some(&v));
    }

    #[test]
    fn mutation_through_paths() {
        let mut v = Value::object([("a", Value::List(vec![Value::object([("b", Value::Null)])]))]);
        if let Some(slot) = v.get_path_mut(&Path::root().attr("a").index(0).attr("b")) {
            *slot = Value::string("set");
        }
        assert_eq!(
            v.get_path(&Path::root().attr("a").index(0).attr("b"))
                .and_then(Value::as_str),
            Some("set")
        );
        if let Some(slot) = v.get_mut("a") {
            *slot = Value::Null;
        }
        assert!(v.get("a").is_some_and(Value::is_null));
    }

    #[test]
    fn accessors_look_through_dynamic() {
        let d = Value::Dynamic(Box::new((Type::String, Value::string("s"))));
        assert_eq!(d.as_str(), Some("s"));
        let n = Value::Dynamic(Box::new((Type::Number, Value::Null)));
        assert!(n.is_null());
        let mut o = Value::Dynamic(Box::new((
            Type::object([("a", Type::Bool)]),
            Value::object([("a", Value::Bool(false))]),
        )));
        assert_eq!(o.get("a").and_then(Value::as_bool), Some(false));
        if let Some(a) = o.get_mut("a") {
            *a = Value::Bool(true);
        }
        assert_eq!(o.get("a").and_then(Value::as_bool), Some(true));
    }

    #[test]
    fn conform_fills_missing_attributes_recursively() {
        let inner = Type::object([("x", Type::String), ("y", Type::Number)]);
        let ty = Type::object([
            ("a", Type::String),
            ("b", Type::list(inner.clone())),
            ("c", inner.clone()),
        ]);
        let v = Value::object([(
            "b",
            Value::List(vec![Value::object([("x", Value::string("1"))])]),
        )])
        .conform(&ty);
        let want = Value::object([
            ("a", Value::Null),
            (
                "b",
                Value::List(vec![Value::object([
                    ("x", Value::string("1")),
                    ("y", Value::Null),
                ])]),
            ),
            ("c", Value::Null),
        ]);
        assert_eq!(v, want);
        let Type::Object(ot) = &inner else {
            unreachable!()
        };
        assert_eq!(
            Value::null_object(ot),
            Value::object([("x", Value::Null), ("y", Value::Null)])
        );
    }

    #[test]
    fn implied_types() {
        assert_eq!(Value::string("a").implied_type(), Some(Type::String));
        assert_eq!(
            Value::Tuple(vec![Value::int(1), Value::Null]).implied_type(),
            Some(Type::Tuple(vec![Type::Number, Type::Dynamic]))
        );
        assert_eq!(
            Value::List(vec![Value::Null, Value::string("a")]).implied_type(),
            Some(Type::list(Type::String))
        );
        assert_eq!(Value::List(vec![]).implied_type(), None);
        assert_eq!(
            Value::List(vec![Value::int(1), Value::string("a")]).implied_type(),
            None
        );
    }
}
