//! The schema of `multicloud_vpn_gateway` and the typed shape of its state. The same shape is what
//! `multicloud_vpn_connection` receives as `a` and `b` (a subset of it: see [`reference_type`]).

use serde::{Deserialize, Serialize};
use tfplugin::schema::{BlockNesting, NestedBlock};
use tfplugin::{Attribute, Block, Schema, Type};

use super::rules::Cloud;
use super::timeouts::{self, Timeouts};

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct AwsSite {
    pub region: Option<String>,
    pub vpc_id: Option<String>,
    pub transit_gateway_id: Option<String>,
    pub amazon_side_asn: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct GcpSite {
    pub project: Option<String>,
    pub region: Option<String>,
    pub network: Option<String>,
    pub asn: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct AzureSite {
    pub subscription_id: Option<String>,
    pub resource_group: Option<String>,
    pub location: Option<String>,
    pub gateway_subnet_id: Option<String>,
    pub asn: Option<i64>,
    pub sku: Option<String>,
}

/// A gateway as state and as the `a` / `b` reference of a connection.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Gateway {
    pub id: Option<String>,
    pub name: Option<String>,
    pub cloud: Option<String>,
    pub asn: Option<i64>,
    pub public_ips: Option<Vec<String>>,
    pub bgp_peering_addresses: Option<Vec<String>>,
    pub aws: Option<AwsSite>,
    pub gcp: Option<GcpSite>,
    pub azure: Option<AzureSite>,
}

/// The resource's full state: the reference shape plus its timeouts.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct GatewayState {
    #[serde(flatten)]
    pub gw: Gateway,
    pub missing: Option<Vec<String>>,
    pub timeouts: Option<Timeouts>,
}

pub const AZURE_DEFAULT_SKU: &str = "VpnGw1AZ";
/// SKUs that do BGP and active-active (Basic does neither).
pub const AZURE_SKUS: &[&str] = &[
    "VpnGw1", "VpnGw2", "VpnGw3", "VpnGw4", "VpnGw5", "VpnGw1AZ", "VpnGw2AZ", "VpnGw3AZ",
    "VpnGw4AZ", "VpnGw5AZ",
];

impl Gateway {
    /// The cloud named by whichever site block is present.
    pub fn site_cloud(&self) -> Option<Cloud> {
        match (&self.aws, &self.gcp, &self.azure) {
            (Some(_), None, None) => Some(Cloud::Aws),
            (None, Some(_), None) => Some(Cloud::Gcp),
            (None, None, Some(_)) => Some(Cloud::Azure),
            _ => None,
        }
    }
}

/// GCP objects made by a gateway named `name`.
pub fn gcp_router_name(name: &str) -> String {
    format!("{name}-router")
}

/// Azure public IPs of a gateway named `name`, one per active-active instance.
pub fn azure_public_ip_names(name: &str) -> [String; 2] {
    [format!("{name}-pip0"), format!("{name}-pip1")]
}

fn aws_block() -> Block {
    Block::new("An AWS site: a virtual private gateway attached to a VPC, or an existing transit gateway.")
        .attr(Attribute::new("region", Type::String).required().describe("AWS region, e.g. `us-east-1`."))
        .attr(Attribute::new("vpc_id", Type::String).optional().describe("Create a virtual private gateway and attach it to this VPC."))
        .attr(Attribute::new("transit_gateway_id", Type::String).optional().describe("Use this existing transit gateway instead (it is not created or deleted here)."))
        .attr(Attribute::new("amazon_side_asn", Type::Number).optional().describe("The virtual private gateway's ASN: 64512–65534 or 4200000000–4294967294. Default 64512. With a transit gateway, the gateway's own ASN (checked at apply)."))
}

