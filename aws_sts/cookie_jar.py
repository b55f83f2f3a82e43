"""Cookies as a browser keeps and sends them, on the standard library's http.cookiejar.

http.cookiejar stores the cookies and writes the Cookie header; BrowserPolicy holds it to a browser's rules
(RFC 6265) where its own are older ones, and adds the public-suffix rule: a cookie set for a public suffix
(Domain=com, co.uk, github.io) would be sent to every site under it, so browsers refuse it. Jar reads
Set-Cookie as browsers do.

The browser (Playwright) and the session file hold cookies as dicts: name, value, domain (a leading dot: a
domain cookie, sent to the hosts under it too; none: host-only), path, expires (Unix seconds, -1 for a
session cookie), httpOnly, secure, sameSite. to_cookie() and to_dict() turn one into the other and back
exactly: httpOnly and sameSite travel in the Cookie's nonstandard attributes.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import ipaddress
import re
import time
import urllib.request
from urllib.parse import urlsplit

from aws_sts.urls import ascii_host

SAME_SITE = {"strict": "Strict", "lax": "Lax", "none": "None"}
_SAME_SITE_ATTR = "SameSite"
_HTTPONLY_ATTR = http.cookiejar.HTTPONLY_ATTR  # as http.cookiejar's own MozillaCookieJar marks it


class BrowserPolicy(http.cookiejar.DefaultCookiePolicy):
    """http.cookiejar's checks with a browser's rules where they differ: a domain cookie goes to its domain
    and the hosts under it and is never one for a public suffix; a host-only cookie goes to its host alone
    (DefaultCookiePolicy sends it to subdomains too unless DomainStrictNonDomain, and reads a host without a
    dot as "host.local"); paths compare as the URL writes them (no re-escaping); a Secure cookie is set and
    sent over https only; a cookie whose name or value a header cannot carry is never sent."""

    def set_ok(self, cookie, request):
        return super().set_ok(cookie, request) and _secure_ok(cookie, request)

    def set_ok_domain(self, cookie, request):
        return belongs(hostname(request.full_url), cookie.domain)

    def domain_return_ok(self, domain, request):
        return True  # return_ok_domain decides, cookie by cookie

    def return_ok_domain(self, cookie, request):
        host = hostname(request.full_url)
        return domain_match(host, cookie.domain) if cookie.domain.startswith(".") else host == cookie.domain.lower()

    def path_return_ok(self, path, request):
        return path_match(urlsplit(request.full_url).path or "/", path)

    def return_ok_secure(self, cookie, request):
        return _secure_ok(cookie, request)

    def return_ok(self, cookie, request):
        return super().return_ok(cookie, request) and _sendable(cookie)


class Jar(http.cookiejar.CookieJar):
    """A CookieJar under BrowserPolicy, filled with Playwright cookie dicts; dicts() gives them back."""

    def __init__(self, cookies=()):
        super().__init__(BrowserPolicy())
        for cookie in cookies:
            self.set_cookie(to_cookie(cookie))

    def dicts(self) -> list[dict]:
        return [to_dict(cookie) for cookie in self]

    def set_cookie(self, cookie):
        """Store the cookie; one that has expired removes the stored one of the same domain, path and name."""
        if not cookie.is_expired():
            super().set_cookie(cookie)
            return
        with contextlib.suppress(KeyError):  # KeyError: none was stored
            self.clear(cookie.domain, cookie.path, cookie.name)

    def make_cookies(self, response, request):
        """The cookies of the answer's Set-Cookie headers, read as a browser reads them (RFC 6265 5.2 and 5.3):
        of a repeated attribute the last counts, an unreadable Max-Age or Expires is ignored, a Path that does
        not start with "/" gives the default path, and Domain= the host itself, when it is a public suffix,
        a host-only cookie. Whether each is kept is the policy's to say."""
        url = request.full_url
        found = (_parsed(line, url) for line in response.info().get_all("Set-Cookie") or [])
        return [to_cookie(cookie) for cookie in found if cookie is not None]


def header(cookies: list[dict], url: str) -> str:
    """The Cookie header a browser would send to `url` with these cookies ("" for none): longer paths first."""
    request = urllib.request.Request(url)
    Jar(cookies).add_cookie_header(request)
    return request.get_header("Cookie", "")


def kept(url: str, cookies: list[dict]) -> list[dict]:
    """The cookies a browser at the URL's host keeps (see belongs()) that have not expired, in their order."""
    host, now = hostname(url), time.time()
    return [c for c in cookies if belongs(host, c["domain"]) and not to_cookie(c).is_expired(now)]


def to_cookie(cookie: dict) -> http.cookiejar.Cookie:
    """A Playwright cookie as http.cookiejar's Cookie (which writes its domain in lowercase, as browsers do). A
    cookie without a name (a browser keeps "Set-Cookie: x" so) becomes one without a value, which http.cookiejar
    sends as the browser does: "x" alone."""
    domain, expires = cookie["domain"], cookie.get("expires", -1)
    name, value = (cookie["name"], cookie["value"]) if cookie["name"] else (cookie["value"], None)
    rest = {_SAME_SITE_ATTR: cookie.get("sameSite", "Lax")}
    if cookie.get("httpOnly"):
        rest[_HTTPONLY_ATTR] = ""
    made = http.cookiejar.Cookie(0, name, value, None, False, domain, domain.startswith("."), domain.startswith("."),
                                 cookie.get("path") or "/", True, bool(cookie.get("secure")), None, expires == -1,
                                 None, None, rest)
    made.expires = None if expires == -1 else expires  # as it is: Cookie() would cut it to whole seconds
    return made


