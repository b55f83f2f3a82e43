"""The strict fake STS, driven by real boto3 and the real AWS CLI."""

import base64
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from aws_sts.credentials import TemporaryCredentials, write_profile
from tests.fakes import sts_server
from tests.fakes.sts_server import FakeSts
from tests.helpers import ADMIN, DEV, DEV_P, PROD_DEV, PROD_P, ROLES, SIGNIN, STAGING, assertion

AWS_CLI = Path(sys.executable).with_name("aws")


@pytest.fixture(autouse=True)
def clean_aws_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))


@pytest.fixture
def sts():
    with FakeSts() as fake:
        yield fake


def client(sts, creds=None):
    keys = ({"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
             "aws_session_token": creds["SessionToken"]} if creds else
            {"aws_access_key_id": "dummy", "aws_secret_access_key": "dummy"})  # the SAML call is unsigned
    return boto3.client("sts", endpoint_url=sts.endpoint_url, region_name="us-east-1",
                        config=Config(retries={"max_attempts": 1}), **keys)


def saml_login(sts, role=DEV, provider=DEV_P, saml=None, **kwargs):
    return client(sts).assume_role_with_saml(RoleArn=role, PrincipalArn=provider,
                                             SAMLAssertion=saml or assertion(), **kwargs)


def error(info):
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


# --- AssumeRoleWithSAML --------------------------------------------------------------------------------

