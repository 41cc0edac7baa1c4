#!/usr/bin/env python3
"""A fault-injecting HTTP reverse proxy for the e2e reliability tests. Standard library only.

    python3 tests/emulators/fault_proxy.py --upstream http://127.0.0.1:PORT --flavour aws|gcp|azure|cloudflare \
        [--seed N] [--rate 0.2] [--slow-seconds 6] [--kinds throttle,error500,error503,reset,slow]

Prints one line `LISTENING http://127.0.0.1:PORT` and forwards every request to the upstream
(moto or one of the emulators in this folder), 127.0.0.1 only. A share `--rate` of the calls gets
a fault instead of (or after) the upstream's answer:

- `throttle`: 429 with `Retry-After: 1` and the cloud's throttling error body (AWS
  `Throttling`/`RequestLimitExceeded`, Google `rateLimitExceeded`, ...); upstream not called.
- `error500` / `error503`: the cloud's internal-error / unavailable body; upstream not called.
- `reset`: the request IS forwarded (the upstream applies it), then the connection is closed with
  a TCP reset and no answer: the ambiguous case where a create happened but its caller cannot know.
- `slow`: forwarded too, and the answer held for `--slow-seconds`, past the client's per-attempt
  deadline (the tests set the provider's to 2 s), so the client gives up on an applied request.

Which calls get which fault is decided from the seed and the request itself (method, path without
query, body, and how many times that same request was seen), not from arrival order, so a run
with the same seed faults the same requests whatever the interleaving of parallel calls (request
bodies that carry random ids, e.g. a Route 53 CallerReference, differ between runs).

Test controls (never faulted) under `/__fault_proxy/`:
- `GET stats`: {"calls", "forwarded", "faults": {kind: n}, "retries", "repeats", "by_method",
  "by_call": {"METHOD path [EC2 action]": n}, "upstream_seconds": {same keys: seconds the
  upstream took to answer them, summed}, "in_flight": calls waiting for the upstream now,
  "oldest_in_flight": ["METHOD path", seconds] or null, "faulted_writes": ["kind METHOD path [EC2 action]", ...]}.
  `repeats` counts requests identical (method, path, body) to an earlier one, polls included;
  `retries` only those whose previous identical request got a fault.
- `POST config` with any of {"rate", "enabled", "hold_at_call", "hold_at_write"}: `hold_at_call: K`
  forwards call K (counting from now) to the upstream and then holds its answer until
  `POST release`, so a test can kill the client at exactly that point; `GET stats` shows
  `"held": "METHOD path"` meanwhile. `hold_at_write: K` does the same with the K-th call that
  changes something (not a GET, an EC2 Describe* or a GCP operation wait); `writes` in the stats
  counts those.
- `POST release`, `POST reset` (counters to zero).
"""

import argparse
import hashlib
import http.client
import json
import random
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

CONTROL = "/__fault_proxy/"
KINDS = ("throttle", "error500", "error503", "reset", "slow")
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
    "host",
}


def error_body(flavour, path, status):
    """(content type, body) of the cloud's own error for `status`, so its client classifies it
    as it would the real one."""
    if flavour == "aws":
        code, message = {
            429: ("Throttling", "Rate exceeded"),
            500: ("InternalError", "We encountered an internal error. Please try again."),
            503: ("ServiceUnavailable", "Service is unavailable. Please try again."),
        }[status]
        if path.startswith("/2013-04-01/"):
            # Route 53 (REST-XML).
            body = (
                '<?xml version="1.0"?><ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">'
                f"<Error><Type>{'Sender' if status == 429 else 'Receiver'}</Type><Code>{code}</Code>"
                f"<Message>{message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
            )
        else:
            # EC2 (query protocol).
            if status == 429:
                code = "RequestLimitExceeded"
            body = (
                f'<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>{code}</Code>'
                f"<Message>{message}</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>"
            )
        return "text/xml", body.encode()
    if flavour == "gcp":
        reason, status_text = {
            429: ("rateLimitExceeded", "RESOURCE_EXHAUSTED"),
            500: ("backendError", "INTERNAL"),
            503: ("backendError", "UNAVAILABLE"),
        }[status]
        body = {
            "error": {
                "code": status,
                "message": f"injected by fault_proxy: {reason}",
                "errors": [{"message": "injected", "domain": "global", "reason": reason}],
                "status": status_text,
            }
        }
    elif flavour == "azure":
        code = {429: "TooManyRequests", 500: "InternalServerError", 503: "ServiceUnavailable"}[status]
        body = {"error": {"code": code, "message": "injected by fault_proxy"}}
    else:  # cloudflare
        code = {429: 971, 500: 1000, 503: 1000}[status]
        body = {
            "success": False,
            "errors": [{"code": code, "message": "injected by fault_proxy"}],
            "messages": [],
            "result": None,
        }
    return "application/json", json.dumps(body).encode()


