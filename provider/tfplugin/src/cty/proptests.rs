//! Property tests: random types, random values conforming to them, round
//! trips through both codecs, and decoding arbitrary input without panics.

use std::collections::BTreeMap;

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::{Index, subsequence};

use super::*;

const CASES: u32 = 256;

fn arb_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        4 => Just(Type::String),
        4 => Just(Type::Number),
        3 => Just(Type::Bool),
        1 => Just(Type::Dynamic),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            vec(inner.clone(), 0..4).prop_map(Type::Tuple),
            btree_map("[a-z_]{1,6}", inner, 0..4)
                .prop_flat_map(|attrs| {
                    let names: Vec<String> = attrs.keys().cloned().collect();
                    let n = names.len();
                    (Just(attrs), subsequence(names, 0..=n))
                })
                .prop_map(|(attrs, optional)| Type::Object(ObjectType {
                    attrs,
                    optional: optional.into_iter().collect(),
                })),
        ]
    })
}

#[derive(Clone, Copy)]
struct Opts {
    /// Whether unknown values may appear.
    unknowns: bool,
    /// Restrict numbers to those JSON (as `f64` text) carries exactly.
    json_numbers: bool,
    /// How many more levels of `dynamic` may carry generated types.
    dynamic_budget: u32,
}

fn arb_number(json_numbers: bool) -> BoxedStrategy<Number> {
    let ints = prop_oneof![
        any::<i64>().prop_map(Number::from_i64),
        any::<u64>().prop_map(Number::from_u64),
        (-1000i64..1000).prop_map(Number::from_i64),
    ];
    if json_numbers {
        // At most 15 significant digits survive decimal → f64 → decimal.
        let decimals = (-999_999_999_999_999i64..=999_999_999_999_999, -20i64..20)
            .prop_filter_map("parses", |(m, e)| Number::parse(&format!("{m}e{e}")));
        prop_oneof![ints, decimals].boxed()
    } else {
        let floats = prop_oneof![
            any::<f64>(),
            prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO,
        ]
        .prop_filter_map("finite", Number::from_f64);
        let decimals = ("-?[0-9]{1,40}(\\.[0-9]{1,40})?", -400i64..400)
            .prop_filter_map("parses", |(m, e)| Number::parse(&format!("{m}e{e}")));
        prop_oneof![ints, floats, decimals].boxed()
    }
}

fn arb_known(ty: &Type, o: Opts) -> BoxedStrategy<Value> {
    match ty {
        Type::String => "\\PC{0,8}".prop_map(Value::String).boxed(),
        Type::Number => arb_number(o.json_numbers).prop_map(Value::Number).boxed(),
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::List(e) => vec(arb_value(e, o), 0..4).prop_map(Value::List).boxed(),
        Type::Set(e) => vec(arb_value(e, o), 0..4).prop_map(Value::Set).boxed(),
        Type::Map(e) => btree_map("\\PC{0,6}", arb_value(e, o), 0..4)
            .prop_map(Value::Map)
            .boxed(),
        Type::Tuple(ts) => ts
            .iter()
            .map(|t| arb_value(t, o))
            .collect::<Vec<_>>()
            .prop_map(Value::Tuple)
            .boxed(),
        Type::Object(ot) => ot
            .attrs
            .iter()
            .map(|(k, t)| (Just(k.clone()), arb_value(t, o)))
            .collect::<Vec<_>>()
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
            .boxed(),
        Type::Dynamic => {
            let inner = Opts {
                dynamic_budget: o.dynamic_budget.saturating_sub(1),
                ..o
            };
            let types = if o.dynamic_budget == 0 {
                prop_oneof![Just(Type::String), Just(Type::Number)].boxed()
            } else {
                arb_type().boxed()
            };
            types
                .prop_flat_map(move |t| {
                    arb_value(&t, inner).prop_map(move |v| Value::Dynamic(Box::new((t.clone(), v))))
                })
                .boxed()
        }
    }
}

fn arb_value(ty: &Type, o: Opts) -> BoxedStrategy<Value> {
    let known = arb_known(ty, o);
    if o.unknowns {
        prop_oneof![1 => Just(Value::Null), 1 => Just(Value::Unknown), 6 => known].boxed()
    } else {
        prop_oneof![1 => Just(Value::Null), 6 => known].boxed()
    }
}

fn typed_value(o: Opts) -> impl Strategy<Value = (Type, Value)> {
    arb_type().prop_flat_map(move |t| (Just(t.clone()), arb_value(&t, o)))
}

const MSGPACK: Opts = Opts {
    unknowns: true,
    json_numbers: false,
    dynamic_budget: 2,
};

