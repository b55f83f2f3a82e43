"""Every plain HTTP request aws-sts makes (the stored session's GET, the logouts): one opener, one proxy rule.

- http and https only;
- the environment's proxies (HTTPS_PROXY, HTTP_PROXY and NO_PROXY, as urllib reads them), except for loopback
  hosts, which are always reached directly: a proxy cannot reach this machine's localhost, and the cookies for
  it are not the proxy's to see;
- redirects are never followed (the callers follow them one hop at a time, or not at all), and every answer is
  handed back as it is: no HTTPError for a 4xx or 5xx, the caller reads response.status. A request that gets
  no answer raises URLError (an OSError) as urllib does.
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit

from aws_sts.urls import is_loopback

SCHEMES = ("http", "https")


class _Proxies(urllib.request.ProxyHandler):
    def __init__(self):
        super().__init__({scheme: url for scheme, url in urllib.request.getproxies().items() if scheme in SCHEMES})

    def proxy_open(self, request, proxy, kind):
        if is_loopback(urlsplit(request.full_url).hostname or ""):
            return None  # direct
        return super().proxy_open(request, proxy, kind)


def opener(jar=None) -> urllib.request.OpenerDirector:
    """An opener with the rules above, made afresh (the proxies are read from the environment now). With a
    cookie jar (cookie_jar.Jar) it sends the jar's cookies and keeps what each answer sets."""
    made = urllib.request.OpenerDirector()
    handlers = [_Proxies(), urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(),
                urllib.request.UnknownHandler()]  # UnknownHandler: URLError for any other scheme
    if jar is not None:  # (not `if jar`: an empty jar is falsy, and still keeps what the answers set)
        handlers.append(urllib.request.HTTPCookieProcessor(jar))
    for handler in handlers:
        made.add_handler(handler)
    return made
