//! The strict GKE (container v1) emulator (`tests/emulators/gcp_container.py`): a handle that
//! starts it and seeds clusters, and its self-test over raw HTTP.
//!
//! The emulator routes and validates against Google's discovery document, which
//! `scripts/install-tools.sh` copies to `.tools/gcp/container.v1.json`.

use std::process::Child;

use serde_json::{Value, json};

use crate::emulator::RawResponse;
use crate::harness;

/// A running emulator; killed on drop.
pub struct GkeEmulator {
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    pub project: String,
    pub token: String,
    addr: String,
    child: Child,
}

impl GkeEmulator {
    pub fn start() -> Self {
        let discovery = harness::tools_dir().join("gcp").join("container.v1.json");
        assert!(
            discovery.is_file(),
            "the GKE discovery document {} is missing: run scripts/install-tools.sh",
            discovery.display()
        );
        let token = format!("ya29.gke-{:016x}", rand::random::<u64>());
        let project = format!("proj-{:08x}", rand::random::<u32>());
        let script = harness::root().join("tests/emulators/gcp_container.py");
        let (child, url) = crate::emulator::launch("GKE", &script, |c| {
            c.args(["--port", "0", "--project", &project, "--token", &token])
                .arg("--discovery")
                .arg(&discovery);
        });
        GkeEmulator {
            addr: url.trim_start_matches("http://").to_string(),
            endpoint: url,
            project,
            token,
            child,
        }
    }

    pub fn raw(&self, method: &str, path: &str, auth: bool, body: Option<&str>) -> RawResponse {
        let bearer = format!("Bearer {}", self.token);
        let headers: Vec<(&str, &str)> = if auth {
            vec![("Authorization", bearer.as_str())]
        } else {
            vec![]
        };
        crate::emulator::request(&self.addr, method, path, &headers, body)
    }

    /// A cluster with a fresh self-signed CA (made by OpenSSL); returns the CA's PEM.
    pub fn seed_cluster(&self, location: &str, name: &str, extra: Value) -> String {
        let dir = tempfile::tempdir().unwrap();
        let (_, cert) = harness::self_signed_p256(dir.path(), &format!("/CN=gke-{name}"), &[]);
        let pem = std::fs::read_to_string(&cert).unwrap();
        let mut body = json!({"location": location, "name": name, "caPem": pem});
        if let (Some(b), Value::Object(more)) = (body.as_object_mut(), extra) {
            b.extend(more);
        }
        let r = self.raw(
            "POST",
            "/__emulator/clusters",
            false,
            Some(&body.to_string()),
        );
        assert_eq!(r.status, 200, "seed {name}: {}", r.body);
        pem
    }

    /// Every API request so far: method, path, query, authorized.
    pub fn requests(&self) -> Value {
        self.raw("GET", "/__emulator/requests", false, None).body
    }
}

impl Drop for GkeEmulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn gke_emulator_answers_as_the_discovery_document_says() {
    let emu = GkeEmulator::start();
    emu.seed_cluster("us-central1", "hub", json!({}));
    let p = &emu.project;
    let get = |path: &str, auth| emu.raw("GET", path, auth, None);
    let ok = get(
        &format!("/v1/projects/{p}/locations/us-central1/clusters/hub"),
        true,
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["status"], "RUNNING");
    assert!(
        ok.body["masterAuth"]["clusterCaCertificate"].is_string(),
        "{}",
        ok.body
    );
    // The older zonal form reads the same cluster.
    let zonal = get(
        &format!("/v1/projects/{p}/zones/us-central1/clusters/hub"),
        true,
    );
    assert_eq!(zonal.body, ok.body);
    // What GKE refuses, the emulator refuses.
    let cases = [
        (
            format!("/v1/projects/{p}/locations/us-central1/clusters/hub"),
            false,
            401,
        ),
        (
            format!("/v1/projects/{p}/locations/us-central1/clusters/nope"),
            true,
            404,
        ),
        (
            "/v1/projects/other/locations/us-central1/clusters/hub".to_string(),
            true,
            404,
        ),
        (
            format!("/v1/projects/{p}/locations/us-central1/clusters/hub?bogus=1"),
            true,
            400,
        ),
        (
            format!("/v1/projects/{p}/locations/us-central1/clusters/hub/nodePools/x"),
            true,
            501,
        ),
        (
            format!("/v1/projects/{p}/locations/us-central1/clusters/hub/zzz"),
            true,
            404,
        ),
    ];
    for (path, auth, status) in cases {
        let r = get(&path, auth);
        assert_eq!(r.status, status, "{path}: {}", r.body);
        assert_eq!(r.body["error"]["code"], status, "{path}: {}", r.body);
    }
    // Seeds GKE could never return are refused: no CA, or a status outside the schema's enum.
    let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    for seed in [
        json!({"location": "x", "name": "y", "caPem": "nope"}),
        json!({"location": "x", "name": "y", "caPem": pem, "status": "HEALTHY"}),
    ] {
        let bad = emu.raw(
            "POST",
            "/__emulator/clusters",
            false,
            Some(&seed.to_string()),
        );
        assert_eq!(bad.status, 400, "{seed}: {}", bad.body);
    }
    let message = emu
        .raw(
            "POST",
            "/__emulator/clusters",
            false,
            Some(
                &json!({"location": "x", "name": "y", "caPem": pem, "status": "HEALTHY"})
                    .to_string(),
            ),
        )
        .body;
    assert!(message.to_string().contains("Cluster.status"), "{message}");
}