@pytest.mark.parametrize("role, provider", ROLES)
def test_multi_role_assertion_each_role(sts, role, provider):
    before = datetime.now(timezone.utc)
    answer = saml_login(sts, role, provider)
    creds = answer["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert len(creds["SecretAccessKey"]) == 40 and len(creds["SessionToken"]) > 100
    assert timedelta(seconds=3598) <= creds["Expiration"] - before <= timedelta(seconds=3602)
    account, name = role.split(":")[4], role.rsplit("/", 1)[1]
    user = answer["AssumedRoleUser"]
    assert user["Arn"] == f"arn:aws:sts::{account}:assumed-role/{name}/alice@example.com"
    assert user["AssumedRoleId"].startswith("AROA") and user["AssumedRoleId"].endswith(":alice@example.com")
    assert answer["Subject"] == "alice" and answer["SubjectType"] == "persistent"
    assert answer["Issuer"] == "http://www.okta.com/exk123" and answer["Audience"] == SIGNIN
    assert answer["NameQualifier"]
    assert sts.calls == [{"action": "AssumeRoleWithSAML", "status": 200, "error_code": None,
                          "params": {"RoleArn": role, "PrincipalArn": provider}}]


@pytest.mark.parametrize("prefix", ["saml2", "saml", ""])
@pytest.mark.parametrize("provider_first", [False, True])
def test_any_prefix_and_either_order(sts, prefix, provider_first):
    saml = assertion(prefix=prefix, provider_first=provider_first)
    assert saml_login(sts, ADMIN, saml=saml)["AssumedRoleUser"]["Arn"].endswith("/Admin/alice@example.com")


def test_pair_not_in_assertion(sts):
    with pytest.raises(ClientError) as info:
        saml_login(sts, DEV, PROD_P)  # both ARNs are in the assertion, not as a pair
    assert error(info) == ("InvalidIdentityToken", sts_server.MESSAGES["pair"])
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert sts.calls[-1]["status"] == 400 and sts.calls[-1]["error_code"] == "InvalidIdentityToken"
    assert len(sts.calls) == 1  # not retried


def test_role_whose_trust_policy_refuses(sts):
    sts.deny_roles.add(ADMIN)
    with pytest.raises(ClientError) as info:
        saml_login(sts, ADMIN)
    assert error(info) == ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_duration_limits(sts):
    with pytest.raises(ClientError) as info:
        saml_login(sts, DurationSeconds=7200)
    assert error(info) == ("ValidationError",
                           "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    sts.max_session_duration[DEV] = 43200
    answer = saml_login(sts, DurationSeconds=43200)
    left = answer["Credentials"]["Expiration"] - datetime.now(timezone.utc)
    assert timedelta(hours=11, minutes=59) < left <= timedelta(hours=12)
    with pytest.raises(ClientError) as info:
        saml_login(sts, DurationSeconds=43201)
    assert error(info)[0] == "ValidationError" and "less than or equal to 43200" in error(info)[1]
    assert saml_login(sts, ADMIN, DurationSeconds=900)  # other roles keep the default of 3600
    assert [c["params"].get("DurationSeconds") for c in sts.calls] == ["7200", "43200", "43201", "900"]


def test_default_max_session_duration():
    with FakeSts(default_max_session_duration=14400, max_session_duration={ADMIN: 3600}) as sts:
        assert saml_login(sts, DEV, DurationSeconds=14400)
        with pytest.raises(ClientError, match="MaxSessionDuration"):
            saml_login(sts, ADMIN, DurationSeconds=7200)


def test_session_not_on_or_after_caps_expiration(sts):
    end = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=20)
    answer = saml_login(sts, saml=assertion(session_not_on_or_after=end))
    assert answer["Credentials"]["Expiration"] == end


@pytest.mark.parametrize("make, code, message", [
    (lambda: "not base64!!", "InvalidIdentityToken", "Invalid base64 SAMLResponse"),
    (lambda: base64.b64encode(b"<not xml").decode(), "InvalidIdentityToken", "Invalid base64 SAMLResponse"),
    (lambda: base64.b64encode(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                              b"<r>&x;</r>").decode(), "InvalidIdentityToken", "Invalid base64 SAMLResponse"),
    (lambda: assertion(recipient=None), "InvalidIdentityToken",
     "Responses must contain SubjectConfirmatonData with a Recipient and NotOnOrAfter"),
    (lambda: assertion(audience="https://example.com/app"), "InvalidIdentityToken",
     "Response does not contain the required audience."),
    (lambda: assertion(session_name=None), "InvalidIdentityToken", "RoleSessionName is required in AuthnResponse"),
    (lambda: assertion(session_name="a b"), "InvalidIdentityToken",
     "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"),
    (lambda: assertion(issued=datetime.now(timezone.utc) - timedelta(minutes=6)), "ExpiredTokenException",
     "Token must be redeemed within 5 minutes of issuance"),
], ids=["base64", "xml", "entity", "recipient", "audience", "no-session-name", "bad-session-name", "expired"])
def test_bad_assertions(sts, make, code, message):
    # Built when the test runs, not at collection: assertions expire after 5 minutes.
    with pytest.raises(ClientError) as info:
        saml_login(sts, saml=make())
    assert error(info) == (code, message)


@pytest.mark.parametrize("field", ["destination", "recipient"])
def test_assertion_for_another_site(sts, field):
    with pytest.raises(ClientError) as info:
        saml_login(sts, saml=assertion(**{field: "https://evil.example.com/saml"}))
    assert error(info)[0] == "InvalidIdentityToken" and "evil.example.com" in error(info)[1]


def test_regional_signin_endpoint_accepted(sts):
    url = "https://us-west-2.signin.aws.amazon.com/saml"
    assert saml_login(sts, saml=assertion(recipient=url, destination=url))["Audience"] == url


def test_missing_parameter_and_unknown_action(sts):
    def post(body):
        request = urllib.request.Request(sts.endpoint_url, data=body.encode(), method="POST")
        try:
            urllib.request.urlopen(request, timeout=10)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        raise AssertionError("expected an error")

    status, body = post(f"Action=AssumeRoleWithSAML&Version=2011-06-15&RoleArn={DEV}&PrincipalArn={DEV_P}")
    assert status == 400 and "<Code>ValidationError</Code>" in body and "'sAMLAssertion'" in body
    status, body = post("Action=GetSessionToken&Version=2011-06-15")
    assert status == 400 and "<Code>InvalidAction</Code>" in body


# --- signature checks, with the fake Okta org's own signed assertions ----------------------------------

def okta_assertion(**changes):
    saml_idp = pytest.importorskip("tests.fakes.saml_idp")
    scenario = SimpleNamespace(roles=ROLES, provider_first=False, ns_prefix="saml2", session_duration=None,
                               role_session_name=None, include_role_attribute=True)
    for key, value in changes.items():
        setattr(scenario, key, value)
    return saml_idp, saml_idp.build_saml_response(scenario, "alice@example.com")


def test_signed_assertion_verified():
    saml_idp, saml = okta_assertion()
    with FakeSts(trusted_cert_pem=saml_idp.idp_cert_pem()) as sts:
        answer = saml_login(sts, PROD_DEV, PROD_P, saml=saml)
    assert answer["AssumedRoleUser"]["Arn"] == "arn:aws:sts::210987654321:assumed-role/Developer/alice@example.com"
    assert answer["SubjectType"] == "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"


def test_tampered_or_foreign_signature_rejected():
    saml_idp, saml = okta_assertion()
    xml = base64.b64decode(saml).replace(b"role/Developer", b"role/Dev3loper")
    tampered = base64.b64encode(xml).decode()
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "someone else")])
    now = datetime.now(timezone.utc)
    other_cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                  .serial_number(1).not_valid_before(now - timedelta(days=1))
                  .not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256())
                  .public_bytes(serialization.Encoding.PEM))
    for cert, saml_b64, role in [(saml_idp.idp_cert_pem(), tampered, f"arn:aws:iam::{STAGING}:role/Dev3loper"),
                                 (other_cert, saml, DEV)]:
        with FakeSts(trusted_cert_pem=cert) as sts:
            with pytest.raises(ClientError) as info:
                saml_login(sts, role, saml=saml_b64)
        assert error(info) == ("InvalidIdentityToken", "Response signature invalid")


