"""aws_sts.sts over real HTTP: real boto3 against the fake STS and its fault modes (no Stubber, no mocks).

Every failure is one StsError line that quotes no assertion and no issued key (nor does its traceback);
transient faults are retried; the whole phase ends within its timeout."""

from __future__ import annotations

import base64
import os
import socket
import time
import traceback
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aws_sts import saml, sts
from aws_sts.errors import StsError
from tests.fakes.sts_server import FakeSts
from tests.helpers import DEV, PROD_DEV, STAGING, assertion, examples

UNREADABLE = "AWS STS sent an answer aws-sts could not read"
NO_CREDENTIALS = (b'<AssumeRoleWithSAMLResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                  b"<AssumeRoleWithSAMLResult></AssumeRoleWithSAMLResult></AssumeRoleWithSAMLResponse>")


@pytest.fixture(autouse=True)
def clean_aws_env(monkeypatch, tmp_path):
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setattr(sts, "BACKOFF_SECONDS", 0.02)  # real backoff, just short: the fake needs no rest


@pytest.fixture
def fake(monkeypatch):
    with FakeSts() as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", server.endpoint_url)
        yield server


def login(duration=None):
    """A parsed assertion (with SessionDuration when given) and its Developer role."""
    b64 = assertion()
    if duration:
        xml = base64.b64decode(b64).decode().replace(
            "</saml2:AttributeStatement>",
            '<saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration">'
            f"<saml2:AttributeValue>{duration}</saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement>")
        b64 = base64.b64encode(xml.encode()).decode()
    parsed = saml.parse_assertion(b64)
    return parsed, next(role for role in parsed.roles if role.arn == DEV)


def secrets_of(fake, parsed):
    """Everything that must never show: the assertion and every key the fake issued."""
    issued = [value for session in fake.sessions.values() for value in (session["secret"], session["token"])]
    return [parsed.b64, *issued]


def assert_clean(error: StsError, secrets) -> None:
    """One line; no secret in the message or anywhere in the printed exception (its chain included)."""
    message = str(error)
    printed = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    assert message and "\n" not in message
    assert "unexpected" not in message
    assert error.__cause__ is None and error.__context__ is None  # nothing rides along
    for secret in secrets:
        for piece in (secret, secret[:24], secret[-24:]):  # nor a recognisable part of one
            assert piece not in message and piece not in printed


def attempts(fake) -> int:
    return sum(1 for call in fake.calls if call["action"] == "AssumeRoleWithSAML")


# --- the normal path ----------------------------------------------------------------------------------

def test_assume_role_with_saml_and_second_hop(fake):
    parsed, role = login()
    first = sts.assume_role_with_saml(parsed, role, "us-east-1")
    assert first.assumed_role_arn == f"arn:aws:sts::{STAGING}:assumed-role/Developer/alice@example.com"
    assert first.credentials.secret_access_key in secrets_of(fake, parsed)
    assert first.credentials.expiration > datetime.now(timezone.utc)
    second = sts.assume_role_in_account(first, role, "210987654321", "us-east-1")
    assert second.role_arn == PROD_DEV and second.assumed_role_arn.endswith("/Developer/alice@example.com")
    assert [c["action"] for c in fake.calls] == ["AssumeRoleWithSAML", "AssumeRole"]


def test_duration_over_the_role_maximum_retried_at_3600(fake):
    parsed, role = login(duration=28800)
    said = []
    result = sts.assume_role_with_saml(parsed, role, "us-east-1", say=said.append)
    assert result.credentials.access_key_id
    assert [c["params"]["DurationSeconds"] for c in fake.calls] == ["28800", "3600"]
    assert said and "3600" in said[0]


def test_broken_credentials_file_and_missing_profile_are_not_read(fake, monkeypatch, tmp_path):
    monkeypatch.setattr(sts, "_SESSION", [])  # a fresh boto3 session, as in a new process
    monkeypatch.setattr(sts, "_CLIENTS", {})
    broken = tmp_path / "credentials"
    broken.write_text("this is [not an ini file\n= at all")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(broken))
    monkeypatch.setenv("AWS_PROFILE", "the-profile-we-are-about-to-create")
    parsed, role = login()
    first = sts.assume_role_with_saml(parsed, role, "us-east-1")
    assert sts.assume_role_in_account(first, role, "210987654321", "us-east-1").role_arn == PROD_DEV


def test_refusal_is_not_retried(fake):
    fake.deny_roles.add(DEV)
    parsed, role = login()
    with pytest.raises(StsError) as info:
        sts.assume_role_with_saml(parsed, role, "us-east-1")
    assert str(info.value).startswith(f"AWS STS refused AssumeRoleWithSAML for {DEV}: AccessDenied")
    assert_clean(info.value, secrets_of(fake, parsed))
    assert attempts(fake) == 1


