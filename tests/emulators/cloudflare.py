#!/usr/bin/env python3
"""Strict emulator of the Cloudflare v4 API for Load Balancing: account monitors and pools, pool
health, and zone load balancers. Standard library only.

    python3 tests/emulators/cloudflare.py --port 0 --token TOKEN --account ACCOUNT \
        --zone ZONEID=example.com [--zone ...] [--plan enterprise|business|pro]

Prints one line `LISTENING http://127.0.0.1:PORT`, then serves the API under `/client/v4` on
127.0.0.1 only. Every request is checked against the documented schema; anything the docs do not
allow is rejected with Cloudflare's error envelope. Test controls (no auth) live under
`/__emulator/`: `POST faults`, `GET state`, `POST reset`, `GET requests`, `POST health`.

With `--dns`, it also answers DNS A queries for the load balancers' hostnames on a UDP port of its
own (`GET /__emulator/state` gives `dns_port`), as Cloudflare's authoritative servers answer a
DNS-only (unproxied) load balancer: the origins of one eligible pool (enabled, not marked
unhealthy), chosen by the steering policy; `random` by the pools' weights, every other policy the
first eligible pool in order, the fallback pool when none is. `--dns-delay SECONDS` makes a pool's
change reach the answers only after that long, as propagation does [EMULATOR].

Sources (cited by tag next to each rule below):
  [API-MON]    https://developers.cloudflare.com/api/resources/load_balancers/subresources/monitors/
  [API-POOL]   https://developers.cloudflare.com/api/resources/load_balancers/subresources/pools/
  [API-HEALTH] https://developers.cloudflare.com/api/operations/account-load-balancer-pools-pool-health-details
  [API-LB]     https://developers.cloudflare.com/api/resources/load_balancers/
  [SCHEMA]     Cloudflare OpenAPI components (cloudflare/api-schemas; mirrored as JSON schemas
               `load-balancing_*`), e.g. load-balancing_weight, load-balancing_random_steering
  [LIMITS]     https://developers.cloudflare.com/load-balancing/reference/limitations/
  [MON-ADV]    https://developers.cloudflare.com/load-balancing/monitors/create-monitor/
               (partial monitor-settings-advanced: minimum interval per plan)
  [MON-BASIC]  partial monitor-settings-basic: protocols per plan
  [TF-V4]      cloudflare/terraform-provider-cloudflare internal/sdkv2provider/
               schema_cloudflare_load_balancer_monitor.go (Cloudflare's own client-side checks)
  [REGIONS]    https://developers.cloudflare.com/load-balancing/reference/region-mapping-api/
  [ERRORS]     https://developers.cloudflare.com/load-balancing/troubleshooting/common-error-codes/
  [RATE]       https://developers.cloudflare.com/fundamentals/api/reference/limits/
  [OBSERVED]   error bodies quoted in public issue threads; the numeric codes are not in the API
               reference: 1002 validation (hashicorp/terraform#17948), 1005 referenced object
               (terraform-provider-cloudflare#66, HTTP 412), 1003 not unique
               (terraform-provider-cloudflare#6275), 971 throttling (workers-sdk#10025),
               6003/6111 bad Authorization header, 10000 authentication error (HTTP 403),
               7003/7000 no route (terraform-provider-cloudflare#1952), "Health info
               unavailable" (steampipe-plugin-cloudflare#175).
  [EMULATOR]   choices the docs leave open; clients must not depend on them.
"""

import argparse
import datetime
import random
import time
import ipaddress
import json
import re
import sys
import threading
import uuid
import dns_wire
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BASE = "/client/v4"

# ---------------------------------------------------------------------------------------------
# Rules as data
# ---------------------------------------------------------------------------------------------

# [REGIONS] [SCHEMA load-balancing_region_code] the 13 load balancing regions.
REGIONS = ["WNAM", "ENAM", "WEU", "EEU", "NSAM", "SSAM", "OC", "ME", "NAF", "SAF", "SAS", "SEAS", "NEAS"]
# [API-POOL] check_regions additionally accepts ALL_REGIONS (Enterprise).
CHECK_REGIONS = REGIONS + ["ALL_REGIONS"]
# [API-MON] monitor `type` enum; [MON-BASIC] non-Enterprise plans only get http/https/tcp.
MONITOR_TYPES_ALL = ["http", "https", "tcp", "udp_icmp", "icmp_ping", "smtp"]
MONITOR_TYPES_NON_ENTERPRISE = ["http", "https", "tcp"]
HTTP_MONITOR_TYPES = ["http", "https"]
# [API-MON] "Required for TCP, UDP, and SMTP checks" (port).
PORT_REQUIRED_TYPES = ["tcp", "udp_icmp", "smtp"]
# [API-MON] method: "defaults to 'GET' for HTTP/HTTPS based checks and 'connection_established'
# for TCP based health checks".
DEFAULT_METHOD = {"http": "GET", "https": "GET", "tcp": "connection_established"}
# [MON-ADV] "Minimum time in seconds is 60 (Pro), 15 (Business), and 10 (Enterprise)";
# [LIMITS] 10s (Enterprise) / 15s (non-Enterprise) minimum, 3600s maximum.
MIN_INTERVAL = {"pro": 60, "business": 15, "enterprise": 10}
MAX_INTERVAL = 3600
# [API-LB] steering_policy enum ("" maps to geo or off).
STEERING_POLICIES = ["off", "geo", "random", "dynamic_latency", "proximity",
                     "least_outstanding_requests", "least_connections", ""]
