#!/usr/bin/env python3
"""Answers DNS A queries the way Route 53's authoritative servers would, from the record sets and
health checks in moto (moto serves the Route 53 API, not DNS). Standard library plus boto3, which
moto brings.

    python3 tests/emulators/route53_dns.py --moto http://127.0.0.1:PORT [--delay SECONDS]

Prints one line `LISTENING udp://127.0.0.1:PORT`, then answers on 127.0.0.1 only.

Rules (Route 53 developer guide, "Choosing a routing policy" and "How Amazon Route 53 determines
whether a health check is healthy"):
  - a record with a health check is answered only while the check is healthy; when every record
    of the name is unhealthy, Route 53 answers as if all were healthy;
  - weighted: one record per query, chosen by weight among the healthy ones;
  - failover: the PRIMARY while healthy, else the SECONDARY;
  - latency and geolocation: [EMULATOR] the first healthy record (there is no client location);
  - simple: every value.
moto does not probe endpoints, so [EMULATOR] a health check is healthy unless it is inverted (how a
failover drill takes a backend out). `--delay` makes an inversion reach the answers only after that
long, as Route 53 needs interval x threshold to notice a failure.
"""

import argparse
import random
import sys
import threading
import time

import boto3

import dns_wire


class Route53View:
    def __init__(self, endpoint, delay):
        self.client = boto3.client(
            "route53", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing")
        self.delay = delay
        self.lock = threading.Lock()
        self.inverted = {}  # health check id -> [(monotonic time, inverted)]

    def watch(self):
        """Notes when each health check's inversion changes (moto keeps no history)."""
        while True:
            try:
                checks = self.client.list_health_checks()["HealthChecks"]
            except Exception:  # moto restarting or gone: keep what we know
                checks = []
            with self.lock:
                for c in checks:
                    history = self.inverted.setdefault(c["Id"], [])
                    now_inverted = bool(c["HealthCheckConfig"].get("Inverted"))
                    if not history:
                        history.append((float("-inf"), now_inverted))
                    elif history[-1][1] != now_inverted:
                        history.append((time.monotonic(), now_inverted))
            time.sleep(0.2)

    def healthy(self, check_id):
        if not check_id:
            return True
        cutoff = time.monotonic() - self.delay
        with self.lock:
            seen = [inv for t, inv in self.inverted.get(check_id, []) if t <= cutoff]
        return not (seen and seen[-1])

    def records(self, name):
        fqdn = name + "."
        for zone in self.client.list_hosted_zones()["HostedZones"]:
            if not fqdn.endswith(zone["Name"].lower()):
                continue
            sets = self.client.list_resource_record_sets(
                HostedZoneId=zone["Id"], StartRecordName=fqdn, StartRecordType="A")["ResourceRecordSets"]
            return [r for r in sets if r["Name"].lower() == fqdn and r["Type"] == "A"]
        return None

    def answer(self, name, _qtype):
        records = self.records(name)
        if records is None:
            return dns_wire.RCODE_REFUSED, [], 0
        if not records:
            return dns_wire.RCODE_NXDOMAIN, [], 0
        healthy = [r for r in records if self.healthy(r.get("HealthCheckId"))] or records
        if "Weight" in healthy[0]:
            weights = [r["Weight"] for r in healthy]
            chosen = random.choices(healthy, weights=weights) if sum(weights) > 0 else healthy[:1]
        elif "Failover" in healthy[0]:
            primary = [r for r in healthy if r["Failover"] == "PRIMARY"]
            chosen = (primary or healthy)[:1]
        elif "SetIdentifier" in healthy[0]:
            chosen = healthy[:1]
        else:
            chosen = healthy
        addresses = [v["Value"] for r in chosen for v in r.get("ResourceRecords", [])]
        return dns_wire.RCODE_OK, addresses, chosen[0].get("TTL", 60)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--moto", required=True, help="moto's endpoint URL")
    ap.add_argument("--delay", type=float, default=0.0, metavar="SECONDS")
    args = ap.parse_args()
    view = Route53View(args.moto, args.delay)
    threading.Thread(target=view.watch, daemon=True).start()
    port = dns_wire.serve("127.0.0.1", view.answer)
    print(f"LISTENING udp://127.0.0.1:{port}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
