"""Run the fake Okta org and the fake STS on 127.0.0.1 until SIGTERM/Ctrl-C.

    python -m tests.fakes.serve --ready-file /tmp/demo.json [--engine classic|oie] [--factors totp]

When both answer, FILE gets JSON with the URLs, the demo user and a config.json for aws-sts.
Used by the demo (tests/fakes/demo.py) and the container test (tests/container/run.sh).
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


@contextmanager
def running(engine: str = "classic", factors: str = "totp", widget: str = "gen2"):
    with FakeOktaOrg(Scenario(engine=engine, factors=factors, widget=widget)) as org:
        with FakeSts(trusted_cert_pem=org.idp_cert_pem) as sts:
            yield org, sts


def config_for(org) -> dict:
    """The config.json of the demo and the tests: two accounts, the org's AWS app as entry URL."""
    return {
        "awsConfigPath": "/.aws/credentials",
        "outputFormat": "json",
        "region": "us-east-1",
        "provider": "okta",
        "idpEntryUrl": org.app_url,
        "defaultAccount": "staging",
        "accounts": {"staging": "123456789012", "production": "210987654321"},
    }


def describe(org, sts) -> dict:
    return {
        "idp_entry_url": org.app_url,
        "sts_endpoint_url": sts.endpoint_url,
        "username": org.scenario.username,
        "password": org.scenario.password,
        "totp_secret": org.scenario.totp_secret,
        "config": config_for(org),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ready-file", required=True)
    parser.add_argument("--engine", default="classic", choices=["classic", "oie"])
    parser.add_argument("--factors", default="totp")
    args = parser.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with running(args.engine, args.factors) as (org, sts):
        tmp = f"{args.ready_file}.tmp"
        with open(tmp, "w") as fh:
            json.dump(describe(org, sts), fh, indent=2)
        os.replace(tmp, args.ready_file)  # readers never see a half-written file
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
