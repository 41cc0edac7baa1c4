//! `[links]`: the networking between the clouds. Every site (a cluster's network) gets one VPN
//! gateway, and the topology decides which pairs of sites in different clouds get a connection.
//! The checks mirror what `modules/networking` and the provider would refuse later, so that a bad
//! description fails at generation, naming its field.

use std::collections::BTreeSet;

use serde::Deserialize;

use super::{Cluster, Platform};
use crate::modules::networking;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Links {
    /// `full-mesh` or `hub-and-spoke` (checked in [`Links::problems`], so that the error names the
    /// field like every other one).
    pub topology: String,
    /// Hub-and-spoke: the site every other site connects to.
    pub hub: Option<String>,
    /// Clusters whose networks join; default every cluster.
    pub sites: Option<Vec<String>>,
    /// Tunnels per connection: 4 (both interfaces of both sides) or 2.
    #[serde(default = "default_tunnels")]
    pub tunnel_count: i64,
}

fn default_tunnels() -> i64 {
    4
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topology {
    FullMesh,
    HubAndSpoke,
}

impl Topology {
    pub const NAMES: [&'static str; 2] = ["full-mesh", "hub-and-spoke"];

    pub fn parse(s: &str) -> Option<Topology> {
        match s {
            "full-mesh" => Some(Topology::FullMesh),
            "hub-and-spoke" => Some(Topology::HubAndSpoke),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Topology::FullMesh => "full-mesh",
            Topology::HubAndSpoke => "hub-and-spoke",
        }
    }
}

impl Links {
    /// The topology; a description that passed [`Platform::parse`] always has a known one.
    pub fn kind(&self) -> Topology {
        Topology::parse(&self.topology).unwrap_or(Topology::FullMesh)
    }

    /// The site clusters in `[[clusters]]` order (the order that numbers ASNs and inside addresses).
    pub fn sites<'a>(&self, p: &'a Platform) -> Vec<&'a Cluster> {
        p.clusters
            .iter()
            .filter(|c| self.sites.as_ref().is_none_or(|s| s.contains(&c.name)))
            .collect()
    }

    /// The connections `modules/networking` makes, as (a, b) with `a` earlier in `[[clusters]]`:
    /// the same rule as the module's HCL, so the README and the checks agree with it.
    pub fn connections<'a>(&self, p: &'a Platform) -> Vec<(&'a Cluster, &'a Cluster)> {
        let sites = self.sites(p);
        let position = |c: &Cluster| p.clusters.iter().position(|x| x.name == c.name);
        let mut pairs = Vec::new();
        match self.kind() {
            Topology::FullMesh => {
                for (i, a) in sites.iter().enumerate() {
                    for b in &sites[i + 1..] {
                        pairs.push((*a, *b));
                    }
                }
            }
            Topology::HubAndSpoke => {
                let Some(hub) = sites.iter().find(|c| Some(&c.name) == self.hub.as_ref()) else {
                    return Vec::new();
                };
                for s in sites.iter().filter(|s| s.name != hub.name) {
                    pairs.push(if position(s) < position(hub) {
                        (*s, *hub)
                    } else {
                        (*hub, *s)
                    });
                }
            }
        }
        pairs.retain(|(a, b)| a.cloud != b.cloud);
        pairs
    }

    pub(super) fn problems(&self, p: &Platform) -> Vec<String> {
        let mut e = Vec::new();
        let topology = Topology::parse(&self.topology);
        if topology.is_none() {
            e.push(format!(
                "links.topology: {:?} must be \"full-mesh\" or \"hub-and-spoke\"",
                self.topology
            ));
        }
        if let Some(names) = &self.sites {
            let mut seen = BTreeSet::new();
            for (i, n) in names.iter().enumerate() {
                if p.cluster(n).is_none() {
                    e.push(format!("links.sites[{i}]: no cluster is named {n:?}"));
                }
                if !seen.insert(n) {
                    e.push(format!("links.sites[{i}]: {n:?} is listed twice"));
                }
            }
        }
        let sites = self.sites(p);
        let clouds: BTreeSet<_> = sites.iter().map(|c| c.cloud).collect();
        if clouds.len() < 2 {
            e.push(format!(
                "links.sites: the sites ({}) must be in at least two clouds: a VPN connection joins networks in different clouds",
                names(&sites)
            ));
        }
        match (topology, &self.hub) {
            (Some(Topology::HubAndSpoke), None) => e.push(
                "links.hub: topology \"hub-and-spoke\" needs a hub: the site every other site connects to".into(),
            ),
            (Some(Topology::FullMesh), Some(_)) => e.push(
                "links.hub: only topology \"hub-and-spoke\" has a hub; remove it or change the topology".into(),
            ),
            (Some(Topology::HubAndSpoke), Some(hub)) => match sites.iter().find(|c| &c.name == hub) {
                None => e.push(format!("links.hub: {hub:?} is not one of the sites ({})", names(&sites))),
                Some(h) => {
                    // The provider refuses a connection inside one cloud, so such a spoke would be cut off.
                    for s in sites.iter().filter(|s| s.cloud == h.cloud && s.name != h.name) {
                        e.push(format!(
                            "links.hub: site {:?} is on {} like the hub {hub:?}, so it could not connect to it (a VPN connection joins two clouds); choose another hub or leave {:?} out of links.sites",
                            s.name,
                            s.cloud.as_str(),
                            s.name
                        ));
                    }
                }
            },
            _ => {}
        }
        if !matches!(self.tunnel_count, 2 | 4) {
            e.push(format!(
                "links.tunnel_count: {} must be 4 (high availability) or 2",
                self.tunnel_count
            ));
        }
        if !e.is_empty() {
            return e;
        }
        for s in &sites {
            let name = networking::gateway_name(&p.name, &s.name);
            if name.len() > networking::NAME_MAX {
                e.push(format!(
                    "links.sites: gateway name {name:?} of cluster {:?} is {} characters, over the {} the provider allows; shorten `name` or the cluster's name",
                    s.name,
                    name.len(),
                    networking::NAME_MAX
                ));
            }
        }
        let tunnels = self.tunnel_count as usize;
        for (a, b) in self.connections(p) {
            let name = networking::connection_name(&p.name, &a.name, &b.name);
            if name.len() > networking::NAME_MAX {
                e.push(format!(
                    "links: connection name {name:?} is {} characters, over the {} the provider allows; shorten `name` or the cluster names",
                    name.len(),
                    networking::NAME_MAX
                ));
            }
            let position = |c: &Cluster| p.clusters.iter().position(|x| x.name == c.name);
            if let (Some(i), Some(j)) = (position(a), position(b))
                && networking::first_inside_slot(i, j, tunnels) + tunnels
                    > networking::INSIDE_POOL_SLOTS
            {
                e.push(format!(
                    "links: the connection {:?}–{:?} (clusters {i} and {j} of [[clusters]]) falls outside the inside-address pool 169.254.21.0–169.254.22.255, which holds {} tunnels numbered by cluster position; use tunnel_count = 2 or fewer links.sites",
                    a.name,
                    b.name,
                    networking::INSIDE_POOL_SLOTS
                ));
            }
        }
        e
    }
}

