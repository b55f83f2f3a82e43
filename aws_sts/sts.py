"""AWS STS with boto3: AssumeRoleWithSAML, the optional second hop, duration limits.

boto3 honours AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL, which the tests and the demo use.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Optional

from aws_sts.credentials import TemporaryCredentials
from aws_sts.errors import StsError
from aws_sts.saml import Assertion, Role

DEFAULT_DURATION = 3600
CHAINED_MAX_DURATION = 3600  # AWS caps role-chaining sessions at one hour


@dataclass(frozen=True)
class StsResult:
    credentials: TemporaryCredentials
    role_arn: str
    assumed_role_arn: str


def preload(region: Optional[str]) -> None:
    """Import boto3 and build the STS client in a background thread (~0.25 s), while the browser works."""
    def load():
        try:
            _saml_client(region)
        except Exception:  # the real call, later, reports any problem
            pass

    threading.Thread(target=load, name="preload-sts", daemon=True).start()


_SAML_CLIENTS: dict = {}
_SAML_CLIENTS_LOCK = threading.Lock()


def _saml_client(region: Optional[str]):
    """The unsigned client for AssumeRoleWithSAML, built once per region (clients are thread-safe);
    the lock makes a caller wait for the preload thread's client instead of building a second one."""
    with _SAML_CLIENTS_LOCK:
        if region not in _SAML_CLIENTS:
            _SAML_CLIENTS[region] = _client(region)
        return _SAML_CLIENTS[region]


def _client(region: Optional[str], credentials: Optional[TemporaryCredentials] = None):
    import boto3
    import botocore.session
    from botocore import UNSIGNED
    from botocore.config import Config

    # Our own botocore session that ignores AWS_PROFILE: it may name the very profile we are about to
    # create, and a missing profile must not stop us. No credentials are looked up for the SAML call.
    core = botocore.session.Session()
    core.set_config_variable("profile", None)
    # Nor does it read the credentials file: the SAML call is unsigned and the second hop passes its keys.
    # (botocore would otherwise parse it at start-up and stop on a file we are about to report on.)
    core.set_config_variable("credentials_file", os.devnull)
    session = boto3.session.Session(botocore_session=core)
    options = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=10, read_timeout=30)
    if credentials is None:
        options = options.merge(Config(signature_version=UNSIGNED))  # AssumeRoleWithSAML is not signed
        return session.client("sts", region_name=region or "us-east-1", config=options)
    return session.client(
        "sts",
        region_name=region or "us-east-1",
        config=options,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
    )


def _credentials(answer: dict) -> TemporaryCredentials:
    c = answer["Credentials"]
    return TemporaryCredentials(
        access_key_id=c["AccessKeyId"],
        secret_access_key=c["SecretAccessKey"],
        session_token=c["SessionToken"],
        expiration=c["Expiration"],
    )


def _call(what: str, call, **params) -> dict:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return call(**params)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise StsError(f"AWS STS refused {what}: {error.get('Code', 'Error')}: {error.get('Message', '')}".rstrip(": ")) from None
    except BotoCoreError as exc:
        raise StsError(f"Could not call AWS STS ({what}): {exc}") from None


def _exceeds_max_duration(error: StsError) -> bool:
    return "MaxSessionDuration" in str(error)


def assume_role_with_saml(assertion: Assertion, role: Role, region: Optional[str], say=None) -> StsResult:
    client = _saml_client(region)
    duration = assertion.session_duration or DEFAULT_DURATION
    params = dict(RoleArn=role.arn, PrincipalArn=role.principal_arn, SAMLAssertion=assertion.b64)
    try:
        answer = _call(f"AssumeRoleWithSAML for {role.arn}", client.assume_role_with_saml,
                       DurationSeconds=duration, **params)
    except StsError as error:
        if duration == DEFAULT_DURATION or not _exceeds_max_duration(error):
            raise
        if say:
            say(f"The role allows less than {duration} s; asking for {DEFAULT_DURATION} s instead.")
        answer = _call(f"AssumeRoleWithSAML for {role.arn}", client.assume_role_with_saml,
                       DurationSeconds=DEFAULT_DURATION, **params)
    return StsResult(_credentials(answer), role.arn, answer["AssumedRoleUser"]["Arn"])


def assume_role_in_account(first: StsResult, role: Role, account_number: str, region: Optional[str]) -> StsResult:
    """The original's second hop: the same role name in another account, chained from the first session."""
    role_arn = f"arn:{role.partition}:iam::{account_number}:role/{role.name}"
    session_name = first.assumed_role_arn.rsplit("/", 1)[-1]
    client = _client(region, first.credentials)
    answer = _call(f"AssumeRole into {role_arn}", client.assume_role,
                   RoleArn=role_arn, RoleSessionName=session_name, DurationSeconds=CHAINED_MAX_DURATION)
    return StsResult(_credentials(answer), role_arn, answer["AssumedRoleUser"]["Arn"])
