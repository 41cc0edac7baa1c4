//! The strict Cloudflare API emulator (`tests/emulators/cloudflare.py`) for end-to-end tests: a
//! handle that starts and stops it, its self-tests over raw HTTP, and the Cloudflare client's
//! tests against it.

#![allow(dead_code)]

use std::process::Child;

use serde_json::{Value, json};

use crate::harness;

/// A running emulator; killed on drop.
pub struct CloudflareEmulator {
    /// `http://127.0.0.1:PORT/client/v4`, for provider "multicloud" cloudflare.endpoint.
    pub endpoint: String,
    pub token: String,
    pub account: String,
    pub zone_id: String,
    addr: String,
    child: Child,
}

pub use crate::emulator::RawResponse;

impl RawResponse {
    /// Cloudflare error codes in the envelope, including `error_chain` entries.
    pub fn codes(&self) -> Vec<i64> {
        fn walk(v: &Value, out: &mut Vec<i64>) {
            for e in v.as_array().into_iter().flatten() {
                out.extend(e["code"].as_i64());
                walk(&e["error_chain"], out);
            }
        }
        let mut out = Vec::new();
        walk(&self.body["errors"], &mut out);
        out
    }
}

fn hex32() -> String {
    format!("{:032x}", rand::random::<u128>())
}

impl CloudflareEmulator {
    pub fn start(zone_name: &str) -> Self {
        Self::start_with(zone_name, &[])
    }

    /// Start with extra command-line arguments (e.g. `["--plan", "enterprise"]`).
    pub fn start_with(zone_name: &str, extra: &[&str]) -> Self {
        let token = format!("cf-test-{}", hex32());
        let account = hex32();
        let zone_id = hex32();
        let script = harness::root().join("tests/emulators/cloudflare.py");
        let (child, url) = crate::emulator::launch("Cloudflare", &script, |c| {
            c.args(["--port", "0", "--token", &token, "--account", &account])
                .args(["--zone", &format!("{zone_id}={zone_name}")])
                .args(extra);
        });
        let addr = url.trim_start_matches("http://").to_string();
        CloudflareEmulator {
            endpoint: format!("{url}/client/v4"),
            token,
            account,
            zone_id,
            addr,
            child,
        }
    }

    /// One HTTP/1.1 request on a fresh connection; `path` is absolute (e.g. `/client/v4/...`).
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> RawResponse {
        crate::emulator::request(&self.addr, method, path, headers, body)
    }

