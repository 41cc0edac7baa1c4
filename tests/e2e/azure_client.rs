//! `clients::azure::Network` against the strict ARM emulator (`tests/emulators/azure_network.py`,
//! started through `azure_emulator::AzureEmulator`, which validates every request against Azure's
//! published OpenAPI specs), plus a tiny scripted ARM server for what the emulator cannot do
//! (failed operations, paging, foreign operation URLs).
//!
//! Without `../shared/api-specs` the emulator tests print SKIPPED and pass; the scripted-server
//! test always runs.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use multicloud_provider::clients::azure::{
    Connection, LocalGateway, Network, NewConnection, NewVnetGateway, PublicIp,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use crate::azure_emulator::{AzureEmulator, RESOURCE_GROUP as RG};
use crate::gcp_client::Logs;

const LOC: &str = "westeurope";

fn client(emu: &AzureEmulator) -> Network {
    Network::new(Some(&emu.endpoint), &emu.token, &emu.subscription)
        .unwrap()
        .with_poll_interval(Duration::from_millis(10))
}

async fn public_ips(net: &Network) -> [PublicIp; 2] {
    let zones = ["1".to_string(), "2".to_string(), "3".to_string()];
    let a = net.put_public_ip(RG, "pip-a", LOC, &zones).await.unwrap();
    let b = net.put_public_ip(RG, "pip-b", LOC, &zones).await.unwrap();
    [a, b]
}

fn gateway(emu: &AzureEmulator, pips: &[PublicIp; 2], asn: u32) -> NewVnetGateway {
    NewVnetGateway {
        location: LOC.into(),
        sku: "VpnGw1AZ".into(),
        gateway_subnet_id: emu.gateway_subnet(),
        public_ip_ids: [pips[0].id.clone(), pips[1].id.clone()],
        asn,
        custom_apipa: [vec!["169.254.21.1".into()], vec!["169.254.22.1".into()]],
    }
}

fn requests(emu: &AzureEmulator) -> Vec<Value> {
    emu.requests().as_array().unwrap().clone()
}

