"""The first steps of every command that signs in: refuse now what would fail later, then sign in; and the
steps up to the role's credentials, for the commands that use them without writing a profile."""

from __future__ import annotations

import time

from aws_sts import cache, flow, last_failure, saml, store
from aws_sts.commands import Request
from aws_sts.errors import AwsStsError, NoTtyError
from aws_sts.prompts import Prompts


def sign_in(request: Request, prompts: Prompts, *, writes: bool) -> saml.Assertion:
    """The SAML assertion of a sign-in with what the request gives (the rest is asked when a page needs it).
    writes: whether the command writes the credentials file (checked before anyone signs in)."""
    flow.check_before_sign_in(request.config, request.profile, request.role, writes=writes)
    answers = flow.Answers(prompts, username=request.username, password=request.password, otp=request.otp,
                           totp_secret=request.totp_secret)
    return flow.get_assertion(request.config, request.account, answers, debug=request.debug)


def issue(request: Request, prompts: Prompts) -> flow.Issued:
    """Steps 1-7 for a command that writes no profile: sign in, pick the role, get its credentials from STS."""
    config, account = request.config, request.account
    assertion = sign_in(request, prompts, writes=False)
    role = flow.pick_role(assertion, request.role, config, account, prompts)
    return flow.get_credentials(assertion, role, config, account, prompts=prompts, duration=request.duration)


def cached_or_issued(request: Request, prompts: Prompts, *, no_terminal: str = "") -> tuple:
    """The role's credentials for a command that uses them without a profile (--format process, --exec), under
    the credential_process cache's lock: what another caller saved while this one waited, else one sign-in
    (issue), saved for the next caller. A sign-in that fails is remembered for the callers that waited on it
    (last_failure), so they answer with its error instead of each trying again. Returns (credentials with
    the expiration in this machine's clock, the Issued sign-in or None when the cache answered).
    no_terminal: what to add to the error when a question needs a terminal there is none of."""
    config, account = request.config, request.account
    key = cache.key_of(config, account, request.role)
    entry = cache.path_of(key)
    waited_since = time.time()
    with cache.refreshing(config, account, request.role, wait_seconds=max(300.0, 2 * config.timeout_seconds)) as fresh:
        if fresh and not request.force:  # another caller signed in while this one waited
            return fresh, None
        failed = None if request.force else last_failure.recall(entry, key, waited_since=waited_since,
                                                                 can_ask=prompts.interactive)
        if failed is not None:
            raise failed
        try:
            result = issue(request, prompts).result
        except NoTtyError as exc:
            error = AwsStsError(f"{exc}\n{no_terminal}") if no_terminal else exc
            last_failure.remember(entry, key, error)
            raise error from None
        except AwsStsError as exc:
            last_failure.remember(entry, key, exc)
            raise
        try:
            cache.save(config, account, request.role, result.credentials, result.role_arn, result.issued_at,
                       result.lifetime)
        except (OSError, store.StoreError) as exc:  # the credentials are good: not caching them is worth a warning
            prompts.say(f"aws-sts: warning: could not cache the credentials ({exc}); the next run signs in again.")
        last_failure.forget(entry)
    # The AWS CLI and SDKs judge the expiration by this machine's clock: say it in its terms.
    return result.credentials._replace(expiration=result.local_expiration), result
