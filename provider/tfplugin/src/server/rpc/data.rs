//! Data sources: validate and read.

use crate::convert;
use crate::framework::{DataReadRequest, DataReadResponse, Provider};
use crate::proto::tfplugin6 as pb;
use crate::server::service::{ProviderService, guarded, lookup, split, validate_entry};

pub(crate) fn validate<P: Provider>(
    s: &ProviderService<P>,
    req: pb::validate_data_resource_config::Request,
) -> pb::validate_data_resource_config::Response {
    pb::validate_data_resource_config::Response {
        diagnostics: validate_entry(
            &s.data_sources,
            "data source",
            &req.type_name,
            req.config.as_ref(),
            |imp, r, d| imp.validate(r, d),
        ),
    }
}

pub(crate) async fn read<P: Provider>(
    s: &ProviderService<P>,
    req: pb::read_data_source::Request,
) -> pb::read_data_source::Response {
    let result = async {
        let e = lookup(&s.data_sources, "data source", &req.type_name)?;
        let config = convert::decode(req.config.as_ref(), &e.ty)?;
        let ctx = s.ctx();
        let mut resp = DataReadResponse::default();
        let read = e
            .imp
            .read(&ctx, DataReadRequest { config: &config }, &mut resp);
        guarded("ReadDataSource", read).await?;
        Ok((
            convert::encode(&resp.state.conform(&e.ty), &e.ty)?,
            resp.diags,
        ))
    }
    .await;
    let (ok, mut diags) = split(result);
    let state = ok.map(|(state, warnings)| {
        diags.extend(warnings);
        state
    });
    pb::read_data_source::Response {
        state,
        diagnostics: convert::diagnostics(diags),
        ..Default::default()
    }
}
