//! The strict GCP Compute v1 emulator (`tests/emulators/gcp_compute.py`) for the HA VPN resources:
//! a handle that starts and stops it, and its self-tests over raw HTTP.
//!
//! The emulator validates every request against Google's discovery document, which
//! `scripts/install-tools.sh` copies to `.tools/gcp/compute.v1.json` (from the pinned
//! google-api-python-client in `.tools/venv`); `GCP_COMPUTE_DISCOVERY` overrides the path.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Child;

use serde_json::{Value, json};

use crate::harness;

pub const REGION: &str = "us-central1";

/// A running emulator; killed on drop.
pub struct GcpEmulator {
    /// `http://127.0.0.1:PORT/compute/v1`
    pub endpoint: String,
    pub project: String,
    pub token: String,
    addr: String,
    child: Child,
}

pub use crate::emulator::RawResponse;

impl RawResponse {
    /// `error.errors[0].reason` of a Google error body.
    pub fn reason(&self) -> &str {
        self.body["error"]["errors"][0]["reason"]
            .as_str()
            .unwrap_or("")
    }
}

/// Where the Compute v1 discovery document is.
pub fn discovery_path() -> PathBuf {
    std::env::var_os("GCP_COMPUTE_DISCOVERY")
        .map(PathBuf::from)
        .unwrap_or_else(|| harness::tools_dir().join("gcp").join("compute.v1.json"))
}

impl GcpEmulator {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Start with extra arguments (e.g. `["--op-polls", "0"]`, `["--network", "vpc-a"]`).
    pub fn start_with(extra: &[&str]) -> Self {
        let discovery = discovery_path();
        assert!(
            discovery.is_file(),
            "the Compute discovery document {} is missing: run scripts/install-tools.sh",
            discovery.display()
        );
        let token = format!("ya29.test-{:016x}", rand::random::<u64>());
        let project = format!("proj-{:08x}", rand::random::<u32>());
        let script = harness::root().join("tests/emulators/gcp_compute.py");
        let (child, url) = crate::emulator::launch("GCP", &script, |c| {
            c.args(["--port", "0", "--project", &project, "--token", &token])
                .arg("--discovery")
                .arg(&discovery)
                .args(extra);
        });
        let addr = url.trim_start_matches("http://").to_string();
        GcpEmulator {
            endpoint: format!("{url}/compute/v1"),
            project,
            token,
            addr,
            child,
        }
    }

    /// One HTTP/1.1 request on a fresh connection; `path` is absolute.
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> RawResponse {
        crate::emulator::request(&self.addr, method, path, headers, body)
    }

    /// An authenticated call; `rel` is below `/compute/v1/projects/{project}/`, e.g.
    /// `regions/us-central1/vpnGateways`.
    pub fn api(&self, method: &str, rel: &str, body: Option<Value>) -> RawResponse {
        let auth = format!("Bearer {}", self.token);
        let body = body.map(|b| b.to_string());
        let mut headers = vec![("Authorization", auth.as_str())];
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        let path = format!("/compute/v1/projects/{}/{rel}", self.project);
        self.raw(method, &path, &headers, body.as_deref())
    }

    /// Poll an operation (as returned by insert/delete/patch) with `get` until DONE; returns the
    /// final operation and the number of polls it took.
    pub fn wait_operation(&self, op: &Value) -> (Value, usize) {
        let mut op = op.clone();
        let mut polls = 0;
        while op["status"] != "DONE" {
            assert!(polls < 50, "operation never finished: {op}");
            let scope = if op.get("region").is_some() {
                format!("regions/{REGION}")
            } else {
                "global".to_string()
            };
            let name = op["name"].as_str().expect("operation name");
            let r = self.api("GET", &format!("{scope}/operations/{name}"), None);
            assert_eq!(r.status, 200, "poll operation: {}", r.body);
            op = r.body;
            polls += 1;
        }
        (op, polls)
    }

