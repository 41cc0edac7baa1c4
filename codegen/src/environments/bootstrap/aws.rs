//! AWS: the S3 state bucket (versioned, SSE-KMS with its own key, no public access, TLS only,
//! old versions expiring) with S3-native lock files (`use_lockfile`, so no DynamoDB table), GitHub's
//! OIDC provider, and the plan and apply roles.

use super::{GITHUB_ISSUER, subjects};
use crate::expr::{Expr, list, num, r, s, strs, tpl};
use crate::model::{Item, body, data, resource};
use crate::modules::s3_protections;
use crate::platform::{Ci, Cloud, Platform};
use crate::workflow::{Stage, vars};

/// (plan role, apply role, shared variable): the values of the GitHub variables.
pub(super) fn identity_values() -> (Expr, Expr, Option<(&'static str, Expr, &'static str)>) {
    (
        r("aws_iam_role.plan.arn"),
        r("aws_iam_role.apply.arn"),
        None,
    )
}

/// One statement of an `aws_iam_policy_document`.
struct Statement {
    sid: &'static str,
    effect: &'static str,
    actions: Vec<&'static str>,
    resources: Option<Expr>,
    principal: Option<(&'static str, Expr)>,
    conditions: Vec<(&'static str, String, Expr)>,
}

fn allow(sid: &'static str, actions: &[&'static str], resources: Expr) -> Statement {
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
    fn when(mut self, test: &'static str, variable: &str, values: Expr) -> Self {
        self.conditions.push((test, variable.into(), values));
        self
    }
}

fn policy_document(name: &str, statements: Vec<Statement>) -> Item {
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
                    .a("variable", s(&variable))
                    .a("values", values),
            );
        }
        b = b.b("statement", sb);
    }
    data("aws_iam_policy_document", name, b.build())
}

fn doc(name: &str) -> Expr {
    r(&format!("data.aws_iam_policy_document.{name}.json"))
}

fn bucket_arn() -> Expr {
    r("aws_s3_bucket.state.arn")
}

/// The state objects of this platform: every backend key starts with the platform's name.
fn state_objects(p: &Platform, suffix: &str) -> Expr {
    list([tpl(&format!(
        "${{aws_s3_bucket.state.arn}}/{}/{suffix}",
        p.name
    ))])
}

fn kms_key(p: &Platform) -> Vec<Item> {
    vec![
        policy_document(
            "state_key",
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
        .comment("The account administers the key through IAM; the roles below get only what they use."),
        resource(
            "aws_kms_key",
            "state",
            body()
                .a("description", s(&format!("Terraform state of platform {}", p.name)))
                .a("enable_key_rotation", true)
                .a("deletion_window_in_days", num(30))
                .a("policy", doc("state_key"))
                .build(),
        ),
        resource(
            "aws_kms_alias",
            "state",
            body()
                .a("name", s(&format!("alias/{}-terraform-state", p.name)))
                .a("target_key_id", r("aws_kms_key.state.key_id"))
                .build(),
        ),
    ]
}

fn bucket(p: &Platform) -> Vec<Item> {
    let bucket_name = p
        .aws
        .as_ref()
        .map(|a| a.state_bucket.clone())
        .unwrap_or_default();
    let id = || r("aws_s3_bucket.state.id");
    let mut items = vec![
        resource("aws_s3_bucket", "state", body().a("bucket", s(&bucket_name)).build())
            .comment("The state of every environment kept on AWS, under keys PLATFORM/ENVIRONMENT/.")
            .skip("CKV_AWS_18", "access logging needs a second bucket (and its own logging); CloudTrail data events are the usual audit of a state bucket")
            .skip("CKV_AWS_144", "cross-region replication of the state is a recovery choice for the team; versioning keeps every past state")
            .skip("CKV2_AWS_62", "nothing consumes events of the state bucket"),
    ];
    items.extend(s3_protections::protections(
        "state",
        r("aws_kms_key.state.arn"),
        "Every past state stays recoverable.",
    ));
    items.extend([
        resource(
            "aws_s3_bucket_lifecycle_configuration",
            "state",
            body()
                .a("bucket", id())
                .b(
                    "rule",
                    body()
                        .a("id", s("old-states"))
                        .a("status", s("Enabled"))
                        .b("filter", body())
                        .b(
                            "noncurrent_version_expiration",
                            body()
                                .a("noncurrent_days", num(90))
                                .a("newer_noncurrent_versions", num(10)),
                        )
                        .b(
                            "abort_incomplete_multipart_upload",
                            body().a("days_after_initiation", num(7)),
                        ),
                )
                .build(),
        )
        .comment("Past states are kept 90 days, and always the last 10."),
        policy_document(
            "state_bucket",
            vec![Statement {
                effect: "Deny",
                principal: Some(("*", strs(["*"]))),
                ..allow(
                    "TlsOnly",
                    &["s3:*"],
                    list([bucket_arn(), tpl("${aws_s3_bucket.state.arn}/*")]),
                )
                .when("Bool", "aws:SecureTransport", strs(["false"]))
            }],
        ),
        resource(
            "aws_s3_bucket_policy",
            "state",
            body()
                .a("bucket", id())
                .a("policy", doc("state_bucket"))
                .a(
                    "depends_on",
                    list([r("aws_s3_bucket_public_access_block.state")]),
                )
                .build(),
        ),
    ]);
    items
}

fn oidc_provider() -> Item {
    resource(
        "aws_iam_openid_connect_provider",
        "github",
        body()
            .a("url", s(GITHUB_ISSUER))
            .a("client_id_list", strs(["sts.amazonaws.com"]))
            .build(),
    )
    .comment(
        "GitHub's OIDC issuer; AWS verifies its certificates itself, so no thumbprint is pinned.",
    )
}

fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Plan => "plan",
        Stage::Apply => "apply",
    }
}

