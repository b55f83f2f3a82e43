"""Timing of aws-sts, as medians over several runs (not part of the test run).

    python benchmarks/bench.py [--runs 5]

Prints:
  - `aws-sts --version` against `python -c pass` (both new processes; the ratio is what matters),
  - a full headless login (password + TOTP, the real widget served by the local fake Okta org,
    fake STS) until the credentials are written, for the Classic and the Identity Engine pages.
Budgets (2-core machine): version ratio <= 1.5, login <= 1.1 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.okta_org import totp_now  # noqa: E402
from tests.fakes.serve import describe, running  # noqa: E402

BIN = Path(sys.executable).parent
AWS_STS = shutil.which("aws-sts", path=str(BIN)) or "aws-sts"


def timed(command, env=None) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def median_of(runs: int, command, env=None, warmup: int = 1) -> float:
    for _ in range(warmup):
        timed(command, env)
    return statistics.median(timed(command, env) for _ in range(runs))


def login_time(engine: str, runs: int) -> float:
    import json

    times = []
    with running(engine) as (org, sts), tempfile.TemporaryDirectory() as home:
        info = describe(org, sts)
        Path(home, "config.json").write_text(json.dumps(info["config"]))
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(HOME=home, AWS_STS_CONFIG=f"{home}/config.json", AWS_ENDPOINT_URL_STS=sts.endpoint_url)
        for i in range(runs + 1):
            command = [AWS_STS, "--username", info["username"], "--password", info["password"],
                       "--otp", totp_now(info["totp_secret"])]
            elapsed = timed(command, env)
            if i:  # the first run warms the page cache
                times.append(elapsed)
            org.reset()  # a fresh org state each run (the same code may be reused within 30 s)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--engines", default="classic,oie")
    args = parser.parse_args()

    baseline = median_of(args.runs, [sys.executable, "-c", "pass"])
    version = median_of(args.runs, [AWS_STS, "--version"])
    print(f"python -c pass           median {baseline * 1000:7.1f} ms")
    print(f"aws-sts --version        median {version * 1000:7.1f} ms   ratio {version / baseline:.2f}  (budget <= 1.5)")
    for engine in args.engines.split(","):
        try:
            seconds = login_time(engine, args.runs)
        except subprocess.CalledProcessError as exc:
            print(f"login ({engine}) failed: exit {exc.returncode}")
            continue
        print(f"login {engine:<8} (password + TOTP, headless) median {seconds:5.2f} s   (budget <= 1.1 s)")


if __name__ == "__main__":
    main()
