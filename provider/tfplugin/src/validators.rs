//! Reusable value checks declared on attributes; each failure names the attribute and what is allowed.

use crate::cty::{Path, Value};
use crate::diag::Diagnostics;

/// A check on a known, non-null attribute value (the framework skips null and unknown values).
pub trait Validator: Send + Sync {
    fn validate(&self, value: &Value, path: &Path, diags: &mut Diagnostics);
}

/// An integer in `min..=max`.
pub struct IntBetween(pub i64, pub i64);

impl Validator for IntBetween {
    fn validate(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        let ok = value
            .as_i64()
            .is_some_and(|v| (self.0..=self.1).contains(&v));
        if !ok {
            diags.error_at(
                path.clone(),
                "Value out of range",
                format!(
                    "{path} must be a whole number from {} to {}; got {}.",
                    self.0,
                    self.1,
                    display(value)
                ),
            );
        }
    }
}

/// One of a fixed set of strings.
pub struct OneOf(pub &'static [&'static str]);

impl Validator for OneOf {
    fn validate(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        let ok = value.as_str().is_some_and(|s| self.0.contains(&s));
        if !ok {
            diags.error_at(
                path.clone(),
                "Value not allowed",
                format!(
                    "{path} must be one of {}; got {}.",
                    self.0
                        .iter()
                        .map(|s| format!("\"{s}\""))
                        .collect::<Vec<_>>()
                        .join(", "),
                    display(value)
                ),
            );
        }
    }
}

/// Any check written as a function, for rules specific to one resource.
pub struct Check<F>(pub F);

impl<F> Validator for Check<F>
where
    F: Fn(&Value, &Path, &mut Diagnostics) + Send + Sync,
{
    fn validate(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        (self.0)(value, path, diags)
    }
}

/// A short rendering of a user's value for a diagnostic. Never used on sensitive attributes.
pub fn display(value: &Value) -> String {
    match value {
        Value::String(s) => format!("\"{s}\""),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        _ => "a value of another kind".into(),
    }
}
