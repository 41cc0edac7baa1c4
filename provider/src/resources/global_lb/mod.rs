//! `multicloud_global_lb`: one global hostname over clusters in several clouds, on Route 53 or
//! Cloudflare. `validate` and `failover` decide at plan time (policy rules, limits, failover-time
//! budget); `desired` maps a configuration to what should exist; `on_route53` and `on_cloudflare`
//! make it so and detect drift.

mod answers;
mod desired;
pub mod drill;
pub mod failover;
pub mod list;
mod model;
mod on_cloudflare;
mod on_route53;
mod regions;
mod validate;

use std::collections::BTreeMap;

use async_trait::async_trait;
use tfplugin::framework::{
    Abilities, ApplyResponse, CreateRequest, DeleteRequest, Identity, IdentityAttribute,
    IdentitySchema, Import, ImportRequest, ImportResponse, ModifyPlan, PlanRequest, PlanResponse,
    ReadRequest, ReadResponse, UpdateRequest, ValidateRequest,
};
use tfplugin::function::{Function, FunctionError, Param, Signature};
use tfplugin::{Ctx, Diagnostic, Diagnostics, Path, Resource, Schema, Type, Value, typed};

use crate::ProviderConfig;
use failover::{DnsBackend, Knobs};
use model::{BackendStatus, State};

pub struct GlobalLb;

fn id_for(e: &validate::Effective, hostname: &str) -> String {
    let kind = if e.backend == DnsBackend::Route53 {
        "route53"
    } else {
        "cloudflare"
    };
    format!("{kind}:{}:{}", e.zone_id, hostname.trim_end_matches('.'))
}

fn encode_status(s: &BTreeMap<String, BackendStatus>) -> Result<Value, Diagnostics> {
    typed::encode(s, &model::attr_type("backend_status"))
}

/// The configuration part of a planned value: computed results may still be unknown there.
fn config_of(planned: &Value) -> Result<State, Diagnostics> {
    let mut v = planned.clone();
    v.set_attr("backend_status", Value::Null);
    typed::decode(&v)
}

/// Everything that decides how every backend is probed and answered.
fn shared_settings(s: &State) -> impl PartialEq + use<> {
    (
        s.policy.clone(),
        s.health_check.clone(),
        s.ttl,
        s.route53.clone(),
        s.cloudflare.clone(),
    )
}

/// The planned state with the apply's results filled in.
fn finish(
    planned: &Value,
    e: &validate::Effective,
    hostname: &str,
    lb_id: Option<String>,
    status: &BTreeMap<String, BackendStatus>,
) -> Result<Value, Diagnostics> {
    let mut v = planned.clone();
    v.set_attr("id", Value::string(id_for(e, hostname)));
    v.set_attr("load_balancer_id", lb_id.map_or(Value::Null, Value::string));
    v.set_attr("backend_status", encode_status(status)?);
    v.set_attr(
        "estimated_failover_seconds",
        Value::int(failover::estimate(e.backend, e.knobs)),
    );
    Ok(v)
}

