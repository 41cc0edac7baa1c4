//! `ephemeral "multicloud_psk"`: a VPN pre-shared key valid for AWS, GCP and Azure that never
//! touches state. Feed it to `multicloud_vpn_connection.psk_wo` (with `psk_wo_version`): the key
//! then exists only in the clouds.

use async_trait::async_trait;
use serde::Deserialize;
use tfplugin::framework::{EphemeralResource, OpenRequest, OpenResponse};
use tfplugin::validators::IntBetween;
use tfplugin::{Attribute, Block, Ctx, Diagnostics, Schema, Type, Value, typed};

use crate::ProviderConfig;
use crate::resources::psk::{self, MAX_LENGTH, MIN_LENGTH};

const DEFAULT_LENGTH: i64 = 32;

pub struct EphemeralPsk;

#[derive(Deserialize)]
struct Config {
    length: Option<i64>,
}

fn schema() -> Schema {
    Schema::new(
        0,
        Block::new(
            "A VPN pre-shared key valid for AWS, GCP and Azure, generated for one Terraform run and never \
             stored in plan or state (Terraform 1.10+). Use it with write-only attributes such as \
             `multicloud_vpn_connection.psk_wo`.",
        )
        .attr(
            Attribute::new("length", Type::Number)
                .optional()
                .validate(IntBetween(MIN_LENGTH as i64, MAX_LENGTH as i64))
                .describe("Number of characters, 8 to 64 (AWS's limits). Default 32."),
        )
        .attr(
            Attribute::new("result", Type::String)
                .computed()
                .sensitive()
                .describe("The key: letters and digits, starting with a letter."),
        ),
    )
}

#[async_trait]
impl EphemeralResource<ProviderConfig> for EphemeralPsk {
    fn name(&self) -> &'static str {
        "multicloud_psk"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn open(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        req: OpenRequest<'_>,
        resp: &mut OpenResponse,
    ) -> Result<(), Diagnostics> {
        let c: Config = typed::decode(req.config)?;
        let length = c
            .length
            .unwrap_or(DEFAULT_LENGTH)
            .clamp(MIN_LENGTH as i64, MAX_LENGTH as i64);
        let mut result = req.config.clone();
        result.set_attr("length", Value::int(length));
        result.set_attr("result", Value::string(psk::generate(length as usize)));
        tracing::debug!(length, "opened an ephemeral pre-shared key");
        resp.result = result;
        Ok(())
    }
}
