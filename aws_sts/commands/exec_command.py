"""aws-sts --exec -- COMMAND [ARGS...]: run a command with the role's credentials in its environment; no profile
is written.

The command gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION and,
when a region is known (--region, the config), AWS_REGION and AWS_DEFAULT_REGION; AWS_PROFILE and
AWS_DEFAULT_PROFILE are removed (they would win over the keys in some SDKs), and so are aws-sts's own secrets
(AWS_STS_PASSWORD, AWS_STS_TOTP_SECRET): the command has no use for them. Its stdin, stdout and stderr are
aws-sts's; aws-sts's own lines go to stderr. aws-sts waits for it and exits with its exit code (128+N when
signal N ended it); signals sent to aws-sts are passed on to it (signals.run_child).

The credentials are the ones a `--format process` run for the same command line would answer: from the
credential_process cache while it holds them for more than 10 minutes (--force signs in anyway), else from a
sign-in (the stored session first) under the cache's lock, which is then saved there too: parallel runs sign
in once, as parallel credential_process calls do (commands.common.cached_or_issued). The still-valid skip does
not apply: it is about the profile, which --exec does not use.
"""

from __future__ import annotations

import errno
import os

from aws_sts import cache, outputs, signals, timefmt
from aws_sts.commands import Request
from aws_sts.commands.common import cached_or_issued
from aws_sts.errors import CommandError
from aws_sts.prompts import Prompts
from aws_sts.shown import shown

REMOVED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN", "AWS_STS_PASSWORD", "AWS_STS_TOTP_SECRET")
NOT_FOUND, CANNOT_RUN = 127, 126  # a shell's exit codes for these


def run(request: Request) -> int:
    config, account = request.config, request.account
    prompts = Prompts(time_limit=config.timeout_seconds)  # its questions hold the cache's lock: they must end
    path = find_program(request.argv[0], os.environ.get("PATH", os.defpath))  # before anyone signs in
    creds = None if request.force else cache.lookup(config, account, request.role)
    if creds is not None:
        prompts.say(f"Using the cached credentials (valid until {timefmt.local(creds.expiration)}; "
                    "--force signs in again).")
    else:  # under the cache's lock, as --format process: parallel runs of one command line sign in once
        creds, result = cached_or_issued(request, prompts)
        role = f"Role: {result.role_arn}, valid" if result else "Another aws-sts signed in meanwhile: credentials"
        prompts.say(f"{role} until {timefmt.local(creds.expiration)}.")
    env = child_environment(os.environ, creds, config.region)
    try:
        return signals.run_child(path, request.argv, env)
    except OSError as exc:
        raise _cannot_start(request.argv[0], exc) from None


def child_environment(environ, creds, region: str | None) -> dict:
    """aws-sts's environment for the command: the credentials in, the profile selection and aws-sts's secrets
    out (see the module's docstring)."""
    env = {name: value for name, value in environ.items() if name not in REMOVED}
    env.update(outputs.env_values(creds, region))
    return env


def find_program(name: str, path: str) -> str:
    """The file a shell would run for `name` (a PATH search unless it holds a "/"); CommandError (127 or 126,
    as a shell) when there is none or it cannot be run."""
    if "/" in name:
        candidates = [name]
    else:
        candidates = [os.path.join(folder or ".", name) for folder in path.split(os.pathsep)] if name else []
    unusable = None
    for candidate in candidates:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
        if unusable is None and os.path.exists(candidate):
            unusable = candidate
    if unusable is None:
        raise CommandError(f"{shown(name)}: command not found", NOT_FOUND)
    what = "is a directory" if os.path.isdir(unusable) else "is not executable"
    raise CommandError(f"{shown(name)}: cannot run it: {shown(unusable)} {what}", CANNOT_RUN)


def _cannot_start(name: str, exc: OSError) -> CommandError:
    reason = exc.strerror or type(exc).__name__
    return CommandError(f"{shown(name)}: cannot run it: {reason}",
                        NOT_FOUND if exc.errno == errno.ENOENT else CANNOT_RUN)
