//! `multicloud_vpn_gateway`: one VPN site in AWS, GCP or Azure. Checks at plan, then hands the
//! cloud work to the site's `site::VpnSite` (`aws_site`, `gcp_site` or `azure_site`).

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use tfplugin::framework::{
    Abilities, ApplyResponse, CreateRequest, DeleteRequest, Identity, IdentityAttribute,
    IdentitySchema, Import, ImportRequest, ImportResponse, ModifyPlan, PlanRequest, PlanResponse,
    ReadRequest, ReadResponse, UpdateRequest, ValidateRequest,
};
use tfplugin::{Ctx, Diagnostic, Diagnostics, Path, Resource, Schema, Type, Value, typed};

use super::gateway_model::{self, AZURE_SKUS, Gateway, GatewayState};
use super::rules::{self, Cloud};
use super::side::SiteFacts;
use super::site::{SiteKey, import_formats, missing_identity_attribute, site, sites};
use super::timeouts::Timeouts;
use crate::ProviderConfig;

pub struct VpnGateway;

const NAME_MAX: usize = 40;
const CREATE_DEFAULT: Duration = Duration::from_secs(45 * 60);
const DELETE_DEFAULT: Duration = Duration::from_secs(30 * 60);

pub(super) fn encode(s: &GatewayState) -> Result<Value, Diagnostics> {
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
        Some(cloud) => site(cloud).create_gateway(ctx, g, timeout).await,
        None => Err((
            None,
            Diagnostic::error("No site block", "Set one of aws, gcp or azure.").into(),
        )),
    }
}

/// The error of a create cut short by `timeouts.create`. Where the gateway's id is known in
/// advance (GCP, Azure), the partial state lets destroy remove what was made; an AWS gateway
/// carries a tag by which the next create takes it back.
fn timed_out(g: &Gateway, timeout: Duration) -> (Option<String>, Diagnostics) {
    let known_id = g.site_cloud().and_then(|c| site(c).known_gateway_id(g));
    let diag = Diagnostic::error(
        "VPN gateway not finished in time",
        format!(
            "Creating gateway {} took longer than timeouts.create ({} s). What exists so far is kept (tainted) and removed or taken back by the next apply. Raise timeouts.create for slow clouds (an Azure gateway takes 30-45 minutes).",
            g.name.as_deref().unwrap_or_default(),
            timeout.as_secs()
        ),
    );
    (known_id, diag.into())
}

/// The site of an existing gateway, by an id in one of the [`import_formats`].
async fn import_site(ctx: &Ctx<ProviderConfig>, id: &str) -> Result<Gateway, Diagnostics> {
    let id = ImportId::parse(id)?;
    site(id.cloud).import_gateway(ctx, &id.named).await
}

/// An existing gateway as a connection refers to it (its `a` or `b`): the site an import of
/// `id` finds, with the facts a read adds (id, ASN, addresses).
pub(super) async fn existing(ctx: &Ctx<ProviderConfig>, id: &str) -> Result<Gateway, Diagnostics> {
    let gw = import_site(ctx, id).await?;
    let state = GatewayState {
        gw,
        missing: None,
        timeouts: None,
    };
    match read_site(ctx, &state.gw).await? {
        Some(f) if f.missing.is_empty() => Ok(with_facts(state, f).gw),
        Some(f) => Err(Diagnostic::error(
            "Cannot import",
            format!(
                "Gateway {id} is incomplete ({} missing); apply its multicloud_vpn_gateway first.",
                f.missing.join(", ")
            ),
        )
        .into()),
        None => {
            Err(Diagnostic::error("Cannot import", format!("Gateway {id} does not exist.")).into())
        }
    }
}

async fn read_site(
    ctx: &Ctx<ProviderConfig>,
    g: &Gateway,
) -> Result<Option<SiteFacts>, Diagnostics> {
    match g.site_cloud() {
        Some(cloud) => site(cloud).read_gateway(ctx, g).await,
        None => Ok(None),
    }
}

