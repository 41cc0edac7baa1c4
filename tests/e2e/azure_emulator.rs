//! The strict Azure Resource Manager network emulator (`tests/emulators/azure_network.py`): a
//! handle that starts and stops it, and its self-tests over raw HTTP/1.1.
//!
//! The emulator reads Azure's published OpenAPI specs from `../shared/api-specs/` at run time.
//! A clone without them cannot run these tests: `start()` then prints
//! `SKIPPED: ../shared/api-specs not found` and returns `None`, and every test returns early.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Child;

use serde_json::{Value, json};

use crate::harness;

pub const API_VERSION: &str = "2024-05-01";
pub const RESOURCE_GROUP: &str = "rg-vpn";
pub const VNET: &str = "vnet-hub";

/// A running emulator; killed on drop.
pub struct AzureEmulator {
    /// `http://127.0.0.1:PORT` (the ARM base URL, like `https://management.azure.com`).
    pub endpoint: String,
    pub subscription: String,
    pub token: String,
    addr: String,
    child: Child,
}

pub use crate::emulator::RawResponse;

impl RawResponse {
    /// ARM error code (`error.code`), or "" for success bodies.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

/// The spec folder, or None when this clone has no ../shared.
pub fn specs_dir() -> Option<PathBuf> {
    let dir = harness::root().join("../shared/api-specs/azure-network-2024-05-01");
    dir.join("virtualNetworkGateway.json")
        .is_file()
        .then_some(dir)
}

impl AzureEmulator {
    /// Start with the default seeds (one resource group, a GatewaySubnet); None (and a printed
    /// SKIPPED line) when the specs are absent.
    pub fn start() -> Option<Self> {
        Self::start_with(&[])
    }

    pub fn start_with(extra: &[&str]) -> Option<Self> {
        let Some(specs) = specs_dir() else {
            println!("SKIPPED: ../shared/api-specs not found");
            eprintln!("SKIPPED: ../shared/api-specs not found");
            return None;
        };
        let subscription = format!("{:032x}", rand::random::<u128>());
        let subscription = format!(
            "{}-{}-{}-{}-{}",
            &subscription[..8],
            &subscription[8..12],
            &subscription[12..16],
            &subscription[16..20],
            &subscription[20..]
        );
        let token = format!("az-test-{:032x}", rand::random::<u128>());
        let subnet = format!(
            "/subscriptions/{subscription}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.Network/virtualNetworks/{VNET}/subnets/GatewaySubnet=10.0.255.0/27"
        );
        let script = harness::root().join("tests/emulators/azure_network.py");
        let (child, url) = crate::emulator::launch("Azure", &script, |c| {
            c.args(["--port", "0", "--specs"])
                .arg(&specs)
                .args(["--subscription", &subscription, "--token", &token])
                .args(["--subnet", &subnet])
                .args(extra);
        });
        let addr = url.trim_start_matches("http://").to_string();
        Some(AzureEmulator {
            endpoint: url,
            subscription,
            token,
            addr,
            child,
        })
    }

    /// One HTTP/1.1 request on a fresh connection; `path` is absolute and may carry a query.
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> RawResponse {
        crate::emulator::request(&self.addr, method, path, headers, body)
    }

    /// An authenticated ARM call; `path` is absolute without the query, `api_version` is added.
    pub fn arm_v(
        &self,
        method: &str,
        path: &str,
        api_version: &str,
        body: Option<&Value>,
    ) -> RawResponse {
        let auth = format!("Bearer {}", self.token);
        let body = body.map(Value::to_string);
        let mut headers = vec![("Authorization", auth.as_str())];
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        let sep = if path.contains('?') { '&' } else { '?' };
        self.raw(
            method,
            &format!("{path}{sep}api-version={api_version}"),
            &headers,
            body.as_deref(),
        )
    }

