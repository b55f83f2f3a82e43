"""The only module that asks the user anything.

It owns: the questions (text, hidden password, one-time code, a choice from a list), the decision whether
there is a terminal to ask on (stdin and stderr both TTYs), the no-terminal error that names the flag or
variable to use instead (never a wait for input that cannot come), asking beside Playwright's event loop,
and status lines (`say`, on stderr, so stdout stays clean for results). Everything else takes a `Prompts`,
so tests and other front ends answer without a terminal. It does not print results: that is the CLI's.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import namedtuple

from aws_sts.errors import NoTtyError, PromptTimeoutError

TYPE_CHECKING = False  # not from typing, nor dataclasses: every run imports this module, the fastest ones too
if TYPE_CHECKING:
    from typing import Optional, Sequence, TextIO

Choice = namedtuple("Choice", "title value")  # one line of a select(): what is shown, what is returned


class Prompts:
    def __init__(self, interactive: Optional[bool] = None, out: TextIO = sys.stderr, terminal=None,
                 time_limit: Optional[float] = None):
        self.interactive = sys.stdin.isatty() and out.isatty() if interactive is None else interactive
        self.out = out
        self._terminal = terminal  # /dev/tty (read, write): the questions use it instead of stdin and stderr
        self.time_limit = time_limit  # seconds each question waits for its answer (None: no limit)
        self.intro: Optional[str] = None  # said on the terminal before the first question (see on_terminal)
        self._progress_shown = False  # a progress line is on `out`, to be cleared before anything else

    @classmethod
    def on_terminal(cls, time_limit: Optional[float] = None) -> "Prompts":
        """For `--format process`: the AWS CLI captures stdout and stderr (and may leave stdin a terminal),
        so questions go to the process's terminal, /dev/tty, when it has one; with none, every question is
        the no-terminal error. Status lines still go to stderr, where nobody sees them: set `intro` to say on
        the terminal who is signing in where before the first question. time_limit: the caller holds the
        cache's lock while it asks, and every other caller waits on it, so a question nobody answers must end."""
        try:  # two files: a text file cannot be opened r+ on a terminal (not seekable)
            terminal = (open("/dev/tty", encoding="utf-8"), open("/dev/tty", "w", encoding="utf-8"))  # noqa: SIM115
        except OSError:  # no controlling terminal (ENXIO): a scheduler, a CI job, an IDE's AWS toolkit
            return cls(interactive=False)
        return cls(interactive=True, terminal=terminal, time_limit=time_limit)

    def _io(self) -> dict:
        if self._terminal is None:
            return {}
        from prompt_toolkit.input import create_input
        from prompt_toolkit.output import create_output

        return {"input": create_input(self._terminal[0]), "output": create_output(self._terminal[1])}

    def say(self, message: str) -> None:
        """A status line for the user (stderr, so stdout stays clean for the result)."""
        self.end_progress()
        print(message, file=self.out, flush=True)

    def progress(self, step: str) -> None:
        """What is happening now, as one line rewritten in place on a terminal (stderr), while the browser or
        STS works; nothing at all when `out` is not a terminal (a pipe, a file, the AWS CLI)."""
        if not self.out.isatty():
            return
        import shutil  # here: the fast path (a cache hit, the still-valid skip) never shows progress

        width = max(20, shutil.get_terminal_size().columns - 1)
        line = step if len(step) <= width else step[:width - 1] + "…"
        self.out.write(f"\r\x1b[K{line}")
        self.out.flush()
        self._progress_shown = True

    def end_progress(self) -> None:
        """Clear the progress line (before a status line, a question or the result)."""
        if self._progress_shown:
            self._progress_shown = False
            self.out.write("\r\x1b[K")
            self.out.flush()

    def _need_tty(self, what: str, how: str) -> None:
        self.end_progress()
        if not self.interactive:
            raise NoTtyError(f"{what} is needed but there is no terminal to ask for it: {how}.")
        if self.intro and self._terminal is not None:
            print(self.intro, file=self._terminal[1], flush=True)
            self.intro = None

    def text(self, message: str, *, what: str, how: str) -> str:
        self._need_tty(what, how)
        import questionary

        answer = _ask(questionary.text(message, validate=lambda v: bool(v.strip()) or "Required", **self._io()),
                      self.time_limit)
        return answer.strip()

    def password(self, message: str, *, what: str, how: str) -> str:
        self._need_tty(what, how)
        import questionary

        return _ask(questionary.password(message, validate=lambda v: bool(v) or "Required", **self._io()),
                    self.time_limit)

    def code(self, message: str, *, what: str, how: str, allow_empty: bool = False) -> str:
        """A one-time code: digits only; empty allowed when Enter has a meaning (e.g. send a push)."""
        self._need_tty(what, how)
        import questionary

        def valid(value: str):
            value = value.strip()
            if not value:
                return allow_empty or "Required"
            return value.isdigit() or "Digits only"

        return _ask(questionary.text(message, validate=valid, **self._io()), self.time_limit).strip()

    def select(self, message: str, choices: Sequence[Choice], *, what: str, how: str) -> object:
        self._need_tty(what, how)
        import questionary

        return _ask(questionary.select(
            message, choices=[questionary.Choice(c.title, value=c.value) for c in choices], **self._io()
        ), self.time_limit)


def _ask(question, time_limit: Optional[float] = None):
    """Ask, in a worker thread when this thread already runs an event loop (Playwright's sync API does,
    and prompt_toolkit needs a loop of its own) or when the answer has a time limit. Ctrl-C at the prompt
    raises KeyboardInterrupt here.

    A signal (SIGTERM, or SIGINT sent to aws-sts alone) interrupts the waiting main thread instead: the
    prompt is then told to exit, so the terminal is restored, and the thread is a daemon so that a prompt
    that does not exit can never keep the process alive. So does the end of the time limit, which then
    raises PromptTimeoutError."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        if time_limit is None:
            return question.unsafe_ask()
    outcome = {}

    def ask():
        try:
            outcome["answer"] = question.unsafe_ask()
        except BaseException as exc:  # handed to the main thread
            outcome["error"] = exc

    worker = threading.Thread(target=ask, name="prompt", daemon=True)
    deadline = None if time_limit is None else time.monotonic() + time_limit
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)  # a bounded join, so that a signal handler can run in this thread
            if deadline is not None and time.monotonic() >= deadline and worker.is_alive():
                _stop(question.application, PromptTimeoutError)
                worker.join(1)
                raise PromptTimeoutError(f"No answer at the terminal's prompt within {time_limit:g} s (the config's "
                                         "timeoutSeconds); stopped waiting.")
    except KeyboardInterrupt:
        _stop(question.application, KeyboardInterrupt)
        worker.join(1)
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["answer"]


def _stop(application, error) -> None:
    loop = getattr(application, "loop", None)
    if loop is not None and application.is_running:
        loop.call_soon_threadsafe(lambda: application.exit(exception=error()))
