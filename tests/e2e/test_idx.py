"""End to end against the fake org in Okta Identity Engine mode: the installed CLI, the real OIE widget.

The org runs the Identity Engine (scenario.engine == "oie"); aws-sts has no setting for it and must
recognise the pages by itself. stdin is not a TTY unless the test uses spawn_cli (pexpect).
"""

from __future__ import annotations

import re
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakes.okta_org import totp_now
from tests.helpers import THOROUGH, assert_failed, assert_ok, finish, read_profile

PROFILE = "staging-Developer"
CLASSIC_EVENTS = ("authn:", "verify:push")  # none of the Classic Authentication API may be used


@pytest.fixture(params=["gen2", "gen3"], autouse=True)
def widget(request, org):
    """Every test here runs on both widget generations: the same IDX answers, different pages."""
    org.scenario.widget = request.param
    return request.param


def oie(org, **knobs):
    """Switch the org to the Identity Engine and set scenario fields (shared and oie_* ones)."""
    org.scenario.engine = "oie"
    for name, value in knobs.items():
        if not hasattr(org.scenario, name) and not name.startswith("oie_"):
            raise AttributeError(name)
        setattr(org.scenario, name, value)
    return org.scenario


def signed_in(result, home, org, stay_signed_in=False):
    assert_ok(result)
    profile = read_profile(home, PROFILE)
    assert profile["aws_access_key_id"]
    assert "saml:issued" in org.events and "idx:token-redirect" in org.events
    assert not [e for e in org.events if e.startswith(CLASSIC_EVENTS)], org.events
    # "Keep me signed in" left unticked, unless config.json says staySignedIn
    assert f"idx:remember-me:{str(stay_signed_in).lower()}" in org.events


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
    assert_failed(result, 1, "Okta: Authentication failed", "wrong username or password", ignore_case=True)
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
    assert_failed(result, 1, "launch-authenticator", "--debug", "cannot answer", ignore_case=True)
    assert_artifacts_clean(home, org)


def test_security_key_page_is_unknown(org, sts, home, run_cli, login_args):
    oie(org, oie_authenticators=["webauthn"])
    result = run_cli(*login_args())
    assert_failed(result, 1, "Security Key", "--debug", ignore_case=True)


def test_list_without_any_method_it_can_do(org, sts, home, run_cli, login_args):
    oie(org, oie_authenticators=["webauthn", "okta_verify_fastpass"])
    result = run_cli(*login_args(), "--otp", "123456")
    assert_failed(result, 1, "FastPass", "Security Key", "--debug", ignore_case=True)
    assert_artifacts_clean(home, org)
    assert "idx:select-authenticator" not in org.events


# -- interstitials: skipped, never filled ------------------------------------------------------------------

SKIPPABLE = ["password-expiry-warning", "passkey-promotion", "enroll-optional", "enroll-grace-period",
             "device-assurance-grace-period"]
SKIP_LINES = {"password-expiry-warning": "your password expires in 4 days — skipped; change it soon",
              "passkey-promotion": "passkey — skipped", "enroll-optional": "security method — skipped",
              "enroll-grace-period": "security method — skipped", "device-assurance-grace-period": "— continued"}


def nothing_filled_on_interstitials(org):
    assert not [e for e in org.events if e.startswith(("idx:form-submitted:", "idx:skip-refused:"))], org.events


@pytest.mark.parametrize("page", SKIPPABLE)
def test_interstitial_before_the_second_factor_is_skipped(org, sts, home, run_cli, login_args, page):
    scenario = oie(org, factors="totp", oie_before_mfa=[page])
    result = run_cli(*login_args(), "--otp", totp_now(scenario.totp_secret))
    signed_in(result, home, org)
    assert f"idx:skip:{page}" in org.events and "verify:totp:ok" in org.events
    nothing_filled_on_interstitials(org)
    assert "Okta: " in result.stderr and SKIP_LINES[page] in result.stderr, result.stderr


INTERSTITIALS = st.lists(st.sampled_from(SKIPPABLE), max_size=3)


@pytest.mark.parametrize("page", SKIPPABLE)
def test_the_same_interstitial_twice_in_a_row_is_skipped_twice(org, sts, home, run_cli, login_args, page):
    oie(org, factors="none", oie_before_mfa=[page, page])
    result = run_cli(*login_args())
    signed_in(result, home, org)
    assert [e for e in org.events if e.startswith("idx:skip:")] == [f"idx:skip:{page}"] * 2, org.events
    assert result.stderr.count("Okta: ") == 2, result.stderr
    nothing_filled_on_interstitials(org)


