//! The server driven through its gRPC trait with a toy provider: cancellation, upgrades, identity,
//! write-only refusal, list streaming and action progress.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use tonic::Request;

use super::ProviderService;
use crate::convert;
use crate::cty::{Type, Value};
use crate::diag::{Diagnostic, Diagnostics};
use crate::framework::*;
use crate::proto::tfplugin6 as pb;
use crate::proto::tfplugin6::provider_server::Provider as _;
use crate::schema::{Attribute, Block, Schema};

/// A resource whose create waits until the operation is cancelled; its identity is its id.
struct Waits;

#[async_trait]
impl Resource<()> for Waits {
    fn name(&self) -> &'static str {
        "test_waits"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new("t")
                .attr(Attribute::new("id", Type::String).optional().computed())
                .attr(
                    Attribute::new("secret_wo", Type::String)
                        .optional()
                        .sensitive()
                        .write_only(),
                ),
        )
    }
    async fn create(
        &self,
        ctx: &Ctx<()>,
        _: CreateRequest<'_>,
        _: &mut ApplyResponse,
    ) -> Result<(), Diagnostics> {
        ctx.cancel.cancelled().await;
        Err(Diagnostic::error("Cancelled", "stopped by Terraform").into())
    }
    async fn read(
        &self,
        _: &Ctx<()>,
        _: ReadRequest<'_>,
        _: &mut ReadResponse,
    ) -> Result<(), Diagnostics> {
        Ok(())
    }
    async fn update(
        &self,
        _: &Ctx<()>,
        req: UpdateRequest<'_>,
        resp: &mut ApplyResponse,
    ) -> Result<(), Diagnostics> {
        resp.state = req.planned.clone();
        Ok(())
    }
    async fn delete(&self, _: &Ctx<()>, _: DeleteRequest<'_>) -> Result<(), Diagnostics> {
        Ok(())
    }
    fn abilities(&self) -> Abilities<'_, ()> {
        Abilities {
            import: Some(self),
            identity: Some(self),
            ..Default::default()
        }
    }
}

#[async_trait]
impl Import<()> for Waits {
    async fn import(
        &self,
        _: &Ctx<()>,
        req: ImportRequest<'_>,
        resp: &mut ImportResponse,
    ) -> Result<(), Diagnostics> {
        resp.state = Value::object([("id", Value::string(req.id))]);
        Ok(())
    }
}

impl Identity for Waits {
    fn identity_schema(&self) -> IdentitySchema {
        IdentitySchema::new(vec![IdentityAttribute::required(
            "name",
            Type::String,
            "The name.",
        )])
    }
    fn identity_of(&self, state: &Value) -> Option<Value> {
        let id = state.get("id")?.as_str()?;
        Some(Value::object([("name", Value::string(id))]))
    }
    fn import_id(&self, identity: &Value) -> Result<String, Diagnostics> {
        identity
            .get("name")
            .and_then(Value::as_str)
            .map(|s| format!("by-identity:{s}"))
            .ok_or_else(|| Diagnostic::error("Missing name", "identity.name is required").into())
    }
}

/// Lists three objects named a, b, c.
struct Lists;

#[async_trait]
impl ListResource<()> for Lists {
    fn name(&self) -> &'static str {
        "test_waits"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new("l").attr(Attribute::new("prefix", Type::String).optional()),
        )
    }
    async fn list(
        &self,
        _: &Ctx<()>,
        req: ListRequest<'_>,
        sink: &mut ListSink,
    ) -> Result<(), Diagnostics> {
        let prefix = req
            .config
            .get("prefix")
            .and_then(Value::as_str)
            .unwrap_or("");
        for name in ["a", "b", "c"] {
            let id = format!("{prefix}{name}");
            let found = Found {
                identity: Value::object([("name", Value::string(&id))]),
                display_name: id.clone(),
                resource: Some(Value::object([("id", Value::string(&id))])),
            };
            if !sink.push(found).await {
                return Ok(());
            }
        }
        Err(Diagnostic::error("Listed everything", "the end").into())
    }
}

