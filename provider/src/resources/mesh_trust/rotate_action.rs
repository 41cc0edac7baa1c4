//! `action "multicloud_mesh_rotate"` (Terraform 1.14+): starts the two-step root rotation of a
//! `multicloud_mesh_trust` on demand. It leaves a rotation request where the mesh trust looks
//! (`rotation_requests_dir`); the next plan shows step 1 (a new root trusted beside the current
//! one), and the apply after that step 2 (the new root signs, every intermediate re-issued).

use std::path::Path as FsPath;

use async_trait::async_trait;
use serde::Deserialize;
use tfplugin::framework::{Action, ActionRequest, Progress, ValidateRequest};
use tfplugin::{Attribute, Block, Ctx, Diagnostics, Path, Schema, Type, typed};

use super::rotation;
use crate::ProviderConfig;

pub struct MeshRotate;

#[derive(Deserialize)]
struct Config {
    mesh_id: Option<String>,
    requests_dir: Option<String>,
}

#[async_trait]
impl Action<ProviderConfig> for MeshRotate {
    fn name(&self) -> &'static str {
        "multicloud_mesh_rotate"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new(
                "Starts a root rotation of a `multicloud_mesh_trust`: the next plan shows step 1 (a new root trusted \
                 beside the current one) and the apply after it step 2 (the new root signs). Run it with \
                 `terraform apply -invoke=action.multicloud_mesh_rotate.NAME` (Terraform 1.14+).",
            )
            .attr(
                Attribute::new("mesh_id", Type::String)
                    .required()
                    .describe("The mesh trust's `id`, e.g. `multicloud_mesh_trust.mesh.id`."),
            )
            .attr(
                Attribute::new("requests_dir", Type::String)
                    .required()
                    .describe("The mesh trust's `rotation_requests_dir`, e.g. `multicloud_mesh_trust.mesh.rotation_requests_dir`."),
            ),
        )
    }

    fn validate(&self, req: ValidateRequest<'_>, diags: &mut Diagnostics) {
        if let Ok(Config {
            mesh_id: Some(id), ..
        }) = typed::decode::<Config>(req.config)
            && let Err(e) = rotation::check_mesh_id(&id)
        {
            diags.error_at(
                Path::root().attr("mesh_id"),
                "Invalid mesh id",
                format!("{e}."),
            );
        }
    }

    async fn invoke(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        req: ActionRequest<'_>,
        progress: &Progress,
    ) -> Result<Diagnostics, Diagnostics> {
        let c: Config = typed::decode(req.config)?;
        let (id, dir) = (
            c.mesh_id.unwrap_or_default(),
            c.requests_dir.unwrap_or_default(),
        );
        let token = rotation::request(FsPath::new(&dir), &id)?;
        progress
            .report(format!("rotation of {id} requested ({token}) in {dir}"))
            .await;
        progress
            .report(
                "next: `terraform apply` runs step 1 (the new root is trusted beside the current one); once every \
                 workload has the new trust bundle, `terraform apply` again runs step 2 (the new root signs)",
            )
            .await;
        Ok(Diagnostics::new())
    }
}
