"""Ctrl-C and SIGTERM: a run ends the same way for both, and says whether the credentials file was changed.

SIGTERM is turned into KeyboardInterrupt, which unwinds every `with`, so the browser is closed and its profile
folder removed, and the credentials file is never half-written (atomic rename). A second signal while
cleaning up exits at once. While the credentials file is written both are held back (delivered right after),
so that the closing line can say whether it was.
"""

from __future__ import annotations

import os
import signal

HELD = {signal.SIGINT, signal.SIGTERM}
_received = None  # the signal that ended the run
_written = False  # whether this run changed the credentials file


def stop_on_signals() -> None:
    def handler(signum, frame):
        global _received
        if _received is not None:
            os._exit(128 + signum)
        _received = signum
        raise KeyboardInterrupt

    for signum in HELD:
        signal.signal(signum, handler)


def holding(write):
    """write(), with SIGINT and SIGTERM held back until it returns; its result."""
    global _written
    signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
    try:
        result = write()
        _written = True
        return result
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD)


def ending(writes_profiles: bool) -> tuple:
    """(the closing line, the exit code) of a run a signal (or Ctrl-C at a prompt) ended. writes_profiles:
    whether the run's command writes the credentials file (the line then says whether it did)."""
    signum = _received or signal.SIGINT
    what = "terminated" if signum == signal.SIGTERM else "interrupted"
    if not writes_profiles:
        return f"aws-sts: {what}.", 128 + signum
    done = "the profile was written before that" if _written else "the credentials file was not changed"
    return f"aws-sts: {what}; {done}.", 128 + signum
