"""Whether the profile this run would write still holds credentials for the same role: then no sign-in is needed.

Decided before anything heavy is imported (no browser, no boto3; aws_sts.fastpath): the profile is known
before the sign-in when --profile names it or --role names the role (aws_sts.target.planned), and the profile
records the role it holds as x_principal_arn (and the region it was written for). Only a sure match skips;
anything else signs in as usual.
The whole decision must cost a few times `python -c pass` (benchmarks/bench.py): no dataclasses, no typing,
no strptime (each costs milliseconds to import), here or in what this imports.
"""

from __future__ import annotations

from collections import namedtuple
from datetime import datetime, timedelta, timezone

from aws_sts import credentials, target
from aws_sts.arns import ROLE_ARN
from aws_sts.config import Account, Config
from aws_sts.timefmt import local, parse_iso_utc

MARGIN = timedelta(minutes=10)  # credentials closer than this to their end are renewed
SECRETS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")

# profile, role_arn, expires (timezone-aware, UTC)
Held = namedtuple("Held", "profile role_arn expires")


def held(config: Config, account: Account, profile: str | None, wanted_role: str | None,
         now: datetime | None = None) -> Held | None:
    """The credentials the target profile holds for the wanted role, when they stay valid past MARGIN."""
    planned = target.planned(config, account, profile, wanted_role)
    if planned is None:
        return None
    values = credentials.read_profile(config.credentials_path, planned.profile)
    if not values or not all(values.get(key) for key in SECRETS):
        return None
    principal = values.get("x_principal_arn", "")
    if not ROLE_ARN.fullmatch(principal) or not target.holds(planned, principal):
        return None
    if config.region and values.get("region") != config.region:  # --region (or the config's) is another one
        return None
    expires = parse_iso_utc(values.get("x_security_token_expires", ""))
    if expires is None or expires - MARGIN <= (now or datetime.now(timezone.utc)):
        return None
    return Held(planned.profile, principal, expires)


def describe(found: Held) -> str:
    return (f"The {found.profile} profile already holds credentials for {found.role_arn}, valid until "
            f"{local(found.expires)}; no sign-in needed (--force signs in anyway).")
