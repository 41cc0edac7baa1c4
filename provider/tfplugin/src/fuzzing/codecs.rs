//! The msgpack and JSON value codecs on their own.

use serde_json::Value as Json;

use super::typed;
use crate::cty::{
    CtyError, Type, Value, from_json, from_json_lenient, from_json_with_unknowns, from_msgpack,
    to_json, to_msgpack,
};

/// msgpack bytes of an arbitrary type: decoding returns a value or an error that can be shown.
pub fn msgpack(data: &[u8]) {
    let (ty, payload) = typed(data);
    match from_msgpack(payload, &ty) {
        Ok(v) => {
            // What every RPC does next with a decoded value.
            let _ = v.clone().conform(&ty);
            let _ = v.is_wholly_known();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// JSON text of an arbitrary type, in the three decoding modes, and as a type description.
pub fn json(data: &[u8]) {
    let (ty, payload) = typed(data);
    let Ok(j) = serde_json::from_slice::<Json>(payload) else {
        return;
    };
    let _ = Type::from_json(&j).map_err(|e| e.to_string());
    let strict = from_json(&j, &ty);
    let lenient = from_json_lenient(&j, &ty);
    let _ = from_json_with_unknowns(&j, &ty).map_err(|e| e.to_string());
    match strict {
        // Leniency only drops undeclared attributes: what strict mode reads, it reads the same.
        Ok(v) => assert_eq!(lenient.as_ref(), Ok(&v), "lenient decoding differs"),
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// What is decoded can be encoded again, to bytes that decode to the same value and encode to the
/// same bytes; and a known value survives JSON (state) and back.
pub fn round_trip(data: &[u8]) {
    let (ty, payload) = typed(data);
    let Ok(v) = from_msgpack(payload, &ty) else {
        return;
    };
    let bytes =
        to_msgpack(&v, &ty).unwrap_or_else(|e| panic!("decoded {v:?} but cannot encode it: {e}"));
    let again = from_msgpack(&bytes, &ty)
        .unwrap_or_else(|e| panic!("cannot decode our own encoding of {v:?} ({bytes:02x?}): {e}"));
    assert_eq!(again, v, "msgpack round trip changed the value");
    let bytes_again = to_msgpack(&again, &ty)
        .unwrap_or_else(|e| panic!("cannot encode {again:?} a second time: {e}"));
    assert_eq!(bytes_again, bytes, "msgpack encoding is not stable");
    if v.is_wholly_known() {
        json_round_trip(&v, &ty);
    }
}

/// JSON keeps integers exact and other numbers as the nearest double: what is written must read
/// back to a value that writes the same JSON, through JSON text too.
fn json_round_trip(v: &Value, ty: &Type) {
    let j = match to_json(v, ty) {
        Ok(j) => j,
        // Beyond the range of a double: refused with a diagnostic, as promised.
        Err(CtyError::InvalidNumber { .. }) => return,
        Err(e) => panic!("known value {v:?} cannot be written as JSON: {e}"),
    };
    let text = j.to_string();
    let parsed: Json = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("our JSON {text} does not parse: {e}"));
    let back =
        from_json(&parsed, ty).unwrap_or_else(|e| panic!("cannot read our JSON {text}: {e}"));
    let again = to_json(&back, ty).unwrap_or_else(|e| panic!("cannot rewrite {back:?}: {e}"));
    assert!(
        same_json(&again, &j),
        "JSON round trip changed {text} into {again}"
    );
    to_msgpack(&back, ty)
        .unwrap_or_else(|e| panic!("{back:?}, read from our JSON, cannot be sent as msgpack: {e}"));
}

/// Equal JSON, where numbers compare by value (`0` and `0.0` are the same number).
fn same_json(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => {
            match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(x), Some(y), _, _) => x == y,
                (_, _, Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            }
        }
        (Json::Array(xs), Json::Array(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same_json(x, y))
        }
        (Json::Object(xs), Json::Object(ys)) => {
            xs.len() == ys.len()
                && xs
                    .iter()
                    .all(|(k, x)| ys.get(k).is_some_and(|y| same_json(x, y)))
        }
        _ => a == b,
    }
}
