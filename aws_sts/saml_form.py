"""The fast path: with a live stored IdP session, the entry URL answers with the auto-posting SAML form at once,
so one plain HTTP GET (and its redirects) reads the assertion without starting a browser.

Anything else (a sign-in page, a code page, an error, a slow network) hands over to the browser: fetch() never
raises, it says why in Fetched.reason (for --debug, without secrets: URLs are shown without their query) and
returns the cookies as the exchange left them, so the browser continues the same session.
"""

from __future__ import annotations

import codecs
import ipaddress
import re
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

from aws_sts.browser import SAML_ENDPOINT
from aws_sts.idp_session import cookie_header, domain_match, is_public_suffix

MAX_BODY = 2 * 1024 * 1024
MAX_REDIRECTS = 10
REDIRECTS = (301, 302, 303, 307, 308)
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
USER_AGENT = "Mozilla/5.0 (compatible; aws-sts)"
SAME_SITE = {"strict": "Strict", "lax": "Lax", "none": "None"}


@dataclass
class Fetched:
    saml_response: str | None = field(repr=False)  # the SAMLResponse exactly as the form would post it
    cookies: list = field(repr=False)  # Playwright cookie dicts: the input, updated by every Set-Cookie
    reason: str  # why there is no SAMLResponse (or how it was found): safe to show


def fetch(entry_url: str, cookies: list, timeout: float) -> Fetched:
    """GET entry_url with the cookies and follow its redirects; the SAMLResponse when the answer is the AWS
    SAML form. Ends within `timeout` seconds (DNS included: the exchange runs in a thread of its own)."""
    deadline = time.monotonic() + timeout
    cookies = list(cookies or [])
    mine = [dict(c) for c in cookies]
    out: dict = {}
    worker = threading.Thread(target=_run, args=(entry_url, mine, deadline, out), name="aws-sts-fast-path",
                              daemon=True)  # a thread stuck in DNS must not keep the process alive
    worker.start()
    worker.join(timeout)  # Ctrl-C interrupts this wait
    if "fetched" in out:
        return out["fetched"]
    # On time out the thread's cookies may be half updated: the browser gets the ones we were given.
    return Fetched(None, [dict(c) for c in cookies], f"no answer within {timeout:g} s")


def _run(url: str, cookies: list, deadline: float, out: dict) -> None:
    try:
        out["fetched"] = _exchange(url, cookies, deadline)
    except Exception as exc:  # noqa: BLE001 - whatever it is, the browser takes over
        out["fetched"] = Fetched(None, cookies, f"{_describe(exc)} at {_where(url)}")


def _exchange(url: str, cookies: list, deadline: float) -> Fetched:
    import urllib.request  # here: it costs ~30 ms at start-up

    openers: dict = {}
    for _ in range(MAX_REDIRECTS + 1):
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            return Fetched(None, cookies, f"{urlsplit(url).scheme or 'a relative'} URL: only http and https "
                                          "are followed")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return Fetched(None, cookies, f"no answer in time from {_where(url)}")
        request = urllib.request.Request(url, headers={"Accept": ACCEPT, "User-Agent": USER_AGENT})
        header = cookie_header(cookies, url)
        if header:
            request.add_header("Cookie", header)
        with _opener(urlsplit(url).hostname or "", openers).open(request, timeout=remaining) as response:
            headers = response.headers
            for line in headers.get_all("Set-Cookie") or []:
                set_cookie(cookies, url, line)
            location = headers.get("Location")
            if response.status in REDIRECTS and location:
                url = urljoin(url, location.strip())
                continue
            return _answer(url, response, cookies)
    return Fetched(None, cookies, f"more than {MAX_REDIRECTS} redirects")


def _answer(url: str, response, cookies: list) -> Fetched:
    headers = response.headers
    if response.status != 200:
        return Fetched(None, cookies, f"{_where(url)} answered HTTP {response.status}")
    if headers.get_content_type() != "text/html":
        return Fetched(None, cookies, f"{_where(url)} answered {headers.get_content_type()}, not HTML")
    if headers.get("Content-Encoding", "identity").strip().lower() != "identity":
        return Fetched(None, cookies, f"{_where(url)} answered a compressed page")
    length = headers.get("Content-Length", "")
    if length.strip().isdigit() and int(length) > MAX_BODY:
        return Fetched(None, cookies, f"{_where(url)} answered a page over 2 MB")
    body = response.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        return Fetched(None, cookies, f"{_where(url)} answered a page over 2 MB")
    page = body.decode(_charset(headers.get_content_charset()), "replace")
    value, reason = find_saml_response(page, url)
    return Fetched(value, cookies, reason)


def _charset(name: str | None) -> str:
    try:
        return codecs.lookup(name or "utf-8").name
    except LookupError:
        return "utf-8"


def _opener(host: str, cache: dict):
    """An opener for http and https only, that hands every status back (no error processor: redirects are
    followed above, one hop at a time) and uses the environment's proxies, except for loopback hosts: a proxy
    cannot reach this machine's localhost, and the cookies for it are not the proxy's to see."""
    import urllib.request

    direct = is_loopback(host)
    if direct not in cache:
        opener = urllib.request.OpenerDirector()
        for handler in (urllib.request.ProxyHandler({} if direct else None), urllib.request.HTTPHandler(),
                        urllib.request.HTTPSHandler()):
            opener.add_handler(handler)
        cache[direct] = opener
    return cache[direct]


def is_loopback(host: str) -> bool:
    """localhost (and *.localhost), 127.0.0.0/8 in any form the resolver reads ("127.1"), ::1 (also IPv4-mapped)."""
    import socket

    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:  # inet_aton reads what getaddrinfo reads as IPv4: "127.1", "0x7f.1", "2130706433"
            return ":" not in host and " " not in host and socket.inet_aton(host)[0] == 127
        except OSError:
            return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


