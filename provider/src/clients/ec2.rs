//! EC2 client for site-to-site VPN: virtual private gateways (create, attach, detach, delete),
//! transit gateways (read only), customer gateways and VPN connections with tunnel options.
//!
//! Thin on purpose: it converts SDK types to this crate's, classifies errors and waits for states;
//! resources decide what to build. Throttling and 5xx are retried by the SDK's standard strategy
//! (jittered exponential backoff). EC2 has no idempotency token for these creates, so every object
//! is tagged with `multicloud:piece`, a name unique to the piece; after an ambiguous failure a
//! caller finds what it already made with [`Ec2::find_customer_gateway`] /
//! [`Ec2::find_vpn_connection`] instead of creating a twin. The SDK's own retry of a create whose
//! answer was lost can still make one; each create deletes such twins before it returns.
//!
//! Tunnel details come from the structured `Options.TunnelOptions` when the API fills them (AWS
//! does) and else from the `CustomerGatewayConfiguration` document (all moto returns); see
//! [`super::tunnel_config`]. Pre-shared keys never reach a log line, an error or `Debug`.

use std::fmt;
use std::time::{Duration, Instant};

use aws_sdk_ec2::Client;
use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::{
    Filter, GatewayType, IkeVersionsRequestListValue, ResourceType, Tag, TagSpecification,
    VpnConnectionOptionsSpecification, VpnTunnelOptionsSpecification,
};
use tokio_util::sync::CancellationToken;

use super::aws_sdk;
use super::tunnel_config;
use crate::config::AwsSettings;

/// The kinds of object a create may have made twice ([`Ec2::remove_twins`]).
#[derive(Clone, Copy, Debug)]
enum Twin {
    VpnGateway,
    CustomerGateway,
    VpnConnection,
}

/// The tag that names each piece this provider creates.
pub const PIECE_TAG: &str = "multicloud:piece";
const FIRST_POLL: Duration = Duration::from_millis(250);
const LONGEST_POLL: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ec2Error {
    pub code: Option<String>,
    pub message: String,
}

impl fmt::Display for Ec2Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(c) => write!(f, "{} ({c})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl Ec2Error {
    fn new(code: Option<&str>, message: impl Into<String>) -> Ec2Error {
        Ec2Error {
            code: code.map(str::to_owned),
            message: message.into(),
        }
    }

    /// `Invalid…ID.NotFound` and friends: the object does not exist (any more).
    pub fn is_not_found(&self) -> bool {
        self.code
            .as_deref()
            .is_some_and(|c| c.ends_with(".NotFound"))
    }
}