# --- signed calls: GetCallerIdentity, AssumeRole -------------------------------------------------------

def test_get_caller_identity_of_saml_session(sts):
    creds = saml_login(sts, ADMIN)["Credentials"]
    identity = client(sts, creds).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{STAGING}:assumed-role/Admin/alice@example.com"
    assert identity["Account"] == STAGING and identity["UserId"].endswith(":alice@example.com")
    assert sts.calls[-1] == {"action": "GetCallerIdentity", "params": {}, "status": 200, "error_code": None,
                             "region": "us-east-1"}  # the region of the signature


def test_signed_call_rejections(sts):
    creds = saml_login(sts)["Credentials"]
    cases = [
        ({**creds, "AccessKeyId": "ASIANOTISSUEDBYUS00"}, "InvalidClientTokenId",
         "The security token included in the request is invalid."),
        ({**creds, "SessionToken": "someone-elses-token"}, "InvalidClientTokenId",
         "The security token included in the request is invalid."),
        ({**creds, "SecretAccessKey": "wrong" + creds["SecretAccessKey"][5:]}, "SignatureDoesNotMatch",
         sts_server.MESSAGES["signature_mismatch"]),
    ]
    for bad, code, message in cases:
        with pytest.raises(ClientError) as info:
            client(sts, bad).get_caller_identity()
        assert error(info) == (code, message)
    no_token = boto3.client("sts", endpoint_url=sts.endpoint_url, region_name="us-east-1",
                            aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                            config=Config(retries={"max_attempts": 1}))
    with pytest.raises(ClientError, match="InvalidClientTokenId"):
        no_token.get_caller_identity()


def test_expired_session(sts):
    creds = saml_login(sts, DurationSeconds=900)["Credentials"]
    sts.clock = lambda: datetime.now(timezone.utc) + timedelta(seconds=901)
    with pytest.raises(ClientError) as info:
        client(sts, creds).get_caller_identity()
    assert error(info) == ("ExpiredToken", "The security token included in the request is expired")


