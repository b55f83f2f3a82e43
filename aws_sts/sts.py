"""AWS STS with boto3: AssumeRoleWithSAML, the optional second hop, duration limits.

boto3 honours AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL, which the tests and the demo use.

Retries are ours, not botocore's (its clients make one attempt): an answer botocore cannot parse, a 5xx,
throttling and a lost connection all go through one loop bounded by the phase's deadline (timeoutSeconds).
Each attempt runs in a worker thread that the caller stops waiting for when the deadline comes, so an STS
that accepts the connection and then says nothing cannot hold the CLI past it.

No message and no exception chain carries the assertion or issued keys: botocore's ResponseParserError
quotes the raw body (which may hold a secret key), so errors are summarised and raised outside any
`except` block, with nothing attached.
"""

from __future__ import annotations

import os
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Callable, Optional

from aws_sts.credentials import TemporaryCredentials
from aws_sts.errors import StsError
from aws_sts.saml import Assertion, Role
from aws_sts.shown import url
from aws_sts.sts_failures import Failure, Unreadable, classify, one_line

DEFAULT_DURATION = 3600
CHAINED_MAX_DURATION = 3600  # AWS caps role-chaining sessions at one hour
DEFAULT_TIMEOUT = 120.0  # the config's timeoutSeconds default
MAX_ATTEMPTS = 3  # botocore's standard mode makes 3 too
BACKOFF_SECONDS = 0.5  # full jitter: wait up to 0.5 s, then up to 1 s (the tests set 0)
CONNECT_TIMEOUT, READ_TIMEOUT = 10.0, 30.0  # per attempt, never more than the phase's timeout
MAX_LIFETIME = timedelta(seconds=43200)  # the longest session STS grants (DurationSeconds' maximum)
# What a credentials file line (and an `export` line, and the credential_process JSON's reader) cannot carry.
UNWRITABLE = frozenset(chr(c) for c in range(32)) | {"\x7f", "\x85", "\u2028", "\u2029"}


@dataclass(frozen=True)
class StsResult:
    """credentials.expiration is STS's own. issued_at is this machine's clock when the answer arrived and
    lifetime what STS granted (Expiration minus STS's own time, its Date header): together they say when the
    keys end by this machine's clock, even when it is hours off (see local_expiration)."""

    credentials: TemporaryCredentials
    role_arn: str
    assumed_role_arn: str
    issued_at: Optional[datetime] = None
    lifetime: Optional[timedelta] = None

    @property
    def local_expiration(self) -> datetime:
        """When the keys end by this machine's clock (STS's Expiration when the answer's time is unknown)."""
        if self.issued_at is None or self.lifetime is None:
            return self.credentials.expiration
        return self.issued_at + self.lifetime


