"""The answers that need no sign-in, given before anything heavy is imported.

Three runs must start about as fast as Python itself (benchmarks/bench.py): `--version` (<= 1.3x `python -c
pass`), the still-valid skip (the profile already holds keys for the role) and a credential_process answer
from the cache (each <= 5x). This module and what it imports use the standard library and aws-sts's light
modules only (config, still_valid, cache, credentials, store, outputs: no boto3, no Playwright, no
questionary), and tests/unit/test_layout.py checks it. Every other module imports what it needs at the top.
"""

from __future__ import annotations

from aws_sts import __version__, cache, outputs, still_valid
from aws_sts.commands import Request
from aws_sts.errors import EXIT_OK

VERSION_FLAGS = (["-v"], ["--version"])


def version(argv: list) -> int | None:
    """`aws-sts --version` alone, answered before the config is even read."""
    if argv in VERSION_FLAGS:
        print(f"aws-sts {__version__}")
        return EXIT_OK
    return None


def answer(request: Request) -> int | None:
    """The exit code when the request is answered without signing in; None when it needs the sign-in."""
    if request.force:
        return None
    if request.command == "process":
        cached = cache.lookup(request.config, request.account, request.role)
        if cached:  # the AWS CLI asks often
            print(outputs.process_json(cached))
            return EXIT_OK
    elif request.command == "profile":
        found = still_valid.held(request.config, request.account, request.profile, request.role)
        if found:
            print(still_valid.describe(found))
            return EXIT_OK
    return None
