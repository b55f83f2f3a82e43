"""aws_sts.web: the one opener of every plain HTTP request, and the logouts that use it, against real local servers
(http.server in threads, one of them a forward proxy set in the environment): every status comes back as it is,
no redirect is followed, loopback hosts never go through the proxy, other hosts do unless NO_PROXY says not, and
nothing but http and https is opened."""

from __future__ import annotations

import http.server
import socket
import threading
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from aws_sts import web
from aws_sts.cookie_jar import Jar
from aws_sts.providers import NotEnded
from aws_sts.providers.generic import GenericProvider
from aws_sts.providers.okta import SESSION_API, OktaProvider

PROXY_VARS = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy",
              "NO_PROXY", "ftp_proxy", "FTP_PROXY"]
SID = {"name": "sid", "value": "s3cr3t", "domain": "127.0.0.1", "path": "/", "expires": -1, "httpOnly": True,
       "secure": False, "sameSite": "Lax"}


class Server:
    """Answers every request with the status and headers set for its path (200 by default), and records
    (method, host, path, Cookie header) of each."""

    def __init__(self):
        self.answers, self.seen = {}, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self):
                target = urlsplit(self.path)
                host = target.hostname or self.headers.get("Host", "").rsplit(":", 1)[0]
                server.seen.append((self.command, host, target.path, self.headers.get("Cookie", "")))
                status, headers = server.answers.get(target.path, (200, []))
                self.send_response(status)
                for name, value in [*headers, ("Content-Length", "0")]:
                    self.send_header(name, value)
                self.end_headers()

            do_GET = do_DELETE = answer

            def log_message(self, *args):
                pass

        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.http.server_port
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self):
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture(scope="module")
def running():
    site, proxy = Server(), Server()
    yield site, proxy
    site.close()
    proxy.close()


@pytest.fixture
def servers(running, monkeypatch):
    """The site on 127.0.0.1, and a forward proxy set in the environment for http and https."""
    site, proxy = running
    for server in running:
        server.answers, server.seen = {}, []
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
    return site, proxy


def status(url: str, method: str = "GET") -> int:
    with web.opener().open(urllib.request.Request(url, method=method), timeout=5) as response:
        return response.status


@pytest.mark.parametrize("code", [200, 204, 302, 303, 307, 401, 404, 500, 503])
def test_every_status_comes_back_and_no_redirect_is_followed(servers, code):
    site, proxy = servers
    site.answers["/x"] = (code, [("Location", f"http://127.0.0.1:{site.port}/elsewhere")])
    assert status(f"http://127.0.0.1:{site.port}/x") == code
    assert [path for _, _, path, _ in site.seen] == ["/x"] and proxy.seen == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LocalHost", "127.1", "2130706433"])
def test_loopback_hosts_never_go_through_the_proxy(servers, host):
    site, proxy = servers
    assert status(f"http://{host}:{site.port}/x") == 200
    assert len(site.seen) == 1 and proxy.seen == []


def test_other_hosts_go_through_the_proxy_unless_no_proxy_names_them(servers, monkeypatch):
    _, proxy = servers
    assert status("http://idp.example.test/app") == 200
    assert proxy.seen == [("GET", "idp.example.test", "/app", "")]
    monkeypatch.setenv("no_proxy", "example.test")
    monkeypatch.setenv("NO_PROXY", "example.test")
    with pytest.raises(urllib.error.URLError):  # straight to a host that does not exist
        status("http://idp.example.test/app")
    assert len(proxy.seen) == 1


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "file:///etc/passwd", "data:text/plain,x", "ftp://example.test/x"])
def test_only_http_and_https_are_opened(servers, monkeypatch, url):
    _, proxy = servers
    for name in ("ftp_proxy", "FTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
    with pytest.raises(urllib.error.URLError, match="unknown url type"):
        status(url)
    assert proxy.seen == []


@pytest.mark.parametrize("given", [[SID], []])
def test_with_a_jar_the_cookies_go_out_and_come_back(servers, given):
    site, _ = servers
    site.answers["/x"] = (302, [("Set-Cookie", "new=1; Path=/"), ("Location", "/y")])
    jar = Jar(given)  # (an empty jar too: it is falsy)
    with web.opener(jar).open(f"http://127.0.0.1:{site.port}/x", timeout=5) as response:
        assert response.status == 302
    assert site.seen == [("GET", "127.0.0.1", "/x", "sid=s3cr3t" if given else "")]
    assert sorted(c["name"] for c in jar.dicts()) == sorted(["new"] + [c["name"] for c in given])


# -- the logouts ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code, ended", [(204, True), (200, True), (404, False), (500, None), (302, None),
                                         (403, None)])
def test_okta_logout_deletes_the_session_directly_on_loopback(servers, code, ended):
    site, proxy = servers
    site.answers[SESSION_API] = (code, [("Location", "/login")])
    entry = f"http://127.0.0.1:{site.port}/home/amazon_aws/0oa1/272?fromURI=x"
    if ended is None:
        with pytest.raises(OSError, match=f"answered HTTP {code}"):
            OktaProvider().logout(entry, [SID], timeout=5)
    else:
        assert OktaProvider().logout(entry, [SID], timeout=5) is ended
    assert site.seen == [("DELETE", "127.0.0.1", SESSION_API, "sid=s3cr3t")] and proxy.seen == []


@pytest.mark.parametrize("code, ended", [(200, True), (302, True), (303, True), (403, None), (500, None)])
def test_generic_logout_opens_the_logout_url_once(servers, code, ended):
    site, proxy = servers
    site.answers["/logout"] = (code, [("Location", "/bye")])
    provider = GenericProvider({"logoutUrl": f"http://127.0.0.1:{site.port}/logout"})
    entry = f"http://127.0.0.1:{site.port}/sso"
    if ended is None:
        with pytest.raises(OSError, match=f"logoutUrl answered HTTP {code}"):
            provider.logout(entry, [SID], timeout=5)
    else:
        assert provider.logout(entry, [SID], timeout=5) is ended
    assert site.seen == [("GET", "127.0.0.1", "/logout", "sid=s3cr3t")] and proxy.seen == []


def test_generic_logout_without_a_url_or_on_another_host(servers):
    site, proxy = servers
    entry = f"http://127.0.0.1:{site.port}/sso"
    assert GenericProvider().logout(entry, [SID], timeout=5) is None
    elsewhere = GenericProvider({"logoutUrl": f"http://localhost:{site.port}/logout"})
    with pytest.raises(NotEnded, match="on another host"):
        elsewhere.logout(entry, [SID], timeout=5)
    assert site.seen == [] and proxy.seen == []


def test_a_logout_that_gets_no_answer_raises_oserror(servers):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(OSError):
        OktaProvider().logout(f"http://127.0.0.1:{port}/app", [SID], timeout=5)