def preload(region: Optional[str], *, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Import boto3 and build the STS client in a background thread (~0.25 s), while the browser works."""
    def load():
        try:
            _client(region, None, timeout)
        except Exception:  # the real call, later, reports any problem
            pass

    threading.Thread(target=load, name="preload-sts", daemon=True).start()


# --- clients --------------------------------------------------------------------------------------------

_CLIENTS: dict = {}
_SESSION: list = []  # the one boto3 session, made on first use
# boto3 sessions are not thread-safe (clients are): every client is made under this lock, which also makes
# a caller wait for the preload thread's client instead of building a second one.
_LOCK = threading.Lock()


def _session():
    import boto3
    import botocore.session
    from botocore.configprovider import ConstantProvider

    if not _SESSION:
        # Our own botocore session that ignores AWS_PROFILE: it may name the very profile we are about to
        # create, and a missing profile must not stop us. No credentials are looked up for the SAML call.
        # (set_config_variable("profile", None) is not enough: None means "unset", and AWS_PROFILE then wins.)
        core = botocore.session.Session()
        core.get_component("config_store").set_config_provider("profile", ConstantProvider(None))
        # Nor does it read the credentials file: the SAML call is unsigned and the second hop passes its keys.
        # (botocore would otherwise parse it at start-up and stop on a file we are about to report on.)
        # A path that cannot exist (under a device, not a folder) rather than os.devnull itself: botocore
        # skips a missing file, but parses whatever /dev/null holds should it ever be a regular file.
        core.set_config_variable("credentials_file", os.path.join(os.devnull, "no-credentials-file"))
        _SESSION.append(boto3.session.Session(botocore_session=core))
    return _SESSION[0]


def _client(region: Optional[str], credentials: Optional[TemporaryCredentials], timeout: float):
    """The unsigned client is built once per (region, timeout, endpoint override) and shared (clients are
    thread-safe and keep their connections); a signed one is made per call, since its keys are used once.
    Either takes ~5 ms after the first: the session has the service model loaded."""
    key = (region, timeout, os.environ.get("AWS_ENDPOINT_URL_STS"), os.environ.get("AWS_ENDPOINT_URL"))
    with _LOCK:
        if credentials is not None:
            return _new_client(region, credentials, timeout)
        if key not in _CLIENTS:
            _CLIENTS[key] = _new_client(region, credentials, timeout)
        return _CLIENTS[key]


def _new_client(region: Optional[str], credentials: Optional[TemporaryCredentials], timeout: float):
    from urllib.parse import urlsplit

    from botocore import UNSIGNED
    from botocore.config import Config

    from aws_sts.urls import is_loopback
    from aws_sts.web import ca_bundle

    options = Config(retries={"total_max_attempts": 1, "mode": "standard"},  # we retry, under the deadline
                     connect_timeout=max(0.1, min(CONNECT_TIMEOUT, timeout)),
                     read_timeout=max(0.1, min(READ_TIMEOUT, timeout)))
    # botocore takes HTTPS_PROXY/NO_PROXY from the environment; a loopback endpoint (a local STS) is reached
    # directly, as by every other request of aws-sts (aws_sts/web.py): no proxy can reach this machine's localhost.
    endpoint = os.environ.get("AWS_ENDPOINT_URL_STS") or os.environ.get("AWS_ENDPOINT_URL") or ""
    if is_loopback(urlsplit(endpoint).hostname or ""):
        options = options.merge(Config(proxies={}))  # {}, not None: None means "from the environment"
    keys = {}
    if credentials is None:
        options = options.merge(Config(signature_version=UNSIGNED))  # AssumeRoleWithSAML is not signed
    else:
        keys = {"aws_access_key_id": credentials.access_key_id,
                "aws_secret_access_key": credentials.secret_access_key,
                "aws_session_token": credentials.session_token}
    # verify: AWS_STS_CA_BUNDLE or AWS_CA_BUNDLE; None: botocore's own (AWS_CA_BUNDLE, its config)
    return _session().client("sts", region_name=region or "us-east-1", config=options, verify=ca_bundle(), **keys)


def _client_or_error(region, credentials, timeout):
    """The client, or a one-line StsError when boto3 cannot build one (a malformed AWS_ENDPOINT_URL_STS...)."""
    from botocore.exceptions import BotoCoreError

    try:
        return _client(region, credentials, timeout)
    except (BotoCoreError, ValueError) as exc:
        problem = one_line(str(exc), ())
    raise StsError(f"Could not set up the AWS STS client for region {region or 'us-east-1'}: {problem}. "
                   "Check the config's region and AWS_ENDPOINT_URL_STS.")


def _endpoint(client) -> str:
    """The endpoint as messages show it (shown.url), without a trailing "/"."""
    return url(client.meta.endpoint_url).rstrip("/")


# --- one call, with retries under a deadline --------------------------------------------------------------

_TIMED_OUT = object()


def _attempt(call, params: dict, wait: float):
    """(answer, None), (None, exception) or (None, _TIMED_OUT) when nothing came back within `wait` s."""
    outcome: list = []

    def run():
        try:
            outcome.append((call(**params), None))
        except Exception as exc:  # noqa: BLE001 - classified by the caller's thread
            outcome.append((None, exc))

    worker = threading.Thread(target=run, name="sts-call", daemon=True)
    worker.start()
    worker.join(wait)
    return outcome[0] if outcome else (None, _TIMED_OUT)


def _call(what: str, call, read: Callable[[dict], StsResult], deadline: float, timeout: float, endpoint: str,
          secrets=(), **params) -> StsResult:
    """Call STS and read its answer, retrying transient failures until MAX_ATTEMPTS or the deadline.

    Every StsError is raised outside an `except` block: no exception (quoting the body) rides along."""
    silent = Failure(f"AWS STS at {endpoint} did not answer within the {timeout:g} s timeout", what,
                      "check your network, or raise timeoutSeconds in the config.", False)
    failure, attempts = silent, 0
    while attempts < MAX_ATTEMPTS:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        attempts += 1
        answer, exc = _attempt(call, params, left)
        if exc is _TIMED_OUT:
            failure = silent
            break
        if exc is None:
            try:
                return read(answer)
            except (LookupError, ValueError, TypeError, AttributeError):
                exc = Unreadable()
        failure = classify(exc, what, endpoint, min(READ_TIMEOUT, timeout), secrets)
        del exc, answer  # the exception may quote the body: keep it no longer than needed
        if not failure.retry:
            break
        if attempts < MAX_ATTEMPTS:  # full jitter, and never past the deadline
            pause = random.uniform(0, BACKOFF_SECONDS * 2 ** (attempts - 1))
            time.sleep(max(0.0, min(pause, deadline - time.monotonic())))
    raise StsError(failure.message(attempts))


# --- the answers ----------------------------------------------------------------------------------------------

def _credentials(answer: dict) -> TemporaryCredentials:
    """The issued keys; KeyError/TypeError/ValueError when the answer lacks them (treated as unreadable), and
    StsError, before anything is written, when a key holds what no credentials file line can carry."""
    c = answer["Credentials"]
    keys = [c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]]
    if not all(isinstance(key, str) and key for key in keys) or not isinstance(c["Expiration"], datetime):
        raise ValueError("incomplete credentials")
    for name, key in zip(("AccessKeyId", "SecretAccessKey", "SessionToken"), keys):
        if not UNWRITABLE.isdisjoint(key):
            raise StsError(f"AWS STS answered credentials that cannot be written to a credentials file (its {name} "
                           "holds a line break or another control character); nothing was written.")
    return TemporaryCredentials(access_key_id=keys[0], secret_access_key=keys[1], session_token=keys[2],
                                expiration=c["Expiration"])


def granted(answer: dict, expiration: datetime, arrived: datetime) -> timedelta:
    """The lifetime STS granted: Expiration minus STS's own time (the answer's Date header), so that a clock
    hours off here does not shorten or stretch it; without a usable Date, Expiration minus the time the answer
    arrived (this clock taken as right at issue time). Never more than STS's longest session."""
    lifetime = None
    try:
        sent = parsedate_to_datetime(answer["ResponseMetadata"]["HTTPHeaders"]["date"])
        if sent.tzinfo is not None:
            lifetime = expiration - sent
    except (LookupError, TypeError, ValueError, AttributeError):
        pass
    if lifetime is None or not timedelta(0) < lifetime <= MAX_LIFETIME:
        lifetime = expiration - arrived
    return min(lifetime, MAX_LIFETIME)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _result(role_arn: str):
    def read(answer: dict) -> StsResult:
        arrived = _now()
        assumed = answer["AssumedRoleUser"]["Arn"]
        if not isinstance(assumed, str) or not assumed:
            raise ValueError("no assumed role ARN")
        creds = _credentials(answer)
        return StsResult(creds, role_arn, assumed, arrived, granted(answer, creds.expiration, arrived))

    return read


