//! List resources (Terraform 1.14+, `terraform query`): validate a `list` block's config and
//! stream what the list finds, each result in the managed resource's identity (and, when asked,
//! its full state).

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::codegen::BoxStream;

use crate::convert;
use crate::cty::Type;
use crate::diag::{Diagnostic, Diagnostics};
use crate::framework::{Found, ListEvent, ListRequest, ListSink, Provider};
use crate::proto::tfplugin6 as pb;
use crate::server::service::{ProviderService, guarded, lookup, validate_entry};

const KIND: &str = "list resource";

pub(crate) fn validate<P: Provider>(
    s: &ProviderService<P>,
    req: pb::validate_list_resource_config::Request,
) -> pb::validate_list_resource_config::Response {
    pb::validate_list_resource_config::Response {
        diagnostics: validate_entry(
            &s.lists,
            KIND,
            &req.type_name,
            req.config.as_ref(),
            |imp, r, d| imp.validate(r, d),
        ),
    }
}

fn diagnostics_event(d: Diagnostics) -> pb::list_resource::Event {
    pb::list_resource::Event {
        diagnostic: convert::diagnostics(d),
        ..Default::default()
    }
}

/// The types results are encoded in: the managed resource's identity and state.
struct ResultTypes {
    identity: Type,
    resource: Type,
    include_resource: bool,
}

impl ResultTypes {
    fn event(&self, f: Found) -> pb::list_resource::Event {
        let identity = match convert::encode(&f.identity.conform(&self.identity), &self.identity) {
            Ok(v) => v,
            Err(d) => return diagnostics_event(d),
        };
        let resource_object = match f.resource.filter(|_| self.include_resource) {
            Some(r) => match convert::encode(&r.conform(&self.resource), &self.resource) {
                Ok(v) => Some(v),
                Err(d) => return diagnostics_event(d),
            },
            None => None,
        };
        pb::list_resource::Event {
            identity: Some(pb::ResourceIdentityData {
                identity_data: Some(identity),
            }),
            display_name: f.display_name,
            resource_object,
            diagnostic: Vec::new(),
        }
    }
}

pub(crate) fn list<P: Provider>(
    s: &ProviderService<P>,
    req: pb::list_resource::Request,
) -> BoxStream<pb::list_resource::Event> {
    let started = (|| {
        let e = lookup(&s.lists, KIND, &req.type_name)?;
        let r = s.resource(&req.type_name)?;
        let Some((_, identity)) = &r.identity else {
            return Err(Diagnostic::error(
                "List resource without identity",
                format!(
                    "{} has no resource identity to report results in.",
                    req.type_name
                ),
            )
            .into());
        };
        let config = convert::decode(req.config.as_ref(), &e.ty)?;
        let types = ResultTypes {
            identity: identity.clone(),
            resource: r.entry.ty.clone(),
            include_resource: req.include_resource_object,
        };
        Ok::<_, Diagnostics>((e.imp.clone(), config, types))
    })();
    let (imp, config, types) = match started {
        Ok(v) => v,
        Err(d) => {
            return Box::pin(futures::stream::once(
                async move { Ok(diagnostics_event(d)) },
            ));
        }
    };
    let limit = usize::try_from(req.limit)
        .ok()
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    let include_resource = req.include_resource_object;
    let (tx, rx) = mpsc::channel(16);
    let ctx = s.ctx();
    tokio::spawn(async move {
        let mut sink = ListSink::new(tx.clone(), limit);
        let run = imp.list(
            &ctx,
            ListRequest {
                config: &config,
                include_resource,
            },
            &mut sink,
        );
        if let Err(d) = guarded("ListResource", run).await {
            let _ = tx.send(ListEvent::Diagnostics(d)).await;
        }
    });
    Box::pin(ReceiverStream::new(rx).map(move |ev| {
        Ok(match ev {
            ListEvent::Found(f) => types.event(f),
            ListEvent::Diagnostics(d) => diagnostics_event(d),
        })
    }))
}
