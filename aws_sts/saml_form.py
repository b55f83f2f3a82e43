"""The fast path: with a live stored IdP session, the entry URL answers with the auto-posting SAML form at once,
so one plain HTTP GET (and its redirects) reads the assertion without starting a browser.

Anything else (a sign-in page, a code page, an error, a slow network) hands over to the browser: fetch() never
raises, it says why in Fetched.reason (for --debug, without secrets: URLs are shown without their query) and
returns the cookies as the exchange left them, so the browser continues the same session.
"""

from __future__ import annotations

import codecs
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

from aws_sts import shown, web
from aws_sts.browser import SAML_ENDPOINT
from aws_sts.cookie_jar import Jar

MAX_BODY = 2 * 1024 * 1024
MAX_REDIRECTS = 10
REDIRECTS = (301, 302, 303, 307, 308)
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
USER_AGENT = "Mozilla/5.0 (compatible; aws-sts)"


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
    out: dict = {}
    worker = threading.Thread(target=_run, args=(entry_url, Jar(cookies), deadline, out), name="aws-sts-fast-path",
                              daemon=True)  # a thread stuck in DNS must not keep the process alive
    worker.start()
    worker.join(timeout)  # Ctrl-C interrupts this wait
    if "fetched" in out:
        return out["fetched"]
    # On time out the thread's cookies may be half updated: the browser gets the ones we were given.
    return Fetched(None, [dict(c) for c in cookies], f"no answer within {timeout:g} s")


def _run(url: str, jar: Jar, deadline: float, out: dict) -> None:
    try:
        value, reason = _exchange(url, jar, deadline)
    except Exception as exc:  # noqa: BLE001 - whatever it is, the browser takes over
        value, reason = None, f"{_describe(exc)} at {shown.url(url)}"
    out["fetched"] = Fetched(value, jar.dicts(), reason)


def _exchange(url: str, jar: Jar, deadline: float) -> tuple[str | None, str]:
    """The SAMLResponse (or None) and why; the jar sends the cookies and keeps what each answer sets."""
    opener = web.opener(jar)
    for _ in range(MAX_REDIRECTS + 1):
        if urlsplit(url).scheme.lower() not in web.SCHEMES:
            return None, f"{urlsplit(url).scheme or 'a relative'} URL: only http and https are followed"
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None, f"no answer in time from {shown.url(url)}"
        request = urllib.request.Request(url, headers={"Accept": ACCEPT, "User-Agent": USER_AGENT})
        with opener.open(request, timeout=remaining) as response:
            location = response.headers.get("Location")
            if response.status in REDIRECTS and location:
                url = urljoin(url, location.strip())
                continue
            return _answer(url, response)
    return None, f"more than {MAX_REDIRECTS} redirects"


def _answer(url: str, response) -> tuple[str | None, str]:
    headers, where = response.headers, shown.url(url)
    if response.status != 200:
        return None, f"{where} answered HTTP {response.status}"
    if headers.get_content_type() != "text/html":
        return None, f"{where} answered {headers.get_content_type()}, not HTML"
    if headers.get("Content-Encoding", "identity").strip().lower() != "identity":
        return None, f"{where} answered a compressed page"
    length = headers.get("Content-Length", "")
    if length.strip().isdigit() and int(length) > MAX_BODY:
        return None, f"{where} answered a page over 2 MB"
    body = response.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        return None, f"{where} answered a page over 2 MB"
    page = body.decode(_charset(headers.get_content_charset()), "replace")
    return find_saml_response(page, url)


def _charset(name: str | None) -> str:
    try:
        return codecs.lookup(name or "utf-8").name
    except LookupError:
        return "utf-8"


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
            problem = f"the SAML form at {shown.url(page_url)} posts to {shown.url(action)}, not AWS sign-in"
        elif form["method"].strip().lower() != "post":
            problem = f"the SAML form at {shown.url(page_url)} uses {form['method'].strip().upper() or 'GET'}"
        elif not value:
            problem = f"the SAML form at {shown.url(page_url)} has an empty SAMLResponse"
        else:
            return value, f"the SAML form at {shown.url(page_url)}"
        first_problem = first_problem or problem
    if first_problem:
        return None, first_problem
    if parser.forms:
        return None, f"{shown.url(page_url)} is a page with a form that is not the SAML form (a sign-in page?)"
    return None, f"{shown.url(page_url)} is a page without the SAML form"


def _normalized(url: str) -> str:
    """Scheme and host lowercased, as the browser writes them before posting."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment))


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
