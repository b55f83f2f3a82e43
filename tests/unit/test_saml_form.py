"""aws_sts.saml_form against real local HTTP servers (http.server in threads, one of them a forward proxy): the
SAMLResponse is read exactly as the form posts it, only from a POST form to AWS sign-in, through redirect chains
that set cookies; every other answer, a silent server included, hands over with a reason and no secret."""

from __future__ import annotations

import html
import http.server
import signal
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aws_sts import saml_form
from tests.helpers import SIGNIN, examples

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                          HealthCheck.too_slow])
SECRET = "S3CR3T-TOKEN"
PROXY_VARS = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy",
              "NO_PROXY"]
VALUES = st.one_of(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60),
                   st.text("ABCXYZabcxyz0189+/=", min_size=1, max_size=200),
                   st.text('&"<>\'=+/; \t\n\r#%é☃\u2028amp;lt', min_size=1, max_size=40))


def saml_page(value: str, *, action: str = SIGNIN, method: str = "post", quote: str = '"', value_first=False,
              before: str = "", after: str = "") -> str:
    q = quote
    attrs = [f"name={q}SAMLResponse{q}", f"type={q}hidden{q}", f"value={q}{html.escape(value, quote=True)}{q}"]
    if value_first:
        attrs.reverse()
    return (f"<!doctype html><html><body>{before}<form id=appForm method={q}{method}{q} action={q}"
            f"{html.escape(action, quote=True)}{q}><input {' '.join(attrs)}/><input name=RelayState type=hidden "
            f"value=\"\"/></form>{after}<script>document.forms[0].submit()</script></body></html>")


DECOYS = ['<form action="/login/do" method="post"><input name="username" value="alice"></form>',
          "<script>var f = '<form method=post action=\"https://signin.aws.amazon.com/saml\">"
          "<input name=SAMLResponse value=decoy>';</script>",
          '<!-- <form method=post action="https://signin.aws.amazon.com/saml"><input name=SAMLResponse '
          'value=decoy></form> -->',
          '<form method=post action="https://evil.example.com/saml"><input name=SAMLResponse value=decoy></form>']


# -- a real local web site ---------------------------------------------------------------------------------

@dataclass
class Seen:
    host: str
    path: str
    cookie: str
    proxied: bool


class Site:
    """Routes by (host, path): each answers (status, [(header, value)], body). Records every request."""

    def __init__(self):
        self.routes, self.seen = {}, []

    def on(self, path, status=200, headers=(), body: str | bytes = "", host=None, ctype="text/html; charset=utf-8"):
        body = body.encode() if isinstance(body, str) else body
        self.routes[(host, path)] = (status, ([("Content-Type", ctype)] if ctype else []) + list(headers), body)

    def answer(self, handler):
        target = urlsplit(handler.path)
        proxied = bool(target.scheme)
        host = (target.hostname if proxied else handler.headers.get("Host", "").rsplit(":", 1)[0]).lower()
        path = target.path + (f"?{target.query}" if target.query else "")
        self.seen.append(Seen(host, path, handler.headers.get("Cookie", ""), proxied))
        route = self.routes.get((host, path)) or self.routes.get((None, path))
        return route or (404, [("Content-Type", "text/plain")], b"not found")


def serve(site: Site):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            status, headers, body = site.answer(self)
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            if not any(name.lower() == "content-length" for name, _ in headers):
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client stopped reading a page over 2 MB
                pass

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def servers():
    site, proxy_site = Site(), Site()
    web, proxy = serve(site), serve(proxy_site)
    yield site, web.server_port, proxy_site, proxy.server_port
    for server in (web, proxy):
        server.shutdown()
        server.server_close()


@pytest.fixture
def site(servers, monkeypatch):
    """The site at http://127.0.0.1:<port> (also reachable as localhost); no proxy set."""
    site, port, _, _ = servers
    site.routes, site.seen = {}, []
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    site.base = f"http://127.0.0.1:{port}"
    site.port = port
    return site


@pytest.fixture
def proxy(servers, monkeypatch, site):
    """A forward proxy set in the environment (lower and upper case), answering for every other host."""
    _, _, proxy_site, port = servers
    proxy_site.routes, proxy_site.seen = {}, []
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{port}")
    return proxy_site


def cookie(name, value, domain="127.0.0.1", path="/", secure=False, expires=-1):
    return {"name": name, "value": value, "domain": domain, "path": path, "expires": expires,
            "httpOnly": False, "secure": secure, "sameSite": "Lax"}


# -- reading the form --------------------------------------------------------------------------------------

