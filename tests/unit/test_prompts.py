"""aws_sts.prompts without a terminal: every question is a NoTtyError naming what to pass instead (never a
wait for input), and `say` writes its line to the stream it was given. (Prompts on a real pseudo-terminal
are tested end to end, through the CLI.)"""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aws_sts.errors import EXIT_USAGE, NoTtyError
from aws_sts.prompts import Choice, Prompts
from tests.helpers import examples

FLAGS = st.from_regex(r"--[a-z][a-z-]{0,20} or AWS_STS_[A-Z]{1,12}", fullmatch=True)
WHATS = st.text(st.characters(categories=["L", "N", "Zs"]), min_size=1, max_size=40).map(str.strip).filter(bool)


def ask(prompts: Prompts, kind: str, what: str, how: str):
    if kind == "select":
        return prompts.select("Role:", [Choice("a", 1), Choice("b", 2)], what=what, how=how)
    if kind == "code":
        return prompts.code("Code:", what=what, how=how, allow_empty=True)
    return getattr(prompts, kind)("Value:", what=what, how=how)


class Unreadable(io.StringIO):
    """A stdin that fails the test if anything tries to read it."""

    def read(self, *args):
        raise AssertionError("a prompt without a terminal read stdin")

    readline = read


@pytest.mark.parametrize("kind", ["text", "password", "code", "select"])
def test_every_question_without_a_terminal_names_the_flag(kind, monkeypatch):
    monkeypatch.setattr("sys.stdin", Unreadable())
    out = io.StringIO()
    with pytest.raises(NoTtyError) as info:
        ask(Prompts(interactive=False, out=out), kind, "The password", "pass --password or set AWS_STS_PASSWORD")
    message = str(info.value)
    assert message == ("The password is needed but there is no terminal to ask for it: "
                       "pass --password or set AWS_STS_PASSWORD.")
    assert info.value.exit_code == EXIT_USAGE
    assert out.getvalue() == ""  # nothing half-asked on the stream either


@settings(max_examples=examples(300), deadline=None)
@given(kind=st.sampled_from(["text", "password", "code", "select"]), what=WHATS, how=FLAGS)
def test_the_no_terminal_error_is_one_line_with_what_and_how(kind, what, how):
    with pytest.raises(NoTtyError) as info:
        ask(Prompts(interactive=False, out=io.StringIO()), kind, what, how)
    message = str(info.value)
    assert message.startswith(what) and message.endswith(f": {how}.")
    assert "\n" not in message


def test_no_terminal_is_the_default_when_the_stream_is_not_one():
    # interactive=None asks the streams: a StringIO is no terminal, whatever stdin is.
    prompts = Prompts(out=io.StringIO())
    assert prompts.interactive is False
    with pytest.raises(NoTtyError):
        prompts.text("Username:", what="The username", how="pass --username")


@settings(max_examples=examples(500), deadline=None)
@given(st.lists(st.text(max_size=200), max_size=5))
def test_say_writes_each_line_to_the_given_stream(messages):
    out = io.StringIO()
    prompts = Prompts(interactive=False, out=out)
    for message in messages:
        prompts.say(message)
    assert out.getvalue() == "".join(f"{m}\n" for m in messages)


def test_say_does_not_use_stdout(capsys):
    out = io.StringIO()
    Prompts(interactive=False, out=out).say("Okta Verify push sent")
    assert out.getvalue() == "Okta Verify push sent\n"
    assert capsys.readouterr() == ("", "")

