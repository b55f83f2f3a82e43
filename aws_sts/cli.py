"""Command line: argparse (build_parser(), also used by argparse-manpage), environment fallbacks and printing.
run() reads like the README's steps; the steps themselves are aws_sts.flow.

Start-up speed has one mechanism, here: `aws-sts --version` and `--help` must start about as fast as
Python itself, so this module imports nothing but the exit codes when it loads; argparse, the config and
the flow (and through it boto3, Playwright and questionary) are imported inside the functions that use them.
"""

from __future__ import annotations

import os
import sys

from aws_sts import __version__
from aws_sts.errors import EXIT_OK, AwsStsError, ConfigError

TYPE_CHECKING = False  # not from typing: importing typing and argparse costs ~15 ms, `--version` should not pay
if TYPE_CHECKING:
    import argparse
    from typing import Optional, Sequence

DESCRIPTION = "Sign in to your SSO provider (Okta) and write short-lived AWS credentials to a profile."
EPILOG = (
    "Environment: AWS_STS_USERNAME, AWS_STS_PASSWORD (instead of --username/--password), AWS_STS_TOTP_SECRET "
    "(base32 secret: codes are made from it when the IdP asks for one), AWS_STS_CONFIG "
    "(config file), AWS_STS_BROWSER_PATH (Chromium to use), AWS_SHARED_CREDENTIALS_FILE (credentials file), "
    "AWS_ENDPOINT_URL_STS (STS endpoint). Exit codes: 0 done, 1 authentication or AWS failure, "
    "2 usage or configuration error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM)."
)


def build_parser(accounts: Optional[Sequence[str]] = None,
                 default_account: Optional[str] = None) -> argparse.ArgumentParser:
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
    parser.add_argument("--format", choices=["credentials", "env", "process"], default="credentials",
                        help="credentials: write the profile (default); env: print `export` lines for eval; "
                             "process: print the JSON of an AWS credential_process (answered from a cache while "
                             "valid); env and process write no profile")
    parser.add_argument("--all-roles", action="store_true",
                        help="assume every role of the sign-in, each into its own profile <account>-<role>")
    parser.add_argument("--list-roles", action="store_true",
                        help="print every role of the sign-in (account, role name, role ARN) and assume none")
    parser.add_argument("--force", action="store_true",
                        help="sign in even when the profile (or the credential_process cache) still holds valid "
                             "credentials for the role")
    parser.add_argument("--logout", action="store_true",
                        help="end the stored sign-in at the IdP and forget it (the credentials file is left alone)")
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
    together = [flag for flag, given in (("--logout", args.logout), ("--list-roles", args.list_roles),
                                         ("--all-roles", args.all_roles)) if given]
    if len(together) > 1:
        parser.error(f"{' and '.join(together)} cannot be used together")
    if (args.all_roles or args.list_roles) and (args.role or args.profile or args.format != "credentials"):
        parser.error(f"{together[0]} cannot be used with --role, --profile or --format "
                     "(every role goes to its own profile <account>-<role>)")
    return args, cfg


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv in (["-v"], ["--version"]):  # the common case, answered before any config is read
        print(f"aws-sts {__version__}")
        return EXIT_OK
    debug = "--debug" in argv
    _stop_on_signals()
    try:
        return run(argv)
    except KeyboardInterrupt:
        return _interrupted()
    except AwsStsError as exc:
        if debug:
            _print_traceback(argv)
        print(f"aws-sts: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # a bug: one line (the traceback with --debug)
        if debug:
            _print_traceback(argv)
        from aws_sts.redact import first_line

        first = _redact(first_line(exc)[:300], argv)
        print(f"aws-sts: unexpected error: {type(exc).__name__}: {first}" +
              ("" if debug else "\nRun with --debug for details."), file=sys.stderr)
        return 1
    finally:
        if not debug:
            _silence_asyncio()


_received_signal = None  # the signal that ended the run (SIGINT or SIGTERM)


def _stop_on_signals() -> None:
    """SIGTERM ends the run the way Ctrl-C does: KeyboardInterrupt unwinds every `with`, so the browser is
    closed and its profile folder removed, and the credentials file is never half-written (atomic rename).
    A second signal while cleaning up exits at once."""
    import signal

    def handler(signum, frame):
        global _received_signal
        if _received_signal is not None:
            os._exit(128 + signum)
        _received_signal = signum
        raise KeyboardInterrupt

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, handler)


_written = False  # whether this run changed the credentials file


def _write_holding_signals(write):
    """Hold SIGINT/SIGTERM back while the credentials file is written (they are delivered right after), so
    that the closing message can say whether it was."""
    import signal

    global _written
    held = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        written = write()
        _written = True
        return written
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, held)


def _silence_asyncio() -> None:
    """Playwright talks to its driver through asyncio, whose logger prints tracebacks of its own when the
    loop is collected at exit: after Ctrl-C, or when the driver died before Playwright's first message
    (Debian's Python 3.11.2 logs that write's BrokenPipeError as "Future exception was never retrieved";
    3.11.7 no longer does). The run has said what happened in its own line by then."""
    logging = sys.modules.get("logging")  # not loaded: asyncio was not either, and importing it costs
    if logging is not None:
        logging.getLogger("asyncio").disabled = True