def describe(method, path, body):
    """`METHOD path`, plus the EC2 query action (all EC2 calls are `POST /`)."""
    what = f"{method} {path.split('?')[0]}"
    if body.startswith(b"Action="):
        what += " " + body.split(b"&")[0][len(b"Action="):].decode(errors="replace")
    return what


def is_read(body):
    """An EC2 query call that changes nothing (Describe*), though sent as a POST."""
    return body.startswith(b"Action=Describe")


def is_write(method, path, body):
    """A call that changes something in the cloud: not a GET, an EC2 Describe* (POSTed) or a GCP
    operation wait (POSTed too)."""
    return method not in ("GET", "HEAD") and not is_read(body) and not path.split("?")[0].endswith("/wait")


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.seed = args.seed
        self.rate = args.rate
        self.kinds = [k for k in args.kinds.split(",") if k]
        self.enabled = True
        self.hold_at = None
        self.hold_at_write = None
        self.release = threading.Event()
        self.reset_counters()

    def reset_counters(self):
        self.calls = 0
        self.writes = 0
        self.forwarded = 0
        self.faults = {k: 0 for k in KINDS}
        self.retries = 0
        self.repeats = 0
        self.by_method = {}
        self.by_call = {}  # describe(...) -> n: what a load run counts per operation
        self.upstream_seconds = {}  # describe(...) -> seconds the upstream took, summed
        self.in_flight = {}  # token -> (describe(...), monotonic start): waiting for the upstream
        self.seen = {}  # request key -> (times seen, last one faulted)
        self.faulted_writes = []  # "kind METHOD what" of each faulted request that changes things
        self.held = None

    def decide(self, method, path, body):
        """(call number, fault kind or None, hold) for one request; counts it."""
        key = hashlib.sha256(
            method.encode() + b" " + path.split("?")[0].encode() + b"\0" + body
        ).hexdigest()
        with self.lock:
            self.calls += 1
            n = self.calls
            self.by_method[method] = self.by_method.get(method, 0) + 1
            what = describe(method, path, body)
            self.by_call[what] = self.by_call.get(what, 0) + 1
            times, last_faulted = self.seen.get(key, (0, False))
            if times:
                self.repeats += 1
                if last_faulted:
                    self.retries += 1
            kind = None
            if self.enabled and self.rate > 0 and self.kinds:
                rng = random.Random(f"{self.seed}:{key}:{times}")
                if rng.random() < self.rate:
                    kind = rng.choice(self.kinds)
                    self.faults[kind] += 1
                    if method != "GET" and not is_read(body):
                        self.faulted_writes.append(f"{kind} {describe(method, path, body)}")
            self.seen[key] = (times + 1, kind is not None)
            write = is_write(method, path, body)
            if write:
                self.writes += 1
            hold = False
            if self.held is None and (
                (self.hold_at is not None and n >= self.hold_at)
                or (write and self.hold_at_write is not None and self.writes >= self.hold_at_write)
            ):
                hold = True
                self.hold_at = self.hold_at_write = None
                self.held = describe(method, path, body)
                self.release.clear()
            return n, kind, hold

    def stats(self):
        with self.lock:
            return {
                "calls": self.calls,
                "writes": self.writes,
                "forwarded": self.forwarded,
                "faults": dict(self.faults),
                "injected": sum(self.faults.values()),
                "retries": self.retries,
                "repeats": self.repeats,
                "by_method": dict(self.by_method),
                "by_call": dict(self.by_call),
                "upstream_seconds": dict(self.upstream_seconds),
                "in_flight": len(self.in_flight),
                "oldest_in_flight": min(
                    ([what, round(time.monotonic() - t, 1)] for what, t in self.in_flight.values()),
                    key=lambda x: -x[1],
                    default=None,
                ),
                "held": self.held,
                "faulted_writes": list(self.faulted_writes),
                "enabled": self.enabled,
                "rate": self.rate,
                "seed": self.seed,
            }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: State
    upstream = None  # SplitResult
    flavour = "aws"
    slow_seconds = 6.0

    def log_message(self, fmt, *args):  # quiet: the tests print the figures
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status, headers, body):
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in HOP_BY_HOP:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def reset_connection(self):
        """Close with RST (SO_LINGER 0) and no answer."""
        try:
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass

    def control(self, body):
        what = self.path[len(CONTROL):].split("?")[0]
        st = self.state
        if self.command == "GET" and what == "stats":
            out = st.stats()
        elif self.command == "POST" and what == "config":
            cfg = json.loads(body or b"{}")
            with st.lock:
                if "rate" in cfg:
                    st.rate = float(cfg["rate"])
                if "enabled" in cfg:
                    st.enabled = bool(cfg["enabled"])
                if "hold_at_call" in cfg:
                    k = cfg["hold_at_call"]
                    st.hold_at = None if k is None else st.calls + int(k)
                    st.held = None
                if "hold_at_write" in cfg:
                    k = cfg["hold_at_write"]
                    st.hold_at_write = None if k is None else st.writes + int(k)
                    st.held = None
            out = st.stats()
        elif self.command == "POST" and what == "release":
            st.release.set()
            out = st.stats()
        elif self.command == "POST" and what == "reset":
            with st.lock:
                st.reset_counters()
                st.hold_at = st.hold_at_write = None
            st.release.set()
            out = st.stats()
        else:
            self.send(404, [("Content-Type", "application/json")], b'{"error":"no such control"}')
            return
        self.send(200, [("Content-Type", "application/json")], json.dumps(out).encode())

    def forward(self, body):
        """The upstream's (status, headers, body) for this request."""
        up = self.upstream
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=120)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["Host"] = up.netloc
            headers["Content-Length"] = str(len(body))
            started = time.monotonic()
            what = describe(self.command, self.path, body)
            token = object()
            with self.state.lock:
                self.state.in_flight[token] = (what, started)
            try:
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            finally:
                with self.state.lock:
                    self.state.in_flight.pop(token, None)
            took = time.monotonic() - started
            with self.state.lock:
                self.state.forwarded += 1
                spent = self.state.upstream_seconds
                spent[what] = spent.get(what, 0.0) + took
            return resp.status, resp.getheaders(), data
        finally:
            conn.close()

    def handle_any(self):
        body = self.read_body()
        if self.path.startswith(CONTROL):
            self.control(body)
            return
        _, kind, hold = self.state.decide(self.command, self.path, body)
        if kind == "throttle":
            ctype, payload = error_body(self.flavour, self.path, 429)
            self.send(429, [("Content-Type", ctype), ("Retry-After", "1")], payload)
            return
        if kind in ("error500", "error503"):
            status = 500 if kind == "error500" else 503
            ctype, payload = error_body(self.flavour, self.path, status)
            self.send(status, [("Content-Type", ctype)], payload)
            return
        try:
            status, headers, data = self.forward(body)
        except OSError as e:
            self.send(502, [("Content-Type", "text/plain")], f"fault_proxy: upstream: {e}".encode())
            return
        if hold:
            # Applied upstream; the caller waits until the test has done what it wanted (killed
            # the client, usually) and released the hold.
            self.state.release.wait(timeout=300)
            with self.state.lock:
                self.state.held = None
        if kind == "reset":
            self.reset_connection()
            return
        if kind == "slow":
            time.sleep(self.slow_seconds)
        try:
            self.send(status, headers, data)
        except OSError:
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog is 5: a burst of a client's parallel connections
    # overflows it, and the kernel drops the SYNs it cannot queue (the client retries after 1, 3,
    # 7 ... s). -parallelism=50 makes such bursts.
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # A client killed mid-request (tests/e2e/crash.rs) is expected, not worth a traceback.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--upstream", required=True)
    p.add_argument("--flavour", choices=["aws", "gcp", "azure", "cloudflare"], required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rate", type=float, default=0.2)
    p.add_argument("--slow-seconds", type=float, default=6.0)
    p.add_argument("--kinds", default=",".join(KINDS))
    args = p.parse_args()
    for k in args.kinds.split(","):
        if k and k not in KINDS:
            p.error(f"unknown fault kind {k!r}; known: {', '.join(KINDS)}")
    Handler.state = State(args)
    Handler.upstream = urlsplit(args.upstream)
    Handler.flavour = args.flavour
    Handler.slow_seconds = args.slow_seconds
    server = Server(("127.0.0.1", args.port), Handler)
    print(f"LISTENING http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