    /// Call a mutating method, expect 200 + an Operation, wait for DONE without error.
    pub fn mutate(&self, method: &str, rel: &str, body: Option<Value>) -> Value {
        let r = self.api(method, rel, body);
        assert_eq!(r.status, 200, "{method} {rel}: {}", r.body);
        assert_eq!(r.body["kind"], "compute#operation", "{}", r.body);
        let (op, _) = self.wait_operation(&r.body);
        assert!(op.get("error").is_none(), "{method} {rel}: {op}");
        op
    }

    fn control(&self, method: &str, what: &str, body: Option<Value>) -> Value {
        let body = body.map(|b| b.to_string());
        let r = self.raw(method, &format!("/__emulator/{what}"), &[], body.as_deref());
        assert_eq!(r.status, 200, "emulator control {what}: {}", r.body);
        r.body
    }

    /// The next `count` requests whose path contains `path_contains` fail with `status`.
    pub fn inject(&self, status: u16, count: u32, path_contains: &str) {
        self.inject_fault(
            json!({"status": status, "count": count, "path_contains": path_contains}),
        );
    }

    /// A fault as the emulator takes it: `status`, `count`, optional `method`, `path_contains`,
    /// `delay_seconds`, `operation_error` ({code, message}: accepted, operation ends in error).
    pub fn inject_fault(&self, fault: Value) {
        self.control("POST", "faults", Some(fault));
    }

    /// Every object by kind (`networks`, `vpnGateways`, `externalVpnGateways`, `vpnTunnels`,
    /// `routers`; each with `_scope`), plus `operations`. Tunnels include `sharedSecret`.
    pub fn state(&self) -> Value {
        self.control("GET", "state", None)
    }

    /// VPN gateways, external VPN gateways, tunnels and routers that exist (not networks).
    pub fn object_count(&self) -> usize {
        let s = self.state();
        [
            "vpnGateways",
            "externalVpnGateways",
            "vpnTunnels",
            "routers",
        ]
        .iter()
        .map(|k| s[k].as_array().map_or(0, Vec::len))
        .sum()
    }

    /// Requests seen, keyed `METHOD path-template` (e.g.
    /// `POST projects/{project}/regions/{region}/vpnTunnels`).
    pub fn requests(&self) -> Value {
        self.control("GET", "requests", None)
    }

    pub fn reset(&self) {
        self.control("POST", "reset", None);
    }

    /// Delete an object behind the API's back (drift); `region` is ignored for global kinds.
    pub fn delete_out_of_band(&self, kind: &str, region: &str, name: &str) {
        self.control(
            "DELETE",
            &format!("object?kind={kind}&region={region}&name={name}"),
            None,
        );
    }
}

impl Drop for GcpEmulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// Emulator self-tests: raw HTTP, no client involved.
// ---------------------------------------------------------------------------------------------

fn regional(what: &str) -> String {
    format!("regions/{REGION}/{what}")
}

/// Network, HA VPN gateway, FOUR_IPS external gateway, router, 4 tunnels, router patched with
/// 4 interfaces and 4 BGP peers.
fn create_ha_vpn(emu: &GcpEmulator) {
    let net = emu.api("GET", "global/networks/default", None);
    assert_eq!(net.status, 200, "{}", net.body);
    let net_link = net.body["selfLink"].as_str().unwrap().to_string();

    emu.mutate(
        "POST",
        &regional("vpnGateways"),
        Some(json!({"name": "ha-gw", "network": net_link})),
    );
    emu.mutate(
        "POST",
        "global/externalVpnGateways",
        Some(json!({
            "name": "aws-peer",
            "redundancyType": "FOUR_IPS_REDUNDANCY",
            "interfaces": [
                {"id": 0, "ipAddress": "52.1.1.1"}, {"id": 1, "ipAddress": "52.1.1.2"},
                {"id": 2, "ipAddress": "52.1.1.3"}, {"id": 3, "ipAddress": "52.1.1.4"}
            ]
        })),
    );
    emu.mutate(
        "POST",
        &regional("routers"),
        Some(
            json!({"name": "vpn-router", "network": "global/networks/default",
                    "bgp": {"asn": 64514}}),
        ),
    );
    for i in 0..4 {
        emu.mutate(
            "POST",
            &regional("vpnTunnels"),
            Some(json!({
                "name": format!("tunnel-{i}"),
                "vpnGateway": format!("projects/{}/regions/{REGION}/vpnGateways/ha-gw", emu.project),
                "vpnGatewayInterface": i % 2,
                "peerExternalGateway": "global/externalVpnGateways/aws-peer",
                "peerExternalGatewayInterface": i,
                "router": "vpn-router",
                "sharedSecret": format!("secret-{i}"),
                "ikeVersion": 2
            })),
        );
    }
    let interfaces: Vec<Value> = (0..4)
        .map(|i| {
            json!({"name": format!("if-{i}"), "linkedVpnTunnel": format!("tunnel-{i}"),
                   "ipRange": format!("169.254.{i}.1/30")})
        })
        .collect();
    let peers: Vec<Value> = (0..4)
        .map(|i| {
            json!({"name": format!("peer-{i}"), "interfaceName": format!("if-{i}"),
                   "peerIpAddress": format!("169.254.{i}.2"), "peerAsn": 65001})
        })
        .collect();
    emu.mutate(
        "PATCH",
        &regional("routers/vpn-router"),
        Some(json!({"interfaces": interfaces, "bgpPeers": peers})),
    );
}

