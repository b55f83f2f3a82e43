"""The command line: argparse (build_parser(), also read by argparse-manpage), the environment's fallbacks,
and how a run ends (one line per error, exit codes, Ctrl-C). It parses argv into a commands.Request, lets
aws_sts.fastpath answer what needs no sign-in, and hands the rest to the command's module (aws_sts.commands).

`aws-sts --version` is answered by the launcher (bin/aws-sts, aws_sts/__main__.py) before this module loads.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import textwrap
from collections.abc import Sequence

from aws_sts import __version__, commands, completion, config, fastpath, redact, signals
from aws_sts.commands import Request
from aws_sts.errors import AwsStsError, ConfigError
from aws_sts.shown import shown

OTP = re.compile(r"[0-9]{6,8}")  # a one-time code: checked before anything is started
MIN_DURATION, MAX_DURATION = 900, 43200  # what STS accepts as DurationSeconds
DESCRIPTION = "Sign in to your SSO provider (Okta) and write short-lived AWS credentials to a profile."
EPILOG = (
    "Environment: AWS_STS_USERNAME, AWS_STS_PASSWORD (instead of --username/--password), AWS_STS_TOTP_SECRET "
    "(base32 secret: codes are made from it when the IdP asks for one), AWS_STS_CONFIG "
    "(config file), AWS_STS_BROWSER_PATH (Chromium to use), AWS_SHARED_CREDENTIALS_FILE (credentials file), "
    "AWS_ENDPOINT_URL_STS (STS endpoint), AWS_ENDPOINT_URL_SIGNIN (--console's). Exit codes: 0 done, "
    "1 authentication or AWS failure, 2 usage or configuration error, 130 interrupted (Ctrl-C), 143 terminated "
    "(SIGTERM); with --exec, the command's."
)


class _Formatter(argparse.HelpFormatter):
    """argparse's help, without breaking a line inside a path or a name at its hyphen (aws-sts, x-y.json)."""

    def _split_lines(self, text, width):
        return textwrap.wrap(self._whitespace_matcher.sub(" ", text).strip(), width, break_on_hyphens=False)

    def _format_action_invocation(self, action):
        return action.SHOWN if isinstance(action, _Exec) else super()._format_action_invocation(action)

    def _fill_text(self, text, width, indent):
        return textwrap.fill(self._whitespace_matcher.sub(" ", text).strip(), width, initial_indent=indent,
                             subsequent_indent=indent, break_on_hyphens=False)


def build_parser(accounts: Sequence[str] | None = None, default_account: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aws-sts", description=DESCRIPTION, epilog=EPILOG, formatter_class=_Formatter)
    parser.add_argument("-v", "--version", action="version", version=f"aws-sts {__version__}")
    parser.add_argument("--completion", action=completion.PrintScript, choices=completion.SHELLS, metavar="SHELL",
                        help="print the completion script of SHELL (bash, zsh or fish) and exit")
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
    parser.add_argument("--exec", action=_Exec,
                        help="run COMMAND with the role's credentials in its environment; exit with its exit code")
    parser.add_argument("--console", action="store_true",
                        help="print a console sign-in URL for the role (and open it on a desktop)")
    parser.add_argument("--region", help="AWS region of the STS calls and the profile (default: the config's)")
    parser.add_argument("--duration", type=_seconds, metavar="SECONDS",
                        help=f"session seconds, {MIN_DURATION}-{MAX_DURATION} (default: the IdP's SessionDuration, "
                             "else 3600)")
    parser.add_argument("--force", action="store_true",
                        help="sign in even when the profile (or the credential_process cache) still holds valid "
                             "credentials for the role")
    parser.add_argument("--logout", action="store_true",
                        help="end the stored sign-in at the IdP and forget it (the credentials file is left alone)")
    parser.add_argument("--debug", action="store_true",
                        help="show the browser (slowed down) and print tracebacks; failure screenshots are saved "
                             "in ~/.aws/aws-sts-debug/")
    return parser


class _Exec(argparse.Action):
    """--exec, a switch shown with the command that follows `--` (which split_command() takes off first)."""

    SHOWN = "--exec -- COMMAND ..."

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=False, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, True)

    def format_usage(self) -> str:
        return self.SHOWN


def _seconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not MIN_DURATION <= value <= MAX_DURATION:
        raise argparse.ArgumentTypeError(f"must be a number of seconds from {MIN_DURATION} to {MAX_DURATION}, "
                                         f"got {shown(text)}")
    return value


def split_command(argv: Sequence[str]) -> tuple:
    """(aws-sts's own arguments, the command after the first `--`): what follows `--` is --exec's alone, so
    that its options (`aws s3 ls --profile x`) are never read as aws-sts's."""
    argv = list(argv)
    if "--" in argv:
        at = argv.index("--")
        return argv[:at], tuple(argv[at + 1:])
    return argv, ()


