"""A throwaway certificate authority for the tests: a CA and server certificates it signs, written as PEM files.

    ca = ThrowawayCa("aws-sts test CA")
    ca.write(folder / "ca.pem")                                   # what a client is told to trust
    context = ca.server_context(["okta.aws-sts.test", "127.0.0.1"])  # an ssl.SSLContext for a server

EC P-256 keys (fast to make); the server certificate carries the names as subjectAltName (DNS names and IP
addresses), serverAuth, and authority/subject key identifiers, as Chromium (NSS) and Python's ssl expect.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "aws-sts tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class ThrowawayCa:
    def __init__(self, common_name: str = "aws-sts throwaway test CA"):
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.timezone.utc)
        public = self.key.public_key()
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name)).issuer_name(_name(common_name))
            .public_key(public).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(self.key, hashes.SHA256())
        )

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def write(self, path: os.PathLike | str) -> Path:
        path = Path(path)
        path.write_bytes(self.pem)
        return path

    def issue(self, names: list[str]) -> tuple[bytes, bytes]:
        """(certificate PEM, key PEM) of a server certificate for `names` (host names or IP addresses)."""
        key = ec.generate_private_key(ec.SECP256R1())
        alt: list[x509.GeneralName] = []
        for name in names:
            try:
                alt.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alt.append(x509.DNSName(name))
        now = dt.datetime.now(dt.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(names[0])).issuer_name(self.cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM), _pem_key(key)

    def server_context(self, names: list[str]) -> ssl.SSLContext:
        """A server-side SSLContext presenting a certificate for `names` issued by this CA."""
        cert_pem, key_pem = self.issue(names)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as folder:  # load_cert_chain reads files only
            chain, key = Path(folder, "chain.pem"), Path(folder, "key.pem")
            chain.write_bytes(cert_pem + self.pem)
            key.write_bytes(key_pem)
            context.load_cert_chain(chain, key)
        return context


class TlsServerMixin:
    """Mixed in before a socketserver class: every accepted connection is wrapped in TLS with `ssl_context`; the
    handshake happens in the connection's own thread (a client that refuses the certificate blocks nobody), and
    each failed handshake is recorded in `tls_failures` (the reason, e.g. "TLSV1_ALERT_UNKNOWN_CA")."""

    ssl_context: ssl.SSLContext
    tls_failures: list

    def get_request(self):
        sock, address = super().get_request()
        return self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def finish_request(self, request, client_address):
        try:
            request.settimeout(15)
            request.do_handshake()
            request.settimeout(None)
        except ssl.SSLError as exc:
            self.tls_failures.append(exc.reason or str(exc))
            return
        except OSError as exc:
            self.tls_failures.append(type(exc).__name__)
            return
        super().finish_request(request, client_address)


def tls_server_class(server_class, context: ssl.SSLContext):
    """`server_class` (a socketserver class) serving TLS with `context`."""
    return type("Tls" + server_class.__name__, (TlsServerMixin, server_class),
                {"ssl_context": context, "tls_failures": []})