fn gcp_block() -> Block {
    Block::new("A GCP site: an HA VPN gateway (two interfaces) and its Cloud Router.")
        .attr(
            Attribute::new("project", Type::String)
                .required()
                .describe("Project id."),
        )
        .attr(
            Attribute::new("region", Type::String)
                .required()
                .describe("Region, e.g. `europe-west1`."),
        )
        .attr(
            Attribute::new("network", Type::String)
                .required()
                .describe("VPC network name or self link."),
        )
        .attr(
            Attribute::new("asn", Type::Number)
                .required()
                .describe("Cloud Router ASN: a private ASN, 64512–65534 or 4200000000–4294967294."),
        )
}

fn azure_block() -> Block {
    Block::new("An Azure site: two public IPs and an active-active, BGP-enabled virtual network gateway.")
        .attr(Attribute::new("subscription_id", Type::String).required().describe("Subscription id."))
        .attr(Attribute::new("resource_group", Type::String).required().describe("Resource group for the gateway and its public IPs."))
        .attr(Attribute::new("location", Type::String).required().describe("Azure region, e.g. `westeurope`."))
        .attr(Attribute::new("gateway_subnet_id", Type::String).required().describe("Resource id of the virtual network's subnet named `GatewaySubnet`."))
        .attr(Attribute::new("asn", Type::Number).optional().describe("The gateway's ASN. Default 65515. Azure-reserved (8074, 8075, 12076, 65517–65520) and IANA-reserved ASNs are refused."))
        .attr(Attribute::new("sku", Type::String).optional().describe("Gateway SKU with BGP and active-active support. Default `VpnGw1AZ`. Azure takes 30–45 minutes to create a gateway."))
}

pub fn schema() -> Schema {
    Schema::new(
        0,
        Block::new(
            "One VPN site in one cloud: exactly one of `aws`, `gcp` or `azure`. Connect two of them with \
             `multicloud_vpn_connection`.",
        )
        .attr(Attribute::new("id", Type::String).computed().use_state_for_unknown().describe("The cloud's id: VGW or TGW id, GCP gateway path, Azure resource id."))
        .attr(
            Attribute::new("name", Type::String)
                .required()
                .requires_replace()
                .describe("Name of the gateway and prefix of its cloud objects: lowercase letters, digits and hyphens, up to 40 characters."),
        )
        .attr(Attribute::new("cloud", Type::String).computed().describe("`aws`, `gcp` or `azure`, known at plan."))
        .attr(Attribute::new("asn", Type::Number).computed().describe("The BGP ASN this site speaks, known at plan except for an existing transit gateway."))
        .attr(Attribute::new("public_ips", Type::list(Type::String)).computed().use_state_for_unknown().describe("The gateway's public addresses by interface (GCP, Azure); empty on AWS, whose tunnel addresses belong to each connection."))
        .attr(Attribute::new("bgp_peering_addresses", Type::list(Type::String)).computed().use_state_for_unknown().describe("Azure: the default BGP addresses of both instances; empty elsewhere."))
        .attr(Attribute::new("missing", Type::list(Type::String)).computed().describe("Pieces of this site that the last refresh found gone while others remain, e.g. `Cloud Router NAME-router`. When it is not empty the next plan replaces the gateway, so the remaining pieces are removed rather than left behind, and a destroy removes them too."))
        .block(NestedBlock::new("aws", BlockNesting::Single, aws_block()))
        .block(NestedBlock::new("gcp", BlockNesting::Single, gcp_block()))
        .block(NestedBlock::new("azure", BlockNesting::Single, azure_block()))
        .block(timeouts::block("45m", "30m")),
    )
}

/// The type of `a` and `b` in `multicloud_vpn_connection`: the gateway without its timeouts, so
/// that a whole gateway resource converts to it.
pub fn reference_type() -> Type {
    match schema().value_type() {
        Type::Object(mut o) => {
            // Not part of what a connection needs to know about its gateways.
            o.attrs.remove("timeouts");
            o.attrs.remove("missing");
            Type::Object(o)
        }
        other => other,
    }
}
