"""Every role of one assertion: `--list-roles` prints them, `--all-roles` assumes them all.

One sign-in serves them all. The AssumeRoleWithSAML calls run side by side (each with its own duration
retry, as one role's call does), and every profile is written in one locked rewrite of the credentials file,
so 50 roles cost about one STS round trip and one write, not fifty of each.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from aws_sts import credentials, sts
from aws_sts.redact import first_line

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable

    from aws_sts.config import Config
    from aws_sts.saml import Assertion, Role

PARALLEL_CALLS = 10  # botocore keeps 10 connections per client: more threads would only queue for them


def account_label(role: Role, config: Config) -> str:
    """The account's name in the config, else its id."""
    return config.account_name_for(role.account_id) or role.account_id


def listing(assertion: Assertion, config: Config) -> str:
    """One line per role, tab-separated: account label, role name, role ARN (for `cut -f` and `read`)."""
    return "".join(f"{account_label(r, config)}\t{r.name}\t{r.arn}\n" for r in assertion.roles)


def profile_name(role: Role, config: Config) -> str:
    return f"{account_label(role, config)}-{role.name}"


def assume_all(assertion: Assertion, config: Config, say: Callable[[str], None]) -> list:
    """[(role, StsResult or the StsError it got)] in the assertion's order."""
    def assume(role: Role):
        try:
            return sts.assume_role_with_saml(assertion, role, config.region, timeout=config.timeout_seconds,
                                             say=lambda message: say(f"{role.arn}: {message}"))
        except sts.StsError as error:
            return error

    roles = list(assertion.roles)
    with ThreadPoolExecutor(max_workers=max(1, min(PARALLEL_CALLS, len(roles))),
                            thread_name_prefix="all-roles") as pool:
        return list(zip(roles, pool.map(assume, roles)))


def write_all(config: Config, outcomes: list) -> tuple:
    """Write every role that STS gave credentials to its own profile, in one rewrite of the file.
    Returns (the path written or None, [(profile, result)], [(role, error)])."""
    written = [(profile_name(role, config), result) for role, result in outcomes
               if not isinstance(result, Exception)]
    failed = [(role, result) for role, result in outcomes if isinstance(result, Exception)]
    path = None
    if written:
        path = credentials.write_profiles(
            config.credentials_path, [(profile, result.credentials, result.role_arn) for profile, result in written],
            region=config.region, output=config.output_format)
    return path, written, failed


def failure_line(role: Role, error: Exception) -> str:
    return f"aws-sts: {role.arn}: {first_line(error)}"


def run(args, config: Config, assertion: Assertion, prompts, hold_signals) -> int:
    """--list-roles (print) or --all-roles (assume all, write all); exit 1 when any role was refused."""
    import sys

    if args.list_roles:
        sys.stdout.write(listing(assertion, config))
        return 0
    path, written, failed = hold_signals(lambda: write_all(config, assume_all(assertion, config, prompts.say)))
    for profile, result in written:
        print(f"{profile}: {result.role_arn}")
    if path:
        expires = min(r.credentials.expiration for _, r in written).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
        print(f"{len(written)} profile(s) written to {path}; the first expires at {expires}.")
    for role, error in failed:
        print(failure_line(role, error), file=sys.stderr)
    return 1 if failed else 0
