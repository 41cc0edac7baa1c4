//! `modules/azure-aks`: a resource group, a VNet with a node subnet (behind a network security
//! group) and optionally the GatewaySubnet of a VPN gateway, Log Analytics, and an AKS cluster with the OIDC issuer and workload identity, Azure CNI
//! overlay with Cilium, Entra ID RBAC, a system node pool and a spot user pool.

use crate::expr::{
    Expr, boolean, cond, eq, func, list, local, null, num, obj, or, r, s, strs, tpl, ty, var,
};
use crate::model::{
    Item, Module, Output, RequiredProvider, Usage, Variable, body, locals, resource,
};

use super::{AZURERM_VERSION, REQUIRED_TERRAFORM, cidr_validation, name_validation, notes};

pub const DIR: &str = "modules/azure-aks";

pub fn module() -> Module {
    Module {
        dir: DIR.into(),
        title: "azure-aks".into(),
        about: vec![
            "An AKS cluster and its network: a resource group, a VNet with one node subnet behind a \
             network security group (and, given `gateway_subnet_cidr`, the `GatewaySubnet` a VPN gateway \
             needs), a Log Analytics workspace (Container Insights and control-plane \
             diagnostics), and AKS with the OIDC issuer and workload identity, Azure CNI overlay with \
             the Cilium dataplane and network policy, Entra ID authentication with Azure RBAC (local \
             accounts disabled), automatic patch upgrades, a system node pool on ephemeral, \
             host-encrypted disks, and an autoscaled spot user pool tainted \
             `kubernetes.azure.com/scalesetpriority=spot:NoSchedule`."
                .into(),
            "Every name derives from `name`; nothing is random, so names are stable across plans.".into(),
        ],
        usage: Some(Usage::new("aks", &super::local_source(DIR))),
        required_version: REQUIRED_TERRAFORM.into(),
        required_providers: vec![RequiredProvider::new("azurerm", "hashicorp/azurerm", Some(AZURERM_VERSION))],
        variables: variables(),
        main: vec![
            labels_local(),
            resource_group(),
            vnet(),
            subnet(),
            gateway_subnet(),
            nsg(),
            nsg_association(),
            log_analytics(),
            identity(),
            network_contributor(),
            cluster(),
            diagnostics(),
            spot_pool(),
        ],
        outputs: outputs(),
        notes: notes(&[
            "The system pool sets `temporary_name_for_rotation`, so changing its VM size, disk or zones \
             rotates the pool through a temporary one instead of replacing the cluster.",
            "Node counts are only set at creation; the cluster autoscaler owns them afterwards, so plans \
             do not fight it.",
            "Pods get addresses from `pod_cidr` (overlay), not from the VNet: the VNet only needs room \
             for nodes.",
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
        .example(s("aks-weu")),
        Variable::new("location", ty::string(), "Azure region of every resource.").replaces("every resource of the module")
            .example(s("westeurope")),
        Variable::new("kubernetes_version", ty::string(), "Kubernetes minor version (patches are applied automatically; minors upgrade in place).")
            .default(s("1.33")),
        cidr_validation(Variable::new("vnet_cidr", ty::string(), "Address space of the VNet."))
            .replaces("the VNet, the subnet and the cluster")
            .example(s("10.0.0.0/16")),
        cidr_validation(Variable::new("subnet_cidr", ty::string(), "Node subnet, inside vnet_cidr."))
            .replaces("the subnet and the cluster")
            .example(s("10.0.0.0/20")),
        Variable::new(
            "gateway_subnet_cidr",
            ty::string(),
            "A range inside vnet_cidr, /27 or larger, for the subnet named GatewaySubnet that a VPN gateway needs (modules/networking); null for none.",
        )
        .default(null())
        .validate(
            or(eq(var("gateway_subnet_cidr"), null()), func("can", [func("cidrhost", [var("gateway_subnet_cidr"), num(0)])])),
            "gateway_subnet_cidr must be an IPv4 CIDR block such as 10.0.16.0/20, or null.",
        )
        .replaces("the GatewaySubnet, which Azure refuses while a VPN gateway is in it (remove the gateway first)")
        .example(s("10.0.16.0/27")),
        cidr_validation(Variable::new("pod_cidr", ty::string(), "Overlay pod range, outside the VNet."))
            .replaces("the cluster")
            .example(s("10.1.0.0/16")),
        cidr_validation(Variable::new("service_cidr", ty::string(), "Kubernetes service range, outside the VNet and pod_cidr."))
            .replaces("the cluster")
            .example(s("10.2.0.0/20")),
        Variable::new("private_cluster", ty::bool(), "Serve the Kubernetes API only on a private endpoint in the VNet.")
            .default(boolean(true))
            .not_null()
            .replaces("the cluster"),
        Variable::new("api_authorized_ip_ranges", ty::list(ty::string()), "Ranges allowed to reach a public API endpoint (when private_cluster is false).")
            .default(list([]))
            .not_null(),
        Variable::new("admin_group_object_ids", ty::list(ty::string()), "Entra ID groups that administer the cluster.")
            .default(list([]))
            .not_null()
            .example(strs(["00000000-0000-0000-0000-000000000000"])),
        Variable::new("zones", ty::list(ty::string()), "Availability zones of the node pools.")
            .default(strs(["1", "2", "3"]))
            .replaces("the spot pool (the system pool rotates)"),
        Variable::new("system_vm_size", ty::string(), "VM size of the system pool (rotated through a temporary pool).")
            .default(s("Standard_D4ds_v5")),
        Variable::new("system_min_count", ty::number(), "Minimum nodes of the system pool.").default(num(3)),
        Variable::new("system_max_count", ty::number(), "Maximum nodes of the system pool.").default(num(6)),
        Variable::new("spot_enabled", ty::bool(), "Create the spot user pool.").default(boolean(true)).not_null(),
        Variable::new("spot_vm_size", ty::string(), "VM size of the spot pool.")
            .default(s("Standard_D4ds_v5"))
            .replaces("the spot node pool"),
        Variable::new("spot_min_count", ty::number(), "Minimum nodes of the spot pool.").default(num(0)),
        Variable::new("spot_max_count", ty::number(), "Maximum nodes of the spot pool.").default(num(12)),
        Variable::new("log_retention_days", ty::number(), "Retention of the Log Analytics workspace, in days.").default(num(90)),
        Variable::new("tags", ty::map(ty::string()), "Tags added to every resource.")
            .default(obj::<_, &str>([]))
            .not_null()
            .example(obj([("team", s("platform")), ("cost-center", s("1234"))])),
    ]
}

fn labels_local() -> Item {
    locals([(
        "tags",
        func(
            "merge",
            [
                var("tags"),
                obj([("managed-by", s("multicloud")), ("cluster", var("name"))]),
            ],
        ),
    )])
}

fn rg() -> Expr {
    r("azurerm_resource_group.this.name")
}

fn resource_group() -> Item {
    resource(
        "azurerm_resource_group",
        "this",
        body()
            .a("name", tpl("${var.name}-rg"))
            .a("location", var("location"))
            .a("tags", local("tags"))
            .build(),
    )
}

fn vnet() -> Item {
    resource(
        "azurerm_virtual_network",
        "this",
        body()
            .a("name", tpl("${var.name}-vnet"))
            .a("location", r("azurerm_resource_group.this.location"))
            .a("resource_group_name", rg())
            .a("address_space", list([var("vnet_cidr")]))
            .a("tags", local("tags"))
            .build(),
    )
}

fn subnet() -> Item {
    resource(
        "azurerm_subnet",
        "nodes",
        body()
            .a("name", s("nodes"))
            .a("resource_group_name", rg())
            .a(
                "virtual_network_name",
                r("azurerm_virtual_network.this.name"),
            )
            .a("address_prefixes", list([var("subnet_cidr")]))
            .a("default_outbound_access_enabled", false)
            .build(),
    )
}

fn gateway_subnet() -> Item {
    resource(
        "azurerm_subnet",
        "gateway",
        body()
            .a("count", cond(eq(var("gateway_subnet_cidr"), null()), num(0), num(1)))
            .a("name", s("GatewaySubnet"))
            .a("resource_group_name", rg())
            .a(
                "virtual_network_name",
                r("azurerm_virtual_network.this.name"),
            )
            .a("address_prefixes", list([var("gateway_subnet_cidr")]))
            .build(),
    )
    .comment("Azure VPN gateways live in a subnet that must be named GatewaySubnet and hold nothing else;")
    .comment("Azure does not support a network security group on it (checkov's subnet-NSG check exempts the name).")
}

fn nsg() -> Item {
    resource(
        "azurerm_network_security_group",
        "nodes",
        body()
            .a("name", tpl("${var.name}-nodes"))
            .a("location", r("azurerm_resource_group.this.location"))
            .a("resource_group_name", rg())
            .a("tags", local("tags"))
            .build(),
    )
    .comment("Azure's default rules apply (VNet and load balancer traffic in, nothing from the internet); AKS adds rules for its load balancers.")
}

fn nsg_association() -> Item {
    resource(
        "azurerm_subnet_network_security_group_association",
        "nodes",
        body()
            .a("subnet_id", r("azurerm_subnet.nodes.id"))
            .a(
                "network_security_group_id",
                r("azurerm_network_security_group.nodes.id"),
            )
            .build(),
    )
}

fn log_analytics() -> Item {
    resource(
        "azurerm_log_analytics_workspace",
        "this",
        body()
            .a("name", tpl("${var.name}-logs"))
            .a("location", r("azurerm_resource_group.this.location"))
            .a("resource_group_name", rg())
            .a("sku", s("PerGB2018"))
            .a("retention_in_days", var("log_retention_days"))
            .a("local_authentication_enabled", false)
            .a("tags", local("tags"))
            .build(),
    )
}

fn identity() -> Item {
    resource(
        "azurerm_user_assigned_identity",
        "cluster",
        body()
            .a("name", tpl("${var.name}-cluster"))
            .a("location", r("azurerm_resource_group.this.location"))
            .a("resource_group_name", rg())
            .a("tags", local("tags"))
            .build(),
    )
    .comment("The control plane's identity: known before the cluster exists, so its role assignment can precede it.")
}

fn network_contributor() -> Item {
    resource(
        "azurerm_role_assignment",
        "cluster_network",
        body()
            .a("scope", r("azurerm_subnet.nodes.id"))
            .a("role_definition_name", s("Network Contributor"))
            .a("principal_id", r("azurerm_user_assigned_identity.cluster.principal_id"))
            .a("principal_type", s("ServicePrincipal"))
            .build(),
    )
    .comment("AKS manages load balancer IPs in the node subnet; the grant is scoped to that subnet only.")
}

fn cluster() -> Item {
    let system_pool = body()
        .a("name", s("system"))
        .a("temporary_name_for_rotation", s("systemtmp"))
        .a("vm_size", var("system_vm_size"))
        .a("vnet_subnet_id", r("azurerm_subnet.nodes.id"))
        .a("zones", var("zones"))
        .a("auto_scaling_enabled", true)
        .a("min_count", var("system_min_count"))
        .a("max_count", var("system_max_count"))
        .a("only_critical_addons_enabled", true)
        .a("os_sku", s("AzureLinux"))
        .a("os_disk_type", s("Ephemeral"))
        .a("os_disk_size_gb", num(128))
        .a("host_encryption_enabled", true)
        .a("max_pods", num(110))
        .a("tags", local("tags"))
        .b("upgrade_settings", body().a("max_surge", s("33%")));
    resource(
        "azurerm_kubernetes_cluster",
        "this",
        body()
            .a("name", var("name"))
            .a("location", r("azurerm_resource_group.this.location"))
            .a("resource_group_name", rg())
            .a("dns_prefix", var("name"))
            .a("node_resource_group", tpl("${var.name}-nodes-rg"))
            .a("kubernetes_version", var("kubernetes_version"))
            .a("sku_tier", s("Standard"))
            .a("automatic_upgrade_channel", s("patch"))
            .a("node_os_upgrade_channel", s("NodeImage"))
            .a("oidc_issuer_enabled", true)
            .a("workload_identity_enabled", true)
            .a("local_account_disabled", true)
            .a("role_based_access_control_enabled", true)
            .a("azure_policy_enabled", true)
            .a("private_cluster_enabled", var("private_cluster"))
            .a("image_cleaner_enabled", true)
            .a("image_cleaner_interval_hours", num(48))
            .a("tags", local("tags"))
            .b("default_node_pool", system_pool)
            .b(
                "identity",
                body()
                    .a("type", s("UserAssigned"))
                    .a("identity_ids", list([r("azurerm_user_assigned_identity.cluster.id")])),
            )
            .b(
                "azure_active_directory_role_based_access_control",
                body()
                    .a("azure_rbac_enabled", true)
                    .a("admin_group_object_ids", var("admin_group_object_ids")),
            )
            .b(
                "api_server_access_profile",
                body().a(
                    "authorized_ip_ranges",
                    cond(var("private_cluster"), list([]), var("api_authorized_ip_ranges")),
                ),
            )
            .b(
                "network_profile",
                body()
                    .a("network_plugin", s("azure"))
                    .a("network_plugin_mode", s("overlay"))
                    .a("network_data_plane", s("cilium"))
                    .a("network_policy", s("cilium"))
                    .a("pod_cidr", var("pod_cidr"))
                    .a("service_cidr", var("service_cidr"))
                    .a("dns_service_ip", func("cidrhost", [var("service_cidr"), num(10)]))
                    .a("load_balancer_sku", s("standard"))
                    .a("outbound_type", s("loadBalancer")),
            )
            .b(
                "oms_agent",
                body()
                    .a("log_analytics_workspace_id", r("azurerm_log_analytics_workspace.this.id"))
                    .a("msi_auth_for_monitoring_enabled", true),
            )
            .b("microsoft_defender", body().a("log_analytics_workspace_id", r("azurerm_log_analytics_workspace.this.id")))
            .b(
                "key_vault_secrets_provider",
                body().a("secret_rotation_enabled", true).a("secret_rotation_interval", s("2m")),
            )
            .b(
                "lifecycle",
                body().a("ignore_changes", list([r("default_node_pool[0].node_count")])),
            )
            .a("depends_on", list([r("azurerm_role_assignment.cluster_network")]))
            .build(),
    )
    .skip(
        "CKV_AZURE_117",
        "a disk encryption set needs a Key Vault key the platform team owns; node disks are ephemeral and host-encrypted",
    )
}

fn diagnostics() -> Item {
    let log = |category: &str| body().a("category", s(category));
    resource(
        "azurerm_monitor_diagnostic_setting",
        "cluster",
        body()
            .a("name", s("control-plane"))
            .a("target_resource_id", r("azurerm_kubernetes_cluster.this.id"))
            .a("log_analytics_workspace_id", r("azurerm_log_analytics_workspace.this.id"))
            .a("log_analytics_destination_type", s("Dedicated"))
            .b("enabled_log", log("kube-apiserver"))
            .b("enabled_log", log("kube-audit-admin"))
            .b("enabled_log", log("kube-controller-manager"))
            .b("enabled_log", log("kube-scheduler"))
            .b("enabled_log", log("cluster-autoscaler"))
            .b("enabled_log", log("guard"))
            .build(),
    )
    .comment("Control-plane logs (API server, audit of writes, controllers, autoscaler, Entra ID guard).")
}

fn spot_pool() -> Item {
    resource(
        "azurerm_kubernetes_cluster_node_pool",
        "spot",
        body()
            .a("count", cond(var("spot_enabled"), num(1), num(0)))
            .a("name", s("spot"))
            .a(
                "kubernetes_cluster_id",
                r("azurerm_kubernetes_cluster.this.id"),
            )
            .a("mode", s("User"))
            .a("priority", s("Spot"))
            .a("eviction_policy", s("Delete"))
            .a("spot_max_price", num(-1))
            .a("vm_size", var("spot_vm_size"))
            .a("vnet_subnet_id", r("azurerm_subnet.nodes.id"))
            .a("zones", var("zones"))
            .a("auto_scaling_enabled", true)
            .a("min_count", var("spot_min_count"))
            .a("max_count", var("spot_max_count"))
            .a("os_sku", s("AzureLinux"))
            .a("os_disk_type", s("Ephemeral"))
            .a("os_disk_size_gb", num(128))
            .a("host_encryption_enabled", true)
            .a("max_pods", num(110))
            .a(
                "node_labels",
                obj([("kubernetes.azure.com/scalesetpriority", s("spot"))]),
            )
            .a(
                "node_taints",
                strs(["kubernetes.azure.com/scalesetpriority=spot:NoSchedule"]),
            )
            .a("tags", local("tags"))
            .b(
                "lifecycle",
                body().a("ignore_changes", list([r("node_count")])),
            )
            .build(),
    )
}

fn outputs() -> Vec<Output> {
    vec![
        Output::new(
            "cluster_name",
            "Name of the AKS cluster.",
            r("azurerm_kubernetes_cluster.this.name"),
        ),
        Output::new(
            "cluster_id",
            "ID of the AKS cluster.",
            r("azurerm_kubernetes_cluster.this.id"),
        ),
        Output::new(
            "resource_group_name",
            "Resource group of the cluster and network.",
            rg(),
        ),
        Output::new(
            "oidc_issuer_url",
            "OIDC issuer URL (federated credentials for workload identity).",
            r("azurerm_kubernetes_cluster.this.oidc_issuer_url"),
        ),
        Output::new(
            "vnet_id",
            "ID of the VNet.",
            r("azurerm_virtual_network.this.id"),
        ),
        Output::new(
            "vnet_name",
            "Name of the VNet.",
            r("azurerm_virtual_network.this.name"),
        ),
        Output::new(
            "subnet_id",
            "ID of the node subnet.",
            r("azurerm_subnet.nodes.id"),
        ),
        Output::new(
            "gateway_subnet_id",
            "ID of the GatewaySubnet (null without gateway_subnet_cidr).",
            func("one", [r("azurerm_subnet.gateway[*].id")]),
        ),
        Output::new(
            "log_analytics_workspace_id",
            "ID of the Log Analytics workspace.",
            r("azurerm_log_analytics_workspace.this.id"),
        ),
        Output::new(
            "kubelet_identity_object_id",
            "Object ID of the kubelet identity (grant it AcrPull on registries).",
            func(
                "one",
                [r(
                    "azurerm_kubernetes_cluster.this.kubelet_identity[*].object_id",
                )],
            ),
        ),
        Output::new(
            "host",
            "Kubernetes API server address.",
            r("azurerm_kubernetes_cluster.this.kube_config[0].host"),
        )
        .sensitive(),
        Output::new(
            "cluster_ca_certificate",
            "Base64 CA certificate of the Kubernetes API.",
            r("azurerm_kubernetes_cluster.this.kube_config[0].cluster_ca_certificate"),
        )
        .sensitive(),
    ]
}
