"""The generic provider on plain pages SimpleSAMLphp does not show (tests/fakes/plain_idp.py): identifier-first,
one-time codes rendered by the server or checked in place by the page's script, a form it is not sure of, a
page it does not know (an error headless; under Xvfb the hand-off, the test playing the user in the window).

The installed CLI, real Chromium, the fake STS (the plain IdP signs with the fake org's key, which it trusts).
"""

from __future__ import annotations

import json
import subprocess
from urllib.parse import urlsplit

import pexpect
import pytest

from tests.fakes.okta_org import totp_now
from tests.fakes.plain_idp import PASSWORD, TOTP_SECRET, USERNAME, PlainIdp
from tests.helpers import DEV, assert_failed, assert_ok, finish, play_user, read_profile, saml_calls

LOGIN = ["--username", USERNAME, "--password", PASSWORD]


@pytest.fixture(scope="module")
def plain_server():
    with PlainIdp() as idp:
        yield idp


@pytest.fixture
def plain(plain_server, home):
    """The plain IdP, reset, and config.json pointing aws-sts at it with the generic provider."""
    plain_server.reset(["login"])
    config = {"awsConfigPath": "/.aws/credentials", "region": "us-east-1", "provider": "generic",
              "idpEntryUrl": plain_server.entry_url, "defaultAccount": "staging",
              "accounts": {"staging": "123456789012"}}
    (home / "config.json").write_text(json.dumps(config))
    yield plain_server
    assert plain_server.errors == []


def no_credentials(home) -> bool:
    return not (home / ".aws" / "credentials").exists()


def test_identifier_first_then_password_then_a_code_from_the_secret(plain, sts, home, run_cli, aws_cli):
    plain.reset(["identifier", "password", "code"])
    result = run_cli(*LOGIN, env={"AWS_STS_TOTP_SECRET": TOTP_SECRET})
    assert_ok(result)
    assert plain.events == ["identifier:ok", "password:ok", "code:ok", "session:created", "saml:issued"]
    assert [c["params"]["RoleArn"] for c in saml_calls(sts)] == [DEV]
    assert read_profile(home, "staging-Developer")["x_principal_arn"] == DEV
    identity = aws_cli("sts", "get-caller-identity", "--profile", "staging-Developer", "--output", "json")
    assert identity.returncode == 0, identity.stderr
    assert json.loads(identity.stdout)["Arn"].startswith("arn:aws:sts::123456789012:assumed-role/Developer/")


def test_an_unknown_username_quotes_the_identifier_pages_error(plain, sts, home, run_cli):
    plain.reset(["identifier", "password"])
    result = run_cli("--username", "nobody@example.com", "--password", PASSWORD)
    assert_failed(result, 1, "did not accept the username", "We couldn't find an account with that username.")
    assert plain.events == ["identifier:bad"]  # asked once, never the password page
    assert no_credentials(home) and saml_calls(sts) == []


def test_a_wrong_password_on_the_second_page_quotes_it(plain, sts, home, run_cli):
    plain.reset(["identifier", "password"])
    result = run_cli("--username", USERNAME, "--password", "not-it")
    assert_failed(result, 1, "did not accept the username or password", "Your account or password is incorrect.")
    assert plain.events == ["identifier:ok", "password:bad"]
    assert no_credentials(home)


@pytest.mark.parametrize("step", ["code", "code-inline"])
def test_a_wrong_code_is_quoted_and_not_retried_without_a_terminal(plain, sts, home, run_cli, step):
    plain.reset(["login", step])
    result = run_cli(*LOGIN, "--otp", "000000")
    error = {"code": "That code didn't work. Check the code.", "code-inline": "The code is wrong or has expired."}
    assert_failed(result, 1, "did not accept the verification code", error[step])
    assert plain.events == ["login:ok", f"{step}:bad"]
    assert no_credentials(home)


