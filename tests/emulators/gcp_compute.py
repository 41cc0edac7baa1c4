#!/usr/bin/env python3
"""Strict emulator of the Google Compute Engine REST API (v1), limited to what HA VPN needs:
vpnGateways, externalVpnGateways, vpnTunnels, routers, networks (get/list) and
regionOperations/globalOperations (get/wait/list). Standard library only.

    python3 tests/emulators/gcp_compute.py --port 0 --discovery PATH --project PROJECT \
        [--token TOKEN] [--tokens-file PATH] [--op-polls N] [--network NAME ...]
        [--tunnel-status STATUS]

PATH is Google's discovery document `compute.v1.json` (scripts/install-tools.sh installs
google-api-python-client into .tools/venv and copies the document to .tools/gcp/compute.v1.json).
Prints one line `LISTENING http://127.0.0.1:PORT`, then serves the API under `/compute/v1/` (the
document's servicePath) on 127.0.0.1 only.

Everything mechanical comes from the discovery document: which (httpMethod, path) pairs exist,
path/query parameters (required, pattern, integer type), request bodies validated recursively
against the `$ref` schema (unknown names, JSON types, enums, patterns, `annotations.required` for
the method id), the `kind` of every resource/list/operation (the schemas' `kind.default`).
Methods that exist in the document but are not emulated answer 501.

Choices the docs leave open (tagged [EMULATOR]; clients must not depend on them):
  * Output-only fields (description "[Output Only]" or `readOnly`) sent by a client are type-checked
    and then IGNORED, as Compute does for e.g. id/selfLink/creationTimestamp/kind on insert.
  * Mutations take effect when their operation reaches DONE: an insert reserves the name at once
    (a second insert is 409) but GET answers 404 until the operation is DONE, so clients that do not
    wait for operations fail here. Every GET or `wait` of an operation advances it one step:
    PENDING -> RUNNING -> ... -> DONE after --op-polls polls (default 2; 0 = DONE at once).
    `wait` may return before DONE, which the API reference allows.
  * selfLinks and targetLinks use this server's base URL, so following them reaches the emulator.
    References in request bodies may be full URLs (any host), `projects/...`, `regions/...`,
    `global/...` partial paths, or bare names in the request's scope.
  * Integers are accepted as JSON numbers or decimal strings (proto3 JSON mapping); int64/uint64
    fields (JSON strings) likewise.
  * `filter` supports `FIELD = "v"`, `FIELD != "v"`, `FIELD eq REGEX`, `FIELD ne REGEX` on
    top-level string fields; anything else is 400. `fields` (partial response) is ignored.
  * GET /__emulator/state includes tunnels' sharedSecret (never returned by the API itself).

Authentication: with --token, `Authorization: Bearer TOKEN` is required; with --tokens-file, a
token that token_endpoints.py issued and that has not expired is accepted too (an expired one is
401 authError, as Compute answers it). GET /__emulator/auth counts the verdicts
(issued_tokens.py).

Test controls (no auth) under /__emulator/: POST faults, GET state, POST reset, GET requests, GET auth,
DELETE object?kind=K&region=R&name=N (out-of-band deletion, no in-use checks).
A fault: {"status": 429|500|503|..., "count": N, "method": "POST"?, "path_contains": "..."?,
"delay_seconds": S?, "operation_error": {"code": "QUOTA_EXCEEDED", "message": "..."}?}.
With "operation_error" the request is accepted and its operation ends DONE with that error (no
mutation); with "delay_seconds" the request sleeps first and then fails with "status" if given,
or proceeds normally if not.

Sources (cited by tag next to each hand-written rule below):
  [DISCOVERY]  compute.v1.json as shipped in google-api-python-client (field descriptions quoted).
  [HA-VPN]     https://cloud.google.com/network-connectivity/docs/vpn/how-to/creating-ha-vpn
  [TOPO]       https://cloud.google.com/network-connectivity/docs/vpn/concepts/topologies
               (peer gateways with one, two or four interfaces; AWS = four interfaces)
  [ROUTER]     https://cloud.google.com/network-connectivity/docs/router/how-to/creating-routers
               and https://cloud.google.com/network-connectivity/docs/network-connectivity-center/
               concepts/asn-requirements (RFC 6996 private ASN for HA VPN; 16550 for Partner
               Interconnect)
  [ERRORS]     https://cloud.google.com/compute/docs/api/how-tos/api-requests-responses
               (error envelope: error.code, error.message, error.errors[].{domain,reason,message})
               and https://cloud.google.com/apis/design/errors (status names per HTTP code).
"""

import argparse
import hashlib
import ipaddress
import json
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from issued_tokens import TokenCheck

# ---------------------------------------------------------------------------------------------
# Rules as data (everything not derived mechanically from the discovery document)
# ---------------------------------------------------------------------------------------------

