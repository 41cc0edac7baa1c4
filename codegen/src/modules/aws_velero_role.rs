//! `modules/aws-velero-role`: the IAM role one cluster's Velero signs in with to the shared S3
//! backup bucket, from any cloud: it trusts the cluster's OIDC issuer (EKS's IRSA provider, or a
//! provider made here for a GKE or AKS issuer) for Velero's service account only, and may write
//! only under the cluster's own prefix and read the other clusters' (restores into this cluster).

use crate::expr::{cond, eq, func, list, null, obj, r, s, strs, tpl, ty, var};
use crate::model::{
    Item, Module, Output, RequiredProvider, Usage, Variable, body, data, locals, resource,
};

use super::aws_backup_bucket::{Statement, allow, doc, policy_document};
use super::{AWS_VERSION, REQUIRED_TERRAFORM, notes};

pub const DIR: &str = "modules/aws-velero-role";
/// The audience of the tokens STS accepts (IRSA's, and what the projected token outside AWS asks for).
pub const AUDIENCE: &str = "sts.amazonaws.com";

pub fn module() -> Module {
    Module {
        dir: DIR.into(),
        title: "aws-velero-role".into(),
        about: vec![
            "The IAM role of one cluster's Velero, for a backup bucket on S3. It trusts the cluster's \
             OIDC issuer for one Kubernetes service account (`velero/velero-server` by default) and \
             audience `sts.amazonaws.com`: on EKS through the cluster's IRSA provider \
             (`oidc_provider_arn`), from GKE or AKS through an IAM OIDC provider this module makes for \
             their issuer (Velero there exchanges a projected service-account token with \
             `AssumeRoleWithWebIdentity`)."
                .into(),
            "Least privilege: objects under `clusters/<cluster>/` read and written, under `clusters/` \
             read only (so backups of the other clusters restore here), listing limited to \
             `clusters/`, and the bucket's KMS key for encrypting and decrypting only."
                .into(),
        ],
        usage: Some(Usage::new("velero_role", &super::local_source(DIR))),
        required_version: REQUIRED_TERRAFORM.into(),
        required_providers: vec![RequiredProvider::new("aws", "hashicorp/aws", Some(AWS_VERSION))],
        variables: variables(),
        main: main(),
        outputs: outputs(),
        notes: notes(&[
            "IAM accepts one OIDC provider per issuer URL and account: pass `oidc_provider_arn` when \
             one exists (EKS clusters made by `aws-eks` have one).",
            "Changing `name` replaces the role: the cluster's Argo CD cluster Secret carries its ARN, \
             so Velero follows at the next sync.",
        ]),
        ..Module::default()
    }
}

fn variables() -> Vec<Variable> {
    vec![
        Variable::new("name", ty::string(), "Name of the IAM role.")
            .validate(
                func("can", [func("regex", [s("^[A-Za-z0-9+=,.@_-]{1,64}$"), var("name")])]),
                "name must be 1 to 64 letters, digits or +=,.@_- (IAM role names).",
            )
            .replaces("the role")
            .example(s("acme-eks-use1-velero")),
        Variable::new("cluster", ty::string(), "The cluster's name: its backups are under clusters/CLUSTER/ in the bucket.")
            .example(s("eks-use1")),
        Variable::new("bucket", ty::string(), "The backup bucket's name.")
            .example(s("acme-platform-backups")),
        Variable::new("kms_key_arn", ty::string(), "The KMS key the bucket encrypts with.")
            .example(s("arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000")),
        Variable::new("oidc_issuer_url", ty::string(), "The cluster's OIDC issuer (https://...): EKS's, GKE's https://container.googleapis.com/v1/projects/P/locations/L/clusters/C, or AKS's oidc_issuer_url.")
            .validate(
                func("startswith", [var("oidc_issuer_url"), s("https://")]),
                "oidc_issuer_url must start with https://.",
            )
            .example(s("https://container.googleapis.com/v1/projects/my-project/locations/europe-west1/clusters/gke-euw1")),
        Variable::new("oidc_provider_arn", ty::string(), "An IAM OIDC provider that already exists for oidc_issuer_url (EKS's IRSA provider). Null: one is made here.")
            .default(null())
            .example(s("arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE")),
        Variable::new("namespace", ty::string(), "Namespace of Velero's service account.")
            .default(s("velero"))
            .not_null(),
        Variable::new("service_account", ty::string(), "Velero's service account.")
            .default(s("velero-server"))
            .not_null(),
        Variable::new("tags", ty::map(ty::string()), "Tags added to every resource.")
            .default(obj::<_, &str>([]))
            .not_null()
            .example(obj([("team", s("platform"))])),
    ]
}

