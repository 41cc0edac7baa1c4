#!/usr/bin/env python3
"""Strict emulator of the Google Kubernetes Engine API (container v1), limited to what cluster
credentials need: reading a cluster (projects.locations.clusters.get and the older
projects.zones.clusters.get). Standard library only; the validation is gcp_compute.py's.

    python3 tests/emulators/gcp_container.py --port 0 --discovery PATH --project PROJECT \
        [--token TOKEN]

PATH is Google's discovery document `container.v1.json` (scripts/install-tools.sh copies it from
the pinned google-api-python-client to .tools/gcp/container.v1.json). Prints one line
`LISTENING http://127.0.0.1:PORT`, then serves the API under `/v1/` (the document's rootUrl path
plus the methods' `v1/...` paths) on 127.0.0.1 only.

From the discovery document: which (httpMethod, path) pairs exist (every nested resource), path
and query parameters (patterns, known names, types), and every cluster this emulator returns is
checked against the `Cluster` schema before it is sent (unknown fields, JSON types, enums), so a
seeded cluster cannot carry a field GKE would never return. Methods in the document that are not
emulated answer 501; paths in no method answer 404.

Choices the docs leave open (tagged [EMULATOR]; clients must not depend on them):
  * Clusters are not created through the API (nothing in multicloud creates GKE clusters; the
    generated modules use the google provider): tests seed them with POST /__emulator/clusters
    {"location", "name", "caPem", "endpoint"?, "privateEndpoint"?, "status"?}.
  * A cluster that does not exist, or a project other than --project, is 404 NOT_FOUND (GKE
    answers 403 for a project the caller cannot see; both are errors a client must report).

Test controls (no auth) under /__emulator/: POST clusters, GET requests (method, path, query and
whether the bearer token matched), POST reset.

Sources:
  [DISCOVERY] container.v1.json as shipped in google-api-python-client.
  [ERRORS]    https://cloud.google.com/apis/design/errors (error envelope, status names).
  [AUTH]      https://cloud.google.com/kubernetes-engine/docs/how-to/api-server-authentication
              (clients send an OAuth 2.0 access token; the CA is masterAuth.clusterCaCertificate,
              base64 of a PEM certificate).
"""

import argparse
import base64
import datetime
import json
import re
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from gcp_compute import ApiError, QuietServer, validate_params

EMULATED = {"container.projects.locations.clusters.get", "container.projects.zones.clusters.get"}


