"""Okta: sign in through the Okta Sign-In Widget in a real browser.

classic.py knows the Classic engine's pages, idx.py the Identity Engine's, widget.py what both share.
Both sets of states are watched at once, so no config switch is needed: whichever page the org serves
is recognised.
"""

from __future__ import annotations

from aws_sts.providers import Login, LoginRequest

SESSION_API = "/api/v1/sessions/me"  # Okta's "close the current session" (DELETE, with the session cookie)


class OktaProvider:
    name = "Okta"
    config_keys: frozenset = frozenset()

    def login(self, request: LoginRequest) -> Login:
        from aws_sts.browser import open_browser
        from aws_sts.providers.engine import Flow
        from aws_sts.providers.okta import classic, idx, widget

        states = classic.STATES + idx.STATES
        unknown = f"{classic.UNKNOWN_SELECTOR}, {idx.UNKNOWN_SELECTOR}"
        with open_browser(request.browser_path, request.debug, request.cookies) as session:
            flow = Flow(session, request, states, idp_name=self.name, unknown_selector=unknown,
                        describe_unknown=widget.describe_unknown)
            saml_response = flow.run()
            return Login(saml_response, session.cookies())

    def logout(self, entry_url: str, cookie_header: str, timeout: float) -> bool:
        """DELETE /api/v1/sessions/me on the org: 204 ended, 404 there was no session (Okta's E0000007)."""
        import urllib.error
        import urllib.request
        from urllib.parse import urlsplit

        parts = urlsplit(entry_url)
        request = urllib.request.Request(f"{parts.scheme}://{parts.netloc}{SESSION_API}", method="DELETE",
                                         headers={"Cookie": cookie_header, "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return 200 <= response.status < 300
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return False
            raise OSError(f"{SESSION_API} answered HTTP {exc.code}") from None
