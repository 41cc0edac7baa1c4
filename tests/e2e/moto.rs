//! moto, the AWS emulator from PyPI (`scripts/install-tools.sh` puts `moto_server` into
//! `.tools/venv`), as a local Route 53: one server per test on a free loopback port, killed on
//! drop. Below it, the Route 53 client's tests against it.
//!
//! moto checks no signatures: any access key works, and requests made here carry a dummy SigV4
//! header only so that moto can tell which service is meant. It is also EC2 for the VPN tests,
//! where it ignores VPN tunnel options (every connection gets the same canned configuration
//! document, keys included) and tag filters on DescribeCustomerGateways.
//!
//! More quirks, found by the EKS and drill tests:
//! - moto serves the Route 53 API but no DNS: `Moto::start_dns` answers for its zones
//!   (tests/emulators/route53_dns.py), and moto's health checks are never probed.
//! - an EKS cluster's certificate authority is a random string, not base64 of a PEM certificate:
//!   `Moto::start_with_eks_ca` runs moto with real CAs (tests/emulators/moto_eks.py).
//! - a query-signed request (a presigned URL: no Authorization header) is taken for S3: moto's
//!   server finds the service from the Authorization header's credential scope only, not from the
//!   query's `X-Amz-Credential` nor the Host. The STS call inside an EKS token is therefore sent
//!   with a routing-only Authorization header naming `sts` (moto checks no signature either way).
//! - Route 53 CREATE of a record exactly as an earlier CREATE made it (its change journal) fails
//!   with "already exists" whenever any record of that name and type is there, set identifier
//!   ignored: a deleted failover record cannot be created again beside its partner. Real Route 53
//!   accepts it; the global_lb repair UPSERTs missing records, which both accept
//!   (tests/e2e/global_lb.rs deletes one such record out of band).
//! - CreateHealthCheck ignores the CallerReference: the same request sent twice (the SDK's retry
//!   after a reset connection, tests/e2e/fault_storm.rs) makes two checks, where Route 53 returns
//!   the first. The global_lb destroy also removes such twins by their caller reference.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use multicloud_provider::config::{AwsSettings, Setting};

use crate::harness::tools_dir;

/// How long moto may take to import and listen (it takes 1-3 s on an idle machine).
const STARTUP: Duration = Duration::from_secs(30);
const DUMMY_AUTH: &str = "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/route53/aws4_request, SignedHeaders=host, Signature=0";

pub struct Moto {
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    child: Child,
    log: tempfile::NamedTempFile,
}

/// DNS answers for moto's Route 53 zones (tests/emulators/route53_dns.py): moto serves only the
/// API. Stops with the value.
pub struct Route53Dns {
    /// `127.0.0.1:PORT` (UDP).
    pub addr: String,
    child: Child,
}

impl Drop for Route53Dns {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// Starts answering DNS for this moto's zones; inversions reach the answers `delay` later.
    pub fn start_dns(&self, delay: std::time::Duration) -> Route53Dns {
        let python = tools_dir().join("venv").join("bin").join("python");
        let script = crate::harness::root().join("tests/emulators/route53_dns.py");
        let (child, url) = crate::emulator::launch_with(&python, "Route 53 DNS", &script, |c| {
            c.args(["--moto", &self.endpoint])
                .args(["--delay", &delay.as_secs_f64().to_string()]);
        });
        Route53Dns {
            addr: url.trim_start_matches("udp://").to_string(),
            child,
        }
    }

    /// Starts `moto_server` on a free port and waits until it answers.
    pub fn start() -> Moto {
        let bin = tools_dir().join("venv").join("bin").join("moto_server");
        Self::start_command(|| Command::new(&bin))
    }

    /// moto with EKS clusters that carry a real certificate authority (tests/emulators/moto_eks.py):
    /// moto's own is a random string, not base64 of a PEM certificate.
    pub fn start_with_eks_ca() -> Moto {
        let python = tools_dir().join("venv").join("bin").join("python");
        let script = crate::harness::root().join("tests/emulators/moto_eks.py");
        Self::start_command(|| {
            let mut c = Command::new(&python);
            c.arg(&script);
            c
        })
    }