def to_dict(cookie: http.cookiejar.Cookie) -> dict:
    name, value = (cookie.name, cookie.value) if cookie.value is not None else ("", cookie.name)
    return {"name": name, "value": value, "domain": cookie.domain, "path": cookie.path,
            "expires": -1 if cookie.expires is None else cookie.expires,
            "httpOnly": cookie.has_nonstandard_attr(_HTTPONLY_ATTR), "secure": cookie.secure,
            "sameSite": cookie.get_nonstandard_attr(_SAME_SITE_ATTR, "Lax")}


def _parsed(line: str, url: str) -> dict | None:
    """One Set-Cookie header received from `url` as a Playwright cookie; None when it is not a cookie."""
    parsed = http.cookiejar.parse_ns_headers([line])
    if not parsed or parsed[0][0][1] is None:  # no "name=value" first: not a cookie
        return None
    (name, value), attributes = parsed[0][0], {k.lower(): v for k, v in parsed[0][1:]}  # the last one wins
    host, request_path = hostname(url), urlsplit(url).path
    domain = (attributes.get("domain") or "").lstrip(".").lower()
    if domain == host and is_public_suffix(domain):
        domain = ""  # RFC 6265 5.3 step 5: the host's own cookie
    path = attributes.get("path") or ""
    if not path.startswith("/"):
        path = request_path[:request_path.rfind("/")] if request_path.count("/") > 1 else "/"
    return {"name": name, "value": value, "domain": "." + domain if domain else host, "path": path,
            "expires": _expires(attributes), "httpOnly": "httponly" in attributes, "secure": "secure" in attributes,
            "sameSite": SAME_SITE.get((attributes.get("samesite") or "").lower(), "Lax")}


def _expires(attributes: dict) -> float:
    """Unix seconds, -1 for a session cookie. Max-Age wins over Expires; an unreadable one is ignored."""
    max_age = (attributes.get("max-age") or "").strip()
    if re.fullmatch(r"-?[0-9]+", max_age):
        return 0.0 if int(max_age) <= 0 else float(int(time.time()) + int(max_age))
    expires = attributes.get("expires")  # parse_ns_headers made it Unix seconds (None when unreadable)
    return float(expires) if isinstance(expires, (int, float)) else -1


def hostname(url: str) -> str:
    """The URL's host as the browser sends it: lowercase, IDNA, without brackets."""
    return ascii_host(urlsplit(url.strip()).hostname or "")


def belongs(host: str, domain: str) -> bool:
    """Whether a browser at `host` keeps a cookie for `domain` (a leading dot: a domain cookie): the host's own,
    or one for a domain that domain-matches the host and is not a public suffix ("com", "co.uk", "github.io":
    sent to every site under it, so browsers refuse them)."""
    return domain_match(host, domain) and not (domain.startswith(".") and is_public_suffix(domain))


def domain_match(host: str, domain: str) -> bool:
    """RFC 6265 5.1.3, with the cookie domain's leading dot removed: the same name, or the host ends with
    "." + domain and is not an IP address."""
    host, domain = host.lower(), domain.lower()
    domain = domain[1:] if domain.startswith(".") else domain
    if not host or not domain:
        return False
    if host == domain:
        return True
    return host.endswith("." + domain) and not _is_ip(host)


def path_match(request_path: str, cookie_path: str) -> bool:
    """RFC 6265 5.1.4."""
    if request_path == cookie_path:
        return True
    return request_path.startswith(cookie_path) and (cookie_path.endswith("/")
                                                      or request_path[len(cookie_path)] == "/")


_SUFFIXES: list = []  # the public-suffix list, parsed on first use (~80 ms): only when a domain cookie is seen


def is_public_suffix(domain: str) -> bool:
    """Whether a cookie's Domain (a leading dot allowed) is a public suffix by Mozilla's Public Suffix List,
    as browsers read it: its ICANN and private parts, and an unlisted top-level domain counts as one (the
    list's "*" rule). IP addresses are not (a cookie for one is for that address only). The list is the
    copy bundled with the publicsuffixlist package: nothing is fetched at run time."""
    name = domain.lower().strip(".")
    if not name or _is_ip(name):
        return not name
    if not _SUFFIXES:
        from publicsuffixlist import PublicSuffixList

        _SUFFIXES.append(PublicSuffixList())
    return bool(_SUFFIXES[0].is_public(name))


def _secure_ok(cookie: http.cookiejar.Cookie, request) -> bool:
    # The URL's scheme, not request.type: through a proxy that is the proxy's.
    return not cookie.secure or urlsplit(request.full_url).scheme.lower() == "https"


def _sendable(cookie: http.cookiejar.Cookie) -> bool:
    # A name or value a header cannot carry (line breaks, ";") did not come from a browser: never send it.
    text = f"{cookie.name}{cookie.value or ''}"
    return isinstance(cookie.name, str) and isinstance(cookie.value or "", str) and not any(
        c in text for c in "\r\n\0;")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
