"""A real SimpleSAMLphp 1.19 IdP (the Debian package) under `php -S`, for the end-to-end tests.

    with SimpleSamlIdp() as idp:
        urlopen(idp.entry_url)   # IdP-initiated SSO to AWS: login form, then the auto-POST SAMLResponse form
        idp.cert_pem             # the signing certificate (give it to the fake STS)

Everything lives in a temporary folder: config (config.php, authsources.php), metadata (saml20-idp-hosted.php,
saml20-sp-remote.php), a fresh RSA-2048 key and self-signed certificate, and the tmp / log / data / session
folders. Nothing is written to /etc, /usr or /var/lib/simplesamlphp: SIMPLESAMLPHP_CONFIG_DIR points
SimpleSAMLphp at our config, which does not include Debian's /var/lib/simplesamlphp/secrets.inc.php.

The IdP signs both the Response and the Assertion (saml20.sign.response / saml20.sign.assertion), sends the
attributes with NameFormat uri, a persistent NameID (the RoleSessionName), no consent page. Users come from
exampleauth:UserPass (auth source "example-userpass"); the default user is alice / correct-horse with two
roles. php's own output and SimpleSAMLphp's log (handler errorlog = php's stderr) go to ``.log_path``.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

# The Debian package's layout (dpkg -L simplesamlphp): code in /usr/share, stock config in /etc.
SSP_ROOT = Path("/usr/share/simplesamlphp")
SSP_WWW = SSP_ROOT / "www"
PHP = "php"

AWS_SP = "urn:amazon:webservices"
AWS_ACS = "https://signin.aws.amazon.com/saml"
ROLE_ATTR = "https://aws.amazon.com/SAML/Attributes/Role"
SESSION_NAME_ATTR = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
AUTH_SOURCE = "example-userpass"
ACCOUNT = "123456789012"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:saml-provider/SimpleSAMLphp"
DEFAULT_USERS = {
    "alice": ("correct-horse", [f"arn:aws:iam::{ACCOUNT}:role/Developer,{PROVIDER}",
                                f"arn:aws:iam::{ACCOUNT}:role/ReadOnly,{PROVIDER}"]),
}

# No router script: php -S (PHP 8.2) itself finds "module.php" in "/module.php/core/loginuserpass.php" and sets
# PATH_INFO, and serves www/resources/* as static files; every link SimpleSAMLphp writes comes from baseurlpath.


def _php(value) -> str:
    """A Python value as a PHP literal (str, bool, int, None, list, dict)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_php(v) for v in value) + "]"
    if isinstance(value, dict):
        return "[\n" + "".join(f"    {_php(k)} => {_php(v)},\n" for k, v in value.items()) + "]"
    raise TypeError(f"no PHP literal for {value!r}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _key_and_cert() -> tuple[bytes, bytes]:
    """A fresh RSA-2048 key (PEM, unencrypted) and a self-signed certificate for it (PEM)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "aws-sts tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "simplesamlphp-idp")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


class SimpleSamlIdp:
    def __init__(self, users: dict[str, tuple[str, list[str]]] | None = None, start_timeout: float = 20.0):
        self.users = dict(DEFAULT_USERS if users is None else users)
        self.start_timeout = start_timeout
        self.port = 0
        self.folder: Path | None = None
        self.log_path: Path | None = None
        self.cert_pem = b""
        self.started_in = 0.0  # seconds from spawning php to its first answer
        self._process: subprocess.Popen | None = None
        self._log = None

    # --- URLs ------------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"  # the -t root is SimpleSAMLphp's www/, served at /

    @property
    def entry_url(self) -> str:
        """IdP-initiated SSO to AWS: the login form, or (with a session) the SAMLResponse form at once."""
        return self.base_url + "saml2/idp/SSOService.php?" + urlencode({"spentityid": AWS_SP})

    @property
    def logout_url(self) -> str:
        """Ends the IdP session of the browser's cookies (IdP-initiated logout; AWS has no SLO endpoint, so
        there is nothing to propagate), then redirects to SimpleSAMLphp's "logged out" page."""
        return self.base_url + "saml2/idp/SingleLogoutService.php?" + urlencode(
            {"ReturnTo": self.base_url + "logout.php"})

    # --- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> SimpleSamlIdp:
        if shutil.which(PHP) is None or not (SSP_WWW / "_include.php").is_file():
            raise RuntimeError("php or SimpleSAMLphp is missing (apt packages simplesamlphp php-cli php-xml "
                               "php-mbstring): run scripts/setup")
        self.folder = Path(tempfile.mkdtemp(prefix="simplesaml-"))
        try:
            self.port = _free_port()
            self._write_files()
            self.log_path = self.folder / "php.log"
            self._log = open(self.log_path, "wb")
            env = {**os.environ, "SIMPLESAMLPHP_CONFIG_DIR": str(self.folder / "config")}
            t0 = time.monotonic()
            # -d: PHP's own errors to stderr (the log file), never into the pages; sessions in our folder.
            self._process = subprocess.Popen(
                [PHP, "-d", "display_errors=stderr", "-d", "log_errors=1",
                 "-d", f"session.save_path={self.folder / 'sessions'}",
                 "-S", f"127.0.0.1:{self.port}", "-t", str(SSP_WWW)],
                env=env, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, cwd=self.folder)
            self._wait_until_up()
            self.started_in = time.monotonic() - t0
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_up(self) -> None:
        # The port is taken between _free_port() and php binding it only in a race with another process; php
        # then exits at once, which is reported below with its log.
        deadline = time.monotonic() + self.start_timeout
        url = self.base_url + "saml2/idp/metadata.php"  # a real SimpleSAMLphp page: config and key load
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"php -S exited with {self._process.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except urllib.error.HTTPError as exc:
                raise RuntimeError(f"SimpleSAMLphp answered {exc.code} to {url}:\n"
                                   f"{exc.read()[:3000].decode('utf-8', 'replace')}\n{self.log_text()}") from None
            except OSError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                raise RuntimeError(f"php -S did not answer within {self.start_timeout} s:\n{self.log_text()}")
            time.sleep(0.05)

    def log_text(self, limit: int = 20000) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_bytes()[-limit:].decode("utf-8", "replace")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> SimpleSamlIdp:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- files -----------------------------------------------------------------------------------------
    def _write_files(self) -> None:
        folder = self.folder
        for sub in ("config", "metadata", "cert", "tmp", "log", "data", "sessions"):
            (folder / sub).mkdir()
        key_pem, self.cert_pem = _key_and_cert()
        (folder / "cert" / "idp.key").write_bytes(key_pem)
        (folder / "cert" / "idp.crt").write_bytes(self.cert_pem)

        config = {
            "baseurlpath": self.base_url,  # a full URL: SimpleSAMLphp then builds every link from it
            "certdir": str(folder / "cert") + "/",
            "loggingdir": str(folder / "log") + "/",
            "datadir": str(folder / "data") + "/",
            "tempdir": str(folder / "tmp"),
            "metadatadir": str(folder / "metadata") + "/",
            "attributenamemapdir": "/etc/simplesamlphp/attributemap/",  # read only, and unused here
            "technicalcontact_name": "aws-sts tests",
            "technicalcontact_email": "tests@example.org",
            "timezone": "UTC",
            "secretsalt": secrets.token_hex(16),
            "auth.adminpassword": secrets.token_hex(16),
            "admin.protectindexpage": False,
            "admin.protectmetadata": False,
            "admin.checkforupdates": False,
            "trusted.url.domains": ["127.0.0.1"],  # ReturnTo of the logout URL
            "enable.saml20-idp": True,
            "enable.shib13-idp": False,
            "enable.adfs-idp": False,
            "module.enable": {"exampleauth": True, "core": True, "saml": True, "admin": True},
            "debug": {"saml": False, "backtraces": True, "validatexml": False},
            "showerrors": True,
            "errorreporting": False,
            "production": True,
            "logging.handler": "errorlog",  # php's stderr: the log file
            "logging.format": "simplesamlphp %level [%trackid] %msg",  # php -S adds the date
            "statistics.out": [],
            # Plain http on 127.0.0.1: a Secure cookie would never come back; SameSite=None needs Secure.
            "session.cookie.secure": False,
            "session.cookie.samesite": None,
            "language.cookie.secure": False,
            "language.cookie.samesite": None,
            "session.phpsession.savepath": str(folder / "sessions"),
            "session.phpsession.httponly": True,
            "store.type": "phpsession",
            "metadata.sources": [{"type": "flatfile"}],
            "authproc.idp": {},  # no consent, no attribute limits: the authsource's attributes go out as they are
        }
        users = {f"{name}:{password}": {ROLE_ATTR: list(roles), SESSION_NAME_ATTR: [name]}
                 for name, (password, roles) in self.users.items()}
        authsources = {
            "admin": {0: "core:AdminPassword"},
            AUTH_SOURCE: {0: "exampleauth:UserPass", **users},
        }
        idp_hosted = {
            "host": "__DEFAULT__",
            "privatekey": str(folder / "cert" / "idp.key"),
            "certificate": str(folder / "cert" / "idp.crt"),
            "auth": AUTH_SOURCE,
            "attributes.NameFormat": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
            "signature.algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        }
        sp_remote = {
            "AssertionConsumerService": [{"Binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
                                          "Location": AWS_ACS, "index": 0}],
            "NameIDFormat": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
            "attributes.NameFormat": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
            "saml20.sign.response": True,
            "saml20.sign.assertion": True,
            # The persistent NameID: the user's RoleSessionName (AWS only wants it stable per user).
            "authproc": {10: {"class": "saml:AttributeNameID", "attribute": SESSION_NAME_ATTR,
                              "Format": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"}},
        }
        (folder / "config" / "config.php").write_text(f"<?php\n$config = {_php(config)};\n")
        (folder / "config" / "authsources.php").write_text(f"<?php\n$config = {_php(authsources)};\n")
        (folder / "metadata" / "saml20-idp-hosted.php").write_text(
            f"<?php\n$metadata['__DYNAMIC:1__'] = {_php(idp_hosted)};\n")
        (folder / "metadata" / "saml20-sp-remote.php").write_text(
            f"<?php\n$metadata[{_php(AWS_SP)}] = {_php(sp_remote)};\n")
