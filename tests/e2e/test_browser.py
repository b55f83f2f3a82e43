"""browser.py against a real headless Chromium: finding it, the SAML capture, secret-free artifacts."""

from __future__ import annotations

import stat

import pytest

from aws_sts import artifacts, browser
from aws_sts.errors import BrowserError

PASSWORD, CODE = "s3cret-Passw0rd", "492817"
ASSERTION = "PHNhbWxwOlJlc3BvbnNl" + "QUJD" * 80


def test_find_browser_prefers_env_then_config(monkeypatch, tmp_path):
    fake = tmp_path / "chrome"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("AWS_STS_BROWSER_PATH", str(fake))
    assert browser.find_browser("/nope", headless=True) == str(fake)
    monkeypatch.delenv("AWS_STS_BROWSER_PATH")
    assert browser.find_browser(str(fake), headless=True) == str(fake)
    with pytest.raises(BrowserError, match="browserPath"):
        browser.find_browser(str(tmp_path / "missing"), headless=True)


def test_no_browser_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv("AWS_STS_BROWSER_PATH", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path))
    monkeypatch.setattr(browser, "HEADLESS_SHELLS", ["chromium-headless-shell"])
    with pytest.raises(BrowserError, match="AWS_STS_BROWSER_PATH"):
        browser.find_browser(None, headless=True)


@pytest.mark.parametrize("url, captured", [
    ("https://signin.aws.amazon.com/saml", True),
    ("https://us-east-2.signin.aws.amazon.com/saml", True),
    ("https://signin.amazonaws-us-gov.com/saml", True),
    ("https://signin.amazonaws.cn/saml", True),
    ("https://signin.aws.amazon.com.evil.example/saml", False),
    ("https://evil.example/saml", False),
])
def test_saml_endpoints(url, captured):
    assert bool(browser.SAML_ENDPOINT.match(url)) is captured


def test_capture_and_artifacts_in_real_chromium(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    page_html = f"""<html><body><h2>Stuck page</h2>
      <form id="login"><input id="u" value="alice"><input id="p" type="password"><input id="code"></form>
      <form id="aws" method="post" action="https://signin.aws.amazon.com/saml">
        <input type="hidden" name="SAMLResponse" value="{ASSERTION}"><input type="hidden" name="RelayState" value="">
      </form>
      <script>var config = {{"stateToken": "00abcDEFstate-token_value"}};</script></body></html>"""
    with browser.open_browser(None, debug=False) as session:
        page = session.page
        # The POST to AWS sign-in never leaves the browser: it is answered locally and captured.
        page.set_content(page_html)
        with page.expect_navigation():
            page.evaluate("document.getElementById('aws').submit()")
        assert session.capture.saml_response == ASSERTION
        assert page.locator(browser.CAPTURED_SELECTOR).is_visible()

        page.set_content(page_html)
        page.fill("#p", PASSWORD)
        page.fill("#code", CODE)
        folder = artifacts.save(page, "stuck page", [PASSWORD, CODE, ASSERTION])
        assert folder == tmp_path / ".aws" / "aws-sts-debug"
    files = sorted(folder.iterdir())
    assert {f.suffix for f in files} == {".html", ".png"}
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    html = next(f for f in files if f.suffix == ".html").read_text()
    assert "Stuck page" in html
    for secret in (PASSWORD, CODE, ASSERTION[:30], "00abcDEFstate-token_value"):
        assert secret not in html
