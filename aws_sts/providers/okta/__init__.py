"""Okta: sign in through the Okta Sign-In Widget in a real browser.

classic.py knows the Classic engine's pages; idx.py the Identity Engine's, of both widget generations, read
from Okta's answers by pages.py; widget.py what both engines share. Both are watched at once, so no config
switch is needed: whichever page the org serves is recognised.
"""

from __future__ import annotations

from aws_sts.providers import Login, LoginRequest, Provider

SESSION_API = "/api/v1/sessions/me"  # Okta's "close the current session" (DELETE, with the session cookie)


class OktaProvider(Provider):
    name = "Okta"
    # staySignedIn: answer Okta's "Stay signed in?" (and tick "Keep me signed in") with yes, so that Okta
    # skips the second factor on later sign-ins until the org's MFA lifetime ends. Default: no.
    config_keys: frozenset = frozenset({"staySignedIn"})
    switch_keys: frozenset = frozenset({"staySignedIn"})

    def __init__(self, settings: dict | None = None):
        super().__init__(settings)
        self.stay_signed_in = bool(self.settings.get("staySignedIn", False))

    def login(self, request: LoginRequest) -> Login:
        from aws_sts.providers.engine import sign_in
        from aws_sts.providers.okta import classic, idx, widget

        return sign_in(request, classic.STATES + [idx.STATE], idp_name=self.name,
                       unknown_selector=idx.CLASSIC_FORMS,
                       describe_unknown=widget.describe_unknown, classify_js=idx.TAG_JS,
                       memory={"stay_signed_in": self.stay_signed_in}, prepare=idx.prepare)

    def logout(self, entry_url: str, cookies: list, timeout: float) -> bool:
        """DELETE /api/v1/sessions/me on the org: 204 ended, 404 there was no session (Okta's E0000007)."""
        import urllib.request
        from urllib.parse import urlsplit

        from aws_sts import web
        from aws_sts.cookie_jar import Jar

        parts = urlsplit(entry_url)
        request = urllib.request.Request(f"{parts.scheme}://{parts.netloc}{SESSION_API}", method="DELETE",
                                         headers={"Accept": "application/json"})
        with web.opener(Jar(cookies)).open(request, timeout=timeout) as response:
            if response.status == 404:
                return False
            if 200 <= response.status < 300:
                return True
            raise OSError(f"{SESSION_API} answered HTTP {response.status}")
