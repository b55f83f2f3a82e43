"""The page-state loop in a real headless Chromium, on pages made for the purpose."""

from __future__ import annotations

import pytest

from aws_sts import browser
from aws_sts.cli import _redact
from aws_sts.errors import PageError
from aws_sts.prompts import Prompts
from aws_sts.providers import Answers, LoginRequest, engine
from aws_sts.providers.okta import classic, widget
from tests.fakes.hostile import PageServer

PASSWORD = "pa55-word-never-shown"


def run_flow(html: str, timeout: float = 20) -> str:
    """The page served from a loopback origin (a data: URL has none, and nothing is ever typed into one)."""
    answers = Answers(Prompts(interactive=False), username="alice", password=PASSWORD)
    with PageServer() as server, browser.open_browser(None, debug=False) as session:
        server.pages["/"] = (200, {}, html)
        request = LoginRequest(entry_url=server.base_url + "/", answers=answers, timeout=timeout)
        signin = engine.SignIn(session, request, classic.STATES, idp_name="Okta",
                               unknown_selector=classic.UNKNOWN_SELECTOR, describe_unknown=widget.describe_unknown)
        return signin.run()


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_a_changed_page_ends_with_artifacts_not_playwrights_error(home, monkeypatch):
    monkeypatch.setattr(engine, "ACTION_TIMEOUT_MS", 500)
    # Looks like the Classic sign-in form, but the password field is gone (Okta changed its page).
    html = ('<div id="okta-sign-in"><form class="primary-auth-form o-form">'
            '<input id="okta-signin-username"></form></div>')
    with pytest.raises(PageError) as info:
        run_flow(html)
    message = str(info.value)
    assert "could not answer the sign-in form" in message and "aws-sts-debug" in message
    assert "Call log" not in message and PASSWORD not in message
    files = list((home / ".aws" / "aws-sts-debug").iterdir())
    assert {f.suffix for f in files} == {".png", ".html"}
    assert all(PASSWORD.encode() not in f.read_bytes() for f in files)


def test_timeout_names_the_last_step(home):
    html = "<p>An IdP page that never shows a form</p>"
    with pytest.raises(PageError, match=r"Timed out after 1 s waiting for the next Okta page \(last step: opening"):
        run_flow(html, timeout=1)


def test_saml_post_ends_the_flow(home):
    html = ('<form id="f" method="post" action="https://signin.aws.amazon.com/saml">'
            '<input type="hidden" name="SAMLResponse" value="PHNhbWw+"></form>'
            '<script>document.getElementById("f").submit()</script>')
    assert run_flow(html) == "PHNhbWw+"


def test_redact_removes_typed_values_and_given_secrets():
    text = 'Call log:\n  - fill("hunter22")\n  - press("Enter")\n password was hunter22, code 123456'
    redacted = _redact(text, ["--password", "hunter22", "--otp=123456"])
    assert "hunter22" not in redacted and "123456" not in redacted
    assert 'fill("[redacted]")' in redacted
