//! Managed resources: validate, upgrade, read, plan, apply, import.

use std::panic::AssertUnwindSafe;

use futures::FutureExt;

use super::identity;
use crate::cty::Value;
use crate::diag::{Diagnostic, Diagnostics};
use crate::framework::{
    ApplyResponse, CreateRequest, DeleteRequest, ImportRequest, ImportResponse, PlanRequest,
    PlanResponse, Private, Provider, ReadRequest, ReadResponse, UpdateRequest, ValidateRequest,
};
use crate::proto::tfplugin6 as pb;
use crate::server::service::{ProviderService, ResourceEntry, guarded, split};
use crate::{consistency, convert, plan};

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

pub(crate) fn validate<P: Provider>(
    s: &ProviderService<P>,
    req: pb::validate_resource_config::Request,
) -> pb::validate_resource_config::Response {
    let diags = (|| {
        let e = &s.resource(&req.type_name)?.entry;
        let config = convert::decode(req.config.as_ref(), &e.ty)?;
        let client = convert::client_caps(req.client_capabilities.as_ref());
        let mut d = Diagnostics::new();
        plan::validate_config(&e.schema.block, &config, &Default::default(), &mut d);
        if !client.write_only_attributes {
            plan::refuse_write_only(&e.schema.block, &config, &Default::default(), &mut d);
        }
        e.imp.validate(
            ValidateRequest {
                config: &config,
                client,
            },
            &mut d,
        );
        Err::<(), _>(d)
    })()
    .err()
    .unwrap_or_default();
    pb::validate_resource_config::Response {
        diagnostics: convert::diagnostics(diags),
    }
}

pub(crate) fn upgrade<P: Provider>(
    s: &ProviderService<P>,
    req: pb::upgrade_resource_state::Request,
) -> pb::upgrade_resource_state::Response {
    let result = (|| {
        let e = &s.resource(&req.type_name)?.entry;
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
        let upgraded = match e.imp.abilities().upgrade_state {
            Some(u) if req.version < e.schema.version => u.upgrade_state(req.version, json)?,
            _ => json,
        };
        let value = crate::cty::from_json_lenient(&upgraded, &e.ty).map_err(|err| {
            Diagnostics::from(Diagnostic::error(
                "State does not match the schema",
                format!("Stored state could not be read with the current schema: {err}"),
            ))
        })?;
        convert::encode(&value.conform(&e.ty), &e.ty)
    })();
    let (upgraded_state, diags) = split(result);
    pb::upgrade_resource_state::Response {
        upgraded_state,
        diagnostics: convert::diagnostics(diags),
    }
}

pub(crate) async fn read<P: Provider>(
    s: &ProviderService<P>,
    req: pb::read_resource::Request,
) -> pb::read_resource::Response {
    let mut private = req.private.clone();
    let result = async {
        let r = s.resource(&req.type_name)?;
        let e = &r.entry;
        let state = convert::decode(req.current_state.as_ref(), &e.ty)?;
        let prior_private = Private::from_bytes(&req.private);
        tracing::debug!(resource = %req.type_name, "reading");
        let mut resp = ReadResponse {
            state: Some(state.clone()),
            private: prior_private.clone(),
            diags: Diagnostics::new(),
        };
        let ctx = s.ctx();
        let read = e.imp.read(
            &ctx,
            ReadRequest {
                state: &state,
                private: &prior_private,
            },
            &mut resp,
        );
        guarded("ReadResource", read).await?;
        private = resp.private.to_bytes();
        let new_state = resp.state.map(|v| v.conform(&e.ty)).unwrap_or(Value::Null);
        let identity = identity::of(r, &new_state);
        Ok((convert::encode(&new_state, &e.ty)?, identity, resp.diags))
    }
    .await;
    let (ok, mut diags) = split(result);
    let (new_state, new_identity) = match ok {
        Some((state, identity, warnings)) => {
            diags.extend(warnings);
            (Some(state), identity)
        }
        None => (None, None),
    };
    pb::read_resource::Response {
        new_state,
        diagnostics: convert::diagnostics(diags),
        private,
        new_identity,
        ..Default::default()
    }
}