class Discovery:
    """Every method of the document, nested resources included, as path regexes."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = json.load(f)
        self.schemas = self.doc["schemas"]
        self.global_params = self.doc.get("parameters", {})
        self.routes = []
        self._walk(self.doc.get("resources", {}))
        # Literal segments first, so `.../clusters/{id}:setLabels` wins over a wider template.
        self.routes.sort(key=lambda r: -r[1])

    def _walk(self, resources):
        # The flat path (`v1/projects/{projectsId}/locations/{locationsId}/clusters/{clustersId}`)
        # tells the methods apart (many share `v1/{+name}`); the parameters are the path's.
        for res in resources.values():
            for m in res.get("methods", {}).values():
                flat_rx, _, literal = self._route(m.get("flatPath", m["path"]))
                path_rx, names, _ = self._route(m["path"])
                self.routes.append((flat_rx, literal, path_rx, names, m))
            self._walk(res.get("resources", {}))

    @staticmethod
    def _route(tmpl):
        names = []

        def param(mm):
            names.append(mm.group(2))
            return "(.+)" if mm.group(1) else "([^/:]+)"

        pieces = re.split(r"(\{\+?\w+\})", tmpl)
        rx = "".join(param(re.fullmatch(r"\{(\+?)(\w+)\}", p)) if p.startswith("{")
                     else re.escape(p) for p in pieces)
        literal = sum(len(p) for p in pieces if not p.startswith("{"))
        return re.compile(rx), names, literal

    def match(self, http_method, rel_path):
        """(method, path parameters); True when only the HTTP method is wrong; else False."""
        path_hit = False
        for flat_rx, _, path_rx, names, m in self.routes:
            if not flat_rx.fullmatch(rel_path):
                continue
            path_hit = True
            if m["httpMethod"] == http_method:
                return m, dict(zip(names, path_rx.fullmatch(rel_path).groups()))
        return path_hit


def check_response(disc, prop, value, where):
    """Fails (an emulator bug) when `value` is not what the schema allows GKE to return."""
    if "$ref" in prop:
        props = disc.schemas[prop["$ref"]].get("properties", {})
        if not isinstance(value, dict):
            raise AssertionError(f"{where}: want an object")
        for k, v in value.items():
            if k not in props:
                raise AssertionError(f"{where}.{k}: not in {prop['$ref']}")
            check_response(disc, props[k], v, f"{where}.{k}")
        return
    t = prop.get("type")
    ok = {"string": str, "boolean": bool, "integer": int, "number": (int, float),
          "array": list, "object": dict}.get(t, object)
    if not isinstance(value, ok) or (t in ("integer", "number") and isinstance(value, bool)):
        raise AssertionError(f"{where}: want {t}")
    if t == "string" and "enum" in prop and value not in prop["enum"]:
        raise AssertionError(f"{where}: {value!r} not one of {prop['enum']}")
    if t == "array":
        for i, v in enumerate(value):
            check_response(disc, prop["items"], v, f"{where}[{i}]")


def not_found(what):
    return ApiError(404, "notFound", f"Not found: {what}.")


class Emulator:
    def __init__(self, disc, project, token):
        self.disc, self.project, self.token = disc, project, token
        self.lock = threading.Lock()
        self.base = ""
        self.reset()

    def reset(self):
        with self.lock:
            self.clusters = {}
            self.requests = []

    def seed(self, body):
        location, name = body.get("location"), body.get("name")
        if not (isinstance(location, str) and isinstance(name, str) and location and name):
            raise ApiError(400, "invalid", "seed needs location and name")
        pem = body.get("caPem", "")
        if "-----BEGIN CERTIFICATE-----" not in pem:
            raise ApiError(400, "invalid", "seed needs caPem, a PEM certificate")
        rel = f"projects/{self.project}/locations/{location}/clusters/{name}"
        cluster = {
            "name": name,
            "location": location,
            "selfLink": f"{self.base}/v1/{rel}",
            "endpoint": body.get("endpoint", "34.118.0.10"),
            "status": body.get("status", "RUNNING"),
            "currentMasterVersion": "1.33.5-gke.1000000",
            "createTime": datetime.datetime.now(datetime.timezone.utc)
            .strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            "masterAuth": {"clusterCaCertificate": base64.b64encode(pem.encode()).decode()},
        }
        if "privateEndpoint" in body:
            cluster["privateClusterConfig"] = {"enablePrivateNodes": True,
                                               "privateEndpoint": body["privateEndpoint"]}
        try:
            check_response(self.disc, {"$ref": "Cluster"}, cluster, "Cluster")
        except AssertionError as e:
            raise ApiError(400, "invalid", f"GKE never returns this cluster: {e}") from e
        with self.lock:
            self.clusters[(location, name)] = cluster
        return cluster

    def get(self, project, location, name):
        if project != self.project:
            raise not_found(f"projects/{project}")
        with self.lock:
            found = self.clusters.get((location, name))
        if found is None:
            raise not_found(f"projects/{project}/locations/{location}/clusters/{name}")
        return found


def make_handler(emu):
    disc = emu.disc

    class Handler(BaseHTTPRequestHandler):
        disable_nagle_algorithm = True
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def send_json(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self.dispatch("GET")

        def do_POST(self):
            self.dispatch("POST")

        def do_PUT(self):
            self.dispatch("PUT")

        def do_DELETE(self):
            self.dispatch("DELETE")

        def do_PATCH(self):
            self.dispatch("PATCH")

        def dispatch(self, method):
            url = urlsplit(self.path)
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n) if n else b""
            try:
                if url.path.startswith("/__emulator/"):
                    return self.control(method, url.path[len("/__emulator/"):], raw)
                self.send_json(200, self.api(method, url.path, url.query))
            except ApiError as e:
                self.send_json(e.code, e.body())

        def control(self, method, what, raw):
            if (method, what) == ("POST", "clusters"):
                return self.send_json(200, emu.seed(json.loads(raw or b"{}")))
            if (method, what) == ("GET", "requests"):
                with emu.lock:
                    return self.send_json(200, list(emu.requests))
            if (method, what) == ("POST", "reset"):
                emu.reset()
                return self.send_json(200, {})
            raise ApiError(404, "notFound", f"no emulator control {method} {what}")

        def api(self, method, path, query):
            auth = self.headers.get("Authorization", "")
            authorized = emu.token is None or auth == f"Bearer {emu.token}"
            with emu.lock:
                emu.requests.append({"method": method, "path": path, "query": query,
                                     "authorized": authorized})
            if not authorized:
                raise ApiError(401, "authError", "Request is missing required authentication "
                               "credential. Expected OAuth 2 access token.")
            hit = disc.match(method, path.lstrip("/"))
            if hit is True:
                raise ApiError(405, "methodNotAllowed", f"{method} is not allowed on {path}")
            if not hit:
                raise ApiError(404, "notFound", f"The requested URL {path} was not found.")
            m, params = hit
            validate_params(disc, m, params, parse_qs(query, keep_blank_values=True))
            if m["id"] not in EMULATED:
                raise ApiError(501, "notImplemented", f"{m['id']} is not emulated")
            if m["id"] == "container.projects.locations.clusters.get":
                parts = params["name"].split("/")
                return emu.get(parts[1], parts[3], parts[5])
            return emu.get(params["projectId"], params["zone"], params["clusterId"])

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--discovery", required=True)
    ap.add_argument("--project", required=True)
    ap.add_argument("--token")
    args = ap.parse_args()
    emu = Emulator(Discovery(args.discovery), args.project, args.token)
    server = QuietServer(("127.0.0.1", args.port), make_handler(emu))
    server.daemon_threads = True
    url = f"http://127.0.0.1:{server.server_address[1]}"
    emu.base = url
    print(f"LISTENING {url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
