//! A test double of a real provider (hashicorp/aws, google, azurerm): it serves the schema that
//! `terraform providers schema -json` printed for that provider, and plans like a provider would,
//! so real Terraform can `validate` and `plan` the generated HCL offline.
//!
//! What the double does:
//! - GetProviderSchema: every resource and data source of the file (descriptions dropped: they are
//!   large and Terraform does not need them to validate).
//! - PlanResourceChange: the tfplugin framework's pipeline (computed attributes left unset in the
//!   configuration become unknown on create).
//! - ReadDataSource: the configuration, with every computed attribute the configuration left null
//!   set to the zero value of its type (`""`, `0`, `false`, empty collections), so the value is
//!   wholly known as Terraform requires. Modules must therefore not depend on what a data source
//!   really returns at plan time.
//! - Apply, import and read of resources fail: the double never talks to a cloud.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;
use tfplugin::framework::{
    ApplyResponse, ConfigureRequest, CreateRequest, DataReadRequest, DataReadResponse,
    DeleteRequest, ReadRequest, ReadResponse, UpdateRequest,
};
use tfplugin::schema::{BlockNesting, NestedBlock, Nesting};
use tfplugin::{
    Attribute, Block, Ctx, DataSource, Diagnostic, Diagnostics, Resource, Schema, Type, Value,
};

/// The JSON document of `terraform providers schema -json`.
#[derive(Deserialize)]
struct Document {
    provider_schemas: BTreeMap<String, ProviderJson>,
}

#[derive(Deserialize)]
struct ProviderJson {
    provider: SchemaJson,
    #[serde(default)]
    resource_schemas: BTreeMap<String, SchemaJson>,
    #[serde(default)]
    data_source_schemas: BTreeMap<String, SchemaJson>,
}

#[derive(Deserialize)]
struct SchemaJson {
    #[serde(default)]
    version: i64,
    block: BlockJson,
}

#[derive(Deserialize, Default)]
struct BlockJson {
    #[serde(default)]
    attributes: BTreeMap<String, AttributeJson>,
    #[serde(default)]
    block_types: BTreeMap<String, BlockTypeJson>,
    #[serde(default)]
    deprecated: bool,
}

#[derive(Deserialize)]
struct AttributeJson {
    #[serde(rename = "type")]
    ty: Option<serde_json::Value>,
    nested_type: Option<NestedTypeJson>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    computed: bool,
    #[serde(default)]
    sensitive: bool,
    #[serde(default)]
    deprecated: bool,
    #[serde(default)]
    write_only: bool,
}

#[derive(Deserialize)]
struct NestedTypeJson {
    attributes: BTreeMap<String, AttributeJson>,
    nesting_mode: String,
}

#[derive(Deserialize)]
struct BlockTypeJson {
    nesting_mode: String,
    #[serde(default)]
    block: BlockJson,
    #[serde(default)]
    min_items: i64,
    #[serde(default)]
    max_items: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a provider schema document: {source}")]
    Json {
        path: String,
        source: serde_json::Error,
    },
    #[error("{path} holds {found} providers; expected exactly one")]
    NotOne { path: String, found: usize },
    #[error("{at}: {msg}")]
    Invalid { at: String, msg: String },
}

/// One provider's schemas, converted to the framework's types.
pub struct ProviderSchemas {
    /// The provider's source address, e.g. `registry.terraform.io/hashicorp/aws`.
    pub address: String,
    pub provider: Schema,
    pub resources: BTreeMap<String, Schema>,
    pub data_sources: BTreeMap<String, Schema>,
}

impl ProviderSchemas {
    /// Reads a (possibly gzipped) `terraform providers schema -json` document with one provider.
    pub fn load(path: &Path) -> Result<ProviderSchemas, SchemaError> {
        let shown = path.display().to_string();
        let io = |source| SchemaError::Io {
            path: shown.clone(),
            source,
        };
        let raw = std::fs::read(path).map_err(io)?;
        let text = if raw.starts_with(&[0x1f, 0x8b]) {
            let mut out = Vec::with_capacity(raw.len() * 16);
            flate2::read::GzDecoder::new(raw.as_slice())
                .read_to_end(&mut out)
                .map_err(io)?;
            out
        } else {
            raw
        };
        let doc: Document = serde_json::from_slice(&text).map_err(|source| SchemaError::Json {
            path: shown.clone(),
            source,
        })?;
        if doc.provider_schemas.len() != 1 {
            return Err(SchemaError::NotOne {
                path: shown,
                found: doc.provider_schemas.len(),
            });
        }
        let Some((address, p)) = doc.provider_schemas.into_iter().next() else {
            return Err(SchemaError::NotOne {
                path: shown,
                found: 0,
            });
        };
        let convert_all = |m: BTreeMap<String, SchemaJson>, kind: &str| {
            m.into_iter()
                .map(|(name, s)| Ok((name.clone(), schema(&s, &format!("{kind} {name}"))?)))
                .collect::<Result<BTreeMap<_, _>, SchemaError>>()
        };
        Ok(ProviderSchemas {
            address,
            provider: schema(&p.provider, "provider")?,
            resources: convert_all(p.resource_schemas, "resource")?,
            data_sources: convert_all(p.data_source_schemas, "data source")?,
        })
    }

