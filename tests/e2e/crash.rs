//! Crash consistency (issue #14): examples/quickstart (HA VPN AWS↔GCP, mesh trust, a global
//! hostname on Route 53) applied with real Terraform while the provider process — and, separately,
//! Terraform itself — is killed with SIGKILL at seeded random points. A point is one of the calls
//! a command makes to moto or the GCP emulator: tests/emulators/fault_proxy.py forwards that call
//! (so the cloud has applied it) and holds its answer while the test kills the process, the worst
//! moment for a create, an update or a delete. After each kill the next command must converge:
//!
//! - kills during the **create** of everything: the next `apply` converges, the plan after it is
//!   empty, and `destroy` leaves nothing in moto or the emulator (read directly): whatever a create
//!   made before the kill is found again by its tags or name, never orphaned;
//! - kills during an **update in place** (a backend weight of the global hostname, the GCP routes
//!   the VPN connection announces), at one of the calls that change something: the next `apply`
//!   converges and the plan after it is empty;
//! - kills during **destroy**, at one of the calls that delete something: the next `destroy`
//!   converges and leaves nothing behind.
//!
//! When Terraform is the one killed, its provider must exit by itself within a few seconds (it
//! watches its parent: tfplugin's server/parent_watch.rs); `provider_exits_when_terraform_is_killed`
//! checks that alone, without clouds.
//!
//! `MULTICLOUD_CRASH_POINTS` provider kills during creates (default 6; issue #14 asks for 20, which
//! takes about four times as long), `MULTICLOUD_CRASH_TF_POINTS` Terraform kills (default 2),
//! `MULTICLOUD_CRASH_UPDATE_POINTS` and `MULTICLOUD_CRASH_DESTROY_POINTS` provider kills during
//! updates and destroys (default 3 each), chosen from `MULTICLOUD_CRASH_SEED` (default 14). Each
//! point and its outcome is printed.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fault_proxy::{FaultProxy, Rig};
use crate::harness::{Tf, Workdir};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// splitmix64: the kill points from the seed, with no dependency on a crate's RNG algorithm.
struct Points(u64);

impl Points {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % below.max(1)
    }
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // pid (comm) state ppid …; comm may hold spaces, so read after the last ')'.
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(1))
        .and_then(|p| p.parse::<u32>().ok())
}

/// A live process running this provider (Terraform starts it from
/// .terraform/providers/…/terraform-provider-multicloud_v0.1.0).
fn is_provider(pid: u32) -> bool {
    std::fs::read_link(format!("/proc/{pid}/exe"))
        .unwrap_or_default()
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("terraform-provider-multicloud"))
}

fn pids() -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .collect()
}

/// Provider processes whose parent is `parent`.
fn provider_children(parent: u32) -> Vec<u32> {
    pids()
        .into_iter()
        .filter(|pid| parent_of(*pid) == Some(parent) && is_provider(*pid))
        .collect()
}

/// Provider processes anywhere below `root`, with their parents: Terraform 1.0.3 runs its core in
/// a child of the process started (panicwrap), and that child starts the providers.
fn provider_descendants(root: u32) -> Vec<(u32, u32)> {
    pids()
        .into_iter()
        .filter(|pid| is_provider(*pid))
        .filter_map(|pid| {
            let parent = parent_of(pid)?;
            let mut up = Some(parent);
            for _ in 0..8 {
                match up {
                    Some(p) if p == root => return Some((pid, parent)),
                    Some(p) if p > 1 => up = parent_of(p),
                    _ => return None,
                }
            }
            None
        })
        .collect()
}

fn alive(pid: u32) -> bool {
    // A zombie has no exe link any more.
    std::fs::read_link(format!("/proc/{pid}/exe")).is_ok()
}