fn with_facts(mut s: GatewayState, f: SiteFacts) -> GatewayState {
    s.gw.id = Some(f.id);
    s.gw.asn = Some(f.asn);
    s.gw.public_ips = Some(f.public_ips);
    s.gw.bgp_peering_addresses = Some(f.bgp_peering_addresses);
    s.missing = Some(f.missing);
    s
}

/// What `terraform import multicloud_vpn_gateway.NAME ID` names: a gateway in one cloud, as far as
/// the id tells it. Each site reads its own forms
/// ([`VpnSite::parse_import_id`](super::site::VpnSite::parse_import_id)).
#[derive(Debug, PartialEq)]
struct ImportId {
    cloud: Cloud,
    named: Gateway,
}

impl ImportId {
    fn parse(id: &str) -> Result<ImportId, Diagnostics> {
        let parts: Vec<&str> = id.trim_matches('/').split('/').collect();
        sites()
            .find_map(|s| {
                Some(ImportId {
                    cloud: s.cloud(),
                    named: s.parse_import_id(&parts)?,
                })
            })
            .ok_or_else(|| {
                Diagnostic::error(
                    "Invalid import id",
                    format!(
                        "\"{id}\" is not a gateway id. Use one of: {}.",
                        import_formats()
                    ),
                )
                .into()
            })
    }
}

/// The site block of `g` as its cloud sees it: see [`SiteKey`].
fn site_key(g: &Gateway) -> Option<SiteKey> {
    site(g.site_cloud()?).site_key(g)
}

/// Whether the configuration still describes the gateway in `prior`: the same cloud and site key,
/// with nothing in the configuration unknown.
fn same_site(config: &Value, prior: &Value) -> bool {
    let wholly_known = ["aws", "gcp", "azure"]
        .iter()
        .all(|b| config.get(b).is_none_or(Value::is_wholly_known));
    match (
        typed::decode::<Gateway>(config),
        typed::decode::<Gateway>(prior),
    ) {
        (Ok(c), Ok(p)) => wholly_known && site_key(&c).is_some() && site_key(&c) == site_key(&p),
        _ => false,
    }
}

#[async_trait]
impl Resource<ProviderConfig> for VpnGateway {
    fn name(&self) -> &'static str {
        "multicloud_vpn_gateway"
    }

    fn schema(&self) -> Schema {
        gateway_model::schema()
    }

    fn validate(&self, req: ValidateRequest<'_>, diags: &mut Diagnostics) {
        check(req.config, diags);
    }

    async fn create(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: CreateRequest<'_>,
        resp: &mut ApplyResponse,
    ) -> Result<(), Diagnostics> {
        let s: GatewayState = typed::decode(req.planned)?;
        let timeout = Timeouts::create_or(&s.timeouts, CREATE_DEFAULT);
        // `timeouts.create` bounds the whole create (Azure: two public IPs, then the gateway),
        // not only each wait inside it.
        let created = tokio::time::timeout(timeout, create_site(ctx, &s.gw, timeout))
            .await
            .unwrap_or_else(|_| Err(timed_out(&s.gw, timeout)));
        match created {
            Ok(f) => {
                resp.state = encode(&with_facts(s, f))?;
                Ok(())
            }
            Err((partial_id, diags)) => {
                if let Some(id) = partial_id {
                    let mut p = s.clone();
                    p.gw.id = Some(id);
                    resp.state = encode(&p)?;
                }
                Err(diags)
            }
        }
    }

    async fn read(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: ReadRequest<'_>,
        resp: &mut ReadResponse,
    ) -> Result<(), Diagnostics> {
        let s: GatewayState = typed::decode(req.state)?;
        resp.state = match read_site(ctx, &s.gw).await? {
            Some(f) => Some(encode(&with_facts(s, f))?),
            None => {
                tracing::info!(
                    name = s.gw.name,
                    "VPN gateway is gone; planning to create it again"
                );
                None
            }
        };
        Ok(())
    }

    /// Only `timeouts` can change in place.
    async fn update(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        req: UpdateRequest<'_>,
        resp: &mut ApplyResponse,
    ) -> Result<(), Diagnostics> {
        let p: GatewayState = typed::decode(req.prior)?;
        let mut s: GatewayState = typed::decode(req.planned)?;
        s.gw.id = p.gw.id;
        s.gw.asn = s.gw.asn.or(p.gw.asn);
        s.gw.public_ips = p.gw.public_ips;
        s.gw.bgp_peering_addresses = p.gw.bgp_peering_addresses;
        resp.state = encode(&s)?;
        Ok(())
    }

    async fn delete(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: DeleteRequest<'_>,
    ) -> Result<(), Diagnostics> {
        let s: GatewayState = typed::decode(req.state)?;
        let timeout = Timeouts::delete_or(&s.timeouts, DELETE_DEFAULT);
        match s.gw.site_cloud() {
            Some(cloud) => site(cloud).delete_gateway(ctx, &s.gw, timeout).await,
            None => Ok(()),
        }
    }

    fn abilities(&self) -> Abilities<'_, ProviderConfig> {
        Abilities {
            modify_plan: Some(self),
            import: Some(self),
            identity: Some(self),
            ..Default::default()
        }
    }
}