    /// The provider's type name: the last segment of its address (`aws`).
    pub fn type_name(&self) -> &str {
        self.address.rsplit('/').next().unwrap_or(&self.address)
    }
}

fn schema(s: &SchemaJson, at: &str) -> Result<Schema, SchemaError> {
    Ok(Schema::new(s.version, block(&s.block, at)?))
}

fn block(b: &BlockJson, at: &str) -> Result<Block, SchemaError> {
    let mut out = Block::new("");
    out.deprecated = b.deprecated;
    for (name, a) in &b.attributes {
        out = out.attr(attribute(name, a, &format!("{at}.{name}"))?);
    }
    for (name, bt) in &b.block_types {
        let here = format!("{at}.{name}");
        let nesting = match bt.nesting_mode.as_str() {
            "single" => BlockNesting::Single,
            "list" => BlockNesting::List,
            "set" => BlockNesting::Set,
            "map" => BlockNesting::Map,
            "group" => BlockNesting::Group,
            other => {
                return Err(invalid(
                    &here,
                    format!("unknown block nesting mode {other:?}"),
                ));
            }
        };
        let mut nb = NestedBlock::new(name, nesting, block(&bt.block, &here)?);
        nb.min_items = bt.min_items;
        nb.max_items = bt.max_items;
        out = out.block(nb);
    }
    Ok(out)
}

fn attribute(name: &str, a: &AttributeJson, at: &str) -> Result<Attribute, SchemaError> {
    let mut out = match (&a.ty, &a.nested_type) {
        (Some(ty), None) => Attribute::new(
            name,
            Type::from_json(ty).map_err(|e| invalid(at, e.to_string()))?,
        ),
        (None, Some(n)) => {
            let nesting = match n.nesting_mode.as_str() {
                "single" => Nesting::Single,
                "list" => Nesting::List,
                "set" => Nesting::Set,
                "map" => Nesting::Map,
                other => {
                    return Err(invalid(
                        at,
                        format!("unknown attribute nesting mode {other:?}"),
                    ));
                }
            };
            let attrs = n
                .attributes
                .iter()
                .map(|(n2, a2)| attribute(n2, a2, &format!("{at}.{n2}")))
                .collect::<Result<Vec<_>, _>>()?;
            Attribute::nested(name, nesting, attrs)
        }
        _ => {
            return Err(invalid(
                at,
                "an attribute needs exactly one of type and nested_type".into(),
            ));
        }
    };
    out.required = a.required;
    out.optional = a.optional;
    out.computed = a.computed;
    out.sensitive = a.sensitive;
    out.write_only = a.write_only;
    if a.deprecated {
        out.deprecated = Some(String::new());
    }
    Ok(out)
}

fn invalid(at: &str, msg: String) -> SchemaError {
    SchemaError::Invalid {
        at: at.to_string(),
        msg,
    }
}

/// The zero value of a type: what the double's data sources return for computed attributes.
pub fn zero(ty: &Type) -> Value {
    match ty {
        Type::String => Value::String(String::new()),
        Type::Number => Value::int(0),
        Type::Bool => Value::Bool(false),
        Type::Dynamic => Value::Null,
        Type::List(_) => Value::List(Vec::new()),
        Type::Set(_) => Value::Set(Vec::new()),
        Type::Map(_) => Value::Map(BTreeMap::new()),
        Type::Tuple(items) => Value::Tuple(items.iter().map(zero).collect()),
        Type::Object(o) => {
            Value::Object(o.attrs.iter().map(|(k, t)| (k.clone(), zero(t))).collect())
        }
    }
}

