//! The address planner behind the `multicloud_cidr_plan` data source.
//!
//! [`plan`] draws, from one `base_cidr`, non-overlapping IPv4 ranges for a
//! list of Kubernetes clusters on AWS (EKS), GCP (GKE) and Azure (AKS):
//!
//! * `network_cidr`: the VPC (AWS), the subnet primary range (GCP) or the VNet
//!   address space (Azure);
//! * `subnet_cidrs`: `zones` subnets carved inside `network_cidr`, first fit
//!   in order (the first subnet starts at the network address);
//! * `pod_cidr` and `service_cidr`: separate ranges outside the network. EKS
//!   requires the service CIDR not to overlap the VPC; GKE secondary ranges
//!   and AKS overlay pod and service CIDRs must not overlap the primary range
//!   or the VNet.
//!
//! Nothing overlaps anything else, across all clusters, nor any `reserved`
//! range, and every range is inside `base_cidr`. Per-cloud limits (sizes,
//! forbidden blocks, RFC 1918 requirements) live in `super::rules`.
//!
//! # Determinism and append-stability
//!
//! The result depends only on the inputs. Clusters are processed in list
//! order; within a cluster the planner places the network, then the pod range,
//! then the service range, each as the lowest-addressed, prefix-aligned free
//! block of `base_cidr` that the cluster's cloud accepts (first fit). So the
//! ranges of cluster `i` depend only on `base_cidr`, `reserved` and clusters
//! `0..=i`: **appending a cluster never moves an existing one**.
//!
//! Removing, reordering or resizing a cluster in the middle of the list, or
//! adding a reserved range, *can* move every cluster after it, which for real
//! networks means replacement. Users should therefore only append clusters,
//! and keep retired entries in place rather than deleting them.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::rules::{self, Block, RangeKind};

/// The cloud a cluster runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cloud {
    /// Amazon Web Services (EKS).
    Aws,
    /// Google Cloud (GKE).
    Gcp,
    /// Microsoft Azure (AKS).
    Azure,
}

impl Cloud {
    /// `"aws"`, `"gcp"` or `"azure"` (exactly, lowercase).
    pub fn parse(s: &str) -> Option<Cloud> {
        match s {
            "aws" => Some(Cloud::Aws),
            "gcp" => Some(Cloud::Gcp),
            "azure" => Some(Cloud::Azure),
            _ => None,
        }
    }

    /// The inverse of [`Cloud::parse`].
    pub fn as_str(&self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Gcp => "gcp",
            Cloud::Azure => "azure",
        }
    }
}

/// One element of the data source's `clusters` list.
///
/// Unset prefixes and zones take these defaults (see `super::rules` for the
/// reasons): `network_prefix` /16, `subnet_prefix` /20, `pod_prefix` /16,
/// `service_prefix` /20, `zones` 3 on AWS (subnets are per Availability Zone)
/// and 1 on GCP and Azure (subnets are regional, one suffices). `zones` may be
/// 1 to 6 and must satisfy `zones <= 2^(subnet_prefix - network_prefix)`.
#[derive(Clone, Debug)]
pub struct ClusterRequest {
    /// Unique key of the cluster in the result.
    pub name: String,
    /// Where the cluster runs.
    pub cloud: Cloud,
    /// Cloud region (only checked to be non-empty).
    pub region: String,
    /// Prefix length of `network_cidr`.
    pub network_prefix: Option<u8>,
    /// Prefix length of each `subnet_cidrs` entry.
    pub subnet_prefix: Option<u8>,
    /// Prefix length of `pod_cidr`.
    pub pod_prefix: Option<u8>,
    /// Prefix length of `service_cidr`.
    pub service_prefix: Option<u8>,
    /// Number of subnets.
    pub zones: Option<u8>,
}

/// The ranges planned for one cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allocation {
    /// VPC / GCP subnet primary range / VNet.
    pub network_cidr: Ipv4Net,
    /// Subnets inside `network_cidr`, lowest first.
    pub subnet_cidrs: Vec<Ipv4Net>,
    /// Pod range, outside the network.
    pub pod_cidr: Ipv4Net,
    /// Service range, outside the network.
    pub service_cidr: Ipv4Net,
}

/// Which input attribute a problem is about (the caller turns this into a
/// Terraform attribute path).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// `base_cidr`.
    BaseCidr,
    /// `reserved[i]`.
    Reserved(usize),
    /// `clusters[index].attr`, attr one of "name", "cloud", "region",
    /// "network_prefix", "subnet_prefix", "pod_prefix", "service_prefix",
    /// "zones".
    Cluster {
        /// Position in `clusters`.
        index: usize,
        /// Attribute name.
        attr: &'static str,
    },
}

/// A diagnostic: what was wrong (and what is allowed) about which attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError {
    /// The attribute at fault.
    pub field: Field,
    /// One-line summary.
    pub summary: String,
    /// What was wrong and what is allowed.
    pub detail: String,
}

impl PlanError {
    fn new(field: Field, summary: impl Into<String>, detail: impl Into<String>) -> PlanError {
        PlanError {
            field,
            summary: summary.into(),
            detail: detail.into(),
        }
    }
}