    /// An authenticated API call (`api_path` below `/client/v4`).
    pub fn api(&self, method: &str, api_path: &str, body: Option<Value>) -> RawResponse {
        let auth = format!("Bearer {}", self.token);
        let body = body.map(|b| b.to_string());
        let mut headers = vec![("Authorization", auth.as_str())];
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        self.raw(
            method,
            &format!("/client/v4{api_path}"),
            &headers,
            body.as_deref(),
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
    /// `retry_after`, and `apply` (process the request, then fail the response).
    pub fn inject_fault(&self, fault: Value) {
        self.control("POST", "faults", Some(fault));
    }

    pub fn state(&self) -> Value {
        self.control("GET", "state", None)
    }

    /// Monitors, pools and load balancers that exist.
    pub fn object_count(&self) -> usize {
        let s = self.state();
        let len = |v: &Value| v.as_array().map_or(0, Vec::len);
        len(&s["monitors"])
            + len(&s["pools"])
            + s["load_balancers"]
                .as_object()
                .map_or(0, |zones| zones.values().map(len).sum())
    }

    /// Requests seen, keyed `METHOD /route/{template}` (e.g.
    /// `POST /accounts/{account_id}/load_balancers/pools`).
    pub fn requests(&self) -> Value {
        self.control("GET", "requests", None)
    }

    pub fn request_count(&self, key: &str) -> u64 {
        self.requests()[key].as_u64().unwrap_or(0)
    }

    pub fn reset(&self) {
        self.control("POST", "reset", None);
    }

    /// What the pool health endpoint reports for `pool_id` (`None`: no results yet).
    pub fn set_pool_health(&self, pool_id: &str, healthy: Option<bool>) {
        self.control(
            "POST",
            "health",
            Some(json!({ "pool_id": pool_id, "healthy": healthy })),
        );
    }
}

impl Drop for CloudflareEmulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// Emulator self-tests: raw HTTP, no client involved.
// ---------------------------------------------------------------------------------------------

fn monitor_body() -> Value {
    json!({"type": "https", "path": "/healthz", "expected_codes": "2xx", "interval": 60,
           "timeout": 5, "retries": 2, "description": "self-test"})
}

fn pool_body(name: &str, monitor: Option<&str>) -> Value {
    let mut body =
        json!({"name": name, "origins": [{"name": "a", "address": "a.backend.example.net"}]});
    if let Some(m) = monitor {
        body["monitor"] = json!(m);
    }
    body
}

fn created_id(r: &RawResponse) -> String {
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.body["result"]["id"].as_str().expect("id").to_string();
    assert_eq!(id.len(), 32);
    id
}

#[test]
fn cloudflare_emulator_rejects_missing_wrong_and_malformed_tokens() {
    let emu = CloudflareEmulator::start("example.com");
    let path = format!(
        "/client/v4/accounts/{}/load_balancers/monitors",
        emu.account
    );
    let r = emu.raw("GET", &path, &[], None);
    assert_eq!((r.status, r.codes()), (400, vec![9106]), "{}", r.body);
    assert_eq!(r.body["success"], json!(false));
    let r = emu.raw(
        "GET",
        &path,
        &[("Authorization", "Bearer not-the-token")],
        None,
    );
    assert_eq!((r.status, r.codes()), (403, vec![10000]), "{}", r.body);
    let r = emu.raw("GET", &path, &[("Authorization", "Basic abc")], None);
    assert_eq!((r.status, r.codes()), (400, vec![6003, 6111]), "{}", r.body);
    let r = emu.api(
        "GET",
        &format!("/accounts/{}/load_balancers/monitors", emu.account),
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.body["result"], json!([]));
    assert_eq!(r.body["result_info"]["count"], json!(0));
}

#[test]
fn cloudflare_emulator_rejects_unknown_fields_bad_types_and_wrong_content_type() {
    let emu = CloudflareEmulator::start("example.com");
    let path = format!("/accounts/{}/load_balancers/monitors", emu.account);
    let mut body = monitor_body();
    body["colour"] = json!("blue");
    let r = emu.api("POST", &path, Some(body));
    assert_eq!((r.status, r.codes()), (400, vec![1002]), "{}", r.body);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("colour")
    );
    let mut body = monitor_body();
    body["interval"] = json!("60");
    assert_eq!(emu.api("POST", &path, Some(body)).status, 400);
    let auth = format!("Bearer {}", emu.token);
    let r = emu.raw(
        "POST",
        &format!("/client/v4{path}"),
        &[("Authorization", &auth), ("Content-Type", "text/plain")],
        Some(&monitor_body().to_string()),
    );
    assert_eq!((r.status, r.codes()), (400, vec![6003, 6105]), "{}", r.body);
    assert_eq!(emu.object_count(), 0);
}

#[test]
fn cloudflare_emulator_enforces_enums_and_ranges() {
    let emu = CloudflareEmulator::start("example.com");
    let monitors = format!("/accounts/{}/load_balancers/monitors", emu.account);
    for (field, value) in [
        ("type", json!("ftp")),
        ("interval", json!(5)),
        ("interval", json!(3601)),
        ("timeout", json!(11)),
        ("retries", json!(6)),
        ("expected_codes", json!("ok")),
    ] {
        let mut body = monitor_body();
        body[field] = value.clone();
        let r = emu.api("POST", &monitors, Some(body));
        assert_eq!(
            (r.status, r.codes()),
            (400, vec![1002]),
            "{field}={value}: {}",
            r.body
        );
    }
    // http-only fields on a tcp monitor, and tcp without a port.
    let r = emu.api(
        "POST",
        &monitors,
        Some(json!({"type": "tcp", "port": 443, "path": "/"})),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    let r = emu.api("POST", &monitors, Some(json!({"type": "tcp"})));
    assert_eq!(r.status, 400, "{}", r.body);
    let monitor = created_id(&emu.api("POST", &monitors, Some(monitor_body())));

    let pools = format!("/accounts/{}/load_balancers/pools", emu.account);
    let mut bad_weight = pool_body("p", None);
    bad_weight["origins"][0]["weight"] = json!(1.5);
    assert_eq!(emu.api("POST", &pools, Some(bad_weight)).status, 400);
    assert_eq!(
        emu.api("POST", &pools, Some(pool_body("bad name!", None)))
            .status,
        400
    );
    let mut internal = pool_body("p", None);
    internal["origins"][0]["address"] = json!("10.0.0.1");
    assert_eq!(emu.api("POST", &pools, Some(internal)).status, 400);
    let pool = created_id(&emu.api("POST", &pools, Some(pool_body("p", Some(&monitor)))));

    let lbs = format!("/zones/{}/load_balancers", emu.zone_id);
    let lb = |name: &str, extra: Value| {
        let mut body = json!({"name": name, "default_pools": [pool], "fallback_pool": pool});
        for (k, v) in extra.as_object().into_iter().flatten() {
            body[k] = v.clone();
        }
        body
    };
    for (name, extra) in [
        ("www.example.com", json!({"steering_policy": "fastest"})),
        (
            "www.example.com",
            json!({"steering_policy": "geo", "region_pools": {"MARS": [pool]}}),
        ),
        ("www.example.com", json!({"country_pools": {"usa": [pool]}})),
        ("www.example.org", json!({})),
    ] {
        let r = emu.api("POST", &lbs, Some(lb(name, extra.clone())));
        assert_eq!(
            (r.status, r.codes()),
            (400, vec![1002]),
            "{name} {extra}: {}",
            r.body
        );
    }
    let geo = json!({"steering_policy": "geo", "region_pools": {"WNAM": [pool], "WEU": [pool]}});
    let id = created_id(&emu.api("POST", &lbs, Some(lb("WWW.example.com", geo))));
    let got = emu.api("GET", &format!("{lbs}/{id}"), None);
    assert_eq!(got.body["result"]["name"], json!("www.example.com"));
    assert_eq!(got.body["result"]["ttl"], json!(30));
    // The hostname is unique in the zone.
    let r = emu.api("POST", &lbs, Some(lb("www.example.com", json!({}))));
    assert_eq!((r.status, r.codes()), (400, vec![1003]), "{}", r.body);
}

#[test]
fn cloudflare_emulator_rejects_dangling_references() {
    let emu = CloudflareEmulator::start("example.com");
    let ghost = hex32();
    let pools = format!("/accounts/{}/load_balancers/pools", emu.account);
    let r = emu.api("POST", &pools, Some(pool_body("p", Some(&ghost))));
    assert_eq!((r.status, r.codes()), (400, vec![1002]), "{}", r.body);
    let pool = created_id(&emu.api("POST", &pools, Some(pool_body("p", None))));
    let lbs = format!("/zones/{}/load_balancers", emu.zone_id);
    for body in [
        json!({"name": "a.example.com", "default_pools": [ghost], "fallback_pool": pool}),
        json!({"name": "a.example.com", "default_pools": [pool], "fallback_pool": ghost}),
        json!({"name": "a.example.com", "default_pools": [pool], "fallback_pool": pool,
               "steering_policy": "random", "random_steering": {"pool_weights": {ghost.clone(): 0.5}}}),
        // dynamic_latency needs health checks on its pools.
        json!({"name": "a.example.com", "default_pools": [pool], "fallback_pool": pool,
               "steering_policy": "dynamic_latency"}),
    ] {
        let r = emu.api("POST", &lbs, Some(body.clone()));
        assert_eq!(
            (r.status, r.codes()),
            (400, vec![1002]),
            "{body}: {}",
            r.body
        );
    }
    let r = emu.api("GET", &format!("{lbs}/{ghost}"), None);
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(emu.object_count(), 1);
}

#[test]
fn cloudflare_emulator_refuses_to_delete_objects_in_use() {
    let emu = CloudflareEmulator::start("example.com");
    let monitors = format!("/accounts/{}/load_balancers/monitors", emu.account);
    let pools = format!("/accounts/{}/load_balancers/pools", emu.account);
    let lbs = format!("/zones/{}/load_balancers", emu.zone_id);
    let monitor = created_id(&emu.api("POST", &monitors, Some(monitor_body())));
    let pool = created_id(&emu.api("POST", &pools, Some(pool_body("p", Some(&monitor)))));
    let lb = created_id(&emu.api(
        "POST",
        &lbs,
        Some(json!({"name": "example.com", "default_pools": [pool], "fallback_pool": pool})),
    ));
    let r = emu.api("DELETE", &format!("{monitors}/{monitor}"), None);
    assert_eq!((r.status, r.codes()), (412, vec![1005]), "{}", r.body);
    let r = emu.api("DELETE", &format!("{pools}/{pool}"), None);
    assert_eq!((r.status, r.codes()), (412, vec![1005]), "{}", r.body);
    assert_eq!(emu.object_count(), 3);
    for path in [
        format!("{lbs}/{lb}"),
        format!("{pools}/{pool}"),
        format!("{monitors}/{monitor}"),
    ] {
        let r = emu.api("DELETE", &path, None);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert_eq!(emu.api("DELETE", &path, None).status, 404);
    }
    assert_eq!(emu.object_count(), 0);
}

#[test]
fn cloudflare_emulator_injects_throttling_and_counts_requests() {
    let emu = CloudflareEmulator::start("example.com");
    let path = format!("/accounts/{}/load_balancers/pools", emu.account);
    emu.inject_fault(
        json!({"status": 429, "count": 2, "method": "GET", "path_contains": "/pools",
                            "retry_after": 7}),
    );
    for _ in 0..2 {
        let r = emu.api("GET", &path, None);
        assert_eq!((r.status, r.codes()), (429, vec![971]), "{}", r.body);
        assert_eq!(r.header("Retry-After"), Some("7"));
    }
    // Faults match method and path; other requests are untouched.
    emu.inject(503, 1, "/monitors");
    assert_eq!(emu.api("GET", &path, None).status, 200);
    let monitors = format!("/accounts/{}/load_balancers/monitors", emu.account);
    assert_eq!(emu.api("GET", &monitors, None).status, 503);
    assert_eq!(emu.api("GET", &monitors, None).status, 200);
    assert_eq!(
        emu.request_count("GET /accounts/{account_id}/load_balancers/pools"),
        3
    );
    assert_eq!(
        emu.request_count("GET /accounts/{account_id}/load_balancers/monitors"),
        2
    );
    emu.reset();
    assert_eq!(emu.requests(), json!({}));
}

// ---------------------------------------------------------------------------------------------
// Client tests against the emulator.
// ---------------------------------------------------------------------------------------------

mod client {
    use std::collections::BTreeMap;
    use std::time::{Duration, Instant};

    use multicloud_provider::clients::cloudflare::{
        Cloudflare, CloudflareError, LoadBalancer, Monitor, Origin, Pool, RetryPolicy,
    };
    use multicloud_provider::config::{CloudflareSettings, Setting};

    use super::CloudflareEmulator;

    const POOLS: &str = "/accounts/{account_id}/load_balancers/pools";
    const MONITORS: &str = "/accounts/{account_id}/load_balancers/monitors";

    fn client(emu: &CloudflareEmulator) -> Cloudflare {
        client_with_token(emu, &emu.token)
    }

    fn client_with_token(emu: &CloudflareEmulator, token: &str) -> Cloudflare {
        Cloudflare::new(&CloudflareSettings {
            api_token: Setting::Set(token.to_string()),
            account_id: Setting::Set(emu.account.clone()),
            endpoint: Setting::Set(emu.endpoint.clone()),
        })
        .expect("client")
        .with_retry_policy(RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(5),
        })
    }

    fn monitor(description: &str) -> Monitor {
        Monitor {
            kind: "https".into(),
            port: 8443,
            path: Some("/healthz".into()),
            interval: 30,
            timeout: 4,
            retries: 2,
            consecutive_up: 2,
            consecutive_down: 3,
            expected_codes: Some("2xx".into()),
            method: Some("GET".into()),
            description: description.into(),
        }
    }

    fn pool(name: &str, monitor: Option<&str>) -> Pool {
        Pool {
            name: name.into(),
            description: format!("{name} backends"),
            enabled: true,
            origins: vec![
                Origin {
                    name: format!("{name}-1"),
                    address: format!("{name}-1.backend.example.net"),
                    enabled: true,
                    weight: 0.75,
                },
                Origin {
                    name: format!("{name}-2"),
                    address: "1.1.1.1".into(),
                    enabled: false,
                    weight: 0.25,
                },
            ],
            monitor: monitor.map(str::to_string),
        }
    }

    fn lb(name: &str, policy: &str, pools: &[String]) -> LoadBalancer {
        let mut lb = LoadBalancer {
            name: name.into(),
            description: format!("{policy} steering"),
            proxied: false,
            ttl: Some(60),
            steering_policy: policy.into(),
            default_pools: pools.to_vec(),
            fallback_pool: pools[pools.len() - 1].clone(),
            region_pools: BTreeMap::new(),
            country_pools: BTreeMap::new(),
            pool_weights: BTreeMap::new(),
        };
        match policy {
            "geo" => {
                lb.region_pools
                    .insert("WNAM".into(), vec![pools[0].clone(), pools[1].clone()]);
                lb.region_pools.insert("WEU".into(), vec![pools[1].clone()]);
                lb.country_pools
                    .insert("JP".into(), vec![pools[1].clone(), pools[0].clone()]);
            }
            "random" => {
                lb.pool_weights.insert(pools[0].clone(), 0.7);
                lb.pool_weights.insert(pools[1].clone(), 0.3);
            }
            "dynamic_latency" => {
                lb.proxied = true;
                lb.ttl = None;
            }
            _ => {}
        }
        lb
    }

    #[tokio::test]
    async fn cloudflare_client_round_trips_monitor_pools_and_every_steering_policy() {
        let emu = CloudflareEmulator::start("example.com");
        let cf = client(&emu);
        let zone = emu.zone_id.clone();

        let m = monitor("multicloud_global_lb www.example.com");
        let monitor_id = cf.create_monitor(&m).await.expect("create monitor");
        assert_eq!(
            cf.get_monitor(&monitor_id).await.expect("get"),
            Some(m.clone())
        );
        let mut m2 = m.clone();
        m2.interval = 60;
        m2.expected_codes = Some("200".into());
        cf.update_monitor(&monitor_id, &m2)
            .await
            .expect("update monitor");
        assert_eq!(cf.get_monitor(&monitor_id).await.expect("get"), Some(m2));
        // Defaults the API fills in come back explicit (Monitor::canonical).
        let tcp = Monitor {
            kind: "tcp".into(),
            port: 5432,
            path: None,
            interval: 60,
            timeout: 5,
            retries: 2,
            consecutive_up: 0,
            consecutive_down: 0,
            expected_codes: None,
            method: None,
            description: "tcp".into(),
        };
        let tcp_id = cf.create_monitor(&tcp).await.expect("create tcp monitor");
        assert_eq!(
            cf.get_monitor(&tcp_id).await.expect("get"),
            Some(tcp.clone().canonical())
        );
        assert_eq!(
            tcp.clone().canonical().method.as_deref(),
            Some("connection_established")
        );

        let mut pool_ids = Vec::new();
        for name in ["aws-us-east-1", "gcp-europe-west1"] {
            let p = pool(name, Some(&monitor_id));
            let id = cf.create_pool(&p).await.expect("create pool");
            assert_eq!(cf.get_pool(&id).await.expect("get pool"), Some(p));
            pool_ids.push(id);
        }
        let mut p2 = pool("aws-us-east-1", Some(&monitor_id));
        p2.origins[1].enabled = true;
        p2.origins.push(Origin {
            name: "extra".into(),
            address: "extra.backend.example.net".into(),
            enabled: true,
            weight: 1.0,
        });
        cf.update_pool(&pool_ids[0], &p2)
            .await
            .expect("update pool");
        assert_eq!(cf.get_pool(&pool_ids[0]).await.expect("get"), Some(p2));

        for (i, policy) in ["off", "dynamic_latency", "geo", "random"]
            .into_iter()
            .enumerate()
        {
            let host = format!("app{i}.example.com");
            let want = lb(&host, policy, &pool_ids);
            let id = cf
                .create_load_balancer(&zone, &want)
                .await
                .expect("create lb");
            let got = cf.get_load_balancer(&zone, &id).await.expect("get lb");
            assert_eq!(got, Some(want.clone().canonical()), "{policy}");
            assert_eq!(
                got,
                Some(want.clone()),
                "{policy}: canonical input round-trips"
            );

            let mut updated = want.clone();
            updated.default_pools.reverse();
            updated.description = format!("{policy} steering, reordered");
            if !updated.proxied {
                updated.ttl = Some(120);
            }
            cf.update_load_balancer(&zone, &id, &updated)
                .await
                .expect("update lb");
            assert_eq!(
                cf.get_load_balancer(&zone, &id).await.expect("get"),
                Some(updated.clone())
            );

            let found = cf
                .find_load_balancer(&zone, &format!("APP{i}.example.com."))
                .await
                .expect("find");
            assert_eq!(found, Some((id.clone(), updated)));

            cf.delete_load_balancer(&zone, &id)
                .await
                .expect("delete lb");
            cf.delete_load_balancer(&zone, &id)
                .await
                .expect("delete lb again");
            assert_eq!(cf.get_load_balancer(&zone, &id).await.expect("get"), None);
        }
        // A proxied load balancer has no TTL; unproxied without one gets the default.
        let mut unproxied = lb("plain.example.com", "off", &pool_ids);
        unproxied.ttl = None;
        let id = cf
            .create_load_balancer(&zone, &unproxied)
            .await
            .expect("create");
        assert_eq!(
            cf.get_load_balancer(&zone, &id)
                .await
                .expect("get")
                .and_then(|l| l.ttl),
            Some(30)
        );
        cf.delete_load_balancer(&zone, &id).await.expect("delete");

        for id in &pool_ids {
            cf.delete_pool(id).await.expect("delete pool");
            cf.delete_pool(id).await.expect("delete pool again");
        }
        for id in [&monitor_id, &tcp_id] {
            cf.delete_monitor(id).await.expect("delete monitor");
            cf.delete_monitor(id).await.expect("delete monitor again");
        }
        assert_eq!(emu.object_count(), 0, "{}", emu.state());
    }

    #[tokio::test]
    async fn cloudflare_client_reports_missing_objects_and_pool_health() {
        let emu = CloudflareEmulator::start("example.com");
        let cf = client(&emu);
        let ghost = super::hex32();
        assert_eq!(cf.get_monitor(&ghost).await.expect("get"), None);
        assert_eq!(cf.get_pool(&ghost).await.expect("get"), None);
        assert_eq!(
            cf.get_load_balancer(&emu.zone_id, &ghost)
                .await
                .expect("get"),
            None
        );
        assert_eq!(
            cf.find_load_balancer(&emu.zone_id, "nope.example.com")
                .await
                .expect("find"),
            None
        );
        assert_eq!(cf.pool_health(&ghost).await.expect("health"), None);
        assert!(matches!(
            cf.get_pool("../../zones").await,
            Err(CloudflareError::InvalidId(_))
        ));

        let unmonitored = cf.create_pool(&pool("plain", None)).await.expect("create");
        assert_eq!(cf.pool_health(&unmonitored).await.expect("health"), None);
        let monitor_id = cf.create_monitor(&monitor("m")).await.expect("monitor");
        let monitored = cf
            .create_pool(&pool("checked", Some(&monitor_id)))
            .await
            .expect("create");
        assert_eq!(
            cf.pool_health(&monitored).await.expect("health"),
            None,
            "no results yet"
        );
        emu.set_pool_health(&monitored, Some(true));
        assert_eq!(
            cf.pool_health(&monitored).await.expect("health"),
            Some(true)
        );
        emu.set_pool_health(&monitored, Some(false));
        assert_eq!(
            cf.pool_health(&monitored).await.expect("health"),
            Some(false)
        );
    }

    #[tokio::test]
    async fn cloudflare_client_retries_throttling_and_server_errors() {
        let emu = CloudflareEmulator::start("example.com");
        let cf = client(&emu);
        let monitor_id = cf.create_monitor(&monitor("m")).await.expect("monitor");

        // 429 on create: the request was refused, so it is simply sent again.
        emu.inject(429, 2, "/pools");
        let a = cf
            .create_pool(&pool("a", Some(&monitor_id)))
            .await
            .expect("create after 429s");
        assert_eq!(emu.request_count(&format!("POST {POOLS}")), 3);

        // 503 on reads and updates: retried.
        emu.inject(503, 2, &format!("/monitors/{monitor_id}"));
        assert!(
            cf.get_monitor(&monitor_id)
                .await
                .expect("get after 503s")
                .is_some()
        );
        assert_eq!(
            emu.request_count(&format!("GET {MONITORS}/{{monitor_id}}")),
            3
        );
        emu.inject(500, 1, &format!("/pools/{a}"));
        cf.update_pool(&a, &pool("a", None))
            .await
            .expect("update after 500");
        assert_eq!(emu.request_count(&format!("PUT {POOLS}/{{pool_id}}")), 2);

        // 503 on create that was not applied: look for it, then post again.
        emu.inject_fault(serde_json::json!({"status": 503, "count": 1, "method": "POST", "path_contains": "/pools"}));
        let b = cf
            .create_pool(&pool("b", None))
            .await
            .expect("create after 503");
        assert_eq!(emu.request_count(&format!("POST {POOLS}")), 5);
        assert_eq!(emu.request_count(&format!("GET {POOLS}")), 1);

        // 503 on a create that *was* applied: the existing object is adopted, not duplicated.
        emu.inject_fault(
            serde_json::json!({"status": 503, "count": 1, "method": "POST",
                                            "path_contains": "/monitors", "apply": true}),
        );
        let m2 = cf
            .create_monitor(&monitor("adopted"))
            .await
            .expect("create monitor after 503");
        let state = emu.state();
        let adopted: Vec<_> = state["monitors"]
            .as_array()
            .expect("monitors")
            .iter()
            .filter(|m| m["description"] == "adopted")
            .collect();
        assert_eq!(adopted.len(), 1, "{state}");
        assert_eq!(adopted[0]["id"].as_str(), Some(m2.as_str()));
        assert_eq!(emu.request_count(&format!("POST {MONITORS}")), 2);

        // Retry-After is honoured.
        emu.inject_fault(serde_json::json!({"status": 429, "count": 1, "path_contains": "/pools/", "retry_after": 1}));
        let started = Instant::now();
        assert!(cf.get_pool(&b).await.expect("get").is_some());
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn cloudflare_client_gives_up_on_persistent_throttling_and_outages() {
        let emu = CloudflareEmulator::start("example.com");
        let cf = client(&emu);
        emu.inject(429, 100, "/monitors");
        let err = cf
            .create_monitor(&monitor("m"))
            .await
            .expect_err("throttled");
        assert!(
            matches!(err, CloudflareError::RateLimited { attempts: 4, .. }),
            "{err:?}"
        );
        assert!(err.has_code(971), "{err}");
        assert_eq!(emu.request_count(&format!("POST {MONITORS}")), 4);
        let d = err.to_diagnostic("Cannot create the Cloudflare monitor");
        assert!(d.detail.contains("1200"), "{}", d.detail);

        emu.reset();
        emu.inject(503, 100, "/pools");
        let err = cf.get_pool(&super::hex32()).await.expect_err("outage");
        assert!(
            matches!(err, CloudflareError::Api { status: 503, .. }),
            "{err:?}"
        );
        assert_eq!(emu.request_count(&format!("GET {POOLS}/{{pool_id}}")), 4);
    }

    #[tokio::test]
    async fn cloudflare_client_errors_carry_cloudflare_codes_and_messages() {
        let emu = CloudflareEmulator::start("example.com");
        let cf = client(&emu);
        let err = cf
            .create_pool(&pool("p", Some(&super::hex32())))
            .await
            .expect_err("dangling monitor");
        match &err {
            CloudflareError::Api {
                status: 400,
                errors,
            } => {
                assert_eq!(errors[0].0, 1002);
                assert!(errors[0].1.contains("does not exist"), "{errors:?}");
            }
            other => panic!("unexpected {other:?}"),
        }
        let d = err.to_diagnostic("Cannot create the Cloudflare pool");
        assert_eq!(d.summary, "Cannot create the Cloudflare pool");
        assert!(
            d.detail.contains("(1002)") && d.detail.contains("does not exist"),
            "{}",
            d.detail
        );

        let monitor_id = cf.create_monitor(&monitor("m")).await.expect("monitor");
        let pool_id = cf
            .create_pool(&pool("p", Some(&monitor_id)))
            .await
            .expect("pool");
        let err = cf.delete_monitor(&monitor_id).await.expect_err("in use");
        assert!(
            matches!(err, CloudflareError::Api { status: 412, .. }) && err.has_code(1005),
            "{err:?}"
        );
        assert!(
            err.to_diagnostic("x").detail.contains("referenced"),
            "{err}"
        );

        let wrong = client_with_token(&emu, "wrong-token-do-not-print");
        let err = wrong.get_pool(&pool_id).await.expect_err("auth");
        assert!(
            matches!(err, CloudflareError::Api { status: 403, .. }) && err.has_code(10000),
            "{err:?}"
        );
        let d = err.to_diagnostic("Cannot read the Cloudflare pool");
        assert!(
            d.detail.contains("Authentication error") && d.detail.contains("permission"),
            "{}",
            d.detail
        );
        assert!(!format!("{d:?} {err:?} {wrong:?}").contains("wrong-token-do-not-print"));

        let mut bad_lb = lb(
            "elsewhere.example.org",
            "off",
            &[pool_id.clone(), pool_id.clone()],
        );
        bad_lb.ttl = Some(30);
        let err = cf
            .create_load_balancer(&emu.zone_id, &bad_lb)
            .await
            .expect_err("outside zone");
        assert!(
            err.has_code(1002) && err.to_string().contains("not in zone"),
            "{err}"
        );
    }
}
