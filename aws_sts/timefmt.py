"""The two ways aws-sts writes a time: ISO 8601 in UTC for files and outputs, local time for people.

iso_utc() is what credential_process, AWS_CREDENTIAL_EXPIRATION, the credentials file's
x_security_token_expires (as saml2aws writes it) and aws-sts's own files hold: "2026-11-26T10:00:00Z", whole
seconds. parse_iso_utc() reads it back without datetime.strptime (its _strptime module costs ~1.5 ms on the
still-valid skip's path).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

_ISO_UTC = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z", re.ASCII)


def iso_utc(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso_utc(text: str) -> datetime | None:
    """The time iso_utc() wrote (surrounding spaces allowed), timezone-aware; None for anything else."""
    found = _ISO_UTC.fullmatch(text.strip())
    try:
        return datetime(*map(int, found.groups()), tzinfo=timezone.utc) if found else None
    except ValueError:  # 2026-02-30T25:00:00Z
        return None


def local(when: datetime) -> str:
    """For people: this machine's time zone, e.g. "2026-11-26 11:00:00 CET"."""
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
