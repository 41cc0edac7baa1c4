//! Ephemeral resources (Terraform 1.10+): validate, open, renew, close.

use std::time::SystemTime;

use crate::convert;
use crate::diag::Diagnostic;
use crate::framework::{
    CloseRequest, OpenRequest, OpenResponse, Private, Provider, RenewRequest, RenewResponse,
};
use crate::proto::tfplugin6 as pb;
use crate::server::service::{ProviderService, guarded, lookup, split, validate_entry};

const KIND: &str = "ephemeral resource";

fn timestamp(t: Option<SystemTime>) -> Option<prost_types::Timestamp> {
    t.map(prost_types::Timestamp::from)
}

pub(crate) fn validate<P: Provider>(
    s: &ProviderService<P>,
    req: pb::validate_ephemeral_resource_config::Request,
) -> pb::validate_ephemeral_resource_config::Response {
    pb::validate_ephemeral_resource_config::Response {
        diagnostics: validate_entry(
            &s.ephemerals,
            KIND,
            &req.type_name,
            req.config.as_ref(),
            |imp, r, d| imp.validate(r, d),
        ),
    }
}

pub(crate) async fn open<P: Provider>(
    s: &ProviderService<P>,
    req: pb::open_ephemeral_resource::Request,
) -> pb::open_ephemeral_resource::Response {
    let result = async {
        let e = lookup(&s.ephemerals, KIND, &req.type_name)?;
        let config = convert::decode(req.config.as_ref(), &e.ty)?;
        let ctx = s.ctx();
        let mut resp = OpenResponse::default();
        let open = e.imp.open(
            &ctx,
            OpenRequest {
                config: &config,
                client: convert::client_caps(req.client_capabilities.as_ref()),
            },
            &mut resp,
        );
        guarded("OpenEphemeralResource", open).await?;
        let result = convert::encode(&std::mem::take(&mut resp.result).conform(&e.ty), &e.ty)?;
        Ok((result, resp))
    }
    .await;
    let (ok, mut diags) = split(result);
    let mut out = pb::open_ephemeral_resource::Response::default();
    if let Some((result, resp)) = ok {
        out.result = Some(result);
        out.private = Some(resp.private.to_bytes());
        out.renew_at = timestamp(resp.renew_at);
        diags.extend(resp.diags);
    }
    out.diagnostics = convert::diagnostics(diags);
    out
}

pub(crate) async fn renew<P: Provider>(
    s: &ProviderService<P>,
    req: pb::renew_ephemeral_resource::Request,
) -> pb::renew_ephemeral_resource::Response {
    let result = async {
        let e = lookup(&s.ephemerals, KIND, &req.type_name)?;
        let Some(renew) = e.imp.abilities().renew else {
            return Err(Diagnostic::error(
                "Renew not supported",
                format!(
                    "{} does not renew; Terraform should not ask.",
                    req.type_name
                ),
            )
            .into());
        };
        let private = Private::from_bytes(req.private.as_deref().unwrap_or_default());
        let mut resp = RenewResponse {
            private: private.clone(),
            ..Default::default()
        };
        let ctx = s.ctx();
        let run = renew.renew(&ctx, RenewRequest { private: &private }, &mut resp);
        guarded("RenewEphemeralResource", run).await?;
        Ok(resp)
    }
    .await;
    let (ok, mut diags) = split(result);
    let mut out = pb::renew_ephemeral_resource::Response::default();
    if let Some(resp) = ok {
        out.private = Some(resp.private.to_bytes());
        out.renew_at = timestamp(resp.renew_at);
        diags.extend(resp.diags);
    }
    out.diagnostics = convert::diagnostics(diags);
    out
}

pub(crate) async fn close<P: Provider>(
    s: &ProviderService<P>,
    req: pb::close_ephemeral_resource::Request,
) -> pb::close_ephemeral_resource::Response {
    let result = async {
        let e = lookup(&s.ephemerals, KIND, &req.type_name)?;
        // Nothing to close for a result that holds nothing open.
        let Some(close) = e.imp.abilities().close else {
            return Ok(());
        };
        let private = Private::from_bytes(req.private.as_deref().unwrap_or_default());
        let ctx = s.ctx();
        let run = close.close(&ctx, CloseRequest { private: &private });
        guarded("CloseEphemeralResource", run).await
    }
    .await;
    pb::close_ephemeral_resource::Response {
        diagnostics: convert::diagnostics(result.err().unwrap_or_default()),
    }
}
