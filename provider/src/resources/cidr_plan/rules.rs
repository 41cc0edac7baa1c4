//! Per-cloud address rules used by the `multicloud_cidr_plan` planner.
//!
//! Everything a cloud provider documents about the IPv4 ranges of a
//! Kubernetes cluster is kept here as data (one [`RangeRule`] per cloud and
//! range kind) plus a few small functions that the allocator in
//! `super::alloc` calls. Each rule carries a comment naming the documentation
//! it encodes; figures that could not be confirmed against the provider's own
//! documentation are marked `UNCONFIRMED` together with what was found.

use std::fmt;
use std::net::Ipv4Addr;

use super::alloc::Cloud;

/// Default prefix of `network_cidr` (VPC, GCP subnet primary range, VNet).
///
/// A /16 is the largest VPC AWS allows, leaves room for tens of thousands of
/// nodes and load balancers, and is accepted by every cloud.
pub const DEFAULT_NETWORK_PREFIX: u8 = 16;
/// Default prefix of each entry of `subnet_cidrs`.
///
/// A /20 (4,096 addresses, 4,091 usable on AWS and Azure) fits sixteen times in
/// the default /16 network, so three AWS zones use less than a fifth of it and
/// the rest stays free for later subnets.
pub const DEFAULT_SUBNET_PREFIX: u8 = 20;
/// Default prefix of `pod_cidr`.
///
/// A /16 holds 256 per-node /24 pod ranges (the GKE default at 110 pods per
/// node, and the fixed AKS overlay block size), so a cluster can grow to about
/// 250 nodes; it is also inside every cloud's documented pod range limits.
pub const DEFAULT_POD_PREFIX: u8 = 16;
/// Default prefix of `service_cidr`.
///
/// A /20 gives 4,096 ClusterIPs, which is more Services than clusters normally
/// run, and is the size GKE picks itself when it creates a Service range.
pub const DEFAULT_SERVICE_PREFIX: u8 = 20;
/// Largest accepted `zones` value.
///
/// No AWS region has more than six Availability Zones (us-east-1 has six);
/// GCP and Azure regions have three or four zones, and their subnets are
/// regional anyway. More subnets than that are not a zone layout.
pub const MAX_ZONES: u8 = 6;

/// Default number of subnets carved in the network when `zones` is unset.
///
/// AWS subnets live in a single Availability Zone, and EKS wants subnets in
/// at least two zones, so three (one per zone of a typical region) is the
/// default. GCP subnets and Azure subnets are regional: one subnet already
/// spans every zone of the region, so one suffices (more may be asked for).
pub fn default_zones(cloud: Cloud) -> u8 {
    match cloud {
        Cloud::Aws => 3,
        Cloud::Gcp | Cloud::Azure => 1,
    }
}

/// The four ranges the planner hands out per cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeKind {
    /// `network_cidr`: VPC, GCP subnet primary range, or VNet address space.
    Network,
    /// One entry of `subnet_cidrs`, carved inside the network.
    Subnet,
    /// `pod_cidr`.
    Pods,
    /// `service_cidr`.
    Services,
}

impl RangeKind {
    /// The `clusters[*]` attribute that sets this range's prefix length.
    pub fn attr(self) -> &'static str {
        match self {
            RangeKind::Network => "network_prefix",
            RangeKind::Subnet => "subnet_prefix",
            RangeKind::Pods => "pod_prefix",
            RangeKind::Services => "service_prefix",
        }
    }
}

/// An IPv4 CIDR block known at compile time (ipnet's constructors are not
/// usable in `const` items on every 2.x release).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Block {
    /// First address, as an integer.
    pub start: u32,
    /// Prefix length, 0..=32.
    pub prefix: u8,
}

impl Block {
    /// `a.b.c.d/prefix`; the address must be the network address.
    pub const fn new(a: u8, b: u8, c: u8, d: u8, prefix: u8) -> Block {
        Block {
            start: u32::from_be_bytes([a, b, c, d]),
            prefix,
        }
    }

    /// Number of addresses in the block.
    pub const fn size(self) -> u64 {
        let p = if self.prefix > 32 { 32 } else { self.prefix };
        1u64 << (32 - p as u32)
    }

