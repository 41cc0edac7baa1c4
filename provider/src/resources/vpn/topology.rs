//! Which interface of each side every tunnel uses, which inside /30 it gets and which address of
//! it each side speaks BGP from. Pure and known at plan time.
//!
//! - An AWS VPN connection carries two tunnels to one customer gateway (one peer address), so
//!   tunnels 2c and 2c+1 belong to AWS connection c, towards the peer's interface c; every AWS
//!   tunnel has its own outside address, so on AWS "interface" i is tunnel i.
//! - GCP HA VPN and Azure active-active gateways have two interfaces each; four tunnels cross them
//!   (0↔0, 0↔1, 1↔0, 1↔1), two tunnels use 0↔0 and 1↔1.
//! - AWS speaks BGP from the first host of the /30 and expects the peer on the second; between
//!   GCP and Azure, side a takes the first host.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::rules::{self, Cloud};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TunnelLayout {
    pub index: usize,
    pub a_interface: usize,
    pub b_interface: usize,
    pub inside_cidr: Ipv4Net,
    pub a_bgp_ip: Ipv4Addr,
    pub b_bgp_ip: Ipv4Addr,
}

/// Interfaces (a, b) of tunnel `i` of `n` between clouds `a` and `b`.
pub fn interfaces(a: Cloud, b: Cloud, n: usize, i: usize) -> (usize, usize) {
    let side = |own: Cloud, other: Cloud, own_is_a: bool| -> usize {
        match (own, other) {
            (Cloud::Aws, _) => i,
            (_, Cloud::Aws) => i / 2,
            _ if n == 4 => {
                if own_is_a {
                    i / 2
                } else {
                    i % 2
                }
            }
            _ => i,
        }
    };
    (side(a, b, true), side(b, a, false))
}

/// The two usable hosts of a /30.
fn hosts(net: Ipv4Net) -> (Ipv4Addr, Ipv4Addr) {
    let base = u32::from(net.network());
    (Ipv4Addr::from(base + 1), Ipv4Addr::from(base + 2))
}

pub fn layout(a: Cloud, b: Cloud, cidrs: &[Ipv4Net]) -> Vec<TunnelLayout> {
    let n = cidrs.len();
    cidrs
        .iter()
        .enumerate()
        .map(|(i, net)| {
            let (a_interface, b_interface) = interfaces(a, b, n, i);
            let (first, second) = hosts(*net);
            let (a_bgp_ip, b_bgp_ip) = if b == Cloud::Aws {
                (second, first)
            } else {
                (first, second)
            };
            TunnelLayout {
                index: i,
                a_interface,
                b_interface,
                inside_cidr: *net,
                a_bgp_ip,
                b_bgp_ip,
            }
        })
        .collect()
}

/// The /30s this pair may use, in address order.
fn pool(a: Cloud, b: Cloud) -> Vec<Ipv4Net> {
    let (start, end): (u32, u32) = if [a, b].contains(&Cloud::Azure) {
        (
            u32::from(Ipv4Addr::new(169, 254, 21, 0)),
            u32::from(Ipv4Addr::new(169, 254, 22, 252)),
        )
    } else {
        (
            u32::from(Ipv4Addr::new(169, 254, 0, 0)),
            u32::from(Ipv4Addr::new(169, 254, 255, 252)),
        )
    };
    (start..=end)
        .step_by(4)
        .filter_map(|s| Ipv4Net::new(Ipv4Addr::from(s), 30).ok())
        .filter(|net| rules::inside_cidr_problem(&net.to_string(), a, b).is_none())
        .collect()
}

/// Whether two networks share an address (one then contains the other).
pub fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(b) || b.contains(a)
}

/// FNV-1a: stable across releases and platforms, unlike std's hasher.
fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `n` consecutive valid /30s starting at a place derived from the connection's name, so that
/// connections sharing a gateway under different names rarely collide, and the same name always
/// plans the same CIDRs. (A collision is caught by the cloud at apply; `inside_cidrs` overrides.)
pub fn allocate(name: &str, a: Cloud, b: Cloud, n: usize) -> Vec<Ipv4Net> {
    allocate_avoiding(name, a, b, n, &[]).unwrap_or_default()
}

