"""End to end against the fake org in Okta Identity Engine mode: the installed CLI, the real OIE widget.

The org runs the Identity Engine (scenario.engine == "oie"); aws-sts has no setting for it and must
recognise the pages by itself. stdin is not a TTY unless the test uses spawn_cli (pexpect).
"""

from __future__ import annotations

import re

from tests.fakes.okta_org import totp_now
from tests.helpers import assert_failed, assert_ok, finish, read_profile

PROFILE = "staging-Developer"
CLASSIC_EVENTS = ("authn:", "verify:push")  # none of the Classic Authentication API may be used


def oie(org, **knobs):
    """Switch the org to the Identity Engine and set scenario fields (shared and oie_* ones)."""
    org.scenario.engine = "oie"
    for name, value in knobs.items():
        if not hasattr(org.scenario, name) and not name.startswith("oie_"):
            raise AttributeError(name)
        setattr(org.scenario, name, value)
    return org.scenario


def signed_in(result, home, org):
    assert_ok(result)
    profile = read_profile(home, PROFILE)
    assert profile["aws_access_key_id"]
    assert "saml:issued" in org.events and "idx:token-redirect" in org.events
    assert not [e for e in org.events if e.startswith(CLASSIC_EVENTS)], org.events
    assert "idx:remember-me:false" in org.events  # "Keep me signed in" left unticked


# -- sign-in pages --------------------------------------------------------------------------------

def test_identifier_and_password_on_one_page_no_mfa(org, sts, home, run_cli, login_args):
    oie(org, factors="none")
    result = run_cli(*login_args())
    signed_in(result, home, org)
    assert "idx:password:ok" in org.events and "idx:mfa-required" not in org.events


def test_identifier_first_then_password_page(org, sts, home, run_cli, login_args):
    oie(org, factors="none", oie_identifier_first=True)
    result = run_cli(*login_args())
    signed_in(result, home, org)


def test_wrong_password_one_page(org, sts, home, run_cli):
    oie(org)
    result = run_cli("--username", org.scenario.username, "--password", "not-the-password", "--otp", "123456")
    assert_failed(result, 1, "Okta: Unable to sign in", ignore_case=True)
    assert org.events.count("idx:password:bad") == 1 and "idx:mfa-required" not in org.events


def test_wrong_password_on_password_page(org, sts, home, run_cli):
    oie(org, oie_identifier_first=True)
    result = run_cli("--username", org.scenario.username, "--password", "not-the-password", "--otp", "123456")
    assert_failed(result, 1, "Okta: Password is incorrect", ignore_case=True)


def test_locked_account(org, sts, home, run_cli, login_args):
    oie(org, locked_out=True)
    result = run_cli(*login_args(), "--otp", "123456")
    assert_failed(result, 1, "locked", ignore_case=True)
    assert "idx:locked-out" in org.events


# -- codes ----------------------------------------------------------------------------------------

def test_google_authenticator_code(org, sts, home, run_cli, login_args):
    scenario = oie(org, factors="totp")
    result = run_cli(*login_args(), "--otp", totp_now(scenario.totp_secret))
    signed_in(result, home, org)
    assert "idx:challenge:google_otp:otp" in org.events and "verify:totp:ok" in org.events


def test_okta_verify_code(org, sts, home, run_cli, login_args):
    scenario = oie(org, factors="okta_totp", oie_identifier_first=True)
    result = run_cli(*login_args(), "--otp", totp_now(scenario.totp_secret))
    signed_in(result, home, org)
    assert "idx:challenge:okta_verify:totp" in org.events and "verify:totp:ok" in org.events


def test_wrong_code_without_terminal_stops_at_once(org, sts, home, run_cli, login_args):
    oie(org, factors="totp")
    result = run_cli(*login_args(), "--otp", "000000")
    assert_failed(result, 1, "did not accept the verification code", "Invalid code", ignore_case=True)
    assert org.events.count("verify:totp:bad") == 1
    assert not (home / ".aws" / "credentials").exists()


def test_code_needed_without_terminal_names_the_flag(org, sts, home, run_cli, login_args):
    oie(org, factors="totp")
    result = run_cli(*login_args())
    assert result.returncode == 2, result.stderr
    assert "--otp" in result.stderr


def test_wrong_code_is_asked_again_on_a_terminal(org, sts, home, spawn_cli, login_args):
    scenario = oie(org, factors="okta_totp")
    child = spawn_cli(*login_args(), "--otp", "000000")
    child.expect("Invalid code")
    child.expect("Okta Verify code")
    child.sendline("111111")
    child.expect("Invalid code")
    child.expect("Okta Verify code")
    child.sendline(totp_now(scenario.totp_secret))
    child.expect(PROFILE)
    finish(child, 0)
    assert org.events.count("verify:totp:bad") == 2 and "verify:totp:ok" in org.events


def test_wrong_code_three_times_on_a_terminal(org, sts, home, spawn_cli, login_args):
    oie(org, factors="totp")
    child = spawn_cli(*login_args())
    child.expect("Google Authenticator code")
    child.sendline("000000")
    for bad in ("111111", "222222"):
        child.expect("Invalid code")
        child.expect("Google Authenticator code")
        child.sendline(bad)
    child.expect("after 3 tries")
    finish(child, 1)
    assert org.events.count("verify:totp:bad") == 3


# -- Okta Verify push -----------------------------------------------------------------------------