const JSON: Opts = Opts {
    unknowns: false,
    json_numbers: true,
    dynamic_budget: 2,
};

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value as J;
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        any::<i64>().prop_map(J::from),
        any::<f64>().prop_map(J::from),
        prop_oneof![
            "\\PC{0,6}",
            Just("string".to_owned()),
            Just("dynamic".to_owned()),
            Just("true".to_owned()),
            Just("1.5".to_owned()),
        ]
        .prop_map(J::String),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(J::Array),
            btree_map(
                prop_oneof![
                    "[a-z]{1,3}",
                    Just("value".to_owned()),
                    Just("type".to_owned())
                ],
                inner,
                0..4
            )
            .prop_map(|m| J::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn msgpack_round_trip((ty, v) in typed_value(MSGPACK)) {
        let bytes = to_msgpack(&v, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = from_msgpack(&bytes, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &v);
        // Encoding is deterministic.
        prop_assert_eq!(to_msgpack(&back, &ty).ok(), Some(bytes));
    }

    #[test]
    fn json_round_trip_through_text((ty, v) in typed_value(JSON)) {
        prop_assert!(v.is_wholly_known());
        let j = to_json(&v, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let text = j.to_string();
        let parsed: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = from_json(&parsed, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &v);
        let lenient = from_json_lenient(&parsed, &ty)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&lenient, &v);
    }

    #[test]
    fn type_json_round_trip(ty in arb_type()) {
        prop_assert_eq!(Type::from_json(&ty.to_json()).ok(), Some(ty.clone()));
        prop_assert_eq!(Type::from_json_bytes(&ty.to_json_bytes()).ok(), Some(ty));
    }

    #[test]
    fn arbitrary_bytes_never_panic(ty in arb_type(), bytes in vec(any::<u8>(), 0..64)) {
        let _ = from_msgpack(&bytes, &ty);
        let _ = from_msgpack(&bytes, &Type::Dynamic);
    }

    #[test]
    fn corrupted_encodings_never_panic(
        (ty, v) in typed_value(MSGPACK),
        edits in vec((any::<Index>(), any::<u8>()), 1..4),
        cut in any::<Index>(),
    ) {
        let Ok(mut bytes) = to_msgpack(&v, &ty) else {
            return Err(TestCaseError::fail("encoding failed"));
        };
        let _ = from_msgpack(&bytes[..cut.index(bytes.len() + 1)], &ty);
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let _ = from_msgpack(&bytes, &ty);
    }

    #[test]
    fn arbitrary_json_never_panics(ty in arb_type(), j in arb_json()) {
        let _ = from_json(&j, &ty);
        let _ = from_json_lenient(&j, &ty);
        let _ = from_json(&j, &Type::Dynamic);
        let _ = Type::from_json(&j);
    }

    #[test]
    fn set_equality_ignores_order(xs in vec(arb_value(&Type::list(Type::Number), MSGPACK), 0..6)
        .prop_flat_map(|xs| (Just(xs.clone()), Just(xs).prop_shuffle())))
    {
        prop_assert_eq!(Value::Set(xs.0), Value::Set(xs.1));
    }

    #[test]
    fn number_text_round_trip(n in arb_number(false)) {
        prop_assert_eq!(Number::parse(&n.to_string()), Some(n.clone()));
        if let Some(i) = n.as_i64() {
            prop_assert_eq!(Number::from_i64(i), n);
        } else if let Some(f) = n.to_exact_f64() {
            prop_assert_eq!(Number::from_f64(f), Some(n));
        }
    }

    #[test]
    fn float_conversion_is_exact(f in any::<f64>()) {
        match Number::from_f64(f) {
            Some(n) => {
                prop_assert_eq!(n.as_f64(), if f == 0.0 { 0.0 } else { f });
                prop_assert_eq!(n.to_exact_f64().map(f64::to_bits), Some((f + 0.0).to_bits()));
            }
            None => prop_assert!(!f.is_finite()),
        }
    }

    #[test]
    fn conform_then_encode_never_misses_attributes(
        (ty, v) in typed_value(MSGPACK),
        drop in any::<Index>(),
    ) {
        // Remove one top-level attribute, if any; conform() restores it.
        let mut v = v;
        if let Value::Object(m) = &mut v
            && !m.is_empty()
        {
            let keys: Vec<String> = m.keys().cloned().collect();
            m.remove(&keys[drop.index(keys.len())]);
        }
        let fixed = v.conform(&ty);
        prop_assert!(to_msgpack(&fixed, &ty).is_ok());
    }
}

#[test]
fn strategies_produce_varied_shapes() {
    // Guard against a strategy that silently degenerates to nulls.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut kinds = BTreeMap::new();
    for _ in 0..200 {
        let Ok(tree) = typed_value(MSGPACK).new_tree(&mut runner) else {
            continue;
        };
        let (_, v) = tree.current();
        *kinds.entry(v.kind()).or_insert(0) += 1;
    }
    assert!(kinds.len() >= 8, "{kinds:?}");
}