fn names(sites: &[&Cluster]) -> String {
    if sites.is_empty() {
        return "none".into();
    }
    sites
        .iter()
        .map(|c| format!("{} on {}", c.name, c.cloud.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::super::tests::{THREE, errors};
    use super::*;

    fn parse(links: &str) -> Platform {
        Platform::parse(&format!("{THREE}[links]\n{links}"), "platform.toml").unwrap()
    }

    fn pairs(p: &Platform) -> Vec<String> {
        let l = p.links.as_ref().unwrap();
        l.connections(p)
            .iter()
            .map(|(a, b)| format!("{}-{}", a.name, b.name))
            .collect()
    }

    #[test]
    fn full_mesh_joins_every_pair_earlier_cluster_first() {
        let p = parse("topology = \"full-mesh\"\n");
        assert_eq!(
            pairs(&p),
            ["eks-use1-gke-euw1", "eks-use1-aks-weu", "gke-euw1-aks-weu"]
        );
    }

    #[test]
    fn hub_and_spoke_keeps_the_mesh_keys_of_its_pairs() {
        // aks-weu is the last cluster, so it is `b` of both its connections, as in the full mesh.
        let p = parse("topology = \"hub-and-spoke\"\nhub = \"aks-weu\"\n");
        assert_eq!(pairs(&p), ["eks-use1-aks-weu", "gke-euw1-aks-weu"]);
    }

    #[test]
    fn sites_narrow_the_gateways() {
        let p = parse("topology = \"full-mesh\"\nsites = [\"aks-weu\", \"eks-use1\"]\n");
        let sites: Vec<&str> = p.vpn_sites().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(sites, ["eks-use1", "aks-weu"], "in [[clusters]] order");
        assert_eq!(pairs(&p), ["eks-use1-aks-weu"]);
    }

    #[test]
    fn bad_links_name_their_field() {
        let base = format!("{THREE}[links]\n");
        for (links, want) in [
            ("topology = \"ring\"\n", "links.topology: \"ring\" must be"),
            (
                "topology = \"hub-and-spoke\"\n",
                "links.hub: topology \"hub-and-spoke\" needs a hub",
            ),
            (
                "topology = \"full-mesh\"\nhub = \"aks-weu\"\n",
                "links.hub: only topology",
            ),
            (
                "topology = \"hub-and-spoke\"\nhub = \"nope\"\n",
                "links.hub: \"nope\" is not one of the sites",
            ),
            (
                "topology = \"full-mesh\"\nsites = [\"aks-weu\", \"aks-weu\"]\n",
                "links.sites[1]: \"aks-weu\" is listed twice",
            ),
            (
                "topology = \"full-mesh\"\nsites = [\"eks-use1\"]\n",
                "links.sites: the sites (eks-use1 on aws) must be in at least two clouds",
            ),
            (
                "topology = \"full-mesh\"\ntunnel_count = 3\n",
                "links.tunnel_count: 3 must be 4",
            ),
        ] {
            let all = errors(&format!("{base}{links}"));
            assert!(
                all.contains(&format!("platform.toml: {want}")),
                "{want:?} missing in:\n{all}"
            );
        }
    }

    #[test]
    fn a_spoke_in_the_hub_cloud_is_refused() {
        let text = format!(
            "{THREE}[[clusters]]\nname = \"eks-usw2\"\ncloud = \"aws\"\nregion = \"us-west-2\"\nzones = [\"us-west-2a\", \"us-west-2b\"]\n[links]\ntopology = \"hub-and-spoke\"\nhub = \"eks-use1\"\n"
        );
        assert!(errors(&text).contains("links.hub: site \"eks-usw2\" is on aws like the hub"));
    }

    #[test]
    fn long_names_and_a_full_address_pool_are_refused() {
        let long = THREE.replace("name = \"acme\"", "name = \"acme-platform-production\"");
        let all = errors(&format!("{long}[links]\ntopology = \"full-mesh\"\n"));
        assert!(
            all.contains("links: connection name \"acme-platform-production-eks-use1-gke-euw1\" is 42 characters"),
            "{all}"
        );
        // Seven more GCP clusters: the last one (position 9) paired with eks-use1 (position 0) is
        // pair 9*8/2 + 0 = 36, whose 4 tunnels start at /30 number 144, past the pool's 128.
        let mut many = THREE.to_string();
        for i in 0..7 {
            many.push_str(&format!(
                "[[clusters]]\nname = \"gke-x{i}\"\ncloud = \"gcp\"\nregion = \"europe-west1\"\n"
            ));
        }
        let all = errors(&format!("{many}[links]\ntopology = \"full-mesh\"\n"));
        assert!(
            all.contains("falls outside the inside-address pool"),
            "{all}"
        );
        let two = format!("{many}[links]\ntopology = \"full-mesh\"\ntunnel_count = 2\n");
        assert!(Platform::parse(&two, "platform.toml").is_ok());
    }
}
