//! cty types and their JSON encoding.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value as Json;

use super::error::CtyError;
use super::path::Path;

/// Deepest type description [`Type::from_json`] accepts.
const MAX_TYPE_DEPTH: usize = 128;

/// A cty type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    String,
    Number,
    Bool,
    /// The dynamic pseudo-type: any value, carrying its own type.
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(ObjectType),
}

/// The attributes of an object type, and which of them are optional.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ObjectType {
    pub attrs: BTreeMap<String, Type>,
    pub optional: BTreeSet<String>,
}

impl Type {
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }

    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }

    /// An object type with the given attributes, none of them optional.
    pub fn object<I: IntoIterator<Item = (S, Type)>, S: Into<String>>(attrs: I) -> Type {
        Type::Object(ObjectType {
            attrs: attrs.into_iter().map(|(k, t)| (k.into(), t)).collect(),
            optional: BTreeSet::new(),
        })
    }

    /// The JSON type encoding: `"string"`, `["list","number"]`,
    /// `["object",{"a":"bool"},["a"]]`, ...
    pub fn to_json(&self) -> Json {
        match self {
            Type::String => Json::from("string"),
            Type::Number => Json::from("number"),
            Type::Bool => Json::from("bool"),
            Type::Dynamic => Json::from("dynamic"),
            Type::List(e) => Json::Array(vec![Json::from("list"), e.to_json()]),
            Type::Set(e) => Json::Array(vec![Json::from("set"), e.to_json()]),
            Type::Map(e) => Json::Array(vec![Json::from("map"), e.to_json()]),
            Type::Tuple(es) => Json::Array(vec![
                Json::from("tuple"),
                Json::Array(es.iter().map(Type::to_json).collect()),
            ]),
            Type::Object(o) => {
                let attrs = o
                    .attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), t.to_json()))
                    .collect::<serde_json::Map<_, _>>();
                let mut parts = vec![Json::from("object"), Json::Object(attrs)];
                if !o.optional.is_empty() {
                    parts.push(Json::Array(
                        o.optional.iter().map(|n| Json::from(n.as_str())).collect(),
                    ));
                }
                Json::Array(parts)
            }
        }
    }

    /// The compact JSON type encoding as bytes.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }

    /// Parses the JSON type encoding.
    pub fn from_json(v: &Json) -> Result<Type, CtyError> {
        parse(v, &Path::root(), 0)
    }

    /// Parses the JSON type encoding from bytes.
    pub fn from_json_bytes(bytes: &[u8]) -> Result<Type, CtyError> {
        let v: Json = serde_json::from_slice(bytes).map_err(|e| CtyError::InvalidType {
            path: Path::root(),
            expected: "a JSON type description".into(),
            found: format!("invalid JSON ({e})"),
        })?;
        Type::from_json(&v)
    }

    /// Whether this is a primitive type (string, number or bool).
    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::String | Type::Number | Type::Bool)
    }
}

impl fmt::Display for Type {
    /// A short human-readable name such as `list of string`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::Dynamic => f.write_str("dynamic"),
            Type::List(e) => write!(f, "list of {e}"),
            Type::Set(e) => write!(f, "set of {e}"),
            Type::Map(e) => write!(f, "map of {e}"),
            Type::Tuple(es) => write!(f, "tuple of {} elements", es.len()),
            Type::Object(_) => f.write_str("object"),
        }
    }
}

/// Parses a type description embedded in a value at `at` (a dynamic
/// value's type), reporting errors at that value path.
pub(crate) fn type_from_json_bytes_at(bytes: &[u8], at: &Path) -> Result<Type, CtyError> {
    Type::from_json_bytes(bytes).map_err(|e| relocate(e, at))
}

/// Like [`type_from_json_bytes_at`], for an already-parsed description.
pub(crate) fn type_from_json_at(v: &Json, at: &Path) -> Result<Type, CtyError> {
    Type::from_json(v).map_err(|e| relocate(e, at))
}

fn relocate(e: CtyError, at: &Path) -> CtyError {
    match e {
        CtyError::InvalidType {
            path,
            expected,
            found,
        } => CtyError::InvalidType {
            path: at.clone(),
            expected,
            found: if path.is_root() {
                found
            } else {
                format!("{found} (at {path} within the type)")
            },
        },
        CtyError::TooDeep { limit, .. } => CtyError::TooDeep {
            path: at.clone(),
            limit,
        },
        other => other,
    }
}

fn invalid(path: &Path, expected: &str, found: &Json) -> CtyError {
    let mut shown = found.to_string();
    if shown.len() > 60 {
        let mut cut = 57;
        while !shown.is_char_boundary(cut) {
            cut -= 1;
        }
        shown.truncate(cut);
        shown.push_str("...");
    }
    CtyError::InvalidType {
        path: path.clone(),
        expected: expected.to_owned(),
        found: shown,
    }
}

