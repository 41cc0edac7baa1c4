"""Calls per refresh of multicloud_vpn_connection, for N = 1, 10, 100 connections.

Each of N GCP HA gateways (strict local Compute emulator) is linked to one AWS virtual private
gateway (moto) by its own multicloud_vpn_connection. After the apply, one `terraform plan
-refresh-only` refreshes all 2N+1 resources; we count the API requests it caused:
  * GCP: the emulator's own request log (authoritative);
  * AWS: the provider's debug log lines, one per EC2 call (moto keeps no request log).
Without coalescing, every connection read would cost at least one DescribeVpnConnections and one
GCP tunnel read per tunnel; the table shows what it costs instead.

    .tools/venv/bin/python scripts/lib/bench_vpn.py --root . --provider-bin PATH [--sizes 1,10,100]

Prints a Markdown section on stdout and writes it to docs/benchmarks-vpn.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def log(msg: str) -> None:
    print(f"bench-vpn [{time.strftime('%H:%M:%S')}]: {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto(venv: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    p = subprocess.Popen([str(venv / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            return p, url
        except OSError:
            time.sleep(0.1)
    raise SystemExit("moto_server did not start")


def start_gcp(root: Path, project: str, token: str) -> tuple[subprocess.Popen, str]:
    p = subprocess.Popen([sys.executable, str(root / "tests/emulators/gcp_compute.py"), "--port", "0",
                          "--discovery", str(root / ".tools/gcp/compute.v1.json"), "--project", project,
                          "--token", token, "--network", "vpc-a", "--op-polls", "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    m = re.match(r"LISTENING (\S+)", line)
    if not m:
        raise SystemExit(f"GCP emulator did not start: {line!r}")
    return p, m.group(1)


def create_vpc(moto: str) -> str:
    import boto3  # moto's own dependency, in the same venv
    ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=moto,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    return ec2.create_vpc(CidrBlock="10.10.0.0/16")["Vpc"]["VpcId"]


def config(n: int, moto: str, gcp: str, token: str, project: str, vpc: str) -> str:
    return f'''terraform {{
  required_providers {{
    multicloud = {{ source = "multicloud/multicloud" }}
  }}
}}

provider "multicloud" {{
  aws {{
    region     = "us-east-1"
    access_key = "testing"
    secret_key = "testing"
    endpoint   = "{moto}"
  }}
  gcp {{
    endpoint     = "{gcp}/compute/v1"
    access_token = "{token}"
  }}
}}

resource "multicloud_vpn_gateway" "aws" {{
  name = "aws-hub"
  aws {{
    region = "us-east-1"
    vpc_id = "{vpc}"
  }}
}}

resource "multicloud_vpn_gateway" "gcp" {{
  count = {n}
  name  = "gcp-${{count.index}}"
  gcp {{
    project = "{project}"
    region  = "us-central1"
    network = "vpc-a"
    asn     = 65010
  }}
}}

resource "multicloud_vpn_connection" "link" {{
  count = {n}
  name  = "link-${{count.index}}"
  a     = multicloud_vpn_gateway.aws
  b     = multicloud_vpn_gateway.gcp[count.index]
  # Inside CIDRs must be unique per AWS gateway: one block of four /30s per connection.
  inside_cidrs = [for k in range(4) : cidrsubnet("169.254.64.0/18", 12, count.index * 4 + k)]
}}
'''


def gcp_requests(gcp: str) -> int:
    with urllib.request.urlopen(gcp + "/__emulator/requests") as r:
        data = json.load(r)
    return len(data) if isinstance(data, list) else sum(len(v) if isinstance(v, list) else int(v) for v in data.values())


def run(tf: Path, workdir: Path, args: list[str], env: dict) -> float:
    t = time.monotonic()
    out = subprocess.run([str(tf), *args], cwd=workdir, env=env, capture_output=True, text=True)
    if out.returncode not in (0, 2):
        raise SystemExit(f"terraform {args} failed:\n{out.stdout}\n{out.stderr}")
    return time.monotonic() - t


def measure(n: int, root: Path, tf: Path, provider_bin: Path, tmp: Path) -> dict:
    token, project = "bench-token", "bench-proj"
    moto, moto_url = start_moto(root / ".tools/venv")
    gcp, gcp_url = start_gcp(root, project, token)
    try:
        vpc = create_vpc(moto_url)
        work = tmp / f"n{n}"
        work.mkdir()
        (work / "main.tf").write_text(config(n, moto_url, gcp_url, token, project, vpc))
        rc = work / "terraform.rc"
        rc.write_text("provider_installation {\n  dev_overrides {\n"
                      f'    "registry.terraform.io/multicloud/multicloud" = "{provider_bin.parent}"\n'
                      "  }\n  direct {}\n}\n")
        env = dict(os.environ, TF_CLI_CONFIG_FILE=str(rc), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
        env.pop("TF_LOG", None)
        log(f"N={n}: apply")
        apply_s = run(tf, work, ["apply", "-auto-approve", "-input=false", "-no-color"], env)
        before = gcp_requests(gcp_url)
        logfile = work / "refresh.log"
        env_log = dict(env, TF_LOG_PROVIDER="DEBUG", TF_LOG_PATH=str(logfile))
        log(f"N={n}: refresh")
        refresh_s = run(tf, work, ["plan", "-refresh-only", "-input=false", "-no-color"], env_log)
        gcp_calls = gcp_requests(gcp_url) - before
        text = logfile.read_text(errors="replace")
        # Terraform re-logs provider lines as "... ec2 call: operation=DescribeVpnConnections ...".
        ec2_ops = re.findall(r"ec2 call:.*?operation=\"?(\w+)", text)
        log(f"N={n}: destroy")
        run(tf, work, ["destroy", "-auto-approve", "-input=false", "-no-color"], env)
        return {
            "n": n, "apply_s": apply_s, "refresh_s": refresh_s, "gcp": gcp_calls,
            "ec2": len(ec2_ops), "describe_vpn": ec2_ops.count("DescribeVpnConnections"),
            "naive": n * (1 + 4),  # one describe + four tunnel reads per connection, at least
        }
    finally:
        for p in (moto, gcp):
            p.terminate()
            p.wait()


def render(rows: list[dict], tf_version: str) -> str:
    out = ["## VPN connections: API calls per refresh", "",
           "N AWS↔GCP connections (one AWS gateway, N GCP gateways), refreshed by one `terraform plan "
           f"-refresh-only` (Terraform {tf_version}, parallelism 10). Gateway and "
           "connection reads share one describe per cloud and region (`resources/vpn/batch.rs`).", "",
           "| N | resources refreshed | EC2 calls | of which DescribeVpnConnections | GCP calls | calls per connection | naive floor (1 describe + 4 tunnel reads each) | refresh (s) | apply (s) |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        total = r["ec2"] + r["gcp"]
        out.append(f"| {r['n']} | {2 * r['n'] + 1} | {r['ec2']} | {r['describe_vpn']} | {r['gcp']} | "
                   f"{total / r['n']:.2f} | {r['naive']} | {r['refresh_s']:.1f} | {r['apply_s']:.1f} |")
    out += ["", "EC2 calls include the AWS gateway's DescribeVpnGateways; GCP gateways and routers are read "
            "from shared region-wide lists as well.", ""]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--root", type=Path, required=True)
    p.add_argument("--provider-bin", type=Path, required=True)
    p.add_argument("--sizes", default="1,10,100")
    p.add_argument("--terraform", default="1.15.5")
    a = p.parse_args(argv)
    root = a.root.resolve()
    tf = root / ".tools/bin" / f"terraform-{a.terraform}"
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-vpn-") as tmp:
        for n in [int(x) for x in a.sizes.split(",")]:
            rows.append(measure(n, root, tf, a.provider_bin.resolve(), Path(tmp)))
    md = render(rows, a.terraform)
    (root / "docs" / "benchmarks-vpn.md").write_text("# Benchmarks: VPN refresh\n\nReproduce with `make bench` "
                                                      "(or `.tools/venv/bin/python scripts/lib/bench_vpn.py --root . "
                                                      "--provider-bin PATH`).\n\n" + md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
