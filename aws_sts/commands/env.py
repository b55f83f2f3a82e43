"""aws-sts --format env: sign in and print POSIX `export` lines for `eval`; no profile is written."""

from __future__ import annotations

import sys

from aws_sts import outputs
from aws_sts.commands import Request
from aws_sts.commands.common import issue
from aws_sts.errors import EXIT_OK
from aws_sts.prompts import Prompts


def run(request: Request) -> int:
    prompts = Prompts()
    issued = issue(request, prompts)
    sys.stdout.write(outputs.env_lines(issued.result.credentials, request.config.region))
    prompts.say(f"Role: {issued.result.role_arn}; eval these lines to use it.")
    return EXIT_OK
