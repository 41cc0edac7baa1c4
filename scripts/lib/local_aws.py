"""A local AWS for the quickstart: starts moto on a free 127.0.0.1 port, creates a hosted zone and a
VPC, prints `ENDPOINT ZONE_ID VPC_ID PID` and leaves moto running (the caller stops it).

Usage: local_aws.py MOTO_SERVER ZONE_NAME VPC_CIDR LOG"""

import socket
import subprocess
import sys
import time
import urllib.request

import boto3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    moto_server, zone_name, vpc_cidr, log_path = sys.argv[1:5]
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([moto_server, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                sys.exit(f"moto did not start; see {log_path}")
            time.sleep(0.2)

    def client(service):
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    try:
        zone = client("route53").create_hosted_zone(Name=zone_name, CallerReference=f"quickstart-{time.time()}")
        vpc = client("ec2").create_vpc(CidrBlock=vpc_cidr)
    except Exception:
        # The caller learns no pid when this fails, so it could not stop moto.
        proc.kill()
        raise
    print(endpoint, zone["HostedZone"]["Id"].split("/")[-1], vpc["Vpc"]["VpcId"], proc.pid)


if __name__ == "__main__":
    main()
