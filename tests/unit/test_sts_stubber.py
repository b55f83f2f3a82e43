"""aws_sts.sts against botocore's Stubber on its own real clients: exactly what is asked of STS.

The seam is sts._new_client, the one place clients are made: each client it makes is the real botocore
client, with a Stubber holding the expected call (every parameter, nothing more) activated on it before
aws_sts.sts uses it. No network; tests/unit/test_sts.py covers the same calls over real HTTP.
"""

from __future__ import annotations

import base64
import contextlib
from datetime import datetime, timezone

import pytest
from botocore.stub import Stubber
from hypothesis import given, settings
from hypothesis import strategies as st

from aws_sts import saml, sts
from aws_sts.credentials import TemporaryCredentials
from aws_sts.errors import StsError
from tests.helpers import ADMIN, DEV, DEV_P, PROD_DEV, PROD_P, PRODUCTION, STAGING, assertion, examples

EXPIRES = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
MAX_DURATION_ERROR = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
IAM_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-"  # [\w+=,.@-] in ASCII
SESSION_NAMES = st.text(IAM_CHARS, min_size=2, max_size=64)


@pytest.fixture(scope="module", autouse=True)
def no_aws_environment(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        import os

        for name in [n for n in os.environ if n.startswith("AWS_")]:
            mp.delenv(name)
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        mp.setenv("AWS_CONFIG_FILE", str(tmp_path_factory.mktemp("aws") / "no-config"))
        yield


def answer(assumed_arn: str, key: str = "ASIASTUBBEDKEY000001") -> dict:
    """A complete STS answer (the Stubber checks it against the service model too)."""
    return {
        "Credentials": {"AccessKeyId": key, "SecretAccessKey": "stubbed/secret+key", "SessionToken": "stubbed-token",
                        "Expiration": EXPIRES},
        "AssumedRoleUser": {"AssumedRoleId": "AROASTUBBED:session", "Arn": assumed_arn},
    }


@contextlib.contextmanager
def stubbed(unsigned=None, signed=None):
    """While inside: the next unsigned (AssumeRoleWithSAML) and signed (AssumeRole) client sts makes get a
    Stubber that `unsigned(stubber)` / `signed(stubber)` loads. Yields the list of (credentials, stubber)
    made; on the way out, every loaded answer must have been asked for."""
    real_new_client, real_clients = sts._new_client, sts._CLIENTS
    setups = {False: unsigned, True: signed}
    made = []

    def new_client(region, credentials, timeout):
        client = real_new_client(region, credentials, timeout)
        setup = setups[credentials is not None]
        assert setup is not None, f"an unexpected {'signed' if credentials else 'unsigned'} client"
        stubber = Stubber(client)
        setup(stubber)
        stubber.activate()
        made.append((credentials, stubber))
        return client

    sts._new_client, sts._CLIENTS = new_client, {}  # no cached client from another test
    try:
        yield made
    finally:
        sts._new_client, sts._CLIENTS = real_new_client, real_clients
    for _, stubber in made:
        stubber.assert_no_pending_responses()


def parsed(roles=((DEV, DEV_P), (ADMIN, DEV_P), (PROD_DEV, PROD_P)), duration=None, wrap=0) -> saml.Assertion:
    b64 = assertion(list(roles), session_duration=duration)
    if wrap:  # IdPs may wrap the base64: it is sent on exactly as posted
        b64 = "\n".join(b64[i:i + wrap] for i in range(0, len(b64), wrap))
    return saml.parse_assertion(b64)


def saml_params(a: saml.Assertion, role: saml.Role, duration: int) -> dict:
    return {"RoleArn": role.arn, "PrincipalArn": role.principal_arn, "SAMLAssertion": a.b64,
            "DurationSeconds": duration}


# -- AssumeRoleWithSAML ------------------------------------------------------------------------------------

@settings(max_examples=examples(150), deadline=None)
@given(duration=st.one_of(st.none(), st.integers(900, 43200)), pick=st.integers(0, 2),
       wrap=st.sampled_from([0, 0, 64, 76]), region=st.sampled_from([None, "us-east-1", "eu-west-1"]))
def test_saml_call_sends_the_role_the_assertion_and_its_duration(duration, pick, wrap, region):
    a = parsed(duration=duration, wrap=wrap)
    role = a.roles[pick]
    assumed = f"arn:aws:sts::{role.account_id}:assumed-role/{role.name}/alice@example.com"
    expected = saml_params(a, role, duration or 3600)

    with stubbed(unsigned=lambda s: s.add_response("assume_role_with_saml", answer(assumed), expected)) as made:
        result = sts.assume_role_with_saml(a, role, region, timeout=30)
    assert [credentials for credentials, _ in made] == [None]  # one unsigned client, no keys
    assert result.role_arn == role.arn and result.assumed_role_arn == assumed
    assert result.credentials == TemporaryCredentials("ASIASTUBBEDKEY000001", "stubbed/secret+key",
                                                      "stubbed-token", EXPIRES)


@settings(max_examples=examples(100), deadline=None)
@given(duration=st.integers(900, 43200).filter(lambda d: d != 3600))
def test_a_duration_over_the_roles_maximum_is_asked_again_at_3600(duration):
    a = parsed(duration=duration)
    role = a.roles[0]
    assumed = f"arn:aws:sts::{STAGING}:assumed-role/Developer/alice@example.com"

    def load(stubber):
        stubber.add_client_error("assume_role_with_saml", "ValidationError", MAX_DURATION_ERROR, 400,
                                 expected_params=saml_params(a, role, duration))
        stubber.add_response("assume_role_with_saml", answer(assumed), saml_params(a, role, 3600))

    said = []
    with stubbed(unsigned=load):
        result = sts.assume_role_with_saml(a, role, "us-east-1", said.append, timeout=30)
    assert result.assumed_role_arn == assumed
    assert said == [f"The role allows less than {duration} s; asking for 3600 s instead."]


@pytest.mark.parametrize("duration, code, message", [
    (3600, "ValidationError", MAX_DURATION_ERROR),  # already at 3600: nothing lower to ask for
    (None, "ValidationError", MAX_DURATION_ERROR),  # no SessionDuration: 3600 was asked
    (7200, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML"),  # not about the duration
])
def test_no_retry_when_3600_was_asked_or_the_refusal_is_another(duration, code, message):
    a = parsed(duration=duration)
    role = a.roles[0]

    def load(stubber):
        stubber.add_client_error("assume_role_with_saml", code, message, 400,
                                 expected_params=saml_params(a, role, duration or 3600))

    said = []
    with stubbed(unsigned=load), pytest.raises(StsError) as info:
        sts.assume_role_with_saml(a, role, "us-east-1", said.append, timeout=30)
    assert f"AWS STS refused AssumeRoleWithSAML for {role.arn}: {code}: {message}" in str(info.value)
    assert said == []
    assert a.b64 not in str(info.value)


# -- the second hop -----------------------------------------------------------------------------------------

def first_hop(session_name: str, role_arn: str = DEV) -> sts.StsResult:
    keys = TemporaryCredentials("ASIAFIRSTHOPKEY00001", "first/secret", "first-token", EXPIRES)
    role = saml.Role(role_arn, DEV_P)
    return sts.StsResult(keys, role_arn, f"arn:{role.partition}:sts::{role.account_id}:assumed-role/{role.name}/"
                                         f"{session_name}")


@settings(max_examples=examples(150), deadline=None)
@given(session_name=SESSION_NAMES, account=st.sampled_from([PRODUCTION, "333333333333", STAGING]),
       path=st.sampled_from(["", "path/", "a/b/"]), name=st.text(IAM_CHARS, min_size=1, max_size=20),
       partition=st.sampled_from(["aws", "aws-cn", "aws-us-gov"]))
def test_second_hop_assumes_the_same_role_name_for_an_hour_as_the_first_session(session_name, account, path,
                                                                                name, partition):
    role = saml.Role(f"arn:{partition}:iam::{STAGING}:role/{path}{name}",
                     f"arn:{partition}:iam::{STAGING}:saml-provider/Okta")
    first = first_hop(session_name, role.arn)
    target = f"arn:{partition}:iam::{account}:role/{name}"  # the name without its path, in the other account
    assumed = f"arn:{partition}:sts::{account}:assumed-role/{name}/{session_name}"
    expected = {"RoleArn": target, "RoleSessionName": session_name, "DurationSeconds": 3600}

    with stubbed(signed=lambda s: s.add_response("assume_role", answer(assumed, "ASIASECONDHOPKEY0001"),
                                                 expected)) as made:
        result = sts.assume_role_in_account(first, role, account, "us-east-1", timeout=30)
    assert [credentials for credentials, _ in made] == [first.credentials]  # signed with the first hop's keys
    assert result.role_arn == target and result.assumed_role_arn == assumed
    assert result.credentials.access_key_id == "ASIASECONDHOPKEY0001"


def test_saml_then_second_hop_end_to_end_on_stubs():
    a = parsed()
    role = a.roles[0]
    first_arn = f"arn:aws:sts::{STAGING}:assumed-role/Developer/alice@example.com"
    second_arn = f"arn:aws:sts::{PRODUCTION}:assumed-role/Developer/alice@example.com"
    with stubbed(unsigned=lambda s: s.add_response("assume_role_with_saml", answer(first_arn),
                                                   saml_params(a, role, 3600)),
                 signed=lambda s: s.add_response("assume_role", answer(second_arn, "ASIASECONDHOPKEY0001"),
                                                 {"RoleArn": PROD_DEV, "RoleSessionName": "alice@example.com",
                                                  "DurationSeconds": 3600})) as made:
        first = sts.assume_role_with_saml(a, role, "us-east-1", timeout=30)
        second = sts.assume_role_in_account(first, role, PRODUCTION, "us-east-1", timeout=30)
    assert [credentials for credentials, _ in made] == [None, first.credentials]
    assert second.role_arn == PROD_DEV and second.assumed_role_arn == second_arn


def test_the_assertion_is_sent_byte_for_byte():
    # Not re-encoded: padding, line breaks and all are what the IdP posted.
    a = parsed(wrap=60)
    assert "\n" in a.b64 and base64.b64decode(a.b64.replace("\n", ""))
    role = a.roles[1]
    with stubbed(unsigned=lambda s: s.add_response(
            "assume_role_with_saml", answer(f"arn:aws:sts::{STAGING}:assumed-role/Admin/x"),
            saml_params(a, role, 3600))):
        assert sts.assume_role_with_saml(a, role, None, timeout=30).role_arn == ADMIN
