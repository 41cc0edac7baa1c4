//! Actions (Terraform 1.14+): operations that are not part of any object's lifecycle, run with
//! `terraform apply -invoke=action.TYPE.NAME` or from a resource's `action_trigger`. Progress is
//! streamed to Terraform as it happens.

use async_trait::async_trait;
use tokio::sync::mpsc;

use super::ctx::{ClientCaps, Ctx};
use super::resource::ValidateRequest;
use crate::cty::Value;
use crate::diag::Diagnostics;
use crate::schema::Schema;

pub struct ActionRequest<'a> {
    pub config: &'a Value,
    pub client: ClientCaps,
}

/// Where an action reports what it is doing; Terraform prints each message as it arrives.
pub struct Progress {
    tx: mpsc::Sender<String>,
}

impl Progress {
    pub fn new(tx: mpsc::Sender<String>) -> Self {
        Progress { tx }
    }

    pub async fn report(&self, message: impl Into<String>) {
        let message = message.into();
        tracing::info!(progress = %message, "action");
        let _ = self.tx.send(message).await;
    }
}

#[async_trait]
pub trait Action<D>: Send + Sync {
    /// The full type name, e.g. `multicloud_failover_drill`.
    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _req: ValidateRequest<'_>, _diags: &mut Diagnostics) {}

    /// Checks at plan time (the configuration may still hold unknowns).
    async fn plan(&self, _ctx: &Ctx<D>, _req: ActionRequest<'_>, _diags: &mut Diagnostics) {}

    async fn invoke(
        &self,
        ctx: &Ctx<D>,
        req: ActionRequest<'_>,
        progress: &Progress,
    ) -> Result<Diagnostics, Diagnostics>;
}