/// Fills every computed attribute that `config` leaves null with its zero value (recursing into
/// nested blocks, which are configuration and stay as they are otherwise).
pub fn fill_computed(block: &Block, config: &Value) -> Value {
    let mut out = config.clone();
    if !matches!(out, Value::Object(_)) {
        return out;
    }
    for a in &block.attributes {
        if let Some(slot) = out.get_mut(&a.name)
            && a.computed
            && slot.is_null()
        {
            *slot = zero(&a.value_type());
        }
    }
    for b in &block.blocks {
        let Some(slot) = out.get_mut(&b.type_name) else {
            continue;
        };
        *slot = match std::mem::replace(slot, Value::Null) {
            Value::List(items) => {
                Value::List(items.iter().map(|v| fill_computed(&b.block, v)).collect())
            }
            Value::Set(items) => {
                Value::Set(items.iter().map(|v| fill_computed(&b.block, v)).collect())
            }
            Value::Map(items) => Value::Map(
                items
                    .iter()
                    .map(|(k, v)| (k.clone(), fill_computed(&b.block, v)))
                    .collect(),
            ),
            v @ Value::Object(_) => fill_computed(&b.block, &v),
            other => other,
        };
    }
    out
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

struct DoubleResource {
    name: &'static str,
    schema: Schema,
}

fn no_cloud(what: &str) -> Diagnostics {
    Diagnostic::error(
        "Schema double",
        format!("This provider only serves a schema for validate and plan; it cannot {what}."),
    )
    .into()
}

#[async_trait]
impl Resource<()> for DoubleResource {
    fn name(&self) -> &'static str {
        self.name
    }
    fn schema(&self) -> Schema {
        self.schema.clone()
    }
    async fn create(
        &self,
        _: &Ctx<()>,
        _: CreateRequest<'_>,
        _: &mut ApplyResponse,
    ) -> Result<(), Diagnostics> {
        Err(no_cloud("create"))
    }
    async fn read(
        &self,
        _: &Ctx<()>,
        _: ReadRequest<'_>,
        _: &mut ReadResponse,
    ) -> Result<(), Diagnostics> {
        Ok(())
    }
    async fn update(
        &self,
        _: &Ctx<()>,
        _: UpdateRequest<'_>,
        _: &mut ApplyResponse,
    ) -> Result<(), Diagnostics> {
        Err(no_cloud("update"))
    }
    async fn delete(&self, _: &Ctx<()>, _: DeleteRequest<'_>) -> Result<(), Diagnostics> {
        Err(no_cloud("delete"))
    }
}

struct DoubleDataSource {
    name: &'static str,
    schema: Schema,
}

#[async_trait]
impl DataSource<()> for DoubleDataSource {
    fn name(&self) -> &'static str {
        self.name
    }
    fn schema(&self) -> Schema {
        self.schema.clone()
    }
    async fn read(
        &self,
        _: &Ctx<()>,
        req: DataReadRequest<'_>,
        resp: &mut DataReadResponse,
    ) -> Result<(), Diagnostics> {
        resp.state = fill_computed(&self.schema.block, req.config);
        Ok(())
    }
}

/// The provider served by the `multicloud-schema-provider` binary.
pub struct SchemaProvider {
    name: &'static str,
    schema: Schema,
    resources: Vec<Arc<dyn Resource<()>>>,
    data_sources: Vec<Arc<dyn DataSource<()>>>,
}

impl SchemaProvider {
    pub fn new(s: ProviderSchemas) -> SchemaProvider {
        SchemaProvider {
            name: leak(s.type_name()),
            schema: s.provider,
            resources: s
                .resources
                .into_iter()
                .map(|(n, schema)| {
                    Arc::new(DoubleResource {
                        name: leak(&n),
                        schema,
                    }) as Arc<dyn Resource<()>>
                })
                .collect(),
            data_sources: s
                .data_sources
                .into_iter()
                .map(|(n, schema)| {
                    Arc::new(DoubleDataSource {
                        name: leak(&n),
                        schema,
                    }) as Arc<dyn DataSource<()>>
                })
                .collect(),
        }
    }
}

#[async_trait]
impl tfplugin::Provider for SchemaProvider {
    type Data = ();
    fn name(&self) -> &'static str {
        self.name
    }
    fn schema(&self) -> Schema {
        self.schema.clone()
    }
    async fn configure(&self, _: ConfigureRequest<'_>) -> Result<(), Diagnostics> {
        Ok(())
    }
    fn resources(&self) -> Vec<Arc<dyn Resource<()>>> {
        self.resources.clone()
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource<()>>> {
        self.data_sources.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_values_are_wholly_known() {
        let t = Type::object([
            ("a", Type::list(Type::String)),
            ("b", Type::Dynamic),
            ("c", Type::Number),
        ]);
        assert!(zero(&t).is_wholly_known());
    }

    #[test]
    fn data_source_fills_only_computed_nulls() {
        let b = Block::new("")
            .attr(Attribute::new("name", Type::String).optional())
            .attr(Attribute::new("arn", Type::String).computed())
            .attr(
                Attribute::new("tags", Type::map(Type::String))
                    .optional()
                    .computed(),
            );
        let cfg = Value::object([
            ("name", Value::string("x")),
            ("arn", Value::Null),
            ("tags", Value::Null),
        ]);
        let out = fill_computed(&b, &cfg);
        assert_eq!(out.get("name"), Some(&Value::string("x")));
        assert_eq!(out.get("arn"), Some(&Value::string("")));
        assert_eq!(out.get("tags"), Some(&Value::Map(BTreeMap::new())));
    }
}