#[async_trait]
impl ModifyPlan<ProviderConfig> for VpnGateway {
    async fn modify_plan(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        req: PlanRequest<'_>,
        resp: &mut PlanResponse,
    ) {
        let Ok(g) = typed::decode::<Gateway>(req.config) else {
            return;
        };
        if let Some(cloud) = g.site_cloud() {
            resp.planned
                .set_attr("cloud", Value::string(cloud.as_str()));
        }
        let asn = g
            .site_cloud()
            .and_then(|c| site(c).configured_asn(&g))
            .map(Value::int);
        let no_pieces_missing = Value::List(Vec::new());
        let Some(prior) = req.prior else {
            resp.planned.set_attr("asn", asn.unwrap_or(Value::Unknown));
            resp.planned.set_attr("missing", no_pieces_missing);
            return;
        };
        let Ok(before) = typed::decode::<GatewayState>(prior) else {
            return;
        };
        // A site partly gone is re-made whole: its remaining pieces are deleted and the site
        // created again (repairing in place could change its addresses under its connections).
        if before.missing.as_ref().is_some_and(|m| !m.is_empty()) {
            resp.requires_replace.push(Path::root().attr("missing"));
        }
        resp.planned.set_attr("missing", no_pieces_missing);
        // Any change to the site means another gateway; spelling a default out (or leaving it
        // out after an import) does not.
        if !same_site(req.config, prior) {
            for block in ["aws", "gcp", "azure"] {
                if req.config.get(block) != prior.get(block) {
                    resp.requires_replace.push(Path::root().attr(block));
                }
            }
        }
        let kept = before.gw.asn.map_or(Value::Unknown, Value::int);
        resp.planned.set_attr("asn", asn.unwrap_or(kept));
    }
}

#[async_trait]
impl Import<ProviderConfig> for VpnGateway {
    async fn import(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: ImportRequest<'_>,
        resp: &mut ImportResponse,
    ) -> Result<(), Diagnostics> {
        let gw = import_site(ctx, req.id).await?;
        let state = GatewayState {
            gw,
            missing: Some(Vec::new()),
            timeouts: None,
        };
        resp.state = encode(&state)?;
        Ok(())
    }
}

/// The id `terraform import multicloud_vpn_gateway` takes for an existing gateway (and a
/// connection's import id names its gateways by); `None` before the gateway has its id.
pub(super) fn import_id_of(gw: &Gateway) -> Option<String> {
    GatewayIdentity::of(gw)?.import_id().ok()
}

/// `{ cloud, region, id }`: the cloud's own id of the gateway (`vgw-…`/`tgw-…` with its AWS
/// region, GCP's `projects/…/vpnGateways/NAME`, Azure's resource id).
#[derive(Deserialize)]
struct GatewayIdentity {
    cloud: Option<String>,
    region: Option<String>,
    id: Option<String>,
}

