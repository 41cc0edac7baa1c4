//! `scripts/release.sh` makes what a registry or a mirror serves (zips, SHA256SUMS, manifest, a
//! GnuPG signature, a network-mirror layout), and real Terraform installs it the three ways a user
//! would, each from a clean HOME: a filesystem mirror of the zip, a network mirror over HTTPS
//! (a local server with a test CA), and `dev_overrides`.
//!
//! The binary packaged is this test build's, with its debug information stripped (a release
//! build strips it too; the debug build's is 200 MB): the packaging is what is under test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::both_versions;
use crate::harness::{PROVIDER_VERSION, REQUIRED_PROVIDERS, Tf, provider_binary, root};

const ZIP: &str = "terraform-provider-multicloud_0.1.0_linux_amd64.zip";
const SUMS: &str = "terraform-provider-multicloud_0.1.0_SHA256SUMS";
const MANIFEST: &str = "terraform-provider-multicloud_0.1.0_manifest.json";

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run");
    assert!(out.status.success(), "{cmd:?} failed:\n{}", text(&out));
    text(&out)
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// This build's provider without debug information, in `dir`.
fn stripped_binary(dir: &Path) -> PathBuf {
    let bin = dir.join("terraform-provider-multicloud");
    run_ok(
        Command::new("strip")
            .arg("--strip-debug")
            .arg("-o")
            .arg(&bin)
            .arg(provider_binary()),
    );
    bin
}

/// A throwaway GnuPG home with one signing key, as a release manager's keyring would hold it.
/// RSA: Terraform before 1.4 cannot read Ed25519 keys ("public key type: 22").
struct Gnupg {
    home: PathBuf,
}

const SIGNER: &str = "release@example.invalid";

impl Gnupg {
    fn new(dir: &Path) -> Gnupg {
        let home = dir.join("gnupg");
        std::fs::create_dir_all(&home).unwrap();
        // GnuPG refuses a home others can read.
        std::fs::set_permissions(&home, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .unwrap();
        let g = Gnupg { home };
        g.run(&[
            "--quick-gen-key",
            "multicloud release test <release@example.invalid>",
            "rsa3072",
            "sign",
            "never",
        ]);
        g
    }

    fn run(&self, args: &[&str]) -> String {
        run_ok(
            Command::new("gpg")
                .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
                .args(args)
                .env("GNUPGHOME", &self.home),
        )
    }
}

/// The agent GnuPG started for this home would outlive the test.
impl Drop for Gnupg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .args(["--kill", "all"])
            .env("GNUPGHOME", &self.home)
            .output();
    }
}

/// Runs the release script; returns its output directory.
fn release(work: &Path, binary: &Path, gnupg: Option<&Gnupg>, extra: &[&str]) -> PathBuf {
    let out = work.join("dist");
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("scripts/release.sh"))
        .arg("--binary")
        .arg(binary)
        .arg("--out")
        .arg(&out)
        .args(extra);
    if let Some(g) = gnupg {
        cmd.args(["--sign", SIGNER]).env("GNUPGHOME", &g.home);
    }
    run_ok(&mut cmd);
    out
}

/// Terraform's `h1:` hash of a package: over the unpacked files, sorted by name, each as
/// "SHA256HEX  NAME\n" (Go's dirhash.Hash1), base64 of the SHA-256 of those lines.
fn h1_of_zip(zip: &Path, scratch: &Path) -> String {
    let unpacked = scratch.join("unpacked");
    run_ok(
        Command::new("python3")
            .args([
                "-c",
                "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
            ])
            .arg(zip)
            .arg(&unpacked),
    );
    let mut names: Vec<String> = std::fs::read_dir(&unpacked)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let lines: String = names
        .iter()
        .map(|n| {
            let bytes = std::fs::read(unpacked.join(n)).unwrap();
            format!("{}  {n}\n", sha256_hex(&bytes))
        })
        .collect();
    let _ = std::fs::remove_dir_all(&unpacked);
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(lines.as_bytes()))
    )
}

/// The sum SHA256SUMS gives for `name`.
fn sum_of(dist: &Path, name: &str) -> String {
    let sums = std::fs::read_to_string(dist.join(SUMS)).unwrap();
    sums.lines()
        .find_map(|l| l.strip_suffix(&format!("  {name}")))
        .unwrap_or_else(|| panic!("{name} not in SHA256SUMS:\n{sums}"))
        .to_string()
}

