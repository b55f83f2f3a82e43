"""The credential_process cache: ~/.aws/aws-sts/cache/<key>.json (0600), one file per (config, account, role)
that the command line names. It looks up, saves and locks; the command (aws_sts.commands.process) decides.

- lookup() answers from the file while the credentials have more than still_valid.MARGIN left, before
  anything heavy is imported (no boto3, no Playwright; see benchmarks/bench.py);
- refreshing() holds a lock per key while one caller signs in; the others wait for it and then find the
  fresh file (one sign-in, one MFA, however many callers);
- valid_until() judges an entry by the time its answer arrived here and the lifetime STS granted, so a clock
  hours off neither serves stale keys nor signs in on every call;
- forget_signed_in_through() is --logout's: the entries signed in through one IdP host.
The file's name is a short hash of the key and the file repeats the key in full: a hash collision can only
make two keys share a file, never answer one with the other's credentials. An entry is served only when it
is what it claims: the role the key asks for (RoleArn) and an expiry STS could have given (Expiration at most
MAX_AHEAD from now); and only from a file nobody else could have planted (store's rule, like ssh's).
"""

from __future__ import annotations

import json
import os
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from aws_sts import last_failure, store, target
from aws_sts.config import Account, Config
from aws_sts.credentials import TemporaryCredentials
from aws_sts.errors import AwsStsError
from aws_sts.idp_session import host_of
from aws_sts.still_valid import MARGIN
from aws_sts.timefmt import iso_utc, parse_iso_utc

MAX_BYTES = 64 * 1024
FIELDS = ("AccessKeyId", "SecretAccessKey", "SessionToken")
MAX_AHEAD = timedelta(hours=12, minutes=1)  # STS never issues keys for longer than 12 hours
MAX_LIFETIME_SECONDS = 43200  # the longest session STS grants
CLOCK_BACK_TOLERANCE = timedelta(minutes=5)
MAX_SKEW = timedelta(days=1)  # how far this clock and STS's may disagree for an entry to be believed
_warned = set()  # what was already said in this run (lookup runs twice when it misses)


def key_of(config: Config, account: Account, wanted_role: str | None) -> list:
    """What the command line names: the config file, the account (and where it signs in), the role."""
    return [os.path.abspath(str(config.path)) if config.path else "", account.name, account.number,
            account.idp_entry_url, (wanted_role or "").strip()]


def path_of(key: list) -> "store.pathlib.Path":
    text = json.dumps(key)
    return store.root() / "cache" / f"{zlib.crc32(text.encode('utf-8')):08x}.json"


