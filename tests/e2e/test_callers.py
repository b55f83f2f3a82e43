"""credential_process callers together, end to end: many `aws-sts --format process` at once after the stored
session ended (they fail together), a clock hours ahead (still one sign-in), a prompt nobody answers (it ends),
and --logout forgetting the cache. The installed CLI, the fake org's real widget, the fake STS over HTTP."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pexpect
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


def entry_hits(org) -> int:
    path = urlsplit(org.app_url).path
    return sum(1 for method, seen in org.requests if method == "GET" and seen == path)


def error_of(result: subprocess.CompletedProcess) -> str:
    """What aws-sts said went wrong: stderr from its "aws-sts:" line on (status lines before it vary)."""
    assert "aws-sts:" in result.stderr, result.stderr
    return result.stderr[result.stderr.index("aws-sts:"):]


def test_callers_after_the_session_ended_fail_together_with_one_attempt(org, sts, home, run_cli, login_args,
                                                                       cli_env):
    signed_in(org, run_cli, login_args)
    org.end_sessions()
    # What one attempt costs the org: the no-browser GET of the entry URL, then the browser's.
    org.requests.clear()
    one = caller(cli_env, home)
    per_attempt = entry_hits(org)
    assert one.returncode == 1 and per_attempt >= 1, one.stderr
    for failed in (home / ".aws" / "aws-sts" / "cache").glob("*.failed"):
        assert failed.stat().st_mode & 0o777 == 0o600
        assert org.scenario.password not in failed.read_text()
        failed.unlink()  # the parallel callers below start with nothing remembered

    org.requests.clear()
    started = time.monotonic()
    with ThreadPoolExecutor(CALLERS) as pool:
        results = list(pool.map(lambda _: caller(cli_env, home), range(CALLERS)))
    took = time.monotonic() - started
    attempts = entry_hits(org) / per_attempt
    assert attempts <= 2, f"{attempts:g} sign-in attempts by {CALLERS} callers in {took:.1f} s"
    assert {r.returncode for r in results} == {1}
    said = {error_of(r) for r in results}
    assert len(said) == 1, said  # the same error, word for word
    assert "terminal" in said.pop() and "Traceback" not in "".join(r.stderr for r in results)
    assert all(r.stdout == "" for r in results) and cache_files(home) == []


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


def test_a_prompt_nobody_answers_ends_at_timeout_seconds(org, sts, home, write_config, spawn_cli):
    write_config(timeoutSeconds=6)
    child = spawn_cli("--format", "process", "--role", "Developer", timeout=60)
    child.expect("Username")
    asked = time.monotonic()
    child.expect(pexpect.EOF, timeout=60)
    waited = time.monotonic() - asked
    child.close()
    said = child.before
    assert child.exitstatus == 1, said
    assert "within 6 s" in said and "timeoutSeconds" in said and "Traceback" not in said
    assert waited < 15
    assert cache_files(home) == []


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