def _interrupted() -> int:
    import signal

    _silence_asyncio()  # even with --debug: the driver's connection died with the interrupted call
    signum = _received_signal or signal.SIGINT
    what = "terminated" if signum == signal.SIGTERM else "interrupted"
    done = "the profile was written before that" if _written else "the credentials file was not changed"
    print(f"\naws-sts: {what}; {done}.", file=sys.stderr)
    return 128 + signum


def _print_traceback(argv: Sequence[str]) -> None:
    import traceback

    print(_redact(traceback.format_exc(), argv), file=sys.stderr, end="")


def _redact(text: str, argv: Sequence[str]) -> str:
    from aws_sts import redact

    return redact.scrub(text, redact.given_secrets(argv))


def run(argv: Sequence[str]) -> int:
    """The README's steps, top to bottom."""
    args, cfg = parse_args(argv)
    from aws_sts.prompts import Prompts

    account = cfg.account(args.account)
    process = args.format == "process"
    if args.logout:
        return log_out(cfg, [account] if args.account else list(cfg.accounts.values()), Prompts())
    if process and not args.force:
        from aws_sts import cache

        cached = cache.lookup(cfg, account, args.role)
        if cached:  # the AWS CLI asks often: no browser, no boto3
            return _print_process(cached)
    elif args.format == "credentials" and not args.force and not (args.all_roles or args.list_roles):
        from aws_sts import still_valid

        found = still_valid.held(cfg, account, args.profile, args.role)
        if found:  # nothing to do: no browser, no boto3
            print(still_valid.describe(found))
            return EXIT_OK
    if process:  # below the cache: one caller signs in under its lock, questions on /dev/tty
        from aws_sts import cache

        return cache.refresh_and_answer(args, cfg, account, sign_in_and_emit, _print_process)
    return sign_in_and_emit(args, cfg, account, Prompts())


def sign_in_and_emit(args, cfg, account, prompts) -> int:
    from aws_sts import flow

    flow.check_before_sign_in(cfg, args.profile if args.format == "credentials" else None, args.role,
                              writes=args.format == "credentials" and not args.list_roles)
    answers = flow.Answers(prompts, username=args.username or os.environ.get("AWS_STS_USERNAME"),  # 1
                           password=args.password or os.environ.get("AWS_STS_PASSWORD"), otp=args.otp,
                           totp_secret=os.environ.get("AWS_STS_TOTP_SECRET") or None)
    say_signing_in(account, answers, args.debug, prompts)
    assertion = flow.get_assertion(cfg, account, answers, debug=args.debug)         # 2-5
    if args.list_roles or args.all_roles:
        from aws_sts import many_roles

        return many_roles.run(args, cfg, assertion, prompts, _write_holding_signals)
    role = flow.pick_role(assertion, args.role, cfg, account, prompts)              # 6
    issued = flow.get_credentials(assertion, role, cfg, account, say=prompts.say)   # 7
    if args.format == "env":                                                        # 8
        from aws_sts.outputs import env_lines

        sys.stdout.write(env_lines(issued.result.credentials, cfg.region))
        prompts.say(f"Role: {issued.result.role_arn}; eval these lines to use it.")
        return EXIT_OK
    if args.format == "process":
        from aws_sts import cache

        result = issued.result  # the AWS CLI judges Expiration by this machine's clock: say it in its terms
        cache.save(cfg, account, args.role, result.credentials, result.role_arn, result.issued_at, result.lifetime)
        return _print_process(result.credentials._replace(expiration=result.local_expiration))
    profile = args.profile or issued.default_profile
    path = _write_holding_signals(lambda: flow.emit_profile(cfg, profile, issued))
    print_stored(path, profile, issued)
    return EXIT_OK


def _print_process(creds) -> int:
    from aws_sts.outputs import process_json

    print(process_json(creds))
    return EXIT_OK


def log_out(cfg, accounts, prompts) -> int:
    from aws_sts import flow

    return EXIT_OK if flow.logout(cfg, accounts, prompts.say) else 1


def say_signing_in(account, answers, debug: bool, prompts) -> None:
    user = answers.known_username
    prompts.say(f"Signing in to {account.idp_entry_url}" + (f" as {user}..." if user else "..."))
    if debug:
        from aws_sts.browser import has_display

        if not has_display():
            prompts.say("--debug: there is no display, so the browser stays headless; run under xvfb-run "
                        "(as the Docker image does) to get a headed one. Failure screenshots are saved either way.")


def print_stored(path, profile: str, issued) -> None:
    expires = issued.result.credentials.expiration.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    print(
        f"Your new access key pair has been stored in the AWS configuration file {path} "
        f"under the {profile} profile.\n"
        f"Role: {issued.result.role_arn}\n"
        f"Note that it will expire at {expires}.\n"
        f"After this time you may safely rerun this command to refresh your access key pair.\n"
        f"To use it, call the AWS CLI with the --profile option, e.g.: aws --profile {profile} sts get-caller-identity"
    )