# [API-LB] session_affinity enum.
SESSION_AFFINITY = ["none", "cookie", "ip_cookie", "header", ""]
# [API-POOL] origin_steering.policy, load_shedding policies.
ORIGIN_STEERING = ["random", "hash", "least_outstanding_requests", "least_connections"]
# [API-POOL] name: "Only alphanumeric characters, hyphens, and underscores are allowed."
POOL_NAME = r"^[A-Za-z0-9_-]+$"
# [API-MON] expected_codes: a code or a code range such as "2xx" ([MON-ADV]: listed individually
# or as a range).
EXPECTED_CODES = r"^[1-5](?:[0-9]{2}|xx)(?:,\s*[1-5](?:[0-9]{2}|xx))*$"
# [API-*] identifiers are 32 characters ("maxLength32"); the API issues 32 hex digits.
IDENTIFIER = r"^[0-9a-f]{32}$"
HOSTNAME = r"^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"

# Field specs. Keys: type (string|integer|number|boolean|object|array|map), enum, min, max,
# multiple_of, pattern, items (array element spec), keys/values (map key/value spec), fields
# (nested object spec), default (what the API fills in), http_only (valid only for HTTP(S)
# monitors), required.
MONITOR_FIELDS = {
    # [API-MON] default "http"; enum above (plan filter applied at runtime).
    "type": {"type": "string", "enum": MONITOR_TYPES_ALL, "default": "http"},
    "description": {"type": "string", "default": ""},
    # [API-MON] [TF-V4] port 0..65535, default 0 (= protocol default 80/443).
    "port": {"type": "integer", "min": 0, "max": 65535, "default": 0},
    # [API-MON] default 60; range per plan [MON-ADV] [LIMITS] (min set at startup).
    "interval": {"type": "integer", "min": 10, "max": MAX_INTERVAL, "default": 60},
    # [API-MON] default 5; [TF-V4] validation.IntBetween(1, 10).
    "timeout": {"type": "integer", "min": 1, "max": 10, "default": 5},
    # [API-MON] default 2, "Retries are attempted immediately"; [TF-V4] IntBetween(1, 5).
    "retries": {"type": "integer", "min": 1, "max": 5, "default": 2},
    # [API-MON] default 0; no documented maximum.
    "consecutive_up": {"type": "integer", "min": 0, "default": 0},
    "consecutive_down": {"type": "integer", "min": 0, "default": 0},
    "method": {"type": "string"},
    # [API-MON] the following are "only valid for HTTP and HTTPS monitors".
    "path": {"type": "string", "http_only": True, "pattern": r"^/"},
    "expected_codes": {"type": "string", "http_only": True, "pattern": EXPECTED_CODES},
    "expected_body": {"type": "string", "http_only": True},
    "follow_redirects": {"type": "boolean", "http_only": True},
    "allow_insecure": {"type": "boolean", "http_only": True},
    "probe_zone": {"type": "string", "http_only": True},
    "header": {"type": "map", "http_only": True, "keys": {"type": "string"},
               "values": {"type": "array", "items": {"type": "string"}}},
}

ORIGIN_FIELDS = {
    "name": {"type": "string"},
    # [API-POOL] IP address or publicly addressable hostname (checked in check_origin).
    "address": {"type": "string", "required": True},
    "enabled": {"type": "boolean", "default": True},
    # [SCHEMA load-balancing_weight] 0..1, multipleOf 0.01, default 1.
    "weight": {"type": "number", "min": 0, "max": 1, "multiple_of": 0.01, "default": 1},
    "virtual_network_id": {"type": "string"},
    # [API-POOL] header: only 'Host' is supported.
    "header": {"type": "object", "fields": {"Host": {"type": "array", "items": {"type": "string"}}}},
}

POOL_FIELDS = {
    "name": {"type": "string", "required": True, "pattern": POOL_NAME},
    # [OBSERVED 1002] "the origin list length must be in range [1, ...]".
    "origins": {"type": "array", "required": True, "min_items": 1,
                "items": {"type": "object", "fields": ORIGIN_FIELDS}},
    "description": {"type": "string", "default": ""},
    "enabled": {"type": "boolean", "default": True},
    # [API-POOL] default 1 ("minimum number of origins that must be healthy").
    "minimum_origins": {"type": "integer", "min": 1, "default": 1},
    "monitor": {"type": "string", "pattern": IDENTIFIER},
    "monitor_group": {"type": "string", "pattern": IDENTIFIER},
    "check_regions": {"type": "array", "items": {"type": "string", "enum": CHECK_REGIONS}},
    # [API-POOL] "If this is set, longitude must also be set" (checked in check_pool).
    "latitude": {"type": "number", "min": -90, "max": 90},
    "longitude": {"type": "number", "min": -180, "max": 180},
    "notification_email": {"type": "string"},
    "notification_filter": {"type": "object", "nullable": True, "fields": {
        "origin": {"type": "object", "nullable": True, "fields": {
            "disable": {"type": "boolean"}, "healthy": {"type": "boolean", "nullable": True}}},
        "pool": {"type": "object", "nullable": True, "fields": {
            "disable": {"type": "boolean"}, "healthy": {"type": "boolean", "nullable": True}}},
    }},
    "load_shedding": {"type": "object", "fields": {
        "default_percent": {"type": "number", "min": 0, "max": 100},
        "default_policy": {"type": "string", "enum": ["random", "hash"]},
        "session_percent": {"type": "number", "min": 0, "max": 100},
        "session_policy": {"type": "string", "enum": ["hash"]},
    }},
    "origin_steering": {"type": "object", "fields": {
        "policy": {"type": "string", "enum": ORIGIN_STEERING}}},
}