pub(crate) async fn plan<P: Provider>(
    s: &ProviderService<P>,
    req: pb::plan_resource_change::Request,
) -> pb::plan_resource_change::Response {
    let result = async {
        let r = s.resource(&req.type_name)?;
        let e = &r.entry;
        let proposed = convert::decode(req.proposed_new_state.as_ref(), &e.ty)?;
        if proposed.is_null() {
            // A destroy plan: nothing to refine.
            return Ok((
                convert::encode(&Value::Null, &e.ty)?,
                Vec::new(),
                req.prior_private.clone(),
                None,
                Diagnostics::new(),
            ));
        }
        let prior = convert::decode(req.prior_state.as_ref(), &e.ty)?;
        let config = convert::decode(req.config.as_ref(), &e.ty)?;
        let prior = (!prior.is_null()).then_some(prior);
        let mut diags = Diagnostics::new();
        let (planned, requires_replace) = plan::plan_resource(
            &e.schema.block,
            &config,
            prior.as_ref(),
            &proposed,
            &mut diags,
        );
        let prior_private = Private::from_bytes(&req.prior_private);
        let mut resp = PlanResponse {
            planned,
            requires_replace,
            private: prior_private.clone(),
            diags,
        };
        if let Some(m) = e.imp.abilities().modify_plan {
            let ctx = s.ctx();
            let refine = async {
                m.modify_plan(
                    &ctx,
                    PlanRequest {
                        config: &config,
                        prior: prior.as_ref(),
                        private: &prior_private,
                        client: convert::client_caps(req.client_capabilities.as_ref()),
                    },
                    &mut resp,
                )
                .await;
                Ok(())
            };
            guarded("PlanResourceChange", refine).await?;
        }
        let mut diags = resp.diags;
        if s.self_check {
            diags.extend(self_check_diags(
                consistency::check_plan(&e.schema.block, &config, &resp.planned),
                "plan",
            ));
        }
        if diags.has_errors() {
            return Err(diags);
        }
        let planned = convert::encode(&resp.planned.conform(&e.ty), &e.ty)?;
        // An object that stays keeps its identity; a new one has none until it is created.
        let identity = prior.is_some().then_some(req.prior_identity).flatten();
        Ok((
            planned,
            resp.requires_replace,
            resp.private.to_bytes(),
            identity,
            diags,
        ))
    }
    .await;
    let (ok, mut diags) = split(result);
    let mut out = pb::plan_resource_change::Response::default();
    if let Some((planned, replace, private, identity, warnings)) = ok {
        out.planned_state = Some(planned);
        out.requires_replace = replace.iter().map(convert::path).collect();
        out.planned_private = private;
        out.planned_identity = identity;
        diags.extend(warnings);
    }
    out.diagnostics = convert::diagnostics(diags);
    out
}

/// What an apply came to: the response, its errors, and whether it was a delete.
struct Applied {
    resp: ApplyResponse,
    errors: Diagnostics,
    deleting: bool,
}

/// Runs the create, update or delete the plan asks for. A panic keeps the prior state: it must
/// never lose track of an object.
async fn run_apply<P: Provider>(
    s: &ProviderService<P>,
    r: &ResourceEntry<P::Data>,
    req: &pb::apply_resource_change::Request,
) -> Applied {
    let e = &r.entry;
    let decoded = (|| {
        Ok::<_, Diagnostics>((
            convert::decode(req.prior_state.as_ref(), &e.ty)?,
            convert::decode(req.planned_state.as_ref(), &e.ty)?,
            convert::decode(req.config.as_ref(), &e.ty)?,
        ))
    })();
    let (prior, planned, config) = match decoded {
        Ok(v) => v,
        Err(errors) => {
            return Applied {
                resp: ApplyResponse::default(),
                errors,
                deleting: false,
            };
        }
    };
    let deleting = planned.is_null();
    let private = Private::from_bytes(&req.planned_private);
    let mut resp = ApplyResponse {
        state: Value::Null,
        private: private.clone(),
        diags: Diagnostics::new(),
    };
    let ctx = s.ctx();
    let imp = &e.imp;
    let run = async {
        if planned.is_null() {
            tracing::info!(resource = %req.type_name, "deleting");
            let del = DeleteRequest {
                state: &prior,
                private: &private,
            };
            imp.delete(&ctx, del).await
        } else if prior.is_null() {
            tracing::info!(resource = %req.type_name, "creating");
            let create = CreateRequest {
                config: &config,
                planned: &planned,
                private: &private,
            };
            imp.create(&ctx, create, &mut resp).await
        } else {
            tracing::info!(resource = %req.type_name, "updating");
            let update = UpdateRequest {
                config: &config,
                prior: &prior,
                planned: &planned,
                private: &private,
            };
            imp.update(&ctx, update, &mut resp).await
        }
    };
    let errors = match AssertUnwindSafe(run).catch_unwind().await {
        Ok(Ok(())) => Diagnostics::new(),
        Ok(Err(d)) => d,
        Err(_) => {
            // Keep what Terraform had: a panic must never lose state.
            resp = ApplyResponse {
                state: prior,
                private,
                diags: Diagnostics::new(),
            };
            Diagnostic::error(
                "Provider bug",
                "The provider hit an internal error during apply. Please report it; the prior state was kept.",
            )
            .into()
        }
    };
    resp.state = resp.state.conform(&e.ty);
    if s.self_check && !deleting && !errors.has_errors() {
        resp.diags.extend(self_check_diags(
            consistency::check_apply(&planned, &resp.state),
            "apply result",
        ));
    }
    Applied {
        resp,
        errors,
        deleting,
    }
}

