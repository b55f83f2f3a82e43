"""aws_sts.idp_session on real files under a temporary HOME: the stored cookies round-trip exactly when the IdP's
host would be sent them, a file that cannot be used is one warning (never a value) and no session, and the Cookie
header is what a browser would send. Domain and path matching are checked against oracles written from RFC 6265's
wording (labels and segments), not from the module's code."""

from __future__ import annotations

import functools
import ipaddress
import json
import os
import stat
import time
import urllib.parse
from itertools import product

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aws_sts import cookie_jar, idp_session
from tests.helpers import examples

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                          HealthCheck.too_slow])
MARK = "S3CR3T-VALUE"
NOW = time.time()
LABELS = ["a", "b", "idp", "okta", "example", "com", "co", "uk", "xn--bcher-kva", "login", "x-y", "1"]
IPS = ["127.0.0.1", "10.0.0.1", "192.168.1.20", "::1", "2001:db8::1"]
SEGMENTS = ["app", "ap", "app2", "a b"]


@pytest.fixture
def home(tmp_path, monkeypatch):
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("HOME", str(path))
    return path


def cookie(name="sid", value=MARK, domain="idp.example.com", path="/", expires=-1, http_only=True, secure=True,
           same_site="Lax") -> dict:
    return {"name": name, "value": value, "domain": domain, "path": path, "expires": expires,
            "httpOnly": http_only, "secure": secure, "sameSite": same_site}


# -- oracles -----------------------------------------------------------------------------------------------

def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def domain_matches(host: str, domain: str) -> bool:
    """The host's last labels are the domain's labels (one leading dot of the domain dropped); IPs: equal."""
    host, domain = host.lower(), domain.lower()
    domain = domain[1:] if domain.startswith(".") else domain
    if not domain or is_ip(host):
        return host == domain
    want = domain.split(".")
    return host.split(".")[-len(want):] == want


def path_matches(request_path: str, cookie_path: str) -> bool:
    """The cookie path is the request path, or a run of its whole leading segments."""
    if cookie_path == request_path:
        return True
    if cookie_path.endswith("/"):
        return request_path.startswith(cookie_path)
    return request_path.startswith(cookie_path + "/")


def public_domain_cookie(c: dict) -> bool:
    """A cookie for a public suffix (Domain=.com, .co.uk, an unlisted top-level .a): browsers refuse those.
    Which names are public suffixes is the list's to say (tests/unit/test_cookie_rule.py checks the rule
    against a list of its own)."""
    bare = c["domain"].lower()[1:]
    return c["domain"].startswith(".") and not is_ip(bare) and suffix_list().is_public(bare)


@functools.lru_cache(maxsize=1)
def suffix_list():
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def expired(c: dict) -> bool:
    return c["expires"] != -1 and c["expires"] <= time.time()


# -- generated hosts and cookies ---------------------------------------------------------------------------

# Hosts, paths and cookies are spelled out as lists and picked by one whole number each: hypothesis draws a
# few numbers per case instead of dozens of values, which keeps thousands of cases within seconds.
HOSTS = IPS * 25 + [".".join(p) for n in range(1, 4) for p in product(LABELS, repeat=n)
               if n < 3 or p[0] in ("a", "idp", "login")]
PATHS = sorted({"/" + "/".join(p) + end for n in range(3) for p in product(SEGMENTS, repeat=n)
                for end in (["", "/"] if n else [""])})
EXPIRY_CHOICES = [-1, -1, NOW + 10**5 + 0.25, NOW + 10**8, 2**40, 1e15, NOW - 10**5, NOW - 0.5 - 10**4, 0, 1.5,
                  -2, -10**6]
COOKIE_VALUES = ["", "a", "abc", "X+/=", "0_9-Z", "==", "abcXYZ019"]


def hosts():
    return st.sampled_from(HOSTS)


def paths():
    return st.sampled_from(PATHS)


def url_of(host: str, scheme="https", path="/app/x", port="") -> str:
    return f"{scheme}://{f'[{host}]' if ':' in host else host}{port}{path}"


