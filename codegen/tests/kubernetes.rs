//! The Kubernetes layer, proven without a Kubernetes API server: `render` resolves the
//! ApplicationSets for every cluster and renders the real upstream charts (../shared/k8s/charts)
//! with real `helm template`; every object is then validated against Kubernetes' own schemas and
//! the real CRDs (../shared/k8s/crds), strictly, and the semantic tests below check that the
//! clusters form one mesh, back up to one bucket and stay untouched when a cluster is added.
//! Without ../shared/k8s these tests say SKIPPED and check nothing.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use multicloud_codegen::kubernetes::render::{self, Options, Rendered};
use multicloud_codegen::platform::Platform;
use serde_json::Value;

fn shared_k8s() -> Option<PathBuf> {
    let p = std::env::var_os("MULTICLOUD_SHARED_K8S")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::root().join("../shared/k8s"));
    if p.join("charts").is_dir() && p.join("crds").is_dir() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: {} not found: the Kubernetes layer was NOT rendered or validated",
            p.display()
        );
        None
    }
}

fn tool(rel: &str) -> PathBuf {
    let p = common::tools_dir().join(rel);
    assert!(
        p.exists(),
        "{} is missing: run scripts/install-tools.sh first",
        p.display()
    );
    p
}

fn options(k8s: &Path) -> Options {
    Options {
        root: common::root(),
        helm: tool("bin/helm"),
        charts: k8s.join("charts"),
    }
}

fn repo_platform_text() -> String {
    std::fs::read_to_string(common::root().join("platform.toml")).expect("platform.toml")
}

fn render_text(text: &str, k8s: &Path) -> (Platform, Rendered) {
    let p = Platform::parse(text, "platform.toml").expect("a valid platform");
    let tree = multicloud_codegen::tree_for_platform(&p);
    let mut lines = 0;
    let r = render::render(&p, &tree, &options(k8s), &mut |_| lines += 1).expect("render");
    assert!(lines > 0, "render reported no progress");
    (p, r)
}

/// Every object of one cluster, with the file it is in.
fn objects<'a>(r: &'a Rendered, cluster: &str) -> Vec<(&'a str, &'a Value)> {
    r[cluster]
        .iter()
        .flat_map(|(file, objs)| objs.iter().map(move |o| (file.as_str(), o)))
        .collect()
}

fn find<'a>(r: &'a Rendered, cluster: &str, kind: &str, name: &str) -> &'a Value {
    objects(r, cluster)
        .into_iter()
        .map(|(_, o)| o)
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("{cluster}: no {kind} {name}"))
}

/// codegen/tests/k8s/validate.py over a render's output folder.
fn validate(k8s: &Path, dir: &Path) -> std::process::Output {
    Command::new(tool("k8s-venv/bin/python"))
        .arg(common::root().join("codegen/tests/k8s/validate.py"))
        .arg(render::KUBE_VERSION)
        .arg(k8s.join("crds"))
        .arg(dir)
        .output()
        .expect("run validate.py")
}

