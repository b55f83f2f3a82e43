"""A sign-in that failed under the credential_process lock, remembered for a short time so that the callers
that waited on it fail with it instead of each trying again.

The AWS CLI and SDKs start `credential_process` callers in parallel: when the stored session has ended and
there is no terminal to ask on, twelve callers would otherwise each wait for the lock and then fail the same
way in turn (twelve browsers, many seconds). The caller that failed writes its error next to the cache
entry (<entry>.failed, 0600, through store.write_private): the message the user saw (aws-sts never puts a
secret in one) and the exit code, nothing else. A caller that then holds the lock answers with it:
- always, when the failure came while it waited for the lock (it waited on that very sign-in);
- when it came less than WINDOW seconds ago and this caller has no terminal to ask on either (it could do
  no better). A caller with a terminal that starts afterwards tries again: the user is there to answer.
A successful sign-in removes the file; --force ignores it.
"""

from __future__ import annotations

import json
import time

from aws_sts import store
from aws_sts.errors import EXIT_FAILURE, EXIT_USAGE, AwsStsError

WINDOW = 60.0  # seconds a failure is answered to callers that did not wait on it
MAX_BYTES = 16 * 1024
MAX_MESSAGE = 2000
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Optional


class RememberedFailure(AwsStsError):
    """The error of another caller's sign-in, answered again: same message, same exit code."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def path_for(entry_path: Path) -> Path:
    return entry_path.with_suffix(".failed")


def remember(entry_path: Path, key: list, error: AwsStsError, now: Optional[float] = None) -> None:
    """Best effort: a failure that cannot be written only means the next caller tries again."""
    message = str(error)
    if len(message) > MAX_MESSAGE or error.exit_code not in (EXIT_FAILURE, EXIT_USAGE):
        return
    record = {"Key": key, "Message": message, "ExitCode": error.exit_code,
              "FailedAt": time.time() if now is None else now}
    try:
        store.write_private(path_for(entry_path), json.dumps(record).encode("utf-8"))
    except OSError:
        pass


def recall(entry_path: Path, key: list, *, waited_since: float, can_ask: bool,
           now: Optional[float] = None) -> Optional[RememberedFailure]:
    """The remembered failure this caller should answer with (see the module's rules), or None."""
    try:
        data = store.read_private(path_for(entry_path), MAX_BYTES)
        record = json.loads(data) if data else None
    except (store.StoreError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("Key") != key:
        return None
    message, code, failed_at = record.get("Message"), record.get("ExitCode"), record.get("FailedAt")
    if not isinstance(message, str) or not message or len(message) > MAX_MESSAGE:
        return None
    if code not in (EXIT_FAILURE, EXIT_USAGE) or isinstance(code, bool):
        return None
    if not isinstance(failed_at, (int, float)) or isinstance(failed_at, bool) or failed_at != failed_at:
        return None
    now = time.time() if now is None else now
    if not 0 <= now - failed_at <= WINDOW:  # old, or from a clock that has since gone back
        return None
    if failed_at >= waited_since or not can_ask:
        return RememberedFailure(message, code)
    return None


def forget(entry_path: Path) -> None:
    try:
        store.remove(path_for(entry_path))
    except OSError:
        pass
