//! tfplugin6.Provider: the registry of what the provider offers, built once per process, and the
//! gRPC entry points. Each RPC family lives in its own file under `rpc/` (decode the request, run
//! the framework pipeline and the provider's code, encode the answer); this file only routes.
//! RPCs nobody offers (state stores) fall back to the generated `Unimplemented` stubs.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, OnceLock};

use futures::FutureExt;
use tokio_util::sync::CancellationToken;
use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status};

use super::rpc;
use crate::consistency;
use crate::cty::Type;
use crate::diag::{Diagnostic, Diagnostics};
use crate::framework::{
    Action, Ctx, DataSource, EphemeralResource, IdentitySchema, ListResource, Provider, Resource,
};
use crate::function::Function;
use crate::proto::tfplugin6 as pb;
use crate::schema::Schema;

/// One offered type with its schema and value type, computed once.
pub(crate) struct Entry<T: ?Sized> {
    pub imp: Arc<T>,
    pub schema: Schema,
    pub ty: Type,
}

impl<T: ?Sized> Entry<T> {
    fn new(imp: Arc<T>, schema: Schema) -> Self {
        let ty = schema.value_type();
        Entry { imp, schema, ty }
    }
}

/// A managed resource, with its identity schema when it has one.
pub(crate) struct ResourceEntry<D> {
    pub entry: Entry<dyn Resource<D>>,
    pub identity: Option<(IdentitySchema, Type)>,
}

pub struct ProviderService<P: Provider> {
    pub(crate) provider: Arc<P>,
    pub(crate) provider_schema: Schema,
    pub(crate) provider_ty: Type,
    pub(crate) resources: HashMap<&'static str, ResourceEntry<P::Data>>,
    pub(crate) data_sources: HashMap<&'static str, Entry<dyn DataSource<P::Data>>>,
    pub(crate) ephemerals: HashMap<&'static str, Entry<dyn EphemeralResource<P::Data>>>,
    pub(crate) lists: HashMap<&'static str, Entry<dyn ListResource<P::Data>>>,
    pub(crate) actions: HashMap<&'static str, Entry<dyn Action<P::Data>>>,
    pub(crate) functions: HashMap<&'static str, Arc<dyn Function>>,
    pub(crate) schema_response: pb::get_provider_schema::Response,
    pub(crate) configured: OnceLock<Arc<P::Data>>,
    stop: Mutex<CancellationToken>,
    pub(crate) self_check: bool,
}

fn by_name<T: ?Sized>(
    items: Vec<Arc<T>>,
    name: impl Fn(&T) -> &'static str,
    schema: impl Fn(&T) -> Schema,
) -> HashMap<&'static str, Entry<T>> {
    items
        .into_iter()
        .map(|imp| (name(&imp), Entry::new(imp.clone(), schema(&imp))))
        .collect()
}

impl<P: Provider> ProviderService<P> {
    pub fn new(provider: P) -> Self {
        let provider_schema = provider.schema();
        let resources = provider
            .resources()
            .into_iter()
            .map(|r| {
                let identity = r.abilities().identity.map(|i| {
                    let s = i.identity_schema();
                    let ty = s.value_type();
                    (s, ty)
                });
                let entry = Entry::new(r.clone(), r.schema());
                (r.name(), ResourceEntry { entry, identity })
            })
            .collect();
        let data_sources = by_name(provider.data_sources(), |d| d.name(), |d| d.schema());
        let ephemerals = by_name(provider.ephemeral_resources(), |e| e.name(), |e| e.schema());
        let lists = by_name(provider.list_resources(), |l| l.name(), |l| l.schema());
        let actions = by_name(provider.actions(), |a| a.name(), |a| a.schema());
        let functions: HashMap<&'static str, Arc<dyn Function>> = provider
            .functions()
            .into_iter()
            .map(|f| (f.name(), f))
            .collect();
        let mut svc = ProviderService {
            provider: Arc::new(provider),
            provider_ty: provider_schema.value_type(),
            provider_schema,
            resources,
            data_sources,
            ephemerals,
            lists,
            actions,
            functions,
            schema_response: Default::default(),
            configured: OnceLock::new(),
            stop: Mutex::new(CancellationToken::new()),
            self_check: consistency::enabled(),
        };
        // Built once: Terraform asks for the schema in every process it starts.
        svc.schema_response = rpc::meta::schema_response(&svc);
        svc
    }

