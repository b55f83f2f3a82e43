"""The bundled demo: a full, non-interactive aws-sts login against the local fake Okta org and STS.

    python -m tests.fakes.demo [--engine classic|oie]

It starts the fake org (the real Okta Sign-In Widget) and the fake STS on 127.0.0.1, writes a config.json
into ./demo-home (used as HOME, so your real ~/.aws is never touched), runs the installed `aws-sts` with the
demo user's password and a TOTP code, then shows the profile it wrote and what the real AWS CLI answers
with it. Output comes in the order things happen, also through a pipe (`make demo | cat`).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from tests.fakes.okta_org import totp_now
from tests.fakes.serve import describe, running

BIN = Path(sys.executable).parent


def shown(path: Path | str) -> str:
    """A path as the user can paste it from where they ran the demo: relative when it is below, quoted."""
    if not os.path.isabs(path):
        return shlex.quote(str(path))  # a bare command name, found on PATH
    path = Path(path).resolve()
    try:
        return shlex.quote(str(path.relative_to(Path.cwd())))
    except ValueError:
        return shlex.quote(str(path))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="classic", choices=["classic", "oie"])
    parser.add_argument("--home", default="demo-home")
    args = parser.parse_args()
    # Through a pipe, print() would hold its lines back while the children (aws-sts, aws) write straight
    # to the same output: flush every line, and make the Python children unbuffered too.
    sys.stdout.reconfigure(line_buffering=True)
    home = Path(args.home).resolve()
    home.mkdir(exist_ok=True)
    aws_sts = shutil.which("aws-sts", path=str(BIN)) or "aws-sts"
    aws = shutil.which("aws", path=str(BIN)) or "aws"
    with running(args.engine) as (org, sts):
        info = describe(org, sts)
        (home / "config.json").write_text(json.dumps(info["config"], indent=2))
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(HOME=str(home), AWS_STS_CONFIG=str(home / "config.json"), AWS_ENDPOINT_URL_STS=sts.endpoint_url,
                   PYTHONUNBUFFERED="1")
        command = [aws_sts, "--username", info["username"], "--password", info["password"],
                   "--otp", totp_now(info["totp_secret"])]
        print(f"$ HOME={shown(home)} aws-sts --username {info['username']} --password ***** --otp ******  "
              f"({args.engine} sign-in pages at {org.base_url}, STS at {sts.endpoint_url})")
        result = subprocess.run(command, check=False, env=env, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            return result.returncode
        credentials = home / ".aws" / "credentials"
        print(f"\n$ cat {shown(credentials)}   (secrets shortened)")
        for line in credentials.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and key.strip() in ("aws_secret_access_key", "aws_session_token", "aws_security_token"):
                line = f"{key}={value[:9]}..."
            print(line)
        print(f"\n$ HOME={shown(home)} aws sts get-caller-identity --profile staging-Developer "
              f"--endpoint-url {sts.endpoint_url}")
        result = subprocess.run([aws, "sts", "get-caller-identity", "--profile", "staging-Developer",
                                 "--endpoint-url", sts.endpoint_url, "--output", "json"], check=False, env=env)
        if result.returncode != 0:
            return result.returncode
    # The fake STS has stopped with the demo, so the hint is one that works offline, pasted from here.
    print(f"\nThe profile stays in {shown(credentials)} (its keys were only good for the demo's local STS). "
          f"See it with:\n  AWS_SHARED_CREDENTIALS_FILE={shown(credentials)} {shown(aws)} configure list "
          f"--profile staging-Developer")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