POOL_LIST = {"type": "array", "items": {"type": "string", "pattern": IDENTIFIER}}

LB_FIELDS = {
    # [API-LB] create requires default_pools, fallback_pool, name.
    "name": {"type": "string", "required": True, "pattern": HOSTNAME},
    "default_pools": dict(POOL_LIST, required=True, min_items=1),
    "fallback_pool": {"type": "string", "required": True, "pattern": IDENTIFIER},
    "description": {"type": "string", "default": ""},
    "enabled": {"type": "boolean", "default": True},
    # [API-LB] proxied default false.
    "proxied": {"type": "boolean", "default": False},
    # [API-LB] ttl "only applies to gray-clouded (unproxied) load balancers" (example 30): accepted
    # and ignored when proxied.
    "ttl": {"type": "number", "min": 0},
    "steering_policy": {"type": "string", "enum": STEERING_POLICIES, "default": ""},
    # [SCHEMA load-balancing_region_pools] region code -> pool ids.
    "region_pools": {"type": "map", "keys": {"type": "string", "enum": REGIONS}, "values": POOL_LIST},
    # [SCHEMA load-balancing_country_pools] ISO 3166-1 alpha-2 -> pool ids.
    "country_pools": {"type": "map", "keys": {"type": "string", "pattern": r"^[A-Z]{2}$"}, "values": POOL_LIST},
    # [API-LB] (Enterprise only) PoP (3-letter) -> pool ids.
    "pop_pools": {"type": "map", "keys": {"type": "string", "pattern": r"^[A-Z]{3}$"}, "values": POOL_LIST},
    # [SCHEMA load-balancing_random_steering] default_weight 0..1 multipleOf 0.1, default 1;
    # pool_weights: pool id -> number (no documented range; negative weights make no sense).
    "random_steering": {"type": "object", "fields": {
        "default_weight": {"type": "number", "min": 0, "max": 1, "multiple_of": 0.1},
        "pool_weights": {"type": "map", "keys": {"type": "string", "pattern": IDENTIFIER},
                         "values": {"type": "number", "min": 0}},
    }},
    "adaptive_routing": {"type": "object", "fields": {"failover_across_pools": {"type": "boolean"}}},
    "location_strategy": {"type": "object", "fields": {
        "mode": {"type": "string", "enum": ["pop", "resolver_ip"]},
        "prefer_ecs": {"type": "string", "enum": ["always", "never", "proximity", "geo"]},
    }},
    "session_affinity": {"type": "string", "enum": SESSION_AFFINITY},
    "session_affinity_ttl": {"type": "number"},
    "session_affinity_attributes": {"type": "object", "open": True},
    "networks": {"type": "array", "items": {"type": "string"}},
    "rules": {"type": "array", "items": {"type": "object", "open": True}},
}

# Error envelopes. Status and code per source tag.
ERR_VALIDATION = (400, 1002)         # [OBSERVED] "...: validation failed"
ERR_NOT_UNIQUE = (400, 1003)         # [OBSERVED] "value not unique"
ERR_REFERENCED = (412, 1005)         # [OBSERVED] [ERRORS] "Object referenced by other objects"
ERR_NOT_FOUND = (404, 1000)          # [EMULATOR] code; 404 status
ERR_BAD_JSON = (400, 1001)           # [EMULATOR]
ERR_HEALTH_UNAVAILABLE = (400, 1000)  # [EMULATOR] status/code; message [OBSERVED]
MSG_REFERENCED = "This object is referenced by other objects, delete them first."
MSG_THROTTLED = "Please wait and consider throttling your request speed"  # [OBSERVED] code 971

ROUTES = [
    # (regex, route template used in /__emulator/requests, allowed methods)
    (r"^/accounts/(?P<account>[^/]+)/load_balancers/monitors$",
     "/accounts/{account_id}/load_balancers/monitors", ["GET", "POST"]),
    (r"^/accounts/(?P<account>[^/]+)/load_balancers/monitors/(?P<id>[^/]+)$",
     "/accounts/{account_id}/load_balancers/monitors/{monitor_id}", ["GET", "PUT", "PATCH", "DELETE"]),
    (r"^/accounts/(?P<account>[^/]+)/load_balancers/pools$",
     "/accounts/{account_id}/load_balancers/pools", ["GET", "POST"]),
    (r"^/accounts/(?P<account>[^/]+)/load_balancers/pools/(?P<id>[^/]+)$",
     "/accounts/{account_id}/load_balancers/pools/{pool_id}", ["GET", "PUT", "PATCH", "DELETE"]),
    (r"^/accounts/(?P<account>[^/]+)/load_balancers/pools/(?P<id>[^/]+)/health$",
     "/accounts/{account_id}/load_balancers/pools/{pool_id}/health", ["GET"]),
    (r"^/zones/(?P<zone>[^/]+)/load_balancers$",
     "/zones/{zone_id}/load_balancers", ["GET", "POST"]),
    (r"^/zones/(?P<zone>[^/]+)/load_balancers/(?P<id>[^/]+)$",
     "/zones/{zone_id}/load_balancers/{load_balancer_id}", ["GET", "PUT", "PATCH", "DELETE"]),
]
ROUTES = [(re.compile(rx), tmpl, methods) for rx, tmpl, methods in ROUTES]