/// `path` locates the part of the type description being parsed: attribute
/// names for object attributes, indices for tuple elements.
fn parse(v: &Json, path: &Path, depth: usize) -> Result<Type, CtyError> {
    if depth > MAX_TYPE_DEPTH {
        return Err(CtyError::TooDeep {
            path: path.clone(),
            limit: MAX_TYPE_DEPTH,
        });
    }
    const EXPECTED: &str = "\"string\", \"number\", \"bool\", \"dynamic\" or [kind, ...]";
    match v {
        Json::String(s) => match s.as_str() {
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            "dynamic" => Ok(Type::Dynamic),
            _ => Err(invalid(path, EXPECTED, v)),
        },
        Json::Array(parts) => {
            let Some(Json::String(kind)) = parts.first() else {
                return Err(invalid(path, "a type kind string first", v));
            };
            match (kind.as_str(), &parts[1..]) {
                ("list", [e]) => Ok(Type::list(parse(e, path, depth + 1)?)),
                ("set", [e]) => Ok(Type::set(parse(e, path, depth + 1)?)),
                ("map", [e]) => Ok(Type::map(parse(e, path, depth + 1)?)),
                ("tuple", [Json::Array(es)]) => es
                    .iter()
                    .enumerate()
                    .map(|(i, e)| parse(e, &path.index(i as i64), depth + 1))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Type::Tuple),
                ("object", [Json::Object(attrs)]) => parse_object(attrs, None, path, depth),
                ("object", [Json::Object(attrs), Json::Array(opt)]) => {
                    parse_object(attrs, Some(opt), path, depth)
                }
                ("list" | "set" | "map", _) => {
                    Err(invalid(path, &format!("[\"{kind}\", element type]"), v))
                }
                ("tuple", _) => Err(invalid(path, "[\"tuple\", [element types]]", v)),
                ("object", _) => Err(invalid(
                    path,
                    "[\"object\", {attributes}] or [\"object\", {attributes}, [optional names]]",
                    v,
                )),
                _ => Err(invalid(path, "list, set, map, tuple or object", v)),
            }
        }
        _ => Err(invalid(path, EXPECTED, v)),
    }
}

fn parse_object(
    attrs: &serde_json::Map<String, Json>,
    optional: Option<&Vec<Json>>,
    path: &Path,
    depth: usize,
) -> Result<Type, CtyError> {
    let mut ot = ObjectType::default();
    for (name, t) in attrs {
        ot.attrs
            .insert(name.clone(), parse(t, &path.attr(name), depth + 1)?);
    }
    for name in optional.into_iter().flatten() {
        match name {
            Json::String(n) if ot.attrs.contains_key(n) => {
                ot.optional.insert(n.clone());
            }
            _ => {
                return Err(invalid(
                    path,
                    "optional attribute names that the object declares",
                    name,
                ));
            }
        }
    }
    Ok(Type::Object(ot))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn primitives_encode_as_strings() {
        assert_eq!(Type::String.to_json(), json!("string"));
        assert_eq!(Type::Number.to_json(), json!("number"));
        assert_eq!(Type::Bool.to_json(), json!("bool"));
        assert_eq!(Type::Dynamic.to_json(), json!("dynamic"));
    }

    #[test]
    fn collections_and_structurals() {
        let t = Type::object([
            ("a", Type::list(Type::String)),
            ("b", Type::set(Type::map(Type::Number))),
            ("c", Type::Tuple(vec![Type::Bool, Type::Dynamic])),
        ]);
        let j = json!(["object", {
            "a": ["list", "string"],
            "b": ["set", ["map", "number"]],
            "c": ["tuple", ["bool", "dynamic"]]
        }]);
        assert_eq!(t.to_json(), j);
        assert_eq!(Type::from_json(&j), Ok(t.clone()));
        assert_eq!(Type::from_json_bytes(&t.to_json_bytes()), Ok(t));
    }

    #[test]
    fn optional_attributes_use_third_element() {
        let mut ot = ObjectType::default();
        ot.attrs.insert("a".into(), Type::String);
        ot.attrs.insert("b".into(), Type::Number);
        ot.optional.insert("b".into());
        let t = Type::Object(ot);
        let j = json!(["object", {"a": "string", "b": "number"}, ["b"]]);
        assert_eq!(t.to_json(), j);
        assert_eq!(Type::from_json(&j), Ok(t));
        // An empty optional list is accepted and dropped.
        let j = json!(["object", {"a": "string"}, []]);
        assert_eq!(Type::from_json(&j), Ok(Type::object([("a", Type::String)])));
    }

    #[test]
    fn compact_bytes() {
        assert_eq!(
            Type::list(Type::String).to_json_bytes(),
            b"[\"list\",\"string\"]".to_vec()
        );
    }

    #[test]
    fn malformed_descriptions_are_errors() {
        for j in [
            json!("strin"),
            json!(1),
            json!(null),
            json!([]),
            json!(["list"]),
            json!(["list", "string", "x"]),
            json!(["tuple", "string"]),
            json!(["object", ["a"]]),
            json!(["object", {"a": "string"}, ["b"]]),
            json!(["object", {"a": "string"}, [1]]),
            json!(["frob", "string"]),
            json!([1, "string"]),
        ] {
            assert!(Type::from_json(&j).is_err(), "{j}");
        }
        assert!(Type::from_json_bytes(b"[\"list\"").is_err());
    }

    #[test]
    fn error_names_location_in_type() {
        let j = json!(["object", {"a": ["tuple", ["string", "nope"]]}]);
        match Type::from_json(&j) {
            Err(CtyError::InvalidType { path, .. }) => {
                assert_eq!(path.to_string(), "a[1]");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let mut j = json!("string");
        for _ in 0..1000 {
            j = json!(["list", j]);
        }
        assert!(matches!(Type::from_json(&j), Err(CtyError::TooDeep { .. })));
        // Drop iteratively-built deep JSON without relying on recursion limits.
        let mut cur = j;
        while let Json::Array(mut parts) = cur {
            cur = parts.pop().unwrap_or(Json::Null);
        }
    }

    #[test]
    fn display_names() {
        assert_eq!(Type::list(Type::String).to_string(), "list of string");
        assert_eq!(
            Type::Tuple(vec![Type::Bool]).to_string(),
            "tuple of 1 elements"
        );
    }
}
