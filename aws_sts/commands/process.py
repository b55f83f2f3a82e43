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

import time

from aws_sts import cache, last_failure, outputs
from aws_sts.commands import Request
from aws_sts.commands.common import issue
from aws_sts.errors import EXIT_OK, AwsStsError, NoTtyError
from aws_sts.prompts import Prompts


def run(request: Request) -> int:
    config, account = request.config, request.account
    key = cache.key_of(config, account, request.role)
    entry = cache.path_of(key)
    waited_since = time.time()
    with cache.refreshing(config, account, request.role, wait_seconds=max(300.0, 2 * config.timeout_seconds)) as fresh:
        if fresh and not request.force:  # another caller signed in while this one waited
            return answer(fresh)
        prompts = Prompts.on_terminal(time_limit=config.timeout_seconds)
        user = f" as {request.username}" if request.username else ""
        prompts.intro = (f"aws-sts (credential_process{f' --role {request.role}' if request.role else ''}): "
                         f"signing in to {account.idp_entry_url}{user}")
        failed = None if request.force else last_failure.recall(entry, key, waited_since=waited_since,
                                                                 can_ask=prompts.interactive)
        if failed is not None:
            raise failed
        try:
            result = issue(request, prompts).result
        except NoTtyError as exc:
            named = f" --role {request.role}" if request.role else ""
            error = AwsStsError(f"{exc}\nAs a credential_process there is no terminal to ask on: run "
                                f"`aws-sts{named}` once in a terminal; its stored sign-in then serves these calls.")
            last_failure.remember(entry, key, error)
            raise error from None
        except AwsStsError as exc:
            last_failure.remember(entry, key, exc)
            raise
        cache.save(config, account, request.role, result.credentials, result.role_arn, result.issued_at,
                   result.lifetime)
        last_failure.forget(entry)
    # The AWS CLI judges Expiration by this machine's clock: say it in its terms.
    return answer(result.credentials._replace(expiration=result.local_expiration))


def answer(credentials) -> int:
    print(outputs.process_json(credentials))
    return EXIT_OK
