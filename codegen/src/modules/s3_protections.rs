//! The protections every S3 bucket of the platform gets, whatever it holds (the Terraform state in
//! `environments/bootstrap`, the backups in `modules/aws-backup-bucket`): versioning, encryption
//! with the bucket's own KMS key, no public access, no ACLs. One place, so that the two buckets
//! cannot drift apart.

use crate::expr::{Expr, r, s};
use crate::model::{Item, body, resource};

/// The versioning, encryption, public-access block and ownership controls of the bucket
/// `aws_s3_bucket.LABEL`, encrypted with `kms_key_arn`; `versioning_why` says what versioning
/// protects for this bucket.
pub fn protections(label: &str, kms_key_arn: Expr, versioning_why: &str) -> Vec<Item> {
    let id = || r(&format!("aws_s3_bucket.{label}.id"));
    vec![
        resource(
            "aws_s3_bucket_versioning",
            label,
            body()
                .a("bucket", id())
                .b("versioning_configuration", body().a("status", s("Enabled")))
                .build(),
        )
        .comment(versioning_why),
        resource(
            "aws_s3_bucket_server_side_encryption_configuration",
            label,
            body()
                .a("bucket", id())
                .b(
                    "rule",
                    body()
                        .b(
                            "apply_server_side_encryption_by_default",
                            body()
                                .a("sse_algorithm", s("aws:kms"))
                                .a("kms_master_key_id", kms_key_arn),
                        )
                        .a("bucket_key_enabled", true),
                )
                .build(),
        ),
        resource(
            "aws_s3_bucket_public_access_block",
            label,
            body()
                .a("bucket", id())
                .a("block_public_acls", true)
                .a("block_public_policy", true)
                .a("ignore_public_acls", true)
                .a("restrict_public_buckets", true)
                .build(),
        ),
        resource(
            "aws_s3_bucket_ownership_controls",
            label,
            body()
                .a("bucket", id())
                .b(
                    "rule",
                    body().a("object_ownership", s("BucketOwnerEnforced")),
                )
                .build(),
        )
        .comment("No ACLs: access is IAM only."),
    ]
}
