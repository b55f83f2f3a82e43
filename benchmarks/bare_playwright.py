"""The yardstick for a fresh sign-in: the least a Playwright script can do for the same login.

    python benchmarks/bare_playwright.py ENTRY_URL USERNAME PASSWORD CODE [classic|oie]

classic: the Classic widget's pages; oie: the Identity Engine's, identifier and password on one page then
the code, in either widget generation (it uses only the field names both share).

Launches the same headless Chromium aws-sts would, fills the widget's sign-in and code forms, and stops
when the SAML POST to AWS sign-in is captured. No config, no prompts, no STS, no error handling: what is
left between this and aws-sts is aws-sts's own work (benchmarks/bench.py runs both in the same run).
"""

from __future__ import annotations

import sys


def main(entry_url: str, username: str, password: str, code: str, engine: str = "classic") -> None:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, __file__.rsplit("/", 2)[0])
    from aws_sts.browser import LAUNCH_FLAGS, SAML_ENDPOINT, find_browser

    captured = []

    def capture(route):
        captured.append(route.request.post_data)
        route.fulfill(status=200, content_type="text/html", body="<p id=done>done</p>")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_browser(None, True), args=LAUNCH_FLAGS)
        page = browser.new_page()
        page.route(SAML_ENDPOINT, capture)
        page.goto(entry_url)
        if engine == "classic":
            page.fill("#okta-signin-username", username, force=True)  # force: no wait for the slide-in to settle
            page.fill("#okta-signin-password", password, force=True)
            page.press("#okta-signin-password", "Enter")
            page.fill("form.mfa-verify-totp input[name=answer]", code, force=True)
            page.press("form.mfa-verify-totp input[name=answer]", "Enter")
        else:
            passcode = 'input[name="credentials.passcode"]'
            page.fill("input[name=identifier]", username, force=True)
            page.fill(passcode, password, force=True)
            page.eval_on_selector(passcode, "el => { el.dataset.old = 1; }")
            page.press(passcode, "Enter")
            code_field = f"{passcode}:not([data-old])"  # the code page's field, a new element
            page.fill(code_field, code, force=True)
            page.press(code_field, "Enter")
        page.wait_for_selector("#done")
        browser.close()
    if not captured or "SAMLResponse=" not in captured[0]:
        raise SystemExit("no SAML POST captured")


if __name__ == "__main__":
    main(*sys.argv[1:6])