def test_prompts_come_when_a_page_asks_and_a_wrong_inline_code_is_asked_again(plain, sts, home, spawn_cli):
    plain.reset(["identifier", "password", "code-inline"])
    child = spawn_cli()
    child.expect("[Uu]sername")
    assert plain.events == []  # asked on the identifier page: nothing was sent yet
    child.sendline(USERNAME)
    child.expect("[Pp]assword")
    assert plain.events == ["identifier:ok"]  # the password is asked for by the password page
    child.sendline(PASSWORD)
    child.expect("[Cc]ode")
    child.sendline("000000")
    child.expect("The code is wrong or has expired. Try again.")
    child.expect("[Cc]ode")
    child.sendline(totp_now(TOTP_SECRET))
    assert child.expect(["staging-Developer", pexpect.TIMEOUT, pexpect.EOF]) == 0, (plain.events, child.before)
    finish(child, 0)
    assert plain.events == ["identifier:ok", "password:ok", "code-inline:bad", "code-inline:ok", "session:created",
                            "saml:issued"]
    assert read_profile(home, "staging-Developer")["x_principal_arn"] == DEV


def test_a_form_with_a_field_it_is_not_sure_of_is_never_filled(plain, sts, home, run_cli):
    plain.reset(["login-extra"])
    result = run_cli(*LOGIN)
    err = assert_failed(result, 1, 'a page titled "Sign in"', "cannot answer")
    assert plain.events == []  # nothing was typed or sent
    folder = home / ".aws" / "aws-sts-debug"
    html = next(folder.glob("*unknown-page.html")).read_text()
    assert PASSWORD not in html and PASSWORD not in err and USERNAME in err  # the username is not a secret


def test_a_page_with_two_sign_in_forms_is_a_page_it_does_not_know(plain, sts, home, run_cli):
    """Not sure which form is meant, aws-sts fills neither: the page is one it cannot answer, said once it
    stayed put for the unknown-page rule's two seconds, not a wait for the next page until the timeout."""
    plain.reset(["login-twice"])
    result = run_cli(*LOGIN)
    err = assert_failed(result, 1, 'a page titled "Sign in"', "cannot answer")
    assert "Timed out" not in err
    assert plain.events == []  # nothing was typed or sent


def test_an_unknown_page_headless_ends_with_artifacts_and_no_secret(plain, sts, home, run_cli):
    plain.reset(["login", "consent"])
    result = run_cli(*LOGIN)  # no DISPLAY in the tests' environment
    err = assert_failed(result, 1, 'shows a page titled "Allow access?" (button "Allow"), which aws-sts cannot answer',
                        "aws-sts-debug", "--debug")
    assert "browser window" not in err
    assert plain.events == ["login:ok"]  # the consent page was left alone
    files = list((home / ".aws" / "aws-sts-debug").iterdir())
    assert {f.suffix for f in files} == {".html", ".png"}
    for f in files:
        assert PASSWORD.encode() not in f.read_bytes()
    assert no_credentials(home)


