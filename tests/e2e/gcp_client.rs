//! `clients::gcp::Compute` against the strict Compute emulator (`tests/emulators/gcp_compute.py`,
//! started through `gcp_emulator::GcpEmulator`): a full HA VPN build and teardown, operations that
//! take several polls or none, retries, adoption after an ambiguous insert, operation errors,
//! deadlines and cancellation, paging.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use multicloud_provider::clients::gcp::{BgpPeer, Compute, NewTunnel, RouterInterface};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::gcp_emulator::{GcpEmulator, REGION};

const MARKER: &str = "managed-by: terraform-provider-multicloud";
const NETWORK: &str = "vpc-a";

/// An emulator seeded with the network `vpc-a` (besides `default`).
fn start(extra: &[&str]) -> GcpEmulator {
    let mut args = vec!["--network", NETWORK];
    args.extend_from_slice(extra);
    GcpEmulator::start_with(&args)
}

fn compute(emu: &GcpEmulator) -> Compute {
    Compute::new(Some(&emu.endpoint), &emu.token, &emu.project).unwrap()
}

fn count(state: &Value, kind: &str) -> usize {
    state[kind].as_array().map_or(0, Vec::len)
}

fn requests(emu: &GcpEmulator, key: &str) -> u64 {
    emu.requests()[key].as_u64().unwrap_or(0)
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

// --- Log capture -----------------------------------------------------------------------------
// The e2e crate has no tracing-subscriber; this is the little of it the tests need. Also used by
// azure_client.rs.

/// Every event at DEBUG and above, one line each (`LEVEL message key=value ...`), from the
/// thread that called `capture` (`#[tokio::test]` runs the whole test on one thread).
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<String>>);

impl Logs {
    pub fn capture() -> (Logs, tracing::subscriber::DefaultGuard) {
        // tracing caches each callsite's interest process-wide, computed when some thread first
        // reaches it; while a single dispatcher is registered, against that thread's default
        // (tokio-rs/tracing#3611). A test without a subscriber running in parallel would then
        // switch our callsites off for good. A second dispatcher, always registered and asking
        // to be consulted per event, keeps every interest at "sometimes".
        static ANCHOR: OnceLock<tracing::Dispatch> = OnceLock::new();
        ANCHOR.get_or_init(|| tracing::Dispatch::new(Anchor));
        let logs = Logs::default();
        let guard = tracing::subscriber::set_default(logs.clone());
        (logs, guard)
    }

    pub fn text(&self) -> String {
        self.0.lock().unwrap().clone()
    }
}

struct Line<'a>(&'a mut String);

impl tracing::field::Visit for Line<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write;
        let _ = match field.name() {
            "message" => write!(self.0, " {value:?}"),
            name => write!(self.0, " {name}={value:?}"),
        };
    }
}

impl tracing::Subscriber for Logs {
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        *metadata.level() <= tracing::Level::DEBUG
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::DEBUG)
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut line = event.metadata().level().to_string();
        event.record(&mut Line(&mut line));
        line.push('\n');
        print!("{line}"); // shown for failing tests only
        self.0.lock().unwrap().push_str(&line);
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

/// Sees nothing; see `Logs::capture`.
struct Anchor;

impl tracing::Subscriber for Anchor {
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        false
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::DEBUG)
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, _: &tracing::Event<'_>) {}

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

// --- Tests -----------------------------------------------------------------------------------