# --- fault modes: retried, then one clean line ----------------------------------------------------------

@pytest.mark.parametrize("fault, words", [
    ("truncated", UNREADABLE),
    ("garbage", UNREADABLE),
    ("html", UNREADABLE),
    ("empty", UNREADABLE),
    (("body", NO_CREDENTIALS), UNREADABLE),
    ("close", "AWS STS"),  # what botocore makes of a half answer varies: unreadable or closed
    ("500", "HTTP 500 InternalFailure"),
    ("503", "HTTP 503 ServiceUnavailable"),
    ("throttle", "throttling"),
], ids=lambda v: v if isinstance(v, str) and " " not in v else None)
def test_fault_retried_then_reported_in_one_clean_line(fake, fault, words):
    parsed, role = login()
    fake.faults.extend([fault] * 5)
    with pytest.raises(StsError) as info:
        sts.assume_role_with_saml(parsed, role, "us-east-1", timeout=20)
    assert words in str(info.value) and f"{sts.MAX_ATTEMPTS} attempts" in str(info.value)
    assert attempts(fake) == sts.MAX_ATTEMPTS
    assert_clean(info.value, secrets_of(fake, parsed))
    if fault in ("truncated", "close"):  # the cut answers really held issued keys
        assert len(fake.sessions) == sts.MAX_ATTEMPTS


@pytest.mark.parametrize("faults", [["500"], ["truncated", "503"], ["throttle", "empty"], ["close"]])
def test_transient_faults_then_success(fake, faults):
    parsed, role = login()
    fake.faults.extend(faults)
    result = sts.assume_role_with_saml(parsed, role, "us-east-1")
    assert attempts(fake) == len(faults) + 1
    issued = fake.sessions[result.credentials.access_key_id]  # the keys of the answer that was read
    assert result.credentials.secret_access_key == issued["secret"]


def test_second_hop_fault_keeps_both_sessions_secret(fake):
    parsed, role = login()
    first = sts.assume_role_with_saml(parsed, role, "us-east-1")
    fake.faults.extend(["truncated"] * 5)
    with pytest.raises(StsError) as info:
        sts.assume_role_in_account(first, role, "210987654321", "us-east-1", timeout=20)
    assert str(info.value).startswith(UNREADABLE) and "AssumeRole into" in str(info.value)
    assert_clean(info.value, secrets_of(fake, parsed))
    assert [c["action"] for c in fake.calls].count("AssumeRole") == sts.MAX_ATTEMPTS


# --- time: a silent STS ends the phase at its timeout ------------------------------------------------------

def test_hanging_sts_ends_at_the_timeout(fake):
    parsed, role = login()
    fake.faults.extend([("hang", 60)] * 5)
    started = time.monotonic()
    with pytest.raises(StsError) as info:
        sts.assume_role_with_saml(parsed, role, "us-east-1", timeout=2)
    elapsed = time.monotonic() - started
    assert elapsed < 15  # a hang check, not a benchmark: it would be 60 s (or forever) otherwise
    assert f"{fake.endpoint_url} did not answer within the 2 s timeout" in str(info.value)
    assert "timeoutSeconds" in str(info.value)
    assert_clean(info.value, secrets_of(fake, parsed))
    stopping = time.monotonic()
    fake.stop()  # the fake is still stoppable while a handler hangs
    assert time.monotonic() - stopping < 5


def test_hang_during_the_duration_retry_counts_against_the_same_timeout(fake):
    parsed, role = login(duration=28800)
    fake.faults.extend([None, ("hang", 60), ("hang", 60)])  # the refusal at 28800 s, then silence
    started = time.monotonic()
    with pytest.raises(StsError, match="did not answer within the 3 s timeout"):
        sts.assume_role_with_saml(parsed, role, "us-east-1", timeout=3)
    assert time.monotonic() - started < 15
    assert [c.get("fault") for c in fake.calls] == [None, "hang"]


def test_read_timeouts_are_retried_within_the_phase(fake, monkeypatch):
    monkeypatch.setattr(sts, "READ_TIMEOUT", 0.5)  # each attempt gives up on a silent answer after 0.5 s
    parsed, role = login()
    fake.faults.extend([("hang", 60), ("hang", 60)])
    result = sts.assume_role_with_saml(parsed, role, "us-east-1", timeout=30)
    assert result.credentials.access_key_id and attempts(fake) == 3


# --- no connection at all -------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("endpoint", [f"http://127.0.0.1:{free_port()}", "http://sts.example.invalid"],
                         ids=["refused", "dns"])