#[tokio::test]
async fn azure_client_builds_reads_lists_and_tears_down_an_active_active_bgp_vpn() {
    let Some(emu) = AzureEmulator::start() else {
        return;
    };
    let (logs, _guard) = Logs::capture();
    let net = client(&emu);
    let pips = public_ips(&net).await;
    assert!(
        pips.iter().all(|p| p
            .ip_address
            .as_deref()
            .is_some_and(|ip| ip.starts_with("20."))),
        "{pips:?}"
    );
    assert_eq!(
        net.get_public_ip(RG, "pip-a").await.unwrap().as_ref(),
        Some(&pips[0])
    );

    let gw = net
        .put_vnet_gateway(RG, "vpngw", &gateway(&emu, &pips, 65010))
        .await
        .unwrap();
    assert_eq!(
        (gw.asn, gw.sku.as_str(), gw.provisioning_state.as_str()),
        (65010, "VpnGw1AZ", "Succeeded")
    );
    assert_eq!(gw.id, emu.id("virtualNetworkGateways", "vpngw"));
    let names: Vec<&str> = gw.ip_configs.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["default", "activeActive"]);
    for (cfg, pip) in gw.ip_configs.iter().zip(&pips) {
        assert_eq!(cfg.public_ip_id, pip.id);
        assert_eq!(cfg.tunnel_ips, vec![pip.ip_address.clone().unwrap()]);
        assert_eq!(cfg.default_bgp_ips.len(), 1);
    }
    assert_eq!(gw.ip_configs[0].custom_apipa, ["169.254.21.1"]);

    let more = [
        vec!["169.254.21.1".into(), "169.254.21.5".into()],
        vec!["169.254.22.1".into(), "169.254.22.5".into()],
    ];
    let gw = net
        .set_gateway_custom_apipa(RG, "vpngw", more.clone())
        .await
        .unwrap();
    assert_eq!(
        (
            &gw.ip_configs[0].custom_apipa,
            &gw.ip_configs[1].custom_apipa
        ),
        (&more[0], &more[1])
    );
    assert_eq!(
        net.get_vnet_gateway(RG, "vpngw").await.unwrap().as_ref(),
        Some(&gw)
    );

    let lgw = net
        .put_local_gateway(RG, "aws-t1", LOC, "3.120.10.20", 64512, "169.254.21.6")
        .await
        .unwrap();
    let want = LocalGateway {
        id: emu.id("localNetworkGateways", "aws-t1"),
        name: "aws-t1".into(),
        ip: "3.120.10.20".into(),
        asn: 64512,
        bgp_peering_address: "169.254.21.6".into(),
    };
    assert_eq!(lgw, want);
    assert_eq!(
        net.get_local_gateway(RG, "aws-t1").await.unwrap(),
        Some(want)
    );

    let psk = format!("psk-{:x}", rand::random::<u64>());
    let new = NewConnection {
        location: LOC.into(),
        gateway_id: gw.id.clone(),
        local_gateway_id: lgw.id.clone(),
        shared_key: psk.clone(),
        ike_v2: true,
        enable_bgp: true,
        custom_bgp: vec![(gw.ip_configs[0].id.clone(), "169.254.21.5".into())],
    };
    let conn = net.put_connection(RG, "to-aws-1", &new).await.unwrap();
    let want = Connection {
        id: emu.id("connections", "to-aws-1"),
        name: "to-aws-1".into(),
        gateway_id: gw.id.clone(),
        local_gateway_id: lgw.id.clone(),
        status: "Connected".into(),
        enable_bgp: true,
        custom_bgp: new.custom_bgp.clone(),
        ike_v2: true,
    };
    assert_eq!(conn, want);
    // The key is its own sub-resource (what an import reads back).
    assert_eq!(
        net.get_shared_key(RG, "to-aws-1").await.unwrap().as_deref(),
        Some(psk.as_str())
    );
    assert_eq!(net.get_shared_key(RG, "no-such").await.unwrap(), None);
    assert_eq!(
        net.get_connection(RG, "to-aws-1").await.unwrap(),
        Some(want.clone())
    );
    assert_eq!(net.list_connections(RG).await.unwrap(), vec![want]);
    let state = emu.state();
    let stored = state["resources"].as_array().unwrap();
    let stored = stored.iter().find(|r| r["kind"] == "connections").unwrap();
    assert_eq!(
        stored["body"]["properties"]["sharedKey"],
        psk.as_str(),
        "the key was sent"
    );

    // Reverse order; deleting what is already gone is fine.
    net.delete_connection(RG, "to-aws-1").await.unwrap();
    net.delete_local_gateway(RG, "aws-t1").await.unwrap();
    net.delete_vnet_gateway(RG, "vpngw").await.unwrap();
    net.delete_public_ip(RG, "pip-b").await.unwrap();
    net.delete_public_ip(RG, "pip-a").await.unwrap();
    assert_eq!(emu.object_count(), 0, "{}", emu.state());
    net.delete_connection(RG, "to-aws-1").await.unwrap();
    net.delete_vnet_gateway(RG, "vpngw").await.unwrap();
    assert_eq!(net.get_vnet_gateway(RG, "vpngw").await.unwrap(), None);
    assert_eq!(net.list_connections(RG).await.unwrap(), vec![]);

    let requests = requests(&emu);
    assert!(
        requests
            .iter()
            .all(|r| r["query"] == "api-version=2024-05-01"),
        "{requests:?}"
    );
    let logs = logs.text();
    assert!(
        logs.contains("Azure virtualNetworkGateways/vpngw: Succeeded, "),
        "{logs}"
    );
    assert!(
        logs.contains("path=/subscriptions/") && logs.contains("elapsed_ms="),
        "{logs}"
    );
    assert!(
        !logs.contains(&psk) && !logs.contains(&emu.token),
        "secrets logged"
    );
}

