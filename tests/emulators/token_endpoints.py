#!/usr/bin/env python3
"""Strict local token endpoints for the provider's credential sources: Google's OAuth 2.0 token
endpoint (JWT-bearer and refresh-token grants), Google STS (token exchange), IAM Credentials
generateAccessToken, the GCE metadata server, Microsoft Entra ID's v2.0 token endpoint (client
secret, certificate assertion, federated assertion), Azure IMDS (managed identity), and a GitHub
Actions-style OIDC token service. Needs `cryptography` (run it with .tools/venv's Python).

    token_endpoints.py --port 0 --issued-file PATH [--lifetime SECONDS]
        [--service-account EMAIL=PUBLIC_KEY_PEM[,KEY_ID]] ...
        [--authorized-user CLIENT_ID:CLIENT_SECRET:REFRESH_TOKEN]
        [--sts-audience AUDIENCE] [--oidc-token TOKEN] [--oidc-request-token TOKEN]
        [--impersonable EMAIL] ...
        [--azure-tenant TENANT] [--azure-secret CLIENT_ID=SECRET] [--azure-cert CLIENT_ID=CERT_PEM]
        [--azure-federated CLIENT_ID]

Prints `LISTENING http://127.0.0.1:PORT`. Every token it issues is random, lives --lifetime
seconds (default 3600) and is written, with its expiry and kind, to --issued-file
({"tokens": {TOKEN: {"exp": UNIX_SECONDS, "kind": "..."}}}, replaced atomically), which the API
emulators (gcp_compute.py, azure_network.py --tokens-file) read to decide what they accept.

Endpoints and what each checks (a refusal is the status and error body the real service sends):
  POST /token  (Google OAuth 2.0, RFC 7523 / RFC 6749 §6; google.aip.dev/auth/4112)
      grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer: the assertion's header alg RS256
      (kid, when sent, that of the key), signature verified with the service account's public
      key, iss a known service account, aud == this endpoint's URL, scope present and including
      cloud-platform, iat not in the future (60 s skew), exp after now and at most 1 h after iat
      -> 400 invalid_grant otherwise. grant_type=refresh_token: client_id, client_secret,
      refresh_token as given -> 400 invalid_grant / 401 invalid_client otherwise.
  POST /v1/token  (Google STS, RFC 8693; google.aip.dev/auth/4117)
      grant_type token-exchange, audience == --sts-audience, requested_token_type access_token,
      subject_token_type an OIDC/JWT type, subject_token == --oidc-token, scope present.
  POST /v1/projects/-/serviceAccounts/EMAIL:generateAccessToken  (IAM Credentials)
      Bearer: an unexpired token this server issued; EMAIL in --impersonable; JSON body with a
      non-empty scope list -> {accessToken, expireTime (RFC 3339)}.
  GET /computeMetadata/v1/instance/service-accounts/default/token  (GCE metadata server)
      Metadata-Flavor: Google required (403 otherwise), as on GCE.
  POST /TENANT/oauth2/v2.0/token  (Entra ID v2.0 client credentials)
      TENANT == --azure-tenant (400 AADSTS90002 otherwise), grant_type client_credentials,
      scope == https://management.azure.com/.default, client_id known; then one of:
      client_secret as given (401 AADSTS7000215); a certificate assertion (x5t == the SHA-1
      thumbprint of the registered certificate -> AADSTS700027 otherwise, signature verified
      with its key, aud == this token URL, iss == sub == client_id, nbf <= now < exp,
      jti present); a federated assertion == --oidc-token for a --azure-federated client.
  GET /metadata/identity/oauth2/token  (Azure IMDS managed identity)
      Metadata: true required (400), api-version and resource required.
  GET /_actions/idtoken?audience=A  (GitHub Actions OIDC token service)
      Authorization: Bearer --oidc-request-token -> {"value": --oidc-token}.

Test controls under /__emulator/: GET log (every token request: endpoint, grant, status, error,
issued token kind and expiry; tokens themselves are listed by GET issued).
"""

