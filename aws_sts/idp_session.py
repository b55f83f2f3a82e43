"""The stored IdP session: the browser's cookies for the IdP's host, kept after a successful sign-in so the next
run can skip the password and codes. One file per IdP host, ~/.aws/aws-sts/sessions/<host>.json, 0600.

The cookies are a bearer secret: no message ever holds a value, and only cookies the IdP's host would be sent
are kept (nothing else of the browser's storage), and none set for a public suffix (Domain=com), as browsers
refuse those. Cookies are Playwright's dicts: name, value, domain, path,
expires (Unix seconds, -1 for a session cookie), httpOnly, secure, sameSite.
"""

from __future__ import annotations

import ipaddress
import json
import pathlib
import time
from collections.abc import Callable
from datetime import datetime, timezone
from urllib.parse import urlsplit

from aws_sts import store

VERSION = 1
MAX_BYTES = 1 << 20  # a real IdP session is a few kilobytes
SAME_SITE = ("Strict", "Lax", "None")
_TEXT_FIELDS = ("name", "value", "domain", "path")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SAFE = set("abcdefghijklmnopqrstuvwxyz0123456789.-")


def host_of(entry_url: str) -> str:
    """The IdP host as the session file names it: lowercase, in ASCII (IDNA), with ":port" when the URL
    names a port other than its scheme's default, IPv6 addresses in brackets. ValueError without a host."""
    parts = urlsplit(entry_url.strip())
    host = _ascii_host(parts.hostname or "")
    if not host:
        raise ValueError("the entry URL names no host")
    port = parts.port  # ValueError for a port that is not a number in range
    shown = f"[{host}]" if ":" in host else host
    return shown if port is None or port == _DEFAULT_PORTS.get(parts.scheme.lower()) else f"{shown}:{port}"


def path_of(entry_url: str) -> pathlib.Path:
    """~/.aws/aws-sts/sessions/<host>.json: a port becomes "_<port>", and any character that is not a lowercase
    letter, digit, "." or "-" (IPv6 colons, odd hosts) is written %xx, so one host is always one file name."""
    host = host_of(entry_url)
    if "/" in host or "\\" in host or "\0" in host:
        raise ValueError("the entry URL's host holds a path separator")
    name, port = host, ""
    if not host.endswith("]") and ":" in host:  # "host:port" or "[v6]:port"
        name, _, port = host.rpartition(":")
    raw = name.strip("[]").encode("utf-8", "surrogatepass")
    safe = "".join(chr(b) if chr(b) in _SAFE else f"%{b:02x}" for b in raw)
    return store.root() / "sessions" / (safe + (f"_{port}" if port else "") + ".json")


def load(entry_url: str, warn: Callable[[str], None]) -> list[dict] | None:
    """The stored cookies for the entry URL's host that have not expired, or None when there are none. A file
    that cannot be used is reported through warn() (one line, no cookie value) and treated as none: that
    includes one another user could have planted or read (store's rule: a symlink, another user's file, a
    folder others can write), named with what to do about it."""
    path = path_of(entry_url)
    try:
        data = store.read_private(path, MAX_BYTES)
    except store.UnsafeError as exc:
        if exc.path != path:  # a folder: nothing is stored there until it is fixed
            warn(f"The stored sign-in session {path} is ignored: {exc}.")
            return None
        return _ignored(warn, path, f"{exc.reason}", f" (or {exc.fix} now)")
    except store.StoreError as exc:
        return _ignored(warn, path, exc.reason)
    if data is None:
        return None
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _ignored(warn, path, "is not valid JSON")
    cookies = _cookies_of(document, host_of(entry_url))
    if cookies is None:
        return _ignored(warn, path, "is not in the format this version of aws-sts writes")
    host, now = _hostname(entry_url), time.time()
    kept = [c for c in cookies if _kept(host, c) and not _expired(c, now)]
    return kept or None


def _ignored(warn: Callable[[str], None], path: pathlib.Path, why: str, fix: str = "") -> None:
    warn(f"The stored sign-in session {path} {why}: it is ignored and will be replaced after the next "
         f"successful sign-in{fix}.")
    return None


def _cookies_of(document, host: str) -> list[dict] | None:
    """The cookie list of a file in our format for `host`, or None when it is anything else."""
    if not isinstance(document, dict) or document.get("version") != VERSION or document.get("host") != host:
        return None
    cookies = document.get("cookies")
    if not isinstance(cookies, list):
        return None
    checked = [_checked(c) for c in cookies]
    return None if any(c is None for c in checked) else checked