fn kill9(pid: u32) {
    let _ = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Victim {
    Provider,
    Terraform,
}

/// Which call of a command a kill waits for (the proxy's `hold_at_call` / `hold_at_write`).
#[derive(Clone, Copy)]
enum At {
    /// The k-th call of any kind.
    Call(u64),
    /// The k-th call that changes something (no GET, no EC2 Describe*).
    Write(u64),
}

/// What happened at one kill point.
struct Kill {
    /// The held call, e.g. `POST / CreateVpnGateway`; None when the command finished first.
    at: Option<String>,
    /// Terraform's exit code after the kill.
    exit: Option<i32>,
    /// For a Terraform kill: how long its provider took to exit by itself.
    provider_exit: Option<Duration>,
}

/// How long a provider may outlive a killed Terraform.
const PROVIDER_EXIT_DEADLINE: Duration = Duration::from_secs(5);

/// Waits for `pids` to exit; the time it took, or None (and they are killed) past the deadline.
fn wait_exit(pids: &[u32]) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < PROVIDER_EXIT_DEADLINE {
        if !pids.iter().any(|p| alive(*p)) {
            return Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    pids.iter().copied().for_each(kill9);
    None
}

/// Starts `terraform args`, waits until `proxy` holds the answer of the chosen call, kills the
/// victim and lets the answer go.
fn run_and_kill(w: &Workdir, proxy: &FaultProxy, at: At, victim: Victim, args: &[&str]) -> Kill {
    proxy.configure(match at {
        At::Call(k) => json!({"hold_at_call": k}),
        At::Write(k) => json!({"hold_at_write": k}),
    });
    let log = w.path().join("killed-command.log");
    let file = std::fs::File::create(&log).expect("command log");
    let mut child: Child = w
        .command(args)
        .stdout(file.try_clone().expect("log handle"))
        .stderr(file)
        .spawn()
        .expect("start terraform");
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut kill = Kill {
        at: None,
        exit: None,
        provider_exit: None,
    };
    loop {
        if let Some(status) = child.try_wait().expect("wait terraform") {
            kill.exit = status.code();
            break;
        }
        let held = proxy.stats()["held"].clone();
        if let Some(what) = held.as_str() {
            kill.at = Some(what.to_string());
            let providers = provider_children(child.id());
            assert!(
                !providers.is_empty(),
                "no provider process under terraform {}",
                child.id()
            );
            match victim {
                Victim::Provider => {
                    providers.iter().copied().for_each(kill9);
                    proxy.release();
                }
                Victim::Terraform => {
                    let _ = child.kill();
                    // Still holding the provider's call: it must go on its own all the same.
                    let exited = wait_exit(&providers);
                    proxy.release();
                    assert!(
                        exited.is_some(),
                        "the provider outlived the killed Terraform by more than {PROVIDER_EXIT_DEADLINE:?} (at {what})"
                    );
                    kill.provider_exit = exited;
                }
            }
            kill.exit = child.wait().expect("wait terraform").code();
            break;
        }
        assert!(
            Instant::now() < deadline,
            "terraform {args:?} neither reached the held call nor finished: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    proxy.configure(json!({"hold_at_call": Value::Null, "hold_at_write": Value::Null}));
    if victim == Victim::Provider && kill.at.is_some() {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        assert_ne!(
            kill.exit,
            Some(0),
            "terraform {args:?} succeeded with its provider killed:\n{text}"
        );
    }
    kill
}

fn check_gone(rig: &Rig, w: &Workdir, what: &str) {
    assert!(w.resources().is_empty(), "{what}: resources left in state");
    let left = rig.leftovers();
    assert!(
        left.is_empty(),
        "{what}: objects left in the clouds (orphans of a killed create?): {left:#?}"
    );
}

const APPLY: &[&str] = &["apply", "-auto-approve", "-input=false", "-no-color"];
const DESTROY: &[&str] = &["destroy", "-auto-approve", "-input=false", "-no-color"];

/// Calls (or writes) each proxy saw since its last reset: (aws, gcp).
fn counted(rig: &Rig, what: &str) -> (u64, u64) {
    let n = |p: &FaultProxy| p.stats()[what].as_u64().unwrap_or(0);
    (n(&rig.aws_proxy), n(&rig.gcp_proxy))
}

fn reset(rig: &Rig) {
    rig.aws_proxy.reset();
    rig.gcp_proxy.reset();
}

/// A point drawn from `points`: the proxy of the cloud whose `k`-th call (of `counts` = (aws, gcp))
/// it is.
fn draw<'a>(rig: &'a Rig, points: &mut Points, counts: (u64, u64)) -> (&'a FaultProxy, u64) {
    let r = 1 + points.next(counts.0 + counts.1);
    if r <= counts.0 {
        (&rig.aws_proxy, r)
    } else {
        (&rig.gcp_proxy, r - counts.0)
    }
}

fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "examples/quickstart/main.tf changed: `{from}` is not there once"
    );
    text.replacen(from, to, 1)
}

/// The quickstart with two attributes that update in place: the Azure backend's weight of the
/// global hostname (its Route 53 records are UPSERTed) and the routes the GCP side of the VPN
/// connection announces (its Cloud Router is patched).
fn updated_quickstart(base: &str) -> String {
    let s = replace_once(
        base,
        r#"address = "20.0.0.30", weight = 50"#,
        r#"address = "20.0.0.30", weight = 80"#,
    );
    replace_once(
        &s,
        "  psk  = multicloud_psk.links[\"aws-gcp\"].result\n",
        "  psk  = multicloud_psk.links[\"aws-gcp\"].result\n  advertised_routes = [\"10.20.0.0/16\"]\n",
    )
}

fn describe(victim: Victim) -> &'static str {
    match victim {
        Victim::Provider => "provider",
        Victim::Terraform => "terraform",
    }
}

