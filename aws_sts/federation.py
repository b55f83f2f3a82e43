"""The AWS console sign-in URL of --console: a sign-in token for the role's credentials from AWS's federation
endpoint, and the login URL built from it (AWS's "custom identity broker" recipe).

    endpoint = federation.endpoint("aws")                       # or AWS_ENDPOINT_URL_SIGNIN
    token = federation.signin_token(endpoint, credentials, timeout=30)
    url = federation.login_url(endpoint, token, issuer, federation.destination("aws", "eu-west-1"))

The token and the URL are bearer secrets (whoever opens the URL within 15 minutes is signed in as the role):
no message here quotes a URL beyond its path (shown.url), and aws_sts.redact scrubs both from whatever text it
cleans. The token's request carries the keys in its query: it goes over https only (http for loopback hosts,
which the tests use), through aws_sts.web's opener (the environment's proxy), and never follows a redirect.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from urllib.parse import urlencode

from aws_sts import urls, web
from aws_sts.credentials import TemporaryCredentials
from aws_sts.errors import AwsStsError, UsageError
from aws_sts.shown import shown, url

ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_SIGNIN"  # the AWS SDKs' AWS_ENDPOINT_URL_<SERVICE> convention
PATH = "/federation"
SIGNIN = {"aws": "https://signin.aws.amazon.com", "aws-us-gov": "https://signin.amazonaws-us-gov.com",
          "aws-cn": "https://signin.amazonaws.cn"}
CONSOLE = {"aws": "https://console.aws.amazon.com/", "aws-us-gov": "https://console.amazonaws-us-gov.com/",
           "aws-cn": "https://console.amazonaws.cn/"}
MAX_ANSWER = 64 * 1024  # a token is a few kilobytes


def endpoint(partition: str, environ: Mapping[str, str] = os.environ) -> str:
    """The federation endpoint: AWS_ENDPOINT_URL_SIGNIN when set (a base URL such as https://signin.example.com,
    to which /federation is added unless it ends so already), else the partition's. UsageError for a variable
    that is not an https URL (http only for loopback hosts)."""
    override = environ.get(ENDPOINT_VARIABLE)
    if not override:
        return SIGNIN[partition] + PATH
    wrong = urls.problem(override)
    if not wrong and ("?" in override or "#" in override):
        wrong = "must have no query or fragment"
    if wrong:
        raise UsageError(f"{ENDPOINT_VARIABLE} {wrong} (such as {SIGNIN['aws']}), got {shown(override)}.")
    base = override.rstrip("/")
    return base if base.endswith(PATH) else base + PATH


def destination(partition: str, region: str | None) -> str:
    """The console's home page in the partition, opened in the run's region when one is known."""
    return CONSOLE[partition] + (f"?{urlencode({'region': region})}" if region else "")


def token_request(endpoint_url: str, creds: TemporaryCredentials) -> str:
    """The getSigninToken URL for these credentials. No SessionDuration: for a role's session the console
    session then lasts as long as the credentials (and AWS refuses one for a chained session)."""
    session = json.dumps({"sessionId": creds.access_key_id, "sessionKey": creds.secret_access_key,
                          "sessionToken": creds.session_token})
    return f"{endpoint_url}?{urlencode({'Action': 'getSigninToken', 'Session': session})}"


def login_url(endpoint_url: str, token: str, issuer: str, destination_url: str) -> str:
    """The URL that signs its opener in to the console: Issuer is where the console sends the user whose
    session ended (the IdP's entry URL: sign in there again)."""
    query = urlencode({"Action": "login", "Issuer": issuer, "Destination": destination_url, "SigninToken": token})
    return f"{endpoint_url}?{query}"


def signin_token(endpoint_url: str, creds: TemporaryCredentials, *, timeout: float) -> str:
    """AWS's sign-in token for the credentials; AwsStsError (exit 1) in one line when the endpoint cannot be
    reached or gives none."""
    where = f"AWS sign-in at {url(endpoint_url)}"
    problem = None
    try:
        with web.opener().open(token_request(endpoint_url, creds), timeout=timeout) as response:
            status, body = response.status, response.read(MAX_ANSWER + 1)
    except OSError as exc:  # URLError, a timeout, a reset: the reason, never the URL (it holds the keys)
        reason = getattr(exc, "reason", None) or exc.strerror or type(exc).__name__
        problem = f"Cannot reach {where} ({reason}); check the network, or {ENDPOINT_VARIABLE}."
    if problem:
        raise AwsStsError(problem)
    if status != 200:
        raise AwsStsError(f"{where} refused to give a console sign-in token for these credentials (HTTP {status}).")
    try:
        token = json.loads(body.decode("utf-8"))["SigninToken"]
    except (ValueError, LookupError, TypeError, UnicodeDecodeError):
        token = None
    if not isinstance(token, str) or not token or len(body) > MAX_ANSWER:
        raise AwsStsError(f"{where} answered without a console sign-in token; check {ENDPOINT_VARIABLE}.")
    return token
