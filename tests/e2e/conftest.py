"""End-to-end fixtures: the fake Okta org (real widget), the strict fake STS, a temporary HOME, the installed CLI.

End-to-end tests run the installed `aws-sts` as a subprocess, exactly as a user would: HOME in a temp
folder, stdin not a TTY (or a pseudo-terminal via pexpect for interactive tests), AWS_ENDPOINT_URL_STS
pointing at the fake STS.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.okta_org import FakeOktaOrg, Scenario
from tests.fakes.serve import config_for
from tests.fakes.sts_server import FakeSts

BIN = Path(sys.executable).parent
AWS_STS = shutil.which("aws-sts", path=str(BIN)) or shutil.which("aws-sts")
AWS_CLI = shutil.which("aws", path=str(BIN)) or shutil.which("aws")


@pytest.fixture(scope="session", autouse=True)
def installed_is_current():
    """The end-to-end tests run the *installed* aws-sts (scripts/setup installs it non-editable): stop at
    once, with the fix, when it is older than the source instead of testing stale code.

    A fixture of this folder, not a session hook, so that `pytest tests/unit` never looks for the install."""
    import filecmp

    found = subprocess.run([str(BIN / "python"), "-c", "import aws_sts; print(aws_sts.__file__)"], cwd="/",
                           capture_output=True, text=True)
    installed = Path(found.stdout.strip()).parent if found.returncode == 0 else None
    source = Path(__file__).resolve().parents[2] / "aws_sts"
    if installed is None or AWS_STS is None:
        pytest.exit("aws-sts is not installed in this environment: run `make test` (or scripts/setup).", 2)
    if installed.resolve() == source:
        return  # an editable install
    stale = [str(p.relative_to(source)) for p in source.rglob("*.py")
             if not (installed / p.relative_to(source)).exists()
             or not filecmp.cmp(p, installed / p.relative_to(source), shallow=False)]
    if stale:
        pytest.exit(f"The installed aws-sts is older than the source ({', '.join(stale)}): run `make test` "
                    "(or scripts/setup) to reinstall it.", 2)


@pytest.fixture(scope="session")
def org_server():
    with FakeOktaOrg() as org:
        yield org


@pytest.fixture
def org(org_server):
    org_server.scenario = Scenario()
    org_server.reset()
    yield org_server
    assert org_server.errors == []  # the fake org itself never failed while handling a request


@pytest.fixture(scope="session")
def sts_server(org_server):
    with FakeSts(trusted_cert_pem=org_server.idp_cert_pem) as sts:
        yield sts


@pytest.fixture
def sts(sts_server):
    sts_server.calls.clear()
    sts_server.max_session_duration.clear()
    sts_server.deny_roles.clear()
    sts_server.faults.clear()
    sts_server.sessions.clear()
    return sts_server


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def write_config(home, org):
    def write(**overrides) -> Path:
        data = config_for(org)
        data.update(overrides)
        path = home / "config.json"
        path.write_text(json.dumps(data, indent=2))
        return path

    return write


@pytest.fixture
def cli_env(home, sts):
    # No display either: a test that wants the hand-off to the user gives one (the `display` fixture).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(
        HOME=str(home),
        AWS_STS_CONFIG=str(home / "config.json"),
        AWS_ENDPOINT_URL_STS=sts.endpoint_url,
        AWS_EC2_METADATA_DISABLED="true",
        TERM="xterm",
    )
    return env


@pytest.fixture
def login_args(org):
    """--username/--password of the scenario's user (read when called, after the test set the scenario)."""
    return lambda: ["--username", org.scenario.username, "--password", org.scenario.password]


@pytest.fixture
def run_cli(home, cli_env, write_config):
    def run(*args, env=None, timeout=90) -> subprocess.CompletedProcess:
        if not (home / "config.json").exists():
            write_config()
        # PYTHONFAULTHANDLER: a run that hangs is stopped with SIGABRT, which prints where every thread was.
        child = subprocess.Popen([AWS_STS, *args], env={**cli_env, "PYTHONFAULTHANDLER": "1", **(env or {})},
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, cwd=home)
        try:
            out, err = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGABRT)
            out, err = child.communicate(timeout=30)
            pytest.fail(f"aws-sts {' '.join(args)} did not end within {timeout} s; it was here:\n{err[-6000:]}")
        return subprocess.CompletedProcess(child.args, child.returncode, out, err)

    return run


@pytest.fixture
def spawn_cli(home, cli_env, write_config):
    """The CLI on a pseudo-terminal, for the interactive paths (prompts, picker)."""
    import pexpect

    children = []

    def spawn(*args, env=None, timeout=60):
        if not (home / "config.json").exists():
            write_config()
        child = pexpect.spawn(AWS_STS, list(args), env={**cli_env, **(env or {})}, cwd=str(home),
                              encoding="utf-8", timeout=timeout, dimensions=(40, 160))
        children.append(child)
        return child

    yield spawn
    for child in children:
        child.close(force=True)


@pytest.fixture
def aws_cli(home, cli_env, sts):
    """The real AWS CLI, reading the credentials file the tool wrote."""

    def run(*args) -> subprocess.CompletedProcess:
        return subprocess.run([AWS_CLI, *args, "--endpoint-url", sts.endpoint_url], env=cli_env,
                              capture_output=True, text=True, timeout=60)

    return run



@pytest.fixture(scope="session")
def display():
    """A virtual X display (Xvfb) for the hand-off to the user: its DISPLAY value, e.g. ":5"."""
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as fh:
        number = fh.readline().strip()  # Xvfb writes the display's number once it accepts clients
    assert number, "Xvfb did not start (scripts/setup installs the xvfb package)"
    yield f":{number}"
    xvfb.terminate()
    xvfb.wait(timeout=10)

