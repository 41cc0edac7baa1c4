//! Resource identity (Terraform 1.12+): the schemas, identity data derived from state, import by
//! identity, and identity upgrades.

use crate::convert;
use crate::cty::Value;
use crate::diag::{Diagnostic, Diagnostics};
use crate::framework::Provider;
use crate::proto::tfplugin6 as pb;
use crate::server::service::{ProviderService, ResourceEntry, split};

pub(crate) fn schemas<P: Provider>(
    s: &ProviderService<P>,
) -> pb::get_resource_identity_schemas::Response {
    pb::get_resource_identity_schemas::Response {
        identity_schemas: s
            .resources
            .iter()
            .filter_map(|(n, r)| {
                let (schema, _) = r.identity.as_ref()?;
                Some((n.to_string(), convert::identity_schema(schema)))
            })
            .collect(),
        diagnostics: Vec::new(),
    }
}

/// The identity of the object `state` describes, for a resource that has identities.
pub(crate) fn of<D>(r: &ResourceEntry<D>, state: &Value) -> Option<pb::ResourceIdentityData> {
    let (_, ty) = r.identity.as_ref()?;
    if state.is_null() {
        return None;
    }
    let identity = r.entry.imp.abilities().identity?.identity_of(state)?;
    let identity_data = convert::encode(&identity.conform(ty), ty).ok()?;
    Some(pb::ResourceIdentityData {
        identity_data: Some(identity_data),
    })
}

/// For an `import { identity = {...} }`: the identity and the import id it stands for.
pub(crate) fn requested<D>(
    r: &ResourceEntry<D>,
    req: &pb::import_resource_state::Request,
) -> Result<Option<(Value, String)>, Diagnostics> {
    let Some(data) = req.identity.as_ref().and_then(|i| i.identity_data.as_ref()) else {
        return Ok(None);
    };
    let (Some((_, ty)), Some(ability)) = (&r.identity, r.entry.imp.abilities().identity) else {
        return Err(Diagnostic::error(
            "Import by identity not supported",
            format!(
                "{} has no resource identity; import it with an id instead.",
                req.type_name
            ),
        )
        .into());
    };
    let identity = convert::decode(Some(data), ty)?;
    let id = ability.import_id(&identity)?;
    Ok(Some((identity, id)))
}

pub(crate) fn upgrade<P: Provider>(
    s: &ProviderService<P>,
    req: pb::upgrade_resource_identity::Request,
) -> pb::upgrade_resource_identity::Response {
    let result = (|| {
        let r = s.resource(&req.type_name)?;
        let (Some((schema, ty)), Some(ability)) = (&r.identity, r.entry.imp.abilities().identity)
        else {
            return Err(Diagnostic::error(
                "No resource identity",
                format!("{} has no resource identity to upgrade.", req.type_name),
            )
            .into());
        };
        if req.version > schema.version {
            return Err(Diagnostic::error(
                "Identity written by a newer provider",
                format!(
                    "This identity has version {} but this provider knows version {}. Upgrade the provider.",
                    req.version, schema.version
                ),
            )
            .into());
        }
        let raw = req.raw_identity.unwrap_or_default();
        let json: serde_json::Value = serde_json::from_slice(&raw.json).map_err(|err| {
            Diagnostics::from(Diagnostic::error(
                "Corrupt identity",
                format!("Stored identity is not valid JSON: {err}"),
            ))
        })?;
        let json = ability.upgrade_identity(req.version, json)?;
        let value = crate::cty::from_json_lenient(&json, ty).map_err(|err| {
            Diagnostics::from(Diagnostic::error(
                "Identity does not match the schema",
                format!("Stored identity could not be read with the current schema: {err}"),
            ))
        })?;
        convert::encode(&value.conform(ty), ty)
    })();
    let (data, diags) = split(result);
    pb::upgrade_resource_identity::Response {
        upgraded_identity: data.map(|d| pb::ResourceIdentityData {
            identity_data: Some(d),
        }),
        diagnostics: convert::diagnostics(diags),
    }
}
