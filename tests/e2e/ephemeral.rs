//! Ephemeral resources on Terraform 1.15.5: opened for a run, used, closed, and found in no state
//! file, plan file or TRACE log.

use crate::harness::{Install, REQUIRED_PROVIDERS, Tf, Workdir};
use crate::write_only::everything_written;

#[test]
fn ephemeral_psk_is_used_but_never_stored() {
    let log = tempfile::NamedTempFile::new().unwrap();
    // The key reaches a provisioner, which writes it where the test can read it: a stand-in for
    // any consumer of an ephemeral value.
    let config = format!(
        "{REQUIRED_PROVIDERS}\nephemeral \"multicloud_psk\" \"k\" {{\n  length = 40\n}}\n\nresource \"terraform_data\" \"use\" {{\n  provisioner \"local-exec\" {{\n    command = \"printf %s '${{ephemeral.multicloud_psk.k.result}}' > key.txt\"\n  }}\n}}\n"
    );
    let w = Workdir::new(Tf::V1_15_5, Install::Mirror, &config)
        .env("TF_LOG", "TRACE")
        .env("TF_LOG_PATH", log.path().to_str().unwrap());
    w.init();
    w.ok(&["plan", "-no-color", "-input=false", "-out=run.tfplan"]);
    let out = w.ok(&["apply", "-no-color", "-input=false", "run.tfplan"]);
    assert!(out.contains("ephemeral.multicloud_psk.k: Opening"), "{out}");
    assert!(out.contains("ephemeral.multicloud_psk.k: Closing"), "{out}");
    let key = std::fs::read_to_string(w.path().join("key.txt")).expect("key.txt");
    assert_eq!(key.len(), 40, "{key}");
    assert!(
        multicloud_provider::resources::psk::check_key(&key).is_none(),
        "{key}"
    );
    assert!(!out.contains(&key), "the apply output shows the key");
    assert!(
        !everything_written(w.path(), log.path()).contains(&key),
        "the key leaked into state, a plan file or the log"
    );

    // Bad input names the attribute.
    w.write("main.tf", &config.replace("length = 40", "length = 4"));
    let err = w.fails(&["validate", "-no-color"]).replace('\n', " ");
    assert!(
        err.contains("length must be a whole number from 8 to 64; got 4"),
        "{err}"
    );
}

