//! Data sources: read-only lookups that Terraform refreshes on every plan.

use async_trait::async_trait;

use super::ctx::Ctx;
use super::resource::ValidateRequest;
use crate::cty::Value;
use crate::diag::Diagnostics;
use crate::schema::Schema;

pub struct DataReadRequest<'a> {
    pub config: &'a Value,
}

#[derive(Debug, Default)]
pub struct DataReadResponse {
    /// The configuration with every computed attribute filled in.
    pub state: Value,
    pub diags: Diagnostics,
}

#[async_trait]
pub trait DataSource<D>: Send + Sync {
    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _req: ValidateRequest<'_>, _diags: &mut Diagnostics) {}
    async fn read(
        &self,
        ctx: &Ctx<D>,
        req: DataReadRequest<'_>,
        resp: &mut DataReadResponse,
    ) -> Result<(), Diagnostics>;
}
