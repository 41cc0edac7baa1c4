//! [`Field`]: an attribute of a typed model that keeps Terraform's three states apart.
//!
//! `Option<T>` folds "known after apply" into `None`, which is right for state (never unknown) but
//! loses what a plan or a configuration says: a resource deciding whether the user left an
//! attribute out (null) or set it to something not known yet (unknown) needs `Field<T>`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, EnumAccess, VariantAccess, Visitor};
use serde::{Serialize, Serializer};

use crate::cty::UNKNOWN_MARKER;

/// The name under which the cty deserializer recognises a `Field` (see `de.rs`). Other
/// deserializers (serde_json in tests) treat it as a plain newtype and yield null or known.
pub(crate) const FIELD_TOKEN: &str = "$tfplugin::Field";

/// A value that is null, unknown (known after apply), or known.
///
/// In a model struct, mark it `#[serde(default)]`: a missing attribute then reads as null.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Field<T> {
    #[default]
    Null,
    Unknown,
    Known(T),
}

impl<T> Field<T> {
    pub fn known(&self) -> Option<&T> {
        match self {
            Field::Known(t) => Some(t),
            _ => None,
        }
    }

    pub fn into_known(self) -> Option<T> {
        match self {
            Field::Known(t) => Some(t),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Field::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Field::Unknown)
    }

    pub fn is_known(&self) -> bool {
        matches!(self, Field::Known(_))
    }

    /// Set in the configuration: known or unknown, but not null.
    pub fn is_set(&self) -> bool {
        !self.is_null()
    }

    pub fn as_ref(&self) -> Field<&T> {
        match self {
            Field::Null => Field::Null,
            Field::Unknown => Field::Unknown,
            Field::Known(t) => Field::Known(t),
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Field<U> {
        match self {
            Field::Null => Field::Null,
            Field::Unknown => Field::Unknown,
            Field::Known(t) => Field::Known(f(t)),
        }
    }
}

impl<T> From<Option<T>> for Field<T> {
    fn from(o: Option<T>) -> Self {
        o.map_or(Field::Null, Field::Known)
    }
}

impl<T: Serialize> Serialize for Field<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Null => s.serialize_none(),
            // JSON has no unknown: `typed::encode` turns this marker back into one.
            Field::Unknown => s.serialize_str(UNKNOWN_MARKER),
            Field::Known(t) => s.serialize_some(t),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_newtype_struct(FIELD_TOKEN, FieldVisitor(PhantomData))
    }
}

/// Variant indices the cty deserializer announces for a `Field`.
pub(crate) const NULL: u8 = 0;
pub(crate) const UNKNOWN: u8 = 1;
pub(crate) const KNOWN: u8 = 2;

struct FieldVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for FieldVisitor<T> {
    type Value = Field<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value that may be null or unknown")
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        let (state, variant): (u8, _) = data.variant()?;
        match state {
            NULL => variant.unit_variant().map(|()| Field::Null),
            UNKNOWN => variant.unit_variant().map(|()| Field::Unknown),
            KNOWN => variant.newtype_variant().map(Field::Known),
            other => Err(de::Error::custom(format!("no field state {other}"))),
        }
    }

    /// Any other deserializer: null or known, as for `Option<T>`.
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Option::<T>::deserialize(d).map(Field::from)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Field::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Field::Null)
    }
}
