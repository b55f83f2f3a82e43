"""The playground: the fake Okta org and fake STS of tests.fakes.serve, kept running until Ctrl-C, with several
roles in two accounts, to try every example of the README's "Daily use" by hand.

    python -m tests.fakes.playground [--home playground-home] [--engine classic|oie] [--roles ...]

It writes into ./playground-home: config.json (both accounts), .aws/config (a credential_process profile
for the AWS CLI) and env.sh, the environment to source in another terminal: HOME is the playground's, so
your own ~/.aws is never touched.
"""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import sys
from pathlib import Path

from tests.fakes.demo import shown
from tests.fakes.serve import add_options, describe, role_pairs, running, stop_on_sigterm, wait_for

BIN = Path(sys.executable).parent
ROLES = ["staging/Developer", "staging/Admin", "staging/ReadOnly", "production/Developer", "production/ReadOnly"]
AWS_CONFIG = """\
[profile production-dev]
credential_process = aws-sts --format process --role production/Developer
region = us-east-1
"""
EXAMPLES = """\
aws-sts                                    # several roles: the picker (on a terminal)
aws-sts --role Developer                   # then again: nothing to do while the keys are valid
aws-sts --role production/Developer
aws-sts --list-roles
aws-sts --all-roles
eval "$(aws-sts --format env --role Developer)"
aws sts get-caller-identity --profile production-dev    # credential_process, from .aws/config
aws-sts --logout                           # the next run signs in again"""
# The variables that would send aws-sts or the AWS CLI elsewhere than the playground.
UNSET = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
         "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_ENDPOINT_URL")


def environment(home: Path, info: dict) -> dict[str, str]:
    return {
        "PATH": f"{BIN}:$PATH",  # aws-sts and the AWS CLI of this checkout's .venv
        "HOME": str(home),
        "AWS_STS_CONFIG": str(home / "config.json"),
        "AWS_ENDPOINT_URL_STS": info["sts_endpoint_url"],
        "AWS_STS_USERNAME": info["username"],
        "AWS_STS_PASSWORD": info["password"],
        "AWS_STS_TOTP_SECRET": info["totp_secret"],
    }


def env_script(env: dict[str, str]) -> str:
    lines = ["# . this file: aws-sts and the AWS CLI then use the playground (make playground)",
             f"unset {' '.join(UNSET)}"]
    for name, value in env.items():
        quoted = f'"{value}"' if name == "PATH" else shlex.quote(value)
        lines.append(f"export {name}={quoted}")
    lines.append("# unset AWS_STS_PASSWORD AWS_STS_TOTP_SECRET to be asked for them")
    return "\n".join(lines) + "\n"


def _indented(text: str) -> str:
    return "".join(f"  {line}" for line in text.splitlines(keepends=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", default="playground-home")
    add_options(parser, roles=ROLES)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    stop = stop_on_sigterm()
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C stops it, also when started with `&`
    home = Path(args.home).resolve()
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    try:
        with running(args.engine, args.factors, roles=role_pairs(args.roles, args.accounts)) as (org, sts):
            info = describe(org, sts, args.accounts)
            config = json.dumps(info["config"], indent=2)
            (home / "config.json").write_text(config + "\n")
            (home / ".aws" / "config").write_text(AWS_CONFIG)
            env = environment(home, info)
            (home / "env.sh").write_text(env_script(env))
            code = f"python -c \"import pyotp; print(pyotp.TOTP('{info['totp_secret']}').now())\" (after env.sh)"
            print(f"aws-sts playground: a fake Okta org ({args.engine} pages) at {org.base_url} and a fake STS at "
                  f"{sts.endpoint_url}, until Ctrl-C.\n"
                  f"User {info['username']}, password {info['password']}; a TOTP code: {code}\n"
                  f"Roles: {', '.join(args.roles)}\n\n"
                  f"{shown(home / 'config.json')}:\n{config}\n\n"
                  f"{shown(home / '.aws/config')} (HOME is {shown(home)}: your own ~/.aws is not touched):\n"
                  f"{AWS_CONFIG}\n"
                  f"In another terminal, in this folder: . {shown(home / 'env.sh')}   which says:\n"
                  f"{_indented(env_script(env))}\n"
                  f"then try the README's daily use, e.g.:\n{_indented(EXAMPLES)}\n")
            wait_for(stop)
    except KeyboardInterrupt:  # Ctrl-C while starting
        pass
    print("aws-sts playground: stopped.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
