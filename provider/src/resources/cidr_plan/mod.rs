//! `data "multicloud_cidr_plan"`: non-overlapping address ranges for every cluster of a platform,
//! checked against each cloud's rules. The planning itself is pure (`alloc`, `rules`); this module
//! maps it to and from Terraform values and attribute paths.

mod alloc;
pub mod function;
mod rules;

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use tfplugin::framework::{DataReadRequest, DataReadResponse, ValidateRequest};
use tfplugin::schema::Nesting;
use tfplugin::validators::{IntBetween, OneOf};
use tfplugin::{
    Attribute, Block, Ctx, DataSource, Diagnostic, Diagnostics, Path, Schema, Type, Value, typed,
};

use crate::ProviderConfig;
pub use alloc::{Allocation, Cloud, ClusterRequest, Field, PlanError, plan};

pub struct CidrPlan;

#[derive(Debug, Deserialize)]
struct Config {
    base_cidr: Option<String>,
    reserved: Option<Vec<Option<String>>>,
    clusters: Option<Vec<ClusterConfig>>,
}

#[derive(Debug, Deserialize)]
struct ClusterConfig {
    name: Option<String>,
    cloud: Option<String>,
    region: Option<String>,
    network_prefix: Option<i64>,
    subnet_prefix: Option<i64>,
    pod_prefix: Option<i64>,
    service_prefix: Option<i64>,
    zones: Option<i64>,
}

#[derive(Debug, Serialize)]
struct AllocationOut {
    network_cidr: String,
    subnet_cidrs: Vec<String>,
    pod_cidr: String,
    service_cidr: String,
}

fn prefix_attr(name: &str, what: &str) -> Attribute {
    Attribute::new(name, Type::Number)
        .optional()
        .validate(IntBetween(1, 32))
        .describe(what)
}

pub fn schema() -> Schema {
    let cluster = vec![
        Attribute::new("name", Type::String)
            .required()
            .describe("Cluster name, unique in the plan: lowercase letters, digits and '-', starting with a letter, at most 40 characters."),
        Attribute::new("cloud", Type::String)
            .required()
            .validate(OneOf(&["aws", "gcp", "azure"]))
            .describe("`aws`, `gcp` or `azure`: selects that cloud's range rules."),
        Attribute::new("region", Type::String).required().describe("The cluster's region."),
        prefix_attr("network_prefix", "Prefix length of the VPC / VNet / primary range. Default 16."),
        prefix_attr("subnet_prefix", "Prefix length of each subnet inside the network. Default 20."),
        prefix_attr("pod_prefix", "Prefix length of the pod range. Default 16."),
        prefix_attr("service_prefix", "Prefix length of the service range. Default 20."),
        Attribute::new("zones", Type::Number)
            .optional()
            .validate(IntBetween(1, 6))
            .describe("Number of subnets: one per zone on AWS (default 3); GCP and Azure subnets are regional (default 1)."),
    ];
    let allocation = Type::object([
        ("network_cidr", Type::String),
        ("subnet_cidrs", Type::list(Type::String)),
        ("pod_cidr", Type::String),
        ("service_cidr", Type::String),
    ]);
    Schema::new(
        0,
        Block::new(
            "Plans non-overlapping IPv4 ranges for clusters across AWS, GCP and Azure. Deterministic; appending a \
             cluster never moves existing allocations (removing or reordering clusters can, so append).",
        )
        .attr(Attribute::new("id", Type::String).computed().describe("A digest of the inputs."))
        .attr(
            Attribute::new("base_cidr", Type::String)
                .required()
                .describe("The IPv4 range everything is drawn from, e.g. `10.0.0.0/8`."),
        )
        .attr(
            Attribute::new("reserved", Type::list(Type::String))
                .optional()
                .describe("Ranges to leave alone (on-premises networks, existing VPCs)."),
        )
        .attr(
            Attribute::nested("clusters", Nesting::List, cluster)
                .required()
                .describe("The clusters, in a stable order: append new ones at the end."),
        )
        .attr(
            Attribute::new("allocations", Type::map(allocation))
                .computed()
                .describe("By cluster name: `network_cidr`, `subnet_cidrs`, `pod_cidr`, `service_cidr`."),
        ),
    )
}

/// Maps a planner problem to the attribute it is about.
fn path_of(field: &Field) -> Path {
    match field {
        Field::BaseCidr => Path::root().attr("base_cidr"),
        Field::Reserved(i) => Path::root().attr("reserved").index(*i as i64),
        Field::Cluster { index, attr } => Path::root()
            .attr("clusters")
            .index(*index as i64)
            .attr(attr),
    }
}

fn to_diags(errors: Vec<PlanError>) -> Diagnostics {
    let mut d = Diagnostics::new();
    for e in errors {
        let path = path_of(&e.field);
        // Terraform before 1.3 cannot point into nested attributes, so the detail names the path.
        let detail = format!("{path}: {}", e.detail);
        d.error_at(path, e.summary, detail);
    }
    d
}

/// The planner's inputs.
struct Inputs {
    base: String,
    reserved: Vec<String>,
    clusters: Vec<ClusterRequest>,
}

