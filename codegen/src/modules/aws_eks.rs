//! `modules/aws-eks`: a VPC across availability zones (private and public subnets, one NAT gateway
//! per zone, flow logs), the IAM roles, an EKS cluster (private endpoint option, KMS secrets
//! encryption, control-plane logs, access entries), on-demand and spot managed node groups on a
//! hardened launch template, core add-ons, IRSA and EKS Pod Identity, and the IAM role the AWS
//! Load Balancer Controller needs.

use crate::expr::{Expr, boolean, cond, eq, func, list, local, num, obj, r, s, strs, tpl, ty, var};
use crate::model::{
    B, Item, Module, Output, RequiredProvider, Usage, Variable, body, data, locals, resource,
};

use super::{AWS_VERSION, REQUIRED_TERRAFORM, cidr_validation, name_validation, notes};

pub const DIR: &str = "modules/aws-eks";

pub fn module() -> Module {
    let mut main = vec![locals_block(), caller_identity(), partition(), region()];
    main.extend(network());
    main.extend(flow_logs());
    main.push(kms_policy());
    main.push(kms_key());
    main.push(kms_alias());
    main.extend(cluster_iam());
    main.push(cluster_log_group());
    main.push(cluster());
    main.push(peer_ingress());
    main.push(oidc_provider());
    main.extend(access_entries());
    main.extend(node_iam());
    main.push(launch_template());
    main.push(node_group(false));
    main.push(node_group(true));
    main.extend(addons());
    main.extend(lb_controller());
    Module {
        dir: DIR.into(),
        title: "aws-eks".into(),
        about: vec![
            "An EKS cluster and its network: a VPC across the given availability zones with private \
             subnets (nodes, internal load balancers) and public subnets (internet-facing load \
             balancers, one NAT gateway per zone), VPC flow logs, a customer-managed KMS key for \
             Kubernetes secrets and logs, all control-plane logs, authentication through EKS access \
             entries (no `aws-auth` ConfigMap), on-demand and spot managed node groups on a launch \
             template that enforces IMDSv2 and encrypted disks, the core add-ons (VPC CNI through EKS \
             Pod Identity, kube-proxy, CoreDNS, Pod Identity Agent), an IAM OIDC provider for IRSA, \
             and the IAM role of the AWS Load Balancer Controller (bound through Pod Identity)."
                .into(),
            "Every name derives from `name`; nothing is random, so names are stable across plans. \
             The module has no provider block: configure `aws` (region, credentials) in the caller."
                .into(),
        ],
        usage: Some(Usage::new("eks", &super::local_source(DIR))),
        required_version: REQUIRED_TERRAFORM.into(),
        required_providers: vec![RequiredProvider::new("aws", "hashicorp/aws", Some(AWS_VERSION))],
        variables: variables(),
        main,
        outputs: outputs(),
        notes: notes(&[
            "EKS managed node groups cannot change `instance_types` or capacity type in place: those \
             inputs replace their node group (marked in the inputs table). Disk size and metadata \
             settings live in the launch template, so they roll out as a new template version \
             without replacing anything.",
            "`desired_size` of each node group is only set at creation; the cluster autoscaler (or \
             Karpenter) owns it afterwards, so plans do not fight it.",
            "The cluster is created with `bootstrap_cluster_creator_admin_permissions = false`: grant \
             access with `admin_principal_arns` (access entries with the cluster admin policy).",
            "Install the AWS Load Balancer Controller with service account \
             `kube-system/aws-load-balancer-controller`; its IAM role is already associated through \
             Pod Identity, and `vpc_id` is an output for its `vpcId` setting.",
        ]),
        ..Module::default()
    }
}

