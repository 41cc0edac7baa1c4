//! Every cloud's VPN constraint as data and pure checks, so that a plan refuses what a cloud
//! would refuse half-way through an apply. Each check returns why a value is wrong, in words a
//! platform engineer can act on; callers attach the attribute path.
//!
//! Sources:
//! - AWS: "Tunnel options for your Site-to-Site VPN connection" (inside CIDR /30 in
//!   169.254.0.0/16, the reserved blocks below) and "Customer gateway options" (Amazon-side ASN
//!   ranges; ASNs reserved per region for customer gateways).
//! - Azure: "About BGP and VPN Gateway" (reserved ASNs; APIPA BGP addresses 169.254.21.0 to
//!   169.254.22.255).
//! - GCP: Cloud Router ASN requirements (RFC 6996 private ASNs) and router interface ranges
//!   (RFC 3927 link-local /30).
//! - IANA: ASNs reserved by RFC 5398, RFC 6793, RFC 7300.

use std::fmt;
use std::net::Ipv4Addr;
use std::ops::RangeInclusive;

use ipnet::Ipv4Net;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cloud {
    Aws,
    Gcp,
    Azure,
}

impl Cloud {
    /// Every cloud, in the order the provider lists them (`aws`, `gcp`, `azure`).
    pub const ALL: [Cloud; 3] = [Cloud::Aws, Cloud::Gcp, Cloud::Azure];

    pub fn parse(s: &str) -> Option<Cloud> {
        match s {
            "aws" => Some(Cloud::Aws),
            "gcp" => Some(Cloud::Gcp),
            "azure" => Some(Cloud::Azure),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Gcp => "gcp",
            Cloud::Azure => "azure",
        }
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cloud::Aws => "AWS",
            Cloud::Gcp => "GCP",
            Cloud::Azure => "Azure",
        })
    }
}

/// Private ASN ranges (RFC 6996): what AWS allows as Amazon-side ASN and GCP as Cloud Router ASN.
pub const PRIVATE_ASNS: [RangeInclusive<u64>; 2] = [64512..=65534, 4_200_000_000..=4_294_967_294];
/// IANA-reserved ASNs no BGP speaker may use.
pub const IANA_RESERVED_ASNS: [RangeInclusive<u64>; 4] = [
    23456..=23456,
    64496..=64511,
    65535..=65551,
    4_294_967_295..=4_294_967_295,
];
/// ASNs Azure reserves; 65515 is the Azure gateway's own default, allowed on the gateway itself.
pub const AZURE_RESERVED_ASNS: [RangeInclusive<u64>; 5] = [
    8074..=8074,
    8075..=8075,
    12076..=12076,
    65515..=65515,
    65517..=65520,
];
pub const AZURE_DEFAULT_ASN: u64 = 65515;
/// ASNs AWS uses itself in some regions; a customer gateway may not claim them.
pub const AWS_CUSTOMER_GATEWAY_RESERVED_ASNS: [u64; 4] = [7224, 9059, 10124, 17943];
pub const AWS_DEFAULT_ASN: u64 = 64512;

/// The /30 blocks AWS refuses as tunnel inside CIDRs.
pub const AWS_RESERVED_INSIDE: [&str; 7] = [
    "169.254.0.0/30",
    "169.254.1.0/30",
    "169.254.2.0/30",
    "169.254.3.0/30",
    "169.254.4.0/30",
    "169.254.5.0/30",
    "169.254.169.252/30",
];
/// Where Azure's custom APIPA BGP addresses must lie.
pub const AZURE_APIPA: RangeInclusive<Ipv4Addr> =
    Ipv4Addr::new(169, 254, 21, 0)..=Ipv4Addr::new(169, 254, 22, 255);

fn in_any(asn: u64, ranges: &[RangeInclusive<u64>]) -> bool {
    ranges.iter().any(|r| r.contains(&asn))
}

