"""aws-sts --list-roles: sign in and print every role of the assertion; none is assumed, nothing is written.

One line per role, tab-separated: account (its name in the config, else its id), role name, role ARN, for
`cut -f` and `read`.
"""

from __future__ import annotations

import sys

from aws_sts import target
from aws_sts.commands import Request
from aws_sts.commands.common import sign_in
from aws_sts.errors import EXIT_OK
from aws_sts.prompts import Prompts


def run(request: Request) -> int:
    assertion = sign_in(request, Prompts(), writes=False)
    sys.stdout.write("".join(f"{target.label(request.config, r.account_id)}\t{r.name}\t{r.arn}\n"
                             for r in assertion.roles))
    return EXIT_OK