def domains_for(host: str) -> list:
    """Domains that matter for `host`: its own, each parent (with and without a dot), a label cut in two,
    a longer host, unrelated ones, in upper case too."""
    labels = host.split(".")
    candidates = [host, "." + host, "other.com", "." + host + ".evil", "evil." + host, host[1:], "." + host[1:]]
    candidates += [".".join(labels[i:]) for i in range(len(labels))]
    candidates += ["." + ".".join(labels[i:]) for i in range(len(labels))]
    candidates = [c for c in candidates if c not in ("", ".")]
    return candidates + [c.upper() for c in candidates[:3]]


def cookie_lists(host: str):
    domains = domains_for(host)
    choices = [COOKIE_VALUES, domains, PATHS, EXPIRY_CHOICES, [False, True], [False, True], list(idp_session.SAME_SITE)]
    size = 1
    for options in choices:
        size *= len(options)

    def build(numbers):
        cookies = []
        for i, number in enumerate(numbers):
            picked = []
            for options in choices:
                number, index = divmod(number, len(options))
                picked.append(options[index])
            value, domain, path, expires, http_only, secure, same_site = picked
            cookies.append(cookie(name=f"c{i}", value=value, domain=domain, path=path, expires=expires,
                                  http_only=http_only, secure=secure, same_site=same_site))
        return cookies

    return st.lists(st.integers(0, size - 1), max_size=6).map(build)


# -- host_of and the file name -----------------------------------------------------------------------------

@pytest.mark.parametrize("url, host", [
    ("https://Example.OKTA.com/home/amazon_aws/0oa1/272", "example.okta.com"),
    ("https://example.okta.com:443/x", "example.okta.com"),
    ("http://127.0.0.1:80/x", "127.0.0.1"),
    ("https://example.okta.com:8443/x", "example.okta.com:8443"),
    ("http://127.0.0.1:8080/sso", "127.0.0.1:8080"),
    ("http://[::1]:9000/", "[::1]:9000"),
    ("https://user@idp.example.com/", "idp.example.com"),
    ("https://bücher.example/app", "xn--bcher-kva.example"),
])
def test_host_of(url, host):
    assert idp_session.host_of(url) == host


@pytest.mark.parametrize("url", ["", "not a url", "https:///path", "https://idp:99999/", "https://idp:x/"])
def test_host_of_refuses_urls_without_a_host(url):
    with pytest.raises(ValueError):
        idp_session.host_of(url)


def test_file_names(home):
    sessions = home / ".aws" / "aws-sts" / "sessions"
    assert idp_session.path_of("https://Example.okta.com/x") == sessions / "example.okta.com.json"
    assert idp_session.path_of("https://example.okta.com:8443/x") == sessions / "example.okta.com_8443.json"
    assert idp_session.path_of("http://[::1]:9000/") == sessions / "%3a%3a1_9000.json"
    assert idp_session.path_of("https://a_8443/") == sessions / "a%5f8443.json"  # not a:8443's
    assert idp_session.path_of("https://%41/") == sessions / "%2541.json"  # not A's
    with pytest.raises(ValueError):
        idp_session.path_of("https://idp\\evil/")


@settings(max_examples=examples(2000), deadline=None)
@given(hosts=st.lists(st.tuples(st.one_of(st.text("a1_%.-:[]Aé", min_size=1, max_size=6),
                                          st.text(min_size=1, max_size=12)).filter(lambda h: not set(h) & set("/\\\0")),
                                st.sampled_from(["", ":1", ":8443", ":443"])), min_size=2, max_size=3))
def test_one_host_is_one_file_name_inside_sessions(hosts):
    """The file name spells the host (and port) back exactly, so different hosts never share a file, and no
    host leaves the sessions folder."""
    for host, port in hosts:
        url = f"https://{host}{port}/"
        try:
            key, path = idp_session.host_of(url), idp_session.path_of(url)
        except ValueError:
            continue
        assert path.parent == idp_session.store.root() / "sessions"
        assert path.name not in (".", "..") and "/" not in path.name and "\0" not in path.name
        assert spelled_back(path.name) == key