def _checked(cookie) -> dict | None:
    """The cookie with exactly Playwright's fields, or None when a field is missing or of the wrong type."""
    if not isinstance(cookie, dict) or not all(isinstance(cookie.get(k), str) for k in _TEXT_FIELDS):
        return None
    expires = cookie.get("expires")
    if isinstance(expires, bool) or not isinstance(expires, (int, float)) or expires != expires:  # NaN
        return None
    if not isinstance(cookie.get("httpOnly"), bool) or not isinstance(cookie.get("secure"), bool):
        return None
    if cookie.get("sameSite") not in SAME_SITE:
        return None
    fields = _TEXT_FIELDS + ("expires", "httpOnly", "secure", "sameSite")
    return {k: cookie[k] for k in fields}


def save(entry_url: str, cookies: list[dict]) -> None:
    """Keep the cookies the entry URL's host domain-matches and that have not expired (a file with none is
    removed instead). Only cookies: no other browser storage. Raises OSError when it cannot be written."""
    host, now = _hostname(entry_url), time.time()
    kept = []
    for cookie in cookies:
        checked = _checked(cookie)
        if checked and _kept(host, checked) and not _expired(checked, now):
            kept.append(checked)
    path = path_of(entry_url)
    if not kept:
        store.remove(path)
        return
    saved = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = {"version": VERSION, "host": host_of(entry_url), "saved": saved, "cookies": kept}
    store.folder("sessions")
    store.write_private(path, json.dumps(document, indent=1).encode("ascii"))


def forget(entry_url: str) -> bool:
    """Remove the stored session for the entry URL's host; True if there was one."""
    return store.remove(path_of(entry_url))


def cookie_header(cookies: list[dict], url: str) -> str:
    """The Cookie header a browser would send to `url` ("" for none): cookies whose domain matches the host
    (a domain without a leading dot is host-only, as Playwright writes them), whose path matches, not
    expired, and `secure` ones only over https. Longer paths first, as browsers order them."""
    parts = urlsplit(url)
    host, path, now = _hostname(url), parts.path or "/", time.time()
    https = parts.scheme.lower() == "https"
    chosen = []
    for cookie in cookies:
        domain = str(cookie.get("domain", ""))
        matches = domain_match(host, domain) if domain.startswith(".") else host == domain.lower()
        if (matches and path_match(path, str(cookie.get("path") or "/")) and not _expired(cookie, now)
                and (https or not cookie.get("secure")) and _sendable(cookie)):
            chosen.append(cookie)
    chosen.sort(key=lambda c: -len(c.get("path") or "/"))  # stable: equal paths keep their order
    return "; ".join(f"{c['name']}={c['value']}" if c["name"] else c["value"] for c in chosen)


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


def _kept(host: str, cookie: dict) -> bool:
    """Whether a browser at `host` keeps this cookie: the host's own (host-only), or one for a domain that
    domain-matches the host and is not a public suffix ("com", "co.uk", "github.io": sent to every site
    under it, so browsers refuse them)."""
    domain = cookie["domain"]
    if not domain_match(host, domain):
        return False
    return not domain.startswith(".") or not is_public_suffix(domain)


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


def path_match(request_path: str, cookie_path: str) -> bool:
    """RFC 6265 5.1.4."""
    if request_path == cookie_path:
        return True
    return request_path.startswith(cookie_path) and (cookie_path.endswith("/")
                                                      or request_path[len(cookie_path)] == "/")


def _sendable(cookie: dict) -> bool:
    # A name or value a header cannot carry (line breaks, ";") did not come from a browser: never send it.
    text = f"{cookie.get('name')}{cookie.get('value')}"
    return isinstance(cookie.get("name"), str) and isinstance(cookie.get("value"), str) and not any(
        c in text for c in "\r\n\0;")


def _expired(cookie: dict, now: float) -> bool:
    expires = cookie.get("expires", -1)
    return isinstance(expires, (int, float)) and expires != -1 and expires <= now


def _hostname(url: str) -> str:
    return _ascii_host(urlsplit(url.strip()).hostname or "")


def _ascii_host(host: str) -> str:
    """Lowercase, and in IDNA (punycode) when it is not ASCII, as the browser sends it; as is if IDNA refuses."""
    host = host.lower()
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True

