"""credential_process callers together, end to end: many `aws-sts --format process` at once after the stored
session ended (they fail together), a clock hours ahead (still one sign-in), a prompt nobody answers (it ends),
and --logout forgetting the cache. The installed CLI, the fake org's real widget, the fake STS over HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes.okta_org import totp_now
from tests.helpers import assert_failed, assert_ok, saml_calls

CALLERS = 12


def cache_files(home: Path) -> list:
    folder = home / ".aws" / "aws-sts" / "cache"
    return sorted(folder.glob("*.json")) if folder.exists() else []


def signed_in(org, run_cli, login_args, *extra) -> None:
    """A run in a terminal's place (everything given): the stored session the callers then use."""
    assert_ok(run_cli(*login_args(), "--otp", totp_now(org.scenario.totp_secret), *extra))


def test_logout_forgets_the_cached_credentials_and_the_next_call_signs_in(org, sts, home, run_cli, login_args):
    signed_in(org, run_cli, login_args, "--format", "process", "--role", "Developer")
    assert len(cache_files(home)) == 1
    # Another IdP's logout leaves this one's entries alone.
    other = home / "other.json"
    other.write_text(json.dumps({**json.loads((home / "config.json").read_text()),
                                 "idpEntryUrl": "https://idp.example.org/app/sso"}))
    assert_ok(run_cli("--logout", "--config", str(other)))
    assert len(cache_files(home)) == 1

    result = run_cli("--logout")
    assert_ok(result)
    assert "Forgot 1 cached credential " in result.stderr and "Signed out" in result.stderr
    assert cache_files(home) == []
    org.events.clear()
    calls = len(saml_calls(sts))
    again = run_cli("--format", "process", "--role", "Developer", *login_args(),
                    env={"AWS_STS_TOTP_SECRET": org.scenario.totp_secret})
    assert_ok(again)
    assert org.primary_sign_ins() != [] and len(saml_calls(sts)) == calls + 1


@pytest.mark.parametrize("output", ["credentials", "process"])
def test_an_sts_token_with_a_line_break_is_one_line_and_nothing_is_written(org, sts, home, run_cli, login_args,
                                                                           output):
    sts.faults.append("linebreak")
    result = run_cli(*login_args(), "--otp", totp_now(org.scenario.totp_secret), "--role", "Developer",
                     "--format", output)
    err = assert_failed(result, 1, "STS answered credentials that cannot be written to a credentials file")
    assert "unexpected" not in err and result.stdout == ""
    assert len(saml_calls(sts)) == 1  # not retried: STS did answer
    assert not (home / ".aws" / "credentials").exists() and cache_files(home) == []