/// What a SigV4 signer other than ours (botocore's, from moto's Python) signs for the same
/// presigned request: the signature an EKS authenticator (via STS) would accept.
fn botocore_signature(url: &str, cluster: &str) -> String {
    let script = r#"
import datetime as dt, sys, urllib.parse
import botocore.auth as ba
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url, cluster = sys.argv[1], sys.argv[2]
u = urllib.parse.urlsplit(url)
q = urllib.parse.parse_qs(u.query)
# Sign at the moment the URL was signed: botocore asks this function for the time.
fixed = dt.datetime.strptime(q["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")
ba.get_current_datetime = lambda *args, **kwargs: fixed
request = AWSRequest(method="GET", url=f"{u.scheme}://{u.netloc}/?Action=GetCallerIdentity&Version=2011-06-15",
                     headers={"x-k8s-aws-id": cluster})
ba.SigV4QueryAuth(Credentials("testing", "testing"), "sts", "us-east-1", expires=60).add_auth(request)
print(urllib.parse.parse_qs(urllib.parse.urlsplit(request.url).query)["X-Amz-Signature"][0])
"#;
    let python = crate::harness::tools_dir().join("venv/bin/python");
    let out = std::process::Command::new(python)
        .args(["-c", script, url, cluster])
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn eks_cluster_auth_gives_a_working_token_and_stores_nothing() {
    let moto = crate::moto::Moto::start_with_eks_ca();
    let ca = moto.create_eks_cluster("platform-eks");
    let ca_pem = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &ca).unwrap(),
    )
    .unwrap();
    let log = tempfile::NamedTempFile::new().unwrap();
    let config = format!(
        "{REQUIRED_PROVIDERS}\n{}\nephemeral \"multicloud_cluster_auth\" \"eks\" {{\n  cloud = \"aws\"\n  name  = \"platform-eks\"\n}}\n\n\
         resource \"terraform_data\" \"use\" {{\n  provisioner \"local-exec\" {{\n    command = \"printf %s '${{ephemeral.multicloud_cluster_auth.eks.host}}' > host.txt; printf %s '${{ephemeral.multicloud_cluster_auth.eks.cluster_ca_certificate}}' > ca.pem; printf %s '${{ephemeral.multicloud_cluster_auth.eks.token}}' > token.txt; printf %s '${{ephemeral.multicloud_cluster_auth.eks.expires_at}}' > expires.txt\"\n  }}\n}}\n",
        moto.provider_hcl()
    );
    let w = Workdir::new(Tf::V1_15_5, Install::Mirror, &config)
        .env("TF_LOG", "TRACE")
        .env("TF_LOG_PATH", log.path().to_str().unwrap());
    w.init();
    w.ok(&["plan", "-no-color", "-input=false", "-out=run.tfplan"]);
    w.ok(&["apply", "-no-color", "-input=false", "run.tfplan"]);
    let read = |f: &str| std::fs::read_to_string(w.path().join(f)).expect(f);
    assert!(
        read("host.txt").starts_with("https://"),
        "{}",
        read("host.txt")
    );
    assert_eq!(read("ca.pem"), ca_pem, "the CA is EKS's, decoded");
    let token = read("token.txt");
    let url = multicloud_provider::clients::eks::url_of(&token).expect("a k8s-aws-v1 token");
    assert!(
        url.starts_with(&format!(
            "{}/?Action=GetCallerIdentity&Version=2011-06-15&",
            moto.endpoint
        )),
        "{url}"
    );
    assert!(url.contains("X-Amz-Expires=60"), "{url}");
    assert!(
        url.contains("X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"),
        "{url}"
    );
    let signature = url.split("X-Amz-Signature=").nth(1).expect("signature");
    // A second later, so that a signer reading the clock instead of the URL's time would differ.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(
        signature,
        botocore_signature(&url, "platform-eks"),
        "botocore signs differently"
    );
    // What the cluster's authenticator does with the token: STS answers the presigned call.
    let path = url.trim_start_matches(&moto.endpoint);
    let (status, body) = moto
        .request(
            "GET",
            path,
            &[
                // Routing only: see moto.rs on query-signed requests.
                (
                    "Authorization",
                    "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0",
                ),
                ("x-k8s-aws-id", "platform-eks"),
            ],
            "",
        )
        .expect("call STS");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("GetCallerIdentityResult"), "{body}");
    let expires = time::OffsetDateTime::parse(
        &read("expires.txt"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("expires_at");
    let left = expires - time::OffsetDateTime::now_utc();
    assert!(
        left > time::Duration::minutes(12) && left <= time::Duration::minutes(14),
        "{left}"
    );
    assert!(
        !everything_written(w.path(), log.path()).contains(&token),
        "the token leaked into state, a plan file or the log"
    );

    // A cluster EKS does not have is named.
    w.write(
        "main.tf",
        &config.replace("name  = \"platform-eks\"", "name  = \"nope\""),
    );
    let err = w
        .fails(&["apply", "-auto-approve", "-no-color", "-input=false"])
        .replace('\n', " ");
    assert!(err.contains("EKS has no cluster named nope"), "{err}");
}

#[test]
fn gke_cluster_auth_gives_host_ca_and_token_and_stores_nothing() {
    let gke = crate::gke_emulator::GkeEmulator::start();
    let ca_pem = gke.seed_cluster(
        "europe-west1",
        "platform-gke",
        serde_json::json!({"endpoint": "34.118.0.20", "privateEndpoint": "10.20.0.2"}),
    );
    let log = tempfile::NamedTempFile::new().unwrap();
    // The token comes from the environment, so that finding it anywhere written is a leak.
    let config = format!(
        "{REQUIRED_PROVIDERS}\nprovider \"multicloud\" {{\n  gcp {{\n    project            = \"{}\"\n    container_endpoint = \"{}\"\n  }}\n}}\n\n\
         ephemeral \"multicloud_cluster_auth\" \"gke\" {{\n  cloud  = \"gcp\"\n  name   = \"platform-gke\"\n  region = \"europe-west1\"\n}}\n\n\
         resource \"terraform_data\" \"use\" {{\n  provisioner \"local-exec\" {{\n    command = \"printf %s '${{ephemeral.multicloud_cluster_auth.gke.host}}' > host.txt; printf %s '${{ephemeral.multicloud_cluster_auth.gke.cluster_ca_certificate}}' > ca.pem; printf %s '${{ephemeral.multicloud_cluster_auth.gke.token}}' > token.txt; printf %s '${{coalesce(ephemeral.multicloud_cluster_auth.gke.expires_at, \"unknown\")}}' > expires.txt\"\n  }}\n}}\n",
        gke.project, gke.endpoint
    );
    let w = Workdir::new(Tf::V1_15_5, Install::Mirror, &config)
        .env("GOOGLE_OAUTH_ACCESS_TOKEN", &gke.token)
        .env("TF_LOG", "TRACE")
        .env("TF_LOG_PATH", log.path().to_str().unwrap());
    w.init();
    w.ok(&["plan", "-no-color", "-input=false", "-out=run.tfplan"]);
    w.ok(&["apply", "-no-color", "-input=false", "run.tfplan"]);
    let read = |f: &str| std::fs::read_to_string(w.path().join(f)).expect(f);
    assert_eq!(read("host.txt"), "https://34.118.0.20");
    assert_eq!(read("ca.pem"), ca_pem, "the CA is GKE's, decoded");
    assert_eq!(
        read("token.txt"),
        gke.token,
        "GKE takes the Google access token"
    );
    assert_eq!(
        read("expires.txt"),
        "unknown",
        "a bare token's lifetime is not known"
    );
    let requests = gke.requests();
    let reads: Vec<&serde_json::Value> = requests.as_array().unwrap().iter().collect();
    assert!(!reads.is_empty(), "GKE was never asked");
    for r in &reads {
        assert_eq!(r["authorized"], true, "{r}");
        assert_eq!(
            r["path"],
            format!(
                "/v1/projects/{}/locations/europe-west1/clusters/platform-gke",
                gke.project
            ),
            "{r}"
        );
    }
    assert!(
        !everything_written(w.path(), log.path()).contains(&gke.token),
        "the token leaked into state, a plan file or the log"
    );

    // A private cluster's internal endpoint, on request.
    let private = config.replace(
        "region = \"europe-west1\"\n",
        "region = \"europe-west1\"\n  private_endpoint = true\n",
    );
    w.write("main.tf", &private);
    w.ok(&[
        "apply",
        "-auto-approve",
        "-no-color",
        "-input=false",
        "-replace=terraform_data.use",
    ]);
    assert_eq!(read("host.txt"), "https://10.20.0.2");

    // A cluster GKE does not have is named; so is a GKE-only attribute given for EKS.
    w.write(
        "main.tf",
        &config.replace("name   = \"platform-gke\"", "name   = \"nope\""),
    );
    let err = w
        .fails(&[
            "apply",
            "-auto-approve",
            "-no-color",
            "-input=false",
            "-replace=terraform_data.use",
        ])
        .replace('\n', " ");
    assert!(
        err.contains(&format!(
            "GKE has no cluster named nope in europe-west1 of project {}",
            gke.project
        )),
        "{err}"
    );
    w.write(
        "main.tf",
        &config.replace("cloud  = \"gcp\"", "cloud  = \"aws\"\n  project = \"p\""),
    );
    let err = w.fails(&["validate", "-no-color"]).replace('\n', " ");
    assert!(
        err.contains("project is read only for cloud gcp; this cluster's cloud is aws"),
        "{err}"
    );
    assert!(
        err.contains("ephemeral.multicloud_cluster_auth.gke") || err.contains("project"),
        "{err}"
    );
}