class ApiError(Exception):
    def __init__(self, status, errors, headers=None):
        super().__init__(errors)
        self.status = status
        self.errors = errors  # list of {"code", "message", optional "error_chain"}
        self.headers = headers or {}


def err(kind, message):
    status, code = kind
    return ApiError(status, [{"code": code, "message": message}])


def invalid(message):
    return err(ERR_VALIDATION, f"{message}: validation failed")


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_id():
    return uuid.uuid4().hex


# ---------------------------------------------------------------------------------------------
# Generic schema check
# ---------------------------------------------------------------------------------------------

def type_ok(kind, value):
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in ("object", "map"):
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    return False


def check_value(spec, value, path):
    if value is None and spec.get("nullable"):
        return
    kind = spec["type"]
    if not type_ok(kind, value):
        raise invalid(f"{path} must be of type {'object' if kind == 'map' else kind}")
    if "enum" in spec and value not in spec["enum"]:
        raise invalid(f"{path} must be one of {', '.join(repr(v) for v in spec['enum'])}; got {value!r}")
    if "pattern" in spec and not re.search(spec["pattern"], value):
        raise invalid(f"{path} has an invalid format: {value!r}")
    if "min" in spec and value < spec["min"]:
        raise invalid(f"{path} must be at least {spec['min']}; got {value}")
    if "max" in spec and value > spec["max"]:
        raise invalid(f"{path} must be at most {spec['max']}; got {value}")
    if "multiple_of" in spec:
        steps = value / spec["multiple_of"]
        if abs(steps - round(steps)) > 1e-9:
            raise invalid(f"{path} must be a multiple of {spec['multiple_of']}; got {value}")
    if kind == "array":
        if len(value) < spec.get("min_items", 0):
            raise invalid(f"the {path} list length must be in range [{spec['min_items']}, ...]")
        for i, item in enumerate(value):
            check_value(spec["items"], item, f"{path}[{i}]")
    if kind == "map":
        for k, v in value.items():
            check_value(spec["keys"], k, f"{path} key")
            check_value(spec["values"], v, f"{path}.{k}")
    if kind == "object" and not spec.get("open"):
        check_object(spec.get("fields", {}), value, path, require=True)


def check_object(fields, obj, path, require):
    for key in obj:
        if key not in fields:
            raise invalid(f"unknown field {path + '.' if path else ''}{key}")
    for key, spec in fields.items():
        if key in obj:
            check_value(spec, obj[key], f"{path + '.' if path else ''}{key}")
        elif require and spec.get("required"):
            raise invalid(f"{path + '.' if path else ''}{key} is required")


def with_defaults(fields, obj):
    out = {k: v for k, v in fields.items() if "default" in v}
    out = {k: v["default"] for k, v in out.items()}
    out.update(obj)
    return out


# ---------------------------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------------------------