fn sdk_error<E, R>(err: SdkError<E, R>) -> Ec2Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match err.as_service_error() {
        Some(e) => Ec2Error::new(e.code(), e.message().unwrap_or("EC2 refused the request")),
        None => Ec2Error::new(None, DisplayErrorContext(&err).to_string()),
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VpnGateway {
    pub id: String,
    /// pending | available | deleting | deleted
    pub state: String,
    pub asn: Option<u32>,
    /// The VPC it is attached to (attaching or attached).
    pub vpc_id: Option<String>,
    /// See [`gateway_name`].
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransitGateway {
    pub id: String,
    pub state: String,
    pub asn: Option<u32>,
    /// See [`gateway_name`].
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerGateway {
    pub id: String,
    pub state: String,
    pub ip: String,
    pub asn: Option<u32>,
    pub piece: Option<String>,
}

/// Where a VPN connection terminates on the AWS side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    VpnGateway(String),
    TransitGateway(String),
}

/// What one tunnel of a new VPN connection should use.
#[derive(Clone, PartialEq, Eq)]
pub struct TunnelRequest {
    /// A /30 inside 169.254.0.0/16.
    pub inside_cidr: String,
    pub psk: String,
    /// "ikev1" or "ikev2".
    pub ike_version: String,
}

impl fmt::Debug for TunnelRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TunnelRequest")
            .field("inside_cidr", &self.inside_cidr)
            .field("psk", &"(sensitive)")
            .field("ike_version", &self.ike_version)
            .finish()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tunnel {
    /// AWS's end of the tunnel.
    pub outside_ip: String,
    /// The /30, when the API reports it.
    pub inside_cidr: Option<String>,
    /// UP | DOWN from telemetry; None when the API reports none.
    pub status: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VpnConnection {
    pub id: String,
    /// pending | available | deleting | deleted
    pub state: String,
    pub customer_gateway_id: String,
    pub target: Option<Target>,
    pub tunnels: Vec<Tunnel>,
    pub piece: Option<String>,
}

impl VpnConnection {
    pub fn is_gone(&self) -> bool {
        matches!(self.state.as_str(), "deleting" | "deleted")
    }
}

#[derive(Clone, Debug)]
pub struct Ec2 {
    client: Client,
    region: String,
    cancel: CancellationToken,
    deadline: Duration,
}

fn tags(kind: ResourceType, name: &str, piece: &str) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(kind)
        .tags(Tag::builder().key("Name").value(name).build())
        .tags(Tag::builder().key(PIECE_TAG).value(piece).build())
        .build()
}

/// A describe of one id that does not exist (any more) is `None`, not an error.
fn found<T>(r: Result<T, Ec2Error>) -> Result<Option<T>, Ec2Error> {
    match r {
        Err(e) if e.is_not_found() => Ok(None),
        other => other.map(Some),
    }
}

/// Deleting what is already gone is success.
fn gone_is_fine<T>(r: Result<T, Ec2Error>) -> Result<(), Ec2Error> {
    match r {
        Err(e) if !e.is_not_found() => Err(e),
        _ => Ok(()),
    }
}

fn piece_filter(piece: &str) -> Filter {
    Filter::builder()
        .name(format!("tag:{PIECE_TAG}"))
        .values(piece)
        .build()
}

/// Whether `tags` carry `piece`. The tag filter of a describe call already asks for it, but a
/// filter the server ignores (moto does for customer gateways) must not hand back another piece.
fn has_piece(tags: &[Tag], piece: &str) -> bool {
    piece_of(tags).as_deref() == Some(piece)
}

fn piece_of(tags: &[Tag]) -> Option<String> {
    tags.iter()
        .find(|t| t.key() == Some(PIECE_TAG))
        .and_then(|t| t.value().map(str::to_owned))
}

/// A gateway's name for import: the one a multicloud_vpn_gateway gave it (its piece tag is
/// `gateway/NAME`), else its `Name` tag.
fn gateway_name(tags: &[Tag]) -> Option<String> {
    piece_of(tags)
        .and_then(|p| p.strip_prefix("gateway/").map(str::to_owned))
        .or_else(|| {
            tags.iter()
                .find(|t| t.key() == Some("Name"))
                .and_then(|t| t.value().map(str::to_owned))
        })
}

fn asn_u32(v: Option<i64>) -> Option<u32> {
    v.and_then(|n| u32::try_from(n).ok())
}

impl Ec2 {
    /// A client for `region` (the resource's own, else the provider's, else us-east-1).
    pub async fn connect(
        settings: &AwsSettings,
        region: Option<&str>,
    ) -> Result<Ec2, tfplugin::Diagnostic> {
        let region = match region {
            Some(r) => r,
            None => aws_sdk::region_or(settings, Some("us-east-1"))?.unwrap_or("us-east-1"),
        };
        let config = aws_sdk::load(
            settings,
            region,
            aws_sdk::Service {
                endpoint_attr: "aws.ec2_endpoint",
                endpoint_env: &["AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL"],
            },
        )
        .await?;
        Ok(Ec2 {
            client: Client::new(&config),
            region: region.to_string(),
            cancel: CancellationToken::new(),
            deadline: Duration::from_secs(30 * 60),
        })
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// Waits stop early when `cancel` fires (Terraform's StopProvider).
    pub fn with_cancel(mut self, cancel: CancellationToken) -> Ec2 {
        self.cancel = cancel;
        self
    }

    /// How long a single wait for a state may take.
    pub fn with_deadline(mut self, d: Duration) -> Ec2 {
        self.deadline = d;
        self
    }

    /// Sleeps between polls of `what`; Err when the deadline passed or Terraform cancelled.
    async fn pause(
        &self,
        what: &str,
        started: Instant,
        delay: &mut Duration,
    ) -> Result<(), Ec2Error> {
        if started.elapsed() > self.deadline {
            return Err(Ec2Error::new(
                Some("Timeout"),
                format!(
                    "{what} did not finish within {} s (raise the resource's timeouts)",
                    self.deadline.as_secs()
                ),
            ));
        }
        if started.elapsed() > Duration::from_secs(10) {
            tracing::info!(
                elapsed_s = started.elapsed().as_secs(),
                "still waiting: {what}"
            );
        }
        tokio::select! {
            _ = self.cancel.cancelled() => Err(Ec2Error::new(Some("Cancelled"), format!("cancelled while waiting: {what}"))),
            _ = tokio::time::sleep(*delay) => {
                *delay = (*delay * 2).min(LONGEST_POLL);
                Ok(())
            }
        }
    }

    /// Deletes every other live object of `kind` tagged `piece` than `keep`, which a create just
    /// returned. These creates take no idempotency token, and the SDK sends one again after a
    /// lost answer (a timed-out attempt, a reset connection, a 5xx after the work was done), so
    /// a create that succeeded may have made twins; all carry the piece tag, only `keep` reaches
    /// Terraform's state, and the others would be orphans (tests/e2e/fault_storm.rs injects
    /// exactly that). Best effort: a failure here is logged, and a later create of the piece
    /// takes the survivor back by its tag.
    async fn remove_twins(&self, kind: Twin, piece: &str, keep: &str) {
        let live = |state: Option<&str>| !matches!(state, Some("deleted" | "deleting"));
        let twins: Result<Vec<String>, Ec2Error> = match kind {
            Twin::VpnGateway => self
                .client
                .describe_vpn_gateways()
                .filters(piece_filter(piece))
                .send()
                .await
                .map_err(sdk_error)
                .map(|out| {
                    out.vpn_gateways()
                        .iter()
                        .filter(|g| {
                            has_piece(g.tags(), piece) && live(g.state().map(|s| s.as_str()))
                        })
                        .filter_map(|g| g.vpn_gateway_id().map(str::to_owned))
                        .collect()
                }),
            Twin::CustomerGateway => self
                .client
                .describe_customer_gateways()
                .filters(piece_filter(piece))
                .send()
                .await
                .map_err(sdk_error)
                .map(|out| {
                    out.customer_gateways()
                        .iter()
                        .filter(|g| has_piece(g.tags(), piece) && live(g.state()))
                        .filter_map(|g| g.customer_gateway_id().map(str::to_owned))
                        .collect()
                }),
            Twin::VpnConnection => self
                .client
                .describe_vpn_connections()
                .filters(piece_filter(piece))
                .send()
                .await
                .map_err(sdk_error)
                .map(|out| {
                    out.vpn_connections()
                        .iter()
                        .filter(|c| {
                            has_piece(c.tags(), piece) && live(c.state().map(|s| s.as_str()))
                        })
                        .filter_map(|c| c.vpn_connection_id().map(str::to_owned))
                        .collect()
                }),
        };
        let twins = match twins {
            Ok(ids) => ids.into_iter().filter(|id| id != keep),
            Err(e) => {
                tracing::warn!(piece, error = %e, "cannot look for twins of a new object");
                return;
            }
        };
        for id in twins {
            tracing::info!(piece, id, keep, "deleting a twin made by a retried create");
            let removed = match kind {
                Twin::VpnGateway => self.delete_vpn_gateway(&id).await,
                Twin::CustomerGateway => self.delete_customer_gateway(&id).await,
                Twin::VpnConnection => self.delete_vpn_connection(&id).await,
            };
            if let Err(e) = removed {
                tracing::warn!(piece, id, error = %e, "cannot delete a twin of a new object");
            }
        }
    }

    // --- virtual private gateways ------------------------------------------------------------

    /// Creates a VGW and waits until it is available.
    pub async fn create_vpn_gateway(
        &self,
        amazon_side_asn: u32,
        name: &str,
        piece: &str,
    ) -> Result<VpnGateway, Ec2Error> {
        tracing::debug!(operation = "CreateVpnGateway", name, "ec2 call");
        let out = self
            .client
            .create_vpn_gateway()
            .r#type(GatewayType::Ipsec1)
            .amazon_side_asn(i64::from(amazon_side_asn))
            .tag_specifications(tags(ResourceType::VpnGateway, name, piece))
            .send()
            .await
            .map_err(sdk_error)?;
        let id = out
            .vpn_gateway()
            .and_then(|g| g.vpn_gateway_id())
            .ok_or_else(|| Ec2Error::new(None, "CreateVpnGateway returned no id"))?
            .to_string();
        self.remove_twins(Twin::VpnGateway, piece, &id).await;
        self.wait_vpn_gateway(&id, |g| g.state == "available").await
    }

    async fn wait_vpn_gateway(
        &self,
        id: &str,
        done: impl Fn(&VpnGateway) -> bool,
    ) -> Result<VpnGateway, Ec2Error> {
        let started = Instant::now();
        let mut delay = FIRST_POLL;
        loop {
            match self.get_vpn_gateway(id).await? {
                Some(g) if done(&g) => return Ok(g),
                Some(_) => {}
                None => {
                    return Err(Ec2Error::new(
                        Some("InvalidVpnGatewayID.NotFound"),
                        format!("{id} disappeared while waiting for it"),
                    ));
                }
            }
            self.pause(&format!("VPN gateway {id}"), started, &mut delay)
                .await?;
        }
    }

    /// None when the VGW does not exist or is deleted.
    pub async fn get_vpn_gateway(&self, id: &str) -> Result<Option<VpnGateway>, Ec2Error> {
        tracing::debug!(operation = "DescribeVpnGateways", id, "ec2 call");
        let Some(out) = found(
            self.client
                .describe_vpn_gateways()
                .vpn_gateway_ids(id)
                .send()
                .await
                .map_err(sdk_error),
        )?
        else {
            return Ok(None);
        };
        Ok(out.vpn_gateways().iter().find_map(|g| {
            let state = g
                .state()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default();
            if state == "deleted" {
                return None;
            }
            let vpc_id = g
                .vpc_attachments()
                .iter()
                .find(|a| {
                    matches!(
                        a.state().map(|s| s.as_str()),
                        Some("attaching" | "attached")
                    )
                })
                .and_then(|a| a.vpc_id().map(str::to_owned));
            Some(VpnGateway {
                id: g.vpn_gateway_id().unwrap_or(id).to_string(),
                state,
                asn: asn_u32(g.amazon_side_asn()),
                vpc_id,
                name: gateway_name(g.tags()),
            })
        }))
    }

    /// Every live VGW of the region, whoever made it (for `terraform query`).
    pub async fn list_vpn_gateways(&self) -> Result<Vec<VpnGateway>, Ec2Error> {
        tracing::debug!(
            operation = "DescribeVpnGateways",
            scope = "region",
            "ec2 call"
        );
        let out = self
            .client
            .describe_vpn_gateways()
            .send()
            .await
            .map_err(sdk_error)?;
        let mut found = Vec::new();
        for g in out.vpn_gateways() {
            let live = !matches!(g.state().map(|s| s.as_str()), Some("deleted" | "deleting"));
            if let (true, Some(id)) = (live, g.vpn_gateway_id())
                && let Some(vgw) = self.get_vpn_gateway(id).await?
            {
                found.push(vgw);
            }
        }
        Ok(found)
    }

    /// The live VGW tagged `piece`, if an earlier attempt made one.
    pub async fn find_vpn_gateway(&self, piece: &str) -> Result<Option<VpnGateway>, Ec2Error> {
        tracing::debug!(operation = "DescribeVpnGateways", piece, "ec2 call");
        let out = self
            .client
            .describe_vpn_gateways()
            .filters(piece_filter(piece))
            .send()
            .await
            .map_err(sdk_error)?;
        let live = out
            .vpn_gateways()
            .iter()
            .filter(|g| has_piece(g.tags(), piece))
            .find(|g| !matches!(g.state().map(|s| s.as_str()), Some("deleted" | "deleting")));
        match live.and_then(|g| g.vpn_gateway_id()) {
            Some(id) => self.get_vpn_gateway(id).await,
            None => Ok(None),
        }
    }

    /// Attaches a VGW to a VPC and waits until the attachment is reported.
    pub async fn attach_vpn_gateway(&self, id: &str, vpc_id: &str) -> Result<(), Ec2Error> {
        tracing::debug!(operation = "AttachVpnGateway", id, vpc_id, "ec2 call");
        self.client
            .attach_vpn_gateway()
            .vpn_gateway_id(id)
            .vpc_id(vpc_id)
            .send()
            .await
            .map_err(sdk_error)?;
        self.wait_vpn_gateway(id, |g| g.vpc_id.as_deref() == Some(vpc_id))
            .await
            .map(|_| ())
    }

    /// Detaches (if attached) and deletes a VGW; an already deleted one is fine.
    pub async fn delete_vpn_gateway(&self, id: &str) -> Result<(), Ec2Error> {
        let Some(g) = self.get_vpn_gateway(id).await? else {
            return Ok(());
        };
        if let Some(vpc) = &g.vpc_id {
            tracing::debug!(operation = "DetachVpnGateway", id, vpc, "ec2 call");
            match self
                .client
                .detach_vpn_gateway()
                .vpn_gateway_id(id)
                .vpc_id(vpc)
                .send()
                .await
                .map_err(sdk_error)
            {
                Ok(_) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
            let started = Instant::now();
            let mut delay = FIRST_POLL;
            while let Some(g) = self.get_vpn_gateway(id).await? {
                if g.vpc_id.is_none() {
                    break;
                }
                self.pause(&format!("detaching {id}"), started, &mut delay)
                    .await?;
            }
        }
        tracing::debug!(operation = "DeleteVpnGateway", id, "ec2 call");
        gone_is_fine(
            self.client
                .delete_vpn_gateway()
                .vpn_gateway_id(id)
                .send()
                .await
                .map_err(sdk_error),
        )
    }

    pub async fn get_transit_gateway(&self, id: &str) -> Result<Option<TransitGateway>, Ec2Error> {
        tracing::debug!(operation = "DescribeTransitGateways", id, "ec2 call");
        let Some(out) = found(
            self.client
                .describe_transit_gateways()
                .transit_gateway_ids(id)
                .send()
                .await
                .map_err(sdk_error),
        )?
        else {
            return Ok(None);
        };
        Ok(out.transit_gateways().iter().find_map(|t| {
            let state = t
                .state()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default();
            (state != "deleted").then(|| TransitGateway {
                id: t.transit_gateway_id().unwrap_or(id).to_string(),
                state,
                asn: asn_u32(t.options().and_then(|o| o.amazon_side_asn())),
                name: gateway_name(t.tags()),
            })
        }))
    }

    // --- customer gateways -------------------------------------------------------------------

    pub async fn create_customer_gateway(
        &self,
        ip: &str,
        asn: u32,
        name: &str,
        piece: &str,
    ) -> Result<CustomerGateway, Ec2Error> {
        tracing::debug!(
            operation = "CreateCustomerGateway",
            name,
            ip,
            asn,
            "ec2 call"
        );
        let mut req = self
            .client
            .create_customer_gateway()
            .r#type(GatewayType::Ipsec1)
            .ip_address(ip)
            // AWS answers an identical request (type, address, ASN) with the existing gateway;
            // a device name unique to this piece keeps two connections from sharing one.
            .device_name(piece)
            .tag_specifications(tags(ResourceType::CustomerGateway, name, piece));
        // BgpAsn is a 32-bit signed field; ASNs beyond it go in BgpAsnExtended.
        req = match i32::try_from(asn) {
            Ok(small) => req.bgp_asn(small),
            Err(_) => req.bgp_asn_extended(i64::from(asn)),
        };
        let out = req.send().await.map_err(sdk_error)?;
        let g = out
            .customer_gateway()
            .ok_or_else(|| Ec2Error::new(None, "CreateCustomerGateway returned nothing"))?;
        let g = customer_gateway(g);
        self.remove_twins(Twin::CustomerGateway, piece, &g.id).await;
        Ok(g)
    }

    /// Customer gateways by id in one call; missing or deleted ones are left out.
    pub async fn get_customer_gateways(
        &self,
        ids: &[String],
    ) -> Result<Vec<CustomerGateway>, Ec2Error> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        tracing::debug!(
            operation = "DescribeCustomerGateways",
            count = ids.len(),
            "ec2 call"
        );
        // A filter, not CustomerGatewayIds: an unknown id there fails the whole call.
        let out = self
            .client
            .describe_customer_gateways()
            .filters(
                Filter::builder()
                    .name("customer-gateway-id")
                    .set_values(Some(ids.to_vec()))
                    .build(),
            )
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(out
            .customer_gateways()
            .iter()
            .map(customer_gateway)
            .filter(|g| g.state != "deleted" && g.state != "deleting")
            .collect())
    }

    /// The live customer gateway tagged `piece`, if an earlier attempt made one.
    pub async fn find_customer_gateway(
        &self,
        piece: &str,
    ) -> Result<Option<CustomerGateway>, Ec2Error> {
        tracing::debug!(operation = "DescribeCustomerGateways", piece, "ec2 call");
        let out = self
            .client
            .describe_customer_gateways()
            .filters(piece_filter(piece))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(out
            .customer_gateways()
            .iter()
            .filter(|g| has_piece(g.tags(), piece))
            .map(customer_gateway)
            .find(|g| g.state != "deleted" && g.state != "deleting"))
    }

    pub async fn delete_customer_gateway(&self, id: &str) -> Result<(), Ec2Error> {
        tracing::debug!(operation = "DeleteCustomerGateway", id, "ec2 call");
        gone_is_fine(
            self.client
                .delete_customer_gateway()
                .customer_gateway_id(id)
                .send()
                .await
                .map_err(sdk_error),
        )
    }

    // --- VPN connections ---------------------------------------------------------------------

    /// Creates a dynamically routed (BGP) VPN connection with one option set per tunnel and waits
    /// until AWS reports it available.
    pub async fn create_vpn_connection(
        &self,
        customer_gateway_id: &str,
        target: &Target,
        tunnels: &[TunnelRequest],
        name: &str,
        piece: &str,
    ) -> Result<VpnConnection, Ec2Error> {
        tracing::debug!(
            operation = "CreateVpnConnection",
            name,
            customer_gateway_id,
            ?tunnels,
            "ec2 call"
        );
        let mut options = VpnConnectionOptionsSpecification::builder().static_routes_only(false);
        for t in tunnels {
            options = options.tunnel_options(
                VpnTunnelOptionsSpecification::builder()
                    .tunnel_inside_cidr(&t.inside_cidr)
                    .pre_shared_key(&t.psk)
                    .ike_versions(
                        IkeVersionsRequestListValue::builder()
                            .value(&t.ike_version)
                            .build(),
                    )
                    .build(),
            );
        }
        let mut req = self
            .client
            .create_vpn_connection()
            .r#type("ipsec.1")
            .customer_gateway_id(customer_gateway_id)
            .options(options.build())
            .tag_specifications(tags(ResourceType::VpnConnection, name, piece));
        req = match target {
            Target::VpnGateway(id) => req.vpn_gateway_id(id),
            Target::TransitGateway(id) => req.transit_gateway_id(id),
        };
        let out = req.send().await.map_err(sdk_error)?;
        let id = out
            .vpn_connection()
            .and_then(|c| c.vpn_connection_id())
            .ok_or_else(|| Ec2Error::new(None, "CreateVpnConnection returned no id"))?
            .to_string();
        self.remove_twins(Twin::VpnConnection, piece, &id).await;
        let started = Instant::now();
        let mut delay = FIRST_POLL;
        loop {
            match self
                .get_vpn_connections(std::slice::from_ref(&id))
                .await?
                .pop()
            {
                Some(c) if c.state == "available" => return Ok(c),
                Some(c) if c.is_gone() => {
                    return Err(Ec2Error::new(
                        Some("InvalidVpnConnectionID.NotFound"),
                        format!("{id} was deleted while it was being created"),
                    ));
                }
                _ => {}
            }
            self.pause(&format!("VPN connection {id}"), started, &mut delay)
                .await?;
        }
    }

    /// VPN connections by id in one call (any state but deleted); unknown ids are left out.
    pub async fn get_vpn_connections(
        &self,
        ids: &[String],
    ) -> Result<Vec<VpnConnection>, Ec2Error> {
        match ids {
            [] => Ok(Vec::new()),
            [one] => match self.describe_vpn_connections(ids).await {
                Err(e) if e.is_not_found() => Ok(Vec::new()),
                other => other.map(|mut v| {
                    v.retain(|c| c.id == *one);
                    v
                }),
            },
            // One unknown id fails the whole call (InvalidVpnConnectionID.NotFound): then ask
            // one by one so the others are still reported.
            _ => match self.describe_vpn_connections(ids).await {
                Err(e) if e.is_not_found() => {
                    let mut out = Vec::new();
                    for id in ids {
                        out.extend(
                            Box::pin(self.get_vpn_connections(std::slice::from_ref(id))).await?,
                        );
                    }
                    Ok(out)
                }
                other => other,
            },
        }
    }

    /// The pre-shared key of each tunnel of VPN connection `id`, in the order of its `tunnels`:
    /// from the structured tunnel options when AWS reports them there, else from the
    /// configuration document. For import only; the keys are never logged.
    pub async fn vpn_connection_keys(&self, id: &str) -> Result<Vec<String>, Ec2Error> {
        tracing::debug!(operation = "DescribeVpnConnections", id, "ec2 call (keys)");
        let out = self
            .client
            .describe_vpn_connections()
            .vpn_connection_ids(id)
            .send()
            .await
            .map_err(sdk_error)?;
        let c = out
            .vpn_connections()
            .first()
            .ok_or_else(|| Ec2Error::new(None, format!("{id}: not found")))?;
        let from_options: Vec<String> = c
            .options()
            .map(|o| o.tunnel_options())
            .unwrap_or_default()
            .iter()
            .filter_map(|t| t.pre_shared_key().map(str::to_owned))
            .collect();
        if !from_options.is_empty() {
            return Ok(from_options);
        }
        let doc = c.customer_gateway_configuration().unwrap_or_default();
        tunnel_config::pre_shared_keys(doc).map_err(|e| Ec2Error::new(None, format!("{id}: {e}")))
    }

    async fn describe_vpn_connections(
        &self,
        ids: &[String],
    ) -> Result<Vec<VpnConnection>, Ec2Error> {
        tracing::debug!(
            operation = "DescribeVpnConnections",
            count = ids.len(),
            "ec2 call"
        );
        let out = self
            .client
            .describe_vpn_connections()
            .set_vpn_connection_ids(Some(ids.to_vec()))
            .send()
            .await
            .map_err(sdk_error)?;
        out.vpn_connections()
            .iter()
            .filter(|c| c.state().map(|s| s.as_str()) != Some("deleted"))
            .map(vpn_connection)
            .collect()
    }

    /// Every VPN connection in the region this provider made (tagged with [`PIECE_TAG`]), in one
    /// call: what a refresh of many connections shares.
    pub async fn list_tagged_vpn_connections(&self) -> Result<Vec<VpnConnection>, Ec2Error> {
        tracing::debug!(
            operation = "DescribeVpnConnections",
            scope = "region",
            "ec2 call"
        );
        let out = self
            .client
            .describe_vpn_connections()
            .filters(Filter::builder().name("tag-key").values(PIECE_TAG).build())
            .send()
            .await
            .map_err(sdk_error)?;
        out.vpn_connections()
            .iter()
            .filter(|c| c.state().map(|s| s.as_str()) != Some("deleted"))
            .map(vpn_connection)
            .collect()
    }

    /// Every live VPN connection to `target`, whoever made it: what tells a new connection which
    /// inside CIDRs the gateway already uses. One region-wide call, filtered here (the
    /// `vpn-gateway-id` / `transit-gateway-id` filters are not in every EC2 emulator).
    pub async fn list_vpn_connections_to(
        &self,
        target: &Target,
    ) -> Result<Vec<VpnConnection>, Ec2Error> {
        tracing::debug!(operation = "DescribeVpnConnections", ?target, "ec2 call");
        let out = self
            .client
            .describe_vpn_connections()
            .send()
            .await
            .map_err(sdk_error)?;
        let mut found = Vec::new();
        for c in out.vpn_connections() {
            let c = vpn_connection(c)?;
            if !c.is_gone() && c.target.as_ref() == Some(target) {
                found.push(c);
            }
        }
        Ok(found)
    }

    /// The live VPN connection tagged `piece`, if an earlier attempt made one.
    pub async fn find_vpn_connection(
        &self,
        piece: &str,
    ) -> Result<Option<VpnConnection>, Ec2Error> {
        tracing::debug!(operation = "DescribeVpnConnections", piece, "ec2 call");
        let out = self
            .client
            .describe_vpn_connections()
            .filters(piece_filter(piece))
            .send()
            .await
            .map_err(sdk_error)?;
        for c in out
            .vpn_connections()
            .iter()
            .filter(|c| has_piece(c.tags(), piece))
        {
            let c = vpn_connection(c)?;
            if !c.is_gone() {
                return Ok(Some(c));
            }
        }
        Ok(None)
    }

    /// Deletes a VPN connection and waits until AWS reports it deleted (its customer gateway
    /// cannot be deleted before).
    pub async fn delete_vpn_connection(&self, id: &str) -> Result<(), Ec2Error> {
        tracing::debug!(operation = "DeleteVpnConnection", id, "ec2 call");
        match self
            .client
            .delete_vpn_connection()
            .vpn_connection_id(id)
            .send()
            .await
            .map_err(sdk_error)
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
        }
        let started = Instant::now();
        let mut delay = FIRST_POLL;
        while let Some(c) = self.get_vpn_connections(&[id.to_string()]).await?.pop() {
            if c.state == "deleted" {
                break;
            }
            self.pause(
                &format!("deleting VPN connection {id}"),
                started,
                &mut delay,
            )
            .await?;
        }
        Ok(())
    }
}

fn customer_gateway(g: &aws_sdk_ec2::types::CustomerGateway) -> CustomerGateway {
    let asn = g
        .bgp_asn_extended()
        .and_then(|s| s.parse().ok())
        .or_else(|| g.bgp_asn().and_then(|s| s.parse().ok()));
    CustomerGateway {
        id: g.customer_gateway_id().unwrap_or_default().to_string(),
        state: g.state().unwrap_or_default().to_string(),
        ip: g.ip_address().unwrap_or_default().to_string(),
        asn,
        piece: piece_of(g.tags()),
    }
}

/// Tunnels from structured options when present, else from the configuration document; the
/// status from telemetry matched by outside address.
fn vpn_connection(c: &aws_sdk_ec2::types::VpnConnection) -> Result<VpnConnection, Ec2Error> {
    let id = c.vpn_connection_id().unwrap_or_default().to_string();
    let from_options: Vec<Tunnel> = c
        .options()
        .map(|o| o.tunnel_options())
        .unwrap_or_default()
        .iter()
        .filter_map(|t| {
            Some(Tunnel {
                outside_ip: t.outside_ip_address()?.to_string(),
                inside_cidr: t.tunnel_inside_cidr().map(str::to_owned),
                status: None,
            })
        })
        .collect();
    let mut tunnels = if !from_options.is_empty() {
        from_options
    } else if let Some(doc) = c
        .customer_gateway_configuration()
        .filter(|d| !d.trim().is_empty())
    {
        tunnels_from_document(doc).map_err(|e| Ec2Error::new(None, format!("{id}: {e}")))?
    } else {
        Vec::new()
    };
    for t in tunnels.iter_mut() {
        t.status = c
            .vgw_telemetry()
            .iter()
            .find(|v| v.outside_ip_address() == Some(t.outside_ip.as_str()))
            .and_then(|v| v.status().map(|s| s.as_str().to_string()));
    }
    let target = match (
        c.vpn_gateway_id().map(str::trim),
        c.transit_gateway_id().map(str::trim),
    ) {
        (Some(v), _) if !v.is_empty() => Some(Target::VpnGateway(v.to_string())),
        (_, Some(t)) if !t.is_empty() => Some(Target::TransitGateway(t.to_string())),
        _ => None,
    };
    Ok(VpnConnection {
        id,
        state: c
            .state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        customer_gateway_id: c.customer_gateway_id().unwrap_or_default().to_string(),
        target,
        tunnels,
        piece: piece_of(c.tags()),
    })
}

fn tunnels_from_document(doc: &str) -> Result<Vec<Tunnel>, tunnel_config::ConfigError> {
    Ok(tunnel_config::parse(doc)?
        .into_iter()
        .map(|t| Tunnel {
            inside_cidr: network_of(&t.aws_inside_ip, t.inside_prefix),
            outside_ip: t.outside_ip,
            status: None,
        })
        .collect())
}

/// "169.254.21.1" with prefix 30 → "169.254.21.0/30".
fn network_of(ip: &str, prefix: u8) -> Option<String> {
    let addr: std::net::Ipv4Addr = ip.parse().ok()?;
    let net = ipnet::Ipv4Net::new(addr, prefix).ok()?.trunc();
    Some(net.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_give_tunnels_with_their_networks() {
        let t = tunnels_from_document(include_str!("fixtures/tgw_custom_cidr_ikev2.xml")).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].inside_cidr.as_deref(), Some("169.254.21.0/30"));
        assert_eq!(t[1].inside_cidr.as_deref(), Some("169.254.22.4/30"));
        assert_eq!(t[0].outside_ip, "198.51.100.23");
    }

    #[test]
    fn not_found_codes_are_recognised() {
        assert!(Ec2Error::new(Some("InvalidVpnConnectionID.NotFound"), "x").is_not_found());
        assert!(!Ec2Error::new(Some("RequestLimitExceeded"), "x").is_not_found());
        assert!(!Ec2Error::new(None, "x").is_not_found());
    }

    #[test]
    fn tunnel_requests_hide_their_keys() {
        let t = TunnelRequest {
            inside_cidr: "169.254.10.0/30".into(),
            psk: "Sup3rSecretKey".into(),
            ike_version: "ikev2".into(),
        };
        assert!(!format!("{t:?}").contains("Sup3r"));
    }
}