def test_unreachable_endpoint_named_with_what_to_check(monkeypatch, endpoint):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", endpoint)
    parsed, role = login()
    started = time.monotonic()
    with pytest.raises(StsError) as info:
        sts.assume_role_with_saml(parsed, role, "us-east-1", timeout=10)
    assert time.monotonic() - started < 15
    message = str(info.value)
    assert message.startswith(f"Could not call AWS STS: could not connect to {endpoint}")
    assert "AWS_ENDPOINT_URL_STS" in message and "network" in message
    assert_clean(info.value, [parsed.b64])


def test_malformed_endpoint_is_a_one_line_error(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "not a url")
    parsed, role = login()
    with pytest.raises(StsError, match="AWS_ENDPOINT_URL_STS") as info:
        sts.assume_role_with_saml(parsed, role, "us-east-1")
    assert_clean(info.value, [parsed.b64])


# --- generated answers -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shared_fake():
    with FakeSts() as server:
        yield server


@settings(max_examples=examples(50), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(
    st.binary(max_size=300).map(lambda raw: ("body", raw)),
    st.integers(0, 2000).map(lambda n: ("truncated", n)),  # past the answer's length: the whole answer
    st.sampled_from([b"<", b"<?xml version='1.0'?>", b"<AssumeRoleWithSAMLResponse/>",
                     b"<ErrorResponse><Error><Code>X</Code></Error></ErrorResponse>"]).map(lambda raw: ("body", raw)),
))
def test_any_answer_is_a_result_or_a_clean_error(shared_fake, monkeypatch, body):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", shared_fake.endpoint_url)
    monkeypatch.setattr(sts, "BACKOFF_SECONDS", 0)
    shared_fake.faults[:] = [body] * sts.MAX_ATTEMPTS
    shared_fake.calls.clear()
    parsed, role = login()
    try:
        result = sts.assume_role_with_saml(parsed, role, "us-east-1", timeout=20)
    except StsError as error:
        assert_clean(error, secrets_of(shared_fake, parsed))
        assert str(error).startswith(UNREADABLE)
        assert attempts(shared_fake) == sts.MAX_ATTEMPTS
    else:  # only a whole real answer reads as one, with the keys the fake issued
        issued = shared_fake.sessions[result.credentials.access_key_id]
        assert result.credentials.session_token == issued["token"]
        assert result.credentials.secret_access_key == issued["secret"]
    finally:
        shared_fake.faults.clear()


# --- what STS answered: keys a file can hold, and when they end by this machine's clock ---------------------

def test_a_token_with_a_line_break_is_one_line_and_not_retried(fake):
    parsed, role = login()
    fake.faults.append("linebreak")
    with pytest.raises(StsError) as info:
        sts.assume_role_with_saml(parsed, role, "us-east-1")
    assert str(info.value).startswith("AWS STS answered credentials that cannot be written to a credentials file")
    assert "SessionToken" in str(info.value) and attempts(fake) == 1
    assert_clean(info.value, secrets_of(fake, parsed))


@pytest.mark.parametrize("skew", [timedelta(0), timedelta(hours=2), timedelta(hours=-2), timedelta(minutes=55)])
def test_the_lifetime_is_sts_own_and_the_end_is_in_this_clock_terms(fake, monkeypatch, skew):
    monkeypatch.setattr(sts, "_now", lambda: datetime.now(timezone.utc) + skew)  # this machine's clock, off
    parsed, role = login()
    result = sts.assume_role_with_saml(parsed, role, "us-east-1")
    real_now = datetime.now(timezone.utc)
    assert result.credentials.expiration - real_now <= timedelta(hours=1)  # STS's own, untouched
    assert timedelta(minutes=59) <= result.lifetime <= timedelta(hours=1, seconds=1)
    assert abs(result.issued_at - (real_now + skew)) < timedelta(seconds=5)
    assert abs(result.local_expiration - (real_now + skew + timedelta(hours=1))) < timedelta(seconds=5)


def test_without_sts_time_this_clock_is_taken_as_right_and_the_lifetime_is_bounded():
    arrived = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)
    expiration = arrived + timedelta(hours=1)
    no_date = {"ResponseMetadata": {"HTTPHeaders": {}}}
    assert sts.granted(no_date, expiration, arrived) == timedelta(hours=1)
    bad = {"ResponseMetadata": {"HTTPHeaders": {"date": "not a date"}}}
    assert sts.granted(bad, expiration, arrived - timedelta(hours=2)) == timedelta(hours=3)
    later = {"ResponseMetadata": {"HTTPHeaders": {"date": "Fri, 04 Dec 2026 14:00:00 GMT"}}}  # after Expiration
    assert sts.granted(later, expiration, arrived) == timedelta(hours=1)
    earlier = {"ResponseMetadata": {"HTTPHeaders": {"date": "Fri, 04 Dec 2026 11:00:00 GMT"}}}
    assert sts.granted(earlier, expiration, arrived) == timedelta(hours=2)
    assert sts.granted(no_date, arrived + timedelta(days=3), arrived) == sts.MAX_LIFETIME