    fn start_command(command: impl Fn() -> Command) -> Moto {
        let bin = tools_dir().join("venv").join("bin").join("moto_server");
        assert!(
            bin.exists(),
            "{} is missing: run scripts/install-tools.sh first",
            bin.display()
        );
        // Another process may take the port between our probe and moto's bind: try again then.
        let mut last_log = String::new();
        for _ in 0..3 {
            let port = free_port();
            let log = tempfile::Builder::new()
                .prefix("moto-")
                .suffix(".log")
                .tempfile()
                .expect("moto log file");
            let child = command()
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(log.reopen().expect("reopen moto log"))
                .stderr(log.reopen().expect("reopen moto log"))
                .spawn()
                .expect("spawn moto_server");
            let mut moto = Moto {
                endpoint: format!("http://127.0.0.1:{port}"),
                child,
                log,
            };
            let deadline = Instant::now() + STARTUP;
            while Instant::now() < deadline {
                if moto.request("GET", "/moto-api/", &[], "").is_ok() {
                    return moto;
                }
                if let Ok(Some(_)) = moto.child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            last_log = moto.log_text();
        }
        panic!("moto_server did not start; its output:\n{last_log}");
    }

    /// Forgets every zone, record and health check.
    pub fn reset(&self) {
        let (status, body) = self
            .request("POST", "/moto-api/reset", &[], "")
            .expect("reset moto");
        assert_eq!(status, 200, "moto reset: {body}");
    }

    /// Creates a public hosted zone and returns its id (without the `/hostedzone/` prefix).
    pub fn create_hosted_zone(&self, name: &str) -> String {
        let body = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Name>{name}</Name><CallerReference>{name}-{:?}</CallerReference></CreateHostedZoneRequest>"#,
            Instant::now()
        );
        let (status, text) = self
            .request(
                "POST",
                "/2013-04-01/hostedzone",
                &[
                    ("Authorization", DUMMY_AUTH),
                    ("Content-Type", "application/xml"),
                ],
                &body,
            )
            .expect("create hosted zone");
        assert_eq!(status, 201, "CreateHostedZone {name}: {text}");
        let id = text
            .split_once("<Id>")
            .and_then(|(_, rest)| rest.split_once("</Id>"))
            .map(|(id, _)| id.trim_start_matches("/hostedzone/").to_string());
        id.unwrap_or_else(|| panic!("no zone id in {text}"))
    }

    /// An EKS cluster as `aws eks create-cluster` makes it; returns its certificate authority as
    /// EKS gives it (base64 of a PEM).
    pub fn create_eks_cluster(&self, name: &str) -> String {
        let body = format!(
            r#"{{"name":"{name}","roleArn":"arn:aws:iam::123456789012:role/eks","resourcesVpcConfig":{{"subnetIds":[]}}}}"#
        );
        let auth = DUMMY_AUTH.replace("/route53/", "/eks/");
        let (status, text) = self
            .request(
                "POST",
                "/clusters",
                &[
                    ("Authorization", &auth),
                    ("Content-Type", "application/json"),
                ],
                &body,
            )
            .expect("create EKS cluster");
        assert_eq!(status, 200, "CreateCluster {name}: {text}");
        let v: serde_json::Value = serde_json::from_str(&text).expect("CreateCluster JSON");
        v["cluster"]["certificateAuthority"]["data"]
            .as_str()
            .expect("certificate authority")
            .to_string()
    }

    /// A virtual private gateway made by hand (not by this provider), attached to `vpc` and named
    /// by its Name tag; returns its id.
    pub fn hand_built_vgw(&self, vpc: &str, name: &str) -> String {
        let made = self.ec2_query("CreateVpnGateway", "Type=ipsec.1&AmazonSideAsn=64600");
        let id = made
            .split_once("<vpnGatewayId>")
            .and_then(|(_, rest)| rest.split_once("</vpnGatewayId>"))
            .map(|(id, _)| id.to_string())
            .unwrap_or_else(|| panic!("no VGW id in {made}"));
        self.ec2_query(
            "AttachVpnGateway",
            &format!("VpnGatewayId={id}&VpcId={vpc}"),
        );
        self.ec2_query(
            "CreateTags",
            &format!("ResourceId.1={id}&Tag.1.Key=Name&Tag.1.Value={name}"),
        );
        id
    }

