"""aws-sts --format env: sign in and print POSIX `export` lines for `eval`; no profile is written."""

from __future__ import annotations

import sys

from aws_sts import flow, outputs
from aws_sts.commands import Request
from aws_sts.commands.common import sign_in
from aws_sts.errors import EXIT_OK
from aws_sts.prompts import Prompts


def run(request: Request) -> int:
    config, account, prompts = request.config, request.account, Prompts()
    assertion = sign_in(request, prompts, writes=False)
    role = flow.pick_role(assertion, request.role, config, account, prompts)
    issued = flow.get_credentials(assertion, role, config, account, prompts=prompts)
    sys.stdout.write(outputs.env_lines(issued.result.credentials, config.region))
    prompts.say(f"Role: {issued.result.role_arn}; eval these lines to use it.")
    return EXIT_OK