/// Builds and tears down the whole AWS-style topology: 4 peer IPs, 4 tunnels, 4 BGP sessions.
/// Independent objects go in parallel (as Terraform creates them), which also keeps the
/// emulator's operation polls from adding up.
async fn full_build(emu: &GcpEmulator) {
    let c = compute(emu);
    let net = c
        .get_network(NETWORK)
        .await
        .unwrap()
        .expect("seeded network");
    assert_eq!(net.name, NETWORK);
    let link = format!("/projects/{}/global/networks/{NETWORK}", emu.project);
    assert!(net.self_link.ends_with(&link), "{}", net.self_link);
    assert_eq!(c.get_network("nope").await.unwrap(), None);

    let ips = strings(&["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"]);
    let (gw, router, ext) = tokio::join!(
        c.insert_vpn_gateway(REGION, "gw", NETWORK),
        // The network given as a link this time.
        c.insert_router(REGION, "rtr", &net.self_link, 64514),
        c.insert_external_gateway("peer", &ips, MARKER),
    );
    for done in [gw, router, ext] {
        done.unwrap();
    }
    let gw = c.get_vpn_gateway(REGION, "gw").await.unwrap().unwrap();
    assert_eq!(gw.network, NETWORK);
    assert_eq!(gw.interface_ips.len(), 2);
    let ext = c.get_external_gateway("peer").await.unwrap().unwrap();
    assert_eq!(
        (ext.redundancy_type.as_str(), &ext.ips),
        ("FOUR_IPS_REDUNDANCY", &ips)
    );

    let mut tunnels = Vec::new();
    let mut interfaces = Vec::new();
    let mut peers = Vec::new();
    for i in 0..4u32 {
        tunnels.push(NewTunnel {
            name: format!("t{i}"),
            vpn_gateway: "gw".into(),
            vpn_gateway_interface: i % 2,
            peer_external_gateway: "peer".into(),
            peer_external_gateway_interface: i,
            shared_secret: format!("secret-{i}"),
            ike_version: 2,
            router: "rtr".into(),
            description: MARKER.into(),
        });
        interfaces.push(RouterInterface {
            name: format!("if-{i}"),
            ip_range: format!("169.254.{}.2/30", 10 + i),
            linked_vpn_tunnel: format!("t{i}"),
        });
        peers.push(BgpPeer {
            name: format!("peer-{i}"),
            interface_name: format!("if-{i}"),
            ip_address: format!("169.254.{}.2", 10 + i),
            peer_ip_address: format!("169.254.{}.1", 10 + i),
            peer_asn: 64512,
            advertised_route_priority: (i == 1).then_some(200),
            advertised_ip_ranges: if i == 2 {
                strings(&["10.0.0.0/16"])
            } else {
                vec![]
            },
        });
    }
    let t = &tunnels;
    let (t0, t1, t2, t3) = tokio::join!(
        c.insert_vpn_tunnel(REGION, &t[0]),
        c.insert_vpn_tunnel(REGION, &t[1]),
        c.insert_vpn_tunnel(REGION, &t[2]),
        c.insert_vpn_tunnel(REGION, &t[3]),
    );
    for done in [t0, t1, t2, t3] {
        done.unwrap();
    }
    c.put_router_peers(REGION, "rtr", interfaces.clone(), peers.clone())
        .await
        .unwrap();

    let router = c.get_router(REGION, "rtr").await.unwrap().unwrap();
    assert_eq!((router.network.as_str(), router.asn), (NETWORK, 64514));
    assert_eq!(router.interfaces, interfaces);
    assert_eq!(router.peers, peers);
    assert_eq!(c.list_routers(REGION).await.unwrap(), vec![router]);
    let tunnels = c.list_vpn_tunnels(REGION).await.unwrap();
    assert_eq!(tunnels.len(), 4);
    for (i, t) in tunnels.iter().enumerate() {
        assert_eq!(t.name, format!("t{i}"));
        assert_eq!(
            (t.router.as_str(), t.ike_version, t.status.as_str()),
            ("rtr", 2, "ESTABLISHED")
        );
        assert_eq!(t.vpn_gateway_interface, i as u32 % 2);
        assert_eq!(t.peer_external_gateway_interface, Some(i as u32));
        // Compute reports the peer interface's address as the tunnel's peerIp.
        assert_eq!(t.peer_ip, ips[i]);
        assert_eq!(
            c.get_vpn_tunnel(REGION, &t.name).await.unwrap().as_ref(),
            Some(t)
        );
    }
    // The emulator keeps the secret (only visible through its control API): it was sent.
    assert_eq!(emu.state()["vpnTunnels"][3]["sharedSecret"], "secret-3");

    // Teardown: the router's interfaces reference the tunnels, the tunnels the rest.
    c.put_router_peers(REGION, "rtr", vec![], vec![])
        .await
        .unwrap();
    let router = c.get_router(REGION, "rtr").await.unwrap().unwrap();
    assert!(router.peers.is_empty() && router.interfaces.is_empty());
    let (t0, t1, t2, t3) = tokio::join!(
        c.delete_vpn_tunnel(REGION, "t0"),
        c.delete_vpn_tunnel(REGION, "t1"),
        c.delete_vpn_tunnel(REGION, "t2"),
        c.delete_vpn_tunnel(REGION, "t3"),
    );
    for done in [t0, t1, t2, t3] {
        done.unwrap();
    }
    let (ext, router, gw) = tokio::join!(
        c.delete_external_gateway("peer"),
        c.delete_router(REGION, "rtr"),
        c.delete_vpn_gateway(REGION, "gw"),
    );
    for done in [ext, router, gw] {
        done.unwrap();
    }
    let state = emu.state();
    for kind in [
        "vpnGateways",
        "routers",
        "externalVpnGateways",
        "vpnTunnels",
    ] {
        assert_eq!(count(&state, kind), 0, "{kind} left: {}", state[kind]);
    }
    assert_eq!(c.get_vpn_gateway(REGION, "gw").await.unwrap(), None);
}