    /// One past the last address.
    pub const fn end(self) -> u64 {
        self.start as u64 + self.size()
    }

    /// Whether `[start, end)` lies entirely inside this block.
    pub const fn contains_range(self, start: u64, end: u64) -> bool {
        start >= self.start as u64 && end <= self.end()
    }
}

impl fmt::Display for Block {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.start), self.prefix)
    }
}

/// RFC 1918 private blocks.
pub const RFC1918: [Block; 3] = [
    Block::new(10, 0, 0, 0, 8),
    Block::new(172, 16, 0, 0, 12),
    Block::new(192, 168, 0, 0, 16),
];

/// A block the allocator must not hand out for some range of some cloud.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Avoid {
    /// The forbidden (or conflicting) block.
    pub block: Block,
    /// Why, for error messages.
    pub why: &'static str,
}

/// What a cloud allows for one kind of range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RangeRule {
    /// Who imposes the rule in messages: "AWS", "EKS", "GKE", ...
    pub owner: &'static str,
    /// What the range is called there, with article: "a VPC CIDR".
    pub what: &'static str,
    /// Shortest (largest) accepted prefix length.
    pub min_prefix: u8,
    /// Longest (smallest) accepted prefix length.
    pub max_prefix: u8,
    /// If not empty, the range must lie inside one of these blocks.
    pub within: &'static [Block],
    /// Blocks the range must not overlap.
    pub avoid: &'static [Avoid],
}

impl RangeRule {
    /// "EKS requires a service CIDR between /12 and /24 inside 10.0.0.0/8,
    /// 172.16.0.0/12 or 192.168.0.0/16".
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{} requires {} between /{} and /{}",
            self.owner, self.what, self.min_prefix, self.max_prefix
        );
        if !self.within.is_empty() {
            s.push_str(" inside ");
            s.push_str(&join_or(self.within.iter().map(|b| b.to_string())));
        }
        s
    }

    /// "must not overlap 169.254.0.0/16 (...), ..." or an empty string.
    pub fn describe_avoid(&self) -> String {
        if self.avoid.is_empty() {
            return String::new();
        }
        let list: Vec<String> = self
            .avoid
            .iter()
            .map(|a| format!("{} ({})", a.block, a.why))
            .collect();
        format!("must not overlap {}", list.join(", "))
    }

    /// Whether a prefix length is accepted.
    pub fn accepts_prefix(&self, prefix: u8) -> bool {
        (self.min_prefix..=self.max_prefix).contains(&prefix)
    }
}

/// "a, b or c".
fn join_or(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {}", rest.join(", "), last),
    }
}

// ---------------------------------------------------------------------------
// AWS
// ---------------------------------------------------------------------------

/// Amazon VPC User Guide, "VPC CIDR blocks": "Some AWS services use the
/// 172.17.0.0/16 CIDR range. To avoid future conflicts, don't use this range
/// when creating your VPC." Applied to the VPC and to the pod CIDR, which is
/// associated with the VPC as a secondary CIDR block.
const AWS_VPC_AVOID: &[Avoid] = &[Avoid {
    block: Block::new(172, 17, 0, 0, 16),
    why: "used by some AWS services; AWS says not to use it in a VPC",
}];

/// Amazon VPC User Guide, "VPC CIDR blocks" / EC2 CreateVpc API: "The allowed
/// block size is between a /16 netmask (65,536 IP addresses) and /28 netmask
/// (16 IP addresses)."
const AWS_NETWORK: RangeRule = RangeRule {
    owner: "AWS",
    what: "a VPC CIDR",
    min_prefix: 16,
    max_prefix: 28,
    within: &[],
    avoid: AWS_VPC_AVOID,
};

/// EC2 CreateSubnet API reference: "The allowed size for an IPv4 subnet is
/// between a /28 netmask (16 IP addresses) and a /16 netmask (65,536 IP
/// addresses)."
const AWS_SUBNET: RangeRule = RangeRule {
    owner: "AWS",
    what: "a subnet",
    min_prefix: 16,
    max_prefix: 28,
    within: &[],
    avoid: &[],
};