fn main() -> Vec<Item> {
    let objects = |path: &str| list([tpl(&format!("${{local.bucket_arn}}/{path}"))]);
    vec![
        data("aws_partition", "current", body().build()),
        locals([
            ("issuer", func("trimprefix", [var("oidc_issuer_url"), s("https://")])),
            ("bucket_arn", tpl("arn:${data.aws_partition.current.partition}:s3:::${var.bucket}")),
            (
                "provider_arn",
                cond(
                    eq(var("oidc_provider_arn"), null()),
                    r("aws_iam_openid_connect_provider.this[0].arn"),
                    var("oidc_provider_arn"),
                ),
            ),
        ]),
        resource(
            "aws_iam_openid_connect_provider",
            "this",
            body()
                .a("count", cond(eq(var("oidc_provider_arn"), null()), crate::expr::num(1), crate::expr::num(0)))
                .a("url", var("oidc_issuer_url"))
                .a("client_id_list", strs([AUDIENCE]))
                .a("tags", var("tags"))
                .build(),
        )
        .comment("A GKE or AKS issuer, trusted by this account (IAM fetches its keys from the issuer's discovery document)."),
        policy_document(
            "trust",
            vec![Statement {
                principal: Some(("Federated", list([r("local.provider_arn")]))),
                resources: None,
                ..allow("VeleroServiceAccount", &["sts:AssumeRoleWithWebIdentity"], list([]))
                    .when("StringEquals", tpl("${local.issuer}:sub"), list([tpl("system:serviceaccount:${var.namespace}:${var.service_account}")]))
                    .when("StringEquals", tpl("${local.issuer}:aud"), strs([AUDIENCE]))
            }],
        ),
        resource(
            "aws_iam_role",
            "this",
            body()
                .a("name", var("name"))
                .a("description", tpl("Velero of cluster ${var.cluster}: backups under clusters/${var.cluster}/ in ${var.bucket}"))
                .a("assume_role_policy", doc("trust"))
                .a("max_session_duration", crate::expr::num(3600))
                .a("tags", var("tags"))
                .build(),
        ),
        policy_document(
            "access",
            vec![
                allow("ListBackups", &["s3:ListBucket"], list([r("local.bucket_arn")]))
                    .when("StringLike", s("s3:prefix"), strs(["clusters/*"])),
                allow("ReadEveryClustersBackups", &["s3:GetObject"], objects("clusters/*")),
                allow(
                    "WriteOwnBackups",
                    &["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                    objects("clusters/${var.cluster}/*"),
                ),
                allow("BucketKey", &["kms:Decrypt", "kms:GenerateDataKey"], list([var("kms_key_arn")])),
            ],
        )
        .comment("Writes only under the cluster's own prefix; reads every cluster's (restores from peers)."),
        resource(
            "aws_iam_role_policy",
            "this",
            body()
                .a("name", s("velero-backups"))
                .a("role", r("aws_iam_role.this.id"))
                .a("policy", doc("access"))
                .build(),
        ),
    ]
}

fn outputs() -> Vec<Output> {
    vec![
        Output::new(
            "role_arn",
            "ARN of the role (Velero's AWS_ROLE_ARN, or its IRSA annotation on EKS).",
            r("aws_iam_role.this.arn"),
        ),
        Output::new(
            "role_name",
            "Name of the role.",
            r("aws_iam_role.this.name"),
        ),
        Output::new(
            "oidc_provider_arn",
            "The IAM OIDC provider the role trusts.",
            r("local.provider_arn"),
        ),
    ]
}
