"""aws-sts: sign in and write the role's credentials to a profile of the credentials file (the default command).

The still-valid skip (the profile already holds keys for the role) is aws_sts.fastpath's, before this runs.
"""

from __future__ import annotations

from aws_sts import flow, signals, timefmt
from aws_sts.commands import Request
from aws_sts.commands.common import sign_in
from aws_sts.errors import EXIT_OK
from aws_sts.prompts import Prompts


def run(request: Request) -> int:
    config, account, prompts = request.config, request.account, Prompts()
    assertion = sign_in(request, prompts, writes=True)                               # 1-5
    role = flow.pick_role(assertion, request.role, config, account, prompts)         # 6
    issued = flow.get_credentials(assertion, role, config, account, prompts=prompts,  # 7
                                  duration=request.duration)
    profile = request.profile or issued.default_profile                              # 8
    path = signals.holding(lambda: flow.emit_profile(config, profile, issued))
    print(f"Your new access key pair has been stored in the AWS configuration file {path} "
          f"under the {profile} profile.\n"
          f"Role: {issued.result.role_arn}\n"
          f"Note that it will expire at {timefmt.local(issued.result.credentials.expiration)}.\n"
          f"After this time you may safely rerun this command to refresh your access key pair.\n"
          "To use it, call the AWS CLI with the --profile option, e.g.: "
          f"aws --profile {profile} sts get-caller-identity")
    return EXIT_OK
