//! Actions (Terraform 1.14+): validate, plan and invoke, with progress streamed as it happens.

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::codegen::BoxStream;

use crate::convert;
use crate::diag::Diagnostics;
use crate::framework::{ActionRequest, Progress, Provider};
use crate::proto::tfplugin6 as pb;
use crate::server::service::{ProviderService, guarded, lookup, validate_entry};

use pb::invoke_action::event::{Completed, Progress as ProgressEvent, Type as EventType};

const KIND: &str = "action";

pub(crate) fn validate<P: Provider>(
    s: &ProviderService<P>,
    req: pb::validate_action_config::Request,
) -> pb::validate_action_config::Response {
    pb::validate_action_config::Response {
        diagnostics: validate_entry(
            &s.actions,
            KIND,
            &req.type_name,
            req.config.as_ref(),
            |imp, r, d| imp.validate(r, d),
        ),
    }
}

pub(crate) async fn plan<P: Provider>(
    s: &ProviderService<P>,
    req: pb::plan_action::Request,
) -> pb::plan_action::Response {
    let result = async {
        let e = lookup(&s.actions, KIND, &req.action_type)?;
        let config = convert::decode(req.config.as_ref(), &e.ty)?;
        let ctx = s.ctx();
        let mut d = Diagnostics::new();
        let run = async {
            e.imp
                .plan(
                    &ctx,
                    ActionRequest {
                        config: &config,
                        client: convert::client_caps(req.client_capabilities.as_ref()),
                    },
                    &mut d,
                )
                .await;
            Ok(())
        };
        guarded("PlanAction", run).await?;
        Err::<(), _>(d)
    }
    .await;
    pb::plan_action::Response {
        diagnostics: convert::diagnostics(result.err().unwrap_or_default()),
        ..Default::default()
    }
}

fn event(t: EventType) -> pb::invoke_action::Event {
    pb::invoke_action::Event { r#type: Some(t) }
}

fn completed(d: Diagnostics) -> pb::invoke_action::Event {
    event(EventType::Completed(Completed {
        diagnostics: convert::diagnostics(d),
    }))
}

pub(crate) fn invoke<P: Provider>(
    s: &ProviderService<P>,
    req: pb::invoke_action::Request,
) -> BoxStream<pb::invoke_action::Event> {
    let started = (|| {
        let e = lookup(&s.actions, KIND, &req.action_type)?;
        let config = convert::decode(req.config.as_ref(), &e.ty)?;
        Ok::<_, Diagnostics>((e.imp.clone(), config))
    })();
    let (imp, config) = match started {
        Ok(v) => v,
        Err(d) => return Box::pin(futures::stream::once(async move { Ok(completed(d)) })),
    };
    let client = convert::client_caps(req.client_capabilities.as_ref());
    let (tx, rx) = mpsc::channel::<pb::invoke_action::Event>(16);
    let ctx = s.ctx();
    tokio::spawn(async move {
        let (progress_tx, mut progress_rx) = mpsc::channel::<String>(16);
        let progress = Progress::new(progress_tx);
        let run = guarded(
            "InvokeAction",
            imp.invoke(
                &ctx,
                ActionRequest {
                    config: &config,
                    client,
                },
                &progress,
            ),
        );
        tokio::pin!(run);
        let progress_event = |message| event(EventType::Progress(ProgressEvent { message }));
        // One task forwards progress and the completion, so they arrive in the order they happened.
        let result = loop {
            tokio::select! {
                biased;
                Some(message) = progress_rx.recv() => {
                    let _ = tx.send(progress_event(message)).await;
                }
                result = &mut run => break result,
            }
        };
        while let Ok(message) = progress_rx.try_recv() {
            let _ = tx.send(progress_event(message)).await;
        }
        let diags = match result {
            Ok(warnings) => warnings,
            Err(errors) => errors,
        };
        let _ = tx.send(completed(diags)).await;
    });
    Box::pin(ReceiverStream::new(rx).map(Ok))
}