    pub(crate) fn ctx(&self) -> Ctx<P::Data> {
        let cancel = match self.stop.lock() {
            Ok(t) => t.child_token(),
            Err(poisoned) => poisoned.into_inner().child_token(),
        };
        Ctx::new(self.configured.get().cloned(), cancel)
    }

    pub(crate) fn cancel_in_flight(&self) {
        if let Ok(mut token) = self.stop.lock() {
            token.cancel();
            // Later calls (Terraform may still ask to persist state) get a fresh token.
            *token = CancellationToken::new();
        }
    }

    pub(crate) fn resource(&self, name: &str) -> Result<&ResourceEntry<P::Data>, Diagnostics> {
        self.resources
            .get(name)
            .ok_or_else(|| unknown_type("resource", name))
    }
}

/// Looks a type name up in one registry; the error names the kind and the name.
pub(crate) fn lookup<'a, T: ?Sized>(
    items: &'a HashMap<&'static str, Entry<T>>,
    kind: &str,
    name: &str,
) -> Result<&'a Entry<T>, Diagnostics> {
    items.get(name).ok_or_else(|| unknown_type(kind, name))
}

fn unknown_type(kind: &str, name: &str) -> Diagnostics {
    Diagnostic::error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} named \"{name}\"."),
    )
    .into()
}