#[tokio::test]
async fn azure_client_survives_throttling_and_server_errors() {
    let Some(emu) = AzureEmulator::start() else {
        return;
    };
    let (_logs, _guard) = Logs::capture(); // shown if the test fails
    let net = client(&emu);
    emu.inject_fault(json!({"status": 429, "count": 2, "method": "PUT", "path_contains": "pip-a", "retry_after": 1}));
    emu.inject_fault(
        json!({"status": 503, "count": 2, "method": "GET", "path_contains": "/operations/"}),
    );
    let started = Instant::now();
    let pip = net.put_public_ip(RG, "pip-a", LOC, &[]).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After: 1 honoured twice"
    );
    assert!(pip.ip_address.is_some());
    let seen = requests(&emu);
    let puts = seen.iter().filter(|r| r["method"] == "PUT");
    let puts: Vec<u64> = puts.filter_map(|r| r["status"].as_u64()).collect();
    assert_eq!(puts, [429, 429, 201], "two throttled PUTs, then the create");
    assert_eq!(seen.iter().filter(|r| r["status"] == 503).count(), 2);
}

#[tokio::test]
async fn azure_client_reserved_asn_gives_the_emulators_400() {
    let Some(emu) = AzureEmulator::start() else {
        return;
    };
    let (_logs, _guard) = Logs::capture(); // shown if the test fails
    let net = client(&emu);
    let pips = public_ips(&net).await;
    let e = net
        .put_vnet_gateway(RG, "vpngw", &gateway(&emu, &pips, 65517))
        .await
        .unwrap_err();
    assert_eq!(
        (e.status, e.code.as_str(), e.is_retryable()),
        (Some(400), "AsnIsReserved", false)
    );
    assert!(
        e.to_string().contains("ASN 65517") && e.to_string().ends_with("(HTTP 400, AsnIsReserved)"),
        "{e}"
    );
    assert_eq!(emu.object_count(), 2, "only the public IPs exist");
    let e = net.get_public_ip(RG, "a/b").await.unwrap_err();
    assert_eq!(e.code, "InvalidArgument");
}

#[tokio::test]
async fn azure_client_slow_operations_time_out_or_are_canceled() {
    let Some(emu) = AzureEmulator::start_with(&["--op-polls", "100000"]) else {
        return;
    };
    let (_logs, _guard) = Logs::capture(); // shown if the test fails
    let net = client(&emu);
    let pips = public_ips(&net).await;
    let slow = net.clone().with_deadline(Duration::from_millis(300));
    let started = Instant::now();
    let e = slow
        .put_vnet_gateway(RG, "vpngw", &gateway(&emu, &pips, 65010))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        (e.status, e.code.as_str(), e.is_retryable()),
        (None, "Timeout", false)
    );
    assert!(
        e.message
            .starts_with("Azure virtualNetworkGateways/vpngw: still InProgress after "),
        "{e}"
    );

    // A second PUT meets the running operation (409 AnotherOperationInProgress, retried);
    // cancelling stops the retries at once.
    let cancel = CancellationToken::new();
    let cancelable = net.clone().with_cancel(cancel.clone());
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        cancel.cancel();
    });
    let started = Instant::now();
    let e = cancelable
        .put_vnet_gateway(RG, "vpngw", &gateway(&emu, &pips, 65010))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(e.code, "Canceled");
    let conflicts = requests(&emu).iter().filter(|r| r["status"] == 409).count();
    assert!(conflicts >= 1, "the second PUT met the running operation");
}

#[tokio::test]
async fn azure_client_custom_apipa_update_waits_for_a_running_operation() {
    let Some(emu) = AzureEmulator::start_with(&["--op-polls", "4"]) else {
        return;
    };
    let (_logs, _guard) = Logs::capture(); // shown if the test fails
    let net = client(&emu);
    let pips = public_ips(&net).await;
    net.put_vnet_gateway(RG, "vpngw", &gateway(&emu, &pips, 65010))
        .await
        .unwrap();
    // Someone else starts an update: the gateway is Updating until four polls have been seen.
    let id = emu.id("virtualNetworkGateways", "vpngw");
    let current = emu.arm("GET", &id, None);
    assert_eq!(current.status, 200, "{}", current.body);
    let r = emu.arm("PUT", &id, Some(&current.body));
    assert_eq!(r.status, 200, "{}", r.body);
    let apipa = [vec!["169.254.21.9".into()], vec![]];
    let gw = net
        .set_gateway_custom_apipa(RG, "vpngw", apipa)
        .await
        .unwrap();
    assert_eq!(gw.ip_configs[0].custom_apipa, ["169.254.21.9"]);
    assert!(gw.ip_configs[1].custom_apipa.is_empty());
    let conflicts = requests(&emu).iter().filter(|r| r["status"] == 409).count();
    assert_eq!(conflicts, 0, "waited instead of colliding");
}