/// Plans the ranges of every cluster; see the module documentation for the
/// allocation order and its append-stability guarantee.
///
/// All input errors (unparsable or misaligned CIDRs, bad names, duplicate
/// names, empty regions, prefixes a cloud does not accept, subnets that do not
/// fit) are collected and returned together, before anything is allocated.
/// If the input is valid but `base_cidr` runs out of room, the error names
/// the first cluster and range (`network_prefix`, `pod_prefix` or
/// `service_prefix`) that could not be placed. The function never panics.
pub fn plan(
    base_cidr: &str,
    reserved: &[String],
    clusters: &[ClusterRequest],
) -> Result<Vec<(String, Allocation)>, Vec<PlanError>> {
    let mut errors = Vec::new();
    let base = parse_cidr(base_cidr, Field::BaseCidr, "base_cidr", &mut errors);
    let reserved: Vec<Option<Ipv4Net>> = reserved
        .iter()
        .enumerate()
        .map(|(i, s)| {
            parse_cidr(
                s,
                Field::Reserved(i),
                &format!("reserved[{i}]"),
                &mut errors,
            )
        })
        .collect();
    let resolved: Vec<Option<Resolved>> = clusters
        .iter()
        .enumerate()
        .map(|(i, c)| validate_cluster(i, c, clusters, base, &mut errors))
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let (Some(base), Some(reserved), Some(resolved)) = (
        base,
        reserved.into_iter().collect::<Option<Vec<_>>>(),
        resolved.into_iter().collect::<Option<Vec<_>>>(),
    ) else {
        // Every None above has pushed an error, so this is unreachable.
        return Err(vec![PlanError::new(
            Field::BaseCidr,
            "Internal error",
            "input validation failed without reporting why",
        )]);
    };
    allocate(base, &reserved, clusters, &resolved).map_err(|e| vec![e])
}

// ---------------------------------------------------------------------------
// Input validation
// ---------------------------------------------------------------------------

/// A cluster request with defaults applied and every check passed.
#[derive(Clone, Copy, Debug)]
struct Resolved {
    network: u8,
    subnet: u8,
    pods: u8,
    services: u8,
    zones: u8,
}

/// Parses an IPv4 CIDR block that must be its own network address.
fn parse_cidr(s: &str, field: Field, what: &str, errors: &mut Vec<PlanError>) -> Option<Ipv4Net> {
    match s.parse::<Ipv4Net>() {
        Ok(net) if net.trunc() == net => Some(net),
        Ok(net) => {
            errors.push(PlanError::new(
                field,
                format!("Host bits set in {what}"),
                format!(
                    "{s:?} has host bits set: the address must be the first address of the block. Did you mean {}?",
                    net.trunc()
                ),
            ));
            None
        }
        Err(_) => {
            let detail = if s.parse::<ipnet::Ipv6Net>().is_ok()
                || s.parse::<std::net::Ipv6Addr>().is_ok()
            {
                format!(
                    "IPv6 is not supported yet: {s:?} is an IPv6 range; {what} must be an IPv4 CIDR block such as 10.0.0.0/8"
                )
            } else if s.parse::<Ipv4Addr>().is_ok() {
                format!(
                    "{s:?} is an address, not a CIDR block; {what} must be an IPv4 CIDR block with a prefix length, such as {s}/16"
                )
            } else {
                format!(
                    "{s:?} is not an IPv4 CIDR block; {what} must be written as an IPv4 network address, a slash and a prefix length from 0 to 32, such as 10.0.0.0/8"
                )
            };
            errors.push(PlanError::new(field, format!("Invalid {what}"), detail));
            None
        }
    }
}

/// Checks one cluster; pushes every problem found and returns the resolved
/// request only if there was none.
fn validate_cluster(
    index: usize,
    c: &ClusterRequest,
    all: &[ClusterRequest],
    base: Option<Ipv4Net>,
    errors: &mut Vec<PlanError>,
) -> Option<Resolved> {
    let before = errors.len();
    let field = |attr: &'static str| Field::Cluster { index, attr };

    if c.name.is_empty() {
        errors.push(PlanError::new(
            field("name"),
            "Missing cluster name",
            format!(
                "clusters[{index}].name is empty; a cluster name must be {}.",
                rules::CLUSTER_NAME_RULE
            ),
        ));
    } else if !rules::is_valid_cluster_name(&c.name) {
        errors.push(PlanError::new(
            field("name"),
            "Invalid cluster name",
            format!(
                "{:?} is not a valid cluster name; a cluster name must be {}.",
                c.name,
                rules::CLUSTER_NAME_RULE
            ),
        ));
    } else if let Some(first) = all.iter().take(index).position(|o| o.name == c.name) {
        errors.push(PlanError::new(
            field("name"),
            "Duplicate cluster name",
            format!(
                "{:?} is already the name of clusters[{first}]; cluster names must be unique because they key the plan's result. Rename one of them.",
                c.name
            ),
        ));
    }

    if c.region.trim().is_empty() {
        errors.push(PlanError::new(
            field("region"),
            "Missing region",
            format!(
                "clusters[{index}].region is empty; set the {} region the cluster runs in, such as {}.",
                c.cloud.as_str(),
                match c.cloud {
                    Cloud::Aws => "us-east-1",
                    Cloud::Gcp => "europe-west1",
                    Cloud::Azure => "westeurope",
                }
            ),
        ));
    }

    let network = check_prefix(index, c, RangeKind::Network, base, errors);
    let subnet = check_prefix(index, c, RangeKind::Subnet, None, errors);
    let pods = check_prefix(index, c, RangeKind::Pods, base, errors);
    let services = check_prefix(index, c, RangeKind::Services, base, errors);

    let mut subnet_ok = true;
    if let (Some(net), Some(sub)) = (network, subnet)
        && sub <= net
    {
        subnet_ok = false;
        let r = rules::rule(c.cloud, RangeKind::Subnet);
        let lowest = (net + 1).max(r.min_prefix);
        let allowed = if lowest <= r.max_prefix {
            format!("use a value between /{lowest} and /{}", r.max_prefix)
        } else {
            format!(
                "no subnet size fits a /{net} network ({}), so use a shorter network_prefix",
                r.describe()
            )
        };
        errors.push(PlanError::new(
            field("subnet_prefix"),
            "Subnets do not fit in the network",
            format!(
                "subnet_prefix /{sub} must be longer than network_prefix /{net} so that subnets are carved inside the network; {allowed}."
            ),
        ));
    }

    let zones = c.zones.unwrap_or_else(|| rules::default_zones(c.cloud));
    let mut zones_ok = true;
    if !(1..=rules::MAX_ZONES).contains(&zones) {
        zones_ok = false;
        errors.push(PlanError::new(
            field("zones"),
            "Invalid zones",
            format!(
                "zones must be between 1 and {} (no AWS region has more than six Availability Zones; GCP and Azure subnets are regional); got {zones}.",
                rules::MAX_ZONES
            ),
        ));
    } else if let (Some(net), Some(sub), true) = (network, subnet, subnet_ok) {
        let room = 1u64 << (sub - net);
        if u64::from(zones) > room {
            zones_ok = false;
            let need = net + ceil_log2(zones);
            let r = rules::rule(c.cloud, RangeKind::Subnet);
            let alternative = if need <= r.max_prefix {
                format!("a subnet_prefix of /{need} or longer")
            } else {
                "a shorter network_prefix".to_string()
            };
            // Blame zones if it was set, else the subnet size it was set to.
            let attr = if c.zones.is_some() {
                "zones"
            } else {
                "subnet_prefix"
            };
            errors.push(PlanError::new(
                field(attr),
                "Subnets do not fit in the network",
                format!(
                    "{zones} subnets of /{sub} do not fit in a /{net} network (room for {room}); use at most {room} zones, or {alternative}."
                ),
            ));
        }
    }

    if errors.len() != before || !subnet_ok || !zones_ok {
        return None;
    }
    Some(Resolved {
        network: network?,
        subnet: subnet?,
        pods: pods?,
        services: services?,
        zones,
    })
}