def spelled_back(name: str) -> str:
    """The host a session file name stands for: "%xx" are UTF-8 bytes, a "_" starts the port."""
    assert name.endswith(".json")
    stem = name[:-len(".json")]
    host, underscore, port = stem.rpartition("_") if "_" in stem else (stem, "", "")
    host = urllib.parse.unquote_to_bytes(host).decode("utf-8", "surrogatepass")
    return (f"[{host}]" if ":" in host else host) + (f":{port}" if underscore else "")


# -- save and load -----------------------------------------------------------------------------------------

@st.composite
def saved_cases(draw):
    host = draw(hosts())
    url = url_of(host, port=draw(st.sampled_from(["", ":8443"])))
    return host, url, draw(cookie_lists(host)), draw(st.booleans())


@settings(SETTINGS, max_examples=examples(1000))
@given(case=saved_cases())
def test_save_then_load_round_trips_exactly_the_matching_live_cookies(home, case):
    host, url, cookies, extra = case
    given_cookies = [dict(c, partitionKey="x") if extra else c for c in cookies]  # other fields are dropped
    idp_session.save(url, given_cookies)
    expected = [c for c in cookies if domain_matches(host, c["domain"]) and not expired(c)
                and not public_domain_cookie(c)]
    warnings = []
    assert idp_session.load(url, warnings.append) == (expected or None)
    assert warnings == []
    path = idp_session.path_of(url)
    assert path.exists() == bool(expected)
    if expected:
        document = json.loads(path.read_text())
        assert set(document) == {"version", "host", "saved", "cookies"} and document["version"] == 1
        assert document["host"] == idp_session.host_of(url)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_save_with_no_cookie_left_removes_the_file_and_forget_says_whether_there_was_one(home):
    url = "https://idp.example.com/app"
    idp_session.save(url, [cookie()])
    assert idp_session.forget(url) is True and idp_session.forget(url) is False
    idp_session.save(url, [cookie()])
    idp_session.save(url, [cookie(domain="other.com"), cookie(expires=NOW - 10)])
    assert not idp_session.path_of(url).exists()
    assert idp_session.load(url, pytest.fail) is None


def test_cookies_expire_between_save_and_load(home):
    url = "https://idp.example.com/app"
    idp_session.save(url, [cookie(name="soon", expires=time.time() + 1), cookie(name="later", expires=NOW + 10**6)])
    document = json.loads(idp_session.path_of(url).read_text())
    document["cookies"][1]["expires"] = time.time() - 1
    idp_session.path_of(url).write_text(json.dumps(document))
    time.sleep(1.1)
    assert idp_session.load(url, pytest.fail) is None


def test_each_host_has_its_own_session(home):
    a, b = "https://a.example.com/x", "https://b.example.com/x"
    idp_session.save(a, [cookie(name="sa", domain="a.example.com")])
    idp_session.save(b, [cookie(name="sb", domain="b.example.com")])
    assert [c["name"] for c in idp_session.load(a, pytest.fail)] == ["sa"]
    assert [c["name"] for c in idp_session.load(b, pytest.fail)] == ["sb"]