#[tokio::test]
async fn azure_client_resource_deleted_behind_our_back_during_create_is_an_error() {
    let Some(emu) = AzureEmulator::start_with(&["--op-polls", "30"]) else {
        return;
    };
    let (_logs, _guard) = Logs::capture(); // shown if the test fails
    let emu = Arc::new(emu);
    let net = client(&emu);
    let pips = public_ips(&net).await;
    // Once the gateway exists (its create still running), delete it out of band.
    let (bg, id) = (emu.clone(), emu.id("virtualNetworkGateways", "vpngw"));
    let deleter = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let exists = |s: &Value| {
            s["resources"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["id"] == id)
        };
        while !exists(&bg.state()) {
            assert!(started.elapsed() < Duration::from_secs(10), "never created");
            std::thread::sleep(Duration::from_millis(5));
        }
        bg.delete_out_of_band(&id);
    });
    let e = net
        .put_vnet_gateway(RG, "vpngw", &gateway(&emu, &pips, 65010))
        .await
        .unwrap_err();
    deleter.await.unwrap();
    assert!(e.is_not_found(), "{e}");
}

// --- A scripted ARM server -------------------------------------------------------------------

/// Serves `routes` (path prefix -> status, extra headers, body; `{base}` is replaced by the
/// server's URL) over HTTP/1.1 and records each request head.
async fn scripted(
    routes: Vec<(&'static str, u16, &'static str, &'static str)>,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (b, s) = (base.clone(), seen.clone());
    tokio::spawn(async move {
        loop {
            let (mut sock, _) = listener.accept().await.unwrap();
            sock.set_nodelay(true).unwrap();
            let mut buf = vec![0u8; 65536];
            let mut n = 0;
            // Read the head and the whole body: closing with unread input would reset the
            // connection under the client's feet.
            let complete = |b: &[u8]| {
                let text = String::from_utf8_lossy(b);
                let Some((head, body)) = text.split_once("\r\n\r\n") else {
                    return false;
                };
                let length = head.lines().find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().unwrap())
                });
                body.len() >= length.unwrap_or(0)
            };
            while !complete(&buf[..n]) {
                match sock.read(&mut buf[n..]).await.unwrap() {
                    0 => break,
                    read => n += read,
                }
            }
            let head = String::from_utf8_lossy(&buf[..n])
                .split("\r\n\r\n")
                .next()
                .unwrap()
                .to_string();
            let target = head.split(' ').nth(1).unwrap().to_string();
            s.lock().unwrap().push(head);
            let (status, headers, body) = routes
                .iter()
                .find(|r| target.starts_with(r.0))
                .map_or((404, "", "{}"), |r| (r.1, r.2, r.3));
            let (headers, body) = (headers.replace("{base}", &b), body.replace("{base}", &b));
            let reply = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n{body}",
                body.len()
            );
            sock.write_all(reply.as_bytes()).await.unwrap();
        }
    });
    (base, seen)
}

const CONNS: &str = "/subscriptions/s-1/resourceGroups/rg/providers/Microsoft.Network/connections";

