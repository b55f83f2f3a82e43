"""Cookies as a browser keeps them: a cookie set with Domain= a public suffix (Domain=com, Domain=co.uk) would be
sent to every site under it, so browsers refuse it (RFC 6265 5.3 step 5; unless it is the host itself, which
then gets a host-only cookie). Checked on both ways a cookie reaches aws-sts: a Set-Cookie header on the
no-browser path (aws_sts.cookie_jar, as its opener applies it) and the browser's cookies stored after a sign-in
(idp_session.save, and load for a file an older version wrote).

The oracle knows which names are public suffixes from its own short list (written from the Public Suffix List:
ICANN and private entries, and an unlisted top-level domain counting as one, as browsers read it), and builds
hosts from labels no list holds, so it does not ask the library it checks."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aws_sts import cookie_jar, idp_session
from tests.helpers import examples, set_cookie

# Public suffixes, and the public parents of the multi-label ones ("uk" of "co.uk").
SUFFIXES = ["com", "org", "io", "de", "co.uk", "org.uk", "com.au", "co.jp", "github.io", "herokuapp.com",
            "corp", "internal"]
PUBLIC = set(SUFFIXES) | {"uk", "au", "jp"}
LABELS = st.from_regex(r"zq[a-z0-9]{1,5}", fullmatch=True)  # "zq..." names: in no list, under any suffix


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def kept_domain(host: str, domain: str | None) -> str | None:
    """The browser's rule: the cookie's domain as kept ("host" host-only, ".name" for a domain cookie), or
    None when it is refused."""
    bare = (domain or "").lower()
    bare = bare[1:] if bare.startswith(".") else bare
    if not bare:
        return host
    if bare in PUBLIC:
        return host if bare == host else None
    if host == bare or host.endswith("." + bare):
        return "." + bare
    return None


@st.composite
def cases(draw):
    suffix = draw(st.sampled_from(SUFFIXES))
    labels = draw(st.lists(LABELS, min_size=0, max_size=3))
    host = ".".join([*labels, suffix])  # no labels: the host is itself a public suffix (allowed host-only)
    parts = host.split(".")
    candidates = [".".join(parts[i:]) for i in range(len(parts))]  # the host and every parent, public ones too
    candidates += ["zqother." + suffix, "zq" + host, "zqx." + host, "zqother.com", "com.evil", ""]
    domain = draw(st.one_of(st.none(), st.sampled_from(candidates)))
    if domain and draw(st.booleans()):
        domain = "." + domain
    if domain and draw(st.booleans()):
        domain = domain.upper()
    return host, domain


@settings(max_examples=examples(3000), deadline=None)
@given(case=cases(), name=st.sampled_from(["sid", "DT", "JSESSIONID"]))
def test_a_set_cookie_is_kept_exactly_when_a_browser_keeps_it(case, name):
    host, domain = case
    line = f"{name}=v1; Path=/; Secure; HttpOnly" + (f"; Domain={domain}" if domain is not None else "")
    jar: list = []
    set_cookie(jar, f"https://{host}/app/sso", line)
    expected = kept_domain(host, domain)
    assert [c["domain"] for c in jar] == ([] if expected is None else [expected]), line
    if jar:  # and it is sent back to the host it was kept for
        assert cookie_jar.header(jar, f"https://{host}/app") == f"{name}=v1"


@settings(max_examples=examples(1000), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases())
def test_what_is_stored_and_loaded_keeps_exactly_what_a_browser_keeps(home, case):
    host, domain = case
    url = f"https://{host}/app/sso"
    stored_as = domain.lower() if domain else host  # a browser's cookie list: ".name" or the host itself
    cookie = {"name": "sid", "value": "v1", "domain": stored_as, "path": "/", "expires": -1, "httpOnly": True,
              "secure": True, "sameSite": "Lax"}
    idp_session.save(url, [cookie])
    loaded = idp_session.load(url, pytest.fail)
    bare = stored_as[1:] if stored_as.startswith(".") else stored_as
    matches = host == bare or host.endswith("." + bare)
    keep = matches and not (stored_as.startswith(".") and bare in PUBLIC)
    assert loaded == ([cookie] if keep else None), stored_as
    # A file written before this rule (or by hand) is read by it too.
    path = idp_session.path_of(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "host": idp_session.host_of(url), "saved": "x", "cookies": [cookie]}))
    path.chmod(0o600)  # as aws-sts writes it (a file others can read is refused: store's rule)
    assert idp_session.load(url, pytest.fail) == ([cookie] if keep else None)


KNOWN = [("idp.example.com", "com", None), ("idp.example.co.uk", "co.uk", None), ("idp.example.co.uk", ".uk", None),
         ("login.acme.github.io", "github.io", None), ("idp.corp", "corp", None),
         ("github.io", "github.io", "github.io"),
         ("idp.example.com", "example.com", ".example.com"), ("idp.example.co.uk", ".example.co.uk", ".example.co.uk"),
         ("idp.acme.corp", "acme.corp", ".acme.corp"), ("127.0.0.1", "127.0.0.1", ".127.0.0.1")]


def test_known_cases():
    for host, domain, kept in KNOWN:
        jar: list = []
        set_cookie(jar, f"https://{host}/", f"sid=v; Domain={domain}")
        assert [c["domain"] for c in jar] == ([] if kept is None else [kept]), (host, domain)


def test_the_list_is_read_from_the_package_never_fetched(monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("the public-suffix list was fetched")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(cookie_jar, "_SUFFIXES", [])
    assert cookie_jar.is_public_suffix("co.uk") and not cookie_jar.is_public_suffix("example.co.uk")
