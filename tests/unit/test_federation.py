"""aws_sts.federation: the console sign-in URL (partitions, AWS_ENDPOINT_URL_SIGNIN), and the sign-in token
from the fake STS's federation endpoint, which checks the session's keys as AWS does."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.config import Config
from hypothesis import given, settings
from hypothesis import strategies as st

from aws_sts import federation, redact
from aws_sts.credentials import TemporaryCredentials
from aws_sts.errors import AwsStsError, UsageError
from tests.fakes.sts_server import FakeSts
from tests.helpers import DEV, DEV_P, assertion, examples

PARTITIONS = {
    "aws": ("https://signin.aws.amazon.com/federation", "https://console.aws.amazon.com/"),
    "aws-us-gov": ("https://signin.amazonaws-us-gov.com/federation", "https://console.amazonaws-us-gov.com/"),
    "aws-cn": ("https://signin.amazonaws.cn/federation", "https://console.amazonaws.cn/"),
}
KEYS = TemporaryCredentials("ASIAEXAMPLE", "se/cr+et=", 'tok"en&x=1', datetime(2030, 1, 1, tzinfo=timezone.utc))
REGIONS = st.from_regex(r"[a-z]{2,4}(-[a-z]{1,12}){1,3}-[0-9]{1,2}", fullmatch=True)


@pytest.mark.parametrize("partition", sorted(PARTITIONS))
def test_each_partition_has_its_own_endpoint_and_console(partition):
    signin, console = PARTITIONS[partition]
    assert federation.endpoint(partition, environ={}) == signin
    assert federation.destination(partition, None) == console
    assert federation.destination(partition, "us-gov-west-1") == console + "?region=us-gov-west-1"


@settings(max_examples=examples(200), deadline=None)
@given(partition=st.sampled_from(sorted(PARTITIONS)), region=st.none() | REGIONS,
       token=st.text(min_size=1, max_size=300), issuer=st.text(min_size=1, max_size=200))
def test_the_login_url_carries_token_issuer_and_destination_exactly(partition, region, token, issuer):
    endpoint = federation.endpoint(partition, environ={})
    destination = federation.destination(partition, region)
    url = federation.login_url(endpoint, token, issuer, destination)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == endpoint
    assert "\n" not in url and " " not in url  # one line, whatever the token holds
    query = parse_qs(parts.query, keep_blank_values=True)
    assert query == {"Action": ["login"], "Issuer": [issuer], "Destination": [destination], "SigninToken": [token]}
    assert parse_qs(urlsplit(destination).query) == ({"region": [region]} if region else {})
    assert redact.scrub(url).endswith(f"&SigninToken={redact.MARK}")  # never in a message or an artifact


def test_the_token_request_sends_the_keys_as_the_session_json():
    url = federation.token_request("https://signin.aws.amazon.com/federation", KEYS)
    query = parse_qs(urlsplit(url).query)
    assert query["Action"] == ["getSigninToken"] and "SessionDuration" not in query
    assert json.loads(query["Session"][0]) == {"sessionId": "ASIAEXAMPLE", "sessionKey": "se/cr+et=",
                                               "sessionToken": 'tok"en&x=1'}
    assert KEYS.secret_access_key not in redact.scrub(url) and "se%2Fcr" not in redact.scrub(url)


@pytest.mark.parametrize("value, expected", [
    ("https://signin.example.com", "https://signin.example.com/federation"),
    ("https://signin.example.com/", "https://signin.example.com/federation"),
    ("https://signin.example.com/federation", "https://signin.example.com/federation"),
    ("https://proxy.example.com/aws/signin", "https://proxy.example.com/aws/signin/federation"),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080/federation"),
    ("http://localhost:1/federation/", "http://localhost:1/federation"),
])
def test_aws_endpoint_url_signin_wins_in_every_partition(value, expected):
    for partition in PARTITIONS:
        assert federation.endpoint(partition, environ={"AWS_ENDPOINT_URL_SIGNIN": value}) == expected


@pytest.mark.parametrize("value", ["http://signin.example.com", "ftp://x.example.com", "signin.aws.amazon.com",
                                   "https://user:pw@signin.example.com", "https://signin.example.com/?a=b",
                                   "https://signin.example.com/#x", "https://exa mple.com"])
def test_a_wrong_aws_endpoint_url_signin_is_a_usage_error_that_hides_a_password(value):
    with pytest.raises(UsageError) as info:
        federation.endpoint("aws", environ={"AWS_ENDPOINT_URL_SIGNIN": value})
    assert "AWS_ENDPOINT_URL_SIGNIN" in str(info.value) and "pw" not in str(info.value)
    assert info.value.exit_code == 2


@settings(max_examples=examples(300), deadline=None)
@given(value=st.text(max_size=80))
def test_any_aws_endpoint_url_signin_gives_an_https_or_loopback_url_or_a_usage_error(value):
    try:
        found = federation.endpoint("aws", environ={"AWS_ENDPOINT_URL_SIGNIN": value})
    except UsageError:
        return
    parts = urlsplit(found)
    assert found.endswith("/federation") and not parts.query and not parts.fragment
    assert parts.scheme == "https" or parts.hostname in ("localhost", "127.0.0.1", "::1") or \
        parts.hostname.startswith("127.")


# --- the token, from the fake federation endpoint ----------------------------------------------------------

@pytest.fixture
def issued(monkeypatch, tmp_path):
    """A fake STS and keys it issued (through real boto3)."""
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with FakeSts() as sts:
        client = boto3.client("sts", endpoint_url=sts.endpoint_url, region_name="us-east-1",
                              aws_access_key_id="dummy", aws_secret_access_key="dummy",
                              config=Config(retries={"max_attempts": 1}))
        c = client.assume_role_with_saml(RoleArn=DEV, PrincipalArn=DEV_P, SAMLAssertion=assertion())["Credentials"]
        yield sts, TemporaryCredentials(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"], c["Expiration"])


def test_the_fake_gives_a_token_for_a_session_it_issued_and_logs_in_with_it(issued):
    sts, keys = issued
    endpoint = sts.endpoint_url + "/federation"
    token = federation.signin_token(endpoint, keys, timeout=10)
    assert sts.signin_tokens[token]["access_key_id"] == keys.access_key_id
    url = federation.login_url(endpoint, token, "https://idp.example.com/app", federation.destination("aws", None))
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(url, timeout=10)
    except urllib.error.HTTPError as answer:
        assert answer.code == 302 and answer.headers["Location"] == "https://console.aws.amazon.com/"
    assert sts.federation_calls[-1] == {"action": "login", "issuer": "https://idp.example.com/app",
                                        "destination": "https://console.aws.amazon.com/", "status": 302}


@pytest.mark.parametrize("change", ["secret_access_key", "session_token", "access_key_id", "expired"])
def test_keys_that_are_not_a_live_session_get_one_line_and_exit_1(issued, change):
    sts, keys = issued
    if change == "expired":
        sts.clock = lambda: datetime.now(timezone.utc) + timedelta(hours=2)
    else:
        keys = keys._replace(**{change: "ASIA" + "X" * 16})
    with pytest.raises(AwsStsError) as info:
        federation.signin_token(sts.endpoint_url + "/federation", keys, timeout=10)
    message = str(info.value)
    assert "HTTP 400" in message and "\n" not in message and info.value.exit_code == 1
    assert keys.secret_access_key not in message and keys.session_token not in message
    assert sts.federation_calls[-1]["status"] == 400


def test_an_unreachable_endpoint_is_one_line_without_the_keys(issued):
    _, keys = issued
    import socket

    with socket.socket() as unused:  # a port nobody listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(AwsStsError) as info:
        federation.signin_token(f"http://127.0.0.1:{port}/federation", keys, timeout=5)
    message = str(info.value)
    assert message.startswith(f"Cannot reach AWS sign-in at http://127.0.0.1:{port}/federation")
    assert "AWS_ENDPOINT_URL_SIGNIN" in message and keys.access_key_id not in message and "\n" not in message


def test_an_endpoint_that_answers_something_else_is_one_line(issued):
    sts, keys = issued
    with pytest.raises(AwsStsError) as info:  # the STS itself: a 400 answer from "/" for a GET without Action
        federation.signin_token(sts.endpoint_url + "/", keys, timeout=5)
    assert "HTTP 400" in str(info.value)
