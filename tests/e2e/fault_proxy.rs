//! What the reliability tests (fault_storm.rs, crash.rs) share: a handle on the fault-injecting
//! proxy (tests/emulators/fault_proxy.py), and the quickstart configuration
//! (examples/quickstart/main.tf, unchanged) run against moto and the GCP Compute emulator with a
//! proxy in front of each. Leftovers are read from moto and the emulator directly, never through
//! a proxy.

use std::process::Child;

use serde_json::{Value, json};

use crate::gcp_emulator::GcpEmulator;
use crate::harness::{Install, Tf, Workdir, root};
use crate::moto::Moto;

const GCP_NETWORK: &str = "platform";
/// The provider's per-attempt deadline under test (`MULTICLOUD_ATTEMPT_TIMEOUT_SECONDS`); the
/// proxy's slow answers take longer than this.
pub const ATTEMPT_TIMEOUT_SECONDS: &str = "2";
const SLOW_SECONDS: &str = "4";

/// A running fault_proxy.py in front of one upstream; killed on drop.
pub struct FaultProxy {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub name: &'static str,
    addr: String,
    child: Child,
}

impl FaultProxy {
    /// A proxy for `upstream` (`http://127.0.0.1:PORT`) speaking `flavour`'s errors
    /// (`aws`, `gcp`, `azure`, `cloudflare`); it injects nothing until [`FaultProxy::configure`]
    /// sets a rate.
    pub fn start(name: &'static str, upstream: &str, flavour: &str, seed: u64) -> FaultProxy {
        let script = root().join("tests/emulators/fault_proxy.py");
        let (child, url) = crate::emulator::launch("fault proxy", &script, |c| {
            c.args(["--upstream", upstream, "--flavour", flavour])
                .args(["--seed", &seed.to_string(), "--rate", "0"])
                .args(["--slow-seconds", SLOW_SECONDS]);
        });
        let addr = url.trim_start_matches("http://").to_string();
        FaultProxy {
            url,
            name,
            addr,
            child,
        }
    }

    fn control(&self, method: &str, what: &str, body: Option<Value>) -> Value {
        let body = body.map(|b| b.to_string());
        let r = crate::emulator::request(
            &self.addr,
            method,
            &format!("/__fault_proxy/{what}"),
            &[("Content-Type", "application/json")],
            body.as_deref(),
        );
        assert_eq!(r.status, 200, "fault proxy {what}: {}", r.body);
        r.body
    }

    /// `{"rate": 0.2}`, `{"enabled": false}`, `{"hold_at_call": K}` (see the script's doc).
    pub fn configure(&self, cfg: Value) -> Value {
        self.control("POST", "config", Some(cfg))
    }

    /// Calls, faults by kind, retries, repeats, and the held call if any.
    pub fn stats(&self) -> Value {
        self.control("GET", "stats", None)
    }

    /// Lets a held answer go.
    pub fn release(&self) {
        self.control("POST", "release", None);
    }

    /// Counters back to zero.
    pub fn reset(&self) {
        self.control("POST", "reset", None);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// moto and the GCP Compute emulator with a proxy in front of each, for examples/quickstart.
pub struct Rig {
    pub moto: Moto,
    pub gcp: GcpEmulator,
    pub zone_id: String,
    vpc_id: String,
    pub aws_proxy: FaultProxy,
    pub gcp_proxy: FaultProxy,
}

impl Rig {
    pub fn start(seed: u64) -> Rig {
        let moto = Moto::start();
        let zone_id = moto.create_hosted_zone("example.com");
        let vpc_id = moto.create_vpc("10.10.0.0/16");
        let gcp = GcpEmulator::start_with(&["--network", GCP_NETWORK, "--op-polls", "1"]);
        let gcp_base = gcp
            .endpoint
            .strip_suffix("/compute/v1")
            .expect("GCP endpoint ends in /compute/v1")
            .to_string();
        let aws_proxy = FaultProxy::start("aws", &moto.endpoint, "aws", seed);
        let gcp_proxy = FaultProxy::start("gcp", &gcp_base, "gcp", seed.wrapping_add(1));
        Rig {
            moto,
            gcp,
            zone_id,
            vpc_id,
            aws_proxy,
            gcp_proxy,
        }
    }

    pub fn proxies(&self) -> [&FaultProxy; 2] {
        [&self.aws_proxy, &self.gcp_proxy]
    }

    /// examples/quickstart/main.tf in a fresh directory, initialised, whose provider reaches the
    /// clouds through the proxies only.
    pub fn quickstart(&self, tf: Tf) -> Workdir {
        let main_tf = std::fs::read_to_string(root().join("examples/quickstart/main.tf"))
            .expect("examples/quickstart/main.tf");
        let w = Workdir::new(tf, Install::Mirror, &main_tf)
            .env("AWS_ENDPOINT_URL", &self.aws_proxy.url)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("GOOGLE_OAUTH_ACCESS_TOKEN", &self.gcp.token)
            .env(
                "MULTICLOUD_GCP_ENDPOINT",
                &format!("{}/compute/v1", self.gcp_proxy.url),
            )
            .env(
                "MULTICLOUD_ATTEMPT_TIMEOUT_SECONDS",
                ATTEMPT_TIMEOUT_SECONDS,
            )
            .env("TF_VAR_zone_id", &self.zone_id)
            .env("TF_VAR_aws_vpc_id", &self.vpc_id)
            .env("TF_VAR_gcp_project", &self.gcp.project)
            .env("TF_VAR_gcp_network", GCP_NETWORK);
        w.init();
        w
    }

    /// Every object a provider could have left in moto or the emulator, read from them directly.
    pub fn leftovers(&self) -> Vec<String> {
        let mut out = self.moto.leftover_objects(&self.zone_id);
        if self.gcp.object_count() != 0 {
            out.push(format!("GCP: {}", self.gcp.state()));
        }
        out
    }

    /// Objects of the quickstart in the clouds now: (moto objects, GCP objects).
    pub fn object_counts(&self) -> (usize, usize) {
        (
            self.moto.leftover_objects(&self.zone_id).len(),
            self.gcp.object_count(),
        )
    }

    /// Both proxies' counters, summed: calls, injected faults by kind, retries, repeats.
    pub fn totals(&self) -> Value {
        let mut calls = 0;
        let mut retries = 0;
        let mut repeats = 0;
        let mut faults = serde_json::Map::new();
        for p in self.proxies() {
            let s = p.stats();
            calls += s["calls"].as_u64().unwrap_or(0);
            retries += s["retries"].as_u64().unwrap_or(0);
            repeats += s["repeats"].as_u64().unwrap_or(0);
            for (k, v) in s["faults"].as_object().cloned().unwrap_or_default() {
                let n = faults.get(&k).and_then(Value::as_u64).unwrap_or(0);
                faults.insert(k, json!(n + v.as_u64().unwrap_or(0)));
            }
        }
        let injected: u64 = faults.values().filter_map(Value::as_u64).sum();
        json!({"calls": calls, "injected": injected, "faults": faults, "retries": retries, "repeats": repeats})
    }
}
