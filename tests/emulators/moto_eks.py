#!/usr/bin/env python3
"""moto_server, with one quirk of moto's EKS put right: moto gives a cluster a random string as its
certificate authority, where EKS gives base64 of a PEM certificate (which every Kubernetes client
decodes). Here each cluster gets a real self-signed CA, made with the `cryptography` package moto
depends on. Everything else is moto unchanged; arguments are moto_server's.

    .tools/venv/bin/python tests/emulators/moto_eks.py -H 127.0.0.1 -p PORT
"""

import base64
import datetime
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from moto.eks import models


def ca_pem(cluster):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"kubernetes-{cluster}")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


_init = models.Cluster.__init__


def _init_with_ca(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self.certificate_authority = {"data": base64.b64encode(ca_pem(self.name)).decode()}


models.Cluster.__init__ = _init_with_ca

if __name__ == "__main__":
    from moto.server import main
    sys.exit(main())
