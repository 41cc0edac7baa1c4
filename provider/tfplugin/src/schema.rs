//! Declared schemas: what Terraform shows, validates and plans, built with small builders.

use std::sync::Arc;

use crate::cty::{ObjectType, Type, Value};
use crate::plan_modifier::{PlanModifier, RequiresReplace, UseStateForUnknown};
use crate::validators::Validator;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    Set,
    Map,
}

#[derive(Clone)]
pub enum AttrKind {
    Plain(Type),
    Nested {
        nesting: Nesting,
        attributes: Vec<Attribute>,
    },
}

#[derive(Clone)]
pub struct Attribute {
    pub name: String,
    pub kind: AttrKind,
    pub description: String,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    pub write_only: bool,
    pub deprecated: Option<String>,
    /// Used when the configuration leaves the attribute null (the attribute must be optional+computed).
    pub default: Option<Value>,
    /// Run in declaration order on update plans (see [`crate::plan_modifier`]).
    pub modifiers: Vec<Arc<dyn PlanModifier>>,
    pub validators: Vec<Arc<dyn Validator>>,
}

impl std::fmt::Debug for Attribute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attribute")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Attribute {
    pub fn new(name: &str, ty: Type) -> Self {
        Attribute {
            name: name.to_string(),
            kind: AttrKind::Plain(ty),
            description: String::new(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            write_only: false,
            deprecated: None,
            default: None,
            modifiers: Vec::new(),
            validators: Vec::new(),
        }
    }

    pub fn nested(name: &str, nesting: Nesting, attributes: Vec<Attribute>) -> Self {
        Attribute {
            kind: AttrKind::Nested {
                nesting,
                attributes,
            },
            ..Attribute::new(name, Type::Dynamic)
        }
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
    pub fn computed(mut self) -> Self {
        self.computed = true;
        self
    }
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }
    pub fn deprecated(mut self, message: &str) -> Self {
        self.deprecated = Some(message.to_string());
        self
    }
    pub fn describe(mut self, text: &str) -> Self {
        self.description = text.to_string();
        self
    }
    /// Sets a default; makes the attribute optional and computed, as Terraform requires.
    pub fn default(mut self, value: Value) -> Self {
        self.default = Some(value);
        self.optional = true;
        self.computed = true;
        self
    }
    pub fn requires_replace(self) -> Self {
        self.modify_plan(RequiresReplace)
    }
    pub fn use_state_for_unknown(self) -> Self {
        self.modify_plan(UseStateForUnknown)
    }
    pub fn modify_plan(mut self, m: impl PlanModifier + 'static) -> Self {
        self.modifiers.push(Arc::new(m));
        self
    }
    pub fn validate(mut self, v: impl Validator + 'static) -> Self {
        self.validators.push(Arc::new(v));
        self
    }

    /// What the declared plan modifiers say about this attribute, for the docs.
    pub fn plan_notes(&self) -> Vec<&'static str> {
        self.modifiers.iter().filter_map(|m| m.describe()).collect()
    }

    /// The cty type of this attribute's value.
    pub fn value_type(&self) -> Type {
        match &self.kind {
            AttrKind::Plain(t) => t.clone(),
            AttrKind::Nested {
                nesting,
                attributes,
            } => {
                let mut obj = ObjectType::default();
                for a in attributes {
                    obj.attrs.insert(a.name.clone(), a.value_type());
                    if !a.required {
                        obj.optional.insert(a.name.clone());
                    }
                }
                wrap(*nesting, Type::Object(obj))
            }
        }
    }

    /// The attributes of the nested object, for nested attributes.
    pub fn nested_attributes(&self) -> Option<(Nesting, &[Attribute])> {
        match &self.kind {
            AttrKind::Nested {
                nesting,
                attributes,
            } => Some((*nesting, attributes)),
            AttrKind::Plain(_) => None,
        }
    }
}

