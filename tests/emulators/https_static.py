#!/usr/bin/env python3
"""A directory served over HTTPS on 127.0.0.1, read-only: a provider network mirror as a user would
host it (Terraform only talks to mirrors over HTTPS). Standard library only.

    python3 tests/emulators/https_static.py --dir DIR --cert CERT.pem --key KEY.pem [--port 0]

Prints one line `LISTENING https://127.0.0.1:PORT`. GET and HEAD only; every request is appended
to DIR/../requests.log (method and path) so tests can see what Terraform fetched.
"""

import argparse
import functools
import os
import ssl
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer


class Handler(SimpleHTTPRequestHandler):
    log_path = None

    def log_message(self, fmt, *args):
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(f"{self.command} {self.path}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    Handler.log_path = os.path.join(os.path.dirname(os.path.abspath(args.dir)), "requests.log")
    server = ThreadingHTTPServer(("127.0.0.1", args.port),
                                 functools.partial(Handler, directory=args.dir))
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(f"LISTENING https://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