    pub fn arm(&self, method: &str, path: &str, body: Option<&Value>) -> RawResponse {
        self.arm_v(method, path, API_VERSION, body)
    }

    /// GET an absolute URL returned in an Azure-AsyncOperation / Location header.
    pub fn get_url(&self, url: &str) -> RawResponse {
        let path = url
            .strip_prefix(&self.endpoint)
            .unwrap_or_else(|| panic!("{url} is not on {}", self.endpoint));
        let auth = format!("Bearer {}", self.token);
        self.raw("GET", path, &[("Authorization", auth.as_str())], None)
    }

    /// Poll an Azure-AsyncOperation URL until it leaves InProgress; returns the final status and
    /// the number of polls.
    pub fn wait_async(&self, url: &str) -> (String, usize) {
        for n in 1..=50 {
            let r = self.get_url(url);
            assert_eq!(r.status, 200, "async operation poll: {}", r.body);
            let status = r.body["status"].as_str().unwrap_or("").to_string();
            if status != "InProgress" {
                return (status, n);
            }
        }
        panic!("operation {url} never completed");
    }

    /// `/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/{kind}/{name}`.
    pub fn id(&self, kind: &str, name: &str) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.Network/{kind}/{name}",
            self.subscription
        )
    }

    pub fn gateway_subnet(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.Network/virtualNetworks/{VNET}/subnets/GatewaySubnet",
            self.subscription
        )
    }

    fn control(&self, method: &str, what: &str, body: Option<Value>) -> Value {
        let body = body.map(|b| b.to_string());
        let r = self.raw(method, &format!("/__emulator/{what}"), &[], body.as_deref());
        assert_eq!(r.status, 200, "emulator control {what}: {}", r.body);
        r.body
    }

    /// The next `count` requests whose path contains `path_contains` fail with `status` (429s
    /// carry `Retry-After: 0`).
    pub fn inject(&self, status: u16, count: u32, path_contains: &str) {
        self.inject_fault(json!({
            "status": status, "count": count, "path_contains": path_contains, "retry_after": 0
        }));
    }

    /// A fault as the emulator takes it: `status`, `count`, optional `method`, `path_contains`,
    /// `retry_after`, `delay_seconds`.
    pub fn inject_fault(&self, fault: Value) {
        self.control("POST", "faults", Some(fault));
    }

    pub fn state(&self) -> Value {
        self.control("GET", "state", None)
    }

    /// Resources that exist (any kind, any provisioning state).
    pub fn object_count(&self) -> usize {
        self.state()["resources"].as_array().map_or(0, Vec::len)
    }

    /// Remove a resource behind the client's back (as if deleted in the portal).
    pub fn delete_out_of_band(&self, id: &str) {
        let q: String = id
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        self.control("DELETE", &format!("object?id={q}"), None);
    }

    pub fn reset(&self) {
        self.control("POST", "reset", None);
    }

    /// Requests seen: `{method, path, query, operation (operationId), status}`.
    pub fn requests(&self) -> Value {
        self.control("GET", "requests", None)
    }
}

impl Drop for AzureEmulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// Self-tests
// ---------------------------------------------------------------------------------------------

fn official_example(name: &str) -> Value {
    let path = specs_dir().expect("specs").join("examples").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("read example")).expect("json")
}