    /// How many of the account's Route 53 health checks are inverted (a drill's mark).
    pub fn inverted_health_checks(&self) -> usize {
        let (status, text) = self
            .request(
                "GET",
                "/2013-04-01/healthcheck",
                &[("Authorization", DUMMY_AUTH)],
                "",
            )
            .expect("list health checks");
        assert_eq!(status, 200, "ListHealthChecks: {text}");
        assert!(text.contains("<HealthCheck>"), "no health checks: {text}");
        text.matches("<Inverted>true</Inverted>").count()
    }

    /// A VPC (EC2 query API), for VPN gateways to attach to; returns its id.
    pub fn create_vpc(&self, cidr: &str) -> String {
        let text = self.ec2_query(
            "CreateVpc",
            &format!("CidrBlock={}", cidr.replace('/', "%2F")),
        );
        text.split_once("<vpcId>")
            .and_then(|(_, rest)| rest.split_once("</vpcId>"))
            .map(|(id, _)| id.to_string())
            .unwrap_or_else(|| panic!("no vpc id in {text}"))
    }

    /// Provider settings that reach this moto.
    pub fn aws_settings(&self) -> AwsSettings {
        AwsSettings {
            region: Setting::Set("us-east-1".into()),
            profile: Setting::Unset,
            access_key: Setting::Set("testing".into()),
            secret_key: Setting::Set("testing".into()),
            endpoint: Setting::Set(self.endpoint.clone()),
        }
    }

    /// The VPN connections this provider made in moto (us-east-1), through its own EC2 client.
    pub fn vpn_connections(&self) -> Vec<multicloud_provider::clients::ec2::VpnConnection> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        rt.block_on(async {
            let ec2 = multicloud_provider::clients::ec2::Ec2::connect(
                &self.aws_settings(),
                Some("us-east-1"),
            )
            .await
            .expect("EC2 client for moto");
            ec2.list_tagged_vpn_connections()
                .await
                .expect("list VPN connections")
        })
    }

    /// The tunnel keys moto reports for a VPN connection, read from the raw DescribeVpnConnections
    /// answer (the configuration document arrives XML-escaped inside it): the expectation for an
    /// import, found without the provider's code.
    pub fn tunnel_keys(&self, vpn_id: &str) -> Vec<String> {
        let text = self.ec2_query(
            "DescribeVpnConnections",
            &format!("VpnConnectionId.1={vpn_id}"),
        );
        text.split("&lt;pre_shared_key&gt;")
            .skip(1)
            .filter_map(|rest| rest.split_once("&lt;/pre_shared_key&gt;"))
            .map(|(key, _)| key.trim().to_string())
            .collect()
    }

    /// One EC2 query API call (`Action=ACTION&PARAMS`); the answer's XML, after asserting 200.
    fn ec2_query(&self, action: &str, params: &str) -> String {
        let auth = DUMMY_AUTH.replace("/route53/", "/ec2/");
        let body = format!("Action={action}&Version=2016-11-15&{params}");
        let (status, text) = self
            .request(
                "POST",
                "/",
                &[
                    ("Authorization", &auth),
                    ("Content-Type", "application/x-www-form-urlencoded"),
                ],
                &body,
            )
            .expect(action);
        assert_eq!(status, 200, "{action}: {text}");
        text
    }

    /// What a provider could have left here, read straight from moto (not through the provider's
    /// clients nor any proxy): virtual private gateways, customer gateways and VPN connections not
    /// deleted, record sets of `zone_id` other than its NS and SOA, and every health check.
    /// One line per object.
    pub fn leftover_objects(&self, zone_id: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (action, id_tag) in [
            ("DescribeVpnGateways", "vpnGatewayId"),
            ("DescribeCustomerGateways", "customerGatewayId"),
            ("DescribeVpnConnections", "vpnConnectionId"),
        ] {
            let text = self.ec2_query(action, "");
            // Each object is an <item> whose first child is its id; its own <state> follows
            // before any nested item (attachments, tunnels) closes.
            for chunk in text.split(&format!("<{id_tag}>")).skip(1) {
                let id = chunk.split('<').next().unwrap_or_default();
                let state = chunk
                    .split_once("<state>")
                    .and_then(|(_, r)| r.split_once("</state>"))
                    .map_or("", |(s, _)| s);
                // A VPN connection names its customer gateway and VGW by id too: only an item
                // that carries its own state counts, and deleted ones stay listed for a while.
                if !state.is_empty() && state != "deleted" && state != "deleting" {
                    out.push(format!("EC2 {action}: {id} ({state})"));
                }
            }
        }
        let (_, records) = self
            .request(
                "GET",
                &format!("/2013-04-01/hostedzone/{zone_id}/rrset"),
                &[("Authorization", DUMMY_AUTH)],
                "",
            )
            .expect("list record sets");
        for rrset in records.split("<ResourceRecordSet>").skip(1) {
            let field = |tag: &str| {
                rrset
                    .split_once(&format!("<{tag}>"))
                    .and_then(|(_, r)| r.split_once(&format!("</{tag}>")))
                    .map_or(String::new(), |(v, _)| v.to_string())
            };
            let kind = field("Type");
            if kind != "NS" && kind != "SOA" {
                out.push(format!(
                    "Route 53 record {} {kind} {}",
                    field("Name"),
                    field("SetIdentifier")
                ));
            }
        }
        let (_, checks) = self
            .request(
                "GET",
                "/2013-04-01/healthcheck",
                &[("Authorization", DUMMY_AUTH)],
                "",
            )
            .expect("list health checks");
        for check in checks.split("<HealthCheck>").skip(1) {
            let id = check
                .split_once("<Id>")
                .and_then(|(_, r)| r.split_once("</Id>"))
                .map_or("", |(v, _)| v);
            out.push(format!("Route 53 health check {id}"));
        }
        out
    }

    /// The same as a provider block, for Terraform configurations.
    pub fn provider_hcl(&self) -> String {
        format!(
            "provider \"multicloud\" {{\n  aws {{\n    region     = \"us-east-1\"\n    access_key = \"testing\"\n    secret_key = \"testing\"\n    endpoint   = \"{}\"\n  }}\n}}\n",
            self.endpoint
        )
    }

    /// What moto printed so far (its request log), for failure messages.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// One HTTP/1.1 request; returns the status and the body.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> std::io::Result<(u16, String)> {
        let addr = self.endpoint.trim_start_matches("http://");
        let mut s = TcpStream::connect(addr)?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            head.push_str(&format!("Host: {addr}\r\n"));
        }
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes())?;
        s.write_all(body.as_bytes())?;
        let mut raw = String::new();
        s.read_to_string(&mut raw)?;
        let status = raw
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("not HTTP: {raw:.80}")))?;
        let body = raw
            .split_once("\r\n\r\n")
            .map_or(String::new(), |(_, b)| b.to_string());
        Ok((status, body))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a free port")
        .port()
}