#[tokio::test]
async fn azure_client_failed_operations_paging_and_foreign_urls_against_a_scripted_server() {
    let routes = vec![
        (
            "/subscriptions/s-1/resourceGroups/rg/providers/Microsoft.Network/connections/bad?",
            201,
            "Azure-AsyncOperation: {base}/subscriptions/s-1/providers/Microsoft.Network/locations/westeurope/operations/op1?api-version=2024-05-01\r\nRetry-After: 0\r\n",
            "{}",
        ),
        (
            "/subscriptions/s-1/providers/Microsoft.Network/locations/westeurope/operations/op1",
            200,
            "",
            r#"{"status": "Failed", "error": {"code": "VpnConnectionFailed", "message": "IKE failed."}}"#,
        ),
        (
            "/subscriptions/s-1/resourceGroups/rg/providers/Microsoft.Network/connections/evil?",
            201,
            "Azure-AsyncOperation: http://elsewhere.example/op\r\n",
            "{}",
        ),
        (
            "/subscriptions/s-1/resourceGroups/rg/providers/Microsoft.Network/connections?api-version",
            200,
            "",
            r#"{"value": [{"name": "c1"}], "nextLink": "{base}/page2?api-version=2024-05-01"}"#,
        ),
        // DELETE followed by Location only, moving once; then gone.
        (
            "/subscriptions/s-1/resourceGroups/rg/providers/Microsoft.Network/connections/old?",
            202,
            "Location: {base}/loc1?api-version=2024-05-01\r\n",
            "",
        ),
        (
            "/loc1",
            202,
            "Location: {base}/loc2?api-version=2024-05-01\r\n",
            "",
        ),
        ("/loc2", 204, "", ""),
        // A synchronous PUT: no operation headers, already Succeeded.
        (
            "/subscriptions/s-1/resourceGroups/rg/providers/Microsoft.Network/connections/sync?",
            200,
            "",
            r#"{"name": "sync", "properties": {"provisioningState": "Succeeded", "enableBgp": true}}"#,
        ),
        (
            "/page2",
            200,
            "",
            r#"{"value": [{"name": "c2", "properties": {"connectionStatus": "Connecting"}}]}"#,
        ),
    ];
    let (base, seen) = scripted(routes).await;
    let net = Network::new(Some(&base), "tok-123", "s-1")
        .unwrap()
        .with_poll_interval(Duration::from_millis(5));
    let c = NewConnection {
        location: LOC.into(),
        gateway_id: "/gw".into(),
        local_gateway_id: "/lgw".into(),
        shared_key: "k".into(),
        ike_v2: false,
        enable_bgp: false,
        custom_bgp: vec![],
    };
    let e = net.put_connection("rg", "bad", &c).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "Azure connections/bad: operation Failed: IKE failed. (VpnConnectionFailed)"
    );
    let e = net.put_connection("rg", "evil", &c).await.unwrap_err();
    assert_eq!(e.code, "InvalidResponse");
    let listed = net.list_connections("rg").await.unwrap();
    let listed: Vec<_> = listed
        .iter()
        .map(|c| (c.name.as_str(), c.status.as_str()))
        .collect();
    assert_eq!(listed, [("c1", "Unknown"), ("c2", "Connecting")]);

    net.delete_connection("rg", "old").await.unwrap();
    let sync = net.put_connection("rg", "sync", &c).await.unwrap();
    assert!(sync.enable_bgp && sync.name == "sync");

    let seen = seen.lock().unwrap().clone();
    let lines: Vec<&str> = seen.iter().map(|h| h.lines().next().unwrap()).collect();
    let want = [
        format!("PUT {CONNS}/bad?api-version=2024-05-01 HTTP/1.1"),
        "GET /subscriptions/s-1/providers/Microsoft.Network/locations/westeurope/operations/op1?api-version=2024-05-01 HTTP/1.1".into(),
        format!("PUT {CONNS}/evil?api-version=2024-05-01 HTTP/1.1"),
        format!("GET {CONNS}?api-version=2024-05-01 HTTP/1.1"),
        "GET /page2?api-version=2024-05-01 HTTP/1.1".into(),
        format!("DELETE {CONNS}/old?api-version=2024-05-01 HTTP/1.1"),
        "GET /loc1?api-version=2024-05-01 HTTP/1.1".into(),
        "GET /loc2?api-version=2024-05-01 HTTP/1.1".into(),
        format!("PUT {CONNS}/sync?api-version=2024-05-01 HTTP/1.1"),
        format!("GET {CONNS}/sync?api-version=2024-05-01 HTTP/1.1"),
    ];
    assert_eq!(lines, want);
    for head in &seen {
        let head = head.to_lowercase();
        assert!(head.contains("authorization: bearer tok-123"), "{head}");
        assert!(
            head.contains("user-agent: terraform-provider-multicloud/"),
            "{head}"
        );
    }
}