#[tokio::test]
async fn gcp_client_builds_and_tears_down_a_full_ha_vpn_without_logging_secrets() {
    let emu = start(&[]);
    let (logs, _guard) = Logs::capture();
    full_build(&emu).await;
    let text = logs.text();
    assert!(
        text.contains("waiting for GCP operation insert vpnGateways/gw: PENDING, 0s"),
        "{text}"
    );
    let path = format!(
        "path=/compute/v1/projects/{}/regions/{REGION}/vpnTunnels",
        emu.project
    );
    assert!(text.contains(&path), "{text}");
    assert!(
        text.contains("status=200") && text.contains("elapsed_ms="),
        "{text}"
    );
    assert!(!text.contains(&emu.token), "token logged");
    assert!(!text.contains("secret-"), "shared secret logged");
    assert!(!text.contains("requestId"), "query logged");
}

#[tokio::test]
async fn gcp_client_handles_slow_and_instant_operations() {
    // Three polls to DONE (the wait loop sees RUNNING twice and backs off) and none at all (the
    // insert answers DONE): independent emulators, built side by side.
    let (slow, instant) = (start(&["--op-polls", "3"]), start(&["--op-polls", "0"]));
    tokio::join!(full_build(&slow), full_build(&instant));
}

#[tokio::test]
async fn gcp_client_deletes_tolerate_objects_already_gone() {
    let emu = start(&[]);
    let c = compute(&emu);
    c.delete_vpn_gateway(REGION, "none").await.unwrap();
    c.delete_router(REGION, "none").await.unwrap();
    c.delete_external_gateway("none").await.unwrap();
    c.delete_vpn_tunnel(REGION, "none").await.unwrap();
    // Removed behind our back after creation.
    c.insert_router(REGION, "rtr", NETWORK, 64514)
        .await
        .unwrap();
    emu.delete_out_of_band("routers", REGION, "rtr");
    assert_eq!(c.get_router(REGION, "rtr").await.unwrap(), None);
    c.delete_router(REGION, "rtr").await.unwrap();
}

