data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

# The account administers the key through IAM; the roles below get only what they use.
data "aws_iam_policy_document" "state_key" {
  statement {
    sid     = "AccountAdministersTheKey"
    effect  = "Allow"
    actions = ["kms:*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "state" {
  description             = "Terraform state of platform acme"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.state_key.json
}

resource "aws_kms_alias" "state" {
  name          = "alias/acme-terraform-state"
  target_key_id = aws_kms_key.state.key_id
}

# The state of every environment kept on AWS, under keys PLATFORM/ENVIRONMENT/.
resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_18:access logging needs a second bucket (and its own logging); CloudTrail data events are the usual audit of a state bucket
  #checkov:skip=CKV_AWS_144:cross-region replication of the state is a recovery choice for the team; versioning keeps every past state
  #checkov:skip=CKV2_AWS_62:nothing consumes events of the state bucket
  bucket = "acme-terraform-state"
}

# Every past state stays recoverable.
resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }

    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# No ACLs: access is IAM only.
resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# Past states are kept 90 days, and always the last 10.
resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "old-states"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days           = 90
      newer_noncurrent_versions = 10
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

data "aws_iam_policy_document" "state_bucket" {
  statement {
    sid       = "TlsOnly"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "state" {
  bucket     = aws_s3_bucket.state.id
  policy     = data.aws_iam_policy_document.state_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.state]
}

# GitHub's OIDC issuer; AWS verifies its certificates itself, so no thumbprint is pinned.
resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "plan_trust" {
  statement {
    sid     = "GitHubActions"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:acme/platform:pull_request", "repo:acme/platform:ref:refs/heads/main"]
    }
  }
}

