"""Okta: sign in through the Okta Sign-In Widget in a real browser.

classic.py knows the Classic engine's pages, idx.py the Identity Engine's, widget.py what both share.
Both sets of states are watched at once, so no config switch is needed: whichever page the org serves
is recognised.
"""

from __future__ import annotations

from aws_sts.providers import LoginRequest


class OktaProvider:
    name = "Okta"
    config_keys: frozenset = frozenset()

    def login(self, request: LoginRequest) -> str:
        from aws_sts.browser import open_browser
        from aws_sts.providers.engine import Flow
        from aws_sts.providers.okta import classic, idx, widget

        states = classic.STATES + idx.STATES
        unknown = f"{classic.UNKNOWN_SELECTOR}, {idx.UNKNOWN_SELECTOR}"
        with open_browser(request.browser_path, request.debug) as session:
            flow = Flow(session, request, states, idp_name=self.name, unknown_selector=unknown,
                        describe_unknown=widget.describe_unknown)
            return flow.run()