/// Reports three steps, then finishes.
struct Steps;

#[async_trait]
impl Action<()> for Steps {
    fn name(&self) -> &'static str {
        "test_steps"
    }
    fn schema(&self) -> Schema {
        Schema::new(0, Block::new("a"))
    }
    async fn invoke(
        &self,
        _: &Ctx<()>,
        _: ActionRequest<'_>,
        progress: &Progress,
    ) -> Result<Diagnostics, Diagnostics> {
        for i in 1..=3 {
            progress.report(format!("step {i}")).await;
        }
        Ok(Diagnostics::new())
    }
}

struct Toy;

#[async_trait]
impl Provider for Toy {
    type Data = ();
    fn name(&self) -> &'static str {
        "test"
    }
    fn schema(&self) -> Schema {
        Schema::new(0, Block::new("t"))
    }
    async fn configure(&self, _: ConfigureRequest<'_>) -> Result<(), Diagnostics> {
        Ok(())
    }
    fn resources(&self) -> Vec<Arc<dyn Resource<()>>> {
        vec![Arc::new(Waits)]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource<()>>> {
        Vec::new()
    }
    fn list_resources(&self) -> Vec<Arc<dyn ListResource<()>>> {
        vec![Arc::new(Lists)]
    }
    fn actions(&self) -> Vec<Arc<dyn Action<()>>> {
        vec![Arc::new(Steps)]
    }
}

fn ty() -> Type {
    Waits.schema().value_type()
}

fn dv(v: Value) -> pb::DynamicValue {
    convert::encode(&v.conform(&ty()), &ty()).unwrap()
}