# [DISCOVERY ExternalVpnGateway.redundancyType enumDescriptions] + [TOPO]: number of interfaces
# each redundancy type has (four for AWS-style, two IPs, one internally redundant IP).
REDUNDANCY_INTERFACES = {
    "FOUR_IPS_REDUNDANCY": 4,
    "TWO_IPS_REDUNDANCY": 2,
    "SINGLE_IP_INTERNALLY_REDUNDANT": 1,
}
# [DISCOVERY VpnTunnel.ikeVersion] "Acceptable IKE versions are 1 or 2. The default version is 2."
IKE_VERSIONS = (1, 2)
IKE_DEFAULT = 2
# [DISCOVERY VpnTunnel.vpnGatewayInterface] "Possible values are: `0`, `1`." (HA VPN gateways have
# two interfaces; [HA-VPN] "two interfaces, each with its own external IP address").
HA_GATEWAY_INTERFACES = 2
# [HA-VPN] an HA VPN tunnel needs the shared secret, a peer (external or GCP gateway) and a Cloud
# Router: HA VPN supports dynamic (BGP) routing only.
TUNNEL_REQUIRED_FOR_HA = ("sharedSecret", "router")
# [ROUTER] Cloud Router ASN for HA VPN: RFC 6996 private ASN (16-bit or 32-bit); 16550 is the
# Partner Interconnect ASN. [DISCOVERY RouterBgp.asn] "Must be an RFC6996 private ASN".
ROUTER_ASN_RANGES = ((64512, 65534), (4200000000, 4294967294))
ROUTER_ASN_EXTRA = (16550,)
# [DISCOVERY RouterInterface.ipRange] IPv4 "must be in the RFC3927 link-local IP address space ...
# a CIDR-formatted string, for example, 169.254.0.1/30".
ROUTER_INTERFACE_V4_NET = ipaddress.ip_network("169.254.0.0/16")
# [ROUTER] a BGP peer's peerIpAddress lies in the subnet of its interface's ipRange.
BGP_PEER_IN_INTERFACE_RANGE = True
# [ROUTER] the interfaces of one Cloud Router may not have overlapping IP ranges (each is its own
# link-local subnet). [EMULATOR] the wording of the error is ours; its reason, `invalid`, is GCP's
# usual one for a bad field value.
ROUTER_INTERFACE_RANGES_DISJOINT = True
# [DISCOVERY VpnTunnel.sharedSecretHash] "Hash of the shared secret." - computed by the server;
# the secret itself is never returned. [EMULATOR] a client-sent hash is ignored like output-only.
SERVER_COMPUTED = {("VpnTunnel", "sharedSecretHash")}
# Objects that may not be deleted while another object refers to them ([ERRORS] reason
# resourceInUseByAnotherResource): (kind, field of the referrer, referrer kind).
IN_USE_REFERENCES = [
    ("vpnGateways", "vpnGateway", "vpnTunnels"),
    ("externalVpnGateways", "peerExternalGateway", "vpnTunnels"),
    ("routers", "router", "vpnTunnels"),
    ("vpnTunnels", "interfaces[].linkedVpnTunnel", "routers"),
]
# [EMULATOR] deterministic public (non-private, non-loopback) addresses for HA VPN gateway
# interfaces: 35.220.0.1, 35.220.0.2, ... in creation order.
GATEWAY_IP_BASE = int(ipaddress.IPv4Address("35.220.0.0"))
# [ERRORS] HTTP code -> google.rpc status name.
STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                404: "NOT_FOUND", 409: "ALREADY_EXISTS", 412: "FAILED_PRECONDITION",
                429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 501: "NOT_IMPLEMENTED",
                503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
FAULT_REASONS = {429: "rateLimitExceeded", 500: "backendError", 503: "backendError",
                 403: "forbidden", 504: "backendError"}

# Emulated collections: discovery resource name -> (schema, scope, snake name used in messages).
KINDS = {
    "networks": ("Network", "global", "network"),
    "externalVpnGateways": ("ExternalVpnGateway", "global", "external_vpn_gateway"),
    "vpnGateways": ("VpnGateway", "region", "vpn_gateway"),
    "vpnTunnels": ("VpnTunnel", "region", "vpn_tunnel"),
    "routers": ("Router", "region", "router"),
}
EMULATED = {
    ("networks", "get"), ("networks", "list"),
    ("externalVpnGateways", "insert"), ("externalVpnGateways", "get"),
    ("externalVpnGateways", "list"), ("externalVpnGateways", "delete"),
    ("vpnGateways", "insert"), ("vpnGateways", "get"), ("vpnGateways", "list"),
    ("vpnGateways", "delete"),
    ("vpnTunnels", "insert"), ("vpnTunnels", "get"), ("vpnTunnels", "list"),
    ("vpnTunnels", "delete"),
    ("routers", "insert"), ("routers", "get"), ("routers", "list"), ("routers", "patch"),
    ("routers", "delete"),
    ("regionOperations", "get"), ("regionOperations", "wait"), ("regionOperations", "list"),
    ("globalOperations", "get"), ("globalOperations", "wait"), ("globalOperations", "list"),
}


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