def _exceeds_max_duration(error: StsError) -> bool:
    return "MaxSessionDuration" in str(error)


def saml_duration(assertion: Assertion, asked: Optional[int], say=None) -> int:
    """The DurationSeconds to ask: --duration (asked) within the assertion's SessionDuration, else that, else
    3600."""
    limit = assertion.session_duration
    if asked is None:
        return limit or DEFAULT_DURATION
    if limit and asked > limit:
        if say:
            say(f"Your IdP allows sessions of at most {limit} s (SessionDuration); asking for {limit} s.")
        return limit
    return asked


def assume_role_with_saml(assertion: Assertion, role: Role, region: Optional[str], say=None, *,
                          timeout: float = DEFAULT_TIMEOUT, duration: Optional[int] = None) -> StsResult:
    """AssumeRoleWithSAML; the whole phase (retries and the retry at 3600 s included) ends within `timeout` s.
    duration: --duration (seconds), see saml_duration()."""
    deadline = time.monotonic() + timeout
    client = _client_or_error(region, None, timeout)
    what = f"AssumeRoleWithSAML for {role.arn}"
    duration = saml_duration(assertion, duration, say)
    params = {"RoleArn": role.arn, "PrincipalArn": role.principal_arn, "SAMLAssertion": assertion.b64}
    common = {"read": _result(role.arn), "deadline": deadline, "timeout": timeout, "endpoint": _endpoint(client),
              "secrets": (assertion.b64,)}
    try:
        return _call(what, client.assume_role_with_saml, DurationSeconds=duration, **common, **params)
    except StsError as error:
        if duration == DEFAULT_DURATION or not _exceeds_max_duration(error):
            raise
    if say:
        say(f"The role allows less than {duration} s; asking for {DEFAULT_DURATION} s instead.")
    return _call(what, client.assume_role_with_saml, DurationSeconds=DEFAULT_DURATION, **common, **params)


def assume_role_in_account(first: StsResult, role: Role, account_number: str, region: Optional[str], *,
                           timeout: float = DEFAULT_TIMEOUT, duration: Optional[int] = None) -> StsResult:
    """The original's second hop: the same role name in another account, chained from the first session, for
    `duration` s (--duration) up to the one hour AWS allows a chained session."""
    deadline = time.monotonic() + timeout
    role_arn = f"arn:{role.partition}:iam::{account_number}:role/{role.name}"
    session_name = first.assumed_role_arn.rsplit("/", 1)[-1]
    client = _client_or_error(region, first.credentials, timeout)
    secrets = (first.credentials.secret_access_key, first.credentials.session_token)
    return _call(f"AssumeRole into {role_arn}", client.assume_role, _result(role_arn), deadline, timeout,
                 _endpoint(client), secrets, RoleArn=role_arn, RoleSessionName=session_name,
                 DurationSeconds=min(duration or CHAINED_MAX_DURATION, CHAINED_MAX_DURATION))
