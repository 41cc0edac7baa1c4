//! Every example under examples/ is runnable: init, validate, apply, an empty second plan, destroy,
//! and nothing left behind in any cloud.
//!
//! The examples take what differs per environment as variables and credentials from the provider's
//! environment variables, as users run them; here both point at local emulators: moto (Route 53 and
//! EC2), the GCP Compute emulator and the Azure network emulator. The latter needs
//! ../shared/api-specs: without it, every example that declares an `azure_*` variable is reported
//! SKIPPED (on stdout and stderr) instead of passing silently.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::azure_emulator::{AzureEmulator, RESOURCE_GROUP};
use crate::both_versions;
use crate::gcp_emulator::GcpEmulator;
use crate::harness::{Install, Tf, Workdir, root};
use crate::moto::Moto;

const GCP_NETWORK: &str = "platform";

fn example_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("main.tf").exists())
        .collect();
    dirs.sort();
    dirs
}

/// Whether the configuration declares a variable whose name starts with `prefix`: the examples
/// name their variables by cloud, so this says which clouds an example needs.
fn declares(main_tf: &str, prefix: &str) -> bool {
    main_tf.contains(&format!("variable \"{prefix}"))
}

/// The lowest Terraform version an example declares (`required_version = ">= X.Y"`), if any.
fn minimum_version(main_tf: &str) -> Option<(u32, u32)> {
    let rest = main_tf.split("required_version = \">= ").nth(1)?;
    let version = rest.split('"').next()?;
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next().flatten().unwrap_or(0)))
}

/// The clouds, started once and shared by all examples (each destroys what it made, and the
/// examples run one after another). One set per Terraform version, as both run in parallel.
struct Clouds {
    moto: Moto,
    zone_id: String,
    vpc_id: String,
    gcp: GcpEmulator,
    /// None without ../shared/api-specs (AzureEmulator has printed SKIPPED).
    azure: Option<AzureEmulator>,
}

impl Clouds {
    fn start() -> Clouds {
        let moto = Moto::start();
        let zone_id = moto.create_hosted_zone("example.com");
        let vpc_id = moto.create_vpc("10.10.0.0/16");
        // One poll per operation: the examples check the resources' wiring, not the waiting, which
        // tests/e2e/vpn.rs covers.
        let gcp = GcpEmulator::start_with(&["--network", GCP_NETWORK, "--op-polls", "1"]);
        // The emulator finishes an operation in one poll and asks for 20 ms between polls
        // (`retry-after-ms`); real Azure's Retry-After is 10 s+.
        let azure = AzureEmulator::start_with(&["--op-polls", "1", "--poll-retry-after-ms", "20"]);
        Clouds {
            moto,
            zone_id,
            vpc_id,
            gcp,
            azure,
        }
    }

    /// A work directory for `main_tf` with the provider's environment variables and a value for
    /// every variable the examples declare (Terraform ignores TF_VAR_s of undeclared ones).
    fn workdir(&self, tf: Tf, main_tf: &str) -> Workdir {
        let mut w = Workdir::new(tf, Install::Mirror, main_tf)
            .env("AWS_ENDPOINT_URL", &self.moto.endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("GOOGLE_OAUTH_ACCESS_TOKEN", &self.gcp.token)
            .env("MULTICLOUD_GCP_ENDPOINT", &self.gcp.endpoint)
            .env("TF_VAR_zone_id", &self.zone_id)
            .env("TF_VAR_aws_vpc_id", &self.vpc_id)
            .env("TF_VAR_gcp_project", &self.gcp.project)
            .env("TF_VAR_gcp_network", GCP_NETWORK);
        if let Some(a) = &self.azure {
            w = w
                .env("ARM_ACCESS_TOKEN", &a.token)
                .env("MULTICLOUD_AZURE_ENDPOINT", &a.endpoint)
                .env("TF_VAR_azure_subscription_id", &a.subscription)
                .env("TF_VAR_azure_resource_group", RESOURCE_GROUP)
                .env("TF_VAR_azure_gateway_subnet_id", &a.gateway_subnet());
        }
        w
    }

    /// VPN objects still present in any cloud.
    fn leftovers(&self) -> Vec<String> {
        crate::vpn::leftovers(Some(&self.moto), Some(&self.gcp), self.azure.as_ref())
    }
}

fn run_example(tf: Tf, clouds: &Clouds, dir: &Path, main_tf: &str) {
    let w = clouds.workdir(tf, main_tf);
    w.init();
    w.ok(&["validate", "-no-color"]);
    w.apply();
    w.assert_plan_empty();
    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert!(
        w.resources().is_empty(),
        "{} left resources after destroy",
        dir.display()
    );
    let left = clouds.leftovers();
    assert!(
        left.is_empty(),
        "{}: destroy left objects behind: {left:#?}",
        dir.display()
    );
}

fn examples_apply_cleanly(tf: Tf) {
    let dirs = example_dirs();
    let names: Vec<String> = dirs
        .iter()
        .filter_map(|d| d.file_name()?.to_str().map(String::from))
        .collect();
    for must in [
        "quickstart",
        "psk",
        "cidr-plan",
        "vpn-gateway",
        "vpn-connection",
        "vpn-aws-azure",
        "vpn-gcp-azure",
        "vpn-connection-write-only",
    ] {
        assert!(
            names.iter().any(|n| n == must),
            "examples/{must} is missing: {names:?}"
        );
    }
    let clouds = Clouds::start();
    let mut skipped = Vec::new();
    for dir in &dirs {
        let main = std::fs::read_to_string(dir.join("main.tf")).unwrap();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        if clouds.azure.is_none() && declares(&main, "azure_") {
            skipped.push(name);
            continue;
        }
        if let Some((major, minor)) = minimum_version(&main) {
            let mut v = tf
                .version()
                .split('.')
                .map(|p| p.parse::<u32>().unwrap_or(0));
            let running = (v.next().unwrap_or(0), v.next().unwrap_or(0));
            if running < (major, minor) {
                // Not skipped for want of anything: this Terraform cannot run it, by its own rule.
                println!(
                    "examples/{name} needs Terraform >= {major}.{minor}; not run on {}",
                    tf.version()
                );
                continue;
            }
        }
        let started = Instant::now();
        run_example(tf, &clouds, dir, &main);
        println!(
            "examples/{name} on Terraform {}: {:.1} s",
            tf.version(),
            started.elapsed().as_secs_f64()
        );
    }
    if !skipped.is_empty() {
        // On both streams, as AzureEmulator does; scripts/test.sh also announces the skip up front
        // because cargo hides a passing test's output.
        let line = format!(
            "SKIPPED on Terraform {}: examples {} need the Azure emulator, and ../shared/api-specs was not found",
            tf.version(),
            skipped.join(", ")
        );
        println!("{line}");
        eprintln!("{line}");
    }
}
both_versions!(examples_apply_cleanly);
