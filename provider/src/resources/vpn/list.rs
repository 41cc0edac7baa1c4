//! `list "multicloud_vpn_gateway"` and `list "multicloud_vpn_connection"` (Terraform 1.14+,
//! `terraform query`): how a team finds the VPN sites of a region, project or resource group —
//! hand-built ones included — and the connections this provider built between two gateways, each
//! reported by the identity an `import` block takes.

use std::collections::BTreeSet;

use async_trait::async_trait;
use serde::Deserialize;
use tfplugin::framework::{Found, ListRequest, ListResource, ListSink, ValidateRequest};
use tfplugin::schema::{BlockNesting, NestedBlock};
use tfplugin::{Attribute, Block, Ctx, Diagnostic, Diagnostics, Path, Schema, Type, Value, typed};

use super::connection::encode as encode_connection;
use super::connection_import;
use super::gateway::{self, encode as encode_gateway};
use super::gateway_model::{Gateway, GatewayState};
use super::rules::Cloud;
use super::site::{ListScope, site};
use crate::ProviderConfig;

pub struct GatewayList;
pub struct ConnectionList;

#[derive(Deserialize)]
struct GatewayListConfig {
    aws: Option<ListScope>,
    gcp: Option<ListScope>,
    azure: Option<ListScope>,
    name_prefix: Option<String>,
}

fn scope_block(cloud: &str, settings: &[(&str, &str)]) -> NestedBlock {
    let block = settings.iter().fold(
        Block::new(&format!("Look for {cloud} gateways here.")),
        |b, (name, what)| b.attr(Attribute::new(name, Type::String).required().describe(what)),
    );
    NestedBlock::new(cloud, BlockNesting::Single, block)
}

/// A gateway's identity as a value (what `multicloud_vpn_gateway` stores).
fn gateway_identity(gw: &Gateway) -> Option<Value> {
    let state = encode_gateway(&GatewayState {
        gw: gw.clone(),
        missing: Some(Vec::new()),
        timeouts: None,
    })
    .ok()?;
    use tfplugin::framework::Identity;
    gateway::VpnGateway.identity_of(&state)
}