fn describe(ranges: &[RangeInclusive<u64>]) -> String {
    ranges
        .iter()
        .map(|r| {
            if r.start() == r.end() {
                r.start().to_string()
            } else {
                format!("{}–{}", r.start(), r.end())
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why `asn` cannot be `cloud`'s own gateway ASN.
pub fn gateway_asn_problem(cloud: Cloud, asn: u64) -> Option<String> {
    if in_any(asn, &IANA_RESERVED_ASNS) {
        return Some(format!(
            "{asn} is reserved by IANA ({})",
            describe(&IANA_RESERVED_ASNS)
        ));
    }
    match cloud {
        Cloud::Aws | Cloud::Gcp if !in_any(asn, &PRIVATE_ASNS) => Some(format!(
            "{cloud} requires a private ASN here: {}",
            describe(&PRIVATE_ASNS)
        )),
        Cloud::Azure if asn != AZURE_DEFAULT_ASN && in_any(asn, &AZURE_RESERVED_ASNS) => {
            Some(format!(
                "{asn} is reserved by Azure ({}; 65515 only as the gateway's default)",
                describe(&AZURE_RESERVED_ASNS)
            ))
        }
        Cloud::Azure if asn == 0 || asn > 4_294_967_294 => {
            Some("an ASN is 1 to 4294967294".to_string())
        }
        _ => None,
    }
}

/// Why `asn` (the far side's) cannot be the peer ASN `cloud` configures towards it.
pub fn peer_asn_problem(cloud: Cloud, asn: u64) -> Option<String> {
    match cloud {
        Cloud::Aws if AWS_CUSTOMER_GATEWAY_RESERVED_ASNS.contains(&asn) => Some(format!(
            "AWS reserves {asn} and refuses it for customer gateways ({:?})",
            AWS_CUSTOMER_GATEWAY_RESERVED_ASNS
        )),
        Cloud::Azure if in_any(asn, &AZURE_RESERVED_ASNS) => Some(format!(
            "Azure refuses {asn} for a peer (local network gateway): it reserves {}",
            describe(&AZURE_RESERVED_ASNS)
        )),
        _ => None,
    }
}

/// Tunnel counts that work between two clouds: AWS connections carry tunnels in pairs, and two
/// HA gateways (GCP, Azure active-active) pair interface by interface.
pub fn tunnel_count_problem(n: i64) -> Option<String> {
    (n != 2 && n != 4).then(|| {
        format!(
            "{n} tunnels: 4 (high availability, the default) or 2 are possible between two clouds"
        )
    })
}

/// Why `cidr` cannot be a tunnel inside CIDR between `a` and `b`.
pub fn inside_cidr_problem(cidr: &str, a: Cloud, b: Cloud) -> Option<String> {
    let net: Ipv4Net = match cidr.parse() {
        Ok(n) => n,
        Err(_) => {
            return Some(format!(
                "\"{cidr}\" is not an IPv4 CIDR like 169.254.21.0/30"
            ));
        }
    };
    if net.prefix_len() != 30 || net.network() != net.addr() {
        return Some(format!(
            "\"{cidr}\" must be a /30 network (e.g. {}/30)",
            net.trunc().network()
        ));
    }
    let link_local: Ipv4Net = "169.254.0.0/16".parse().expect("constant");
    if !link_local.contains(&net) {
        return Some(format!(
            "\"{cidr}\" must be inside 169.254.0.0/16 (link-local)"
        ));
    }
    if [a, b].contains(&Cloud::Aws) && AWS_RESERVED_INSIDE.contains(&cidr) {
        return Some(format!(
            "AWS reserves {cidr}; these /30s are refused: {}",
            AWS_RESERVED_INSIDE.join(", ")
        ));
    }
    if [a, b].contains(&Cloud::Azure)
        && !(AZURE_APIPA.contains(&net.network()) && AZURE_APIPA.contains(&net.broadcast()))
    {
        return Some(format!(
            "Azure's BGP addresses must be in 169.254.21.0–169.254.22.255, so \"{cidr}\" must be inside 169.254.21.0/24 or 169.254.22.0/24"
        ));
    }
    None
}

/// Every problem with a list of inside CIDRs for `n` tunnels, as (index, why); index None is
/// about the list as a whole.
pub fn inside_cidrs_problems(
    cidrs: &[String],
    n: usize,
    a: Cloud,
    b: Cloud,
) -> Vec<(Option<usize>, String)> {
    let mut out = Vec::new();
    if cidrs.len() != n {
        out.push((
            None,
            format!(
                "{} CIDRs given for {n} tunnels: give one /30 per tunnel",
                cidrs.len()
            ),
        ));
    }
    let mut seen: Vec<Ipv4Net> = Vec::new();
    for (i, c) in cidrs.iter().enumerate() {
        if let Some(p) = inside_cidr_problem(c, a, b) {
            out.push((Some(i), p));
            continue;
        }
        let net: Ipv4Net = c.parse().expect("checked above");
        if let Some(other) = seen.iter().find(|s| s.contains(&net.network())) {
            out.push((
                Some(i),
                format!("{c} repeats {other}: each tunnel needs its own /30"),
            ));
        }
        seen.push(net);
    }
    out
}

/// Names become GCP object names (`NAME-t0` …), the strictest of the three clouds:
/// lowercase letters, digits and hyphens, starting with a letter.
pub fn name_problem(name: &str, max: usize) -> Option<String> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if name.is_empty() || name.len() > max {
        return Some(format!("\"{name}\" must be 1 to {max} characters"));
    }
    if !ok_chars || !name.starts_with(|c: char| c.is_ascii_lowercase()) || name.ends_with('-') {
        return Some(format!(
            "\"{name}\" must use lowercase letters, digits and hyphens, start with a letter and not end with a hyphen (GCP's naming rule, the strictest of the clouds)"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_asns_follow_each_cloud() {
        assert_eq!(gateway_asn_problem(Cloud::Aws, 64512), None);
        assert_eq!(gateway_asn_problem(Cloud::Aws, 4_200_000_000), None);
        assert!(gateway_asn_problem(Cloud::Aws, 65000).is_none());
        assert!(
            gateway_asn_problem(Cloud::Aws, 7224)
                .unwrap()
                .contains("private")
        );
        assert!(gateway_asn_problem(Cloud::Gcp, 100).is_some());
        assert!(
            gateway_asn_problem(Cloud::Gcp, 23456)
                .unwrap()
                .contains("IANA")
        );
        assert_eq!(gateway_asn_problem(Cloud::Azure, 65515), None);
        assert!(
            gateway_asn_problem(Cloud::Azure, 65517)
                .unwrap()
                .contains("Azure")
        );
        assert!(gateway_asn_problem(Cloud::Azure, 8075).is_some());
        assert!(
            gateway_asn_problem(Cloud::Azure, 64500)
                .unwrap()
                .contains("IANA")
        );
        assert!(gateway_asn_problem(Cloud::Azure, 65551).is_some());
        assert!(gateway_asn_problem(Cloud::Azure, 4_294_967_295).is_some());
        assert_eq!(gateway_asn_problem(Cloud::Azure, 65010), None);
    }

    #[test]
    fn peer_asns_respect_the_configuring_cloud() {
        assert!(peer_asn_problem(Cloud::Azure, 65515).is_some());
        assert!(peer_asn_problem(Cloud::Aws, 7224).is_some());
        assert_eq!(peer_asn_problem(Cloud::Gcp, 65515), None);
    }

    #[test]
    fn inside_cidrs_obey_aws_and_azure() {
        use Cloud::*;
        assert_eq!(inside_cidr_problem("169.254.10.0/30", Aws, Gcp), None);
        assert!(
            inside_cidr_problem("169.254.10.1/30", Aws, Gcp)
                .unwrap()
                .contains("/30 network")
        );
        assert!(inside_cidr_problem("169.254.10.0/29", Aws, Gcp).is_some());
        assert!(
            inside_cidr_problem("10.0.0.0/30", Gcp, Azure)
                .unwrap()
                .contains("link-local")
        );
        for r in AWS_RESERVED_INSIDE {
            assert!(
                inside_cidr_problem(r, Aws, Gcp)
                    .unwrap()
                    .contains("reserves"),
                "{r}"
            );
            assert!(inside_cidr_problem(r, Gcp, Aws).is_some());
        }
        assert_eq!(inside_cidr_problem("169.254.169.252/30", Gcp, Gcp), None);
        assert!(
            inside_cidr_problem("169.254.20.0/30", Aws, Azure)
                .unwrap()
                .contains("169.254.21.0")
        );
        assert_eq!(inside_cidr_problem("169.254.22.252/30", Aws, Azure), None);
        assert!(inside_cidr_problem("nonsense", Aws, Azure).is_some());
    }

    #[test]
    fn cidr_lists_need_one_distinct_net_per_tunnel() {
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(
            inside_cidrs_problems(
                &l(&["169.254.10.0/30", "169.254.10.4/30"]),
                2,
                Cloud::Aws,
                Cloud::Gcp
            )
            .is_empty()
        );
        let p = inside_cidrs_problems(
            &l(&["169.254.10.0/30", "169.254.10.0/30"]),
            2,
            Cloud::Aws,
            Cloud::Gcp,
        );
        assert_eq!(p[0].0, Some(1));
        let p = inside_cidrs_problems(&l(&["169.254.10.0/30"]), 2, Cloud::Aws, Cloud::Gcp);
        assert_eq!(p[0].0, None);
    }

    #[test]
    fn names_and_tunnel_counts() {
        assert_eq!(name_problem("aws-to-gcp", 40), None);
        assert!(name_problem("AWS", 40).is_some());
        assert!(name_problem("1abc", 40).is_some());
        assert!(name_problem("abc-", 40).is_some());
        assert!(name_problem(&"a".repeat(41), 40).is_some());
        assert_eq!(tunnel_count_problem(4), None);
        assert_eq!(tunnel_count_problem(2), None);
        assert!(tunnel_count_problem(3).is_some());
    }
}
