#!/usr/bin/env python3
"""Strict emulator of the Azure Resource Manager network API (Microsoft.Network 2024-05-01) for
VPN gateways: public IP addresses, virtual network gateways (active-active, BGP), local network
gateways and virtual network gateway connections (+ their sharedkey). Standard library only.

    python3 tests/emulators/azure_network.py --port 0 --specs DIR --subscription SUB \
        [--token TOKEN] [--tokens-file PATH] [--subnet /subscriptions/.../virtualNetworks/V/subnets/GatewaySubnet[=CIDR]] \
        [--resource-group NAME] [--op-polls N] [--poll-retry-after SECONDS]
        [--poll-retry-after-ms MILLISECONDS]

Prints `LISTENING http://127.0.0.1:PORT`. Operations, parameters and body schemas are read at
run time from the published OpenAPI 2.0 files in DIR (virtualNetworkGateway.json,
publicIpAddress.json, network.json); nothing of them is copied here. `$ref`s into files that are
not present (virtualNetwork.json, virtualWan.json, ...) are treated as "any object".

Authentication: with --token, `Authorization: Bearer TOKEN` is required; with --tokens-file, a
token that token_endpoints.py issued and that has not expired is accepted too; an expired one is
401 ExpiredAuthenticationToken, as ARM answers it. `GET /__emulator/auth` counts the verdicts
(issued_tokens.py).

Test controls (no auth) under `/__emulator/`: `POST faults`, `GET state`, `POST reset`,
`DELETE object?id=ID` (out-of-band delete), `GET requests`, `GET auth`.

Sources (tags used below):
  [SPEC]    the OpenAPI files in --specs (paths, parameters, definitions, x-ms-long-running-*,
            AzureAsyncOperationResult {status: InProgress|Succeeded|Failed}, CloudError shape).
  [EXAMPLE] the spec's examples/ (e.g. 201 bodies carry provisioningState "Updating";
            location "Central US" is echoed as "centralus"; embedded gateway refs in a
            connection response are {"id", "properties": {}}).
  [ARM-LRO] learn.microsoft.com/azure/azure-resource-manager/management/async-operations:
            201/202 + Azure-AsyncOperation and/or Location headers (+ Retry-After); the
            Azure-AsyncOperation URL answers {"status": ...}; the Location URL answers 202 while
            running and 200/204 when done.
  [ARM-ERR] ARM error codes seen on the wire: MissingApiVersionParameter,
            InvalidApiVersionParameter, NoRegisteredProviderFound (unsupported api-version),
            InvalidRequestContent (body does not deserialize: "Could not find member ..."),
            InvalidRequestFormat, LocationRequired, ResourceGroupNotFound, SubscriptionNotFound,
            ResourceNotFound (404), InvalidResourceReference (400, NRP), AuthenticationFailed /
            InvalidAuthenticationToken (401), AnotherOperationInProgress (409),
            SubscriptionRequestsThrottled (429 + Retry-After, ARM throttling doc),
            PublicIPAddressCannotBeDeleted (400; quoted in many public Terraform/Packer logs).
  [BGP-FAQ] learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview (FAQ "What ASNs can
            I use?"): Azure-reserved ASNs 8074, 8075, 12076, 65515, 65517-65520; IANA-reserved
            23456, 64496-64511, 65535-65551, 4294967295; "You can't specify these ASNs for your
            on-premises VPN devices". 65515 is the Azure VPN gateway's own default ASN (and the
            official VirtualNetworkGatewayUpdate example uses it), so it is allowed on gateways.
  [APIPA]   learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview#azure-bgp-peer-ip-addresses
            and vpn-gateway-howto-aws-bgp: custom Azure APIPA BGP IP addresses must be in
            169.254.21.0 - 169.254.22.255.
  [AA]      learn.microsoft.com/azure/vpn-gateway/active-active-portal: an active-active gateway
            has two gateway IP configurations, each with its own public IP.
  [EMULATOR] choices the sources leave open (error codes marked so are NOT confirmed Azure
            codes); clients must not depend on them.

Choices documented here:
  * readOnly properties sent in a request (etag, provisioningState, resourceGuid, ...) are
    accepted (type-checked) and ignored, never stored: NRP accepts GET-shaped bodies back on PUT.
  * x-ms-client-flatten is an SDK concern: the wire keeps the nested "properties" object.
  * Properties a schema does not declare -> 400 InvalidRequestContent. Enum and type mismatches,
    missing required properties and out-of-range numbers -> 400 InvalidRequestFormat.
  * Polling: an operation completes on its N-th poll; both a GET of its Azure-AsyncOperation /
    Location URL and a GET of the resource itself count as a poll, so the resource's
    provisioningState flips exactly when the operation reports Succeeded.
  * Pace: answers to be polled carry `Retry-After: --poll-retry-after` (whole seconds, default
    0). With --poll-retry-after-ms they also carry `retry-after-ms`, the millisecond wait that
    Azure services send and Azure's SDKs read before Retry-After; a GET of a resource whose
    operation still runs then carries it too [EMULATOR] (ARM sends none there). Tests use it to
    poll fast through what the client already honours, instead of a client-side setting.
"""

import argparse
import ipaddress
import json
import os
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from issued_tokens import TokenCheck

# ---------------------------------------------------------------------------------------------
# Hand-written rules beyond the spec, as data
# ---------------------------------------------------------------------------------------------

