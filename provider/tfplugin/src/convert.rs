//! The one place where framework types meet protocol messages.

use crate::cty::{self, Path, PathStep, Type, Value};
use crate::diag::{Diagnostic, Diagnostics, Severity};
use crate::framework::{ClientCaps, IdentitySchema};
use crate::proto::tfplugin6 as pb;
use crate::schema::{AttrKind, Attribute, Block, BlockNesting, Nesting, Schema};

pub fn schema(s: &Schema) -> pb::Schema {
    pb::Schema {
        version: s.version,
        block: Some(block(&s.block)),
    }
}

fn block(b: &Block) -> pb::schema::Block {
    pb::schema::Block {
        version: 0,
        attributes: b.attributes.iter().map(attribute).collect(),
        block_types: b
            .blocks
            .iter()
            .map(|nb| pb::schema::NestedBlock {
                type_name: nb.type_name.clone(),
                block: Some(block(&nb.block)),
                nesting: block_nesting(nb.nesting) as i32,
                min_items: nb.min_items,
                max_items: nb.max_items,
            })
            .collect(),
        description: b.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: b.deprecated,
        deprecation_message: String::new(),
    }
}

fn attribute(a: &Attribute) -> pb::schema::Attribute {
    let (ty, nested_type) = match &a.kind {
        AttrKind::Plain(t) => (t.to_json_bytes(), None),
        AttrKind::Nested {
            nesting,
            attributes,
        } => (
            Vec::new(),
            Some(pb::schema::Object {
                attributes: attributes.iter().map(attribute).collect(),
                nesting: object_nesting(*nesting) as i32,
                ..Default::default()
            }),
        ),
    };
    let mut description = a.description.clone();
    if let Some(msg) = &a.deprecated {
        description = format!("{description} Deprecated: {msg}")
            .trim()
            .to_string();
    }
    pb::schema::Attribute {
        name: a.name.clone(),
        r#type: ty,
        nested_type,
        description,
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: a.deprecated.is_some(),
        write_only: a.write_only,
        deprecation_message: a.deprecated.clone().unwrap_or_default(),
    }
}

fn block_nesting(n: BlockNesting) -> pb::schema::nested_block::NestingMode {
    use pb::schema::nested_block::NestingMode as M;
    match n {
        BlockNesting::Single => M::Single,
        BlockNesting::List => M::List,
        BlockNesting::Set => M::Set,
        BlockNesting::Map => M::Map,
        BlockNesting::Group => M::Group,
    }
}

fn object_nesting(n: Nesting) -> pb::schema::object::NestingMode {
    use pb::schema::object::NestingMode as M;
    match n {
        Nesting::Single => M::Single,
        Nesting::List => M::List,
        Nesting::Set => M::Set,
        Nesting::Map => M::Map,
    }
}

pub fn diagnostics(d: Diagnostics) -> Vec<pb::Diagnostic> {
    d.into_iter().map(diagnostic).collect()
}

fn diagnostic(d: Diagnostic) -> pb::Diagnostic {
    let severity = match d.severity {
        Severity::Error => pb::diagnostic::Severity::Error,
        Severity::Warning => pb::diagnostic::Severity::Warning,
    };
    pb::Diagnostic {
        severity: severity as i32,
        summary: d.summary,
        detail: d.detail,
        attribute: d.path.filter(|p| !p.0.is_empty()).map(|p| path(&p)),
    }
}

pub fn path(p: &Path) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: p
            .0
            .iter()
            .map(|s| pb::attribute_path::Step {
                selector: Some(match s {
                    PathStep::Attr(n) => Selector::AttributeName(n.clone()),
                    PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                    PathStep::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

/// Decodes a DynamicValue (msgpack, or JSON as older clients may send); absent means null.
pub fn decode(dv: Option<&pb::DynamicValue>, ty: &Type) -> Result<Value, Diagnostics> {
    let Some(dv) = dv else {
        return Ok(Value::Null);
    };
    let decoded = if !dv.msgpack.is_empty() {
        cty::from_msgpack(&dv.msgpack, ty).map_err(|e| e.to_string())
    } else if !dv.json.is_empty() {
        serde_json::from_slice(&dv.json)
            .map_err(|e| e.to_string())
            .and_then(|j| cty::from_json(&j, ty).map_err(|e| e.to_string()))
    } else {
        return Ok(Value::Null);
    };
    decoded.map(|v| v.conform(ty)).map_err(wire_error)
}

pub fn encode(v: &Value, ty: &Type) -> Result<pb::DynamicValue, Diagnostics> {
    let msgpack = cty::to_msgpack(v, ty).map_err(|e| wire_error(e.to_string()))?;
    Ok(pb::DynamicValue {
        msgpack,
        json: Vec::new(),
    })
}

fn wire_error(msg: String) -> Diagnostics {
    Diagnostic::error(
        "Invalid value on the wire",
        format!("The provider could not convert a value exchanged with Terraform: {msg}."),
    )
    .into()
}

pub fn function(f: &dyn crate::function::Function) -> pb::Function {
    let sig = f.signature();
    pb::Function {
        parameters: sig
            .params
            .iter()
            .map(|p| pb::function::Parameter {
                name: p.name.to_string(),
                r#type: p.ty.to_json_bytes(),
                allow_null_value: p.allow_null,
                allow_unknown_values: false,
                description: p.description.to_string(),
                description_kind: pb::StringKind::Markdown as i32,
            })
            .collect(),
        variadic_parameter: None,
        r#return: Some(pb::function::Return {
            r#type: sig.return_type.to_json_bytes(),
        }),
        summary: sig.summary.to_string(),
        description: sig.description.to_string(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecation_message: String::new(),
    }
}

/// What Terraform says it can handle; absent (older Terraform) means nothing optional.
pub fn client_caps(c: Option<&pb::ClientCapabilities>) -> ClientCaps {
    c.map(|c| ClientCaps {
        write_only_attributes: c.write_only_attributes_allowed,
        deferral: c.deferral_allowed,
    })
    .unwrap_or_default()
}

pub fn identity_schema(s: &IdentitySchema) -> pb::ResourceIdentitySchema {
    pb::ResourceIdentitySchema {
        version: s.version,
        identity_attributes: s
            .attributes
            .iter()
            .map(|a| pb::resource_identity_schema::IdentityAttribute {
                name: a.name.to_string(),
                r#type: a.ty.to_json_bytes(),
                required_for_import: a.required_for_import,
                optional_for_import: a.optional_for_import,
                description: a.description.to_string(),
            })
            .collect(),
    }
}