/// Runs provider code so that a panic becomes an error diagnostic instead of a dead plugin.
pub(crate) async fn guarded<T>(
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

/// The diagnostics of validating `config` for an offered type: the declared validators, then the
/// type's own check (`check`), which every kind (data source, ephemeral, list, action) has.
pub(crate) fn validate_entry<T: ?Sized>(
    items: &HashMap<&'static str, Entry<T>>,
    kind: &str,
    type_name: &str,
    config: Option<&pb::DynamicValue>,
    check: impl FnOnce(&T, crate::framework::ValidateRequest<'_>, &mut Diagnostics),
) -> Vec<pb::Diagnostic> {
    let diags = (|| {
        let e = lookup(items, kind, type_name)?;
        let config = crate::convert::decode(config, &e.ty)?;
        let mut d = Diagnostics::new();
        crate::plan::validate_config(&e.schema.block, &config, &Default::default(), &mut d);
        let req = crate::framework::ValidateRequest {
            config: &config,
            client: Default::default(),
        };
        check(&e.imp, req, &mut d);
        Err::<(), _>(d)
    })()
    .err()
    .unwrap_or_default();
    crate::convert::diagnostics(diags)
}

pub(crate) fn split<T>(r: Result<T, Diagnostics>) -> (Option<T>, Diagnostics) {
    match r {
        Ok(v) => (Some(v), Diagnostics::new()),
        Err(d) => (None, d),
    }
}

type Rpc<T> = Result<Response<T>, Status>;

/// Every answer is a message with diagnostics; transport errors are Terraform's business.
fn ok<T>(t: T) -> Rpc<T> {
    Ok(Response::new(t))
}

#[tonic::async_trait]
impl<P: Provider> pb::provider_server::Provider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> Rpc<pb::get_metadata::Response> {
        ok(rpc::meta::metadata(self))
    }

    async fn get_provider_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> Rpc<pb::get_provider_schema::Response> {
        ok(self.schema_response.clone())
    }

    async fn get_resource_identity_schemas(
        &self,
        _: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Rpc<pb::get_resource_identity_schemas::Response> {
        ok(rpc::identity::schemas(self))
    }

    async fn upgrade_resource_identity(
        &self,
        req: Request<pb::upgrade_resource_identity::Request>,
    ) -> Rpc<pb::upgrade_resource_identity::Response> {
        ok(rpc::identity::upgrade(self, req.into_inner()))
    }

    async fn get_functions(
        &self,
        _: Request<pb::get_functions::Request>,
    ) -> Rpc<pb::get_functions::Response> {
        ok(pb::get_functions::Response {
            functions: self.schema_response.functions.clone(),
            diagnostics: Vec::new(),
        })
    }

    async fn call_function(
        &self,
        req: Request<pb::call_function::Request>,
    ) -> Rpc<pb::call_function::Response> {
        ok(rpc::function::call(self, req.into_inner()))
    }

    async fn validate_provider_config(
        &self,
        req: Request<pb::validate_provider_config::Request>,
    ) -> Rpc<pb::validate_provider_config::Response> {
        ok(rpc::meta::validate_provider(self, req.into_inner()))
    }

    async fn configure_provider(
        &self,
        req: Request<pb::configure_provider::Request>,
    ) -> Rpc<pb::configure_provider::Response> {
        ok(rpc::meta::configure(self, req.into_inner()).await)
    }

    async fn validate_resource_config(
        &self,
        req: Request<pb::validate_resource_config::Request>,
    ) -> Rpc<pb::validate_resource_config::Response> {
        ok(rpc::resource::validate(self, req.into_inner()))
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> Rpc<pb::upgrade_resource_state::Response> {
        ok(rpc::resource::upgrade(self, req.into_inner()))
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> Rpc<pb::read_resource::Response> {
        ok(rpc::resource::read(self, req.into_inner()).await)
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> Rpc<pb::plan_resource_change::Response> {
        ok(rpc::resource::plan(self, req.into_inner()).await)
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> Rpc<pb::apply_resource_change::Response> {
        ok(rpc::resource::apply(self, req.into_inner()).await)
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> Rpc<pb::import_resource_state::Response> {
        ok(rpc::resource::import(self, req.into_inner()).await)
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<pb::validate_data_resource_config::Request>,
    ) -> Rpc<pb::validate_data_resource_config::Response> {
        ok(rpc::data::validate(self, req.into_inner()))
    }

    async fn read_data_source(
        &self,
        req: Request<pb::read_data_source::Request>,
    ) -> Rpc<pb::read_data_source::Response> {
        ok(rpc::data::read(self, req.into_inner()).await)
    }

    async fn validate_ephemeral_resource_config(
        &self,
        req: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Rpc<pb::validate_ephemeral_resource_config::Response> {
        ok(rpc::ephemeral::validate(self, req.into_inner()))
    }

    async fn open_ephemeral_resource(
        &self,
        req: Request<pb::open_ephemeral_resource::Request>,
    ) -> Rpc<pb::open_ephemeral_resource::Response> {
        ok(rpc::ephemeral::open(self, req.into_inner()).await)
    }

    async fn renew_ephemeral_resource(
        &self,
        req: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Rpc<pb::renew_ephemeral_resource::Response> {
        ok(rpc::ephemeral::renew(self, req.into_inner()).await)
    }

    async fn close_ephemeral_resource(
        &self,
        req: Request<pb::close_ephemeral_resource::Request>,
    ) -> Rpc<pb::close_ephemeral_resource::Response> {
        ok(rpc::ephemeral::close(self, req.into_inner()).await)
    }

    async fn validate_list_resource_config(
        &self,
        req: Request<pb::validate_list_resource_config::Request>,
    ) -> Rpc<pb::validate_list_resource_config::Response> {
        ok(rpc::list::validate(self, req.into_inner()))
    }

    async fn list_resource(
        &self,
        req: Request<pb::list_resource::Request>,
    ) -> Rpc<BoxStream<pb::list_resource::Event>> {
        ok(rpc::list::list(self, req.into_inner()))
    }

    async fn validate_action_config(
        &self,
        req: Request<pb::validate_action_config::Request>,
    ) -> Rpc<pb::validate_action_config::Response> {
        ok(rpc::action::validate(self, req.into_inner()))
    }

    async fn plan_action(
        &self,
        req: Request<pb::plan_action::Request>,
    ) -> Rpc<pb::plan_action::Response> {
        ok(rpc::action::plan(self, req.into_inner()).await)
    }

    async fn invoke_action(
        &self,
        req: Request<pb::invoke_action::Request>,
    ) -> Rpc<BoxStream<pb::invoke_action::Event>> {
        ok(rpc::action::invoke(self, req.into_inner()))
    }

    async fn stop_provider(
        &self,
        _: Request<pb::stop_provider::Request>,
    ) -> Rpc<pb::stop_provider::Response> {
        tracing::info!("stop requested: cancelling in-flight operations");
        self.cancel_in_flight();
        ok(pb::stop_provider::Response::default())
    }
}