#[test]
fn release_is_complete_signed_and_reproducible() {
    let work = tempfile::tempdir().unwrap();
    let bin = stripped_binary(work.path());
    let gnupg = Gnupg::new(work.path());
    let out = release(work.path(), &bin, Some(&gnupg), &[]);

    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [SUMS, format!("{SUMS}.sig").as_str(), ZIP, MANIFEST],
        "release files"
    );
    // The sums are the files' own, one line each for the zip and the manifest.
    for name in [ZIP, MANIFEST] {
        let bytes = std::fs::read(out.join(name)).unwrap();
        assert_eq!(sum_of(&out, name), sha256_hex(&bytes), "{name}");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(MANIFEST)).unwrap()).unwrap();
    assert_eq!(
        manifest,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );
    // The signature verifies, and fails for altered sums.
    let sig = out.join(format!("{SUMS}.sig"));
    gnupg.run(&[
        "--verify",
        sig.to_str().unwrap(),
        out.join(SUMS).to_str().unwrap(),
    ]);
    let altered = work.path().join("altered");
    std::fs::write(
        &altered,
        std::fs::read_to_string(out.join(SUMS))
            .unwrap()
            .replace('a', "b"),
    )
    .unwrap();
    let bad = Command::new("gpg")
        .args(["--batch", "--verify"])
        .arg(&sig)
        .arg(&altered)
        .env("GNUPGHOME", &gnupg.home)
        .output()
        .unwrap();
    assert!(
        !bad.status.success(),
        "a signature over altered sums verified"
    );
    // The zip holds the versioned executable and the licence.
    let listing = run_ok(
        Command::new("python3")
            .args(["-c", "import sys, zipfile\nfor i in zipfile.ZipFile(sys.argv[1]).infolist(): print(i.filename, oct(i.external_attr >> 16))"])
            .arg(out.join(ZIP)),
    );
    assert_eq!(
        listing.trim(),
        format!("terraform-provider-multicloud_v{PROVIDER_VERSION} 0o100755\nLICENSE 0o100644")
    );
    // The same binary packs to the same bytes: the `zh:` hash does not change with the day.
    let first = std::fs::read(out.join(ZIP)).unwrap();
    release(work.path(), &bin, None, &[]);
    assert_eq!(
        sha256_hex(&first),
        sha256_hex(&std::fs::read(out.join(ZIP)).unwrap()),
        "the zip is not reproducible"
    );
    assert!(
        !out.join(format!("{SUMS}.sig")).exists(),
        "a stale signature survived"
    );

    // A binary of another version is refused rather than packaged under this version's name.
    let fake = work.path().join("fake");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'terraform-provider-multicloud v9.9.9 (plugin protocol 6.0)'\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let refused = Command::new("bash")
        .arg(root().join("scripts/release.sh"))
        .arg("--binary")
        .arg(&fake)
        .arg("--out")
        .arg(work.path().join("other"))
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("not version 0.1.0"),
        "{}",
        text(&refused)
    );
}

/// A configuration of one psk from `source`, run with `rc` as the CLI configuration, `env`, and
/// a HOME of its own (empty: nothing installed or cached there).
struct CleanRun<'a> {
    tf: Tf,
    work: tempfile::TempDir,
    home: tempfile::TempDir,
    env: &'a [(&'a str, &'a Path)],
}