fn wrap(nesting: Nesting, t: Type) -> Type {
    match nesting {
        Nesting::Single => t,
        Nesting::List => Type::list(t),
        Nesting::Set => Type::set(t),
        Nesting::Map => Type::map(t),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockNesting {
    Single,
    List,
    Set,
    Map,
    Group,
}

#[derive(Clone, Debug)]
pub struct NestedBlock {
    pub type_name: String,
    pub nesting: BlockNesting,
    pub block: Block,
    pub min_items: i64,
    pub max_items: i64,
}

impl NestedBlock {
    pub fn new(type_name: &str, nesting: BlockNesting, block: Block) -> Self {
        // Terraform requires min == max for single and group blocks; 0/0 means "optional".
        NestedBlock {
            type_name: type_name.to_string(),
            nesting,
            block,
            min_items: 0,
            max_items: 0,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Block {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    pub description: String,
    pub deprecated: bool,
}

impl Block {
    pub fn new(description: &str) -> Self {
        Block {
            description: description.to_string(),
            ..Block::default()
        }
    }
    pub fn attr(mut self, a: Attribute) -> Self {
        self.attributes.push(a);
        self
    }
    pub fn block(mut self, b: NestedBlock) -> Self {
        self.blocks.push(b);
        self
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The object type of a value conforming to this block.
    pub fn value_type(&self) -> Type {
        let mut obj = ObjectType::default();
        for a in &self.attributes {
            obj.attrs.insert(a.name.clone(), a.value_type());
        }
        for b in &self.blocks {
            let inner = b.block.value_type();
            let t = match b.nesting {
                BlockNesting::Single | BlockNesting::Group => inner,
                BlockNesting::List => Type::list(inner),
                BlockNesting::Set => Type::set(inner),
                BlockNesting::Map => Type::map(inner),
            };
            obj.attrs.insert(b.type_name.clone(), t);
        }
        Type::Object(obj)
    }
}

/// A versioned schema of a resource, data source or the provider itself.
#[derive(Clone, Debug)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

impl Schema {
    pub fn new(version: i64, block: Block) -> Self {
        Schema { version, block }
    }
    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }

    /// The type of one top-level attribute or block, `Dynamic` when there is none by that name.
    pub fn attribute_type(&self, name: &str) -> Type {
        match self.value_type() {
            Type::Object(o) => o.attrs.get(name).cloned().unwrap_or(Type::Dynamic),
            _ => Type::Dynamic,
        }
    }
}

/// The rules Terraform applies to a provider's schema before using it ("invalid schema ... which is
/// a bug in the provider"), so a test can catch a bad schema without starting Terraform.
pub fn check(block: &Block) -> Vec<String> {
    let mut out = Vec::new();
    check_block(block, "", &mut out);
    out
}

fn valid_name(n: &str) -> bool {
    let mut chars = n.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn check_attributes(attrs: &[Attribute], at: &str, out: &mut Vec<String>) {
    for a in attrs {
        let here = format!("{at}{}", a.name);
        if !valid_name(&a.name) {
            out.push(format!("{here}: invalid name"));
        }
        if !(a.required || a.optional || a.computed) {
            out.push(format!("{here}: must be required, optional or computed"));
        }
        if a.required && (a.optional || a.computed) {
            out.push(format!("{here}: required cannot be optional or computed"));
        }
        if a.default.is_some() && !(a.optional && a.computed) {
            out.push(format!("{here}: a default needs optional + computed"));
        }
        if a.write_only && a.computed {
            out.push(format!("{here}: write-only cannot be computed"));
        }
        if let AttrKind::Nested { attributes, .. } = &a.kind {
            check_attributes(attributes, &format!("{here}."), out);
            let names = attributes.iter().map(|m| m.name.as_str()).collect();
            check_unique(names, &format!("{here}."), out);
        }
    }
}

fn check_unique(mut names: Vec<&str>, at: &str, out: &mut Vec<String>) {
    names.sort_unstable();
    for pair in names.windows(2) {
        if pair[0] == pair[1] {
            out.push(format!("{at}{}: defined twice", pair[0]));
        }
    }
}

fn check_block(block: &Block, at: &str, out: &mut Vec<String>) {
    check_attributes(&block.attributes, at, out);
    let mut names: Vec<&str> = block.attributes.iter().map(|a| a.name.as_str()).collect();
    for b in &block.blocks {
        let here = format!("{at}{}", b.type_name);
        names.push(&b.type_name);
        if !valid_name(&b.type_name) {
            out.push(format!("{here}: invalid name"));
        }
        match b.nesting {
            BlockNesting::Single | BlockNesting::Group => {
                if b.min_items != b.max_items || b.min_items > 1 {
                    out.push(format!(
                        "{here}: MinItems and MaxItems must match (0 or 1) in single/group mode"
                    ));
                }
            }
            _ => {
                if b.max_items != 0 && b.min_items > b.max_items {
                    out.push(format!("{here}: MinItems greater than MaxItems"));
                }
            }
        }
        check_block(&b.block, &format!("{here}."), out);
    }
    check_unique(names, at, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_flags_what_terraform_rejects() {
        let mut single = NestedBlock::new("root", BlockNesting::Single, Block::default());
        assert!(check(&Block::default().block(single.clone())).is_empty());
        single.max_items = 1;
        let bad = Block::default()
            .block(single)
            .attr(Attribute::new("Bad-Name", Type::String).optional())
            .attr(Attribute::new("floating", Type::String))
            .attr(Attribute::new("both", Type::String).required().computed());
        let problems = check(&bad);
        assert_eq!(problems.len(), 4, "{problems:#?}");
    }

    #[test]
    fn check_flags_repeated_members_of_nested_attributes() {
        // Found by fuzzing (plan): two members of one name in a nested attribute passed the check,
        // and the object type kept only one of them.
        let member = |computed: bool| {
            let a = Attribute::new("tags", Type::String);
            if computed { a.computed() } else { a.optional() }
        };
        let b = Block::default().attr(
            Attribute::nested("rules", Nesting::List, vec![member(true), member(false)]).optional(),
        );
        assert_eq!(check(&b), vec!["rules.tags: defined twice".to_string()]);
    }
}