fn variables() -> Vec<Variable> {
    vec![
        name_validation(Variable::new(
            "name",
            ty::string(),
            "Cluster name; every resource name derives from it. Lowercase letters, digits and '-', starting with a letter, at most 24 characters.",
        ))
        .replaces("every resource of the module")
        .example(s("eks-use1")),
        Variable::new("kubernetes_version", ty::string(), "Kubernetes minor version of the control plane and nodes (upgraded in place, one minor at a time).")
            .default(s("1.33")),
        Variable::new("azs", ty::list(ty::string()), "Availability zones, one private and one public subnet in each (at least two).")
            .validate(func("length", [var("azs")]).ge(num(2)), "azs needs at least two availability zones.")
            .replaces("the subnets, NAT gateways and the cluster")
            .example(strs(["us-east-1a", "us-east-1b", "us-east-1c"])),
        cidr_validation(Variable::new("vpc_cidr", ty::string(), "IPv4 range of the VPC."))
            .replaces("every resource of the module")
            .example(s("10.0.0.0/16")),
        Variable::new("private_subnet_cidrs", ty::list(ty::string()), "One range per zone, inside vpc_cidr, for nodes and internal load balancers.")
            .replaces("the changed subnets and the cluster")
            .example(strs(["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"])),
        Variable::new("public_subnet_cidrs", ty::list(ty::string()), "One range per zone, inside vpc_cidr, for NAT gateways and internet-facing load balancers.")
            .replaces("the changed public subnets and their NAT gateways")
            .example(strs(["10.0.48.0/20", "10.0.64.0/20", "10.0.80.0/20"])),
        cidr_validation(Variable::new("service_cidr", ty::string(), "Kubernetes service range: outside the VPC, a /12 to /24 in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16."))
            .replaces("the cluster")
            .example(s("10.1.0.0/20")),
        Variable::new("endpoint_public_access", ty::bool(), "Also serve the Kubernetes API on a public endpoint, limited to endpoint_public_access_cidrs.")
            .default(boolean(false))
            .not_null(),
        Variable::new("endpoint_public_access_cidrs", ty::list(ty::string()), "Ranges allowed to reach the public endpoint (never 0.0.0.0/0).")
            .default(list([]))
            .not_null()
            .validate(
                func("alltrue", [crate::expr::for_list("c", var("endpoint_public_access_cidrs"), crate::expr::bin(r("c"), hcl::expr::BinaryOperator::NotEq, s("0.0.0.0/0")))]),
                "endpoint_public_access_cidrs must not contain 0.0.0.0/0.",
            ),
        Variable::new("cluster_log_types", ty::list(ty::string()), "Control-plane logs sent to CloudWatch.")
            .default(strs(["api", "audit", "authenticator", "controllerManager", "scheduler"])),
        Variable::new("log_retention_days", ty::number(), "Retention of the control-plane and flow logs, in days.")
            .default(num(365)),
        Variable::new("admin_principal_arns", ty::list(ty::string()), "IAM roles or users given cluster-admin through access entries.")
            .default(list([]))
            .not_null()
            .example(strs(["arn:aws:iam::123456789012:role/platform-admin"])),
        Variable::new("deletion_protection", ty::bool(), "Refuse to delete the cluster (set to false, apply, then destroy).")
            .default(boolean(true))
            .not_null(),
        Variable::new("on_demand_instance_types", ty::list(ty::string()), "Instance types of the on-demand node group.")
            .default(strs(["m6i.large"]))
            .replaces("the on-demand node group"),
        Variable::new("on_demand_min_size", ty::number(), "Minimum nodes of the on-demand group.").default(num(3)),
        Variable::new("on_demand_max_size", ty::number(), "Maximum nodes of the on-demand group.").default(num(9)),
        Variable::new("spot_enabled", ty::bool(), "Create the spot node group (tainted `node.multicloud.io/spot=true:NoSchedule`).")
            .default(boolean(true))
            .not_null(),
        Variable::new("spot_instance_types", ty::list(ty::string()), "Instance types of the spot node group (several, for capacity).")
            .default(strs(["m6i.large", "m6a.large", "m5.large"]))
            .replaces("the spot node group"),
        Variable::new("spot_min_size", ty::number(), "Minimum nodes of the spot group.").default(num(0)),
        Variable::new("spot_max_size", ty::number(), "Maximum nodes of the spot group.").default(num(12)),
        Variable::new("disk_size_gb", ty::number(), "Root volume of every node, in GiB (a new launch template version, rolled out in place).")
            .default(num(100)),
        Variable::new("peer_cidrs", ty::list(ty::string()), "Ranges of clusters in other clouds, reached over the VPN, that may open connections to nodes and pods (all protocols). Empty: none.")
            .default(list([]))
            .not_null()
            .example(strs(["10.16.0.0/16", "10.32.0.0/16"])),
        Variable::new("tags", ty::map(ty::string()), "Tags added to every resource.")
            .default(obj::<_, &str>([]))
            .not_null()
            .example(obj([("team", s("platform")), ("cost-center", s("1234"))])),
    ]
}

trait Ge {
    fn ge(self, rhs: Expr) -> Expr;
}

impl Ge for Expr {
    fn ge(self, rhs: Expr) -> Expr {
        crate::expr::bin(self, hcl::expr::BinaryOperator::GreaterEq, rhs)
    }
}

fn tags(extra: &[(&str, Expr)]) -> Expr {
    if extra.is_empty() {
        local("tags")
    } else {
        func("merge", [local("tags"), obj(extra.iter().cloned())])
    }
}

fn locals_block() -> Item {
    locals([
        (
            "tags",
            func(
                "merge",
                [
                    var("tags"),
                    obj([("ManagedBy", s("multicloud")), ("Cluster", var("name"))]),
                ],
            ),
        ),
        (
            "account_id",
            r("data.aws_caller_identity.current.account_id"),
        ),
        ("partition", r("data.aws_partition.current.partition")),
    ])
}

fn caller_identity() -> Item {
    data("aws_caller_identity", "current", body().build())
}

fn partition() -> Item {
    data("aws_partition", "current", body().build())
}

fn region() -> Item {
    data("aws_region", "current", body().build())
}

/// One `statement` of an `aws_iam_policy_document`.
struct Stmt {
    sid: &'static str,
    actions: Vec<&'static str>,
    resources: Expr,
    principals: Option<(&'static str, Expr)>,
    conditions: Vec<(&'static str, &'static str, Expr)>,
}

fn stmt(sid: &'static str, actions: &[&'static str], resources: Expr) -> Stmt {
    Stmt {
        sid,
        actions: actions.to_vec(),
        resources,
        principals: None,
        conditions: Vec::new(),
    }
}

impl Stmt {
    fn principal(mut self, kind: &'static str, identifiers: Expr) -> Self {
        self.principals = Some((kind, identifiers));
        self
    }
    fn when(mut self, test: &'static str, variable: &'static str, values: Expr) -> Self {
        self.conditions.push((test, variable, values));
        self
    }
}