/// EKS custom networking puts pods in subnets of a secondary VPC CIDR block
/// (EKS Best Practices Guide, "Custom Networking"). Amazon VPC User Guide,
/// "Add IPv4 CIDR blocks to a VPC": "The allowed block size is between a /28
/// netmask and /16 netmask"; the association restrictions that depend on the
/// primary CIDR are in [`aws_secondary_restricted`].
const AWS_PODS: RangeRule = RangeRule {
    owner: "EKS",
    what: "a pod CIDR (a VPC secondary CIDR for custom networking)",
    min_prefix: 16,
    max_prefix: 28,
    within: &[],
    avoid: AWS_VPC_AVOID,
};

/// EKS API reference, KubernetesNetworkConfigRequest.serviceIpv4Cidr: the
/// block must be "Within one of the following private IP address blocks:
/// 10.0.0.0/8, 172.16.0.0/12, or 192.168.0.0/16", must not overlap any CIDR
/// block of the VPC (guaranteed by the allocator: nothing overlaps), and be
/// "Between /24 and /12".
const AWS_SERVICES: RangeRule = RangeRule {
    owner: "EKS",
    what: "a service CIDR",
    min_prefix: 12,
    max_prefix: 24,
    within: &RFC1918,
    avoid: &[],
};

/// Amazon VPC User Guide, table "IPv4 CIDR block association restrictions":
/// the blocks a secondary CIDR may not come from, given the VPC's primary CIDR.
///
/// | primary in      | restricted secondary blocks                                  |
/// |-----------------|--------------------------------------------------------------|
/// | 10.0.0.0/8      | 172.16.0.0/12, 192.168.0.0/16, 198.19.0.0/16; 10.0.0.0/16 if the primary is within 10.0.0.0/15 |
/// | 172.16.0.0/12   | 10.0.0.0/8, 192.168.0.0/16, 172.31.0.0/16, 198.19.0.0/16     |
/// | 192.168.0.0/16  | 10.0.0.0/8, 172.16.0.0/12, 198.19.0.0/16                     |
/// | 198.19.0.0/16   | all RFC 1918 ranges                                          |
/// | anything else   | all RFC 1918 ranges, 198.19.0.0/16                           |
pub fn aws_secondary_restricted(primary: Block) -> Vec<Avoid> {
    const WHY: &str =
        "AWS cannot associate it with a VPC whose primary CIDR is in a different range";
    const B198_19: Block = Block::new(198, 19, 0, 0, 16);
    let within = |b: Block| b.contains_range(primary.start as u64, primary.end());
    let mut out = Vec::new();
    let mut push = |block: Block, why: &'static str| out.push(Avoid { block, why });
    if let Some(home) = RFC1918.iter().copied().find(|b| within(*b)) {
        for other in RFC1918.iter().copied().filter(|b| *b != home) {
            push(other, WHY);
        }
        push(B198_19, WHY);
        if home == RFC1918[0] && within(Block::new(10, 0, 0, 0, 15)) {
            push(
                Block::new(10, 0, 0, 0, 16),
                "AWS cannot associate it with a VPC whose primary CIDR is within 10.0.0.0/15",
            );
        }
        if home == RFC1918[1] {
            push(
                Block::new(172, 31, 0, 0, 16),
                "AWS cannot associate it with a VPC whose primary CIDR is in 172.16.0.0/12",
            );
        }
    } else {
        for b in RFC1918 {
            push(b, WHY);
        }
        if !within(B198_19) {
            push(B198_19, WHY);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// GCP
// ---------------------------------------------------------------------------

/// GCP subnet primary range (GKE node range). /29 is the smallest node range
/// in GKE's VPC-native cluster sizing table (4 nodes). UNCONFIRMED: the /8
/// upper bound is the figure from the planner's brief; the VPC "subnets"
/// documentation page with the valid size range could not be retrieved.
const GCP_NETWORK: RangeRule = RangeRule {
    owner: "GCP",
    what: "a subnet primary range",
    min_prefix: 8,
    max_prefix: 29,
    within: &[],
    avoid: &[],
};

/// Node subnets carved inside the primary range follow the same limits.
const GCP_SUBNET: RangeRule = RangeRule {
    owner: "GCP",
    what: "a node subnet range",
    min_prefix: 8,
    max_prefix: 29,
    within: &[],
    avoid: &[],
};

/// GKE Pod secondary range. The GKE API rejects smaller ones with "Cluster
/// CIDR range is greater than maximum (22 > 21)" (seen in rancher/rancher
/// #36254 and GoogleCloudPlatform/oss-test-infra #1650), so /21 is the
/// smallest. UNCONFIRMED: /9 as the largest is the figure from the planner's
/// brief; the alias-IP sizing page could not be retrieved to confirm it.
const GCP_PODS: RangeRule = RangeRule {
    owner: "GKE",
    what: "a Pod secondary range",
    min_prefix: 9,
    max_prefix: 21,
    within: &[],
    avoid: &[],
};

/// GKE Service secondary range. The GKE API rejects larger ones with
/// "Services CIDR range is smaller than minimum (14 < 16)" (rancher/rancher
/// #32207, which points at the alias-IP "cluster sizing" documentation), so
/// /16 is the largest. UNCONFIRMED: /27 as the smallest is the figure from the
/// planner's brief.
const GCP_SERVICES: RangeRule = RangeRule {
    owner: "GKE",
    what: "a Service secondary range",
    min_prefix: 16,
    max_prefix: 27,
    within: &[],
    avoid: &[],
};

// ---------------------------------------------------------------------------
// Azure
// ---------------------------------------------------------------------------

/// AKS "Configure Azure CNI networking" / kubenet docs: "AKS clusters may not
/// use 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16, or 192.0.2.0/24 for the
/// Kubernetes service address range, pod address range, or cluster virtual
/// network address range."
const AKS_FORBIDDEN: [Avoid; 4] = [
    Avoid {
        block: Block::new(169, 254, 0, 0, 16),
        why: "AKS does not allow it",
    },
    Avoid {
        block: Block::new(172, 30, 0, 0, 16),
        why: "AKS does not allow it",
    },
    Avoid {
        block: Block::new(172, 31, 0, 0, 16),
        why: "AKS does not allow it",
    },
    Avoid {
        block: Block::new(192, 0, 2, 0, 24),
        why: "AKS does not allow it",
    },
];

/// The AKS-forbidden blocks plus the ranges the Azure Virtual Network FAQ says
/// a VNet cannot use: 224.0.0.0/4 (multicast), 255.255.255.255/32
/// (broadcast), 127.0.0.0/8 (loopback), 169.254.0.0/16 (link-local) and
/// 168.63.129.16/32 (internal DNS).
const AZURE_VNET_AVOID: &[Avoid] = &[
    AKS_FORBIDDEN[0],
    AKS_FORBIDDEN[1],
    AKS_FORBIDDEN[2],
    AKS_FORBIDDEN[3],
    Avoid {
        block: Block::new(224, 0, 0, 0, 4),
        why: "multicast; Azure VNets cannot use it",
    },
    Avoid {
        block: Block::new(255, 255, 255, 255, 32),
        why: "broadcast; Azure VNets cannot use it",
    },
    Avoid {
        block: Block::new(127, 0, 0, 0, 8),
        why: "loopback; Azure VNets cannot use it",
    },
    Avoid {
        block: Block::new(168, 63, 129, 16, 32),
        why: "Azure internal DNS",
    },
];

/// The AKS-forbidden blocks plus 172.17.0.0/16: the AKS networking docs give
/// "Docker bridge address ... Default of 172.17.0.1/16" and require the bridge
/// not to overlap the pod and service CIDRs. (The setting is legacy since
/// containerd nodes, but avoiding the block costs nothing.)
const AKS_CLUSTER_AVOID: &[Avoid] = &[
    AKS_FORBIDDEN[0],
    AKS_FORBIDDEN[1],
    AKS_FORBIDDEN[2],
    AKS_FORBIDDEN[3],
    Avoid {
        block: Block::new(172, 17, 0, 0, 16),
        why: "the default Docker bridge network on AKS nodes",
    },
];

/// AKS "IP address planning" (concepts-network-ip-address-planning): "Azure
/// Virtual Network: Max size /8". A VNet must hold at least one subnet, and the
/// smallest subnet is /29 (Azure Virtual Network FAQ), hence /29.
const AZURE_NETWORK: RangeRule = RangeRule {
    owner: "Azure",
    what: "a VNet address space",
    min_prefix: 8,
    max_prefix: 29,
    within: &[],
    avoid: AZURE_VNET_AVOID,
};

/// Azure Virtual Network FAQ: "The smallest supported IPv4 subnet is /29, and
/// the largest is /2".
const AZURE_SUBNET: RangeRule = RangeRule {
    owner: "Azure",
    what: "a subnet",
    min_prefix: 2,
    max_prefix: 29,
    within: &[],
    avoid: &[],
};

/// AKS "Configure Azure CNI Overlay networking", IP address planning: "The
/// Overlay solution assigns a /24 address space for pods on every node ...
/// The /24 size is fixed", so the pod CIDR must hold at least one /24; it must
/// not overlap the cluster subnet (guaranteed: nothing overlaps).
/// UNCONFIRMED: AKS documents no largest pod CIDR; /8 is the planner's own cap
/// (the largest VNet).
const AZURE_PODS: RangeRule = RangeRule {
    owner: "AKS",
    what: "an overlay pod CIDR",
    min_prefix: 8,
    max_prefix: 24,
    within: &[],
    avoid: AKS_CLUSTER_AVOID,
};

/// AKS "Configure Azure CNI Overlay networking" and "IP address planning":
/// the service address CIDR "must be smaller than /12", read strictly: a /12
/// is not smaller than /12, so the largest accepted block is a /13.
/// UNCONFIRMED: AKS documents no smallest service CIDR; /28 (16 addresses) is
/// the planner's own floor so that the kubernetes Service (first address) and
/// the DNS Service (any other address) leave room for real Services.
const AZURE_SERVICES: RangeRule = RangeRule {
    owner: "AKS",
    what: "a service CIDR",
    min_prefix: 13,
    max_prefix: 28,
    within: &[],
    avoid: AKS_CLUSTER_AVOID,
};

/// The rule for one cloud and range kind.
pub fn rule(cloud: Cloud, kind: RangeKind) -> &'static RangeRule {
    match (cloud, kind) {
        (Cloud::Aws, RangeKind::Network) => &AWS_NETWORK,
        (Cloud::Aws, RangeKind::Subnet) => &AWS_SUBNET,
        (Cloud::Aws, RangeKind::Pods) => &AWS_PODS,
        (Cloud::Aws, RangeKind::Services) => &AWS_SERVICES,
        (Cloud::Gcp, RangeKind::Network) => &GCP_NETWORK,
        (Cloud::Gcp, RangeKind::Subnet) => &GCP_SUBNET,
        (Cloud::Gcp, RangeKind::Pods) => &GCP_PODS,
        (Cloud::Gcp, RangeKind::Services) => &GCP_SERVICES,
        (Cloud::Azure, RangeKind::Network) => &AZURE_NETWORK,
        (Cloud::Azure, RangeKind::Subnet) => &AZURE_SUBNET,
        (Cloud::Azure, RangeKind::Pods) => &AZURE_PODS,
        (Cloud::Azure, RangeKind::Services) => &AZURE_SERVICES,
    }
}

/// Every block a range of `kind` for `cloud` must not overlap, beyond what is
/// already allocated or reserved: the rule's avoid list, the gaps between its
/// `within` blocks, and (AWS pods) the association restrictions that follow
/// from the cluster's network. Returned as half-open `[start, end)` intervals.
pub fn forbidden_intervals(
    cloud: Cloud,
    kind: RangeKind,
    network: Option<Block>,
) -> Vec<(u64, u64)> {
    let r = rule(cloud, kind);
    let mut out: Vec<(u64, u64)> = r
        .avoid
        .iter()
        .map(|a| (a.block.start as u64, a.block.end()))
        .collect();
    out.extend(complement(r.within));
    if let (Cloud::Aws, RangeKind::Pods, Some(net)) = (cloud, kind, network) {
        out.extend(
            aws_secondary_restricted(net)
                .iter()
                .map(|a| (a.block.start as u64, a.block.end())),
        );
    }
    out
}

/// Human-readable list of everything [`forbidden_intervals`] encodes, for
/// the error raised when no block conforms.
pub fn describe_constraints(cloud: Cloud, kind: RangeKind, network: Option<Block>) -> String {
    let r = rule(cloud, kind);
    let mut parts = Vec::new();
    if !r.within.is_empty() {
        parts.push(format!(
            "{} must be inside {}",
            r.what,
            join_or(r.within.iter().map(|b| b.to_string()))
        ));
    }
    let avoid = r.describe_avoid();
    if !avoid.is_empty() {
        parts.push(format!("{} {}", r.what, avoid));
    }
    if let (Cloud::Aws, RangeKind::Pods, Some(net)) = (cloud, kind, network) {
        let list: Vec<String> = aws_secondary_restricted(net)
            .iter()
            .map(|a| a.block.to_string())
            .collect();
        parts.push(format!(
            "with VPC {} it cannot come from {} (Amazon VPC IPv4 CIDR block association restrictions)",
            net,
            list.join(", ")
        ));
    }
    format!("{}: {}", r.owner, parts.join("; "))
}

/// The gaps of `[0, 2^32)` outside `within`; nothing when `within` is empty.
fn complement(within: &[Block]) -> Vec<(u64, u64)> {
    if within.is_empty() {
        return Vec::new();
    }
    let mut sorted: Vec<Block> = within.to_vec();
    sorted.sort();
    let mut out = Vec::new();
    let mut cursor = 0u64;
    for b in sorted {
        if (b.start as u64) > cursor {
            out.push((cursor, b.start as u64));
        }
        cursor = cursor.max(b.end());
    }
    if cursor < (1u64 << 32) {
        out.push((cursor, 1u64 << 32));
    }
    out
}

/// Cluster names: `^[a-z][a-z0-9-]{0,39}$`.
///
/// A lowercase letter first, then up to 39 lowercase letters, digits or
/// hyphens. That is the intersection of what EKS cluster names, GKE cluster
/// and GCP resource names (lowercase, letter first) and AKS cluster and Azure
/// resource names accept, short enough to be suffixed ("-vpc", "-pods") and
/// stay within every cloud's length limits.
pub fn is_valid_cluster_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    match bytes.split_first() {
        Some((first, rest)) => {
            first.is_ascii_lowercase()
                && rest.len() <= 39
                && rest
                    .iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        }
        None => false,
    }
}

/// What [`is_valid_cluster_name`] allows, for error details.
pub const CLUSTER_NAME_RULE: &str = "1 to 40 characters: a lowercase letter followed by lowercase letters, digits or hyphens (^[a-z][a-z0-9-]{0,39}$), so that it is usable as a resource name in AWS, GCP and Azure";

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_CLOUDS: [Cloud; 3] = [Cloud::Aws, Cloud::Gcp, Cloud::Azure];
    const ALL_KINDS: [RangeKind; 4] = [
        RangeKind::Network,
        RangeKind::Subnet,
        RangeKind::Pods,
        RangeKind::Services,
    ];

    #[test]
    fn defaults_satisfy_every_cloud() {
        for cloud in ALL_CLOUDS {
            for (kind, p) in [
                (RangeKind::Network, DEFAULT_NETWORK_PREFIX),
                (RangeKind::Subnet, DEFAULT_SUBNET_PREFIX),
                (RangeKind::Pods, DEFAULT_POD_PREFIX),
                (RangeKind::Services, DEFAULT_SERVICE_PREFIX),
            ] {
                assert!(
                    rule(cloud, kind).accepts_prefix(p),
                    "{cloud:?} {kind:?} /{p}"
                );
            }
            let zones = default_zones(cloud);
            assert!((1..=MAX_ZONES).contains(&zones));
            assert!(u32::from(zones) <= 1u32 << (DEFAULT_SUBNET_PREFIX - DEFAULT_NETWORK_PREFIX));
        }
    }

    #[test]
    fn rules_are_well_formed() {
        for cloud in ALL_CLOUDS {
            for kind in ALL_KINDS {
                let r = rule(cloud, kind);
                assert!(1 <= r.min_prefix && r.min_prefix <= r.max_prefix && r.max_prefix <= 32);
                for a in r.avoid {
                    // network address only
                    assert_eq!(a.block.start as u64 % a.block.size(), 0, "{}", a.block);
                }
            }
        }
    }

    #[test]
    fn eks_service_rule_text() {
        assert_eq!(
            rule(Cloud::Aws, RangeKind::Services).describe(),
            "EKS requires a service CIDR between /12 and /24 inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"
        );
    }

    #[test]
    fn aks_service_rule_reads_smaller_than_12_strictly() {
        let r = rule(Cloud::Azure, RangeKind::Services);
        assert!(!r.accepts_prefix(12));
        assert!(r.accepts_prefix(13));
    }

    #[test]
    fn complement_of_rfc1918() {
        let gaps = complement(&RFC1918);
        let b = |a, b2, c, d| u32::from_be_bytes([a, b2, c, d]) as u64;
        assert_eq!(
            gaps,
            vec![
                (0, b(10, 0, 0, 0)),
                (b(11, 0, 0, 0), b(172, 16, 0, 0)),
                (b(172, 32, 0, 0), b(192, 168, 0, 0)),
                (b(192, 169, 0, 0), 1u64 << 32),
            ]
        );
        assert!(complement(&[]).is_empty());
        assert!(complement(&[Block::new(0, 0, 0, 0, 0)]).is_empty());
    }

    #[test]
    fn aws_secondary_restrictions_follow_the_vpc_table() {
        let blocks = |p: Block| -> Vec<String> {
            aws_secondary_restricted(p)
                .iter()
                .map(|a| a.block.to_string())
                .collect()
        };
        assert_eq!(
            blocks(Block::new(10, 0, 0, 0, 16)),
            [
                "172.16.0.0/12",
                "192.168.0.0/16",
                "198.19.0.0/16",
                "10.0.0.0/16"
            ]
        );
        assert_eq!(
            blocks(Block::new(10, 5, 0, 0, 16)),
            ["172.16.0.0/12", "192.168.0.0/16", "198.19.0.0/16"]
        );
        assert_eq!(
            blocks(Block::new(172, 20, 0, 0, 16)),
            [
                "10.0.0.0/8",
                "192.168.0.0/16",
                "198.19.0.0/16",
                "172.31.0.0/16"
            ]
        );
        assert_eq!(
            blocks(Block::new(192, 168, 4, 0, 22)),
            ["10.0.0.0/8", "172.16.0.0/12", "198.19.0.0/16"]
        );
        assert_eq!(
            blocks(Block::new(100, 64, 0, 0, 16)),
            [
                "10.0.0.0/8",
                "172.16.0.0/12",
                "192.168.0.0/16",
                "198.19.0.0/16"
            ]
        );
        assert_eq!(
            blocks(Block::new(198, 19, 0, 0, 20)),
            ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
        );
    }

    #[test]
    fn forbidden_intervals_cover_avoid_lists() {
        let f = forbidden_intervals(Cloud::Azure, RangeKind::Services, None);
        let b172_30 = Block::new(172, 30, 0, 0, 16);
        assert!(f.contains(&(b172_30.start as u64, b172_30.end())));
        assert!(forbidden_intervals(Cloud::Gcp, RangeKind::Pods, None).is_empty());
        let d = describe_constraints(Cloud::Aws, RangeKind::Services, None);
        assert!(
            d.contains("inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"),
            "{d}"
        );
    }

    #[test]
    fn cluster_names() {
        let longest = format!("a{}", "0".repeat(39));
        for ok in ["a", "eks-prod-1", "z-", longest.as_str()] {
            assert!(is_valid_cluster_name(ok), "{ok}");
        }
        for bad in [
            "",
            "1abc",
            "Abc",
            "a_b",
            "-a",
            "a.b",
            "é",
            format!("a{}", "0".repeat(40)).as_str(),
        ] {
            assert!(!is_valid_cluster_name(bad), "{bad}");
        }
    }

    #[test]
    fn block_arithmetic() {
        let all = Block::new(0, 0, 0, 0, 0);
        assert_eq!(all.size(), 1u64 << 32);
        assert_eq!(all.end(), 1u64 << 32);
        let host = Block::new(255, 255, 255, 255, 32);
        assert_eq!(host.size(), 1);
        assert_eq!(host.end(), 1u64 << 32);
        assert!(host.contains_range(u32::MAX as u64, 1u64 << 32));
        assert_eq!(host.to_string(), "255.255.255.255/32");
    }
}