impl<'a> CleanRun<'a> {
    fn new(tf: Tf, source: &str, rc: &str, env: &'a [(&'a str, &'a Path)]) -> CleanRun<'a> {
        let work = tempfile::tempdir().unwrap();
        std::fs::write(work.path().join("terraform.rc"), rc).unwrap();
        std::fs::write(
            work.path().join("main.tf"),
            REQUIRED_PROVIDERS.replace("\"multicloud/multicloud\"", &format!("\"{source}\""))
                + "\nresource \"multicloud_psk\" \"k\" {}\n",
        )
        .unwrap();
        CleanRun {
            tf,
            work,
            home: tempfile::tempdir().unwrap(),
            env,
        }
    }

    /// Whether `terraform ARGS` succeeded, and what it printed.
    fn run(&self, args: &[&str]) -> (bool, String) {
        let mut cmd = Command::new(self.tf.binary());
        cmd.args(args)
            .current_dir(self.work.path())
            .env("HOME", self.home.path())
            .env("TF_CLI_CONFIG_FILE", self.work.path().join("terraform.rc"))
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_PLUGIN_CACHE_DIR");
        for (k, v) in self.env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (out.status.success(), text(&out))
    }
}

/// `terraform init` (unless `init` is false) then `apply` of a [`CleanRun`]; returns the lock file.
fn init_and_apply(tf: Tf, source: &str, rc: &str, env: &[(&str, &Path)], init: bool) -> String {
    let w = CleanRun::new(tf, source, rc, env);
    if init {
        let (ok, said) = w.run(&["init", "-input=false", "-no-color"]);
        assert!(ok, "terraform {} init failed:\n{said}", tf.version());
        assert!(said.contains("multicloud/multicloud v0.1.0"), "{said}");
    }
    let (ok, applied) = w.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(
        ok && applied.contains("1 added"),
        "terraform {} apply:\n{applied}",
        tf.version()
    );
    std::fs::read_to_string(w.work.path().join(".terraform.lock.hcl")).unwrap_or_default()
}

/// Every `h1:`/`zh:` hash in a lock file.
fn hashes(lock: &str, scheme: &str) -> Vec<String> {
    lock.split('"')
        .filter(|s| s.starts_with(scheme))
        .map(str::to_string)
        .collect()
}

/// A CA and a certificate for 127.0.0.1 and localhost signed by it, made by OpenSSL.
fn test_ca(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let p = |n: &str| dir.join(n);
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let (ca_key, ca) = crate::harness::self_signed_p256(
        dir,
        "/CN=multicloud test CA",
        &[
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign",
        ],
    );
    run_ok(
        Command::new("openssl")
            .args(["req", "-subj", "/CN=localhost"])
            .args(ec)
            .arg("-keyout")
            .arg(p("server.key"))
            .arg("-out")
            .arg(p("server.csr")),
    );
    std::fs::write(
        p("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run_ok(
        Command::new("openssl")
            .args(["x509", "-req", "-days", "2", "-set_serial", "2"])
            .arg("-in")
            .arg(p("server.csr"))
            .arg("-CA")
            .arg(&ca)
            .arg("-CAkey")
            .arg(&ca_key)
            .arg("-extfile")
            .arg(p("ext.cnf"))
            .arg("-out")
            .arg(p("server.pem")),
    );
    (ca, p("server.pem"), p("server.key"))
}

/// `dir` served over HTTPS with the test CA's certificate; killed on drop.
struct Https {
    url: String,
    child: std::process::Child,
}

impl Https {
    fn serve(dir: &Path, cert: &Path, key: &Path) -> Https {
        let (child, url) = crate::emulator::launch(
            "HTTPS static server",
            &root().join("tests/emulators/https_static.py"),
            |c| {
                c.arg("--dir")
                    .arg(dir)
                    .arg("--cert")
                    .arg(cert)
                    .arg("--key")
                    .arg(key);
            },
        );
        Https { url, child }
    }

    /// `host:port`, with the name the certificate carries.
    fn host(&self) -> String {
        let port = self.url.rsplit(':').next().unwrap_or_default();
        format!("localhost:{port}")
    }
}

impl Drop for Https {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The released package installs the four ways a team would: filesystem mirror, network mirror,
/// private registry, dev_overrides.
fn release_installs_from_mirrors_a_registry_and_dev_overrides(tf: Tf) {
    let work = tempfile::tempdir().unwrap();
    let bin = stripped_binary(work.path());
    let gnupg = Gnupg::new(work.path());
    let (mirror, registry) = (work.path().join("net/site"), work.path().join("reg/site"));
    let dist = release(
        work.path(),
        &bin,
        Some(&gnupg),
        &[
            "--network-mirror",
            mirror.to_str().unwrap(),
            "--registry",
            registry.to_str().unwrap(),
        ],
    );
    let h1 = h1_of_zip(&dist.join(ZIP), work.path());
    let zh = format!("zh:{}", sum_of(&dist, ZIP));
    let (ca, cert, key) = test_ca(work.path());
    let trust_ca = [("SSL_CERT_FILE", ca.as_path())];
    let source = "multicloud/multicloud";

    // 1. A filesystem mirror in the packed layout: the zip as released.
    let fs_mirror = work.path().join("fs-mirror");
    let packed = fs_mirror.join("registry.terraform.io/multicloud/multicloud");
    std::fs::create_dir_all(&packed).unwrap();
    std::fs::copy(dist.join(ZIP), packed.join(ZIP)).unwrap();
    let rc = format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/multicloud/multicloud\"]\n  }}\n}}\n",
        fs_mirror.display()
    );
    let lock = init_and_apply(tf, source, &rc, &[], true);
    assert_eq!(
        hashes(&lock, "h1:"),
        [h1.as_str()],
        "filesystem mirror lock:\n{lock}"
    );

    // 2. A network mirror over HTTPS, trusted through SSL_CERT_FILE (Go's way to add a CA).
    // Terraform checks the download against the mirror's zh: hash but records only h1: (it
    // records zh: for packages whose sums a registry signed: see 3).
    let server = Https::serve(&mirror, &cert, &key);
    let rc = format!(
        "provider_installation {{\n  network_mirror {{\n    url     = \"{}/\"\n    include = [\"registry.terraform.io/multicloud/multicloud\"]\n  }}\n}}\n",
        server.url
    );
    let lock = init_and_apply(tf, source, &rc, &trust_ca, true);
    assert_eq!(
        hashes(&lock, "h1:"),
        [h1.as_str()],
        "network mirror lock:\n{lock}"
    );
    assert!(
        hashes(&lock, "zh:").iter().all(|h| *h == zh),
        "network mirror lock:\n{lock}"
    );
    let fetched = std::fs::read_to_string(work.path().join("net/requests.log")).unwrap();
    assert!(
        fetched.contains(&format!(
            "GET /registry.terraform.io/multicloud/multicloud/{ZIP}"
        )),
        "{fetched}"
    );
    // The mirror's hash is checked: a wrong one stops the install.
    let listing = mirror.join("registry.terraform.io/multicloud/multicloud/0.1.0.json");
    let honest = std::fs::read_to_string(&listing).unwrap();
    std::fs::write(
        &listing,
        honest.replace(&zh, &format!("zh:{}", "0".repeat(64))),
    )
    .unwrap();
    let (accepted, said) = CleanRun::new(tf, "multicloud/multicloud", &rc, &trust_ca).run(&[
        "init",
        "-input=false",
        "-no-color",
    ]);
    assert!(!accepted, "a wrong mirror hash was accepted");
    assert!(said.contains("checksum"), "{said}");
    drop(server);

    // 3. A private registry (static files over HTTPS): the signed sums give the lock file the
    // zip's zh: hash, equal to its SHA256SUMS line, and Terraform names the signing key.
    let server = Https::serve(&registry, &cert, &key);
    let source = format!("{}/multicloud/multicloud", server.host());
    let lock = init_and_apply(tf, &source, "", &trust_ca, true);
    assert!(hashes(&lock, "h1:").contains(&h1), "registry lock:\n{lock}");
    assert!(hashes(&lock, "zh:").contains(&zh), "registry lock:\n{lock}");
    drop(server);

    // 4. dev_overrides pointing at the unpacked release: no init.
    let unpacked = work.path().join("dev");
    run_ok(
        Command::new("python3")
            .args([
                "-c",
                "import os, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nfor i in z.infolist():\n    p = z.extract(i, sys.argv[2]); os.chmod(p, i.external_attr >> 16 & 0o777)",
            ])
            .arg(dist.join(ZIP))
            .arg(&unpacked),
    );
    let rc = format!(
        "provider_installation {{\n  dev_overrides {{\n    \"registry.terraform.io/multicloud/multicloud\" = \"{}\"\n  }}\n}}\n",
        unpacked.display()
    );
    init_and_apply(tf, "multicloud/multicloud", &rc, &[], false);
}
both_versions!(release_installs_from_mirrors_a_registry_and_dev_overrides);

#[test]
fn the_binary_says_its_version() {
    let out = Command::new(provider_binary())
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("terraform-provider-multicloud v{PROVIDER_VERSION} (plugin protocol 6.0)")
    );
}
