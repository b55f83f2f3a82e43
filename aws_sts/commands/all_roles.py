"""aws-sts --all-roles: sign in once and assume every role of the assertion, each into its own profile
<account>-<role>.

The AssumeRoleWithSAML calls run side by side and every profile is written in one locked rewrite of the
credentials file, so 50 roles cost about one STS round trip and one write, not fifty of each. Exit 1 when any
role was refused (the others are written all the same).
"""

from __future__ import annotations

import sys

from aws_sts import credentials, flow, signals, target, timefmt
from aws_sts.commands import Request
from aws_sts.commands.common import sign_in
from aws_sts.errors import EXIT_FAILURE, EXIT_OK
from aws_sts.prompts import Prompts
from aws_sts.redact import first_line


def run(request: Request) -> int:
    config, prompts = request.config, Prompts()
    assertion = sign_in(request, prompts, writes=True)
    prompts.progress(f"AWS STS: assuming {len(assertion.roles)} roles…")
    outcomes = flow.get_all_credentials(assertion, config, prompts.say, duration=request.duration)
    prompts.end_progress()
    written = [(target.profile_name(target.label(config, role.account_id), role.name), result)
               for role, result in outcomes if not isinstance(result, Exception)]
    failed = [(role, error) for role, error in outcomes if isinstance(error, Exception)]
    if written:
        path = signals.holding(lambda: credentials.write_profiles(
            config.credentials_path, [(profile, result.credentials, result.role_arn) for profile, result in written],
            region=config.region, output=config.output_format))
        for profile, result in written:
            print(f"{profile}: {result.role_arn}")
        first = min(result.credentials.expiration for _, result in written)
        print(f"{len(written)} profile(s) written to {path}; the first expires at {timefmt.local(first)}.")
    for role, error in failed:
        print(f"aws-sts: {role.arn}: {first_line(error)}", file=sys.stderr)
    return EXIT_FAILURE if failed else EXIT_OK
