"""The stored IdP session: the browser's cookies for the IdP's host, kept after a successful sign-in so the next
run can skip the password and codes. One file per IdP host, ~/.aws/aws-sts/sessions/<host>.json, 0600.

The cookies are a bearer secret: no message ever holds a value, and only cookies the IdP's host would be sent
are kept (nothing else of the browser's storage), and none set for a public suffix (Domain=com), as browsers
refuse those. Cookies are Playwright's dicts: name, value, domain, path,
expires (Unix seconds, -1 for a session cookie), httpOnly, secure, sameSite.
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Callable
from datetime import datetime, timezone
from urllib.parse import urlsplit

from aws_sts import store
from aws_sts.urls import ascii_host

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
    host = ascii_host(parts.hostname or "")
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
    return _kept(entry_url, cookies) or None


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
    kept = _kept(entry_url, [c for c in map(_checked, cookies) if c])
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


def _kept(entry_url: str, cookies: list[dict]) -> list[dict]:
    """The cookies a browser at the entry URL's host keeps that have not expired (cookie_jar's rule)."""
    from aws_sts import cookie_jar  # here: http.cookiejar costs ~25 ms, and a run without a stored session needs none

    return cookie_jar.kept(entry_url, cookies)
