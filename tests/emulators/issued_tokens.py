"""The token-expiry hook the API emulators share (gcp_compute.py and azure_network.py with
--tokens-file): a request's bearer token is accepted when token_endpoints.py issued it and it has
not expired yet. Standard library only; the file is re-read at every request (the token server
replaces it atomically whenever it issues a token).

Verdicts, counted per emulator and shown by GET /__emulator/auth:
  fixed    the emulator's own --token (what the tests' inspection helpers send)
  issued   a token from the file, before its expiry
  expired  a token from the file, at or after its expiry (answered 401, as the clouds do)
  unknown  anything else (401)
"""

import json
import threading
import time


class TokenCheck:
    def __init__(self, fixed, tokens_file):
        self.fixed, self.tokens_file = fixed, tokens_file
        self.lock = threading.Lock()
        self.counts = {"fixed": 0, "issued": 0, "expired": 0, "unknown": 0}
        self.kinds = {}  # kind of issued token -> requests accepted with it

    @property
    def enabled(self):
        return self.fixed is not None or self.tokens_file is not None

    def verdict(self, authorization):
        token = authorization[len("Bearer "):] if authorization.startswith("Bearer ") else None
        verdict, kind = "unknown", None
        if token is not None and token == self.fixed:
            verdict = "fixed"
        elif token is not None and self.tokens_file:
            try:
                with open(self.tokens_file) as f:
                    known = json.load(f)["tokens"].get(token)
            except (OSError, ValueError, KeyError):
                known = None
            if known is not None:
                verdict = "issued" if time.time() < known["exp"] else "expired"
                kind = known.get("kind")
        with self.lock:
            self.counts[verdict] += 1
            if verdict == "issued":
                self.kinds[kind] = self.kinds.get(kind, 0) + 1
        return verdict

    def report(self):
        with self.lock:
            return dict(self.counts, kinds=dict(self.kinds))