def lookup(config: Config, account: Account, wanted_role: str | None,
           now: datetime | None = None) -> TemporaryCredentials | None:
    """The cached credentials for this key while they stay valid past MARGIN; None otherwise (missing, for
    another key, unreadable, expiring): the caller then signs in, and a bad file is simply replaced."""
    key = key_of(config, account, wanted_role)
    path = path_of(key)
    try:
        data = store.read_private(path, MAX_BYTES)
        entry = json.loads(data) if data else None
    except store.UnsafeError as exc:
        # A folder that breaks the rule is reported by the lock's check, which stops the run before the sign-in.
        if exc.path == path and str(exc) not in _warned:
            _warned.add(str(exc))
            print(f"aws-sts: warning: the cached credentials are not used: {exc}", file=sys.stderr)
        return None
    except (store.StoreError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("Key") != key:
        return None
    if not all(isinstance(entry.get(name), str) and entry[name] for name in FIELDS):
        return None
    if not target.could_be_written(entry.get("RoleArn"), config, account, wanted_role):
        return None
    expires = valid_until(entry, now or datetime.now(timezone.utc))
    if expires is None:
        return None
    return TemporaryCredentials(entry["AccessKeyId"], entry["SecretAccessKey"], entry["SessionToken"], expires)


def valid_until(entry: dict, now: datetime) -> datetime | None:
    """When the entry's keys end by this machine's clock, while that is more than MARGIN away; else None.

    Judged by the time the answer arrived here (IssuedAt, this clock) plus the lifetime STS granted
    (LifetimeSeconds: Expiration minus STS's own time), not by STS's Expiration against this clock: a clock
    hours off would otherwise make fresh keys look expired (a sign-in per call) or stale ones look valid.
    A clock that has gone back before IssuedAt cannot be trusted to count: the entry is not served. An entry
    without them (written by an older aws-sts) is judged by its Expiration."""
    issued = parse_iso_utc(entry["IssuedAt"]) if isinstance(entry.get("IssuedAt"), str) else None
    lifetime = entry.get("LifetimeSeconds")
    claimed = parse_iso_utc(entry.get("Expiration") if isinstance(entry.get("Expiration"), str) else "")
    if issued is not None and type(lifetime) is int and 0 < lifetime <= MAX_LIFETIME_SECONDS:
        if now < issued - CLOCK_BACK_TOLERANCE:
            return None
        expires = issued + timedelta(seconds=lifetime)
        # STS's own Expiration must agree with that, but for a clock skew (a day at most): a 2099 is planted
        if claimed is None or abs(claimed - expires) > MAX_SKEW:
            return None
    else:
        expires = claimed
        if expires is not None and expires > now + MAX_AHEAD:  # no expiry STS could have given (a 2099)
            return None
    if expires is None or expires - MARGIN <= now:
        return None
    return expires


def save(config: Config, account: Account, wanted_role: str | None, creds: TemporaryCredentials,
         role_arn: str, issued_at: datetime | None = None, lifetime: timedelta | None = None) -> None:
    """creds.expiration is STS's; issued_at (this clock, when the answer arrived) and lifetime (what STS
    granted) are what valid_until() judges by (sts.StsResult has both)."""
    key = key_of(config, account, wanted_role)
    path = path_of(key)
    store.folder("cache")
    entry = {"Key": key, "RoleArn": role_arn, "AccessKeyId": creds.access_key_id,
             "SecretAccessKey": creds.secret_access_key, "SessionToken": creds.session_token,
             "Expiration": iso_utc(creds.expiration)}
    if issued_at is not None and lifetime is not None:  # whole seconds, rounded towards "sooner"
        entry.update(IssuedAt=iso_utc(issued_at), LifetimeSeconds=int(lifetime.total_seconds()))
    store.write_private(path, json.dumps(entry).encode("utf-8"))


@contextmanager
def refreshing(config: Config, account: Account, wanted_role: str | None,
               wait_seconds: float) -> Iterator[TemporaryCredentials | None]:
    """Hold this key's lock; yields the cached credentials when another caller refreshed them while this one
    waited (answer with those), else None (sign in, save(), then leave the block)."""
    from filelock import FileLock, Timeout  # here: filelock imports asyncio, which a cache hit must not pay for

    lock_path = path_of(key_of(config, account, wanted_role)).with_suffix(".lock")
    store.check_lock(lock_path)  # a lock nobody else could have planted (UnsafeError: one line, before sign-in)
    lock = FileLock(str(lock_path), timeout=wait_seconds, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise AwsStsError(f"Another aws-sts has been signing in for these credentials for over {wait_seconds:.0f} s "
                          "(waiting for an MFA?); finish that one, or run `aws-sts` once in a terminal.") from None
    try:
        yield lookup(config, account, wanted_role)
    finally:
        lock.release()


def forget_signed_in_through(host: str) -> int:
    """Remove every cache entry whose key signs in through this IdP host (idp_session.host_of), with its
    remembered failure; returns how many entries were removed. Lock files stay: a caller may hold one."""
    folder = store.root() / "cache"
    try:
        names = sorted(p for p in folder.iterdir() if p.suffix == ".json" and not p.name.startswith("."))
    except OSError:  # no cache folder: nothing was cached
        return 0
    removed = 0
    for path in names:
        try:
            data = store.read_private(path, MAX_BYTES)
            entry = json.loads(data) if data else None
            key = entry.get("Key") if isinstance(entry, dict) else None
            if not (isinstance(key, list) and len(key) == 5 and isinstance(key[3], str)) or host_of(key[3]) != host:
                continue
        except (store.StoreError, ValueError):
            continue
        try:
            removed += store.remove(path)
        except OSError:  # a folder in its place, no permission: not ours to force
            continue
        last_failure.forget(path)
    return removed
