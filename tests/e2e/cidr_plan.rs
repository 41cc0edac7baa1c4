//! data.multicloud_cidr_plan on both Terraform versions: allocations, append-stability, and
//! diagnostics that point at the offending attribute.

use crate::both_versions;
use crate::harness::{Install, REQUIRED_PROVIDERS, Tf, Workdir};

const AWS: &str = r#"{ name = "eks-use1", cloud = "aws", region = "us-east-1" }"#;
const GCP: &str = r#"{ name = "gke-euw1", cloud = "gcp", region = "europe-west1" }"#;
const AZURE: &str = r#"{ name = "aks-weu", cloud = "azure", region = "westeurope", zones = 2 }"#;

fn config(base: &str, reserved: &str, clusters: &[&str]) -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
data "multicloud_cidr_plan" "p" {{
  base_cidr = "{base}"
  reserved  = [{reserved}]
  clusters = [
    {}
  ]
}}

output "allocations" {{
  value = data.multicloud_cidr_plan.p.allocations
}}
"#,
        clusters.join(",\n    ")
    )
}

fn overlaps(a: &str, b: &str) -> bool {
    let parse = |s: &str| {
        let (ip, len) = s.split_once('/').unwrap();
        let ip: std::net::Ipv4Addr = ip.parse().unwrap();
        let len: u32 = len.parse().unwrap();
        let start = u32::from(ip) as u64;
        (start, start + (1u64 << (32 - len)) - 1)
    };
    let (a0, a1) = parse(a);
    let (b0, b1) = parse(b);
    a0 <= b1 && b0 <= a1
}

fn allocations(tf: Tf) {
    let w = Workdir::new(
        tf,
        Install::Mirror,
        &config("10.0.0.0/8", r#""10.0.0.0/16""#, &[AWS, GCP, AZURE]),
    );
    w.init();
    w.ok(&["validate", "-no-color"]);
    w.apply();
    let out = w.outputs();
    let allocs = out["allocations"]["value"]
        .as_object()
        .expect("allocations map")
        .clone();
    assert_eq!(allocs.len(), 3);
    assert_eq!(
        allocs["eks-use1"]["subnet_cidrs"].as_array().unwrap().len(),
        3,
        "AWS defaults to 3 zones"
    );
    assert_eq!(
        allocs["gke-euw1"]["subnet_cidrs"].as_array().unwrap().len(),
        1,
        "GCP subnets are regional"
    );
    assert_eq!(
        allocs["aks-weu"]["subnet_cidrs"].as_array().unwrap().len(),
        2
    );
    // Nothing overlaps anything else, nor the reserved range.
    let mut ranges = vec!["10.0.0.0/16".to_string()];
    for a in allocs.values() {
        for k in ["network_cidr", "pod_cidr", "service_cidr"] {
            ranges.push(a[k].as_str().unwrap().to_string());
        }
    }
    for (i, a) in ranges.iter().enumerate() {
        for b in &ranges[i + 1..] {
            assert!(!overlaps(a, b), "{a} overlaps {b}");
        }
    }
    w.assert_plan_empty();

    // Appending a cluster leaves every existing allocation where it was.
    let extra = r#"{ name = "eks-usw2", cloud = "aws", region = "us-west-2", network_prefix = 18, subnet_prefix = 21 }"#;
    w.write(
        "main.tf",
        &config("10.0.0.0/8", r#""10.0.0.0/16""#, &[AWS, GCP, AZURE, extra]),
    );
    w.apply();
    let after = w.outputs()["allocations"]["value"]
        .as_object()
        .unwrap()
        .clone();
    for (name, a) in &allocs {
        assert_eq!(&after[name], a, "{name} moved when a cluster was appended");
    }
    assert!(
        after["eks-usw2"]["network_cidr"]
            .as_str()
            .unwrap()
            .ends_with("/18")
    );
}
both_versions!(allocations);

fn bad_inputs(tf: Tf) {
    let w = Workdir::new(tf, Install::Mirror, &config("10.0.0.1/8", "", &[AWS]));
    w.init();
    // (config, the attribute path named, the source Terraform >= 1.3 points at, words of the explanation)
    let cases: Vec<(String, &str, &str, &str)> = vec![
        (
            config("10.0.0.1/8", "", &[AWS]),
            "base_cidr",
            "base_cidr = \"10.0.0.1/8\"",
            "10.0.0.0/8",
        ),
        (
            config("banana", "", &[AWS]),
            "base_cidr",
            "base_cidr = \"banana\"",
            "CIDR",
        ),
        (
            config("10.0.0.0/8", "\"300.1.0.0/16\"", &[AWS]),
            "reserved[0]",
            "reserved",
            "CIDR",
        ),
        (
            config("10.0.0.0/8", "", &[AWS, AWS]),
            "clusters[1].name",
            "eks-use1",
            "unique",
        ),
        (
            config(
                "10.0.0.0/8",
                "",
                &[r#"{ name = "x", cloud = "oracle", region = "r" }"#],
            ),
            "cloud",
            "oracle",
            "\"aws\", \"gcp\", \"azure\"",
        ),
        (
            config(
                "10.0.0.0/8",
                "",
                &[r#"{ name = "eks", cloud = "aws", region = "r", service_prefix = 26 }"#],
            ),
            "clusters[0].service_prefix",
            "service_prefix = 26",
            "/24",
        ),
        (
            config("10.0.0.0/14", "", &[AWS, GCP]),
            "clusters[1].pod_prefix",
            "gke-euw1",
            "/16",
        ),
    ];
    for (cfg, path, points_at, explains) in cases {
        w.write("main.tf", &cfg);
        let out = w.fails(&["plan", "-input=false", "-no-color"]);
        let unwrapped = out.replace('\n', " ");
        assert!(
            unwrapped.contains(path),
            "diagnostic does not name {path:?}:\n{out}"
        );
        if tf == Tf::V1_15_5 {
            assert!(
                out.contains(points_at),
                "diagnostic does not point at {points_at:?}:\n{out}"
            );
        }
        assert!(
            unwrapped.contains(explains),
            "diagnostic does not explain ({explains:?}):\n{out}"
        );
    }
}
both_versions!(bad_inputs);