#[test]
fn every_rendered_object_is_valid_against_kubernetes_1_33_and_the_real_crds() {
    let Some(k8s) = shared_k8s() else { return };
    let (_, r) = render_text(&repo_platform_text(), &k8s);
    // Every ApplicationSet placeholder was resolved (value files are not templated by Argo CD).
    for (cluster, parts) in &r {
        for (file, objs) in parts {
            if file == "applicationsets" {
                continue;
            }
            for o in objs {
                assert!(
                    !o.to_string().contains("{{metadata."),
                    "{cluster}/{file}: unresolved placeholder in {o}"
                );
            }
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let files = render::write(&r, dir.path()).expect("write");
    assert!(files >= 3 * 7, "only {files} files rendered");
    let out = validate(&k8s, dir.path());
    let text = common::text(&out);
    println!("{text}");
    assert!(out.status.success(), "invalid objects:\n{text}");
    let summary: Value =
        serde_json::from_str(text.lines().last().expect("summary")).expect("summary JSON");
    assert_eq!(summary["failures"], 0);
    // Custom resources were checked against CRD schemas, not skipped: ApplicationSets,
    // Applications, Istio's Gateway and PeerAuthentication, Velero's locations and schedules.
    for kind in [
        "ApplicationSet",
        "Application",
        "AppProject",
        "Gateway",
        "PeerAuthentication",
        "BackupStorageLocation",
        "Schedule",
    ] {
        assert!(
            summary["kinds"][kind].as_u64() > Some(0),
            "no {kind} rendered: {summary}"
        );
    }
    assert!(summary["custom"].as_u64() > Some(30), "{summary}");
}

/// `name=value` pairs of a container's environment.
fn env_of(deployment: &Value) -> BTreeMap<String, String> {
    deployment["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| Some((e["name"].as_str()?.into(), e["value"].as_str()?.into())))
        .collect()
}

#[test]
fn the_clusters_form_one_mesh_with_distinct_names_and_networks() {
    let Some(k8s) = shared_k8s() else { return };
    let (p, r) = render_text(&repo_platform_text(), &k8s);
    let mut names = BTreeSet::new();
    let mut networks = BTreeSet::new();
    for c in &p.clusters {
        let istiod = env_of(find(&r, &c.name, "Deployment", "istiod"));
        assert_eq!(istiod["CLUSTER_ID"], c.name, "{istiod:?}");
        let mesh_cm = find(&r, &c.name, "ConfigMap", "istio");
        let mesh: Value = serde_yaml_ng::from_str(mesh_cm["data"]["mesh"].as_str().unwrap())
            .expect("mesh config");
        assert_eq!(mesh["trustDomain"], "acme.internal", "{}: {mesh}", c.name);
        assert_eq!(
            mesh["defaultConfig"]["meshId"],
            p.mesh_id(),
            "{}: {mesh}",
            c.name
        );
        let values: Value = serde_json::from_str(
            find(&r, &c.name, "ConfigMap", "istio-sidecar-injector")["data"]["values"]
                .as_str()
                .unwrap(),
        )
        .expect("injector values");
        assert_eq!(values["global"]["meshID"], p.mesh_id());
        assert_eq!(
            values["global"]["multiCluster"]["clusterName"],
            c.name.as_str()
        );
        names.insert(values["global"]["multiCluster"]["clusterName"].to_string());
        networks.insert(values["global"]["network"].to_string());
        // The east-west gateway and the namespace carry the cluster's network.
        let ns = find(&r, &c.name, "Namespace", "istio-system");
        assert_eq!(
            ns["metadata"]["labels"]["topology.istio.io/network"],
            values["global"]["network"]
        );
        let ew = find(&r, &c.name, "Service", "istio-eastwestgateway");
        assert_eq!(
            ew["metadata"]["labels"]["topology.istio.io/network"],
            values["global"]["network"]
        );
        let ports: BTreeSet<_> = ew["spec"]["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["port"].as_i64().unwrap())
            .collect();
        assert!(ports.contains(&15443), "{ports:?}");
        let pa = find(&r, &c.name, "PeerAuthentication", "default");
        assert_eq!(pa["spec"]["mtls"]["mode"], "STRICT");
        assert_eq!(pa["metadata"]["namespace"], "istio-system");
    }
    assert_eq!(names.len(), p.clusters.len());
    assert_eq!(networks.len(), p.clusters.len());
}

#[test]
fn each_cluster_holds_a_remote_secret_for_every_other_cluster() {
    let Some(k8s) = shared_k8s() else { return };
    let (p, r) = render_text(&repo_platform_text(), &k8s);
    for c in &p.clusters {
        let peers: BTreeSet<String> = objects(&r, &c.name)
            .into_iter()
            .map(|(_, o)| o)
            .filter(|o| {
                o["kind"] == "Secret" && o["metadata"]["labels"]["istio/multiCluster"] == "true"
            })
            .map(|o| {
                let peer = o["metadata"]["annotations"]["networking.istio.io/cluster"]
                    .as_str()
                    .unwrap()
                    .to_string();
                assert!(
                    o["stringData"][&peer].is_string(),
                    "kubeconfig under the peer's name"
                );
                peer
            })
            .collect();
        let expected: BTreeSet<String> = p
            .clusters
            .iter()
            .filter(|o| o.name != c.name)
            .map(|o| o.name.clone())
            .collect();
        assert_eq!(peers, expected, "remote secrets on {}", c.name);
    }
}

#[test]
fn every_velero_location_is_on_the_one_bucket_with_the_right_prefix_and_access() {
    let Some(k8s) = shared_k8s() else { return };
    let (p, r) = render_text(&repo_platform_text(), &k8s);
    let b = p.backup.as_ref().expect("[backup]");
    for c in &p.clusters {
        let locations: Vec<&Value> = objects(&r, &c.name)
            .into_iter()
            .map(|(_, o)| o)
            .filter(|o| o["kind"] == "BackupStorageLocation")
            .collect();
        assert_eq!(
            locations.len(),
            p.clusters.len(),
            "{}: {locations:?}",
            c.name
        );
        for l in locations {
            let spec = &l["spec"];
            assert_eq!(spec["objectStorage"]["bucket"], b.bucket.as_str());
            assert_eq!(spec["provider"], b.cloud.as_str());
            let prefix = spec["objectStorage"]["prefix"].as_str().unwrap();
            let owner = prefix.strip_prefix("clusters/").expect("clusters/<name>");
            let own = owner == c.name;
            assert_eq!(
                spec["accessMode"],
                if own { "ReadWrite" } else { "ReadOnly" },
                "{}: {l}",
                c.name
            );
            assert_eq!(spec["default"].as_bool().unwrap_or(false), own);
        }
        let schedule = find(&r, &c.name, "Schedule", "velero-daily");
        assert_eq!(schedule["spec"]["schedule"], b.schedule.as_str());
        assert_eq!(schedule["spec"]["template"]["storageLocation"], "default");
    }
}

#[test]
fn each_application_set_yields_one_application_per_matching_cluster() {
    let Some(k8s) = shared_k8s() else { return };
    let (p, r) = render_text(&repo_platform_text(), &k8s);
    let hub = &p.gitops.as_ref().unwrap().hub;
    let secrets: Vec<&Value> = r[hub.as_str()]["terraform"]
        .iter()
        .filter(|o| o["metadata"]["labels"]["argocd.argoproj.io/secret-type"] == "cluster")
        .collect();
    assert_eq!(secrets.len(), p.clusters.len());
    let apps = &r[hub.as_str()]["applications"];
    for set in &r[hub.as_str()]["applicationsets"] {
        let name = set["metadata"]["name"].as_str().unwrap();
        let selector = &set["spec"]["generators"][0]["clusters"]["selector"];
        let equal = selector["matchLabels"].as_object().unwrap();
        let exists: Vec<&str> = selector["matchExpressions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                assert_eq!(e["operator"], "Exists", "{name}: {e}");
                e["key"].as_str().unwrap()
            })
            .collect();
        let matching: BTreeSet<&str> = secrets
            .iter()
            .filter(|s| {
                let labels = &s["metadata"]["labels"];
                equal.iter().all(|(k, v)| &labels[k] == v)
                    && exists.iter().all(|k| labels.get(*k).is_some())
            })
            .map(|s| s["stringData"]["name"].as_str().unwrap())
            .collect();
        let targets: Vec<&str> = apps
            .iter()
            .filter(|a| a["metadata"]["labels"]["multicloud.io/addon"] == name)
            .map(|a| a["spec"]["destination"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(targets.len(), matching.len(), "{name}: {targets:?}");
        assert_eq!(
            targets.into_iter().collect::<BTreeSet<_>>(),
            matching,
            "{name}"
        );
        // And each Application's objects were rendered onto its cluster.
        for c in &matching {
            assert!(r[*c].contains_key(name), "{c} has no rendered {name}");
        }
    }
}

#[test]
fn adding_a_cluster_only_adds_its_peer_objects_to_the_existing_clusters() {
    let Some(k8s) = shared_k8s() else { return };
    let before_text = repo_platform_text();
    let after_text = format!(
        "{before_text}\n[[clusters]]\nname = \"eks-usw2\"\ncloud = \"aws\"\nregion = \"us-west-2\"\nzones = [\"us-west-2a\", \"us-west-2b\"]\n"
    );
    let (p, before) = render_text(&before_text, &k8s);
    let (_, after) = render_text(&after_text, &k8s);
    assert!(after.contains_key("eks-usw2"));
    let hub = &p.gitops.as_ref().unwrap().hub;
    let mut added = BTreeMap::<String, usize>::new();
    for c in &p.clusters {
        for (file, objs) in &before[&c.name] {
            let new = &after[&c.name][file];
            // Every object that was there is still there, byte for byte.
            for o in objs {
                assert!(
                    new.contains(o),
                    "{}/{file}: changed or removed: {o}",
                    c.name
                );
            }
            for o in new.iter().filter(|o| !objs.contains(o)) {
                let kind = o["kind"].as_str().unwrap();
                let about_new = o.to_string().contains("eks-usw2");
                let allowed = about_new
                    && match kind {
                        "Secret" | "BackupStorageLocation" => file == "terraform",
                        "Application" => c.name == *hub && file == "applications",
                        _ => false,
                    };
                assert!(allowed, "{}/{file}: unexpected new object {o}", c.name);
                *added
                    .entry(format!("{kind} in {}/{file}", c.name))
                    .or_default() += 1;
            }
        }
        assert_eq!(
            before[&c.name].keys().collect::<Vec<_>>(),
            after[&c.name].keys().collect::<Vec<_>>(),
            "{}: files",
            c.name
        );
    }
    println!("added to the existing clusters: {added:?}");
    // Remote secret + restore location on each existing cluster, the cluster Secret on the hub.
    for c in &p.clusters {
        let n = added
            .get(&format!("Secret in {}/terraform", c.name))
            .copied()
            .unwrap_or(0);
        let want = if c.name == *hub { 2 } else { 1 };
        assert_eq!(n, want, "{}: {added:?}", c.name);
        assert_eq!(
            added.get(&format!("BackupStorageLocation in {}/terraform", c.name)),
            Some(&1)
        );
    }
}

/// The validator itself: objects that break Kubernetes' schemas or a CRD's are reported, each
/// with its file, kind, name and field.
#[test]
fn the_validator_rejects_what_the_api_server_would() {
    let Some(k8s) = shared_k8s() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("c1")).unwrap();
    std::fs::write(
        dir.path().join("c1/bad.yaml"),
        r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  replicas: 2
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx, imagePullPolice: Always}]
---
apiVersion: velero.io/v1
kind: BackupStorageLocation
metadata: {name: default, namespace: velero}
spec:
  provider: aws
  objectStorage: {bucket: b, prefixx: clusters/c1}
  accessMode: ReadMostly
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {port: 8080}
---
apiVersion: example.com/v1
kind: Unknown
metadata: {name: x}
"#,
    )
    .unwrap();
    let out = validate(&k8s, dir.path());
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for expected in [
        "c1/bad.yaml: Deployment web (apps/v1)",
        "imagePullPolice",
        "ConfigMap settings (v1): data/port",
        "BackupStorageLocation default (velero.io/v1)",
        "prefixx",
        "ReadMostly",
        "Unknown x (example.com/v1): no Kubernetes 1.33.0 schema and no CRD",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not reported:\n{text}"
        );
    }
}

/// A bad description renders nothing and names the key.
#[test]
fn render_refuses_a_hub_that_is_not_a_cluster_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = repo_platform_text().replace("hub      = \"eks-use1\"", "hub      = \"eks-usw9\"");
    assert!(
        text.contains("eks-usw9"),
        "the test's edit no longer applies to platform.toml"
    );
    std::fs::write(dir.path().join("platform.toml"), text).unwrap();
    let out_dir = dir.path().join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_multicloud-codegen"))
        .args(["render", "--root"])
        .arg(dir.path())
        .arg("--out")
        .arg(&out_dir)
        .output()
        .expect("run multicloud-codegen");
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("platform.toml: gitops.hub: \"eks-usw9\" is not a cluster"),
        "{text}"
    );
    assert!(text.contains("nothing was rendered"), "{text}");
    assert!(!out_dir.exists(), "render wrote {}", out_dir.display());
}

