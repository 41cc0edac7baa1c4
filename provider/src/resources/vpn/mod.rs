//! Cross-cloud site-to-site VPN: `multicloud_vpn_gateway` (one site per cloud) and
//! `multicloud_vpn_connection` (everything between two sites).
//!
//! `rules` and `topology` decide at plan time (pure); `aws_site`, `gcp_site` and `azure_site`
//! build, observe and remove each cloud's half, each as a `site::VpnSite` that the resources reach
//! through `site::site(cloud)`; `batch` shares describe calls across concurrent reads.

mod aws_site;
mod azure_site;
mod batch;
mod clients;
pub mod connection;
mod connection_import;
mod connection_model;
pub mod function;
pub mod gateway;
mod gateway_model;
mod gcp_site;
pub mod list;
pub mod rules;
mod side;
mod site;
mod timeouts;
pub mod topology;
