//! YAML in and out for Kubernetes objects, as `serde_json::Value`s (keys sorted, so output is
//! stable).
//!
//! Reading uses `serde_yaml_ng`. Writing is our own small emitter, because serde_yaml and its
//! forks write strings that YAML 1.1 reads as something else unquoted (`no`, `on`, `y`, `12:30`,
//! `1_000`), and Kubernetes and Helm read YAML 1.1: argo-cd's `--appendonly "no"` came back as
//! `false`. Here a string is written plain only when it cannot be read as anything but itself;
//! everything else is double-quoted (JSON's escaping is valid YAML).

use serde::Deserialize;
use serde_json::Value;

pub fn to_string(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => map(&mut out, m, 0),
        Value::Array(a) if !a.is_empty() => list(&mut out, a, 0),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn map(out: &mut String, m: &serde_json::Map<String, Value>, at: usize) {
    for (k, v) in m {
        indent(out, at);
        out.push_str(&string(k));
        out.push(':');
        nested(out, v, at);
    }
}

/// A list's items at the parent key's indentation (`- ` then the item), as kubectl writes them.
fn list(out: &mut String, a: &[Value], at: usize) {
    for v in a {
        indent(out, at);
        out.push('-');
        match v {
            Value::Object(m) if !m.is_empty() => {
                // The first key shares the dash's line; the rest align under it.
                let mut inner = String::new();
                map(&mut inner, m, at + 2);
                out.push(' ');
                out.push_str(&inner[at + 2..]);
            }
            Value::Array(a) if !a.is_empty() => {
                out.push('\n');
                list(out, a, at + 2);
            }
            other => {
                out.push(' ');
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

/// What follows `key:`: a nested block, or the scalar on the same line.
fn nested(out: &mut String, v: &Value, at: usize) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            map(out, m, at + 2);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            list(out, a, at);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
    }
}

/// YAML 1.1's booleans and nulls, which a plain scalar must not be.
const RESERVED: [&str; 22] = [
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
    "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
];

/// A string plain when it starts with a letter or '/', holds only letters, digits and `-_./`
/// (no ':' or spaces, so never a key, time or comment), and is no reserved word; else quoted.
fn string(s: &str) -> String {
    let plain = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '/')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && !RESERVED.contains(&s)
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "null" | "nan" | ".nan" | ".inf"
        );
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("strings serialise")
    }
}

/// A multi-document stream: `---` before every document.
pub fn documents(vs: &[Value]) -> String {
    vs.iter()
        .map(|v| format!("---\n{}", to_string(v)))
        .collect()
}

/// Every non-empty document of a stream (Helm output has empty ones, and comments).
pub fn parse_documents(text: &str) -> Result<Vec<Value>, serde_yaml_ng::Error> {
    let mut out = Vec::new();
    for doc in serde_yaml_ng::Deserializer::from_str(text) {
        let v = Value::deserialize(doc)?;
        if !v.is_null() {
            out.push(v);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_yaml_1_1_would_misread_are_quoted() {
        let v = json!({
            "args": ["--appendonly", "no", "on", "y", "12:30", "1_000", "2001-01-01", "0123", "", "a: b", "#x", "null", "~"],
            "plain": ["istio-system", "kubernetes/multi-cloud/aws/velero.yaml", "v1.14.0"],
        });
        let text = to_string(&v);
        for quoted in [
            "\"no\"",
            "\"on\"",
            "\"y\"",
            "\"12:30\"",
            "\"1_000\"",
            "\"2001-01-01\"",
            "\"0123\"",
            "\"\"",
            "\"a: b\"",
            "\"#x\"",
            "\"null\"",
            "\"~\"",
        ] {
            assert!(
                text.contains(&format!("- {quoted}\n")),
                "{quoted} not quoted in:\n{text}"
            );
        }
        assert!(
            text.contains("- istio-system\n- kubernetes/multi-cloud/aws/velero.yaml\n- v1.14.0\n"),
            "{text}"
        );
        assert_eq!(parse_documents(&text).unwrap(), vec![v]);
    }

    #[test]
    fn nesting_round_trips() {
        let v = json!({
            "a": {"b": [{"c": 1, "d": [true, null, 2.5]}, [], {}, [["x"], {"y": "z"}]], "e": {}},
            "multi": "line one\nline two: x\n",
            "n": -3,
        });
        assert_eq!(parse_documents(&to_string(&v)).unwrap(), vec![v]);
    }

    #[test]
    fn documents_round_trip_and_empty_ones_are_dropped() {
        let a = json!({"kind": "A", "n": 1, "s": "0123"});
        let b = json!({"kind": "B", "l": ["x: y", true]});
        let text = format!(
            "# comment\n---\n{}---\n",
            documents(&[a.clone(), b.clone()])
        );
        assert_eq!(parse_documents(&text).unwrap(), vec![a, b]);
    }
}
