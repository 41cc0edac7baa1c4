//! `multicloud_vpn_gateway`: one VPN site in AWS, GCP or Azure. Checks at plan, then hands the
//! cloud work to `aws_site`, `gcp_site` or `azure_site`.

use std::time::Duration;

use async_trait::async_trait;
use tfplugin::{
    ApplyError, Ctx, Diagnostic, Diagnostics, Path, PlanRequest, Resource, Schema, Value, typed,
};

use super::gateway_model::{self, AZURE_SKUS, Gateway, GatewayState};
use super::rules::{self, Cloud};
use super::side::SiteFacts;
use super::timeouts::Timeouts;
use super::{aws_site, azure_site, gcp_site};
use crate::ProviderConfig;

pub struct VpnGateway;

const NAME_MAX: usize = 40;
const CREATE_DEFAULT: Duration = Duration::from_secs(45 * 60);
const DELETE_DEFAULT: Duration = Duration::from_secs(30 * 60);

fn encode(s: &GatewayState) -> Result<Value, Diagnostics> {
    typed::encode(s, &gateway_model::schema().value_type())
}

/// Every plan-time rule, each as a diagnostic on its attribute. Unknown values are skipped.
fn check(config: &Value, diags: &mut Diagnostics) {
    let Ok(g) = typed::decode::<Gateway>(config) else {
        return;
    };
    // A `dynamic` block whose for_each is not known yet (e.g. at validate) arrives unknown, or as
    // an object of unknowns: it may or may not exist, so the one-block rule waits for the plan.
    let known = |name: &str| {
        config.get(name).is_some_and(|v| match v {
            Value::Unknown => false,
            Value::Object(m) => m.is_empty() || !m.values().all(Value::is_unknown),
            _ => true,
        })
    };
    if let Some(n) = &g.name
        && let Some(p) = rules::name_problem(n, NAME_MAX)
    {
        diags.error_at(
            Path::root().attr("name"),
            "Invalid name",
            format!("name: {p}."),
        );
    }
    let blocks = ["aws", "gcp", "azure"];
    let present: Vec<&str> = blocks
        .iter()
        .copied()
        .filter(|b| config.get(b).is_some_and(|v| !v.is_null()))
        .collect();
    if present.len() != 1 && blocks.iter().all(|b| known(b)) {
        diags.error(
            "Exactly one site block",
            format!(
                "A multicloud_vpn_gateway needs exactly one of the blocks aws, gcp or azure; found {}.",
                if present.is_empty() { "none".to_string() } else { present.join(", ") }
            ),
        );
        return;
    }
    let asn_error = |diags: &mut Diagnostics, path: Path, cloud: Cloud, asn: i64| {
        if let Some(p) = rules::gateway_asn_problem(cloud, asn.max(0) as u64) {
            diags.error_at(path.clone(), "ASN not allowed", format!("{path}: {p}."));
        }
    };
    if let Some(a) = &g.aws {
        let p = Path::root().attr("aws");
        let vpc = config.get("aws").and_then(|b| b.get("vpc_id"));
        let tgw = config.get("aws").and_then(|b| b.get("transit_gateway_id"));
        let set = |v: Option<&Value>| v.is_some_and(|v| !v.is_null());
        let unknown = |v: Option<&Value>| v.is_some_and(Value::is_unknown);
        if !unknown(vpc) && !unknown(tgw) && set(vpc) == set(tgw) {
            diags.error_at(
                p.clone(),
                "VPC or transit gateway",
                "aws: set exactly one of vpc_id (a new virtual private gateway attached to it) or transit_gateway_id (an existing transit gateway).",
            );
        }
        if let Some(asn) = a.amazon_side_asn {
            asn_error(diags, p.attr("amazon_side_asn"), Cloud::Aws, asn);
        }
    }
    if let Some(asn) = g.gcp.as_ref().and_then(|s| s.asn) {
        asn_error(diags, Path::root().attr("gcp").attr("asn"), Cloud::Gcp, asn);
    }
    if let Some(s) = &g.azure {
        let p = Path::root().attr("azure");
        if let Some(asn) = s.asn {
            asn_error(diags, p.attr("asn"), Cloud::Azure, asn);
        }
        if let Some(sku) = &s.sku
            && !AZURE_SKUS.contains(&sku.as_str())
        {
            diags.error_at(
                p.attr("sku"),
                "SKU without BGP or active-active",
                format!(
                    "azure.sku \"{sku}\" cannot run an active-active BGP gateway; use one of {}.",
                    AZURE_SKUS.join(", ")
                ),
            );
        }
        if let Some(subnet) = &s.gateway_subnet_id
            && !subnet
                .to_ascii_lowercase()
                .ends_with("/subnets/gatewaysubnet")
        {
            diags.error_at(
                p.attr("gateway_subnet_id"),
                "Not a GatewaySubnet",
                format!("azure.gateway_subnet_id must be the id of the subnet named GatewaySubnet; got \"{subnet}\"."),
            );
        }
    }
}

