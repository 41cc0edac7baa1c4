//! What the provider offers (metadata, schemas) and its own configuration.

use std::sync::Arc;

use crate::convert;
use crate::diag::Diagnostics;
use crate::framework::{ConfigureRequest, Provider};
use crate::plan;
use crate::proto::tfplugin6 as pb;
use crate::server::service::{ProviderService, guarded};

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        // Destroy plans come to us too, so a resource could refuse or annotate them.
        plan_destroy: true,
        get_provider_schema_optional: false,
        move_resource_state: false,
        generate_resource_config: false,
    }
}

fn schemas<'a, E: 'a>(
    items: impl Iterator<Item = (&'a &'static str, &'a E)>,
    schema: impl Fn(&E) -> &crate::schema::Schema,
) -> std::collections::HashMap<String, pb::Schema> {
    items
        .map(|(n, e)| (n.to_string(), convert::schema(schema(e))))
        .collect()
}

pub(crate) fn schema_response<P: Provider>(
    s: &ProviderService<P>,
) -> pb::get_provider_schema::Response {
    pb::get_provider_schema::Response {
        provider: Some(convert::schema(&s.provider_schema)),
        resource_schemas: schemas(s.resources.iter(), |e| &e.entry.schema),
        data_source_schemas: schemas(s.data_sources.iter(), |e| &e.schema),
        ephemeral_resource_schemas: schemas(s.ephemerals.iter(), |e| &e.schema),
        list_resource_schemas: schemas(s.lists.iter(), |e| &e.schema),
        action_schemas: s
            .actions
            .iter()
            .map(|(n, e)| {
                let schema = Some(convert::schema(&e.schema));
                (n.to_string(), pb::ActionSchema { schema })
            })
            .collect(),
        functions: s
            .functions
            .iter()
            .map(|(n, f)| (n.to_string(), convert::function(f.as_ref())))
            .collect(),
        server_capabilities: Some(capabilities()),
        ..Default::default()
    }
}

pub(crate) fn metadata<P: Provider>(s: &ProviderService<P>) -> pb::get_metadata::Response {
    use pb::get_metadata as m;
    fn names<'a, T: 'a>(
        m: &'a std::collections::HashMap<&'static str, T>,
    ) -> impl Iterator<Item = String> + 'a {
        m.keys().map(|n| n.to_string())
    }
    m::Response {
        server_capabilities: Some(capabilities()),
        resources: names(&s.resources)
            .map(|type_name| m::ResourceMetadata { type_name })
            .collect(),
        data_sources: names(&s.data_sources)
            .map(|type_name| m::DataSourceMetadata { type_name })
            .collect(),
        ephemeral_resources: names(&s.ephemerals)
            .map(|type_name| m::EphemeralMetadata { type_name })
            .collect(),
        list_resources: names(&s.lists)
            .map(|type_name| m::ListResourceMetadata { type_name })
            .collect(),
        actions: names(&s.actions)
            .map(|type_name| m::ActionMetadata { type_name })
            .collect(),
        functions: names(&s.functions)
            .map(|name| m::FunctionMetadata { name })
            .collect(),
        ..Default::default()
    }
}

pub(crate) fn validate_provider<P: Provider>(
    s: &ProviderService<P>,
    req: pb::validate_provider_config::Request,
) -> pb::validate_provider_config::Response {
    let diags = match convert::decode(req.config.as_ref(), &s.provider_ty) {
        Ok(config) => {
            let mut d = Diagnostics::new();
            plan::validate_config(
                &s.provider_schema.block,
                &config,
                &Default::default(),
                &mut d,
            );
            s.provider.validate(&config, &mut d);
            d
        }
        Err(d) => d,
    };
    pb::validate_provider_config::Response {
        diagnostics: convert::diagnostics(diags),
    }
}

pub(crate) async fn configure<P: Provider>(
    s: &ProviderService<P>,
    req: pb::configure_provider::Request,
) -> pb::configure_provider::Response {
    tracing::debug!(terraform_version = %req.terraform_version, "configuring provider");
    let result = async {
        let config = convert::decode(req.config.as_ref(), &s.provider_ty)?;
        let configure = s.provider.configure(ConfigureRequest {
            config: &config,
            terraform_version: &req.terraform_version,
            client: convert::client_caps(req.client_capabilities.as_ref()),
        });
        let data = guarded("ConfigureProvider", configure).await?;
        // Terraform configures a provider once per process; a second call keeps the first data.
        let _ = s.configured.set(Arc::new(data));
        Ok(())
    }
    .await;
    pb::configure_provider::Response {
        diagnostics: convert::diagnostics(result.err().unwrap_or_default()),
    }
}
