//! Rotation requests: how `action "multicloud_mesh_rotate"` starts a root rotation of a mesh
//! trust that lives only in Terraform state. An action cannot change any resource's state, so it
//! leaves a request in a directory both can reach (`rotation_requests_dir`); the mesh trust's
//! refresh finds it and reports its root as due for rotation, the next plan shows step 1, and
//! the apply of that step records the request as done (in private state) so it is not taken
//! twice.

use std::path::{Path, PathBuf};

use tfplugin::{Diagnostic, Diagnostics};

/// The root_spec a refresh reports while a request waits: it differs from every real spec, so the
/// plan starts step 1.
const REQUESTED: &str = "requested:";

/// Private-state entry: the last request an apply carried out.
pub const DONE_ENTRY: &str = "rotation_done";

fn request_file(dir: &Path, mesh_id: &str) -> PathBuf {
    dir.join(format!("{mesh_id}.rotate"))
}

/// A mesh id as the resource makes them (`mesh-` and 16 hex digits): anything else could name a
/// file outside the directory.
pub fn check_mesh_id(id: &str) -> Result<(), String> {
    let hex = id.strip_prefix("mesh-").unwrap_or_default();
    if hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(format!(
            "\"{id}\" is not a multicloud_mesh_trust id (mesh- and 16 hex digits)"
        ))
    }
}

/// Leaves a new request for `mesh_id`; returns its token.
pub fn request(dir: &Path, mesh_id: &str) -> Result<String, Diagnostics> {
    check_mesh_id(mesh_id)
        .map_err(|e| Diagnostics::from(Diagnostic::error("Invalid mesh id", e)))?;
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let token = format!("{:016x}", rand::random::<u64>());
    let file = request_file(dir, mesh_id);
    // Written whole under another name, then renamed: a refresh never reads half a token.
    let partial = dir.join(format!(".{mesh_id}.rotate.{token}"));
    std::fs::write(&partial, &token).map_err(|e| io_error(&partial, e))?;
    std::fs::rename(&partial, &file).map_err(|e| io_error(&file, e))?;
    Ok(token)
}

fn io_error(path: &Path, e: std::io::Error) -> Diagnostics {
    Diagnostic::error(
        "Cannot write the rotation request",
        format!("{}: {e}", path.display()),
    )
    .into()
}

/// The waiting request for `mesh_id`, unless it is the one already carried out.
pub fn pending(dir: &Path, mesh_id: &str, done: Option<&str>) -> Option<String> {
    let token = std::fs::read_to_string(request_file(dir, mesh_id)).ok()?;
    let token = token.trim().to_string();
    (!token.is_empty() && Some(token.as_str()) != done).then_some(token)
}

/// The root_spec a refresh reports for a waiting request.
pub fn requested_spec(token: &str) -> String {
    format!("{REQUESTED}{token}")
}

/// The request a root_spec stands for, when it is one.
pub fn token_of(root_spec: &str) -> Option<&str> {
    root_spec.strip_prefix(REQUESTED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_pending_until_done() {
        let dir = tempfile::tempdir().unwrap();
        let id = "mesh-0123456789abcdef";
        assert_eq!(pending(dir.path(), id, None), None);
        let token = request(dir.path(), id).unwrap();
        assert_eq!(
            pending(dir.path(), id, None).as_deref(),
            Some(token.as_str())
        );
        assert_eq!(pending(dir.path(), id, Some(&token)), None);
        assert_eq!(token_of(&requested_spec(&token)), Some(token.as_str()));
        assert!(request(dir.path(), "../../etc/passwd").is_err());
    }
}