def test_okta_answering_the_skip_with_the_same_page_again(org, sts, home, run_cli, login_args, widget):
    """An answer identical to the one before is not drawn by the second-generation widget (its
    AppState.shouldReRenderView: "the pipeline did not proceed"): it stays "saving" on the page already
    skipped, as it would for a user. A clear error within seconds, not a wait for the timeout; the third
    generation draws it again, and it is skipped again."""
    oie(org, factors="none", oie_before_mfa=["device-assurance-grace-period"] * 2, oie_same_reminder=True)
    result = run_cli(*login_args(), timeout=60)
    if widget == "gen3":
        signed_in(result, home, org)
        assert org.events.count("idx:skip:device-assurance-grace-period") == 2, org.events
        return
    assert_failed(result, 1, "Okta answered the skip with the same page again", "Finish signing in in a browser")
    assert org.events.count("idx:skip:device-assurance-grace-period") == 1, org.events
    assert not (home / ".aws" / "credentials").exists()


@settings(max_examples=12 if THOROUGH else 5, deadline=None, suppress_health_check=list(HealthCheck))
@given(before=INTERSTITIALS, after=INTERSTITIALS, factors=st.sampled_from(["totp", "push", "none"]), kmsi=st.booleans())
def test_any_string_of_interstitials_around_the_second_factor_is_skipped(
        org, sts, home, run_cli, login_args, before, after, factors, kmsi):
    org.reset()
    (home / ".aws").exists() and shutil.rmtree(home / ".aws")
    scenario = oie(org, factors=factors, oie_before_mfa=before, oie_after_mfa=after, oie_kmsi_prompt=kmsi)
    result = run_cli(*login_args(), *(["--otp", totp_now(scenario.totp_secret)] if factors == "totp" else []))
    signed_in(result, home, org)
    skipped = [e.split(":", 2)[2] for e in org.events if e.startswith("idx:skip:")]
    assert skipped == before + after, org.events
    assert result.stderr.count("Okta: ") == len(before) + len(after), result.stderr
    nothing_filled_on_interstitials(org)


@pytest.mark.parametrize("page, words", [
    ("password-expired", "Your password has expired"),
    ("enroll-required", "You must set up another security method"),
    ("unlock-account", "Your account is locked"),
])
def test_a_page_that_cannot_be_skipped_says_what_okta_wants(org, sts, home, run_cli, login_args, page, words):
    oie(org, factors="totp", oie_before_mfa=[page])
    result = run_cli(*login_args(), "--otp", "123456")
    assert_failed(result, 1, words, "Finish that in a browser")
    nothing_filled_on_interstitials(org)
    assert f"idx:skip:{page}" not in org.events and "verify:totp:ok" not in org.events
    assert not (home / ".aws" / "credentials").exists()


# -- codes sent by email and SMS ------------------------------------------------------------------------------

@pytest.mark.parametrize("authenticators, challenge, sent", [
    (["okta_email"], "idx:challenge:okta_email:email", "by email to"),
    (["phone_sms"], "idx:challenge:phone_number:sms", "by text message to"),
    (["phone_voice"], "idx:challenge:phone_number:voice", "by voice call to"),
    (["phone_sms", "phone_voice"], "idx:challenge:phone_number:sms", "by text message to"),
])
def test_code_sent_by_email_or_phone_with_otp(org, sts, home, run_cli, login_args, authenticators, challenge, sent):
    scenario = oie(org, oie_authenticators=authenticators)
    result = run_cli(*login_args(), "--otp", totp_now(scenario.totp_secret))
    signed_in(result, home, org)
    assert challenge in org.events and "verify:totp:ok" in org.events
    assert f"Okta sent a code {sent}" in result.stderr


@pytest.mark.parametrize("authenticators", [["okta_email"], ["phone_sms"]])
def test_sent_code_without_otp_or_terminal_names_the_flag_and_never_uses_the_totp_secret(
        org, sts, home, run_cli, login_args, authenticators):
    scenario = oie(org, oie_authenticators=authenticators)
    result = run_cli(*login_args(), env={"AWS_STS_TOTP_SECRET": scenario.totp_secret})
    assert_failed(result, 2, "--otp", "AWS_STS_TOTP_SECRET makes authenticator app codes")
    assert not [e for e in org.events if e.startswith("verify:")], org.events
    assert not (home / ".aws" / "credentials").exists()


