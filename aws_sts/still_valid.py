"""Skip the sign-in while the profile this run would write still holds credentials for the same role.

Decided before anything heavy is imported (no browser, no boto3): the profile is known before the sign-in
when --profile names it or --role names the role (its default name is <account>-<role>), and the profile
records the role it holds as x_principal_arn. Only a sure match skips; anything else signs in as usual.
The whole decision must cost a few times `python -c pass` (benchmarks/bench.py): no dataclasses, no typing,
no strptime (each costs milliseconds to import), here or in what this imports.
"""

from __future__ import annotations

import re
from collections import namedtuple
from datetime import datetime, timedelta, timezone

from aws_sts import credentials
from aws_sts.arns import ROLE_ARN
from aws_sts.config import Account, Config

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

MARGIN = timedelta(minutes=10)  # credentials closer than this to their end are renewed
SECRETS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")


# credentials.EXPIRES_FORMAT, read without datetime.strptime (its _strptime module costs ~1.5 ms).
_EXPIRES = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z", re.ASCII)

# profile, role_arn, expires (timezone-aware, UTC)
Held = namedtuple("Held", "profile role_arn expires")
# profile; account_number: the account the written role would be in; role: its name, or PATH/NAME, None for
# any role of the account (--profile alone); arn: --role ARN without a second hop, exactly this role.
_Target = namedtuple("_Target", "profile account_number role arn", defaults=(None, None))


def held(config: Config, account: Account, profile: Optional[str], wanted_role: Optional[str],
         now: Optional[datetime] = None) -> Optional[Held]:
    """The credentials the target profile holds for the wanted role, when they stay valid past MARGIN."""
    target = _target(config, account, profile, wanted_role)
    if target is None:
        return None
    values = credentials.read_profile(config.credentials_path, target.profile)
    if not values or not all(values.get(key) for key in SECRETS):
        return None
    principal = values.get("x_principal_arn", "")
    if not ROLE_ARN.fullmatch(principal) or not _same_role(principal, target):
        return None
    expires = parse_expires(values.get("x_security_token_expires", ""))
    if expires is None:
        return None
    if expires - MARGIN <= (now or datetime.now(timezone.utc)):
        return None
    return Held(target.profile, principal, expires)


def parse_expires(text: str) -> Optional[datetime]:
    found = _EXPIRES.fullmatch(text.strip())
    try:
        return datetime(*map(int, found.groups()), tzinfo=timezone.utc) if found else None
    except ValueError:  # 2026-02-30T25:00:00Z
        return None


def _same_role(principal: str, target: _Target) -> bool:
    if target.arn is not None:
        return principal == target.arn
    account_id = principal.split(":")[4]
    path_and_name = principal.split(":role/", 1)[1]
    if account_id != target.account_number:
        return False
    return target.role is None or target.role in (path_and_name, path_and_name.rsplit("/", 1)[-1])


def _target(config: Config, account: Account, profile: Optional[str], wanted: Optional[str]) -> Optional[_Target]:
    """What this run would write, as far as the command line tells before the sign-in (see roles.find_role
    for how --role matches and flow.needs_second_hop for the second hop, whose rules this follows)."""
    if not wanted:
        return _Target(profile, account.number) if profile else None
    wanted = wanted.strip()
    arn = None
    if wanted.startswith("arn:"):
        if not ROLE_ARN.fullmatch(wanted):
            return None
        number, role, arn = wanted.split(":")[4], wanted.split(":role/", 1)[1], wanted
    elif "/" in wanted:
        from aws_sts.roles import account_number

        part, role = wanted.split("/", 1)
        number = account_number(part, config)
    else:
        number, role = account.number, wanted
    second_hop = (account.name != config.default_account and not account.has_own_entry_url
                  and number != account.number)
    if second_hop:  # the role of the same name, assumed in the chosen account
        number, role, arn = account.number, role.rsplit("/", 1)[-1], None
    label = account.name if number == account.number else (config.account_name_for(number) or number)
    return _Target(profile or f"{label}-{role.rsplit('/', 1)[-1]}", number, role, arn)


def describe(found: Held) -> str:
    until = found.expires.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    return (f"The {found.profile} profile already holds credentials for {found.role_arn}, valid until {until}; "
            "no sign-in needed (--force signs in anyway).")
