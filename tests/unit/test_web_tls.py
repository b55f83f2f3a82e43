"""The CA bundle and the proxy rules outside aws_sts/web.py's opener: its https handler trusts AWS_STS_CA_BUNDLE /
AWS_CA_BUNDLE (and the system's CAs still), against a local TLS server whose certificate a throwaway CA signed;
the STS client gets the same bundle and reaches a loopback endpoint directly; the browser's launch proxy is
built from HTTPS_PROXY and NO_PROXY with loopback always direct."""

from __future__ import annotations

import http.server
import ssl
import threading
import urllib.error

import pytest

from aws_sts import sts, web
from tests.fakes.tls import ThrowawayCa, tls_server_class

PROXY_VARS = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy",
              "NO_PROXY"]


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory):
    """(https URL of a server on 127.0.0.1, the PEM file of its CA, the PEM file of an unrelated CA)."""
    folder = tmp_path_factory.mktemp("tls")
    ca = ThrowawayCa()
    server = tls_server_class(http.server.ThreadingHTTPServer, ca.server_context(["127.0.0.1", "localhost"]))(
        ("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_port}/x", ca.write(folder / "ca.pem"), \
        ThrowawayCa("another CA").write(folder / "other.pem")
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in PROXY_VARS + ["AWS_CA_BUNDLE", "AWS_STS_CA_BUNDLE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS"]:
        monkeypatch.delenv(name, raising=False)


def get(url: str) -> int:
    with web.opener().open(url, timeout=5) as response:
        return response.status


def test_without_a_bundle_the_throwaway_ca_is_not_trusted(tls_site):
    url, _, _ = tls_site
    with pytest.raises(urllib.error.URLError) as caught:
        get(url)
    assert isinstance(caught.value.reason, ssl.SSLCertVerificationError)


@pytest.mark.parametrize("variable", ["AWS_CA_BUNDLE", "AWS_STS_CA_BUNDLE"])
def test_with_the_bundle_it_is_trusted_and_the_system_cas_still_are(tls_site, monkeypatch, variable):
    url, ca, _ = tls_site
    system = ssl.create_default_context().cert_store_stats()["x509_ca"]
    monkeypatch.setenv(variable, str(ca))
    assert get(url) == 200
    assert web.ssl_context().cert_store_stats()["x509_ca"] == system + 1


def test_aws_sts_ca_bundle_comes_first(tls_site, monkeypatch):
    url, ca, other = tls_site
    monkeypatch.setenv("AWS_CA_BUNDLE", str(ca))
    monkeypatch.setenv("AWS_STS_CA_BUNDLE", str(other))
    assert web.ca_bundle() == str(other)
    with pytest.raises(urllib.error.URLError):
        get(url)


def test_a_bundle_of_another_ca_does_not_help(tls_site, monkeypatch):
    url, _, other = tls_site
    monkeypatch.setenv("AWS_CA_BUNDLE", str(other))
    with pytest.raises(urllib.error.URLError) as caught:
        get(url)
    assert isinstance(caught.value.reason, ssl.SSLCertVerificationError)


def test_an_unreadable_bundle_is_an_oserror(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    with pytest.raises(OSError):
        web.opener()
    (tmp_path / "empty.pem").write_text("not a certificate\n")
    monkeypatch.setenv("AWS_CA_BUNDLE", str(tmp_path / "empty.pem"))
    with pytest.raises(ssl.SSLError):
        web.opener()


# -- the STS client ---------------------------------------------------------------------------------------------

def _session_settings(client):
    session = client._endpoint.http_session  # botocore's URLLib3Session
    return session._verify, session._proxy_config._proxies


@pytest.mark.parametrize("variable", ["AWS_CA_BUNDLE", "AWS_STS_CA_BUNDLE"])
def test_the_sts_client_verifies_with_the_bundle(tls_site, monkeypatch, variable):
    _, ca, _ = tls_site
    monkeypatch.setenv(variable, str(ca))
    verify, _ = _session_settings(sts._new_client("us-east-1", None, 5))
    assert verify == str(ca)


@pytest.mark.parametrize("endpoint, proxied", [("http://127.0.0.1:9/", False), ("http://localhost:9", False),
                                               ("https://sts.example.test", True), ("", True)])
def test_the_sts_client_reaches_a_loopback_endpoint_directly(monkeypatch, endpoint, proxied):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.test:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example.test:3128")
    if endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", endpoint)
    _, proxies = _session_settings(sts._new_client("us-east-1", None, 5))
    assert bool(proxies) == proxied


# -- the browser's proxy ----------------------------------------------------------------------------------------

LOOPBACK = "localhost,127.0.0.1,[::1]"


@pytest.mark.parametrize("env, expected", [
    ({}, None),
    ({"HTTP_PROXY": "http://proxy:3128"}, None),  # http only: the browser's https pages are not proxied
    ({"HTTPS_PROXY": "http://proxy:3128"}, {"server": "http://proxy:3128", "bypass": LOOPBACK}),
    ({"https_proxy": "proxy:3128"}, {"server": "http://proxy:3128", "bypass": LOOPBACK}),
    ({"HTTPS_PROXY": "http://u%40corp:p%3Ass@proxy:3128"},
     {"server": "http://proxy:3128", "username": "u@corp", "password": "p:ss", "bypass": LOOPBACK}),
    ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "corp.example, .internal,10.1.2.3,10.0.0.0/8,::1,fd00::2,"},
     {"server": "http://proxy:3128",
      "bypass": LOOPBACK + ",corp.example,*.corp.example,internal,*.internal,10.1.2.3,10.0.0.0/8,[fd00::2]"}),
    ({"HTTPS_PROXY": "http://proxy:3128", "no_proxy": "*"}, {"server": "http://proxy:3128", "bypass": LOOPBACK + ",*"}),
])
def test_browser_proxy(monkeypatch, env, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert web.browser_proxy() == expected
