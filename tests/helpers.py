"""The one vocabulary the tests share: account and role names, an unsigned Okta-shaped SAML Response,
and the assertions about a finished run of the CLI.

Test modules import from here, never from each other. Nothing here imports playwright or pexpect (the unit
tests import this module in a venv without a browser).
"""

from __future__ import annotations

import base64
import configparser
import os
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

# -- accounts and roles (the fake org's default scenario uses the same) ------------------------------------

STAGING, PRODUCTION, OTHER_ACCOUNT = "123456789012", "210987654321", "333333333333"
DEV = f"arn:aws:iam::{STAGING}:role/Developer"
DEV_P = f"arn:aws:iam::{STAGING}:saml-provider/Okta"
ADMIN = f"arn:aws:iam::{STAGING}:role/Admin"
PROD_DEV = f"arn:aws:iam::{PRODUCTION}:role/Developer"
PROD_P = f"arn:aws:iam::{PRODUCTION}:saml-provider/Okta"
OTHER_RO = f"arn:aws:iam::{OTHER_ACCOUNT}:role/ReadOnly"
OTHER_P = f"arn:aws:iam::{OTHER_ACCOUNT}:saml-provider/Okta"
ROLES = [(DEV, DEV_P), (ADMIN, DEV_P), (PROD_DEV, PROD_P)]
SIGNIN = "https://signin.aws.amazon.com/saml"


# -- an unsigned SAML Response shaped like Okta's -----------------------------------------------------------

def instant(t: datetime) -> str:
    """A SAML instant with milliseconds, as Okta writes them."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def assertion(roles=ROLES, *, prefix="saml2", provider_first=False, session_name="alice@example.com",
              recipient=SIGNIN, destination=SIGNIN, audience="urn:amazon:webservices", issued=None,
              session_not_on_or_after=None, session_duration=None):
    """An unsigned SAML Response shaped like Okta's, base64-encoded (the fake STS accepts it unsigned when
    it trusts no certificate). session_duration adds the SessionDuration attribute."""
    now = issued or datetime.now(timezone.utc)
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns{":" + prefix if prefix else ""}="urn:oasis:names:tc:SAML:2.0:assertion"'
    values = "".join(f"<{p}AttributeValue>{f'{b},{a}' if provider_first else f'{a},{b}'}</{p}AttributeValue>"
                     for a, b in roles)
    confirmation = (f'<{p}SubjectConfirmationData NotOnOrAfter="{instant(now + timedelta(minutes=5))}" '
                    f'Recipient="{recipient}"/>' if recipient else "")
    session_attr = (f'<{p}Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">'
                    f"<{p}AttributeValue>{session_name}</{p}AttributeValue></{p}Attribute>"
                    if session_name else "")
    if session_duration is not None:
        session_attr += (f'<{p}Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration">'
                         f"<{p}AttributeValue>{session_duration}</{p}AttributeValue></{p}Attribute>")
    authn_end = f' SessionNotOnOrAfter="{instant(session_not_on_or_after)}"' if session_not_on_or_after else ""
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol" Destination="{destination}" ID="id1"
    IssueInstant="{instant(now)}" Version="2.0">
  <{p}Issuer {xmlns}>http://www.okta.com/exk123</{p}Issuer>
  <saml2p:Status><saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></saml2p:Status>
  <{p}Assertion {xmlns} ID="id2" IssueInstant="{instant(now)}" Version="2.0">
    <{p}Issuer>http://www.okta.com/exk123</{p}Issuer>
    <{p}Subject>
      <{p}NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">alice</{p}NameID>
      <{p}SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">{confirmation}</{p}SubjectConfirmation>
    </{p}Subject>
    <{p}Conditions NotBefore="{instant(now - timedelta(minutes=5))}"
        NotOnOrAfter="{instant(now + timedelta(minutes=5))}">
      <{p}AudienceRestriction><{p}Audience>{audience}</{p}Audience></{p}AudienceRestriction>
    </{p}Conditions>
    <{p}AuthnStatement AuthnInstant="{instant(now)}"{authn_end}/>
    <{p}AttributeStatement>
      <{p}Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">{values}</{p}Attribute>
      {session_attr}
    </{p}AttributeStatement>
  </{p}Assertion>
</saml2p:Response>"""
    return base64.b64encode(xml.encode()).decode()


# -- a finished run of the CLI -------------------------------------------------------------------------------

def assert_ok(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def assert_failed(result: subprocess.CompletedProcess, code: int, *words: str, ignore_case: bool = False) -> str:
    """Exit `code`, no traceback, and every word in stderr. Returns stderr."""
    assert result.returncode == code, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    err = result.stderr.lower() if ignore_case else result.stderr
    for word in words:
        assert (word.lower() if ignore_case else word) in err, f"{word!r} not in stderr:\n{result.stderr}"
    return result.stderr


def finish(child, status: int | None = None) -> None:
    """Wait for a pexpect child to exit, so that its exitstatus/signalstatus are set; with `status`, read
    its output to the end and check it exited with that status."""
    if status is None:
        child.wait()
        child.close()
        return
    import pexpect

    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == status, child.before


def read_profile(home: Path, profile: str) -> dict:
    """One profile of $HOME/.aws/credentials, as the AWS CLI would read it."""
    parser = configparser.RawConfigParser()
    parser.read(home / ".aws" / "credentials")
    return dict(parser[profile])


def saml_calls(sts) -> list:
    """The AssumeRoleWithSAML calls the fake STS received."""
    return [c for c in sts.calls if c["action"] == "AssumeRoleWithSAML"]


# -- cookies -----------------------------------------------------------------------------------------------

def set_cookie(cookies: list, url: str, line: str) -> None:
    """Apply one Set-Cookie header received from `url` to `cookies` (Playwright dicts) the way the no-browser
    path's opener does: its HTTPCookieProcessor hands each answer to the cookie jar's extract_cookies."""
    import email.message
    import io
    import urllib.request
    import urllib.response

    from aws_sts.cookie_jar import Jar

    headers = email.message.Message()
    headers["Set-Cookie"] = line
    jar = Jar(cookies)
    jar.extract_cookies(urllib.response.addinfourl(io.BytesIO(), headers, url, 200), urllib.request.Request(url))
    cookies[:] = jar.dicts()


# -- processes ---------------------------------------------------------------------------------------------

def descendants(pid: int) -> list:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(c) for c in children] + [d for c in children for d in descendants(int(c))]


def alive(pid: int) -> bool:
    """Running (not a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def play_user(display: str, window_title: str, *keys: str) -> None:
    """The user at the window aws-sts showed: wait for a window whose title holds window_title (the page has
    loaded), focus it and press keys (xdotool names: Return, ctrl+w...)."""
    env = {**os.environ, "DISPLAY": display}
    found = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", window_title], env=env,
                           capture_output=True, text=True, timeout=30)
    assert found.returncode == 0 and found.stdout.split(), found
    window = found.stdout.split()[-1]
    subprocess.run(["xdotool", "windowfocus", "--sync", window, "key", *keys], env=env, check=True, timeout=30)


# Property tests: `make test` (AWS_STS_TEST_THOROUGH=1) runs every generated case, the counts the README gives;
# a bare `python -m pytest tests/unit` runs a tenth of them, for feedback in seconds while editing.
THOROUGH = os.environ.get("AWS_STS_TEST_THOROUGH") == "1"


def examples(n: int) -> int:
    return n if THOROUGH else max(25, n // 10)
