"""aws-sts --format process: the AWS CLI's credential_process. Prints the credentials' JSON on stdout; no
profile is written.

The AWS CLI and SDKs run credential_process whenever they need credentials, often several at once. While the
cache holds valid credentials for this request, aws_sts.fastpath answers from it before anything heavy is
imported. Otherwise one caller signs in under the cache's lock and saves what STS gave; the callers that
waited on the lock then answer from that, or fail with the error that sign-in failed with (last_failure), so
one MFA serves them all. Questions go to /dev/tty (the AWS CLI captures stdout and stderr), each within the
config's timeoutSeconds, since the lock is held meanwhile.
"""

from __future__ import annotations

from aws_sts import outputs
from aws_sts.commands import Request
from aws_sts.commands.common import cached_or_issued
from aws_sts.errors import EXIT_OK
from aws_sts.prompts import Prompts


def run(request: Request) -> int:
    prompts = Prompts.on_terminal(time_limit=request.config.timeout_seconds)
    user = f" as {request.username}" if request.username else ""
    named = f" --role {request.role}" if request.role else ""
    prompts.intro = f"aws-sts (credential_process{named}): signing in to {request.account.idp_entry_url}{user}"
    credentials, _ = cached_or_issued(request, prompts, no_terminal=(
        f"As a credential_process there is no terminal to ask on: run `aws-sts{named}` once in a terminal; its "
        "stored sign-in then serves these calls."))
    print(outputs.process_json(credentials))
    return EXIT_OK