#[tokio::test]
async fn gcp_client_retries_transient_failures() {
    let emu = start(&[]);
    let c = compute(&emu);
    let wait = "POST projects/{project}/regions/{region}/operations/{operation}/wait";
    let transient = async {
        emu.inject_fault(
            json!({"status": 503, "count": 2, "method": "POST", "path_contains": "vpnGateways"}),
        );
        c.insert_vpn_gateway(REGION, "gw", NETWORK).await.unwrap();
        let key = "POST projects/{project}/regions/{region}/vpnGateways";
        assert_eq!(requests(&emu, key), 3);
        // 429 (with Retry-After: 0) on reads.
        emu.inject_fault(
            json!({"status": 429, "count": 2, "method": "GET", "path_contains": "/vpnGateways/gw"}),
        );
        assert!(c.get_vpn_gateway(REGION, "gw").await.unwrap().is_some());
        let key = "GET projects/{project}/regions/{region}/vpnGateways/{vpnGateway}";
        assert_eq!(requests(&emu, key), 3);
        // 500 on an operation wait.
        let waits = requests(&emu, wait);
        emu.inject_fault(json!({"status": 500, "count": 1, "path_contains": "/wait"}));
        c.delete_vpn_gateway(REGION, "gw").await.unwrap();
        assert_eq!(count(&emu.state(), "vpnGateways"), 0);
        // The failed wait, then RUNNING and DONE (two polls).
        assert_eq!(requests(&emu, wait), waits + 3);
    };
    // Meanwhile (this one costs the client's whole backoff, 3 to 6 s): persistent failures give
    // up with the last error, after six attempts.
    let persistent = async {
        emu.inject_fault(
            json!({"status": 503, "count": 10, "method": "GET", "path_contains": "/routers/rtr"}),
        );
        let e = c.get_router(REGION, "rtr").await.unwrap_err();
        assert_eq!((e.status, e.is_retryable()), (Some(503), true));
        let key = "GET projects/{project}/regions/{region}/routers/{router}";
        assert_eq!(requests(&emu, key), 6);
    };
    tokio::join!(transient, persistent);
}

#[tokio::test]
async fn gcp_client_adopts_an_ambiguous_insert_that_succeeded() {
    let emu = start(&[]);
    let (logs, _guard) = Logs::capture();
    // Both first attempts time out on our side but are applied by the emulator afterwards, so the
    // third attempt meets 409 for an object whose insert operation nobody has waited for yet.
    // (Attempt 3 leaves at least 2 x 400 ms + the backoffs (300 ms) after attempt 1, which the
    // emulator applies 700 ms after it arrived.)
    let c = compute(&emu).with_request_timeout(Duration::from_millis(400));
    let filter = "externalVpnGateways";
    emu.inject_fault(
        json!({"delay_seconds": 0.7, "count": 2, "method": "POST", "path_contains": filter}),
    );
    let ips = strings(&["198.51.100.1"]);
    c.insert_external_gateway("peer", &ips, MARKER)
        .await
        .unwrap();
    let ext = c.get_external_gateway("peer").await.unwrap().unwrap();
    assert_eq!(ext.redundancy_type, "SINGLE_IP_INTERNALLY_REDUNDANT");
    assert_eq!(count(&emu.state(), "externalVpnGateways"), 1);
    // It was adopted (the 409 path), not created by the third attempt.
    assert_eq!(
        requests(&emu, "POST projects/{project}/global/externalVpnGateways"),
        3
    );
    let text = logs.text();
    assert!(
        text.contains("exists after an ambiguous attempt; adopting it"),
        "{text}"
    );

    // Someone else's object (another description) with our name is not adopted.
    compute(&emu)
        .insert_external_gateway("taken", &ips, "not ours")
        .await
        .unwrap();
    emu.inject_fault(
        json!({"delay_seconds": 0.7, "count": 2, "method": "POST", "path_contains": filter}),
    );
    let e = c
        .insert_external_gateway("taken", &ips, MARKER)
        .await
        .unwrap_err();
    assert_eq!((e.status, e.reason.as_str()), (Some(409), "alreadyExists"));
    let taken = c.get_external_gateway("taken").await.unwrap().unwrap();
    assert_eq!(taken.ips, ips);
    assert_eq!(count(&emu.state(), "externalVpnGateways"), 2);
}

