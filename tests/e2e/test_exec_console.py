"""--exec, --console, --region and --duration, end to end: the installed CLI, the fake org's real widget, the
fake STS (and its federation endpoint) over HTTP, the real AWS CLI and real processes and signals."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.conftest import AWS_CLI, AWS_STS
from tests.fakes.okta_org import totp_now
from tests.helpers import DEV, alive, assert_failed, assert_ok, descendants, finish, read_profile, saml_calls

PROD_DEV = "arn:aws:iam::210987654321:role/Developer"


def code(org) -> str:
    return totp_now(org.scenario.totp_secret)


def no_file_holds(home, secret: str) -> None:
    for path in home.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


# --- --exec ----------------------------------------------------------------------------------------------------

def test_exec_runs_the_aws_cli_as_the_role_in_the_region_without_aws_profile(org, sts, home, run_cli, login_args):
    # AWS_PROFILE naming a profile that does not exist would stop the AWS CLI: it must not reach it.
    result = run_cli(*login_args(), "--otp", code(org), "--region", "eu-west-1",
                     "--exec", "--", AWS_CLI, "sts", "get-caller-identity", "--output", "json",
                     env={"AWS_PROFILE": "nosuch", "AWS_DEFAULT_PROFILE": "nosuch"})
    assert_ok(result)
    identity = json.loads(result.stdout)  # stdout is the command's alone; aws-sts's lines are on stderr
    assert identity["Arn"].startswith("arn:aws:sts::123456789012:assumed-role/Developer/")
    assert "Signing in" in result.stderr and "Role: " + DEV in result.stderr
    [call] = [c for c in sts.calls if c["action"] == "GetCallerIdentity"]
    assert call["region"] == "eu-west-1"  # AWS_REGION from --region: the AWS CLI signed for it
    assert not (home / ".aws" / "credentials").exists()


def test_exec_passes_the_exit_code_and_the_environment_and_the_cache_serves_the_next_run(
        org, sts, home, run_cli, login_args):
    dump = home / "env.txt"
    first = run_cli(*login_args(), "--otp", code(org), "--role", "Developer", "--exec", "--",
                    "sh", "-c", 'env > "$0"; exit 7', str(dump),
                    env={"AWS_STS_TOTP_SECRET": org.scenario.totp_secret, "AWS_SECURITY_TOKEN": "stale"})
    assert first.returncode == 7, first.stderr
    assert "Traceback" not in first.stderr and first.stdout == ""
    env = dict(line.split("=", 1) for line in dump.read_text().splitlines() if line.startswith("AWS_"))
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
            "AWS_REGION", "AWS_DEFAULT_REGION"} <= set(env)
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"  # the config's
    assert env["AWS_ACCESS_KEY_ID"] in sts.sessions and env["AWS_CREDENTIAL_EXPIRATION"].endswith("Z")
    assert not {"AWS_STS_TOTP_SECRET", "AWS_SECURITY_TOKEN", "AWS_PROFILE"} & set(env)
    assert len(saml_calls(sts)) == 1

    org.requests.clear()
    second = run_cli("--role", "Developer", "--exec", "--", "sh", "-c", 'test "$AWS_ACCESS_KEY_ID" = "$0"',
                     env["AWS_ACCESS_KEY_ID"])
    assert_ok(second)  # the same keys, from the credential_process cache: neither the IdP nor STS asked
    assert "cached credentials" in second.stderr
    assert len(saml_calls(sts)) == 1 and org.requests == []


def test_parallel_exec_runs_sign_in_once(org, sts, home, run_cli, login_args, cli_env):
    """Four --exec runs of one command line at once, no cached keys: one signs in under the cache's lock, the
    others wait and run with the same keys (as parallel credential_process calls do)."""
    assert_ok(run_cli(*login_args(), "--otp", code(org)))  # the stored session the runs then use
    before = len(saml_calls(sts))
    command = [AWS_STS, "--role", "Developer", "--exec", "--", "sh", "-c", 'printf %s "$AWS_ACCESS_KEY_ID"']
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda _: subprocess.run(command, env=cli_env, cwd=home, stdin=subprocess.DEVNULL,
                                                      capture_output=True, text=True, timeout=120), range(4)))
    assert [r.returncode for r in runs] == [0] * 4, [r.stderr for r in runs]
    assert len({r.stdout for r in runs}) == 1 and runs[0].stdout in sts.sessions
    assert len(saml_calls(sts)) == before + 1, "a sign-in per run"


def start_exec(login_args, org, cli_env, home, *command: str) -> subprocess.Popen:
    return subprocess.Popen([AWS_STS, *login_args(), "--otp", code(org), "--exec", "--", *command], env=cli_env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=home)


def wait_for(path, child: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, f"{path.name} did not appear"
        time.sleep(0.05)


def test_sigterm_to_aws_sts_reaches_the_command_and_its_exit_code_comes_back(org, sts, home, write_config,
                                                                             cli_env, login_args):
    write_config()
    ready, got = home / "ready", home / "got"
    script = 'trap \'echo TERM > "$1"; exit 42\' TERM; : > "$0"; while :; do sleep 0.1; done'
    child = start_exec(login_args, org, cli_env, home, "sh", "-c", script, str(ready), str(got))
    wait_for(ready, child)
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=30)
    assert child.returncode == 42, err  # the command's trap ran: it got the signal, and its code came back
    assert got.read_text() == "TERM\n" and "Traceback" not in err


def test_a_command_that_dies_of_the_forwarded_signal_gives_128_plus_n(org, sts, home, write_config, cli_env,
                                                                      login_args):
    write_config()
    ready = home / "ready"
    child = start_exec(login_args, org, cli_env, home, "sh", "-c", ': > "$0"; exec sleep 60', str(ready))
    wait_for(ready, child)
    running = descendants(child.pid)
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=30)
    assert child.returncode == 128 + signal.SIGTERM, err
    assert running and not any(alive(pid) for pid in running)  # the command ended with aws-sts


def test_ctrl_c_on_the_terminal_ends_the_command_and_aws_sts_gives_its_code(org, sts, home, spawn_cli, login_args):
    child = spawn_cli(*login_args(), "--otp", code(org), "--exec", "--", "sh", "-c", "echo READY; exec sleep 60")
    child.expect("READY", timeout=90)
    child.sendintr()  # the terminal's SIGINT reaches the whole foreground group: aws-sts does not send a second
    finish(child, 130)
    assert "interrupted" not in child.before


def test_a_command_that_cannot_start_is_one_line_before_anyone_signs_in(org, sts, home, run_cli, login_args):
    plain = home / "not-executable"
    plain.write_text("echo hi\n")
    for command, status, words in [("no-such-command-here", 127, "command not found"),
                                   (str(plain), 126, "is not executable"), (str(home), 126, "is a directory")]:
        result = run_cli(*login_args(), "--exec", "--", command, "arg")
        err = assert_failed(result, status, words)
        assert len(err.strip().splitlines()) == 1
    assert org.events == [] and not sts.calls


@pytest.mark.parametrize("args, words", [
    (["--exec"], ["--exec needs a command after --"]),
    (["--", "true"], ["only with --exec"]),
    (["true"], ["unrecognized arguments: true"]),
    (["--exec", "--format", "env", "--", "true"], ["cannot be used with --profile or --format"]),
    (["--exec", "--profile", "x", "--", "true"], ["cannot be used with --profile or --format"]),
    (["--exec", "--console", "--", "true"], ["--exec and --console cannot be used together"]),
    (["--console", "--all-roles"], ["cannot be used together"]),
    (["--console", "--logout"], ["cannot be used together"]),
    (["--exec", "--list-roles", "--", "true"], ["cannot be used together"]),
    (["--duration", "899"], ["--duration", "900 to 43200"]),
    (["--duration", "1h"], ["--duration"]),
    (["--region", "mars"], ["--region must be an AWS region"]),
])
def test_usage_errors(org, sts, home, run_cli, args, words):
    result = run_cli(*args)
    assert_failed(result, 2, *words)
    assert org.events == [] and not sts.calls


# --- --console ---------------------------------------------------------------------------------------------------

def browser_recorder(home):
    """A BROWSER for Python's webbrowser that records the URL it is given, and prints noise."""
    opened = home / "opened.txt"
    script = home / "browser.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" > "{opened}"\necho browser-noise; echo browser-noise >&2\n')
    script.chmod(0o755)
    return script, opened