async fn create_site(
    ctx: &Ctx<ProviderConfig>,
    g: &Gateway,
    timeout: Duration,
) -> Result<SiteFacts, (Option<String>, Diagnostics)> {
    match g.site_cloud() {
        Some(Cloud::Aws) => aws_site::create_gateway(ctx, g, timeout).await,
        Some(Cloud::Gcp) => gcp_site::create_gateway(ctx, g, timeout).await,
        Some(Cloud::Azure) => azure_site::create_gateway(ctx, g, timeout).await,
        None => Err((
            None,
            Diagnostic::error("No site block", "Set one of aws, gcp or azure.").into(),
        )),
    }
}

async fn read_site(
    ctx: &Ctx<ProviderConfig>,
    g: &Gateway,
) -> Result<Option<SiteFacts>, Diagnostics> {
    match g.site_cloud() {
        Some(Cloud::Aws) => aws_site::read_gateway(ctx, g).await,
        Some(Cloud::Gcp) => gcp_site::read_gateway(ctx, g).await,
        Some(Cloud::Azure) => azure_site::read_gateway(ctx, g).await,
        None => Ok(None),
    }
}

fn with_facts(mut s: GatewayState, f: SiteFacts) -> GatewayState {
    s.gw.id = Some(f.id);
    s.gw.asn = Some(f.asn);
    s.gw.public_ips = Some(f.public_ips);
    s.gw.bgp_peering_addresses = Some(f.bgp_peering_addresses);
    s
}

#[async_trait]
impl Resource<ProviderConfig> for VpnGateway {
    fn name(&self) -> &'static str {
        "multicloud_vpn_gateway"
    }

    fn schema(&self) -> Schema {
        gateway_model::schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check(config, diags);
    }

    async fn modify_plan(&self, _ctx: &Ctx<ProviderConfig>, req: &mut PlanRequest<'_>) {
        let Ok(g) = typed::decode::<Gateway>(req.config) else {
            return;
        };
        if let Some(cloud) = g.site_cloud() {
            req.planned.set_attr("cloud", Value::string(cloud.as_str()));
        }
        let asn = g.configured_asn().map(Value::int);
        let Some(prior) = req.prior else {
            req.planned.set_attr("asn", asn.unwrap_or(Value::Unknown));
            return;
        };
        // Any change to the site means another gateway.
        for block in ["aws", "gcp", "azure"] {
            if req.config.get(block) != prior.get(block) {
                req.requires_replace.push(Path::root().attr(block));
            }
        }
        let kept = prior.get("asn").cloned().unwrap_or(Value::Unknown);
        req.planned.set_attr("asn", asn.unwrap_or(kept));
    }

    async fn create(
        &self,
        ctx: &Ctx<ProviderConfig>,
        planned: &Value,
    ) -> Result<Value, ApplyError> {
        let s: GatewayState = typed::decode(planned)?;
        let timeout = Timeouts::create_or(&s.timeouts, CREATE_DEFAULT);
        match create_site(ctx, &s.gw, timeout).await {
            Ok(f) => Ok(encode(&with_facts(s, f))?),
            Err((partial_id, diags)) => {
                let partial = match partial_id {
                    Some(id) => {
                        let mut p = s.clone();
                        p.gw.id = Some(id);
                        Some(encode(&p)?)
                    }
                    None => None,
                };
                Err(ApplyError { partial, diags })
            }
        }
    }

    async fn read(
        &self,
        ctx: &Ctx<ProviderConfig>,
        state: &Value,
    ) -> Result<Option<Value>, Diagnostics> {
        let s: GatewayState = typed::decode(state)?;
        match read_site(ctx, &s.gw).await? {
            Some(f) => Ok(Some(encode(&with_facts(s, f))?)),
            None => {
                tracing::info!(
                    name = s.gw.name,
                    "VPN gateway is gone; planning to create it again"
                );
                Ok(None)
            }
        }
    }

    /// Only `timeouts` can change in place.
    async fn update(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ApplyError> {
        let p: GatewayState = typed::decode(prior)?;
        let mut s: GatewayState = typed::decode(planned)?;
        s.gw.id = p.gw.id;
        s.gw.asn = s.gw.asn.or(p.gw.asn);
        s.gw.public_ips = p.gw.public_ips;
        s.gw.bgp_peering_addresses = p.gw.bgp_peering_addresses;
        Ok(encode(&s)?)
    }

    async fn import(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        _id: &str,
    ) -> Result<(Value, Vec<u8>), Diagnostics> {
        Err(Diagnostic::error(
            "Import not supported",
            "multicloud_vpn_gateway cannot be imported yet: its site settings (VPC or transit gateway, network, \
             gateway subnet, SKU) are not all readable back from the clouds. Declare the gateway and let a first apply \
             adopt objects it made before (they are found by name and tag), or keep existing gateways where they are.",
        )
        .into())
    }

    async fn delete(&self, ctx: &Ctx<ProviderConfig>, state: &Value) -> Result<(), Diagnostics> {
        let s: GatewayState = typed::decode(state)?;
        let timeout = Timeouts::delete_or(&s.timeouts, DELETE_DEFAULT);
        match s.gw.site_cloud() {
            Some(Cloud::Aws) => aws_site::delete_gateway(ctx, &s.gw, timeout).await,
            Some(Cloud::Gcp) => gcp_site::delete_gateway(ctx, &s.gw, timeout).await,
            Some(Cloud::Azure) => azure_site::delete_gateway(ctx, &s.gw, timeout).await,
            None => Ok(()),
        }
    }
}
