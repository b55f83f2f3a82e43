"""--exec's parts without a sign-in: the command's environment, finding it as a shell would, waiting for it and
passing signals on (signals.run_child); and --duration's rule (sts.saml_duration)."""

from __future__ import annotations

import os
import signal
import sys
import threading
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aws_sts import signals, sts
from aws_sts.commands.exec_command import child_environment, find_program
from aws_sts.credentials import TemporaryCredentials
from aws_sts.errors import CommandError
from tests.helpers import examples

KEYS = TemporaryCredentials("ASIAEXAMPLE", "secret", "token", datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
SH = "/bin/sh"


def test_the_command_gets_the_keys_and_region_and_loses_the_profile_and_aws_sts_secrets():
    environ = {"PATH": "/bin", "AWS_PROFILE": "p", "AWS_DEFAULT_PROFILE": "p", "AWS_SECURITY_TOKEN": "old",
               "AWS_STS_PASSWORD": "pw", "AWS_STS_TOTP_SECRET": "JBSW", "AWS_STS_CONFIG": "/c.json",
               "AWS_ACCESS_KEY_ID": "AKIAOLD", "AWS_REGION": "us-west-2"}
    env = child_environment(environ, KEYS, "eu-west-1")
    assert env == {"PATH": "/bin", "AWS_STS_CONFIG": "/c.json", "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE",
                   "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
                   "AWS_CREDENTIAL_EXPIRATION": "2030-01-02T03:04:05Z", "AWS_REGION": "eu-west-1",
                   "AWS_DEFAULT_REGION": "eu-west-1"}
    assert child_environment(environ, KEYS, None)["AWS_REGION"] == "us-west-2"  # no region known: theirs stays


def test_find_program_searches_path_like_a_shell(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "tool").write_text("#!/bin/sh\n")  # not executable: skipped for the next one
    (second / "tool").write_text("#!/bin/sh\n")
    (second / "tool").chmod(0o755)
    path = f"{first}{os.pathsep}{second}"
    assert find_program("tool", path) == str(second / "tool")
    assert find_program(str(second / "tool"), "") == str(second / "tool")  # a "/" means no search
    with pytest.raises(CommandError) as missing:
        find_program("nope", path)
    assert missing.value.exit_code == 127 and "command not found" in str(missing.value)
    (second / "tool").chmod(0o644)
    for name, words in [("tool", "is not executable"), (str(first), "is a directory")]:
        with pytest.raises(CommandError) as unusable:
            find_program(name, path)
        assert unusable.value.exit_code == 126 and words in str(unusable.value)
    with pytest.raises(CommandError):
        find_program("", path)


@pytest.fixture
def handlers():
    """run_child puts the signal handlers and mask back: check it, and give pytest its own in any case."""
    before = {s: signal.getsignal(s) for s in signals.FORWARDED}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    yield
    assert {s: signal.getsignal(s) for s in signals.FORWARDED} == before
    assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == mask


@pytest.mark.parametrize("script, code", [("exit 0", 0), ("exit 7", 7), ("exit 255", 255),
                                          ("kill -TERM $$", 143), ("kill -KILL $$", 137), ("kill -INT $$", 130)])
def test_run_child_gives_the_exit_code_as_a_shell_does(handlers, script, code):
    assert signals.run_child(SH, [SH, "-c", script], dict(os.environ)) == code


def test_a_signal_sent_to_aws_sts_reaches_the_command(handlers, tmp_path):
    ready = tmp_path / "ready"
    script = f'trap "exit 42" TERM; : > {ready}; while :; do sleep 0.05; done'

    def send_when_ready():
        while not ready.exists():
            threading.Event().wait(0.02)
        os.kill(os.getpid(), signal.SIGTERM)  # as `kill <aws-sts>` would

    threading.Thread(target=send_when_ready, daemon=True).start()
    assert signals.run_child(SH, [SH, "-c", script], dict(os.environ)) == 42


def test_a_command_that_cannot_be_started_raises_oserror(handlers, tmp_path):
    plain = tmp_path / "plain"
    plain.write_bytes(b"\x7fELF not really")
    plain.chmod(0o755)
    with pytest.raises(OSError):
        signals.run_child(str(plain), [str(plain)], {})


@pytest.mark.skipif(not hasattr(signal, "sigtimedwait"), reason="macOS passes every signal on")
def test_the_command_starts_with_no_signal_blocked(handlers):
    """aws-sts blocks the signals it waits for: the command must not inherit that."""
    # exec: grep reads its own mask, as sh handed it over (sh itself may block SIGCHLD while it forks a child)
    script = 'exec grep -q "^SigBlk:[[:space:]]*0*$" /proc/self/status'
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc")
    mask = signal.pthread_sigmask(signal.SIG_SETMASK, set())  # as aws-sts runs: nothing blocked
    try:
        assert signals.run_child(SH, [SH, "-c", script], dict(os.environ)) == 0
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


@settings(max_examples=examples(500), deadline=None)
@given(asked=st.none() | st.integers(900, 43200), limit=st.none() | st.integers(900, 43200))
def test_duration_is_the_one_asked_within_the_idps_session_duration(asked, limit):
    class Assertion:
        session_duration = limit

    said = []
    duration = sts.saml_duration(Assertion, asked, said.append)
    assert 900 <= duration <= 43200
    if asked is None:
        assert duration == (limit or 3600) and not said
    elif limit is not None and asked > limit:
        assert duration == limit and said == [f"Your IdP allows sessions of at most {limit} s "
                                              f"(SessionDuration); asking for {limit} s."]
    else:
        assert duration == asked and not said