class Store:
    def __init__(self, account, zones, plan):
        self.lock = threading.Lock()
        self.account = account
        self.zones = zones  # zone id -> zone name
        self.plan = plan
        self.reset()

    def reset(self):
        self.monitors = {}
        self.pools = {}
        self.lbs = {zone: {} for zone in self.zones}
        self.health = {}  # pool id -> bool (set through /__emulator/health)
        self.faults = []
        self.requests = {}
        # pool id -> [(monotonic time, eligible)]: when each change of eligibility happened.
        self.eligibility = {}

    def snapshot(self):
        return {
            "account": self.account,
            "dns_port": getattr(self, "dns_port", None),
            "monitors": list(self.monitors.values()),
            "pools": list(self.pools.values()),
            "load_balancers": {zone: list(lbs.values()) for zone, lbs in self.lbs.items()},
        }

    # ---- monitors -------------------------------------------------------------------------

    def check_monitor(self, body):
        check_object(MONITOR_FIELDS, body, "", require=True)
        kind = body.get("type", "http")
        allowed = MONITOR_TYPES_ALL if self.plan == "enterprise" else MONITOR_TYPES_NON_ENTERPRISE
        if kind not in allowed:  # [MON-BASIC]
            raise invalid(f"monitor type {kind!r} requires an Enterprise plan")
        interval = body.get("interval", 60)
        if interval < MIN_INTERVAL[self.plan]:  # [MON-ADV] [LIMITS]
            raise invalid(f"interval must be at least {MIN_INTERVAL[self.plan]} seconds on the "
                          f"{self.plan} plan; got {interval}")
        if kind not in HTTP_MONITOR_TYPES:
            for key, spec in MONITOR_FIELDS.items():
                if spec.get("http_only") and key in body:  # [API-MON]
                    raise invalid(f"{key} is only valid for HTTP and HTTPS monitors")
        else:
            # [TF-V4] expected_codes: "Only valid and required if type is http or https".
            if "expected_codes" not in body:
                raise invalid("expected_codes is required for HTTP and HTTPS monitors")
        if kind in PORT_REQUIRED_TYPES and not body.get("port"):  # [API-MON]
            raise invalid(f"port is required for {kind} monitors")
        if kind == "tcp" and body.get("method", "connection_established") != "connection_established":
            raise invalid("method must be 'connection_established' for TCP monitors")  # [API-MON]
        timeout = body.get("timeout", 5)
        retries = body.get("retries", 2)
        # [TF-V4] "interval has to be larger than (retries+1) * probe_timeout".
        if interval <= (retries + 1) * timeout:
            raise invalid(f"interval ({interval}) must be larger than (retries + 1) * timeout "
                          f"({(retries + 1) * timeout})")

    def monitor_out(self, body, existing=None):
        kind = body.get("type", "http")
        out = with_defaults(MONITOR_FIELDS, body)
        if kind in DEFAULT_METHOD:
            out.setdefault("method", DEFAULT_METHOD[kind])
        if kind in HTTP_MONITOR_TYPES:
            # [SCHEMA] path default "/", follow_redirects/allow_insecure default false.
            out.setdefault("path", "/")
            out.setdefault("follow_redirects", False)
            out.setdefault("allow_insecure", False)
            out.setdefault("expected_body", "")
            out.setdefault("header", {})
        stamp = now()
        out["id"] = existing["id"] if existing else new_id()
        out["created_on"] = existing["created_on"] if existing else stamp
        out["modified_on"] = stamp
        return out

    def monitor_editable(self, stored):
        return {k: v for k, v in stored.items() if k in MONITOR_FIELDS}

    # ---- pools ----------------------------------------------------------------------------

    def check_pool(self, body):
        check_object(POOL_FIELDS, body, "", require=True)
        if ("latitude" in body) != ("longitude" in body):  # [API-POOL]
            raise invalid("latitude and longitude must be set together")
        for i, origin in enumerate(body["origins"]):
            self.check_origin(origin, f"origins[{i}]")
        monitor = body.get("monitor")
        if monitor is not None and monitor not in self.monitors:
            raise invalid(f"monitor {monitor} does not exist")

    def check_origin(self, origin, path):
        address = origin["address"]
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            if not re.match(HOSTNAME, address):
                raise invalid(f"{path}.address must be an IP address or hostname; got {address!r}")
            return
        # [API-POOL] "To set an internal/reserved address, virtual_network_id must also be set."
        internal = (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
                    or ip.is_unspecified or ip.is_multicast)
        if internal and "virtual_network_id" not in origin:
            raise invalid(f"{path}.address {address} is an internal or reserved address; "
                          "virtual_network_id must also be set")

    def pool_out(self, body, existing=None):
        out = with_defaults(POOL_FIELDS, body)
        out["origins"] = [with_defaults(ORIGIN_FIELDS, o) for o in body["origins"]]
        out.setdefault("notification_email", "")
        out.setdefault("check_regions", None)  # [API-POOL] "Null means every Cloudflare data center."
        out.setdefault("origin_steering", {"policy": "random"})
        stamp = now()
        out["id"] = existing["id"] if existing else new_id()
        out["created_on"] = existing["created_on"] if existing else stamp
        out["modified_on"] = stamp
        if not out["enabled"]:
            out["disabled_at"] = existing.get("disabled_at", stamp) if existing else stamp
        return out

    def pool_editable(self, stored):
        return {k: v for k, v in stored.items()
                if k in POOL_FIELDS and not (k == "check_regions" and v is None)}

    # ---- DNS answers -----------------------------------------------------------------------

    def note_eligibility(self, pool_id):
        """Records a change of whether the pool may be answered (after any write to it)."""
        pool = self.pools.get(pool_id)
        now_eligible = bool(pool and pool.get("enabled", True) and self.health.get(pool_id, True))
        history = self.eligibility.setdefault(pool_id, [])
        if not history:
            history.append((float("-inf"), now_eligible))  # a new pool answers at once
        elif history[-1][1] != now_eligible:
            history.append((time.monotonic(), now_eligible))

    def eligible(self, pool_id):
        """Whether the pool is answered now, `dns_delay` after its changes."""
        cutoff = time.monotonic() - self.dns_delay
        seen = [e for t, e in self.eligibility.get(pool_id, []) if t <= cutoff]
        return bool(seen and seen[-1]) and pool_id in self.pools

    def answer(self, name, _qtype):
        with self.lock:
            for zone, lbs in self.lbs.items():
                for lb in lbs.values():
                    if lb["name"].rstrip(".").lower() != name or not lb.get("enabled", True):
                        continue
                    pools = [p for p in lb["default_pools"] if self.eligible(p)]
                    if not pools:
                        pools = [lb["fallback_pool"]]
                    if lb.get("steering_policy") == "random" and len(pools) > 1:
                        steering = lb.get("random_steering") or {}
                        weights = [steering.get("pool_weights", {}).get(p, steering.get("default_weight", 1))
                                   for p in pools]
                        pools = random.choices(pools, weights=weights) if sum(weights) > 0 else pools
                    pool = self.pools.get(pools[0], {})
                    addresses = [o["address"] for o in pool.get("origins", []) if o.get("enabled", True)]
                    return dns_wire.RCODE_OK, addresses, lb.get("ttl") or 30
        return dns_wire.RCODE_NXDOMAIN, [], 0

    def pool_users(self, pool_id):
        users = []
        for zone, lbs in self.lbs.items():
            for lb in lbs.values():
                if pool_id in lb_pool_refs(lb):
                    users.append(lb["id"])
        return users

    # ---- load balancers -------------------------------------------------------------------

    def check_lb(self, zone, body, self_id=None):
        check_object(LB_FIELDS, body, "", require=True)
        zone_name = self.zones[zone]
        name = body["name"].rstrip(".").lower()
        if not (name == zone_name or name.endswith("." + zone_name)):
            raise invalid(f"name {body['name']!r} is not in zone {zone_name}")
        for other in self.lbs[zone].values():
            if other["id"] != self_id and other["name"].lower() == name:
                raise err(ERR_NOT_UNIQUE, "value not unique")  # [OBSERVED]
        for ref in lb_pool_refs(body):
            if ref not in self.pools:
                raise invalid(f"pool {ref} does not exist")
        policy = body.get("steering_policy", "")
        if policy == "dynamic_latency":
            # [API-LB] "dynamic_latency": "... (requires pool health checks)".
            for pool_id in body["default_pools"]:
                if not self.pools[pool_id].get("monitor"):
                    raise invalid(f"dynamic_latency steering requires a monitor on pool {pool_id}")
        if policy == "proximity":
            # [API-LB] "proximity": "Use the pools' latitude and longitude".
            for pool_id in body["default_pools"]:
                if "latitude" not in self.pools[pool_id]:
                    raise invalid(f"proximity steering requires latitude/longitude on pool {pool_id}")

    def lb_out(self, zone, body, existing=None):
        out = with_defaults(LB_FIELDS, body)
        out["name"] = body["name"].rstrip(".").lower()
        out.setdefault("region_pools", {})
        out.setdefault("country_pools", {})
        out.setdefault("pop_pools", {})
        out.setdefault("session_affinity", "")
        out.setdefault("adaptive_routing", {"failover_across_pools": False})
        out.setdefault("location_strategy", {"mode": "pop", "prefer_ecs": "proximity"})
        if not out["proxied"]:
            out.setdefault("ttl", 30)  # [SCHEMA load-balancing_ttl] example 30
        out["zone_name"] = self.zones[zone]
        stamp = now()
        out["id"] = existing["id"] if existing else new_id()
        out["created_on"] = existing["created_on"] if existing else stamp
        out["modified_on"] = stamp
        return out

    def lb_editable(self, stored):
        return {k: v for k, v in stored.items() if k in LB_FIELDS}