/// `data "aws_iam_policy_document" NAME`: policies as HCL blocks, rendered to JSON by the provider.
fn policy_doc(name: &str, statements: Vec<Stmt>) -> Item {
    let mut b = body();
    for st in statements {
        let mut sb = body()
            .a("sid", s(st.sid))
            .a("effect", s("Allow"))
            .a("actions", strs(&st.actions));
        if let Some((kind, ids)) = st.principals {
            sb = sb.b(
                "principals",
                body().a("type", s(kind)).a("identifiers", ids),
            );
        } else {
            sb = sb.a("resources", st.resources);
        }
        for (test, variable, values) in st.conditions {
            sb = sb.b(
                "condition",
                body()
                    .a("test", s(test))
                    .a("variable", s(variable))
                    .a("values", values),
            );
        }
        b = b.b("statement", sb);
    }
    data("aws_iam_policy_document", name, b.build())
}

fn doc_json(name: &str) -> Expr {
    r(&format!("data.aws_iam_policy_document.{name}.json"))
}

/// A trust policy for an AWS service principal.
fn assume_doc(name: &str, service: &str, actions: &[&'static str]) -> Item {
    policy_doc(
        name,
        vec![stmt("AssumeRole", actions, list([])).principal("Service", strs([service]))],
    )
}

fn network() -> Vec<Item> {
    let per_az_count = func("length", [var("azs")]);
    let same_length = |v: &str| {
        body().b(
            "lifecycle",
            body().b(
                "precondition",
                body()
                    .a(
                        "condition",
                        eq(func("length", [var(v)]), func("length", [var("azs")])),
                    )
                    .a(
                        "error_message",
                        s(&format!(
                            "{v} needs exactly one range per availability zone."
                        )),
                    ),
            ),
        )
    };
    let subnet = |kind: &str, role: &str| {
        let cidrs = format!("{kind}_subnet_cidrs");
        let b = body()
            .a("count", per_az_count.clone())
            .a("vpc_id", r("aws_vpc.this.id"))
            .a("availability_zone", r("var.azs[count.index]"))
            .a("cidr_block", r(&format!("var.{cidrs}[count.index]")))
            .a("map_public_ip_on_launch", false)
            .a(
                "tags",
                tags(&[
                    (
                        "Name",
                        tpl(&format!("${{var.name}}-{kind}-${{var.azs[count.index]}}")),
                    ),
                    (role, s("1")),
                ]),
            );
        let mut structures = b.build().into_inner();
        structures.extend(same_length(&cidrs).build().into_inner());
        resource("aws_subnet", kind, hcl::Body(structures))
    };
    vec![
        resource(
            "aws_vpc",
            "this",
            body()
                .a("cidr_block", var("vpc_cidr"))
                .a("enable_dns_support", true)
                .a("enable_dns_hostnames", true)
                .a("tags", tags(&[("Name", var("name"))]))
                .build(),
        ),
        resource(
            "aws_default_security_group",
            "this",
            body()
                .a("vpc_id", r("aws_vpc.this.id"))
                .a("tags", tags(&[("Name", tpl("${var.name}-default-deny"))]))
                .build(),
        )
        .comment("No rules: the VPC's default security group denies all traffic."),
        subnet("private", "kubernetes.io/role/internal-elb"),
        subnet("public", "kubernetes.io/role/elb"),
        resource(
            "aws_internet_gateway",
            "this",
            body()
                .a("vpc_id", r("aws_vpc.this.id"))
                .a("tags", tags(&[("Name", var("name"))]))
                .build(),
        ),
        resource(
            "aws_eip",
            "nat",
            body()
                .a("count", per_az_count.clone())
                .a("domain", s("vpc"))
                .a(
                    "tags",
                    tags(&[("Name", tpl("${var.name}-nat-${var.azs[count.index]}"))]),
                )
                .build(),
        ),
        resource(
            "aws_nat_gateway",
            "this",
            body()
                .a("count", per_az_count.clone())
                .a("allocation_id", r("aws_eip.nat[count.index].id"))
                .a("subnet_id", r("aws_subnet.public[count.index].id"))
                .a(
                    "tags",
                    tags(&[("Name", tpl("${var.name}-${var.azs[count.index]}"))]),
                )
                .a("depends_on", list([r("aws_internet_gateway.this")]))
                .build(),
        ),
        resource(
            "aws_route_table",
            "public",
            body()
                .a("vpc_id", r("aws_vpc.this.id"))
                .b(
                    "route",
                    body()
                        .a("cidr_block", s("0.0.0.0/0"))
                        .a("gateway_id", r("aws_internet_gateway.this.id")),
                )
                .a("tags", tags(&[("Name", tpl("${var.name}-public"))]))
                .build(),
        ),
        resource(
            "aws_route_table_association",
            "public",
            body()
                .a("count", per_az_count.clone())
                .a("subnet_id", r("aws_subnet.public[count.index].id"))
                .a("route_table_id", r("aws_route_table.public.id"))
                .build(),
        ),
        resource(
            "aws_route_table",
            "private",
            body()
                .a("count", per_az_count.clone())
                .a("vpc_id", r("aws_vpc.this.id"))
                .b(
                    "route",
                    body()
                        .a("cidr_block", s("0.0.0.0/0"))
                        .a("nat_gateway_id", r("aws_nat_gateway.this[count.index].id")),
                )
                .a(
                    "tags",
                    tags(&[("Name", tpl("${var.name}-private-${var.azs[count.index]}"))]),
                )
                .build(),
        ),
        resource(
            "aws_route_table_association",
            "private",
            body()
                .a("count", per_az_count)
                .a("subnet_id", r("aws_subnet.private[count.index].id"))
                .a(
                    "route_table_id",
                    r("aws_route_table.private[count.index].id"),
                )
                .build(),
        ),
    ]
}

fn flow_logs() -> Vec<Item> {
    vec![
        assume_doc(
            "flow_logs_assume",
            "vpc-flow-logs.amazonaws.com",
            &["sts:AssumeRole"],
        ),
        policy_doc(
            "flow_logs",
            vec![stmt(
                "WriteFlowLogs",
                &[
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:DescribeLogStreams",
                ],
                list([tpl("${aws_cloudwatch_log_group.flow_logs.arn}:*")]),
            )],
        ),
        resource(
            "aws_cloudwatch_log_group",
            "flow_logs",
            body()
                .a("name", tpl("/aws/vpc/${var.name}/flow-logs"))
                .a("retention_in_days", var("log_retention_days"))
                .a("kms_key_id", r("aws_kms_key.this.arn"))
                .a("tags", tags(&[]))
                .build(),
        ),
        resource(
            "aws_iam_role",
            "flow_logs",
            body()
                .a("name", tpl("${var.name}-flow-logs"))
                .a("assume_role_policy", doc_json("flow_logs_assume"))
                .a("tags", tags(&[]))
                .build(),
        ),
        resource(
            "aws_iam_role_policy",
            "flow_logs",
            body()
                .a("name", s("write-flow-logs"))
                .a("role", r("aws_iam_role.flow_logs.id"))
                .a("policy", doc_json("flow_logs"))
                .build(),
        ),
        resource(
            "aws_flow_log",
            "this",
            body()
                .a("vpc_id", r("aws_vpc.this.id"))
                .a("traffic_type", s("ALL"))
                .a(
                    "log_destination",
                    r("aws_cloudwatch_log_group.flow_logs.arn"),
                )
                .a("iam_role_arn", r("aws_iam_role.flow_logs.arn"))
                .a("max_aggregation_interval", num(60))
                .a("tags", tags(&[]))
                .build(),
        ),
    ]
}

fn kms_policy() -> Item {
    let root = list([tpl("arn:${local.partition}:iam::${local.account_id}:root")]);
    let autoscaling = || {
        list([tpl(
            "arn:${local.partition}:iam::${local.account_id}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
        )])
    };
    policy_doc(
        "kms",
        vec![
            stmt("AccountAdministers", &["kms:*"], list([])).principal("AWS", root),
            stmt(
                "CloudWatchLogsEncrypt",
                &["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                list([]),
            )
            .principal("Service", list([tpl("logs.${data.aws_region.current.region}.amazonaws.com")]))
            .when(
                "ArnLike",
                "kms:EncryptionContext:aws:logs:arn",
                list([tpl("arn:${local.partition}:logs:${data.aws_region.current.region}:${local.account_id}:log-group:*")]),
            ),
            stmt(
                "AutoScalingUsesKeyForNodeVolumes",
                &["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                list([]),
            )
            .principal("AWS", autoscaling()),
            stmt("AutoScalingGrantsForNodeVolumes", &["kms:CreateGrant"], list([]))
                .principal("AWS", autoscaling())
                .when("Bool", "kms:GrantIsForAWSResource", strs(["true"])),
        ],
    )
    .comment("Key policy: the account administers the key; CloudWatch Logs and EC2 Auto Scaling (node volumes) use it.")
}

fn kms_key() -> Item {
    resource(
        "aws_kms_key",
        "this",
        body()
            .a("description", tpl("EKS secrets and logs of ${var.name}"))
            .a("enable_key_rotation", true)
            .a("deletion_window_in_days", num(30))
            .a("policy", doc_json("kms"))
            .a("tags", tags(&[]))
            .build(),
    )
    .comment("Encrypts Kubernetes secrets (envelope encryption), control-plane logs, flow logs and node volumes.")
}

fn kms_alias() -> Item {
    resource(
        "aws_kms_alias",
        "this",
        body()
            .a("name", tpl("alias/${var.name}-eks"))
            .a("target_key_id", r("aws_kms_key.this.key_id"))
            .build(),
    )
}

fn attach(name: &str, role: &str, policy_name: &str) -> Item {
    resource(
        "aws_iam_role_policy_attachment",
        name,
        body()
            .a("role", r(&format!("aws_iam_role.{role}.name")))
            .a(
                "policy_arn",
                tpl(&format!(
                    "arn:${{local.partition}}:iam::aws:policy/{policy_name}"
                )),
            )
            .build(),
    )
}

fn cluster_iam() -> Vec<Item> {
    vec![
        assume_doc(
            "cluster_assume",
            "eks.amazonaws.com",
            &["sts:AssumeRole", "sts:TagSession"],
        ),
        resource(
            "aws_iam_role",
            "cluster",
            body()
                .a("name", tpl("${var.name}-cluster"))
                .a("assume_role_policy", doc_json("cluster_assume"))
                .a("tags", tags(&[]))
                .build(),
        ),
        attach("cluster", "cluster", "AmazonEKSClusterPolicy"),
    ]
}

fn cluster_log_group() -> Item {
    resource(
        "aws_cloudwatch_log_group",
        "cluster",
        body()
            .a("name", tpl("/aws/eks/${var.name}/cluster"))
            .a("retention_in_days", var("log_retention_days"))
            .a("kms_key_id", r("aws_kms_key.this.arn"))
            .a("tags", tags(&[]))
            .build(),
    )
    .comment(
        "Created before the cluster so EKS does not create it without retention or encryption.",
    )
}

fn cluster() -> Item {
    resource(
        "aws_eks_cluster",
        "this",
        body()
            .a("name", var("name"))
            .a("role_arn", r("aws_iam_role.cluster.arn"))
            .a("version", var("kubernetes_version"))
            .a("enabled_cluster_log_types", var("cluster_log_types"))
            .a("deletion_protection", var("deletion_protection"))
            .a("bootstrap_self_managed_addons", false)
            .b(
                "vpc_config",
                body()
                    .a("subnet_ids", r("aws_subnet.private[*].id"))
                    .a("endpoint_private_access", true)
                    .a("endpoint_public_access", var("endpoint_public_access"))
                    .a(
                        "public_access_cidrs",
                        cond(
                            var("endpoint_public_access"),
                            var("endpoint_public_access_cidrs"),
                            list([]),
                        ),
                    ),
            )
            .b(
                "access_config",
                body()
                    .a("authentication_mode", s("API"))
                    .a("bootstrap_cluster_creator_admin_permissions", false),
            )
            .b(
                "encryption_config",
                body()
                    .a("resources", strs(["secrets"]))
                    .b("provider", body().a("key_arn", r("aws_kms_key.this.arn"))),
            )
            .b(
                "kubernetes_network_config",
                body()
                    .a("ip_family", s("ipv4"))
                    .a("service_ipv4_cidr", var("service_cidr")),
            )
            .b("upgrade_policy", body().a("support_type", s("STANDARD")))
            .a("tags", tags(&[]))
            .a(
                "depends_on",
                list([
                    r("aws_iam_role_policy_attachment.cluster"),
                    r("aws_cloudwatch_log_group.cluster"),
                ]),
            )
            .build(),
    )
}

/// Nodes and pods (VPC CNI gives pods addresses on the nodes' interfaces) carry the cluster
/// security group, which EKS creates admitting only itself: traffic from the other clouds' clusters
/// needs one rule per peer range.
fn peer_ingress() -> Item {
    resource(
        "aws_vpc_security_group_ingress_rule",
        "peers",
        body()
            .a("for_each", func("toset", [var("peer_cidrs")]))
            .a(
                "security_group_id",
                r("aws_eks_cluster.this.vpc_config[0].cluster_security_group_id"),
            )
            .a("cidr_ipv4", r("each.value"))
            .a("ip_protocol", s("-1"))
            .a(
                "description",
                tpl("From ${each.value}, a cluster in another cloud, over the VPN"),
            )
            .a("tags", tags(&[]))
            .build(),
    )
}

fn oidc_provider() -> Item {
    resource(
        "aws_iam_openid_connect_provider",
        "this",
        body()
            .a("url", r("aws_eks_cluster.this.identity[0].oidc[0].issuer"))
            .a("client_id_list", strs(["sts.amazonaws.com"]))
            .a("tags", tags(&[]))
            .build(),
    )
    .comment("IRSA: for workloads that use IAM roles for service accounts instead of Pod Identity.")
}

fn access_entries() -> Vec<Item> {
    vec![
        resource(
            "aws_eks_access_entry",
            "admin",
            body()
                .a("for_each", func("toset", [var("admin_principal_arns")]))
                .a("cluster_name", r("aws_eks_cluster.this.name"))
                .a("principal_arn", r("each.value"))
                .a("type", s("STANDARD"))
                .a("tags", tags(&[]))
                .build(),
        ),
        resource(
            "aws_eks_access_policy_association",
            "admin",
            body()
                .a("for_each", func("toset", [var("admin_principal_arns")]))
                .a("cluster_name", r("aws_eks_cluster.this.name"))
                .a("principal_arn", r("aws_eks_access_entry.admin[each.key].principal_arn"))
                .a(
                    "policy_arn",
                    tpl("arn:${local.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"),
                )
                .b("access_scope", body().a("type", s("cluster")))
                .build(),
        ),
    ]
}

fn node_iam() -> Vec<Item> {
    vec![
        assume_doc("nodes_assume", "ec2.amazonaws.com", &["sts:AssumeRole"]),
        resource(
            "aws_iam_role",
            "nodes",
            body()
                .a("name", tpl("${var.name}-nodes"))
                .a("assume_role_policy", doc_json("nodes_assume"))
                .a("tags", tags(&[]))
                .build(),
        )
        .comment("Nodes only join the cluster and pull images; the VPC CNI has its own role (Pod Identity)."),
        attach("nodes_worker", "nodes", "AmazonEKSWorkerNodePolicy"),
        attach("nodes_ecr", "nodes", "AmazonEC2ContainerRegistryPullOnly"),
    ]
}

fn launch_template() -> Item {
    let tag_spec = |kind: &str| {
        body()
            .a("resource_type", s(kind))
            .a("tags", tags(&[("Name", tpl("${var.name}-node"))]))
    };
    resource(
        "aws_launch_template",
        "nodes",
        body()
            .a("name", tpl("${var.name}-nodes"))
            .a("description", tpl("Nodes of EKS cluster ${var.name}"))
            .a("update_default_version", true)
            .b(
                "metadata_options",
                body()
                    .a("http_endpoint", s("enabled"))
                    .a("http_tokens", s("required"))
                    .a("http_put_response_hop_limit", num(1)),
            )
            .b(
                "block_device_mappings",
                body().a("device_name", s("/dev/xvda")).b(
                    "ebs",
                    body()
                        .a("volume_size", var("disk_size_gb"))
                        .a("volume_type", s("gp3"))
                        .a("encrypted", true)
                        .a("kms_key_id", r("aws_kms_key.this.arn"))
                        .a("delete_on_termination", true),
                ),
            )
            .b("monitoring", body().a("enabled", true))
            .b("tag_specifications", tag_spec("instance"))
            .b("tag_specifications", tag_spec("volume"))
            .a("tags", tags(&[]))
            .build(),
    )
    .comment("IMDSv2 only, one hop: pods cannot reach the node's instance credentials.")
}

fn node_group(spot: bool) -> Item {
    let (id, name, types, min, max) = if spot {
        (
            "spot",
            "spot",
            "spot_instance_types",
            "spot_min_size",
            "spot_max_size",
        )
    } else {
        (
            "on_demand",
            "on-demand",
            "on_demand_instance_types",
            "on_demand_min_size",
            "on_demand_max_size",
        )
    };
    let b: B = body()
        .when(spot, |b| {
            b.a("count", cond(var("spot_enabled"), num(1), num(0)))
        })
        .a("cluster_name", r("aws_eks_cluster.this.name"))
        .a("node_group_name", s(name))
        .a("node_role_arn", r("aws_iam_role.nodes.arn"))
        .a("subnet_ids", r("aws_subnet.private[*].id"))
        .a("version", r("aws_eks_cluster.this.version"))
        .a("ami_type", s("AL2023_x86_64_STANDARD"))
        .a("capacity_type", s(if spot { "SPOT" } else { "ON_DEMAND" }))
        .a("instance_types", var(types))
        .a(
            "labels",
            obj([(
                "node.multicloud.io/capacity",
                s(if spot { "spot" } else { "on-demand" }),
            )]),
        )
        .b(
            "scaling_config",
            body()
                .a("min_size", var(min))
                .a("max_size", var(max))
                .a("desired_size", var(min)),
        )
        .b(
            "update_config",
            body().a("max_unavailable_percentage", num(33)),
        )
        .b(
            "launch_template",
            body()
                .a("id", r("aws_launch_template.nodes.id"))
                .a("version", r("aws_launch_template.nodes.latest_version")),
        )
        .b("node_repair_config", body().a("enabled", true))
        .when(spot, |b| {
            b.b(
                "taint",
                body()
                    .a("key", s("node.multicloud.io/spot"))
                    .a("value", s("true"))
                    .a("effect", s("NO_SCHEDULE")),
            )
        })
        .a("tags", tags(&[]))
        .b(
            "lifecycle",
            body().a(
                "ignore_changes",
                list([r("scaling_config[0].desired_size")]),
            ),
        )
        .a(
            "depends_on",
            list([
                r("aws_iam_role_policy_attachment.nodes_worker"),
                r("aws_iam_role_policy_attachment.nodes_ecr"),
                r("aws_eks_addon.before_nodes"),
            ]),
        );
    resource("aws_eks_node_group", id, b.build())
}

fn pod_identity_role(id: &str, role_name: &str) -> Item {
    resource(
        "aws_iam_role",
        id,
        body()
            .a("name", tpl(&format!("${{var.name}}-{role_name}")))
            .a("assume_role_policy", doc_json("pods_assume"))
            .a("tags", tags(&[]))
            .build(),
    )
}

fn addons() -> Vec<Item> {
    vec![
        assume_doc("pods_assume", "pods.eks.amazonaws.com", &["sts:AssumeRole", "sts:TagSession"])
            .comment("Trust policy of every EKS Pod Identity role."),
        pod_identity_role("vpc_cni", "vpc-cni"),
        attach("vpc_cni", "vpc_cni", "AmazonEKS_CNI_Policy"),
        resource(
            "aws_eks_addon",
            "before_nodes",
            body()
                .a(
                    "for_each",
                    obj([
                        ("eks-pod-identity-agent", obj::<_, &str>([])),
                        ("kube-proxy", obj::<_, &str>([])),
                        ("vpc-cni", obj([("aws-node", r("aws_iam_role.vpc_cni.arn"))])),
                    ]),
                )
                .a("cluster_name", r("aws_eks_cluster.this.name"))
                .a("addon_name", r("each.key"))
                .a("resolve_conflicts_on_create", s("OVERWRITE"))
                .a("resolve_conflicts_on_update", s("OVERWRITE"))
                .bl(
                    "dynamic",
                    &["pod_identity_association"],
                    body().a("for_each", r("each.value")).b(
                        "content",
                        body()
                            .a("service_account", r("pod_identity_association.key"))
                            .a("role_arn", r("pod_identity_association.value")),
                    ),
                )
                .a("tags", tags(&[]))
                .build(),
        )
        .comment("Networking add-ons exist before any node joins; the VPC CNI gets its IAM role through Pod Identity."),
        resource(
            "aws_eks_addon",
            "coredns",
            body()
                .a("cluster_name", r("aws_eks_cluster.this.name"))
                .a("addon_name", s("coredns"))
                .a("resolve_conflicts_on_create", s("OVERWRITE"))
                .a("resolve_conflicts_on_update", s("OVERWRITE"))
                .a("tags", tags(&[]))
                .a("depends_on", list([r("aws_eks_node_group.on_demand")]))
                .build(),
        )
        .comment("CoreDNS needs nodes to run on."),
    ]
}

/// The IAM policy of the AWS Load Balancer Controller (v2.x, as AWS publishes it), grouped.
fn lb_controller_policy() -> Item {
    let any = || strs(["*"]);
    let request_tag = "aws:RequestTag/elbv2.k8s.aws/cluster";
    let resource_tag = "aws:ResourceTag/elbv2.k8s.aws/cluster";
    let arn = |suffix: &str| tpl(&format!("arn:${{local.partition}}:{suffix}"));
    let elb_resources = || {
        list([
            arn("elasticloadbalancing:*:*:targetgroup/*/*"),
            arn("elasticloadbalancing:*:*:loadbalancer/net/*/*"),
            arn("elasticloadbalancing:*:*:loadbalancer/app/*/*"),
        ])
    };
    let yes = || strs(["true"]);
    let no = || strs(["false"]);
    policy_doc(
        "lb_controller",
        vec![
            stmt(
                "CreateElbServiceLinkedRole",
                &["iam:CreateServiceLinkedRole"],
                any(),
            )
            .when(
                "StringEquals",
                "iam:AWSServiceName",
                strs(["elasticloadbalancing.amazonaws.com"]),
            ),
            stmt(
                "Describe",
                &[
                    "ec2:DescribeAccountAttributes",
                    "ec2:DescribeAddresses",
                    "ec2:DescribeAvailabilityZones",
                    "ec2:DescribeInternetGateways",
                    "ec2:DescribeVpcs",
                    "ec2:DescribeVpcPeeringConnections",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeInstances",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeTags",
                    "ec2:DescribeRouteTables",
                    "ec2:DescribeIpamPools",
                    "ec2:GetCoipPoolUsage",
                    "ec2:DescribeCoipPools",
                    "ec2:GetSecurityGroupsForVpc",
                    "elasticloadbalancing:DescribeLoadBalancers",
                    "elasticloadbalancing:DescribeLoadBalancerAttributes",
                    "elasticloadbalancing:DescribeListeners",
                    "elasticloadbalancing:DescribeListenerCertificates",
                    "elasticloadbalancing:DescribeListenerAttributes",
                    "elasticloadbalancing:DescribeSSLPolicies",
                    "elasticloadbalancing:DescribeRules",
                    "elasticloadbalancing:DescribeTargetGroups",
                    "elasticloadbalancing:DescribeTargetGroupAttributes",
                    "elasticloadbalancing:DescribeTargetHealth",
                    "elasticloadbalancing:DescribeTags",
                    "elasticloadbalancing:DescribeTrustStores",
                    "elasticloadbalancing:DescribeCapacityReservation",
                ],
                any(),
            ),
            stmt(
                "ReadCertificatesAndProtection",
                &[
                    "cognito-idp:DescribeUserPoolClient",
                    "acm:ListCertificates",
                    "acm:DescribeCertificate",
                    "iam:ListServerCertificates",
                    "iam:GetServerCertificate",
                    "waf-regional:GetWebACL",
                    "waf-regional:GetWebACLForResource",
                    "waf-regional:AssociateWebACL",
                    "waf-regional:DisassociateWebACL",
                    "wafv2:GetWebACL",
                    "wafv2:GetWebACLForResource",
                    "wafv2:AssociateWebACL",
                    "wafv2:DisassociateWebACL",
                    "shield:GetSubscriptionState",
                    "shield:DescribeProtection",
                    "shield:CreateProtection",
                    "shield:DeleteProtection",
                ],
                any(),
            ),
            stmt("CreateSecurityGroups", &["ec2:CreateSecurityGroup"], any()),
            stmt(
                "TagNewSecurityGroups",
                &["ec2:CreateTags"],
                list([arn("ec2:*:*:security-group/*")]),
            )
            .when(
                "StringEquals",
                "ec2:CreateAction",
                strs(["CreateSecurityGroup"]),
            )
            .when("Null", request_tag, no()),
            stmt(
                "ManageOwnSecurityGroups",
                &[
                    "ec2:CreateTags",
                    "ec2:DeleteTags",
                    "ec2:AuthorizeSecurityGroupIngress",
                    "ec2:RevokeSecurityGroupIngress",
                    "ec2:DeleteSecurityGroup",
                ],
                list([arn("ec2:*:*:security-group/*")]),
            )
            .when("Null", resource_tag, no()),
            stmt(
                "CreateLoadBalancers",
                &[
                    "elasticloadbalancing:CreateLoadBalancer",
                    "elasticloadbalancing:CreateTargetGroup",
                ],
                any(),
            )
            .when("Null", request_tag, no()),
            stmt(
                "ManageListenersAndRules",
                &[
                    "elasticloadbalancing:CreateListener",
                    "elasticloadbalancing:DeleteListener",
                    "elasticloadbalancing:CreateRule",
                    "elasticloadbalancing:DeleteRule",
                    "elasticloadbalancing:SetWebAcl",
                    "elasticloadbalancing:ModifyListener",
                    "elasticloadbalancing:AddListenerCertificates",
                    "elasticloadbalancing:RemoveListenerCertificates",
                    "elasticloadbalancing:ModifyRule",
                    "elasticloadbalancing:SetRulePriorities",
                ],
                any(),
            ),
            stmt(
                "TagOwnLoadBalancers",
                &[
                    "elasticloadbalancing:AddTags",
                    "elasticloadbalancing:RemoveTags",
                ],
                elb_resources(),
            )
            .when("Null", request_tag, yes())
            .when("Null", resource_tag, no()),
            stmt(
                "TagListenersAndRules",
                &[
                    "elasticloadbalancing:AddTags",
                    "elasticloadbalancing:RemoveTags",
                ],
                list([
                    arn("elasticloadbalancing:*:*:listener/net/*/*/*"),
                    arn("elasticloadbalancing:*:*:listener/app/*/*/*"),
                    arn("elasticloadbalancing:*:*:listener-rule/net/*/*/*"),
                    arn("elasticloadbalancing:*:*:listener-rule/app/*/*/*"),
                ]),
            ),
            stmt(
                "ModifyOwnLoadBalancers",
                &[
                    "elasticloadbalancing:ModifyLoadBalancerAttributes",
                    "elasticloadbalancing:SetIpAddressType",
                    "elasticloadbalancing:SetSecurityGroups",
                    "elasticloadbalancing:SetSubnets",
                    "elasticloadbalancing:DeleteLoadBalancer",
                    "elasticloadbalancing:ModifyTargetGroup",
                    "elasticloadbalancing:ModifyTargetGroupAttributes",
                    "elasticloadbalancing:DeleteTargetGroup",
                    "elasticloadbalancing:ModifyListenerAttributes",
                    "elasticloadbalancing:ModifyCapacityReservation",
                    "elasticloadbalancing:ModifyIpPools",
                ],
                any(),
            )
            .when("Null", resource_tag, no()),
            stmt(
                "TagOnCreate",
                &["elasticloadbalancing:AddTags"],
                elb_resources(),
            )
            .when(
                "StringEquals",
                "elasticloadbalancing:CreateAction",
                strs(["CreateTargetGroup", "CreateLoadBalancer"]),
            )
            .when("Null", request_tag, no()),
            stmt(
                "RegisterTargets",
                &[
                    "elasticloadbalancing:RegisterTargets",
                    "elasticloadbalancing:DeregisterTargets",
                ],
                list([arn("elasticloadbalancing:*:*:targetgroup/*/*")]),
            ),
        ],
    )
}

fn lb_controller() -> Vec<Item> {
    let why = "the AWS Load Balancer Controller's published policy: Describe/Create calls have no resource-level scope, \
               and writes are limited by the elbv2.k8s.aws/cluster tag conditions where AWS supports them";
    vec![
        lb_controller_policy()
            .skip("CKV_AWS_111", why)
            .skip("CKV_AWS_356", why),
        pod_identity_role("lb_controller", "aws-load-balancer-controller"),
        resource(
            "aws_iam_policy",
            "lb_controller",
            body()
                .a("name", tpl("${var.name}-aws-load-balancer-controller"))
                .a(
                    "description",
                    s("What the AWS Load Balancer Controller needs to manage ALBs and NLBs."),
                )
                .a("policy", doc_json("lb_controller"))
                .a("tags", tags(&[]))
                .build(),
        ),
        resource(
            "aws_iam_role_policy_attachment",
            "lb_controller",
            body()
                .a("role", r("aws_iam_role.lb_controller.name"))
                .a("policy_arn", r("aws_iam_policy.lb_controller.arn"))
                .build(),
        ),
        resource(
            "aws_eks_pod_identity_association",
            "lb_controller",
            body()
                .a("cluster_name", r("aws_eks_cluster.this.name"))
                .a("namespace", s("kube-system"))
                .a("service_account", s("aws-load-balancer-controller"))
                .a("role_arn", r("aws_iam_role.lb_controller.arn"))
                .a("tags", tags(&[]))
                .build(),
        ),
    ]
}

fn outputs() -> Vec<Output> {
    vec![
        Output::new(
            "cluster_name",
            "Name of the EKS cluster.",
            r("aws_eks_cluster.this.name"),
        ),
        Output::new(
            "cluster_arn",
            "ARN of the EKS cluster.",
            r("aws_eks_cluster.this.arn"),
        ),
        Output::new(
            "cluster_endpoint",
            "Kubernetes API endpoint.",
            r("aws_eks_cluster.this.endpoint"),
        ),
        Output::new(
            "cluster_ca_certificate",
            "Base64 CA certificate of the Kubernetes API.",
            r("aws_eks_cluster.this.certificate_authority[0].data"),
        ),
        Output::new(
            "cluster_security_group_id",
            "Security group EKS created for the control plane and nodes.",
            r("aws_eks_cluster.this.vpc_config[0].cluster_security_group_id"),
        ),
        Output::new(
            "oidc_provider_arn",
            "ARN of the IAM OIDC provider (IRSA trust policies).",
            r("aws_iam_openid_connect_provider.this.arn"),
        ),
        Output::new(
            "oidc_issuer_url",
            "OIDC issuer URL of the cluster.",
            r("aws_eks_cluster.this.identity[0].oidc[0].issuer"),
        ),
        Output::new("vpc_id", "ID of the VPC.", r("aws_vpc.this.id")),
        Output::new(
            "private_subnet_ids",
            "IDs of the private subnets, by zone order.",
            r("aws_subnet.private[*].id"),
        ),
        Output::new(
            "public_subnet_ids",
            "IDs of the public subnets, by zone order.",
            r("aws_subnet.public[*].id"),
        ),
        Output::new(
            "private_route_table_ids",
            "Route tables of the private subnets (for VPN routes).",
            r("aws_route_table.private[*].id"),
        ),
        Output::new(
            "node_role_arn",
            "IAM role of the nodes.",
            r("aws_iam_role.nodes.arn"),
        ),
        Output::new(
            "kms_key_arn",
            "KMS key encrypting secrets, logs and node volumes.",
            r("aws_kms_key.this.arn"),
        ),
        Output::new(
            "lb_controller_role_arn",
            "IAM role of the AWS Load Balancer Controller (kube-system/aws-load-balancer-controller).",
            r("aws_iam_role.lb_controller.arn"),
        ),
        Output::new(
            "node_group_names",
            "Names of the managed node groups.",
            func(
                "concat",
                [
                    list([r("aws_eks_node_group.on_demand.node_group_name")]),
                    r("aws_eks_node_group.spot[*].node_group_name"),
                ],
            ),
        ),
    ]
}
