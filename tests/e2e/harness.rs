//! Drives real Terraform against the real provider binary in throwaway directories.
//!
//! Terraform binaries come from `scripts/install-tools.sh` (`.tools/bin`). The provider is the
//! binary cargo built for this test run, installed into a filesystem mirror (so `terraform init`
//! works as it does for users) or named in `dev_overrides`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub const PROVIDER_VERSION: &str = "0.1.0";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tf {
    V1_0_3,
    V1_15_5,
}

impl Tf {
    pub fn version(self) -> &'static str {
        match self {
            Tf::V1_0_3 => "1.0.3",
            Tf::V1_15_5 => "1.15.5",
        }
    }

    pub fn binary(self) -> PathBuf {
        let p = tools_dir()
            .join("bin")
            .join(format!("terraform-{}", self.version()));
        assert!(
            p.exists(),
            "{} is missing: run scripts/install-tools.sh first (the README's test command does)",
            p.display()
        );
        p
    }
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn tools_dir() -> PathBuf {
    std::env::var_os("MULTICLOUD_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".tools"))
}

pub fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-multicloud"))
}

const MIRROR_PREFIX: &str = "multicloud-mirror-";

/// A filesystem mirror holding this build of the provider (made once per test process).
///
/// A static is never dropped, so the mirror outlives its process: mirrors whose process has
/// ended are swept here, and the provider is hard-linked rather than copied (a debug build is
/// ~700 MB; one copy per test run once filled the disk and failed CI).
pub fn mirror_dir() -> &'static Path {
    static MIRROR: OnceLock<PathBuf> = OnceLock::new();
    MIRROR.get_or_init(|| {
        sweep_ended_mirrors();
        let dir = std::env::temp_dir().join(format!("{MIRROR_PREFIX}{}", std::process::id()));
        let pkg = dir.join(format!(
            "registry.terraform.io/multicloud/multicloud/{PROVIDER_VERSION}/linux_amd64"
        ));
        std::fs::create_dir_all(&pkg).expect("create mirror");
        link_or_copy(
            &provider_binary(),
            &pkg.join(format!("terraform-provider-multicloud_v{PROVIDER_VERSION}")),
        );
        dir
    })
}

/// Removes the mirrors of test processes that are no longer running (best effort).
fn sweep_ended_mirrors() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(MIRROR_PREFIX)) else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A hard link where the file system allows one (free, and Terraform sees a regular file),
/// a copy otherwise (e.g. a target dir on another mount).
fn link_or_copy(from: &Path, to: &Path) {
    let _ = std::fs::remove_file(to);
    if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to).expect("copy provider into mirror");
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Install {
    /// `terraform init` from a filesystem mirror, as users of a released provider do.
    Mirror,
    /// `dev_overrides`: no init needed, as provider developers work.
    DevOverrides,
}

pub struct Workdir {
    pub dir: tempfile::TempDir,
    pub tf: Tf,
    cli_config: PathBuf,
    extra_env: Vec<(String, String)>,
}

pub const REQUIRED_PROVIDERS: &str = r#"terraform {
  required_providers {
    multicloud = {
      source = "multicloud/multicloud"
    }
  }
}
"#;