resource "aws_iam_role" "plan" {
  name                 = "acme-terraform-plan"
  description          = "Terraform plan in CI (acme/platform), GitHub variable AWS_PLAN_ROLE_ARN"
  assume_role_policy   = data.aws_iam_policy_document.plan_trust.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "plan_state" {
  statement {
    sid       = "ListTheBucket"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.state.arn]
  }

  statement {
    sid       = "ReadStates"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.state.arn}/acme/*"]
  }

  statement {
    sid       = "LockFiles"
    effect    = "Allow"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.state.arn}/acme/*.tflock"]
  }

  statement {
    sid       = "StateKey"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.state.arn]
  }
}

resource "aws_iam_role_policy" "plan_state" {
  name   = "terraform-state"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.plan_state.json
}

# Plans refresh every resource the environments manage; a team can swap in a policy listing only their Describe/Get/List calls.
resource "aws_iam_role_policy_attachment" "plan_access" {
  role       = aws_iam_role.plan.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/ReadOnlyAccess"
}

data "aws_iam_policy_document" "apply_trust" {
  statement {
    sid     = "GitHubActions"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:acme/platform:environment:aws", "repo:acme/platform:environment:global", "repo:acme/platform:environment:gitops"]
    }
  }
}

resource "aws_iam_role" "apply" {
  name                 = "acme-terraform-apply"
  description          = "Terraform apply in CI (acme/platform), GitHub variable AWS_ROLE_ARN"
  assume_role_policy   = data.aws_iam_policy_document.apply_trust.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "apply_state" {
  statement {
    sid       = "ListTheBucket"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.state.arn]
  }

  statement {
    sid       = "ReadStates"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.state.arn}/acme/*"]
  }

  statement {
    sid       = "LockFiles"
    effect    = "Allow"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.state.arn}/acme/*.tflock"]
  }

  statement {
    sid       = "StateKey"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.state.arn]
  }

  statement {
    sid       = "WriteStates"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.state.arn}/acme/*.tfstate"]
  }
}

resource "aws_iam_role_policy" "apply_state" {
  name   = "terraform-state"
  role   = aws_iam_role.apply.id
  policy = data.aws_iam_policy_document.apply_state.json
}

# Everything the environments create except IAM (VPC, EKS, EC2, KMS, CloudWatch Logs, Route 53); IAM comes from apply_iam.
resource "aws_iam_role_policy_attachment" "apply_access" {
  role       = aws_iam_role.apply.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/PowerUserAccess"
}

# Changing IAM is the sharpest right of the apply role: only on the clusters' own names.
data "aws_iam_policy_document" "apply_iam" {
  statement {
    sid       = "ClusterRolesAndPolicies"
    effect    = "Allow"
    actions   = ["iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:PassRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:CreatePolicy", "iam:DeletePolicy", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:TagPolicy", "iam:UntagPolicy", "iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "iam:GetInstanceProfile", "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile"]
    resources = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/eks-use1-*", "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:policy/eks-use1-*", "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:instance-profile/eks-use1-*"]
  }

  statement {
    sid       = "ClusterOidcProviders"
    effect    = "Allow"
    actions   = ["iam:CreateOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider", "iam:GetOpenIDConnectProvider", "iam:TagOpenIDConnectProvider", "iam:UntagOpenIDConnectProvider"]
    resources = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/oidc.eks.*"]
  }

  statement {
    sid       = "ServiceLinkedRoles"
    effect    = "Allow"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/aws-service-role/*"]
  }
}

resource "aws_iam_role_policy" "apply_iam" {
  name   = "cluster-iam"
  role   = aws_iam_role.apply.id
  policy = data.aws_iam_policy_document.apply_iam.json
}

# Workload identity federation exchanges tokens through STS and IAM Credentials.
resource "google_project_service" "ci" {
  for_each           = toset(["iam.googleapis.com", "iamcredentials.googleapis.com", "sts.googleapis.com", "storage.googleapis.com"])
  service            = each.value
  disable_on_destroy = false
}

# The state of every environment kept on GCP, under prefixes PLATFORM/ENVIRONMENT. Past states are kept 90 days, and always the last 10.
resource "google_storage_bucket" "state" {
  #checkov:skip=CKV_GCP_62:usage logs need a second bucket; Cloud Audit Logs (data access) are the usual audit of a state bucket
  name                        = "acme-terraform-state-gcp"
  location                    = "EUROPE-WEST1"
  force_destroy               = false
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  versioning {
    enabled = true
  }

  lifecycle_rule {
    action {
      type = "Delete"
    }

    condition {
      num_newer_versions         = 10
      days_since_noncurrent_time = 90
    }
  }
}

resource "google_iam_workload_identity_pool" "github" {
  workload_identity_pool_id = "acme-github"
  display_name              = "GitHub Actions"
  description               = "CI of acme/platform (Terraform plan and apply)"
  depends_on                = [google_project_service.ci]
}

# Tokens of any other repository, or of a job no service account trusts, are refused here, before any binding is looked at.
resource "google_iam_workload_identity_pool_provider" "github" {
  workload_identity_pool_id          = google_iam_workload_identity_pool.github.workload_identity_pool_id
  workload_identity_pool_provider_id = "github"
  display_name                       = "GitHub"
  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.repository" = "assertion.repository"
  }
  attribute_condition = "assertion.repository == 'acme/platform' && (assertion.sub == 'repo:acme/platform:pull_request' || assertion.sub == 'repo:acme/platform:ref:refs/heads/main' || assertion.sub == 'repo:acme/platform:environment:gcp' || assertion.sub == 'repo:acme/platform:environment:global' || assertion.sub == 'repo:acme/platform:environment:gitops')"

  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

resource "google_service_account" "plan" {
  account_id   = "acme-tf-plan"
  display_name = "Terraform plan (CI)"
  description  = "Terraform plan in CI (acme/platform), GitHub variable GCP_PLAN_SERVICE_ACCOUNT"
}

# Only these subjects may act as the plan account: one principal per subject rather than the repository's principalSet, so a pull request can never act as the apply account.
resource "google_service_account_iam_member" "plan_github" {
  for_each           = toset(["repo:acme/platform:pull_request", "repo:acme/platform:ref:refs/heads/main"])
  service_account_id = google_service_account.plan.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principal://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/subject/${each.value}"
}

resource "google_project_iam_member" "plan" {
  for_each = toset(["roles/compute.viewer", "roles/container.viewer", "roles/iam.serviceAccountViewer", "roles/iam.securityReviewer", "roles/serviceusage.serviceUsageViewer"])
  project  = "acme-platform"
  role     = each.value
  member   = google_service_account.plan.member
}

resource "google_service_account" "apply" {
  account_id   = "acme-tf-apply"
  display_name = "Terraform apply (CI)"
  description  = "Terraform apply in CI (acme/platform), GitHub variable GCP_SERVICE_ACCOUNT"
}

# Only these subjects may act as the apply account: one principal per subject rather than the repository's principalSet, so a pull request can never act as the apply account.
resource "google_service_account_iam_member" "apply_github" {
  for_each           = toset(["repo:acme/platform:environment:gcp", "repo:acme/platform:environment:global", "repo:acme/platform:environment:gitops"])
  service_account_id = google_service_account.apply.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principal://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/subject/${each.value}"
}

resource "google_project_iam_member" "apply" {
  #checkov:skip=CKV_GCP_41:GKE node pools run as a service account that the environment creates; using it needs iam.serviceAccountUser
  #checkov:skip=CKV_GCP_49:the environment creates the node service account and grants it its project roles
  for_each = toset(["roles/compute.networkAdmin", "roles/compute.securityAdmin", "roles/container.admin", "roles/iam.serviceAccountAdmin", "roles/iam.serviceAccountUser", "roles/resourcemanager.projectIamAdmin"])
  project  = "acme-platform"
  role     = each.value
  member   = google_service_account.apply.member
}

resource "google_storage_bucket_iam_member" "apply_state" {
  bucket = google_storage_bucket.state.name
  role   = "roles/storage.objectUser"
  member = google_service_account.apply.member
}

resource "google_storage_bucket_iam_member" "plan_state_read" {
  bucket = google_storage_bucket.state.name
  role   = "roles/storage.objectViewer"
  member = google_service_account.plan.member
}

resource "google_storage_bucket_iam_member" "plan_state_lock" {
  bucket = google_storage_bucket.state.name
  role   = "roles/storage.objectUser"
  member = google_service_account.plan.member

  condition {
    title      = "lock files only"
    expression = "resource.name.startsWith('projects/_/buckets/acme-terraform-state-gcp/objects/acme/') && resource.name.endsWith('.tflock')"
  }
}

resource "azurerm_resource_group" "state" {
  name     = "acme-tfstate"
  location = "westeurope"
}

# The state of every environment kept on Azure. Entra ID only (the backends set use_azuread_auth): no shared keys.
resource "azurerm_storage_account" "state" {
  #checkov:skip=CKV_AZURE_59:CI runs on GitHub-hosted runners, whose addresses are not fixed; access is Entra ID only, without keys
  #checkov:skip=CKV_AZURE_35:as CKV_AZURE_59: a default-deny firewall would shut out the GitHub-hosted runners
  #checkov:skip=CKV2_AZURE_33:a private endpoint needs self-hosted runners in a VNet; see CKV_AZURE_59
  #checkov:skip=CKV2_AZURE_1:a customer-managed key needs a Key Vault the platform team runs; Microsoft-managed keys with infrastructure encryption protect the state
  #checkov:skip=CKV_AZURE_33:the account holds blobs only; it has no queues to log
  name                              = "acmetfstate"
  resource_group_name               = azurerm_resource_group.state.name
  location                          = azurerm_resource_group.state.location
  account_tier                      = "Standard"
  account_replication_type          = "GRS"
  min_tls_version                   = "TLS1_2"
  https_traffic_only_enabled        = true
  allow_nested_items_to_be_public   = false
  shared_access_key_enabled         = false
  default_to_oauth_authentication   = true
  local_user_enabled                = false
  infrastructure_encryption_enabled = true
  cross_tenant_replication_enabled  = false

  blob_properties {
    versioning_enabled = true

    delete_retention_policy {
      days = 30
    }

    container_delete_retention_policy {
      days = 30
    }
  }

  sas_policy {
    expiration_period = "00.01:00:00"
  }
}

resource "azurerm_storage_container" "state" {
  #checkov:skip=CKV2_AZURE_21:blob read logging needs a Log Analytics workspace the platform team chooses; the activity log records every access change
  name                  = "tfstate"
  storage_account_id    = azurerm_storage_account.state.id
  container_access_type = "private"
}

# Terraform plan in CI (acme/platform), GitHub variable AZURE_PLAN_CLIENT_ID.
resource "azurerm_user_assigned_identity" "plan" {
  name                = "acme-terraform-plan"
  resource_group_name = azurerm_resource_group.state.name
  location            = azurerm_resource_group.state.location
}

# One federated credential per subject: Entra ID matches subjects exactly.
resource "azurerm_federated_identity_credential" "plan_github" {
  for_each            = toset(["repo:acme/platform:pull_request", "repo:acme/platform:ref:refs/heads/main"])
  name                = replace(each.value, "/[:/]/", "-")
  resource_group_name = azurerm_resource_group.state.name
  parent_id           = azurerm_user_assigned_identity.plan.id
  audience            = ["api://AzureADTokenExchange"]
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = each.value
}

# Terraform apply in CI (acme/platform), GitHub variable AZURE_CLIENT_ID.
resource "azurerm_user_assigned_identity" "apply" {
  name                = "acme-terraform-apply"
  resource_group_name = azurerm_resource_group.state.name
  location            = azurerm_resource_group.state.location
}

# One federated credential per subject: Entra ID matches subjects exactly.
resource "azurerm_federated_identity_credential" "apply_github" {
  for_each            = toset(["repo:acme/platform:environment:azure", "repo:acme/platform:environment:global", "repo:acme/platform:environment:gitops"])
  name                = replace(each.value, "/[:/]/", "-")
  resource_group_name = azurerm_resource_group.state.name
  parent_id           = azurerm_user_assigned_identity.apply.id
  audience            = ["api://AzureADTokenExchange"]
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = each.value
}

data "azurerm_subscription" "current" {}

resource "azurerm_role_assignment" "plan_reader" {
  scope                = data.azurerm_subscription.current.id
  role_definition_name = "Reader"
  principal_id         = azurerm_user_assigned_identity.plan.principal_id
  principal_type       = "ServicePrincipal"
  description          = "Terraform plan: read the subscription"
}

# Azure's lock is a lease on the state blob, which takes write access to the container: a real team can give plans -lock=false and Storage Blob Data Reader instead.
resource "azurerm_role_assignment" "plan_state" {
  scope                = azurerm_storage_container.state.id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_user_assigned_identity.plan.principal_id
  principal_type       = "ServicePrincipal"
  description          = "Terraform plan: read the state, lease its blob (the lock)"
}

# The environments create their own resource groups, so the grant is on the subscription.
resource "azurerm_role_assignment" "apply_contributor" {
  scope                = data.azurerm_subscription.current.id
  role_definition_name = "Contributor"
  principal_id         = azurerm_user_assigned_identity.apply.principal_id
  principal_type       = "ServicePrincipal"
  description          = "Terraform apply: the environments' resource groups, networks and clusters"
}

# Contributor cannot assign roles; this may assign and remove only Network Contributor.
resource "azurerm_role_assignment" "apply_network_contributor_grants" {
  scope                = data.azurerm_subscription.current.id
  role_definition_name = "Role Based Access Control Administrator"
  principal_id         = azurerm_user_assigned_identity.apply.principal_id
  principal_type       = "ServicePrincipal"
  description          = "Terraform apply: assign Network Contributor (AKS node subnets) and nothing else"
  condition_version    = "2.0"
  condition            = "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {4d97b98b-1d4f-4787-a291-c67834d212e7})) AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {4d97b98b-1d4f-4787-a291-c67834d212e7}))"
}

resource "azurerm_role_assignment" "apply_state" {
  scope                = azurerm_storage_container.state.id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_user_assigned_identity.apply.principal_id
  principal_type       = "ServicePrincipal"
  description          = "Terraform apply: read and write the state"
}