def test_email_code_typed_at_the_prompt_after_a_wrong_one(org, sts, home, spawn_cli, login_args):
    scenario = oie(org, oie_authenticators=["okta_email"], oie_identifier_first=True)
    child = spawn_cli(*login_args(), env={"AWS_STS_TOTP_SECRET": scenario.totp_secret})
    child.expect("Okta sent a code by email")
    child.expect("Code from the email")
    child.sendline("000000")
    child.expect("Code from the email")
    child.sendline(totp_now(scenario.totp_secret))
    child.expect(PROFILE)
    finish(child, 0)
    assert org.events.count("verify:totp:bad") == 1 and "verify:totp:ok" in org.events


def test_totp_secret_prefers_the_app_over_email(org, sts, home, run_cli, login_args):
    scenario = oie(org, oie_authenticators=["okta_email", "google_otp"])
    result = run_cli(*login_args(), env={"AWS_STS_TOTP_SECRET": scenario.totp_secret})
    signed_in(result, home, org)
    assert "idx:challenge:google_otp:otp" in org.events and "idx:challenge:okta_email:email" not in org.events


# -- Okta's terminal answers ------------------------------------------------------------------------------

@pytest.mark.parametrize("terminal, after, words", [
    ("not-assigned", "identify", ["User is not assigned to this application.", "assign you the AWS app"]),
    ("not-assigned", "password", ["User is not assigned to this application.", "assign you the AWS app"]),
    ("access-denied", "password", ["You do not have permission", "administrator"]),
    ("access-denied", "mfa", ["You do not have permission", "administrator"]),
    ("session-expired", "mfa", ["logged out due to inactivity", "run aws-sts again"]),
    ("rate-limited", "identify", ["Too many requests", "wait a minute"]),
])
def test_oktas_terminal_answer_is_quoted_and_blames_nothing_typed(org, sts, home, run_cli, login_args,
                                                                   terminal, after, words):
    scenario = oie(org, factors="totp", oie_terminal=terminal, oie_terminal_after=after)
    result = run_cli(*login_args(), "--otp", totp_now(scenario.totp_secret), timeout=30)
    err = assert_failed(result, 1, *words)
    assert f"idx:terminal:{terminal}" in org.events
    assert "password" not in err.lower() and "code" not in err.lower() and "--debug" not in err
    assert not (home / ".aws" / "credentials").exists() and "saml:issued" not in org.events


# -- a wrong password, Stay signed in, FastPass probing ------------------------------------------------------

def test_wrong_password_is_asked_again_on_a_terminal(org, sts, home, spawn_cli):
    scenario = oie(org, factors="totp", oie_identifier_first=True)
    child = spawn_cli("--username", scenario.username, "--password", "wrong-one",
                      "--otp", totp_now(scenario.totp_secret))
    child.expect("wrong username or password")
    child.expect("Password:")
    child.sendline(scenario.password)
    child.expect(PROFILE)
    finish(child, 0)
    assert org.events.count("idx:password:bad") == 1 and "idx:password:ok" in org.events


def test_stay_signed_in_accepted_skips_the_second_factor_next_time(org, sts, home, run_cli, login_args,
                                                                   write_config):
    write_config(staySignedIn=True)
    scenario = oie(org, factors="totp", oie_kmsi_prompt=True)
    signed_in(run_cli(*login_args(), "--otp", totp_now(scenario.totp_secret)), home, org, stay_signed_in=True)
    assert "idx:keep-me-signed-in:true" in org.events
    org.end_sessions()  # the Okta session ends; the device stays remembered
    org.events.clear()
    result = run_cli(*login_args())  # no code given, no terminal: Okta must not ask for one
    assert_ok(result)
    assert "idx:mfa-skipped:kmsi" in org.events and "idx:identify" in org.events


def test_stay_signed_in_must_be_true_or_false(org, run_cli, write_config):
    write_config(staySignedIn="yes")
    assert_failed(run_cli(), 2, "staySignedIn", "true or false")


def test_fastpass_probing_with_nothing_listening_carries_on(org, sts, home, run_cli, login_args):
    scenario = oie(org, factors="totp", oie_device_probe=True)
    result = run_cli(*login_args(), "--otp", totp_now(scenario.totp_secret))
    signed_in(result, home, org)
    assert "idx:device-probe" in org.events and "idx:device-probe:cancelled" in org.events
