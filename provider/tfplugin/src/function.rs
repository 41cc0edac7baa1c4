//! Provider-defined functions (`provider::NAME::FUNCTION(...)`, Terraform 1.8 and newer). Older
//! Terraform never asks for them, so offering functions costs nothing there.

use crate::cty::{Type, Value};

pub struct Param {
    pub name: &'static str,
    pub ty: Type,
    pub description: &'static str,
    pub allow_null: bool,
}

impl Param {
    pub fn new(name: &'static str, ty: Type, description: &'static str) -> Self {
        Param {
            name,
            ty,
            description,
            allow_null: false,
        }
    }
}

pub struct Signature {
    pub params: Vec<Param>,
    pub return_type: Type,
    pub summary: &'static str,
    pub description: &'static str,
}

/// A failed call: what was wrong, and with which argument (0-based) when one is to blame.
#[derive(Debug, PartialEq, Eq)]
pub struct FunctionError {
    pub text: String,
    pub argument: Option<i64>,
}

impl FunctionError {
    pub fn argument(index: i64, text: impl Into<String>) -> Self {
        FunctionError {
            text: text.into(),
            argument: Some(index),
        }
    }
}

pub trait Function: Send + Sync {
    fn name(&self) -> &'static str;
    fn signature(&self) -> Signature;
    /// Arguments arrive known and non-null (unless a parameter allows null), in declared order.
    fn call(&self, args: &[Value]) -> Result<Value, FunctionError>;
}
