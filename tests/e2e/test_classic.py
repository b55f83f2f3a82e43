"""End to end on the Okta Classic pages: the installed CLI, the real widget in Chromium, the fake STS, the AWS CLI."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import time

import pytest

from tests.fakes.okta_org import totp_now
from tests.fakes.serve import config_for
from tests.helpers import (
    ADMIN,
    DEV,
    DEV_P,
    OTHER_P,
    OTHER_RO,
    PROD_DEV,
    PROD_P,
    PRODUCTION,
    STAGING,
    alive,
    assert_failed,
    assert_ok,
    descendants,
    finish,
    play_user,
    read_profile,
    saml_calls,
)

THREE_ROLES = [(DEV, DEV_P), (ADMIN, DEV_P), (PROD_DEV, PROD_P), (OTHER_RO, OTHER_P)]


# -- factors ---------------------------------------------------------------------------------------

def test_password_and_totp_writes_profile_usable_by_aws_cli(org, sts, home, run_cli, login_args, aws_cli):
    result = run_cli(*login_args(), "--otp", totp_now(org.scenario.totp_secret))
    assert_ok(result)
    credentials = home / ".aws" / "credentials"
    assert f"stored in the AWS configuration file {credentials}" in result.stdout
    assert "under the staging-Developer profile" in result.stdout
    assert "aws --profile staging-Developer sts get-caller-identity" in result.stdout
    profile = read_profile(home, "staging-Developer")
    assert profile["output"] == "json" and profile["region"] == "us-east-1"
    assert profile["aws_access_key_id"].startswith("ASIA")
    assert profile["aws_session_token"] == profile["aws_security_token"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", profile["x_security_token_expires"])
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert stat.S_IMODE(credentials.parent.stat().st_mode) == 0o700
    assert "verify:totp:ok" in org.events and "push:sent" not in org.events
    assert [c["params"]["RoleArn"] for c in saml_calls(sts)] == [DEV]
    assert saml_calls(sts)[0]["params"]["DurationSeconds"] == "3600"

    identity = aws_cli("sts", "get-caller-identity", "--profile", "staging-Developer", "--output", "json")
    assert identity.returncode == 0, identity.stderr
    answer = json.loads(identity.stdout)
    assert answer["Account"] == STAGING
    assert answer["Arn"] == f"arn:aws:sts::{STAGING}:assumed-role/Developer/{org.scenario.username}"


def test_okta_verify_code(org, sts, home, run_cli, login_args):
    org.scenario.factors = "okta_totp"
    assert_ok(run_cli(*login_args(), "--otp", totp_now(org.scenario.totp_secret)))
    assert "verify:totp:ok" in org.events
    assert read_profile(home, "staging-Developer")["aws_access_key_id"]


def test_no_mfa(org, sts, home, run_cli, login_args):
    org.scenario.factors = "none"
    assert_ok(run_cli(*login_args()))
    assert read_profile(home, "staging-Developer")


def test_push_approved(org, sts, home, run_cli, login_args):
    org.scenario.factors = "push"
    org.scenario.push_waits = 0  # the widget polls every 4 s: keep the test short
    result = run_cli(*login_args())
    assert_ok(result)
    assert "push sent" in result.stderr
    assert "push:sent" in org.events and "push:approved" in org.events


def test_push_number_challenge_is_shown(org, sts, home, run_cli, login_args):
    org.scenario.factors = "push"
    org.scenario.number_challenge = 47
    org.scenario.push_waits = 0
    result = run_cli(*login_args())
    assert_ok(result)
    assert "tap 47" in result.stderr


@pytest.mark.parametrize("outcome", ["reject", "timeout"])
def test_push_not_approved(org, sts, home, run_cli, login_args, outcome):
    org.scenario.factors = "push"
    org.scenario.push_result = outcome
    org.scenario.push_waits = 0
    result = run_cli(*login_args())
    assert_failed(result, 1, "Okta Verify push was not approved")
    assert not (home / ".aws" / "credentials").exists()


def test_push_and_code_with_otp_uses_the_code(org, sts, home, run_cli, login_args):
    org.scenario.factors = "push+totp"
    assert_ok(run_cli(*login_args(), "--otp", totp_now(org.scenario.totp_secret)))
    assert "verify:totp:ok" in org.events and "push:sent" not in org.events


def test_push_and_code_without_otp_or_tty_sends_push(org, sts, home, run_cli, login_args):
    org.scenario.factors = "push+totp"
    org.scenario.push_waits = 0
    assert_ok(run_cli(*login_args()))
    assert "push:approved" in org.events and not any(e.startswith("verify:totp") for e in org.events)


def test_push_and_code_interactive_enter_sends_push(org, sts, home, spawn_cli, login_args):
    org.scenario.factors = "push+totp"
    org.scenario.push_waits = 0
    child = spawn_cli(*login_args())
    child.expect("press Enter to send a push")
    child.sendline("")
    child.expect("under the staging-Developer profile")
    finish(child)
    assert child.exitstatus == 0
    assert "push:approved" in org.events


def test_push_and_code_interactive_typed_code(org, sts, home, spawn_cli, login_args):
    org.scenario.factors = "push+totp"
    child = spawn_cli(*login_args())
    child.expect("press Enter to send a push")
    child.sendline(totp_now(org.scenario.totp_secret))
    child.expect("under the staging-Developer profile")
    finish(child)
    assert child.exitstatus == 0
    assert "verify:totp:ok" in org.events and "push:sent" not in org.events


@pytest.mark.parametrize("factors, sent", [("sms", "by SMS to +1 XXX-XXX-0042"),
                                            ("email", "by email to a...@example.com")])
def test_code_sent_by_sms_or_email_with_otp(org, sts, home, run_cli, login_args, factors, sent):
    org.scenario.factors = factors
    result = run_cli(*login_args(), "--otp", totp_now(org.scenario.totp_secret))
    assert_ok(result)
    assert f"Okta sent a code {sent}." in result.stderr.splitlines()
    assert [e for e in org.events if e.startswith("verify:")] == [f"verify:{factors}:sent", f"verify:{factors}:ok"]
    assert read_profile(home, "staging-Developer")["aws_access_key_id"].startswith("ASIA")


@pytest.mark.parametrize("factors", ["sms", "email"])
def test_code_sent_without_otp_or_tty_names_otp_and_never_uses_the_totp_secret(
        org, sts, home, run_cli, login_args, factors):
    """AWS_STS_TOTP_SECRET makes authenticator app codes: a code Okta sends is --otp or typed, and without a
    terminal the run stops before Okta sends anything."""
    org.scenario.factors = factors
    result = run_cli(*login_args(), env={"AWS_STS_TOTP_SECRET": org.scenario.totp_secret})
    err = assert_failed(result, 2, "--otp CODE")
    assert [line for line in err.splitlines() if "--otp" in line] == [err.strip().splitlines()[-1]]
    assert not [e for e in org.events if e.startswith("verify:")]  # no code sent, none made from the secret
    assert not (home / ".aws" / "credentials").exists()


def test_sms_code_typed_at_the_prompt(org, sts, home, spawn_cli, login_args):
    org.scenario.factors = "sms"
    # The secret is set and must not answer the SMS page: the code is asked for.
    child = spawn_cli(*login_args(), env={"AWS_STS_TOTP_SECRET": org.scenario.totp_secret})
    child.expect("Okta sent a code by SMS to \\+1 XXX-XXX-0042")
    child.expect("Code from the text message")
    assert org.events.count("verify:sms:sent") == 1
    child.sendline(totp_now(org.scenario.totp_secret))
    child.expect("under the staging-Developer profile")
    finish(child)
    assert child.exitstatus == 0
    assert [e for e in org.events if e.startswith("verify:")] == ["verify:sms:sent", "verify:sms:ok"]


def test_wrong_sms_code_interactive_asks_again(org, sts, home, spawn_cli, login_args):
    org.scenario.factors = "sms"
    child = spawn_cli(*login_args(), "--otp", "135791")
    child.expect("Okta sent a code by SMS")
    child.expect(r"Okta: Your passcode doesn't match our records\. Try again\.")
    child.expect("Code from the text message")
    child.sendline(totp_now(org.scenario.totp_secret))
    child.expect("under the staging-Developer profile")
    finish(child)
    assert child.exitstatus == 0
    # the same SMS, typed again: not sent twice
    assert [e for e in org.events if e.startswith("verify:")] == ["verify:sms:sent", "verify:sms:bad", "verify:sms:ok"]


# -- pages between the password and the factors ------------------------------------------------------

@pytest.mark.parametrize("factors", ["none", "totp"])
def test_password_expiry_warning_is_skipped(org, sts, home, run_cli, login_args, factors):
    org.scenario.classic_password_warn = True
    org.scenario.factors = factors
    result = run_cli(*login_args(), "--otp", totp_now(org.scenario.totp_secret))
    assert_ok(result)
    assert "Okta: your password expires in 4 days — skipped; change it soon" in result.stderr.splitlines()
    assert "authn:password-changed" not in org.events
    after = ["verify:totp:ok"] if factors == "totp" else []
    assert [e for e in org.events if e.startswith(("authn:", "verify:"))] == [
        "authn:ok", "authn:password-warn", "authn:skip", *(["authn:mfa-required"] if after else []), *after]
    assert read_profile(home, "staging-Developer")


# -- wrong answers ---------------------------------------------------------------------------------

def test_wrong_password_shows_oktas_message(org, sts, home, run_cli):
    result = run_cli("--username", org.scenario.username, "--password", "wrong-password")
    assert_failed(result, 1, "Okta: Unable to sign in: wrong username or password, or the account is locked.")
    assert "wrong-password" not in result.stderr + result.stdout
    assert org.primary_sign_ins() == ["authn:bad-password"]  # without a terminal: at once, no second try
    assert not (home / ".aws").exists()


def test_wrong_password_interactive_asks_again(org, sts, home, spawn_cli):
    org.scenario.factors = "none"
    child = spawn_cli("--username", org.scenario.username, "--password", "wrong-password")
    child.expect(r"Okta: Unable to sign in \(wrong username or password, or the account is locked\)\. Try again\.")
    child.expect("Password")
    child.sendline(org.scenario.password)
    child.expect("under the staging-Developer profile")
    finish(child)
    assert child.exitstatus == 0
    assert org.primary_sign_ins() == ["authn:bad-password", "authn:ok"]


def test_three_wrong_passwords_end_the_run(org, sts, home, spawn_cli):
    child = spawn_cli("--username", org.scenario.username, "--password", "wrong-1")
    for password in ("wrong-2", "wrong-3"):
        child.expect("Try again")
        child.expect("Password")
        child.sendline(password)
    child.expect(r"Okta: Unable to sign in \(3 tries\): wrong username or password, or the account is locked")
    finish(child)
    assert child.exitstatus == 1
    assert org.primary_sign_ins() == ["authn:bad-password"] * 3
    assert not (home / ".aws").exists()


def test_wrong_code_without_tty_fails(org, sts, home, run_cli, login_args):
    result = run_cli(*login_args(), "--otp", "135791")
    assert_failed(result, 1, "did not accept the verification code")
    assert "135791" not in result.stderr
    assert org.events.count("verify:totp:bad") == 1
    assert not (home / ".aws").exists()


def test_wrong_code_interactive_asks_again(org, sts, home, spawn_cli, login_args):
    child = spawn_cli(*login_args(), "--otp", "135791")
    child.expect("Verification code")
    child.sendline("111111")
    child.expect(r"Okta: ([^\r\n]*)\r?\n")  # a whole line (a progress line "Okta: ..." is rewritten, never ended)
    # Okta's "Please try again." is not doubled by our own "Try again."
    assert child.match.group(1) == "Your passcode doesn't match our records. Try again."
    child.expect("Verification code")
    child.sendline(totp_now(org.scenario.totp_secret))
    child.expect("under the staging-Developer profile")
    finish(child)
    assert child.exitstatus == 0
    assert org.events.count("verify:totp:bad") == 2 and "verify:totp:ok" in org.events


def test_wrong_code_three_times_gives_up(org, sts, home, spawn_cli, login_args):
    child = spawn_cli(*login_args(), "--otp", "135791")
    for code in ("111111", "222222"):
        child.expect("Verification code")
        child.sendline(code)
    child.expect("after 3 tries")
    finish(child)
    assert child.exitstatus == 1
    assert org.events.count("verify:totp:bad") == 3


# -- no terminal, env fallbacks ----------------------------------------------------------------------

def test_missing_password_without_tty_names_flag(org, sts, home, run_cli):
    result = run_cli("--username", org.scenario.username)
    assert_failed(result, 2, "--password", "AWS_STS_PASSWORD")


def test_missing_username_without_tty_names_flag(org, sts, home, run_cli):
    assert_failed(run_cli(), 2, "--username", "AWS_STS_USERNAME")


def test_needed_code_without_tty_names_flag(org, sts, home, run_cli, login_args):
    result = run_cli(*login_args())
    assert_failed(result, 2, "--otp")
    assert not (home / ".aws").exists()


def test_env_fallbacks(org, sts, home, run_cli):
    result = run_cli("--otp", totp_now(org.scenario.totp_secret),
                     env={"AWS_STS_USERNAME": org.scenario.username, "AWS_STS_PASSWORD": org.scenario.password})
    assert_ok(result)


def test_interactive_username_and_password_prompts(org, sts, home, spawn_cli):
    org.scenario.factors = "none"
    child = spawn_cli()
    child.expect("Username")
    child.sendline(org.scenario.username)
    child.expect("Password")
    child.sendline(org.scenario.password)
    child.expect("under the staging-Developer profile")
    finish(child)
    assert child.exitstatus == 0


# -- roles -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("wanted, arn, profile", [
    ("Admin", ADMIN, "staging-Admin"),
    ("Developer", DEV, "staging-Developer"),  # bare name: the chosen (default) account first
    (PROD_DEV, PROD_DEV, "production-Developer"),
    ("production/Developer", PROD_DEV, "production-Developer"),
    ("333333333333/ReadOnly", OTHER_RO, "333333333333-ReadOnly"),
])
def test_role_by_name_arn_and_account(org, sts, home, run_cli, login_args, wanted, arn, profile):
    org.scenario.factors = "none"
    org.scenario.roles = THREE_ROLES
    assert_ok(run_cli(*login_args(), "--role", wanted))
    assert [c["params"]["RoleArn"] for c in saml_calls(sts)] == [arn]
    assert read_profile(home, profile)["aws_access_key_id"].startswith("ASIA")


def test_bare_role_name_prefers_chosen_account(org, sts, home, run_cli, login_args, write_config):
    org.scenario.factors = "none"
    org.scenario.roles = THREE_ROLES
    write_config(accounts={"staging": {"accountNumber": STAGING},
                           "production": {"accountNumber": PRODUCTION, "idpEntryUrl": org.app_url}})
    assert_ok(run_cli(*login_args(), "--account", "production", "--role", "Developer"))
    assert [c["params"]["RoleArn"] for c in saml_calls(sts)] == [PROD_DEV]
    assert read_profile(home, "production-Developer")


def test_several_roles_without_role_or_tty_lists_choices(org, sts, home, run_cli, login_args):
    org.scenario.factors = "none"
    org.scenario.roles = THREE_ROLES
    result = run_cli(*login_args())
    assert_failed(result, 2, "--role", "staging/Developer", "staging/Admin")
    assert not saml_calls(sts)


def test_role_not_found_lists_choices(org, sts, home, run_cli, login_args):
    org.scenario.factors = "none"
    org.scenario.roles = THREE_ROLES
    result = run_cli(*login_args(), "--role", "Nope")
    assert_failed(result, 2, "matches none", "production/Developer", "333333333333/ReadOnly")


def test_role_picker(org, sts, home, spawn_cli, login_args):
    org.scenario.factors = "none"
    org.scenario.roles = THREE_ROLES
    child = spawn_cli(*login_args())
    child.expect("Choose a role")
    child.expect(f"staging \\({STAGING}\\)  Admin")  # the account's name and id are shown
    child.send("\x1b[B")  # arrow down: Developer -> Admin
    child.send("\r")
    child.expect("under the staging-Admin profile")
    finish(child)
    assert child.exitstatus == 0
    assert [c["params"]["RoleArn"] for c in saml_calls(sts)] == [ADMIN]


def test_role_picker_offers_other_accounts_after_the_chosen_one(org, sts, home, spawn_cli, login_args):
    org.scenario.factors = "none"
    org.scenario.roles = THREE_ROLES
    child = spawn_cli(*login_args())
    child.expect("Choose a role")
    child.expect(f"staging \\({STAGING}\\)  Developer.*staging \\({STAGING}\\)  Admin.*"
                 f"production \\({PRODUCTION}\\)  Developer.*333333333333  ReadOnly")
    child.send("\x1b[B" * 3)  # down to the fourth: another account's role
    child.send("\r")
    child.expect("under the 333333333333-ReadOnly profile")
    finish(child)
    assert child.exitstatus == 0
    assert [c["params"]["RoleArn"] for c in saml_calls(sts)] == [OTHER_RO]


def test_no_roles_in_assertion(org, sts, home, run_cli, login_args):
    org.scenario.factors = "none"
    org.scenario.include_role_attribute = False
    assert_failed(run_cli(*login_args()), 1, "No roles are assigned to your SAML account")


@pytest.mark.parametrize("prefix, provider_first", [("saml", True), ("", False), ("saml2", True)])
def test_role_order_and_namespace_prefix(org, sts, home, run_cli, login_args, prefix, provider_first):
    org.scenario.factors = "none"
    org.scenario.ns_prefix = prefix
    org.scenario.provider_first = provider_first
    assert_ok(run_cli(*login_args()))
    assert saml_calls(sts)[0]["params"]["PrincipalArn"] == DEV_P


# -- STS -------------------------------------------------------------------------------------------

def test_second_hop_into_account_without_entry_url(org, sts, home, run_cli, login_args, aws_cli):
    org.scenario.factors = "none"
    result = run_cli(*login_args(), "--account", "production")
    assert_ok(result)
    assert [c["action"] for c in sts.calls] == ["AssumeRoleWithSAML", "AssumeRole"]
    hop = sts.calls[1]["params"]
    assert hop["RoleArn"] == PROD_DEV and hop["RoleSessionName"] == org.scenario.username
    assert int(hop["DurationSeconds"]) <= 3600
    identity = aws_cli("sts", "get-caller-identity", "--profile", "production-Developer", "--output", "json")
    assert identity.returncode == 0, identity.stderr
    assert json.loads(identity.stdout)["Account"] == PRODUCTION


def test_account_with_own_entry_url_has_no_second_hop(org, sts, home, run_cli, login_args, write_config):
    org.scenario.factors = "none"
    org.scenario.roles = [(PROD_DEV, PROD_P)]
    write_config(accounts={"staging": STAGING, "production": {"accountNumber": PRODUCTION, "idpEntryUrl": org.app_url}})
    assert_ok(run_cli(*login_args(), "--account", "production"))
    assert [c["action"] for c in sts.calls] == ["AssumeRoleWithSAML"]
    assert read_profile(home, "production-Developer")


def test_session_duration_attribute_is_used(org, sts, home, run_cli, login_args):
    org.scenario.factors = "none"
    org.scenario.session_duration = 28800
    sts.max_session_duration[DEV] = 43200
    assert_ok(run_cli(*login_args()))
    assert [c["params"]["DurationSeconds"] for c in saml_calls(sts)] == ["28800"]


def test_session_duration_over_role_maximum_retries_at_3600(org, sts, home, run_cli, login_args):
    org.scenario.factors = "none"
    org.scenario.session_duration = 28800
    result = run_cli(*login_args())
    assert_ok(result)
    assert [c["params"]["DurationSeconds"] for c in saml_calls(sts)] == ["28800", "3600"]
    assert "3600" in result.stderr


def test_sts_refusal_is_one_line(org, sts, home, run_cli, login_args):
    org.scenario.factors = "none"
    sts.deny_roles.add(DEV)  # the role's trust policy refuses the SAML provider
    result = run_cli(*login_args())
    assert_failed(result, 1, "AWS STS refused AssumeRoleWithSAML", "AccessDenied", DEV)
    assert len(result.stderr.strip().splitlines()) == 2  # "Signing in..." and the error
    assert not (home / ".aws" / "credentials").exists()


def test_unreachable_sts(org, sts, home, run_cli, login_args):
    org.scenario.factors = "none"
    result = run_cli(*login_args(), env={"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9"})
    assert_failed(result, 1, "Could not call AWS STS", "127.0.0.1:9")
    assert len(result.stderr.strip().splitlines()) == 2


# -- credentials file ------------------------------------------------------------------------------

def test_other_profiles_and_comments_kept_byte_for_byte(org, sts, home, run_cli, login_args):
    org.scenario.factors = "none"
    aws = home / ".aws"
    aws.mkdir(mode=0o700)
    before = ("# my keys\n[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = abc\n\n"
              "; old one\n[staging-Developer]\naws_access_key_id = OLD\nmfa_serial = keep-me\n\n"
              "[zeta]\nregion=eu-west-1\n")
    (aws / "credentials").write_text(before)
    assert_ok(run_cli(*login_args()))
    after = (aws / "credentials").read_text()
    head, _, tail = before.partition("[staging-Developer]")
    assert after.startswith(head + "[staging-Developer]\n")
    assert after.endswith("\n\n[zeta]\nregion=eu-west-1\n")
    assert "mfa_serial = keep-me" in after and "OLD" not in after


def test_unparsable_credentials_file_is_left_untouched(org, sts, home, run_cli, login_args):
    org.scenario.factors = "none"
    aws = home / ".aws"
    aws.mkdir()
    before = "[default]\naws_access_key_id = AKIA\nthis line is garbage\n"
    (aws / "credentials").write_text(before)
    result = run_cli(*login_args())
    assert_failed(result, 2, "line 3")
    assert (aws / "credentials").read_text() == before


# -- config and start-up ---------------------------------------------------------------------------

def test_help_without_config(home, cli_env, tmp_path):
    import subprocess

    from tests.e2e.conftest import AWS_STS

    env = {k: v for k, v in cli_env.items() if k != "AWS_STS_CONFIG"}
    result = subprocess.run([AWS_STS, "--help"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0 and "--account" in result.stdout and "--otp" in result.stdout


def test_help_lists_config_accounts(run_cli):
    result = run_cli("--help")
    assert_ok(result)
    assert "{staging,production}" in result.stdout


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_import_nothing_heavy(cli_env, write_config, flag):
    import sys

    write_config()
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "aws_sts", flag], env=cli_env,
                            capture_output=True, text=True)
    assert result.returncode == 0 and "aws-sts" in result.stdout
    imported = {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines() if "|" in line}
    assert "aws_sts" in imported
    assert not imported & {"boto3", "botocore", "playwright", "questionary", "prompt_toolkit"}


def test_broken_config_names_key(org, run_cli, write_config):
    write_config(defaultAccount="qa")
    assert_failed(run_cli("--username", "x", "--password", "y"), 2, "defaultAccount", "config.json")


def test_unreachable_idp(org, sts, home, run_cli, login_args, write_config):
    write_config(idpEntryUrl="http://127.0.0.1:9/home/amazon_aws/x/272")
    assert_failed(run_cli(*login_args()), 1, "Cannot reach the sign-in page")


# -- interruption and failure artifacts ------------------------------------------------------------

def test_ctrl_c_at_prompt(org, sts, home, spawn_cli):
    child = spawn_cli()
    child.expect("Username")
    child.sendintr()
    child.expect("interrupted")
    finish(child)
    assert child.exitstatus == 130 or child.signalstatus == signal.SIGINT


def test_ctrl_c_while_waiting_for_push_leaves_file(org, sts, home, spawn_cli, login_args):
    org.scenario.factors = "push"
    org.scenario.push_waits = 10_000
    aws = home / ".aws"
    aws.mkdir()
    (aws / "credentials").write_text("[default]\nregion = x\n")
    child = spawn_cli(*login_args())
    child.expect("push sent")
    browser_processes = descendants(child.pid)
    assert len(browser_processes) >= 2  # Playwright's driver and Chromium
    os.kill(child.pid, signal.SIGINT)  # to aws-sts alone: it must close the browser itself
    child.expect("interrupted")
    finish(child)
    assert child.exitstatus == 130
    assert (aws / "credentials").read_text() == "[default]\nregion = x\n"
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in browser_processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in browser_processes if alive(pid)]


def test_timeout_saves_artifacts_without_secrets(org, sts, home, run_cli, login_args, write_config):
    org.scenario.factors = "push"
    org.scenario.push_waits = 10_000  # the push is never answered
    write_config(timeoutSeconds=8)  # long enough to reach the push page on a loaded machine
    result = run_cli(*login_args())
    assert_failed(result, 1, "Timed out after 8 s", "Okta Verify push", "aws-sts-debug", "--debug")
    folder = home / ".aws" / "aws-sts-debug"
    files = sorted(folder.iterdir())
    assert {f.suffix for f in files} == {".png", ".html"}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    html = next(f for f in files if f.suffix == ".html").read_text()
    assert "mfa-verify-push" in html  # it is the page we were stuck on
    for f in files:
        assert org.scenario.password.encode() not in f.read_bytes()


def test_unknown_page_names_it_and_saves_artifacts(org, sts, home, run_cli, login_args):
    org.scenario.factors = "question"  # a security question: aws-sts does not answer it
    result = run_cli(*login_args())
    assert_failed(result, 1, 'Okta shows a page titled "Security Question"', "aws-sts cannot answer",
                  "aws-sts-debug", "--debug")
    folder = home / ".aws" / "aws-sts-debug"
    files = sorted(folder.iterdir())
    assert {f.suffix for f in files} == {".png", ".html"}
    for f in files:
        assert org.scenario.password.encode() not in f.read_bytes()


def test_unknown_page_under_a_display_is_handed_to_the_user_and_closing_it_ends_the_run(
        org, sts, home, cli_env, login_args, display):
    """The Okta provider hands a page it does not know to the user when there is a display (Xvfb here); the
    user closing the window (ctrl+w, the test playing the user) ends the run with one plain line."""
    from tests.e2e.conftest import AWS_STS

    org.scenario.factors = "question"
    (home / "config.json").write_text(json.dumps(config_for(org)))
    child = subprocess.Popen([AWS_STS, *login_args()], env={**cli_env, "DISPLAY": display}, cwd=home, text=True,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        said = child.stderr.readline() + child.stderr.readline()
        assert "Okta shows a page titled" in said and "finish signing in in the browser window" in said, said
        play_user(display, "Chromium", "ctrl+w")  # whatever page the window shows
        out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 1, err
    assert "The browser window was closed before the sign-in finished" in err and "Traceback" not in err
    assert not (home / ".aws" / "credentials").exists()


def test_wrong_inline_code_interactive_asks_again(org, sts, home, spawn_cli, login_args):
    org.scenario.factors = "push+totp"
    child = spawn_cli(*login_args(), "--otp", "135791")
    child.expect("Verification code")
    child.sendline(totp_now(org.scenario.totp_secret))
    child.expect("under the staging-Developer profile")
    finish(child)
    assert child.exitstatus == 0
    assert org.events.count("verify:totp:bad") == 1 and "verify:totp:ok" in org.events
    assert "push:sent" not in org.events


def test_debug_without_display_stays_headless_and_says_so(org, sts, home, run_cli, login_args):
    org.scenario.factors = "none"
    result = run_cli(*login_args(), "--debug", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert_ok(result)
    assert "no display" in result.stderr and "xvfb-run" in result.stderr


def test_debug_failure_shows_traceback_without_secrets(org, sts, home, run_cli):
    result = run_cli("--username", org.scenario.username, "--password", "wrong-Passw0rd", "--debug",
                     env={"DISPLAY": ""})
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "AuthenticationError" in result.stderr
    assert "wrong-Passw0rd" not in result.stderr + result.stdout