def parse(argv: Sequence[str], environ=os.environ) -> Request:
    """The command line (and the environment's fallbacks) as a Request, listing the config's accounts as
    --account choices when it loads. --help must work without a config file, so a config error is kept and
    raised only after parsing."""
    if "_ARGCOMPLETE" in environ:  # the shell's <TAB>, through the script of --completion: answer and exit
        completion.answer(build_parser())
    argv, command = split_command(argv)
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config")
    known, _ = pre.parse_known_args(argv)
    cfg, error = None, None
    try:
        cfg = config.load(known.config, environ)
    except ConfigError as exc:
        error = exc
    for warning in cfg.warnings if cfg else error.warnings:
        print(f"aws-sts: warning: {warning}", file=sys.stderr)
    parser = build_parser(list(cfg.accounts) if cfg else None, cfg.default_account if cfg else None)
    args = parser.parse_args(argv)
    if error:
        raise error
    together = _refuse_what_cannot_go_together(parser, args, command)
    if args.region is not None:
        cfg = cfg._replace(region=args.region)
    command_key = together[0][2:] if together else {"credentials": "profile"}.get(args.format, args.format)
    return Request(command=command_key, config=cfg, account=cfg.account(args.account),
                   account_named=bool(args.account), role=args.role, profile=args.profile, force=args.force,
                   debug=args.debug, username=args.username or environ.get("AWS_STS_USERNAME"),
                   password=args.password or environ.get("AWS_STS_PASSWORD"),
                   otp=args.otp.strip() if args.otp else None,
                   totp_secret=environ.get("AWS_STS_TOTP_SECRET") or None, duration=args.duration, argv=command)


def _refuse_what_cannot_go_together(parser: argparse.ArgumentParser, args, command: tuple) -> list:
    """Usage errors (exit 2) for options that cannot be used together or values that cannot work; returns the
    command flags given (--logout, --list-roles, --all-roles, --exec, --console: at most one)."""
    together = [flag for flag, given in (("--logout", args.logout), ("--list-roles", args.list_roles),
                                         ("--all-roles", args.all_roles), ("--exec", args.exec),
                                         ("--console", args.console)) if given]
    if len(together) > 1:
        parser.error(f"{' and '.join(together)} cannot be used together")
    if (args.all_roles or args.list_roles) and (args.role or args.profile or args.format != "credentials"):
        parser.error(f"{together[0]} cannot be used with --role, --profile or --format "
                     "(every role goes to its own profile <account>-<role>)")
    if args.otp is not None and not OTP.fullmatch(args.otp.strip()):
        parser.error("--otp must be the 6 to 8 digit code your authenticator app shows")
    if (args.exec or args.console) and (args.profile or args.format != "credentials"):
        parser.error(f"{together[0]} writes no profile and prints no --format: it cannot be used with --profile "
                     "or --format")
    if args.exec and not command:
        parser.error("--exec needs a command after --: aws-sts --exec -- COMMAND [ARGS...]")
    if command and not args.exec:
        parser.error(f"a command after -- ({shown(command[0])}) is run only with --exec: "
                     "aws-sts --exec -- COMMAND [ARGS...]")
    wrong_region = args.region is not None and config.region_problem(args.region)
    if wrong_region:
        parser.error(f"--region {wrong_region}")
    return together


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = _debug(argv)
    signals.stop_on_signals()
    request = None
    try:
        request = parse(argv)
        answered = fastpath.answer(request)
        return answered if answered is not None else commands.run(request)
    except KeyboardInterrupt:
        _silence_asyncio()  # even with --debug: the driver's connection died with the interrupted call
        line, code = signals.ending(request is None or request.command in commands.WRITE_PROFILES)
        print(f"\n{line}", file=sys.stderr)
        return code
    except AwsStsError as exc:
        if debug:
            _print_traceback(argv)
        print(f"aws-sts: {exc}", file=sys.stderr)
        return exc.exit_code
    except ModuleNotFoundError as exc:  # a checkout run without its environment, or a broken installation
        if debug or not exc.name or exc.name.split(".")[0] == "aws_sts":
            raise
        print(f"aws-sts: the Python package '{exc.name.split('.')[0]}' is missing: install aws-sts "
              "(pipx install . or make setup)", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: one line (the traceback with --debug)
        if debug:
            _print_traceback(argv)
        first = _redact(redact.first_line(exc)[:300], argv)
        print(f"aws-sts: unexpected error: {type(exc).__name__}: {first}" +
              ("" if debug else "\nRun with --debug for details."), file=sys.stderr)
        return 1
    finally:
        if not debug:
            _silence_asyncio()


def leave(code: int) -> None:
    """End the process with `code` (never returns). After a run that loaded Playwright or boto3, without the
    interpreter's tear-down: collecting their modules costs ~0.1 s (a tenth of a fresh sign-in), and everything
    the run opened is closed by then (the browser, the driver, locks and files all end in `with` blocks). The
    fast path never loads them and exits as usual; so do --debug (what the tear-down logs is shown there) and a
    run whose stdout cannot be flushed (a closed pipe)."""
    if ("playwright" in sys.modules or "botocore" in sys.modules) and not _debug(sys.argv[1:]):
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:
            sys.exit(code)
        os._exit(code)
    sys.exit(code)


def _debug(argv: Sequence[str]) -> bool:
    return "--debug" in split_command(argv)[0]  # not the --debug of a command run by --exec


def _silence_asyncio() -> None:
    """Playwright talks to its driver through asyncio, whose logger prints tracebacks of its own when the
    loop is collected at exit: after Ctrl-C, or when the driver died before Playwright's first message
    (Debian's Python 3.11.2 logs that write's BrokenPipeError as "Future exception was never retrieved";
    3.11.7 no longer does). The run has said what happened in its own line by then."""
    logging = sys.modules.get("logging")  # not loaded: asyncio was not either, and importing it costs
    if logging is not None:
        logging.getLogger("asyncio").disabled = True


def _print_traceback(argv: Sequence[str]) -> None:
    import traceback

    print(_redact(traceback.format_exc(), argv), file=sys.stderr, end="")


def _redact(text: str, argv: Sequence[str]) -> str:
    return redact.scrub(text, redact.given_secrets(argv))