def _write(path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _valid(**changes) -> str:
    document = {"version": 1, "host": "idp.example.com", "saved": "2026-01-01T00:00:00Z", "cookies": [cookie()]}
    document.update(changes)
    return json.dumps(document)


def _bad_cookie(**changes) -> str:
    return _valid(cookies=[dict(cookie(), **changes)])


BROKEN = {
    "not json": lambda p: _write(p, '{"version": 1, "cookies": [' + MARK),
    "not utf-8": lambda p: _write(p, "") or p.write_bytes(b'{"x": "\xff' + MARK.encode() + b'"}'),
    "a list": lambda p: _write(p, json.dumps([cookie()])),
    "version 2": lambda p: _write(p, _valid(version=2)),
    "no version": lambda p: _write(p, json.dumps({"host": "idp.example.com", "cookies": [cookie()]})),
    "another host": lambda p: _write(p, _valid(host="evil.example.com")),
    "cookies not a list": lambda p: _write(p, _valid(cookies={"sid": MARK})),
    "playwright storage state": lambda p: _write(p, json.dumps({"cookies": [cookie()], "origins": []})),
    "value a number": lambda p: _write(p, _bad_cookie(value=12345)),
    "expires a string": lambda p: _write(p, _bad_cookie(expires="never")),
    "expires true": lambda p: _write(p, _bad_cookie(expires=True)),
    "expires NaN": lambda p: _write(p, _valid().replace('"expires": -1', '"expires": NaN')),
    "secure a string": lambda p: _write(p, _bad_cookie(secure="yes")),
    "sameSite unknown": lambda p: _write(p, _bad_cookie(sameSite="Sometimes")),
    "name missing": lambda p: _write(p, _valid(cookies=[{k: v for k, v in cookie().items() if k != "name"}])),
    "deeply nested": lambda p: _write(p, "[" * 100000 + "]" * 100000),
    "too big": lambda p: _write(p, _valid(cookies=[cookie(value=MARK * 100000)])),
    "a named pipe": lambda p: p.parent.mkdir(parents=True) or os.mkfifo(p),
    "a folder": lambda p: p.mkdir(parents=True),
    "a link to /dev/zero": lambda p: p.parent.mkdir(parents=True) or p.symlink_to("/dev/zero"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_file_that_cannot_be_used_is_one_warning_and_no_session(home, kind):
    url = "https://idp.example.com/app"
    path = idp_session.path_of(url)
    BROKEN[kind](path)
    warnings = []
    started = time.monotonic()
    assert idp_session.load(url, warnings.append) is None
    assert time.monotonic() - started < 5  # a pipe or a device is never waited on
    assert len(warnings) == 1, warnings
    (line,) = warnings
    assert "\n" not in line and str(path) in line and "ignored" in line and "replaced" in line
    assert MARK not in line and "Traceback" not in line
    idp_session.save(url, [cookie()]) if kind not in ("a folder",) else None  # the next sign-in replaces it
    if kind != "a folder":
        assert idp_session.load(url, pytest.fail) == [cookie()]


def test_no_file_is_no_session_and_no_warning(home):
    assert idp_session.load("https://idp.example.com/app", pytest.fail) is None


# -- the Cookie header -------------------------------------------------------------------------------------

@st.composite
def header_cases(draw):
    host = draw(hosts())
    scheme = draw(st.sampled_from(["https", "http"]))
    request_path = draw(paths())
    written = host.upper() if not is_ip(host) and draw(st.booleans()) else host
    url = url_of(written, scheme, request_path + draw(st.sampled_from(["", "?a=/x", "#f"])))
    return host, scheme, request_path, url, draw(cookie_lists(host))


@settings(max_examples=examples(2000), deadline=None)
@given(case=header_cases())
def test_cookie_header_sends_exactly_what_a_browser_would(case):
    host, scheme, request_path, url, cookies = case
    header = cookie_jar.header(cookies, url)
    sent = [pair.partition("=") for pair in header.split("; ")] if header else []
    names = [name for name, _, _ in sent]
    by_name = {c["name"]: c for c in cookies}

    def wanted(c):
        domain = c["domain"]
        host_ok = domain_matches(host, domain) if domain.startswith(".") else host == domain.lower()
        return (host_ok and path_matches(request_path, c["path"]) and not expired(c)
                and (scheme == "https" or not c["secure"]))

    assert sorted(names) == sorted(c["name"] for c in cookies if wanted(c))
    assert all(by_name[name]["value"] == value for name, _, value in sent)
    lengths = [len(by_name[name]["path"]) for name in names]
    assert lengths == sorted(lengths, reverse=True)  # longer paths first


def test_cookie_header_examples():
    cookies = [cookie(name="a", path="/", secure=False), cookie(name="b", path="/app", secure=False),
               cookie(name="s", secure=True), cookie(name="d", domain=".example.com", secure=False),
               cookie(name="h", domain="example.com", secure=False),
               cookie(name="bad", value="x\r\nInjected: 1", secure=False)]
    header = cookie_jar.header(cookies, "https://idp.example.com/app/x")
    assert header == f"b={MARK}; a={MARK}; s={MARK}; d={MARK}"
    assert cookie_jar.header(cookies, "http://idp.example.com/apps") == f"a={MARK}; d={MARK}"
    assert cookie_jar.header(cookies, "https://example.com/") == f"d={MARK}; h={MARK}"
    assert cookie_jar.header(cookies, "https://other.com/") == ""