pub(crate) async fn apply<P: Provider>(
    s: &ProviderService<P>,
    req: pb::apply_resource_change::Request,
) -> pb::apply_resource_change::Response {
    let Ok(r) = s.resource(&req.type_name) else {
        let diags = s.resource(&req.type_name).err().unwrap_or_default();
        return pb::apply_resource_change::Response {
            diagnostics: convert::diagnostics(diags),
            ..Default::default()
        };
    };
    let ty = &r.entry.ty;
    let Applied {
        resp,
        errors: mut diags,
        deleting,
    } = run_apply(s, r, &req).await;
    diags.extend(resp.diags);
    let state = (!resp.state.is_null()).then_some(resp.state);
    let mut out = pb::apply_resource_change::Response::default();
    match state {
        Some(v) => match convert::encode(&v, ty) {
            Ok(dv) => {
                out.new_identity = identity::of(r, &v);
                out.new_state = Some(dv);
                out.private = resp.private.to_bytes();
            }
            Err(mut d) => {
                d.extend(diags);
                diags = d;
            }
        },
        None if deleting && !diags.has_errors() => {
            // A delete answers with a null object of the resource's type.
            out.new_state = convert::encode(&Value::Null, ty).ok();
        }
        None => {}
    }
    if out.new_state.is_none() && diags.is_empty() {
        diags.error("Provider bug", "Apply produced no state.");
    }
    out.diagnostics = convert::diagnostics(diags);
    out
}

pub(crate) async fn import<P: Provider>(
    s: &ProviderService<P>,
    req: pb::import_resource_state::Request,
) -> pb::import_resource_state::Response {
    let result = async {
        let r = s.resource(&req.type_name)?;
        let e = &r.entry;
        let Some(imp) = e.imp.abilities().import else {
            return Err(Diagnostic::error(
                "Import not supported",
                format!("{} cannot be imported.", req.type_name),
            )
            .into());
        };
        let by_identity = identity::requested(r, &req)?;
        let id = match &by_identity {
            Some((_, id)) => id.clone(),
            None => req.id.clone(),
        };
        let ctx = s.ctx();
        let mut resp = ImportResponse::default();
        let run = imp.import(
            &ctx,
            ImportRequest {
                id: &id,
                identity: by_identity.as_ref().map(|(v, _)| v),
            },
            &mut resp,
        );
        guarded("ImportResourceState", run).await?;
        let state = resp.state.conform(&e.ty);
        Ok((
            pb::import_resource_state::ImportedResource {
                type_name: req.type_name.clone(),
                identity: identity::of(r, &state),
                state: Some(convert::encode(&state, &e.ty)?),
                private: resp.private.to_bytes(),
            },
            resp.diags,
        ))
    }
    .await;
    let (imported, mut diags) = split(result);
    let imported = imported.map(|(i, warnings)| {
        diags.extend(warnings);
        i
    });
    pb::import_resource_state::Response {
        imported_resources: imported.into_iter().collect(),
        diagnostics: convert::diagnostics(diags),
        ..Default::default()
    }
}