#[test]
fn gcp_emulator_creates_a_full_ha_vpn_and_round_trips_it() {
    let emu = GcpEmulator::start();
    assert!(emu.endpoint.ends_with("/compute/v1"));

    // Operations go PENDING -> RUNNING -> DONE, and the object only exists once DONE.
    let r = emu.api(
        "POST",
        &regional("vpnGateways"),
        Some(json!({"name": "probe", "network": "default"})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let op = r.body;
    assert_eq!(op["status"], "PENDING");
    assert_eq!(op["operationType"], "insert");
    assert!(
        op["targetLink"]
            .as_str()
            .unwrap()
            .ends_with("/vpnGateways/probe")
    );
    assert!(op["selfLink"].as_str().unwrap().contains("/operations/"));
    assert_eq!(
        emu.api("GET", &regional("vpnGateways/probe"), None).status,
        404,
        "not visible before DONE"
    );
    let (done, polls) = emu.wait_operation(&op);
    assert_eq!((done["status"].as_str(), polls), (Some("DONE"), 2));
    assert_eq!(done["progress"], 100);
    emu.mutate("DELETE", &regional("vpnGateways/probe"), None);

    create_ha_vpn(&emu);
    assert_eq!(emu.object_count(), 1 + 1 + 1 + 4);

    let gw = emu.api("GET", &regional("vpnGateways/ha-gw"), None).body;
    assert_eq!(gw["kind"], "compute#vpnGateway");
    let ifaces = gw["vpnInterfaces"].as_array().unwrap();
    assert_eq!(ifaces.len(), 2);
    for (i, iface) in ifaces.iter().enumerate() {
        assert_eq!(iface["id"], i);
        let ip: std::net::Ipv4Addr = iface["ipAddress"].as_str().unwrap().parse().unwrap();
        assert!(
            !ip.is_private() && !ip.is_loopback() && !ip.is_link_local(),
            "{ip}"
        );
    }

    let t = emu.api("GET", &regional("vpnTunnels/tunnel-3"), None).body;
    assert_eq!(t["kind"], "compute#vpnTunnel");
    assert!(t.get("sharedSecret").is_none(), "secret echoed: {t}");
    assert!(t["sharedSecretHash"].is_string());
    assert_eq!(t["peerExternalGatewayInterface"], 3);
    assert!(
        t["router"]
            .as_str()
            .unwrap()
            .ends_with("/routers/vpn-router")
    );

    let list = emu.api("GET", &regional("vpnTunnels"), None).body;
    assert_eq!(list["kind"], "compute#vpnTunnelList");
    assert_eq!(list["items"].as_array().unwrap().len(), 4);
    let page = emu
        .api("GET", &regional("vpnTunnels?maxResults=3"), None)
        .body;
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let token = page["nextPageToken"].as_str().unwrap();
    let rest = emu.api(
        "GET",
        &regional(&format!("vpnTunnels?maxResults=3&pageToken={token}")),
        None,
    );
    assert_eq!(rest.body["items"].as_array().unwrap().len(), 1);
    let ext = emu.api("GET", "global/externalVpnGateways", None).body;
    assert_eq!(ext["items"][0]["interfaces"].as_array().unwrap().len(), 4);

    let router = emu.api("GET", &regional("routers/vpn-router"), None).body;
    assert_eq!(router["bgp"]["asn"], 64514);
    assert_eq!(router["interfaces"].as_array().unwrap().len(), 4);
    assert_eq!(router["bgpPeers"][2]["peerIpAddress"], "169.254.2.2");
    assert_eq!(router["bgpPeers"][2]["ipAddress"], "169.254.2.1");

    // The state endpoint keeps the secret for assertions.
    let state = emu.state();
    assert_eq!(state["vpnTunnels"][0]["sharedSecret"], "secret-0");
    let counts = emu.requests();
    assert_eq!(
        counts["POST projects/{project}/regions/{region}/vpnTunnels"],
        4
    );
}

#[test]
fn gcp_emulator_rejects_what_google_rejects() {
    let emu = GcpEmulator::start();
    create_ha_vpn(&emu);

    // Auth.
    let r = emu.raw(
        "GET",
        &format!(
            "/compute/v1/projects/{}/global/networks/default",
            emu.project
        ),
        &[],
        None,
    );
    assert_eq!(r.status, 401);
    assert_eq!(r.body["error"]["status"], "UNAUTHENTICATED");

    // Unknown field -> 400 INVALID_ARGUMENT with Google's wording.
    let r = emu.api(
        "POST",
        &regional("vpnGateways"),
        Some(json!({"name": "gw2", "network": "default", "bogus": true})),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["status"], "INVALID_ARGUMENT");
    assert_eq!(
        r.body["error"]["message"],
        "Invalid JSON payload received. Unknown name \"bogus\" at 'resource': Cannot find field."
    );
    // Nested unknown field and wrong type.
    let r = emu.api(
        "POST",
        &regional("routers"),
        Some(json!({"name": "r2", "network": "default", "bgp": {"asn": 64515, "x": 1}})),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at 'resource.bgp'")
    );
    let r = emu.api(
        "POST",
        &regional("routers"),
        Some(json!({"name": "r2", "network": "default", "bgp": {"asn": "many"}})),
    );
    assert_eq!(r.status, 400, "{}", r.body);

    // Bad names (RFC 1035), in the body and in the path.
    for name in ["Bad_Name", "1abc", "ends-", &"a".repeat(64)] {
        let r = emu.api(
            "POST",
            &regional("vpnGateways"),
            Some(json!({"name": name, "network": "default"})),
        );
        assert_eq!(r.status, 400, "{name}: {}", r.body);
    }
    assert_eq!(
        emu.api("GET", &regional("vpnGateways/Bad_Name"), None)
            .status,
        400
    );

    // Duplicate -> 409 alreadyExists; missing -> 404 notFound.
    let r = emu.api(
        "POST",
        &regional("vpnGateways"),
        Some(json!({"name": "ha-gw", "network": "default"})),
    );
    assert_eq!((r.status, r.reason()), (409, "alreadyExists"));
    let r = emu.api("GET", &regional("vpnGateways/nope"), None);
    assert_eq!((r.status, r.reason()), (404, "notFound"));

    // Redundancy type needs the right number of interfaces.
    let r = emu.api(
        "POST",
        "global/externalVpnGateways",
        Some(
            json!({"name": "two", "redundancyType": "TWO_IPS_REDUNDANCY",
                    "interfaces": [{"id": 0, "ipAddress": "52.2.2.1"}]}),
        ),
    );
    assert_eq!(r.status, 400, "{}", r.body);

    // Tunnel references: dangling router, interface out of range, missing secret.
    let tunnel = |over: Value| {
        let mut t = json!({"name": "tx", "vpnGateway": "ha-gw", "vpnGatewayInterface": 0,
            "peerExternalGateway": "aws-peer", "peerExternalGatewayInterface": 0,
            "router": "vpn-router", "sharedSecret": "s"});
        for (k, v) in over.as_object().unwrap() {
            t[k] = v.clone();
        }
        emu.api("POST", &regional("vpnTunnels"), Some(t))
    };
    assert_eq!(tunnel(json!({"router": "no-router"})).status, 400);
    assert_eq!(tunnel(json!({"vpnGatewayInterface": 2})).status, 400);
    assert_eq!(
        tunnel(json!({"peerExternalGatewayInterface": 4})).status,
        400
    );
    assert_eq!(tunnel(json!({"sharedSecret": null})).status, 400);
    assert_eq!(tunnel(json!({"ikeVersion": 3})).status, 400);

    // Router patch: a BGP peer on a missing interface; an interface on a missing tunnel.
    let r = emu.api(
        "PATCH",
        &regional("routers/vpn-router"),
        Some(json!({"bgpPeers": [{"name": "p", "interfaceName": "if-9", "peerAsn": 65001}]})),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    let r = emu.api(
        "PATCH",
        &regional("routers/vpn-router"),
        Some(json!({"interfaces": [{"name": "if-x", "linkedVpnTunnel": "ghost"}]})),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    // Two interfaces of one router whose ranges overlap.
    let r = emu.api(
        "PATCH",
        &regional("routers/vpn-router"),
        Some(json!({"interfaces": [
            {"name": "if-a", "ipRange": "169.254.7.1/30"},
            {"name": "if-b", "ipRange": "169.254.7.2/30"}
        ]})),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.to_string().contains("if-a"), "{}", r.body);

    // In use -> 400 resourceInUseByAnotherResource.
    for rel in [
        regional("vpnGateways/ha-gw"),
        "global/externalVpnGateways/aws-peer".to_string(),
        regional("vpnTunnels/tunnel-0"),
        regional("routers/vpn-router"),
    ] {
        let r = emu.api("DELETE", &rel, None);
        assert_eq!(
            (r.status, r.reason()),
            (400, "resourceInUseByAnotherResource"),
            "{rel}: {}",
            r.body
        );
    }

    // Unknown query parameter, unknown method.
    assert_eq!(
        emu.api("GET", &regional("vpnTunnels?colour=red"), None)
            .status,
        400
    );
    assert_eq!(
        emu.api("PUT", &regional("vpnTunnels/tunnel-0"), None)
            .status,
        404
    );
}

#[test]
fn gcp_emulator_drift_faults_and_reset() {
    let emu = GcpEmulator::start();
    create_ha_vpn(&emu);

    // Out-of-band deletion, then the API says 404.
    emu.delete_out_of_band("vpnTunnels", REGION, "tunnel-1");
    let r = emu.api("GET", &regional("vpnTunnels/tunnel-1"), None);
    assert_eq!((r.status, r.reason()), (404, "notFound"));

    // 429 then success.
    emu.inject(429, 1, "/vpnGateways/ha-gw");
    let r = emu.api("GET", &regional("vpnGateways/ha-gw"), None);
    assert_eq!(r.status, 429);
    assert_eq!(r.body["error"]["status"], "RESOURCE_EXHAUSTED");
    assert_eq!(
        emu.api("GET", &regional("vpnGateways/ha-gw"), None).status,
        200
    );

    // Error inside an operation: accepted, DONE with error.errors[], nothing created.
    emu.inject_fault(
        json!({"count": 1, "method": "POST", "path_contains": "/routers",
        "operation_error": {"code": "QUOTA_EXCEEDED", "message": "Quota 'ROUTERS' exceeded."}}),
    );
    let r = emu.api(
        "POST",
        &regional("routers"),
        Some(json!({"name": "r-quota", "network": "default", "bgp": {"asn": 64600}})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let (op, _) = emu.wait_operation(&r.body);
    assert_eq!(op["error"]["errors"][0]["code"], "QUOTA_EXCEEDED");
    assert_eq!(
        emu.api("GET", &regional("routers/r-quota"), None).status,
        404
    );

    emu.reset();
    assert_eq!(emu.object_count(), 0);
    assert_eq!(emu.api("GET", "global/networks/default", None).status, 200);
}