def test_under_a_display_the_unknown_page_is_handed_to_the_user(plain, sts, home, cli_env, display):
    """Xvfb stands in for the user's desktop; xdotool is the user pressing Enter on the focused "Allow"."""
    from tests.e2e.conftest import AWS_STS

    plain.reset(["login", "consent"])
    child = subprocess.Popen([AWS_STS, *LOGIN], env={**cli_env, "DISPLAY": display}, cwd=home, text=True,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        said = ""
        while "browser window" not in said:
            line = child.stderr.readline()
            assert line, f"aws-sts ended before the hand-off: {said}"
            said += line
        assert 'shows a page titled "Allow access?"' in said
        assert "finish signing in in the browser window; aws-sts carries on when your identity provider posts" in said
        assert plain.events == ["login:ok"]
        play_user(display, "Allow access?", "Return")
        out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 0, err
    assert plain.events == ["login:ok", "consent:allow", "session:created", "saml:issued"]
    assert read_profile(home, "staging-Developer")["x_principal_arn"] == DEV
    # The window's session is the one kept: the next run needs neither the user nor the window.
    plain.events.clear()
    again = subprocess.run([AWS_STS, "--force"], env=cli_env, cwd=home, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=60)
    assert_ok(again)
    assert plain.events == ["saml:issued"]


def test_logout_without_a_logout_url_forgets_the_local_session_and_says_so(plain, sts, home, run_cli):
    assert_ok(run_cli(*LOGIN))
    sessions = home / ".aws" / "aws-sts" / "sessions"
    assert list(sessions.iterdir())
    result = run_cli("--logout")
    assert_ok(result)
    assert "stays open" in result.stdout + result.stderr and "logoutUrl" in result.stdout + result.stderr
    assert list(sessions.iterdir()) == []
    assert plain.live_sessions() == 1  # nothing was sent to the IdP


def test_logout_with_a_logout_url_ends_the_session_at_the_idp(plain, sts, home, run_cli):
    config = json.loads((home / "config.json").read_text())
    (home / "config.json").write_text(json.dumps({**config, "logoutUrl": plain.logout_url}))
    assert_ok(run_cli(*LOGIN))
    result = run_cli("--logout")
    assert_ok(result)
    assert plain.events[-1] == "logout:ended" and plain.live_sessions() == 0


def test_a_logout_url_on_another_host_is_not_said_to_end_the_session(plain, sts, home, run_cli):
    """localhost is the same server as 127.0.0.1 but another host to cookies: the session's are not sent there."""
    config = json.loads((home / "config.json").read_text())
    port = urlsplit(plain.base_url).port
    (home / "config.json").write_text(json.dumps({**config, "logoutUrl": f"http://localhost:{port}/logout"}))
    assert_ok(run_cli(*LOGIN))
    result = run_cli("--logout")
    err = assert_failed(result, 1, "logoutUrl is on another host", f"localhost:{port}", "may still be open")
    assert "ended the session" not in err and len(err.strip().splitlines()) == 1
    assert not any(event.startswith("logout:") for event in plain.events)  # not opened
    assert plain.live_sessions() == 1
    assert list((home / ".aws" / "aws-sts" / "sessions").iterdir()) == []  # forgotten here all the same



SCANNED = {
    "success": (["login", "code"], None),
    "wrong-code": (["login", "code-inline"], "000000"),
    "unknown-page": (["login", "consent"], None),
}


@pytest.mark.parametrize("flow", list(SCANNED))
def test_no_secret_leaks_with_debug(plain, sts, home, run_cli, flow):
    """As tests/e2e/test_secrets_scan.py does for Okta: --debug (tracebacks, artifacts), then stdout, stderr and
    every file under $HOME searched for the password, the code, the assertion, the IdP session and the keys."""
    steps, otp = SCANNED[flow]
    plain.reset(steps)
    otp = otp or totp_now(TOTP_SECRET)
    result = run_cli(*LOGIN, "--otp", otp, "--debug", env={"DISPLAY": ""})
    assert (result.returncode == 0) is (flow == "success"), result.stderr
    secrets = {"password": [PASSWORD], "code": [otp], "idp-session": list(plain.issued_session_ids),
               "assertion": [part for b64 in plain.saml_responses for part in (b64[:48], b64[-48:])],
               "issued": [v for session in sts.sessions.values() for k, v in session.items()
                          if k in ("secret", "token") and v]}
    if flow == "success":  # the scan knows what to look for
        assert secrets["assertion"] and secrets["issued"] and secrets["idp-session"]
    places = {"stdout": result.stdout, "stderr": result.stderr}
    places.update({str(p.relative_to(home)): p.read_bytes().decode("utf-8", "replace")
                   for p in home.rglob("*") if p.is_file() and not p.is_symlink()})
    allowed = {"issued": ".aws/credentials", "idp-session": ".aws/aws-sts/sessions/"}
    leaks = [f"{kind} in {place}" for place, text in places.items() for kind, values in secrets.items()
             if not place.startswith(allowed.get(kind, "\0")) for value in values if value and value in text]
    assert leaks == []