#[async_trait]
impl Resource<ProviderConfig> for GlobalLb {
    fn name(&self) -> &'static str {
        "multicloud_global_lb"
    }

    fn schema(&self) -> Schema {
        model::schema()
    }

    fn validate(&self, req: ValidateRequest<'_>, diags: &mut Diagnostics) {
        if !req.config.is_wholly_known() {
            return;
        }
        match typed::decode::<State>(req.config) {
            Ok(c) => {
                if let Err(d) = validate::check(&c) {
                    diags.extend(d);
                }
            }
            Err(d) => diags.extend(d),
        }
    }

    async fn create(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: CreateRequest<'_>,
        resp: &mut ApplyResponse,
    ) -> Result<(), Diagnostics> {
        let planned = req.planned;
        let c = config_of(planned)?;
        let e = validate::check(&c)?;
        let hostname = c.hostname.clone().unwrap_or_default();
        let (lb, status) = match e.backend {
            DnsBackend::Route53 => (None, on_route53::create(ctx, &c, &e).await?),
            DnsBackend::Cloudflare { .. } => {
                let o = on_cloudflare::create(ctx, &c, &e).await?;
                (Some(o.load_balancer_id), o.status)
            }
        };
        resp.state = finish(planned, &e, &hostname, lb, &status)?;
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: ReadRequest<'_>,
        resp: &mut ReadResponse,
    ) -> Result<(), Diagnostics> {
        let state = req.state;
        let s: State = typed::decode(state)?;
        let e = validate::effective(&s)?;
        let hostname = s.hostname.clone().unwrap_or_default();
        let found = match e.backend {
            DnsBackend::Route53 => on_route53::read(ctx, &s, &e).await?.map(|st| (None, st)),
            DnsBackend::Cloudflare { .. } => on_cloudflare::read(ctx, &s, &e).await?,
        };
        let Some((lb, status)) = found else {
            tracing::info!(hostname = %hostname, "global load balancer is gone");
            resp.state = None;
            return Ok(());
        };
        let mut v = state.clone();
        if e.backend != DnsBackend::Route53 {
            v.set_attr("load_balancer_id", lb.map_or(Value::Null, Value::string));
        }
        v.set_attr("backend_status", encode_status(&status)?);
        resp.state = Some(v);
        Ok(())
    }

    async fn update(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: UpdateRequest<'_>,
        resp: &mut ApplyResponse,
    ) -> Result<(), Diagnostics> {
        let planned = req.planned;
        let p: State = typed::decode(req.prior)?;
        let c = config_of(planned)?;
        let e = validate::check(&c)?;
        let hostname = c.hostname.clone().unwrap_or_default();
        let (lb, status) = match e.backend {
            DnsBackend::Route53 => (None, on_route53::update(ctx, &p, &c, &e).await?),
            DnsBackend::Cloudflare { .. } => {
                let o = on_cloudflare::update(ctx, &p, &c, &e).await?;
                (Some(o.load_balancer_id), o.status)
            }
        };
        // Health is whatever the API last reported, unknown right after a change.
        let planned_status = planned
            .get("backend_status")
            .and_then(Value::as_map)
            .cloned()
            .unwrap_or_default();
        let mut status = status;
        for (name, st) in status.iter_mut() {
            if let Some(known) = planned_status.get(name).filter(|v| v.is_wholly_known()) {
                let kept: BackendStatus = typed::decode(known)?;
                st.healthy = kept.healthy;
            }
        }
        resp.state = finish(planned, &e, &hostname, lb, &status)?;
        Ok(())
    }

    async fn delete(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: DeleteRequest<'_>,
    ) -> Result<(), Diagnostics> {
        let s: State = typed::decode(req.state)?;
        let e = validate::effective(&s)?;
        match e.backend {
            DnsBackend::Route53 => on_route53::delete(ctx, &s, &e).await,
            DnsBackend::Cloudflare { .. } => on_cloudflare::delete(ctx, &s, &e).await,
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
impl ModifyPlan<ProviderConfig> for GlobalLb {
    async fn modify_plan(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        req: PlanRequest<'_>,
        resp: &mut PlanResponse,
    ) {
        if !req.config.is_wholly_known() {
            return;
        }
        let result = (|| {
            let c: State = typed::decode(req.config)?;
            let e = validate::check(&c)?;
            let hostname = c.hostname.clone().unwrap_or_default();
            resp.planned
                .set_attr("id", Value::string(id_for(&e, &hostname)));
            resp.planned.set_attr(
                "estimated_failover_seconds",
                Value::int(failover::estimate(e.backend, e.knobs)),
            );
            let prior: Option<State> = req.prior.map(typed::decode).transpose()?;
            if let Some(p) = &prior
                && p.id.as_deref() != Some(id_for(&e, &hostname).as_str())
            {
                // Another DNS backend or zone is another object; name the block that moved it.
                let changed = if p.route53.is_some() || c.route53.is_some() {
                    "route53"
                } else {
                    "cloudflare"
                };
                resp.requires_replace.push(Path::root().attr(changed));
            }
            let prior_status = prior
                .as_ref()
                .and_then(|p| p.backend_status.clone())
                .unwrap_or_default();
            let same_shared = prior
                .as_ref()
                .is_some_and(|p| shared_settings(p) == shared_settings(&c));
            let mut status = BTreeMap::new();
            for (name, b) in c.backends.clone().unwrap_or_default() {
                let before = prior
                    .as_ref()
                    .and_then(|p| p.backends.as_ref())
                    .and_then(|bs| bs.get(&name));
                let kept = prior_status.get(&name).filter(|s| {
                    same_shared
                        && before == Some(&b)
                        && s.health_check_id.is_some()
                        && s.record_id.is_some()
                        && s.in_sync != Some(false)
                });
                let v = match kept {
                    Some(s) => typed::encode(s, &model::status_type())?,
                    None => Value::Unknown,
                };
                status.insert(name, v);
            }
            resp.planned.set_attr("backend_status", Value::Map(status));
            let lb = match (
                e.backend,
                prior.as_ref().and_then(|p| p.load_balancer_id.clone()),
            ) {
                (DnsBackend::Route53, _) => Value::Null,
                (_, Some(id)) if same_shared => Value::string(id),
                _ => Value::Unknown,
            };
            resp.planned.set_attr("load_balancer_id", lb);
            Ok::<(), Diagnostics>(())
        })();
        if let Err(d) = result {
            resp.diags.extend(d);
        }
    }
}

#[async_trait]
impl Import<ProviderConfig> for GlobalLb {
    /// `route53:ZONE_ID:HOSTNAME` or `cloudflare:ZONE_ID:HOSTNAME`.
    async fn import(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: ImportRequest<'_>,
        resp: &mut ImportResponse,
    ) -> Result<(), Diagnostics> {
        let id = req.id;
        let parts: Vec<&str> = id.splitn(3, ':').collect();
        let (backend, zone, host) = match parts.as_slice() {
            [backend @ ("route53" | "cloudflare"), zone, host]
                if !zone.is_empty() && !host.is_empty() =>
            {
                (*backend, *zone, *host)
            }
            _ => {
                return Err(Diagnostic::error(
                    "Invalid import id",
                    format!("Import takes route53:ZONE_ID:HOSTNAME or cloudflare:ZONE_ID:HOSTNAME; got \"{id}\"."),
                )
                .into());
            }
        };
        resp.state = existing(ctx, backend, zone, host).await?;
        Ok(())
    }
}

/// The state of an existing load balancer as the DNS service describes it (what an import and a
/// list with full objects return). `backend` is `route53` or `cloudflare`.
pub(super) async fn existing(
    ctx: &Ctx<ProviderConfig>,
    backend: &str,
    zone: &str,
    host: &str,
) -> Result<Value, Diagnostics> {
    let state = if backend == "route53" {
        on_route53::import(ctx, zone, host).await?
    } else {
        on_cloudflare::import(ctx, zone, host).await?
    };
    let mut v = typed::encode(&state, &model::value_type())?;
    if let Ok(e) = validate::effective(&state) {
        v.set_attr(
            "estimated_failover_seconds",
            Value::int(failover::estimate(e.backend, e.knobs)),
        );
    }
    Ok(v)
}

/// `{ dns_backend, zone_id, hostname }`: one hostname in one zone of one DNS service.
impl Identity for GlobalLb {
    fn identity_schema(&self) -> IdentitySchema {
        IdentitySchema::new(vec![
            IdentityAttribute::required("dns_backend", Type::String, "`route53` or `cloudflare`."),
            IdentityAttribute::required(
                "zone_id",
                Type::String,
                "The hosted zone (Route 53) or zone (Cloudflare) id.",
            ),
            IdentityAttribute::required(
                "hostname",
                Type::String,
                "The global hostname, without a trailing dot.",
            ),
        ])
    }

    fn identity_of(&self, state: &Value) -> Option<Value> {
        let id = state.get("id")?.as_str()?;
        let [backend, zone, host] = id.splitn(3, ':').collect::<Vec<_>>()[..] else {
            return None;
        };
        Some(Value::object([
            ("dns_backend", Value::string(backend)),
            ("zone_id", Value::string(zone)),
            ("hostname", Value::string(host)),
        ]))
    }

    fn import_id(&self, identity: &Value) -> Result<String, Diagnostics> {
        let part = |name: &str| {
            identity
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    Diagnostics::from(
                        Diagnostic::error(
                            "Missing identity attribute",
                            format!(
                                "identity.{name} is required to import a multicloud_global_lb."
                            ),
                        )
                        .at(Path::root().attr(name)),
                    )
                })
        };
        Ok(format!(
            "{}:{}:{}",
            part("dns_backend")?,
            part("zone_id")?,
            part("hostname")?.trim_end_matches('.')
        ))
    }
}

