"""The progress line: on a terminal, one line rewritten in place for each step of the sign-in and the STS call,
cleared before anything else is written; in a pipe, nothing of it."""

from __future__ import annotations

import pexpect

from tests.fakes.okta_org import totp_now
from tests.helpers import assert_ok

CLEAR = "\r\x1b[K"


def test_progress_steps_on_a_terminal_are_gone_before_the_result(org, sts, home, spawn_cli, login_args):
    child = spawn_cli(*login_args(), "--otp", totp_now(org.scenario.totp_secret))
    child.expect(pexpect.EOF)
    child.close()
    out = child.before
    assert child.exitstatus == 0, out
    steps = [part.split(CLEAR)[0] for part in out.split(CLEAR)[1:] if part.split(CLEAR)[0]]
    assert steps[0] == "Okta: opening the sign-in page…"
    assert any(step.startswith("Okta: the ") for step in steps[1:]), steps  # a page it answered
    assert "AWS STS: assuming arn:aws:iam::123456789012:role/Developer…" in steps
    # Every progress line is cleared before the next status line or the result: the result starts a line.
    before_result = out.split("Your new access key pair")[0]
    assert before_result.endswith(CLEAR) or before_result.endswith("\n"), repr(before_result[-80:])
    assert not any(CLEAR in line.split(CLEAR, 1)[0] for line in out.splitlines())


def test_no_progress_in_a_pipe(org, sts, home, run_cli, login_args):
    result = run_cli(*login_args(), "--otp", totp_now(org.scenario.totp_secret))
    assert_ok(result)
    assert "\x1b[" not in result.stderr and "…" not in result.stderr and "\r" not in result.stderr