fn outcome(kill: &Kill) -> String {
    let exit = kill
        .provider_exit
        .map(|d| format!("; its provider exited by itself {} ms later", d.as_millis()))
        .unwrap_or_default();
    format!(
        "{:<44} exit {:?}{exit}",
        kill.at.as_deref().unwrap_or("(finished first)"),
        kill.exit
    )
}

#[test]
fn quickstart_converges_after_kill_9() {
    let seed: u64 = env_or("MULTICLOUD_CRASH_SEED", 14);
    let provider_points: usize = env_or("MULTICLOUD_CRASH_POINTS", 6);
    let terraform_points: usize = env_or("MULTICLOUD_CRASH_TF_POINTS", 2);
    let update_points: usize = env_or("MULTICLOUD_CRASH_UPDATE_POINTS", 3);
    let destroy_points: usize = env_or("MULTICLOUD_CRASH_DESTROY_POINTS", 3);
    let started = Instant::now();
    let rig = Rig::start(seed);
    let w = rig.quickstart(Tf::V1_15_5);
    let base = std::fs::read_to_string(w.path().join("main.tf")).expect("main.tf");
    let updated = updated_quickstart(&base);

    // Clean runs through the proxies say how many calls each command makes to each cloud: the
    // ranges the kill points are drawn from (all calls of a create; the writes of an update or a
    // destroy, whose reads are the refresh every command starts with).
    reset(&rig);
    w.apply();
    let create_calls = counted(&rig, "calls");
    w.write("main.tf", &updated);
    reset(&rig);
    w.apply();
    let update_writes = counted(&rig, "writes");
    w.assert_plan_empty();
    w.write("main.tf", &base);
    reset(&rig);
    w.apply();
    let revert_writes = counted(&rig, "writes");
    reset(&rig);
    w.ok(DESTROY);
    let destroy_writes = counted(&rig, "writes");
    check_gone(&rig, &w, "clean run");
    println!(
        "crash consistency: seed {seed}; clean runs make (moto, GCP) {create_calls:?} calls to create, \
         {update_writes:?} and {revert_writes:?} writes to update and back, {destroy_writes:?} writes to destroy; \
         {provider_points} provider kills during creates (issue #14: 20 with MULTICLOUD_CRASH_POINTS=20), \
         {terraform_points} Terraform kills, {update_points} provider kills during updates, {destroy_points} during destroys"
    );

    let mut points = Points(seed);
    let mut killed = 0;
    let mut exits = Vec::new();

    // Creates: from nothing, killed anywhere; then apply, an empty plan, destroy, nothing left.
    let victims = std::iter::repeat_n(Victim::Provider, provider_points)
        .chain(std::iter::repeat_n(Victim::Terraform, terraform_points));
    for (i, victim) in victims.enumerate() {
        let (proxy, k) = draw(&rig, &mut points, create_calls);
        let point_started = Instant::now();
        let kill = run_and_kill(&w, proxy, At::Call(k), victim, APPLY);
        let (aws_objects, gcp_objects) = rig.object_counts();
        let state_len = w.resources().len();
        w.apply();
        w.assert_plan_empty();
        w.ok(DESTROY);
        check_gone(&rig, &w, &format!("create kill point {}", i + 1));
        killed += usize::from(kill.at.is_some());
        exits.extend(kill.provider_exit);
        println!(
            "  {:>2}. create:  kill -9 {:<9} at {} call {k:>3}: {}; then {state_len} resources in state, \
             {aws_objects}+{gcp_objects} objects in moto+GCP; re-apply converged, plan empty, destroy left 0 ({:.1} s)",
            i + 1,
            describe(victim),
            proxy.name,
            outcome(&kill),
            point_started.elapsed().as_secs_f64()
        );
    }

    // Updates in place: the configuration goes back and forth between the two versions; each
    // apply is killed at one of its writes, the next one converges and the plan is empty.
    w.apply();
    let mut current = &base;
    for i in 0..update_points {
        let (next, writes) = if current == &base {
            (&updated, update_writes)
        } else {
            (&base, revert_writes)
        };
        w.write("main.tf", next);
        let (proxy, k) = draw(&rig, &mut points, writes);
        let point_started = Instant::now();
        let kill = run_and_kill(&w, proxy, At::Write(k), Victim::Provider, APPLY);
        w.apply();
        w.assert_plan_empty();
        current = next;
        killed += usize::from(kill.at.is_some());
        println!(
            "  {:>2}. update:  kill -9 provider  at {} write {k:>2}: {}; re-apply converged, plan empty ({:.1} s)",
            i + 1,
            proxy.name,
            outcome(&kill),
            point_started.elapsed().as_secs_f64()
        );
    }

    // Destroys: killed at one of their deletes; the next destroy converges and leaves nothing;
    // everything is made again for the next point.
    for i in 0..destroy_points {
        if i > 0 {
            w.apply();
        }
        let (proxy, k) = draw(&rig, &mut points, destroy_writes);
        let point_started = Instant::now();
        let kill = run_and_kill(&w, proxy, At::Write(k), Victim::Provider, DESTROY);
        let (aws_objects, gcp_objects) = rig.object_counts();
        let state_len = w.resources().len();
        w.ok(DESTROY);
        check_gone(&rig, &w, &format!("destroy kill point {}", i + 1));
        killed += usize::from(kill.at.is_some());
        println!(
            "  {:>2}. destroy: kill -9 provider  at {} write {k:>2}: {}; then {state_len} resources in state, \
             {aws_objects}+{gcp_objects} objects in moto+GCP; re-destroy left 0 ({:.1} s)",
            i + 1,
            proxy.name,
            outcome(&kill),
            point_started.elapsed().as_secs_f64()
        );
    }
    if destroy_points == 0 {
        w.ok(DESTROY);
        check_gone(&rig, &w, "after the update points");
    }
    let total = provider_points + terraform_points + update_points + destroy_points;
    println!(
        "crash consistency: {killed} of {total} kill points hit a command in flight, every one converged with 0 objects left; \
         providers of killed Terraforms exited by themselves after {:?} ms ({:.0} s)",
        exits.iter().map(Duration::as_millis).collect::<Vec<_>>(),
        started.elapsed().as_secs_f64()
    );
}

