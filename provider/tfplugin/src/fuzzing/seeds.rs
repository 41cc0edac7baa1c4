//! Starting inputs for a fresh fuzzing campaign: values of every kind, encoded as Terraform sends
//! them. Written by `cargo test -p tfplugin --lib fuzzing::seeds -- --ignored` into
//! `fuzz/seeds/<target>/`; the committed corpus is what AFL++ grew from them, minimised.

use std::collections::BTreeMap;

use prost::Message;

use super::typed_input;
use crate::cty::{Number, ObjectType, Type, Value, to_json, to_msgpack};
use crate::proto::tfplugin6 as pb;

fn num(s: &str) -> Value {
    Value::Number(Number::parse(s).unwrap_or_else(|| panic!("number {s}")))
}

fn dynamic(t: Type, v: Value) -> Value {
    Value::Dynamic(Box::new((t, v)))
}

/// A resource-like object: required, optional and computed attributes, tags, a nested list.
fn resource() -> (Type, Value) {
    let rule = Type::object([("port", Type::Number), ("cidrs", Type::set(Type::String))]);
    let mut ot = ObjectType::default();
    for (k, t) in [
        ("id", Type::String),
        ("name", Type::String),
        ("size", Type::Number),
        ("enabled", Type::Bool),
        ("tags", Type::map(Type::String)),
        ("rules", Type::list(rule)),
        ("extra", Type::Dynamic),
    ] {
        ot.attrs.insert(k.into(), t);
    }
    ot.optional.insert("tags".into());
    let v = Value::object([
        ("id", Value::Unknown),
        ("name", Value::string("web")),
        ("size", Value::int(3)),
        ("enabled", Value::Bool(true)),
        (
            "tags",
            Value::Map(BTreeMap::from([("env".into(), Value::string("prod"))])),
        ),
        (
            "rules",
            Value::List(vec![Value::object([
                ("port", Value::int(443)),
                (
                    "cidrs",
                    Value::Set(vec![Value::string("10.0.0.0/8"), Value::Unknown]),
                ),
            ])]),
        ),
        (
            "extra",
            dynamic(Type::list(Type::Number), Value::List(vec![num("1.5")])),
        ),
    ]);
    (Type::Object(ot), v)
}

/// (type, value) pairs covering every type and the edges of the encodings.
fn values() -> Vec<(Type, Value)> {
    let mut out = vec![
        (Type::String, Value::string("hello")),
        (Type::String, Value::Null),
        (Type::String, Value::Unknown),
        (Type::Bool, Value::Bool(false)),
        (Type::Dynamic, Value::Null),
        (Type::Dynamic, dynamic(Type::String, Value::string("s"))),
        (
            Type::Dynamic,
            dynamic(Type::Dynamic, dynamic(Type::Bool, Value::Bool(true))),
        ),
        (Type::Dynamic, dynamic(Type::Number, Value::Unknown)),
        (
            Type::Tuple(vec![Type::String, Type::Number, Type::Dynamic]),
            Value::Tuple(vec![Value::string("a"), Value::int(-7), Value::Null]),
        ),
        (
            Type::set(Type::map(Type::Bool)),
            Value::Set(vec![Value::Map(BTreeMap::from([(
                "k".into(),
                Value::Bool(true),
            )]))]),
        ),
        (
            Type::map(Type::list(Type::String)),
            Value::Map(BTreeMap::from([("".into(), Value::List(vec![]))])),
        ),
        resource(),
    ];
    for n in [
        "0",
        "127",
        "-32",
        "255",
        "65535",
        "-129",
        "4294967296",
        "-9223372036854775808",
        "18446744073709551615",
        "0.5",
        "0.1",
        "1e400",
        "-1.5e-300",
    ] {
        out.push((Type::Number, num(n)));
    }
    out
}

/// Every seed by target.
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut out = Vec::new();
    for (ty, v) in values() {
        let Ok(mp) = to_msgpack(&v, &ty) else {
            panic!("seed {v:?} does not encode as {ty}");
        };
        out.push(("msgpack", typed_input(&ty, &mp)));
        out.push(("round_trip", typed_input(&ty, &mp)));
        let dv = pb::DynamicValue {
            msgpack: mp,
            json: Vec::new(),
        };
        out.push(("dynamic_value", typed_input(&ty, &dv.encode_to_vec())));
        if let Ok(j) = to_json(&v, &ty) {
            let text = j.to_string().into_bytes();
            out.push(("json", typed_input(&ty, &text)));
            let dv = pb::DynamicValue {
                msgpack: Vec::new(),
                json: text,
            };
            out.push(("dynamic_value", typed_input(&ty, &dv.encode_to_vec())));
        }
    }
    // A refined unknown (ext8 type 12) and a JSON type description as a JSON document.
    out.push((
        "msgpack",
        typed_input(&Type::String, &[0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc3]),
    ));
    out.push(("json", resource().0.to_json_bytes()));
    // The plan target draws everything from the bytes: a few different streams.
    for n in [16u8, 64, 200] {
        let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37).wrapping_add(n)).collect();
        out.push(("plan", bytes));
    }
    out.push(("plan", vec![0xff; 128]));
    out
}

#[test]
#[ignore = "writes fuzz/seeds/; run by hand to start a campaign from scratch"]
fn write() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    let mut counts = BTreeMap::<&str, usize>::new();
    for (target, data) in seeds() {
        let n = counts.entry(target).or_default();
        *n += 1;
        let folder = dir.join(target);
        std::fs::create_dir_all(&folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display()));
        let file = folder.join(format!("seed-{n:03}"));
        std::fs::write(&file, data).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    }
    println!("seeds written to {}: {counts:?}", dir.display());
}

#[test]
fn seeds_run_clean_through_their_targets() {
    for (target, data) in seeds() {
        let Some((_, run)) = super::TARGETS.iter().find(|(name, _)| *name == target) else {
            panic!("no target {target}");
        };
        run(&data);
    }
}