mod route53_client {
    use std::time::Duration;

    use multicloud_provider::clients::route53::{
        ChangeAction, FailoverRole, HealthCheckSpec, HealthProtocol, RecordChange, RecordSet,
        Route53, Route53Error, Routing,
    };
    use tokio_util::sync::CancellationToken;

    use super::Moto;

    const WAIT: Duration = Duration::from_secs(30);

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime")
    }

    fn connect(rt: &tokio::runtime::Runtime, moto: &Moto) -> Route53 {
        rt.block_on(Route53::connect(&moto.aws_settings()))
            .expect("connect to moto")
    }

    fn record(
        name: &str,
        kind: &str,
        set: Option<&str>,
        values: &[&str],
        routing: Routing,
    ) -> RecordSet {
        RecordSet {
            name: name.into(),
            record_type: kind.into(),
            set_identifier: set.map(str::to_owned),
            ttl: Some(60),
            values: values.iter().map(|v| v.to_string()).collect(),
            health_check_id: None,
            routing,
        }
    }

    fn change(action: ChangeAction, record: &RecordSet) -> RecordChange {
        RecordChange {
            action,
            record: record.clone(),
        }
    }

    fn sorted(mut rs: Vec<RecordSet>) -> Vec<RecordSet> {
        rs.sort_by(|a, b| {
            (&a.record_type, &a.set_identifier).cmp(&(&b.record_type, &b.set_identifier))
        });
        rs
    }

    fn spec(protocol: HealthProtocol, ip: Option<&str>, fqdn: Option<&str>) -> HealthCheckSpec {
        HealthCheckSpec {
            protocol,
            ip_address: ip.map(str::to_owned),
            fqdn: fqdn.map(str::to_owned),
            port: 80,
            path: None,
            interval_seconds: 30,
            failure_threshold: 3,
        }
    }

    #[test]
    fn hosted_zone_lookup_finds_the_zone_or_none() {
        let moto = Moto::start();
        let zone = moto.create_hosted_zone("example.com");
        let rt = runtime();
        let r53 = connect(&rt, &moto);
        assert_eq!(
            rt.block_on(r53.hosted_zone_name(&zone)).unwrap(),
            Some("example.com.".to_string())
        );
        assert_eq!(
            rt.block_on(r53.hosted_zone_name(&format!("/hostedzone/{zone}")))
                .unwrap(),
            Some("example.com.".to_string())
        );
        assert_eq!(
            rt.block_on(r53.hosted_zone_name("Z0000000000NOTHERE"))
                .unwrap(),
            None
        );
        moto.reset();
        assert_eq!(rt.block_on(r53.hosted_zone_name(&zone)).unwrap(), None);
    }

    #[test]
    fn health_checks_read_back_exactly_as_created_and_delete_twice() {
        let moto = Moto::start();
        let rt = runtime();
        let r53 = connect(&rt, &moto);
        let specs = [
            HealthCheckSpec {
                port: 8080,
                path: Some("/healthz".into()),
                ..spec(HealthProtocol::Http, Some("192.0.2.10"), None)
            },
            HealthCheckSpec {
                port: 443,
                path: Some("/".into()),
                interval_seconds: 10,
                failure_threshold: 1,
                ..spec(HealthProtocol::Https, None, Some("origin.example.net"))
            },
            HealthCheckSpec {
                port: 5432,
                interval_seconds: 10,
                failure_threshold: 10,
                ..spec(HealthProtocol::Tcp, Some("192.0.2.11"), None)
            },
            spec(HealthProtocol::Tcp, None, Some("db.example.net")),
            // Both: Route 53 connects to the IP and sends the name as Host header.
            spec(
                HealthProtocol::Http,
                Some("192.0.2.12"),
                Some("www.example.net"),
            ),
        ];
        let mut ids = Vec::new();
        for (i, s) in specs.iter().enumerate() {
            let id = rt
                .block_on(r53.create_health_check(&format!("test-{i}"), s))
                .unwrap();
            assert_eq!(
                rt.block_on(r53.get_health_check(&id)).unwrap().as_ref(),
                Some(s),
                "health check {i} read back differently"
            );
            ids.push(id);
        }
        for id in &ids {
            rt.block_on(r53.delete_health_check(id)).unwrap();
            rt.block_on(r53.delete_health_check(id)).unwrap();
            assert_eq!(rt.block_on(r53.get_health_check(id)).unwrap(), None);
        }
        // Refused before it is sent, with the reason.
        let bad = HealthCheckSpec {
            interval_seconds: 20,
            ..specs[0].clone()
        };
        assert!(matches!(
            rt.block_on(r53.create_health_check("bad", &bad)),
            Err(Route53Error::InvalidInput(m)) if m.contains("10 or 30")
        ));
    }

    #[test]
    fn record_sets_of_every_policy_in_one_batch_list_upsert_and_delete() {
        let moto = Moto::start();
        let zone = moto.create_hosted_zone("example.com");
        let rt = runtime();
        let r53 = connect(&rt, &moto);
        let hc = |ip: &str| {
            let s = HealthCheckSpec {
                path: Some("/".into()),
                ..spec(HealthProtocol::Http, Some(ip), None)
            };
            rt.block_on(r53.create_health_check(ip, &s)).unwrap()
        };
        let (hc1, hc2) = (hc("192.0.2.1"), hc("192.0.2.2"));

        let failover = "failover.example.com.";
        let mut primary = record(
            failover,
            "A",
            Some("primary"),
            &["192.0.2.1"],
            Routing::Failover(FailoverRole::Primary),
        );
        primary.health_check_id = Some(hc1.clone());
        let mut secondary = record(
            failover,
            "A",
            Some("secondary"),
            &["192.0.2.2"],
            Routing::Failover(FailoverRole::Secondary),
        );
        secondary.health_check_id = Some(hc2.clone());
        let latency = "latency.example.com.";
        let lat = |set: &str, kind: &str, v: &str, region: &str| {
            record(
                latency,
                kind,
                Some(set),
                &[v],
                Routing::Latency {
                    region: region.into(),
                },
            )
        };
        let latency_records = vec![
            lat("use1", "A", "192.0.2.3", "us-east-1"),
            lat("euw1", "A", "192.0.2.4", "eu-west-1"),
            lat("use1-v6", "AAAA", "2001:db8::3", "us-east-1"),
        ];
        let geo = "geo.example.com.";
        let geo_records = vec![
            record(
                geo,
                "A",
                Some("eu"),
                &["192.0.2.5"],
                Routing::Geo {
                    continent: Some("EU".into()),
                    country: None,
                },
            ),
            record(
                geo,
                "A",
                Some("jp"),
                &["192.0.2.6"],
                Routing::Geo {
                    continent: None,
                    country: Some("JP".into()),
                },
            ),
            record(
                geo,
                "A",
                Some("default"),
                &["192.0.2.7"],
                Routing::Geo {
                    continent: None,
                    country: Some("*".into()),
                },
            ),
        ];
        let weighted = "weighted.example.com.";
        let weighted_records = vec![
            record(
                weighted,
                "CNAME",
                Some("a"),
                &["a.origin.example.net."],
                Routing::Weighted { weight: 3 },
            ),
            record(
                weighted,
                "CNAME",
                Some("b"),
                &["b.origin.example.net."],
                Routing::Weighted { weight: 0 },
            ),
        ];
        let wildcard = record(
            "*.wild.example.com.",
            "A",
            None,
            &["192.0.2.8", "192.0.2.9"],
            Routing::Simple,
        );

        let mut all = vec![primary.clone(), secondary.clone()];
        all.extend(latency_records.clone());
        all.extend(geo_records.clone());
        all.extend(weighted_records.clone());
        all.push(wildcard.clone());
        let creates: Vec<RecordChange> = all
            .iter()
            .map(|r| change(ChangeAction::Create, r))
            .collect();
        let id = rt
            .block_on(r53.change_records(&zone, "every policy", &creates))
            .unwrap();
        assert!(!id.is_empty() && !id.starts_with('/'), "change id {id}");
        rt.block_on(r53.wait_insync(&id, WAIT, &CancellationToken::new()))
            .unwrap();

        let list = |name: &str| sorted(rt.block_on(r53.list_records(&zone, name)).unwrap());
        assert_eq!(
            list(failover),
            sorted(vec![primary.clone(), secondary.clone()])
        );
        assert_eq!(list(latency), sorted(latency_records.clone()));
        assert_eq!(list(geo), sorted(geo_records.clone()));
        assert_eq!(list(weighted), sorted(weighted_records.clone()));
        assert_eq!(list("*.wild.example.com."), vec![wildcard.clone()]);
        // Names compare without case and trailing dot.
        assert_eq!(list("FailOver.Example.COM"), list(failover));
        assert_eq!(list("nothing.example.com."), vec![]);
        // The zone apex holds moto's NS and SOA, the only records there.
        let apex: Vec<String> = list("example.com.")
            .into_iter()
            .map(|r| r.record_type)
            .collect();
        assert_eq!(apex, ["NS", "SOA"]);

        // UPSERT changes weights, TTL and values in place.
        let mut a = weighted_records[0].clone();
        a.routing = Routing::Weighted { weight: 5 };
        a.ttl = Some(30);
        let mut b = weighted_records[1].clone();
        b.values = vec!["c.origin.example.net.".into()];
        let mut default = geo_records[2].clone();
        default.values = vec!["192.0.2.70".into()];
        let upserts = [&a, &b, &default].map(|r| change(ChangeAction::Upsert, r));
        let id = rt
            .block_on(r53.change_records(&zone, "", &upserts))
            .unwrap();
        rt.block_on(r53.wait_insync(&id, WAIT, &CancellationToken::new()))
            .unwrap();
        assert_eq!(list(weighted), sorted(vec![a.clone(), b.clone()]));
        assert_eq!(
            list(geo),
            sorted(vec![
                geo_records[0].clone(),
                geo_records[1].clone(),
                default.clone()
            ])
        );

        // DELETE takes the record exactly as listed.
        let listed_secondary = list(failover)
            .into_iter()
            .find(|r| r.set_identifier.as_deref() == Some("secondary"))
            .unwrap();
        let deletes = [
            change(ChangeAction::Delete, &listed_secondary),
            change(ChangeAction::Delete, &wildcard),
        ];
        let id = rt
            .block_on(r53.change_records(&zone, "delete", &deletes))
            .unwrap();
        rt.block_on(r53.wait_insync(&id, WAIT, &CancellationToken::new()))
            .unwrap();
        assert_eq!(list(failover), vec![primary.clone()]);
        assert_eq!(list("*.wild.example.com."), vec![]);
        assert_eq!(list(latency), sorted(latency_records));
    }

    #[test]
    fn invalid_changes_carry_route53s_message() {
        let moto = Moto::start();
        let zone = moto.create_hosted_zone("example.com");
        let rt = runtime();
        let r53 = connect(&rt, &moto);
        let r = record(
            "app.example.com.",
            "A",
            Some("one"),
            &["192.0.2.1"],
            Routing::Weighted { weight: 1 },
        );
        let create = [change(ChangeAction::Create, &r)];
        rt.block_on(r53.change_records(&zone, "first", &create))
            .unwrap();
        match rt.block_on(r53.change_records(&zone, "again", &create)) {
            Err(Route53Error::InvalidInput(m)) => {
                assert!(m.contains("already exists"), "{m}");
                let d = format!(
                    "{:?}",
                    Route53Error::InvalidInput(m)
                        .to_diagnostic("Route 53 rejected the record changes")
                );
                assert!(d.contains("already exists"), "{d}");
            }
            other => panic!("CREATE of an existing record: {other:?}"),
        }
        let outside = record(
            "app.example.org.",
            "A",
            None,
            &["192.0.2.1"],
            Routing::Simple,
        );
        match rt.block_on(r53.change_records(&zone, "", &[change(ChangeAction::Create, &outside)]))
        {
            Err(Route53Error::InvalidInput(m)) => {
                assert!(m.contains("not permitted in zone"), "{m}")
            }
            other => panic!("record outside the zone: {other:?}"),
        }
        assert!(matches!(
            rt.block_on(r53.change_records("Z0000000000NOTHERE", "", &create)),
            Err(Route53Error::NotFound(_))
        ));
        assert!(matches!(
            rt.block_on(r53.change_records(&zone, "", &[])),
            Err(Route53Error::InvalidInput(_))
        ));
    }

    #[test]
    fn listing_follows_pages_and_waiting_honours_cancellation() {
        let moto = Moto::start();
        let zone = moto.create_hosted_zone("example.com");
        let rt = runtime();
        let r53 = connect(&rt, &moto).with_page_size(2);
        let name = "pages.example.com.";
        let w = |kind: &str, set: &str, v: &str| {
            record(name, kind, Some(set), &[v], Routing::Weighted { weight: 1 })
        };
        let records = vec![
            w("A", "a1", "192.0.2.1"),
            w("A", "a2", "192.0.2.2"),
            w("AAAA", "v1", "2001:db8::1"),
            w("AAAA", "v2", "2001:db8::2"),
            w("TXT", "t1", "\"hello\""),
        ];
        let neighbour = record(
            "zz.example.com.",
            "A",
            None,
            &["192.0.2.9"],
            Routing::Simple,
        );
        let mut changes: Vec<RecordChange> = records
            .iter()
            .map(|r| change(ChangeAction::Create, r))
            .collect();
        changes.push(change(ChangeAction::Create, &neighbour));
        let id = rt
            .block_on(r53.change_records(&zone, "pages", &changes))
            .unwrap();
        assert_eq!(
            sorted(rt.block_on(r53.list_records(&zone, name)).unwrap()),
            sorted(records)
        );
        let pages = moto.log_text().matches("rrset?").count();
        assert!(
            pages >= 3,
            "expected 3 pages of 2, moto saw {pages} list calls"
        );

        rt.block_on(r53.wait_insync(&id, Duration::ZERO, &CancellationToken::new()))
            .unwrap();
        let cancelled = CancellationToken::new();
        cancelled.cancel();
        assert!(matches!(
            rt.block_on(r53.wait_insync(&id, WAIT, &cancelled)),
            Err(Route53Error::Cancelled)
        ));
    }
}
