data "aws_partition" "current" {}

locals {
  issuer       = trimprefix(var.oidc_issuer_url, "https://")
  bucket_arn   = "arn:${data.aws_partition.current.partition}:s3:::${var.bucket}"
  provider_arn = var.oidc_provider_arn == null ? aws_iam_openid_connect_provider.this[0].arn : var.oidc_provider_arn
}

# A GKE or AKS issuer, trusted by this account (IAM fetches its keys from the issuer's discovery document).
resource "aws_iam_openid_connect_provider" "this" {
  count          = var.oidc_provider_arn == null ? 1 : 0
  url            = var.oidc_issuer_url
  client_id_list = ["sts.amazonaws.com"]
  tags           = var.tags
}

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "VeleroServiceAccount"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:sub"
      values   = ["system:serviceaccount:${var.namespace}:${var.service_account}"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.name
  description          = "Velero of cluster ${var.cluster}: backups under clusters/${var.cluster}/ in ${var.bucket}"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

# Writes only under the cluster's own prefix; reads every cluster's (restores from peers).
data "aws_iam_policy_document" "access" {
  statement {
    sid       = "ListBackups"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["clusters/*"]
    }
  }

  statement {
    sid       = "ReadEveryClustersBackups"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/clusters/*"]
  }

  statement {
    sid       = "WriteOwnBackups"
    effect    = "Allow"
    actions   = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = ["${local.bucket_arn}/clusters/${var.cluster}/*"]
  }

  statement {
    sid       = "BucketKey"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "velero-backups"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.access.json
}