def test_push_approved(org, sts, home, run_cli, login_args):
    oie(org, factors="push", push_waits=2)
    result = run_cli(*login_args())
    signed_in(result, home, org)
    assert "push sent" in result.stderr
    assert org.events.count("push:waiting") == 2 and "push:approved" in org.events


def test_push_number_challenge_is_printed(org, sts, home, run_cli, login_args):
    oie(org, factors="push", number_challenge=73, push_waits=2)
    result = run_cli(*login_args())
    signed_in(result, home, org)
    assert re.search(r"tap 73\b", result.stderr), result.stderr


def test_push_rejected(org, sts, home, run_cli, login_args):
    oie(org, factors="push", push_result="reject")
    result = run_cli(*login_args())
    assert_failed(result, 1, "push was not approved", "reject", ignore_case=True)
    assert "push:rejected" in org.events


def test_push_timeout(org, sts, home, run_cli, login_args):
    oie(org, factors="push", push_result="timeout")
    result = run_cli(*login_args())
    assert_failed(result, 1, "push was not approved", "expired", ignore_case=True)
    assert "push:timeout" in org.events


# -- the list of security methods -------------------------------------------------------------------

def test_list_with_otp_picks_a_code(org, sts, home, run_cli, login_args):
    scenario = oie(org, oie_authenticators=["okta_verify_push", "google_otp"], oie_identifier_first=True)
    result = run_cli(*login_args(), "--otp", totp_now(scenario.totp_secret))
    signed_in(result, home, org)
    assert "idx:challenge:google_otp:otp" in org.events and "push:sent" not in org.events


def test_list_without_otp_picks_push(org, sts, home, run_cli, login_args):
    oie(org, oie_authenticators=["google_otp", "okta_verify_totp", "okta_verify_push"])
    result = run_cli(*login_args())
    signed_in(result, home, org)
    assert "idx:challenge:okta_verify:push" in org.events and "push:approved" in org.events
    assert "Okta Verify: get a push notification" in result.stderr


def test_list_with_a_single_okta_verify_method(org, sts, home, run_cli, login_args):
    # Okta Verify offering one method is one row, "Okta Verify", that does not say which: without --otp
    # it is the one to take (it may be a push); the page after it tells.
    oie(org, oie_authenticators=["google_otp", "okta_verify_push"], number_challenge=18)
    result = run_cli(*login_args())
    signed_in(result, home, org)
    assert "idx:challenge:okta_verify:push" in org.events and "tap 18" in result.stderr


def test_list_okta_verify_push_and_code_with_otp(org, sts, home, run_cli, login_args):
    scenario = oie(org, factors="push+totp")
    result = run_cli(*login_args(), "--otp", totp_now(scenario.totp_secret))
    signed_in(result, home, org)
    assert "idx:challenge:okta_verify:totp" in org.events and "push:sent" not in org.events


def test_interactive_choice_between_code_and_push(org, sts, home, spawn_cli, login_args):
    scenario = oie(org, oie_authenticators=["google_otp", "okta_verify_totp", "okta_verify_push"])
    child = spawn_cli(*login_args())
    child.expect("Verify with")
    child.expect("Google Authenticator")
    child.send("\x1b[B")  # down: Okta Verify, enter a code
    child.send("\r")
    child.expect("Okta Verify code")
    child.sendline(totp_now(scenario.totp_secret))
    child.expect(PROFILE)
    finish(child, 0)
    assert "idx:challenge:okta_verify:totp" in org.events and "push:sent" not in org.events


def test_keep_me_signed_in_question_is_declined(org, sts, home, run_cli, login_args):
    oie(org, factors="push", oie_kmsi_prompt=True)
    result = run_cli(*login_args())
    signed_in(result, home, org)
    assert "idx:keep-me-signed-in:false" in org.events


# -- pages aws-sts cannot answer ----------------------------------------------------------------------

def debug_files(home):
    folder = home / ".aws" / "aws-sts-debug"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def assert_artifacts_clean(home, org):
    files = debug_files(home)
    assert any(f.suffix == ".png" for f in files) and any(f.suffix == ".html" for f in files), files
    for f in files:
        if f.suffix == ".html":
            text = f.read_text()
            assert org.scenario.password not in text
            for token in org.idx.state_tokens():
                assert token not in text


def test_fastpass_page_is_unknown(org, sts, home, run_cli, login_args):
    oie(org, oie_authenticators=["okta_verify_fastpass"])
    result = run_cli(*login_args())
    assert_failed(result, 1, "Sign in with Okta FastPass", "--debug", "cannot answer", ignore_case=True)
    assert_artifacts_clean(home, org)


def test_phone_page_is_unknown(org, sts, home, run_cli, login_args):
    oie(org, oie_authenticators=["phone_sms"])
    result = run_cli(*login_args())
    assert_failed(result, 1, "Verify with your phone", "--debug", ignore_case=True)
    assert_artifacts_clean(home, org)


def test_security_key_page_is_unknown(org, sts, home, run_cli, login_args):
    oie(org, oie_authenticators=["webauthn"])
    result = run_cli(*login_args())
    assert_failed(result, 1, "Security Key", "--debug", ignore_case=True)


def test_list_without_any_method_it_can_do(org, sts, home, run_cli, login_args):
    oie(org, oie_authenticators=["phone_sms", "webauthn"])
    result = run_cli(*login_args(), "--otp", "123456")
    assert_failed(result, 1, "Phone", "Security Key", "--debug", ignore_case=True)
    assert_artifacts_clean(home, org)
    assert "idx:select-authenticator" not in org.events
