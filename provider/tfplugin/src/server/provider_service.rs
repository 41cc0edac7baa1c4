//! tfplugin6.Provider: decodes requests, runs the framework pipeline and the resource's code, encodes
//! answers. RPCs the framework does not offer fall back to the generated `Unimplemented` stubs, or
//! answer with an empty capability where Terraform expects one.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, OnceLock};

use futures::FutureExt;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use crate::convert;
use crate::cty::{Type, Value};
use crate::diag::{Diagnostic, Diagnostics};
use crate::framework::{ApplyError, Ctx, DataSource, PlanRequest, Provider, Resource};
use crate::function::Function;
use crate::proto::tfplugin6 as pb;
use crate::schema::Schema;
use crate::{consistency, plan};

struct Entry<T: ?Sized> {
    imp: Arc<T>,
    schema: Schema,
    ty: Type,
}

pub struct ProviderService<P: Provider> {
    provider: Arc<P>,
    provider_schema: Schema,
    provider_ty: Type,
    resources: HashMap<&'static str, Entry<dyn Resource<P::Data>>>,
    data_sources: HashMap<&'static str, Entry<dyn DataSource<P::Data>>>,
    functions: HashMap<&'static str, Arc<dyn Function>>,
    schema_response: pb::get_provider_schema::Response,
    configured: OnceLock<Arc<P::Data>>,
    stop: Mutex<CancellationToken>,
    self_check: bool,
}

impl<P: Provider> ProviderService<P> {
    pub fn new(provider: P) -> Self {
        let provider_schema = provider.schema();
        let mut resources = HashMap::new();
        for r in provider.resources() {
            let schema = r.schema();
            let ty = schema.value_type();
            resources.insert(r.name(), Entry { imp: r, schema, ty });
        }
        let mut data_sources = HashMap::new();
        for d in provider.data_sources() {
            let schema = d.schema();
            let ty = schema.value_type();
            data_sources.insert(d.name(), Entry { imp: d, schema, ty });
        }
        let functions: HashMap<&'static str, Arc<dyn Function>> = provider
            .functions()
            .into_iter()
            .map(|f| (f.name(), f))
            .collect();
        // Built once: Terraform asks for the schema in every process it starts.
        let schema_response = pb::get_provider_schema::Response {
            provider: Some(convert::schema(&provider_schema)),
            resource_schemas: resources
                .iter()
                .map(|(n, e)| (n.to_string(), convert::schema(&e.schema)))
                .collect(),
            data_source_schemas: data_sources
                .iter()
                .map(|(n, e)| (n.to_string(), convert::schema(&e.schema)))
                .collect(),
            functions: function_definitions(&functions),
            server_capabilities: Some(capabilities()),
            ..Default::default()
        };
        ProviderService {
            provider: Arc::new(provider),
            provider_ty: provider_schema.value_type(),
            provider_schema,
            resources,
            data_sources,
            functions,
            schema_response,
            configured: OnceLock::new(),
            stop: Mutex::new(CancellationToken::new()),
            self_check: consistency::enabled(),
        }
    }

    fn ctx(&self) -> Ctx<P::Data> {
        let cancel = match self.stop.lock() {
            Ok(t) => t.child_token(),
            Err(poisoned) => poisoned.into_inner().child_token(),
        };
        Ctx::new(self.configured.get().cloned(), cancel)
    }

    fn resource(&self, name: &str) -> Result<&Entry<dyn Resource<P::Data>>, Diagnostics> {
        self.resources
            .get(name)
            .ok_or_else(|| unknown_type("resource", name))
    }

    fn data_source(&self, name: &str) -> Result<&Entry<dyn DataSource<P::Data>>, Diagnostics> {
        self.data_sources
            .get(name)
            .ok_or_else(|| unknown_type("data source", name))
    }
}