#[async_trait]
impl ListResource<ProviderConfig> for GatewayList {
    fn name(&self) -> &'static str {
        "multicloud_vpn_gateway"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new(
                "Finds the VPN gateways of the given scopes, whoever made them: AWS virtual private gateways attached \
                 to a VPC, GCP HA VPN gateways, Azure virtual network gateways. Give one or more of the blocks.",
            )
            .attr(
                Attribute::new("name_prefix", Type::String)
                    .optional()
                    .describe("Only gateways whose name starts with this."),
            )
            .block(scope_block("aws", &[("region", "The AWS region.")]))
            .block(scope_block(
                "gcp",
                &[("project", "The GCP project."), ("region", "The GCP region.")],
            ))
            .block(scope_block(
                "azure",
                &[
                    ("subscription_id", "The Azure subscription."),
                    ("resource_group", "The resource group."),
                ],
            )),
        )
    }

    fn validate(&self, req: ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Ok(c) = typed::decode::<GatewayListConfig>(req.config) else {
            return;
        };
        let any_unknown = ["aws", "gcp", "azure"]
            .iter()
            .any(|b| req.config.get(b).is_some_and(Value::is_unknown));
        if c.aws.is_none() && c.gcp.is_none() && c.azure.is_none() && !any_unknown {
            diags.error_at(
                Path::root(),
                "Nowhere to look",
                "A multicloud_vpn_gateway list needs at least one of the blocks aws, gcp or azure.",
            );
        }
    }

    async fn list(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: ListRequest<'_>,
        sink: &mut ListSink,
    ) -> Result<(), Diagnostics> {
        let c: GatewayListConfig = typed::decode(req.config)?;
        let prefix = c.name_prefix.clone().unwrap_or_default();
        let scopes = [
            (Cloud::Aws, &c.aws),
            (Cloud::Gcp, &c.gcp),
            (Cloud::Azure, &c.azure),
        ];
        for (cloud, scope) in scopes {
            let Some(scope) = scope else { continue };
            let mut ids = site(cloud).list_gateways(ctx, scope).await?;
            ids.sort();
            for id in ids {
                // A gateway this provider cannot manage (e.g. not active-active) is said, not hidden.
                let gw = match gateway::existing(ctx, &id).await {
                    Ok(gw) => gw,
                    Err(d) => {
                        let why: Vec<String> = d.0.iter().map(|d| d.detail.clone()).collect();
                        sink.report(Diagnostic::warning(
                            "Gateway cannot be managed",
                            format!("{id} was found but cannot be imported: {}", why.join("; ")),
                        ))
                        .await;
                        continue;
                    }
                };
                let name = gw.name.clone().unwrap_or_default();
                if !name.starts_with(&prefix) {
                    continue;
                }
                let Some(identity) = gateway_identity(&gw) else {
                    continue;
                };
                let resource = match req.include_resource {
                    true => Some(encode_gateway(&GatewayState {
                        gw,
                        missing: Some(Vec::new()),
                        timeouts: None,
                    })?),
                    false => None,
                };
                let found = Found {
                    identity,
                    display_name: format!("{name} ({cloud} {id})"),
                    resource,
                };
                if !sink.push(found).await {
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct ConnectionListConfig {
    gateway_a: Option<String>,
    gateway_b: Option<String>,
}

#[async_trait]
impl ListResource<ProviderConfig> for ConnectionList {
    fn name(&self) -> &'static str {
        "multicloud_vpn_connection"
    }

    fn schema(&self) -> Schema {
        let gateway = "A gateway as `multicloud_vpn_gateway` import takes it: `aws/REGION/vgw-…`, `projects/P/regions/R/vpnGateways/NAME`, or the Azure resource id (what `list \"multicloud_vpn_gateway\"` reports).";
        Schema::new(
            0,
            Block::new(
                "Finds the connections this provider built between two gateways (by the names and tags it gives their \
                 pieces, on both sides), e.g. after a state was lost.",
            )
            .attr(Attribute::new("gateway_a", Type::String).required().describe(gateway))
            .attr(Attribute::new("gateway_b", Type::String).required().describe(gateway)),
        )
    }

    async fn list(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: ListRequest<'_>,
        sink: &mut ListSink,
    ) -> Result<(), Diagnostics> {
        let c: ConnectionListConfig = typed::decode(req.config)?;
        let (Some(a_id), Some(b_id)) = (c.gateway_a, c.gateway_b) else {
            return Ok(());
        };
        let a = gateway::existing(ctx, &a_id)
            .await
            .map_err(|d| at("gateway_a", d))?;
        let b = gateway::existing(ctx, &b_id)
            .await
            .map_err(|d| at("gateway_b", d))?;
        let (Some(ca), Some(cb)) = (a.site_cloud(), b.site_cloud()) else {
            return Ok(());
        };
        let on_a = site(ca).connection_names(ctx, &a).await?;
        let on_b = site(cb).connection_names(ctx, &b).await?;
        let (Some(a_id), Some(b_id)) = (gateway::import_id_of(&a), gateway::import_id_of(&b))
        else {
            return Ok(());
        };
        let names: BTreeSet<&String> = on_a.intersection(&on_b).collect();
        for name in names {
            let resource = match req.include_resource {
                true => {
                    let state =
                        connection_import::import(ctx, &format!("{name},{a_id},{b_id}")).await?;
                    Some(encode_connection(&state)?)
                }
                false => None,
            };
            let found = Found {
                identity: Value::object([
                    ("name", Value::string(name)),
                    ("gateway_a", Value::string(&a_id)),
                    ("gateway_b", Value::string(&b_id)),
                ]),
                display_name: format!("{name} ({ca} to {cb})"),
                resource,
            };
            if !sink.push(found).await {
                break;
            }
        }
        Ok(())
    }
}

/// Diagnostics about one of the list's gateways, pointed at its attribute.
fn at(attr: &str, d: Diagnostics) -> Diagnostics {
    Diagnostics(
        d.0.into_iter()
            .map(|x| x.at(Path::root().attr(attr)))
            .collect(),
    )
}
