# Terraform 1.14+. Start a root rotation on demand:
#   terraform apply -invoke=action.multicloud_mesh_rotate.rotate
# The next `terraform apply` trusts a new root beside the current one (step 1), the one after it
# re-issues every intermediate under the new root (step 2).
resource "multicloud_mesh_trust" "mesh" {
  # Where the action leaves its request for the next plan: a path every run of this
  # configuration sees.
  rotation_requests_dir = "${path.root}/.mesh-rotation"

  clusters = {
    eks-use1 = { network = "aws-use1" }
    gke-euw1 = { network = "gcp-euw1" }
  }
}

action "multicloud_mesh_rotate" "rotate" {
  config {
    mesh_id      = multicloud_mesh_trust.mesh.id
    requests_dir = multicloud_mesh_trust.mesh.rotation_requests_dir
  }
}