impl Identity for VpnGateway {
    fn identity_schema(&self) -> IdentitySchema {
        IdentitySchema::new(vec![
            IdentityAttribute::required("cloud", Type::String, "`aws`, `gcp` or `azure`."),
            IdentityAttribute::optional(
                "region",
                Type::String,
                "The AWS region (AWS gateways only: their ids are regional).",
            ),
            IdentityAttribute::required(
                "id",
                Type::String,
                "The cloud's id: `vgw-…` or `tgw-…`, `projects/P/regions/R/vpnGateways/NAME`, or the Azure resource id.",
            ),
        ])
    }

    fn identity_of(&self, state: &Value) -> Option<Value> {
        let s: GatewayState = typed::decode(state).ok()?;
        let i = GatewayIdentity::of(&s.gw)?;
        Some(Value::object([
            ("cloud", Value::string(i.cloud?)),
            ("region", i.region.map_or(Value::Null, Value::string)),
            ("id", Value::string(i.id?)),
        ]))
    }

    fn import_id(&self, identity: &Value) -> Result<String, Diagnostics> {
        typed::decode::<GatewayIdentity>(identity)?.import_id()
    }
}

impl GatewayIdentity {
    fn of(gw: &Gateway) -> Option<GatewayIdentity> {
        let cloud = gw.site_cloud()?;
        Some(GatewayIdentity {
            cloud: Some(cloud.as_str().to_string()),
            region: site(cloud).identity_region(gw),
            id: Some(gw.id.clone()?),
        })
    }

    fn import_id(self) -> Result<String, Diagnostics> {
        let i = self;
        let id = i.id.ok_or_else(|| {
            missing_identity_attribute("id", "to import a multicloud_vpn_gateway")
        })?;
        match i.cloud.as_deref().and_then(Cloud::parse) {
            Some(cloud) => site(cloud).import_id(i.region, id),
            None => Err(Diagnostic::error(
                "Invalid identity",
                format!(
                    "identity.cloud must be {}; got {}.",
                    one_of_the_clouds(),
                    i.cloud.map_or("null".to_string(), |c| format!("\"{c}\""))
                ),
            )
            .into()),
        }
    }
}