#[tokio::test]
async fn gcp_client_returns_operation_and_api_errors() {
    let emu = start(&[]);
    let c = compute(&emu);
    let op_error = json!({"code": "QUOTA_EXCEEDED", "message": "Quota 'ROUTERS' exceeded."});
    emu.inject_fault(
        json!({"operation_error": op_error, "method": "POST", "path_contains": "routers"}),
    );
    let e = c
        .insert_router(REGION, "rtr", NETWORK, 64514)
        .await
        .unwrap_err();
    assert_eq!(e.reason, "QUOTA_EXCEEDED");
    assert_eq!(e.message, "Quota 'ROUTERS' exceeded.");
    assert!(e.to_string().contains("QUOTA_EXCEEDED"), "{e}");
    assert_eq!(c.get_router(REGION, "rtr").await.unwrap(), None);
    // The name was released: a later attempt succeeds.
    c.insert_router(REGION, "rtr", NETWORK, 64514)
        .await
        .unwrap();
    // API errors are not retried and keep their reason.
    let e = c
        .insert_router(REGION, "bad", NETWORK, 1)
        .await
        .unwrap_err();
    assert_eq!((e.status, e.is_retryable()), (Some(400), false));
    let e = c
        .insert_router(REGION, "rtr", NETWORK, 64514)
        .await
        .unwrap_err();
    assert_eq!((e.status, e.reason.as_str()), (Some(409), "alreadyExists"));
    let key = "POST projects/{project}/regions/{region}/routers";
    assert_eq!(requests(&emu, key), 4, "one request per insert");
    let wrong = Compute::new(Some(&emu.endpoint), "wrong", &emu.project).unwrap();
    assert_eq!(
        wrong.get_router(REGION, "rtr").await.unwrap_err().status,
        Some(401)
    );
}

#[tokio::test]
async fn gcp_client_waits_stop_at_the_deadline_and_on_cancel() {
    let emu = start(&["--op-polls", "100000"]);
    let c = compute(&emu).with_deadline(Duration::from_millis(800));
    let started = Instant::now();
    let e = c
        .insert_vpn_gateway(REGION, "gw", NETWORK)
        .await
        .unwrap_err();
    assert_eq!(e.reason, "deadlineExceeded");
    assert!(started.elapsed() < Duration::from_secs(3));

    let cancel = CancellationToken::new();
    let c = compute(&emu).with_cancel(cancel.clone());
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        trigger.cancel();
    });
    let started = Instant::now();
    let e = c
        .insert_router(REGION, "rtr", NETWORK, 64514)
        .await
        .unwrap_err();
    assert_eq!(e.reason, "cancelled");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn gcp_client_lists_follow_page_tokens() {
    // The emulator pages at 500 items (the client sends no maxResults); 501 routers need two
    // pages. Instant operations and 50 inserts at a time keep this well under a second.
    let emu = start(&["--op-polls", "0"]);
    let c = compute(&emu);
    for chunk in (0..501).collect::<Vec<_>>().chunks(50) {
        let mut set = tokio::task::JoinSet::new();
        for &i in chunk {
            let c = c.clone();
            set.spawn(async move {
                c.insert_router(REGION, &format!("r{i:03}"), NETWORK, 64514)
                    .await
            });
        }
        while let Some(done) = set.join_next().await {
            done.unwrap().unwrap();
        }
    }
    let routers = c.list_routers(REGION).await.unwrap();
    assert_eq!(routers.len(), 501);
    assert_eq!(routers[500].name, "r500");
    assert!(c.list_vpn_tunnels(REGION).await.unwrap().is_empty());
}
