//! Provider-defined functions on Terraform 1.15.5: each gives what the resource or data source it
//! mirrors computes, and a bad argument is an error naming it.

use crate::harness::{Install, REQUIRED_PROVIDERS, Tf, Workdir};
use crate::vpn::Clouds;

#[test]
fn functions_predict_what_resources_compute() {
    let c = Clouds::start(&["aws", "gcp"]).expect("no Azure needed");
    let extra = "\noutput \"predicted\" {\n  value = provider::multicloud::vpn_inside_cidrs(\"link\", 4, \"aws\", \"gcp\")\n}\n\
         output \"allocated\" {\n  value = multicloud_vpn_connection.link.inside_cidrs\n}\n\
         locals {\n  clusters = [\n    { name = \"eks\", cloud = \"aws\", region = \"us-east-1\" },\n    { name = \"gke\", cloud = \"gcp\", region = \"europe-west1\", pod_prefix = 14 },\n  ]\n}\n\
         data \"multicloud_cidr_plan\" \"plan\" {\n  base_cidr = \"10.0.0.0/8\"\n  clusters  = local.clusters\n}\n\
         output \"plan_by_function\" {\n  value = provider::multicloud::cidr_subnets(\"10.0.0.0/8\", local.clusters, null)\n}\n\
         output \"plan_by_data_source\" {\n  value = data.multicloud_cidr_plan.plan.allocations\n}\n";
    let w = Workdir::new(
        Tf::V1_15_5,
        Install::Mirror,
        &format!("{}{extra}", c.config("aws", "gcp", "")),
    );
    w.init();
    w.apply();
    let out = w.outputs();
    assert_eq!(out["predicted"]["value"], out["allocated"]["value"]);
    assert_eq!(out["predicted"]["value"].as_array().unwrap().len(), 4);
    assert_eq!(
        out["plan_by_function"]["value"],
        out["plan_by_data_source"]["value"]
    );
    assert_eq!(
        out["plan_by_function"]["value"]["gke"]["pod_cidr"]
            .as_str()
            .unwrap()
            .split('/')
            .nth(1),
        Some("14")
    );
    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);

    let bad = Workdir::new(
        Tf::V1_15_5,
        Install::Mirror,
        &format!(
            "{REQUIRED_PROVIDERS}\noutput \"x\" {{\n  value = provider::multicloud::vpn_inside_cidrs(\"link\", 3, \"aws\", \"gcp\")\n}}\n\
             output \"y\" {{\n  value = provider::multicloud::cidr_subnets(\"10.0.0.0/8\", [{{ name = \"a\", cloud = \"oracle\", region = \"r\" }}], null)\n}}\n"
        ),
    );
    bad.init();
    let err = bad
        .fails(&["plan", "-no-color", "-input=false"])
        .replace('\n', " ");
    assert!(err.contains("tunnel_count"), "{err}");
    assert!(err.contains("clusters[0].cloud"), "{err}");
}
