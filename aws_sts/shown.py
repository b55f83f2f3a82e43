"""How a config value or path shows in a message: shortened, escaped, never with what may be a password."""

from __future__ import annotations

import json
from urllib.parse import urlsplit, urlunsplit

MAX_SHOWN = 60  # the most of a value an error message echoes


def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """A value as a message may echo it: escaped like repr, at most `limit` characters, never with an '@'."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float) or (isinstance(value, int) and abs(value) < 10 ** 18):
        return repr(value)
    if not isinstance(value, str):
        return {int: "a very large number", list: "a list", dict: "an object"}.get(type(value), type(value).__name__)
    if "@" in value:  # user:password@host, or a password pasted by mistake
        return "a value with '@' (not shown: it may hold a password)"
    text = value[:limit]
    while len(repr(text)) > limit + 2:  # escapes count too
        text = text[:-1]
    return repr(text) + ("…" if len(text) < len(value) else "")


def where(path: object) -> str:
    """The config path as messages show it: the end of a long one, escaped when it holds odd characters."""
    text = str(path)
    if len(text) > 120:
        text = "…" + text[-119:]
    return text if text.isprintable() else repr(text)


def name_in_file(name: str) -> str:
    """A section or key name read from the credentials file: a long one may be a secret pasted on the wrong
    line, so it is shown only when short and printable ("..." otherwise), never in part."""
    return name if len(name) <= 40 and name.isprintable() else "..."


def names(names: list) -> str:
    listed = [name if len(name) <= 24 else name[:23] + "…" for name in names[:5]]
    return ", ".join(listed) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def url(text: str) -> str:
    """scheme://host/path of a URL: a query or fragment may hold tokens, and user:password@ a secret."""
    try:
        parts = urlsplit(text)
    except ValueError:  # "http://[::1" and the like
        return "(an unreadable URL)"
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", "")) or "(no URL)"