class _Forms(HTMLParser):
    """Every form of a page: action, method and its inputs' names and values (attribute values come out
    HTML-unescaped, as the browser posts them), and the page's <base href>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.forms: list = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        found: dict = {}
        for name, value in attrs:
            found.setdefault(name, value)  # a repeated attribute: the first counts, as in browsers
        if tag == "base" and self.base is None and found.get("href") is not None:
            self.base = found["href"]
        elif tag == "form" and self._open is None:  # browsers ignore a form nested in a form
            self._open = {"action": found.get("action") or "", "method": found.get("method") or "get",
                          "inputs": {}}
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and found.get("name") is not None:
            self._open["inputs"].setdefault(found["name"], found.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def find_saml_response(page: str, page_url: str) -> tuple[str | None, str]:
    """The SAMLResponse of the page's form that POSTs to AWS sign-in (its action resolved against the page
    URL), and a reason; (None, why) when there is no such form with a non-empty SAMLResponse."""
    parser = _Forms()
    parser.feed(page)
    parser.close()
    base = urljoin(page_url, parser.base.strip()) if parser.base else page_url
    first_problem = None
    for form in parser.forms:
        value = form["inputs"].get("SAMLResponse")
        if value is None:
            continue
        action = _normalized(urljoin(base, form["action"].strip()))
        if not SAML_ENDPOINT.match(action):
            problem = f"the SAML form at {_where(page_url)} posts to {_where(action)}, not AWS sign-in"
        elif form["method"].strip().lower() != "post":
            problem = f"the SAML form at {_where(page_url)} uses {form['method'].strip().upper() or 'GET'}"
        elif not value:
            problem = f"the SAML form at {_where(page_url)} has an empty SAMLResponse"
        else:
            return value, f"the SAML form at {_where(page_url)}"
        first_problem = first_problem or problem
    if first_problem:
        return None, first_problem
    if parser.forms:
        return None, f"{_where(page_url)} is a page with a form that is not the SAML form (a sign-in page?)"
    return None, f"{_where(page_url)} is a page without the SAML form"


def _normalized(url: str) -> str:
    """Scheme and host lowercased, as the browser writes them before posting."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment))


def set_cookie(cookies: list, url: str, line: str) -> None:
    """Apply one Set-Cookie header received from `url` to `cookies` (Playwright dicts) as a browser would
    (RFC 6265 section 5.3): a cookie for another domain, or a Secure one over http, is ignored; so is one for
    a public suffix (Domain=com, Domain=co.uk), unless that is the host itself, which then gets a host-only
    cookie; one that has expired removes the stored cookie of the same name, domain and path."""
    from http.cookiejar import parse_ns_headers

    parsed = parse_ns_headers([line])
    if not parsed or parsed[0][0][1] is None:  # no "name=value" first: not a cookie
        return
    (name, value), attributes = parsed[0][0], {k.lower(): v for k, v in parsed[0][1:]}  # the last one wins
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    domain = (attributes.get("domain") or "").lstrip(".").lower()
    if domain and not domain_match(host, domain):
        return
    if domain and is_public_suffix(domain):
        if domain != host:
            return
        domain = ""  # RFC 6265 5.3 step 5: the host's own cookie
    secure = "secure" in attributes
    if secure and parts.scheme.lower() != "https":
        return
    path = attributes.get("path") or ""
    if not path.startswith("/"):
        path = parts.path[:parts.path.rfind("/")] if parts.path.count("/") > 1 else "/"
    cookie = {"name": name, "value": value, "domain": "." + domain if domain else host,
              "path": path, "expires": _expires(attributes), "httpOnly": "httponly" in attributes,
              "secure": secure, "sameSite": SAME_SITE.get((attributes.get("samesite") or "").lower(), "Lax")}
    same = [i for i, c in enumerate(cookies)
            if (c.get("name"), str(c.get("domain", "")).lower(), c.get("path")) == (name, cookie["domain"], path)]
    expired = cookie["expires"] != -1 and cookie["expires"] <= time.time()
    for i in reversed(same[1:] if not expired else same):
        del cookies[i]
    if expired:
        return
    if same:
        cookies[same[0]] = cookie
    else:
        cookies.append(cookie)


def _expires(attributes: dict) -> float:
    """Unix seconds, -1 for a session cookie. Max-Age wins over Expires; an unreadable one is ignored."""
    max_age = (attributes.get("max-age") or "").strip()
    if re.fullmatch(r"-?[0-9]+", max_age):
        return 0.0 if int(max_age) <= 0 else float(int(time.time()) + int(max_age))
    expires = attributes.get("expires")  # parse_ns_headers made it Unix seconds (None when unreadable)
    return float(expires) if isinstance(expires, (int, float)) else -1


def _where(url: str) -> str:
    """scheme://host/path of a URL: a query or fragment may hold tokens, and user:password@ a secret."""
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1" and the like
        return "(an unreadable URL)"
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", "")) or "(no URL)"


def _describe(exc: BaseException) -> str:
    """A network failure in a few words, without the URL (it may hold tokens)."""
    inner = getattr(exc, "reason", None)  # URLError wraps the socket error
    inner = inner if isinstance(inner, BaseException) else exc
    if isinstance(inner, TimeoutError) or type(inner).__name__ == "timeout":
        return "no answer in time"
    if isinstance(inner, ValueError):  # http.client refuses the URL (a bad port, a control character)
        return "an unusable URL"
    text = getattr(inner, "strerror", None) or getattr(inner, "verify_message", None)
    return f"network error ({text})" if text else f"network error ({type(inner).__name__})"
