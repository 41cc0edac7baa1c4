//! What one side of a connection is asked to build, and what it reports back. Each cloud's
//! [`VpnSite`](super::site::VpnSite) (`aws_site`, `gcp_site`, `azure_site`) implements the same
//! steps on these types: ensure (create what is missing, keep what exists, so a retry after a
//! failure resumes), observe (drift and status), remove (reverse order, tolerating pieces already
//! gone) and, for import, discover.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::Ipv4Addr;
use std::time::Duration;

use ipnet::Ipv4Net;
use tfplugin::Diagnostics;

use super::gateway_model::Gateway;

/// An inside /30 that something other than the connection being planned uses on a gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InUse {
    pub cidr: Ipv4Net,
    /// What uses it, in the cloud's words (a router interface, a connection), for diagnostics.
    pub by: String,
}

impl InUse {
    /// The /30 around `addr` (a host address or a host/len range as the clouds report them).
    pub fn around(addr: &str, by: impl Into<String>) -> Option<InUse> {
        let host: Ipv4Addr = addr.split('/').next()?.trim().parse().ok()?;
        Some(InUse {
            cidr: Ipv4Net::new(host, 30).ok()?.trunc(),
            by: by.into(),
        })
    }
}

/// Whether `name` is `{conn}{sep}{digits}`: one of the pieces connection `conn` names itself
/// (so `prod-t1` belongs to `prod`, but `prod-eu-t1` does not).
pub fn is_own_piece(name: &str, conn: &str, sep: &str) -> bool {
    piece_index(name, conn, sep).is_some()
}

/// The number of piece `{conn}{sep}{digits}` (`prod-t3` → 3).
pub fn piece_index(name: &str, conn: &str, sep: &str) -> Option<usize> {
    name.strip_prefix(conn)
        .and_then(|rest| rest.strip_prefix(sep))
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse().ok())
}

/// What an import finds of one connection on one side, by tunnel index.
#[derive(Default)]
pub struct Found {
    /// Tunnels that exist on this side.
    pub tunnels: BTreeSet<usize>,
    /// This side's BGP address per tunnel (GCP router interfaces, Azure custom APIPA).
    pub local_bgp_ips: BTreeMap<usize, Ipv4Addr>,
    pub ike_version: Option<i64>,
    /// Pre-shared keys, where this cloud returns them (AWS, Azure; GCP keeps a hash).
    pub keys: BTreeMap<usize, String>,
    /// This side's outside address per tunnel (AWS: each tunnel has its own).
    pub outside_ips: BTreeMap<usize, String>,
    /// GCP's custom BGP advertisements; empty when the router announces its defaults.
    pub advertised_routes: Vec<String>,
    pub ids: CloudIds,
}

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

/// Everything a side needs to build its half. (The default, with a name and a gateway, is what an
/// import asks a side that records the layout: no tunnels yet.)
#[derive(Clone, Debug, Default)]
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
    /// Pieces of the site found gone while others remain (e.g. `Cloud Router NAME-router`).
    /// A read that finds nothing at all reports no facts instead.
    pub missing: Vec<String>,
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

#[cfg(test)]
mod in_use_tests {
    use super::*;

    #[test]
    fn a_connections_pieces_are_told_from_a_longer_names() {
        assert!(is_own_piece("prod-t1", "prod", "-t"));
        assert!(is_own_piece("prod/vpn12", "prod", "/vpn"));
        assert!(!is_own_piece("prod-eu-t1", "prod", "-t"));
        assert!(!is_own_piece("prod-t", "prod", "-t"));
        assert!(!is_own_piece("prod-tx", "prod", "-t"));
        assert!(!is_own_piece("other-t1", "prod", "-t"));
    }

    #[test]
    fn addresses_map_to_their_slash_30() {
        let u = InUse::around("169.254.21.6", "x").unwrap();
        assert_eq!(u.cidr.to_string(), "169.254.21.4/30");
        let u = InUse::around("169.254.0.2/30", "x").unwrap();
        assert_eq!(u.cidr.to_string(), "169.254.0.0/30");
        assert!(InUse::around("not-an-ip", "x").is_none());
    }
}
