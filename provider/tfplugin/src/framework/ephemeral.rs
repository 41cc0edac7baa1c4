//! Ephemeral resources (Terraform 1.10+): values opened for one Terraform run and never written to
//! plan or state (keys, short-lived credentials). Terraform opens one when something refers to it,
//! may renew it while the run lasts, and closes it at the end.

use std::time::SystemTime;

use async_trait::async_trait;

use super::ctx::{ClientCaps, Ctx};
use super::private::Private;
use super::resource::ValidateRequest;
use crate::cty::Value;
use crate::diag::Diagnostics;
use crate::schema::Schema;

pub struct OpenRequest<'a> {
    pub config: &'a Value,
    pub client: ClientCaps,
}

#[derive(Debug, Default)]
pub struct OpenResponse {
    /// The configuration with every computed attribute filled in.
    pub result: Value,
    /// Handed back to renew and close (e.g. what to revoke).
    pub private: Private,
    /// When Terraform should renew, if the result expires while the run may still need it.
    pub renew_at: Option<SystemTime>,
    pub diags: Diagnostics,
}

pub struct RenewRequest<'a> {
    pub private: &'a Private,
}

#[derive(Debug, Default)]
pub struct RenewResponse {
    pub private: Private,
    pub renew_at: Option<SystemTime>,
    pub diags: Diagnostics,
}

pub struct CloseRequest<'a> {
    pub private: &'a Private,
}

#[async_trait]
pub trait EphemeralResource<D>: Send + Sync {
    /// The full type name, e.g. `multicloud_psk`.
    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _req: ValidateRequest<'_>, _diags: &mut Diagnostics) {}

    async fn open(
        &self,
        ctx: &Ctx<D>,
        req: OpenRequest<'_>,
        resp: &mut OpenResponse,
    ) -> Result<(), Diagnostics>;

    fn abilities(&self) -> EphemeralAbilities<'_, D> {
        EphemeralAbilities::default()
    }
}

pub struct EphemeralAbilities<'a, D> {
    pub renew: Option<&'a dyn Renew<D>>,
    pub close: Option<&'a dyn Close<D>>,
}

impl<D> Default for EphemeralAbilities<'_, D> {
    fn default() -> Self {
        EphemeralAbilities {
            renew: None,
            close: None,
        }
    }
}

#[async_trait]
pub trait Renew<D>: Send + Sync {
    async fn renew(
        &self,
        ctx: &Ctx<D>,
        req: RenewRequest<'_>,
        resp: &mut RenewResponse,
    ) -> Result<(), Diagnostics>;
}

#[async_trait]
pub trait Close<D>: Send + Sync {
    async fn close(&self, ctx: &Ctx<D>, req: CloseRequest<'_>) -> Result<(), Diagnostics>;
}