import argparse
import base64
import hashlib
import json
import os
import secrets
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

GOOGLE_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
ARM_SCOPE = "https://management.azure.com/.default"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SKEW = 60


class Refusal(Exception):
    def __init__(self, status, body):
        super().__init__(body)
        self.status, self.body = status, body


def oauth_error(status, error, description):
    return Refusal(status, {"error": error, "error_description": description})


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def load_public_key(path):
    data = open(path, "rb").read()
    if b"CERTIFICATE" in data:
        return x509.load_pem_x509_certificate(data).public_key()
    return serialization.load_pem_public_key(data)


def verify_jwt(token, key, error):
    """Header and claims of an RS256 JWT whose signature `key` verifies; `error` builds the
    refusal."""
    parts = token.split(".")
    if len(parts) != 3:
        raise error("the assertion is not a compact JWT")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        sig = b64url_decode(parts[2])
    except ValueError:
        raise error("the assertion is not valid base64url JSON")
    if header.get("alg") != "RS256":
        raise error(f"alg {header.get('alg')!r} is not RS256")
    try:
        key.verify(sig, f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise error("Invalid JWT Signature.")
    return header, claims


class Emulator:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.tokens = {}  # token -> {"exp", "kind"}
        self.log = []
        self.base = ""
        self.service_accounts = {}
        for spec in args.service_account:
            email, rest = spec.split("=", 1)
            path, _, kid = rest.partition(",")
            self.service_accounts[email] = (load_public_key(path), kid or None)
        self.user = tuple(args.authorized_user.split(":", 2)) if args.authorized_user else None
        self.azure_secrets = dict(s.split("=", 1) for s in args.azure_secret)
        self.azure_certs = {}
        for spec in args.azure_cert:
            client, path = spec.split("=", 1)
            cert = x509.load_pem_x509_certificate(open(path, "rb").read())
            thumb = b64url(cert.fingerprint(hashes.SHA1()))
            self.azure_certs[client] = (cert.public_key(), thumb)
        self.write_issued()

    def issue(self, kind):
        token = ("ya29.emu-" if not kind.startswith("azure") else "eyJ0eXAiOiJKV1Qi.emu-") + \
            secrets.token_urlsafe(24)
        exp = time.time() + self.args.lifetime
        self.tokens[token] = {"exp": exp, "kind": kind, "issued": time.time()}
        self.write_issued()
        return token, exp

    def write_issued(self):
        tmp = self.args.issued_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"tokens": self.tokens}, f)
        os.replace(tmp, self.args.issued_file)

    def valid(self, token):
        t = self.tokens.get(token)
        return t is not None and t["exp"] > time.time()


class Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    emu: Emulator = None

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def dispatch(self, method):
        emu = self.emu
        url = urlsplit(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if url.path.startswith("/__emulator/"):
            with emu.lock:
                what = url.path[len("/__emulator/"):]
                if what == "log":
                    return self.send(200, emu.log)
                if what == "issued":
                    return self.send(200, emu.tokens)
            return self.send(404, {"error": f"no control {what}"})
        entry = {"method": method, "path": url.path, "at": time.time()}
        try:
            with emu.lock:
                status, body = self.route(method, url, raw, entry)
        except Refusal as r:
            status, body = r.status, r.body
            entry["error"] = json.dumps(body)
        except Exception as ex:  # an emulator bug must be loud
            print(f"token_endpoints: internal error: {ex!r}", file=sys.stderr)
            status, body = 500, {"error": "emulator_bug", "error_description": repr(ex)}
        entry["status"] = status
        with emu.lock:
            emu.log.append(entry)
        self.send(status, body)

    def form(self, raw):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype != "application/x-www-form-urlencoded":
            raise oauth_error(400, "invalid_request",
                              f"Content-Type must be application/x-www-form-urlencoded, got {ctype!r}")
        f = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
        return f

    def bearer(self):
        auth = self.headers.get("Authorization") or ""
        return auth[len("Bearer "):] if auth.startswith("Bearer ") else None

    def route(self, method, url, raw, entry):
        p = url.path
        if method == "POST" and p == "/token":
            return self.google_token(self.form(raw), entry)
        if method == "POST" and p == "/v1/token":
            return self.sts(self.form(raw), entry)
        if method == "POST" and p.startswith("/v1/projects/-/serviceAccounts/") and \
                p.endswith(":generateAccessToken"):
            email = p[len("/v1/projects/-/serviceAccounts/"):-len(":generateAccessToken")]
            return self.generate_access_token(email, raw, entry)
        if method == "GET" and p == "/computeMetadata/v1/instance/service-accounts/default/token":
            return self.gce_metadata(entry)
        if method == "POST" and p.endswith("/oauth2/v2.0/token"):
            return self.entra(p.split("/")[1], self.form(raw), entry)
        if method == "GET" and p == "/metadata/identity/oauth2/token":
            return self.imds(parse_qs(url.query), entry)
        if method == "GET" and p == "/_actions/idtoken":
            return self.actions(parse_qs(url.query), entry)
        raise Refusal(404, {"error": "not_found", "error_description": f"{method} {p}"})

    # -- Google -------------------------------------------------------------------------------

    def google_token(self, f, entry):
        emu = self.emu
        grant = f.get("grant_type")
        entry["grant"] = grant
        bad = lambda d: oauth_error(400, "invalid_grant", d)  # noqa: E731
        if grant == JWT_BEARER:
            assertion = f.get("assertion", "")
            try:
                claims = json.loads(b64url_decode(assertion.split(".")[1]))
            except (ValueError, IndexError):
                raise bad("Invalid JWT: not a compact JWT.")
            iss = claims.get("iss")
            if iss not in emu.service_accounts:
                raise bad(f"Invalid JWT: unknown service account {iss!r}.")
            key, kid = emu.service_accounts[iss]
            header, claims = verify_jwt(assertion, key, bad)
            if kid and header.get("kid") not in (None, kid):
                raise bad("Invalid JWT: kid does not name this key.")
            if claims.get("aud") != f"{emu.base}/token":
                raise bad(f"Invalid JWT: aud {claims.get('aud')!r} is not {emu.base}/token.")
            scopes = str(claims.get("scope", "")).split()
            if GOOGLE_SCOPE not in scopes:
                raise bad("Invalid JWT: scope must include cloud-platform.")
            now = time.time()
            iat, exp = claims.get("iat"), claims.get("exp")
            if not isinstance(iat, int) or not isinstance(exp, int):
                raise bad("Invalid JWT: iat and exp must be integers.")
            if iat > now + SKEW or exp <= now or exp - iat > 3600:
                raise bad("Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                          "reasonable timeframe.")
            entry["subject"] = iss
            return self.google_answer("service_account", entry)
        if grant == "refresh_token":
            if emu.user is None or f.get("client_id") != emu.user[0] or \
                    f.get("client_secret") != emu.user[1]:
                raise oauth_error(401, "invalid_client", "The OAuth client was not found.")
            if f.get("refresh_token") != emu.user[2]:
                raise bad("Token has been expired or revoked.")
            entry["subject"] = f["client_id"]
            return self.google_answer("authorized_user", entry)
        raise oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant}")

    def google_answer(self, kind, entry):
        token, exp = self.emu.issue(kind)
        entry.update(kind=kind, exp=exp)
        return 200, {"access_token": token, "expires_in": int(exp - time.time()),
                     "token_type": "Bearer"}

    def sts(self, f, entry):
        emu = self.emu
        entry["grant"] = f.get("grant_type")
        bad = lambda d: oauth_error(400, "invalid_request", d)  # noqa: E731
        if f.get("grant_type") != TOKEN_EXCHANGE:
            raise oauth_error(400, "unsupported_grant_type", "Unsupported grant type.")
        if f.get("audience") != emu.args.sts_audience:
            raise oauth_error(400, "invalid_target", "The target service indicated by the "
                              "\"audience\" parameters is invalid.")
        if f.get("requested_token_type") != "urn:ietf:params:oauth:token-type:access_token":
            raise bad("Invalid requested_token_type.")
        if f.get("subject_token_type") not in ("urn:ietf:params:oauth:token-type:jwt",
                                               "urn:ietf:params:oauth:token-type:id_token"):
            raise bad("Invalid subject_token_type.")
        if not f.get("scope"):
            raise bad("scope is required.")
        if not emu.args.oidc_token or f.get("subject_token") != emu.args.oidc_token:
            raise oauth_error(400, "invalid_grant", "The subject token is invalid.")
        token, exp = emu.issue("sts")
        entry.update(kind="sts", exp=exp)
        return 200, {"access_token": token, "expires_in": int(exp - time.time()),
                     "token_type": "Bearer",
                     "issued_token_type": "urn:ietf:params:oauth:token-type:access_token"}

    def generate_access_token(self, email, raw, entry):
        emu = self.emu
        entry["grant"] = "generateAccessToken"
        if not emu.valid(self.bearer() or ""):
            raise Refusal(401, {"error": {"code": 401, "status": "UNAUTHENTICATED",
                                          "message": "Request had invalid authentication credentials."}})
        if email not in emu.args.impersonable:
            raise Refusal(403, {"error": {"code": 403, "status": "PERMISSION_DENIED",
                                          "message": "Permission 'iam.serviceAccounts.getAccessToken' "
                                                     f"denied on resource {email}."}})
        body = json.loads(raw or b"{}")
        if not isinstance(body.get("scope"), list) or not body["scope"]:
            raise Refusal(400, {"error": {"code": 400, "status": "INVALID_ARGUMENT",
                                          "message": "scope must be a non-empty list"}})
        token, exp = emu.issue("impersonated")
        entry.update(kind="impersonated", subject=email, exp=exp)
        expire = datetime.fromtimestamp(exp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return 200, {"accessToken": token, "expireTime": expire}

    def gce_metadata(self, entry):
        entry["grant"] = "gce_metadata"
        if self.headers.get("Metadata-Flavor") != "Google":
            raise Refusal(403, {"error": "Missing required header: Metadata-Flavor"})
        return self.google_answer("gce_metadata", entry)

    # -- Azure --------------------------------------------------------------------------------

    def entra(self, tenant, f, entry):
        emu = self.emu
        entry["grant"] = f.get("grant_type")
        if tenant != emu.args.azure_tenant:
            raise oauth_error(400, "invalid_request",
                              f"AADSTS90002: Tenant '{tenant}' not found.")
        if f.get("grant_type") != "client_credentials":
            raise oauth_error(400, "unsupported_grant_type", "AADSTS70003: unsupported grant.")
        if f.get("scope") != ARM_SCOPE:
            raise oauth_error(400, "invalid_scope", f"AADSTS70011: invalid scope {f.get('scope')!r}.")
        client = f.get("client_id", "")
        known = client in emu.azure_secrets or client in emu.azure_certs or \
            client in emu.args.azure_federated
        if not known:
            raise oauth_error(400, "unauthorized_client",
                              f"AADSTS700016: Application with identifier '{client}' was not found.")
        if "client_secret" in f:
            if emu.azure_secrets.get(client) != f["client_secret"]:
                raise oauth_error(401, "invalid_client",
                                  "AADSTS7000215: Invalid client secret provided.")
            kind = "azure_secret"
        elif f.get("client_assertion_type") == ASSERTION_TYPE:
            kind = self.entra_assertion(tenant, client, f.get("client_assertion", ""))
        else:
            raise oauth_error(400, "invalid_request",
                              "AADSTS7000218: The request body must contain client_assertion or "
                              "client_secret.")
        token, exp = emu.issue(kind)
        entry.update(kind=kind, subject=client, exp=exp)
        return 200, {"token_type": "Bearer", "expires_in": int(exp - time.time()),
                     "ext_expires_in": int(exp - time.time()), "access_token": token}

    def entra_assertion(self, tenant, client, assertion):
        emu = self.emu
        bad = lambda d: oauth_error(401, "invalid_client", d)  # noqa: E731
        try:
            header = json.loads(b64url_decode(assertion.split(".")[0]))
        except (ValueError, IndexError):
            raise bad("AADSTS50027: JWT token is invalid or malformed.")
        if "x5t" not in header:
            # A federated token from the OIDC issuer this app trusts.
            if client not in emu.args.azure_federated or assertion != emu.args.oidc_token:
                raise bad("AADSTS700213: No matching federated identity record found.")
            return "azure_federated"
        if client not in emu.azure_certs:
            raise bad("AADSTS700027: Client assertion contains an invalid signature.")
        key, thumb = emu.azure_certs[client]
        if header["x5t"] != thumb:
            raise bad(f"AADSTS700027: The certificate with identifier used to sign the client "
                      f"assertion is not registered on application. [Reason - The key was not "
                      f"found., Thumbprint of key used by client: '{header['x5t']}']")
        _, claims = verify_jwt(assertion, key, lambda d: bad(f"AADSTS700027: {d}"))
        want_aud = f"{emu.base}/{tenant}/oauth2/v2.0/token"
        now = time.time()
        if claims.get("aud") != want_aud:
            raise bad(f"AADSTS700212: aud {claims.get('aud')!r} is not {want_aud}.")
        if claims.get("iss") != client or claims.get("sub") != client:
            raise bad("AADSTS700021: iss and sub must be the client id.")
        if not claims.get("jti"):
            raise bad("AADSTS700024: jti is required.")
        if claims.get("nbf", 0) > now + SKEW or claims.get("exp", 0) <= now:
            raise bad("AADSTS700024: Client assertion is not within its valid time range.")
        return "azure_certificate"

    def imds(self, q, entry):
        entry["grant"] = "imds"
        if self.headers.get("Metadata") != "true":
            raise Refusal(400, {"error": "invalid_request",
                                "error_description": "Required metadata header not specified"})
        if not q.get("api-version") or q.get("resource") != ["https://management.azure.com/"]:
            raise Refusal(400, {"error": "invalid_request",
                                "error_description": "api-version and resource are required"})
        token, exp = self.emu.issue("azure_msi")
        entry.update(kind="azure_msi", exp=exp)
        # IMDS gives numbers as strings.
        return 200, {"access_token": token, "expires_in": str(int(exp - time.time())),
                     "expires_on": str(int(exp)), "resource": q["resource"][0],
                     "token_type": "Bearer"}

    def actions(self, q, entry):
        entry["grant"] = "actions_idtoken"
        emu = self.emu
        if not emu.args.oidc_request_token or self.bearer() != emu.args.oidc_request_token:
            raise Refusal(401, {"message": "Bad credentials"})
        if not q.get("audience"):
            raise Refusal(400, {"message": "audience is required"})
        entry["audience"] = q["audience"][0]
        return 200, {"value": emu.args.oidc_token}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--issued-file", required=True)
    ap.add_argument("--lifetime", type=float, default=3600)
    ap.add_argument("--service-account", action="append", default=[])
    ap.add_argument("--authorized-user")
    ap.add_argument("--sts-audience")
    ap.add_argument("--oidc-token")
    ap.add_argument("--oidc-request-token")
    ap.add_argument("--impersonable", action="append", default=[])
    ap.add_argument("--azure-tenant")
    ap.add_argument("--azure-secret", action="append", default=[])
    ap.add_argument("--azure-cert", action="append", default=[])
    ap.add_argument("--azure-federated", action="append", default=[])
    args = ap.parse_args()
    emu = Emulator(args)
    Handler.emu = emu
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    emu.base = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"LISTENING {emu.base}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