def lb_pool_refs(lb):
    refs = list(lb.get("default_pools", []))
    if "fallback_pool" in lb:
        refs.append(lb["fallback_pool"])
    for key in ("region_pools", "country_pools", "pop_pools"):
        for pools in (lb.get(key) or {}).values():
            refs.extend(pools)
    refs.extend(((lb.get("random_steering") or {}).get("pool_weights") or {}).keys())
    return refs


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------

def envelope(result, result_info=None):
    out = {"success": True, "errors": [], "messages": [], "result": result}
    if result_info is not None:
        out["result_info"] = result_info
    return out


def list_envelope(items):
    return envelope(items, {"page": 1, "per_page": max(len(items), 20), "count": len(items),
                            "total_count": len(items), "total_pages": 1})


class Handler(BaseHTTPRequestHandler):
    # Headers and body go out in separate writes; with Nagle on, each response then waits
    # ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    server_version = "cloudflare-emulator"
    store = None  # set in main

    def log_message(self, *args):  # quiet: tests read our stdout/stderr
        pass

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def send_json(self, status, payload, headers=None):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def send_error_envelope(self, e):
        self.send_json(e.status, {"success": False, "errors": e.errors, "messages": [], "result": None},
                       e.headers)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def handle_any(self, method):
        url = urlsplit(self.path)
        raw = self.read_body()
        store = self.store
        if url.path.startswith("/__emulator/"):
            return self.control(method, url.path[len("/__emulator/"):], raw)
        if not url.path.startswith(BASE + "/"):
            return self.send_error_envelope(no_route(url.path))
        path = url.path[len(BASE):]
        match, template, methods = None, None, []
        for rx, tmpl, allowed in ROUTES:
            match = rx.match(path)
            if match:
                template, methods = tmpl, allowed
                break
        key = f"{method} {template or path}"
        with store.lock:
            store.requests[key] = store.requests.get(key, 0) + 1
            fault = take_fault(store, method, path)
        if fault and not fault.get("apply"):
            return self.send_error_envelope(fault_error(fault))
        try:
            self.check_auth()
            if not match:
                raise no_route(url.path)
            if method not in methods:
                # [EMULATOR] code; the route exists but not for this method.
                raise ApiError(405, [{"code": 10405, "message": f"Method {method} not allowed"}])
            params = match.groupdict()
            body = self.parse_body(method, raw)
            with store.lock:
                status, payload = dispatch(store, method, template, params, body, parse_qs(url.query))
        except ApiError as e:
            if fault:
                return self.send_error_envelope(fault_error(fault))
            return self.send_error_envelope(e)
        if fault:  # applied, but the client sees a failure (ambiguous outcome)
            return self.send_error_envelope(fault_error(fault))
        self.send_json(status, payload)

    def check_auth(self):
        auth = self.headers.get("Authorization")
        if auth is None and self.headers.get("X-Auth-Key") is None:
            raise ApiError(400, [{"code": 9106, "message":
                                  "Missing X-Auth-Key, X-Auth-Email or Authorization headers"}])
        if auth is None or not auth.startswith("Bearer ") or not auth[7:].strip():
            raise ApiError(400, [{"code": 6003, "message": "Invalid request headers", "error_chain": [
                {"code": 6111, "message": "Invalid format for Authorization header"}]}])
        if auth[7:] != self.store.token:
            raise ApiError(403, [{"code": 10000, "message": "Authentication error"}])

    def parse_body(self, method, raw):
        if method not in ("POST", "PUT", "PATCH"):
            return None
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise ApiError(400, [{"code": 6003, "message": "Invalid request headers", "error_chain": [
                {"code": 6105, "message":
                 "Invalid Content-Type header, valid values are application/json,multipart/form-data"}]}])
        try:
            body = json.loads(raw.decode() or "null")
        except (ValueError, UnicodeDecodeError) as e:
            raise err(ERR_BAD_JSON, f"Invalid request body: malformed JSON ({e})")
        if not isinstance(body, dict):
            raise invalid("request body must be a JSON object")
        return body

    def control(self, method, what, raw):
        store = self.store
        try:
            body = json.loads(raw.decode() or "{}")
        except ValueError:
            return self.send_json(400, {"error": "malformed JSON"})
        with store.lock:
            if method == "GET" and what == "state":
                return self.send_json(200, store.snapshot())
            if method == "GET" and what == "requests":
                return self.send_json(200, dict(store.requests))
            if method == "POST" and what == "reset":
                store.reset()
                return self.send_json(200, {"ok": True})
            if method == "POST" and what == "faults":
                status = body.get("status")
                if status not in (429, 500, 502, 503, 504) or not isinstance(body.get("count"), int):
                    return self.send_json(400, {"error": "need status (429|5xx) and integer count"})
                store.faults.append(dict(body))
                return self.send_json(200, {"ok": True})
            if method == "POST" and what == "health":
                pool_id, healthy = body.get("pool_id"), body.get("healthy")
                if healthy is None:
                    store.health.pop(pool_id, None)
                else:
                    store.health[pool_id] = bool(healthy)
                store.note_eligibility(pool_id)
                return self.send_json(200, {"ok": True})
        return self.send_json(404, {"error": f"no emulator control {method} {what}"})


