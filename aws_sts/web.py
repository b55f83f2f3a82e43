"""Every plain HTTP request aws-sts makes (the stored session's GET, the logouts): one opener, one proxy rule.

- http and https only;
- the environment's proxies (HTTPS_PROXY, HTTP_PROXY and NO_PROXY, as urllib reads them), except for loopback
  hosts, which are always reached directly: a proxy cannot reach this machine's localhost, and the cookies for
  it are not the proxy's to see;
- https verified against the system's CAs and, when AWS_STS_CA_BUNDLE or AWS_CA_BUNDLE (botocore's variable)
  names a PEM file, its CAs too (a corporate proxy that inspects TLS re-signs with its own CA);
- redirects are never followed (the callers follow them one hop at a time, or not at all), and every answer is
  handed back as it is: no HTTPError for a 4xx or 5xx, the caller reads response.status. A request that gets
  no answer raises URLError (an OSError) as urllib does.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
import urllib.request
from typing import Optional
from urllib.parse import unquote, urlsplit

from aws_sts.urls import is_loopback

SCHEMES = ("http", "https")


class _Proxies(urllib.request.ProxyHandler):
    def __init__(self):
        super().__init__({scheme: url for scheme, url in urllib.request.getproxies().items() if scheme in SCHEMES})

    def proxy_open(self, request, proxy, kind):
        if is_loopback(urlsplit(request.full_url).hostname or ""):
            return None  # direct
        return super().proxy_open(request, proxy, kind)


def ca_bundle() -> Optional[str]:
    """The PEM file of extra CAs to trust: AWS_STS_CA_BUNDLE, else AWS_CA_BUNDLE (botocore reads that one itself), or
    None."""
    return os.environ.get("AWS_STS_CA_BUNDLE") or os.environ.get("AWS_CA_BUNDLE") or None


def ssl_context() -> ssl.SSLContext:
    """The system's CAs, and those of ca_bundle() when set (an unreadable or empty bundle raises OSError or
    ssl.SSLError: the caller says so)."""
    context = ssl.create_default_context()
    bundle = ca_bundle()
    if bundle:
        context.load_verify_locations(cafile=bundle)
    return context


def browser_proxy() -> Optional[dict]:
    """Playwright's launch `proxy` from the environment: the https proxy (HTTPS_PROXY / https_proxy, its user and
    password apart) and NO_PROXY as bypass rules, loopback always direct. None when no https proxy is set in the
    environment: Chromium then follows its own settings (on Linux without a desktop environment it reads these same
    variables; elsewhere the system's proxy settings)."""
    proxies = urllib.request.getproxies_environment()
    server = proxies.get("https")
    if not server:
        return None
    parts = urlsplit(server if "://" in server else "http://" + server)
    proxy = {"server": f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"}
    if parts.username is not None:
        proxy["username"] = unquote(parts.username)
        proxy["password"] = unquote(parts.password or "")
    # Loopback hosts named: Playwright would otherwise send them to the proxy ("<-loopback>"); Chromium's own
    # implicit rules (localhost, *.localhost, 127.0.0.0/8, [::1]) then stay in force as well.
    bypass = ["localhost", "127.0.0.1", "[::1]"]
    for entry in proxies.get("no", "").split(","):
        entry = entry.strip().lstrip(".")
        if not entry:
            continue
        if entry == "*" or "/" in entry:  # everything, or an address range (Chromium reads CIDR)
            bypass.append(entry)
            continue
        try:
            address = ipaddress.ip_address(entry.strip("[]"))
        except ValueError:  # a name: itself and its subdomains, as urllib and curl read NO_PROXY
            bypass += [entry, "*." + entry]
        else:
            bypass.append(f"[{address}]" if address.version == 6 else str(address))
    proxy["bypass"] = ",".join(dict.fromkeys(bypass))  # (each once, in order)
    return proxy


def opener(jar=None) -> urllib.request.OpenerDirector:
    """An opener with the rules above, made afresh (the proxies are read from the environment now). With a
    cookie jar (cookie_jar.Jar) it sends the jar's cookies and keeps what each answer sets."""
    made = urllib.request.OpenerDirector()
    handlers = [_Proxies(), urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(context=ssl_context()),
                urllib.request.UnknownHandler()]  # UnknownHandler: URLError for any other scheme
    if jar is not None:  # (not `if jar`: an empty jar is falsy, and still keeps what the answers set)
        handlers.append(urllib.request.HTTPCookieProcessor(jar))
    for handler in handlers:
        made.add_handler(handler)
    return made