/// The trust policy: tokens of GitHub's issuer for STS, with one of the stage's subjects.
fn trust(p: &Platform, ci: &Ci, stage: Stage) -> Item {
    let host = GITHUB_ISSUER.trim_start_matches("https://");
    policy_document(
        &format!("{}_trust", stage_name(stage)),
        vec![Statement {
            principal: Some((
                "Federated",
                list([r("aws_iam_openid_connect_provider.github.arn")]),
            )),
            resources: None,
            ..allow(
                "GitHubActions",
                &["sts:AssumeRoleWithWebIdentity"],
                list([]),
            )
            .when(
                "StringEquals",
                &format!("{host}:aud"),
                strs(["sts.amazonaws.com"]),
            )
            .when(
                "StringEquals",
                &format!("{host}:sub"),
                strs(subjects(p, ci, Cloud::Aws, stage)),
            )
        }],
    )
}

/// Of the state: plans read it and write only the lock file next to it; applies also write it.
fn state_access(p: &Platform, stage: Stage) -> Item {
    let mut statements = vec![
        allow("ListTheBucket", &["s3:ListBucket"], list([bucket_arn()])),
        allow("ReadStates", &["s3:GetObject"], state_objects(p, "*")),
        allow(
            "LockFiles",
            &["s3:PutObject", "s3:DeleteObject"],
            state_objects(p, "*.tflock"),
        ),
        allow(
            "StateKey",
            &["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
            list([r("aws_kms_key.state.arn")]),
        ),
    ];
    if stage == Stage::Apply {
        statements.push(allow(
            "WriteStates",
            &["s3:PutObject"],
            state_objects(p, "*.tfstate"),
        ));
    }
    policy_document(&format!("{}_state", stage_name(stage)), statements)
}

/// IAM for the apply role: only the names the AWS clusters' roles and policies have
/// (`CLUSTER-...`), the clusters' IRSA OIDC providers, and EKS's service-linked roles.
fn cluster_iam(p: &Platform) -> Item {
    let account = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}";
    let mut names = Vec::new();
    for c in p.clusters_on(Cloud::Aws) {
        for kind in ["role", "policy", "instance-profile"] {
            names.push(tpl(&format!("{account}:{kind}/{}-*", c.name)));
        }
    }
    // The global layer names nothing in IAM; without AWS clusters only the state is needed.
    if names.is_empty() {
        names.push(tpl(&format!("{account}:role/{}-*", p.name)));
    }
    policy_document(
        "apply_iam",
        vec![
            allow(
                "ClusterRolesAndPolicies",
                &[
                    "iam:CreateRole",
                    "iam:DeleteRole",
                    "iam:GetRole",
                    "iam:UpdateRole",
                    "iam:UpdateAssumeRolePolicy",
                    "iam:TagRole",
                    "iam:UntagRole",
                    "iam:PassRole",
                    "iam:ListRolePolicies",
                    "iam:ListAttachedRolePolicies",
                    "iam:ListInstanceProfilesForRole",
                    "iam:PutRolePolicy",
                    "iam:GetRolePolicy",
                    "iam:DeleteRolePolicy",
                    "iam:AttachRolePolicy",
                    "iam:DetachRolePolicy",
                    "iam:CreatePolicy",
                    "iam:DeletePolicy",
                    "iam:GetPolicy",
                    "iam:GetPolicyVersion",
                    "iam:ListPolicyVersions",
                    "iam:CreatePolicyVersion",
                    "iam:DeletePolicyVersion",
                    "iam:TagPolicy",
                    "iam:UntagPolicy",
                    "iam:CreateInstanceProfile",
                    "iam:DeleteInstanceProfile",
                    "iam:GetInstanceProfile",
                    "iam:AddRoleToInstanceProfile",
                    "iam:RemoveRoleFromInstanceProfile",
                ],
                list(names),
            ),
            allow(
                "ClusterOidcProviders",
                &[
                    "iam:CreateOpenIDConnectProvider",
                    "iam:DeleteOpenIDConnectProvider",
                    "iam:GetOpenIDConnectProvider",
                    "iam:TagOpenIDConnectProvider",
                    "iam:UntagOpenIDConnectProvider",
                ],
                list([tpl(&format!("{account}:oidc-provider/oidc.eks.*"))]),
            ),
            allow(
                "ServiceLinkedRoles",
                &["iam:CreateServiceLinkedRole"],
                list([tpl(&format!("{account}:role/aws-service-role/*"))]),
            ),
        ],
    )
    .comment(
        "Changing IAM is the sharpest right of the apply role: only on the clusters' own names.",
    )
}