/// Like [`allocate`], but skipping every group that overlaps `taken` (what other connections
/// already use on either gateway): the group the name picks if it is free, else the next free
/// one, wrapping around. None when no group of `n` is free.
pub fn allocate_avoiding(
    name: &str,
    a: Cloud,
    b: Cloud,
    n: usize,
    taken: &[Ipv4Net],
) -> Option<Vec<Ipv4Net>> {
    let pool = pool(a, b);
    // Whole groups of n, so two names never half-overlap.
    let groups = pool.len() / n.max(1);
    if groups == 0 {
        return None;
    }
    let start = (stable_hash(name) % groups as u64) as usize;
    (0..groups)
        .map(|k| (start + k) % groups)
        .map(|g| &pool[g * n..g * n + n])
        .find(|group| {
            !group
                .iter()
                .any(|net| taken.iter().any(|t| overlaps(t, net)))
        })
        .map(<[Ipv4Net]>::to_vec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Cloud::*;

    #[test]
    fn aws_pairs_use_two_tunnels_per_peer_interface() {
        let v: Vec<_> = (0..4).map(|i| interfaces(Aws, Gcp, 4, i)).collect();
        assert_eq!(v, [(0, 0), (1, 0), (2, 1), (3, 1)]);
        let v: Vec<_> = (0..4).map(|i| interfaces(Azure, Aws, 4, i)).collect();
        assert_eq!(v, [(0, 0), (0, 1), (1, 2), (1, 3)]);
        let v: Vec<_> = (0..2).map(|i| interfaces(Aws, Azure, 2, i)).collect();
        assert_eq!(v, [(0, 0), (1, 0)]);
    }

    #[test]
    fn two_ha_gateways_cross_all_interfaces() {
        let v: Vec<_> = (0..4).map(|i| interfaces(Gcp, Azure, 4, i)).collect();
        assert_eq!(v, [(0, 0), (0, 1), (1, 0), (1, 1)]);
        let v: Vec<_> = (0..2).map(|i| interfaces(Gcp, Azure, 2, i)).collect();
        assert_eq!(v, [(0, 0), (1, 1)]);
    }

    #[test]
    fn aws_speaks_from_the_first_host() {
        let net: Ipv4Net = "169.254.21.0/30".parse().unwrap();
        let l = layout(Gcp, Aws, &[net]);
        assert_eq!(l[0].b_bgp_ip, Ipv4Addr::new(169, 254, 21, 1));
        assert_eq!(l[0].a_bgp_ip, Ipv4Addr::new(169, 254, 21, 2));
        let l = layout(Aws, Gcp, &[net]);
        assert_eq!(l[0].a_bgp_ip, Ipv4Addr::new(169, 254, 21, 1));
    }

    #[test]
    fn allocation_is_stable_valid_and_spread() {
        for (a, b) in [(Aws, Gcp), (Aws, Azure), (Gcp, Azure)] {
            for name in ["prod", "staging", "x", "aws-to-gcp"] {
                let c = allocate(name, a, b, 4);
                assert_eq!(c, allocate(name, a, b, 4));
                let strs: Vec<String> = c.iter().map(|n| n.to_string()).collect();
                assert!(
                    rules::inside_cidrs_problems(&strs, 4, a, b).is_empty(),
                    "{strs:?}"
                );
            }
        }
        assert_ne!(
            allocate("prod", Aws, Gcp, 4),
            allocate("staging", Aws, Gcp, 4)
        );
    }

    #[test]
    fn allocation_steps_around_what_others_use() {
        for (a, b) in [(Aws, Gcp), (Aws, Azure), (Gcp, Azure)] {
            let first = allocate("prod", a, b, 4);
            // Another connection holds one /30 of the name's group: the next free group is taken.
            let next = allocate_avoiding("prod", a, b, 4, &first[2..3]).unwrap();
            assert!(next.iter().all(|n| !first.contains(n)), "{next:?}");
            assert_eq!(next.len(), 4);
            // Nothing in the way: the same group as without a lookup.
            let unrelated: Ipv4Net = "10.0.0.0/30".parse().unwrap();
            assert_eq!(
                allocate_avoiding("prod", a, b, 4, &[unrelated]).unwrap(),
                first
            );
        }
        // Azure's APIPA range holds 128 /30s: 32 groups of four. When all are used, None.
        let all: Vec<Ipv4Net> = vec![
            "169.254.21.0/24".parse().unwrap(),
            "169.254.22.0/24".parse().unwrap(),
        ];
        assert_eq!(allocate_avoiding("prod", Gcp, Azure, 4, &all), None);
        let wide: Ipv4Net = "169.254.21.0/24".parse().unwrap();
        let left = allocate_avoiding("prod", Gcp, Azure, 4, &[wide]).unwrap();
        assert!(left.iter().all(|n| !wide.contains(n)));
    }
}
