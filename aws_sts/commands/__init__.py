"""The commands: one module each, reading top to bottom like the README's steps over the flow library.

    profile     sign in and write the role's profile (the default)
    env         --format env: print `export` lines
    process     --format process: answer the AWS CLI's credential_process, from the cache while it is valid
    all_roles   --all-roles: every role of the sign-in into its own profile
    list_roles  --list-roles: print every role of the sign-in
    logout      --logout: end the stored sign-in at the IdP and here
    exec        --exec -- COMMAND: run a command with the role's credentials in its environment
    console     --console: a sign-in URL for the AWS console as the role

The CLI parses the command line into a Request (plain data: nothing below the CLI sees argparse) and calls
run(); a new command is a module here and one line in COMMANDS. A command's module is imported only when it
runs (they import the flow, and through it the browser and boto3 when used); the answers that need no sign-in
are aws_sts.fastpath's.
"""

from __future__ import annotations

import importlib
from collections import namedtuple

# --format / flag -> module
COMMANDS = {
    "profile": "profile",
    "env": "env",
    "process": "process",
    "all-roles": "all_roles",
    "list-roles": "list_roles",
    "logout": "logout",
    "exec": "exec_command",  # not exec.py: `exec` reads as the builtin
    "console": "console",
}

WRITE_PROFILES = {"profile", "all-roles"}  # the commands that write the credentials file

_FIELDS = ("command config account account_named role profile force debug username password otp totp_secret "
           "duration argv")


class Request(namedtuple("Request", _FIELDS, defaults=(None, ()))):
    """What the user asked for: command (a key of COMMANDS); config (its region replaced by --region) and account
    (the chosen one); account_named (--account was given); role (--role), profile (--profile), force, debug;
    username, password, otp, totp_secret from the flags or the environment (None when not given); duration
    (--duration, seconds, or None); argv (--exec's command and its arguments, a tuple)."""

    __slots__ = ()

    def __repr__(self) -> str:  # the password, the code and the TOTP secret stay out of tracebacks
        return f"Request(command={self.command!r}, account={self.account.name!r}, role={self.role!r})"


def run(request: Request) -> int:
    return importlib.import_module(f"{__name__}.{COMMANDS[request.command]}").run(request)
