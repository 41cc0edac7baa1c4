//! `modules/aws-backup-bucket`: the one S3 bucket every cluster's Velero backs up to, under
//! `clusters/<cluster>/`, whatever the cluster's cloud: versioned, encrypted with its own rotating
//! KMS key, no public access and no ACLs, TLS only, and a lifecycle that ends what Velero's own
//! expiry leaves behind.

use crate::expr::{Expr, func, list, num, obj, r, s, strs, tpl, ty, var};
use crate::model::{Item, Module, Output, RequiredProvider, Usage, Variable, body, data, resource};

use super::{AWS_VERSION, REQUIRED_TERRAFORM, notes, s3_protections};

pub const DIR: &str = "modules/aws-backup-bucket";

/// One statement of an `aws_iam_policy_document` (shared with `aws-velero-role`).
pub(super) struct Statement {
    pub sid: &'static str,
    pub effect: &'static str,
    pub actions: Vec<&'static str>,
    pub resources: Option<Expr>,
    pub principal: Option<(&'static str, Expr)>,
    pub conditions: Vec<(&'static str, Expr, Expr)>,
}

pub(super) fn allow(sid: &'static str, actions: &[&'static str], resources: Expr) -> Statement {
    Statement {
        sid,
        effect: "Allow",
        actions: actions.to_vec(),
        resources: Some(resources),
        principal: None,
        conditions: Vec::new(),
    }
}

impl Statement {
    /// A condition; `variable` is an expression so that it can name an issuer (`"${...}:sub"`).
    pub fn when(mut self, test: &'static str, variable: Expr, values: Expr) -> Self {
        self.conditions.push((test, variable, values));
        self
    }
}

/// `data "aws_iam_policy_document" NAME`: policies as HCL blocks, rendered to JSON by the provider.
pub(super) fn policy_document(name: &str, statements: Vec<Statement>) -> Item {
    let mut b = body();
    for st in statements {
        let mut sb = body()
            .a("sid", s(st.sid))
            .a("effect", s(st.effect))
            .a("actions", strs(&st.actions))
            .a_opt("resources", st.resources);
        if let Some((kind, ids)) = st.principal {
            sb = sb.b(
                "principals",
                body().a("type", s(kind)).a("identifiers", ids),
            );
        }
        for (test, variable, values) in st.conditions {
            sb = sb.b(
                "condition",
                body()
                    .a("test", s(test))
                    .a("variable", variable)
                    .a("values", values),
            );
        }
        b = b.b("statement", sb);
    }
    data("aws_iam_policy_document", name, b.build())
}

pub(super) fn doc(name: &str) -> Expr {
    r(&format!("data.aws_iam_policy_document.{name}.json"))
}

pub fn module() -> Module {
    let mut main = vec![
        data("aws_caller_identity", "current", body().build()),
        data("aws_partition", "current", body().build()),
    ];
    main.extend(kms_key());
    main.extend(bucket());
    Module {
        dir: DIR.into(),
        title: "aws-backup-bucket".into(),
        about: vec![
            "The S3 bucket the platform's Velero instances share: every cluster writes under \
             `clusters/<cluster>/` and reads the others' prefixes, so a backup made in one cloud \
             restores in another. Versioned, encrypted with a customer-managed KMS key that rotates \
             every year (S3 bucket keys keep the KMS calls few), public access blocked, ACLs off, \
             TLS required by the bucket policy, and a lifecycle: objects expire a margin after \
             Velero's own retention (what Velero forgot to delete), old versions after \
             `noncurrent_days`, unfinished uploads after a week."
                .into(),
            "Grant access with `aws-velero-role` (one IAM role per cluster, limited to its prefix) \
             rather than in the bucket policy: the policy only denies."
                .into(),
        ],
        usage: Some(Usage::new("backups", &super::local_source(DIR))),
        required_version: REQUIRED_TERRAFORM.into(),
        required_providers: vec![RequiredProvider::new("aws", "hashicorp/aws", Some(AWS_VERSION))],
        variables: variables(),
        main,
        outputs: outputs(),
        notes: notes(&[
            "Changing `bucket` replaces the bucket: S3 names are global and cannot be renamed.",
            "`expiration_days` is a safety net behind Velero's `ttl`: keep it longer than the \
             retention of the longest schedule, or Velero finds backups whose files are gone.",
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
        Variable::new("tags", ty::map(ty::string()), "Tags added to every resource.")
            .default(obj::<_, &str>([]))
            .not_null()
            .example(obj([("team", s("platform"))])),
    ]
}

fn kms_key() -> Vec<Item> {
    vec![
        policy_document(
            "key",
            vec![Statement {
                principal: Some((
                    "AWS",
                    list([tpl(
                        "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root",
                    )]),
                )),
                // A key policy's resource is always the key itself.
                resources: None,
                ..allow("AccountAdministersTheKey", &["kms:*"], list([]))
            }],
        )
        .comment("The account administers the key through IAM; each Velero role gets only encrypt and decrypt."),
        resource(
            "aws_kms_key",
            "this",
            body()
                .a("description", tpl("Velero backups in ${var.bucket}"))
                .a("enable_key_rotation", true)
                .a("deletion_window_in_days", num(30))
                .a("policy", doc("key"))
                .a("tags", var("tags"))
                .build(),
        ),
        resource(
            "aws_kms_alias",
            "this",
            body()
                .a("name", tpl("alias/${var.bucket}"))
                .a("target_key_id", r("aws_kms_key.this.key_id"))
                .build(),
        ),
    ]
}

fn bucket() -> Vec<Item> {
    let id = || r("aws_s3_bucket.this.id");
    let mut items = vec![
        resource(
            "aws_s3_bucket",
            "this",
            body().a("bucket", var("bucket")).a("tags", var("tags")).build(),
        )
        .skip("CKV_AWS_18", "access logging needs a second bucket (and its own logging); CloudTrail data events are the usual audit of backups")
        .skip("CKV_AWS_144", "the bucket is itself the cross-cloud copy of every cluster; a replica in another region is the team's choice")
        .skip("CKV2_AWS_62", "nothing consumes events of the backup bucket"),
    ];
    items.extend(s3_protections::protections(
        "this",
        r("aws_kms_key.this.arn"),
        "A backup overwritten or deleted by mistake stays recoverable for noncurrent_days.",
    ));
    items.extend([
        resource(
            "aws_s3_bucket_lifecycle_configuration",
            "this",
            body()
                .a("bucket", id())
                .b(
                    "rule",
                    body()
                        .a("id", s("backups"))
                        .a("status", s("Enabled"))
                        .b("filter", body())
                        .b("expiration", body().a("days", var("expiration_days")))
                        .b(
                            "noncurrent_version_expiration",
                            body().a("noncurrent_days", var("noncurrent_days")),
                        )
                        .b(
                            "abort_incomplete_multipart_upload",
                            body().a("days_after_initiation", num(7)),
                        ),
                )
                .build(),
        )
        .comment("Velero deletes expired backups itself; this removes what it leaves behind."),
        policy_document(
            "bucket",
            vec![Statement {
                effect: "Deny",
                principal: Some(("*", strs(["*"]))),
                ..allow(
                    "TlsOnly",
                    &["s3:*"],
                    list([
                        r("aws_s3_bucket.this.arn"),
                        tpl("${aws_s3_bucket.this.arn}/*"),
                    ]),
                )
                .when("Bool", s("aws:SecureTransport"), strs(["false"]))
            }],
        ),
        resource(
            "aws_s3_bucket_policy",
            "this",
            body()
                .a("bucket", id())
                .a("policy", doc("bucket"))
                .a(
                    "depends_on",
                    list([r("aws_s3_bucket_public_access_block.this")]),
                )
                .build(),
        ),
    ]);
    items
}

fn outputs() -> Vec<Output> {
    vec![
        Output::new("bucket", "Name of the bucket.", r("aws_s3_bucket.this.id")),
        Output::new(
            "bucket_arn",
            "ARN of the bucket.",
            r("aws_s3_bucket.this.arn"),
        ),
        Output::new(
            "kms_key_arn",
            "KMS key encrypting the backups (the Velero roles encrypt and decrypt with it).",
            r("aws_kms_key.this.arn"),
        ),
    ]
}
