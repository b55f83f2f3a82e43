"""The ways credentials leave aws-sts besides the credentials file: shell `export` lines (and --exec's
environment) and the JSON the AWS CLI and SDKs read from a `credential_process`.

Both are text for stdout and nothing else: status lines go to stderr (Prompts.say), so that
`eval "$(aws-sts --format env)"` and the AWS CLI's credential_process read only what is meant for them.
Light on purpose: aws_sts.fastpath answers from the credential_process cache through process_json().
"""

from __future__ import annotations

import json

from aws_sts.credentials import TemporaryCredentials
from aws_sts.timefmt import iso_utc


def process_json(creds: TemporaryCredentials) -> str:
    """The credential_process answer (Version 1), one line."""
    return json.dumps({
        "Version": 1,
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "SessionToken": creds.session_token,
        "Expiration": iso_utc(creds.expiration),
    })


def env_values(creds: TemporaryCredentials, region: str | None) -> list:
    """The environment variables that carry the credentials (and the region, when known): [(name, value)],
    for `export` lines and for the environment of --exec's command."""
    values = [
        ("AWS_ACCESS_KEY_ID", creds.access_key_id),
        ("AWS_SECRET_ACCESS_KEY", creds.secret_access_key),
        ("AWS_SESSION_TOKEN", creds.session_token),
        ("AWS_CREDENTIAL_EXPIRATION", iso_utc(creds.expiration)),
    ]
    if region:
        values += [("AWS_REGION", region), ("AWS_DEFAULT_REGION", region)]
    return values


def env_lines(creds: TemporaryCredentials, region: str | None) -> str:
    """POSIX `export NAME='value'` lines. Every value is single-quoted (a quote inside becomes '\\''), so
    that whatever STS or the config holds, `eval` only ever assigns: nothing in it can run."""
    return "".join(f"export {name}={shell_quote(value)}\n" for name, value in env_values(creds, region))


def shell_quote(value: str) -> str:
    """Single quotes for any POSIX shell (shlex.quote leaves some values bare; this never does)."""
    return "'" + value.replace("'", "'\\''") + "'"
