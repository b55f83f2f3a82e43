"""Run the fake Okta org and the fake STS on 127.0.0.1 until SIGTERM/Ctrl-C.

    python -m tests.fakes.serve --ready-file /tmp/demo.json [--engine classic|oie] [--factors totp]
                                [--accounts NAME=NUMBER,...] [--roles ACCOUNT/ROLE,...]

When both answer, FILE gets JSON with the URLs, the demo user and a config.json for aws-sts.
Used by the demo (tests/fakes/demo.py), the playground (tests/fakes/playground.py) and the container test
(tests/container/run.sh).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from contextlib import contextmanager

from tests.fakes.okta_org import FakeOktaOrg, Scenario
from tests.fakes.sts_server import FakeSts

ACCOUNTS = {"staging": "123456789012", "production": "210987654321"}
ROLES = ["staging/Developer"]


@contextmanager
def running(engine: str = "classic", factors: str = "totp", widget: str = "gen2", roles: list | None = None):
    """The org and the STS; `roles` are the assertion's (role ARN, SAML provider ARN) pairs (role_pairs())."""
    scenario = Scenario(engine=engine, factors=factors, widget=widget)
    if roles:
        scenario.roles = roles
    with FakeOktaOrg(scenario) as org:
        with FakeSts(trusted_cert_pem=org.idp_cert_pem) as sts:
            yield org, sts


def role_pairs(roles: list[str], accounts: dict[str, str]) -> list[tuple[str, str]]:
    """ACCOUNT/ROLE names (ACCOUNT a name of `accounts`) -> the SAML Role attribute's (role, provider) pairs."""
    pairs = []
    for name in roles:
        account, _, role = name.partition("/")
        if account not in accounts or not role:
            raise SystemExit(f"--roles: {name!r} is not ACCOUNT/ROLE with ACCOUNT one of {', '.join(accounts)}")
        number = accounts[account]
        pairs.append((f"arn:aws:iam::{number}:role/{role}", f"arn:aws:iam::{number}:saml-provider/Okta"))
    return pairs


def config_for(org, accounts: dict[str, str] | None = None) -> dict:
    """The config.json of the demo and the tests: two accounts, the org's AWS app as entry URL."""
    accounts = accounts or ACCOUNTS
    return {
        "awsConfigPath": "/.aws/credentials",
        "outputFormat": "json",
        "region": "us-east-1",
        "provider": "okta",
        "idpEntryUrl": org.app_url,
        "defaultAccount": next(iter(accounts)),
        "accounts": dict(accounts),
    }


def describe(org, sts, accounts: dict[str, str] | None = None) -> dict:
    return {
        "idp_entry_url": org.app_url,
        "sts_endpoint_url": sts.endpoint_url,
        "username": org.scenario.username,
        "password": org.scenario.password,
        "totp_secret": org.scenario.totp_secret,
        "config": config_for(org, accounts),
    }


def add_options(parser: argparse.ArgumentParser, roles: list[str] = ROLES) -> None:
    """The options of the fakes, shared with the playground."""
    parser.add_argument("--engine", default="classic", choices=["classic", "oie"])
    parser.add_argument("--factors", default="totp")
    parser.add_argument("--accounts", type=_accounts, default=ACCOUNTS, metavar="NAME=NUMBER,...",
                        help="the config's accounts, the first the default (default: %(default)s)")
    parser.add_argument("--roles", type=lambda text: text.split(","), default=roles, metavar="ACCOUNT/ROLE,...",
                        help="the roles of the assertion (default: %(default)s)")


def _accounts(text: str) -> dict[str, str]:
    pairs = [item.partition("=") for item in text.split(",")]
    if not all(sep and len(number) == 12 and number.isdigit() for _, sep, number in pairs):
        raise argparse.ArgumentTypeError("expected NAME=NUMBER,... with 12-digit numbers")
    return {name: number for name, _, number in pairs}


def stop_on_sigterm() -> threading.Event:
    """An event SIGTERM sets; wait_for() it (Ctrl-C ends the wait too)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    return stop


def wait_for(stop: threading.Event) -> None:
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ready-file", required=True)
    add_options(parser)
    args = parser.parse_args()
    stop = stop_on_sigterm()
    with running(args.engine, args.factors, roles=role_pairs(args.roles, args.accounts)) as (org, sts):
        tmp = f"{args.ready_file}.tmp"
        with open(tmp, "w") as fh:
            json.dump(describe(org, sts, args.accounts), fh, indent=2)
        os.replace(tmp, args.ready_file)  # readers never see a half-written file
        wait_for(stop)


if __name__ == "__main__":
    main()