/// Smallest `k` with `2^k >= n` (for n >= 1).
fn ceil_log2(n: u8) -> u8 {
    let mut k = 0u8;
    while (1u32 << k) < u32::from(n) {
        k += 1;
    }
    k
}

/// Resolves and checks one prefix attribute: 1..=32 first, then the cloud's
/// rule, then (for ranges drawn from base) not larger than base.
fn check_prefix(
    index: usize,
    c: &ClusterRequest,
    kind: RangeKind,
    base: Option<Ipv4Net>,
    errors: &mut Vec<PlanError>,
) -> Option<u8> {
    let (value, default) = match kind {
        RangeKind::Network => (c.network_prefix, rules::DEFAULT_NETWORK_PREFIX),
        RangeKind::Subnet => (c.subnet_prefix, rules::DEFAULT_SUBNET_PREFIX),
        RangeKind::Pods => (c.pod_prefix, rules::DEFAULT_POD_PREFIX),
        RangeKind::Services => (c.service_prefix, rules::DEFAULT_SERVICE_PREFIX),
    };
    let attr = kind.attr();
    let field = Field::Cluster { index, attr };
    let p = value.unwrap_or(default);
    if !(1..=32).contains(&p) {
        errors.push(PlanError::new(
            field,
            format!("Invalid {attr}"),
            format!("{attr} must be an IPv4 prefix length between 1 and 32; got {p}."),
        ));
        return None;
    }
    let r = rules::rule(c.cloud, kind);
    if !r.accepts_prefix(p) {
        errors.push(PlanError::new(
            field,
            format!("{attr} outside what {} allows", c.cloud.as_str()),
            format!("{}; got /{p}.", r.describe()),
        ));
        return None;
    }
    if let Some(base) = base
        && p < base.prefix_len()
    {
        errors.push(PlanError::new(
            field,
            format!("{attr} larger than base_cidr"),
            format!(
                "{attr} /{p} is larger than base_cidr {base}, which every range is drawn from; use /{} or longer.",
                base.prefix_len()
            ),
        ));
        return None;
    }
    Some(p)
}

// ---------------------------------------------------------------------------
// Allocation
// ---------------------------------------------------------------------------

/// Half-open address interval `[start, end)`; u64 so that `end` can be 2^32.
type Interval = (u64, u64);

fn interval(net: Ipv4Net) -> Interval {
    let start = u64::from(u32::from(net.network()));
    (start, start + (1u64 << (32 - u32::from(net.prefix_len()))))
}

