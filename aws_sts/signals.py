"""Ctrl-C and SIGTERM: a run ends the same way for both, and says whether the credentials file was changed.

SIGTERM is turned into KeyboardInterrupt, which unwinds every `with`, so the browser is closed and its profile
folder removed, and the credentials file is never half-written (atomic rename). A second signal while
cleaning up exits at once. While the credentials file is written both are held back (delivered right after),
so that the closing line can say whether it was.

While --exec's command runs (run_child), aws-sts waits for it and passes the signals sent to aws-sts on to it.
"""

from __future__ import annotations

import os
import signal

HELD = {signal.SIGINT, signal.SIGTERM}
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
POLL_SECONDS = 0.1  # how often run_child looks whether the command ended, should its SIGCHLD go astray
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


def run_child(path: str, argv, env: dict) -> int:
    """Start the program at `path` (argv, env) and wait for it: its exit code, 128+N when signal N ended it, as a
    shell reports it. OSError when it cannot be started.

    SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to aws-sts by another process (kill, a supervisor, a timeout) are
    passed on to the command. The ones the terminal sends (Ctrl-C, Ctrl-\\, a hang-up) already reach the
    command, which is in the terminal's foreground process group with aws-sts: they are not sent twice. What
    sent a signal is read with sigtimedwait() (si_code <= 0: a process); where Python has none (macOS), or
    when another thread takes the signal, every one is passed on."""
    child: list = []

    def forward(signum, frame):
        if child:
            _kill(child[0], signum)

    handlers = {signum: signal.signal(signum, forward) for signum in FORWARDED}
    waited = set(FORWARDED) | {signal.SIGCHLD} if hasattr(signal, "sigtimedwait") else set()
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, waited)
    try:
        # The command starts with aws-sts's own mask and the defaults Python changed (as subprocess does).
        child.append(os.posix_spawn(path, list(argv), env, setsigmask=mask,
                                    setsigdef=(signal.SIGPIPE, signal.SIGXFSZ)))
        code = os.waitstatus_to_exitcode(_wait(child[0], waited))
        return 128 - code if code < 0 else code  # -N: signal N
    finally:
        while waited and signal.sigtimedwait(waited, 0) is not None:  # what the command already got
            pass
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


def _wait(pid: int, waited: set) -> int:
    """The wait status of the child `pid`, passing on the signals sent to aws-sts meanwhile."""
    if not waited:
        return os.waitpid(pid, 0)[1]  # `forward` passes signals on; the wait resumes after each (PEP 475)
    while True:
        info = signal.sigtimedwait(waited, POLL_SECONDS)
        if info is not None and info.si_signo != signal.SIGCHLD and info.si_code <= 0:
            _kill(pid, info.si_signo)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status


def _kill(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:  # it has just ended
        pass
