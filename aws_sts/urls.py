"""The rule for entry URLs: only a form that Python and the browser read alike is accepted.

Python's urlsplit and Chromium's parser (the WHATWG URL standard) disagree on URLs that are not
written canonically: WHATWG drops tabs and newlines, reads '\\' as '/', skips extra slashes, reads
'127.1', '0x7f.0.0.1' and '2130706433' as 127.0.0.1, decodes percent-escapes and maps Unicode in host
names. A URL that one parser finds on localhost could then reach another host in the browser, so the
"http only for loopback" rule holds only for URLs already written the canonical way.
tests/unit/test_config_props.py checks this against Node's URL class, which follows the same standard.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata

TYPE_CHECKING = False  # not from typing: it costs ~2 ms at start-up
if TYPE_CHECKING:
    from typing import Optional

MAX_LENGTH = 2048
HTTPS_ONLY = "must be an https:// URL (plain http only for localhost)"

_SHAPE = re.compile(r"(?i:(https?))://([^/?#]*)([/?#].*)?", re.DOTALL)
_HOST_PORT = re.compile(r"(\[[^\]]*\]|[^:]*)(?::([^:]*))?")
_IPV6_CHARS = re.compile(r"\[[0-9a-f:.]+\]")
_PORT = re.compile(r"[1-9][0-9]{0,4}")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_IPV4_PART = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_IPV4_PART}(?:\.{_IPV4_PART}){{3}}")
# What the WHATWG "ends in a number" check sees as a number: the browser then parses the whole host
# as IPv4 (decimal, octal or hex parts, fewer than four parts) or fails.
_NUMBER_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
# Characters the browser silently drops from host names (Unicode default ignorables among letters
# and marks): a punycode label holding one fails to parse there.
_IGNORED = re.compile("[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]")


def problem(url: str) -> Optional[str]:
    """None when `url` is acceptable, else what is wrong with it (never the URL itself)."""
    if len(url) > MAX_LENGTH:
        return f"is {len(url)} characters long; at most {MAX_LENGTH} are allowed"
    if has_userinfo(url):
        return "contains a user name or password; remove it (you sign in on the page)"
    if not all("!" <= c <= "~" for c in url):
        return "contains a space, line break, control or non-ASCII character; percent-encode it in the path"
    if "\\" in url:
        return "contains a backslash; use '/'"
    shape = _SHAPE.fullmatch(url)
    if not shape:
        return HTTPS_ONLY
    scheme, authority = shape.group(1), shape.group(2)
    if scheme + authority != (scheme + authority).lower():
        return "must be written in lowercase up to the path (scheme and host)"
    host_port = _HOST_PORT.fullmatch(authority)
    if not host_port:
        return "has an invalid host or port"
    host, port = host_port.groups()
    host_problem = _host_problem(host)
    if host_problem:
        return host_problem
    if port is not None and (not _PORT.fullmatch(port) or int(port) > 65535):
        return "has an invalid port; use a number from 1 to 65535 (no leading zeros) or none"
    if scheme == "http" and (not is_loopback(host) or host.startswith("[::ffff:")):
        return HTTPS_ONLY  # (the browser's localhost is 127.0.0.0/8 and ::1: an IPv4-mapped address is not)
    return None


def has_userinfo(url: str) -> bool:
    """True when either parser could find 'user:password@' before the host (or there is no scheme)."""
    after_scheme = url.split(":", 1)[-1]
    authority = re.split(r"[/?#]", after_scheme.lstrip("/\\ \t\r\n"), maxsplit=1)[0]
    return "@" in authority


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine as the resolver reads it: "localhost" (any case), 127.0.0.0/8 in any form
    inet_aton reads ("127.1", "0x7f.1", "2130706433", "0177.0.0.1"), ::1 and IPv4-mapped 127.0.0.0/8
    (::ffff:7f00:1), IPv6 with or without brackets. Not "foo.localhost" nor "localhost.": glibc asks DNS for
    those, so they may be another machine."""
    host = host.lower()
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return _ipv4_first_byte(host) == 127
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def _ipv4_first_byte(host: str) -> Optional[int]:
    """The first byte of the IPv4 address getaddrinfo reads in `host` ("127.1", "0x7f.0.0.1", "2130706433":
    inet_aton's forms, with nothing after them), or None when it reads none."""
    import socket  # here: only odd hosts get this far, and the config check runs at every start

    if not host or any(c.isspace() for c in host):  # inet_aton stops at a space; getaddrinfo refuses the rest
        return None
    try:
        return socket.inet_aton(host)[0]
    except (OSError, ValueError):  # ValueError: a NUL character
        return None


def ascii_host(host: str) -> str:
    """Lowercase, and in IDNA (punycode) when it is not ASCII, as the browser sends it; as is if IDNA refuses."""
    host = host.lower()
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _host_problem(host: str) -> Optional[str]:
    if host.startswith("["):
        try:  # (the character check keeps out zone ids: "%25eth0" in a browser URL fails there)
            address = ipaddress.IPv6Address(host[1:-1]) if _IPV6_CHARS.fullmatch(host) else None
        except ValueError:
            address = None
        if address is None:
            return "has an invalid IPv6 address"
        if f"[{address.compressed}]" != host:  # the browser rewrites it so; keep both parsers on one text
            return f"must write its IPv6 address as [{address.compressed}]"
        return None
    labels = host.split(".")
    if _NUMBER_LABEL.fullmatch(labels[-1]):
        if _IPV4.fullmatch(host):
            return None
        return "has a host the browser reads as an IPv4 address; write it as four decimal numbers like 127.0.0.1"
    if not host or len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        return ("has an invalid host name; use lowercase letters, digits, dots and hyphens "
                "(international names as punycode, xn--...)")
    if not all(_punycode_ok(label[4:]) for label in labels if label.startswith("xn--")):
        return "has an invalid punycode (xn--) label in its host name"
    return None


def _punycode_ok(code: str) -> bool:
    """A punycode label the browser keeps as it is: it decodes to letters, marks and digits that
    need no mapping (lowercase, normalized), with no right-to-left text (bidi rules) or ignorables."""
    try:
        text = code.encode("ascii").decode("punycode")
    except UnicodeError:
        return False
    return (
        bool(text) and not text.isascii()
        and text.encode("punycode").decode("ascii") == code
        and unicodedata.normalize("NFKC", text.casefold()) == text
        and unicodedata.category(text[0])[0] != "M"
        and all(unicodedata.category(c)[0] in "LM" or unicodedata.category(c) == "Nd" for c in text)
        and not any(unicodedata.bidirectional(c) in ("R", "AL", "AN") for c in text)
        and not _IGNORED.search(text)
    )
