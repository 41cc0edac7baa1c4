//! go-plugin's companion services: Controller (graceful shutdown), Stdio and gRPC health.

use std::pin::Pin;

use futures::Stream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use crate::proto::health as hpb;
use crate::proto::plugin as ppb;

pub struct Controller {
    pub shutdown: CancellationToken,
    /// A `--debug` server belongs to the developer, not to one Terraform run: it ignores Shutdown.
    pub keep_running: bool,
}

#[tonic::async_trait]
impl ppb::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _: Request<ppb::Empty>) -> Result<Response<ppb::Empty>, Status> {
        if !self.keep_running {
            tracing::debug!("shutdown requested by Terraform");
            self.shutdown.cancel();
        }
        Ok(Response::new(ppb::Empty {}))
    }
}

pub struct Stdio {
    pub shutdown: CancellationToken,
}

type StdioStream = Pin<Box<dyn Stream<Item = Result<ppb::StdioData, Status>> + Send>>;

#[tonic::async_trait]
impl ppb::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = StdioStream;

    /// We never write to stdout/stderr outside logs, so the stream stays silent until shutdown
    /// (ending it then lets the graceful shutdown complete).
    async fn stream_stdio(&self, _: Request<()>) -> Result<Response<StdioStream>, Status> {
        let shutdown = self.shutdown.clone();
        let stream = futures::stream::once(async move {
            shutdown.cancelled().await;
            None
        })
        .filter_map(futures::future::ready);
        Ok(Response::new(Box::pin(stream)))
    }
}

use futures::StreamExt;

pub struct Health;

type WatchStream = Pin<Box<dyn Stream<Item = Result<hpb::HealthCheckResponse, Status>> + Send>>;

#[tonic::async_trait]
impl hpb::health_server::Health for Health {
    async fn check(
        &self,
        req: Request<hpb::HealthCheckRequest>,
    ) -> Result<Response<hpb::HealthCheckResponse>, Status> {
        let service = req.into_inner().service;
        if service.is_empty() || service == "plugin" {
            Ok(Response::new(hpb::HealthCheckResponse {
                status: hpb::health_check_response::ServingStatus::Serving as i32,
            }))
        } else {
            Err(Status::not_found(format!("unknown service {service:?}")))
        }
    }

    type WatchStream = WatchStream;

    async fn watch(
        &self,
        _: Request<hpb::HealthCheckRequest>,
    ) -> Result<Response<WatchStream>, Status> {
        Err(Status::unimplemented(
            "health watching is not supported; use Check",
        ))
    }
}