/// `provider::multicloud::failover_seconds(backend, interval_seconds, failure_threshold, ttl)`.
pub struct FailoverSeconds;

impl Function for FailoverSeconds {
    fn name(&self) -> &'static str {
        "failover_seconds"
    }

    fn signature(&self) -> Signature {
        Signature {
            params: vec![
                Param::new(
                    "dns_backend",
                    Type::String,
                    "`route53`, `cloudflare` or `cloudflare_proxied`.",
                ),
                Param::new(
                    "interval_seconds",
                    Type::Number,
                    "Seconds between health probes.",
                ),
                Param::new(
                    "failure_threshold",
                    Type::Number,
                    "Consecutive failures before a backend is unhealthy.",
                ),
                Param::new(
                    "ttl",
                    Type::Number,
                    "DNS TTL of the answers (ignored for cloudflare_proxied).",
                ),
            ],
            return_type: Type::Number,
            summary: "Estimated seconds from a backend failing until clients are sent elsewhere.",
            description: "The same arithmetic multicloud_global_lb checks against max_failover_seconds at plan: \
                          interval × threshold, plus the DNS backend's documented aggregation, plus the TTL where DNS caching applies.",
        }
    }

    fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
        let backend = args
            .first()
            .and_then(Value::as_str)
            .and_then(DnsBackend::parse)
            .ok_or_else(|| {
                FunctionError::argument(
                    0,
                    "dns_backend must be \"route53\", \"cloudflare\" or \"cloudflare_proxied\".",
                )
            })?;
        let number = |i: usize, what: &str| {
            args.get(i).and_then(Value::as_i64).ok_or_else(|| {
                FunctionError::argument(i as i64, format!("{what} must be a whole number."))
            })
        };
        let k = Knobs {
            interval: number(1, "interval_seconds")?,
            threshold: number(2, "failure_threshold")?,
            ttl: number(3, "ttl")?,
        };
        if !backend.interval_ok(k.interval) {
            return Err(FunctionError::argument(
                1,
                format!(
                    "interval_seconds {} is not allowed on this DNS backend.",
                    k.interval
                ),
            ));
        }
        if !backend.threshold_range().contains(&k.threshold) {
            return Err(FunctionError::argument(
                2,
                "failure_threshold must be from 1 to 10.",
            ));
        }
        if k.ttl < 0 {
            return Err(FunctionError::argument(3, "ttl must not be negative."));
        }
        Ok(Value::int(failover::estimate(backend, k)))
    }
}