# [BGP-FAQ] ASNs reserved by Azure and by IANA (inclusive ranges).
RESERVED_ASNS_AZURE = [(8074, 8074), (8075, 8075), (12076, 12076), (65515, 65515), (65517, 65520)]
RESERVED_ASNS_IANA = [(23456, 23456), (64496, 64511), (65535, 65551), (4294967295, 4294967295)]
# [BGP-FAQ] the Azure gateway itself may keep its default ASN.
GATEWAY_DEFAULT_ASN = 65515
# [APIPA] custom Azure APIPA BGP addresses.
APIPA_FIRST = ipaddress.IPv4Address("169.254.21.0")
APIPA_LAST = ipaddress.IPv4Address("169.254.22.255")
# [AA] number of gateway IP configurations (site-to-site VPN): active-active 2, else 1.
IPCONFIGS_ACTIVE_ACTIVE = 2
IPCONFIGS_SINGLE = 1
# [EMULATOR] polls needed per resource kind (public IPs complete faster).
FAST_KINDS = {"publicIPAddresses": 1, "localNetworkGateways": 1}
# [EMULATOR] deterministic public addresses 20.x.y.z for public IPs.
PUBLIC_IP_BASE = int(ipaddress.IPv4Address("20.50.0.10"))

NETWORK = "Microsoft.Network"
KINDS = {
    "publicipaddresses": "publicIPAddresses",
    "virtualnetworkgateways": "virtualNetworkGateways",
    "localnetworkgateways": "localNetworkGateways",
    "connections": "connections",
}


class ApiError(Exception):
    def __init__(self, status, code, message, details=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.headers = details, headers or {}

    def body(self):
        err = {"code": self.code, "message": self.message}
        if self.details:
            err["details"] = self.details
        return {"error": err}


# ---------------------------------------------------------------------------------------------
# Specs
# ---------------------------------------------------------------------------------------------

ANY = {"x-emulator-any": True}


class Specs:
    def __init__(self, folder):
        self.folder = folder
        self.docs = {}
        for name in sorted(os.listdir(folder)):
            if name.endswith(".json"):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    self.docs[name] = json.load(f)
        if "virtualNetworkGateway.json" not in self.docs:
            raise SystemExit(f"{folder}: virtualNetworkGateway.json missing")
        self.ops = []  # (method, regex, template, operation, file, version)
        for fname, doc in self.docs.items():
            version = doc["info"]["version"]
            for template, item in doc.get("paths", {}).items():
                regex = "^" + re.sub(
                    r"\\\{([^}]+)\\\}", lambda m: f"(?P<{self._group(m.group(1))}>[^/]+)",
                    re.escape(template)) + "$"
                for method, op in item.items():
                    if method in ("get", "put", "delete", "patch", "post"):
                        self.ops.append((method.upper(), re.compile(regex, re.I), template, op,
                                         fname, version))

    @staticmethod
    def _group(name):
        return re.sub(r"\W", "_", name)

    def resolve(self, schema, fname):
        """Follow $ref (keeping sibling keywords); returns (schema, file)."""
        seen = 0
        while "$ref" in schema:
            ref = schema["$ref"]
            file_part, _, pointer = ref.partition("#")
            target = fname if not file_part else os.path.basename(file_part)
            doc = self.docs.get(target)
            if doc is None:
                return ANY, target
            node = doc
            for part in pointer.strip("/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            schema, fname = dict(node, **{k: v for k, v in siblings.items()
                                          if k in ("readOnly",)}), target
            seen += 1
            if seen > 50:
                raise RuntimeError(f"$ref loop at {ref}")
        return schema, fname

    def param(self, p, fname):
        return self.resolve(p, fname)[0] if "$ref" in p else p

    def match(self, method, path):
        for m, regex, template, op, fname, version in self.ops:
            if m == method:
                mo = regex.match(path)
                if mo:
                    names = re.findall(r"\{([^}]+)\}", template)
                    values = {n: mo.group(self._group(n)) for n in names}
                    return template, op, fname, version, values
        return None

    def path_exists(self, path):
        return any(regex.match(path) for _, regex, *_ in self.ops)


# ---------------------------------------------------------------------------------------------
# Schema validation
# ---------------------------------------------------------------------------------------------

def _bad_format(path, message):
    return ApiError(400, "InvalidRequestFormat", "Cannot parse the request.",
                    [{"code": "InvalidJson", "message": f"{message} Path '{path}'."}])


def _flatten(specs, schema, fname):
    """Merged view of an object schema: (properties {name: (schema, file)}, required set,
    additionalProperties (schema, file) or None, declared?)."""
    schema, fname = specs.resolve(schema, fname)
    if schema is ANY:
        return None
    props, required, addl, declared = {}, set(), None, False
    for part in schema.get("allOf", []):
        sub = _flatten(specs, part, fname)
        if sub is None:
            return None
        p, r, a, d = sub
        props.update(p)
        required |= r
        addl = addl or a
        declared = declared or d
    for name, sub in schema.get("properties", {}).items():
        props[name] = (sub, fname)
        declared = True
    required |= set(schema.get("required", []))
    if "additionalProperties" in schema:
        ap = schema["additionalProperties"]
        addl = (ANY, fname) if ap is True else ((ap, fname) if isinstance(ap, dict) else addl)
        declared = True
    return props, required, addl, declared