@settings(max_examples=examples(2000), deadline=None)
@given(value=VALUES, quote=st.sampled_from(['"', "'"]), value_first=st.booleans(),
       method=st.sampled_from(["post", "POST", "Post"]), before=st.lists(st.sampled_from(DECOYS), max_size=3),
       action=st.sampled_from([SIGNIN, SIGNIN + "/", "https://us-east-1.signin.aws.amazon.com/saml",
                               "https://signin.amazonaws-us-gov.com/saml", "https://signin.amazonaws.cn/saml",
                               "https://SIGNIN.aws.amazon.com/saml", " https://signin.aws.amazon.com/saml?x=1 "]))
def test_the_samlresponse_is_read_exactly_as_the_form_posts_it(value, quote, value_first, method, before, action):
    page = saml_page(value, action=action, method=method, quote=quote, value_first=value_first,
                     before="".join(before), after=DECOYS[0])
    found, reason = saml_form.find_saml_response(page, "https://idp.example.com/app/amazon_aws/1/sso/saml")
    assert found == value, reason


HOSTS = ["signin.aws.amazon.com", "us-east-1.signin.aws.amazon.com", "eu-west-3.signin.aws.amazon.com",
         "signin.amazonaws-us-gov.com", "signin.amazonaws.cn", "a.b.signin.aws.amazon.com",
         "signin.aws.amazon.com.evil.com", "evilsignin.aws.amazon.com.cn", "aws.amazon.com", "evil.com",
         "signin-aws.amazon.com", "us-gov.signin.amazonaws-us-gov.com", "signin.amazonaws.cn.evil.com"]
AWS_HOSTS = {"signin.aws.amazon.com", "us-east-1.signin.aws.amazon.com", "eu-west-3.signin.aws.amazon.com",
             "signin.amazonaws-us-gov.com", "signin.amazonaws.cn"}


@settings(max_examples=examples(2000), deadline=None)
@given(scheme=st.sampled_from(["https", "http", "ftp", ""]), host=st.sampled_from(HOSTS),
       userinfo=st.sampled_from(["", "user@"]), port=st.sampled_from(["", ":8443"]),
       path=st.sampled_from(["/saml", "/saml/", "/saml2", "/samlx", "/other", "/", "", "/saml/x"]),
       tail=st.sampled_from(["", "?a=b", "#f", "?x=/saml"]))
def test_only_a_form_posting_to_aws_sign_in_gives_the_response(scheme, host, userinfo, port, path, tail):
    action = f"{scheme}://{userinfo}{host}{port}{path}{tail}" if scheme else f"{path}{tail}"
    page = saml_page(SECRET, action=action)
    found, reason = saml_form.find_saml_response(page, "https://idp.example.com/app/sso")
    to_aws = scheme == "https" and host in AWS_HOSTS and not port and not userinfo and path in ("/saml", "/saml/")
    assert found == (SECRET if to_aws else None), reason
    assert SECRET not in reason and "a=b" not in reason


@pytest.mark.parametrize("page, words", [
    (saml_page(SECRET, method="get"), "uses GET"),
    (saml_page(SECRET).replace("method=\"post\" ", ""), "uses GET"),
    (saml_page(SECRET).replace("SAMLResponse", "samlresponse"), "not the SAML form"),
    (saml_page(SECRET).replace("SAMLResponse", "SAMLRequest"), "not the SAML form"),
    (saml_page(""), "empty SAMLResponse"),
    (saml_page(SECRET).replace(f'value="{SECRET}"', "value"), "empty SAMLResponse"),
    (f'<input name="SAMLResponse" value="{SECRET}"><form method=post action="{SIGNIN}"></form>', "not the SAML"),
    (f"<!-- {saml_page(SECRET)} -->", "without the SAML form"),
    (DECOYS[0], "not the SAML form"),
    (DECOYS[3], "posts to https://evil.example.com/saml"),
    ("", "without the SAML form"),
    ("<html><form", "without the SAML form"),
])
def test_pages_that_are_not_the_saml_form(page, words):
    found, reason = saml_form.find_saml_response(page, "https://idp.example.com/login?stateToken=" + SECRET)
    assert found is None and words in reason and SECRET not in reason


def test_a_form_nested_in_the_saml_form_is_ignored_as_in_the_browser():
    page = saml_page(SECRET).replace("<input name=\"SAMLResponse\"",
                                     '<form method=post action="https://evil.example.com/"><input name="SAMLResponse"')
    assert saml_form.find_saml_response(page, "https://idp.example.com/app")[0] == SECRET


def test_base_href_and_relative_actions_resolve_as_in_the_browser():
    page = saml_page(SECRET, action="saml", before='<base href="https://signin.aws.amazon.com/">')
    assert saml_form.find_saml_response(page, "https://idp.example.com/app")[0] == SECRET
    assert saml_form.find_saml_response(saml_page(SECRET, action="/saml"), "https://idp.example.com/")[0] is None


# -- over HTTP ---------------------------------------------------------------------------------------------

