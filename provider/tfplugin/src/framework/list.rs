//! List resources (Terraform 1.14+, `terraform query`): find the objects of a managed resource
//! type that exist, by the filters in a `list` block, and report each by its identity so that
//! `-generate-config-out` can write the import blocks that bring them under management.

use async_trait::async_trait;
use tokio::sync::mpsc;

use super::ctx::Ctx;
use super::resource::ValidateRequest;
use crate::cty::Value;
use crate::diag::{Diagnostic, Diagnostics};
use crate::schema::Schema;

pub struct ListRequest<'a> {
    /// The `config` block of the `list` block, in this list resource's schema.
    pub config: &'a Value,
    /// Whether Terraform wants each object's full state (for `-generate-config-out` and for
    /// expressions that use the results).
    pub include_resource: bool,
}

/// One object found.
#[derive(Debug)]
pub struct Found {
    /// In the managed resource's identity schema.
    pub identity: Value,
    /// What a person recognises the object by.
    pub display_name: String,
    /// In the managed resource's schema; asked for by `include_resource`.
    pub resource: Option<Value>,
}

/// What travels to the server while a list runs.
#[derive(Debug)]
pub enum ListEvent {
    Found(Found),
    Diagnostics(Diagnostics),
}

/// Where a list resource streams its results. Terraform may stop listening (its `limit` is
/// reached, or the user interrupted): `push` then says so, and the list should stop asking
/// the cloud.
pub struct ListSink {
    tx: mpsc::Sender<ListEvent>,
    left: usize,
}

impl ListSink {
    pub fn new(tx: mpsc::Sender<ListEvent>, limit: usize) -> Self {
        ListSink { tx, left: limit }
    }

    /// Sends one result; `false` when no more are wanted.
    pub async fn push(&mut self, found: Found) -> bool {
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        self.tx.send(ListEvent::Found(found)).await.is_ok() && self.left > 0
    }

    /// A warning (or error) that does not end the list, e.g. one region that could not be asked.
    pub async fn report(&mut self, d: Diagnostic) {
        let _ = self.tx.send(ListEvent::Diagnostics(d.into())).await;
    }

    pub fn wants_more(&self) -> bool {
        self.left > 0 && !self.tx.is_closed()
    }
}

#[async_trait]
pub trait ListResource<D>: Send + Sync {
    /// The managed resource type it lists, e.g. `multicloud_vpn_gateway`.
    fn name(&self) -> &'static str;
    /// The schema of the `config` block (the filters).
    fn schema(&self) -> Schema;
    fn validate(&self, _req: ValidateRequest<'_>, _diags: &mut Diagnostics) {}
    async fn list(
        &self,
        ctx: &Ctx<D>,
        req: ListRequest<'_>,
        sink: &mut ListSink,
    ) -> Result<(), Diagnostics>;
}