def validate(specs, schema, fname, value, path="", strip_readonly=True):
    """Validate `value`; returns a copy with readOnly properties removed."""
    schema, fname = specs.resolve(schema, fname)
    if schema is ANY or schema.get("x-emulator-any"):
        return value
    stype = schema.get("type")
    if stype is None and ("properties" in schema or "allOf" in schema
                          or "additionalProperties" in schema):
        stype = "object"
    where = path or "$"
    if value is None:
        return None  # JSON null: ARM treats as absent
    if "enum" in schema and value not in schema["enum"]:
        raise _bad_format(where, f"Error converting value {json.dumps(value)} to type "
                          f"'{'|'.join(map(str, schema['enum']))}'.")
    if stype == "object":
        if not isinstance(value, dict):
            raise _bad_format(where, f"Expected an object, got {json.dumps(value)[:60]}.")
        flat = _flatten(specs, schema, fname)
        if flat is None:
            return value
        props, required, addl, declared = flat
        if not declared:
            return value  # a bare {"type": "object"}: anything
        out = {}
        for key, v in value.items():
            sub_path = f"{path}.{key}" if path else key
            if key in props:
                sub, sfile = props[key]
                rs, _ = specs.resolve(sub, sfile)
                ro = sub.get("readOnly") or (rs is not ANY and rs.get("readOnly"))
                checked = validate(specs, sub, sfile, v, sub_path, strip_readonly)
                if not (ro and strip_readonly):
                    out[key] = checked
            elif addl is not None:
                out[key] = validate(specs, addl[0], addl[1], v, sub_path, strip_readonly)
            else:
                raise ApiError(400, "InvalidRequestContent",
                               "The request content was invalid and could not be deserialized: "
                               f"'Could not find member '{key}' on object of type "
                               f"'{schema.get('x-ms-client-name', 'Object')}'. Path '{sub_path}'.'.")
        # A nested object that carries an "id" is a reference to an existing resource: ARM
        # accepts {"id": ...} alone there, so the embedded schema's `required` is not enforced.
        is_reference = bool(path) and "id" in value
        for key in sorted(required) if not is_reference else []:
            if value.get(key) is None:
                raise _bad_format(f"{path}.{key}" if path else key,
                                  f"Required property '{key}' not found in JSON.")
        return out
    if stype == "array":
        if not isinstance(value, list):
            raise _bad_format(where, f"Expected an array, got {json.dumps(value)[:60]}.")
        items = schema.get("items", ANY)
        return [validate(specs, items, fname, v, f"{path}[{i}]", strip_readonly)
                for i, v in enumerate(value)]
    if stype == "string":
        if not isinstance(value, str):
            raise _bad_format(where, f"Error converting value {json.dumps(value)} to type 'String'.")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            raise _bad_format(where, f"Value '{value}' does not match '{schema['pattern']}'.")
        return value
    if stype in ("integer", "number"):
        ok = (isinstance(value, int) if stype == "integer" else isinstance(value, (int, float)))
        if isinstance(value, bool) or not ok:
            raise _bad_format(where, f"Error converting value {json.dumps(value)} to type "
                              f"'{'Int64' if stype == 'integer' else 'Double'}'.")
        if stype == "integer" and schema.get("format") == "int32" and not -2**31 <= value < 2**31:
            raise _bad_format(where, f"Value {value} is out of range for Int32.")
        if "minimum" in schema and value < schema["minimum"]:
            raise _bad_format(where, f"Value {value} is below the minimum {schema['minimum']}.")
        if "maximum" in schema and value > schema["maximum"]:
            raise _bad_format(where, f"Value {value} is above the maximum {schema['maximum']}.")
        return value
    if stype == "boolean":
        if not isinstance(value, bool):
            raise _bad_format(where, f"Error converting value {json.dumps(value)} to type 'Boolean'.")
        return value
    return value


# ---------------------------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------------------------

def norm_location(loc):
    return loc.replace(" ", "").lower()  # [EXAMPLE] "Central US" -> "centralus"


def etag():
    return f'W/"{uuid.uuid4()}"'


def parse_id(rid):
    """(subscription, resource group, kind, name, rest) of a Microsoft.Network id, or None."""
    m = re.match(r"^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.Network/"
                 r"([^/]+)/([^/]+)(/.*)?$", rid or "", re.I)
    if not m:
        return None
    return m.group(1), m.group(2), KINDS.get(m.group(3).lower(), m.group(3)), m.group(4), m.group(5) or ""


