"""`make playground`: the fakes keep running with five roles in two accounts, and the environment it prints
makes the README's daily-use examples work; Ctrl-C (SIGINT) stops it cleanly."""

from __future__ import annotations

import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pexpect
import pytest

ROOT = Path(__file__).resolve().parents[2]


def makefile_command() -> list[str]:
    """The playground's command exactly as the Makefile runs it ($(PY) is this environment's python)."""
    recipe = re.search(r"^playground:.*\n\t@?(.+)$", (ROOT / "Makefile").read_text(), re.M)[1]
    return [sys.executable if word == "$(PY)" else word for word in shlex.split(recipe)]


@pytest.fixture
def playground(tmp_path):
    home = tmp_path / "playground-home"
    proc = subprocess.Popen([*makefile_command(), "--home", str(home)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        for line in proc.stdout:  # the text ends with the examples, then the servers wait
            lines.append(line)
            if "aws-sts --logout" in line:
                break
        printed = "".join(lines)
        assert (home / "env.sh").is_file(), printed
        yield proc, home, printed
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


def in_playground(home: Path, command: str, **kwargs) -> subprocess.CompletedProcess:
    """Run a README example in a shell that sourced the playground's env.sh, as its text says."""
    return subprocess.run(["bash", "-c", f". {shlex.quote(str(home / 'env.sh'))} && {command}"], cwd=home.parent,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120, **kwargs)


def test_the_readme_examples_work_in_the_playground_and_ctrl_c_stops_it(playground):
    proc, home, printed = playground
    sts_url = re.search(r"a fake STS at (http://127\.0\.0\.1:\d+)", printed)[1]
    assert f"export AWS_ENDPOINT_URL_STS={sts_url}" in printed and "export HOME=" in printed
    assert '"production": "210987654321"' in printed and "credential_process = aws-sts" in printed

    listed = in_playground(home, "aws-sts --list-roles")
    assert listed.returncode == 0, listed.stderr
    assert [line.split("\t")[:2] for line in listed.stdout.splitlines()] == [
        ["staging", "Developer"], ["staging", "Admin"], ["staging", "ReadOnly"],
        ["production", "Developer"], ["production", "ReadOnly"]]

    # --format process through the AWS CLI's credential_process (the playground's .aws/config)
    who = in_playground(home, "aws sts get-caller-identity --profile production-dev --output text")
    assert who.returncode == 0, who.stderr
    assert "arn:aws:sts::210987654321:assumed-role/Developer/" in who.stdout

    # the picker, on a terminal: several roles
    env_sh = shlex.quote(str(home / "env.sh"))
    picker = pexpect.spawn("bash", ["-c", f". {env_sh} && aws-sts"], cwd=str(home.parent), encoding="utf-8",
                           timeout=60, dimensions=(40, 120))
    picker.expect("Choose a role")
    picker.expect_exact("production (210987654321)  ReadOnly")  # both accounts' roles are offered
    picker.send("\x1b[B")  # down: the second role
    picker.send("\r")
    picker.expect("under the staging-Admin profile")
    picker.expect(pexpect.EOF)
    picker.close()
    assert picker.exitstatus == 0
    assert "[staging-Admin]" in (home / ".aws" / "credentials").read_text()

    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "Traceback" not in rest and rest.strip().endswith("aws-sts playground: stopped.")
    time.sleep(0.2)
    with pytest.raises(urllib.error.URLError):  # the fake STS is gone
        urllib.request.urlopen(sts_url, timeout=5)
