"""aws_sts.providers.origin: the one rule for where a username, password or code may be typed."""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from aws_sts.providers.origin import allowed_origins, origin_of, refusal
from tests.helpers import examples

ENTRY = "https://org.example.com/home/amazon_aws/0oa1/272"
ALLOWED = allowed_origins(ENTRY, ["https://login.example.com"])


def test_origins_as_a_browser_compares_them():
    assert origin_of("https://Org.Example.com:443/a?b#c") == "https://org.example.com"
    assert origin_of("http://127.0.0.1:8080/x") == "http://127.0.0.1:8080"
    assert origin_of("http://[::1]:80/") == "http://[::1]"
    for no_origin in ("about:blank", "data:text/html,x", "javascript:alert(1)", "", "https://", "http://x:99999/"):
        assert origin_of(no_origin) == ""


def test_the_idp_and_the_configured_origin_are_allowed():
    assert refusal(ALLOWED, ENTRY, ENTRY, "https://org.example.com/signin") == ""
    assert refusal(ALLOWED, "https://login.example.com/x", "https://login.example.com/x", "") == ""


def test_everything_else_is_refused_and_named():
    cases = {
        ("https://evil.example.net/login", "https://evil.example.net/login", ""): "the page is on https://evil.example.net",
        (ENTRY, "https://evil.example.net/frame", ""): "frame holding the field is on https://evil.example.net",
        (ENTRY, ENTRY, "https://evil.example.net/collect"): "form's target is on https://evil.example.net",
        (ENTRY, ENTRY, "http://org.example.com/signin"): "form's target is on http://org.example.com",
        ("https://org.example.com.evil.net/", "https://org.example.com.evil.net/", ""): "org.example.com.evil.net",
        (ENTRY, "about:blank", ""): "has no web origin",
    }
    for (page, frame, action), words in cases.items():
        assert words in refusal(ALLOWED, page, frame, action), (page, frame, action)


def test_plain_http_only_on_loopback():
    local = allowed_origins("http://127.0.0.1:5000/app", ["http://10.1.2.3"])
    assert refusal(local, "http://127.0.0.1:5000/login", "http://127.0.0.1:5000/login", "") == ""
    assert "plain http" in refusal(local, "http://10.1.2.3/", "http://10.1.2.3/", "")
    assert "127.0.0.2" in refusal(local, "http://127.0.0.2:5000/", "http://127.0.0.2:5000/", "")  # another host


HOSTS = st.sampled_from(["org.example.com", "login.example.com", "evil.example.net", "127.0.0.1", "127.0.0.2",
                         "localhost", "ORG.example.com", "org.example.com.evil.net", "10.0.0.1", "[::1]"])
URLS = st.builds(lambda scheme, host, port, path: f"{scheme}://{host}{port}{path}",
                 st.sampled_from(["http", "https", "HTTPS", "ftp", "javascript"]), HOSTS,
                 st.sampled_from(["", ":443", ":80", ":8443", ":5000"]), st.sampled_from(["", "/", "/login?x=1"]))
ENTRIES = st.sampled_from(["https://org.example.com/app", "http://127.0.0.1:5000/app", "https://org.example.com:8443/"])


@settings(max_examples=examples(5000), deadline=None)
@given(ENTRIES, st.lists(URLS, max_size=2), URLS, URLS, st.one_of(st.just(""), URLS))
def test_a_secret_goes_only_where_every_part_is_an_allowed_origin(entry, extra, page, frame, action):
    allowed = allowed_origins(entry, extra)
    why = refusal(allowed, page, frame, action)

    def fine(url):
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
        port = {"https": 443, "http": 80}.get(scheme) if parts.port is None else parts.port
        secure = scheme == "https" or (scheme == "http" and (host.startswith("127.") or host in ("localhost", "::1")))
        same = any(urlsplit(a).scheme == scheme and (urlsplit(a).hostname or "") == host and
                   (urlsplit(a).port or {"https": 443, "http": 80}[scheme]) == port for a in allowed)
        return secure and same

    assert (why == "") == (fine(page) and fine(frame) and fine(action or frame)), (allowed, page, frame, action, why)
