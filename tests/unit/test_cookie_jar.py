"""aws_sts.cookie_jar: http.cookiejar holding cookies as a browser does. A Set-Cookie header is kept, refused or
deletes as a browser's would (applied as the no-browser path's opener applies it), and the browser's cookie dicts
go into a jar and come back out unchanged. The public-suffix rule has its own tests in test_cookie_rule.py, the
Cookie header sent for a URL in test_idp_session.py, and the exchange over HTTP in test_saml_form.py."""

from __future__ import annotations

import http.cookiejar
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from aws_sts import cookie_jar
from tests.helpers import examples, set_cookie


def cookie(name, value, domain="127.0.0.1", path="/", secure=False, expires=-1):
    return {"name": name, "value": value, "domain": domain, "path": path, "expires": expires,
            "httpOnly": False, "secure": secure, "sameSite": "Lax"}


# -- Set-Cookie, one header at a time ----------------------------------------------------------------------

@settings(max_examples=examples(2000), deadline=None)
@given(host=st.sampled_from(["idp.example.com", "example.com", "127.0.0.1"]),
       scheme=st.sampled_from(["https", "http"]), path=st.sampled_from(["/", "/app/sso", "/app/", "/a"]),
       name=st.text("abcXYZ_-", min_size=1, max_size=5), value=st.text("abc019+/=_-", max_size=8),
       domain=st.sampled_from([None, "example.com", ".example.com", "idp.example.com", "evil.com", "com",
                               "xample.com", "127.0.0.1"]),
       cookie_path=st.sampled_from([None, "/", "/app", "/app/", "/b", "x"]),
       max_age=st.sampled_from([None, "-1", "0", "3600", "x"]), secure=st.booleans())
def test_a_set_cookie_is_kept_and_sent_back_as_a_browser_would(host, scheme, path, name, value, domain, cookie_path,
                                                                 max_age, secure):
    url = f"{scheme}://{host}{path}"
    line = f"{name}={value}" + (f"; Domain={domain}" if domain else "") + (
        f"; Path={cookie_path}" if cookie_path else "") + (f"; Max-Age={max_age}" if max_age else "") + (
        "; Secure" if secure else "")
    jar = [cookie(name, "before", domain=host, path="/")]
    set_cookie(jar, url, line)
    bare = (domain or "").lstrip(".")
    accepted = (not domain or host == bare or (host.endswith("." + bare) and host != "127.0.0.1")) and not (
        secure and scheme == "http") and bare != "com"  # a public suffix: browsers refuse it
    deleted = accepted and max_age in ("-1", "0")
    default_path = path[:path.rfind("/")] or "/"
    stored_path = cookie_path if cookie_path and cookie_path.startswith("/") else default_path
    replaced = accepted and stored_path == "/" and (not domain)
    names = [(c["name"], c["value"]) for c in jar]
    if not accepted:
        assert names == [(name, "before")]
    elif deleted:
        assert names == ([] if replaced else [(name, "before")])
    else:
        assert (name, value) in names and len(names) == (1 if replaced else 2)
        new = next(c for c in jar if c["value"] == value and (c is not jar[0] or replaced))
        assert new["domain"] == ("." + bare if domain else host) and new["path"] == stored_path
        assert new["secure"] is secure and (new["expires"] == -1) == (max_age in (None, "x"))
        sent = cookie_jar.header([new], f"{scheme}://{host}{stored_path}")
        assert sent == f"{name}={value}"


# -- the browser's cookie dicts in and out of a jar ----------------------------------------------------------

COOKIES = st.fixed_dictionaries({
    "name": st.one_of(st.just(""), st.text("abcXYZ_-$.", min_size=1, max_size=6)),
    "value": st.text("abcXYZ019+/=_- \"", max_size=8),
    "domain": st.sampled_from(["idp.example.com", ".example.com", "localhost", ".localhost", "127.0.0.1", "::1",
                               "other"]),
    "path": st.sampled_from(["/", "/app", "/app/", "/a b"]),
    "expires": st.one_of(st.just(-1), st.floats(1e9, 1e11), st.integers(2 * 10**9, 2**40)),
    "httpOnly": st.booleans(), "secure": st.booleans(), "sameSite": st.sampled_from(["Strict", "Lax", "None"])})


@settings(max_examples=examples(2000), deadline=None)
@given(cookies=st.lists(COOKIES, max_size=5, unique_by=lambda c: (c["domain"], c["path"], c["name"] or c["value"])))
def test_cookie_dicts_go_through_a_jar_unchanged(cookies):
    live = [c for c in cookies if c["expires"] == -1 or c["expires"] > time.time()]
    made = [cookie_jar.to_cookie(c) for c in cookies]
    assert all(isinstance(c, http.cookiejar.Cookie) for c in made)
    assert [cookie_jar.to_dict(c) for c in made] == cookies  # httpOnly, sameSite and the exact expiry too
    def key(c):
        return sorted(c.items())

    assert sorted(cookie_jar.Jar(cookies).dicts(), key=key) == sorted(live, key=key)  # expired: dropped


def test_host_only_cookies_go_to_their_host_alone_and_domain_cookies_to_the_hosts_under_it():
    cookies = [cookie("host", "1", domain="example.com"), cookie("", "bare", domain="example.com"),
               cookie("wide", "2", domain=".example.com"), cookie("local", "3", domain="localhost")]
    assert cookie_jar.header(cookies, "http://example.com/") == "host=1; bare; wide=2"
    assert cookie_jar.header(cookies, "http://idp.example.com/") == "wide=2"
    assert cookie_jar.header(cookies, "http://localhost:8080/") == "local=3"  # not "localhost.local"
    assert cookie_jar.header(cookies, "http://a.localhost/") == ""


def test_a_secure_cookie_is_kept_from_https_only_and_sent_over_https_only():
    cookies: list = []
    set_cookie(cookies, "http://idp.example.com/", "a=1; Secure")
    assert cookies == []
    set_cookie(cookies, "https://idp.example.com/", "a=1; Secure; HttpOnly; SameSite=strict")
    assert cookies == [dict(cookie("a", "1", domain="idp.example.com", secure=True), httpOnly=True,
                            sameSite="Strict")]
    assert cookie_jar.header(cookies, "http://idp.example.com/") == ""
    assert cookie_jar.header(cookies, "https://idp.example.com/") == "a=1"
