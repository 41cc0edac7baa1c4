//! Typed models for resources: a serde struct per resource instead of hand-walking values.
//!
//! `decode` reads a value straight into a struct. `Option<T>` fields read null and unknown
//! alike as `None`, which suits state (never unknown); [`Field<T>`] keeps null, unknown and known
//! apart, for configurations and plans. `encode` checks the result against the schema's type, so
//! a resource cannot hand Terraform a value of the wrong shape; a `Field::Unknown` becomes an
//! unknown value.

mod de;
mod field;

pub use field::Field;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cty::{self, Type, Value};
use crate::diag::{Diagnostic, Diagnostics};

pub fn decode<T: DeserializeOwned>(v: &Value) -> Result<T, Diagnostics> {
    T::deserialize(de::ValueDeserializer(v)).map_err(|e| {
        Diagnostic::error(
            "Internal error: unexpected value shape",
            format!("The provider could not read a value it received: {e}."),
        )
        .into()
    })
}

pub fn encode<T: Serialize>(t: &T, ty: &Type) -> Result<Value, Diagnostics> {
    let json = serde_json::to_value(t).map_err(|e| internal(e.to_string()))?;
    cty::from_json_with_unknowns(&json, ty)
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Model {
        name: Option<String>,
        #[serde(default)]
        size: Field<i64>,
        #[serde(default)]
        tags: Field<BTreeMap<String, String>>,
        #[serde(default)]
        inner: Field<Inner>,
        kind: Option<Kind>,
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Inner {
        on: Option<bool>,
        ratio: Option<f64>,
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Small,
        Large,
    }

    fn ty() -> Type {
        Type::object([
            ("name", Type::String),
            ("size", Type::Number),
            ("tags", Type::map(Type::String)),
            (
                "inner",
                Type::object([("on", Type::Bool), ("ratio", Type::Number)]),
            ),
            ("kind", Type::String),
        ])
    }

    #[test]
    fn fields_keep_null_unknown_and_known_apart() {
        let v = Value::object([
            ("name", Value::Unknown),
            ("size", Value::Unknown),
            ("tags", Value::Null),
            (
                "inner",
                Value::object([("on", Value::Bool(true)), ("ratio", Value::Unknown)]),
            ),
            ("kind", Value::string("large")),
        ])
        .conform(&ty());
        let m: Model = decode(&v).unwrap();
        assert_eq!(m.name, None, "Option reads unknown as None, as before");
        assert_eq!(m.size, Field::Unknown);
        assert_eq!(m.tags, Field::Null);
        assert_eq!(
            m.inner,
            Field::Known(Inner {
                on: Some(true),
                ratio: None
            })
        );
        assert_eq!(m.kind, Some(Kind::Large));

        let back = encode(&m, &ty()).unwrap();
        assert_eq!(back.get("size"), Some(&Value::Unknown));
        assert_eq!(back.get("tags"), Some(&Value::Null));
        assert_eq!(back.get("name"), Some(&Value::Null));
        assert_eq!(back.get("kind"), Some(&Value::string("large")));
    }

    #[test]
    fn known_values_round_trip() {
        let v = Value::object([
            ("name", Value::string("a")),
            ("size", Value::int(3)),
            (
                "tags",
                Value::Map([("k".to_string(), Value::string("v"))].into()),
            ),
            ("inner", Value::Null),
            ("kind", Value::Null),
        ])
        .conform(&ty());
        let m: Model = decode(&v).unwrap();
        assert_eq!(m.size.known(), Some(&3));
        assert_eq!(encode(&m, &ty()).unwrap(), v);
    }

    #[test]
    fn a_wrong_shape_is_an_error_not_a_panic() {
        let v = Value::object([("size", Value::string("three"))]);
        let err = decode::<Model>(&v).unwrap_err();
        assert!(err.0[0].detail.contains("could not read"), "{err:?}");
    }
}