def no_route(path):
    return ApiError(400, [
        {"code": 7003, "message": f"Could not route to {path}, perhaps your object identifier is invalid?"},
        {"code": 7000, "message": "No route for that URI"}])


def take_fault(store, method, path):
    for fault in store.faults:
        if fault["count"] <= 0:
            continue
        if fault.get("method") and fault["method"].upper() != method:
            continue
        if fault.get("path_contains") and fault["path_contains"] not in path:
            continue
        fault["count"] -= 1
        return dict(fault)
    return None


def fault_error(fault):
    status = fault["status"]
    if status == 429:
        # [RATE] 429 with Retry-After (seconds); body [OBSERVED] code 971.
        retry_after = fault.get("retry_after", 1)
        return ApiError(429, [{"code": 971, "message": MSG_THROTTLED}],
                        {"Retry-After": str(retry_after)})
    messages = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
                504: "Gateway Timeout"}
    return ApiError(status, [{"code": 1000, "message": messages.get(status, "Server Error")}])  # [EMULATOR]


def dispatch(store, method, template, params, body, query):
    if "account" in params:
        check_scope(params["account"], store.account == params["account"])
    if "zone" in params:
        check_scope(params["zone"], params["zone"] in store.zones)
    obj_id = params.get("id")
    if obj_id is not None and not re.match(IDENTIFIER, obj_id):
        raise no_route(BASE + template)
    if template.endswith("/monitors"):
        if method == "GET":
            return 200, list_envelope(list(store.monitors.values()))
        store.check_monitor(body)
        out = store.monitor_out(body)
        store.monitors[out["id"]] = out
        return 200, envelope(out)
    if template.endswith("/monitors/{monitor_id}"):
        current = store.monitors.get(obj_id)
        if current is None:
            raise err(ERR_NOT_FOUND, "monitor not found")
        if method == "GET":
            return 200, envelope(current)
        if method == "DELETE":
            users = [p["id"] for p in store.pools.values() if p.get("monitor") == obj_id]
            if users:
                raise err(ERR_REFERENCED, MSG_REFERENCED)
            del store.monitors[obj_id]
            return 200, envelope({"id": obj_id})
        if method == "PATCH":
            body = dict(store.monitor_editable(current), **body)
        store.check_monitor(body)
        out = store.monitor_out(body, current)
        store.monitors[obj_id] = out
        return 200, envelope(out)
    if template.endswith("/pools"):
        if method == "GET":
            pools = list(store.pools.values())
            if "monitor" in query:  # [API-POOL] list query parameter `monitor`
                pools = [p for p in pools if p.get("monitor") == query["monitor"][0]]
            return 200, list_envelope(pools)
        store.check_pool(body)
        out = store.pool_out(body)
        store.pools[out["id"]] = out
        store.note_eligibility(out["id"])
        return 200, envelope(out)
    if template.endswith("/pools/{pool_id}/health"):
        pool = store.pools.get(obj_id)
        if pool is None:
            raise err(ERR_NOT_FOUND, "pool not found")
        if not pool.get("monitor"):
            raise err(ERR_HEALTH_UNAVAILABLE, "Health info unavailable")
        return 200, envelope(pool_health(pool, store.health.get(obj_id)))
    if template.endswith("/pools/{pool_id}"):
        current = store.pools.get(obj_id)
        if current is None:
            raise err(ERR_NOT_FOUND, "pool not found")
        if method == "GET":
            return 200, envelope(current)
        if method == "DELETE":
            if store.pool_users(obj_id):
                raise err(ERR_REFERENCED, MSG_REFERENCED)
            del store.pools[obj_id]
            store.health.pop(obj_id, None)
            return 200, envelope({"id": obj_id})
        if method == "PATCH":
            body = dict(store.pool_editable(current), **body)
        store.check_pool(body)
        out = store.pool_out(body, current)
        store.pools[obj_id] = out
        store.note_eligibility(obj_id)
        return 200, envelope(out)
    zone = params["zone"]
    lbs = store.lbs[zone]
    if template.endswith("/load_balancers"):
        if method == "GET":
            return 200, list_envelope(list(lbs.values()))
        store.check_lb(zone, body)
        out = store.lb_out(zone, body)
        lbs[out["id"]] = out
        return 200, envelope(out)
    current = lbs.get(obj_id)
    if current is None:
        raise err(ERR_NOT_FOUND, "load balancer not found")
    if method == "GET":
        return 200, envelope(current)
    if method == "DELETE":
        del lbs[obj_id]
        return 200, envelope({"id": obj_id})
    if method == "PATCH":
        body = dict(store.lb_editable(current), **body)
    store.check_lb(zone, body, obj_id)
    out = store.lb_out(zone, body, current)
    lbs[obj_id] = out
    return 200, envelope(out)