@settings(SETTINGS, max_examples=examples(500))
@given(value=VALUES)
def test_the_value_survives_the_http_exchange(site, value):
    site.on("/sso", body=saml_page(value, before=DECOYS[0]))
    fetched = saml_form.fetch(site.base + "/sso", [], timeout=5)
    assert fetched.saml_response == value, fetched.reason


def test_a_redirect_chain_carries_its_cookies(site):
    site.on("/start", 302, [("Location", "/two?stateToken=" + SECRET), ("Set-Cookie", "a=1; Path=/"),
                            ("Set-Cookie", "old=; Max-Age=0; Path=/"), ("Set-Cookie", "deep=x; Path=/two")])
    site.on("/two?stateToken=" + SECRET, 303, [("Location", f"http://localhost:{site.port}/three"),
                                               ("Set-Cookie", "b=2; HttpOnly; SameSite=Strict"),
                                               ("Set-Cookie", "a=changed; Path=/")])
    site.on("/three", 307, [("Location", f"{site.base}/form"), ("Set-Cookie", "l=local")])
    site.on("/form", body=saml_page(SECRET), headers=[("Set-Cookie", "last=y; Max-Age=3600")])
    given_cookies = [cookie("old", "gone"), cookie("sid", "session"), cookie("elsewhere", "no", domain="other")]
    fetched = saml_form.fetch(site.base + "/start", given_cookies, timeout=5)
    assert fetched.saml_response == SECRET, fetched.reason
    assert [(s.host, s.path.partition("?")[0], s.cookie) for s in site.seen] == [
        ("127.0.0.1", "/start", "old=gone; sid=session"),
        ("127.0.0.1", "/two", "deep=x; sid=session; a=1"),
        ("localhost", "/three", ""),  # another host: none of 127.0.0.1's cookies
        ("127.0.0.1", "/form", "sid=session; a=changed; b=2"),
    ]
    got = {(c["name"], c["domain"]): c for c in fetched.cookies}
    assert set(got) == {("sid", "127.0.0.1"), ("elsewhere", "other"), ("a", "127.0.0.1"), ("deep", "127.0.0.1"),
                        ("b", "127.0.0.1"), ("l", "localhost"), ("last", "127.0.0.1")}
    assert got[("b", "127.0.0.1")] == {"name": "b", "value": "2", "domain": "127.0.0.1", "path": "/",
                                       "expires": -1, "httpOnly": True, "secure": False, "sameSite": "Strict"}
    assert got[("deep", "127.0.0.1")]["path"] == "/two" and got[("a", "127.0.0.1")]["value"] == "changed"
    assert abs(got[("last", "127.0.0.1")]["expires"] - (time.time() + 3600)) < 60
    assert given_cookies[0]["value"] == "gone" and len(given_cookies) == 3  # the caller's list is not changed
    assert SECRET not in fetched.reason


def test_domain_cookies_follow_their_domain_through_a_proxy(site, proxy):
    proxy.on("/", 302, [("Location", "http://login.example.test/in"),
                        ("Set-Cookie", "wide=1; Domain=.example.test"), ("Set-Cookie", "narrow=2"),
                        ("Set-Cookie", "foreign=3; Domain=other.test"), ("Set-Cookie", "safe=4; Secure")],
             host="idp.example.test")
    proxy.on("/in", 302, [("Location", "http://other.test/saml-page")], host="login.example.test")
    proxy.on("/saml-page", body=saml_page(SECRET), host="other.test")
    fetched = saml_form.fetch("http://idp.example.test/", [cookie("s", "v", domain=".example.test", secure=True)], 5)
    assert fetched.saml_response == SECRET, fetched.reason
    assert [(s.host, s.cookie) for s in proxy.seen] == [
        ("idp.example.test", ""), ("login.example.test", "wide=1"), ("other.test", "")]
    assert sorted((c["name"], c["domain"]) for c in fetched.cookies) == [
        ("narrow", "idp.example.test"), ("s", ".example.test"), ("wide", ".example.test")]
    assert site.seen == []


def test_loopback_hosts_are_never_sent_through_a_proxy(site, proxy):
    site.on("/sso", body=saml_page(SECRET))
    proxy.on("/sso", body=saml_page("from the proxy"))
    for host in ("127.0.0.1", "localhost", "LocalHost"):
        fetched = saml_form.fetch(f"http://{host}:{site.port}/sso", [cookie("sid", "v", domain=host.lower())], 5)
        assert fetched.saml_response == SECRET, fetched.reason
    assert proxy.seen == [] and [s.cookie for s in site.seen] == ["sid=v"] * 3


def test_too_many_redirects(site):
    site.on("/loop", 302, [("Location", "/loop")])
    fetched = saml_form.fetch(site.base + "/loop", [], 5)
    assert fetched.saml_response is None and "more than 10 redirects" in fetched.reason
    assert len(site.seen) == 11


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.1/x", "javascript:alert(1)",
                                      "data:text/html,<form>"])