def login_query(url: str, sts) -> dict:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == sts.endpoint_url + "/federation"
    query = {name: values[0] for name, values in parse_qs(parts.query, strict_parsing=True).items()}
    assert set(query) == {"Action", "Issuer", "Destination", "SigninToken"} and query["Action"] == "login"
    return query


def test_console_prints_a_sign_in_url_for_the_role_and_opens_it_on_a_desktop(org, sts, home, run_cli, login_args):
    browser, opened = browser_recorder(home)
    result = run_cli(*login_args(), "--otp", code(org), "--console",
                     env={"AWS_ENDPOINT_URL_SIGNIN": sts.endpoint_url, "DISPLAY": ":99", "BROWSER": str(browser)})
    assert_ok(result)
    [url] = result.stdout.splitlines()  # one line: `aws-sts --console | xargs open`; the browser's noise elsewhere
    query = login_query(url, sts)
    assert query["Issuer"] == org.app_url  # the console's "sign in again" link leads to the IdP
    assert query["Destination"] == "https://console.aws.amazon.com/?region=us-east-1"
    session = sts.signin_tokens[query["SigninToken"]]  # a token the federation endpoint gave for the role's keys
    assert session["role_arn"] == DEV and not session["chained"]
    assert opened.read_text() == url + "\n" and "Opened it in your browser" in result.stderr
    assert "browser-noise" not in result.stderr and "one hour" not in result.stderr
    assert query["SigninToken"] not in result.stderr and url not in result.stderr
    assert not (home / ".aws" / "credentials").exists()
    opened.unlink()  # the "browser" kept it; aws-sts kept it nowhere
    no_file_holds(home, query["SigninToken"])
    assert [c["action"] for c in sts.federation_calls] == ["getSigninToken"]


