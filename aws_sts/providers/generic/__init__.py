"""Any SAML identity provider: its own sign-in pages, answered where they are plain, the rest by the user.

config.json: "provider": "generic", idpEntryUrl the IdP's IdP-initiated sign-in URL for AWS (README, "Other
identity providers"), and optionally logoutUrl, a URL that ends the IdP session when opened with its cookies.

pages.py recognises sign-in forms, identifier-first pages and one-time-code fields by what they show, and
nothing else; any other page is handed to the user in a browser window when there is a display (engine.py),
and otherwise ends the run with the failure artifacts.
"""

from __future__ import annotations

from aws_sts.providers import Login, LoginRequest, Provider


class GenericProvider(Provider):
    name = "the identity provider"
    config_keys: frozenset = frozenset({"logoutUrl"})
    no_logout_hint = "set logoutUrl in config.json to end it there"

    def __init__(self, settings: dict | None = None):
        super().__init__(settings)
        self.logout_url = self.settings.get("logoutUrl")

    def login(self, request: LoginRequest) -> Login:
        from aws_sts.providers.engine import sign_in
        from aws_sts.providers.generic import pages

        return sign_in(request, pages.STATES, idp_name=idp_name(request.entry_url),
                       unknown_selector=pages.UNKNOWN_SELECTOR, describe_unknown=pages.describe_unknown,
                       classify_js=pages.CLASSIFY_JS)

    def logout(self, entry_url: str, cookies: list, timeout: float) -> bool | None:
        """Open logoutUrl with the session's cookies (None without one: there is no standard way to end an
        IdP's session from outside). Redirects are not followed: the IdP's answer is enough, and a redirect
        to another host must not get the cookies. A logoutUrl none of the session's cookies would be sent to
        (on another host than the IdP) cannot end the session: it is not opened, and NotEnded says so."""
        if not self.logout_url:
            return None
        import urllib.request

        from aws_sts import web
        from aws_sts.cookie_jar import Jar, header
        from aws_sts.idp_session import host_of
        from aws_sts.providers import NotEnded

        if not header(cookies, self.logout_url):
            where = (f"on another host ({host_of(self.logout_url)}) than the IdP ({host_of(entry_url)})"
                     if host_of(self.logout_url) != host_of(entry_url) else "a URL they do not apply to")
            raise NotEnded(f"logoutUrl is {where}: the session's cookies are not sent there, so it was not opened; "
                           "the IdP session may still be open until it times out")
        with web.opener(Jar(cookies)).open(urllib.request.Request(self.logout_url), timeout=timeout) as response:
            if 200 <= response.status < 400:  # a redirect: the IdP signed out and sends the browser on
                return True
            raise OSError(f"logoutUrl answered HTTP {response.status}")


def idp_name(entry_url: str) -> str:
    """The IdP as messages name it: its host (and port), e.g. adfs.example.com."""
    from urllib.parse import urlsplit

    return urlsplit(entry_url).netloc.rpartition("@")[2] or "the identity provider"