/// The planner's inputs, or `None` while any of them is unknown (then Terraform reads at apply).
fn requests(config: &Value) -> Result<Option<Inputs>, Diagnostics> {
    if !config.is_wholly_known() {
        return Ok(None);
    }
    let c: Config = typed::decode(config)?;
    let mut reserved = Vec::new();
    for (i, r) in c.reserved.unwrap_or_default().into_iter().enumerate() {
        reserved.push(r.ok_or_else(|| {
            Diagnostics::from(
                Diagnostic::error(
                    "Null reserved range",
                    "Each entry of reserved must be a CIDR such as 192.168.0.0/16.",
                )
                .at(Path::root().attr("reserved").index(i as i64)),
            )
        })?);
    }
    let mut clusters = Vec::new();
    let mut d = Diagnostics::new();
    for (i, cl) in c.clusters.unwrap_or_default().into_iter().enumerate() {
        let at = |attr: &str| Path::root().attr("clusters").index(i as i64).attr(attr);
        let cloud_name = cl.cloud.unwrap_or_default();
        let Some(cloud) = Cloud::parse(&cloud_name) else {
            d.error_at(
                at("cloud"),
                "Unknown cloud",
                format!("cloud must be \"aws\", \"gcp\" or \"azure\"; got \"{cloud_name}\"."),
            );
            continue;
        };
        let prefix = |v: Option<i64>, attr: &str, d: &mut Diagnostics| match v {
            None => None,
            Some(p) if (1..=32).contains(&p) => Some(p as u8),
            Some(p) => {
                d.error_at(
                    at(attr),
                    "Invalid prefix length",
                    format!("{attr} must be from 1 to 32; got {p}."),
                );
                None
            }
        };
        clusters.push(ClusterRequest {
            name: cl.name.unwrap_or_default(),
            cloud,
            region: cl.region.unwrap_or_default(),
            network_prefix: prefix(cl.network_prefix, "network_prefix", &mut d),
            subnet_prefix: prefix(cl.subnet_prefix, "subnet_prefix", &mut d),
            pod_prefix: prefix(cl.pod_prefix, "pod_prefix", &mut d),
            service_prefix: prefix(cl.service_prefix, "service_prefix", &mut d),
            zones: cl.zones.and_then(|z| u8::try_from(z).ok()),
        });
    }
    d.into_result()?;
    Ok(Some(Inputs {
        base: c.base_cidr.unwrap_or_default(),
        reserved,
        clusters,
    }))
}

/// The planner's answer, by cluster name, as the `allocations` attribute holds it.
fn allocations(
    base: &str,
    reserved: &[String],
    clusters: &[ClusterRequest],
) -> Result<BTreeMap<String, AllocationOut>, Diagnostics> {
    let planned = plan(base, reserved, clusters).map_err(to_diags)?;
    Ok(planned
        .into_iter()
        .map(|(name, a)| {
            (
                name,
                AllocationOut {
                    network_cidr: a.network_cidr.to_string(),
                    subnet_cidrs: a.subnet_cidrs.iter().map(|s| s.to_string()).collect(),
                    pod_cidr: a.pod_cidr.to_string(),
                    service_cidr: a.service_cidr.to_string(),
                },
            )
        })
        .collect())
}

fn digest(
    base: &str,
    reserved: &[String],
    allocations: &BTreeMap<String, AllocationOut>,
) -> String {
    let mut h = Sha256::new();
    h.update(base.as_bytes());
    for r in reserved {
        h.update(b"\0r");
        h.update(r.as_bytes());
    }
    for (name, a) in allocations {
        h.update(format!(
            "\0{name}={}|{}|{}|{}",
            a.network_cidr,
            a.subnet_cidrs.join(","),
            a.pod_cidr,
            a.service_cidr
        ));
    }
    let out = h.finalize();
    out.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[async_trait]
impl DataSource<ProviderConfig> for CidrPlan {
    fn name(&self) -> &'static str {
        "multicloud_cidr_plan"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    /// Runs the whole planner at validate time when the inputs are known, so `terraform validate`
    /// already names the offending attribute.
    fn validate(&self, req: ValidateRequest<'_>, diags: &mut Diagnostics) {
        match requests(req.config) {
            Ok(Some(Inputs {
                base,
                reserved,
                clusters,
            })) => {
                if let Err(errors) = plan(&base, &reserved, &clusters) {
                    diags.extend(to_diags(errors));
                }
            }
            Ok(None) => {}
            Err(d) => diags.extend(d),
        }
    }

    async fn read(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        req: DataReadRequest<'_>,
        resp: &mut DataReadResponse,
    ) -> Result<(), Diagnostics> {
        let config = req.config;
        let Some(Inputs {
            base,
            reserved,
            clusters,
        }) = requests(config)?
        else {
            return Err(Diagnostic::error(
                "Inputs not known",
                "multicloud_cidr_plan needs all of its inputs known when it is read.",
            )
            .into());
        };
        let allocations = allocations(&base, &reserved, &clusters)?;
        let id = digest(&base, &reserved, &allocations);
        let schema = schema();
        let mut state = config.clone().conform(&schema.value_type());
        state.set_attr("id", Value::string(id));
        let allocations = typed::encode(&allocations, &schema.attribute_type("allocations"))?;
        state.set_attr("allocations", allocations);
        tracing::debug!(clusters = clusters.len(), "planned cluster ranges");
        resp.state = state;
        Ok(())
    }
}
