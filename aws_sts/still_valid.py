"""Skip the sign-in while the profile this run would write still holds credentials for the same role.

Decided before anything heavy is imported (no browser, no boto3): the profile is known before the sign-in
when --profile names it or --role names the role (its default name is <account>-<role>), and the profile
records the role it holds as x_principal_arn. Only a sure match skips; anything else signs in as usual.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

from aws_sts import credentials
from aws_sts.config import Account, Config
from aws_sts.saml import ROLE_ARN

MARGIN = timedelta(minutes=10)  # credentials closer than this to their end are renewed
SECRETS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")


@dataclass(frozen=True)
class Held:
    profile: str
    role_arn: str
    expires: datetime  # timezone-aware (UTC)


@dataclass(frozen=True)
class _Target:
    profile: str
    account_number: str  # the account the written role would be in
    role: Optional[str] = None  # its name, or PATH/NAME; None: any role of the account (--profile alone)
    arn: Optional[str] = None  # --role ARN without a second hop: exactly this role


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
    try:
        expires = datetime.strptime(values.get("x_security_token_expires", ""), credentials.EXPIRES_FORMAT)
    except ValueError:
        return None
    expires = expires.replace(tzinfo=timezone.utc)
    if expires - MARGIN <= (now or datetime.now(timezone.utc)):
        return None
    return Held(target.profile, principal, expires)


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
