//! Checks shared by the msgpack and JSON codecs: matching a [`Value`]
//! against the [`Type`] it is being encoded as, and the nesting limit.
//!
//! Encoders are tolerant about which container variant carries the data:
//! any of `List`/`Set`/`Tuple` may be encoded as a list, set or tuple type,
//! and `Map`/`Object` as a map or object type. Kinds must still match.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Display;

use super::error::CtyError;
use super::path::Path;
use super::types::{ObjectType, Type};
use super::value::Value;

/// Deepest nesting the codecs follow (dynamic values can nest without bound
/// in the input, so the type alone does not limit it); keeps recursion well
/// within a 2 MiB thread stack even in debug builds.
pub(crate) const MAX_DEPTH: usize = 128;

pub(crate) fn check_depth(depth: usize, path: &Path) -> Result<(), CtyError> {
    if depth > MAX_DEPTH {
        Err(CtyError::TooDeep {
            path: path.clone(),
            limit: MAX_DEPTH,
        })
    } else {
        Ok(())
    }
}

pub(crate) fn mismatch(path: &Path, expected: impl Display, found: &Value) -> CtyError {
    let found = match found {
        Value::Dynamic(d) => format!("dynamic value of type {}", d.0),
        other => other.kind().to_owned(),
    };
    CtyError::TypeMismatch {
        path: path.clone(),
        expected: expected.to_string(),
        found,
    }
}

/// For a value in a non-dynamic slot: sees through `Dynamic` wrappers whose
/// type is exactly the slot's type.
pub(crate) fn unwrap_static<'a>(
    v: &'a Value,
    ty: &Type,
    path: &Path,
) -> Result<&'a Value, CtyError> {
    match v {
        Value::Dynamic(d) if d.0 == *ty => unwrap_static(&d.1, ty, path),
        Value::Dynamic(_) => Err(mismatch(path, ty, v)),
        other => Ok(other),
    }
}

/// For a non-null value in a dynamic slot: its concrete type and the value
/// to encode with that type.
pub(crate) fn dynamic_parts<'a>(
    v: &'a Value,
    path: &Path,
) -> Result<(Cow<'a, Type>, &'a Value), CtyError> {
    match v {
        Value::Dynamic(d) => Ok((Cow::Borrowed(&d.0), &d.1)),
        other => match other.implied_type() {
            Some(t) => Ok((Cow::Owned(t), other)),
            None => Err(mismatch(
                path,
                "Value::Dynamic carrying its type (the type of this value cannot be implied)",
                other,
            )),
        },
    }
}

/// The elements of a value encoded as a list or set type.
pub(crate) fn seq<'a>(v: &'a Value, ty: &Type, path: &Path) -> Result<&'a [Value], CtyError> {
    match v {
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => Ok(xs),
        other => Err(mismatch(path, ty, other)),
    }
}

/// The elements of a value encoded as a tuple type, checked for length.
pub(crate) fn tuple<'a>(
    v: &'a Value,
    ty: &Type,
    elems: &[Type],
    path: &Path,
) -> Result<&'a [Value], CtyError> {
    let xs = seq(v, ty, path)?;
    if xs.len() != elems.len() {
        return Err(CtyError::TupleLength {
            path: path.clone(),
            expected: elems.len(),
            found: xs.len(),
        });
    }
    Ok(xs)
}

/// The entries of a value encoded as a map type.
pub(crate) fn entries<'a>(
    v: &'a Value,
    ty: &Type,
    path: &Path,
) -> Result<&'a BTreeMap<String, Value>, CtyError> {
    match v {
        Value::Map(m) | Value::Object(m) => Ok(m),
        other => Err(mismatch(path, ty, other)),
    }
}

/// The attributes of a value encoded as an object type, in name order; the
/// value must carry exactly the type's attributes.
pub(crate) fn attributes<'a, 't>(
    v: &'a Value,
    ty: &Type,
    ot: &'t ObjectType,
    path: &Path,
) -> Result<Vec<(&'t str, &'t Type, &'a Value)>, CtyError> {
    let m = entries(v, ty, path)?;
    if let Some(extra) = m.keys().find(|k| !ot.attrs.contains_key(*k)) {
        return Err(CtyError::UnexpectedAttribute {
            path: path.clone(),
            name: extra.clone(),
        });
    }
    ot.attrs
        .iter()
        .map(|(name, aty)| match m.get(name) {
            Some(av) => Ok((name.as_str(), aty, av)),
            None => Err(CtyError::MissingAttribute {
                path: path.clone(),
                name: name.clone(),
            }),
        })
        .collect()
}

/// Checks a collection length fits the encodings' 32-bit length fields.
pub(crate) fn len_u32(len: usize, path: &Path) -> Result<u32, CtyError> {
    u32::try_from(len).map_err(|_| CtyError::TooLong {
        path: path.clone(),
        limit: u32::MAX as usize,
        found: len,
    })
}
