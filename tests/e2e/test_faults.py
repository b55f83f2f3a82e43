"""End to end, when things go wrong: signals, a driver that cannot start, a SAML form posted somewhere
other than AWS, and what is refused before anyone signs in. The installed CLI, the real widget in Chromium."""

from __future__ import annotations

import base64
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

from tests.helpers import alive, assert_failed, descendants, finish


def browser_gone(pids) -> bool:
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not [pid for pid in pids if alive(pid)]


@pytest.fixture
def tmpdir_env(tmp_path):
    """A TMPDIR of the run's own, to see that the browser's profile and artifact folders are removed."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    return folder


# -- signals ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["sigterm", "ctrl-c"])
def test_signal_while_waiting_for_push_closes_browser_and_cleans_up(org, sts, home, spawn_cli, login_args,
                                                                    tmpdir_env, how):
    org.scenario.factors = "push"
    org.scenario.push_waits = 10_000
    aws = home / ".aws"
    aws.mkdir()
    (aws / "credentials").write_text("[default]\nregion = x\n")
    child = spawn_cli(*login_args(), env={"TMPDIR": str(tmpdir_env)})
    child.expect("push sent")
    browser_processes = descendants(child.pid)
    assert len(browser_processes) >= 2  # Playwright's driver and Chromium
    assert list(tmpdir_env.iterdir())  # the browser's profile folder is there while it runs
    if how == "sigterm":
        os.kill(child.pid, signal.SIGTERM)  # to aws-sts alone, as `docker stop` or a service manager does
    else:
        child.sendintr()  # the terminal's Ctrl-C: the whole foreground process group
    child.expect("terminated" if how == "sigterm" else "interrupted")
    rest = child.before
    finish(child)
    rest += child.before or ""
    assert child.exitstatus == (143 if how == "sigterm" else 130)
    assert "Traceback" not in rest and "Future exception" not in rest and "Connection closed" not in rest
    assert (aws / "credentials").read_text() == "[default]\nregion = x\n"
    assert sorted(p.name for p in aws.iterdir()) == ["credentials"]
    assert browser_gone(browser_processes)
    assert list(tmpdir_env.iterdir()) == []


def test_sigterm_at_a_code_prompt_ends_the_run(org, sts, home, spawn_cli, login_args):
    """The code prompt runs beside Playwright's loop, in a thread: a signal must still end the run."""
    child = spawn_cli(*login_args())
    child.expect("Verification code")
    os.kill(child.pid, signal.SIGTERM)
    child.expect("terminated")
    finish(child)
    assert child.exitstatus == 143
    assert not (home / ".aws" / "credentials").exists()


# -- the browser driver cannot start ---------------------------------------------------------------

@pytest.fixture
def node_missing_a_library(tmp_path):
    """A copy of Playwright's own Node.js that needs a shared library the system lacks: the dynamic
    loader really fails, as it does for libatomic.so.1 on a bare Debian."""
    patchelf = shutil.which("patchelf")
    assert patchelf, "patchelf is installed by scripts/setup"
    from playwright._impl._driver import compute_driver_executable

    node = tmp_path / "node"
    shutil.copy(compute_driver_executable()[0], node)
    subprocess.run([patchelf, "--add-needed", "libaws-sts-test-missing.so.1", str(node)], check=True)
    return node


def test_driver_that_cannot_start_is_one_line_naming_the_library(org, sts, home, run_cli, login_args,
                                                                 node_missing_a_library):
    result = run_cli(*login_args(), env={"PLAYWRIGHT_NODEJS_PATH": str(node_missing_a_library)})
    assert_failed(result, 1, "browser driver could not start", "libaws-sts-test-missing.so.1 is missing")
    errors = [line for line in result.stderr.splitlines() if line.startswith("aws-sts:")]
    assert len(errors) == 1 and "Connection closed" not in result.stderr
    assert "error while loading shared libraries" not in result.stderr  # the loader's own line is not shown
    assert org.events == []


# What Debian's Python 3.11.2 does when the driver is dead before Playwright's first message: the write to
# its stdin fails with BrokenPipeError, and asyncio logs that unawaited failure with a traceback when the
# loop is collected ("Future exception was never retrieved"; Python 3.11.7 no longer logs it). Whether the
# driver is dead by then, and whether the write sees it first, is a race; here both always are.
DEBIAN_3_11_2_LOST_STDIN = """
import asyncio, asyncio.subprocess, atexit, gc, os

_create = asyncio.create_subprocess_exec

async def create_subprocess_exec(*args, **kwargs):
    process = await _create(*args, **kwargs)
    try:
        os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)  # until it is dead, without reaping it
    except ChildProcessError:  # asyncio's watcher reaped it first: dead too
        pass
    return process

asyncio.create_subprocess_exec = create_subprocess_exec
_lost = asyncio.subprocess.SubprocessStreamProtocol.pipe_connection_lost

def pipe_connection_lost(self, fd, exc):
    if fd == 0:  # Python 3.11.2's code for a stdin lost to an error
        # The loop may see the dead driver's end close before the write fails, and then loses it without an
        # error; which comes first is the race. Here the write always loses.
        exc = exc or BrokenPipeError(32, "Broken pipe")
        if self.stdin is not None:
            self.stdin.close()
        self.connection_lost(exc)
        self._stdin_closed.set_exception(exc)
        return
    _lost(self, fd, exc)

asyncio.subprocess.SubprocessStreamProtocol.pipe_connection_lost = pipe_connection_lost
atexit.register(gc.collect)  # collect the loop while logging still works, as it was collected on CI
"""


