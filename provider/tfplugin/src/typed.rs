//! Typed state for resources: a serde struct per resource instead of hand-walking values.
//!
//! `decode` maps unknown values to `None`/null, so a planned value (with "known after apply"
//! attributes) decodes into the same struct as a state; `encode` checks the result against the
//! schema's type, so a resource cannot hand Terraform a value of the wrong shape.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cty::{self, Type, Value};
use crate::diag::{Diagnostic, Diagnostics};

pub fn decode<T: DeserializeOwned>(v: &Value) -> Result<T, Diagnostics> {
    serde_json::from_value(to_plain_json(v)).map_err(|e| {
        Diagnostic::error(
            "Internal error: unexpected value shape",
            format!("The provider could not read a value it received: {e}."),
        )
        .into()
    })
}

pub fn encode<T: Serialize>(t: &T, ty: &Type) -> Result<Value, Diagnostics> {
    let json = serde_json::to_value(t).map_err(|e| internal(e.to_string()))?;
    cty::from_json(&json, ty)
        .map(|v| v.conform(ty))
        .map_err(|e| internal(e.to_string()))
}

fn internal(msg: String) -> Diagnostics {
    Diagnostic::error(
        "Internal error: value does not match the schema",
        format!("The provider built a value Terraform would reject: {msg}."),
    )
    .into()
}

/// JSON of a value with unknowns as null (sets become arrays, dynamic values their inner value).
pub fn to_plain_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null | Value::Unknown => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => J::from(i),
            None => serde_json::Number::from_f64(n.as_f64()).map_or(J::Null, J::Number),
        },
        Value::String(s) => J::String(s.clone()),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            J::Array(items.iter().map(to_plain_json).collect())
        }
        Value::Map(m) | Value::Object(m) => J::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), to_plain_json(v)))
                .collect(),
        ),
        Value::Dynamic(inner) => to_plain_json(&inner.1),
    }
}
