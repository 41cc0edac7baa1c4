//! What one side of a connection is asked to build, and what it reports back. Each cloud's module
//! (`aws_site`, `gcp_site`, `azure_site`) implements the same three steps on these types:
//! ensure (create what is missing, keep what exists, so a retry after a failure resumes), observe
//! (drift and status) and remove (reverse order, tolerating pieces already gone).

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;
use std::time::Duration;

use ipnet::Ipv4Net;
use tfplugin::Diagnostics;

use super::gateway_model::Gateway;

/// One tunnel seen from one side.
#[derive(Clone, PartialEq, Eq)]
pub struct SideTunnel {
    pub index: usize,
    /// This side's interface (GCP/Azure instance; AWS tunnel index).
    pub local_interface: usize,
    pub local_bgp_ip: Ipv4Addr,
    pub inside_cidr: Ipv4Net,
    /// The far side's outside address for this tunnel (known before this side is built).
    pub peer_ip: String,
    /// The far side's interface number for this tunnel.
    pub peer_interface: usize,
    pub peer_bgp_ip: Ipv4Addr,
    pub psk: String,
    pub ike_version: i64,
}

impl fmt::Debug for SideTunnel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SideTunnel")
            .field("index", &self.index)
            .field("local_interface", &self.local_interface)
            .field("inside_cidr", &self.inside_cidr)
            .field("peer_ip", &self.peer_ip)
            .field("psk", &"(sensitive)")
            .finish()
    }
}

/// Everything a side needs to build its half.
#[derive(Clone, Debug)]
pub struct SideJob {
    /// The connection's name: prefix of every object this side creates.
    pub name: String,
    pub gateway: Gateway,
    pub peer_asn: u32,
    /// The far side's outside addresses by its interface number.
    pub peer_interface_ips: Vec<String>,
    pub tunnels: Vec<SideTunnel>,
    /// Routes to announce beyond the defaults (GCP custom advertisements).
    pub advertised_routes: Vec<String>,
    pub timeout: Duration,
}

/// What a side reports per tunnel.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TunnelReport {
    /// This side's outside address.
    pub outside_ip: Option<String>,
    pub status: Option<String>,
    /// False when a piece of this tunnel is missing or differs (out-of-band change).
    pub in_sync: bool,
}

/// What a gateway create or read reports, whichever cloud. AWS has no fixed public addresses
/// (each connection's tunnels get their own) and only Azure reports BGP peering addresses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SiteFacts {
    pub id: String,
    pub asn: i64,
    pub public_ips: Vec<String>,
    pub bgp_peering_addresses: Vec<String>,
}

/// Progress record: which cloud objects exist, by a stable key (`aws.vpn_connection.0`, …).
/// It is part of the state, so a failed create leaves Terraform the list of what to remove.
pub type CloudIds = BTreeMap<String, String>;

/// The entries of `ids` whose key starts with `prefix` (e.g. `aws.vpn_connection.`), in key order:
/// what a removal walks, deleting each entry once its object is gone.
pub fn entries_of(ids: &CloudIds, prefix: &str) -> Vec<(String, String)> {
    ids.range(prefix.to_string()..)
        .take_while(|(k, _)| k.starts_with(prefix))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `summary` plus the API's error, as an error diagnostic.
pub fn api_error(summary: &str, err: impl fmt::Display) -> Diagnostics {
    tfplugin::Diagnostic::error(summary, err.to_string()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_by_prefix() {
        let ids: CloudIds = [
            ("aws.a.0", "x"),
            ("aws.a.1", "y"),
            ("aws.ab.0", "z"),
            ("gcp.a.0", "w"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let got: Vec<String> = entries_of(&ids, "aws.a.")
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        assert_eq!(got, ["x", "y"]);
    }
}