def check_scope(ident, known):
    if not re.match(r"^[0-9a-f]{32}$", ident):
        raise no_route(ident)
    if not known:
        # [OBSERVED] a token without access to the account/zone gets 403 / 10000.
        raise ApiError(403, [{"code": 10000, "message": "Authentication error"}])


def pool_health(pool, healthy):
    # [API-HEALTH] result { pool_id, pop_health: { <region>: { healthy, origins: [ { <address>:
    # { failure_reason, healthy, response_code, rtt } } ] } } }. Unknown health -> no entries.
    pop_health = {}
    if healthy is not None:
        for region in ("Western North America", "Western Europe", "Northeast Asia"):
            pop_health[region] = {
                "healthy": healthy,
                "origins": [{o["address"]: {
                    "healthy": healthy,
                    "failure_reason": "No failures" if healthy else "TCP connection failed",
                    "response_code": 200 if healthy else 0,
                    "rtt": "12.1ms",
                }} for o in pool["origins"] if o.get("enabled", True)],
            }
    return {"pool_id": pool["id"], "pop_health": pop_health}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog is 5: a client's burst of parallel connections
    # (-parallelism=50) overflows it and the kernel drops SYNs, each a retry after 1, 3, 7 ... s.
    request_queue_size = 128


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--token", required=True)
    ap.add_argument("--account", required=True)
    ap.add_argument("--zone", action="append", default=[], metavar="ZONEID=NAME")
    ap.add_argument("--plan", choices=sorted(MIN_INTERVAL), default="business")
    ap.add_argument("--dns", action="store_true", help="answer DNS A queries for the load balancers")
    ap.add_argument("--dns-delay", type=float, default=0.0, metavar="SECONDS")
    args = ap.parse_args()
    zones = {}
    for z in args.zone:
        zone_id, sep, name = z.partition("=")
        if not sep or not re.match(r"^[0-9a-f]{32}$", zone_id) or not name:
            ap.error(f"--zone must be ZONEID=NAME with a 32-hex zone id; got {z!r}")
        zones[zone_id] = name.rstrip(".").lower()
    if not re.match(r"^[0-9a-f]{32}$", args.account):
        ap.error("--account must be 32 hex digits")
    Handler.store = Store(args.account, zones, args.plan)
    Handler.store.token = args.token
    Handler.store.dns_delay = args.dns_delay
    if args.dns:
        Handler.store.dns_port = dns_wire.serve("127.0.0.1", Handler.store.answer)
    server = Server(("127.0.0.1", args.port), Handler)
    print(f"LISTENING http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