def test_driver_dead_before_the_first_message_adds_no_traceback(org, sts, home, run_cli, login_args,
                                                                node_missing_a_library, tmp_path):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(DEBIAN_3_11_2_LOST_STDIN)
    env = {"PLAYWRIGHT_NODEJS_PATH": str(node_missing_a_library), "PYTHONPATH": str(hooks)}
    result = run_cli(*login_args(), env=env)
    assert_failed(result, 1, "browser driver could not start", "libaws-sts-test-missing.so.1 is missing")
    assert "Future exception" not in result.stderr and "BrokenPipeError" not in result.stderr
    debug = run_cli(*login_args(), "--debug", env=env)  # --debug shows what asyncio said: the hook worked
    assert debug.returncode == 1 and "BrokenPipeError" in debug.stderr, debug.stderr


def test_libatomic_hint():
    from aws_sts.browser import explain_driver_detail

    detail = ("/x/node: error while loading shared libraries: libatomic.so.1: cannot open shared object file: "
              "No such file or directory")
    assert explain_driver_detail(detail) == ("libatomic.so.1 is missing "
                                             "(Debian/Ubuntu: sudo apt-get install libatomic1).")


# -- the SAML form goes somewhere else -------------------------------------------------------------

def test_saml_posted_elsewhere_names_where_and_artifacts_hold_no_assertion(org, sts, home, run_cli, login_args,
                                                                            write_config):
    from tests.fakes.okta_org import totp_now

    org.scenario.saml_post_path = "/not-aws/acs"
    write_config(timeoutSeconds=60)
    started = time.monotonic()
    result = run_cli(*login_args(), "--otp", totp_now(org.scenario.totp_secret), "--debug", env={"DISPLAY": ""})
    assert result.returncode == 1, result.stderr
    assert f"posted to {org.base_url}/not-aws/acs, not to AWS sign-in" in result.stderr
    assert "aws-sts-debug" in result.stderr and "Timed out" not in result.stderr
    assert time.monotonic() - started < 50  # ended on the post, not on the 60 s timeout
    assert "saml:posted-elsewhere" in org.events and not sts.calls
    assertion = org.saml_responses[-1]
    xml = base64.b64decode(assertion).decode()
    fragments = [assertion[:40], assertion[-40:], re.search(r"SignatureValue>([^<]{40})", xml).group(1)]
    files = list((home / ".aws" / "aws-sts-debug").iterdir())
    assert [f.suffix for f in files] == [".html"]  # the page shows the assertion: no screenshot
    html = files[0].read_text()
    assert "Not AWS" in html  # it is the page where it ended
    everything = html + result.stdout + result.stderr
    for fragment in fragments:
        assert fragment not in everything
    assert "Assertion" not in html.replace("aws-sts: no screenshot", "")


# -- refused before sign-in ------------------------------------------------------------------------

@pytest.mark.parametrize("args, words", [
    (["--profile", "DEFAULT"], ["DEFAULT"]),
    (["--profile", "two\nlines"], ["profile"]),
    (["--role", "qa/Developer"], ["'qa' is neither an account"]),
    (["--role", "arn:aws:iam::1:role/X"], ["not a role ARN"]),
])
def test_refused_before_sign_in(org, sts, home, run_cli, login_args, args, words):
    result = run_cli(*login_args(), *args)
    assert_failed(result, 2, *words)
    assert org.events == [] and not sts.calls  # nobody signed in, nothing was asked of the org


def test_fifo_as_credentials_file_refused_before_sign_in(org, sts, home, run_cli, login_args):
    aws = home / ".aws"
    aws.mkdir()
    os.mkfifo(aws / "credentials")
    result = run_cli(*login_args(), timeout=60)
    assert_failed(result, 2, "credentials")
    assert org.events == []
    assert (aws / "credentials").is_fifo()


# -- the unexpected-error line ----------------------------------------------------------------------

@pytest.mark.parametrize("debug", [False, True])
def test_unexpected_error_hint_only_without_debug(monkeypatch, capsys, debug):
    from aws_sts import cli

    def broken(argv, environ=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "parse", broken)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        assert cli.main(["--debug"] if debug else []) == 1
    finally:  # main() installs its own signal handlers: give pytest its own back
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    err = capsys.readouterr().err
    assert "unexpected error: RuntimeError: boom" in err
    assert ("Run with --debug" in err) is (not debug)
    assert ("Traceback" in err) is debug