def test_redirects_leave_http_only_to_hand_over(site, location):
    site.on("/go", 302, [("Location", location)])
    fetched = saml_form.fetch(site.base + "/go", [], 5)
    assert fetched.saml_response is None and "only http and https" in fetched.reason and len(site.seen) == 1


@pytest.mark.parametrize("route, words", [
    (dict(body="<form action=/login method=post><input name=username></form>"), "not the SAML form"),
    (dict(status=500, body=saml_page(SECRET)), "HTTP 500"),
    (dict(status=403, body=saml_page(SECRET)), "HTTP 403"),
    (dict(status=302, body=saml_page(SECRET)), "HTTP 302"),  # a redirect without a Location
    (dict(ctype="application/json", body=saml_page(SECRET)), "application/json, not HTML"),
    (dict(ctype="", body=saml_page(SECRET)), "not HTML"),
    (dict(body=saml_page(SECRET, action="https://evil.example.com/saml?token=" + SECRET)),
     "posts to https://evil.example.com/saml,"),
    (dict(body=saml_page(SECRET) + " " * saml_form.MAX_BODY), "over 2 MB"),
    (dict(body=saml_page(SECRET) + " " * saml_form.MAX_BODY, headers=[("Content-Length", "")]), "over 2 MB"),
    (dict(body=saml_page(SECRET), headers=[("Content-Encoding", "gzip")]), "compressed"),
])
def test_every_other_answer_hands_over_with_a_reason(site, route, words):
    site.on("/sso?stateToken=" + SECRET, **route)
    fetched = saml_form.fetch(site.base + "/sso?stateToken=" + SECRET, [cookie("sid", "v")], 5)
    assert fetched.saml_response is None and words in fetched.reason, fetched.reason
    assert SECRET not in fetched.reason and fetched.cookies == [cookie("sid", "v")]


def test_secure_cookies_stay_off_plain_http(site):
    site.on("/sso", body=saml_page(SECRET), headers=[("Set-Cookie", "s2=x; Secure")])
    fetched = saml_form.fetch(site.base + "/sso", [cookie("s", "v", secure=True), cookie("p", "w")], 5)
    assert [s.cookie for s in site.seen] == ["p=w"]
    assert sorted(c["name"] for c in fetched.cookies) == ["p", "s"]


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "not a url", "http://[::1", "http://127.0.0.1:99999/",
                                 "http://127.0.0.1:1/", "http://127.0.0.1:0/", "https://127.0.0.1:1/"])
def test_urls_that_cannot_be_fetched_hand_over_at_once(url):
    started = time.monotonic()
    fetched = saml_form.fetch(url, [cookie("sid", "v")], 5)
    assert time.monotonic() - started < 2  # an answer, not the time out of a thread that died
    assert fetched.saml_response is None and "no answer" not in fetched.reason
    assert fetched.cookies == [cookie("sid", "v")]


# -- time ----------------------------------------------------------------------------------------------------

@pytest.fixture
def silent_server():
    """Accepts connections (the kernel does, from the backlog) and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/sso"
    sock.close()


@pytest.fixture
def trickling_server():
    """Answers the headers (with a cookie), then one byte of the page every 0.1 s, for ever."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    stop = threading.Event()

    def run():
        conn, _ = sock.accept()
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nSet-Cookie: half=1\r\n"
                     b"Content-Length: 100000\r\n\r\n")
        while not stop.wait(0.1):
            try:
                conn.sendall(b" ")
            except OSError:
                break
        conn.close()

    threading.Thread(target=run, daemon=True).start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/sso"
    stop.set()
    sock.close()


@pytest.mark.parametrize("server", ["silent_server", "trickling_server"])
def test_a_server_that_never_finishes_ends_within_the_timeout(request, server):
    url = request.getfixturevalue(server)
    box = {}
    started = time.monotonic()
    caller = threading.Thread(target=lambda: box.update(fetched=saml_form.fetch(url, [cookie("sid", "v")], 0.7)),
                              daemon=True)  # so that a fetch that never ends fails the test instead of hanging it
    caller.start()
    caller.join(5)
    elapsed = time.monotonic() - started
    fetched = box.get("fetched")
    assert fetched is not None, "fetch() did not end"
    assert 0.6 < elapsed < 1.2, elapsed
    assert fetched.saml_response is None and "no answer" in fetched.reason
    assert fetched.cookies == [cookie("sid", "v")]


def test_ctrl_c_ends_the_wait_at_once(silent_server):
    timer = threading.Timer(0.3, signal.pthread_kill, (threading.main_thread().ident, signal.SIGINT))
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        saml_form.fetch(silent_server, [], timeout=30)
    assert time.monotonic() - started < 5
