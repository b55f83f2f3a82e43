"""credential_process callers together, end to end: many `aws-sts --format process` at once after the stored
session ended (they fail together), a clock hours ahead (still one sign-in), a prompt nobody answers (it ends),
and --logout forgetting the cache. The installed CLI, the fake org's real widget, the fake STS over HTTP."""

from __future__ import annotations

import json
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.e2e.conftest import AWS_STS
from tests.fakes.okta_org import totp_now
from tests.helpers import assert_failed, assert_ok, saml_calls

CALLERS = 12


def cache_files(home: Path) -> list:
    folder = home / ".aws" / "aws-sts" / "cache"
    return sorted(folder.glob("*.json")) if folder.exists() else []


def signed_in(org, run_cli, login_args, *extra) -> None:
    """A run in a terminal's place (everything given): the stored session the callers then use."""
    assert_ok(run_cli(*login_args(), "--otp", totp_now(org.scenario.totp_secret), *extra))


def caller(cli_env, home, *prefix: str, env=None) -> subprocess.CompletedProcess:
    """One credential_process call as the AWS CLI makes it from a scheduler: stdout and stderr captured, stdin
    not a terminal, and no controlling terminal either (a session of its own: /dev/tty cannot be opened)."""
    return subprocess.run([*prefix, AWS_STS, "--format", "process", "--role", "Developer"],
                          env={**cli_env, **(env or {})}, cwd=home, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=240, start_new_session=True)


def test_parallel_callers_with_a_clock_two_hours_ahead_cause_one_sign_in(org, sts, home, run_cli, login_args,
                                                                         cli_env):
    """STS's Expiration is two hours ahead's past: judged by when the answer came and the lifetime STS granted
    (its Date header), the fresh keys are valid, so the callers waiting on the lock use them."""
    faketime = shutil.which("faketime")
    assert faketime, "scripts/setup installs faketime"
    # libfaketime shifts the monotonic clock too (leaving it alone breaks time.sleep with EINVAL in 0.9.10).
    ahead = [faketime, "-f", "+2h"]
    signed_in(org, run_cli, login_args)
    before = len(saml_calls(sts))
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: caller(cli_env, home, *ahead), range(8)))
    for result in results:
        assert result.returncode == 0, result.stderr
    assert len(saml_calls(sts)) == before + 1, "a sign-in per caller"
    answers = [json.loads(r.stdout) for r in results]
    assert len({a["AccessKeyId"] for a in answers}) == 1
    # Expiration in the skewed clock's terms, as the AWS CLI there judges it: about 3 h from the real now.
    expires = datetime.strptime(answers[0]["Expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert timedelta(hours=2, minutes=55) < expires - datetime.now(timezone.utc) < timedelta(hours=3, minutes=5)
    # A later call there is answered from the cache.
    assert json.loads(caller(cli_env, home, *ahead).stdout) == answers[0]
    assert len(saml_calls(sts)) == before + 1
    # Once the clock is set right (two hours back), the entry's lifetime cannot be counted on it: one sign-in.
    assert_ok(caller(cli_env, home))
    assert len(saml_calls(sts)) == before + 2


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