fn role(p: &Platform, ci: &Ci, stage: Stage) -> Vec<Item> {
    let name = stage_name(stage);
    let mut items = vec![
        trust(p, ci, stage),
        resource(
            "aws_iam_role",
            name,
            body()
                .a("name", s(&format!("{}-terraform-{name}", p.name)))
                .a(
                    "description",
                    s(&format!(
                        "Terraform {name} in CI ({}), GitHub variable {}",
                        ci.github_repository,
                        vars::identity(Cloud::Aws, stage)
                    )),
                )
                .a("assume_role_policy", doc(&format!("{name}_trust")))
                .a("max_session_duration", num(3600))
                .build(),
        ),
        state_access(p, stage),
        resource(
            "aws_iam_role_policy",
            &format!("{name}_state"),
            body()
                .a("name", s("terraform-state"))
                .a("role", r(&format!("aws_iam_role.{name}.id")))
                .a("policy", doc(&format!("{name}_state")))
                .build(),
        ),
    ];
    let (managed, why) = match stage {
        Stage::Plan => (
            "ReadOnlyAccess",
            "Plans refresh every resource the environments manage; a team can swap in a policy listing only their Describe/Get/List calls.",
        ),
        Stage::Apply => (
            "PowerUserAccess",
            "Everything the environments create except IAM (VPC, EKS, EC2, KMS, CloudWatch Logs, Route 53); IAM comes from apply_iam.",
        ),
    };
    items.push(
        resource(
            "aws_iam_role_policy_attachment",
            &format!("{name}_access"),
            body()
                .a("role", r(&format!("aws_iam_role.{name}.name")))
                .a(
                    "policy_arn",
                    tpl(&format!(
                        "arn:${{data.aws_partition.current.partition}}:iam::aws:policy/{managed}"
                    )),
                )
                .build(),
        )
        .comment(why),
    );
    if stage == Stage::Apply {
        items.push(cluster_iam(p));
        items.push(resource(
            "aws_iam_role_policy",
            "apply_iam",
            body()
                .a("name", s("cluster-iam"))
                .a("role", r("aws_iam_role.apply.id"))
                .a("policy", doc("apply_iam"))
                .build(),
        ));
    }
    items
}

pub(super) fn items(p: &Platform, ci: &Ci) -> Vec<Item> {
    let mut items = vec![
        data("aws_caller_identity", "current", body().build()),
        data("aws_partition", "current", body().build()),
    ];
    items.extend(kms_key(p));
    items.extend(bucket(p));
    items.push(oidc_provider());
    items.extend(role(p, ci, Stage::Plan));
    items.extend(role(p, ci, Stage::Apply));
    items
}