fn function_definitions(
    functions: &HashMap<&'static str, Arc<dyn Function>>,
) -> HashMap<String, pb::Function> {
    functions
        .iter()
        .map(|(n, f)| (n.to_string(), convert::function(f.as_ref())))
        .collect()
}

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        // Destroy plans come to us too, so a resource could refuse or annotate them.
        plan_destroy: true,
        get_provider_schema_optional: false,
        move_resource_state: false,
        ..Default::default()
    }
}

fn unknown_type(kind: &str, name: &str) -> Diagnostics {
    Diagnostic::error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} named \"{name}\"."),
    )
    .into()
}

/// Runs resource code so that a panic becomes an error diagnostic instead of a dead plugin.
async fn guarded<T>(
    what: &str,
    fut: impl std::future::Future<Output = Result<T, Diagnostics>>,
) -> Result<T, Diagnostics> {
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(r) => r,
        Err(_) => Err(Diagnostic::error(
            "Provider bug",
            format!("The provider hit an internal error during {what}. Please report it; no state was lost."),
        )
        .into()),
    }
}

fn self_check_diags(problems: Vec<String>, what: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    for p in problems {
        d.error(
            format!("Provider self-check failed ({what})"),
            format!("Terraform would reject this {what}: {p}"),
        );
    }
    d
}

