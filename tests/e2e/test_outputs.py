"""--format env|process, the credential_process cache, --all-roles, --list-roles and AWS_STS_TOTP_SECRET, end
to end: the installed CLI, the fake org's real widget, the fake STS over HTTP, bash and the real AWS CLI."""

from __future__ import annotations

import json
import shlex
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.e2e.conftest import AWS_CLI, AWS_STS
from tests.fakes.okta_org import totp_now
from tests.helpers import (
    ADMIN,
    DEV,
    DEV_P,
    PROD_DEV,
    PROD_P,
    assert_failed,
    assert_ok,
    finish,
    read_profile,
    saml_calls,
)

TWO_ACCOUNTS = [(DEV, DEV_P), (ADMIN, DEV_P), (PROD_DEV, PROD_P)]


def code(org) -> str:
    return totp_now(org.scenario.totp_secret)


def cache_files(home: Path) -> list:
    folder = home / ".aws" / "aws-sts" / "cache"
    return sorted(folder.glob("*.json")) if folder.exists() else []


def caller_arn(cli_env, sts, extra_env) -> str:
    """sts get-caller-identity by the real AWS CLI with only the given credentials in its environment."""
    env = {k: v for k, v in cli_env.items() if not k.startswith("AWS_")}
    env.update(extra_env, AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    done = subprocess.run([AWS_CLI, "sts", "get-caller-identity", "--endpoint-url", sts.endpoint_url,
                           "--output", "json"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["Arn"]


def test_env_output_evaluated_by_bash_is_used_by_the_aws_cli(org, sts, home, run_cli, login_args, cli_env):
    result = run_cli(*login_args(), "--otp", code(org), "--format", "env")
    assert_ok(result)
    assert not (home / ".aws" / "credentials").exists()  # nothing written to the credentials file
    assert "Signing in" in result.stderr and "Signing in" not in result.stdout
    exported = subprocess.run(
        ["bash", "-c", 'eval "$OUT" && env | grep ^AWS_ | sort'], env={"OUT": result.stdout, "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, check=True).stdout
    values = dict(line.split("=", 1) for line in exported.splitlines())
    assert set(values) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                           "AWS_CREDENTIAL_EXPIRATION", "AWS_REGION", "AWS_DEFAULT_REGION"}
    assert values["AWS_REGION"] == "us-east-1" and values["AWS_CREDENTIAL_EXPIRATION"].endswith("Z")
    arn = caller_arn(cli_env, sts, values)
    assert arn.startswith("arn:aws:sts::123456789012:assumed-role/Developer/")


def test_process_output_is_the_json_alone_and_writes_no_profile(org, sts, home, run_cli, login_args):
    result = run_cli(*login_args(), "--otp", code(org), "--format", "process")
    assert_ok(result)
    answer = json.loads(result.stdout)  # the whole of stdout
    assert set(answer) == {"Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}
    assert answer["Version"] == 1 and answer["Expiration"].endswith("Z")
    assert "Signing in" in result.stderr
    assert not (home / ".aws" / "credentials").exists()
    [cached] = cache_files(home)
    assert cached.stat().st_mode & 0o777 == 0o600


def write_aws_config(home: Path, *args: str) -> Path:
    """~/.aws/config with a profile whose credentials come from aws-sts as a credential_process."""
    path = home / ".aws" / "config"
    path.parent.mkdir(mode=0o700, exist_ok=True)
    command = shlex.join([AWS_STS, "--format", "process", *args])
    path.write_text(f"[profile cp]\ncredential_process = {command}\nregion = us-east-1\n")
    return path


def aws_as_cp(cli_env, sts, home, config: Path) -> subprocess.CompletedProcess:
    env = {**cli_env, "AWS_CONFIG_FILE": str(config)}
    return subprocess.run([AWS_CLI, "sts", "get-caller-identity", "--profile", "cp", "--endpoint-url",
                           sts.endpoint_url, "--output", "json"], env=env, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def test_the_aws_cli_runs_it_as_credential_process_and_a_second_call_is_answered_from_the_cache(
        org, sts, home, run_cli, login_args, cli_env):
    assert_ok(run_cli(*login_args(), "--otp", code(org)))  # a sign-in in a terminal: the stored session
    config = write_aws_config(home, "--role", "Developer")
    first = aws_as_cp(cli_env, sts, home, config)
    assert first.returncode == 0, first.stderr
    assert "assumed-role/Developer/" in json.loads(first.stdout)["Arn"]
    assert len(saml_calls(sts)) == 2  # the terminal run's and the silent one through the stored session

    org.requests.clear()
    second = aws_as_cp(cli_env, sts, home, config)
    assert second.returncode == 0, second.stderr
    assert len(saml_calls(sts)) == 2 and org.requests == []  # from the cache: neither STS nor the IdP asked


def test_five_parallel_callers_with_an_empty_cache_cause_one_sign_in(org, sts, home, run_cli, login_args, cli_env):
    assert_ok(run_cli(*login_args(), "--otp", code(org)))
    config = write_aws_config(home, "--role", "Developer")
    before = len(saml_calls(sts))
    with ThreadPoolExecutor(5) as pool:
        results = list(pool.map(lambda _: aws_as_cp(cli_env, sts, home, config), range(5)))
    for result in results:
        assert result.returncode == 0, result.stderr
    keys = {json.loads(r.stdout)["UserId"] for r in results}
    assert len(saml_calls(sts)) == before + 1, "each caller signed in"
    assert len(keys) == 1  # all five used the one set of credentials


def test_process_without_a_terminal_says_to_run_it_once_in_a_terminal(org, sts, home, run_cli):
    result = run_cli("--format", "process", "--role", "Developer")  # no stored session, nothing given
    err = assert_failed(result, 1, "terminal", "aws-sts")
    assert result.stdout == "" and "Traceback" not in err
    assert cache_files(home) == []


def test_process_asks_on_the_terminal_while_stdout_and_stderr_are_captured(org, sts, home, write_config, cli_env):
    """As the AWS CLI runs it: stdout and stderr are pipes, the terminal is only /dev/tty."""
    import pexpect

    write_config()
    out, err = home / "out.json", home / "err.txt"
    command = f"{shlex.join([AWS_STS, '--format', 'process', '--role', 'Developer'])} >{out} 2>{err}"
    child = pexpect.spawn("bash", ["-c", command], env=cli_env, cwd=str(home), encoding="utf-8", timeout=60,
                          dimensions=(40, 160))
    child.expect("Username")
    # Who is signing in where is said on the terminal before the first question (stderr is the AWS CLI's).
    assert f"aws-sts (credential_process --role Developer): signing in to {org.app_url}" in child.before
    child.sendline(org.scenario.username)
    child.expect("Password")
    child.sendline(org.scenario.password)
    child.expect("code")
    child.sendline(code(org))
    finish(child, 0)
    assert json.loads(out.read_text())["Version"] == 1
    assert org.scenario.password not in err.read_text()


def test_ctrl_c_in_process_says_interrupted_without_a_word_about_the_credentials_file(org, sts, home, spawn_cli):
    child = spawn_cli("--format", "process", "--role", "Developer")
    child.expect("Username")
    child.sendintr()
    child.expect("interrupted")
    finish(child, 130)
    said = child.before or ""
    assert "credentials file" not in said and "profile" not in said


def test_an_otp_that_is_not_a_code_is_a_usage_error_before_anything_starts(org, sts, home, run_cli, login_args):
    for wrong in ("abc", "12345", "123456789", "12 34 56"):
        result = run_cli(*login_args(), "--otp", wrong)
        assert_failed(result, 2, "--otp must be the 6 to 8 digit code")
    assert org.requests == [] and saml_calls(sts) == []


def test_all_roles_writes_every_role_of_two_accounts_to_its_own_profile(org, sts, home, run_cli, login_args,
                                                                        aws_cli):
    org.scenario.roles = TWO_ACCOUNTS
    result = run_cli(*login_args(), "--otp", code(org), "--all-roles")
    assert_ok(result)
    assert len(saml_calls(sts)) == 3
    for profile, arn in [("staging-Developer", DEV), ("staging-Admin", ADMIN), ("production-Developer", PROD_DEV)]:
        assert read_profile(home, profile)["x_principal_arn"] == arn
        assert profile in result.stdout
    identity = aws_cli("sts", "get-caller-identity", "--profile", "production-Developer", "--output", "json")
    assert identity.returncode == 0, identity.stderr
    assert "210987654321:assumed-role/Developer/" in identity.stdout


def test_all_roles_reports_a_refused_role_and_writes_the_others(org, sts, home, run_cli, login_args):
    org.scenario.roles = TWO_ACCOUNTS
    sts.deny_roles.add(ADMIN)
    result = run_cli(*login_args(), "--otp", code(org), "--all-roles")
    assert_failed(result, 1, ADMIN)
    assert read_profile(home, "staging-Developer")["x_principal_arn"] == DEV
    assert read_profile(home, "production-Developer")["x_principal_arn"] == PROD_DEV
    credentials = (home / ".aws" / "credentials").read_text()
    assert "[staging-Admin]" not in credentials


def test_list_roles_prints_every_role_and_writes_nothing(org, sts, home, run_cli, login_args):
    org.scenario.roles = TWO_ACCOUNTS + [("arn:aws:iam::333333333333:role/ReadOnly",
                                          "arn:aws:iam::333333333333:saml-provider/Okta")]
    result = run_cli(*login_args(), "--otp", code(org), "--list-roles")
    assert_ok(result)
    assert result.stdout.splitlines() == [
        f"staging\tDeveloper\t{DEV}", f"staging\tAdmin\t{ADMIN}", f"production\tDeveloper\t{PROD_DEV}",
        "333333333333\tReadOnly\tarn:aws:iam::333333333333:role/ReadOnly"]
    assert saml_calls(sts) == [] and not (home / ".aws" / "credentials").exists()
    # The stored session serves a second listing without asking anything.
    assert_ok(run_cli("--list-roles"))


def test_totp_secret_makes_the_code_without_otp_or_terminal(org, sts, home, run_cli, login_args):
    secret = org.scenario.totp_secret
    result = run_cli(*login_args(), "--role", "Developer", env={"AWS_STS_TOTP_SECRET": secret})
    assert_ok(result)
    assert read_profile(home, "staging-Developer")["x_principal_arn"] == DEV
    assert secret not in result.stdout + result.stderr
    for path in home.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_a_wrong_totp_secret_fails_cleanly(org, sts, home, run_cli, login_args):
    wrong = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # a valid base32 secret, not the user's
    result = run_cli(*login_args(), "--role", "Developer", env={"AWS_STS_TOTP_SECRET": wrong})
    assert_failed(result, 1, "AWS_STS_TOTP_SECRET")
    assert "GEZDGNBVGY3TQOJQ" not in result.stderr


def test_a_cache_answer_imports_neither_boto3_nor_playwright(org, sts, home, run_cli, login_args):
    assert_ok(run_cli(*login_args(), "--otp", code(org), "--format", "process", "--role", "Developer"))
    calls = len(saml_calls(sts))
    org.requests.clear()
    result = run_cli("--format", "process", "--role", "Developer", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert_ok(result)
    assert json.loads(result.stdout)["Version"] == 1
    assert len(saml_calls(sts)) == calls and org.requests == []
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in result.stderr.splitlines()
                if line.startswith("import time:")}
    assert "aws_sts" in imported and not imported & {"boto3", "botocore", "playwright", "questionary", "filelock",
                                                      "asyncio", "dataclasses", "typing", "publicsuffixlist"}
    # --force signs in again (through the stored session) and refreshes the cache.
    assert_ok(run_cli("--format", "process", "--role", "Developer", "--force"))
    assert len(saml_calls(sts)) == calls + 1