def test_assume_role_chaining(sts):
    sts.max_session_duration[PROD_DEV] = 43200
    creds = saml_login(sts)["Credentials"]
    first = client(sts, creds)
    with pytest.raises(ClientError) as info:
        first.assume_role(RoleArn=PROD_DEV, RoleSessionName="alice@example.com", DurationSeconds=7200)
    assert error(info) == ("ValidationError", "The requested DurationSeconds exceeds the 1 hour session "
                                              "limit for roles assumed by role chaining.")
    answer = first.assume_role(RoleArn=PROD_DEV, RoleSessionName="alice@example.com")
    assert answer["AssumedRoleUser"]["Arn"] == "arn:aws:sts::210987654321:assumed-role/Developer/alice@example.com"
    left = answer["Credentials"]["Expiration"] - datetime.now(timezone.utc)
    assert timedelta(minutes=59) < left <= timedelta(hours=1)
    second = client(sts, answer["Credentials"]).get_caller_identity()
    assert second["Arn"] == answer["AssumedRoleUser"]["Arn"] and second["Account"] == "210987654321"
    assert [c["action"] for c in sts.calls] == ["AssumeRoleWithSAML", "AssumeRole", "AssumeRole",
                                                 "GetCallerIdentity"]
    assert sts.calls[2]["params"] == {"RoleArn": PROD_DEV, "RoleSessionName": "alice@example.com"}


def test_assume_role_denied_and_unknown_caller(sts):
    creds = saml_login(sts)["Credentials"]
    sts.deny_roles.add(PROD_DEV)
    with pytest.raises(ClientError) as info:
        client(sts, creds).assume_role(RoleArn=PROD_DEV, RoleSessionName="alice")
    assert error(info) == ("AccessDenied", f"User: arn:aws:sts::{STAGING}:assumed-role/Developer/"
                                           f"alice@example.com is not authorized to perform: "
                                           f"sts:AssumeRole on resource: {PROD_DEV}")
    with pytest.raises(ClientError) as info:
        client(sts, {**creds, "AccessKeyId": "ASIAUNKNOWN000000000"}).assume_role(RoleArn=PROD_DEV,
                                                                                  RoleSessionName="alice")
    assert error(info)[0] == "InvalidClientTokenId"


# --- the real AWS CLI ----------------------------------------------------------------------------------

