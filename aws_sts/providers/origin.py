"""Where a secret may be typed: the one rule, for every provider (as a password manager fills only on the
origin it saved).

A username, a password or a code goes only into a field
- of a page, and of a frame, whose origin is the entry URL's, or an origin config.json names in
  "signInOrigins" (for IdPs that sign in on another host),
- over https, or plain http on a loopback host (the local test IdPs),
- of a form that posts to such an origin (a form whose action leads elsewhere would carry it away).
Everything else is refused before anything is typed: the page is then one aws-sts does not know.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aws_sts.urls import is_loopback


def origin_of(url: str) -> str:
    """scheme://host[:port] as a browser compares origins (lower case, default ports dropped); "" for a URL
    that has none (about:blank, data:, javascript:)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host:
        return ""
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        port_text = ""
    else:
        port_text = f":{port}"
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}{port_text}"


def allowed_origins(entry_url: str, sign_in_origins=()) -> frozenset:
    return frozenset(o for o in (origin_of(entry_url), *(origin_of(u) for u in sign_in_origins)) if o)


def refusal(allowed: frozenset, page_url: str, frame_url: str, action_url: str) -> str:
    """Why a secret may not be typed into this field ("" when it may): the page's URL, the URL of the frame
    the field is in, and where its form posts (the frame's URL when it has no form or no action)."""
    for what, url in (("the page", page_url), ("the frame holding the field", frame_url),
                      ("the form's target", action_url or frame_url)):
        origin = origin_of(url)
        if not origin:
            return f"{what} has no web origin"
        if origin not in allowed:
            return f"{what} is on {origin}, not on the identity provider's origin"
        if not origin.startswith("https://") and not is_loopback(urlsplit(origin).hostname or ""):
            return f"{what} is on {origin}, plain http"
    return ""
