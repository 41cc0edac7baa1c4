//! Data sources: validate and read.

use crate::convert;
use crate::diag::Diagnostics;
use crate::framework::{DataReadRequest, DataReadResponse, Provider, ValidateRequest};
use crate::plan;
use crate::proto::tfplugin6 as pb;
use crate::server::service::{ProviderService, guarded, lookup, split};

pub(crate) fn validate<P: Provider>(
    s: &ProviderService<P>,
    req: pb::validate_data_resource_config::Request,
) -> pb::validate_data_resource_config::Response {
    let diags = (|| {
        let e = lookup(&s.data_sources, "data source", &req.type_name)?;
        let config = convert::decode(req.config.as_ref(), &e.ty)?;
        let mut d = Diagnostics::new();
        plan::validate_config(&e.schema.block, &config, &Default::default(), &mut d);
        e.imp.validate(
            ValidateRequest {
                config: &config,
                client: Default::default(),
            },
            &mut d,
        );
        Err::<(), _>(d)
    })()
    .err()
    .unwrap_or_default();
    pb::validate_data_resource_config::Response {
        diagnostics: convert::diagnostics(diags),
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
