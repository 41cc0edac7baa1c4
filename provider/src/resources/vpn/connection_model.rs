//! The schema of `multicloud_vpn_connection` and the typed shape of its state.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tfplugin::validators::IntBetween;
use tfplugin::{Attribute, Block, Schema, Type};

use super::gateway_model::{Gateway, reference_type};
use super::timeouts::{self, Timeouts};

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct TunnelState {
    pub index: Option<i64>,
    pub a_interface: Option<i64>,
    pub b_interface: Option<i64>,
    pub inside_cidr: Option<String>,
    pub a_bgp_ip: Option<String>,
    pub b_bgp_ip: Option<String>,
    pub a_asn: Option<i64>,
    pub b_asn: Option<i64>,
    pub a_outside_ip: Option<String>,
    pub b_outside_ip: Option<String>,
    pub a_status: Option<String>,
    pub b_status: Option<String>,
    pub in_sync: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ConnectionState {
    pub id: Option<String>,
    pub name: Option<String>,
    pub a: Option<Gateway>,
    pub b: Option<Gateway>,
    pub tunnel_count: Option<i64>,
    pub ike_version: Option<i64>,
    pub psk: Option<String>,
    /// Write-only: only ever known from the configuration.
    pub psk_wo: Option<String>,
    pub psk_wo_version: Option<i64>,
    pub inside_cidrs: Option<Vec<String>>,
    pub advertised_routes: Option<Vec<String>>,
    pub tunnels: Option<Vec<TunnelState>>,
    pub tunnel_psks: Option<Vec<String>>,
    pub cloud_ids: Option<BTreeMap<String, String>>,
    pub timeouts: Option<Timeouts>,
}

pub const DEFAULT_TUNNELS: i64 = 4;
pub const DEFAULT_IKE: i64 = 2;

pub fn tunnel_type() -> Type {
    Type::object([
        ("index", Type::Number),
        ("a_interface", Type::Number),
        ("b_interface", Type::Number),
        ("inside_cidr", Type::String),
        ("a_bgp_ip", Type::String),
        ("b_bgp_ip", Type::String),
        ("a_asn", Type::Number),
        ("b_asn", Type::Number),
        ("a_outside_ip", Type::String),
        ("b_outside_ip", Type::String),
        ("a_status", Type::String),
        ("b_status", Type::String),
        ("in_sync", Type::Bool),
    ])
}

pub fn schema() -> Schema {
    Schema::new(
        0,
        Block::new(
            "An HA site-to-site VPN between two `multicloud_vpn_gateway`s in different clouds: every tunnel, \
             peer gateway, BGP session and key on both sides, with inside addresses, ASNs and keys checked \
             against both clouds' rules at plan.",
        )
        .attr(Attribute::new("id", Type::String).computed().describe("Same as `name`."))
        .attr(
            Attribute::new("name", Type::String)
                .required()
                .requires_replace()
                .describe("Prefix of every cloud object this connection creates (e.g. GCP tunnels `NAME-t0`…): lowercase letters, digits and hyphens, up to 40 characters. Also seeds the inside-CIDR allocation."),
        )
        .attr(
            Attribute::new("a", reference_type())
                .required()
                .describe("One gateway: pass the resource itself, `a = multicloud_vpn_gateway.aws`, so its cloud, region and ASN are known at plan."),
        )
        .attr(
            Attribute::new("b", reference_type())
                .required()
                .describe("The other gateway, in another cloud."),
        )
        .attr(
            Attribute::new("tunnel_count", Type::Number)
                .default(tfplugin::Value::int(DEFAULT_TUNNELS))
                .requires_replace()
                .describe("4 (default: both interfaces of both sides, 99.99% SLA on GCP) or 2."),
        )
        .attr(
            Attribute::new("ike_version", Type::Number)
                .default(tfplugin::Value::int(DEFAULT_IKE))
                .validate(IntBetween(1, 2))
                .requires_replace()
                .describe("IKE version of every tunnel: 2 (default) or 1."),
        )
        .attr(
            Attribute::new("psk", Type::String)
                .optional()
                .sensitive()
                .requires_replace()
                .describe("Pre-shared key for every tunnel: 8–64 letters, digits, `.` or `_`, not starting with `0` (what all three clouds accept). Default: a distinct generated key per tunnel. Stored in state; on Terraform 1.11+ prefer `psk_wo`."),
        )
        .attr(
            Attribute::new("psk_wo", Type::String)
                .optional()
                .sensitive()
                .write_only()
                .describe("Pre-shared key for every tunnel, write-only (Terraform 1.11+): it goes to the clouds and nowhere else, not into plan or state (`tunnel_psks` stays null). Feed it from `ephemeral \"multicloud_psk\"`. Keep it in the configuration: a repair of a tunnel deleted out of band sets it again."),
        )
        .attr(
            Attribute::new("psk_wo_version", Type::Number)
                .optional()
                .requires_replace()
                .describe("Change it to apply a new `psk_wo` (the tunnels are rebuilt with it): Terraform cannot compare write-only values, so this number is how it learns the key changed."),
        )
        .attr(
            Attribute::new("inside_cidrs", Type::list(Type::String))
                .optional()
                .computed()
                .requires_replace()
                .describe("One /30 per tunnel inside 169.254.0.0/16 (inside 169.254.21.0/24–169.254.22.0/24 with Azure; AWS's reserved /30s refused). Default: allocated from the name, skipping /30s other connections already use on gateways that exist; known at plan. Set it when several new connections share a gateway created in the same apply."),
        )
        .attr(
            Attribute::new("advertised_routes", Type::list(Type::String))
                .optional()
                .describe("CIDRs the GCP side announces in addition to nothing else (custom advertisement); default: the VPC's subnets. AWS and Azure announce their VPC/VNet ranges."),
        )
        .attr(
            Attribute::new("tunnels", Type::list(tunnel_type()))
                .computed()
                .describe("Per tunnel: interfaces, outside addresses and BGP addresses of both sides, the inside CIDR, both ASNs, each side's status and `in_sync` (false when the last refresh found a piece missing or changed; the next apply repairs it). Inside CIDRs, BGP addresses and ASNs are known at plan."),
        )
        .attr(
            Attribute::new("tunnel_psks", Type::list(Type::String))
                .computed()
                .sensitive()
                .use_state_for_unknown()
                .describe("The key of each tunnel."),
        )
        .attr(
            Attribute::new("cloud_ids", Type::map(Type::String))
                .computed()
                .describe("Every cloud object this connection made, by role (`aws.vpn_connection.0`, `gcp.tunnel.3`, `azure.connection.1`, …)."),
        )
        .block(timeouts::block("60m", "30m")),
    )
}

pub fn value_type() -> Type {
    schema().value_type()
}