/// Sorts and merges overlapping or touching intervals.
fn merge(mut v: Vec<Interval>) -> Vec<Interval> {
    v.sort_unstable();
    let mut out: Vec<Interval> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Lowest `prefix`-aligned block inside `base` that overlaps no interval of
/// `blocked` (sorted and merged). Returns its first address.
fn first_fit(base: Interval, prefix: u8, blocked: &[Interval]) -> Option<u64> {
    let size = 1u64 << (32 - u32::from(prefix.min(32)));
    let align_up = |x: u64| x.div_ceil(size) * size;
    let mut cursor = align_up(base.0);
    loop {
        let end = cursor + size;
        if end > base.1 {
            return None;
        }
        // The first blocked interval ending after `cursor` is the only one
        // that can overlap the candidate first; if it starts at or after the
        // candidate's end, nothing does.
        let i = blocked.partition_point(|iv| iv.1 <= cursor);
        match blocked.get(i) {
            Some(&(s, e)) if s < end => cursor = align_up(e),
            _ => return Some(cursor),
        }
    }
}

fn block_at(start: u64, prefix: u8) -> Option<Block> {
    Some(Block {
        start: u32::try_from(start).ok()?,
        prefix,
    })
}

fn to_net(b: Block) -> Option<Ipv4Net> {
    Ipv4Net::new(Ipv4Addr::from(b.start), b.prefix).ok()
}

fn internal_error(index: usize, attr: &'static str) -> PlanError {
    PlanError::new(
        Field::Cluster { index, attr },
        "Internal error",
        "the planner produced an address outside the IPv4 space; please report this",
    )
}

/// What the planner has handed out so far.
struct State {
    base: Ipv4Net,
    base_iv: Interval,
    /// Reserved ranges and every range allocated so far.
    used: Vec<Interval>,
    /// Reserved ranges that overlap base, for messages.
    reserved_in_base: usize,
}

impl State {
    /// Places one range of `kind` for cluster `index`, or explains why not.
    fn place(
        &mut self,
        index: usize,
        c: &ClusterRequest,
        kind: RangeKind,
        prefix: u8,
        network: Option<Block>,
    ) -> Result<Block, PlanError> {
        let mut blocked = self.used.clone();
        blocked.extend(rules::forbidden_intervals(c.cloud, kind, network));
        let blocked = merge(blocked);
        match first_fit(self.base_iv, prefix, &blocked).and_then(|s| block_at(s, prefix)) {
            Some(b) => {
                self.used.push((u64::from(b.start), b.end()));
                Ok(b)
            }
            None => Err(self.placement_error(index, c, kind, prefix, network)),
        }
    }

    fn placement_error(
        &self,
        index: usize,
        c: &ClusterRequest,
        kind: RangeKind,
        prefix: u8,
        network: Option<Block>,
    ) -> PlanError {
        let attr = kind.attr();
        let r = rules::rule(c.cloud, kind);
        let used = merge(self.used.clone());
        let field = Field::Cluster { index, attr };
        if first_fit(self.base_iv, prefix, &used).is_some() {
            // Free space exists, but not any the cloud accepts.
            return PlanError::new(
                field,
                format!("No acceptable range for {attr}"),
                format!(
                    "cluster {:?} needs a /{prefix} for {}; base {} still has free /{prefix} blocks, but none that {} accepts ({}). Use a base_cidr that covers a conforming range, or free one up by removing reserved ranges or earlier clusters there.",
                    c.name,
                    r.what,
                    self.base,
                    r.owner,
                    rules::describe_constraints(c.cloud, kind, network)
                ),
            );
        }
        let total = self.base_iv.1 - self.base_iv.0;
        let taken: u64 = used
            .iter()
            .map(|&(s, e)| {
                let (s, e) = (s.max(self.base_iv.0), e.min(self.base_iv.1));
                e.saturating_sub(s)
            })
            .sum();
        let largest = (self.base.prefix_len()..=32)
            .find(|&q| first_fit(self.base_iv, q, &used).is_some())
            .map_or_else(
                || "nothing is free".to_string(),
                |q| format!("the largest free aligned block is a /{q}"),
            );
        let mut after = vec![plural(index, "earlier cluster")];
        match kind {
            RangeKind::Pods => after.push("this cluster's network".to_string()),
            RangeKind::Services => after.push("this cluster's network and pods".to_string()),
            _ => {}
        }
        after.push(plural(self.reserved_in_base, "reserved range"));
        let after = match after.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => after.join(""),
        };
        PlanError::new(
            field,
            "Address space exhausted",
            format!(
                "cluster {:?} needs a /{prefix} for {}; base {} has no free aligned /{prefix} left after {after} ({} of {total} addresses free; {largest}). Use a larger base_cidr, a longer {attr}, or fewer clusters.",
                c.name,
                r.what,
                self.base,
                total.saturating_sub(taken)
            ),
        )
    }
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn allocate(
    base: Ipv4Net,
    reserved: &[Ipv4Net],
    clusters: &[ClusterRequest],
    resolved: &[Resolved],
) -> Result<Vec<(String, Allocation)>, PlanError> {
    let base_iv = interval(base);
    let used: Vec<Interval> = reserved.iter().map(|r| interval(*r)).collect();
    let reserved_in_base = used
        .iter()
        .filter(|&&(s, e)| s < base_iv.1 && base_iv.0 < e)
        .count();
    let mut state = State {
        base,
        base_iv,
        used,
        reserved_in_base,
    };
    let mut out = Vec::with_capacity(clusters.len());
    for (index, (c, r)) in clusters.iter().zip(resolved).enumerate() {
        let network = state.place(index, c, RangeKind::Network, r.network, None)?;
        let pods = state.place(index, c, RangeKind::Pods, r.pods, Some(network))?;
        let services = state.place(index, c, RangeKind::Services, r.services, Some(network))?;

        let subnet_size = 1u64 << (32 - u32::from(r.subnet));
        let subnet_cidrs = (0..u64::from(r.zones))
            .map(|k| {
                block_at(u64::from(network.start) + k * subnet_size, r.subnet).and_then(to_net)
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| internal_error(index, "subnet_prefix"))?;
        let allocation = Allocation {
            network_cidr: to_net(network).ok_or_else(|| internal_error(index, "network_prefix"))?,
            subnet_cidrs,
            pod_cidr: to_net(pods).ok_or_else(|| internal_error(index, "pod_prefix"))?,
            service_cidr: to_net(services)
                .ok_or_else(|| internal_error(index, "service_prefix"))?,
        };
        out.push((c.name.clone(), allocation));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;

    fn net(s: &str) -> Ipv4Net {
        s.parse().expect("test CIDR")
    }

    fn req(name: &str, cloud: Cloud) -> ClusterRequest {
        ClusterRequest {
            name: name.to_string(),
            cloud,
            region: "region-1".to_string(),
            network_prefix: None,
            subnet_prefix: None,
            pod_prefix: None,
            service_prefix: None,
            zones: None,
        }
    }

    fn errs(base: &str, reserved: &[&str], clusters: &[ClusterRequest]) -> Vec<PlanError> {
        let reserved: Vec<String> = reserved.iter().map(|s| s.to_string()).collect();
        plan(base, &reserved, clusters).expect_err("plan should fail")
    }

    fn one_err(base: &str, reserved: &[&str], clusters: &[ClusterRequest]) -> PlanError {
        let mut e = errs(base, reserved, clusters);
        assert_eq!(e.len(), 1, "{e:#?}");
        e.remove(0)
    }

    fn cluster_field(index: usize, attr: &'static str) -> Field {
        Field::Cluster { index, attr }
    }

    #[test]
    fn three_clouds_with_defaults_on_10_slash_8() {
        let clusters = [
            req("eks-prod", Cloud::Aws),
            req("gke-prod", Cloud::Gcp),
            req("aks-prod", Cloud::Azure),
        ];
        let got = plan("10.0.0.0/8", &[], &clusters).expect("plan");
        let expected = [
            (
                "eks-prod",
                Allocation {
                    network_cidr: net("10.0.0.0/16"),
                    subnet_cidrs: vec![
                        net("10.0.0.0/20"),
                        net("10.0.16.0/20"),
                        net("10.0.32.0/20"),
                    ],
                    pod_cidr: net("10.1.0.0/16"),
                    service_cidr: net("10.2.0.0/20"),
                },
            ),
            (
                "gke-prod",
                Allocation {
                    network_cidr: net("10.3.0.0/16"),
                    subnet_cidrs: vec![net("10.3.0.0/20")],
                    pod_cidr: net("10.4.0.0/16"),
                    service_cidr: net("10.2.16.0/20"),
                },
            ),
            (
                "aks-prod",
                Allocation {
                    network_cidr: net("10.5.0.0/16"),
                    subnet_cidrs: vec![net("10.5.0.0/20")],
                    pod_cidr: net("10.6.0.0/16"),
                    service_cidr: net("10.2.32.0/20"),
                },
            ),
        ];
        assert_eq!(got.len(), expected.len());
        for ((name, alloc), (ename, ealloc)) in got.iter().zip(expected.iter()) {
            assert_eq!(name, ename);
            assert_eq!(alloc, ealloc, "{name}");
        }
    }

    #[test]
    fn reserved_ranges_are_skipped() {
        let got = plan(
            "10.0.0.0/8",
            &["10.0.0.0/15".to_string(), "10.3.0.0/24".to_string()],
            &[req("a", Cloud::Gcp)],
        )
        .expect("plan");
        assert_eq!(got[0].1.network_cidr, net("10.2.0.0/16"));
        assert_eq!(got[0].1.pod_cidr, net("10.4.0.0/16"));
        assert_eq!(got[0].1.service_cidr, net("10.3.16.0/20"));
    }

    #[test]
    fn cloud_parse_round_trips() {
        for c in [Cloud::Aws, Cloud::Gcp, Cloud::Azure] {
            assert_eq!(Cloud::parse(c.as_str()), Some(c));
        }
        assert_eq!(Cloud::parse("AWS"), None);
        assert_eq!(Cloud::parse(""), None);
    }

    #[test]
    fn base_cidr_errors() {
        let c = [req("a", Cloud::Aws)];
        let e = one_err("10.0.0.0", &[], &c);
        assert_eq!(e.field, Field::BaseCidr);
        assert!(e.detail.contains("10.0.0.0/16"), "{}", e.detail);

        let e = one_err("fd00::/8", &[], &c);
        assert_eq!(e.field, Field::BaseCidr);
        assert!(
            e.detail.contains("IPv6 is not supported yet"),
            "{}",
            e.detail
        );

        let e = one_err("10.1.2.3/8", &[], &c);
        assert_eq!(e.field, Field::BaseCidr);
        assert!(
            e.detail.contains("did you mean 10.0.0.0/8?")
                || e.detail.contains("Did you mean 10.0.0.0/8?")
        );

        let e = one_err("banana", &[], &c);
        assert_eq!(e.field, Field::BaseCidr);
        assert!(e.detail.contains("such as 10.0.0.0/8"), "{}", e.detail);

        let e = one_err("10.0.0.0/33", &[], &c);
        assert_eq!(e.field, Field::BaseCidr);
    }

    #[test]
    fn reserved_errors_name_their_index() {
        let c = [req("a", Cloud::Aws)];
        let e = errs("10.0.0.0/8", &["10.0.0.0/16", "10.1.0.1/16", "::1"], &c);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].field, Field::Reserved(1));
        assert!(
            e[0].detail.contains("Did you mean 10.1.0.0/16?"),
            "{}",
            e[0].detail
        );
        assert_eq!(e[1].field, Field::Reserved(2));
        assert!(e[1].detail.contains("IPv6 is not supported yet"));
    }

    #[test]
    fn name_errors() {
        let mut empty = req("", Cloud::Aws);
        empty.region = "us-east-1".into();
        let e = one_err("10.0.0.0/8", &[], &[empty]);
        assert_eq!(e.field, cluster_field(0, "name"));
        assert!(e.detail.contains("^[a-z][a-z0-9-]{0,39}$"), "{}", e.detail);

        let e = one_err("10.0.0.0/8", &[], &[req("Prod_1", Cloud::Gcp)]);
        assert_eq!(e.field, cluster_field(0, "name"));
        assert!(e.detail.contains("AWS, GCP and Azure"), "{}", e.detail);

        let e = one_err(
            "10.0.0.0/8",
            &[],
            &[
                req("a", Cloud::Aws),
                req("b", Cloud::Gcp),
                req("a", Cloud::Azure),
            ],
        );
        assert_eq!(e.field, cluster_field(2, "name"));
        assert!(e.detail.contains("clusters[0]"), "{}", e.detail);
    }

    #[test]
    fn region_error() {
        let mut c = req("a", Cloud::Azure);
        c.region = "  ".into();
        let e = one_err("10.0.0.0/8", &[], &[c]);
        assert_eq!(e.field, cluster_field(0, "region"));
        assert!(e.detail.contains("westeurope"));
    }

    #[test]
    fn prefix_outside_1_to_32() {
        let mut c = req("a", Cloud::Aws);
        c.network_prefix = Some(0);
        c.pod_prefix = Some(33);
        let e = errs("10.0.0.0/8", &[], &[c]);
        assert_eq!(e.len(), 2, "{e:#?}");
        assert_eq!(e[0].field, cluster_field(0, "network_prefix"));
        assert!(e[0].detail.contains("between 1 and 32"));
        assert_eq!(e[1].field, cluster_field(0, "pod_prefix"));
    }

    #[test]
    fn per_cloud_prefix_rules() {
        let cases: [(Cloud, &'static str, u8, &str); 10] = [
            (
                Cloud::Aws,
                "service_prefix",
                26,
                "EKS requires a service CIDR between /12 and /24 inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16; got /26",
            ),
            (
                Cloud::Aws,
                "network_prefix",
                15,
                "AWS requires a VPC CIDR between /16 and /28; got /15",
            ),
            (Cloud::Aws, "pod_prefix", 29, "between /16 and /28; got /29"),
            (
                Cloud::Aws,
                "subnet_prefix",
                29,
                "AWS requires a subnet between /16 and /28; got /29",
            ),
            (
                Cloud::Gcp,
                "pod_prefix",
                22,
                "GKE requires a Pod secondary range between /9 and /21; got /22",
            ),
            (
                Cloud::Gcp,
                "service_prefix",
                15,
                "GKE requires a Service secondary range between /16 and /27; got /15",
            ),
            (
                Cloud::Gcp,
                "network_prefix",
                30,
                "GCP requires a subnet primary range between /8 and /29; got /30",
            ),
            (
                Cloud::Azure,
                "service_prefix",
                12,
                "AKS requires a service CIDR between /13 and /28; got /12",
            ),
            (
                Cloud::Azure,
                "pod_prefix",
                25,
                "AKS requires an overlay pod CIDR between /8 and /24; got /25",
            ),
            (
                Cloud::Azure,
                "network_prefix",
                30,
                "Azure requires a VNet address space between /8 and /29; got /30",
            ),
        ];
        for (cloud, attr, p, want) in cases {
            let mut c = req("a", cloud);
            match attr {
                "network_prefix" => {
                    c.network_prefix = Some(p);
                    c.subnet_prefix = Some(31);
                }
                "subnet_prefix" => c.subnet_prefix = Some(p),
                "pod_prefix" => c.pod_prefix = Some(p),
                _ => c.service_prefix = Some(p),
            }
            let e = errs("0.0.0.0/0", &[], &[c]);
            let hit = e
                .iter()
                .find(|e| e.field == cluster_field(0, attr))
                .unwrap_or_else(|| panic!("no {attr} error for {cloud:?}: {e:#?}"));
            assert!(
                hit.detail.contains(want),
                "{cloud:?} {attr}: {}",
                hit.detail
            );
        }
    }

    #[test]
    fn subnet_must_be_longer_than_network() {
        let mut c = req("a", Cloud::Gcp);
        c.network_prefix = Some(20);
        c.subnet_prefix = Some(20);
        let e = one_err("10.0.0.0/8", &[], &[c]);
        assert_eq!(e.field, cluster_field(0, "subnet_prefix"));
        assert!(e.detail.contains("between /21 and /29"), "{}", e.detail);
    }

    #[test]
    fn zones_errors() {
        let mut c = req("a", Cloud::Aws);
        c.zones = Some(7);
        let e = one_err("10.0.0.0/8", &[], &[c]);
        assert_eq!(e.field, cluster_field(0, "zones"));
        assert!(e.detail.contains("between 1 and 6"));

        let mut c = req("a", Cloud::Aws);
        c.zones = Some(0);
        assert_eq!(
            one_err("10.0.0.0/8", &[], &[c]).field,
            cluster_field(0, "zones")
        );

        // Explicit zones that do not fit: blame zones.
        let mut c = req("a", Cloud::Gcp);
        c.subnet_prefix = Some(17);
        c.zones = Some(3);
        let e = one_err("10.0.0.0/8", &[], &[c]);
        assert_eq!(e.field, cluster_field(0, "zones"));
        assert!(
            e.detail.contains("room for 2") && e.detail.contains("/18 or longer"),
            "{}",
            e.detail
        );

        // Default zones (3 on AWS) that do not fit: blame subnet_prefix.
        let mut c = req("a", Cloud::Aws);
        c.subnet_prefix = Some(17);
        let e = one_err("10.0.0.0/8", &[], &[c]);
        assert_eq!(e.field, cluster_field(0, "subnet_prefix"));
    }

    #[test]
    fn ranges_larger_than_base() {
        let mut c = req("a", Cloud::Gcp);
        c.network_prefix = Some(13);
        c.pod_prefix = Some(12);
        c.service_prefix = Some(16);
        let e = errs("10.0.0.0/14", &[], &[c]);
        let fields: Vec<&Field> = e.iter().map(|e| &e.field).collect();
        assert_eq!(
            fields,
            [
                &cluster_field(0, "network_prefix"),
                &cluster_field(0, "pod_prefix")
            ]
        );
        assert!(e[1].detail.contains("use /14 or longer"), "{}", e[1].detail);
    }

    #[test]
    fn all_input_errors_are_reported_together() {
        let mut bad = req("Bad", Cloud::Aws);
        bad.region = String::new();
        bad.service_prefix = Some(26);
        let e = errs("10.0.0.1/8", &["nope"], &[bad, req("ok", Cloud::Gcp)]);
        let fields: Vec<Field> = e.into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                Field::BaseCidr,
                Field::Reserved(0),
                cluster_field(0, "name"),
                cluster_field(0, "region"),
                cluster_field(0, "service_prefix"),
            ]
        );
    }

    #[test]
    fn exhaustion_names_the_range_and_free_space() {
        let clusters: Vec<ClusterRequest> =
            (0..3).map(|i| req(&format!("c{i}"), Cloud::Gcp)).collect();
        // 10.0.0.0/14 = four /16s; c0 takes network, pods and a /20 of the third.
        let e = one_err("10.0.0.0/14", &["10.3.0.0/16"], &clusters);
        assert_eq!(e.field, cluster_field(1, "network_prefix"));
        assert!(
            e.detail.contains("needs a /16")
                && e.detail.contains("base 10.0.0.0/14 has no free aligned /16 left after 1 earlier cluster and 1 reserved range")
                && e.detail.contains("61440 of 262144 addresses free")
                && e.detail.contains("largest free aligned block is a /17"),
            "{}",
            e.detail
        );

        let mut c = req("c0", Cloud::Gcp);
        c.network_prefix = Some(17);
        let e = one_err("10.0.0.0/16", &[], &[c]);
        assert_eq!(e.field, cluster_field(0, "pod_prefix"));
        assert!(e.detail.contains("this cluster's network"), "{}", e.detail);

        let mut c = req("c0", Cloud::Gcp);
        c.network_prefix = Some(17);
        c.pod_prefix = Some(17);
        let e = one_err("10.0.0.0/16", &[], &[c]);
        assert_eq!(e.field, cluster_field(0, "service_prefix"));
        assert!(e.detail.contains("nothing is free"), "{}", e.detail);
    }

    #[test]
    fn eks_services_need_rfc1918() {
        let e = one_err("100.64.0.0/10", &[], &[req("a", Cloud::Aws)]);
        assert_eq!(e.field, cluster_field(0, "service_prefix"));
        assert!(
            e.detail.contains("none that EKS accepts")
                && e.detail
                    .contains("inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"),
            "{}",
            e.detail
        );

        // Base straddling RFC 1918: the service CIDR skips to 10.0.0.0/8.
        let got = plan("8.0.0.0/6", &[], &[req("a", Cloud::Aws)]).expect("plan");
        let a = &got[0].1;
        assert_eq!(a.network_cidr, net("8.0.0.0/16"));
        // The pod CIDR must not be RFC 1918 for a non-RFC 1918 VPC.
        assert_eq!(a.pod_cidr, net("8.1.0.0/16"));
        assert_eq!(a.service_cidr, net("10.0.0.0/20"));
    }

    #[test]
    fn aks_avoids_forbidden_ranges() {
        let mut c = req("a", Cloud::Azure);
        c.network_prefix = Some(24);
        c.subnet_prefix = Some(26);
        c.pod_prefix = Some(16);
        c.service_prefix = Some(16);
        let got = plan("172.16.0.0/12", &["172.16.0.0/14".to_string()], &[c]).expect("plan");
        let a = &got[0].1;
        assert_eq!(a.network_cidr, net("172.20.0.0/24"));
        assert_eq!(a.pod_cidr, net("172.21.0.0/16"));
        assert_eq!(a.service_cidr, net("172.22.0.0/16"));

        // Only 172.30/16 and 172.31/16 left: AKS refuses both.
        let mut c = req("a", Cloud::Azure);
        c.service_prefix = Some(16);
        let e = one_err(
            "172.16.0.0/12",
            &["172.16.0.0/13", "172.24.0.0/14", "172.28.0.0/15"],
            &[c],
        );
        assert_eq!(e.field, cluster_field(0, "network_prefix"));
        assert!(
            e.detail.contains("172.30.0.0/16 (AKS does not allow it)"),
            "{}",
            e.detail
        );
    }

    #[test]
    fn aws_pods_respect_association_restrictions() {
        // VPC inside 10.0.0.0/15: pods may not come from 10.0.0.0/16.
        let mut c = req("a", Cloud::Aws);
        c.network_prefix = Some(20);
        c.subnet_prefix = Some(24);
        c.pod_prefix = Some(20);
        let got = plan("10.0.0.0/8", &[], &[c]).expect("plan");
        assert_eq!(got[0].1.network_cidr, net("10.0.0.0/20"));
        assert_eq!(got[0].1.pod_cidr, net("10.1.0.0/20"));
        assert_eq!(got[0].1.service_cidr, net("10.0.16.0/20"));
    }

    #[test]
    fn awkward_bases_do_not_panic() {
        for base in [
            "0.0.0.0/0",
            "255.255.255.255/32",
            "255.255.255.0/24",
            "0.0.0.0/32",
        ] {
            let mut c = req("a", Cloud::Gcp);
            c.network_prefix = Some(29);
            c.subnet_prefix = Some(29);
            let _ = plan(base, &[], &[c]);
            let _ = plan(base, &["0.0.0.0/0".to_string()], &[req("b", Cloud::Azure)]);
        }
        let got = plan("0.0.0.0/0", &[], &[req("a", Cloud::Azure)]).expect("plan");
        assert_eq!(got[0].1.network_cidr, net("0.0.0.0/16"));
    }

    // ----------------------------------------------------------------------
    // Properties
    // ----------------------------------------------------------------------

    /// Picks a prefix in the cloud's range, not larger than base, from a raw
    /// draw; `lo_extra` keeps ranges small relative to base so that plans
    /// usually succeed.
    fn pick(
        cloud: Cloud,
        kind: RangeKind,
        base_prefix: u8,
        raw: u8,
        lo_extra: u8,
        hi_extra: u8,
    ) -> u8 {
        let r = rules::rule(cloud, kind);
        let lo = r.min_prefix.max(base_prefix + lo_extra).min(r.max_prefix);
        let hi = r.max_prefix.min(base_prefix + hi_extra).max(lo);
        lo + raw % (hi - lo + 1)
    }

    #[derive(Clone, Debug)]
    struct Case {
        base: Ipv4Net,
        reserved: Vec<Ipv4Net>,
        clusters: Vec<ClusterRequest>,
    }

    fn case() -> impl Strategy<Value = Case> {
        let cloud = prop_oneof![Just(Cloud::Aws), Just(Cloud::Gcp), Just(Cloud::Azure)];
        (
            0u8..4,
            any::<u32>(),
            8u8..=16,
            prop::collection::vec((any::<u32>(), 2u8..=8), 0..3),
            prop::collection::vec((cloud, any::<[u8; 5]>()), 1..6),
        )
            .prop_map(|(home, addr, bp, res, cls)| {
                // Mostly RFC 1918 bases (EKS services need them), some anywhere.
                let (addr, bp) = match home {
                    0 => (0x0A00_0000 | (addr & 0x00FF_FFFF), bp),
                    1 => (0xAC10_0000 | (addr & 0x000F_FFFF), bp.max(12)),
                    2 => (0xC0A8_0000, 16),
                    _ => (addr, bp),
                };
                let base = Ipv4Net::new(Ipv4Addr::from(addr), bp)
                    .expect("valid prefix")
                    .trunc();
                let reserved = res
                    .into_iter()
                    .map(|(a, extra)| {
                        let host_bits = 32 - u32::from(bp);
                        let offset = a & ((1u32 << host_bits) - 1);
                        Ipv4Net::new(
                            Ipv4Addr::from(u32::from(base.network()) | offset),
                            bp + extra,
                        )
                        .expect("valid prefix")
                        .trunc()
                    })
                    .collect();
                let clusters = cls
                    .into_iter()
                    .enumerate()
                    .map(|(i, (cloud, raw))| {
                        let zones = 1 + raw[4] % 3;
                        let network = pick(cloud, RangeKind::Network, bp, raw[0], 3, 8);
                        let sub_rule = rules::rule(cloud, RangeKind::Subnet);
                        let lo = network + ceil_log2(zones).max(1);
                        let subnet = if lo <= sub_rule.max_prefix && lo >= sub_rule.min_prefix {
                            lo + raw[1] % (sub_rule.max_prefix.min(lo + 4) - lo + 1)
                        } else {
                            lo.max(network + 1)
                        };
                        ClusterRequest {
                            name: format!("c{i}"),
                            cloud,
                            region: "r".into(),
                            network_prefix: Some(network),
                            subnet_prefix: Some(subnet),
                            pod_prefix: Some(pick(cloud, RangeKind::Pods, bp, raw[2], 3, 8)),
                            service_prefix: Some(pick(
                                cloud,
                                RangeKind::Services,
                                bp,
                                raw[3],
                                3,
                                10,
                            )),
                            zones: Some(zones),
                        }
                    })
                    .collect();
                Case {
                    base,
                    reserved,
                    clusters,
                }
            })
    }

    fn run(
        case: &Case,
        clusters: &[ClusterRequest],
    ) -> Result<Vec<(String, Allocation)>, Vec<PlanError>> {
        let reserved: Vec<String> = case.reserved.iter().map(|r| r.to_string()).collect();
        plan(&case.base.to_string(), &reserved, clusters)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn allocations_are_disjoint_inside_base_and_respect_rules(case in case()) {
            let Ok(got) = run(&case, &case.clusters) else { return Ok(()); };
            prop_assert_eq!(got.len(), case.clusters.len());
            let mut all: Vec<(Ipv4Net, String)> = Vec::new();
            for ((name, a), c) in got.iter().zip(&case.clusters) {
                prop_assert_eq!(name, &c.name);
                prop_assert_eq!(u64::try_from(a.subnet_cidrs.len()).ok(), c.zones.map(u64::from));
                for s in &a.subnet_cidrs {
                    prop_assert!(a.network_cidr.contains(s), "{} not in {}", s, a.network_cidr);
                    prop_assert_eq!(Some(s.prefix_len()), c.subnet_prefix);
                }
                for w in a.subnet_cidrs.windows(2) {
                    prop_assert!(!w[0].contains(&w[1]) && !w[1].contains(&w[0]));
                }
                for (kind, n, p) in [
                    (RangeKind::Network, a.network_cidr, c.network_prefix),
                    (RangeKind::Pods, a.pod_cidr, c.pod_prefix),
                    (RangeKind::Services, a.service_cidr, c.service_prefix),
                ] {
                    prop_assert_eq!(Some(n.prefix_len()), p);
                    prop_assert!(case.base.contains(&n), "{} not in base {}", n, case.base);
                    let iv = interval(n);
                    let network = Block { start: u32::from(a.network_cidr.network()), prefix: a.network_cidr.prefix_len() };
                    let forbidden = rules::forbidden_intervals(c.cloud, kind, Some(network));
                    for (s, e) in forbidden {
                        prop_assert!(!(iv.0 < e && s < iv.1), "{} breaks a {:?} rule", n, c.cloud);
                    }
                    for r in &case.reserved {
                        prop_assert!(!r.contains(&n.network()) && !n.contains(&r.network()), "{} overlaps reserved {}", n, r);
                    }
                    all.push((n, format!("{name} {kind:?}")));
                }
            }
            for (i, (a, an)) in all.iter().enumerate() {
                for (b, bn) in all.iter().skip(i + 1) {
                    prop_assert!(!a.contains(&b.network()) && !b.contains(&a.network()), "{} ({}) overlaps {} ({})", a, an, b, bn);
                }
            }
        }

        #[test]
        fn appending_never_moves_existing_clusters(case in case(), k in 0usize..6) {
            let k = k.min(case.clusters.len());
            let (Ok(full), Ok(prefix)) = (run(&case, &case.clusters), run(&case, &case.clusters[..k])) else {
                return Ok(());
            };
            prop_assert_eq!(&full[..k], &prefix[..]);
        }

        #[test]
        fn planning_is_deterministic(case in case()) {
            prop_assert_eq!(run(&case, &case.clusters), run(&case, &case.clusters));
        }

        #[test]
        fn arbitrary_input_never_panics(
            base in "[0-9a-f:./ ]{0,20}",
            reserved in prop::collection::vec("[0-9./]{0,18}", 0..3),
            prefixes in prop::collection::vec(any::<[Option<u8>; 5]>(), 0..4),
            name in "[a-zA-Z0-9_-]{0,45}",
        ) {
            let clusters: Vec<ClusterRequest> = prefixes
                .iter()
                .enumerate()
                .map(|(i, p)| ClusterRequest {
                    name: if i == 0 { name.clone() } else { format!("c{i}") },
                    cloud: [Cloud::Aws, Cloud::Gcp, Cloud::Azure][i % 3],
                    region: "r".into(),
                    network_prefix: p[0],
                    subnet_prefix: p[1],
                    pod_prefix: p[2],
                    service_prefix: p[3],
                    zones: p[4],
                })
                .collect();
            let _ = plan(&base, &reserved, &clusters);
            let _ = plan("10.0.0.0/8", &reserved, &clusters);
        }
    }

    #[test]
    fn planning_succeeds_often_enough_for_properties_to_mean_something() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = case();
        let mut ok = 0;
        for _ in 0..200 {
            let case = strategy.new_tree(&mut runner).expect("tree").current();
            if run(&case, &case.clusters).is_ok() {
                ok += 1;
            }
        }
        assert!(ok >= 100, "only {ok}/200 random plans succeeded");
    }
}
