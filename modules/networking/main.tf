# The whole platform's address plan, the same as every environment's, so ranges agree everywhere.
data "multicloud_cidr_plan" "this" {
  base_cidr = var.base_cidr
  reserved  = var.reserved
  clusters  = var.clusters
}

# A site's position is its cluster's place in var.clusters, which only grows at the end (as the
# address plan requires): it numbers default ASNs and inside addresses, so adding a site moves nothing.
locals {
  cluster_names = [for c in var.clusters : c.name]
  position      = { for n in keys(var.sites) : n => try(index(local.cluster_names, n), -1) }
  site_names    = [for n in local.cluster_names : n if contains(keys(var.sites), n)]
  cloud         = { for n, s in var.sites : n => s.aws != null ? "aws" : s.gcp != null ? "gcp" : "azure" }
  asn           = { for n, s in var.sites : n => coalesce(try(s.aws.amazon_side_asn, null), try(s.gcp.asn, null), try(s.azure.asn, null), 64512 + max(local.position[n], 0)) }
  placed_asns   = [for n in keys(var.sites) : local.asn[n] if local.position[n] >= 0]
}

# Pairs of sites, the one earlier in var.clusters as `a`, so that a pair keeps its key, sides and
# addresses in either topology. Sites in one cloud are never paired: the provider joins two clouds.
locals {
  hub_position = try(local.position[var.hub], -1)
  mesh_pairs   = flatten([for i, a in local.site_names : [for b in slice(local.site_names, i + 1, length(local.site_names)) : { a = a, b = b }]])
  hub_pairs = [for n in local.site_names : {
    a = local.position[n] < local.hub_position ? n : var.hub
    b = local.position[n] < local.hub_position ? var.hub : n
  } if n != var.hub && local.hub_position >= 0]
  topology_pairs = var.topology == "hub-and-spoke" ? local.hub_pairs : local.mesh_pairs
  pairs          = [for p in local.topology_pairs : p if local.cloud[p.a] != local.cloud[p.b]]
}

# Each connection's tunnels take consecutive /30s from first_slot on: pair (i, j) of positions i < j is
# number j(j-1)/2 + i, unique and unchanged when positions are added, so no two connections overlap.
locals {
  connections = { for p in local.pairs : "${p.a}-${p.b}" => {
    a          = p.a
    b          = p.b
    name       = "${var.name}-${p.a}-${p.b}"
    first_slot = (local.position[p.b] * (local.position[p.b] - 1) / 2 + local.position[p.a]) * var.tunnel_count
  } }
}

# One resource per cloud, so that each site block is static.
resource "multicloud_vpn_gateway" "aws" {
  for_each = { for n, s in var.sites : n => s.aws if s.aws != null }
  name     = "${var.name}-${each.key}"

  aws {
    region          = each.value.region
    vpc_id          = each.value.vpc_id
    amazon_side_asn = local.asn[each.key]
  }

  lifecycle {
    precondition {
      condition     = local.position[each.key] >= 0
      error_message = "Site ${each.key} is not one of var.clusters: a site is a cluster's network, numbered by its position there."
    }

    precondition {
      condition     = var.topology != "hub-and-spoke" || local.hub_position >= 0
      error_message = "topology hub-and-spoke needs hub to name one of the sites."
    }

    precondition {
      condition     = length(distinct(local.placed_asns)) == length(local.placed_asns)
      error_message = "Two sites share an ASN; give each site its own (BGP between them needs two, and a hub must not see its own)."
    }
  }
}

resource "multicloud_vpn_gateway" "gcp" {
  for_each = { for n, s in var.sites : n => s.gcp if s.gcp != null }
  name     = "${var.name}-${each.key}"

  gcp {
    project = each.value.project
    region  = each.value.region
    network = each.value.network
    asn     = local.asn[each.key]
  }

  lifecycle {
    precondition {
      condition     = local.position[each.key] >= 0
      error_message = "Site ${each.key} is not one of var.clusters: a site is a cluster's network, numbered by its position there."
    }

    precondition {
      condition     = var.topology != "hub-and-spoke" || local.hub_position >= 0
      error_message = "topology hub-and-spoke needs hub to name one of the sites."
    }

    precondition {
      condition     = length(distinct(local.placed_asns)) == length(local.placed_asns)
      error_message = "Two sites share an ASN; give each site its own (BGP between them needs two, and a hub must not see its own)."
    }
  }
}

resource "multicloud_vpn_gateway" "azure" {
  for_each = { for n, s in var.sites : n => s.azure if s.azure != null }
  name     = "${var.name}-${each.key}"

  azure {
    subscription_id   = each.value.subscription_id
    resource_group    = each.value.resource_group
    location          = each.value.location
    gateway_subnet_id = each.value.gateway_subnet_id
    asn               = local.asn[each.key]
    sku               = each.value.sku
  }

  lifecycle {
    precondition {
      condition     = local.position[each.key] >= 0
      error_message = "Site ${each.key} is not one of var.clusters: a site is a cluster's network, numbered by its position there."
    }

    precondition {
      condition     = var.topology != "hub-and-spoke" || local.hub_position >= 0
      error_message = "topology hub-and-spoke needs hub to name one of the sites."
    }

    precondition {
      condition     = length(distinct(local.placed_asns)) == length(local.placed_asns)
      error_message = "Two sites share an ASN; give each site its own (BGP between them needs two, and a hub must not see its own)."
    }
  }
}

# Every gateway by site, whatever its cloud: what connections take as a and b.
locals {
  gateways = merge(multicloud_vpn_gateway.aws, multicloud_vpn_gateway.gcp, multicloud_vpn_gateway.azure)
}

# Keys: the provider generates a distinct one per tunnel (nothing here sets psk).
resource "multicloud_vpn_connection" "this" {
  for_each     = local.connections
  name         = each.value.name
  a            = local.gateways[each.value.a]
  b            = local.gateways[each.value.b]
  tunnel_count = var.tunnel_count
  ike_version  = var.ike_version
  inside_cidrs = [for t in range(var.tunnel_count) : format("%s/30", cidrhost("169.254.0.0/16", 5376 + 4 * (each.value.first_slot + t)))]

  lifecycle {
    precondition {
      condition     = each.value.first_slot + var.tunnel_count <= 128
      error_message = "Connection ${each.key} falls outside the inside-address pool 169.254.21.0-169.254.22.255 (128 tunnels numbered by cluster position): use tunnel_count = 2 or fewer sites."
    }

    precondition {
      condition     = length(each.value.name) <= 40
      error_message = "Connection name ${each.value.name} is longer than 40 characters: shorten var.name or the cluster names."
    }
  }
}