class Emulator:
    def __init__(self, args, specs):
        self.args, self.specs = args, specs
        self.lock = threading.RLock()
        self.subscription = args.subscription
        self.subnets = {}  # lower id -> (id, network)
        self.groups = {g.lower(): g for g in args.resource_group}
        for spec in args.subnet:
            sid, _, cidr = spec.partition("=")
            parsed = re.match(r"^/subscriptions/([^/]+)/resourceGroups/([^/]+)/", sid, re.I)
            if not parsed:
                raise SystemExit(f"--subnet {spec}: not a subnet id")
            self.groups.setdefault(parsed.group(2).lower(), parsed.group(2))
            self.subnets[sid.lower()] = (sid, ipaddress.ip_network(cidr or "10.0.255.0/27"))
        self.reset()

    def reset(self):
        self.resources = {}   # lower id -> record
        self.operations = {}  # op id -> record
        self.faults = []
        self.requests = []
        self.ip_counter = 0

    # -- operations ---------------------------------------------------------------------------

    def start_op(self, rec, kind, polls):
        op_id = str(uuid.uuid4())
        self.operations[op_id] = {"id": op_id, "resource": rec["id"].lower(), "kind": kind,
                                  "polls_left": polls, "status": "InProgress",
                                  "location": rec["body"].get("location", "westus")}
        rec["op"] = op_id
        return op_id

    def poll(self, op_id):
        op = self.operations.get(op_id)
        if op is None or op["status"] != "InProgress":
            return op
        op["polls_left"] -= 1
        if op["polls_left"] <= 0:
            self.finish(op)
        return op

    def finish(self, op):
        op["status"] = "Succeeded"
        rec = self.resources.get(op["resource"])
        if rec is None:
            return
        rec["op"] = None
        if op["kind"] == "delete":
            self.detach(rec)
            del self.resources[op["resource"]]
            return
        props = rec["body"]["properties"]
        props["provisioningState"] = "Succeeded"
        if rec["kind"] == "publicIPAddresses" and "ipAddress" not in props:
            self.ip_counter += 1
            props["ipAddress"] = str(ipaddress.IPv4Address(PUBLIC_IP_BASE + self.ip_counter))
        if rec["kind"] == "virtualNetworkGateways":
            self.fill_gateway_outputs(rec)
        if rec["kind"] == "connections":
            props["connectionStatus"] = "Connected"

    def poll_resource(self, rec):
        if rec.get("op"):
            self.poll(rec["op"])

    def pace(self, seconds=True):
        """How long a client should wait before polling again (see "Pace" above)."""
        headers = {"Retry-After": str(self.args.poll_retry_after)} if seconds else {}
        if self.args.poll_retry_after_ms is not None:
            headers["retry-after-ms"] = str(self.args.poll_retry_after_ms)
        return headers

    # -- helpers ------------------------------------------------------------------------------

    def get(self, rid):
        return self.resources.get((rid or "").lower())

    def users_of(self, rid):
        """Resources whose stored body references `rid` (case-insensitive)."""
        needle = rid.lower()
        out = []
        for rec in self.resources.values():
            if rec["id"].lower() == needle:
                continue
            if needle in (r.lower() for r in rec["refs"]):
                out.append(rec)
        return out

    def detach(self, rec):
        if rec["kind"] == "virtualNetworkGateways":
            for ref in rec["refs"]:
                pip = self.get(ref)
                if pip is not None and pip["kind"] == "publicIPAddresses":
                    pip["body"]["properties"].pop("ipConfiguration", None)

    def fill_gateway_outputs(self, rec):
        props = rec["body"]["properties"]
        configs = props.get("ipConfigurations", [])
        if not props.get("enableBgp") and "bgpSettings" not in props:
            return
        bgp = props.setdefault("bgpSettings", {})
        bgp.setdefault("asn", GATEWAY_DEFAULT_ASN)
        bgp.setdefault("peerWeight", 0)
        given = {(p.get("ipconfigurationId") or "").lower(): p
                 for p in bgp.get("bgpPeeringAddresses", [])}
        peering, defaults = [], []
        for i, cfg in enumerate(configs):
            subnet = self.subnets.get(cfg["properties"]["subnet"]["id"].lower())
            net = subnet[1] if subnet else ipaddress.ip_network("10.0.255.0/27")
            default_ip = str(net.network_address + 4 + i)  # Azure reserves the first 4
            defaults.append(default_ip)
            pip = self.get(cfg["properties"].get("publicIPAddress", {}).get("id"))
            tunnel = pip["body"]["properties"].get("ipAddress") if pip else None
            entry = given.get(cfg["id"].lower(), {})
            peering.append({"ipconfigurationId": cfg["id"],
                            "defaultBgpIpAddresses": [default_ip],
                            "customBgpIpAddresses": entry.get("customBgpIpAddresses", []),
                            "tunnelIpAddresses": [tunnel] if tunnel else []})
        bgp["bgpPeeringAddress"] = ",".join(defaults)
        bgp["bgpPeeringAddresses"] = peering

    # -- resource handlers -------------------------------------------------------------------

    def check_ref(self, rid, kinds, owner, what):
        ref = self.get(rid)
        if ref is None or ref["kind"] not in kinds:
            raise ApiError(400, "InvalidResourceReference",
                           f"Resource {rid} referenced by resource {owner} was not found. Please "
                           "make sure that the referenced resource exists, and that both resources "
                           f"are in the same region. ({what})")
        return ref

    def prepare(self, kind, rid, body, existing):
        """Apply the hand-written rules; returns the list of referenced ids."""
        props = body.setdefault("properties", {})
        refs = []
        if kind == "virtualNetworkGateways":
            configs = props.get("ipConfigurations") or []
            want = IPCONFIGS_ACTIVE_ACTIVE if props.get("activeActive") else IPCONFIGS_SINGLE
            if props.get("gatewayType", "Vpn") == "Vpn" and len(configs) != want:
                raise ApiError(400, "InvalidGatewayIpConfigurationCount",  # [EMULATOR] code
                               f"Virtual network gateway {rid} with activeActive="
                               f"{bool(props.get('activeActive'))} must have exactly {want} IP "
                               f"configuration(s), found {len(configs)}. [AA]")
            names = set()
            for i, cfg in enumerate(configs):
                name = cfg.get("name") or ("default" if i == 0 else "activeActive")
                if name.lower() in names:
                    raise ApiError(400, "DuplicateResourceName",  # [EMULATOR] code
                                   f"Duplicate IP configuration name '{name}' in {rid}.")
                names.add(name.lower())
                cfg["name"] = name
                cfg["id"] = f"{rid}/ipConfigurations/{name}"
                cp = cfg.setdefault("properties", {})
                cp.setdefault("privateIPAllocationMethod", "Dynamic")
                cp["provisioningState"] = "Succeeded"
                cfg["etag"] = etag()
                subnet = (cp.get("subnet") or {}).get("id")
                if not subnet or subnet.lower() not in self.subnets:
                    raise ApiError(400, "InvalidResourceReference",
                                   f"Resource {subnet} referenced by resource {rid} was not found.")
                if not subnet.lower().endswith("/subnets/gatewaysubnet"):
                    raise ApiError(400, "InvalidGatewaySubnet",  # [EMULATOR] code
                                   f"Subnet {subnet} must be named GatewaySubnet.")
                pip_id = (cp.get("publicIPAddress") or {}).get("id")
                if pip_id:
                    pip = self.check_ref(pip_id, {"publicIPAddresses"}, rid,
                                         f"ipConfigurations[{i}].publicIPAddress")
                    for other in self.users_of(pip["id"]):
                        if other["id"].lower() != rid.lower() and other["kind"] == kind:
                            raise ApiError(400, "PublicIPAddressInUse",  # [EMULATOR] code
                                           f"Public IP {pip_id} is already used by {other['id']}.")
                    refs.append(pip["id"])
                refs.append(subnet)
            bgp = props.get("bgpSettings")
            if bgp is not None:
                asn = bgp.get("asn")
                if asn is not None and asn != GATEWAY_DEFAULT_ASN:
                    self.check_asn(asn, rid)
                cfg_ids = {c["id"].lower() for c in configs}
                for j, entry in enumerate(bgp.get("bgpPeeringAddresses") or []):
                    cid = entry.get("ipconfigurationId")
                    if not cid or cid.lower() not in cfg_ids:
                        raise ApiError(400, "InvalidResourceReference",
                                       f"bgpSettings.bgpPeeringAddresses[{j}].ipconfigurationId "
                                       f"'{cid}' is not an IP configuration of {rid}.")
                    for addr in entry.get("customBgpIpAddresses") or []:
                        self.check_apipa(addr, f"bgpSettings.bgpPeeringAddresses[{j}]")
        elif kind == "localNetworkGateways":
            if not props.get("gatewayIpAddress") and not props.get("fqdn"):
                raise ApiError(400, "LocalNetworkGatewayMustHaveIpAddressOrFqdn",  # [EMULATOR]
                               f"Local network gateway {rid} needs gatewayIpAddress or fqdn.")
            bgp = props.get("bgpSettings")
            if bgp is not None:
                asn = bgp.get("asn")
                if not asn:
                    raise ApiError(400, "LocalNetworkGatewayAsnCannotBeZero",  # [EMULATOR] code
                                   f"The local network gateway {rid} cannot have an ASN of zero")
                self.check_asn(asn, rid, on_premises=True)
        elif kind == "connections":
            gw1_id = (props.get("virtualNetworkGateway1") or {}).get("id")
            gw1 = self.check_ref(gw1_id, {"virtualNetworkGateways"}, rid, "virtualNetworkGateway1")
            refs.append(gw1["id"])
            ctype = props.get("connectionType")
            lng_id = (props.get("localNetworkGateway2") or {}).get("id")
            gw2_id = (props.get("virtualNetworkGateway2") or {}).get("id")
            if ctype == "IPsec":
                if not lng_id:
                    raise ApiError(400, "InvalidRequestFormat",
                                   "An IPsec connection needs localNetworkGateway2.")
            if ctype == "Vnet2Vnet" and not gw2_id:
                raise ApiError(400, "InvalidRequestFormat",
                               "A Vnet2Vnet connection needs virtualNetworkGateway2.")
            lng = None
            if lng_id:
                lng = self.check_ref(lng_id, {"localNetworkGateways"}, rid, "localNetworkGateway2")
                refs.append(lng["id"])
                props["localNetworkGateway2"] = {"id": lng["id"], "properties": {}}
            if gw2_id:
                gw2 = self.check_ref(gw2_id, {"virtualNetworkGateways"}, rid,
                                     "virtualNetworkGateway2")
                refs.append(gw2["id"])
                props["virtualNetworkGateway2"] = {"id": gw2["id"], "properties": {}}
            for g in [gw1] + ([self.get(gw2_id)] if gw2_id else []):
                if g["body"]["properties"].get("provisioningState") != "Succeeded":
                    raise self.in_progress(g)
            if props.get("enableBgp"):
                if not gw1["body"]["properties"].get("enableBgp"):
                    raise ApiError(400, "BgpNotEnabledOnGateway",  # [EMULATOR] code
                                   f"BGP is not enabled on {gw1['id']}.")
                if lng is not None and not lng["body"]["properties"].get("bgpSettings"):
                    raise ApiError(400, "BgpSettingsMissingOnLocalNetworkGateway",  # [EMULATOR]
                                   f"{lng['id']} has no bgpSettings.")
            cfg_ids = {c["id"].lower() for c in gw1["body"]["properties"].get("ipConfigurations", [])}
            for j, entry in enumerate(props.get("gatewayCustomBgpIpAddresses") or []):
                if (entry.get("ipConfigurationId") or "").lower() not in cfg_ids:
                    raise ApiError(400, "InvalidResourceReference",
                                   f"gatewayCustomBgpIpAddresses[{j}].ipConfigurationId is not an "
                                   f"IP configuration of {gw1['id']}.")
                self.check_apipa(entry.get("customBgpIpAddress"), f"gatewayCustomBgpIpAddresses[{j}]")
            if ctype in ("IPsec", "Vnet2Vnet") and not props.get("sharedKey") and existing:
                props["sharedKey"] = existing["body"]["properties"].get("sharedKey")
            props["virtualNetworkGateway1"] = {"id": gw1["id"], "properties": {}}
            props.setdefault("connectionProtocol", "IKEv2")
            props.setdefault("routingWeight", 0)
            props.setdefault("enableBgp", False)
            props.setdefault("useLocalAzureIpAddress", False)
            props.setdefault("usePolicyBasedTrafficSelectors", False)
            props.setdefault("ipsecPolicies", [])
            props.setdefault("connectionMode", "Default")
            props["connectionStatus"] = "Unknown"
            props["ingressBytesTransferred"] = 0
            props["egressBytesTransferred"] = 0
        elif kind == "publicIPAddresses":
            sku = body.setdefault("sku", {"name": "Basic"})  # [EXAMPLE] defaults
            props.setdefault("publicIPAddressVersion", "IPv4")
            props.setdefault("publicIPAllocationMethod",
                             "Static" if sku.get("name") == "Standard" else "Dynamic")
            props.setdefault("idleTimeoutInMinutes", 4)
            if existing:
                for k in ("ipAddress", "ipConfiguration"):
                    if k in existing["body"]["properties"]:
                        props[k] = existing["body"]["properties"][k]
        return refs

    def check_asn(self, asn, rid, on_premises=False):
        ranges = RESERVED_ASNS_AZURE + RESERVED_ASNS_IANA
        for lo, hi in ranges:
            if lo <= asn <= hi:
                raise ApiError(400, "AsnIsReserved",  # [EMULATOR] code; rule [BGP-FAQ]
                               f"ASN {asn} of {rid} is reserved by Azure or IANA and cannot be "
                               "used" + (" for an on-premises device." if on_premises else "."))

    def check_apipa(self, addr, where):
        try:
            ip = ipaddress.IPv4Address(addr)
        except (ipaddress.AddressValueError, ValueError):
            raise ApiError(400, "InvalidCustomBgpIpAddress",  # [EMULATOR] code
                           f"{where}: '{addr}' is not an IPv4 address.")
        if not APIPA_FIRST <= ip <= APIPA_LAST:
            raise ApiError(400, "InvalidCustomBgpIpAddress",  # [EMULATOR] code; rule [APIPA]
                           f"{where}: custom BGP IP address {addr} is outside the Azure APIPA "
                           f"range {APIPA_FIRST} - {APIPA_LAST}.")

    def in_progress(self, rec):
        return ApiError(409, "AnotherOperationInProgress",
                        f"Another operation on this or dependent resource is in progress. To "
                        f"retrieve status of the operation use uri: {self.async_url(rec.get('op'), rec)}")

    def async_url(self, op_id, rec, result=False):
        loc = norm_location(rec["body"].get("location", "westus"))
        leaf = "operationResults" if result else "operations"
        return (f"{self.base}/subscriptions/{self.subscription}/providers/{NETWORK}/locations/"
                f"{loc}/{leaf}/{op_id}?api-version={self.specs.docs['virtualNetworkGateway.json']['info']['version']}")

    def view(self, rec):
        body = json.loads(json.dumps(rec["body"]))
        return body


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    # Headers and body go out in separate writes; with Nagle on, each response then waits
    # ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    emu: Emulator = None

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.dispatch("GET")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_POST(self):
        self.dispatch("POST")

    def send(self, status, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.last_status = status

    def dispatch(self, method):
        emu = self.emu
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.last_status = None
        if url.path.startswith("/__emulator/"):
            with emu.lock:
                return self.control(method, url.path[len("/__emulator/"):], query, raw)
        entry = {"method": method, "path": url.path, "query": url.query, "operation": None}
        fault = None
        with emu.lock:
            emu.requests.append(entry)
            for f in emu.faults:
                if f["count"] > 0 and f.get("method", method).upper() == method and \
                        f.get("path_contains", "") in url.path:
                    f["count"] -= 1
                    fault = dict(f)
                    break
        if fault:
            if fault.get("delay_seconds"):
                time.sleep(float(fault["delay_seconds"]))
            status = int(fault["status"])
            code = {429: "SubscriptionRequestsThrottled", 500: "InternalServerError",
                    503: "ServiceUnavailable"}.get(status, "EmulatorFault")
            headers = {}
            if status == 429 or "retry_after" in fault:
                headers["Retry-After"] = str(fault.get("retry_after", 1))
            entry["status"] = status
            return self.send(status, {"error": {"code": code, "message": f"Injected fault {status}."}},
                             headers)
        try:
            with emu.lock:
                status, body, headers = self.api(method, url.path, query, raw, entry)
        except ApiError as e:
            status, body, headers = e.status, e.body(), e.headers
        except Exception as e:  # noqa: BLE001 - an emulator bug must be visible, not a hang
            status, body, headers = 500, {"error": {"code": "EmulatorBug", "message": repr(e)}}, {}
        entry["status"] = status
        self.send(status, body, headers)

    # -- control ------------------------------------------------------------------------------

    def control(self, method, what, query, raw):
        emu = self.emu
        if method == "POST" and what == "faults":
            f = json.loads(raw or b"{}")
            if int(f.get("status", 0)) not in (429, 500, 503) or int(f.get("count", 0)) < 1:
                return self.send(400, {"error": "status must be 429|500|503 and count >= 1"})
            f["count"] = int(f["count"])
            emu.faults.append(f)
            return self.send(200, {"faults": emu.faults})
        if method == "GET" and what == "state":
            return self.send(200, {
                "resources": [{"id": r["id"], "kind": r["kind"],
                               "provisioningState": r["body"]["properties"].get("provisioningState"),
                               "body": r["body"]} for r in emu.resources.values()],
                "operations": list(emu.operations.values()),
                "subnets": [s[0] for s in emu.subnets.values()],
                "resource_groups": sorted(emu.groups.values()),
                "faults": emu.faults})
        if method == "POST" and what == "reset":
            emu.reset()
            return self.send(200, {"reset": True})
        if method == "DELETE" and what == "object":
            rid = (query.get("id") or [""])[0]
            rec = emu.resources.pop(rid.lower(), None)
            if rec is None:
                return self.send(404, {"deleted": False, "id": rid})
            emu.detach(rec)
            return self.send(200, {"deleted": True, "id": rec["id"]})
        if method == "GET" and what == "requests":
            return self.send(200, emu.requests)
        if method == "GET" and what == "auth":
            return self.send(200, emu.auth.report())
        return self.send(404, {"error": f"unknown control {method} {what}"})

    # -- ARM ----------------------------------------------------------------------------------

    def api(self, method, path, query, raw, entry):
        emu, specs = self.emu, self.emu.specs
        emu.base = f"http://{self.headers.get('Host') or '127.0.0.1'}"
        if emu.auth.enabled:
            auth = self.headers.get("Authorization")
            if not auth:
                raise ApiError(401, "AuthenticationFailed",
                               "Authentication failed. The 'Authorization' header is missing.")
            verdict = emu.auth.verdict(auth)
            if verdict == "expired":
                raise ApiError(401, "ExpiredAuthenticationToken",
                               "The access token expiry UTC time is earlier than current UTC time.")
            if verdict not in ("fixed", "issued"):
                raise ApiError(401, "InvalidAuthenticationToken",
                               "The access token is invalid.")
        versions = query.get("api-version")
        if not versions or not versions[0]:
            raise ApiError(400, "MissingApiVersionParameter",
                           "The api-version query parameter (?api-version=) is required for all "
                           "requests.")
        version = versions[0]
        if not re.match(r"^\d{4}-\d{2}-\d{2}(-preview)?$", version):
            raise ApiError(400, "InvalidApiVersionParameter",
                           f"The api-version '{version}' is invalid. The supported versions are "
                           f"'{self.spec_version()}'.")
        m = re.match(r"^/subscriptions/([^/]+)(/.*)?$", path, re.I)
        if not m:
            raise ApiError(404, "InvalidResourceType", f"No route for {method} {path}.")
        if m.group(1) != emu.subscription:
            raise ApiError(404, "SubscriptionNotFound",
                           f"The subscription '{m.group(1)}' could not be found.")

        # Async operation status (Azure-AsyncOperation) and results (Location). [ARM-LRO]
        op_m = re.match(r"^/subscriptions/[^/]+/providers/Microsoft\.Network/locations/[^/]+/"
                        r"(operations|operationResults)/([^/]+)$", path, re.I)
        if op_m and method == "GET":
            self.check_version(version, self.spec_version())
            entry["operation"] = "AsyncOperation_" + op_m.group(1)
            op = emu.poll(op_m.group(2))
            if op is None:
                raise ApiError(404, "OperationNotFound", f"Operation {op_m.group(2)} not found.")
            if op_m.group(1) == "operations":
                return 200, {"status": op["status"]}, self.retry_headers(op)
            if op["status"] == "InProgress":
                rec = emu.resources.get(op["resource"])
                hdrs = dict(self.retry_headers(op))
                hdrs["Location"] = self.path_url(path, version)
                return 202, None, hdrs
            if op["kind"] == "delete":
                return 204, None, {}
            rec = emu.resources.get(op["resource"])
            return (200, emu.view(rec), {}) if rec else (204, None, {})

        found = specs.match(method, path)
        if found is None:
            if specs.path_exists(path):
                raise ApiError(405, "MethodNotAllowed", f"{method} is not supported on {path}.")
            raise ApiError(404, "InvalidResourceType",
                           f"The resource type for '{path}' could not be found in the namespace "
                           f"'{NETWORK}' for api version '{version}'.")
        template, op, fname, spec_version, values = found
        entry["operation"] = op.get("operationId")
        self.check_version(version, spec_version)
        body_param = None
        for p in op.get("parameters", []):
            p = specs.param(p, fname)
            if p.get("in") == "path" and p.get("required") and not values.get(p["name"]):
                raise ApiError(400, "InvalidRequestFormat", f"Missing path parameter {p['name']}.")
            if p.get("in") == "body":
                body_param = p
        rg = values.get("resourceGroupName")
        if rg is not None and rg.lower() not in emu.groups:
            raise ApiError(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")
        body = None
        if body_param is not None:
            if not raw.strip():
                if body_param.get("required"):
                    raise ApiError(400, "InvalidRequestContent",
                                   "The request content was invalid and could not be deserialized: "
                                   "the request body is empty.")
            else:
                try:
                    body = json.loads(raw)
                except ValueError as e:
                    raise ApiError(400, "InvalidRequestContent",
                                   f"The request content was invalid and could not be "
                                   f"deserialized: '{e}'.")
                body = validate(specs, body_param["schema"], fname, body)
        elif raw.strip() and method in ("PUT", "PATCH"):
            raise ApiError(400, "InvalidRequestContent", "This operation takes no request body.")
        return self.route(method, path, template, op, values, body)

    def spec_version(self):
        return self.emu.specs.docs["virtualNetworkGateway.json"]["info"]["version"]

    def check_version(self, version, spec_version):
        if version != spec_version:
            raise ApiError(400, "NoRegisteredProviderFound",
                           f"No registered resource provider found for API version '{version}'. "
                           f"The supported api-versions are '{spec_version}'.")

    def path_url(self, path, version):
        return f"{self.emu.base}{path}?api-version={version}"

    def retry_headers(self, op):
        return self.emu.pace() if op["status"] == "InProgress" else {}

    def route(self, method, path, template, op, values, body):
        emu = self.emu
        segs = template.split("/")
        # Resource template: .../providers/Microsoft.Network/{kind}/{name}[/sharedkey]
        try:
            i = [s.lower() for s in segs].index("microsoft.network")
        except ValueError:
            raise ApiError(501, "EmulatorNotImplemented", f"{op.get('operationId')} is not emulated.")
        tail = segs[i + 1:]
        kind = KINDS.get(tail[0].lower()) if tail else None
        if kind is None:
            raise ApiError(501, "EmulatorNotImplemented", f"{op.get('operationId')} is not emulated.")
        psegs = path.split("/")
        prefix = "/".join(psegs[:i + 1])
        if len(tail) == 1:  # list
            if method != "GET":
                raise ApiError(501, "EmulatorNotImplemented", f"{op.get('operationId')}")
            scope = (prefix + "/" + psegs[i + 1]).lower()
            scope_prefix = scope.split("/providers/")[0] + "/"
            items = [emu.view(r) for r in emu.resources.values()
                     if r["kind"] == kind and r["id"].lower().startswith(scope_prefix)]
            return 200, {"value": items}, {}
        rid = "/".join(psegs[:i + 3])
        rid = self.canonical(rid, kind)
        extra = tail[2:]
        rec = emu.get(rid)
        if extra == ["sharedkey"]:
            return self.shared_key(method, rid, rec, body)
        if extra:
            raise ApiError(501, "EmulatorNotImplemented", f"{op.get('operationId')} is not emulated.")
        if method == "GET":
            if rec is None:
                raise self.not_found(rid, kind)
            emu.poll_resource(rec)
            rec = emu.get(rid)
            if rec is None:
                raise self.not_found(rid, kind)
            busy = rec.get("op") and emu.args.poll_retry_after_ms is not None
            return 200, emu.view(rec), emu.pace(seconds=False) if busy else {}
        if method == "PUT":
            return self.put(rid, kind, rec, body)
        if method == "DELETE":
            return self.delete(rid, kind, rec)
        if method == "PATCH":
            if rec is None:
                raise self.not_found(rid, kind)
            if body and "tags" in body:
                rec["body"]["tags"] = body["tags"]
            rec["body"]["etag"] = etag()
            return 200, emu.view(rec), {}
        raise ApiError(501, "EmulatorNotImplemented", f"{op.get('operationId')} is not emulated.")

    def canonical(self, rid, kind):
        m = parse_id(rid)
        sub, rg, _, name, _ = m
        rg = self.emu.groups.get(rg.lower(), rg)
        return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{NETWORK}/{kind}/{name}"

    def not_found(self, rid, kind):
        m = parse_id(rid)
        return ApiError(404, "ResourceNotFound",
                        f"The Resource '{NETWORK}/{kind}/{m[3]}' under resource group '{m[1]}' "
                        "was not found. For more details please go to "
                        "https://aka.ms/ARMResourceNotFoundFix")

    def put(self, rid, kind, rec, body):
        emu = self.emu
        if rec is not None and rec.get("op"):
            raise emu.in_progress(rec)
        if not body.get("location"):
            raise ApiError(400, "LocationRequired",
                           "The location property is required for this definition.")
        body["location"] = norm_location(body["location"])
        if rec is not None and body["location"] != rec["body"]["location"]:
            raise ApiError(400, "InvalidResourceLocation",
                           f"The resource '{rid}' already exists in location "
                           f"'{rec['body']['location']}'. A resource with the same name cannot be "
                           f"created in location '{body['location']}'.")
        refs = emu.prepare(kind, rid, body, rec)
        name = rid.rsplit("/", 1)[1]
        props = body["properties"]
        props["provisioningState"] = "Updating"  # [EXAMPLE] 201/200 bodies say "Updating"
        props["resourceGuid"] = rec["body"]["properties"]["resourceGuid"] if rec else str(uuid.uuid4())
        stored = {"name": name, "id": rid, "etag": etag(), "type": f"{NETWORK}/{kind}"}
        stored.update(body)
        new = {"id": rid, "kind": kind, "body": stored, "refs": refs, "op": None}
        if rec is not None:
            emu.detach(rec)
        emu.resources[rid.lower()] = new
        if kind == "virtualNetworkGateways":
            for cfg in props.get("ipConfigurations", []):
                pip = emu.get(cfg["properties"].get("publicIPAddress", {}).get("id"))
                if pip is not None:
                    pip["body"]["properties"]["ipConfiguration"] = {"id": cfg["id"]}
        polls = FAST_KINDS.get(kind, emu.args.op_polls)
        op_id = emu.start_op(new, "put", polls)
        headers = {"Azure-AsyncOperation": emu.async_url(op_id, new), **emu.pace()}
        return (200 if rec is not None else 201), emu.view(new), headers

    def delete(self, rid, kind, rec):
        emu = self.emu
        if rec is None:
            return 204, None, {}
        if rec.get("op"):
            raise emu.in_progress(rec)
        users = emu.users_of(rid)
        if users:
            if kind == "publicIPAddresses":
                cfg = rec["body"]["properties"].get("ipConfiguration", {}).get("id", users[0]["id"])
                raise ApiError(400, "PublicIPAddressCannotBeDeleted",
                               f"Public IP address {rid} can not be deleted since it is still "
                               f"allocated to resource {cfg}. In order to delete the public IP, "
                               "disassociate/detach the Public IP address from the resource.")
            raise ApiError(400, "InUseResourceCannotBeDeleted",  # [EMULATOR] code
                           f"Resource {rid} is in use by {users[0]['id']} and cannot be deleted.")
        rec["body"]["properties"]["provisioningState"] = "Deleting"
        polls = FAST_KINDS.get(kind, emu.args.op_polls)
        op_id = emu.start_op(rec, "delete", polls)
        return 202, None, {"Location": emu.async_url(op_id, rec, result=True),
                           "Azure-AsyncOperation": emu.async_url(op_id, rec), **emu.pace()}

    def shared_key(self, method, rid, rec, body):
        emu = self.emu
        if rec is None:
            raise self.not_found(rid, "connections")
        key_id = rid + "/sharedkey"
        if method == "GET":
            return 200, {"id": key_id, "value": rec["body"]["properties"].get("sharedKey", "")}, {}
        if rec.get("op"):
            raise emu.in_progress(rec)
        rec["body"]["properties"]["sharedKey"] = body["value"]
        rec["body"]["etag"] = etag()
        return 200, {"id": key_id, "value": body["value"]}, {}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog is 5: a client's burst of parallel connections
    # (-parallelism=50) overflows it and the kernel drops SYNs, each a retry after 1, 3, 7 ... s.
    request_queue_size = 128


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--specs", required=True)
    ap.add_argument("--subscription", required=True)
    ap.add_argument("--token")
    ap.add_argument("--tokens-file")
    ap.add_argument("--subnet", action="append", default=[])
    ap.add_argument("--resource-group", action="append", default=[])
    ap.add_argument("--op-polls", type=int, default=2)
    ap.add_argument("--poll-retry-after", type=int, default=0)
    ap.add_argument("--poll-retry-after-ms", type=int, default=None)
    args = ap.parse_args()
    specs = Specs(args.specs)
    emu = Emulator(args, specs)
    emu.auth = TokenCheck(args.token, args.tokens_file)
    emu.base = "http://127.0.0.1"
    Handler.emu = emu
    server = Server(("127.0.0.1", args.port), Handler)
    print(f"LISTENING http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
