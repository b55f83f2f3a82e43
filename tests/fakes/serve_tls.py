"""The fake Okta org and the fake STS over TLS, under names no DNS knows, behind a logging forward proxy.

    python -m tests.fakes.serve_tls --dir FOLDER --ready-file FILE [--factors totp]

Until SIGTERM/Ctrl-C:
- the org at https://okta.aws-sts.test:PORT, its certificate issued by a throwaway CA "org" (FOLDER/ca-org.pem);
- STS at https://sts.aws-sts.test:PORT, its certificate issued by another throwaway CA "sts" (FOLDER/ca-sts.pem);
  FOLDER/ca-both.pem holds both (a corporate bundle), so a test can trust one leg and not the other;
- a CONNECT proxy (tests/fakes/connect_proxy.py) on 127.0.0.1, the only thing that resolves *.aws-sts.test (to
  127.0.0.1, where both servers listen): a client that reaches them at all went through it. It logs one line per
  tunnel or request to FOLDER/proxy.log; the servers' failed TLS handshakes go to FOLDER/tls-failures.log.

FILE gets JSON: proxy_url, sts_endpoint_url, idp_entry_url, org_host_port, sts_host_port, the demo user, config.
Used by the container test (tests/container/run.sh).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

from tests.fakes.connect_proxy import ConnectProxy
from tests.fakes.okta_org import FakeOktaOrg, Scenario
from tests.fakes.serve import describe
from tests.fakes.sts_server import FakeSts
from tests.fakes.tls import ThrowawayCa, tls_server_class

DOMAIN = "aws-sts.test"
ORG_HOST = f"okta.{DOMAIN}"
STS_HOST = f"sts.{DOMAIN}"


def over_tls(fake, public_name: str, context):
    """Make `fake` (a LoopbackServer, not started) serve TLS on 127.0.0.1 and call itself https://public_name:PORT."""
    plain_serve = fake.serve

    def serve(handler, server_class=ThreadingHTTPServer, name="fake", poll_interval=0.5, host="127.0.0.1"):
        plain_serve(handler, tls_server_class(server_class, context), name, poll_interval, host)
        return f"https://{public_name}:{fake._server.server_address[1]}"

    fake.serve = serve
    return fake


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--ready-file", required=True)
    parser.add_argument("--factors", default="totp")
    args = parser.parse_args()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    org_ca, sts_ca = ThrowawayCa("aws-sts test CA org"), ThrowawayCa("aws-sts test CA sts")
    org_ca.write(folder / "ca-org.pem")
    sts_ca.write(folder / "ca-sts.pem")
    (folder / "ca-both.pem").write_bytes(org_ca.pem + sts_ca.pem)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    org = over_tls(FakeOktaOrg(Scenario(factors=args.factors)), ORG_HOST, org_ca.server_context([ORG_HOST]))
    sts = over_tls(FakeSts(trusted_cert_pem=org.idp_cert_pem), STS_HOST, sts_ca.server_context([STS_HOST]))
    with org, sts, ConnectProxy(folder / "proxy.log", {"." + DOMAIN: "127.0.0.1"}) as proxy:
        ready = describe(org, sts)
        ready.update(proxy_url=proxy.url, org_host_port=org.base_url.split("://", 1)[1],
                     sts_host_port=sts.endpoint_url.split("://", 1)[1])
        tmp = f"{args.ready_file}.tmp"
        with open(tmp, "w") as fh:
            json.dump(ready, fh, indent=2)
        os.replace(tmp, args.ready_file)  # readers never see a half-written file
        try:
            while not stop.wait(0.5):
                _write_failures(folder, org, sts)
        except KeyboardInterrupt:
            pass
        _write_failures(folder, org, sts)


def _write_failures(folder: Path, org, sts) -> None:
    lines = [f"org {reason}" for reason in org._server.tls_failures] + \
            [f"sts {reason}" for reason in sts._server.tls_failures]
    (folder / "tls-failures.log").write_text("".join(line + "\n" for line in lines))


if __name__ == "__main__":
    main()
