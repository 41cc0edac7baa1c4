//! Resource identity (Terraform 1.12+): a small, stable object naming the remote object a resource
//! manages, stored beside its state. It lets `import { identity = {...} }` name an object by its
//! parts instead of a composed id string, and lets `terraform query` (list resources) report what
//! it finds in the same terms.
//!
//! The framework derives the identity from the state after every create, read, update and import,
//! so a resource cannot forget to return it, and it cannot change while the object lives.

use crate::cty::{ObjectType, Type, Value};
use crate::diag::Diagnostics;

#[derive(Clone, Debug)]
pub struct IdentityAttribute {
    pub name: &'static str,
    /// A primitive or a list of primitives (Terraform allows nothing else in identities).
    pub ty: Type,
    pub required_for_import: bool,
    pub optional_for_import: bool,
    pub description: &'static str,
}

impl IdentityAttribute {
    /// An attribute an `import` block must give.
    pub fn required(name: &'static str, ty: Type, description: &'static str) -> Self {
        IdentityAttribute {
            name,
            ty,
            required_for_import: true,
            optional_for_import: false,
            description,
        }
    }

    /// An attribute an `import` block may give (the provider can find it otherwise).
    pub fn optional(name: &'static str, ty: Type, description: &'static str) -> Self {
        IdentityAttribute {
            required_for_import: false,
            optional_for_import: true,
            ..IdentityAttribute::required(name, ty, description)
        }
    }
}

#[derive(Clone, Debug)]
pub struct IdentitySchema {
    pub version: i64,
    pub attributes: Vec<IdentityAttribute>,
}

impl IdentitySchema {
    pub fn new(attributes: Vec<IdentityAttribute>) -> Self {
        IdentitySchema {
            version: 0,
            attributes,
        }
    }

    /// The object type of identity data.
    pub fn value_type(&self) -> Type {
        let mut o = ObjectType::default();
        for a in &self.attributes {
            o.attrs.insert(a.name.to_string(), a.ty.clone());
        }
        Type::Object(o)
    }
}

/// A resource's identity: its schema, how it follows from state, and how an `import` block's
/// identity becomes the import id the resource already understands.
pub trait Identity: Send + Sync {
    fn identity_schema(&self) -> IdentitySchema;

    /// The identity of the object `state` describes; `None` while the state does not name one yet
    /// (a create that failed before the object had its id).
    fn identity_of(&self, state: &Value) -> Option<Value>;

    /// The import id naming the same object as `identity`. Errors name the identity attribute
    /// that is missing or wrong.
    fn import_id(&self, identity: &Value) -> Result<String, Diagnostics>;

    /// Rewrites identity JSON written by an older identity schema `version`.
    fn upgrade_identity(
        &self,
        _version: i64,
        identity: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostics> {
        Ok(identity)
    }
}