fn public_ip(location: &str) -> Value {
    json!({
        "location": location,
        "sku": {"name": "Standard", "tier": "Regional"},
        "properties": {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4"}
    })
}

/// Create a public IP and wait for it; returns its id and address.
fn create_public_ip(emu: &AzureEmulator, name: &str) -> (String, String) {
    let id = emu.id("publicIPAddresses", name);
    let r = emu.arm("PUT", &id, Some(&public_ip("westeurope")));
    assert_eq!(r.status, 201, "{}", r.body);
    let op = r
        .header("Azure-AsyncOperation")
        .expect("async header")
        .to_string();
    let (status, polls) = emu.wait_async(&op);
    assert_eq!(
        (status.as_str(), polls),
        ("Succeeded", 1),
        "public IPs complete in one poll"
    );
    let got = emu.arm("GET", &id, None);
    assert_eq!(got.status, 200);
    assert_eq!(got.body["properties"]["provisioningState"], "Succeeded");
    let ip = got.body["properties"]["ipAddress"]
        .as_str()
        .expect("ipAddress")
        .to_string();
    assert!(ip.starts_with("20."), "{ip}");
    (id, ip)
}

fn active_active_gateway(emu: &AzureEmulator, pip1: &str, pip2: &str, custom: [&str; 2]) -> Value {
    let gw = emu.id("virtualNetworkGateways", "vpngw");
    json!({
        "location": "westeurope",
        "properties": {
            "gatewayType": "Vpn",
            "vpnType": "RouteBased",
            "vpnGatewayGeneration": "Generation2",
            "activeActive": true,
            "enableBgp": true,
            "sku": {"name": "VpnGw2AZ", "tier": "VpnGw2AZ"},
            "ipConfigurations": [
                {"name": "ipconfig1", "properties": {
                    "privateIPAllocationMethod": "Dynamic",
                    "subnet": {"id": emu.gateway_subnet()},
                    "publicIPAddress": {"id": pip1}}},
                {"name": "ipconfig2", "properties": {
                    "privateIPAllocationMethod": "Dynamic",
                    "subnet": {"id": emu.gateway_subnet()},
                    "publicIPAddress": {"id": pip2}}}
            ],
            "bgpSettings": {
                "asn": 65010,
                "bgpPeeringAddresses": [
                    {"ipconfigurationId": format!("{gw}/ipConfigurations/ipconfig1"),
                     "customBgpIpAddresses": [custom[0]]},
                    {"ipconfigurationId": format!("{gw}/ipConfigurations/ipconfig2"),
                     "customBgpIpAddresses": [custom[1]]}
                ]
            }
        }
    })
}

/// Public IPs -> active-active BGP gateway -> local network gateway -> connection; returns ids
/// (pip1, gateway, local gateway, connection).
fn build_vpn(emu: &AzureEmulator) -> (String, String, String, String) {
    let (pip1, ip1) = create_public_ip(emu, "pip-a");
    let (pip2, ip2) = create_public_ip(emu, "pip-b");

    let gw = emu.id("virtualNetworkGateways", "vpngw");
    let body = active_active_gateway(emu, &pip1, &pip2, ["169.254.21.1", "169.254.22.1"]);
    let r = emu.arm("PUT", &gw, Some(&body));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["properties"]["provisioningState"], "Updating");
    assert_eq!(r.body["id"], gw.as_str());
    assert_eq!(r.body["type"], "Microsoft.Network/virtualNetworkGateways");
    assert!(r.body["etag"].as_str().unwrap().starts_with("W/\""));
    let op = r
        .header("Azure-AsyncOperation")
        .expect("Azure-AsyncOperation")
        .to_string();

    // While it is being built: another PUT conflicts, and a dependent connection must wait.
    let again = emu.arm("PUT", &gw, Some(&body));
    assert_eq!(
        (again.status, again.code()),
        (409, "AnotherOperationInProgress")
    );

    let first = emu.get_url(&op);
    assert_eq!(first.body, json!({"status": "InProgress"}));
    let second = emu.get_url(&op);
    assert_eq!(second.body, json!({"status": "Succeeded"}));
    let got = emu.arm("GET", &gw, None);
    assert_eq!(got.status, 200);
    let props = &got.body["properties"];
    assert_eq!(props["provisioningState"], "Succeeded");
    assert_eq!(
        props["ipConfigurations"][1]["id"],
        format!("{gw}/ipConfigurations/ipconfig2")
    );
    let peering = &props["bgpSettings"]["bgpPeeringAddresses"];
    assert_eq!(peering[0]["tunnelIpAddresses"], json!([ip1]));
    assert_eq!(peering[1]["tunnelIpAddresses"], json!([ip2]));
    assert_eq!(peering[0]["customBgpIpAddresses"], json!(["169.254.21.1"]));
    assert_eq!(peering[0]["defaultBgpIpAddresses"], json!(["10.0.255.4"]));
    assert_eq!(props["bgpSettings"]["asn"], 65010);
    // The public IP now shows what it is attached to.
    let pip = emu.arm("GET", &pip1, None);
    assert_eq!(
        pip.body["properties"]["ipConfiguration"]["id"],
        format!("{gw}/ipConfigurations/ipconfig1")
    );

    let lng = emu.id("localNetworkGateways", "aws-tunnel1");
    let r = emu.arm(
        "PUT",
        &lng,
        Some(&json!({
            "location": "westeurope",
            "properties": {
                "gatewayIpAddress": "3.120.10.20",
                "localNetworkAddressSpace": {"addressPrefixes": []},
                "bgpSettings": {"asn": 64512, "bgpPeeringAddress": "169.254.21.2"}
            }
        })),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let (status, _) = emu.wait_async(r.header("Azure-AsyncOperation").unwrap());
    assert_eq!(status, "Succeeded");

    let conn = emu.id("connections", "to-aws-1");
    let conn_body = json!({
        "location": "westeurope",
        "properties": {
            "connectionType": "IPsec",
            "connectionProtocol": "IKEv2",
            "virtualNetworkGateway1": {"id": gw},
            "localNetworkGateway2": {"id": lng},
            "sharedKey": "s3cr3t-psk-value",
            "enableBgp": true
        }
    });
    let r = emu.arm("PUT", &conn, Some(&conn_body));
    assert_eq!(r.status, 201, "{}", r.body);
    let (status, polls) = emu.wait_async(r.header("Azure-AsyncOperation").unwrap());
    assert_eq!((status.as_str(), polls), ("Succeeded", 2));
    let got = emu.arm("GET", &conn, None);
    assert_eq!(got.body["properties"]["provisioningState"], "Succeeded");
    assert_eq!(
        got.body["properties"]["virtualNetworkGateway1"]["id"],
        gw.as_str()
    );
    let key = emu.arm("GET", &format!("{conn}/sharedkey"), None);
    assert_eq!(
        (key.status, &key.body["value"]),
        (200, &json!("s3cr3t-psk-value"))
    );
    (pip1, gw, lng, conn)
}

#[test]
fn azure_emulator_builds_an_active_active_bgp_vpn() {
    let Some(emu) = AzureEmulator::start() else {
        return;
    };
    let (_pip1, gw, _lng, conn) = build_vpn(&emu);

    // Lists.
    let list = emu.arm(
        "GET",
        &format!(
            "/subscriptions/{}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.Network/publicIPAddresses",
            emu.subscription
        ),
        None,
    );
    assert_eq!(list.status, 200);
    assert_eq!(list.body["value"].as_array().unwrap().len(), 2);
    let list = emu.arm(
        "GET",
        &format!(
            "/subscriptions/{}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.Network/connections",
            emu.subscription
        ),
        None,
    );
    assert_eq!(list.body["value"][0]["id"], conn.as_str());

    // A GET body round-trips through PUT (readOnly properties are ignored) as an update: 200.
    let current = emu.arm("GET", &gw, None).body;
    let r = emu.arm("PUT", &gw, Some(&current));
    assert_eq!(r.status, 200, "{}", r.body);
    let (status, _) = emu.wait_async(r.header("Azure-AsyncOperation").unwrap());
    assert_eq!(status, "Succeeded");

    // Shared key rotation.
    let r = emu.arm(
        "PUT",
        &format!("{conn}/sharedkey"),
        Some(&json!({"value": "rotated"})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        emu.arm("GET", &conn, None).body["properties"]["sharedKey"],
        "rotated"
    );

    // The gateway cannot go while the connection uses it; delete the connection first (202 +
    // Location), the resource disappears after the polls.
    let r = emu.arm("DELETE", &gw, None);
    assert_eq!(
        (r.status, r.code()),
        (400, "InUseResourceCannotBeDeleted"),
        "{}",
        r.body
    );
    let r = emu.arm("DELETE", &conn, None);
    assert_eq!(r.status, 202, "{}", r.body);
    let location = r.header("Location").expect("Location").to_string();
    assert_eq!(emu.get_url(&location).status, 202);
    assert_eq!(emu.get_url(&location).status, 204);
    let gone = emu.arm("GET", &conn, None);
    assert_eq!((gone.status, gone.code()), (404, "ResourceNotFound"));
    assert_eq!(emu.arm("DELETE", &conn, None).status, 204);
}

#[test]
fn azure_emulator_rejects_what_arm_rejects() {
    let Some(emu) = AzureEmulator::start() else {
        return;
    };
    let pip = emu.id("publicIPAddresses", "pip-x");

    // api-version: missing, another (valid) version, malformed.
    let auth = format!("Bearer {}", emu.token);
    let r = emu.raw("GET", &pip, &[("Authorization", &auth)], None);
    assert_eq!((r.status, r.code()), (400, "MissingApiVersionParameter"));
    let r = emu.arm_v("PUT", &pip, "2024-03-01", Some(&public_ip("westeurope")));
    assert_eq!((r.status, r.code()), (400, "NoRegisteredProviderFound"));
    let r = emu.arm_v("GET", &pip, "latest", None);
    assert_eq!((r.status, r.code()), (400, "InvalidApiVersionParameter"));
    // Auth.
    let r = emu.raw(
        "GET",
        &format!("{pip}?api-version={API_VERSION}"),
        &[],
        None,
    );
    assert_eq!((r.status, r.code()), (401, "AuthenticationFailed"));

    // Unknown property (also a flattened one: the wire keeps "properties").
    let mut body = public_ip("westeurope");
    body["properties"]["colour"] = json!("blue");
    let r = emu.arm("PUT", &pip, Some(&body));
    assert_eq!(
        (r.status, r.code()),
        (400, "InvalidRequestContent"),
        "{}",
        r.body
    );
    let r = emu.arm(
        "PUT",
        &pip,
        Some(&json!({"location": "westeurope", "publicIPAllocationMethod": "Static"})),
    );
    assert_eq!(
        (r.status, r.code()),
        (400, "InvalidRequestContent"),
        "{}",
        r.body
    );
    // Enum and type mismatches.
    let mut body = public_ip("westeurope");
    body["sku"]["name"] = json!("Premium");
    assert_eq!(
        emu.arm("PUT", &pip, Some(&body)).code(),
        "InvalidRequestFormat"
    );
    let mut body = public_ip("westeurope");
    body["properties"]["idleTimeoutInMinutes"] = json!("4");
    assert_eq!(
        emu.arm("PUT", &pip, Some(&body)).code(),
        "InvalidRequestFormat"
    );
    let r = emu.arm("PUT", &pip, Some(&json!({"properties": {}})));
    assert_eq!((r.status, r.code()), (400, "LocationRequired"));
    assert_eq!(emu.object_count(), 0);

    // A gateway referencing a missing public IP.
    let (pip_a, _) = create_public_ip(&emu, "pip-a");
    let gw = emu.id("virtualNetworkGateways", "vpngw");
    let missing = emu.id("publicIPAddresses", "nope");
    let r = emu.arm(
        "PUT",
        &gw,
        Some(&active_active_gateway(
            &emu,
            &pip_a,
            &missing,
            ["169.254.21.1", "169.254.21.5"],
        )),
    );
    assert_eq!(
        (r.status, r.code()),
        (400, "InvalidResourceReference"),
        "{}",
        r.body
    );
    // Custom BGP address outside 169.254.21.0-169.254.22.255.
    let (pip_b, _) = create_public_ip(&emu, "pip-b");
    let r = emu.arm(
        "PUT",
        &gw,
        Some(&active_active_gateway(
            &emu,
            &pip_a,
            &pip_b,
            ["169.254.21.1", "169.254.23.1"],
        )),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("APIPA"),
        "{}",
        r.body
    );
    // Reserved ASN.
    let mut body = active_active_gateway(&emu, &pip_a, &pip_b, ["169.254.21.1", "169.254.22.1"]);
    body["properties"]["bgpSettings"]["asn"] = json!(65517);
    assert_eq!(emu.arm("PUT", &gw, Some(&body)).code(), "AsnIsReserved");
    // Active-active needs two IP configurations.
    let mut body = active_active_gateway(&emu, &pip_a, &pip_b, ["169.254.21.1", "169.254.22.1"]);
    body["properties"]["ipConfigurations"]
        .as_array_mut()
        .unwrap()
        .pop();
    body["properties"]["bgpSettings"]["bgpPeeringAddresses"]
        .as_array_mut()
        .unwrap()
        .pop();
    assert_eq!(
        emu.arm("PUT", &gw, Some(&body)).code(),
        "InvalidGatewayIpConfigurationCount"
    );
    assert_eq!(
        emu.object_count(),
        2,
        "nothing but the two public IPs was created"
    );

    // Deleting a public IP in use by a gateway.
    let r = emu.arm(
        "PUT",
        &gw,
        Some(&active_active_gateway(
            &emu,
            &pip_a,
            &pip_b,
            ["169.254.21.1", "169.254.22.1"],
        )),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    emu.wait_async(r.header("Azure-AsyncOperation").unwrap());
    let r = emu.arm("DELETE", &pip_a, None);
    assert_eq!(
        (r.status, r.code()),
        (400, "PublicIPAddressCannotBeDeleted"),
        "{}",
        r.body
    );

    // Out-of-band delete, then GET -> 404.
    emu.delete_out_of_band(&gw);
    let r = emu.arm("GET", &gw, None);
    assert_eq!((r.status, r.code()), (404, "ResourceNotFound"));
    // ... and the public IP is free again.
    let r = emu.arm("DELETE", &pip_a, None);
    assert_eq!(r.status, 202, "{}", r.body);
    let (status, _) = emu.wait_async(r.header("Azure-AsyncOperation").unwrap());
    assert_eq!(status, "Succeeded");
    assert_eq!(emu.arm("GET", &pip_a, None).status, 404);

    // Missing resource group.
    let other = pip.replace(RESOURCE_GROUP, "rg-missing");
    let r = emu.arm("PUT", &other, Some(&public_ip("westeurope")));
    assert_eq!((r.status, r.code()), (404, "ResourceGroupNotFound"));
}

#[test]
fn azure_emulator_faults_and_reset() {
    let Some(emu) = AzureEmulator::start() else {
        return;
    };
    emu.inject(429, 2, "publicIPAddresses");
    let pip = emu.id("publicIPAddresses", "pip-t");
    for _ in 0..2 {
        let r = emu.arm("PUT", &pip, Some(&public_ip("westeurope")));
        assert_eq!(r.status, 429);
        assert_eq!(r.header("Retry-After"), Some("0"));
        assert_eq!(r.code(), "SubscriptionRequestsThrottled");
    }
    let r = emu.arm("PUT", &pip, Some(&public_ip("westeurope")));
    assert_eq!(r.status, 201, "{}", r.body);
    emu.inject_fault(json!({"status": 503, "count": 1, "method": "GET"}));
    assert_eq!(emu.arm("GET", &pip, None).status, 503);
    assert_eq!(emu.arm("GET", &pip, None).status, 200);
    let seen = emu.requests();
    assert!(
        seen.as_array()
            .unwrap()
            .iter()
            .any(|r| r["operation"] == "PublicIPAddresses_CreateOrUpdate"),
        "{seen}"
    );
    assert_eq!(emu.object_count(), 1);
    emu.reset();
    assert_eq!(emu.object_count(), 0);
    assert_eq!(emu.requests().as_array().unwrap().len(), 0);
}

/// The validator follows the spec: the official examples' request bodies are accepted as they
/// are (ids rewritten to this emulator's subscription and seeded resources).
#[test]
fn azure_emulator_accepts_official_examples() {
    let Some(emu) = AzureEmulator::start() else {
        return;
    };
    let sub = emu.subscription.clone();
    let rewrite = |v: &Value| -> Value {
        let text = v
            .to_string()
            .replace(
                "/subscriptions/subid/resourceGroups/rg1/",
                &format!("/subscriptions/{sub}/resourceGroups/{RESOURCE_GROUP}/"),
            )
            .replace(
                "virtualNetworks/vnet1/",
                &format!("virtualNetworks/{VNET}/"),
            );
        serde_json::from_str(&text).unwrap()
    };

    // PublicIpAddressCreateCustomizedValues / Defaults.
    for name in [
        "PublicIpAddressCreateCustomizedValues.json",
        "PublicIpAddressCreateDefaults.json",
    ] {
        let ex = official_example(name);
        let r = emu.arm(
            "PUT",
            &emu.id("publicIPAddresses", "gwpip"),
            Some(&rewrite(&ex["parameters"]["parameters"])),
        );
        assert!(r.status == 201 || r.status == 200, "{name}: {}", r.body);
        emu.wait_async(r.header("Azure-AsyncOperation").unwrap());
    }
    // VirtualNetworkGatewayUpdate (natRules, vpnClientConfiguration, bgpSettings asn 65515, ...).
    let ex = official_example("VirtualNetworkGatewayUpdate.json");
    assert_eq!(ex["parameters"]["api-version"], API_VERSION);
    let gw = emu.id("virtualNetworkGateways", "vpngw");
    let r = emu.arm("PUT", &gw, Some(&rewrite(&ex["parameters"]["parameters"])));
    assert_eq!(r.status, 201, "{}", r.body);
    let (status, _) = emu.wait_async(r.header("Azure-AsyncOperation").unwrap());
    assert_eq!(status, "Succeeded");
    // The 2024-03-01 local network gateway example: body accepted, but only at 2024-05-01.
    let ex = official_example("from-2024-03-01/LocalNetworkGatewayCreate.json");
    let lng = emu.id("localNetworkGateways", "localgw");
    let body = rewrite(&ex["parameters"]["parameters"]);
    let old = ex["parameters"]["api-version"].as_str().unwrap();
    assert_eq!(
        emu.arm_v("PUT", &lng, old, Some(&body)).code(),
        "NoRegisteredProviderFound"
    );
    let r = emu.arm("PUT", &lng, Some(&body));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["location"], "centralus",
        "location is normalised as in the example"
    );
    emu.wait_async(r.header("Azure-AsyncOperation").unwrap());
    // VirtualNetworkGatewayConnectionCreate references natRules this emulator does not model
    // and custom BGP addresses on ipConfigurations named default/ActiveActive; the validator
    // alone must accept it (the emulator then rejects the unknown ipConfiguration references).
    let ex = official_example("VirtualNetworkGatewayConnectionCreate.json");
    let conn = emu.id("connections", "connS2S");
    let r = emu.arm(
        "PUT",
        &conn,
        Some(&rewrite(&ex["parameters"]["parameters"])),
    );
    assert_eq!(
        (r.status, r.code()),
        (400, "InvalidResourceReference"),
        "{}",
        r.body
    );
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("gatewayCustomBgpIpAddresses")
    );
}
