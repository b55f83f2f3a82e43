"""The stored IdP session, end to end: one MFA per Okta session, --logout, skip while still valid.

The installed CLI against the fake org (real widget, real Chromium), the fake STS and the real AWS CLI.
The org's events and request log show what it saw: a run served by the stored session makes no sign-in
call (Classic "authn:*", Identity Engine "idx:identify"), and a skipped run no request at all.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.fakes.okta_org import totp_now
from tests.helpers import DEV, assert_failed, assert_ok, read_profile, saml_calls


def sessions_folder(home: Path) -> Path:
    return home / ".aws" / "aws-sts" / "sessions"


def stored_session(home: Path, org) -> Path:
    host = org.base_url.split("://", 1)[1].replace(":", "_")
    return sessions_folder(home) / f"{host}.json"


def signed_in(org, run_cli, login_args, *extra):
    result = run_cli(*login_args(), "--otp", totp_now(org.scenario.totp_secret), *extra)
    assert_ok(result)
    assert "authn:ok" in org.events or "idx:identify" in org.events
    return result


def use(org, engine: str) -> None:
    """"classic", "oie" (the second-generation widget) or "oie-gen3" (the third)."""
    org.scenario.engine, _, widget = engine.partition("-")
    org.scenario.widget = widget or "gen2"


def sign_ins(org) -> list:
    return org.primary_sign_ins()


@pytest.mark.parametrize("engine", ["classic", "oie", "oie-gen3"])
def test_second_run_asks_nothing_and_the_org_sees_no_sign_in(org, sts, home, run_cli, login_args, aws_cli, engine):
    use(org, engine)
    signed_in(org, run_cli, login_args)
    path = stored_session(home, org)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
    first_keys = read_profile(home, "staging-Developer")["aws_access_key_id"]

    org.events.clear()
    org.requests.clear()
    result = run_cli()  # no username, password or code, and no terminal
    assert_ok(result)
    assert sign_ins(org) == [] and "saml:issued" in org.events
    # Served by a plain HTTP GET: the browser never loaded the widget.
    assert not any(path.startswith("/assets/") for _, path in org.requests), org.requests
    profile = read_profile(home, "staging-Developer")
    assert profile["aws_access_key_id"] != first_keys and profile["x_principal_arn"] == DEV
    assert len(saml_calls(sts)) == 2
    identity = aws_cli("sts", "get-caller-identity", "--profile", "staging-Developer", "--output", "json")
    assert identity.returncode == 0, identity.stderr
    assert json.loads(identity.stdout)["Arn"].startswith("arn:aws:sts::123456789012:assumed-role/Developer/")


@pytest.mark.parametrize("engine", ["classic", "oie", "oie-gen3"])
def test_an_ended_session_signs_in_again_with_what_is_given(org, sts, home, run_cli, login_args, engine):
    use(org, engine)
    signed_in(org, run_cli, login_args)
    before = stored_session(home, org).read_bytes()
    org.end_sessions()
    org.events.clear()
    signed_in(org, run_cli, login_args)
    assert sign_ins(org) != []
    assert stored_session(home, org).read_bytes() != before  # the new session replaced the old one


def test_an_ended_session_without_a_terminal_names_the_flag(org, sts, home, run_cli, login_args):
    signed_in(org, run_cli, login_args)
    org.end_sessions()
    before = (home / ".aws" / "credentials").read_bytes()
    assert_failed(run_cli(), 2, "--username")
    assert (home / ".aws" / "credentials").read_bytes() == before


def test_step_up_asks_only_for_a_code(org, sts, home, run_cli, login_args):
    signed_in(org, run_cli, login_args)
    org.scenario.step_up = True  # the org now wants a code again for the app; the live session was made before
    org.events.clear()
    result = run_cli("--otp", totp_now(org.scenario.totp_secret))  # no username or password, no terminal
    assert_ok(result)
    assert "app:step-up" in org.events and "verify:totp:ok" in org.events and sign_ins(org) == []


def test_remember_session_false_stores_and_uses_nothing(org, sts, home, run_cli, login_args, write_config):
    write_config(rememberSession=False)
    signed_in(org, run_cli, login_args)
    assert not sessions_folder(home).exists() or list(sessions_folder(home).iterdir()) == []
    # A session stored earlier (rememberSession on) is not used either.
    write_config()
    signed_in(org, run_cli, login_args)
    assert stored_session(home, org).exists()
    write_config(rememberSession=False)
    org.events.clear()
    assert_failed(run_cli(), 2, "--username")


def test_a_corrupt_stored_session_is_ignored_with_a_warning_and_replaced(org, sts, home, run_cli, login_args):
    path = stored_session(home, org)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    result = signed_in(org, run_cli, login_args)
    assert str(path) in result.stderr and "ignored" in result.stderr
    assert json.loads(path.read_text())["cookies"]


def test_logout_ends_the_session_at_the_org_and_deletes_the_file(org, sts, home, run_cli, login_args):
    signed_in(org, run_cli, login_args)
    credentials = (home / ".aws" / "credentials").read_bytes()
    assert org.live_sessions() == 1
    result = run_cli("--logout")
    assert_ok(result)
    assert org.live_sessions() == 0 and "session:deleted" in org.events
    assert not stored_session(home, org).exists()
    assert (home / ".aws" / "credentials").read_bytes() == credentials
    assert "Signed out" in result.stderr
    # Nothing stored any more: a second --logout says so, and succeeds.
    again = run_cli("--logout")
    assert_ok(again)
    assert "No stored sign-in" in again.stderr


def test_logout_with_the_idp_unreachable_deletes_the_file_and_says_so(org, sts, home, run_cli, write_config,
                                                                      monkeypatch):
    import socket

    from aws_sts import idp_session

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/home/amazon_aws/0oaawsapp000000000001/272"
    write_config(idpEntryUrl=url)
    cookie = {"name": "sid", "value": "102stored-session-cookie", "domain": "127.0.0.1", "path": "/",
              "expires": -1, "httpOnly": True, "secure": False, "sameSite": "Lax"}
    monkeypatch.setenv("HOME", str(home))
    idp_session.save(url, [cookie])
    stored = sessions_folder(home) / f"127.0.0.1_{port}.json"
    assert stored.exists()
    result = assert_failed(run_cli("--logout"), 1, "could not be told (Connection refused)")
    assert not stored.exists() and "102stored-session-cookie" not in result
    assert "urlopen" not in result and "Errno" not in result and len(result.strip().splitlines()) == 1


def test_skip_while_valid_touches_nothing_and_force_signs_in(org, sts, home, run_cli, login_args):
    signed_in(org, run_cli, login_args, "--role", "Developer")
    credentials = home / ".aws" / "credentials"
    before = credentials.read_bytes()
    org.events.clear()
    org.requests.clear()
    calls = len(saml_calls(sts))
    result = run_cli("--role", "Developer", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert_ok(result)
    assert "staging-Developer" in result.stdout and DEV in result.stdout and "--force" in result.stdout
    assert org.requests == [] and credentials.read_bytes() == before and len(saml_calls(sts)) == calls
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in result.stderr.splitlines()
                if line.startswith("import time:")}
    assert "aws_sts" in imported and not imported & {"boto3", "botocore", "playwright", "questionary", "asyncio",
                                                      "dataclasses", "typing", "publicsuffixlist"}  # each costs ms

    result = run_cli("--role", "Developer", "--force")  # served by the stored session, but signs in
    assert_ok(result)
    assert credentials.read_bytes() != before and len(saml_calls(sts)) == calls + 1
    assert "saml:issued" in org.events


def test_no_file_in_home_holds_the_password_or_a_code(org, sts, home, run_cli, login_args):
    code = totp_now(org.scenario.totp_secret)
    assert_ok(run_cli(*login_args(), "--otp", code))
    assert_ok(run_cli())
    needles = [org.scenario.password.encode(), code.encode()]
    for path in home.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            assert not any(n in data for n in needles), path
    cookie = json.loads(stored_session(home, org).read_text())["cookies"]
    assert {c["name"] for c in cookie} >= {"sid"}
    assert all(c["domain"] == "127.0.0.1" for c in cookie)
