//! `modules/gcp-backup-bucket`: the one GCS bucket every cluster's Velero backs up to when
//! `[backup] cloud = "gcp"`, under `clusters/<cluster>/`: versioned, uniform bucket-level access,
//! public access prevented, optionally encrypted with a customer-managed Cloud KMS key, and a
//! lifecycle that ends what Velero's own expiry leaves behind (as `aws-backup-bucket` does on S3).

use crate::expr::{Expr, cond, func, num, obj, r, s, ty, var};
use crate::model::{Item, Module, Output, RequiredProvider, Usage, Variable, body, data, resource};

use super::{GOOGLE_VERSION, REQUIRED_TERRAFORM, notes};

pub const DIR: &str = "modules/gcp-backup-bucket";

pub fn module() -> Module {
    Module {
        dir: DIR.into(),
        title: "gcp-backup-bucket".into(),
        about: vec![
            "The GCS bucket the platform's Velero instances share: every cluster writes under \
             `clusters/<cluster>/` and reads the others' prefixes, so a backup made in one cloud \
             restores in another. Versioned, uniform bucket-level access (IAM only, no ACLs), \
             public access prevented, encrypted with Google-managed keys or, with `kms_key_name`, \
             a customer-managed Cloud KMS key (the bucket's Cloud Storage service agent gets \
             encrypt and decrypt on it), and a lifecycle: objects are deleted a margin after \
             Velero's own retention (what Velero forgot to delete), old versions after \
             `noncurrent_days`, unfinished multipart uploads after a week."
                .into(),
            "Grant access with `gcp-velero-identity` (one service account per cluster, writing only \
             under its own prefix) rather than on the bucket here."
                .into(),
        ],
        usage: Some(Usage::new("backups", &super::local_source(DIR))),
        required_version: REQUIRED_TERRAFORM.into(),
        required_providers: vec![RequiredProvider::new(
            "google",
            "hashicorp/google",
            Some(GOOGLE_VERSION),
        )],
        variables: variables(),
        main: main(),
        outputs: outputs(),
        notes: notes(&[
            "Changing `bucket` or `location` replaces the bucket: GCS names are global and buckets \
             cannot move.",
            "`expiration_days` is a safety net behind Velero's `ttl`: keep it longer than the \
             retention of the longest schedule, or Velero finds backups whose files are gone.",
            "No retention policy (bucket lock): it would stop Velero from deleting a backup it \
             has expired before the policy's period ends.",
        ]),
        ..Module::default()
    }
}

fn variables() -> Vec<Variable> {
    vec![
        Variable::new("bucket", ty::string(), "Name of the bucket (globally unique).")
            .validate(
                func("can", [func("regex", [s("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$"), var("bucket")])]),
                "bucket must be 3 to 63 lowercase letters, digits or '-', not starting or ending with '-'.",
            )
            .replaces("the bucket and everything in it")
            .example(s("acme-platform-backups")),
        Variable::new("location", ty::string(), "The bucket's location: a region such as EUROPE-WEST1 (or a multi-region).")
            .replaces("the bucket and everything in it")
            .example(s("EUROPE-WEST1")),
        Variable::new("expiration_days", ty::number(), "Objects are deleted this many days after they were written: Velero's retention plus a margin.")
            .default(num(37))
            .validate(
                crate::expr::bin(var("expiration_days"), hcl::expr::BinaryOperator::GreaterEq, num(1)),
                "expiration_days must be at least 1.",
            )
            .not_null(),
        Variable::new("noncurrent_days", ty::number(), "Overwritten or deleted objects stay recoverable this many days.")
            .default(num(7))
            .not_null(),
        Variable::new("kms_key_name", ty::string(), "A Cloud KMS key (projects/P/locations/L/keyRings/R/cryptoKeys/K, in the bucket's location) that encrypts new objects. Null: Google-managed keys.")
            .default(crate::expr::null())
            .example(s("projects/my-project/locations/europe-west1/keyRings/backups/cryptoKeys/velero")),
        Variable::new("labels", ty::map(ty::string()), "Labels of the bucket.")
            .default(obj::<_, &str>([]))
            .not_null()
            .example(obj([("team", s("platform"))])),
    ]
}

fn cmek() -> Expr {
    crate::expr::bin(
        var("kms_key_name"),
        hcl::expr::BinaryOperator::NotEq,
        crate::expr::null(),
    )
}

fn lifecycle(action: &str, condition: crate::model::B) -> crate::model::B {
    body()
        .b("action", body().a("type", s(action)))
        .b("condition", condition)
}

fn main() -> Vec<Item> {
    vec![
        data(
            "google_storage_project_service_account",
            "this",
            body().a("count", cond(cmek(), num(1), num(0))).build(),
        )
            .comment("The project's Cloud Storage service agent: it encrypts and decrypts with the bucket's KMS key."),
        resource(
            "google_kms_crypto_key_iam_member",
            "storage",
            body()
                .a("count", cond(cmek(), num(1), num(0)))
                .a("crypto_key_id", var("kms_key_name"))
                .a("role", s("roles/cloudkms.cryptoKeyEncrypterDecrypter"))
                .a("member", r("data.google_storage_project_service_account.this[0].member"))
                .build(),
        ),
        resource(
            "google_storage_bucket",
            "this",
            body()
                .a("name", var("bucket"))
                .a("location", var("location"))
                .a("force_destroy", false)
                .a("uniform_bucket_level_access", true)
                .a("public_access_prevention", s("enforced"))
                .a("labels", var("labels"))
                .b("versioning", body().a("enabled", true))
                .bl(
                    "dynamic",
                    &["encryption"],
                    body()
                        .a("for_each", cond(cmek(), crate::expr::list([var("kms_key_name")]), crate::expr::list([])))
                        .b("content", body().a("default_kms_key_name", r("encryption.value"))),
                )
                .b("lifecycle_rule", lifecycle("Delete", body().a("age", var("expiration_days"))))
                .b(
                    "lifecycle_rule",
                    lifecycle(
                        "Delete",
                        body()
                            .a("days_since_noncurrent_time", var("noncurrent_days"))
                            .a("with_state", s("ARCHIVED")),
                    ),
                )
                .b("lifecycle_rule", lifecycle("AbortIncompleteMultipartUpload", body().a("age", num(7))))
                .a("depends_on", crate::expr::list([r("google_kms_crypto_key_iam_member.storage")]))
                .build(),
        )
        .comment("Velero deletes expired backups itself; the lifecycle removes what it leaves behind.")
        .skip("CKV_GCP_62", "usage logs need a second bucket; Cloud Audit Logs (data access) are the usual audit of backups"),
    ]
}

fn outputs() -> Vec<Output> {
    vec![
        Output::new(
            "bucket",
            "Name of the bucket.",
            r("google_storage_bucket.this.name"),
        ),
        Output::new(
            "url",
            "gs:// URL of the bucket.",
            r("google_storage_bucket.this.url"),
        ),
        Output::new(
            "kms_key_name",
            "The Cloud KMS key encrypting new objects (null: Google-managed).",
            func(
                "one",
                [r(
                    "google_storage_bucket.this.encryption[*].default_kms_key_name",
                )],
            ),
        ),
    ]
}