type Rpc<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl<P: Provider> pb::provider_server::Provider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> Rpc<pb::get_metadata::Response> {
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            resources: self
                .resources
                .keys()
                .map(|n| pb::get_metadata::ResourceMetadata {
                    type_name: n.to_string(),
                })
                .collect(),
            data_sources: self
                .data_sources
                .keys()
                .map(|n| pb::get_metadata::DataSourceMetadata {
                    type_name: n.to_string(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> Rpc<pb::get_provider_schema::Response> {
        Ok(Response::new(self.schema_response.clone()))
    }

    async fn get_resource_identity_schemas(
        &self,
        _: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Rpc<pb::get_resource_identity_schemas::Response> {
        Ok(Response::new(Default::default()))
    }

    async fn get_functions(
        &self,
        _: Request<pb::get_functions::Request>,
    ) -> Rpc<pb::get_functions::Response> {
        Ok(Response::new(pb::get_functions::Response {
            functions: function_definitions(&self.functions),
            diagnostics: Vec::new(),
        }))
    }

    async fn call_function(
        &self,
        req: Request<pb::call_function::Request>,
    ) -> Rpc<pb::call_function::Response> {
        let req = req.into_inner();
        let error = |text: String, argument: Option<i64>| {
            Ok(Response::new(pb::call_function::Response {
                result: None,
                error: Some(pb::FunctionError {
                    text,
                    function_argument: argument,
                }),
            }))
        };
        let Some(f) = self.functions.get(req.name.as_str()) else {
            return error(
                format!("This provider has no function named \"{}\".", req.name),
                None,
            );
        };
        let sig = f.signature();
        if req.arguments.len() != sig.params.len() {
            return error(
                format!(
                    "{} takes {} arguments; got {}.",
                    req.name,
                    sig.params.len(),
                    req.arguments.len()
                ),
                None,
            );
        }
        let mut args = Vec::with_capacity(sig.params.len());
        for (i, (dv, p)) in req.arguments.iter().zip(&sig.params).enumerate() {
            match convert::decode(Some(dv), &p.ty) {
                Ok(v) if v.is_null() && !p.allow_null => {
                    return error(
                        format!("Argument {} must not be null.", p.name),
                        Some(i as i64),
                    );
                }
                Ok(v) => args.push(v),
                Err(d) => {
                    let text = d.0.first().map(|x| x.detail.clone()).unwrap_or_default();
                    return error(text, Some(i as i64));
                }
            }
        }
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| f.call(&args)));
        match result {
            Ok(Ok(v)) => match convert::encode(&v, &sig.return_type) {
                Ok(dv) => Ok(Response::new(pb::call_function::Response {
                    result: Some(dv),
                    error: None,
                })),
                Err(d) => error(
                    d.0.first().map(|x| x.detail.clone()).unwrap_or_default(),
                    None,
                ),
            },
            Ok(Err(e)) => error(e.text, e.argument),
            Err(_) => error(
                format!("internal error in {}; please report it", req.name),
                None,
            ),
        }
    }

    async fn validate_provider_config(
        &self,
        req: Request<pb::validate_provider_config::Request>,
    ) -> Rpc<pb::validate_provider_config::Response> {
        let req = req.into_inner();
        let diags = match convert::decode(req.config.as_ref(), &self.provider_ty) {
            Ok(config) => {
                let mut d = Diagnostics::new();
                plan::validate_config(
                    &self.provider_schema.block,
                    &config,
                    &Default::default(),
                    &mut d,
                );
                self.provider.validate(&config, &mut d);
                d
            }
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: convert::diagnostics(diags),
        }))
    }

    async fn configure_provider(
        &self,
        req: Request<pb::configure_provider::Request>,
    ) -> Rpc<pb::configure_provider::Response> {
        let req = req.into_inner();
        tracing::debug!(terraform_version = %req.terraform_version, "configuring provider");
        let result = async {
            let config = convert::decode(req.config.as_ref(), &self.provider_ty)?;
            let data = guarded("ConfigureProvider", self.provider.configure(&config)).await?;
            // Terraform configures a provider once per process; a second call keeps the first data.
            let _ = self.configured.set(Arc::new(data));
            Ok(())
        }
        .await;
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: convert::diagnostics(result.err().unwrap_or_default()),
        }))
    }

    async fn validate_resource_config(
        &self,
        req: Request<pb::validate_resource_config::Request>,
    ) -> Rpc<pb::validate_resource_config::Response> {
        let req = req.into_inner();
        let diags = (|| {
            let e = self.resource(&req.type_name)?;
            let config = convert::decode(req.config.as_ref(), &e.ty)?;
            let mut d = Diagnostics::new();
            plan::validate_config(&e.schema.block, &config, &Default::default(), &mut d);
            e.imp.validate(&config, &mut d);
            Err::<(), _>(d)
        })()
        .err()
        .unwrap_or_default();
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: convert::diagnostics(diags),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<pb::validate_data_resource_config::Request>,
    ) -> Rpc<pb::validate_data_resource_config::Response> {
        let req = req.into_inner();
        let diags = (|| {
            let e = self.data_source(&req.type_name)?;
            let config = convert::decode(req.config.as_ref(), &e.ty)?;
            let mut d = Diagnostics::new();
            plan::validate_config(&e.schema.block, &config, &Default::default(), &mut d);
            e.imp.validate(&config, &mut d);
            Err::<(), _>(d)
        })()
        .err()
        .unwrap_or_default();
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics: convert::diagnostics(diags),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> Rpc<pb::upgrade_resource_state::Response> {
        let req = req.into_inner();
        let result = (|| {
            let e = self.resource(&req.type_name)?;
            let raw = req.raw_state.unwrap_or_default();
            if raw.json.is_empty() {
                return Err(Diagnostic::error(
                    "Unsupported state format",
                    "This state was written in the legacy flatmap format, which multicloud never wrote.",
                )
                .into());
            }
            let json: serde_json::Value = serde_json::from_slice(&raw.json).map_err(|err| {
                Diagnostics::from(Diagnostic::error(
                    "Corrupt state",
                    format!("State is not valid JSON: {err}"),
                ))
            })?;
            if req.version > e.schema.version {
                return Err(Diagnostic::error(
                    "State written by a newer provider",
                    format!(
                        "This state has schema version {} but this provider knows version {}. Upgrade the provider.",
                        req.version, e.schema.version
                    ),
                )
                .into());
            }
            let upgraded = e.imp.upgrade_state(req.version, json)?;
            let value = crate::cty::from_json_lenient(&upgraded, &e.ty).map_err(|err| {
                Diagnostics::from(Diagnostic::error(
                    "State does not match the schema",
                    format!("Stored state could not be read with the current schema: {err}"),
                ))
            })?;
            convert::encode(&value.conform(&e.ty), &e.ty)
        })();
        let (upgraded_state, diags) = split(result);
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: convert::diagnostics(diags),
        }))
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> Rpc<pb::read_resource::Response> {
        let req = req.into_inner();
        let private = req.private.clone();
        let result = async {
            let e = self.resource(&req.type_name)?;
            let state = convert::decode(req.current_state.as_ref(), &e.ty)?;
            tracing::debug!(resource = %req.type_name, "reading");
            let ctx = self.ctx();
            let new_state = guarded("ReadResource", e.imp.read(&ctx, &state)).await?;
            convert::encode(
                &new_state.map(|v| v.conform(&e.ty)).unwrap_or(Value::Null),
                &e.ty,
            )
        }
        .await;
        let (new_state, diags) = split(result);
        Ok(Response::new(pb::read_resource::Response {
            new_state,
            diagnostics: convert::diagnostics(diags),
            private,
            ..Default::default()
        }))
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> Rpc<pb::plan_resource_change::Response> {
        let req = req.into_inner();
        let private = req.prior_private.clone();
        let result = async {
            let e = self.resource(&req.type_name)?;
            let proposed = convert::decode(req.proposed_new_state.as_ref(), &e.ty)?;
            if proposed.is_null() {
                // A destroy plan: nothing to refine.
                return Ok((convert::encode(&Value::Null, &e.ty)?, Vec::new()));
            }
            let prior = convert::decode(req.prior_state.as_ref(), &e.ty)?;
            let config = convert::decode(req.config.as_ref(), &e.ty)?;
            let prior = (!prior.is_null()).then_some(prior);
            let (mut planned, mut requires_replace) =
                plan::plan_resource(&e.schema.block, &config, prior.as_ref(), &proposed);
            let mut diags = Diagnostics::new();
            let ctx = self.ctx();
            let refine = async {
                e.imp
                    .modify_plan(
                        &ctx,
                        &mut PlanRequest {
                            config: &config,
                            prior: prior.as_ref(),
                            planned: &mut planned,
                            requires_replace: &mut requires_replace,
                            prior_private: &req.prior_private,
                            diags: &mut diags,
                        },
                    )
                    .await;
                Ok(())
            };
            guarded("PlanResourceChange", refine).await?;
            if self.self_check {
                diags.extend(self_check_diags(
                    consistency::check_plan(&e.schema.block, &config, &planned),
                    "plan",
                ));
            }
            if diags.has_errors() {
                return Err(diags);
            }
            let planned = convert::encode(&planned.conform(&e.ty), &e.ty)?;
            Ok((planned, requires_replace))
        }
        .await;
        let (ok, diags) = split(result);
        let (planned_state, requires_replace) = match ok {
            Some((p, r)) => (Some(p), r.iter().map(convert::path).collect()),
            None => (None, Vec::new()),
        };
        Ok(Response::new(pb::plan_resource_change::Response {
            planned_state,
            requires_replace,
            planned_private: private,
            diagnostics: convert::diagnostics(diags),
            ..Default::default()
        }))
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> Rpc<pb::apply_resource_change::Response> {
        let req = req.into_inner();
        let private = req.planned_private.clone();
        let outcome: Result<(Value, Option<Diagnostics>), ApplyError> = async {
            let e = self.resource(&req.type_name)?;
            let prior = convert::decode(req.prior_state.as_ref(), &e.ty)?;
            let planned = convert::decode(req.planned_state.as_ref(), &e.ty)?;
            let ctx = self.ctx();
            let imp = &e.imp;
            let run = async {
                if planned.is_null() {
                    tracing::info!(resource = %req.type_name, "deleting");
                    imp.delete(&ctx, &prior).await.map_err(ApplyError::from)?;
                    Ok(Value::Null)
                } else if prior.is_null() {
                    tracing::info!(resource = %req.type_name, "creating");
                    imp.create(&ctx, &planned).await
                } else {
                    tracing::info!(resource = %req.type_name, "updating");
                    imp.update(&ctx, &prior, &planned).await
                }
            };
            let new_state = match AssertUnwindSafe(run).catch_unwind().await {
                Ok(r) => r?,
                Err(_) => {
                    return Err(ApplyError {
                        // Keep what Terraform had: a panic must never lose state.
                        partial: Some(prior.clone()).filter(|p| !p.is_null()),
                        diags: Diagnostic::error(
                            "Provider bug",
                            "The provider hit an internal error during apply. Please report it; the prior state was kept.",
                        )
                        .into(),
                    });
                }
            };
            let new_state = new_state.conform(&e.ty);
            let check = (self.self_check && !planned.is_null())
                .then(|| self_check_diags(consistency::check_apply(&planned, &new_state), "apply result"))
                .filter(|d| !d.is_empty());
            Ok((new_state, check))
        }
        .await;
        let ty = self
            .resources
            .get(req.type_name.as_str())
            .map(|e| e.ty.clone());
        let (state, diags) = match outcome {
            Ok((v, check)) => (Some(v), check.unwrap_or_default()),
            Err(err) => (err.partial, err.diags),
        };
        let (new_state, mut diags) = match (state, ty) {
            (Some(v), Some(ty)) => match convert::encode(&v.conform(&ty), &ty) {
                Ok(dv) => (Some(dv), diags),
                Err(mut d) => {
                    d.extend(diags);
                    (None, d)
                }
            },
            _ => (None, diags),
        };
        if new_state.is_none() && diags.is_empty() {
            diags.error("Provider bug", "Apply produced no state.");
        }
        Ok(Response::new(pb::apply_resource_change::Response {
            new_state,
            private,
            diagnostics: convert::diagnostics(diags),
            ..Default::default()
        }))
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> Rpc<pb::import_resource_state::Response> {
        let req = req.into_inner();
        let result = async {
            let e = self.resource(&req.type_name)?;
            let ctx = self.ctx();
            let (state, private) =
                guarded("ImportResourceState", e.imp.import(&ctx, &req.id)).await?;
            Ok(pb::import_resource_state::ImportedResource {
                type_name: req.type_name.clone(),
                state: Some(convert::encode(&state.conform(&e.ty), &e.ty)?),
                private,
                ..Default::default()
            })
        }
        .await;
        let (imported, diags) = split(result);
        Ok(Response::new(pb::import_resource_state::Response {
            imported_resources: imported.into_iter().collect(),
            diagnostics: convert::diagnostics(diags),
            ..Default::default()
        }))
    }

    async fn read_data_source(
        &self,
        req: Request<pb::read_data_source::Request>,
    ) -> Rpc<pb::read_data_source::Response> {
        let req = req.into_inner();
        let result = async {
            let e = self.data_source(&req.type_name)?;
            let config = convert::decode(req.config.as_ref(), &e.ty)?;
            let ctx = self.ctx();
            let state = guarded("ReadDataSource", e.imp.read(&ctx, &config)).await?;
            convert::encode(&state.conform(&e.ty), &e.ty)
        }
        .await;
        let (state, diags) = split(result);
        Ok(Response::new(pb::read_data_source::Response {
            state,
            diagnostics: convert::diagnostics(diags),
            ..Default::default()
        }))
    }

    async fn stop_provider(
        &self,
        _: Request<pb::stop_provider::Request>,
    ) -> Rpc<pb::stop_provider::Response> {
        tracing::info!("stop requested: cancelling in-flight operations");
        if let Ok(mut token) = self.stop.lock() {
            token.cancel();
            // Later calls (Terraform may still ask to persist state) get a fresh token.
            *token = CancellationToken::new();
        }
        Ok(Response::new(pb::stop_provider::Response::default()))
    }
}

fn split<T>(r: Result<T, Diagnostics>) -> (Option<T>, Diagnostics) {
    match r {
        Ok(v) => (Some(v), Diagnostics::new()),
        Err(d) => (None, d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cty::Type;
    use crate::proto::tfplugin6::provider_server::Provider as _;
    use crate::schema::{Attribute, Block};
    use std::time::Duration;

    /// A resource whose create waits until the operation is cancelled.
    struct Waits;

    #[async_trait::async_trait]
    impl Resource<()> for Waits {
        fn name(&self) -> &'static str {
            "test_waits"
        }
        fn schema(&self) -> Schema {
            Schema::new(
                0,
                Block::new("t").attr(Attribute::new("id", Type::String).computed()),
            )
        }
        async fn create(&self, ctx: &Ctx<()>, _: &Value) -> Result<Value, ApplyError> {
            ctx.cancel.cancelled().await;
            Err(Diagnostic::error("Cancelled", "stopped by Terraform").into())
        }
        async fn read(&self, _: &Ctx<()>, s: &Value) -> Result<Option<Value>, Diagnostics> {
            Ok(Some(s.clone()))
        }
        async fn update(&self, _: &Ctx<()>, _: &Value, p: &Value) -> Result<Value, ApplyError> {
            Ok(p.clone())
        }
        async fn delete(&self, _: &Ctx<()>, _: &Value) -> Result<(), Diagnostics> {
            Ok(())
        }
    }

    struct Toy;

    #[async_trait::async_trait]
    impl Provider for Toy {
        type Data = ();
        fn name(&self) -> &'static str {
            "test"
        }
        fn schema(&self) -> Schema {
            Schema::new(0, Block::new("t"))
        }
        async fn configure(&self, _: &Value) -> Result<(), Diagnostics> {
            Ok(())
        }
        fn resources(&self) -> Vec<Arc<dyn Resource<()>>> {
            vec![Arc::new(Waits)]
        }
        fn data_sources(&self) -> Vec<Arc<dyn DataSource<()>>> {
            Vec::new()
        }
    }

    fn planned() -> pb::DynamicValue {
        let ty = Type::object([("id", Type::String)]);
        convert::encode(&Value::object([("id", Value::Unknown)]), &ty).unwrap()
    }

    #[tokio::test]
    async fn stop_provider_cancels_in_flight_apply() {
        let svc = Arc::new(ProviderService::new(Toy));
        let apply = tokio::spawn({
            let svc = svc.clone();
            async move {
                svc.apply_resource_change(Request::new(pb::apply_resource_change::Request {
                    type_name: "test_waits".into(),
                    planned_state: Some(planned()),
                    ..Default::default()
                }))
                .await
            }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!apply.is_finished(), "create should be waiting");
        svc.stop_provider(Request::new(pb::stop_provider::Request {}))
            .await
            .unwrap();
        let resp = tokio::time::timeout(Duration::from_secs(2), apply)
            .await
            .expect("apply did not stop")
            .unwrap()
            .unwrap()
            .into_inner();
        assert_eq!(resp.diagnostics[0].summary, "Cancelled");
        assert!(resp.new_state.is_none());

        // Work started after the stop is not cancelled by it.
        let ctx = svc.ctx();
        assert!(!ctx.cancel.is_cancelled());
    }

    #[tokio::test]
    async fn upgrade_reads_state_written_by_an_older_schema() {
        let svc = ProviderService::new(Toy);
        let resp = svc
            .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
                type_name: "test_waits".into(),
                version: 0,
                raw_state: Some(pb::RawState {
                    json: br#"{"id":"a","removed_attribute":1}"#.to_vec(),
                    ..Default::default()
                }),
            }))
            .await
            .unwrap()
            .into_inner();
        assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
        let ty = Type::object([("id", Type::String)]);
        let v = convert::decode(resp.upgraded_state.as_ref(), &ty).unwrap();
        assert_eq!(v.get("id"), Some(&Value::string("a")));

        let newer = svc
            .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
                type_name: "test_waits".into(),
                version: 7,
                raw_state: Some(pb::RawState {
                    json: b"{}".to_vec(),
                    ..Default::default()
                }),
            }))
            .await
            .unwrap()
            .into_inner();
        assert!(newer.diagnostics[0].summary.contains("newer provider"));
    }
}
