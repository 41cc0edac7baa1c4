//! `list "multicloud_global_lb"` (Terraform 1.14+, `terraform query`): the global hostnames that
//! exist in one DNS zone (Route 53 hostnames with routed records, Cloudflare load balancers), each
//! reported by the identity an `import` block takes, so `-generate-config-out` can bring
//! hand-built ones under management.

use async_trait::async_trait;
use serde::Deserialize;
use tfplugin::framework::{Found, ListRequest, ListResource, ListSink, ValidateRequest};
use tfplugin::schema::{BlockNesting, NestedBlock};
use tfplugin::{Attribute, Block, Ctx, Diagnostics, Path, Schema, Type, Value, typed};

use super::{existing, on_cloudflare, on_route53};
use crate::ProviderConfig;

pub struct GlobalLbList;

#[derive(Deserialize)]
struct Zone {
    zone_id: Option<String>,
}

#[derive(Deserialize)]
struct Config {
    route53: Option<Zone>,
    cloudflare: Option<Zone>,
    hostname_suffix: Option<String>,
}

fn zone_block(service: &str) -> NestedBlock {
    NestedBlock::new(
        service,
        BlockNesting::Single,
        Block::new(&format!("Look in a {service} zone.")).attr(
            Attribute::new("zone_id", Type::String)
                .required()
                .describe("The zone's id."),
        ),
    )
}

impl Config {
    /// The DNS service and zone to look in; `None` until exactly one block is known.
    fn zone(&self) -> Option<(&'static str, &str)> {
        match (&self.route53, &self.cloudflare) {
            (Some(z), None) => Some(("route53", z.zone_id.as_deref()?)),
            (None, Some(z)) => Some(("cloudflare", z.zone_id.as_deref()?)),
            _ => None,
        }
    }
}

#[async_trait]
impl ListResource<ProviderConfig> for GlobalLbList {
    fn name(&self) -> &'static str {
        "multicloud_global_lb"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new(
                "Finds the global hostnames in one zone: give exactly one of `route53` or `cloudflare`.",
            )
            .attr(
                Attribute::new("hostname_suffix", Type::String)
                    .optional()
                    .describe("Only hostnames ending in this (e.g. `.example.com`)."),
            )
            .block(zone_block("route53"))
            .block(zone_block("cloudflare")),
        )
    }

    fn validate(&self, req: ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Ok(c) = typed::decode::<Config>(req.config) else {
            return;
        };
        let given = [("route53", &c.route53), ("cloudflare", &c.cloudflare)]
            .iter()
            .filter(|(_, z)| z.is_some())
            .count();
        let unknown = ["route53", "cloudflare"]
            .iter()
            .any(|b| req.config.get(b).is_some_and(Value::is_unknown));
        if given != 1 && !unknown {
            diags.error_at(
                Path::root(),
                "Exactly one zone",
                format!(
                    "A multicloud_global_lb list needs exactly one of the blocks route53 or cloudflare; found {given}."
                ),
            );
        }
    }

    async fn list(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: ListRequest<'_>,
        sink: &mut ListSink,
    ) -> Result<(), Diagnostics> {
        let c: Config = typed::decode(req.config)?;
        let Some((backend, zone)) = c.zone() else {
            return Ok(());
        };
        let mut hosts = if backend == "route53" {
            on_route53::hostnames(ctx, zone).await?
        } else {
            on_cloudflare::hostnames(ctx, zone).await?
        };
        hosts.sort();
        let suffix = c
            .hostname_suffix
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase();
        for host in hosts.into_iter().filter(|h| h.ends_with(&suffix)) {
            let resource = match req.include_resource {
                true => Some(existing(ctx, backend, zone, &host).await?),
                false => None,
            };
            let found = Found {
                identity: Value::object([
                    ("dns_backend", Value::string(backend)),
                    ("zone_id", Value::string(zone)),
                    ("hostname", Value::string(&host)),
                ]),
                display_name: format!("{host} ({backend} zone {zone})"),
                resource,
            };
            if !sink.push(found).await {
                break;
            }
        }
        Ok(())
    }
}
