"""Command line: build_parser() (also used by argparse-manpage) and main(), steps 1-8 top to bottom."""

from __future__ import annotations

import os
import sys

from aws_sts import __version__
from aws_sts.errors import EXIT_INTERRUPTED, EXIT_OK, AwsStsError, ConfigError

TYPE_CHECKING = False  # not from typing: importing typing and argparse costs ~15 ms, `--version` should not pay
if TYPE_CHECKING:
    import argparse
    from typing import Optional, Sequence

DESCRIPTION = "Sign in to your SSO provider (Okta) and write short-lived AWS credentials to a profile."
EPILOG = (
    "Environment: AWS_STS_USERNAME, AWS_STS_PASSWORD (instead of --username/--password), AWS_STS_CONFIG "
    "(config file), AWS_STS_BROWSER_PATH (Chromium to use), AWS_SHARED_CREDENTIALS_FILE (credentials file), "
    "AWS_ENDPOINT_URL_STS (STS endpoint). Exit codes: 0 done, 1 authentication or AWS failure, "
    "2 usage or configuration error, 130 interrupted."
)


def build_parser(accounts: Optional[Sequence[str]] = None, default_account: Optional[str] = None) -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(prog="aws-sts", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("-v", "--version", action="version", version=f"aws-sts {__version__}")
    parser.add_argument("--username", help="SSO username (default: $AWS_STS_USERNAME, else prompted)")
    parser.add_argument("--password", help="SSO password (default: $AWS_STS_PASSWORD, else prompted, hidden)")
    parser.add_argument("--otp", help="one-time code from your authenticator app (prompted when the IdP asks for one)")
    parser.add_argument("--role", help="role to assume: role name, role ARN, or ACCOUNT/ROLE "
                                       "(account name from the config or 12-digit id)")
    parser.add_argument(
        "--account", choices=list(accounts) if accounts else None, metavar=None if accounts else "ACCOUNT",
        help="account name from the config" + (f" (default: {default_account})" if default_account else
                                              " (default: defaultAccount of the config)"),
    )
    parser.add_argument("--profile", help="profile to write (default: <account>-<role name>)")
    parser.add_argument("--config", metavar="FILE", help="config file (default: $AWS_STS_CONFIG, ./config.json, "
                                                         "~/.config/aws-sts/config.json, /etc/aws-sts/config.json)")
    parser.add_argument("--debug", action="store_true",
                        help="show the browser (slowed down) and print tracebacks; failure screenshots are saved "
                             "in ~/.aws/aws-sts-debug/")
    return parser


def parse_args(argv: Sequence[str]):
    """Parse the command line, listing the config's accounts as --account choices when it loads.

    --help must work without a config file, so a config error is kept and raised only after parsing.
    """
    import argparse

    from aws_sts import config as config_module

    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config")
    pre.add_argument("--debug", action="store_true")
    known, _ = pre.parse_known_args(argv)
    cfg, error = None, None
    try:
        cfg = config_module.load(known.config)
    except ConfigError as exc:
        error = exc
    parser = build_parser(list(cfg.accounts) if cfg else None, cfg.default_account if cfg else None)
    args = parser.parse_args(argv)
    if error:
        raise error
    return args, cfg


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv in (["-v"], ["--version"]):  # the common case, answered before any config is read
        print(f"aws-sts {__version__}")
        return EXIT_OK
    debug = "--debug" in argv
    try:
        return run(argv)
    except KeyboardInterrupt:
        print("\naws-sts: interrupted; nothing was written.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except AwsStsError as exc:
        if debug:
            _print_traceback(argv)
        print(f"aws-sts: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # a bug: one line (the traceback with --debug)
        if debug:
            _print_traceback(argv)
        first = _redact((str(exc).strip().splitlines() or [""])[0][:300], argv)
        print(f"aws-sts: unexpected error: {type(exc).__name__}: {first}\nRun with --debug for details.",
              file=sys.stderr)
        return 1


def _print_traceback(argv: Sequence[str]) -> None:
    import traceback

    print(_redact(traceback.format_exc(), argv), file=sys.stderr, end="")


def _redact(text: str, argv: Sequence[str]) -> str:
    """Keep the password and code out of messages: Playwright's call logs quote typed values (fill("...")),
    and a value given by flag or environment is known here even when the error happened deep inside."""
    import re

    text = re.sub(r'((?:fill|type|press|press_sequentially|pressSequentially)\()"(?:[^"\\]|\\.)*"', r'\1"[redacted]"', text)
    secrets = [os.environ.get("AWS_STS_PASSWORD", "")]
    for i, arg in enumerate(argv):
        for flag in ("--password", "--otp"):
            if arg == flag and i + 1 < len(argv):
                secrets.append(argv[i + 1])
            elif arg.startswith(flag + "="):
                secrets.append(arg.split("=", 1)[1])
    for secret in secrets:
        if len(secret) >= 3:
            text = text.replace(secret, "[redacted]")
    return text


def run(argv: Sequence[str]) -> int:
    args, cfg = parse_args(argv)
    from aws_sts.prompts import Prompts

    prompts = Prompts()
    account = cfg.account(args.account)
    from aws_sts.credentials import check_file

    check_file(cfg.credentials_path)  # a file we could not update is reported before the sign-in, not after

    # 1. username and password (unless given)
    username = args.username or os.environ.get("AWS_STS_USERNAME") or prompts.text(
        "Username:", what="Your SSO username", how="pass --username or set AWS_STS_USERNAME")
    password = args.password or os.environ.get("AWS_STS_PASSWORD") or prompts.password(
        "Password:", what="Your SSO password", how="pass --password or set AWS_STS_PASSWORD")

    # 2-5. the browser signs in (code or push as the IdP asks) and captures the SAML assertion
    from aws_sts import sts
    from aws_sts.providers import LoginRequest, get_provider

    prompts.say(f"Signing in to {account.idp_entry_url} as {username}...")
    if args.debug:
        from aws_sts.browser import has_display

        if not has_display():
            prompts.say("--debug: there is no display, so the browser stays headless; run under xvfb-run "
                        "(as the Docker image does) to get a headed one. Failure screenshots are saved either way.")
    assertion_b64 = get_provider(cfg.provider).login(LoginRequest(
        entry_url=account.idp_entry_url, username=username, password=password, otp=args.otp, prompts=prompts,
        timeout=cfg.timeout_seconds, debug=args.debug, browser_path=cfg.browser_path,
        meanwhile=lambda: sts.preload(cfg.region),  # boto3 takes ~0.25 s: overlap it with the IdP's pages
    ))

    # 6. pick the role
    from aws_sts import roles, saml

    assertion = saml.parse_assertion(assertion_b64)
    role = roles.choose_role(assertion.roles, args.role, cfg, account, prompts)

    # 7. STS, and the second hop into an account that has no entry URL of its own
    result = sts.assume_role_with_saml(assertion, role, cfg.region, say=prompts.say)
    target = account.name
    if account.name != cfg.default_account and not account.has_own_entry_url and role.account_id != account.number:
        result = sts.assume_role_in_account(result, role, account.number, cfg.region)
    elif role.account_id != account.number:
        target = cfg.account_name_for(role.account_id) or role.account_id

    # 8. write the profile and say where, under which name, until when
    from aws_sts.credentials import write_profile

    profile = args.profile or f"{target}-{role.name}"
    path = write_profile(cfg.credentials_path, profile, result.credentials, region=cfg.region,
                         output=cfg.output_format)
    expires = result.credentials.expiration.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    print(
        f"Your new access key pair has been stored in the AWS configuration file {path} "
        f"under the {profile} profile.\n"
        f"Role: {result.role_arn}\n"
        f"Note that it will expire at {expires}.\n"
        f"After this time you may safely rerun this command to refresh your access key pair.\n"
        f"To use it, call the AWS CLI with the --profile option, e.g.: aws --profile {profile} sts get-caller-identity"
    )
    return EXIT_OK