def test_console_in_the_container_opens_nothing_and_a_second_hop_says_one_hour(org, sts, home, run_cli, login_args):
    browser, opened = browser_recorder(home)
    result = run_cli(*login_args(), "--otp", code(org), "--console", "--account", "production",
                     "--region", "eu-west-1",
                     env={"AWS_ENDPOINT_URL_SIGNIN": sts.endpoint_url + "/federation/", "DISPLAY": ":99",
                          "BROWSER": str(browser), "AWS_STS_IN_CONTAINER": "1"})
    assert_ok(result)
    [url] = result.stdout.splitlines()
    query = login_query(url, sts)
    assert query["Destination"] == "https://console.aws.amazon.com/?region=eu-west-1"
    session = sts.signin_tokens[query["SigninToken"]]
    assert session["role_arn"] == PROD_DEV and session["chained"]
    assert "limited to one hour" in result.stderr
    assert not opened.exists() and "Opened" not in result.stderr


def test_console_with_an_unreachable_federation_endpoint_is_one_line_and_exit_1(org, sts, home, run_cli,
                                                                                login_args):
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{unused.getsockname()[1]}"
    result = run_cli(*login_args(), "--otp", code(org), "--console", env={"AWS_ENDPOINT_URL_SIGNIN": endpoint})
    err = assert_failed(result, 1, "Cannot reach AWS sign-in at " + endpoint + "/federation")
    assert result.stdout == "" and err.strip().splitlines()[-1].startswith("aws-sts: Cannot reach")
    for secret in [s["secret"] for s in sts.sessions.values()] + [s["token"] for s in sts.sessions.values()]:
        assert secret not in err


def test_console_with_a_wrong_endpoint_variable_stops_before_the_sign_in(org, sts, home, run_cli, login_args):
    result = run_cli(*login_args(), "--console", env={"AWS_ENDPOINT_URL_SIGNIN": "http://signin.example.com"})
    assert_failed(result, 2, "AWS_ENDPOINT_URL_SIGNIN")
    assert org.events == [] and not sts.calls


# --- --region and --duration ---------------------------------------------------------------------------------------

def lifetime(profile: dict) -> float:
    expires = datetime.strptime(profile["x_security_token_expires"], "%Y-%m-%dT%H:%M:%SZ")
    return (expires.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)).total_seconds()


def two_hours_in_eu_west_1(org, sts, run_cli, login_args, *args: str):
    """A sign-in with --region eu-west-1 --duration 7200 for a role that allows two hours: (its result, its
    AssumeRoleWithSAML call), having checked that STS was asked for 7200 s."""
    sts.max_session_duration[DEV] = 7200
    result = run_cli(*login_args(), "--otp", code(org), *args, "--region", "eu-west-1", "--duration", "7200")
    assert_ok(result)
    [call] = saml_calls(sts)
    assert call["params"]["DurationSeconds"] == "7200"
    return result, call


def test_region_and_duration_reach_sts_and_the_profile(org, sts, home, run_cli, login_args):
    two_hours_in_eu_west_1(org, sts, run_cli, login_args, "--role", "Developer")
    profile = read_profile(home, "staging-Developer")
    assert profile["region"] == "eu-west-1" and 7000 < lifetime(profile) <= 7200

    # The still-valid skip holds for the region the profile was written for; another region writes it again.
    assert "already holds" in run_cli("--role", "Developer", "--region", "eu-west-1").stdout
    assert len(saml_calls(sts)) == 1
    assert_ok(run_cli("--role", "Developer", "--region", "ap-southeast-2"))  # through the stored session
    assert len(saml_calls(sts)) == 2 and read_profile(home, "staging-Developer")["region"] == "ap-southeast-2"


def test_a_second_hop_is_signed_for_the_region_and_gets_one_hour_at_most(org, sts, home, run_cli, login_args):
    result, _ = two_hours_in_eu_west_1(org, sts, run_cli, login_args, "--account", "production")
    [hop] = [c for c in sts.calls if c["action"] == "AssumeRole"]
    assert hop["params"]["DurationSeconds"] == "3600" and hop["region"] == "eu-west-1"
    assert "limited to one hour" in result.stderr
    assert read_profile(home, "production-Developer")["region"] == "eu-west-1"


def test_duration_is_capped_by_the_idps_session_duration_and_can_be_shorter(org, sts, home, run_cli, login_args):
    org.scenario.session_duration = 1800
    result = run_cli(*login_args(), "--otp", code(org), "--duration", "7200", "--format", "env")
    assert_ok(result)
    assert "SessionDuration" in result.stderr
    assert saml_calls(sts)[-1]["params"]["DurationSeconds"] == "1800"
    assert_ok(run_cli("--duration", "900", "--format", "env"))  # below SessionDuration: as asked
    assert saml_calls(sts)[-1]["params"]["DurationSeconds"] == "900"