#[test]
fn the_canary_weights_sum_to_100_and_the_live_colour_takes_all_front_end_traffic() {
    let Some(k8s) = shared_k8s() else { return };
    let (p, r) = render_text(&repo_platform_text(), &k8s);
    let app = p.sample_app.as_ref().expect("[sample_app]");
    let mut app_clusters = 0;
    for c in &p.clusters {
        let Some(objs) = r[&c.name].get("sample-app") else {
            assert!(
                c.name != app.frontend && c.name != app.backend,
                "{} has no sample app",
                c.name
            );
            continue;
        };
        app_clusters += 1;
        let deployments: BTreeSet<&str> = objs
            .iter()
            .filter(|o| o["kind"] == "Deployment")
            .map(|o| o["metadata"]["name"].as_str().unwrap())
            .collect();
        let mut want = BTreeSet::new();
        if c.name == app.frontend {
            want.extend(["frontend-blue", "frontend-green"]);
        }
        if c.name == app.backend {
            want.extend(["backend-stable", "backend-canary"]);
        }
        assert_eq!(deployments, want, "{}", c.name);
        // The routing is on every app cluster: the caller's sidecar applies it.
        let backend = find(&r, &c.name, "VirtualService", "backend");
        let weights: BTreeMap<&str, i64> = backend["spec"]["http"][0]["route"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["destination"]["subset"].as_str().unwrap(),
                    d["weight"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            weights.values().sum::<i64>(),
            100,
            "{}: {weights:?}",
            c.name
        );
        assert_eq!(weights["canary"], i64::from(app.canary_percent));
        let frontend = find(&r, &c.name, "VirtualService", "frontend");
        let route = &frontend["spec"]["http"][0]["route"];
        assert_eq!(route.as_array().unwrap().len(), 1);
        assert_eq!(route[0]["destination"]["subset"], app.active.as_str());
        assert_eq!(route[0]["weight"], 100);
        for host in ["frontend", "backend"] {
            let dr = find(&r, &c.name, "DestinationRule", host);
            let policy = &dr["spec"]["trafficPolicy"];
            assert_eq!(policy["loadBalancer"]["localityLbSetting"]["enabled"], true);
            assert!(policy["outlierDetection"]["consecutive5xxErrors"].as_i64() > Some(0));
        }
    }
    assert_eq!(app_clusters, 2);
}

#[test]
fn the_sample_database_has_one_primary_and_a_replica_cluster_in_another_cloud() {
    let Some(k8s) = shared_k8s() else { return };
    let (p, r) = render_text(&repo_platform_text(), &k8s);
    let app = p.sample_app.as_ref().expect("[sample_app]");
    let primary = format!("sample-db-{}", app.backend);
    let members: BTreeSet<String> = app
        .clusters()
        .iter()
        .map(|c| format!("sample-db-{c}"))
        .collect();
    let mut clouds = BTreeSet::new();
    for c in app.clusters() {
        let db = find(&r, c, "Cluster", &format!("sample-db-{c}"));
        let spec = &db["spec"];
        assert_eq!(spec["replica"]["primary"], primary.as_str(), "{c}");
        assert_eq!(spec["replica"]["self"], format!("sample-db-{c}"));
        let externals: BTreeSet<String> = spec["externalClusters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(externals, members, "{c}");
        if c == app.backend {
            assert!(spec["bootstrap"]["initdb"].is_object(), "{c}: {spec}");
        } else {
            assert_eq!(
                spec["bootstrap"]["pg_basebackup"]["source"],
                primary.as_str()
            );
        }
        // Its certificates (Terraform's) and the operator are on the same cluster.
        for secret in [
            spec["certificates"]["clientCASecret"].as_str().unwrap(),
            spec["certificates"]["replicationTLSSecret"]
                .as_str()
                .unwrap(),
        ] {
            find(&r, c, "Secret", secret);
        }
        find(&r, c, "Deployment", "cnpg-cloudnative-pg");
        clouds.insert(p.cluster(c).unwrap().cloud.as_str());
    }
    assert_eq!(
        clouds.len(),
        2,
        "primary and replica should be in different clouds here"
    );
}

/// The repository's platform.toml with the backup bucket in `cloud`, without the mesh and the
/// sample application: their charts do not depend on the bucket, and fewer charts keep the render
/// short.
fn backup_in(cloud: &str) -> String {
    let text = repo_platform_text();
    let backup = text
        .find("\n[backup]\n")
        .expect("[backup] in platform.toml");
    let line = text[backup..]
        .lines()
        .find(|l| l.starts_with("cloud "))
        .expect("backup.cloud")
        .to_string();
    let mut text = format!(
        "{}{}",
        &text[..backup],
        text[backup..].replacen(&line, &format!("cloud = \"{cloud}\""), 1)
    );
    if let Some(start) = text.find("\n[sample_app]\n") {
        let end = text[start + 1..]
            .find("\n[")
            .map_or(text.len(), |i| start + 1 + i);
        text.replace_range(start..end, "");
    }
    let mesh = text.find("\n[mesh]\n").expect("[mesh]");
    let enabled = mesh + text[mesh..].find("enabled").expect("mesh.enabled");
    let eol = enabled + text[enabled..].find('\n').expect("line");
    text.replace_range(enabled..eol, "enabled = false");
    text
}

/// A pod template's volume that projects a service-account token, as (audience, mount path of
/// its directory in the first container).
fn projected_token(template: &Value) -> Option<(String, String)> {
    let spec = &template["spec"];
    let volume = spec["volumes"]
        .as_array()?
        .iter()
        .find(|v| v["projected"]["sources"][0]["serviceAccountToken"].is_object())?;
    let audience = volume["projected"]["sources"][0]["serviceAccountToken"]["audience"]
        .as_str()?
        .to_string();
    let mount = spec["containers"][0]["volumeMounts"]
        .as_array()?
        .iter()
        .find(|m| m["name"] == volume["name"])?;
    Some((audience, mount["mountPath"].as_str()?.to_string()))
}

fn template_env(template: &Value) -> BTreeMap<String, String> {
    template["spec"]["containers"][0]["env"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| Some((e["name"].as_str()?.into(), e["value"].as_str()?.into())))
        .collect()
}

/// Renders the platform with the bucket in `cloud`, validates every object strictly, and checks
/// how each cluster's Velero (server and node agent) reaches the bucket: through its own cloud's
/// webhook in the bucket's cloud, through a projected token and the SDK's federation elsewhere;
/// and that every location (the default and the peers' read-only ones) carries what the plugin
/// needs.
fn check_bucket_in(cloud: &str) {
    let Some(k8s) = shared_k8s() else { return };
    let (p, r) = render_text(&backup_in(cloud), &k8s);
    let b = p.backup.as_ref().expect("[backup]");
    assert_eq!(b.cloud.as_str(), cloud);
    let dir = tempfile::tempdir().expect("tempdir");
    render::write(&r, dir.path()).expect("write");
    let out = validate(&k8s, dir.path());
    let text = common::text(&out);
    assert!(out.status.success(), "invalid objects:\n{text}");
    let summary: Value =
        serde_json::from_str(text.lines().last().expect("summary")).expect("summary JSON");
    assert_eq!(summary["failures"], 0, "{summary}");
    let facts = multicloud_codegen::kubernetes::facts::examples(&p);
    for c in &p.clusters {
        let f = facts.iter().find(|f| f.name == c.name).unwrap();
        let identity = &f.annotations["multicloud.io/velero-identity"];
        let sa = find(&r, &c.name, "ServiceAccount", "velero-server");
        let annotations = &sa["metadata"]["annotations"];
        let server = &find(&r, &c.name, "Deployment", "velero")["spec"]["template"];
        let agent = &find(&r, &c.name, "DaemonSet", "node-agent")["spec"]["template"];
        let locations: Vec<&Value> = objects(&r, &c.name)
            .into_iter()
            .map(|(_, o)| o)
            .filter(|o| o["kind"] == "BackupStorageLocation")
            .collect();
        assert_eq!(locations.len(), p.clusters.len(), "{}", c.name);
        let credentials = objects(&r, &c.name).into_iter().map(|(_, o)| o).find(|o| {
            o["kind"] == "ConfigMap" && o["metadata"]["name"] == "velero-gcp-credentials"
        });
        let home = c.cloud.as_str() == cloud;
        for l in &locations {
            let spec = &l["spec"];
            assert_eq!(spec["provider"], cloud, "{}: {l}", c.name);
            let config = &spec["config"];
            match cloud {
                // The GCP plugin signs URLs as this service account and refuses to start without it.
                "gcp" => {
                    assert_eq!(spec["objectStorage"]["bucket"], b.bucket.as_str());
                    assert_eq!(
                        &config["serviceAccount"],
                        identity.as_str(),
                        "{}: {l}",
                        c.name
                    );
                }
                _ => {
                    assert_eq!(spec["objectStorage"]["bucket"], "velero");
                    assert_eq!(config["storageAccount"], b.azure_account().as_str());
                    assert_eq!(config["resourceGroup"], format!("{}-backups", p.name));
                    assert_eq!(
                        config["storageAccountURI"],
                        format!("https://{}.blob.core.windows.net/", b.azure_account())
                    );
                    assert_eq!(config["useAAD"], "true");
                }
            }
        }
        for (what, template) in [("server", server), ("node agent", agent)] {
            let env = template_env(template);
            let token = projected_token(template);
            let labels = &template["metadata"]["labels"];
            match (cloud, home) {
                ("gcp", true) => {
                    assert_eq!(
                        annotations["iam.gke.io/gcp-service-account"],
                        identity.as_str()
                    );
                    assert!(
                        token.is_none() && credentials.is_none(),
                        "{}: GKE needs no token",
                        c.name
                    );
                }
                ("gcp", false) => {
                    assert_eq!(
                        env["GOOGLE_APPLICATION_CREDENTIALS"], "/etc/gcp/credentials.json",
                        "{} {what}",
                        c.name
                    );
                    let (audience, dir) =
                        token.unwrap_or_else(|| panic!("{} {what}: no token", c.name));
                    assert_eq!(audience, "multicloud-velero");
                    let cm = credentials
                        .unwrap_or_else(|| panic!("{}: no velero-gcp-credentials", c.name));
                    assert_eq!(cm["metadata"]["namespace"], "velero");
                    let file: Value =
                        serde_json::from_str(cm["data"]["credentials.json"].as_str().unwrap())
                            .unwrap();
                    assert_eq!(file["type"], "external_account");
                    assert_eq!(
                        file["credential_source"]["file"],
                        format!("{dir}/token"),
                        "{} {what}",
                        c.name
                    );
                    assert!(
                        file["audience"].as_str().unwrap().ends_with(&format!(
                            "/workloadIdentityPools/{}-velero/providers/{}",
                            p.name, c.name
                        )),
                        "{file}"
                    );
                    assert!(
                        file["service_account_impersonation_url"]
                            .as_str()
                            .unwrap()
                            .contains(identity.as_str())
                    );
                    // The ConfigMap is mounted where the variable points.
                    let volumes = template["spec"]["volumes"].as_array().unwrap();
                    assert!(
                        volumes
                            .iter()
                            .any(|v| v["configMap"]["name"] == "velero-gcp-credentials"),
                        "{} {what}",
                        c.name
                    );
                }
                ("azure", true) => {
                    assert_eq!(
                        annotations["azure.workload.identity/client-id"],
                        identity.as_str()
                    );
                    assert_eq!(
                        labels["azure.workload.identity/use"], "true",
                        "{} {what}",
                        c.name
                    );
                    assert!(
                        token.is_none(),
                        "{}: AKS's webhook projects the token",
                        c.name
                    );
                }
                ("azure", false) => {
                    assert_eq!(&env["AZURE_CLIENT_ID"], identity, "{} {what}", c.name);
                    assert_eq!(
                        &env["AZURE_TENANT_ID"],
                        &f.annotations["multicloud.io/velero-tenant-id"]
                    );
                    let (audience, dir) =
                        token.unwrap_or_else(|| panic!("{} {what}: no token", c.name));
                    assert_eq!(audience, "api://AzureADTokenExchange");
                    assert_eq!(env["AZURE_FEDERATED_TOKEN_FILE"], format!("{dir}/token"));
                }
                _ => unreachable!(),
            }
        }
    }
}

#[test]
fn a_bucket_on_gcs_renders_valid_objects_and_every_clusters_velero_reaches_it() {
    check_bucket_in("gcp");
}

#[test]
fn a_bucket_on_azure_renders_valid_objects_and_every_clusters_velero_reaches_it() {
    check_bucket_in("azure");
}