/// kill -9 of Terraform in the middle of an apply (RSA keys being made, no cloud needed): the
/// provider it started must exit by itself within a few seconds, on both Terraform versions.
fn provider_exits_when_terraform_is_killed(tf: Tf) {
    let w = Workdir::new(
        tf,
        crate::harness::Install::Mirror,
        &format!(
            "{}\nresource \"multicloud_mesh_trust\" \"m\" {{\n  count    = 4\n  clusters = {{ a = {{ network = \"a\" }}, b = {{ network = \"b\" }} }}\n}}\n",
            crate::harness::REQUIRED_PROVIDERS
        ),
    );
    w.init();
    let log = w.path().join("apply.log");
    let file = std::fs::File::create(&log).expect("apply log");
    let mut child = w
        .command(APPLY)
        .stdin(Stdio::null())
        .stdout(file.try_clone().expect("log handle"))
        .stderr(file)
        .spawn()
        .expect("start terraform apply");
    let deadline = Instant::now() + Duration::from_secs(60);
    let found = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let found = provider_descendants(child.id());
        if text.contains("Creating...") && !found.is_empty() {
            break found;
        }
        assert!(
            child.try_wait().expect("wait terraform").is_none(),
            "apply ended before it could be killed:\n{text}"
        );
        assert!(Instant::now() < deadline, "apply never started:\n{text}");
        std::thread::sleep(Duration::from_millis(20));
    };
    // Terraform's core is the providers' parent (the started process itself on 1.15.5).
    let providers: Vec<u32> = found.iter().map(|(pid, _)| *pid).collect();
    found.iter().for_each(|(_, parent)| kill9(*parent));
    let _ = child.kill();
    let _ = child.wait();
    let exited = wait_exit(&providers);
    println!(
        "terraform {} killed mid-apply: its provider exited after {:?}",
        tf.version(),
        exited
    );
    assert!(
        exited.is_some(),
        "the provider (pid {providers:?}) was still running {PROVIDER_EXIT_DEADLINE:?} after Terraform was killed"
    );
}
crate::both_versions!(provider_exits_when_terraform_is_killed);