/// `"aws", "gcp" or "azure"`.
fn one_of_the_clouds() -> String {
    let names: Vec<String> = Cloud::ALL
        .iter()
        .map(|c| format!("\"{}\"", c.as_str()))
        .collect();
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::vpn::gateway_model::{AwsSite, AzureSite, GcpSite};

    #[test]
    fn import_ids_name_the_cloud_and_the_gateway() {
        assert_eq!(
            ImportId::parse("aws/eu-west-1/vgw-0abc").unwrap(),
            ImportId {
                cloud: Cloud::Aws,
                named: Gateway {
                    id: Some("vgw-0abc".into()),
                    aws: Some(AwsSite {
                        region: Some("eu-west-1".into()),
                        ..AwsSite::default()
                    }),
                    ..Gateway::default()
                }
            }
        );
        let gcp = ImportId {
            cloud: Cloud::Gcp,
            named: Gateway {
                name: Some("hub".into()),
                gcp: Some(GcpSite {
                    project: Some("p".into()),
                    region: Some("europe-west1".into()),
                    ..GcpSite::default()
                }),
                ..Gateway::default()
            },
        };
        assert_eq!(ImportId::parse("gcp/p/europe-west1/hub").unwrap(), gcp);
        assert_eq!(
            ImportId::parse("projects/p/regions/europe-west1/vpnGateways/hub").unwrap(),
            gcp
        );
        let azure = ImportId {
            cloud: Cloud::Azure,
            named: Gateway {
                name: Some("gw".into()),
                azure: Some(AzureSite {
                    subscription_id: Some("s".into()),
                    resource_group: Some("rg".into()),
                    ..AzureSite::default()
                }),
                ..Gateway::default()
            },
        };
        assert_eq!(ImportId::parse("azure/s/rg/gw").unwrap(), azure);
        assert_eq!(
            ImportId::parse(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworkGateways/gw"
            )
            .unwrap(),
            azure
        );
        for bad in [
            "vgw-0abc",
            "aws/eu-west-1/vpc-1",
            "aws//vgw-1",
            "gcp/p/hub",
            "nonsense",
        ] {
            let d = ImportId::parse(bad).unwrap_err();
            assert!(d.0[0].detail.contains("aws/REGION/vgw-"), "{bad}: {d:?}");
        }
    }

    /// The message an invalid import id gets names every accepted form.
    #[test]
    fn invalid_import_ids_are_told_every_form() {
        let d = ImportId::parse("nonsense").unwrap_err();
        assert_eq!(
            d.0[0].detail,
            "\"nonsense\" is not a gateway id. Use one of: aws/REGION/vgw-… or aws/REGION/tgw-…, gcp/PROJECT/REGION/NAME (or projects/PROJECT/regions/REGION/vpnGateways/NAME), azure/SUBSCRIPTION/RESOURCE_GROUP/NAME (or the gateway's Azure resource id)."
        );
    }

    #[test]
    fn identities_give_back_import_ids() {
        let identity = |cloud: Option<&str>, region: Option<&str>, id: Option<&str>| {
            GatewayIdentity {
                cloud: cloud.map(String::from),
                region: region.map(String::from),
                id: id.map(String::from),
            }
            .import_id()
        };
        assert_eq!(
            identity(Some("aws"), Some("eu-west-1"), Some("vgw-1")).unwrap(),
            "aws/eu-west-1/vgw-1"
        );
        assert_eq!(
            identity(
                Some("gcp"),
                None,
                Some("projects/p/regions/r/vpnGateways/hub")
            )
            .unwrap(),
            "projects/p/regions/r/vpnGateways/hub"
        );
        assert_eq!(identity(Some("azure"), None, Some("/x")).unwrap(), "/x");
        let why = |d: Diagnostics| d.0[0].detail.clone();
        assert_eq!(
            why(identity(Some("aws"), None, Some("vgw-1")).unwrap_err()),
            "identity.region is required for an AWS gateway."
        );
        assert_eq!(
            why(identity(Some("gcp"), None, None).unwrap_err()),
            "identity.id is required to import a multicloud_vpn_gateway."
        );
        assert_eq!(
            why(identity(Some("oci"), None, Some("x")).unwrap_err()),
            r#"identity.cloud must be "aws", "gcp" or "azure"; got "oci"."#
        );
        assert_eq!(
            why(identity(None, None, Some("x")).unwrap_err()),
            r#"identity.cloud must be "aws", "gcp" or "azure"; got null."#
        );
    }

    fn aws(asn: Option<i64>) -> Gateway {
        Gateway {
            aws: Some(AwsSite {
                region: Some("us-east-1".into()),
                vpc_id: Some("vpc-1".into()),
                transit_gateway_id: None,
                amazon_side_asn: asn,
            }),
            ..Gateway::default()
        }
    }

    #[test]
    fn spelled_out_defaults_are_the_same_site() {
        assert_eq!(site_key(&aws(None)), site_key(&aws(Some(64512))));
        assert_ne!(site_key(&aws(None)), site_key(&aws(Some(64513))));
        let gcp = |network: &str| Gateway {
            gcp: Some(GcpSite {
                project: Some("p".into()),
                region: Some("r".into()),
                network: Some(network.into()),
                asn: Some(65010),
            }),
            ..Gateway::default()
        };
        assert_eq!(
            site_key(&gcp("vpc-a")),
            site_key(&gcp(
                "https://www.googleapis.com/compute/v1/projects/p/global/networks/vpc-a"
            ))
        );
        assert_ne!(site_key(&gcp("vpc-a")), site_key(&gcp("vpc-b")));
        let azure = |location: &str, sku: Option<&str>| Gateway {
            azure: Some(AzureSite {
                subscription_id: Some("S".into()),
                resource_group: Some("RG".into()),
                location: Some(location.into()),
                gateway_subnet_id: Some("/x/subnets/GatewaySubnet".into()),
                asn: None,
                sku: sku.map(String::from),
            }),
            ..Gateway::default()
        };
        assert_eq!(
            site_key(&azure("West Europe", None)),
            site_key(&azure("westeurope", Some("VpnGw1AZ")))
        );
        assert_ne!(
            site_key(&azure("westeurope", None)),
            site_key(&azure("westeurope", Some("VpnGw2AZ")))
        );
    }
}