class ApiError(Exception):
    def __init__(self, code, reason, message, extra=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.extra = code, reason, message, extra or {}

    def body(self):
        item = {"message": self.message, "domain": "global", "reason": self.reason}
        item.update(self.extra)
        return {"error": {"code": self.code, "message": self.message, "errors": [item],
                          "status": STATUS_NAMES.get(self.code, "UNKNOWN")}}


def bad(message, reason="invalid"):
    return ApiError(400, reason, message)


def payload_error(message):
    # [ERRORS] the JSON-binding layer's wording, e.g. `Invalid JSON payload received. Unknown name
    # "x" at 'resource': Cannot find field.`
    return ApiError(400, "invalid", message)


def snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# ---------------------------------------------------------------------------------------------
# Discovery document
# ---------------------------------------------------------------------------------------------

class Discovery:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = json.load(f)
        self.schemas = self.doc["schemas"]
        self.service_path = "/" + self.doc["servicePath"].strip("/") + "/"
        self.global_params = self.doc.get("parameters", {})
        self.routes = []
        for rname, res in self.doc["resources"].items():
            for mname, m in res.get("methods", {}).items():
                for tmpl in {m["path"], m.get("flatPath", m["path"])}:
                    segs = tmpl.split("/")
                    parts, names = [], []
                    for s in segs:
                        mm = re.fullmatch(r"\{(\+?)(\w+)\}", s)
                        if mm:
                            parts.append("(.+)" if mm.group(1) else "([^/]+)")
                            names.append(mm.group(2))
                        else:
                            parts.append(re.escape(s))
                    literal = sum(1 for s in segs if not s.startswith("{"))
                    self.routes.append((re.compile("/".join(parts)), names, literal, rname,
                                        mname, m, tmpl))
        self.routes.sort(key=lambda r: -r[2])

    def match(self, http_method, rel_path):
        path_hit = False
        for rx, names, _, rname, mname, m, tmpl in self.routes:
            mm = rx.fullmatch(rel_path)
            if not mm:
                continue
            path_hit = True
            if m["httpMethod"] != http_method:
                continue
            return rname, mname, m, tmpl, dict(zip(names, mm.groups()))
        return path_hit

    def kind_of(self, schema):
        return self.schemas[schema]["properties"]["kind"].get("default")


# ---------------------------------------------------------------------------------------------
# Request validation against the discovery document
# ---------------------------------------------------------------------------------------------

INT_RANGES = {"int32": (-2**31, 2**31 - 1), "uint32": (0, 2**32 - 1),
              "int64": (-2**63, 2**63 - 1), "uint64": (0, 2**64 - 1)}


def is_output_only(schema_name, field, prop):
    return (prop.get("readOnly") is True or "[Output Only]" in prop.get("description", "")
            or (schema_name, field) in SERVER_COMPUTED)


def check_int(value, fmt, where, type_name):
    if isinstance(value, bool):
        raise payload_error(f"Invalid value at '{where}' ({type_name}), {json.dumps(value)}")
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise payload_error(f"Invalid value at '{where}' ({type_name}), {json.dumps(value)}")
    lo, hi = INT_RANGES.get(fmt, (-2**63, 2**63 - 1))
    if not lo <= value <= hi:
        raise payload_error(f"Invalid value at '{where}' ({type_name}), {value}")
    return value


def validate_value(disc, prop, value, where, method_id):
    """Validate one JSON value against a discovery property; returns the cleaned value."""
    if "$ref" in prop:
        return validate_object(disc, prop["$ref"], value, where, method_id)
    t = prop.get("type")
    fmt = prop.get("format")
    if t == "string":
        if fmt in ("int64", "uint64"):
            return str(check_int(value, fmt, where, "TYPE_" + fmt.upper()))
        if not isinstance(value, str):
            raise payload_error(f"Invalid value at '{where}' (TYPE_STRING), {json.dumps(value)}")
        if "enum" in prop and value not in prop["enum"]:
            raise payload_error(f"Invalid value at '{where}' (TYPE_ENUM), \"{value}\"")
        if "pattern" in prop and not re.fullmatch(prop["pattern"], value):
            raise bad(f"Invalid value for field '{where}': '{value}'. "
                      f"Must be a match of regex '(?:{prop['pattern']})'")
        return value
    if t == "integer":
        return check_int(value, fmt, where, "TYPE_" + (fmt or "int32").upper())
    if t == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise payload_error(f"Invalid value at '{where}' (TYPE_DOUBLE), {json.dumps(value)}")
        return value
    if t == "boolean":
        if not isinstance(value, bool):
            raise payload_error(f"Invalid value at '{where}' (TYPE_BOOL), {json.dumps(value)}")
        return value
    if t == "array":
        if not isinstance(value, list):
            raise payload_error(f"Invalid value at '{where}', {json.dumps(value)}: "
                                "Proto field is not repeating, cannot start list.")
        return [validate_value(disc, prop["items"], v, f"{where}[{i}]", method_id)
                for i, v in enumerate(value)]
    if t == "object":
        if not isinstance(value, dict):
            raise payload_error(f"Invalid value at '{where}' (TYPE_MESSAGE), {json.dumps(value)}")
        if "additionalProperties" in prop:
            return {k: validate_value(disc, prop["additionalProperties"], v, f"{where}[{k}]",
                                      method_id) for k, v in value.items()}
        return validate_props(disc, None, prop.get("properties", {}), value, where, method_id)
    return value


def validate_object(disc, schema_name, value, where, method_id):
    if not isinstance(value, dict):
        raise payload_error(f"Invalid value at '{where}' (type.googleapis.com/"
                            f"compute.{schema_name}), {json.dumps(value)}")
    schema = disc.schemas[schema_name]
    return validate_props(disc, schema_name, schema.get("properties", {}), value, where, method_id)


def validate_props(disc, schema_name, props, value, where, method_id):
    out = {}
    for k, v in value.items():
        if k not in props:
            raise payload_error(f"Invalid JSON payload received. Unknown name \"{k}\" at "
                                f"'{where}': Cannot find field.")
        if v is None:
            continue
        cleaned = validate_value(disc, props[k], v, f"{where}.{snake(k)}", method_id)
        if is_output_only(schema_name, k, props[k]):
            continue  # [EMULATOR] ignored, see module docstring
        out[k] = cleaned
    for k, p in props.items():
        if method_id in p.get("annotations", {}).get("required", []) and k not in out:
            raise bad(f"Invalid value for field '{where}.{snake(k)}': ''. "
                      f"Required field '{where}.{snake(k)}' not specified", "required")
    return out


def validate_params(disc, method, path_params, query):
    params = method.get("parameters", {})
    for name, value in path_params.items():
        p = params[name]
        if "pattern" in p and not re.fullmatch(p["pattern"], value):
            raise bad(f"Invalid value for field '{name}': '{value}'. "
                      f"Must be a match of regex '(?:{p['pattern']})'")
    out = {}
    for name, values in query.items():
        p = params.get(name) or disc.global_params.get(name)
        if p is None or p.get("location") == "path":
            raise payload_error(f"Invalid JSON payload received. Unknown name \"{name}\": "
                                f"Cannot bind query parameter. Field '{name}' could not be "
                                "found in request message.")
        if len(values) > 1 and not p.get("repeated"):
            raise payload_error(f"Invalid JSON payload received. Repeated value for "
                                f"non-repeated query parameter \"{name}\".")
        v = values[0]
        if p.get("type") == "integer":
            v = check_int(v, p.get("format"), name, "TYPE_" + (p.get("format") or "int32").upper())
        elif p.get("type") == "boolean":
            if v not in ("true", "false"):
                raise payload_error(f"Invalid value at '{name}' (TYPE_BOOL), \"{v}\"")
            v = v == "true"
        elif "enum" in p and v not in p["enum"]:
            raise payload_error(f"Invalid value at '{name}' (TYPE_ENUM), \"{v}\"")
        out[name] = v
    for name, p in params.items():
        if p.get("required") and p.get("location") == "query" and name not in out:
            raise bad(f"Required parameter '{name}' not specified", "required")
    return out


# ---------------------------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------------------------

def now_rfc3339():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03d-00:00" % (int(t * 1000) % 1000)


class Emulator:
    def __init__(self, disc, project, token, op_polls, networks, tunnel_status):
        self.disc, self.project, self.token = disc, project, token
        self.op_polls, self.seed_networks, self.tunnel_status = op_polls, networks, tunnel_status
        self.lock = threading.RLock()
        self.base = ""  # set once listening
        self.reset()

    def reset(self):
        with self.lock:
            self.objects = {k: {} for k in KINDS}   # kind -> {(scope, name): obj}
            self.pending = {k: {} for k in KINDS}   # names reserved by unfinished inserts
            self.operations = {}                    # (scope, name) -> op record
            self.faults = []
            self.requests = {}
            self.next_id = 1000000000000000000
            self.next_ip = 1
            for n in self.seed_networks:
                self.objects["networks"][("global", n)] = self._network(n)

    def new_id(self):
        self.next_id += 7919
        return str(self.next_id)

    def _network(self, name):
        nid = self.new_id()
        return {"kind": self.disc.kind_of("Network"), "id": nid,
                "creationTimestamp": now_rfc3339(), "name": name, "autoCreateSubnetworks": True,
                "routingConfig": {"routingMode": "REGIONAL"}, "mtu": 1460,
                "networkFirewallPolicyEnforcementOrder": "AFTER_CLASSIC_FIREWALL",
                "selfLink": self.link("global", "networks", name),
                "selfLinkWithId": self.link("global", "networks", nid)}

    # -- links and references ----------------------------------------------------------------

    def rel(self, scope, kind, name):
        loc = "global" if scope == "global" else f"regions/{scope}"
        return f"projects/{self.project}/{loc}/{kind}/{name}"

    def link(self, scope, kind, name):
        return f"{self.base}/{self.rel(scope, kind, name)}"

    def resolve(self, ref, kind, region, field):
        """A reference (URL, partial path or name) -> (scope, name) of an existing object."""
        scope_default = "global" if KINDS[kind][1] == "global" else region
        m = re.search(r"(?:^|/)projects/([^/]+)/(global|regions/([^/]+))/([^/]+)/([^/]+)$", ref)
        if m:
            project, scope, name, k = m.group(1), m.group(3) or "global", m.group(5), m.group(4)
        else:
            m = re.fullmatch(r"(global|regions/([^/]+))/([^/]+)/([^/]+)", ref)
            if m:
                project, scope, k, name = self.project, m.group(2) or "global", m.group(3), m.group(4)
            elif re.fullmatch(r"[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?", ref):
                project, scope, k, name = self.project, scope_default, kind, ref
            else:
                raise bad(f"Invalid value for field '{field}': '{ref}'. "
                          f"The URL is malformed.")
        key = (scope, name)
        if project != self.project or k != kind or key not in self.objects[kind]:
            raise bad(f"Invalid value for field '{field}': '{ref}'. The referenced "
                      f"{KINDS[kind][2]} resource cannot be found.")
        return key

    def not_found(self, scope, kind, name):
        return ApiError(404, "notFound",
                        f"The resource '{self.rel(scope, kind, name)}' was not found")

    # -- operations ----------------------------------------------------------------------------

    def new_operation(self, scope, kind, name, op_type, target_id, apply_fn, op_error=None):
        op_name = "operation-%d-%s" % (int(time.time() * 1000), uuid.uuid4().hex[:13])
        collection = "operations"
        op = {"kind": self.disc.kind_of("Operation"), "id": self.new_id(), "name": op_name,
              "operationType": op_type, "targetLink": self.link(scope, kind, name),
              "targetId": target_id, "status": "PENDING", "user": "emulator@example.com",
              "progress": 0, "insertTime": now_rfc3339(),
              "selfLink": self.link(scope, collection, op_name)}
        if scope != "global":
            op["region"] = f"{self.base}/projects/{self.project}/regions/{scope}"
        rec = {"op": op, "polls": 0, "apply": apply_fn, "error": op_error}
        self.operations[(scope, op_name)] = rec
        if self.op_polls <= 0:
            self._finish(rec)
        return op

    def _finish(self, rec):
        op = rec["op"]
        op.setdefault("startTime", now_rfc3339())
        op["status"], op["progress"], op["endTime"] = "DONE", 100, now_rfc3339()
        if rec["error"]:
            e = rec["error"]
            op["error"] = {"errors": [{"code": e.get("code", "QUOTA_EXCEEDED"),
                                       "message": e.get("message", "injected operation error")}]}
            op["httpErrorStatusCode"] = int(e.get("http_status", 400))
            op["httpErrorMessage"] = e.get("http_message", "BAD REQUEST")
            if rec.get("cancel"):
                rec["cancel"]()
        elif rec["apply"]:
            rec["apply"]()
        rec["apply"] = None

    def poll(self, scope, name):
        rec = self.operations.get((scope, name))
        if rec is None:
            raise self.not_found(scope, "operations", name)
        op = rec["op"]
        if op["status"] != "DONE":
            rec["polls"] += 1
            if rec["polls"] >= self.op_polls:
                self._finish(rec)
            else:
                op["status"], op["startTime"] = "RUNNING", op.get("startTime", now_rfc3339())
                op["progress"] = int(100 * rec["polls"] / self.op_polls)
        return op


# ---------------------------------------------------------------------------------------------
# Resource handlers
# ---------------------------------------------------------------------------------------------

def public_view(kind, obj):
    out = dict(obj)
    if kind == "vpnTunnels":
        out.pop("sharedSecret", None)  # [HA-VPN] never returned; sharedSecretHash instead
    return out


def apply_filter(items, expr):
    if not expr:
        return items
    m = re.fullmatch(r'\s*\(?\s*(\w+)\s*(=|!=|eq|ne)\s*"?([^"]*?)"?\s*\)?\s*', expr)
    if not m:
        raise bad(f"Invalid value for field 'filter': '{expr}'. Invalid list filter expression.")
    field, op, val = m.groups()

    def hit(o):
        v = o.get(field)
        s = "" if v is None else str(v)
        if op in ("=", "!="):
            return (s == val) == (op == "=")
        return bool(re.fullmatch(val, s)) == (op == "eq")
    return [o for o in items if hit(o)]


class Handlers:
    def __init__(self, emu):
        self.e = emu

    # common ---------------------------------------------------------------------------------

    def scope(self, params):
        return params.get("region", "global")

    def get(self, kind, params, name_param):
        e, scope, name = self.e, self.scope(params), params[name_param]
        obj = e.objects[kind].get((scope, name))
        if obj is None:
            raise e.not_found(scope, kind, name)
        return public_view(kind, obj)

    def list(self, kind, params, query):
        e, scope = self.e, self.scope(params)
        items = [public_view(kind, o) for (s, _), o in sorted(e.objects[kind].items())
                 if s == scope]
        items = apply_filter(items, query.get("filter"))
        return self.page(items, query, e.disc.kind_of(KINDS[kind][0] + "List"),
                         e.link(scope, kind, "").rstrip("/"))

    def page(self, items, query, list_kind, self_link):
        max_results = query.get("maxResults", 500)
        max_results = 500 if max_results == 0 else min(max_results, 500)
        start = 0
        if query.get("pageToken"):
            try:
                start = int(query["pageToken"])
            except ValueError:
                raise bad(f"Invalid value for field 'pageToken': '{query['pageToken']}'.")
        out = {"kind": list_kind, "id": self_link.split("/compute/v1/", 1)[-1],
               "items": items[start:start + max_results], "selfLink": self_link}
        if start + max_results < len(items):
            out["nextPageToken"] = str(start + max_results)
        if not out["items"]:
            del out["items"]
        return out

    def insert(self, kind, params, body, prepare, op_error=None):
        """prepare(obj, scope) validates references and fills server fields."""
        e, scope = self.e, self.scope(params)
        name = body["name"]
        key = (scope, name)
        if key in e.objects[kind] or key in e.pending[kind]:
            raise ApiError(409, "alreadyExists",
                           f"The resource '{e.rel(scope, kind, name)}' already exists")
        obj = dict(body)
        prepare(obj, scope)
        obj["kind"] = e.disc.kind_of(KINDS[kind][0])
        obj["id"] = e.new_id()
        obj["creationTimestamp"] = now_rfc3339()
        obj["selfLink"] = e.link(scope, kind, name)
        if scope != "global":
            obj["region"] = f"{e.base}/projects/{e.project}/regions/{scope}"
        e.pending[kind][key] = obj

        def apply():
            e.pending[kind].pop(key, None)
            e.objects[kind][key] = obj

        op = e.new_operation(scope, kind, name, "insert", obj["id"], apply, op_error)
        if op_error:
            e.operations[(scope, op["name"])]["cancel"] = lambda: e.pending[kind].pop(key, None)
        return op

    def users_of(self, kind, key):
        """Objects that refer to (kind, key), per IN_USE_REFERENCES."""
        e = self.e
        users = []
        for target, field, ref_kind in IN_USE_REFERENCES:
            if target != kind:
                continue
            for rkey, robj in e.objects[ref_kind].items():
                if field.endswith("[].linkedVpnTunnel"):
                    refs = [i.get("linkedVpnTunnel") for i in robj.get("interfaces", [])]
                else:
                    refs = [robj.get(field)]
                for ref in refs:
                    if ref and ref.endswith("/" + e.rel(key[0], kind, key[1])):
                        users.append(e.rel(rkey[0], ref_kind, rkey[1]))
        return users

    def delete(self, kind, params, name_param, op_error=None):
        e, scope, name = self.e, self.scope(params), params[name_param]
        key = (scope, name)
        obj = e.objects[kind].get(key)
        if obj is None:
            raise e.not_found(scope, kind, name)
        users = self.users_of(kind, key)
        if users:
            raise ApiError(400, "resourceInUseByAnotherResource",
                           f"The {KINDS[kind][2]} resource '{e.rel(scope, kind, name)}' is "
                           f"already being used by '{users[0]}'")

        def apply():
            e.objects[kind].pop(key, None)

        return e.new_operation(scope, kind, name, "delete", obj["id"], apply, op_error)

    # kinds ----------------------------------------------------------------------------------

    def prep_external(self, obj, scope):
        rt = obj.get("redundancyType")
        if rt is None:
            raise bad("Invalid value for field 'resource.redundancy_type': ''. "
                      "Redundancy type must be specified.")
        ifaces = obj.get("interfaces", [])
        want = REDUNDANCY_INTERFACES[rt]
        if len(ifaces) != want:
            raise bad(f"Invalid value for field 'resource.interfaces': {len(ifaces)} interfaces."
                      f" External VPN gateway with redundancy type {rt} must have exactly "
                      f"{want} interface(s).")
        ids = sorted(i.get("id", 0) for i in ifaces)
        if ids != list(range(want)):
            raise bad(f"Invalid value for field 'resource.interfaces': interface ids {ids} must"
                      f" be {list(range(want))}.")
        for n, i in enumerate(ifaces):
            addr = i.get("ipAddress") or i.get("ipv6Address")
            try:
                ipaddress.ip_address(addr or "")
            except ValueError:
                raise bad(f"Invalid value for field 'resource.interfaces[{n}].ip_address': "
                          f"'{addr or ''}'. Must be a valid IP address.")
            i.setdefault("id", 0)
        obj["labelFingerprint"] = "42WmSpB8rSM="

    def prep_vpn_gateway(self, obj, scope):
        e = self.e
        net = e.resolve(obj["network"], "networks", scope, "resource.network")
        obj["network"] = e.link(net[0], "networks", net[1])
        if obj.get("vpnInterfaces"):
            raise bad("Invalid value for field 'resource.vpn_interfaces': HA VPN over Cloud "
                      "Interconnect is not supported by this emulator.")
        ifaces = []
        for n in range(HA_GATEWAY_INTERFACES):
            ifaces.append({"id": n, "ipAddress": str(ipaddress.IPv4Address(
                GATEWAY_IP_BASE + e.next_ip))})
            e.next_ip += 1
        obj["vpnInterfaces"] = ifaces
        obj.setdefault("stackType", "IPV4_ONLY")
        obj.setdefault("gatewayIpVersion", "IPV4")
        obj["labelFingerprint"] = "42WmSpB8rSM="

    def prep_tunnel(self, obj, scope):
        e = self.e
        for f in TUNNEL_REQUIRED_FOR_HA:
            if not obj.get(f):
                raise bad(f"Invalid value for field 'resource.{snake(f)}': ''. "
                          f"Required field '{snake(f)}' not specified for an HA VPN tunnel.",
                          "required")
        ike = obj.setdefault("ikeVersion", IKE_DEFAULT)
        if ike not in IKE_VERSIONS:
            raise bad(f"Invalid value for field 'resource.ike_version': '{ike}'. "
                      "IKE version must be 1 or 2.")
        if obj.get("targetVpnGateway") or not obj.get("vpnGateway"):
            raise bad("Invalid value for field 'resource.vpn_gateway': ''. This emulator "
                      "supports HA VPN tunnels only (vpnGateway + vpnGatewayInterface).")
        gw_key = e.resolve(obj["vpnGateway"], "vpnGateways", scope, "resource.vpn_gateway")
        if gw_key[0] != scope:
            raise bad(f"Invalid value for field 'resource.vpn_gateway': '{obj['vpnGateway']}'. "
                      "The VPN gateway must be in the same region as the tunnel.")
        gw = e.objects["vpnGateways"][gw_key]
        obj["vpnGateway"] = gw["selfLink"]
        gi = obj.get("vpnGatewayInterface")
        if gi is None or gi not in [i["id"] for i in gw["vpnInterfaces"]]:
            raise bad(f"Invalid value for field 'resource.vpn_gateway_interface': '{gi}'. "
                      f"Possible values are 0 and 1.")
        if obj.get("peerExternalGateway"):
            if obj.get("peerGcpGateway") or obj.get("peerIp"):
                raise bad("Invalid value for field 'resource.peer_external_gateway': only one "
                          "of peerExternalGateway, peerGcpGateway and peerIp may be set.")
            pk = e.resolve(obj["peerExternalGateway"], "externalVpnGateways", scope,
                           "resource.peer_external_gateway")
            peer = e.objects["externalVpnGateways"][pk]
            obj["peerExternalGateway"] = peer["selfLink"]
            pi = obj.get("peerExternalGatewayInterface")
            ids = [i["id"] for i in peer.get("interfaces", [])]
            if pi is None or pi not in ids:
                raise bad(f"Invalid value for field 'resource.peer_external_gateway_interface':"
                          f" '{pi}'. The external VPN gateway has interfaces {ids}.")
            # [DISCOVERY VpnTunnel.peerIp] "IP address of the peer VPN gateway. Only IPv4 is
            # supported. This field can be set only for Classic VPN tunnels." For HA tunnels the
            # server fills it from the peer gateway's interface, as GCP reports it.
            obj["peerIp"] = next(i.get("ipAddress", "") for i in peer["interfaces"]
                                 if i["id"] == pi)
        elif obj.get("peerGcpGateway"):
            pk = e.resolve(obj["peerGcpGateway"], "vpnGateways", scope,
                           "resource.peer_gcp_gateway")
            obj["peerGcpGateway"] = e.objects["vpnGateways"][pk]["selfLink"]
        else:
            raise bad("Invalid value for field 'resource.peer_external_gateway': ''. An HA VPN "
                      "tunnel needs peerExternalGateway or peerGcpGateway.")
        rk = e.resolve(obj["router"], "routers", scope, "resource.router")
        router = e.objects["routers"][rk]
        if rk[0] != scope or router["network"] != gw["network"]:
            raise bad(f"Invalid value for field 'resource.router': '{obj['router']}'. The router"
                      " must be in the tunnel's region and the VPN gateway's network.")
        obj["router"] = router["selfLink"]
        obj["sharedSecretHash"] = hashlib.sha256(obj["sharedSecret"].encode()).hexdigest()[:27]
        obj["status"] = e.tunnel_status
        obj["detailedStatus"] = {"ESTABLISHED": "Tunnel is up and running."}.get(
            e.tunnel_status, "")
        obj["labelFingerprint"] = "42WmSpB8rSM="

    def check_router(self, obj, scope, name):
        e = self.e
        asn = obj.get("bgp", {}).get("asn")
        if asn is not None and not (any(lo <= asn <= hi for lo, hi in ROUTER_ASN_RANGES)
                                    or asn in ROUTER_ASN_EXTRA):
            raise bad(f"Invalid value for field 'resource.bgp.asn': '{asn}'. Local ASN must be "
                      "a private ASN (RFC 6996) or 16550.")
        names, ranges, tunnels = set(), {}, set()
        for n, i in enumerate(obj.get("interfaces", [])):
            where = f"resource.interfaces[{n}]"
            if "name" not in i:
                raise bad(f"Invalid value for field '{where}.name': ''. Required.", "required")
            if i["name"] in names:
                raise bad(f"Invalid value for field '{where}.name': '{i['name']}'. "
                          "Duplicate interface name.")
            names.add(i["name"])
            if i.get("ipRange"):
                try:
                    iface = ipaddress.ip_interface(i["ipRange"])
                except ValueError:
                    iface = None
                if iface is None or (iface.version == 4 and
                                     iface.ip not in ROUTER_INTERFACE_V4_NET) or \
                        "/" not in i["ipRange"]:
                    raise bad(f"Invalid value for field '{where}.ip_range': '{i['ipRange']}'. "
                              "IPv4 interface range must be a link-local CIDR (169.254.0.0/16).")
                clash = next((other for other, r in ranges.items()
                              if r.network.overlaps(iface.network)), None)
                if ROUTER_INTERFACE_RANGES_DISJOINT and clash is not None:
                    raise bad(f"Invalid value for field '{where}.ip_range': '{i['ipRange']}'. "
                              f"It overlaps the IP range of interface '{clash}' of this router.")
                ranges[i["name"]] = iface
            if i.get("linkedVpnTunnel"):
                tk = e.resolve(i["linkedVpnTunnel"], "vpnTunnels", scope,
                               f"{where}.linked_vpn_tunnel")
                if tk in tunnels:
                    raise bad(f"Invalid value for field '{where}.linked_vpn_tunnel': "
                              f"'{i['linkedVpnTunnel']}'. The tunnel is already linked.")
                tunnels.add(tk)
                tun = e.objects["vpnTunnels"][tk]
                if not tun.get("router", "").endswith("/" + e.rel(scope, "routers", name)):
                    raise bad(f"Invalid value for field '{where}.linked_vpn_tunnel': "
                              f"'{i['linkedVpnTunnel']}'. The tunnel uses another router.")
                i["linkedVpnTunnel"] = tun["selfLink"]
            i.setdefault("managementType", "MANAGED_BY_USER")
        peers = set()
        for n, p in enumerate(obj.get("bgpPeers", [])):
            where = f"resource.bgp_peers[{n}]"
            if "name" not in p or "peerAsn" not in p:
                raise bad(f"Invalid value for field '{where}': name and peerAsn are required.",
                          "required")
            if p["name"] in peers:
                raise bad(f"Invalid value for field '{where}.name': '{p['name']}'. "
                          "Duplicate BGP peer name.")
            peers.add(p["name"])
            ifn = p.get("interfaceName")
            if ifn is not None and ifn not in names:
                raise bad(f"Invalid value for field '{where}.interface_name': '{ifn}'. "
                          "The router has no interface with this name.")
            if BGP_PEER_IN_INTERFACE_RANGE and ifn in ranges and p.get("peerIpAddress"):
                try:
                    pip = ipaddress.ip_address(p["peerIpAddress"])
                except ValueError:
                    pip = None
                net = ranges[ifn].network
                if pip is None or pip not in net or pip == ranges[ifn].ip:
                    raise bad(f"Invalid value for field '{where}.peer_ip_address': "
                              f"'{p['peerIpAddress']}'. Must be in the interface's range {net}"
                              " and differ from the interface address.")
                p.setdefault("ipAddress", str(ranges[ifn].ip))
            p.setdefault("enable", "TRUE")
            p.setdefault("managementType", "MANAGED_BY_USER")
            p.setdefault("advertiseMode", "DEFAULT")

    def prep_router(self, obj, scope):
        e = self.e
        net = e.resolve(obj["network"], "networks", scope, "resource.network")
        obj["network"] = e.link(net[0], "networks", net[1])
        self.check_router(obj, scope, obj["name"])
        if "bgp" in obj:
            obj["bgp"].setdefault("advertiseMode", "DEFAULT")
            obj["bgp"].setdefault("keepaliveInterval", 20)

    def patch_router(self, params, body, op_error=None):
        e, scope, name = self.e, self.scope(params), params["router"]
        key = (scope, name)
        cur = e.objects["routers"].get(key)
        if cur is None:
            raise e.not_found(scope, "routers", name)
        if "name" in body and body["name"] != name:
            raise bad(f"Invalid value for field 'resource.name': '{body['name']}'. "
                      "The name of a router cannot be changed.")
        merged = json.loads(json.dumps(cur))
        for k, v in body.items():
            if k == "bgp" and isinstance(v, dict):
                merged.setdefault("bgp", {}).update(v)
            else:
                merged[k] = v
        if "network" in body:
            nk = e.resolve(body["network"], "networks", scope, "resource.network")
            if e.link(nk[0], "networks", nk[1]) != cur["network"]:
                raise bad("Invalid value for field 'resource.network'. The network of a router "
                          "cannot be changed.")
            merged["network"] = cur["network"]
        self.check_router(merged, scope, name)

        def apply():
            if key in e.objects["routers"]:
                e.objects["routers"][key] = merged

        return e.new_operation(scope, "routers", name, "patch", cur["id"], apply, op_error)


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------

def make_handler(emu):
    disc = emu.disc
    h = Handlers(emu)

    class Handler(BaseHTTPRequestHandler):
        # Headers and body go out in separate writes; with Nagle on, each response then waits
        # ~40 ms for the client's delayed ACK.
        disable_nagle_algorithm = True
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def send_json(self, code, body, headers=()):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def read_body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def do_GET(self):
            self.dispatch("GET")

        def do_POST(self):
            self.dispatch("POST")

        def do_PATCH(self):
            self.dispatch("PATCH")

        def do_PUT(self):
            self.dispatch("PUT")

        def do_DELETE(self):
            self.dispatch("DELETE")

        def dispatch(self, method):
            url = urlsplit(self.path)
            raw = self.read_body()
            try:
                if url.path.startswith("/__emulator/"):
                    return self.control(method, url.path[len("/__emulator/"):], url.query, raw)
                code, body = self.api(method, url.path, url.query, raw)
                self.send_json(code, body)
            except ApiError as err:
                headers = [("Retry-After", "0")] if err.code == 429 else []
                self.send_json(err.code, err.body(), headers)
            except Exception as ex:  # a bug in the emulator: make it loud
                print(f"gcp_compute emulator: internal error: {ex!r}", file=sys.stderr)
                self.send_json(500, ApiError(500, "backendError", f"emulator bug: {ex!r}").body())

        # -- control ---------------------------------------------------------------------------

        def control(self, method, what, query, raw):
            with emu.lock:
                if method == "POST" and what == "faults":
                    f = json.loads(raw or b"{}")
                    f.setdefault("count", 1)
                    emu.faults.append(f)
                    return self.send_json(200, {"faults": emu.faults})
                if method == "GET" and what == "state":
                    state = {k: [dict(o, _scope=s) for (s, _), o in sorted(v.items())]
                             for k, v in emu.objects.items()}
                    state["operations"] = [r["op"] for r in emu.operations.values()]
                    return self.send_json(200, state)
                if method == "POST" and what == "reset":
                    emu.reset()
                    return self.send_json(200, {})
                if method == "GET" and what == "requests":
                    return self.send_json(200, emu.requests)
                if method == "GET" and what == "auth":
                    return self.send_json(200, emu.auth.report())
                if method == "DELETE" and what == "object":
                    q = {k: v[0] for k, v in parse_qs(query).items()}
                    kind = q.get("kind")
                    if kind not in KINDS:
                        return self.send_json(400, {"error": f"unknown kind {kind!r}"})
                    scope = "global" if KINDS[kind][1] == "global" else q.get("region", "")
                    gone = emu.objects[kind].pop((scope, q.get("name", "")), None)
                    return self.send_json(200 if gone else 404, {"deleted": bool(gone)})
            self.send_json(404, {"error": f"no control endpoint {method} {what}"})

        # -- API -------------------------------------------------------------------------------

        def api(self, method, path, query, raw):
            if not path.startswith(disc.service_path):
                raise ApiError(404, "notFound", f"The requested URL {path} was not found.")
            rel = path[len(disc.service_path):]
            if emu.auth.enabled:
                auth = self.headers.get("Authorization")
                if not auth:
                    raise ApiError(401, "required", "Request is missing required authentication "
                                   "credential. Expected OAuth 2 access token, login cookie or "
                                   "other valid authentication credential.",
                                   {"location": "Authorization", "locationType": "header"})
                if emu.auth.verdict(auth) not in ("fixed", "issued"):
                    raise ApiError(401, "authError", "Request had invalid authentication "
                                   "credentials. Expected OAuth 2 access token, login cookie or "
                                   "other valid authentication credential.",
                                   {"location": "Authorization", "locationType": "header"})
            hit = disc.match(method, rel)
            if not isinstance(hit, tuple):
                raise ApiError(404, "notFound", f"The requested URL {path} was not found.")
            rname, mname, m, tmpl, pparams = hit
            with emu.lock:
                key = f"{method} {tmpl}"
                emu.requests[key] = emu.requests.get(key, 0) + 1
                fault = self.take_fault(method, path)
            op_error = None
            if fault:
                if fault.get("delay_seconds"):
                    time.sleep(float(fault["delay_seconds"]))
                if fault.get("operation_error") is not None:
                    op_error = fault["operation_error"]
                elif fault.get("status"):
                    code = int(fault["status"])
                    raise ApiError(code, FAULT_REASONS.get(code, "backendError"),
                                   fault.get("message", f"Injected fault {code}."))
            if (rname, mname) not in EMULATED:
                raise ApiError(501, "notImplemented",
                               f"Method {m['id']} is not implemented by the emulator.")
            qparams = validate_params(disc, m, pparams, parse_qs(query, keep_blank_values=True))
            body = None
            if "request" in m:
                ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
                if ctype != "application/json":
                    raise payload_error("Invalid JSON payload received. Content-Type must be "
                                        f"application/json, got '{ctype}'.")
                try:
                    doc = json.loads(raw or b"")
                except ValueError as ex:
                    raise payload_error(f"Invalid JSON payload received. {ex}.")
                body = validate_object(disc, m["request"]["$ref"], doc, "resource", m["id"])
            with emu.lock:
                if pparams["project"] != emu.project:
                    raise ApiError(404, "notFound",
                                   f"The resource 'projects/{pparams['project']}' was not found")
                return 200, self.run(rname, mname, pparams, qparams, body, op_error)

        def take_fault(self, method, path):
            for f in emu.faults:
                if f.get("method") and f["method"].upper() != method:
                    continue
                if f.get("path_contains") and f["path_contains"] not in path:
                    continue
                f["count"] -= 1
                if f["count"] <= 0:
                    emu.faults.remove(f)
                return f
            return None

        def run(self, rname, mname, p, q, body, op_error):
            if rname in ("regionOperations", "globalOperations"):
                scope = p.get("region", "global")
                if mname == "list":
                    ops = [r["op"] for (s, _), r in emu.operations.items() if s == scope]
                    return h.page(apply_filter(ops, q.get("filter")), q,
                                  disc.kind_of("OperationList"),
                                  emu.link(scope, "operations", "").rstrip("/"))
                return emu.poll(scope, p["operation"])
            name_param = rname[:-1]  # vpnGateways -> vpnGateway (the discovery parameter name)
            if mname == "get":
                return h.get(rname, p, name_param)
            if mname == "list":
                return h.list(rname, p, q)
            if mname == "delete":
                return h.delete(rname, p, name_param, op_error)
            if mname == "patch":
                return h.patch_router(p, body, op_error)
            prepare = {"externalVpnGateways": h.prep_external, "vpnGateways": h.prep_vpn_gateway,
                       "vpnTunnels": h.prep_tunnel, "routers": h.prep_router}[rname]
            return h.insert(rname, p, body, prepare, op_error)

    return Handler


class QuietServer(ThreadingHTTPServer):
    """A client that gave up on a request (its timeout, a test's deliberate abandon) is normal
    here: no traceback for the reply that found the socket closed."""

    # socketserver's default listen backlog is 5: a client's burst of parallel connections
    # (-parallelism=50) overflows it and the kernel drops SYNs, each a retry after 1, 3, 7 ... s.
    request_queue_size = 128

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--discovery", required=True)
    ap.add_argument("--project", required=True)
    ap.add_argument("--token")
    ap.add_argument("--tokens-file")
    ap.add_argument("--op-polls", type=int, default=2)
    ap.add_argument("--network", action="append", default=[])
    ap.add_argument("--tunnel-status", default="ESTABLISHED")
    args = ap.parse_args()
    disc = Discovery(args.discovery)
    networks = ["default"] + [n for n in args.network if n != "default"]
    emu = Emulator(disc, args.project, args.token, args.op_polls, networks, args.tunnel_status)
    emu.auth = TokenCheck(args.token, args.tokens_file)
    server = QuietServer(("127.0.0.1", args.port), make_handler(emu))
    server.daemon_threads = True
    url = f"http://127.0.0.1:{server.server_address[1]}"
    emu.base = url + disc.service_path.rstrip("/")
    emu.reset()  # seeded networks get links with the real base
    print(f"LISTENING {url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
