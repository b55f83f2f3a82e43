"""The bundled demo: a full, non-interactive aws-sts login against the local fake Okta org and STS.

    python -m tests.fakes.demo [--engine classic|oie]

It starts the fake org (the real Okta Sign-In Widget) and the fake STS on 127.0.0.1, writes a config.json
into ./demo-home (used as HOME, so your real ~/.aws is never touched), runs the installed `aws-sts` with the
demo user's password and a TOTP code, then shows the profile it wrote and what the real AWS CLI answers
with it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.fakes.okta_org import totp_now
from tests.fakes.serve import describe, running

BIN = Path(sys.executable).parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="classic", choices=["classic", "oie"])
    parser.add_argument("--home", default="demo-home")
    args = parser.parse_args()
    home = Path(args.home).resolve()
    home.mkdir(exist_ok=True)
    aws_sts = shutil.which("aws-sts", path=str(BIN)) or "aws-sts"
    aws = shutil.which("aws", path=str(BIN)) or "aws"
    with running(args.engine) as (org, sts):
        info = describe(org, sts)
        (home / "config.json").write_text(json.dumps(info["config"], indent=2))
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(HOME=str(home), AWS_STS_CONFIG=str(home / "config.json"), AWS_ENDPOINT_URL_STS=sts.endpoint_url)
        command = [aws_sts, "--username", info["username"], "--password", info["password"],
                   "--otp", totp_now(info["totp_secret"])]
        print(f"$ HOME={home} aws-sts --username {info['username']} --password ***** --otp ******  "
              f"({args.engine} sign-in pages at {org.base_url}, STS at {sts.endpoint_url})", flush=True)
        result = subprocess.run(command, env=env, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            return result.returncode
        credentials = home / ".aws" / "credentials"
        print(f"\n$ cat {credentials}   (secrets shortened)")
        for line in credentials.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and key.strip() in ("aws_secret_access_key", "aws_session_token", "aws_security_token"):
                line = f"{key}={value[:9]}..."
            print(line)
        print("\n$ aws sts get-caller-identity --profile staging-Developer")
        return subprocess.run([aws, "sts", "get-caller-identity", "--profile", "staging-Developer",
                               "--endpoint-url", sts.endpoint_url, "--output", "json"], env=env).returncode


if __name__ == "__main__":
    raise SystemExit(main())