#[tokio::test]
async fn stop_provider_cancels_in_flight_apply() {
    let svc = Arc::new(ProviderService::new(Toy));
    let apply = tokio::spawn({
        let svc = svc.clone();
        async move {
            svc.apply_resource_change(Request::new(pb::apply_resource_change::Request {
                type_name: "test_waits".into(),
                planned_state: Some(dv(Value::object([("id", Value::Unknown)]))),
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
    let v = convert::decode(resp.upgraded_state.as_ref(), &ty()).unwrap();
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

#[tokio::test]
async fn import_by_identity_goes_through_the_import_id_and_returns_the_identity() {
    let svc = ProviderService::new(Toy);
    let schemas = svc
        .get_resource_identity_schemas(Request::new(Default::default()))
        .await
        .unwrap()
        .into_inner();
    let s = &schemas.identity_schemas["test_waits"];
    assert_eq!(s.identity_attributes[0].name, "name");
    assert!(s.identity_attributes[0].required_for_import);

    let id_ty = Type::object([("name", Type::String)]);
    let identity = convert::encode(&Value::object([("name", Value::string("x"))]), &id_ty).unwrap();
    let resp = svc
        .import_resource_state(Request::new(pb::import_resource_state::Request {
            type_name: "test_waits".into(),
            identity: Some(pb::ResourceIdentityData {
                identity_data: Some(identity),
            }),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let imported = &resp.imported_resources[0];
    let state = convert::decode(imported.state.as_ref(), &ty()).unwrap();
    assert_eq!(state.get("id"), Some(&Value::string("by-identity:x")));
    let back = imported.identity.as_ref().unwrap().identity_data.as_ref();
    let back = convert::decode(back, &id_ty).unwrap();
    assert_eq!(back.get("name"), Some(&Value::string("by-identity:x")));
}

#[tokio::test]
async fn write_only_values_are_refused_to_a_terraform_that_would_store_them() {
    let svc = ProviderService::new(Toy);
    let config = dv(Value::object([("secret_wo", Value::string("hunter2"))]));
    let validate = |allowed: bool| {
        svc.validate_resource_config(Request::new(pb::validate_resource_config::Request {
            type_name: "test_waits".into(),
            config: Some(config.clone()),
            client_capabilities: allowed.then_some(pb::ClientCapabilities {
                write_only_attributes_allowed: true,
                deferral_allowed: false,
            }),
        }))
    };
    let old = validate(false).await.unwrap().into_inner();
    assert_eq!(old.diagnostics.len(), 1, "{:?}", old.diagnostics);
    assert!(old.diagnostics[0].summary.contains("1.11"));
    assert!(!old.diagnostics[0].detail.contains("hunter2"));
    let new = validate(true).await.unwrap().into_inner();
    assert!(new.diagnostics.is_empty(), "{:?}", new.diagnostics);
}

#[tokio::test]
async fn a_list_streams_results_until_the_limit() {
    let svc = ProviderService::new(Toy);
    let list_ty = Lists.schema().value_type();
    let config = convert::encode(
        &Value::object([("prefix", Value::string("p-"))]).conform(&list_ty),
        &list_ty,
    )
    .unwrap();
    let run = |limit: i64| {
        svc.list_resource(Request::new(pb::list_resource::Request {
            type_name: "test_waits".into(),
            config: Some(config.clone()),
            include_resource_object: true,
            limit,
        }))
    };
    let two: Vec<_> = run(2).await.unwrap().into_inner().collect().await;
    let names: Vec<String> = two
        .iter()
        .map(|e| e.as_ref().unwrap().display_name.clone())
        .collect();
    assert_eq!(names, ["p-a", "p-b"]);
    assert!(two[0].as_ref().unwrap().resource_object.is_some());

    // Without a limit the list runs to its end, and its error arrives as the last event.
    let all: Vec<_> = run(0).await.unwrap().into_inner().collect().await;
    assert_eq!(all.len(), 4);
    let last = all[3].as_ref().unwrap();
    assert_eq!(last.diagnostic[0].summary, "Listed everything");
}

#[tokio::test]
async fn an_action_streams_progress_in_order_then_completes() {
    let svc = ProviderService::new(Toy);
    let config = convert::encode(
        &Value::Object(Default::default()),
        &Steps.schema().value_type(),
    );
    let events: Vec<_> = svc
        .invoke_action(Request::new(pb::invoke_action::Request {
            action_type: "test_steps".into(),
            config: config.ok(),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner()
        .collect()
        .await;
    use pb::invoke_action::event::Type;
    let seen: Vec<String> = events
        .into_iter()
        .map(|e| match e.unwrap().r#type.unwrap() {
            Type::Progress(p) => p.message,
            Type::Completed(c) => format!("completed with {} diagnostics", c.diagnostics.len()),
        })
        .collect();
    assert_eq!(
        seen,
        ["step 1", "step 2", "step 3", "completed with 0 diagnostics"]
    );
}

#[tokio::test]
async fn identities_upgrade_from_json_and_newer_ones_are_refused() {
    let svc = ProviderService::new(Toy);
    let upgrade = |version: i64, json: &'static [u8]| {
        svc.upgrade_resource_identity(Request::new(pb::upgrade_resource_identity::Request {
            type_name: "test_waits".into(),
            version,
            raw_identity: Some(pb::RawState {
                json: json.to_vec(),
                ..Default::default()
            }),
        }))
    };
    let resp = upgrade(0, br#"{"name":"a","dropped":1}"#)
        .await
        .unwrap()
        .into_inner();
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let data = resp.upgraded_identity.unwrap().identity_data;
    let id_ty = Type::object([("name", Type::String)]);
    let v = convert::decode(data.as_ref(), &id_ty).unwrap();
    assert_eq!(v.get("name"), Some(&Value::string("a")));

    let newer = upgrade(3, b"{}").await.unwrap().into_inner();
    assert!(newer.diagnostics[0].summary.contains("newer provider"));
    let corrupt = upgrade(0, b"not json").await.unwrap().into_inner();
    assert_eq!(corrupt.diagnostics[0].summary, "Corrupt identity");
}
