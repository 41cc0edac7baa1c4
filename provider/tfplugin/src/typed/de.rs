//! A serde deserializer that reads model structs straight from cty values, so that unknown and
//! null stay apart for [`Field`](super::Field) (a detour through JSON would merge them).
//!
//! `Option<T>` reads unknown as `None`, as the JSON detour did, so existing models are unchanged.

use std::collections::btree_map;
use std::fmt;

use serde::de::value::{StrDeserializer, U8Deserializer};
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use super::field::{FIELD_TOKEN, KNOWN, NULL, UNKNOWN};
use crate::cty::Value;

#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// Deserializes from a borrowed value; `Dynamic` wrappers are looked through.
pub struct ValueDeserializer<'a>(pub &'a Value);

impl<'a> ValueDeserializer<'a> {
    fn inner(&self) -> &'a Value {
        let mut v = self.0;
        while let Value::Dynamic(d) = v {
            v = &d.1;
        }
        v
    }
}

impl<'de, 'a> Deserializer<'de> for ValueDeserializer<'a> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.inner() {
            Value::Null | Value::Unknown => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => visitor.visit_i64(i),
                (None, Some(u)) => visitor.visit_u64(u),
                _ => visitor.visit_f64(n.as_f64()),
            },
            Value::String(s) => visitor.visit_str(s),
            Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => {
                visitor.visit_seq(Seq(xs.iter()))
            }
            Value::Map(m) | Value::Object(m) => visitor.visit_map(Map {
                entries: m.iter(),
                pending: None,
            }),
            Value::Dynamic(_) => unreachable!("inner() looks through Dynamic"),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.inner() {
            Value::Null | Value::Unknown => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == FIELD_TOKEN {
            let state = match self.inner() {
                Value::Null => NULL,
                Value::Unknown => UNKNOWN,
                _ => KNOWN,
            };
            return visitor.visit_enum(FieldAccess {
                state,
                value: self.0,
            });
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        // Enums in models are unit variants named by a string attribute.
        match self.inner() {
            Value::String(s) => visitor.visit_enum(StrDeserializer::<Error>::new(s)),
            other => Err(de::Error::custom(format!(
                "expected a string naming a variant, found {}",
                kind(other)
            ))),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Unknown => "an unknown value",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) | Value::Set(_) | Value::Tuple(_) => "a sequence",
        Value::Map(_) | Value::Object(_) => "a map",
        Value::Dynamic(_) => "a dynamic value",
    }
}

struct Seq<'a>(std::slice::Iter<'a, Value>);

impl<'de, 'a> SeqAccess<'de> for Seq<'a> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|v| seed.deserialize(ValueDeserializer(v)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Map<'a> {
    entries: btree_map::Iter<'a, String, Value>,
    pending: Option<&'a Value>,
}

impl<'de, 'a> MapAccess<'de> for Map<'a> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((k, v)) => {
                self.pending = Some(v);
                seed.deserialize(k.as_str().into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let v = self
            .pending
            .take()
            .ok_or_else(|| <Error as de::Error>::custom("a map value asked for before its key"))?;
        seed.deserialize(ValueDeserializer(v))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// Hands a `Field` its state as an enum variant, and the value for `Known`.
struct FieldAccess<'a> {
    state: u8,
    value: &'a Value,
}

impl<'de, 'a> EnumAccess<'de> for FieldAccess<'a> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let tag = seed.deserialize(U8Deserializer::<Error>::new(self.state))?;
        Ok((tag, self))
    }
}

impl<'de, 'a> VariantAccess<'de> for FieldAccess<'a> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(ValueDeserializer(self.value))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, Error> {
        Err(de::Error::custom("a field is not a tuple"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Error> {
        Err(de::Error::custom("a field is not a struct"))
    }
}