impl Workdir {
    pub fn new(tf: Tf, install: Install, main_tf: &str) -> Workdir {
        let dir = tempfile::Builder::new()
            .prefix("mc-e2e-")
            .tempdir()
            .expect("tempdir");
        let cli_config = dir.path().join("terraform.rc");
        let rc = match install {
            Install::Mirror => format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/multicloud/multicloud\"]\n  }}\n}}\n",
                mirror_dir().display()
            ),
            Install::DevOverrides => format!(
                "provider_installation {{\n  dev_overrides {{\n    \"registry.terraform.io/multicloud/multicloud\" = \"{}\"\n  }}\n}}\n",
                provider_binary().parent().expect("binary dir").display()
            ),
        };
        std::fs::write(&cli_config, rc).expect("write cli config");
        let w = Workdir {
            dir,
            tf,
            cli_config,
            extra_env: Vec::new(),
        };
        w.write("main.tf", main_tf);
        w
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join(name), text).expect("write config");
    }

    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.extra_env.push((k.into(), v.into()));
        self
    }

    /// The Terraform command [`Workdir::run`] runs, not started: for tests that need its process
    /// (e.g. to kill it, or the provider it starts, part-way).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(self.tf.binary());
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .env("MULTICLOUD_SELF_CHECK", "1")
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PROVIDER")
            // A plugin cache from the environment would bypass the mirror under test.
            .env_remove("TF_PLUGIN_CACHE_DIR");
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let out = self.command(args).output().expect("run terraform");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !text.contains("panic:")
                && !text.contains("panicked")
                && !text.contains("Plugin did not respond"),
            "provider crashed during terraform {args:?}:\n{text}"
        );
        out
    }

    /// Runs and requires success; returns stdout+stderr.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let text = combined(&out);
        assert!(
            out.status.success(),
            "terraform {} {args:?} failed:\n{text}",
            self.tf.version()
        );
        text
    }

    /// Runs and requires failure; returns stdout+stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let text = combined(&out);
        assert!(
            !out.status.success(),
            "terraform {} {args:?} should have failed:\n{text}",
            self.tf.version()
        );
        text
    }

    pub fn init(&self) -> String {
        self.ok(&["init", "-input=false", "-no-color"])
    }

    pub fn apply(&self) -> String {
        self.ok(&["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `plan -detailed-exitcode` must say "no changes" (exit 0).
    pub fn assert_plan_empty(&self) {
        let out = self.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "plan after apply is not empty on terraform {}:\n{}",
            self.tf.version(),
            combined(&out)
        );
    }

    /// The saved plan as JSON (`plan -out` + `show -json`).
    pub fn plan_json(&self) -> serde_json::Value {
        self.ok(&["plan", "-input=false", "-no-color", "-out=tfplan"]);
        let out = self.ok_stdout(&["show", "-json", "tfplan"]);
        serde_json::from_str(&out).expect("plan json")
    }

    pub fn state_json(&self) -> serde_json::Value {
        let out = self.ok_stdout(&["show", "-json"]);
        serde_json::from_str(&out).expect("state json")
    }

    pub fn outputs(&self) -> serde_json::Value {
        serde_json::from_str(&self.ok_stdout(&["output", "-json"])).expect("outputs json")
    }

    pub fn ok_stdout(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "terraform {args:?} failed:\n{}",
            combined(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The planned change (`before`, `after`, `after_unknown`, `actions`) of one resource.
    pub fn planned_change(&self, address: &str) -> serde_json::Value {
        let plan = self.plan_json();
        plan["resource_changes"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["address"] == address))
            .unwrap_or_else(|| panic!("{address} not in the plan: {plan}"))["change"]
            .clone()
    }

    /// The attribute values of one resource in state.
    pub fn state_of(&self, address: &str) -> serde_json::Value {
        self.resources()
            .into_iter()
            .find(|r| r["address"] == address)
            .unwrap_or_else(|| panic!("{address} not in state"))["values"]
            .clone()
    }

    /// Runs `command` (`plan` or `query`) with `-generate-config-out` and returns what Terraform
    /// generated.
    pub fn generated_config(&self, command: &str) -> String {
        // `query` takes no -input; a test's Terraform has no terminal to ask on anyway.
        self.ok(&[command, "-no-color", "-generate-config-out=generated.tf"]);
        std::fs::read_to_string(self.path().join("generated.tf")).expect("generated.tf")
    }

    /// A plan that must fail; its output on one line, for matching messages.
    pub fn plan_error(&self) -> String {
        self.fails(&["plan", "-no-color", "-input=false"])
            .replace('\n', " ")
    }

    /// The resource identity Terraform 1.12+ stores beside one resource's state.
    pub fn identity_of(&self, address: &str) -> serde_json::Value {
        self.resources()
            .into_iter()
            .find(|r| r["address"] == address)
            .unwrap_or_else(|| panic!("{address} not in state"))["identity"]
            .clone()
    }

    /// Resources in state (root module), as `show -json` lists them.
    pub fn resources(&self) -> Vec<serde_json::Value> {
        let s = self.state_json();
        s["values"]["root_module"]["resources"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

/// A self-signed P-256 certificate for `subject` (e.g. `/CN=test CA`) made by OpenSSL in `dir`,
/// with `extra` arguments for `openssl req` (e.g. `-addext` lines); returns (key, certificate).
pub fn self_signed_p256(dir: &Path, subject: &str, extra: &[&str]) -> (PathBuf, PathBuf) {
    let (key, cert) = (dir.join("self-signed.key"), dir.join("self-signed.pem"));
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "2", "-subj", subject])
        .args(extra)
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl req: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (key, cert)
}

pub fn combined(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// One test function per Terraform version, so both show up (and fail) separately.
#[macro_export]
macro_rules! both_versions {
    ($name:ident) => {
        mod $name {
            #[test]
            fn tf_1_0_3() {
                super::$name($crate::harness::Tf::V1_0_3)
            }
            #[test]
            fn tf_1_15_5() {
                super::$name($crate::harness::Tf::V1_15_5)
            }
        }
    };
}