def aws(*args, home, endpoint=None):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "1"}
    if endpoint:
        env["AWS_ENDPOINT_URL_STS"] = endpoint
    return subprocess.run([str(AWS_CLI), *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(not AWS_CLI.exists(), reason="the AWS CLI is not installed in this environment")
def test_aws_cli_end_to_end(sts, tmp_path):
    home = tmp_path / "home"
    saml_file = tmp_path / "saml.b64"
    saml_file.write_text(assertion())
    # AssumeRoleWithSAML through the CLI too (unsigned, no credentials anywhere).
    run = aws("sts", "assume-role-with-saml", "--role-arn", ADMIN, "--principal-arn", DEV_P,
              "--saml-assertion", f"file://{saml_file}", "--endpoint-url", sts.endpoint_url, home=home)
    assert run.returncode == 0, run.stderr
    creds = json.loads(run.stdout)["Credentials"]
    write_profile(home / ".aws" / "credentials", "staging-Admin",
                  TemporaryCredentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"],
                                       datetime.fromisoformat(creds["Expiration"].replace("Z", "+00:00"))),
                  region="us-east-1", output="json")

    run = aws("sts", "get-caller-identity", "--profile", "staging-Admin", "--endpoint-url", sts.endpoint_url,
              home=home)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["Arn"] == f"arn:aws:sts::{STAGING}:assumed-role/Admin/alice@example.com"

    # The endpoint from the environment, as the project's tests set it.
    run = aws("sts", "assume-role", "--profile", "staging-Admin", "--role-arn", PROD_DEV, "--role-session-name",
              "alice", "--duration-seconds", "7200", home=home, endpoint=sts.endpoint_url)
    assert run.returncode == 255  # AWS CLI v1: 255 for a service error (v2 says 254)
    assert "(ValidationError)" in run.stderr and "1 hour session limit" in run.stderr

    assert [c["status"] for c in sts.calls] == [200, 200, 400]


# --- fault modes (used by tests/unit/test_sts.py) -----------------------------------------------------------

def raw_saml_post(sts, timeout=10):
    """POST a valid AssumeRoleWithSAML by hand; (status, content type, body) or the exception raised."""
    import http.client
    from urllib.parse import urlencode, urlsplit

    body = urlencode({"Action": "AssumeRoleWithSAML", "Version": "2011-06-15", "RoleArn": DEV,
                      "PrincipalArn": DEV_P, "SAMLAssertion": assertion()})
    url = urlsplit(sts.endpoint_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        connection.request("POST", "/", body, {"Content-Type": "application/x-www-form-urlencoded"})
        answer = connection.getresponse()
        return answer.status, answer.getheader("Content-Type"), answer.read()
    except Exception as exc:  # noqa: BLE001 - the test looks at which one
        return exc
    finally:
        connection.close()


def test_fault_modes_answer_as_documented(sts):
    import http.client

    sts.faults.extend(["truncated", ("truncated", 10), "garbage", "html", "empty", ("body", b"<x/>"), "500", "503",
                       "throttle", "close", ("hang", 0.3), "no-such-fault"])
    truncated = raw_saml_post(sts)
    assert truncated[0] == 200 and truncated[2].startswith(b"<AssumeRoleWithSAMLResponse")
    assert b"<SecretAccessKey>" in truncated[2] and not truncated[2].endswith(b"</AssumeRoleWithSAMLResponse>")
    assert raw_saml_post(sts) == (200, "text/xml", b"<AssumeRol")
    assert raw_saml_post(sts) == (200, "text/xml", sts_server.GARBAGE)
    assert raw_saml_post(sts) == (200, "text/html", sts_server.HTML)
    assert raw_saml_post(sts) == (200, "text/xml", b"")
    assert raw_saml_post(sts) == (200, "text/xml", b"<x/>")
    for status, code in [(500, b"InternalFailure"), (503, b"ServiceUnavailable"), (400, b"Throttling")]:
        answer = raw_saml_post(sts)
        assert answer[0] == status and b"<Code>" + code + b"</Code>" in answer[2]
    assert isinstance(raw_saml_post(sts), http.client.IncompleteRead)  # "close": half an answer, then hang up
    started = datetime.now()
    assert isinstance(raw_saml_post(sts), http.client.RemoteDisconnected)  # "hang": silence, then hang up
    assert timedelta(seconds=0.25) < datetime.now() - started < timedelta(seconds=5)
    unknown = raw_saml_post(sts)
    assert unknown[0] == 500 and b"unknown fault 'no-such-fault'" in unknown[2]
    normal = raw_saml_post(sts)
    assert normal[0] == 200 and normal[2].endswith(b"</AssumeRoleWithSAMLResponse>")
    faults = [c.get("fault") for c in sts.calls]
    assert faults == ["truncated", "truncated", "garbage", "html", "empty", "body", "500", "503", "throttle",
                      "close", "hang", "no-such-fault", None]
    assert [c["action"] for c in sts.calls] == ["AssumeRoleWithSAML"] * 13
    assert len(sts.sessions) == 4  # truncated twice, close and the normal answer issued real keys


def test_answers_concurrently_while_one_request_hangs_and_stops_promptly():
    import threading
    from concurrent.futures import ThreadPoolExecutor

    sts = FakeSts().start()
    try:
        sts.faults.append(("hang", 60))
        hung = threading.Thread(target=raw_saml_post, args=(sts, 120), daemon=True)
        hung.start()
        while not sts.calls:  # the hanging request is in
            hung.join(0.01)
        shared = boto3.client("sts", endpoint_url=sts.endpoint_url, region_name="us-east-1",
                              aws_access_key_id="dummy", aws_secret_access_key="dummy",
                              config=Config(retries={"max_attempts": 0}, max_pool_connections=50))
        saml = assertion()
        with ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(lambda _: shared.assume_role_with_saml(
                RoleArn=DEV, PrincipalArn=DEV_P, SAMLAssertion=saml), range(50)))
        assert len({a["Credentials"]["AccessKeyId"] for a in answers}) == 50
        assert hung.is_alive()  # still hanging, and it did not hold anyone up
    finally:
        started = datetime.now()
        sts.stop()
    assert datetime.now() - started < timedelta(seconds=5)
    hung.join(5)
    assert not hung.is_alive()  # stop() ended the hang: the client saw the connection close
